//! Change control in the real window (issue 19), against `rolesync emulator` (a separate process
//! serving the demo tenant) and the demo directory's LDIF export, signing in with the app's
//! client secret from the keyring:
//! - a sync stopped by the revoke limit holds its plan; the Pending approval page shows it (who,
//!   when, why, each change); Approve → confirm applies exactly the held changes (read back from
//!   Graph), the audit names the approver, and the plan shows approved without an Approve button;
//! - a held plan whose directory changed underneath (approved by keyboard alone) shows the
//!   difference, applies nothing and stays pending;
//! - Reject; a plan someone else decided while the page was open, and a held file edited by
//!   hand, each said in the app's words;
//! - a sync undone from History: the inverse is previewed, then applied on confirmation, and the
//!   tenant's assignments are back to what they were before the sync.

use super::webdriver::{wait_until, Session, ENTER, TAB};
use super::window::{shot, Emulator, Window};
use rolesync_bench::baseline::SequentialClient;
use rolesync_entra_emulator::{DEMO_APP_ID, DEMO_APP_SECRET};
use rolesync_secrets::{Credential, CredentialName, CredentialStore, Secret};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The demo directory's LDIF export, the emulator with secret sign-in, and `safety`.
fn config(home: &Path, emu: &Emulator, safety: &str) -> String {
    let ldif = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/demo/data/directory.ldif");
    std::fs::copy(&ldif, home.join("contoso.ldif")).expect("LDIF copied");
    format!(
        "[directory]\nldif = \"contoso.ldif\"\nou = \"{}\"\n\n[entra]\ntenant = \"{}\"\nclient_id = \"{}\"\nsign_in = \"secret\"\nlogin_url = \"{}\"\ngraph_url = \"{}\"\n\n[safety]\n{safety}\n",
        rolesync_demo::OU,
        emu.tenant,
        DEMO_APP_ID,
        emu.url,
        emu.url
    )
}

/// The OS account the window runs as (`USER`): the one the held plan and the audit name.
const ACCOUNT: &str = "rs-approver";

/// Opens the configured window with the app's secret saved.
fn open(name: &str, emu: &Emulator, safety: &str) -> Window {
    let w = Window::open(name, &[], &[("USER", ACCOUNT.to_string())], |home| {
        std::fs::write(home.join("rolesync.toml"), config(home, emu, safety))
            .expect("configuration written")
    });
    w.keyring()
        .set(
            CredentialName::Office365,
            &Credential::new(DEMO_APP_ID, Secret::new(DEMO_APP_SECRET)),
        )
        .expect("the app's secret saved");
    w
}

/// Runs `f` with a Graph client signed in to the emulator as the app.
fn graph<T>(emu: &Emulator, f: impl AsyncFnOnce(&mut SequentialClient) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut c = SequentialClient::sign_in(
            &emu.url,
            &emu.tenant,
            &format!("{}/v1.0", emu.url),
            DEMO_APP_ID,
            DEMO_APP_SECRET,
            None,
        )
        .await
        .expect("signed in to the emulator");
        f(&mut c).await
    })
}

/// Another tool revokes one assignment (role id, principal id) through Graph.
fn revoke(emu: &Emulator, (role, principal): &(String, String)) {
    graph(emu, async |c| {
        let (m, _) = c.role_members(role).await.expect("role members");
        c.revoke(&m[principal]).await.expect("revoked");
    })
}

/// The tenant's active role assignments as (role id, principal id), read through Graph.
fn assignments(emu: &Emulator) -> BTreeSet<(String, String)> {
    graph(emu, async |c| {
        let (roles, _) = c
            .list("roleManagement/directory/roleDefinitions")
            .await
            .expect("role definitions");
        let mut out = BTreeSet::new();
        for r in roles {
            let id = r["id"].as_str().expect("a role id").to_ascii_lowercase();
            let (m, _) = c.role_members(&id).await.expect("role members");
            out.extend(m.into_keys().map(|p| (id.clone(), p)));
        }
        out
    })
}

/// Runs a sync from Home and waits for its result on the Progress page; returns its outcome.
fn sync(s: &Session) -> String {
    s.page("home");
    s.wait("[data-testid=run-sync]", 5).click();
    let r = s.wait("[data-testid=run-result]", 90);
    r.attr("data-outcome").unwrap_or_default()
}

/// The held plan's file (`logs/held/<id>.json`) as JSON.
fn held_file(home: &Path, id: &str) -> Value {
    let p: PathBuf = home.join("logs").join("held").join(format!("{id}.json"));
    serde_json::from_slice(&std::fs::read(&p).expect("the held plan's file")).expect("JSON")
}

/// The audit file's lines.
fn audit(home: &Path) -> Vec<Value> {
    std::fs::read_to_string(home.join("logs").join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The held plan on the page: waits for its card and returns its id.
fn held_plan_on_page(s: &Session) -> String {
    s.page("approvals");
    let card = s.wait("[data-testid=held-plan][data-status=pending]", 10);
    card.attr("data-id").expect("the plan's id")
}

#[test]
fn a_held_plan_is_approved_in_the_window_and_applies_exactly_the_held_changes() {
    let emu = Emulator::start(None, "127.0.0.1:0", None);
    let w = open("approve", &emu, "max_revokes = 0");
    let home = w.home.path().to_path_buf();
    w.run(|w| {
        let s = &w.s;
        let before = assignments(&emu);
        // The sync is stopped by the revoke limit: nothing changes, the plan is held.
        assert_eq!(sync(s), "stopped");
        assert_eq!(assignments(&emu), before, "a stopped sync changes nothing");
        let id = held_plan_on_page(s);
        let card = format!("[data-testid=held-plan][data-id='{id}']");
        let by = s.wait(&format!("{card} [data-testid=held-by]"), 5).text();
        assert_eq!(by, ACCOUNT);
        let why = s.wait(&format!("{card} [data-testid=held-reason]"), 5).text();
        assert!(why.to_lowercase().contains("revoke"), "why it was held: {why}");
        let held = held_file(&home, &id);
        let changes = held["plan"]["changes"].as_array().expect("changes").clone();
        let rows = s.find_all(&format!("{card} [data-testid=held-changes] tbody tr"));
        assert_eq!(rows.len(), changes.len(), "one row per held change");
        let table = s.wait(&format!("{card} [data-testid=held-changes]"), 5).text();
        assert!(table.contains("bob@contoso.com"), "{table}");
        let summary = s.wait(&format!("{card} [data-testid=held-summary]"), 5).text();
        assert!(summary.contains("revoke"), "{summary}");
        shot(s, "c01-pending-approval");
        super::a11y::assert_accessible(s, "approvals-held");

        // Approve → the confirmation (focus in it) → applied.
        s.wait(&format!("{card} [data-testid=approve]"), 5).click();
        s.wait("[data-testid=confirm]", 5);
        let focused = s.run_script(
            "return !!document.activeElement && !!document.activeElement.closest('[data-testid=confirm]');",
        );
        assert_eq!(focused, serde_json::json!(true), "focus starts in the dialog");
        shot(s, "c02-approve-confirmation");
        s.wait("[data-testid=confirm-yes]", 5).click();
        let done = s.wait(&format!("{card} [data-testid=held-result]"), 90).text();
        assert!(done.contains("Approved and applied"), "{done}");
        s.wait(&format!("[data-testid=held-plan][data-id='{id}'][data-status=approved]"), 10);
        assert!(
            s.find(&format!("{card} [data-testid=approve]")).is_none(),
            "an approved plan has no Approve button"
        );
        let decided = s.wait(&format!("{card} [data-testid=held-decided]"), 5).text();
        assert!(
            decided.starts_with(&format!("approved by {ACCOUNT} at")),
            "{decided}"
        );
        shot(s, "c03-approved");

        // The tenant: exactly the held changes (active assignments) on top of what was there.
        let mut want = before.clone();
        for c in &changes {
            if c["kind"] != "active" {
                continue;
            }
            let pair = (
                c["roleId"].as_str().expect("role id").to_ascii_lowercase(),
                c["principalId"].as_str().expect("principal").to_ascii_lowercase(),
            );
            match c["action"].as_str() {
                Some("grant") => assert!(want.insert(pair), "granted twice"),
                Some("revoke") => assert!(want.remove(&pair), "revoked what was not there"),
                _ => {}
            }
        }
        assert_ne!(want, before, "the held plan changes something");
        assert_eq!(assignments(&emu), want, "the tenant has exactly the held changes");

        // The audit names the approver on every change of the approval.
        let approved: Vec<Value> = audit(&home)
            .into_iter()
            .filter(|r| r["heldPlan"] == id.as_str())
            .collect();
        assert!(!approved.is_empty(), "audit lines of the approval");
        assert!(
            approved.iter().all(|r| r["approvedBy"]
                .as_str()
                .is_some_and(|a| a.contains(ACCOUNT))),
            "{approved:?}"
        );
    });
}

#[test]
fn a_held_plan_the_directory_moved_away_from_shows_the_difference_and_applies_nothing() {
    let emu = Emulator::start(None, "127.0.0.1:0", None);
    let w = open("approve-changed", &emu, "max_revokes = 0");
    let home = w.home.path().to_path_buf();
    w.run(|w| {
        let s = &w.s;
        assert_eq!(sync(s), "stopped");
        let before = assignments(&emu);
        let id = held_plan_on_page(s);
        // paula leaves the Helpdesk Administrator group after the plan was held.
        let ldif = home.join("contoso.ldif");
        let text = std::fs::read_to_string(&ldif).unwrap();
        let group = text
            .find("dn: CN=Helpdesk Administrator,")
            .expect("the group");
        let member = "member: CN=paula,OU=Staff,DC=contoso,DC=com\n";
        let at = group + text[group..].find(member).expect("paula in the group");
        std::fs::write(
            &ldif,
            format!("{}{}", &text[..at], &text[at + member.len()..]),
        )
        .unwrap();

        // By keyboard: Tab to Approve, Enter; in the confirmation, Tab to its Approve, Enter.
        let card = format!("[data-testid=held-plan][data-id='{id}']");
        let tab_to = |css: &str| {
            for _ in 0..60 {
                if s.focus_in(css).1 {
                    return;
                }
                s.keys(&TAB.to_string());
            }
            panic!("Tab never reaches {css}");
        };
        tab_to(&format!("{card} [data-testid=approve]"));
        shot(s, "c04a-keyboard-focus-approve");
        s.keys(&ENTER.to_string());
        s.wait("[data-testid=confirm]", 5);
        tab_to("[data-testid=confirm-yes]");
        s.keys(&ENTER.to_string());
        let error = s
            .wait(&format!("{card} [data-testid=held-error]"), 90)
            .text();
        assert!(
            error.contains("no longer the one held") && error.contains("paula@contoso.com"),
            "the difference is shown: {error}"
        );
        assert!(error.contains("stays pending"), "{error}");
        // Still pending, still approvable; nothing applied.
        s.wait(
            &format!("[data-testid=held-plan][data-id='{id}'][data-status=pending]"),
            5,
        );
        assert!(s.find(&format!("{card} [data-testid=approve]")).is_some());
        shot(s, "c04-held-plan-changed-underneath");
        assert_eq!(assignments(&emu), before, "nothing was applied");
        assert!(
            !audit(&home).iter().any(|r| r["heldPlan"] == id.as_str()),
            "no change of the held plan was written"
        );
    });
}

#[test]
fn a_sync_is_undone_from_history_after_a_preview() {
    let emu = Emulator::start(None, "127.0.0.1:0", None);
    let w = open("undo", &emu, "max_revokes = 100\nmax_revoke_percent = 100");
    w.run(|w| {
        let s = &w.s;
        let before = assignments(&emu);
        assert_eq!(sync(s), "applied");
        let after_sync = assignments(&emu);
        assert_ne!(after_sync, before, "the sync changed something");
        // Someone else takes back one of the sync's grants: the undo skips it.
        let gone = after_sync
            .difference(&before)
            .next()
            .expect("a grant of the sync")
            .clone();
        revoke(&emu, &gone);
        let mut after_sync = after_sync;
        after_sync.remove(&gone);

        s.page("history");
        s.wait("[data-testid=run-open]", 5).click();
        s.wait("[data-testid=run-details]", 10);
        s.wait("[data-testid=undo-preview-button]", 5).click();
        let summary = s.wait("[data-testid=undo-summary]", 60).text();
        let rows = s.find_all("[data-testid=undo-changes] tbody tr");
        assert!(!rows.is_empty(), "the inverse, change by change: {summary}");
        let table = s.wait("[data-testid=undo-changes]", 5).text();
        assert!(
            table.contains("undoes run"),
            "each change says why: {table}"
        );
        let skipped = s
            .find_all("[data-testid=undo-changes] tr[data-kind=skipped]")
            .iter()
            .map(|e| e.text())
            .collect::<Vec<_>>();
        assert_eq!(
            skipped.len(),
            1,
            "the assignment revoked since is skipped: {skipped:?}"
        );
        assert!(summary.contains("1 skipped"), "{summary}");
        shot(s, "c05-undo-preview");
        super::a11y::assert_accessible(s, "history-undo-preview");
        assert_eq!(assignments(&emu), after_sync, "a preview changes nothing");

        s.wait("[data-testid=undo-apply]", 5).click();
        s.wait("[data-testid=confirm]", 5);
        s.wait("[data-testid=confirm-yes]", 5).click();
        let result = s.wait("[data-testid=undo-result]", 90).text();
        assert!(result.starts_with("Undo of the run"), "{result}");
        assert!(
            s.find("[data-testid=undo-result].okbox").is_some(),
            "applied: {result}"
        );
        // History is drawn again with the undo's own run.
        wait_until("the undo's run in History", Duration::from_secs(10), || {
            (s.find_all("[data-testid=history-table] tbody tr").len() >= 2).then_some(())
        });
        shot(s, "c06-undone");
        assert_eq!(
            assignments(&emu),
            before,
            "the tenant's assignments are as before the sync"
        );
    });
}

/// Reject, and the refusals in the app's own words: a plan someone else decided while the page
/// was open, and a held file edited by hand (left out of the list and named, with why).
#[test]
fn rejected_already_decided_and_edited_plans_say_so() {
    let emu = Emulator::start(None, "127.0.0.1:0", None);
    let w = open("approve-refused", &emu, "max_revokes = 0");
    let home = w.home.path().to_path_buf();
    let service = w.service.clone();
    w.run(|w| {
        let s = &w.s;
        let before = assignments(&emu);
        // Reject.
        assert_eq!(sync(s), "stopped");
        let first = held_plan_on_page(s);
        let card = format!("[data-testid=held-plan][data-id='{first}']");
        s.wait(&format!("{card} [data-testid=reject]"), 5).click();
        s.wait("[data-testid=confirm-yes]", 5).click();
        s.wait(&format!("{card}[data-status=rejected]"), 10);
        assert!(s.find(&format!("{card} [data-testid=approve]")).is_none());

        // Decided by someone else (the command line, another account) while the page is open.
        assert_eq!(sync(s), "stopped");
        let second = held_plan_on_page(s);
        let out = std::process::Command::new(super::window::binary())
            .args(["approvals", "reject", &second])
            .env("ROLESYNC_HOME", &home)
            .env("ROLESYNC_KEYRING_SERVICE", &service)
            .env("USER", "rs-colleague")
            .output()
            .expect("rolesync approvals reject");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let card = format!("[data-testid=held-plan][data-id='{second}']");
        s.wait(&format!("{card} [data-testid=approve]"), 5).click();
        s.wait("[data-testid=confirm-yes]", 5).click();
        let error = s
            .wait(&format!("{card} [data-testid=held-error]"), 30)
            .text();
        assert!(
            error.contains("already rejected by rs-colleague"),
            "the app's words: {error}"
        );
        s.wait(&format!("{card}[data-status=rejected]"), 10);
        shot(s, "c07-already-decided");

        // A held file edited by hand: not in the list, named with why.
        assert_eq!(sync(s), "stopped");
        let third = held_plan_on_page(s);
        let file = home.join("logs").join("held").join(format!("{third}.json"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(ACCOUNT));
        std::fs::write(&file, text.replace(ACCOUNT, "mallory")).unwrap();
        s.page("home");
        s.page("approvals");
        let refused = s.wait("[data-testid=held-refused]", 5).text();
        assert!(
            refused.contains(&third) && refused.contains("was changed after it was held"),
            "{refused}"
        );
        assert!(s
            .find(&format!("[data-testid=held-plan][data-id='{third}']"))
            .is_none());
        shot(s, "c08-edited-file-refused");
        assert_eq!(assignments(&emu), before, "nothing was applied");
    });
}
