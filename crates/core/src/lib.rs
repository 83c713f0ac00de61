//! RoleSync core: domain types, the pure planner, safety checks, the apply loop, the run report
//! and progress events, and the IO traits with in-memory implementations.
//!
//! Data flows one way: read AD ∥ read Entra → [`plan::plan`] (pure) → safety check →
//! [`apply::apply_plan`] → [`report::RunReport`]. [`engine::Engine`] ties them together.

pub mod apply;
pub mod approval;
pub mod builtin;
pub mod checks;
pub mod confusable;
pub mod directory;
pub mod drift;
pub mod engine;
pub mod events;
pub mod exit;
pub mod exposure;
pub mod ids;
pub mod journal;
pub mod mapping;
pub mod memory;
pub mod ownership;
pub mod pim;
pub mod plan;
pub mod policy;
pub mod redact;
pub mod report;
pub mod tenant;
pub mod tls;
pub mod traits;
pub mod undo;
