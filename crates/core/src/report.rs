//! The run report (one JSON document per run: steps with status, duration and error detail; per
//! role what was granted, revoked, unchanged, skipped and why) and the audit lines derived from it.

use crate::apply::AppliedChange;
use crate::events::{Step, StepStatus};
use crate::exit::ExitCode;
use crate::ids::{DirectoryScopeId, Dn, EntraObjectId, RoleDefinitionId};
use crate::mapping::{SkippedMapping, UnmappedGroup};
use crate::pim::RolePim;
use crate::plan::{Action, Change, Expiration, Plan, SafetyStop, Skipped, Untouched};
use crate::tenant::AssignmentKind;
use crate::traits::{ChangeOutcome, ReadErrorKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the run was asked to do.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RunMode {
    /// Show the plan only (`rolesync plan`).
    Plan,
    /// Plan and check limits, change nothing (`rolesync sync --dry-run`).
    DryRun,
    /// Apply the plan (`rolesync sync`).
    Apply,
}

/// How the run ended; it decides the exit code.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Nothing needed changing.
    NoChanges,
    /// Planned only (plan or dry run) and changes are pending.
    Planned,
    /// Every change applied.
    Applied,
    /// Applied, but some changes failed.
    AppliedWithFailures,
    /// Stopped by a safety limit; nothing changed.
    Stopped,
    /// Changes wait for a second person's approval (a stopped plan saved for approval, or
    /// grants to a role under `safety.require_approval`); the rest, if any, was applied.
    PendingApproval,
    /// The source or the target could not be read, or sign-in failed; nothing changed.
    ReadFailed,
}

impl Outcome {
    /// The documented exit code: done, item failures, safety stop, or read or sign-in failure.
    pub fn exit(self) -> ExitCode {
        match self {
            Outcome::NoChanges | Outcome::Planned | Outcome::Applied => ExitCode::Done,
            Outcome::AppliedWithFailures => ExitCode::ItemFailures,
            Outcome::Stopped | Outcome::PendingApproval => ExitCode::SafetyStop,
            Outcome::ReadFailed => ExitCode::ReadFailed,
        }
    }

    /// [`Outcome::exit`] as the number the process exits with.
    pub fn exit_code(self) -> u8 {
        self.exit().code()
    }
}

/// One step of the run.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    /// Which step.
    pub step: Step,
    /// Its name in words.
    pub name: String,
    /// How it ended.
    pub status: StepStatus,
    /// Duration in milliseconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duration_ms: u64,
    /// Counts, or the error in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// One change in a role's report.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemReport {
    /// The user.
    pub user: String,
    /// The outcome; absent when the change was only planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ChangeOutcome>,
}

/// A change not attempted because of the role's PIM settings (the reason is the role's
/// [`RolePim::hold`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldItem {
    /// The user.
    pub user: String,
    /// What was held back.
    pub action: Action,
}

/// Per role (and scope).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleReport {
    /// Role name.
    pub role: String,
    /// Where the role is assigned: `/` (left out of JSON) or `/administrativeUnits/{id}`.
    #[serde(default, skip_serializing_if = "DirectoryScopeId::is_tenant")]
    #[cfg_attr(feature = "ts", ts(type = "string | undefined"))]
    pub directory_scope_id: DirectoryScopeId,
    /// The administrative unit's display name, for an administrative-unit scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub scope_name: Option<String>,
    /// Governing groups.
    pub groups: Vec<Dn>,
    /// Active or eligible.
    pub kind: AssignmentKind,
    /// Grants (planned, or with their outcome).
    pub grants: Vec<ItemReport>,
    /// Renewals of assignments that end soon (planned, or with their outcome).
    #[serde(default)]
    pub renewals: Vec<ItemReport>,
    /// Revokes (planned, or with their outcome).
    pub revokes: Vec<ItemReport>,
    /// Changes held back by the role's PIM settings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<HeldItem>,
    /// Grants waiting for approval (`safety.require_approval`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub awaiting_approval: Vec<String>,
    /// The role's PIM settings and what RoleSync does about them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pim: Option<RolePim>,
    /// Managed assignments with an end date (upcoming expirations), soonest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expirations: Vec<Expiration>,
    /// Members already holding the role.
    pub unchanged: Vec<String>,
    /// Members skipped, with reasons.
    pub skipped: Vec<Skipped>,
    /// Holders left alone, with reasons.
    pub untouched: Vec<Untouched>,
}

impl RoleReport {
    /// The role and, for an administrative-unit scope, the unit
    /// (`Helpdesk Administrator @ administrative unit Europe`).
    pub fn label(&self) -> String {
        crate::plan::scoped_label(
            &self.role,
            &self.directory_scope_id,
            self.scope_name.as_deref(),
        )
    }
}

/// Totals.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSummary {
    /// Grants applied (or planned, when nothing was applied).
    pub granted: usize,
    /// Revokes applied (or planned).
    pub revoked: usize,
    /// Renewals applied (or planned).
    #[serde(default)]
    pub renewed: usize,
    /// Changes held back by PIM settings.
    #[serde(default)]
    pub held: usize,
    /// Changes waiting for approval.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub awaiting_approval: usize,
    /// Members unchanged.
    pub unchanged: usize,
    /// Members skipped.
    pub skipped: usize,
    /// Changes that failed.
    pub failed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The report of one run.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// Unique id of the run (also in every audit line).
    pub run_id: String,
    /// Start time.
    pub started: DateTime<Utc>,
    /// End time.
    pub finished: DateTime<Utc>,
    /// What was asked.
    pub mode: RunMode,
    /// `--force` given.
    pub forced: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// The process exit code this outcome maps to.
    pub exit_code: u8,
    /// The directory source.
    pub source: String,
    /// The role target.
    pub target: String,
    /// Steps in order.
    pub steps: Vec<StepReport>,
    /// Totals.
    pub summary: ReportSummary,
    /// Per role.
    pub roles: Vec<RoleReport>,
    /// Groups mapping to no role.
    pub unmapped_groups: Vec<UnmappedGroup>,
    /// Mappings that got nothing written because their administrative unit does not exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(type = "Array<SkippedMapping> | undefined"))]
    pub skipped_mappings: Vec<SkippedMapping>,
    /// Safety stops met.
    pub stops: Vec<SafetyStop>,
    /// The error that ended the run early, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What kind of read failure ended the run early, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ReadErrorKind>,
    /// Problems around the run that did not stop it, such as a configuration or log folder that
    /// others can change (named, with the fix).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Who can change the role groups (`rolesync exposure`), assessed after a run that read a
    /// domain controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub exposure: Option<crate::exposure::ExposureReport>,
    /// Assignments in mapped roles that someone else added or removed since RoleSync's last
    /// run, with who and when where Entra's audit log says ([`crate::drift`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<crate::drift::DriftItem>,
    /// The plan this run saved for approval, when it saved one ([`crate::approval`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<crate::approval::PendingApproval>,
}

impl RunReport {
    /// Adds a step (the binary adds `report` and `email`).
    pub fn push_step(
        &mut self,
        step: Step,
        status: StepStatus,
        duration_ms: u64,
        detail: impl Into<String>,
    ) {
        self.steps.push(StepReport {
            step,
            name: step.label().to_string(),
            status,
            duration_ms,
            detail: detail.into(),
        });
    }

    /// Fills `roles` and `summary` from the plan and, when applied, the outcomes.
    pub fn fill_from(&mut self, plan: &Plan, applied: Option<&[AppliedChange]>) {
        let outcome_of = |r: &crate::plan::RolePlan, user: &str, action: Action| {
            applied.and_then(|a| {
                a.iter()
                    .find(|x| {
                        x.change.action == action
                            && x.change.role_id == r.role_id
                            && x.change.directory_scope_id == r.directory_scope_id
                            && x.change.user == user
                    })
                    .map(|x| x.outcome.clone())
            })
        };
        self.roles = plan
            .roles
            .iter()
            .map(|r| RoleReport {
                role: r.role_name.clone(),
                directory_scope_id: r.directory_scope_id.clone(),
                scope_name: r.scope_name.clone(),
                groups: r.groups.clone(),
                kind: r.kind,
                grants: r
                    .grants
                    .iter()
                    .map(|c| ItemReport {
                        user: c.user.clone(),
                        outcome: outcome_of(r, &c.user, Action::Grant),
                    })
                    .collect(),
                renewals: r
                    .renewals
                    .iter()
                    .map(|c| ItemReport {
                        user: c.user.clone(),
                        outcome: outcome_of(r, &c.user, Action::Renew),
                    })
                    .collect(),
                revokes: r
                    .revokes
                    .iter()
                    .map(|c| ItemReport {
                        user: c.user.clone(),
                        outcome: outcome_of(r, &c.user, Action::Revoke),
                    })
                    .collect(),
                held: r
                    .held
                    .iter()
                    .map(|c| HeldItem {
                        user: c.user.clone(),
                        action: c.action,
                    })
                    .collect(),
                awaiting_approval: r.awaiting_approval.iter().map(|c| c.user.clone()).collect(),
                pim: r.pim.clone(),
                expirations: r.expirations.clone(),
                unchanged: r.unchanged.clone(),
                skipped: r.skipped.clone(),
                untouched: r.untouched.clone(),
            })
            .collect();
        self.unmapped_groups = plan.unmapped_groups.clone();
        self.skipped_mappings = plan.skipped_mappings.clone();
        self.stops = plan.stops.clone();
        let count = |action: Action| match applied {
            Some(a) => a
                .iter()
                .filter(|x| x.change.action == action && x.outcome.succeeded())
                .count(),
            None => plan.changes().filter(|c| c.action == action).count(),
        };
        self.summary = ReportSummary {
            granted: count(Action::Grant),
            revoked: count(Action::Revoke),
            renewed: count(Action::Renew),
            held: plan.summary.held,
            awaiting_approval: plan.summary.awaiting_approval,
            unchanged: plan.summary.unchanged,
            skipped: plan.summary.skipped,
            failed: applied.map_or(0, |a| a.iter().filter(|x| !x.outcome.succeeded()).count()),
        };
    }

    /// The subject line of the report: `RoleSync: 3 granted, 1 revoked, 1 failed`.
    pub fn headline(&self) -> String {
        let s = &self.summary;
        match self.outcome {
            Outcome::Stopped => format!(
                "stopped by a safety limit ({} stop(s)), nothing changed",
                self.stops.len()
            ),
            Outcome::ReadFailed => {
                "could not read the source or target, nothing changed".to_string()
            }
            Outcome::PendingApproval => {
                let id = self.approval.as_ref().map(|a| a.id.as_str());
                let waiting = match (id, &self.approval) {
                    (Some(id), Some(a)) => format!(
                        "{} change(s) wait for approval ({id}: rolesync approvals show {id})",
                        a.changes
                    ),
                    _ => format!("{} change(s) wait for approval", s.awaiting_approval),
                };
                if s.granted + s.revoked + s.renewed > 0 {
                    format!("{} granted, {} revoked; {waiting}", s.granted, s.revoked)
                } else {
                    format!("{waiting}; nothing changed")
                }
            }
            Outcome::NoChanges => "no changes needed".to_string(),
            Outcome::Planned => {
                let mut h = format!("{} to grant, {} to revoke", s.granted, s.revoked);
                if s.renewed > 0 {
                    h.push_str(&format!(", {} to renew", s.renewed));
                }
                if s.held > 0 {
                    h.push_str(&format!(", {} held back by PIM settings", s.held));
                }
                h.push_str(" (not applied)");
                h
            }
            Outcome::Applied | Outcome::AppliedWithFailures => {
                let mut h = format!("{} granted, {} revoked", s.granted, s.revoked);
                if s.renewed > 0 {
                    h.push_str(&format!(", {} renewed", s.renewed));
                }
                if s.failed > 0 {
                    h.push_str(&format!(", {} failed", s.failed));
                }
                if s.held > 0 {
                    h.push_str(&format!(", {} held back by PIM settings", s.held));
                }
                h
            }
        }
    }
}

/// One audit line (JSON lines, append-only): a change intended (written before it is sent),
/// its outcome, or — after an interrupted run — what the tenant showed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// When this was recorded.
    pub time: DateTime<Utc>,
    /// The run that recorded it.
    pub run_id: String,
    /// Role name.
    pub role: String,
    /// Where the role is assigned, when not the tenant (`/administrativeUnits/{id}`).
    #[serde(default, skip_serializing_if = "DirectoryScopeId::is_tenant")]
    pub directory_scope_id: DirectoryScopeId,
    /// User.
    pub user: String,
    /// Grant, renew or revoke.
    pub action: Action,
    /// Active or eligible.
    pub kind: AssignmentKind,
    /// `intended`; `done`, `alreadyDone` or `failed`; after an interrupted run `inEffect`,
    /// `notInEffect` or `unknown`.
    pub result: String,
    /// Error detail for failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The role's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<RoleDefinitionId>,
    /// The user's object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<EntraObjectId>,
    /// For a reconciled change: the run that intended it; for an approved change: the run
    /// that planned it and saved it for approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended_by: Option<String>,
    /// For an approved change: who approved it (the OS account, and the Entra admin when one
    /// signed in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// For an approved change: the held plan's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_plan: Option<String>,
    /// For a change made by `rolesync undo`: the run it undoes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<String>,
}

impl AuditRecord {
    /// A line for `change` with `result`.
    pub fn of(run_id: &str, time: DateTime<Utc>, change: &Change, result: &str) -> Self {
        AuditRecord {
            time,
            run_id: run_id.to_string(),
            role: change.role_name.clone(),
            directory_scope_id: change.directory_scope_id.clone(),
            user: change.user.clone(),
            action: change.action,
            kind: change.kind,
            result: result.to_string(),
            detail: None,
            role_id: Some(change.role_id.clone()),
            principal_id: Some(change.principal_id.clone()),
            intended_by: None,
            approved_by: None,
            held_plan: None,
            undo_of: None,
        }
    }
}

/// Audit lines for applied changes.
pub fn audit_records(
    run_id: &str,
    time: DateTime<Utc>,
    applied: &[AppliedChange],
) -> Vec<AuditRecord> {
    applied
        .iter()
        .map(|a| AuditRecord::of_applied(run_id, time, a))
        .collect()
}

impl AuditRecord {
    /// The audit line of an applied change: its outcome, and the error for a failure.
    pub fn of_applied(run_id: &str, time: DateTime<Utc>, a: &AppliedChange) -> Self {
        let mut r = AuditRecord::of(run_id, time, &a.change, a.outcome.word());
        if let ChangeOutcome::Failed { code, message } = &a.outcome {
            r.detail = Some(format!("{code}: {message}"));
        }
        r
    }
}
