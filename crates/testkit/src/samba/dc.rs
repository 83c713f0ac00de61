//! A throwaway Samba AD DC on a loopback address.
//!
//! The provisioned and loaded directory is built once by `samba-dc.sh` and cached as a
//! template under the target dir, keyed by a hash of the directory's LDIF and the script: the
//! test fixture ([`Dc::start`]), or any other directory ([`Directory`], [`Dc::start_with`]: the
//! LDAP benchmark loads its 50,000-user scenario this way). Each DC is a copy
//! of the template, started as `samba -M single -i` with a piped stdin (it exits when the test
//! process does) under a file lock per address (only one DC can bind 389/636 on an address), and
//! is killed by PID when dropped. [`shared`] is the one DC on 127.0.0.1 that most tests share.

use super::fixture;
use crate::in_ci;
use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SCRIPT: &str = include_str!("../../samba-dc.sh");

/// A running DC.
pub struct Dc {
    /// The loopback address it listens on.
    pub addr: String,
    /// Its private directory (a copy of the template).
    pub dir: PathBuf,
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    /// How long starting took (copy + start + LDAPS answering).
    pub start_time: Duration,
}

impl Dc {
    /// The CA that signed the DC's certificate (PEM).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("tls/ca.crt")
    }

    /// An unrelated CA (PEM), for certificate-verification failures.
    pub fn other_ca_file(&self) -> PathBuf {
        self.dir.join("tls/other-ca.crt")
    }

    /// Its `smb.conf`.
    pub fn conf(&self) -> PathBuf {
        self.dir.join("etc/smb.conf")
    }

    /// The samba process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server (SIGKILL by PID) and waits for it.
    pub fn kill(&mut self) {
        self.stdin.take();
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts a DC on `addr` with the test fixture, from the (cached) template.
    pub fn start(addr: &str) -> Option<Dc> {
        if !prerequisites() {
            return None;
        }
        let t0 = Instant::now();
        Some(Dc::start_from(addr, &template(), t0))
    }

    /// Starts a DC on `addr` with another directory, from its (cached) template; builds the
    /// template first when there is none (for a large directory that takes minutes: `ldbadd`
    /// costs milliseconds per entry).
    pub fn start_with(addr: &str, directory: &Directory<'_>) -> Option<Dc> {
        if !prerequisites() {
            return None;
        }
        let template = build_template(directory);
        Some(Dc::start_from(addr, &template, Instant::now()))
    }

    fn start_from(addr: &str, template: &Path, t0: Instant) -> Dc {
        let run_root = target_dir().join("samba-run");
        std::fs::create_dir_all(&run_root).unwrap();
        clean_stale(&run_root);
        let dir = run_root.join(format!("{addr}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let st = Command::new("cp")
            .arg("-a")
            .arg(template)
            .arg(&dir)
            .status()
            .unwrap();
        assert!(st.success(), "copying the Samba template failed");
        let conf = dir.join("etc/smb.conf");
        let text = std::fs::read_to_string(&conf).unwrap();
        let text = text
            .replace(template.to_str().unwrap(), dir.to_str().unwrap())
            .replace("interfaces = 127.0.0.1", &format!("interfaces = {addr}"));
        std::fs::write(&conf, text).unwrap();
        ensure_loopback(addr);
        let lock = std::env::temp_dir().join(format!("rolesync-samba-{addr}.lock"));
        let log = std::fs::File::create(dir.join("log/samba.out")).unwrap();
        // `exec` twice: the PID we hold is samba's own, and it holds the lock (fd 9) until it exits.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec 9>"$1"; flock -w 120 9 || exit 99; exec samba -s "$2" -M single -i"#)
            .arg("sh")
            .arg(&lock)
            .arg(&conf)
            .stdin(Stdio::piped())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting samba");
        let stdin = child.stdin.take();
        let mut dc = Dc {
            addr: addr.to_string(),
            dir,
            child: Some(child),
            stdin,
            start_time: Duration::ZERO,
        };
        dc.wait_ready(Duration::from_secs(150));
        dc.start_time = t0.elapsed();
        eprintln!(
            "samba DC on {addr} answering after {:.2} s (pid {:?})",
            dc.start_time.as_secs_f64(),
            dc.pid()
        );
        dc
    }

    fn wait_ready(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let ports: [SocketAddr; 2] = [
            format!("{}:636", self.addr).parse().unwrap(),
            format!("{}:389", self.addr).parse().unwrap(),
        ];
        loop {
            if let Some(st) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                let log =
                    std::fs::read_to_string(self.dir.join("log/samba.out")).unwrap_or_default();
                panic!(
                    "samba on {} exited ({st}) before answering:\n{log}",
                    self.addr
                );
            }
            if ports
                .iter()
                .all(|p| TcpStream::connect_timeout(p, Duration::from_millis(200)).is_ok())
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "samba on {} did not answer on 636/389 within {limit:?}",
                self.addr
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `ldbsearch` on the DC's database: attribute values of the entries matching `filter`.
    pub fn ldbsearch(&self, filter: &str, attrs: &[&str]) -> String {
        let out = Command::new("ldbsearch")
            .arg("-H")
            .arg(self.dir.join("private/sam.ldb"))
            .arg(format!("--configfile={}", self.conf().display()))
            .arg(filter)
            .args(attrs)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Dc {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static SHARED: OnceLock<Option<Dc>> = OnceLock::new();

/// The DC on 127.0.0.1 shared by the tests of this binary (never dropped: it exits when the
/// test process closes its stdin by exiting). `None` when Samba is unavailable outside CI.
pub fn shared() -> Option<&'static Dc> {
    SHARED.get_or_init(|| Dc::start("127.0.0.1")).as_ref()
}

/// The target dir, from `CARGO_TARGET_DIR` or the executable's path: a test
/// (`target/debug/deps/x`) or a binary (`target/release/x`).
pub fn target_dir() -> PathBuf {
    if let Ok(t) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(t);
    }
    let exe = std::env::current_exe().unwrap();
    let up = if exe.parent().is_some_and(|p| p.ends_with("deps")) {
        3
    } else {
        2
    };
    exe.ancestors().nth(up).unwrap().to_path_buf()
}

pub(crate) fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Samba and the tools are installed (installing them when missing), and we are root (samba
/// binds 389/636). Outside CI a missing prerequisite skips the test with a message; under
/// `CI=true` it fails the test.
pub(crate) fn prerequisites() -> bool {
    static OK: OnceLock<Result<(), String>> = OnceLock::new();
    let r = OK.get_or_init(|| {
        let tools = ["samba", "samba-tool", "ldbadd", "ldbmodify", "ldbsearch", "ldapsearch", "openssl", "flock"];
        if !tools.iter().all(|t| have(t)) {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install-samba.sh");
            eprintln!("Samba AD DC tools missing; running {}", script.display());
            let _ = Command::new(&script).status();
        }
        let missing: Vec<_> = tools.iter().filter(|t| !have(t)).collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing {missing:?}; run scripts/install-deps.sh --test (packages samba-ad-dc samba-ad-provision ldb-tools ldap-utils)"
            ));
        }
        if !is_root() {
            return Err("the Samba DC must run as root (it binds ports 389 and 636)".into());
        }
        Ok(())
    });
    match r {
        Ok(()) => true,
        Err(e) if in_ci() => panic!("Samba AD DC tests cannot run under CI=true: {e}"),
        Err(e) => {
            eprintln!("SKIPPED: Samba AD DC tests: {e}");
            false
        }
    }
}

/// FNV-1a, stable across Rust versions (the cache key must not change with the toolchain).
pub(crate) fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A directory to load into a DC: `ldbadd` input (entries in an order where every `member`
/// value names an entry added before; `objectGUID` and `objectSid` may be given, the load runs
/// with the relax control) and `ldbmodify` input (may be empty).
#[derive(Debug, Clone, Copy)]
pub struct Directory<'a> {
    /// Names the template in messages.
    pub name: &'a str,
    /// Entries to add.
    pub add: &'a str,
    /// Changes to make after the adds.
    pub modify: &'a str,
}

/// The cached template of the test fixture (built once per process when missing; a build is
/// published by an atomic rename, so concurrent test processes do not clash either).
fn template() -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let add = fixture::add_ldif();
            let modify = fixture::modify_ldif();
            build_template(&Directory {
                name: "the test fixture",
                add: &add,
                modify: &modify,
            })
        })
        .clone()
}

/// The template directory for `directory`, built when missing (see [`template`]).
fn build_template(directory: &Directory<'_>) -> PathBuf {
    let (add, modify) = (directory.add, directory.modify);
    let key = fnv(&[add, modify, SCRIPT, fixture::ADMIN_PASS]);
    let root = target_dir().join("samba-template");
    let dir = root.join(format!("{key:016x}"));
    if dir.join("ready").exists() {
        return dir;
    }
    eprintln!(
        "building the Samba template for {} ({} entries) in {}",
        directory.name,
        add.matches("\ndn: ").count() + usize::from(add.starts_with("dn: ")),
        dir.display()
    );
    let t0 = Instant::now();
    std::fs::create_dir_all(&root).unwrap();
    let tmp = root.join(format!("build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let add_path = tmp.join("fixture-add.ldif");
    let mod_path = tmp.join("fixture-modify.ldif");
    std::fs::File::create(&add_path)
        .unwrap()
        .write_all(add.as_bytes())
        .unwrap();
    std::fs::write(&mod_path, modify).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("samba-dc.sh");
    let dc_dir = tmp.join("dc");
    let out = Command::new("sh")
        .arg(&script)
        .arg("template")
        .arg(&dc_dir)
        .arg(&add_path)
        .arg(&mod_path)
        .arg(fixture::ADMIN_PASS)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building the Samba template failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Paths in smb.conf name the build dir; the harness rewrites them per copy.
    let conf = dc_dir.join("etc/smb.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        text.replace(dc_dir.to_str().unwrap(), dir.to_str().unwrap()),
    )
    .unwrap();
    std::fs::write(dc_dir.join("ready"), "").unwrap();
    if std::fs::rename(&dc_dir, &dir).is_err() {
        // Another process published the same template first.
        assert!(
            dir.join("ready").exists(),
            "publishing the Samba template failed"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!(
        "built the Samba template in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    dir
}

/// Removes run directories of test processes that no longer exist.
fn clean_stale(run_root: &Path) {
    let Ok(rd) = std::fs::read_dir(run_root) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.rsplit('-').next().and_then(|p| p.parse::<u32>().ok()) {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Samba binds only to addresses configured on an interface: add 127.0.0.x to `lo` if needed.
fn ensure_loopback(addr: &str) {
    if addr == "127.0.0.1" {
        return;
    }
    let shown = Command::new("ip")
        .args(["-4", "addr", "show", "dev", "lo"])
        .output()
        .unwrap();
    if String::from_utf8_lossy(&shown.stdout).contains(&format!("inet {addr}/")) {
        return;
    }
    let st = Command::new("ip")
        .args(["addr", "add", &format!("{addr}/32"), "dev", "lo"])
        .status()
        .unwrap();
    assert!(st.success(), "adding {addr} to lo failed");
}
