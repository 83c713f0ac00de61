//! `rolesync undo RUN_ID`: the inverse of what one run changed — from its report (which must be
//! there and readable) and its audit lines — for the assignments still as that run left it,
//! planned against the tenant as it is now ([`rolesync_core::undo`]) and applied through the
//! same safety stops, write-ahead audit and report as a sync. Without `--yes` it only previews.

use crate::run::{Finished, RunHooks, RunKind, RunRequest, SignInChoice};
use crate::{App, AppError};
use rolesync_core::plan::{Change, Plan};
use rolesync_core::policy::Policy;
use rolesync_core::report::RunMode;
use rolesync_core::tenant::TenantSnapshot;

impl App {
    /// The changes of run `run_id` that took effect, after checking that its report is there and
    /// readable (a run id may be given in full or by its first part, as report files name it).
    pub fn run_changes(&self, demo: bool, run_id: &str) -> Result<(String, Vec<Change>), AppError> {
        let run_id = run_id.trim();
        if run_id.is_empty()
            || !run_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(AppError::config(format!(
                "\"{run_id}\" is not a run id; each report names its run id"
            )));
        }
        let log_dir = self.log_dir(demo);
        let reports = log_dir.join("reports");
        let short = run_id.split('-').next().unwrap_or(run_id);
        let files: Vec<_> = std::fs::read_dir(&reports)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_stem()
                            .is_some_and(|s| s.to_string_lossy().ends_with(&format!("-{short}")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut damaged = None;
        let mut found = None;
        for f in &files {
            match std::fs::read(f).map_err(|e| e.to_string()).and_then(|b| {
                serde_json::from_slice::<rolesync_core::report::RunReport>(&b)
                    .map_err(|e| e.to_string())
            }) {
                Ok(r) if r.run_id == run_id || r.run_id.starts_with(run_id) => {
                    found = Some(r);
                }
                Ok(_) => {}
                Err(e) => damaged = Some((f.clone(), e)),
            }
        }
        let report = match (found, damaged) {
            (Some(r), _) => r,
            (None, Some((f, e))) => {
                return Err(AppError::config(
                    format!(
                        "the report of run {run_id} ({}) is damaged ({e}); nothing was changed — without it RoleSync cannot tell what that run did",
                        f.display()
                    ),
                ))
            }
            (None, None) => {
                return Err(AppError::config(
                    format!(
                        "there is no report of run {run_id} in {}; nothing was changed — the report files there (and the window's History page) name the runs that can be undone",
                        reports.display()
                    ),
                ))
            }
        };
        if report.mode != RunMode::Apply {
            return Err(AppError::config(format!(
                "run {} was a {}, which changes nothing; there is nothing to undo",
                report.run_id,
                match report.mode {
                    RunMode::DryRun => "dry run",
                    _ => "plan",
                }
            )));
        }
        let records = crate::change_control::audit_records(&log_dir);
        let changes = rolesync_core::undo::changes_of_run(&report.run_id, &records);
        Ok((report.run_id, changes))
    }

    /// Plans (`apply == false`: a preview, nothing changed, no report) or applies the undo of
    /// run `run_id`.
    pub async fn undo(
        &self,
        demo: bool,
        run_id: &str,
        apply: bool,
        hooks: &RunHooks<'_>,
    ) -> Result<Finished, AppError> {
        self.undo_signed_in(demo, run_id, apply, SignInChoice::Configured, hooks)
            .await
    }

    /// [`App::undo`] signing in as the front end chose (the window's MFA question).
    pub async fn undo_signed_in(
        &self,
        demo: bool,
        run_id: &str,
        apply: bool,
        sign_in: SignInChoice,
        hooks: &RunHooks<'_>,
    ) -> Result<Finished, AppError> {
        let (run_id, changes) = self.run_changes(demo, run_id)?;
        // The run's policy: protected accounts and limits apply as to a sync.
        let reshape = |_: Plan, tenant: &TenantSnapshot, policy: &Policy| -> Plan {
            rolesync_core::undo::plan_undo(&run_id, &changes, tenant, &tenant.pim, policy)
        };
        let mode = if apply { RunMode::Apply } else { RunMode::Plan };
        self.run_engine(
            &RunRequest {
                sign_in,
                ..RunRequest::new(mode, false, demo)
            },
            hooks,
            &RunKind::Undo {
                run_id: &run_id,
                reshape: &reshape,
            },
        )
        .await
    }

    /// [`App::undo`] on a runtime of its own.
    pub fn undo_blocking(
        &self,
        demo: bool,
        run_id: &str,
        apply: bool,
        hooks: &RunHooks<'_>,
    ) -> Result<Finished, AppError> {
        crate::run::runtime()?.block_on(self.undo(demo, run_id, apply, hooks))
    }
}
