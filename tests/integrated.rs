//! End to end through the `rolesync` binary with no stored directory password: a two-DC Samba
//! domain (its KDCs and DNS) in a network namespace this test creates, the binary started inside
//! it with a keytab (`KRB5_CLIENT_KTNAME`) and a configuration that holds only `[entra]` plus
//! `[directory] domain` and `bind = "integrated"`. The DCs are found in DNS, the base DN and the
//! role OU come from the domain; `check` says which DC answered and how it was found; a sync
//! grants, a second changes nothing; with dc1 stopped by PID the next run reads dc2 and still
//! finds nothing to change; without a ticket the run exits 4 before any change, naming the fix.
//! The Entra/Graph emulator runs inside the namespace too (`rolesync emulator`).
#![allow(clippy::unwrap_used, missing_docs)]

use rolesync_ad::ldap::{Bind, LdapConfig, LdapSource};
use rolesync_core::directory::{DirectoryGroup, SourceScope};
use rolesync_core::ids::Dn;
use rolesync_core::traits::DirectorySource;
use rolesync_entra_emulator::{FixtureUser, TenantFixture, UserType, DEMO_APP_ID, DEMO_APP_SECRET};
use rolesync_testkit::samba::domain::{Domain, Keytab};
use rolesync_testkit::samba::fixture;
use rolesync_testkit::{run_rolesync_as, save_credential};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

const EXE: &str = env!("CARGO_BIN_EXE_rolesync");

/// Inside the namespace: reads the role groups with a password bind and writes them as JSON to
/// `RS_OUT` (the tenant is built from them as Entra Connect would sync it).
#[test]
#[ignore = "runs inside the domain's namespace (see integrated_sign_in_syncs_and_fails_over)"]
fn inner_read_groups() {
    let Ok(out) = std::env::var("RS_OUT") else {
        eprintln!("SKIPPED: run by integrated_sign_in_syncs_and_fails_over inside the namespace");
        return;
    };
    let mut c = LdapConfig::new(
        "ldaps://dc1.contoso.test",
        Bind::Simple {
            dn_or_upn: fixture::ADMIN_UPN.into(),
            password: fixture::ADMIN_PASS.into(),
        },
        fixture::BASE,
    );
    c.ca_file = Some(std::env::var("RS_CA").unwrap().into());
    let scope = SourceScope {
        ou: Dn::new(fixture::ROLES_OU),
        extra_groups: vec![],
        transitive: true,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let s = rt
        .block_on(LdapSource::new(c).unwrap().read(&scope))
        .unwrap();
    std::fs::write(out, serde_json::to_vec(&s.groups).unwrap()).unwrap();
}

fn tenant_from(groups: &[DirectoryGroup]) -> TenantFixture {
    let mut t = rolesync_entra_emulator::demo_tenant();
    t.users.clear();
    t.role_assignments.clear();
    t.role_eligibilities.clear();
    t.role_activations.clear();
    let mut seen = BTreeSet::new();
    for u in groups.iter().flat_map(|g| &g.members) {
        let upn = u.upn.as_ref().unwrap().to_string();
        if upn.ends_with(".local") || !seen.insert(u.object_guid) {
            continue;
        }
        t.users.push(FixtureUser {
            id: u.object_guid.to_string(),
            display_name: upn.clone(),
            user_principal_name: upn,
            user_type: UserType::Member,
            account_enabled: u.enabled,
            on_premises_sync_enabled: Some(true),
            on_premises_immutable_id: Some(u.source_anchor().immutable_id()),
            on_premises_security_identifier: u.sid.as_ref().map(|s| s.to_string()),
            ..FixtureUser::default()
        });
    }
    t
}

/// The emulator as a process inside the namespace; stopped by PID when dropped.
struct Emulator {
    child: Child,
    login: String,
    graph: String,
    tenant: String,
}

impl Emulator {
    fn start(d: &Domain, tenant_file: &Path) -> Emulator {
        let mut child = d
            .command(EXE)
            .args(["emulator", "--listen", "127.0.0.1:8400", "--tenant"])
            .arg(tenant_file)
            .env(
                "ROLESYNC_HOME",
                tenant_file.parent().unwrap().join("emulator-home"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut login, mut graph, mut tenant) = (String::new(), String::new(), String::new());
        for line in lines.by_ref() {
            let line = line.unwrap();
            let value = line.split_whitespace().nth(1).unwrap_or("").to_string();
            match line.split_whitespace().next() {
                Some("tenant") => tenant = value,
                Some("login_url") => login = value,
                Some("graph_url") => graph = value,
                Some("ready") => break,
                _ => {}
            }
        }
        assert!(!graph.is_empty(), "the emulator did not start");
        Emulator {
            child,
            login,
            graph,
            tenant,
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Run {
    home: PathBuf,
    service: String,
}

impl Run {
    /// `rolesync ARGS` inside the namespace, as a scheduled run would start it: no terminal, the
    /// domain's CA as the system's trust store, Kerberos from `keytab` (none: an empty cache).
    fn rolesync(&self, d: &Domain, args: &[&str], keytab: Option<&Path>) -> Output {
        let mut c = d.command(EXE);
        for k in [
            "KRB5_CLIENT_KTNAME",
            "KRB5CCNAME",
            "KRB5_CONFIG",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
        ] {
            c.env_remove(k);
        }
        c.env("KRB5_CONFIG", d.krb5_conf())
            .env(
                "KRB5CCNAME",
                format!("FILE:{}", self.home.join("ccache").display()),
            )
            .env("SSL_CERT_FILE", d.ca_file());
        if let Some(kt) = keytab {
            c.env("KRB5_CLIENT_KTNAME", kt);
        }
        run_rolesync_as(c, &self.home, &self.service, args, None)
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn integrated_sign_in_syncs_and_fails_over() {
    let Some(mut d) = Domain::start() else { return };
    let home = d.dir.join("home");
    std::fs::create_dir_all(&home).unwrap();

    // The tenant, synced from what the directory holds.
    let groups_file = d.dir.join("groups.json");
    let out = d
        .command(std::env::current_exe().unwrap())
        .args(["inner_read_groups", "--exact", "--ignored", "--nocapture"])
        .env("RS_OUT", &groups_file)
        .env("RS_CA", d.ca_file())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let groups: Vec<DirectoryGroup> =
        serde_json::from_slice(&std::fs::read(&groups_file).unwrap()).unwrap();
    let tenant_file = d.dir.join("tenant.json");
    std::fs::write(
        &tenant_file,
        serde_json::to_vec(&tenant_from(&groups)).unwrap(),
    )
    .unwrap();
    let emu = Emulator::start(&d, &tenant_file);

    // Only the Entra section, plus the domain and integrated sign-in.
    std::fs::write(
        home.join("rolesync.toml"),
        format!(
            "[directory]\ndomain = \"contoso.test\"\nbind = \"integrated\"\n\n[entra]\ntenant = \"{}\"\nclient_id = \"{DEMO_APP_ID}\"\nsign_in = \"secret\"\nlogin_url = \"{}\"\ngraph_url = \"{}\"\n",
            emu.tenant, emu.login, emu.graph
        ),
    )
    .unwrap();
    let run = Run {
        home: home.clone(),
        service: format!("rolesync-test-integrated-{}", std::process::id()),
    };
    save_credential(
        Path::new(EXE),
        &home,
        &run.service,
        "office365",
        DEMO_APP_ID,
        DEMO_APP_SECRET,
    );
    let keytab = d.keytab(Keytab::Service);

    // No ticket: exit 4 before anything is read or changed, with the cause and the fix.
    let out = run.rolesync(&d, &["sync"], None);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("no Kerberos ticket") && t.contains("kinit"),
        "{t}"
    );

    // The pre-flight names the DCs found in DNS and the one that answered.
    let out = run.rolesync(&d, &["check"], Some(&keytab));
    let t = text(&out);
    for line in [
        "✓ the domain controllers are found in DNS",
        "2 in DNS (SRV _ldap._tcp.dc._msdcs.contoso.test)",
        "found in DNS: SRV _ldap._tcp.dc._msdcs.contoso.test (priority 0, weight 100)",
        "✓ sign-in with Kerberos as the running account",
        "DC=contoso,DC=test (the domain controller's defaultNamingContext)",
        &format!("✓ the role OU exists: {}", fixture::ROLES_OU),
        "✓ group \"Helpdesk Administrator\" maps to role \"Helpdesk Administrator\"",
    ] {
        assert!(t.contains(line), "missing `{line}` in:\n{t}");
    }

    // The sync grants what the groups hold; a second changes nothing.
    let sync = |d: &Domain, label: &str| -> Value {
        let out = run.rolesync(d, &["sync", "--json"], Some(&keytab));
        assert_eq!(out.status.code(), Some(0), "{label}: {}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let first = sync(&d, "first sync");
    assert_eq!(first["report"]["outcome"], "applied", "{first}");
    let granted = first["report"]["summary"]["granted"].as_u64().unwrap();
    assert!(
        granted > 3000,
        "the 3,000-member group and the others: {first}"
    );
    let second = sync(&d, "second sync");
    assert_eq!(second["report"]["outcome"], "noChanges", "{second}");

    // dc1 stops: the next run reads dc2, the same directory, and finds nothing to change.
    let pid = d.pid(0).unwrap();
    d.stop(0);
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
    let third = sync(&d, "after dc1 stopped");
    assert_eq!(third["report"]["outcome"], "noChanges", "{third}");
    let out = run.rolesync(&d, &["check"], Some(&keytab));
    let t = text(&out);
    assert!(
        t.contains("ldaps://dc2.contoso.test:636 (LDAPS, certificate verified)"),
        "{t}"
    );

    // Nothing about the directory was stored: no ldap credential, no password in any file.
    let out = run.rolesync(&d, &["credentials", "list"], None);
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(listed.contains("ldap       not saved"), "{listed}");
    assert!(listed.contains("office365  saved"), "{listed}");
    drop(emu);
}
