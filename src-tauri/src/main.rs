//! The `rolesync` binary: the headless CLI for scripts and schedulers, and (without a command) the
//! desktop app. Thin adapters only: the work is in the library crates.

mod app;
mod artifacts;
mod backends;
mod cli;
mod desktop;
mod failure;
mod logging;
mod render;
mod runner;
mod settings;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    ExitCode::from(app::run(cli))
}
