//! The `rolesync` binary: the headless CLI for scripts and schedulers ([`cli`]), and (without a
//! command) the desktop window ([`desktop`]). Adapters only: the application is `rolesync-app`.
// The release exe is a GUI program on Windows: no console window opens when it is double-clicked.
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

mod cli;
#[cfg(windows)]
mod console_windows;
mod desktop;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(windows)]
    if std::env::args_os().len() > 1 {
        console_windows::attach_parent_console();
    }
    let cli::Cli { global, command } = cli::Cli::parse();
    ExitCode::from(match command {
        Some(command) => cli::run(&global, command),
        None => desktop::open(rolesync_app::App::new(global.config), global.demo).code(),
    })
}
