//! RoleSync's own traffic checked against Microsoft's description of Graph v1.0: a full sync of
//! the demo, and one of a generated scenario with PIM-eligible mappings, each against a recording
//! `rolesync emulator`; every Graph request they make — reads, `$batch`es and the writes inside,
//! PIM requests — must be an operation of the description with its query options and body
//! properties. The configuration names the emulator's host only (`http://127.0.0.1:PORT`, no
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
        has("/roleManagement/directory/roleAssignments", true),
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
    let s = generate(&ScenarioSize::small(7));
    let ldif = scratch.path().join("directory.ldif");
    let tenant = scratch.path().join("tenant.json");
    std::fs::write(&ldif, &s.ldif).unwrap();
    std::fs::write(&tenant, serde_json::to_string(&s.tenant).unwrap()).unwrap();
    let emu = loopback_emulator(scratch.path(), Some(&tenant));
    let admin = Admin::new("contract-scenario");
    let config = admin.home.path().join("rolesync.toml");
    let mut text =
        rolesync_bench::config_toml(&s, ldif.to_str().unwrap(), &emu.login_url, &emu.login_url);
    // Two of the mapped roles through PIM (eligible assignments).
    for (name, _) in s.roles.iter().take(2) {
        text.push_str(&format!(
            "\n[[mappings]]\ngroup = {name:?}\nkind = \"eligible\"\n"
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
    let reqs = emu.requests();
    assert_covers(&reqs);
    let n = Contract::load().check_all(&reqs);
    eprintln!("scenario sync: {n} Graph requests, all within the v1.0 description");
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
