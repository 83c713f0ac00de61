//! A two-DC Samba AD domain with its KDCs and DNS, in a private network namespace.
//!
//! The domain (`contoso.test`, realm `CONTOSO.TEST`) is built once by `samba-domain.sh` — dc1
//! provisioned with the test directory, dc2 joined to it — and cached as a template under the
//! target dir, keyed by a hash of the directory and the script. Each [`Domain`] is a copy of the
//! template running in a network namespace of its own (`ip netns`): dc1 on 127.0.0.1 and dc2 on
//! 127.0.0.2 of that namespace's loopback, each serving LDAP/LDAPS, Kerberos and DNS. The
//! namespace's `resolv.conf` (`/etc/netns/NAME/resolv.conf`, which `ip netns exec` binds over
//! `/etc/resolv.conf`) names both DNS servers, so a program started with [`Domain::command`]
//! finds the DCs through DNS SRV records as on a domain-joined machine, with no traffic leaving
//! the namespace. Tests in parallel each get their own namespace ([`crate::netns::Namespace`]); a
//! DC is stopped by PID ([`Domain::stop`]); dropping the domain stops both and removes the
//! namespace.

use super::dc::{fnv, have, prerequisites, target_dir};
use super::fixture;
use crate::netns::Namespace;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SCRIPT: &str = include_str!("../../samba-domain.sh");

/// The domain's DNS name.
pub const DOMAIN: &str = "contoso.test";
/// Its Kerberos realm.
pub const REALM: &str = "CONTOSO.TEST";
/// The service account whose keytab [`Domain::keytab`] gives.
pub const SERVICE_ACCOUNT: &str = "svc-rolesync@CONTOSO.TEST";

/// The DCs: (host name, address in the namespace).
pub const DCS: [(&str, &str); 2] = [
    ("dc1.contoso.test", "127.0.0.1"),
    ("dc2.contoso.test", "127.0.0.2"),
];

/// A keytab the template holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keytab {
    /// `svc-rolesync@CONTOSO.TEST`, current.
    Service,
    /// `svc-gone@CONTOSO.TEST`: the account was deleted after the export.
    DeletedAccount,
    /// `svc-stale@CONTOSO.TEST`: the password was changed after the export.
    Stale,
}

struct Server {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
}

/// A running domain in its own network namespace.
pub struct Domain {
    /// Its private copy of the template.
    pub dir: PathBuf,
    servers: Vec<Server>,
    // Last: dropped after the servers are stopped.
    netns: Namespace,
}

impl Domain {
    /// Starts both DCs; `None` (a skip) when Samba or `ip netns` is unavailable outside CI.
    pub fn start() -> Option<Domain> {
        if !prerequisites() || !netns_available() {
            return None;
        }
        let template = template();
        static N: AtomicUsize = AtomicUsize::new(0);
        // DNS: both DCs (a stopped DC's port is closed: the resolver moves to the next at once).
        let netns = Namespace::create(
            &format!("domain{}", N.fetch_add(1, Ordering::SeqCst)),
            &[],
            Some("nameserver 127.0.0.1\nnameserver 127.0.0.2\noptions timeout:1 attempts:1\n"),
        )
        .unwrap_or_else(|e| panic!("the domain's network namespace: {e}"));
        let run_root = target_dir().join("samba-domain-run");
        std::fs::create_dir_all(&run_root).unwrap();
        clean_stale(&run_root);
        let dir = run_root.join(format!("{}-{}", netns.name(), std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let st = Command::new("cp")
            .arg("-a")
            .arg(&template)
            .arg(&dir)
            .status()
            .unwrap();
        assert!(st.success(), "copying the Samba domain template failed");
        for dc in ["dc1", "dc2"] {
            let conf = dir.join(dc).join("etc/smb.conf");
            let text = std::fs::read_to_string(&conf).unwrap();
            std::fs::write(
                &conf,
                text.replace(template.to_str().unwrap(), dir.to_str().unwrap()),
            )
            .unwrap();
        }
        run(Command::new("ip").args([
            "-n",
            netns.name(),
            "addr",
            "add",
            "127.0.0.2/32",
            "dev",
            "lo",
        ]));
        let mut domain = Domain {
            dir,
            servers: Vec::new(),
            netns,
        };
        let t0 = Instant::now();
        for (i, _) in DCS.iter().enumerate() {
            let server = domain.spawn(i);
            domain.servers.push(server);
        }
        for i in 0..DCS.len() {
            domain.wait_ready(i, Duration::from_secs(150));
        }
        eprintln!(
            "samba domain in netns {} answering after {:.2} s (pids {:?})",
            domain.netns.name(),
            t0.elapsed().as_secs_f64(),
            (0..DCS.len()).map(|i| domain.pid(i)).collect::<Vec<_>>()
        );
        Some(domain)
    }

    fn spawn(&self, i: usize) -> Server {
        let dc = self.dir.join(format!("dc{}", i + 1));
        let log = std::fs::File::create(dc.join("log/samba.out")).unwrap();
        // `ip netns exec` execs samba: the PID we hold is samba's own.
        let mut child = self
            .command("samba")
            .arg("-s")
            .arg(dc.join("etc/smb.conf"))
            .args(["-M", "single", "-i"])
            .stdin(Stdio::piped())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting samba in the namespace");
        let stdin = child.stdin.take();
        Server {
            child: Some(child),
            stdin,
        }
    }

    fn wait_ready(&mut self, i: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        let addr = DCS[i].1;
        let probe = format!(
            "exec 3<>/dev/tcp/{addr}/636 && exec 4<>/dev/tcp/{addr}/389 && exec 5<>/dev/tcp/{addr}/88 && exec 6<>/dev/tcp/{addr}/53"
        );
        loop {
            if let Some(st) = self.servers[i]
                .child
                .as_mut()
                .and_then(|c| c.try_wait().unwrap())
            {
                let log =
                    std::fs::read_to_string(self.dir.join(format!("dc{}/log/samba.out", i + 1)))
                        .unwrap_or_default();
                panic!("samba dc{} exited ({st}) before answering:\n{log}", i + 1);
            }
            let ok = self
                .command("bash")
                .args(["-c", &probe])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "samba dc{} did not answer within {limit:?}",
                i + 1
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `program` to run inside the namespace (its DNS is the domain's).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        self.netns.command(program)
    }

    /// The network namespace's name (`ip netns exec NAME …`).
    pub fn netns(&self) -> &str {
        self.netns.name()
    }

    /// The samba process id of DC `i` (0 = dc1), while running.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.servers
            .get(i)
            .and_then(|s| s.child.as_ref())
            .map(Child::id)
    }

    /// Stops DC `i` (SIGKILL by PID) and waits for it.
    pub fn stop(&mut self, i: usize) {
        if let Some(s) = self.servers.get_mut(i) {
            s.stdin.take();
            if let Some(mut c) = s.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }

    /// The CA that signed both DCs' certificate (PEM).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("tls/ca.crt")
    }

    /// A `krb5.conf` for the realm (both KDCs, no DNS lookups for realms or KDCs).
    pub fn krb5_conf(&self) -> PathBuf {
        self.dir.join("krb5.conf")
    }

    /// A keytab.
    pub fn keytab(&self, which: Keytab) -> PathBuf {
        self.dir.join(match which {
            Keytab::Service => "svc.keytab",
            Keytab::DeletedAccount => "gone.keytab",
            Keytab::Stale => "stale.keytab",
        })
    }

    /// DC `i`'s `smb.conf`.
    pub fn conf(&self, i: usize) -> PathBuf {
        self.dir.join(format!("dc{}/etc/smb.conf", i + 1))
    }

    /// Restarts DC `i` after changing its `smb.conf` (for a DC configured otherwise).
    pub fn restart(&mut self, i: usize) {
        self.stop(i);
        let s = self.spawn(i);
        self.servers[i] = s;
        self.wait_ready(i, Duration::from_secs(150));
    }
}

impl Drop for Domain {
    fn drop(&mut self) {
        for i in 0..self.servers.len() {
            self.stop(i);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        // The namespace goes with `self.netns`, dropped after this.
    }
}

fn run(c: &mut Command) {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ip netns` works here (root, iproute2). Outside CI a missing piece skips; under `CI=true`
/// it fails.
fn netns_available() -> bool {
    static OK: OnceLock<Result<(), String>> = OnceLock::new();
    let r = OK.get_or_init(|| {
        if !have("ip") || !have("bash") {
            return Err(
                "`ip` (iproute2) and bash are needed for the test's network namespace".into(),
            );
        }
        let probe = format!("rs-probe-{}", std::process::id());
        let ok = Command::new("ip")
            .args(["netns", "add", &probe])
            .status()
            .is_ok_and(|s| s.success());
        let _ = Command::new("ip").args(["netns", "del", &probe]).status();
        if ok {
            Ok(())
        } else {
            Err("`ip netns add` failed (it needs root and network namespaces)".into())
        }
    });
    match r {
        Ok(()) => true,
        Err(e) if crate::in_ci() => panic!("Samba domain tests cannot run under CI=true: {e}"),
        Err(e) => {
            eprintln!("SKIPPED: Samba domain tests: {e}");
            false
        }
    }
}

/// The cached template (built when missing; published by an atomic rename).
fn template() -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let add = fixture::add_ldif();
            let modify = fixture::modify_ldif();
            let key = fnv(&[&add, &modify, SCRIPT, fixture::ADMIN_PASS]);
            let root = target_dir().join("samba-domain-template");
            let dir = root.join(format!("{key:016x}"));
            if dir.join("ready").exists() {
                return dir;
            }
            eprintln!(
                "building the Samba domain template (two DCs) in {}",
                dir.display()
            );
            let t0 = Instant::now();
            std::fs::create_dir_all(&root).unwrap();
            let tmp = root.join(format!("build-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&tmp);
            std::fs::create_dir_all(&tmp).unwrap();
            let add_path = tmp.join("fixture-add.ldif");
            let mod_path = tmp.join("fixture-modify.ldif");
            std::fs::write(&add_path, &add).unwrap();
            std::fs::write(&mod_path, &modify).unwrap();
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("samba-domain.sh");
            let built = tmp.join("domain");
            let out = Command::new("sh")
                .arg(&script)
                .arg("template")
                .arg(&built)
                .arg(&add_path)
                .arg(&mod_path)
                .arg(fixture::ADMIN_PASS)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "building the Samba domain template failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            for dc in ["dc1", "dc2"] {
                let conf = built.join(dc).join("etc/smb.conf");
                let text = std::fs::read_to_string(&conf).unwrap();
                std::fs::write(
                    &conf,
                    text.replace(built.to_str().unwrap(), dir.to_str().unwrap()),
                )
                .unwrap();
            }
            std::fs::write(built.join("ready"), "").unwrap();
            if std::fs::rename(&built, &dir).is_err() {
                assert!(
                    dir.join("ready").exists(),
                    "publishing the Samba domain template failed"
                );
            }
            let _ = std::fs::remove_dir_all(&tmp);
            eprintln!(
                "built the Samba domain template in {:.1} s",
                t0.elapsed().as_secs_f64()
            );
            dir
        })
        .clone()
}

/// Removes run directories (`<namespace>-<pid>`) and namespaces (`rolesync-domainN-<pid>`) of
/// test processes that no longer exist.
fn clean_stale(run_root: &Path) {
    let Ok(rd) = std::fs::read_dir(run_root) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((netns, pid)) = name.rsplit_once('-') else {
            continue;
        };
        if let Ok(pid) = pid.parse::<u32>() {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = Command::new("ip").args(["netns", "del", netns]).status();
                let _ = std::fs::remove_dir_all(Path::new("/etc/netns").join(netns));
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}
