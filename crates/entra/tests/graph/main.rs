//! Integration tests of `rolesync-entra` against the local Entra/Graph emulator (HTTP and
//! HTTPS), Microsoft documentation fixtures, and a real OAuth2 client library.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;
mod engine;
mod oauth2_client;
mod parsers;
mod pim;
mod resilience;
mod signin;
mod target;
