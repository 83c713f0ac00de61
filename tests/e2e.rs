//! End to end through the `rolesync` binary: a real Samba AD DC (LDAPS, verified against its CA)
//! and the Entra/Graph emulator (HTTPS, verified against its CA), credentials in a real keyring.
//! The first sync makes the tenant's role holders equal the enabled AD group members; a second
//! changes nothing; no secret reaches any file or output; a wrong password, an untrusted
//! certificate and a stopped DC each exit 4 with a clear message and change nothing.
#![allow(clippy::unwrap_used, missing_docs)]

use rolesync_ad::ldap::{Bind, LdapConfig, LdapSource};
use rolesync_core::directory::SourceScope;
use rolesync_core::ids::Dn;
use rolesync_core::traits::DirectorySource;
use rolesync_entra_emulator::{
    EmulatorConfig, FixtureRoleAssignment, FixtureUser, RunningEmulator, TenantFixture, UserType,
    DEMO_APP_ID, DEMO_APP_SECRET,
};
use rolesync_testkit::samba::{dc::Dc, fixture};
use rolesync_testkit::{files_under, run_rolesync, save_credential};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const STALE_ID: &str = "eeeeeeee-1111-4000-8000-000000000001";
const CLOUD_ID: &str = "eeeeeeee-1111-4000-8000-000000000002";

struct Env {
    home: PathBuf,
    service: String,
}

impl Env {
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run_rolesync(
            Path::new(env!("CARGO_BIN_EXE_rolesync")),
            &self.home,
            &self.service,
            args,
            stdin,
        )
    }

    fn set_credential(&self, name: &str, account: &str, secret: &str) {
        save_credential(
            Path::new(env!("CARGO_BIN_EXE_rolesync")),
            &self.home,
            &self.service,
            name,
            account,
            secret,
        );
    }

    fn sync_json(&self) -> (i32, Value, String) {
        let out = self.run(&["sync", "--json"], None);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        for secret in [fixture::ADMIN_PASS, DEMO_APP_SECRET] {
            assert!(
                !stderr.contains(secret) && !String::from_utf8_lossy(&out.stdout).contains(secret),
                "a secret was printed"
            );
        }
        (out.status.code().unwrap(), v, stderr)
    }
}

fn config(dc: &Dc, emu: &RunningEmulator, ca: bool) -> String {
    format!(
        "[directory]\nurl = \"ldaps://127.0.0.1\"\n{}bind = \"{}\"\nbase_dn = \"{}\"\nou = \"{}\"\n\n[entra]\ntenant = \"{}\"\nclient_id = \"{DEMO_APP_ID}\"\nsign_in = \"secret\"\nlogin_url = \"{}\"\ngraph_url = \"{}\"\nca_file = \"{}\"\n",
        if ca { format!("ca_file = \"{}\"\n", dc.ca_file().display()) } else { String::new() },
        fixture::ADMIN_UPN,
        fixture::BASE,
        fixture::ROLES_OU,
        emu.tenant_id(),
        emu.login_base_url(),
        emu.graph_base_url(),
        emu.ca_pem_path().unwrap().display(),
    )
}

/// A tenant synced from the directory: every AD user with a routable UPN has a synced Entra
/// account; plus a stale synced holder and a cloud-only holder of Exchange Administrator.
fn tenant_from(groups: &[rolesync_core::directory::DirectoryGroup]) -> TenantFixture {
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
            // The Entra object id is a GUID of its own; reusing the AD one keeps the test readable.
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
    t.users.push(FixtureUser {
        id: STALE_ID.into(),
        user_principal_name: "stale.admin@contoso.test".into(),
        display_name: "Stale Admin".into(),
        account_enabled: true,
        on_premises_sync_enabled: Some(true),
        on_premises_immutable_id: Some("c3RhbGUtYWRtaW4tYW5jaG9y".into()),
        ..FixtureUser::default()
    });
    t.users.push(FixtureUser {
        id: CLOUD_ID.into(),
        user_principal_name: "cloudadmin@contoso.onmicrosoft.com".into(),
        display_name: "Cloud Admin".into(),
        account_enabled: true,
        ..FixtureUser::default()
    });
    for p in [STALE_ID, CLOUD_ID] {
        t.role_assignments.push(FixtureRoleAssignment {
            id: None,
            principal_id: p.into(),
            role_definition_id: EXCHANGE.into(),
            directory_scope_id: "/".into(),
            ..Default::default()
        });
    }
    t
}

/// Role id → principal ids with an active assignment, from the emulator's state.
fn holders(t: &TenantFixture) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in &t.role_assignments {
        m.entry(a.role_definition_id.to_lowercase())
            .or_default()
            .insert(a.principal_id.to_lowercase());
    }
    m
}

#[test]
fn samba_and_emulator_end_to_end() {
    let Some(mut dc) = Dc::start("127.0.0.1") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    // What AD says, read with the library (the tenant is built as Entra Connect would sync it).
    let mut ldap = LdapConfig::new(
        "ldaps://127.0.0.1",
        Bind::Simple {
            dn_or_upn: fixture::ADMIN_UPN.into(),
            password: fixture::ADMIN_PASS.into(),
        },
        fixture::BASE,
    );
    ldap.ca_file = Some(dc.ca_file());
    let scope = SourceScope {
        ou: Dn::new(fixture::ROLES_OU),
        extra_groups: vec![],
        transitive: true,
    };
    let snapshot = rt
        .block_on(LdapSource::new(ldap).unwrap().read(&scope))
        .unwrap();
    let tenant = tenant_from(&snapshot.groups);
    let id_of: BTreeMap<String, String> = tenant
        .users
        .iter()
        .filter_map(|u| Some((u.on_premises_immutable_id.clone()?, u.id.to_lowercase())))
        .collect();
    let emu = rt
        .block_on(RunningEmulator::start(EmulatorConfig {
            tls: true,
            tenant,
            ..EmulatorConfig::default()
        }))
        .unwrap();

    let home = std::env::temp_dir().join(format!("rolesync-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let env = Env {
        home: home.clone(),
        service: format!("rolesync-test-e2e-{}", std::process::id()),
    };
    std::fs::write(home.join("rolesync.toml"), config(&dc, &emu, true)).unwrap();

    // A scheduled run (no terminal) with no saved credential fails at once: exit 4 and the way to
    // save it; it never waits for input.
    let t = std::time::Instant::now();
    let out = env.run(&["sync"], None);
    let took = t.elapsed();
    assert_eq!(out.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rolesync credentials set ldap"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        took < std::time::Duration::from_secs(1),
        "a missing credential took {took:?} to fail"
    );

    env.set_credential("ldap", fixture::ADMIN_UPN, fixture::ADMIN_PASS);
    env.set_credential("office365", DEMO_APP_ID, DEMO_APP_SECRET);

    // The pre-flight: reach and TLS, bind, the OU, sign-in and permissions, mappings.
    let out = env.run(&["check"], None);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for line in [
        "✓ the directory server is reachable and its certificate is trusted",
        &format!("✓ bind as {}", fixture::ADMIN_UPN),
        "✓ the role OU exists",
        "✓ sign in to Entra ID",
        "✓ the app has the Microsoft Graph permissions a sync needs",
        "✓ group \"Helpdesk Administrator\" maps to role \"Helpdesk Administrator\"",
        "✗ group \"Printer Wranglers\" maps to a role",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings, but everything could be read"
    );

    // First sync.
    let (code, v, stderr) = env.sync_json();
    assert_eq!(code, 0, "{stderr}\n{v}");
    assert_eq!(v["report"]["outcome"], "applied");
    let after = holders(&emu.snapshot());
    for role in [
        "Exchange Administrator",
        "Global Administrator",
        "Helpdesk Administrator",
    ] {
        let role_id = rolesync_core::builtin::builtin_by_name(role)
            .unwrap()
            .template_id;
        let group = snapshot.groups.iter().find(|g| g.name == role).unwrap();
        let want: BTreeSet<String> = group
            .members
            .iter()
            .filter(|u| u.enabled)
            .filter_map(|u| id_of.get(&u.source_anchor().immutable_id()).cloned())
            .collect();
        let mut got = after.get(role_id).cloned().unwrap_or_default();
        got.remove(CLOUD_ID);
        assert_eq!(
            got, want,
            "{role}: holders equal the enabled, synced members"
        );
        assert!(!want.is_empty());
    }
    let helpdesk = &after["729827e3-9c14-49f7-bb1b-9608f156bbb8"];
    assert!(
        helpdesk.len() >= fixture::BIG,
        "the 3,000-member group was granted in full: {}",
        helpdesk.len()
    );
    assert!(
        after[EXCHANGE].contains(CLOUD_ID),
        "cloud-only holders are never touched"
    );
    assert!(
        !after[EXCHANGE].contains(STALE_ID),
        "the stale synced holder was revoked"
    );
    assert_eq!(v["plan"]["unmappedGroups"][0]["name"], "Printer Wranglers");
    let skipped: Vec<&str> = v["plan"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["skipped"].as_array().unwrap())
        .map(|s| s["reason"]["code"].as_str().unwrap())
        .collect();
    assert!(
        skipped.contains(&"nonRoutableUpn") && skipped.contains(&"disabled"),
        "{skipped:?}"
    );

    // Second sync: nothing to do, nothing written.
    let writes = emu.stats().writes;
    let (code, v, _) = env.sync_json();
    assert_eq!(
        (code, v["report"]["outcome"].as_str()),
        (0, Some("noChanges"))
    );
    assert_eq!(emu.stats().writes, writes);

    // No secret in any file RoleSync wrote.
    for f in files_under(&home) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains(fixture::ADMIN_PASS) && !text.contains(DEMO_APP_SECRET),
            "a secret is in {}",
            f.display()
        );
    }

    // A wrong LDAP password: exit 4, in words, nothing changed.
    env.set_credential("ldap", fixture::ADMIN_UPN, "not-the-password");
    let (code, v, _) = env.sync_json();
    assert_eq!(code, 4);
    let err = v["report"]["error"].as_str().unwrap();
    assert!(
        err.contains("wrong password") && err.contains("127.0.0.1"),
        "{err}"
    );
    env.set_credential("ldap", fixture::ADMIN_UPN, fixture::ADMIN_PASS);

    // The DC's certificate without its CA: exit 4, says what to do.
    std::fs::write(home.join("rolesync.toml"), config(&dc, &emu, false)).unwrap();
    let (code, v, _) = env.sync_json();
    assert_eq!(code, 4);
    assert!(
        v["report"]["error"].as_str().unwrap().contains("ca_file"),
        "{v}"
    );
    std::fs::write(home.join("rolesync.toml"), config(&dc, &emu, true)).unwrap();

    // The DC is stopped: exit 4, the report names the failed step, nothing is written.
    dc.kill();
    let (code, v, _) = env.sync_json();
    assert_eq!(code, 4);
    let failed: Vec<&str> = v["report"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "failed")
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["readDirectory"]);
    assert_eq!(emu.stats().writes, writes, "nothing was applied");

    let _ = env.run(&["credentials", "forget", "ldap"], None);
    let _ = env.run(&["credentials", "forget", "office365"], None);
    rt.block_on(emu.shutdown());
    std::fs::remove_dir_all(&home).ok();
}
