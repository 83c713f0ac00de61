//! A private network namespace for a test, where chosen host names resolve to loopback — so a
//! test can run RoleSync as it is deployed (Microsoft's real host names, port 443) against local
//! servers without any traffic leaving the machine. Built on iproute2's named namespaces:
//! `ip netns add NAME` makes the namespace, `/etc/netns/NAME/hosts` (and `resolv.conf`, when
//! given) is bind-mounted over `/etc/hosts` by `ip netns exec NAME …` for every process started
//! in it, and only its own loopback interface exists (no route out). Needs root; on a machine
//! where it cannot be made, [`Namespace::create`] says why, and the test reports a skip (or fails
//! in CI). Dropping the handle deletes the namespace and its `/etc/netns` folder.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A network namespace that exists until dropped.
pub struct Namespace {
    name: String,
    etc: PathBuf,
}

fn run(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", args[0]))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Namespace {
    /// Makes a namespace named `rolesync-<tag>-<pid>` whose `/etc/hosts` maps each name in
    /// `names` to `127.0.0.1`, with loopback up. `resolv_conf`, when given, replaces
    /// `/etc/resolv.conf` inside it (e.g. a DNS server on its loopback).
    pub fn create(
        tag: &str,
        names: &[&str],
        resolv_conf: Option<&str>,
    ) -> Result<Namespace, String> {
        // The effective uid, from procfs (no unsafe libc call).
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let root = status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0");
        if !root {
            return Err("a private network namespace needs root (ip netns add)".into());
        }
        let name = format!("rolesync-{tag}-{}", std::process::id());
        let etc = PathBuf::from("/etc/netns").join(&name);
        // A namespace left by a killed earlier run of this same test process id: remove it.
        let _ = run(&["ip", "netns", "del", &name]);
        run(&["ip", "netns", "add", &name])?;
        let ns = Namespace { name, etc };
        std::fs::create_dir_all(&ns.etc)
            .map_err(|e| format!("cannot create {}: {e}", ns.etc.display()))?;
        let mut hosts = String::from("127.0.0.1 localhost\n::1 localhost\n");
        for n in names {
            hosts.push_str(&format!("127.0.0.1 {n}\n"));
        }
        std::fs::write(ns.etc.join("hosts"), hosts)
            .map_err(|e| format!("cannot write the namespace's hosts file: {e}"))?;
        if let Some(r) = resolv_conf {
            std::fs::write(ns.etc.join("resolv.conf"), r)
                .map_err(|e| format!("cannot write the namespace's resolv.conf: {e}"))?;
        }
        run(&["ip", "-n", &ns.name, "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A command that runs `program` inside the namespace (`ip netns exec NAME program`); the
    /// child's process id is the program's own (`ip` execs it), so it can be stopped by PID.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = run(&["ip", "netns", "del", &self.name]);
        let _ = std::fs::remove_dir_all(&self.etc);
    }
}
