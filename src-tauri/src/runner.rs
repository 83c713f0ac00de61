//! The one run path the CLI and the desktop app share: run the engine, save the demo tenant after
//! a sync, append the audit lines and write the run report.

use crate::artifacts;
use crate::backends::Backends;
use crate::failure::Failure;
use rolesync_core::engine::{Engine, RunOptions, RunOutput};
use rolesync_core::events::{Observer, Step, StepStatus, SyncEvent};
use rolesync_core::report::RunMode;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a run produced.
pub struct Finished {
    /// The engine's output (report, plan, applied changes).
    pub out: RunOutput,
    /// The report file, when one was written (not for `plan`).
    pub report_file: Option<PathBuf>,
}

/// Runs a plan, dry run or sync against `backends`, writing artifacts into `log_dir`.
pub async fn run(
    backends: &Backends,
    log_dir: &Path,
    mode: RunMode,
    force: bool,
    observer: &dyn Observer,
) -> Result<Finished, Failure> {
    let run_id = uuid::Uuid::new_v4().to_string();
    tracing::info!(run_id = %run_id, mode = ?mode, demo = backends.demo.is_some(), source = %backends.source.describe(), target = %backends.target.describe(), "run started");
    let engine = Engine {
        source: backends.source.as_ref(),
        target: backends.target.as_ref(),
        policy: &backends.policy,
        transitive: backends.transitive,
    };
    let opts = RunOptions {
        mode,
        force,
        run_id,
    };
    let mut out = engine.run(&opts, observer).await;
    if mode == RunMode::Apply && !out.applied.is_empty() {
        backends.save_demo()?;
    }

    let mut report_file = None;
    if mode != RunMode::Plan {
        observer.event(SyncEvent::StepStarted { step: Step::Report });
        let t = Instant::now();
        let written = artifacts::append_audit(log_dir, &out.report, &out.applied).and_then(|_| {
            out.report.push_step(
                Step::Report,
                StepStatus::Ok,
                t.elapsed().as_millis() as u64,
                "",
            );
            artifacts::write_report(log_dir, &out.report)
        });
        let (status, detail) = match written {
            Ok(p) => {
                tracing::info!(report = %p.display(), "report written");
                let detail = p.display().to_string();
                report_file = Some(p);
                (StepStatus::Ok, detail)
            }
            Err(e) => {
                tracing::error!(error = %e, folder = %log_dir.display(), "could not write the report or audit file");
                (StepStatus::Failed, e.to_string())
            }
        };
        observer.event(SyncEvent::StepFinished {
            step: Step::Report,
            status,
            duration_ms: t.elapsed().as_millis() as u64,
            detail,
        });
        observer.event(SyncEvent::StepFinished {
            step: Step::Email,
            status: StepStatus::Skipped,
            duration_ms: 0,
            detail: "no email report is set up".into(),
        });
    }
    tracing::info!(outcome = ?out.report.outcome, exit = out.report.exit_code, "run finished");
    Ok(Finished { out, report_file })
}
