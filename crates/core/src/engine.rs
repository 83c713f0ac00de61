//! The run: read AD ∥ read Entra → plan (pure) → safety check → apply → report. The desktop app
//! and the CLI both call [`Engine::run`] and [`Engine::check`] and observe the same events.

use crate::apply::{apply_plan, AppliedChange, ApplyContext};
use crate::checks::{preflight_lines, CheckLine};
use crate::directory::{DirectorySnapshot, SourceScope};
use crate::drift::{DriftChange, EndState};
use crate::events::{Observer, Step, StepStatus, SyncEvent};
use crate::journal::{found_in, Journal, MemoryJournal, Reconciled};
use crate::mapping::resolve;
use crate::ownership::{AssignmentKey, Ownership};
use crate::plan::{plan_with, Action, Plan, PlanExtras};
use crate::policy::OnDrift;
use crate::policy::Policy;
use crate::report::{Outcome, ReportSummary, RunMode, RunReport};
use crate::tenant::{TenantSnapshot, UserKey};
use crate::traits::{DirectorySource, ReadError, RoleTarget};
use chrono::Utc;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Plan, dry run, or apply.
    pub mode: RunMode,
    /// Go past overridable safety limits.
    pub force: bool,
    /// The run id for the report and audit lines.
    pub run_id: String,
    /// The longest the run may take: reading past it fails the run (nothing applied), and no
    /// change is sent after it (`safety.run_deadline_minutes`); `None`: no deadline.
    pub deadline: Option<std::time::Duration>,
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The report (the binary adds its report and email steps).
    pub report: RunReport,
    /// The plan, when reading succeeded.
    pub plan: Option<Plan>,
    /// Applied changes with outcomes.
    pub applied: Vec<AppliedChange>,
    /// What was read, when reading succeeded (for the held plan's state and the end state the
    /// next run's drift is measured against).
    pub read: Option<Box<ReadSides>>,
}

/// Both sides as a run read them.
#[derive(Debug, Clone)]
pub struct ReadSides {
    /// The directory.
    pub directory: DirectorySnapshot,
    /// The tenant.
    pub tenant: TenantSnapshot,
}

/// What change control adds to a run ([`Engine::run_with`]): the previous run's end state (for
/// drift), RoleSync's own changes since then, and the assignments it owns (for mappings with
/// `manage = "owned"`). By default none: no drift is looked for, no mapping is restricted.
#[derive(Debug, Clone, Default)]
pub struct ChangeControl {
    /// What the last sync left.
    pub previous: Option<EndState>,
    /// RoleSync's own changes since then (an approval, an undo, an interrupted run).
    pub own_since: HashSet<AssignmentKey>,
    /// The assignments RoleSync granted, from its audit.
    pub owned: Ownership,
}

/// The engine over one source, one target and one policy.
pub struct Engine<'a> {
    /// Where role groups are read.
    pub source: &'a dyn DirectorySource,
    /// Where roles are read and changed.
    pub target: &'a dyn RoleTarget,
    /// The rules.
    pub policy: &'a Policy,
    /// Expand nested groups.
    pub transitive: bool,
    /// The write-ahead audit of a sync's changes; `None`: kept in memory only (tests, runs
    /// that change nothing).
    pub journal: Option<&'a dyn Journal>,
}

struct Steps<'o> {
    observer: &'o dyn Observer,
    report: RunReport,
}

impl Steps<'_> {
    fn start(&self, step: Step) -> Instant {
        tracing::info!(step = step.label(), "step started");
        self.observer.event(SyncEvent::StepStarted { step });
        Instant::now()
    }

    fn finish(&mut self, step: Step, started: Instant, status: StepStatus, detail: String) {
        let duration_ms = started.elapsed().as_millis() as u64;
        match status {
            StepStatus::Failed => {
                tracing::error!(step = step.label(), duration_ms, %detail, "step failed")
            }
            StepStatus::Stopped => {
                tracing::warn!(step = step.label(), duration_ms, %detail, "step stopped the run")
            }
            _ => {
                tracing::info!(step = step.label(), ?status, duration_ms, %detail, "step finished")
            }
        }
        self.report
            .push_step(step, status, duration_ms, detail.clone());
        self.observer.event(SyncEvent::StepFinished {
            step,
            status,
            duration_ms,
            detail,
        });
    }

    fn skip(&mut self, step: Step, why: &str) {
        self.report.push_step(step, StepStatus::Skipped, 0, why);
    }
}

impl Engine<'_> {
    fn scope(&self) -> SourceScope {
        SourceScope {
            ou: self.policy.mapping.ou.clone(),
            extra_groups: self.policy.extra_groups(),
            transitive: self.transitive,
        }
    }

    /// Reads both sides. Errors carry the step that failed.
    async fn read(
        &self,
        steps: &mut Steps<'_>,
    ) -> Result<(DirectorySnapshot, TenantSnapshot), (Step, ReadError)> {
        let scope = self.scope();
        let t_dir = steps.start(Step::ReadDirectory);
        let t_entra = steps.start(Step::ReadEntra);
        let unit_names = self.policy.administrative_units();
        let (dir, (roles, units)) = futures::join!(
            async {
                let r = self.source.read(&scope).await;
                (r, t_dir.elapsed())
            },
            futures::future::join(
                self.target.role_definitions(),
                self.target.administrative_units(&unit_names)
            )
        );
        let (dir, _) = dir;
        let dir = match dir {
            Ok(d) => {
                let members: usize = d.groups.iter().map(|g| g.members.len()).sum();
                let status = if d.problems.is_empty() {
                    StepStatus::Ok
                } else {
                    StepStatus::Failed
                };
                steps.finish(
                    Step::ReadDirectory,
                    t_dir,
                    status,
                    format!(
                        "{} group(s), {members} member(s), {} problem(s)",
                        d.groups.len(),
                        d.problems.len()
                    ),
                );
                d
            }
            Err(e) => {
                steps.finish(
                    Step::ReadDirectory,
                    t_dir,
                    StepStatus::Failed,
                    e.message.clone(),
                );
                steps.finish(
                    Step::ReadEntra,
                    t_entra,
                    StepStatus::Skipped,
                    "not needed: AD could not be read".into(),
                );
                return Err((Step::ReadDirectory, e));
            }
        };
        // Every tenant has the built-in roles: an empty list is a broken answer, and planning
        // against it would map nothing — fail closed instead.
        let roles = roles.and_then(|r| {
            if r.is_empty() {
                Err(ReadError::new(
                    "Entra ID listed no role definitions at all, though every tenant has the built-in roles; the answer cannot be right (check entra.graph_url, or a proxy in the way) — nothing was changed",
                ))
            } else {
                Ok(r)
            }
        });
        let roles = match roles.and_then(|r| units.map(|u| (r, u))) {
            Ok(r) => r,
            Err(e) => {
                steps.finish(
                    Step::ReadEntra,
                    t_entra,
                    StepStatus::Failed,
                    e.message.clone(),
                );
                return Err((Step::ReadEntra, e));
            }
        };
        let (roles, units) = roles;
        let resolution = resolve(&dir.groups, &roles, &units, &self.policy.mapping);
        let scoped = resolution.units();
        let mut role_ids: Vec<_> = Vec::new();
        for (r, _) in &scoped {
            if !role_ids.contains(r) {
                role_ids.push(r.clone());
            }
        }
        let mut keys: BTreeMap<String, UserKey> = BTreeMap::new();
        for g in dir
            .groups
            .iter()
            .filter(|g| resolution.mappings.iter().any(|m| m.groups.contains(&g.dn)))
        {
            for u in &g.members {
                keys.entry(u.object_guid.to_string())
                    .or_insert_with(|| UserKey {
                        immutable_id: u.source_anchor().immutable_id(),
                        sid: u.sid.clone(),
                        upn: if self.policy.matching.by_upn {
                            u.upn.clone()
                        } else {
                            None
                        },
                    });
            }
        }
        let keys: Vec<UserKey> = keys.into_values().collect();
        let (assignments, users, pim, missing) = futures::join!(
            self.target.scoped_assignments(&scoped),
            self.target.find_users(&keys),
            self.target.pim_settings(&role_ids),
            self.target.missing_principals(&self.policy.protected)
        );
        let tenant = match (assignments, users, missing) {
            (Ok(assignments), Ok(users), Ok(missing_protected)) => TenantSnapshot {
                roles,
                assignments,
                users,
                administrative_units: units,
                pim: pim.settings,
                read_at: pim.now,
                signed_in_with_mfa: pim.mfa,
                missing_protected,
            },
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                steps.finish(
                    Step::ReadEntra,
                    t_entra,
                    StepStatus::Failed,
                    e.message.clone(),
                );
                return Err((Step::ReadEntra, e));
            }
        };
        steps.finish(
            Step::ReadEntra,
            t_entra,
            StepStatus::Ok,
            format!(
                "{} role(s), {} assignment(s) in {} mapped role(s), {} of {} AD member(s) found",
                tenant.roles.len(),
                tenant.assignments.len(),
                scoped.len(),
                tenant.users.len(),
                keys.len()
            ),
        );
        Ok((dir, tenant))
    }

    /// Runs a plan, dry run or sync.
    pub async fn run(&self, opts: &RunOptions, observer: &dyn Observer) -> RunOutput {
        self.run_with(opts, observer, &ChangeControl::default())
            .await
    }

    /// Drift since the previous run (with who and when from the audit log) and the assignments
    /// RoleSync owns, as the planner takes them; the drift goes into the report.
    async fn change_control(
        &self,
        dir: &DirectorySnapshot,
        tenant: &TenantSnapshot,
        cc: &ChangeControl,
        report: &mut RunReport,
    ) -> PlanExtras {
        let resolution = resolve(
            &dir.groups,
            &tenant.roles,
            &tenant.administrative_units,
            &self.policy.mapping,
        );
        let mut extras = PlanExtras::default();
        if let Some(previous) = &cc.previous {
            let mapped: Vec<_> = resolution
                .mappings
                .iter()
                .map(|m| (m.role.id.clone(), m.role.display_name.clone()))
                .collect();
            let mut drift = crate::drift::detect(previous, tenant, &mapped, &cc.own_since);
            if !drift.is_empty() {
                let lookup = self.target.directory_audits(previous.time).await;
                let template = |id: &crate::ids::RoleDefinitionId| {
                    tenant
                        .roles
                        .iter()
                        .find(|r| &r.id == id)
                        .map(|r| r.template_id.to_string())
                };
                crate::drift::attribute(&mut drift, &lookup, &template);
                report.warnings.extend(lookup.warning());
                tracing::warn!(
                    items = drift.len(),
                    "assignments changed outside RoleSync since its last run"
                );
                if self.policy.on_drift == OnDrift::Report {
                    extras.leave = drift.iter().map(|d| (d.key(), d.words())).collect();
                }
            }
            report.drift = drift;
        }
        let owned_roles: Vec<_> = resolution
            .mappings
            .iter()
            .filter(|m| m.owned_only)
            .map(|m| m.role.id.clone())
            .collect();
        if !owned_roles.is_empty() {
            let mut owned = cc.owned.clone();
            match self.target.rolesync_pim_assignments(&owned_roles).await {
                Ok(grants) => owned.extend_granted(grants),
                Err(e) => report.warnings.push(format!(
                    "RoleSync's PIM requests could not be read ({}); for manage = \"owned\" only its audit file says what it granted",
                    e.message
                )),
            }
            extras.owned = owned.keys().clone();
        }
        extras
    }

    /// [`Engine::run`] with change control: drift since the previous run and ownership.
    pub async fn run_with(
        &self,
        opts: &RunOptions,
        observer: &dyn Observer,
        cc: &ChangeControl,
    ) -> RunOutput {
        self.run_reshaped(opts, observer, cc, &|p, _, _| p).await
    }

    /// [`Engine::run_with`], with the plan replaced by `reshape(plan, tenant, policy)` before the safety
    /// step: an approval cuts the fresh plan down to the held changes (or stops it when they
    /// differ), an undo plans the inverse of a run. Everything after — the safety stops, the
    /// write-ahead audit, the apply, the report — is a sync's.
    pub async fn run_reshaped(
        &self,
        opts: &RunOptions,
        observer: &dyn Observer,
        cc: &ChangeControl,
        reshape: &(dyn Fn(Plan, &TenantSnapshot, &Policy) -> Plan + Sync),
    ) -> RunOutput {
        let now = Utc::now();
        let mut steps = Steps {
            observer,
            report: RunReport {
                run_id: opts.run_id.clone(),
                started: now,
                finished: now,
                mode: opts.mode,
                forced: opts.force,
                outcome: Outcome::NoChanges,
                exit_code: 0,
                source: self.source.describe(),
                target: self.target.describe(),
                steps: Vec::new(),
                summary: ReportSummary::default(),
                roles: Vec::new(),
                unmapped_groups: Vec::new(),
                skipped_mappings: Vec::new(),
                stops: Vec::new(),
                warnings: Vec::new(),
                exposure: None,
                error: None,
                error_kind: None,
                drift: Vec::new(),
                approval: None,
            },
        };
        let mut out_plan = None;
        let mut read_sides = None;
        let mut applied = Vec::new();
        let deadline = opts.deadline.map(|d| Instant::now() + d);
        let read = match deadline {
            None => self.read(&mut steps).await,
            Some(at) => {
                let minutes = opts.deadline.map_or(0, |d| d.as_secs().div_ceil(60));
                let began = Instant::now();
                match tokio::time::timeout_at(at.into(), self.read(&mut steps)).await {
                    Ok(r) => r,
                    Err(_) => {
                        let why = format!("the run passed its deadline of {minutes} minute(s) while reading (safety.run_deadline_minutes); a directory or Graph that does not answer was stopped — nothing was changed");
                        // The read was dropped mid-way: its steps are closed here so that the
                        // log, the report and the window say why.
                        steps.finish(Step::ReadEntra, began, StepStatus::Failed, why.clone());
                        Err((
                            Step::ReadEntra,
                            ReadError::of(crate::traits::ReadErrorKind::Network, why),
                        ))
                    }
                }
            }
        };
        let memory_journal = MemoryJournal::default();
        let journal: &dyn Journal = self.journal.unwrap_or(&memory_journal);
        let outcome = match read {
            Err((step, e)) => {
                steps.report.error = Some(format!("{}: {}", step.label(), e.message));
                steps.report.error_kind = Some(e.kind);
                for s in [Step::Plan, Step::Safety, Step::Apply] {
                    steps.skip(s, "an earlier step failed");
                }
                Outcome::ReadFailed
            }
            Ok((dir, tenant)) => {
                let t = steps.start(Step::Plan);
                let extras = self
                    .change_control(&dir, &tenant, cc, &mut steps.report)
                    .await;
                let mut p = reshape(
                    plan_with(&dir, &tenant, self.policy, &extras),
                    &tenant,
                    self.policy,
                );
                mark_corrected(&mut steps.report.drift, &p);
                // Members the plan cannot act on, one line each: the log answers "why was
                // this member not granted?" without the report at hand.
                for r in &p.roles {
                    for x in &r.skipped {
                        tracing::info!(role = %r.role_name, user = %x.user, reason = %x.message, "member skipped");
                    }
                }
                if opts.mode == RunMode::Apply {
                    reconcile(journal, &tenant, &p, &opts.run_id, &mut steps.report);
                }
                let s = p.summary;
                let mut detail = format!(
                    "{} role(s): {} to grant, {} to renew, {} to revoke, {} unchanged, {} skipped, {} untouched",
                    s.roles, s.grants, s.renewals, s.revokes, s.unchanged, s.skipped, s.untouched
                );
                if s.held > 0 {
                    detail.push_str(&format!(", {} held back by PIM settings", s.held));
                }
                if s.awaiting_approval > 0 {
                    detail.push_str(&format!(", {} waiting for approval", s.awaiting_approval));
                }
                if !steps.report.drift.is_empty() {
                    detail.push_str(&format!(
                        ", {} changed outside RoleSync since its last run",
                        steps.report.drift.len()
                    ));
                }
                steps.finish(Step::Plan, t, StepStatus::Ok, detail);
                observer.event(SyncEvent::Planned { summary: s });

                let t = steps.start(Step::Safety);
                let outcome = if p.blocked(opts.force) {
                    let detail = p
                        .stops
                        .iter()
                        .map(|s| s.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ");
                    steps.finish(Step::Safety, t, StepStatus::Stopped, detail);
                    steps.skip(Step::Apply, "stopped by a safety limit");
                    Outcome::Stopped
                } else {
                    let detail = if p.stops.is_empty() {
                        "within limits".to_string()
                    } else {
                        format!("{} limit(s) overridden by --force", p.stops.len())
                    };
                    steps.finish(Step::Safety, t, StepStatus::Ok, detail);
                    let pending = s.grants + s.renewals + s.revokes;
                    // Changes PIM settings hold back and mappings whose administrative unit
                    // does not exist get nothing written: in a sync they are its failures.
                    let not_done = s.held + s.skipped_mappings;
                    let mut not_done_words = Vec::new();
                    if s.held > 0 {
                        not_done_words.push(format!("{} held back by PIM settings", s.held));
                    }
                    if s.skipped_mappings > 0 {
                        not_done_words.push(format!(
                            "{} mapping(s) skipped: their administrative unit does not exist",
                            s.skipped_mappings
                        ));
                    }
                    if pending == 0 && not_done == 0 && s.awaiting_approval == 0 {
                        steps.skip(Step::Apply, "nothing to change");
                        Outcome::NoChanges
                    } else if pending == 0 && s.awaiting_approval > 0 && opts.mode == RunMode::Apply
                    {
                        steps.skip(Step::Apply, "every change waits for approval");
                        Outcome::PendingApproval
                    } else if pending == 0 && opts.mode == RunMode::Apply {
                        steps.finish(
                            Step::Apply,
                            Instant::now(),
                            StepStatus::Partial,
                            format!("nothing applied; {}", not_done_words.join(", ")),
                        );
                        Outcome::AppliedWithFailures
                    } else if opts.mode != RunMode::Apply {
                        steps.skip(Step::Apply, "dry run: nothing changed");
                        Outcome::Planned
                    } else {
                        let t = steps.start(Step::Apply);
                        // The PIM requests carry this run (justification, ticket number); a
                        // plan that is only shown stays the same from run to run.
                        p.stamp(&opts.run_id);
                        let cx = ApplyContext {
                            target: self.target,
                            observer,
                            journal,
                            run_id: &opts.run_id,
                            deadline,
                        };
                        applied = apply_plan(&p, &cx).await;
                        if let Err(e) = journal.close(&opts.run_id) {
                            tracing::error!(error = %e, "the audit journal could not be closed; the next sync confirms this run's changes");
                        }
                        let failed = applied.iter().filter(|a| !a.outcome.succeeded()).count();
                        let status = if failed == 0 && not_done == 0 {
                            StepStatus::Ok
                        } else {
                            StepStatus::Partial
                        };
                        let mut detail = format!("{} change(s), {failed} failed", applied.len());
                        for w in &not_done_words {
                            detail.push_str(", ");
                            detail.push_str(w);
                        }
                        steps.finish(Step::Apply, t, status, detail);
                        if s.awaiting_approval > 0 {
                            Outcome::PendingApproval
                        } else if failed == 0 && not_done == 0 {
                            Outcome::Applied
                        } else {
                            Outcome::AppliedWithFailures
                        }
                    }
                };
                steps.report.fill_from(
                    &p,
                    (opts.mode == RunMode::Apply && !applied.is_empty())
                        .then_some(applied.as_slice()),
                );
                out_plan = Some(p);
                read_sides = Some(Box::new(ReadSides {
                    directory: dir,
                    tenant,
                }));
                outcome
            }
        };
        let mut report = steps.report;
        report.outcome = outcome;
        report.exit_code = outcome.exit_code();
        report.finished = Utc::now();
        RunOutput {
            report,
            plan: out_plan,
            applied,
            read: read_sides,
        }
    }

    /// Pre-flight: reads both sides and lists what is right and what needs fixing. The flag is
    /// true when a side could not be read at all.
    pub async fn check(&self, observer: &dyn Observer) -> (Vec<CheckLine>, bool) {
        let scope = self.scope();
        let (mut lines, target_lines) =
            futures::join!(self.source.preflight(&scope), self.target.preflight());
        // The directory cannot be read when it cannot be reached or bound to: say so once.
        if lines.iter().any(|l| !l.ok) {
            lines.extend(target_lines);
            return (lines, true);
        }
        lines.extend(target_lines);
        let (more, read_failed) = self.read_check(observer).await;
        lines.extend(more);
        (lines, read_failed)
    }

    async fn read_check(&self, observer: &dyn Observer) -> (Vec<CheckLine>, bool) {
        let mut steps = Steps {
            observer,
            report: RunReport {
                run_id: String::new(),
                started: Utc::now(),
                finished: Utc::now(),
                mode: RunMode::Plan,
                forced: false,
                outcome: Outcome::NoChanges,
                exit_code: 0,
                source: String::new(),
                target: String::new(),
                steps: Vec::new(),
                summary: ReportSummary::default(),
                roles: Vec::new(),
                unmapped_groups: Vec::new(),
                skipped_mappings: Vec::new(),
                stops: Vec::new(),
                warnings: Vec::new(),
                exposure: None,
                error: None,
                error_kind: None,
                drift: Vec::new(),
                approval: None,
            },
        };
        match self.read(&mut steps).await {
            Err((step, e)) => {
                let (title, fix) = match step {
                    Step::ReadDirectory => (
                        format!("Active Directory can be read ({})", self.source.describe()),
                        "check the [directory] settings, the network path and the bind account",
                    ),
                    _ => (
                        format!("Entra ID can be read ({})", self.target.describe()),
                        "check the [entra] settings, the sign-in and the app's Graph permissions",
                    ),
                };
                let mut lines = Vec::new();
                if step == Step::ReadEntra {
                    lines.push(CheckLine::ok(
                        format!("Active Directory can be read ({})", self.source.describe()),
                        None,
                    ));
                }
                lines.push(CheckLine::fail(title, e.message, fix));
                (lines, true)
            }
            Ok((dir, tenant)) => {
                let mut lines = vec![
                    CheckLine::ok(
                        format!("Active Directory can be read ({})", self.source.describe()),
                        Some(format!(
                            "{} group(s) in {}",
                            dir.groups.len(),
                            self.policy.mapping.ou
                        )),
                    ),
                    CheckLine::ok(
                        format!("Entra ID can be read ({})", self.target.describe()),
                        Some(format!("{} role definition(s)", tenant.roles.len())),
                    ),
                ];
                lines.extend(preflight_lines(&dir, &tenant, self.policy));
                (lines, false)
            }
        }
    }
}

/// Marks the drift this plan puts right: an added assignment it revokes, a removed one it grants.
fn mark_corrected(drift: &mut [crate::drift::DriftItem], p: &Plan) {
    for d in drift.iter_mut() {
        let undo = match d.change {
            DriftChange::Added => Action::Revoke,
            DriftChange::Removed => Action::Grant,
        };
        d.corrected = p.changes().chain(p.awaiting_approval()).any(|c| {
            c.action == undo && AssignmentKey::new(&c.role_id, &c.principal_id, c.kind) == d.key()
        });
    }
}

/// Intents of earlier runs that were never settled (the process died between sending and
/// recording): what the tenant shows for each is recorded in the journal, and the report says so.
fn reconcile(
    journal: &dyn Journal,
    tenant: &crate::tenant::TenantSnapshot,
    plan: &Plan,
    run_id: &str,
    report: &mut RunReport,
) {
    let unsettled = match journal.unsettled() {
        Ok(u) => u,
        Err(e) => {
            report.warnings.push(format!(
                "the audit journal of earlier runs cannot be read: {e}"
            ));
            return;
        }
    };
    if unsettled.is_empty() {
        return;
    }
    let mapped: Vec<_> = plan.roles.iter().map(|r| &r.role_id).collect();
    let results: Vec<Reconciled> = unsettled
        .into_iter()
        .map(|intent| {
            let found = found_in(tenant, &mapped, &intent.change);
            Reconciled { intent, found }
        })
        .collect();
    let count = |f: crate::journal::Found| results.iter().filter(|r| r.found == f).count();
    let mut runs: Vec<&str> = results.iter().map(|r| r.intent.run_id.as_str()).collect();
    runs.dedup();
    let words = format!(
        "{} change(s) sent by the interrupted run(s) {} were never confirmed: {} in effect, {} not in effect, {} not checkable (role no longer mapped); recorded in the audit file",
        results.len(),
        runs.join(", "),
        count(crate::journal::Found::InEffect),
        count(crate::journal::Found::NotInEffect),
        count(crate::journal::Found::Unknown)
    );
    tracing::warn!("{words}");
    match journal.reconcile(run_id, &results) {
        Ok(()) => report.warnings.push(words),
        Err(e) => report.warnings.push(format!(
            "{words} — but recording that failed ({e}); the next sync tries again"
        )),
    }
}
