//! Change control through the `rolesync` binary against `rolesync emulator` (a separate process
//! serving a generated tenant) and an LDIF export of the matching directory:
//! - a sync stopped by the revoke limit holds its plan (exit 3, `approvals list` shows it);
//!   a held file edited by hand is refused; a plan the directory has moved away from is not
//!   applied (the difference is shown, exit 3, still pending); approving the unchanged plan
//!   applies exactly it (the tenant then equals the directory), the audit names the approver,
//!   and a second approval is told it was already approved;
//! - `undo` of that run previews (stopped by the same revoke limit), is stopped applying, and with the limit raised
//!   puts back every assignment the approval changed;
//! - `require_approval` holds the grants to one role while the rest of the sync is applied;
//! - a missing run's undo exits with a clear error and changes nothing;
//! - drift names who changed an assignment and when, from Entra's directory audit log, when the
//!   app may read it; without AuditLog.Read.All it is "unknown" with one line naming the
//!   permission, and the sync goes on;
//! - `manage = "owned"` knows what RoleSync granted through PIM from Graph's schedule requests,
//!   with the logs folder (its local audit) deleted.

#![allow(clippy::unwrap_used, missing_docs)]

use rolesync_bench::baseline::SequentialClient;
use rolesync_bench::{
    config_toml, expected_pairs, generate, Scenario, ScenarioSize, APP_ID, APP_SECRET,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rolesync");

struct Emulator {
    child: Child,
    tenant: String,
    login: String,
    graph: String,
}

impl Emulator {
    fn start(tenant_file: &Path) -> Emulator {
        let mut child = Command::new(BIN)
            .args(["emulator", "--listen", "127.0.0.1:0", "--tenant"])
            .arg(tenant_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut seen = std::collections::HashMap::new();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref().take(20) {
            let line = line.unwrap();
            if line.starts_with("ready") {
                break;
            }
            if let Some((k, v)) = line.split_once(' ') {
                seen.insert(k.to_string(), v.trim().to_string());
            }
        }
        Emulator {
            child,
            tenant: seen["tenant"].clone(),
            login: seen["login_url"].clone(),
            graph: seen["graph_url"].clone(),
        }
    }

    /// A change "in the portal" by a named administrator (the emulator's test hook).
    async fn portal(&self, body: Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/_emulator/portal/roleAssignment", self.login))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert!(status.is_success(), "{body}: {}", r.text().await.unwrap());
    }

    /// The principals eligible for a role.
    async fn eligible(&self, role: &str) -> BTreeSet<String> {
        let mut c = SequentialClient::sign_in(
            &self.login,
            &self.tenant,
            &self.graph,
            APP_ID,
            APP_SECRET,
            None,
        )
        .await
        .unwrap();
        let (items, _) = c
            .list(&format!(
                "roleManagement/directory/roleEligibilityScheduleInstances?$filter=roleDefinitionId%20eq%20'{role}'"
            ))
            .await
            .unwrap();
        items
            .iter()
            .map(|i| i["principalId"].as_str().unwrap().to_ascii_lowercase())
            .collect()
    }

    async fn pairs(&self, s: &Scenario) -> BTreeSet<(String, String)> {
        let mut c = SequentialClient::sign_in(
            &self.login,
            &self.tenant,
            &self.graph,
            APP_ID,
            APP_SECRET,
            None,
        )
        .await
        .unwrap();
        let mut out = BTreeSet::new();
        for (_, id) in &s.roles {
            let (m, _) = c.role_members(id).await.unwrap();
            out.extend(m.into_keys().map(|p| (id.to_ascii_lowercase(), p)));
        }
        out
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Home {
    dir: tempfile::TempDir,
    service: String,
}

impl Home {
    fn new(tag: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let service = format!("rolesync-cc-{tag}-{}", std::process::id());
        rolesync_testkit::save_credential(
            Path::new(BIN),
            dir.path(),
            &service,
            "office365",
            APP_ID,
            APP_SECRET,
        );
        Home { dir, service }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self, text: &str) {
        std::fs::write(self.path().join("rolesync.toml"), text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        let config = self.path().join("rolesync.toml");
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        rolesync_testkit::run_rolesync(Path::new(BIN), self.path(), &self.service, &all, None)
    }

    fn json(&self, args: &[&str]) -> (Option<i32>, Value) {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.run(&a);
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), v)
    }

    fn held_files(&self) -> Vec<PathBuf> {
        let Ok(d) = std::fs::read_dir(self.path().join("logs").join("held")) else {
            return Vec::new();
        };
        d.filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| !p.to_string_lossy().ends_with(".decision.json"))
            .collect()
    }

    fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path().join("logs").join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = rolesync_testkit::run_rolesync(
            Path::new(BIN),
            self.path(),
            &self.service,
            &["credentials", "forget", "office365"],
            None,
        );
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A scenario whose sync revokes several assignments in one role, its LDIF and tenant files.
fn scenario(home: &Home) -> (Scenario, PathBuf, PathBuf) {
    let s = generate(&ScenarioSize {
        roles: 3,
        ..ScenarioSize::small(7)
    });
    let ldif = home.path().join("directory.ldif");
    std::fs::write(&ldif, &s.ldif).unwrap();
    let tenant = home.path().join("tenant.json");
    std::fs::write(&tenant, s.tenant.to_json_pretty()).unwrap();
    (s, ldif, tenant)
}

fn with_safety(base: &str, safety: &str) -> String {
    base.replace("[safety]\n", &format!("[safety]\n{safety}\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_sync_is_held_then_approved_once_and_undone() {
    let home = Home::new("approve");
    let (s, ldif, tenant_file) = scenario(&home);
    let emu = Emulator::start(&tenant_file);
    let base = config_toml(&s, &ldif.to_string_lossy(), &emu.login, &emu.graph);
    let strict = with_safety(&base, "max_revokes = 1\nmax_revoke_percent = 1");
    home.config(&strict);
    let before = emu.pairs(&s).await;
    assert_ne!(
        before,
        expected_pairs(&s),
        "the scenario has changes to make"
    );

    // The sync is stopped by the revoke limit and its plan held.
    let (code, v) = home.json(&["sync"]);
    assert_eq!(code, Some(3), "{v}");
    assert_eq!(v["report"]["outcome"], "stopped");
    let id = v["report"]["approval"]["id"].as_str().unwrap().to_string();
    assert_eq!(id, v["report"]["runId"].as_str().unwrap());
    assert_eq!(emu.pairs(&s).await, before, "a held plan changes nothing");
    let (code, list) = home.json(&["approvals", "list"]);
    assert_eq!(code, Some(0));
    assert_eq!(list["approvals"][0]["id"], id.as_str());
    assert_eq!(list["approvals"][0]["status"], "pending");
    let shown = home.run(&["approvals", "show", &id]);
    assert!(text(&shown).contains("stopped by"), "{}", text(&shown));

    // A held file edited by hand is refused, and nothing changes.
    let files = home.held_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let original = std::fs::read_to_string(&files[0]).unwrap();
    let first_user = v["report"]["approval"]["lines"][0]
        .as_str()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    std::fs::write(
        &files[0],
        original.replace(&first_user, "mallory@contoso.com"),
    )
    .unwrap();
    let out = home.run(&["approvals", "approve", &id]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("was changed after it was held"),
        "{}",
        text(&out)
    );
    assert_eq!(emu.pairs(&s).await, before);
    std::fs::write(&files[0], &original).unwrap();

    // The directory moves on: the fresh plan differs, so nothing is applied and it stays pending.
    let member_line = s
        .ldif
        .lines()
        .find(|l| l.starts_with("member: "))
        .unwrap()
        .to_string();
    std::fs::write(&ldif, s.ldif.replacen(&format!("{member_line}\n"), "", 1)).unwrap();
    let out = home.run(&["approvals", "approve", &id]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("no longer the one held"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("planned now but not held")
            || text(&out).contains("held but no longer planned"),
        "{}",
        text(&out)
    );
    assert_eq!(emu.pairs(&s).await, before);
    let (_, list) = home.json(&["approvals", "list"]);
    assert_eq!(list["approvals"][0]["status"], "pending");

    // Back as it was: approving applies exactly the held plan.
    std::fs::write(&ldif, &s.ldif).unwrap();
    let (code, v) = home.json(&["approvals", "approve", &id]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["report"]["outcome"], "applied");
    assert_eq!(emu.pairs(&s).await, expected_pairs(&s));
    let approval_run = v["report"]["runId"].as_str().unwrap().to_string();
    let done: Vec<Value> = home
        .audit()
        .into_iter()
        .filter(|r| r["runId"] == approval_run.as_str() && r["result"] == "done")
        .collect();
    assert!(!done.is_empty());
    assert!(done
        .iter()
        .all(|r| r["heldPlan"] == id.as_str()
            && r["approvedBy"].as_str().is_some_and(|a| !a.is_empty())));
    let again = home.run(&["approvals", "approve", &id]);
    assert_eq!(again.status.code(), Some(3));
    assert!(
        text(&again).contains("already approved"),
        "{}",
        text(&again)
    );

    // Undo: previewed, stopped by the same limit, then applied with the limit raised.
    let preview = home.run(&["undo", &approval_run]);
    assert_eq!(preview.status.code(), Some(3), "{}", text(&preview));
    assert!(text(&preview).contains("undoes run"), "{}", text(&preview));
    assert!(
        text(&preview).contains("Safety stops"),
        "{}",
        text(&preview)
    );
    assert_eq!(
        emu.pairs(&s).await,
        expected_pairs(&s),
        "a preview changes nothing"
    );
    let stopped = home.run(&["undo", &approval_run, "--yes"]);
    assert_eq!(stopped.status.code(), Some(3), "{}", text(&stopped));
    assert_eq!(emu.pairs(&s).await, expected_pairs(&s));
    home.config(&base);
    let undone = home.run(&["undo", &approval_run, "--yes"]);
    assert_eq!(undone.status.code(), Some(0), "{}", text(&undone));
    assert_eq!(
        emu.pairs(&s).await,
        before,
        "every change of the approval is undone"
    );
    assert!(home
        .audit()
        .iter()
        .any(|r| r["undoOf"] == approval_run.as_str() && r["result"] == "done"));

    // A run that left no report: a clear error, nothing changed.
    let out = home.run(&["undo", "0badc0de-0000-4000-8000-000000000000", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no report of run"), "{}", text(&out));
    assert_eq!(emu.pairs(&s).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_to_a_role_under_require_approval_wait_while_the_rest_applies() {
    let home = Home::new("require");
    let (s, ldif, tenant_file) = scenario(&home);
    let emu = Emulator::start(&tenant_file);
    let base = config_toml(&s, &ldif.to_string_lossy(), &emu.login, &emu.graph);
    let (role_name, role_id) = s.roles[0].clone();
    home.config(&with_safety(
        &base,
        &format!("require_approval = [{role_name:?}]"),
    ));
    let before = emu.pairs(&s).await;
    let (code, v) = home.json(&["sync"]);
    assert_eq!(code, Some(3), "{v}");
    assert_eq!(v["report"]["outcome"], "pendingApproval");
    let id = v["report"]["approval"]["id"].as_str().unwrap().to_string();
    let role_id = role_id.to_ascii_lowercase();
    let after = emu.pairs(&s).await;
    let expected = expected_pairs(&s);
    // Every other role is as the directory says; the held role's grants are not made.
    for p in expected.iter().filter(|p| p.0 != role_id) {
        assert!(after.contains(p), "{p:?} granted");
    }
    let waiting: Vec<_> = expected
        .iter()
        .filter(|p| p.0 == role_id && !before.contains(p))
        .collect();
    assert!(!waiting.is_empty(), "the scenario grants the held role");
    assert!(waiting.iter().all(|p| !after.contains(p)));
    assert_eq!(
        v["report"]["approval"]["changes"].as_u64(),
        Some(waiting.len() as u64)
    );

    let out = home.run(&["approvals", "reject", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("rejected"), "{}", text(&out));
    let out = home.run(&["approvals", "approve", &id]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out).contains("already rejected"), "{}", text(&out));
    let now = emu.pairs(&s).await;
    assert!(
        waiting.iter().all(|p| !now.contains(p)),
        "a rejected plan is never applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_behind_the_syncs_back_is_reported_then_corrected_or_left() {
    let home = Home::new("drift");
    let (s, ldif, tenant_file) = scenario(&home);
    let emu = Emulator::start(&tenant_file);
    let base = config_toml(&s, &ldif.to_string_lossy(), &emu.login, &emu.graph);
    home.config(&base);
    let out = home.run(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let expected = expected_pairs(&s);
    assert_eq!(emu.pairs(&s).await, expected);

    // Another tool, through Graph: one assignment added, one removed.
    let role = s.roles[0].1.to_ascii_lowercase();
    let outsider = expected
        .iter()
        .map(|p| p.1.clone())
        .find(|u| !expected.contains(&(role.clone(), u.clone())))
        .unwrap();
    let removed = expected.iter().find(|p| p.0 == role).unwrap().1.clone();
    let drift_behind_its_back = || async {
        let mut graph = SequentialClient::sign_in(
            &emu.login,
            &emu.tenant,
            &emu.graph,
            APP_ID,
            APP_SECRET,
            None,
        )
        .await
        .unwrap();
        graph.grant(&s.roles[0].1, &outsider).await.unwrap();
        let (members, _) = graph.role_members(&s.roles[0].1).await.unwrap();
        graph.revoke(&members[&removed]).await.unwrap();
        emu.pairs(&s).await
    };
    let drift_of = |v: &Value| -> Vec<(String, String, bool)> {
        let mut d: Vec<_> = v["report"]["drift"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|d| {
                        (
                            d["principalId"].as_str().unwrap().to_ascii_lowercase(),
                            d["change"].as_str().unwrap().to_string(),
                            d["corrected"].as_bool().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        d.sort();
        d
    };
    let want = |corrected: bool| {
        let mut w = vec![
            (outsider.clone(), "added".to_string(), corrected),
            (removed.clone(), "removed".to_string(), corrected),
        ];
        w.sort();
        w
    };

    // By default: reported (who and when unknown: the Graph target reads no audit log yet) and
    // put right.
    let drifted = drift_behind_its_back().await;
    assert_ne!(drifted, expected);
    let (code, v) = home.json(&["sync"]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(drift_of(&v), want(true), "{v}");
    // `check` says so without failing for it.
    let check = text(&home.run(&["check"]));
    assert!(
        check.lines().any(|l| l.contains('✓')
            && l.contains("the app may read Entra's audit log")
            && l.contains("not granted")),
        "{check}"
    );
    // The app may not read the audit log (the tenant grants it neither AuditLog.Read.All nor
    // Directory.Read.All): who and when are unknown, one warning line says which permission
    // to grant, and the sync went on.
    assert_eq!(
        v["report"]["drift"][0]["unknownBecause"],
        rolesync_core::drift::UNREADABLE,
        "{v}"
    );
    assert!(v["report"]["drift"][0].get("by").is_none(), "{v}");
    let permission_lines: Vec<&str> = v["report"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|w| w.contains("AuditLog.Read.All"))
        .collect();
    assert_eq!(permission_lines.len(), 1, "{v}");
    assert!(
        permission_lines[0].contains("Directory.Read.All")
            && permission_lines[0].contains("app registration"),
        "{}",
        permission_lines[0]
    );
    assert_eq!(emu.pairs(&s).await, expected);

    // With on_drift = "report": reported and left as found.
    let drifted = drift_behind_its_back().await;
    home.config(&with_safety(&base, "on_drift = \"report\""));
    let (code, v) = home.json(&["sync"]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(drift_of(&v), want(false), "{v}");
    assert_eq!(v["report"]["outcome"], "noChanges");
    assert_eq!(emu.pairs(&s).await, drifted);
}

/// The mail of a held plan, through a real SMTP server process: "approval needed" in the subject,
/// the held changes and the command that approves them in the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_plan_is_mailed_as_approval_needed() {
    let pki = rolesync_testkit::TestPki::new();
    let password = "Cc-Sm7p-Pa55!";
    let args: [std::ffi::OsString; 8] = [
        "--cert".into(),
        pki.path("server.pem").into_os_string(),
        "--key".into(),
        pki.path("server.key").into_os_string(),
        "--user".into(),
        "rolesync-mailer".into(),
        "--password".into(),
        password.into(),
    ];
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    let Some(server) = rolesync_testkit::SmtpServer::start(&args) else {
        return;
    };
    let home = Home::new("mail");
    rolesync_testkit::save_credential(
        Path::new(BIN),
        home.path(),
        &home.service,
        "smtp",
        "rolesync-mailer",
        password,
    );
    let (s, ldif, tenant_file) = scenario(&home);
    let emu = Emulator::start(&tenant_file);
    let base = config_toml(&s, &ldif.to_string_lossy(), &emu.login, &emu.graph);
    home.config(&format!(
        "{}\n[email]\nserver = \"localhost\"\nport = {}\nsecurity = \"starttls\"\nfrom = \"RoleSync <rolesync@contoso.com>\"\nto = [\"admins@contoso.com\"]\nusername = \"rolesync-mailer\"\nca_file = \"{}\"\n",
        with_safety(&base, "max_revokes = 1\nmax_revoke_percent = 1"),
        server.port,
        pki.path("ca.pem").display()
    ));
    let (code, v) = home.json(&["sync"]);
    assert_eq!(code, Some(3), "{v}");
    let id = v["report"]["approval"]["id"].as_str().unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    let m = mail_parser::MessageParser::default()
        .parse(&received[0].0)
        .unwrap();
    let subject = m.subject().unwrap();
    assert!(
        subject.starts_with("RoleSync: approval needed: "),
        "{subject}"
    );
    let body = m.body_text(0).unwrap();
    assert!(
        body.contains(&format!("rolesync approvals approve {id}")),
        "{body}"
    );
    let first = v["report"]["approval"]["lines"][0].as_str().unwrap();
    assert!(body.contains(first), "{body}");
    let _ = rolesync_testkit::run_rolesync(
        Path::new(BIN),
        home.path(),
        &home.service,
        &["credentials", "forget", "smtp"],
        None,
    );
}

/// The scenario's tenant with an administrator who changes roles in the portal, and (when
/// `audit`) the sync app allowed to read the directory audit log.
fn with_admin(s: &mut Scenario, audit: bool) -> &'static str {
    let admin = "ada.admin@contoso.com";
    s.tenant.users.push(
        serde_json::from_value(serde_json::json!({
            "id": "adadadad-0000-4000-8000-000000000001",
            "displayName": "Ada Admin",
            "userPrincipalName": admin,
        }))
        .unwrap(),
    );
    if audit {
        let app = s
            .tenant
            .applications
            .iter_mut()
            .find(|a| a.app_id == APP_ID)
            .unwrap();
        app.application_permissions.extend([
            "AuditLog.Read.All".to_string(),
            "Directory.Read.All".to_string(),
        ]);
    }
    admin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_names_the_admin_and_the_time_from_the_audit_log() {
    let home = Home::new("drift-who");
    let (mut s, ldif, tenant_file) = scenario(&home);
    let admin = with_admin(&mut s, true);
    std::fs::write(&tenant_file, s.tenant.to_json_pretty()).unwrap();
    let emu = Emulator::start(&tenant_file);
    let base = config_toml(&s, &ldif.to_string_lossy(), &emu.login, &emu.graph);
    home.config(&base);
    // `check` says the optional audit-log permissions are granted.
    let check = text(&home.run(&["check"]));
    let line = check
        .lines()
        .find(|l| l.contains("the app may read Entra's audit log"))
        .unwrap_or_else(|| panic!("{check}"));
    assert!(
        line.contains('✓') && line.contains("AuditLog.Read.All and Directory.Read.All granted"),
        "{check}"
    );
    let out = home.run(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let expected = expected_pairs(&s);

    // In the portal, the administrator adds one member and removes another.
    let role = s.roles[0].1.to_ascii_lowercase();
    let outsider = expected
        .iter()
        .map(|p| p.1.clone())
        .find(|u| !expected.contains(&(role.clone(), u.clone())))
        .unwrap();
    let removed = expected.iter().find(|p| p.0 == role).unwrap().1.clone();
    let drift_in_the_portal = || async {
        let before = chrono::Utc::now() - chrono::Duration::milliseconds(1);
        for (action, who) in [("add", &outsider), ("remove", &removed)] {
            emu.portal(serde_json::json!({"action": action, "roleDefinitionId": role, "principalId": who, "actor": admin}))
                .await;
        }
        (before, chrono::Utc::now())
    };
    let (before, after) = drift_in_the_portal().await;
    let (code, v) = home.json(&["sync"]);
    assert_eq!(code, Some(0), "{v}");
    let drift = v["report"]["drift"].as_array().unwrap();
    assert_eq!(drift.len(), 2, "{v}");
    for d in drift {
        let who = d["principalId"].as_str().unwrap().to_ascii_lowercase();
        let (activity, change) = if who == outsider {
            ("Add member to role", "added")
        } else {
            assert_eq!(who, removed);
            ("Remove member from role", "removed")
        };
        assert_eq!(d["change"], change, "{d}");
        assert_eq!(d["by"], admin, "{d}");
        assert_eq!(d["activity"], activity, "{d}");
        let when: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(d["when"].clone()).unwrap();
        assert!(
            before <= when && when <= after,
            "{when} not in [{before}, {after}]"
        );
        assert!(d.get("unknownBecause").is_none(), "{d}");
        assert_eq!(d["corrected"], true);
    }
    assert!(
        !v["report"]["warnings"]
            .to_string()
            .contains("AuditLog.Read.All"),
        "{v}"
    );
    assert_eq!(emu.pairs(&s).await, expected);

    // The console says the same, in words, for drift left as found.
    drift_in_the_portal().await;
    home.config(&with_safety(&base, "on_drift = \"report\""));
    let out = home.run(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let console = text(&out);
    let named: Vec<&str> = console
        .lines()
        .filter(|l| l.starts_with("drift:") && l.contains(&format!("by {admin} at ")))
        .collect();
    assert_eq!(named.len(), 2, "{console}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owned_pim_assignments_are_known_from_graph_without_the_logs_folder() {
    let home = Home::new("owned");
    let (mut s, ldif, tenant_file) = scenario(&home);
    let admin = with_admin(&mut s, false);
    std::fs::write(&tenant_file, s.tenant.to_json_pretty()).unwrap();
    let emu = Emulator::start(&tenant_file);
    let (name, role) = (s.roles[0].0.clone(), s.roles[0].1.to_ascii_lowercase());
    let config = format!(
        "{}\n[[mappings]]\ngroup = {name:?}\nrole = {name:?}\nkind = \"eligible\"\nmanage = \"owned\"\n",
        config_toml(&s, &ldif.to_string_lossy(), &emu.login, &emu.graph)
    );
    home.config(&config);
    let out = home.run(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let granted = emu.eligible(&role).await;
    // The group's members (the role's expected holders, less the protected accounts that hold
    // it without being in the group) are made eligible through PIM.
    let holders: BTreeSet<String> = s
        .expected
        .iter()
        .filter(|(r, _)| r.eq_ignore_ascii_case(&role))
        .map(|(_, p)| p.to_ascii_lowercase())
        .collect();
    assert!(
        !granted.is_empty() && granted.is_subset(&holders),
        "{granted:?}"
    );
    let members = granted.clone();

    // An administrator makes someone else eligible by hand in PIM.
    let by_hand = s
        .expected
        .iter()
        .map(|(_, p)| p.to_ascii_lowercase())
        .find(|p| !holders.contains(p))
        .unwrap();
    emu.portal(serde_json::json!({"action": "add", "kind": "eligible", "roleDefinitionId": role, "principalId": by_hand, "actor": admin, "justification": "on call this month"}))
        .await;
    // A member RoleSync made eligible leaves the group (a direct member line removed).
    let ldif_text = std::fs::read_to_string(&ldif).unwrap();
    let block_start = ldif_text
        .find(&format!("dn: CN={name},"))
        .expect("the role group in the LDIF");
    let member_line = ldif_text[block_start..]
        .lines()
        .take_while(|l| !l.is_empty())
        .find(|l| l.starts_with("member: CN=") && !l.contains(" Team,"))
        .unwrap()
        .to_string();
    let cn = member_line["member: CN=".len()..]
        .split(',')
        .next()
        .unwrap();
    let leaver = s
        .tenant
        .users
        .iter()
        .find(|u| {
            u.user_principal_name
                .eq_ignore_ascii_case(&format!("{cn}@contoso.com"))
        })
        .unwrap()
        .id
        .to_ascii_lowercase();
    assert!(granted.contains(&leaver));
    let edited = ldif_text.replacen(&format!("{member_line}\n"), "", 1);
    std::fs::write(&ldif, edited).unwrap();

    // The logs folder (RoleSync's own audit of what it granted) is lost.
    std::fs::remove_dir_all(home.path().join("logs")).unwrap();
    let (code, v) = home.json(&["sync"]);
    assert_eq!(code, Some(0), "{v}");
    let now = emu.eligible(&role).await;
    assert!(
        !now.contains(&leaver),
        "RoleSync's own grant is revoked: {v}"
    );
    assert!(
        now.contains(&by_hand),
        "the hand-made eligibility is not RoleSync's: {v}"
    );
    let mut want = members.clone();
    want.remove(&leaver);
    want.insert(by_hand.clone());
    assert_eq!(now, want);
}
