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
//! - a missing run's undo exits with a clear error and changes nothing.

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
    assert!(
        v["report"]["drift"][0]["unknownBecause"].as_str().is_some(),
        "{v}"
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
