//! The run: read AD ∥ read Entra → plan (pure) → safety check → apply → report. The desktop app
//! and the CLI both call [`Engine::run`] and [`Engine::check`] and observe the same events.

use crate::apply::{apply_plan, AppliedChange};
use crate::checks::{preflight_lines, CheckLine};
use crate::directory::{DirectorySnapshot, SourceScope};
use crate::events::{Observer, Step, StepStatus, SyncEvent};
use crate::mapping::resolve;
use crate::plan::{plan, Plan};
use crate::policy::Policy;
use crate::report::{Outcome, ReportSummary, RunMode, RunReport};
use crate::tenant::{TenantSnapshot, UserKey};
use crate::traits::{DirectorySource, ReadError, RoleTarget};
use chrono::Utc;
use std::collections::BTreeMap;
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
        let (assignments, users, pim) = futures::join!(
            self.target.scoped_assignments(&scoped),
            self.target.find_users(&keys),
            self.target.pim_settings(&role_ids)
        );
        let tenant = match (assignments, users) {
            (Ok(assignments), Ok(users)) => TenantSnapshot {
                roles,
                assignments,
                users,
                administrative_units: units,
                pim: pim.settings,
                read_at: pim.now,
                signed_in_with_mfa: pim.mfa,
            },
            (Err(e), _) | (_, Err(e)) => {
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
            },
        };
        let mut out_plan = None;
        let mut applied = Vec::new();
        let outcome = match self.read(&mut steps).await {
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
                let mut p = plan(&dir, &tenant, self.policy);
                let s = p.summary;
                let mut detail = format!(
                    "{} role(s): {} to grant, {} to renew, {} to revoke, {} unchanged, {} skipped, {} untouched",
                    s.roles, s.grants, s.renewals, s.revokes, s.unchanged, s.skipped, s.untouched
                );
                if s.held > 0 {
                    detail.push_str(&format!(", {} held back by PIM settings", s.held));
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
                    if pending == 0 && not_done == 0 {
                        steps.skip(Step::Apply, "nothing to change");
                        Outcome::NoChanges
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
                        applied = apply_plan(&p, self.target, observer).await;
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
                        if failed == 0 && not_done == 0 {
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
