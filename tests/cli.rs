//! End-to-end tests of the `rolesync` binary: the demo plan and sync, exit codes, configuration
//! errors, and what a run leaves in the log folder. Each test runs the real binary with its own
//! `ROLESYNC_HOME`.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("rolesync-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rolesync"))
            .args(args)
            .env("ROLESYNC_HOME", &self.0)
            .env_remove("ROLESYNC_CONFIG")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let out = self.run(args);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: stdout={} stderr={}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), v)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn role<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["roleName"] == name)
        .unwrap()
}

fn users(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["user"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn plan_demo_json_lists_every_kind_of_action_and_reason() {
    let home = Home::new("plan");
    let (code, v) = home.json(&["plan", "--demo", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(v["version"], 1);
    assert_eq!(v["report"]["outcome"], "planned");
    let plan = &v["plan"];
    let ex = role(plan, "Exchange Administrator");
    assert_eq!(
        users(&ex["grants"]),
        ["bob@contoso.com", "carol@contoso.com"]
    );
    assert_eq!(users(&ex["revokes"]), ["dave@contoso.com"]);
    assert_eq!(ex["revokes"][0]["reason"]["code"], "disabledInAd");
    assert_eq!(ex["unchanged"], serde_json::json!(["alice@contoso.com"]));
    let skipped: Vec<&str> = ex["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["disabled", "notInEntra", "nonRoutableUpn"]);
    assert!(ex["skipped"][2]["message"]
        .as_str()
        .unwrap()
        .contains("corp.local"));
    let sr = role(plan, "Security Reader");
    assert_eq!(sr["kind"], "eligible");
    assert_eq!(users(&sr["revokes"]), ["ivan@contoso.com"]);
    assert_eq!(plan["unmappedGroups"][0]["name"], "Coffee Machine Admins");
    // A plan changes nothing: a second plan is the same.
    let (_, again) = home.json(&["plan", "--demo", "--json"]);
    assert_eq!(again["plan"], v["plan"]);
}

#[test]
fn sync_demo_applies_then_finds_nothing_to_do_until_reset() {
    let home = Home::new("sync");
    let (code, v) = home.json(&["sync", "--demo", "--json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["report"]["outcome"], "applied");
    assert_eq!(v["report"]["summary"]["granted"], 4);
    assert_eq!(v["report"]["summary"]["revoked"], 3);

    // What the run left behind: the report file, four grants and three revokes in the audit file,
    // and a log file that tells the run.
    let report_file = PathBuf::from(v["reportFile"].as_str().unwrap());
    let saved: Value = serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    assert_eq!(saved["runId"], v["report"]["runId"]);
    assert!(saved["steps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["step"] == "report" && s["status"] == "ok"));
    let audit = std::fs::read_to_string(home.0.join("logs/audit.jsonl")).unwrap();
    let lines: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Written ahead: each change is on record as intended before it is sent, then as done.
    assert!(lines.iter().all(|l| l["runId"] == v["report"]["runId"]));
    let with = |r: &str| lines.iter().filter(|l| l["result"] == r).count();
    assert_eq!((with("intended"), with("done"), lines.len()), (7, 7, 14));
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["action"] == "revoke" && l["result"] == "done")
            .count(),
        3
    );
    let log = std::fs::read_to_string(v["logFile"].as_str().unwrap()).unwrap();
    assert!(log.contains("run finished"), "{log}");
    assert!(log.contains(v["report"]["runId"].as_str().unwrap()));

    let (code, v) = home.json(&["sync", "--demo", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(v["report"]["outcome"], "noChanges");
    assert_eq!(v["plan"]["summary"]["grants"], 0);
    assert_eq!(
        std::fs::read_to_string(home.0.join("logs/audit.jsonl"))
            .unwrap()
            .lines()
            .count(),
        14,
        "nothing more was changed"
    );

    let out = home.run(&["demo", "reset"]);
    assert!(out.status.success());
    let (_, v) = home.json(&["sync", "--demo", "--dry-run", "--json"]);
    assert_eq!(v["report"]["outcome"], "planned");
    assert_eq!(v["plan"]["summary"]["grants"], 4);
}

#[test]
fn config_init_writes_a_file_that_validates_and_is_not_overwritten() {
    let home = Home::new("init");
    let out = home.run(&["config", "init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = home.0.join("rolesync.toml");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("[directory]"));
    assert!(home.run(&["config", "validate"]).status.success());
    let again = home.run(&["config", "init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

fn config_error(home: &Home, text: &str) -> String {
    let path = home.write("bad.toml", text);
    let out = home.run(&["plan", "--config", &path]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn config_mistakes_exit_2_and_name_the_problem() {
    let home = Home::new("errors");
    let good = rolesync_config::EXAMPLE;

    let err = config_error(&home, &good.replace("max_revokes = 10", "max_revoke = 10"));
    assert!(
        err.contains("bad.toml:")
            && err.contains("`max_revoke`")
            && err.contains("did you mean `max_revokes`"),
        "{err}"
    );

    let err = config_error(
        &home,
        &format!("{good}\n[[mappings]]\ngroup = \"Mail\"\nrole = \"Exchange Admins\"\n"),
    );
    assert!(
        err.contains("mappings[0].role") && err.contains("Exchange Administrator"),
        "{err}"
    );

    let err = config_error(
        &home,
        &good.replace(
            "# graph_url = \"https://graph.microsoft.com\"",
            "graph_url = \"graph.microsoft.com\"",
        ),
    );
    assert!(
        err.contains("entra.graph_url") && err.contains("not a valid URL"),
        "{err}"
    );
    // Graph beta, or any path but /v1.0, is refused with the fix; the tenant in login_url too.
    let err = config_error(
        &home,
        &good.replace(
            "# graph_url = \"https://graph.microsoft.com\"",
            "graph_url = \"https://graph.microsoft.com/beta\"",
        ),
    );
    assert!(
        err.contains("entra.graph_url")
            && err.contains("beta")
            && err.contains("write the host only"),
        "{err}"
    );
    let err = config_error(
        &home,
        &good.replace(
            "# login_url = \"https://login.microsoftonline.com\"",
            "login_url = \"https://login.microsoftonline.com/contoso.onmicrosoft.com\"",
        ),
    );
    assert!(
        err.contains("entra.login_url") && err.contains("entra.tenant"),
        "{err}"
    );
    // Hosts of two different clouds.
    let err = config_error(
        &home,
        &good
            .replace(
                "# login_url = \"https://login.microsoftonline.com\"",
                "login_url = \"https://login.chinacloudapi.cn\"",
            )
            .replace(
                "# graph_url = \"https://graph.microsoft.com\"",
                "graph_url = \"https://graph.microsoft.us\"",
            ),
    );
    assert!(
        err.contains("entra.login_url") && err.contains("login.microsoftonline.us"),
        "{err}"
    );

    // The same in --json: an error object on stdout.
    let path = home.write("bad2.toml", "[safety]\nmax_revoke_percent = 200\n");
    let (code, v) = home.json(&["sync", "--json", "--config", &path]);
    assert_eq!(code, 2);
    assert_eq!(v["error"]["code"], "config");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("safety.max_revoke_percent"));
}

#[test]
fn no_configuration_exits_2_with_the_way_forward() {
    let home = Home::new("none");
    let out = home.run(&["sync"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rolesync config init") && err.contains("--demo"),
        "{err}"
    );
    let out = home.run(&["sync", "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn an_unreadable_ldif_export_exits_4_and_changes_nothing() {
    let home = Home::new("ldif");
    // The certificate the example names is there (a missing one is a configuration error,
    // exit 2, checked before anything is read); the export is not: a failed read, exit 4.
    let pfx = home.write("rolesync.pfx", "not read: the run stops at the export");
    let cfg = rolesync_config::EXAMPLE
        .replace(
            "domain = \"contoso.com\"",
            "ldif = \"missing-export.ldif\"\nou = \"OU=Office 365 Roles Management,DC=contoso,DC=com\"",
        )
        .replace("C:\\\\ProgramData\\\\RoleSync\\\\rolesync.pfx", &pfx.replace('\\', "/"));
    let path = home.write("rolesync.toml", &cfg);
    let out = home.run(&["sync", "--config", &path]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("missing-export.ldif"), "{err}");
    // The audit file may be created (a sync checks it can write it before reading) but holds
    // no change.
    let audit = std::fs::read_to_string(home.0.join("logs/audit.jsonl")).unwrap_or_default();
    assert_eq!(audit.lines().count(), 0, "{audit}");
}

#[test]
fn check_demo_lists_findings() {
    let home = Home::new("check");
    let out = home.run(&["check", "--demo"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings exist in the demo: {text}"
    );
    assert!(
        text.contains("✓ group \"Exchange Administrator\" maps to role \"Exchange Administrator\""),
        "{text}"
    );
    assert!(text.contains("✗ group \"Coffee Machine Admins\" maps to a role"));
    assert!(text.contains("frank@corp.local (corp.local)"));
    assert!(text.contains("fix:"));
}

#[test]
fn a_second_sync_is_turned_away_while_one_applies_and_a_stale_lock_is_recovered() {
    let home = Home::new("lock");
    let data = home.0.join("data");
    std::fs::create_dir_all(&data).unwrap();
    // This test process plays the other run: it holds the OS lock and says who it is.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(data.join("rolesync.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let me = format!(
        r#"{{"pid":{},"command":"sync","started":"2026-11-27T02:30:00Z"}}"#,
        std::process::id()
    );
    std::fs::write(data.join("rolesync.lock.info"), &me).unwrap();

    let out = home.run(&["sync", "--demo"]);
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("process {}", std::process::id()))
            && err.contains("2026-11-27T02:30:00Z"),
        "{err}"
    );
    assert!(
        !home.0.join("logs/audit.jsonl").exists(),
        "nothing was applied"
    );
    // A dry run changes nothing and does not need the lock.
    assert_eq!(
        home.run(&["sync", "--demo", "--dry-run"]).status.code(),
        Some(0)
    );

    // The other run dies without cleaning up: its holder file stays, the OS lock goes.
    lock.unlock().unwrap();
    drop(lock);
    let (code, v) = home.json(&["sync", "--demo", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(v["report"]["outcome"], "applied");
    let log = std::fs::read_to_string(v["logFile"].as_str().unwrap()).unwrap();
    assert!(log.contains("recovered the run lock"), "{log}");
    assert!(
        !data.join("rolesync.lock.info").exists(),
        "a clean end removes the holder file"
    );
}

#[test]
fn schedule_print_shows_what_would_be_registered() {
    let home = Home::new("schedule");
    let out = home.run(&["schedule", "install", "--at", "02:30", "--demo", "--print"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("OnCalendar=*-*-* 02:30:00"), "{text}");
    assert!(
        text.contains(&format!(
            "{} sync --quiet --demo",
            env!("CARGO_BIN_EXE_rolesync")
        )),
        "{text}"
    );
    let bad = home.run(&["schedule", "install", "--at", "25:00", "--print"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("HH:MM"));
    let none = home.run(&["schedule", "install", "--at", "02:30", "--print"]);
    assert_eq!(none.status.code(), Some(2), "no configuration to schedule");
}

/// `rolesync emulator` started as a script's background job (standard input closed) keeps
/// serving, and stops cleanly on SIGTERM or Ctrl-C (SIGINT), removing its temporary TLS folder.
#[test]
fn emulator_command_serves_in_the_background_until_a_signal() {
    use std::io::{BufRead, BufReader};
    for signal in ["TERM", "INT"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rolesync"))
            .args(["emulator", "--listen", "127.0.0.1:0", "--tls"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = std::collections::HashMap::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line.starts_with("ready") {
                break;
            }
            let (k, v) = line.split_once(' ').unwrap();
            seen.insert(k.to_string(), v.trim().to_string());
        }
        let login = &seen["login_url"];
        let tenant = &seen["tenant"];
        let ca_dir = std::path::PathBuf::from(&seen["ca_file"])
            .parent()
            .unwrap()
            .to_path_buf();
        assert_eq!(seen["graph_url"], format!("{login}/v1.0"));
        assert!(ca_dir.is_dir());
        // Still serving with its standard input closed.
        let ca = std::fs::read(&seen["ca_file"]).unwrap();
        let doc = https_get(
            &format!("{login}/{tenant}/v2.0/.well-known/openid-configuration"),
            &ca,
        );
        assert!(
            doc.contains(&format!("{login}/{tenant}/oauth2/v2.0/token")),
            "{doc}"
        );
        let killed = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "SIG{signal}: {status:?}");
        assert!(
            !ca_dir.exists(),
            "SIG{signal}: {} was left behind",
            ca_dir.display()
        );
    }
}

/// GET over HTTPS trusting `ca_pem`; the body.
fn https_get(url: &str, ca_pem: &[u8]) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca_pem).unwrap())
            .build()
            .unwrap();
        client.get(url).send().await.unwrap().text().await.unwrap()
    })
}
