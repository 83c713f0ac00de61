//! The one run path the CLI and the desktop app share: take the run lock (a sync), build the
//! backends, run the engine, save the demo tenant after a sync, warn when others can change the
//! configuration or the logs, append the audit lines, write the run report, mail it, and record
//! the run in the Windows Event Log.

use crate::backends::{self, SignInChoice};
use crate::cli::exit;
use crate::failure::Failure;
use crate::runlock::RunLock;
use crate::settings::Settings;
use crate::{artifacts, logging};
use rolesync_core::engine::{Engine, RunOptions, RunOutput};
use rolesync_core::events::{Observer, Step, StepStatus, SyncEvent};
use rolesync_core::report::{RunMode, RunReport};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a run produced.
pub struct Finished {
    /// The engine's output (report, plan, applied changes).
    pub out: RunOutput,
    /// The report file, when one was written (not for `plan`).
    pub report_file: Option<PathBuf>,
}

/// Runs a plan, dry run or sync on the demo or the configured backends (`interaction`: see
/// [`backends::build`]). A dry run or sync ends with its event in the Windows Event Log.
pub async fn run(
    s: &Settings,
    demo: bool,
    sign_in: &SignInChoice,
    interaction: std::sync::Arc<dyn rolesync_entra::auth::Interaction>,
    mode: RunMode,
    force: bool,
    observer: &dyn Observer,
) -> Result<Finished, Failure> {
    let result = run_once(s, demo, sign_in, interaction, mode, force, observer).await;
    if mode != RunMode::Plan {
        rolesync_eventlog::record(&match &result {
            Ok(f) => rolesync_eventlog::for_report(&f.out.report, f.report_file.as_deref(), demo),
            Err(f) => rolesync_eventlog::for_failure(f.code, &f.message, mode, demo),
        });
    }
    result
}

async fn run_once(
    s: &Settings,
    demo: bool,
    sign_in: &SignInChoice,
    interaction: std::sync::Arc<dyn rolesync_entra::auth::Interaction>,
    mode: RunMode,
    force: bool,
    observer: &dyn Observer,
) -> Result<Finished, Failure> {
    // One sync at a time: only runs that change something take the lock.
    let _lock = match mode {
        RunMode::Apply => Some(
            RunLock::acquire(&s.paths.data_dir, if demo { "sync --demo" } else { "sync" })
                .map_err(|e| Failure {
                    code: exit::BUSY,
                    kind: "busy",
                    message: e.to_string(),
                })?,
        ),
        _ => None,
    };
    let b = backends::build(s, demo, sign_in, interaction).await?;
    let run_id = uuid::Uuid::new_v4().to_string();
    tracing::info!(run_id = %run_id, mode = ?mode, demo, source = %b.source.describe(), target = %b.target.describe(), "run started");
    let engine = Engine {
        source: b.source.as_ref(),
        target: b.target.as_ref(),
        policy: &b.policy,
        transitive: b.transitive,
    };
    let mut out = engine
        .run(
            &RunOptions {
                mode,
                force,
                run_id,
            },
            observer,
        )
        .await;
    let saved = if mode == RunMode::Apply && !out.applied.is_empty() {
        b.save_demo()
    } else {
        Ok(())
    };
    b.finish().await;
    saved?;

    let log_dir = s.log_dir();
    for x in rolesync_protect::exposures(&s.config.file, &log_dir) {
        tracing::warn!(path = %x.path.display(), fix = %x.fix(), "{}", x.message());
        out.report.warnings.push(x.to_string());
    }
    let mut report_file = None;
    if mode != RunMode::Plan {
        observer.event(SyncEvent::StepStarted { step: Step::Report });
        let t = Instant::now();
        let written = artifacts::append_audit(&log_dir, &out.report, &out.applied).and_then(|_| {
            out.report.push_step(
                Step::Report,
                StepStatus::Ok,
                t.elapsed().as_millis() as u64,
                "",
            );
            artifacts::write_report(&log_dir, &out.report)
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
        email_step(s, &mut out.report, report_file.as_deref(), observer).await;
    }
    tracing::info!(outcome = ?out.report.outcome, exit = out.report.exit_code, "run finished");
    Ok(Finished { out, report_file })
}

/// Mails the report when `[email]` is set. A mail failure is logged and recorded as the `email`
/// step; it does not change the run's outcome or exit code.
async fn email_step(
    s: &Settings,
    report: &mut RunReport,
    report_file: Option<&Path>,
    observer: &dyn Observer,
) {
    let Some(email) = &s.config.email else {
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
    let (status, detail) =
        match send_email(email, report, &logging::current_file(&s.log_dir())).await {
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
        if let Err(e) = artifacts::rewrite_report(p, report) {
            tracing::error!(error = %e, "could not update the report with the email step");
        }
    }
}

/// Sends the report mail; the SMTP password comes from the keyring (`smtp`) when a user is set.
async fn send_email(
    email: &rolesync_config::EmailConfig,
    report: &RunReport,
    log_file: &Path,
) -> Result<(), String> {
    use rolesync_notify::{Security, SmtpAuth, SmtpConfig};
    let security = match email.security {
        rolesync_config::SmtpSecurity::StartTls => Security::StartTls,
        rolesync_config::SmtpSecurity::Tls => Security::Tls,
        rolesync_config::SmtpSecurity::None => Security::None,
    };
    let mut cfg = SmtpConfig::new(
        email.server.clone(),
        security,
        email.from.clone(),
        email.to.clone(),
    );
    cfg.port = email.port;
    cfg.ca_file = email.ca_file.clone();
    if let Some(user) = &email.username {
        let cred = crate::credentials::get(rolesync_secrets::CredentialName::Smtp)
            .map_err(|f| f.message)?;
        cfg.username = Some(user.clone());
        cfg.auth = SmtpAuth::Password(cred.secret);
    }
    let log = log_file.exists().then_some(log_file);
    rolesync_notify::send_report(&cfg, report, log)
        .await
        .map_err(|e| e.to_string())
}
