//! RoleSync's Microsoft Graph client — the role target — and every Entra ID sign-in flow.
//!
//! * [`GraphTarget`] implements `rolesync_core::traits::RoleTarget` over Graph's unified RBAC
//!   API and PIM; build it with [`GraphTarget::from_config`] from an [`EntraConfig`], the one credential
//!   the sign-in mode needs ([`connect::credential_needed`]) and an [`auth::Interaction`]
//!   (browser opener and device-code display).
//! * [`http::GraphClient`] is the one send path: retries, `Retry-After`, request ids, pacing
//!   ([`pacing`]) against Microsoft's throttling limits; [`paging`] turns `@odata.nextLink` into a
//!   stream; [`batch`] sends `$batch`es.
//! * [`auth`] holds the [`auth::TokenSource`] trait and its flows: certificate (PEM, PFX, Windows
//!   store), client secret, authorization code + PKCE, device code, password, refresh tokens.
//! * Secrets live in [`Sensitive`] (`Debug` prints `<redacted>`), in memory only.

pub mod audit_log;
pub mod auth;
pub mod batch;
pub mod config;
pub mod connect;
pub mod error;
mod holders;
pub mod http;
pub mod model;
pub mod pacing;
pub mod paging;
pub mod role_settings;
pub mod secret;
pub mod server_clock;
pub mod target;
pub mod tenant;

pub use auth::{Interaction, SystemBrowser, TokenSource};
pub use config::{EntraConfig, SignIn};
pub use connect::ConnectOptions;
pub use error::{AuthError, AuthErrorKind, GraphError};
pub use secret::Sensitive;
pub use target::GraphTarget;
