//! The `rolesync` binary: the headless CLI for scripts and schedulers, and (without a command) the
//! desktop app. Thin adapters only: the work is in the library crates.
// The release exe is a GUI program on Windows: no console window opens when it is double-clicked.
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

mod app;
mod artifacts;
mod backends;
mod cli;
#[cfg(windows)]
mod console_windows;
mod credentials;
mod credentials_cmd;
mod demo_tenant;
mod desktop;
mod emulator_cmd;
mod failure;
mod logging;
mod render;
mod runlock;
mod runner;
mod schedule_cmd;
mod settings;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(windows)]
    if std::env::args_os().len() > 1 {
        console_windows::attach_parent_console();
    }
    let cli = cli::Cli::parse();
    ExitCode::from(app::run(cli))
}
