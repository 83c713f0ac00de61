//! A run — plan, dry run or sync — as both front ends start it: take the run lock (a sync), build
//! the backends, run the engine, save the demo tenant after a sync, stop the backends, then
//! publish the outcome ([`crate::publish`]).

use crate::backends::BuildContext;
use crate::credentials::Asker;
use crate::runlock::RunLock;
use crate::{App, AppError, ErrorKind};
use rolesync_core::engine::{Engine, RunOptions};
use rolesync_core::events::Observer;
use rolesync_core::exposure::examine;
use rolesync_core::plan::Plan;
use rolesync_core::report::{RunMode, RunReport};
use rolesync_entra::auth::Interaction;
use rolesync_secrets::Credential;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;

/// How a run signs in to Entra ID.
#[derive(Clone, Default)]
pub enum SignInChoice {
    /// As `[entra] sign_in` says, with the saved credential (asked for when a person is there).
    #[default]
    Configured,
    /// Interactively with MFA (authorization code + PKCE in the system browser), whatever
    /// `sign_in` says: the desktop app's "Yes" to the MFA question.
    Interactive,
    /// As `sign_in` says, with this credential (entered in the desktop app's dialogs).
    With(Credential),
}

/// What to run.
#[derive(Clone)]
pub struct RunRequest {
    /// Plan, dry run or sync.
    pub mode: RunMode,
    /// Go past the overridable safety limits (`--force`, "Apply anyway").
    pub force: bool,
    /// On the built-in demo directory and tenant instead of the configured ones.
    pub demo: bool,
    /// How to sign in to Entra ID.
    pub sign_in: SignInChoice,
}

impl RunRequest {
    /// A request signing in as configured.
    pub fn new(mode: RunMode, force: bool, demo: bool) -> Self {
        Self {
            mode,
            force,
            demo,
            sign_in: SignInChoice::Configured,
        }
    }

    /// The holder's name in the run lock (`sync`, `sync --demo`).
    fn command(&self) -> &'static str {
        if self.demo {
            "sync --demo"
        } else {
            "sync"
        }
    }
}

/// What the front end lends a run: where progress goes, how a person signs in in a browser or
/// with a device code, and how a missing credential is asked for.
pub struct RunHooks<'a> {
    /// Progress events.
    pub observer: &'a dyn Observer,
    /// The browser and the device-code display.
    pub interaction: Arc<dyn Interaction>,
    /// Asks for a missing credential.
    pub asker: &'a dyn Asker,
}

/// Replaces a run's plan ([`rolesync_core::engine::Engine::run_reshaped`]).
pub(crate) type Reshape<'a> = dyn Fn(Plan, &rolesync_core::tenant::TenantSnapshot, &rolesync_core::policy::Policy) -> Plan
    + Sync
    + 'a;

/// Which engine run: a sync (as configured), or one whose plan is reshaped — an approval of a
/// held plan, an undo of a run — with its audit lines marked.
pub(crate) enum RunKind<'a> {
    /// A plan, dry run or sync.
    Sync,
    /// Approving a held plan.
    Approve {
        /// The held plan's id.
        id: &'a str,
        /// Cuts the fresh plan to the held changes.
        reshape: &'a Reshape<'a>,
    },
    /// Undoing a run.
    Undo {
        /// The run undone.
        run_id: &'a str,
        /// Plans the inverse.
        reshape: &'a Reshape<'a>,
    },
}

impl RunKind<'_> {
    fn command(&self, request: &RunRequest) -> &'static str {
        match self {
            RunKind::Sync => request.command(),
            RunKind::Approve { .. } => "approvals approve",
            RunKind::Undo { .. } => "undo",
        }
    }

    fn mark(&self, j: crate::journal::FileJournal, actor: &str) -> crate::journal::FileJournal {
        match self {
            RunKind::Sync => j,
            RunKind::Approve { id, .. } => j.marked(crate::journal::Mark {
                approved_by: Some(actor.to_string()),
                held_plan: Some(id.to_string()),
                undo_of: None,
            }),
            RunKind::Undo { run_id, .. } => j.marked(crate::journal::Mark {
                approved_by: None,
                held_plan: None,
                undo_of: Some(run_id.to_string()),
            }),
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The report (with the report and email steps).
    pub report: RunReport,
    /// The plan, when reading succeeded.
    pub plan: Option<Plan>,
    /// The report file, when one was written (not for `plan`).
    pub report_file: Option<PathBuf>,
}

/// A runtime for one blocking call (the CLI's commands, a window's run thread).
pub fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AppError::io(format!("cannot start the async runtime: {e}")))
}

impl App {
    /// Runs a plan, dry run or sync; a dry run or sync ends with its event in the Windows Event
    /// Log, also when it fails.
    pub async fn run(
        &self,
        request: &RunRequest,
        hooks: &RunHooks<'_>,
    ) -> Result<Finished, AppError> {
        let result = self.run_once(request, hooks).await;
        crate::publish::record_event(request, &result);
        result
    }

    /// Starts logging for a run of the command line (the configured folder and level); when the
    /// configuration or the log folder fails, a dry run or sync records that in the Event Log.
    pub fn start_run_logging(
        &self,
        request: &RunRequest,
        quiet: bool,
    ) -> Result<crate::logging::LogGuard, AppError> {
        let started = self
            .settings(request.demo)
            .and_then(|s| crate::logging::start(&s, quiet));
        if let Err(e) = &started {
            crate::publish::record_event(request, &Err(e.clone()));
        }
        started
    }

    async fn run_once(
        &self,
        request: &RunRequest,
        hooks: &RunHooks<'_>,
    ) -> Result<Finished, AppError> {
        self.run_engine(request, hooks, &RunKind::Sync).await
    }

    /// A run of the engine — a sync, an approval or an undo — with the lock, the report check,
    /// the write-ahead audit, the backends and the publishing they all share.
    pub(crate) async fn run_engine(
        &self,
        request: &RunRequest,
        hooks: &RunHooks<'_>,
        kind: &RunKind<'_>,
    ) -> Result<Finished, AppError> {
        let settings = self.settings(request.demo)?;
        // This run's own log lines, for its mail.
        let capture = crate::logging::capture();
        // One sync at a time: only runs that change something take the lock.
        let _lock = match request.mode {
            RunMode::Apply => Some(
                RunLock::acquire(&settings.paths.data_dir, kind.command(request))
                    .map_err(|e| AppError::new(ErrorKind::Busy, e.to_string()))?,
            ),
            _ => None,
        };
        // A dry run or sync whose report cannot be written reads and changes nothing.
        if request.mode != RunMode::Plan {
            crate::history::check_reports_writable(&settings.log_dir()).map_err(|e| {
                AppError::config(format!(
                    "the run's report cannot be written ({e}); nothing was read or changed — make the log folder writable by the account that runs RoleSync, or point [logging] folder at one it can write"
                ))
            })?;
        }
        // The write-ahead audit: a sync that cannot record its changes first changes nothing.
        let journal = match request.mode {
            RunMode::Apply => Some(crate::journal::FileJournal::open(&settings.log_dir()).map_err(|e| {
                AppError::config(format!(
                    "{e}; nothing was read or changed — make the folder writable by the account that runs RoleSync, or point [logging] folder at one it can write"
                ))
            })?),
            _ => None,
        };
        let credentials = self.credentials();
        let cx = BuildContext {
            credentials: &credentials,
            asker: hooks.asker,
            interaction: hooks.interaction.clone(),
        };
        let b = self.backends.build(&settings, request, &cx).await?;
        let run_id = uuid::Uuid::new_v4().to_string();
        tracing::info!(run_id = %run_id, mode = ?request.mode, demo = request.demo, source = %b.source.describe(), target = %b.target.describe(), "run started");
        // Who approves: the OS account, and the Entra admin when a person signed in (asked only
        // for an approval: the answer signs in, which every other run does later on its own).
        let admin = match (&kind, &journal) {
            (RunKind::Approve { .. }, Some(_)) => b.target.signed_in_as().await,
            _ => None,
        };
        let actor = match admin {
            Some(admin) => format!(
                "{} (signed in to Entra ID as {admin})",
                crate::change_control::os_account()
            ),
            None => crate::change_control::os_account(),
        };
        let journal = journal.map(|j| kind.mark(j, &actor));
        let engine = Engine {
            source: b.source.as_ref(),
            target: b.target.as_ref(),
            policy: &b.policy,
            transitive: b.transitive,
            journal: journal
                .as_ref()
                .map(|j| j as &dyn rolesync_core::journal::Journal),
        };
        let options = RunOptions {
            mode: request.mode,
            force: request.force,
            run_id,
            deadline: Some(settings.config.run_deadline),
        };
        let log_dir = settings.log_dir();
        let mut out = match kind {
            RunKind::Sync => {
                let cc = crate::change_control::for_sync(&log_dir);
                engine.run_with(&options, hooks.observer, &cc).await
            }
            RunKind::Approve { reshape, .. } | RunKind::Undo { reshape, .. } => {
                let cc = rolesync_core::engine::ChangeControl {
                    owned: rolesync_core::ownership::Ownership::from_audit(
                        &crate::change_control::audit_records(&log_dir),
                    ),
                    ..Default::default()
                };
                engine
                    .run_reshaped(&options, hooks.observer, &cc, *reshape)
                    .await
            }
        };
        if let RunKind::Sync = kind {
            if request.mode == RunMode::Apply {
                self.after_sync(&settings, request, &b, &mut out);
            }
        }
        if b.source.has_security_descriptors() && out.report.error.is_none() {
            let s = settings
                .config
                .exposure
                .settings(b.policy.mapping.ou.clone());
            let exposure = examine(b.source.as_ref(), &b.policy, b.transitive, &s).await;
            tracing::info!(summary = %exposure.summary(), "exposure assessed");
            out.report.exposure = Some(exposure);
        }
        let saved = if request.mode == RunMode::Apply && !out.applied.is_empty() {
            b.save_demo()
        } else {
            Ok(())
        };
        b.finish().await;
        saved?;
        Ok(self.publish(&settings, out, hooks, Some(&capture)).await)
    }

    /// After a sync: holds what waits for approval (a plan the limits stopped, grants under
    /// `require_approval`) and saves what it left for the next sync's drift.
    fn after_sync(
        &self,
        settings: &crate::Settings,
        request: &RunRequest,
        b: &crate::backends::Backends,
        out: &mut rolesync_core::engine::RunOutput,
    ) {
        let (Some(plan), Some(read)) = (&out.plan, &out.read) else {
            return;
        };
        let log_dir = settings.log_dir();
        if !request.force {
            let sources = (b.source.describe(), b.target.describe());
            match crate::approvals::hold(settings, &out.report, plan, read, sources) {
                Ok(Some(held)) => {
                    out.report.approval =
                        Some(rolesync_core::approval::PendingApproval::of(&held))
                }
                Ok(None) => {}
                Err(e) => out.report.warnings.push(format!(
                    "the plan could not be held for approval ({e}); nothing waiting was applied — run the sync again"
                )),
            }
        }
        if out.report.outcome != rolesync_core::report::Outcome::Stopped {
            let state = rolesync_core::drift::end_state(
                &out.report.run_id,
                read.tenant.read_at.unwrap_or_else(chrono::Utc::now),
                &read.tenant,
                plan,
                &out.applied,
            );
            crate::change_control::save_end_state(&log_dir, &state);
        }
    }

    /// [`App::run`] on a runtime of its own, until it ends or `cancel` is notified (then the
    /// run stops where it is: what it applied stays applied, and a re-run converges).
    pub fn run_blocking(
        &self,
        request: &RunRequest,
        hooks: &RunHooks<'_>,
        cancel: Option<&Notify>,
    ) -> Result<Finished, AppError> {
        let rt = runtime()?;
        rt.block_on(async {
            let Some(cancel) = cancel else {
                return self.run(request, hooks).await;
            };
            tokio::select! {
                biased;
                _ = cancel.notified() => {
                    tracing::warn!("run cancelled");
                    Err(AppError::cancelled("the run was cancelled; changes it had already sent stay (they are in the audit file as intended), and the next sync confirms them against the tenant"))
                }
                r = self.run(request, hooks) => r,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{app_with_tenant, hooks, Recorder};
    use rolesync_core::events::{Step, SyncEvent};
    use rolesync_core::report::Outcome;
    use rolesync_core::traits::ReadErrorKind;

    #[test]
    fn a_plan_reads_both_sides_and_writes_no_report() {
        let (_home, app, _tenant) = app_with_tenant();
        let events = Recorder::default();
        let f = app
            .run_blocking(
                &RunRequest::new(RunMode::Plan, false, false),
                &hooks(&events),
                None,
            )
            .expect("planned");
        assert_eq!(f.report.outcome, Outcome::Planned);
        assert_eq!(f.plan.as_ref().map(|p| p.summary.grants), Some(1));
        assert!(f.report_file.is_none());
        assert!(events.saw(|e| matches!(e, SyncEvent::Planned { .. })));
        assert!(!events.saw(|e| matches!(e, SyncEvent::StepStarted { step: Step::Report })));
    }

    #[test]
    fn a_sync_applies_then_writes_the_report_and_the_audit_lines() {
        let (_home, app, tenant) = app_with_tenant();
        let events = Recorder::default();
        let f = app
            .run_blocking(
                &RunRequest::new(RunMode::Apply, false, false),
                &hooks(&events),
                None,
            )
            .expect("synced");
        assert_eq!(f.report.outcome, Outcome::Applied);
        assert_eq!(tenant.writes(), 1);
        let file = f
            .report_file
            .unwrap_or_else(|| panic!("a report file: {:?}", f.report.steps));
        let saved: RunReport = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(saved.run_id, f.report.run_id);
        assert!(saved.steps.iter().any(|s| s.step == Step::Report));
        let audit = std::fs::read_to_string(app.log_dir(false).join("audit.jsonl")).unwrap();
        // Written ahead: the change intended, then its outcome.
        let results: Vec<&str> = audit
            .lines()
            .map(|l| {
                if l.contains("\"intended\"") {
                    "intended"
                } else {
                    "outcome"
                }
            })
            .collect();
        assert_eq!(results, ["intended", "outcome"], "{audit}");
        assert!(
            !app.log_dir(false)
                .join("journal")
                .read_dir()
                .unwrap()
                .any(|_| true),
            "a finished sync leaves no open journal"
        );
        // Nothing left to do.
        let again = app
            .run_blocking(
                &RunRequest::new(RunMode::Apply, false, false),
                &hooks(&events),
                None,
            )
            .expect("synced");
        assert_eq!(again.report.outcome, Outcome::NoChanges);
    }

    #[test]
    fn a_second_sync_is_busy_while_the_lock_is_held() {
        let (_home, app, tenant) = app_with_tenant();
        let held = RunLock::acquire(&app.paths().data_dir, "sync").expect("lock");
        let events = Recorder::default();
        let e = app
            .run_blocking(
                &RunRequest::new(RunMode::Apply, false, false),
                &hooks(&events),
                None,
            )
            .expect_err("busy");
        assert_eq!(e.code, ErrorKind::Busy);
        assert_eq!(e.exit().code(), 5);
        assert!(
            e.message
                .contains(&format!("process {}", std::process::id())),
            "{e}"
        );
        assert_eq!(tenant.writes(), 0);
        // A dry run needs no lock.
        let dry = app
            .run_blocking(
                &RunRequest::new(RunMode::DryRun, false, false),
                &hooks(&events),
                None,
            )
            .expect("dry run");
        assert_eq!(dry.report.outcome, Outcome::Planned);
        drop(held);
    }

    #[test]
    fn a_failed_read_ends_the_run_with_its_kind() {
        let (_home, app, tenant) = app_with_tenant();
        tenant.fail_reads_with(ReadErrorKind::Throttled);
        let events = Recorder::default();
        let f = app
            .run_blocking(
                &RunRequest::new(RunMode::Apply, false, false),
                &hooks(&events),
                None,
            )
            .expect("a report");
        assert_eq!(f.report.outcome, Outcome::ReadFailed);
        assert_eq!(f.report.exit_code, 4);
        assert_eq!(f.report.error_kind, Some(ReadErrorKind::Throttled));
        assert_eq!(tenant.writes(), 0);
    }

    #[test]
    fn a_cancelled_run_says_so() {
        let (_home, app, _tenant) = app_with_tenant();
        let cancel = Notify::new();
        cancel.notify_one();
        let events = Recorder::default();
        let e = app
            .run_blocking(
                &RunRequest::new(RunMode::Plan, false, false),
                &hooks(&events),
                Some(&cancel),
            )
            .expect_err("cancelled");
        assert_eq!(e.code, ErrorKind::Cancelled);
    }
}
