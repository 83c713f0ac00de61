//! Where RoleSync keeps its files by default: the configuration, logs, run reports, the audit
//! file and the demo state. Windows: `%ProgramData%\RoleSync\`; Linux: the XDG folders; the
//! `ROLESYNC_HOME` variable puts everything under one folder.

use std::path::PathBuf;

/// The folders RoleSync uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The default configuration file.
    pub config_file: PathBuf,
    /// Daily logs, run reports and the audit file (unless the configuration names another).
    pub log_dir: PathBuf,
    /// Application data (the demo tenant's state).
    pub data_dir: PathBuf,
}

impl Paths {
    /// The defaults for this OS and environment.
    pub fn from_env() -> Self {
        if let Some(home) = std::env::var_os("ROLESYNC_HOME").filter(|h| !h.is_empty()) {
            return Self::under(PathBuf::from(home));
        }
        Self::os_default()
    }

    /// Everything under one folder.
    pub fn under(home: PathBuf) -> Self {
        Self {
            config_file: home.join("rolesync.toml"),
            log_dir: home.join("logs"),
            data_dir: home.join("data"),
        }
    }

    #[cfg(windows)]
    fn os_default() -> Self {
        let base = std::env::var_os("ProgramData")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
        Self::under(base.join("RoleSync"))
    }

    #[cfg(not(windows))]
    fn os_default() -> Self {
        let home = dirs::home_dir().unwrap_or_else(|| PathBuf::from("."));
        let config = dirs::config_dir().unwrap_or_else(|| home.join(".config"));
        let data = dirs::data_dir().unwrap_or_else(|| home.join(".local/share"));
        let state = dirs::state_dir().unwrap_or_else(|| data.clone());
        Self {
            config_file: config.join("rolesync").join("rolesync.toml"),
            log_dir: state.join("rolesync"),
            data_dir: data.join("rolesync"),
        }
    }
}
