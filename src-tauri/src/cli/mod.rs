//! The headless command line: parse (clap, [`args`]), call the application, print the result
//! ([`output`]), exit with the code the result's kind owns. Each command is a few lines in
//! [`commands`]; the work is in `rolesync-app`.

pub mod args;
mod commands;
mod output;
mod progress;
mod render;
mod setup;
mod terminal;

pub use args::{Cli, Command, Global};

/// Runs a command and returns the exit code. Errors go to stderr (and, with `--json`, as a
/// document to stdout).
pub fn run(global: &Global, command: Command) -> u8 {
    match commands::dispatch(global, command) {
        Ok(code) => code.code(),
        Err(e) => {
            if global.json {
                output::error_json(&e);
            }
            eprintln!("error: {}", e.message);
            e.exit().code()
        }
    }
}
