//! Integration tests: drive the emulator over real HTTP with reqwest.
#![allow(clippy::unwrap_used, missing_docs)]

#[path = "emulator/support.rs"]
mod support;

#[path = "emulator/administrative_units.rs"]
mod administrative_units;
#[path = "emulator/as_graph.rs"]
mod as_graph;
#[path = "emulator/audit_logs.rs"]
mod audit_logs;
#[path = "emulator/batch.rs"]
mod batch;
#[path = "emulator/directory_roles.rs"]
mod directory_roles;
#[path = "emulator/faults.rs"]
mod faults;
#[path = "emulator/graph_auth.rs"]
mod graph_auth;
#[path = "emulator/interactive.rs"]
mod interactive;
#[path = "emulator/msdocs.rs"]
mod msdocs;
#[path = "emulator/pim.rs"]
mod pim;
#[path = "emulator/pim_settings.rs"]
mod pim_settings;
#[path = "emulator/role_assignments.rs"]
mod role_assignments;
#[path = "emulator/throttling.rs"]
mod throttling;
#[path = "emulator/tls.rs"]
mod tls;
#[path = "emulator/tokens.rs"]
mod tokens;
#[path = "emulator/users.rs"]
mod users;
