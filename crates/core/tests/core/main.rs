//! Table tests for every planning rule, golden JSON plans, and the engine over in-memory fakes.
#![allow(clippy::unwrap_used, missing_docs)]

mod fixture;

mod change_control;
mod engine;
mod exposure;
mod golden;
mod journal;
mod pim;
mod planner;
mod scopes;
