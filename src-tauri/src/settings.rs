//! Finding and loading the configuration for a command: `--config` or the default location,
//! validated before any IO; demo runs need no file but use one when it exists.

use crate::cli::Global;
use crate::failure::Failure;
use rolesync_config::{Config, Paths};
use std::path::PathBuf;

/// The configuration and folders for one command.
#[derive(Clone)]
pub struct Settings {
    /// Default folders.
    pub paths: Paths,
    /// The configuration (defaults when no file exists in demo mode).
    pub config: Config,
    /// Whether the file exists.
    pub file_exists: bool,
}

impl Settings {
    /// The folder for logs, reports and the audit file.
    pub fn log_dir(&self) -> PathBuf {
        self.config
            .logging
            .folder
            .clone()
            .unwrap_or_else(|| self.paths.log_dir.clone())
    }
}

/// The configuration file this command uses.
pub fn config_path(global: &Global, paths: &Paths) -> PathBuf {
    global
        .config
        .clone()
        .unwrap_or_else(|| paths.config_file.clone())
}

/// Loads and validates the configuration. A missing file is an error unless `optional`.
pub fn load(global: &Global, optional: bool) -> Result<Settings, Failure> {
    let paths = Paths::from_env();
    let file = config_path(global, &paths);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if optional {
                return Ok(Settings {
                    paths,
                    config: Config::defaults(file),
                    file_exists: false,
                });
            }
            return Err(Failure::config(format!(
                "no configuration at {}: create one with `rolesync config init`{}, or try the built-in demo with `--demo`",
                file.display(),
                if global.config.is_some() { " --config <that path>" } else { "" }
            )));
        }
        Err(e) => {
            return Err(Failure::config(format!(
                "cannot read the configuration {}: {e}",
                file.display()
            )))
        }
    };
    let config = rolesync_config::parse(&file, &text)
        .map_err(|e| Failure::config(e.to_string().trim_end().to_string()))?;
    Ok(Settings {
        paths,
        config,
        file_exists: true,
    })
}
