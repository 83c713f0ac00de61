//! Who else can change the configuration or the logs. RoleSync's configuration decides who holds
//! Entra roles, and its logs and audit file are the record of what it did: both must be writable
//! only by the account that runs RoleSync and the administrators (root; on Windows Administrators,
//! SYSTEM and TrustedInstaller). Anyone else who can write one of them, or who owns it (and so can
//! change its permissions), is an [`Exposure`], named with the command that fixes it.

use std::path::{Path, PathBuf};

/// Someone who can change a file or folder besides the account running RoleSync and the
/// administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// Who: `everyone`, `group staff`, `bob`, `BUILTIN\Users`.
    pub name: String,
    /// How the OS knows them: `mode 0777`, `gid 50`, `uid 1001`, a SID.
    pub id: String,
    /// They own it (and so can change its permissions), rather than hold write access.
    pub owner: bool,
}

impl std::fmt::Display for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.owner {
            write!(
                f,
                "its owner {} ({}), who can change its permissions",
                self.name, self.id
            )
        } else {
            write!(f, "{} ({})", self.name, self.id)
        }
    }
}

/// A file or folder of RoleSync's that others can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// What it is: `the configuration file`, `the log folder`, …
    pub what: &'static str,
    /// Where.
    pub path: PathBuf,
    /// A folder (else a file).
    pub is_dir: bool,
    /// Who can change it.
    pub writers: Vec<Writer>,
}

impl Exposure {
    /// One line: what, where, and who can change it.
    pub fn message(&self) -> String {
        format!(
            "{} {} can be changed by {}",
            self.what,
            self.path.display(),
            self.writers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    /// The command that makes it private again.
    pub fn fix(&self) -> String {
        #[cfg(unix)]
        return crate::unix::fix(&self.path, self.is_dir, &self.writers);
        #[cfg(windows)]
        return crate::windows::fix(&self.path, self.is_dir, &self.writers);
        #[cfg(not(any(unix, windows)))]
        return format!("make {} writable by its owner only", self.path.display());
    }
}

impl std::fmt::Display for Exposure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; fix: {}", self.message(), self.fix())
    }
}

/// The writers of `path` other than this process's account and the administrators; `None` when
/// the path does not exist or its permissions cannot be read.
pub fn writers(path: &Path) -> Option<Vec<Writer>> {
    #[cfg(unix)]
    return crate::unix::writers(path).ok();
    #[cfg(windows)]
    return crate::windows::writers(path).ok();
    #[cfg(not(any(unix, windows)))]
    return {
        let _ = path;
        None
    };
}

/// Checks the configuration file and its folder, the log folder and the audit file in it (those
/// that exist); returns those that someone else can change.
pub fn exposures(config_file: &Path, log_dir: &Path) -> Vec<Exposure> {
    let mut places: Vec<(&'static str, PathBuf)> =
        vec![("the configuration file", config_file.to_path_buf())];
    if let Some(dir) = config_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        places.push(("the configuration folder", dir.to_path_buf()));
    }
    places.push(("the log folder", log_dir.to_path_buf()));
    places.push(("the audit file", log_dir.join("audit.jsonl")));
    let mut seen = Vec::new();
    let mut found = Vec::new();
    for (what, path) in places {
        if seen.contains(&path) || !path.exists() {
            continue;
        }
        seen.push(path.clone());
        if let Some(writers) = writers(&path).filter(|w| !w.is_empty()) {
            found.push(Exposure {
                what,
                is_dir: path.is_dir(),
                path,
                writers,
            });
        }
    }
    found
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn private_files_have_no_exposure() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("home");
        crate::create_dir_all(&home.join("logs")).unwrap();
        crate::write_atomic(&home.join("rolesync.toml"), b"").unwrap();
        crate::open_append(&home.join("logs/audit.jsonl")).unwrap();
        assert_eq!(
            exposures(&home.join("rolesync.toml"), &home.join("logs")),
            vec![]
        );
    }

    #[test]
    fn world_and_group_writable_places_are_named_with_the_fix() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("home");
        crate::create_dir_all(&home.join("logs")).unwrap();
        let cfg = home.join("rolesync.toml");
        crate::write_atomic(&cfg, b"").unwrap();
        chmod(&home, 0o777);
        chmod(&cfg, 0o620);
        let found = exposures(&cfg, &home.join("logs"));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].what, "the configuration file");
        assert_eq!(found[0].writers.len(), 1);
        assert!(found[0].writers[0].name.starts_with("group "), "{found:?}");
        assert!(found[0].fix().contains("chmod go-w"), "{}", found[0].fix());
        assert_eq!(found[1].what, "the configuration folder");
        let m = found[1].message();
        assert!(m.contains("everyone (mode 0777)"), "{m}");
        assert!(m.contains(&home.display().to_string()), "{m}");
    }
}
