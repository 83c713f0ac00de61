//! A local emulator of Microsoft Entra ID (the v2 identity platform) and the parts of Microsoft
//! Graph v1.0 that RoleSync uses: users, directory roles (unified RBAC and legacy
//! `/directoryRoles`), PIM schedules, `$batch`, throttling and fault injection.
//!
//! The emulator follows Microsoft's documented behaviour (see `shared/reference/entra-graph.md`),
//! not RoleSync's client. Start it with [`RunningEmulator::start`]; tests, benchmarks and the app's
//! demo mode point their login and Graph base URLs at [`RunningEmulator::login_base_url`] and
//! [`RunningEmulator::graph_base_url`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), rolesync_entra_emulator::EmulatorError> {
//! use rolesync_entra_emulator::{EmulatorConfig, RunningEmulator};
//! let emu = RunningEmulator::start(EmulatorConfig::default()).await?;
//! println!("token endpoint: {}/{}/oauth2/v2.0/token", emu.login_base_url(), emu.tenant_id());
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

mod audit;
mod clock;
mod config;
mod demo;
mod error;
mod faults;
mod fixture;
mod graph;
mod hosts;
mod ids;
mod login;
mod portal;
mod record;
mod role_policy;
mod roles;
mod schedules;
mod server;
mod state;
mod throttle;
mod tls;
mod tokens;
mod user_index;

pub use config::{EmulatorConfig, FaultConfig, Lifetimes, ThrottleConfig};
pub use demo::{
    demo_tenant, DEMO_APP_CERT_PEM, DEMO_APP_ID, DEMO_APP_KEY_PEM, DEMO_APP_SECRET,
    DEMO_PUBLIC_CLIENT_ID,
};
pub use error::EmulatorError;
pub use fixture::{
    FixtureAdministrativeUnit, FixtureApplication, FixtureGroup, FixtureRoleActivation,
    FixtureRoleAssignment, FixtureRoleDefinition, FixtureRoleEligibility, FixtureRolePolicy,
    FixtureServicePrincipal, FixtureUser, RolePermission, TenantFixture, UserType, VerifiedDomain,
};
pub use ids::{immutable_id_from_guid, role_assignment_id};
pub use record::{read_record, RecordedRequest};
pub use roles::{builtin_role_definitions, BuiltinRole};
pub use server::{RunningEmulator, Stats};
