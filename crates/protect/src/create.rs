//! Creating RoleSync's folders and files privately. On Unix folders are made `0700` and files
//! `0600` (the mode is given at creation, so the umask can only take bits away). On Windows the
//! topmost folder this creates gets a protected ACL (Administrators and SYSTEM; see
//! [`crate::windows`]); what is created inside inherits it. Existing folders and files keep what
//! they have: [`crate::exposures`] reports them when someone else can write them.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Creates `dir` and its missing parents privately; an existing folder is left as it is.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(windows)]
    {
        // The topmost missing folder gets the ACL; the folders below it inherit it.
        let mut top = dir;
        while let Some(parent) = top.parent().filter(|p| !p.as_os_str().is_empty()) {
            if parent.exists() {
                break;
            }
            top = parent;
        }
        std::fs::create_dir_all(dir)?;
        crate::windows::protect_folder(top)
    }
    #[cfg(not(any(unix, windows)))]
    {
        std::fs::create_dir_all(dir)
    }
}

fn private(o: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Opens `path` for appending, creating it (`0600`) when missing.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    private(OpenOptions::new().create(true).append(true)).open(path)
}

/// Opens `path` for writing without truncating it, creating it (`0600`) when missing (lock files).
pub fn open_for_lock(path: &Path) -> std::io::Result<File> {
    private(OpenOptions::new().create(true).write(true).truncate(false)).open(path)
}

/// Creates `path` (`0600`), or truncates it when it exists.
pub fn create_file(path: &Path) -> std::io::Result<File> {
    private(OpenOptions::new().create(true).write(true).truncate(true)).open(path)
}

/// Creates `path` (`0600`) only when it does not exist yet (`AlreadyExists` otherwise): of two
/// processes creating it at once, exactly one succeeds (a claim, such as a decision on a held plan).
pub fn create_new(path: &Path) -> std::io::Result<File> {
    private(OpenOptions::new().write(true).create_new(true)).open(path)
}

/// Writes `path` whole or not at all: a private temporary file next to it (`<name>.tmp`), synced,
/// then renamed over it. The folder must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let written = (|| {
        let mut f = create_file(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// What to add to an error about one of RoleSync's files when access was denied: who may write
/// there (empty for other errors).
pub fn denied_hint(e: &std::io::Error) -> &'static str {
    if e.kind() != std::io::ErrorKind::PermissionDenied {
        return "";
    }
    if cfg!(windows) {
        "; RoleSync's folder is for Administrators and SYSTEM only: run this from an elevated prompt (Run as administrator)"
    } else {
        "; RoleSync's folders are private to the account that created them: run this as that account (or root)"
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn folders_and_files_are_created_private() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("a/b/c");
        create_dir_all(&dir).unwrap();
        for d in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&t.path().join(d)), 0o700, "{d}");
        }
        let f = dir.join("x.json");
        write_atomic(&f, b"{}").unwrap();
        assert_eq!(mode(&f), 0o600);
        assert_eq!(std::fs::read(&f).unwrap(), b"{}");
        assert!(!dir.join("x.json.tmp").exists());
        open_append(&dir.join("audit.jsonl")).unwrap();
        open_for_lock(&dir.join("lock")).unwrap();
        create_file(&dir.join("info")).unwrap();
        assert_eq!(mode(&dir.join("info")), 0o600);
        assert_eq!(mode(&dir.join("audit.jsonl")), 0o600);
        assert_eq!(mode(&dir.join("lock")), 0o600);
    }

    #[test]
    fn only_a_denied_access_gets_the_hint() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(denied_hint(&denied).contains("as that account"));
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(denied_hint(&missing), "");
    }

    #[test]
    fn an_existing_folder_keeps_its_mode() {
        let t = tempfile::tempdir().unwrap();
        std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir_all(t.path()).unwrap();
        assert_eq!(mode(t.path()), 0o755);
    }
}
