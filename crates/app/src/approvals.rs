//! Plans held for a second person's approval, on disk: `held/<id>.json` in the log folder (next
//! to `reports/`), sealed with its SHA-256 ([`rolesync_core::approval`]), and beside it
//! `held/<id>.decision.json` once someone approves or rejects it. A sync stopped by overridable
//! limits, or with grants to roles under `safety.require_approval`, holds its plan ([`hold`]);
//! `rolesync approvals` lists, shows, approves and rejects.
//!
//! Approving reads both sides again and plans anew; only when the fresh plan's changes in the
//! held scope are the held ones are they applied (through the same write-ahead audit, whose lines
//! say who approved). The decision file is created exclusively before anything is read, so of
//! two approvers at once one applies and the other is told it is already being approved.

use crate::run::{Finished, RunHooks, RunKind, RunRequest, SignInChoice};
use crate::{App, AppError, ErrorKind, Settings};
use chrono::{DateTime, Utc};
use rolesync_core::approval::{
    canonical_json, compare, describe, narrow, open, seal, sha256_hex, HeldError, HeldPlan,
    HeldState, HeldSummary, HoldReason, PlanDiff,
};
use rolesync_core::engine::ReadSides;
use rolesync_core::plan::{Change, Plan};
use rolesync_core::report::{Outcome, RunMode, RunReport};
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use ts_rs::TS;

/// Where a held plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum HeldStatus {
    /// Waiting for approval.
    Pending,
    /// Past its expiry; it can no longer be approved.
    Expired,
    /// Someone is approving it now (or an approval was interrupted).
    Approving,
    /// Approved and applied.
    Approved,
    /// Rejected.
    Rejected,
    /// A later sync held a newer plan: this one can no longer be approved (its state is older
    /// than what that sync read).
    Superseded,
}

/// A held plan as `approvals list` and the window show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HeldView {
    /// Its id (the run that held it).
    pub id: String,
    /// Where it stands.
    pub status: HeldStatus,
    /// When it was held.
    pub created: DateTime<Utc>,
    /// Until when it can be approved.
    pub expires: DateTime<Utc>,
    /// Who ran the sync that held it.
    pub created_by: String,
    /// Why it waits, in words.
    pub reason: String,
    /// The changes, one a line.
    pub changes: Vec<String>,
    /// How many grants, renewals and revokes wait.
    pub summary: HeldSummary,
    /// The changes themselves (the window's table).
    pub items: Vec<Change>,
    /// Who approved or rejected it, and when, when someone did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided: Option<String>,
    /// The file.
    pub file: String,
}

/// What was decided about a held plan (`held/<id>.decision.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Decision {
    status: HeldStatus,
    by: String,
    at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run_id: Option<String>,
}

fn held_dir(log_dir: &Path) -> PathBuf {
    log_dir.join("held")
}

fn decision_file(log_dir: &Path, id: &str) -> PathBuf {
    held_dir(log_dir).join(format!("{id}.decision.json"))
}

/// The ids of the held files in `log_dir` (`held/<id>.json`, not the decisions), sorted.
fn held_ids(log_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(held_dir(log_dir)) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let id = name.strip_suffix(".json")?;
            (!id.ends_with(".decision")).then(|| id.to_string())
        })
        .collect();
    ids.sort();
    ids
}

/// Records a decision on held plan `id` only if there is none yet (created exclusively: of two
/// at once, one creates it and the other gets `AlreadyExists`).
fn record_first_decision(log_dir: &Path, id: &str, d: &Decision) -> std::io::Result<()> {
    let mut f = rolesync_protect::create_new(&decision_file(log_dir, id))?;
    f.write_all(&serde_json::to_vec_pretty(d).unwrap_or_default())?;
    f.sync_all()
}

/// A held plan's id is a run id: letters, digits and dashes.
fn checked_id(id: &str) -> Result<&str, AppError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(AppError::config(format!(
            "\"{id}\" is not a held plan's id; `rolesync approvals list` shows them"
        )));
    }
    Ok(id)
}

/// Holds what this sync leaves waiting, when it leaves anything: every change of a plan stopped
/// only by limits a second person may approve past, or the grants to roles under
/// `require_approval`. Returns the held plan, saved.
pub(crate) fn hold(
    settings: &Settings,
    report: &RunReport,
    plan: &Plan,
    read: &ReadSides,
    (source, target): (String, String),
) -> anyhow::Result<Option<HeldPlan>> {
    let stopped_overridably = report.outcome == Outcome::Stopped
        && !plan.stops.is_empty()
        && plan.stops.iter().all(|s| s.overridable);
    let (reason, changes) = if stopped_overridably {
        (
            HoldReason::SafetyStops {
                stops: plan.stops.clone(),
            },
            plan.changes()
                .chain(plan.awaiting_approval())
                .cloned()
                .collect::<Vec<_>>(),
        )
    } else if report.outcome != Outcome::Stopped && plan.awaiting_approval().next().is_some() {
        let mut roles: Vec<String> = plan
            .roles
            .iter()
            .filter(|r| !r.awaiting_approval.is_empty())
            .map(|r| r.role_name.clone())
            .collect();
        roles.dedup();
        (
            HoldReason::RequireApproval { roles },
            plan.awaiting_approval().cloned().collect(),
        )
    } else {
        return Ok(None);
    };
    if changes.is_empty() {
        return Ok(None);
    }
    let config_text = std::fs::read(&settings.config.file).unwrap_or_default();
    let created = Utc::now();
    let expires = created
        + chrono::Duration::from_std(settings.config.approval_expires)
            .unwrap_or_else(|_| chrono::Duration::hours(24));
    let held = HeldPlan {
        id: report.run_id.clone(),
        created,
        expires,
        created_by: crate::change_control::os_account(),
        reason,
        summary: HeldSummary::of(&changes),
        changes,
        state: HeldState {
            source,
            target,
            directory_sha256: sha256_hex(&canonical_json(&read.directory)),
            tenant_sha256: sha256_hex(&canonical_json(&read.tenant)),
            config_sha256: sha256_hex(&config_text),
        },
    };
    let dir = held_dir(&settings.log_dir());
    rolesync_protect::create_dir_all(&dir)?;
    let file = dir.join(format!(
        "{}.json",
        checked_id(&held.id).map_err(|e| anyhow::anyhow!("{e}"))?
    ));
    rolesync_protect::write_atomic(&file, &serde_json::to_vec_pretty(&seal(held.clone()))?)?;
    tracing::warn!(id = %held.id, file = %file.display(), changes = held.changes.len(), "plan held for approval");
    supersede_older(&settings.log_dir(), &held);
    Ok(Some(held))
}

/// Marks every other plan still pending as superseded by `newer`: a sync that holds a plan has
/// read both sides afresh, so only its plan is worth approving (a nightly run stopped again does
/// not pile up plans). A plan someone is deciding on now keeps its decision (the file is created
/// exclusively).
fn supersede_older(log_dir: &Path, newer: &HeldPlan) {
    let now = Utc::now();
    for id in held_ids(log_dir) {
        if id == newer.id || read_decision(log_dir, &id).is_some() {
            continue;
        }
        let file = held_dir(log_dir).join(format!("{id}.json"));
        let Some(older) = std::fs::read(file).ok().and_then(|b| open(&b).ok()) else {
            continue;
        };
        if older.expired(now) {
            continue;
        }
        let d = Decision {
            status: HeldStatus::Superseded,
            by: crate::change_control::os_account(),
            at: now,
            run_id: Some(newer.id.clone()),
        };
        match record_first_decision(log_dir, &id, &d) {
            Ok(()) => tracing::warn!(id, newer = %newer.id, "held plan superseded by a newer one"),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => tracing::error!(id, error = %e, "a superseded held plan could not be marked"),
        }
    }
}

fn read_decision(log_dir: &Path, id: &str) -> Option<Decision> {
    let bytes = std::fs::read(decision_file(log_dir, id)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn view(log_dir: &Path, file: &Path, h: &HeldPlan) -> HeldView {
    let decision = read_decision(log_dir, &h.id);
    let status = match &decision {
        Some(d) => d.status,
        None if h.expired(Utc::now()) => HeldStatus::Expired,
        None => HeldStatus::Pending,
    };
    HeldView {
        id: h.id.clone(),
        status,
        created: h.created,
        expires: h.expires,
        created_by: h.created_by.clone(),
        reason: h.reason.words(),
        changes: h.changes.iter().map(describe).collect(),
        summary: h.summary,
        items: h.changes.clone(),
        decided: decision.map(|d| {
            if d.status == HeldStatus::Superseded {
                return format!(
                    "superseded at {} by the plan run {} held",
                    d.at.format("%Y-%m-%d %H:%M UTC"),
                    d.run_id.unwrap_or_default()
                );
            }
            let verb = match d.status {
                HeldStatus::Rejected => "rejected",
                HeldStatus::Approving => "being approved",
                _ => "approved",
            };
            let run = d.run_id.map(|r| format!(" (run {r})")).unwrap_or_default();
            format!(
                "{verb} by {} at {}{run}",
                d.by,
                d.at.format("%Y-%m-%d %H:%M UTC")
            )
        }),
        file: file.display().to_string(),
    }
}

impl App {
    /// The held plans, newest first, and the held files that cannot be approved (edited by
    /// hand, damaged), each as the error that approving it would give — one read of the folder.
    pub fn held(&self, demo: bool) -> (Vec<HeldView>, Vec<AppError>) {
        let (mut plans, mut refused) = (Vec::new(), Vec::new());
        for id in held_ids(&self.log_dir(demo)) {
            match self.held_plan(demo, &id) {
                Ok((_, v)) => plans.push(v),
                Err(e) => refused.push(e),
            }
        }
        plans.sort_by_key(|v| std::cmp::Reverse(v.created));
        (plans, refused)
    }

    /// The held plans, newest first (files that are not held plans are logged and left out).
    pub fn approvals(&self, demo: bool) -> Result<Vec<HeldView>, AppError> {
        let (plans, refused) = self.held(demo);
        for e in refused {
            tracing::warn!("{}", e.message);
        }
        Ok(plans)
    }

    /// The held files that cannot be approved: `approvals` leaves them out, the window says why.
    pub fn held_refused(&self, demo: bool) -> Vec<AppError> {
        self.held(demo).1
    }

    /// One held plan, its seal checked.
    pub fn held_plan(&self, demo: bool, id: &str) -> Result<(HeldPlan, HeldView), AppError> {
        let id = checked_id(id)?;
        let log_dir = self.log_dir(demo);
        let file = held_dir(&log_dir).join(format!("{id}.json"));
        let bytes = std::fs::read(&file).map_err(|_| {
            AppError::new(
                ErrorKind::NotFound,
                format!(
                    "there is no held plan {id} (no {}); `rolesync approvals list` shows them",
                    file.display()
                ),
            )
        })?;
        let h = open(&bytes).map_err(|e| {
            let kind = match e {
                HeldError::Edited { .. } => "refused",
                HeldError::Unreadable(_) => "damaged",
            };
            tracing::error!(file = %file.display(), "held plan {kind}: {e}");
            AppError::new(
                ErrorKind::Approval,
                format!(
                    "the held plan {} {e}; nothing was changed — it can be neither approved nor rejected: move the file out of {} (keep it to find out who changed it) and run a sync to hold a new plan",
                    file.display(),
                    held_dir(&log_dir).display()
                ),
            )
        })?;
        let v = view(&log_dir, &file, &h);
        Ok((h, v))
    }

    /// Claims a held plan for a decision: only a pending one, and only once.
    fn claim(&self, demo: bool, id: &str, status: HeldStatus) -> Result<HeldPlan, AppError> {
        let (h, v) = self.held_plan(demo, id)?;
        let refuse = |m: String| Err(AppError::new(ErrorKind::Approval, m));
        match v.status {
            HeldStatus::Pending => {}
            HeldStatus::Expired => {
                return refuse(format!(
                    "the held plan {id} expired at {} (safety.approval_expires_hours); nothing was changed — run a sync to plan again",
                    h.expires.format("%Y-%m-%d %H:%M UTC")
                ))
            }
            _ => {
                return refuse(format!(
                    "the held plan {id} was already {}; nothing was changed",
                    v.decided.unwrap_or_default()
                ))
            }
        }
        let log_dir = self.log_dir(demo);
        let d = Decision {
            status,
            by: crate::change_control::os_account(),
            at: Utc::now(),
            run_id: None,
        };
        match record_first_decision(&log_dir, id, &d) {
            Ok(()) => Ok(h),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let (_, v) = self.held_plan(demo, id)?;
                refuse(format!(
                    "the held plan {id} was already {}; nothing was changed",
                    v.decided.unwrap_or_else(|| "decided".into())
                ))
            }
            Err(e) => Err(AppError::io(format!(
                "cannot record the decision on {id}: {e}"
            ))),
        }
    }

    fn decide(&self, demo: bool, id: &str, d: Option<Decision>) {
        let file = decision_file(&self.log_dir(demo), id);
        let done = match d {
            Some(d) => serde_json::to_vec_pretty(&d)
                .map_err(std::io::Error::other)
                .and_then(|b| rolesync_protect::write_atomic(&file, &b)),
            None => std::fs::remove_file(&file),
        };
        if let Err(e) = done {
            tracing::error!(file = %file.display(), error = %e, "the decision on a held plan could not be recorded");
        }
    }

    /// Rejects a pending held plan: it can no longer be approved.
    pub fn reject(&self, demo: bool, id: &str) -> Result<HeldView, AppError> {
        self.claim(demo, id, HeldStatus::Rejected)?;
        tracing::warn!(id, by = %crate::change_control::os_account(), "held plan rejected");
        Ok(self.held_plan(demo, id)?.1)
    }

    /// Approves a held plan: reads both sides again, plans anew, and applies the held changes
    /// only when the fresh plan's are the same; otherwise the difference is the error and the
    /// plan stays pending.
    pub async fn approve(
        &self,
        demo: bool,
        id: &str,
        hooks: &RunHooks<'_>,
    ) -> Result<Finished, AppError> {
        self.approve_signed_in(demo, id, SignInChoice::Configured, hooks)
            .await
    }

    /// [`App::approve`] signing in as the front end chose (the window's MFA question).
    pub async fn approve_signed_in(
        &self,
        demo: bool,
        id: &str,
        sign_in: SignInChoice,
        hooks: &RunHooks<'_>,
    ) -> Result<Finished, AppError> {
        let held = self.claim(demo, id, HeldStatus::Approving)?;
        let diff: Mutex<Option<PlanDiff>> = Mutex::new(None);
        let reshape = |fresh: Plan,
                       _: &rolesync_core::tenant::TenantSnapshot,
                       _: &rolesync_core::policy::Policy| {
            let scope = held.scope(&fresh);
            let d = compare(&held.changes, &scope);
            if d.is_empty() {
                narrow(&fresh, &scope)
            } else {
                *diff.lock().unwrap_or_else(|p| p.into_inner()) = Some(d);
                narrow(&fresh, &[])
            }
        };
        let request = RunRequest {
            sign_in,
            ..RunRequest::new(RunMode::Apply, false, demo)
        };
        let result = self
            .run_engine(
                &request,
                hooks,
                &RunKind::Approve {
                    id: &held.id,
                    reshape: &reshape,
                },
            )
            .await;
        let diff = diff.into_inner().unwrap_or_else(|p| p.into_inner());
        match (&result, diff) {
            (_, Some(d)) => {
                self.decide(demo, &held.id, None);
                Err(AppError::new(
                    ErrorKind::Approval,
                    format!(
                        "the plan is no longer the one held: the directory or the tenant changed since {}. Nothing was changed; {id} stays pending.\n{}\nRun a sync to plan again (and hold the new plan), or reject this one.",
                        held.created.format("%Y-%m-%d %H:%M UTC"),
                        d.words()
                    ),
                ))
            }
            (Ok(f), None)
                if matches!(
                    f.report.outcome,
                    Outcome::Applied | Outcome::AppliedWithFailures | Outcome::NoChanges
                ) =>
            {
                self.decide(
                    demo,
                    &held.id,
                    Some(Decision {
                        status: HeldStatus::Approved,
                        by: crate::change_control::os_account(),
                        at: Utc::now(),
                        run_id: Some(f.report.run_id.clone()),
                    }),
                );
                tracing::warn!(id = %held.id, run_id = %f.report.run_id, "held plan approved and applied");
                result
            }
            // Read failed, stopped by a limit nobody may pass, busy: still pending.
            _ => {
                self.decide(demo, &held.id, None);
                result
            }
        }
    }

    /// [`App::approve`] on a runtime of its own.
    pub fn approve_blocking(
        &self,
        demo: bool,
        id: &str,
        hooks: &RunHooks<'_>,
    ) -> Result<Finished, AppError> {
        crate::run::runtime()?.block_on(self.approve(demo, id, hooks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{app_with_tenant, hooks, Recorder};

    fn held(app: &App, id: &str, expires_in: chrono::Duration) -> PathBuf {
        let created = Utc::now();
        let h = HeldPlan {
            id: id.into(),
            created,
            expires: created + expires_in,
            created_by: "tester".into(),
            reason: HoldReason::RequireApproval {
                roles: vec!["Global Administrator".into()],
            },
            changes: vec![],
            summary: HeldSummary::default(),
            state: HeldState {
                source: "s".into(),
                target: "t".into(),
                directory_sha256: String::new(),
                tenant_sha256: String::new(),
                config_sha256: String::new(),
            },
        };
        let dir = held_dir(&app.log_dir(false));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{id}.json"));
        std::fs::write(&file, serde_json::to_vec(&seal(h)).unwrap()).unwrap();
        file
    }

    #[test]
    fn of_two_decisions_at_once_one_is_taken_and_the_other_told() {
        let (_home, app, _tenant) = app_with_tenant();
        held(&app, "run-1", chrono::Duration::hours(1));
        let results: Vec<Result<HeldView, AppError>> = std::thread::scope(|s| {
            let a = s.spawn(|| app.reject(false, "run-1"));
            let b = s.spawn(|| app.reject(false, "run-1"));
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        let e = results.into_iter().find_map(Result::err).unwrap();
        assert_eq!(e.code, ErrorKind::Approval);
        assert!(e.message.contains("already"), "{e}");
        assert_eq!(
            app.approvals(false).unwrap()[0].status,
            HeldStatus::Rejected
        );
    }

    #[test]
    fn a_newer_held_plan_supersedes_the_pending_ones_and_leaves_decided_ones() {
        let (_home, app, _tenant) = app_with_tenant();
        held(&app, "night-1", chrono::Duration::hours(20));
        held(&app, "night-2", chrono::Duration::hours(21));
        held(&app, "night-0", chrono::Duration::seconds(-1));
        app.reject(false, "night-2").unwrap();
        let file = held(&app, "night-3", chrono::Duration::hours(24));
        let newer = open(&std::fs::read(file).unwrap()).unwrap();
        supersede_older(&app.log_dir(false), &newer);
        let status = |id: &str| {
            app.approvals(false)
                .unwrap()
                .into_iter()
                .find(|v| v.id == id)
                .map(|v| (v.status, v.decided))
                .unwrap()
        };
        let (s1, d1) = status("night-1");
        assert_eq!(s1, HeldStatus::Superseded);
        assert!(d1.unwrap().contains("night-3"));
        assert_eq!(status("night-2").0, HeldStatus::Rejected);
        assert_eq!(status("night-0").0, HeldStatus::Expired);
        assert_eq!(status("night-3").0, HeldStatus::Pending);
        let e = app.reject(false, "night-1").unwrap_err();
        assert!(
            e.message.contains("already superseded") && e.message.contains("night-3"),
            "{e}"
        );
    }

    #[test]
    fn an_edited_file_is_left_out_of_the_list_and_named_with_the_reason() {
        let (_home, app, _tenant) = app_with_tenant();
        held(&app, "run-3", chrono::Duration::hours(1));
        let file = held(&app, "run-4", chrono::Duration::hours(1));
        assert!(app.held_refused(false).is_empty());
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replace("tester", "someone else")).unwrap();
        let ids: Vec<String> = app
            .approvals(false)
            .unwrap()
            .into_iter()
            .map(|v| v.id)
            .collect();
        assert_eq!(ids, ["run-3"]);
        let refused = app.held_refused(false);
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert_eq!(refused[0].code, ErrorKind::Approval);
        assert!(refused[0].message.contains("run-4"), "{}", refused[0]);
    }

    #[test]
    fn an_expired_plan_is_refused_and_a_bad_id_names_the_way() {
        let (_home, app, tenant) = app_with_tenant();
        held(&app, "run-2", chrono::Duration::seconds(-1));
        assert_eq!(app.approvals(false).unwrap()[0].status, HeldStatus::Expired);
        let events = Recorder::default();
        let e = crate::run::runtime()
            .unwrap()
            .block_on(app.approve(false, "run-2", &hooks(&events)))
            .unwrap_err();
        assert_eq!(e.code, ErrorKind::Approval);
        assert!(e.message.contains("expired"), "{e}");
        assert_eq!(tenant.writes(), 0);
        let e = app.held_plan(false, "../../etc/passwd").unwrap_err();
        assert!(e.message.contains("approvals list"), "{e}");
    }
}
