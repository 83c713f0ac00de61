//! Who can change a file or folder on Unix, from its mode bits and owner: everyone (the "other"
//! write bit), its group (the group write bit), and an owner other than this process's user and
//! root (an owner can always change the mode). Names come from `/etc/passwd` and `/etc/group`,
//! else the number. POSIX ACLs (`setfacl`) are not read.
#![allow(unsafe_code)]

use crate::exposure::Writer;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The name for `id` in an `/etc/passwd`-style file (`name:x:id:…`).
fn name_in(file: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _ = f.next()?;
        (f.next()?.parse::<u32>().ok()? == id).then(|| name.to_string())
    })
}

/// See the module docs.
pub fn writers(path: &Path) -> std::io::Result<Vec<Writer>> {
    let md = std::fs::metadata(path)?;
    let mode = md.mode() & 0o7777;
    let mut out = Vec::new();
    if mode & 0o002 != 0 {
        out.push(Writer {
            name: "everyone".into(),
            id: format!("mode {mode:04o}"),
            owner: false,
        });
    }
    if mode & 0o020 != 0 {
        out.push(Writer {
            name: format!(
                "group {}",
                name_in("/etc/group", md.gid()).unwrap_or_else(|| md.gid().to_string())
            ),
            id: format!("gid {}", md.gid()),
            owner: false,
        });
    }
    if md.uid() != euid() && md.uid() != 0 {
        out.push(Writer {
            name: name_in("/etc/passwd", md.uid()).unwrap_or_else(|| md.uid().to_string()),
            id: format!("uid {}", md.uid()),
            owner: true,
        });
    }
    Ok(out)
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// The commands that leave only the owner able to write.
pub fn fix(path: &Path, _is_dir: bool, writers: &[Writer]) -> String {
    let mut cmds = Vec::new();
    if writers.iter().any(|w| w.owner) {
        let me = name_in("/etc/passwd", euid()).unwrap_or_else(|| euid().to_string());
        cmds.push(format!("chown {me} {}", quoted(path)));
    }
    if writers.iter().any(|w| !w.owner) {
        cmds.push(format!("chmod go-w {}", quoted(path)));
    }
    cmds.join(" && ")
}
