//! Integrated (Kerberos) sign-in and DC discovery against a two-DC Samba domain with its own KDCs
//! and DNS, in a network namespace each test creates ([`domain::Domain`]).
//!
//! Discovery and Kerberos must run where the domain's DNS is the resolver, so each outer test
//! starts the domain and then runs an `inner_*` test of this same binary inside the namespace
//! (`ip netns exec … <this test binary> --exact kerberos::inner_… --ignored`), with the Kerberos
//! environment of the case (`KRB5_CONFIG`, `KRB5_CLIENT_KTNAME`, `KRB5CCNAME`). The inner tests
//! are `#[ignore]`d so that a plain run does not start them outside a namespace; run by hand
//! without the environment they say SKIPPED.

use crate::{admin, fixture, scope};
use rolesync_ad::ldap::{Bind, LdapConfig, LdapSource, Servers};
use rolesync_core::directory::DirectorySnapshot;
use rolesync_core::traits::DirectorySource;
use rolesync_testkit::samba::domain::{self, Domain, Keytab};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Runs `inner_<name>` inside the domain's namespace with `env`; returns its output (asserting
/// success unless `expect_ok` is false).
fn inside(d: &Domain, name: &str, env: &[(&str, OsString)]) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut c = d.command(&exe);
    c.args([
        &format!("kerberos::inner_{name}"),
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    // Nothing from the outer environment decides where credentials come from.
    for k in [
        "KRB5_CONFIG",
        "KRB5_CLIENT_KTNAME",
        "KRB5CCNAME",
        "KRB5_KTNAME",
    ] {
        c.env_remove(k);
    }
    c.env("RS_INNER", "1")
        .env("RS_CA", d.ca_file())
        .env("KRB5_CONFIG", d.krb5_conf())
        .env(
            "KRB5CCNAME",
            format!("FILE:{}", d.dir.join(format!("cc-{name}")).display()),
        );
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "inner_{name} failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "inner_{name} did not run:\n{text}"
    );
    text
}

fn var(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// True inside a namespace run; prints SKIPPED otherwise.
fn is_inner() -> bool {
    let yes = var("RS_INNER").is_some();
    if !yes {
        eprintln!("SKIPPED: an inner test; the outer kerberos:: tests run it inside the domain's namespace");
    }
    yes
}

fn ca() -> PathBuf {
    PathBuf::from(var("RS_CA").unwrap())
}

fn discovered(start_tls: bool) -> LdapConfig {
    let mut c = LdapConfig::with_servers(Servers::Domain(domain::DOMAIN.into()), Bind::Integrated);
    c.ca_file = Some(ca());
    c.start_tls = start_tls;
    c.timeout = Duration::from_secs(20);
    c
}

fn password_read_of(host: &str) -> LdapConfig {
    let mut c = LdapConfig::new(format!("ldaps://{host}"), admin(), fixture::BASE);
    c.ca_file = Some(ca());
    c.timeout = Duration::from_secs(20);
    c
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn read(c: LdapConfig) -> DirectorySnapshot {
    let s = LdapSource::new(c).unwrap();
    s.read(&scope()).await.unwrap_or_else(|e| panic!("{e}"))
}

fn assert_full(s: &DirectorySnapshot) {
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(s.groups.len(), 5, "the role groups and the extra group");
    let big = s.groups.iter().find(|g| g.members.len() == fixture::BIG);
    assert!(big.is_some(), "the 3,000-member group was read completely");
}

// ---- integrated sign-in reads what the password bind reads ----

#[test]
fn integrated_sign_in_reads_the_snapshot_a_password_bind_reads() {
    let Some(d) = Domain::start() else { return };
    let out = inside(
        &d,
        "snapshots_agree",
        &[("KRB5_CLIENT_KTNAME", d.keytab(Keytab::Service).into())],
    );
    assert!(out.contains("dc answered:"), "{out}");
}

#[test]
#[ignore = "runs inside the domain's namespace (see kerberos::integrated_sign_in_reads_the_snapshot_a_password_bind_reads)"]
fn inner_snapshots_agree() {
    if !is_inner() {
        return;
    }
    rt().block_on(async {
        let by_password = read(password_read_of("dc1.contoso.test")).await;
        assert_full(&by_password);
        // LDAPS on 636 and StartTLS on the SRV record's port, both found in DNS, no password.
        for start_tls in [false, true] {
            let src = LdapSource::new(discovered(start_tls)).unwrap();
            let by_kerberos = src.read(&scope()).await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(by_kerberos, by_password, "start_tls = {start_tls}");
            let s = src.connect().await.unwrap();
            println!("dc answered: {} ({})", s.server, s.dc.found_by);
            assert_eq!(
                s.base_dn,
                fixture::BASE,
                "the base DN comes from the RootDSE"
            );
            assert_eq!(src.base_dn().await.unwrap(), fixture::BASE);
        }
        // The same with a fixed URL holding an address: the service principal comes from the
        // DC's dnsHostName.
        let mut c = discovered(false);
        c.servers = Servers::Url("ldaps://127.0.0.2".into());
        assert_eq!(read(c).await, by_password);
    });
}

// ---- discovery and failover ----

#[test]
fn discovery_finds_both_dcs_and_fails_over_when_one_is_stopped() {
    let Some(mut d) = Domain::start() else { return };
    let keytab: OsString = d.keytab(Keytab::Service).into();
    let kt = || vec![("KRB5_CLIENT_KTNAME", keytab.clone())];
    let out = inside(&d, "finds_both", &kt());
    assert!(
        out.contains("found: dc1.contoso.test, dc2.contoso.test"),
        "{out}"
    );
    // dc1 stops (by PID): the next read uses dc2 and reads the same snapshot.
    let pid = d.pid(0).unwrap();
    d.stop(0);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "dc1 (pid {pid}) stopped"
    );
    let out = inside(&d, "reads_from_dc2", &kt());
    assert!(
        out.contains("read from ldaps://dc2.contoso.test:636"),
        "{out}"
    );
    // Both stopped: the domain's DNS went with them: the error names the domain and the records.
    d.stop(1);
    inside(&d, "all_down", &kt());
}

#[test]
#[ignore = "runs inside the domain's namespace"]
fn inner_finds_both() {
    if !is_inner() {
        return;
    }
    rt().block_on(async {
        let src = LdapSource::new(discovered(false)).unwrap();
        let l = src.located().await.unwrap();
        let mut hosts: Vec<&str> = l.candidates.iter().map(|c| c.host.as_str()).collect();
        hosts.sort();
        println!("found: {}", hosts.join(", "));
        assert!(
            l.describe().contains("_ldap._tcp.dc._msdcs.contoso.test"),
            "{}",
            l.describe()
        );
        assert!(l.candidates.iter().all(|c| c.url.ends_with(":636")));
        let lines = rolesync_ad::ldap::check(
            &discovered(false),
            &rolesync_core::ids::Dn::new(fixture::ROLES_OU),
        )
        .await;
        assert!(lines.iter().all(|l| l.ok), "{lines:?}");
        assert!(lines[0].title.contains("found in DNS"), "{lines:?}");
        let answered = lines[1].detail.clone().unwrap();
        assert!(
            answered.contains(
                "found in DNS: SRV _ldap._tcp.dc._msdcs.contoso.test (priority 0, weight 100)"
            ),
            "{answered}"
        );
    });
}

#[test]
#[ignore = "runs inside the domain's namespace"]
fn inner_reads_from_dc2() {
    if !is_inner() {
        return;
    }
    rt().block_on(async {
        let by_password = read(password_read_of("dc2.contoso.test")).await;
        assert_full(&by_password);
        // However the draw ordered them, the read lands on dc2 and reads the same snapshot.
        let src = LdapSource::new(discovered(false)).unwrap();
        assert_eq!(
            src.located().await.unwrap().candidates.len(),
            2,
            "dc1 is still in DNS"
        );
        assert_eq!(src.read(&scope()).await.unwrap(), by_password);
        let s = src.connect().await.unwrap();
        println!("read from {}", s.server);
        let lines = rolesync_ad::ldap::check(
            &discovered(false),
            &rolesync_core::ids::Dn::new(fixture::ROLES_OU),
        )
        .await;
        assert!(lines.iter().all(|l| l.ok), "{lines:?}");
    });
}

#[test]
#[ignore = "runs inside the domain's namespace"]
fn inner_all_down() {
    if !is_inner() {
        return;
    }
    rt().block_on(async {
        let e = LdapSource::new(discovered(false))
            .unwrap()
            .read(&scope())
            .await
            .unwrap_err();
        assert!(e.message.contains("contoso.test"), "{e}");
        assert!(
            e.message.contains("_ldap._tcp.dc._msdcs.contoso.test"),
            "{e}"
        );
        println!("{e}");
    });
}

#[test]
fn a_domain_without_srv_records_is_named_with_the_records_looked_up() {
    let Some(d) = Domain::start() else { return };
    inside(&d, "no_srv_records", &[]);
}

#[test]
#[ignore = "runs inside the domain's namespace"]
fn inner_no_srv_records() {
    if !is_inner() {
        return;
    }
    rt().block_on(async {
        let mut c = discovered(false);
        c.servers = Servers::Domain("sales.contoso.test".into());
        let e = LdapSource::new(c)
            .unwrap()
            .read(&scope())
            .await
            .unwrap_err();
        assert!(
            e.message
                .starts_with("no domain controller of sales.contoso.test was found"),
            "{e}"
        );
        assert!(
            e.message
                .contains("SRV records _ldap._tcp.dc._msdcs.sales.contoso.test"),
            "{e}"
        );
        assert!(e.message.contains("directory.domain"), "{e}");
    });
}

// ---- Kerberos faults: each stops before anything is read, with the cause and the fix ----

#[test]
fn kerberos_faults_name_the_cause_and_the_fix() {
    let Some(d) = Domain::start() else { return };
    let other_realm = d.dir.join("krb5-other.conf");
    std::fs::write(
        &other_realm,
        "[libdefaults]\n\tdefault_realm = OTHER.TEST\n\tdns_lookup_kdc = false\n\tdns_lookup_realm = false\n[realms]\n\tOTHER.TEST = {\n\t\tkdc = 127.0.0.1\n\t}\n",
    )
    .unwrap();
    type Env<'a> = Vec<(&'a str, OsString)>;
    let mut cases: Vec<(&str, Env, &str)> = vec![
        ("no ticket", vec![], "kinit"),
        (
            "keytab of a deleted account",
            vec![(
                "KRB5_CLIENT_KTNAME",
                d.keytab(Keytab::DeletedAccount).into(),
            )],
            "klist -k",
        ),
        (
            "keytab out of date",
            vec![("KRB5_CLIENT_KTNAME", d.keytab(Keytab::Stale).into())],
            "export a new keytab",
        ),
        (
            "wrong realm",
            vec![
                ("KRB5_CLIENT_KTNAME", d.keytab(Keytab::Service).into()),
                ("KRB5_CONFIG", other_realm.clone().into()),
            ],
            "default_realm",
        ),
    ];
    // Clock skew: a ticket obtained while the clocks agreed (kinit), then this machine's clock
    // 15 minutes ahead (libfaketime) — a clock that drifted after sign-in. (With a keytab MIT
    // Kerberos corrects the skew itself when it asks for a new ticket.)
    let faketime = Path::new("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");
    if faketime.exists() {
        let cc = format!("FILE:{}", d.dir.join("cc-skew").display());
        let kinit = d
            .command("kinit")
            .args(["-k", "-t"])
            .arg(d.keytab(Keytab::Service))
            .arg(domain::SERVICE_ACCOUNT)
            .env("KRB5_CONFIG", d.krb5_conf())
            .env("KRB5CCNAME", &cc)
            .output()
            .expect("kinit (krb5-user)");
        assert!(
            kinit.status.success(),
            "kinit: {}",
            String::from_utf8_lossy(&kinit.stderr)
        );
        // An expired ticket: the same cache two days later (tickets last 10 hours).
        let cc_old = format!("FILE:{}", d.dir.join("cc-expired").display());
        std::fs::copy(d.dir.join("cc-skew"), d.dir.join("cc-expired")).unwrap();
        cases.push((
            "expired ticket",
            vec![
                ("LD_PRELOAD", faketime.into()),
                ("FAKETIME", "+2d".into()),
                ("KRB5CCNAME", cc_old.into()),
            ],
            "has expired",
        ));
        cases.push((
            "clock skew",
            vec![
                ("LD_PRELOAD", faketime.into()),
                ("FAKETIME", "+15m".into()),
                ("KRB5CCNAME", cc.into()),
            ],
            "w32tm /resync",
        ));
    } else {
        assert!(
            !rolesync_testkit::in_ci(),
            "CI=true and no libfaketime: run scripts/install-deps.sh --test"
        );
        eprintln!("SKIPPED: the clock-skew case (no libfaketime; apt install faketime)");
    }
    for (what, mut env, fix) in cases {
        env.push(("RS_EXPECT", fix.into()));
        let out = inside(&d, "fault", &env);
        eprintln!(
            "{what}: {}",
            out.lines()
                .find(|l| l.contains("Kerberos sign-in"))
                .unwrap_or("")
        );
    }
    // A DC whose service principal is missing: remove ldap/<dc> from both DCs' accounts in both
    // databases (no replication runs at test time).
    for (i, (_, addr)) in domain::DCS.iter().enumerate() {
        for (host, _) in domain::DCS {
            let account = format!("{}$", host.split('.').next().unwrap().to_ascii_uppercase());
            let out = d
                .command("samba-tool")
                .args(["spn", "delete", &format!("ldap/{host}"), &account])
                .arg(format!("--configfile={}", d.conf(i).display()))
                .args([
                    "-H",
                    &format!("ldap://{addr}"),
                    "-U",
                    "CONTOSO\\Administrator",
                ])
                .arg(format!("--password={}", fixture::ADMIN_PASS))
                .env("KRB5_CONFIG", d.krb5_conf())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "spn delete ldap/{host} on {addr}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let out = inside(
        &d,
        "fault",
        &[
            ("KRB5_CLIENT_KTNAME", d.keytab(Keytab::Service).into()),
            ("RS_EXPECT", "setspn -S ldap/dc".into()),
        ],
    );
    eprintln!(
        "missing SPN: {}",
        out.lines()
            .find(|l| l.contains("Kerberos sign-in"))
            .unwrap_or("")
    );
}

#[test]
#[ignore = "runs inside the domain's namespace"]
fn inner_fault() {
    if !is_inner() {
        return;
    }
    let fix = var("RS_EXPECT").unwrap();
    rt().block_on(async {
        let e = LdapSource::new(discovered(false))
            .unwrap()
            .read(&scope())
            .await
            .unwrap_err();
        println!("error: {e}");
        assert!(
            e.message.starts_with("Kerberos sign-in to ldaps://dc"),
            "{e}"
        );
        assert!(e.message.contains(&fix), "expected `{fix}` in: {e}");
    });
}

// ---- a DC that goes away in the middle of a read: no switch, the read fails closed ----

#[test]
fn a_dc_lost_mid_read_fails_the_read_without_switching() {
    let Some(d) = Domain::start() else { return };
    let pids = format!("{},{}", d.pid(0).unwrap(), d.pid(1).unwrap());
    inside(
        &d,
        "mid_read",
        &[
            ("KRB5_CLIENT_KTNAME", d.keytab(Keytab::Service).into()),
            ("RS_PIDS", pids.into()),
        ],
    );
}

/// Sends the `dc` field of the source's "directory server answered" event (logged once the
/// bind is done, before the first search).
struct OnAnswered(std::sync::Mutex<std::sync::mpsc::Sender<String>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for OnAnswered {
    fn on_event(&self, e: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Fields(Option<String>, bool);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                let v = format!("{v:?}");
                match f.name() {
                    "message" => self.1 = v.contains("directory server answered"),
                    "dc" => self.0 = Some(v),
                    _ => {}
                }
            }
        }
        let mut fields = Fields(None, false);
        e.record(&mut fields);
        if let Fields(Some(dc), true) = fields {
            let _ = self.0.lock().unwrap().send(dc);
        }
    }
}

#[test]
#[ignore = "runs inside the domain's namespace"]
fn inner_mid_read() {
    use tracing_subscriber::layer::SubscriberExt;
    if !is_inner() {
        return;
    }
    let pids: Vec<String> = var("RS_PIDS")
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(OnAnswered(std::sync::Mutex::new(tx))),
    )
    .unwrap();
    let rt = rt();
    let read = rt.spawn(async {
        LdapSource::new(discovered(false))
            .unwrap()
            .read(&scope())
            .await
    });
    // Bound to one DC, the read has begun: that DC goes away (SIGKILL by PID).
    let dc = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let (victim, other) = if dc.contains("dc1.") { (0, 1) } else { (1, 0) };
    let st = std::process::Command::new("kill")
        .args(["-KILL", &pids[victim]])
        .status()
        .unwrap();
    assert!(st.success());
    let e = rt.block_on(read).unwrap().unwrap_err();
    println!("error: {e}");
    let host = domain::DCS[victim].0;
    assert!(
        e.message.contains(host),
        "the error names the DC that went away: {e}"
    );
    assert!(
        !e.message.contains(domain::DCS[other].0),
        "no switch to the other DC: {e}"
    );
    assert!(e.message.contains("nothing was changed"), "{e}");
}
