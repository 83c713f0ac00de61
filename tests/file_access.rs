//! Who can read and change RoleSync's files, through the binary on Linux: every file and folder it
//! creates (configuration, logs, reports, audit file, data folder, lock, demo state) is `0600` /
//! `0700` whatever the umask, and when someone else can change the configuration or the logs,
//! `check`, the run's output and its report name them with the fix — which works.
#![cfg(unix)]
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with `ROLESYNC_HOME=home` under `umask`.
fn run(home: &Path, umask: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_rolesync"))
        .args(args)
        .env("ROLESYNC_HOME", home)
        .env_remove("ROLESYNC_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {} {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every path under `dir` (itself included) with its mode.
fn tree(dir: &Path) -> Vec<(PathBuf, u32, bool)> {
    let md = std::fs::metadata(dir).unwrap();
    let mut out = vec![(dir.to_path_buf(), md.mode() & 0o7777, md.is_dir())];
    if md.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            out.extend(tree(&p));
        }
    }
    out
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("rolesync-access-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn files_and_folders_are_private_whatever_the_umask() {
    let scratch = Scratch::new("umask");
    for umask in ["000", "022"] {
        // The home does not exist yet: RoleSync creates it and everything in it.
        let home = scratch.0.join(format!("home-{umask}"));
        ok(&run(&home, umask, &["config", "init"]));
        ok(&run(&home, umask, &["sync", "--demo", "--json"]));
        ok(&run(
            &home,
            umask,
            &["sync", "--demo", "--dry-run", "--json"],
        ));
        ok(&run(&home, umask, &["plan", "--demo"]));

        let all = tree(&home);
        let names: Vec<String> = all
            .iter()
            .map(|(p, _, _)| p.strip_prefix(&home).unwrap().display().to_string())
            .collect();
        for want in [
            "rolesync.toml",
            "logs",
            "logs/audit.jsonl",
            "logs/reports",
            "data",
            "data/rolesync.lock",
            "data/demo-tenant.json",
        ] {
            assert!(
                names.iter().any(|n| n == want),
                "umask {umask}: no {want} in {names:?}"
            );
        }
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("logs/rolesync.") && n.ends_with(".log")),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .filter(|n| n.starts_with("logs/reports/"))
                .count()
                >= 2,
            "{names:?}"
        );
        let wrong: Vec<String> = all
            .iter()
            .filter(|(_, mode, dir)| *mode != if *dir { 0o700 } else { 0o600 })
            .map(|(p, mode, _)| format!("{} {mode:04o}", p.display()))
            .collect();
        assert!(wrong.is_empty(), "umask {umask}: not private: {wrong:?}");
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn others_who_can_change_the_configuration_or_the_logs_are_named_with_a_fix_that_works() {
    let scratch = Scratch::new("exposed");
    let home = scratch.0.join("home");
    ok(&run(&home, "022", &["config", "init"]));
    ok(&run(&home, "022", &["sync", "--demo"]));
    let clean = run(&home, "022", &["sync", "--demo", "--json"]);
    let v: Value = serde_json::from_slice(&clean.stdout).unwrap();
    assert_eq!(v["report"]["warnings"], serde_json::json!([]), "{v}");

    // Everyone may change the configuration folder, the log folder's group may change it, and
    // (as root) another user owns the configuration file.
    chmod(&home, 0o777);
    chmod(&home.join("logs"), 0o770);
    let root = is_root();
    if root {
        std::os::unix::fs::chown(home.join("rolesync.toml"), Some(65534), None).unwrap();
    } else {
        eprintln!("SKIPPED the owner case: changing a file's owner needs root");
    }

    let check = run(&home, "022", &["check", "--demo", "--json"]);
    let v: Value = serde_json::from_slice(&check.stdout).unwrap();
    let failed: Vec<&Value> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["ok"] == false
                && c["title"]
                    .as_str()
                    .unwrap()
                    .starts_with("only this account")
        })
        .collect();
    assert_eq!(failed.len(), if root { 3 } else { 2 }, "{v:#}");
    let text = serde_json::to_string(&failed).unwrap();
    let gid = std::fs::metadata(home.join("logs")).unwrap().gid();
    for needle in [
        format!(
            "the configuration folder {} can be changed by everyone (mode 0777)",
            home.display()
        ),
        format!("(gid {gid})"),
        "chmod go-w".to_string(),
    ] {
        assert!(text.contains(&needle), "{needle} not in {text}");
    }
    if root {
        assert!(
            text.contains("its owner nobody (uid 65534), who can change its permissions"),
            "{text}"
        );
        assert!(text.contains("chown root"), "{text}");
    }

    // A sync says so on its output, in its report and in the report file.
    let out = run(&home, "022", &["sync", "--demo"]);
    let stdout = ok(&out);
    assert!(
        stdout.contains("warning: the configuration folder"),
        "{stdout}"
    );
    let out = run(&home, "022", &["sync", "--demo", "--json"]);
    let v: Value = serde_json::from_str(&ok(&out)).unwrap();
    let warnings = v["report"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), if root { 3 } else { 2 }, "{v:#}");
    let file: Value =
        serde_json::from_slice(&std::fs::read(v["reportFile"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(&file["warnings"], &v["report"]["warnings"]);

    // Each fix, run as given, clears its finding.
    for c in &failed {
        let fix = c["fix"].as_str().unwrap();
        let st = Command::new("sh").arg("-c").arg(fix).status().unwrap();
        assert!(st.success(), "{fix}");
    }
    let check = run(&home, "022", &["check", "--demo", "--json"]);
    let v: Value = serde_json::from_slice(&check.stdout).unwrap();
    let access: Vec<&Value> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["title"]
                .as_str()
                .unwrap()
                .starts_with("only this account")
        })
        .collect();
    assert_eq!(access.len(), 1, "{v:#}");
    assert_eq!(access[0]["ok"], true, "{v:#}");
}
