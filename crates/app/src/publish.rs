//! The one place a run's outcome is published: warnings when others can change the
//! configuration or the logs, the audit lines and the JSON report in the log folder (not for
//! `plan`), the email report when `[email]` is set (each a step of the run with its own progress
//! events), and the run's event in the Windows Event Log (dry runs and syncs, also when they end
//! with an error). A new channel (a webhook) goes here.

use crate::backends::smtp_config;
use crate::history::{rewrite_report, write_report};
use crate::run::{Finished, RunHooks, RunRequest};
use crate::{logging, App, AppError, Settings};
use rolesync_core::engine::RunOutput;
use rolesync_core::events::{Observer, Step, StepStatus, SyncEvent};
use rolesync_core::report::{RunMode, RunReport};
use std::path::{Path, PathBuf};
use std::time::Instant;

impl App {
    /// Publishes a finished run and returns what the front ends show.
    pub(crate) async fn publish(
        &self,
        settings: &Settings,
        out: RunOutput,
        hooks: &RunHooks<'_>,
        capture: Option<&logging::Capture>,
    ) -> Finished {
        let RunOutput {
            mut report, plan, ..
        } = out;
        // No secret leaves in a report, a mail or a window, whatever a server echoed.
        scrub(&mut report);
        for x in rolesync_protect::exposures(&settings.config.file, &settings.log_dir()) {
            tracing::warn!(path = %x.path.display(), fix = %x.fix(), "{}", x.message());
            report.warnings.push(x.to_string());
        }
        let mut report_file = None;
        if report.mode != RunMode::Plan {
            report_file = report_step(settings, &mut report, hooks.observer);
            if report_file.is_none() {
                // Checked writable at the start, and still lost (a full disk): the run is not
                // all right, whatever it changed.
                report.exit_code = report.exit_code.max(1);
                report.warnings.push(format!(
                    "the report could not be written to {}; the audit file holds the changes",
                    settings.log_dir().join("reports").display()
                ));
            }
            self.email_step(
                settings,
                &mut report,
                report_file.as_deref(),
                hooks,
                capture,
            )
            .await;
        }
        tracing::info!(outcome = ?report.outcome, exit = report.exit_code, "run finished");
        Finished {
            report,
            plan,
            report_file,
        }
    }

    /// Mails the report when `[email]` is set. A mail failure is logged and recorded as the
    /// `email` step; it does not change the run's outcome or exit code.
    async fn email_step(
        &self,
        settings: &Settings,
        report: &mut RunReport,
        report_file: Option<&Path>,
        hooks: &RunHooks<'_>,
        capture: Option<&logging::Capture>,
    ) {
        let observer = hooks.observer;
        let Some(email) = &settings.config.email else {
            observer.event(SyncEvent::StepFinished {
                step: Step::Email,
                status: StepStatus::Skipped,
                duration_ms: 0,
                detail: "no email report is set up".into(),
            });
            return;
        };
        observer.event(SyncEvent::StepStarted { step: Step::Email });
        let t = Instant::now();
        let log_file = logging::current_file(&settings.log_dir());
        let run_log = capture.map(|c| {
            let (text, cut) = c.lines();
            rolesync_notify::RunLog {
                name: format!("rolesync-{}.log", report.run_id),
                text,
                cut,
                full_log: Some(log_file.display().to_string()),
            }
        });
        let sent = match smtp_config(email, &self.credentials(), hooks.asker) {
            Ok(cfg) => rolesync_notify::send_report(&cfg, report, run_log.as_ref())
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.message),
        };
        let (status, detail) = match sent {
            Ok(()) => (StepStatus::Ok, format!("sent to {}", email.to.join(", "))),
            Err(e) => {
                tracing::error!(error = %e, "the report email was not sent");
                (StepStatus::Failed, e)
            }
        };
        let ms = t.elapsed().as_millis() as u64;
        report.push_step(Step::Email, status, ms, detail.clone());
        observer.event(SyncEvent::StepFinished {
            step: Step::Email,
            status,
            duration_ms: ms,
            detail,
        });
        if let Some(p) = report_file {
            if let Err(e) = rewrite_report(p, report) {
                tracing::error!(error = %e, "could not update the report with the email step");
            }
        }
    }
}

/// Blanks out every secret anywhere in the report ([`rolesync_core::redact`]).
fn scrub(report: &mut RunReport) {
    if let Ok(mut v) = serde_json::to_value(&*report) {
        rolesync_core::redact::redact_json(&mut v);
        if let Ok(r) = serde_json::from_value(v) {
            *report = r;
        }
    }
}

/// The run's event in the Windows Event Log, for a dry run or sync (a preview is not recorded):
/// its outcome, or the error that ended it before it had one. Nowhere outside Windows.
pub(crate) fn record_event(request: &RunRequest, result: &Result<Finished, AppError>) {
    if request.mode == RunMode::Plan {
        return;
    }
    rolesync_eventlog::record(&match result {
        Ok(f) => rolesync_eventlog::for_report(&f.report, f.report_file.as_deref(), request.demo),
        Err(e) => {
            rolesync_eventlog::for_failure(e.exit().code(), &e.message, request.mode, request.demo)
        }
    });
}

/// Writes the report (the `report` step); returns the report file. (The audit lines were
/// written ahead, during the apply: `crate::journal`.)
fn report_step(
    settings: &Settings,
    report: &mut RunReport,
    observer: &dyn Observer,
) -> Option<PathBuf> {
    let log_dir = settings.log_dir();
    observer.event(SyncEvent::StepStarted { step: Step::Report });
    let t = Instant::now();
    report.push_step(
        Step::Report,
        StepStatus::Ok,
        t.elapsed().as_millis() as u64,
        "",
    );
    let written = write_report(&log_dir, report);
    let (status, detail, file) = match written {
        Ok(p) => {
            tracing::info!(report = %p.display(), "report written");
            (StepStatus::Ok, p.display().to_string(), Some(p))
        }
        Err(e) => {
            tracing::error!(error = %e, folder = %log_dir.display(), "could not write the report or audit file");
            (StepStatus::Failed, e.to_string(), None)
        }
    };
    observer.event(SyncEvent::StepFinished {
        step: Step::Report,
        status,
        duration_ms: t.elapsed().as_millis() as u64,
        detail,
    });
    file
}

#[cfg(test)]
mod tests {
    use crate::fakes::{app_with_tenant, hooks, Recorder};
    use crate::RunRequest;
    use rolesync_core::events::{Step, StepStatus, SyncEvent};
    use rolesync_core::report::RunMode;

    #[test]
    fn without_an_email_section_the_email_step_is_skipped() {
        let (_home, app, _tenant) = app_with_tenant();
        let events = Recorder::default();
        app.run_blocking(
            &RunRequest::new(RunMode::DryRun, false, false),
            &hooks(&events),
            None,
        )
        .expect("dry run");
        assert!(events.saw(|e| matches!(
            e,
            SyncEvent::StepFinished {
                step: Step::Email,
                status: StepStatus::Skipped,
                ..
            }
        )));
        assert!(events.saw(|e| matches!(
            e,
            SyncEvent::StepFinished {
                step: Step::Report,
                status: StepStatus::Ok,
                ..
            }
        )));
    }

    #[test]
    fn an_email_that_cannot_be_sent_is_a_failed_step_not_a_failed_run() {
        let (_home, app, _tenant) = app_with_tenant();
        let text = std::fs::read_to_string(app.config_file()).unwrap()
            + "\n[email]\nserver = \"127.0.0.1\"\nport = 1\nsecurity = \"none\"\nfrom = \"rolesync@contoso.com\"\nto = [\"it@contoso.com\"]\n";
        std::fs::write(app.config_file(), text).unwrap();
        let events = Recorder::default();
        let f = app
            .run_blocking(
                &RunRequest::new(RunMode::DryRun, false, false),
                &hooks(&events),
                None,
            )
            .expect("dry run");
        let email = f
            .report
            .steps
            .iter()
            .find(|s| s.step == Step::Email)
            .expect("email step");
        assert_eq!(email.status, StepStatus::Failed);
        assert_eq!(f.report.exit_code, 0);
        let saved: rolesync_core::report::RunReport =
            serde_json::from_slice(&std::fs::read(f.report_file.unwrap()).unwrap()).unwrap();
        assert!(
            saved.steps.iter().any(|s| s.step == Step::Email),
            "the report was rewritten"
        );
    }
}
