//! A Tier-0 tool under attack and under bad input (issue 13), run as admins run it — the
//! `rolesync` binary with a configuration file — against hostile servers on loopback, a
//! recording emulator, and files that are wrong in every way an admin's can be:
//! - `audit`: no change without a record written ahead (`kill -9` mid-apply), an audit that
//!   cannot be written stops a sync before it reads;
//! - `graph`: foreign and repeating next links, huge answers, echoed secrets, untrusted and
//!   CA-as-server certificates, a silent Graph and the run deadline, a tenant with no roles;
//! - `inputs`: configuration and exports that are huge, `/dev/zero`, UTF-16, mistyped, with
//!   invisible characters, naming missing files, and folders that cannot be written; a DC that
//!   refuses StartTLS;
//! - `names`: protected accounts that are not in the tenant, control characters in names,
//!   look-alike group names, PIM activations under an active mapping;
//! - `mail`: the report mail carries this run's log only, zipped, and no secret.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod audit;
mod graph;
mod inputs;
mod mail;
mod names;
mod support;
