//! RoleSync's own traffic checked against Microsoft's description of Graph v1.0: a full sync of
//! the demo, and one of a generated scenario with PIM-eligible mappings, each against a recording
//! `rolesync emulator`; every Graph request they make — reads, `$batch`es and the writes inside,
//! PIM requests — must be an operation of the description with its query options and body
//! properties. The scenario's second sync finds drift made in the portal and reads the directory
//! audit log for it, and reads RoleSync's own PIM requests back for a `manage = "owned"`
//! mapping. The configuration names the emulator's host only (`http://127.0.0.1:PORT`, no
//! `/v1.0`), as an admin pointing RoleSync at a local emulator would. Also: the checker itself
//! refuses what is outside the description.

use crate::contract::Contract;
use crate::support::*;
use rolesync_bench::{generate, ScenarioSize, APP_ID, APP_SECRET};
use rolesync_entra_emulator::{RecordedRequest, DEMO_APP_ID, DEMO_APP_SECRET};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use toml_edit::value;

fn loopback_emulator(dir: &Path, tenant: Option<&Path>) -> Emulator {
    let mut cmd = Command::new(BIN);
    cmd.args(["emulator", "--listen", "127.0.0.1:0", "--no-throttling"]);
    if let Some(t) = tenant {
        cmd.arg("--tenant").arg(t);
    }
    Emulator::start(cmd, dir)
}

fn sync(admin: &Admin) -> Value {
    let out = admin.run(None, &["sync", "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_covers(reqs: &[RecordedRequest]) {
    let has = |p: &str, batch: bool| {
        reqs.iter()
            .any(|r| r.api == "graph" && r.in_batch == batch && r.path.ends_with(p))
    };
    assert!(has("/roleManagement/directory/roleDefinitions", false));
    assert!(
        has("/policies/roleManagementPolicyAssignments", true),
        "no PIM settings read through $batch"
    );
    assert!(
        has("/roleManagement/directory/roleAssignments", true)
            || has(
                "/roleManagement/directory/roleAssignmentScheduleRequests",
                true
            ),
        "no grant through $batch"
    );
    assert!(
        has(
            "/roleManagement/directory/roleEligibilityScheduleRequests",
            true
        ),
        "no PIM request through $batch"
    );
}

#[test]
fn a_demo_sync_stays_within_graph_v1() {
    let scratch = tempfile::tempdir().unwrap();
    let emu = loopback_emulator(scratch.path(), None);
    let admin = Admin::new("contract-demo");
    admin.write_config(|doc| {
        demo_directory(doc);
        let e = doc["entra"].as_table_mut().unwrap();
        e["tenant"] = value(&emu.tenant);
        e["client_id"] = value(DEMO_APP_ID);
        e["sign_in"] = value("secret");
        e.remove("certificate");
        // The host only: RoleSync adds /v1.0 (and the tenant for the login endpoints).
        e["login_url"] = value(&emu.login_url);
        e["graph_url"] = value(&emu.login_url);
    });
    rolesync_testkit::save_credential(
        Path::new(BIN),
        admin.home.path(),
        &admin.service,
        "office365",
        DEMO_APP_ID,
        DEMO_APP_SECRET,
    );
    let v = sync(&admin);
    assert_eq!(v["report"]["summary"]["granted"], 4);
    let reqs = emu.requests();
    assert_covers(&reqs);
    let n = Contract::load().check_all(&reqs);
    eprintln!("demo sync: {n} Graph requests, all within the v1.0 description");
}

#[test]
fn a_scenario_sync_with_pim_mappings_stays_within_graph_v1() {
    let scratch = tempfile::tempdir().unwrap();
    let mut s = generate(&ScenarioSize::small(7));
    // The app may read the directory audit log (drift's who and when).
    for app in s
        .tenant
        .applications
        .iter_mut()
        .filter(|a| a.app_id == APP_ID)
    {
        app.application_permissions
            .extend(["AuditLog.Read.All".into(), "Directory.Read.All".into()]);
    }
    let ldif = scratch.path().join("directory.ldif");
    let tenant = scratch.path().join("tenant.json");
    std::fs::write(&ldif, &s.ldif).unwrap();
    std::fs::write(&tenant, serde_json::to_string(&s.tenant).unwrap()).unwrap();
    let emu = loopback_emulator(scratch.path(), Some(&tenant));
    let admin = Admin::new("contract-scenario");
    let config = admin.home.path().join("rolesync.toml");
    let mut text =
        rolesync_bench::config_toml(&s, ldif.to_str().unwrap(), &emu.login_url, &emu.login_url);
    // Two of the mapped roles through PIM (eligible assignments), the first owned.
    for (i, (name, _)) in s.roles.iter().take(2).enumerate() {
        let manage = if i == 0 { "manage = \"owned\"\n" } else { "" };
        text.push_str(&format!(
            "\n[[mappings]]\ngroup = {name:?}\nkind = \"eligible\"\n{manage}"
        ));
    }
    std::fs::write(&config, text).unwrap();
    rolesync_testkit::save_credential(
        Path::new(BIN),
        admin.home.path(),
        &admin.service,
        "office365",
        APP_ID,
        APP_SECRET,
    );
    let v = sync(&admin);
    assert!(
        v["report"]["summary"]["granted"].as_u64().unwrap() > 0,
        "{v}"
    );
    // Drift: an assignment of the third role removed in the portal by a tenant user.
    let (_, role) = &s.roles[2];
    let holder = s
        .expected
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(role))
        .map(|(_, p)| p.clone())
        .unwrap();
    let actor = s.tenant.users[0].user_principal_name.clone();
    let hook = format!("{}/_emulator/portal/roleAssignment", emu.login_url);
    let body = json!({"action": "remove", "roleDefinitionId": role, "principalId": holder, "actor": actor});
    let status = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::Client::new()
            .post(hook)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(status.is_success(), "{status}");
    let v = sync(&admin);
    assert_eq!(v["report"]["drift"][0]["by"], actor.as_str(), "{v}");
    let reqs = emu.requests();
    assert_covers(&reqs);
    let read = |p: &str| {
        reqs.iter()
            .any(|r| r.api == "graph" && r.method == "GET" && r.path.ends_with(p))
    };
    assert!(
        read("/auditLogs/directoryAudits"),
        "the audit log was not read"
    );
    assert!(
        read("/roleManagement/directory/roleEligibilityScheduleRequests"),
        "RoleSync's PIM requests were not read back"
    );
    let n = Contract::load().check_all(&reqs);
    eprintln!("scenario sync: {n} Graph requests, all within the v1.0 description");
}

/// The demo tenant with strict PIM settings: Security Reader eligibility must end within 180
/// days and needs a ticket; every role needs MFA on active assignment. Gina is not eligible yet.
fn strict_demo() -> rolesync_entra_emulator::TenantFixture {
    let mut t = rolesync_entra_emulator::demo_tenant();
    t.role_eligibilities
        .retain(|e| e.principal_id != "eeeeeeee-0000-4000-8000-000000000006");
    t.role_policies = vec![
        rolesync_entra_emulator::FixtureRolePolicy {
            role_definition_id: "*".into(),
            rules: vec![
                json!({"id": "Enablement_Admin_Assignment", "enabledRules": ["Justification", "MultiFactorAuthentication"]}),
            ],
        },
        rolesync_entra_emulator::FixtureRolePolicy {
            role_definition_id: "5d6b6bb7-de71-4623-b4af-96380a352509".into(),
            rules: vec![
                json!({"id": "Expiration_Admin_Eligibility", "isExpirationRequired": true, "maximumDuration": "P180D"}),
                json!({"id": "Enablement_Admin_Eligibility", "enabledRules": ["Justification", "Ticketing"]}),
            ],
        },
    ];
    t
}

fn role<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["report"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == name)
        .unwrap()
}

/// Through the binary as deployed (the `config init` file, a `rolesync emulator` process): a
/// tenant with strict PIM settings is checked (✗ naming the setting), synced with compliant
/// requests (exit 1 for the roles held back), and — the emulator's clock moved to ten days before
/// the end — planned and synced again with a renewal; every request within Graph v1.0.
#[test]
fn a_strict_pim_tenant_is_checked_synced_and_renewed_within_graph_v1() {
    let scratch = tempfile::tempdir().unwrap();
    let tenant = scratch.path().join("strict.json");
    std::fs::write(&tenant, serde_json::to_string(&strict_demo()).unwrap()).unwrap();
    let emu = loopback_emulator(scratch.path(), Some(&tenant));
    let admin = Admin::new("contract-pim");
    admin.write_config(|doc| {
        demo_directory(doc);
        let e = doc["entra"].as_table_mut().unwrap();
        e["tenant"] = value(&emu.tenant);
        e["client_id"] = value(DEMO_APP_ID);
        e["sign_in"] = value("secret");
        e.remove("certificate");
        e["login_url"] = value(&emu.login_url);
        e["graph_url"] = value(&emu.login_url);
    });
    rolesync_testkit::save_credential(
        Path::new(BIN),
        admin.home.path(),
        &admin.service,
        "office365",
        DEMO_APP_ID,
        DEMO_APP_SECRET,
    );

    let out = admin.run(None, &["check"], &[]);
    let check = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{check}{}", text(&out.stderr));
    assert!(
        check.contains(
            "✗ PIM settings of role \"Exchange Administrator\" allow RoleSync's active assignments"
        ),
        "{check}"
    );
    assert!(
        check.contains("Require Azure Multi-Factor Authentication on active assignment"),
        "{check}"
    );
    assert!(
        check.contains(
            "✓ PIM settings of role \"Security Reader\" allow RoleSync's eligible assignments"
        ),
        "{check}"
    );

    let out = admin.run(None, &["sync", "--json"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sr = role(&v, "Security Reader");
    assert_eq!(sr["grants"][0]["user"], "gina@contoso.com");
    assert_eq!(sr["grants"][0]["outcome"]["result"], "done");
    let ex = role(&v, "Exchange Administrator");
    assert!(
        ex["held"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["user"] == "bob@contoso.com"),
        "{ex}"
    );
    assert!(ex["pim"]["hold"]["fix"]
        .as_str()
        .unwrap()
        .contains("Role settings"));

    // Ten days before gina's eligibility ends.
    ureq::post(&format!("{}/_emulator/clock", emu.login_url))
        .send_json(json!({"advanceSeconds": 170 * 86_400}))
        .unwrap();
    let out = admin.run(None, &["plan"], &[]);
    let plan = text(&out.stdout);
    assert!(plan.contains("↻ renew"), "{plan}");
    assert!(
        plan.lines().any(|l| l.contains("renew")
            && l.contains("gina@contoso.com")
            && l.contains("ends on")),
        "{plan}"
    );
    let out = admin.run(None, &["sync", "--json"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["report"]["summary"]["renewed"], 1, "{v}");
    let sr = role(&v, "Security Reader");
    assert_eq!(sr["renewals"][0]["outcome"]["result"], "done", "{sr}");
    assert!(sr["revokes"].as_array().unwrap().is_empty());

    let reqs = emu.requests();
    assert!(
        reqs.iter().any(|r| r.in_batch
            && r.path
                .ends_with("/policies/roleManagementPolicyAssignments")
            && r.query
                .as_deref()
                .is_some_and(|q| q.contains("$expand=policy($expand=rules)"))),
        "no PIM settings read through $batch"
    );
    let extend = reqs.iter().find(|r| {
        r.path.ends_with("/roleEligibilityScheduleRequests")
            && r.body
                .as_ref()
                .is_some_and(|b| b["action"] == "adminExtend")
    });
    let extend = extend.expect("an adminExtend request");
    assert_eq!(extend.status, 201);
    let body = extend.body.as_ref().unwrap();
    assert_eq!(body["scheduleInfo"]["expiration"]["duration"], "P180D");
    assert_eq!(body["ticketInfo"]["ticketSystem"], "RoleSync");
    let n = Contract::load().check_all(&reqs);
    eprintln!("strict PIM syncs and renewal: {n} Graph requests, all within the v1.0 description");
}

/// The administrative unit the scoped test maps Helpdesk Administrator in.
const EUROPE: &str = "a0000000-0000-4000-8000-0000000000e1";

/// Through the binary as deployed, against a recording `rolesync emulator`: the demo directory's
/// "Helpdesk Administrator" group is mapped tenant-wide and in the administrative unit "Europe"
/// (by display name); the unit is looked up, its assignments read and written with its
/// `directoryScopeId`; `check` says the unit exists; a second sync changes nothing; every request
/// stays within Graph v1.0.
#[test]
fn an_administrative_unit_scoped_sync_converges_within_graph_v1() {
    let scratch = tempfile::tempdir().unwrap();
    let tenant = scratch.path().join("units.json");
    let mut fixture = rolesync_entra_emulator::demo_tenant();
    fixture.administrative_units = vec![rolesync_entra_emulator::FixtureAdministrativeUnit {
        id: EUROPE.into(),
        display_name: "Europe".into(),
        members: Vec::new(),
    }];
    std::fs::write(&tenant, serde_json::to_string(&fixture).unwrap()).unwrap();
    let emu = loopback_emulator(scratch.path(), Some(&tenant));
    let admin = Admin::new("contract-au");
    admin.write_config(|doc| {
        demo_directory(doc);
        let e = doc["entra"].as_table_mut().unwrap();
        e["tenant"] = value(&emu.tenant);
        e["client_id"] = value(DEMO_APP_ID);
        e["sign_in"] = value("secret");
        e.remove("certificate");
        e["login_url"] = value(&emu.login_url);
        e["graph_url"] = value(&emu.login_url);
        let maps = doc["mappings"].as_array_of_tables_mut().unwrap();
        for scope in [None, Some("administrativeUnit:Europe")] {
            let mut t = toml_edit::Table::new();
            t["group"] = value("Helpdesk Administrator");
            t["role"] = value("Helpdesk Administrator");
            if let Some(s) = scope {
                t["scope"] = value(s);
            }
            maps.push(t);
        }
    });
    rolesync_testkit::save_credential(
        Path::new(BIN),
        admin.home.path(),
        &admin.service,
        "office365",
        DEMO_APP_ID,
        DEMO_APP_SECRET,
    );
    let scope = format!("/administrativeUnits/{EUROPE}");

    let out = admin.run(None, &["check"], &[]);
    let check = text(&out.stdout);
    assert!(
        check.contains("✓ administrative unit \"Europe\" exists"),
        "{check}{}",
        text(&out.stderr)
    );
    assert!(
        check.contains(
            "✓ group \"Helpdesk Administrator\" maps to role \"Helpdesk Administrator\" at administrative unit \"Europe\""
        ),
        "{check}"
    );

    let v = sync(&admin);
    let scoped: Vec<&Value> = v["report"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["role"] == "Helpdesk Administrator")
        .collect();
    assert_eq!(scoped.len(), 2, "{v}");
    let europe = scoped
        .iter()
        .find(|r| r["directoryScopeId"] == scope.as_str())
        .unwrap_or_else(|| panic!("no role report at {scope}: {v}"));
    assert_eq!(europe["scopeName"], "Europe");
    let mut granted: Vec<&str> = europe["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            assert_eq!(g["outcome"]["result"], "done", "{g}");
            g["user"].as_str().unwrap()
        })
        .collect();
    granted.sort_unstable();
    assert_eq!(granted, ["bob@contoso.com", "paula@contoso.com"]);

    // Written with the unit's scope, read back by it.
    let reqs = emu.requests();
    let writes: Vec<&RecordedRequest> = reqs
        .iter()
        .filter(|r| {
            r.method == "POST"
                && (r
                    .path
                    .ends_with("/roleManagement/directory/roleAssignments")
                    || r.path
                        .ends_with("/roleManagement/directory/roleAssignmentScheduleRequests"))
                && r.body
                    .as_ref()
                    .is_some_and(|b| b["directoryScopeId"] == scope.as_str())
        })
        .collect();
    assert_eq!(writes.len(), 2, "two grants at {scope}");
    assert!(writes.iter().all(|w| w.status == 201));
    assert!(
        reqs.iter()
            .any(|r| r.path.ends_with("/directory/administrativeUnits")
                && r.query
                    .as_deref()
                    .is_some_and(|q| q.contains("displayName"))),
        "the unit is looked up by its display name"
    );
    assert!(
        reqs.iter().any(|r| r
            .path
            .ends_with("/roleManagement/directory/roleAssignments")
            && r.method == "GET"
            && r.query
                .as_deref()
                .is_some_and(|q| q.contains("directoryScopeId") && q.contains(EUROPE))),
        "the unit's assignments are read by directoryScopeId"
    );
    // A second run changes nothing.
    let again = sync(&admin);
    assert_eq!(again["report"]["outcome"], "noChanges", "{again}");
    let europe_again = again["report"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["directoryScopeId"] == scope.as_str())
        .unwrap();
    let mut kept: Vec<&str> = europe_again["unchanged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    kept.sort_unstable();
    assert_eq!(kept, ["bob@contoso.com", "paula@contoso.com"]);

    let n = Contract::load().check_all(&emu.requests());
    eprintln!("administrative-unit sync: {n} Graph requests, all within the v1.0 description");
}

fn record(method: &str, path: &str, query: Option<&str>, body: Option<Value>) -> RecordedRequest {
    RecordedRequest {
        api: "graph".into(),
        host: GRAPH_HOST.into(),
        method: method.into(),
        path: path.into(),
        query: query.map(str::to_owned),
        body,
        form_keys: Vec::new(),
        in_batch: false,
        status: 200,
    }
}

#[test]
fn the_checker_refuses_what_graph_v1_does_not_describe() {
    let c = Contract::load();
    let ok = |r: RecordedRequest| assert!(c.problems(&r).is_empty(), "{:?}", c.problems(&r));
    let bad = |r: RecordedRequest, why: &str| {
        let p = c.problems(&r);
        assert!(p.iter().any(|x| x.contains(why)), "{why}: {p:?}");
    };
    ok(record(
        "GET",
        "/v1.0/roleManagement/directory/roleAssignments",
        Some("$filter=roleDefinitionId%20eq%20'x'&$expand=principal"),
        None,
    ));
    ok(record(
        "GET",
        "/v1.0/users/alice@contoso.com",
        Some("$select=id"),
        None,
    ));
    ok(record(
        "POST",
        "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests",
        None,
        Some(
            json!({"action": "adminAssign", "principalId": "p", "roleDefinitionId": "r",
            "directoryScopeId": "/", "justification": "j", "ticketInfo": {"ticketNumber": "1", "ticketSystem": "RoleSync"},
            "scheduleInfo": {"startDateTime": "2026-01-01T00:00:00Z", "expiration": {"type": "noExpiration"}}}),
        ),
    ));
    bad(
        record(
            "GET",
            "/roleManagement/directory/roleDefinitions",
            None,
            None,
        ),
        "not under /v1.0",
    );
    bad(
        record(
            "GET",
            "/v1.0/roleManagement/directory/roleDefinitionz",
            None,
            None,
        ),
        "no operation",
    );
    bad(
        record(
            "DELETE",
            "/v1.0/roleManagement/directory/roleAssignments",
            None,
            None,
        ),
        "not DELETE",
    );
    bad(
        record(
            "GET",
            "/v1.0/roleManagement/directory/roleDefinitions",
            Some("$frobnicate=1"),
            None,
        ),
        "query option `$frobnicate`",
    );
    bad(
        record(
            "POST",
            "/v1.0/roleManagement/directory/roleAssignments",
            None,
            Some(json!({"principalId": "p", "roleDefinitionId": "r", "resourceScope": "/"})),
        ),
        "no property `resourceScope`",
    );
    bad(
        record(
            "POST",
            "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests",
            None,
            Some(
                json!({"action": "adminAssign", "scheduleInfo": {"expiration": {"kind": "never"}}}),
            ),
        ),
        "no property `kind`",
    );
    bad(
        record(
            "POST",
            "/v1.0/$batch",
            None,
            Some(
                json!({"requests": [{"id": "1", "method": "GET", "url": "https://evil.example/x"}]}),
            ),
        ),
        "relative",
    );
}
