//! The command dispatcher: one `run` that returns the exit code. Commands share the engine run
//! (`plan`, `sync`), the pre-flight (`check`) and small file commands (`config`, `demo`).

use crate::backends::{self, Backends};
use crate::cli::{exit, Cli, Command, ConfigCommand, DemoCommand, Global, SyncArgs};
use crate::failure::Failure;
use crate::settings::{self, Settings};
use crate::{artifacts, logging, render};
use rolesync_core::engine::{Engine, RunOptions};
use rolesync_core::events::{Step, StepStatus, SyncEvent};
use rolesync_core::plan::Plan;
use rolesync_core::report::{RunMode, RunReport};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// The `--json` result of `plan` and `sync` (documented in docs/cli-json.md).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunJson<'a> {
    version: u32,
    demo: bool,
    report: &'a RunReport,
    plan: Option<&'a Plan>,
    report_file: Option<PathBuf>,
    log_file: Option<PathBuf>,
}

/// The `--json` error shape.
#[derive(Serialize)]
struct ErrorJson<'a> {
    version: u32,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    exit: u8,
    message: &'a str,
}

/// Runs the command and returns the exit code.
pub fn run(cli: Cli) -> u8 {
    let json = cli.global.json;
    match dispatch(cli) {
        Ok(code) => code,
        Err(f) => {
            if json {
                let body = ErrorJson {
                    version: 1,
                    error: ErrorBody {
                        code: f.kind,
                        exit: f.code,
                        message: &f.message,
                    },
                };
                println!("{}", serde_json::to_string(&body).unwrap_or_default());
            }
            eprintln!("error: {}", f.message);
            f.code
        }
    }
}

fn dispatch(cli: Cli) -> Result<u8, Failure> {
    let g = cli.global;
    match cli.command {
        None => {
            // The desktop window arrives with its own issue; until then, show the commands.
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            Ok(exit::OK)
        }
        Some(Command::Config(ConfigCommand::Init { force })) => config_init(&g, force),
        Some(Command::Config(ConfigCommand::Validate)) => {
            let s = settings::load(&g, false)?;
            println!("{} is valid", s.config.file.display());
            Ok(exit::OK)
        }
        Some(Command::Demo(DemoCommand::Reset)) => {
            let s = settings::load(&g, true)?;
            let file = crate::demo_tenant::DemoTenant::in_dir(&s.paths.data_dir);
            let existed = file.reset()?;
            println!(
                "demo tenant {} ({})",
                if existed {
                    "reset"
                } else {
                    "was already at its starting state"
                },
                file.path().display()
            );
            Ok(exit::OK)
        }
        Some(Command::Plan) => execute(&g, RunMode::Plan, false),
        Some(Command::Sync(SyncArgs { dry_run, force })) => execute(
            &g,
            if dry_run {
                RunMode::DryRun
            } else {
                RunMode::Apply
            },
            force,
        ),
        Some(Command::Check) => check(&g),
        Some(Command::Schedule(cmd)) => crate::schedule_cmd::run(&g, cmd),
        Some(Command::Credentials(cmd)) => crate::credentials_cmd::run(cmd),
        Some(Command::Emulator(args)) => crate::emulator_cmd::run(args),
    }
}

fn config_init(g: &Global, force: bool) -> Result<u8, Failure> {
    let paths = rolesync_config::Paths::from_env();
    let path = settings::config_path(g, &paths);
    if path.exists() && !force {
        return Err(Failure::config(format!(
            "{} exists already; edit it, or pass --force to replace it",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::config(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(&path, rolesync_config::EXAMPLE)
        .map_err(|e| Failure::config(format!("cannot write {}: {e}", path.display())))?;
    println!(
        "wrote {}; fill in [directory] and [entra], then run `rolesync check`",
        path.display()
    );
    Ok(exit::OK)
}

fn prepare(
    g: &Global,
    rt: &tokio::runtime::Runtime,
) -> Result<(Settings, logging::LogGuard, Backends), Failure> {
    let s = settings::load(g, g.demo)?;
    let guard = logging::init(&s.log_dir(), &s.config.logging.level, g.quiet || g.json)
        .map_err(|e| Failure::config(e.to_string()))?;
    let b = if g.demo {
        backends::demo(&s, rt)?
    } else {
        backends::configured(&s)?
    };
    Ok((s, guard, b))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: exit::READ_FAILED,
            kind: "io",
            message: format!("cannot start the async runtime: {e}"),
        })
}

fn log_event(e: SyncEvent) {
    if let SyncEvent::Planned { summary: s } = e {
        tracing::info!(
            grants = s.grants,
            revokes = s.revokes,
            unchanged = s.unchanged,
            skipped = s.skipped,
            "plan ready"
        );
    }
}

fn execute(g: &Global, mode: RunMode, force: bool) -> Result<u8, Failure> {
    let rt = runtime()?;
    let (s, guard, b) = prepare(g, &rt)?;
    // One sync at a time: only runs that change something take the lock.
    let _lock = match mode {
        RunMode::Apply => Some(
            crate::runlock::RunLock::acquire(
                &s.paths.data_dir,
                if g.demo { "sync --demo" } else { "sync" },
            )
            .map_err(|e| Failure {
                code: exit::BUSY,
                kind: "busy",
                message: e.to_string(),
            })?,
        ),
        _ => None,
    };
    let run_id = uuid::Uuid::new_v4().to_string();
    tracing::info!(run_id = %run_id, mode = ?mode, demo = g.demo, source = %b.source.describe(), target = %b.target.describe(), "run started");
    let engine = Engine {
        source: b.source.as_ref(),
        target: b.target.as_ref(),
        policy: &b.policy,
        transitive: b.transitive,
    };
    let opts = RunOptions {
        mode,
        force,
        run_id,
    };
    let mut out = rt.block_on(engine.run(&opts, &log_event));
    if mode == RunMode::Apply && !out.applied.is_empty() {
        b.save_demo()?;
    }
    b.finish(&rt);

    let log_dir = s.log_dir();
    let mut report_file = None;
    if mode != RunMode::Plan {
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
        match written {
            Ok(p) => {
                tracing::info!(report = %p.display(), "report written");
                report_file = Some(p);
            }
            Err(e) => {
                tracing::error!(error = %e, folder = %log_dir.display(), "could not write the report or audit file")
            }
        }
    }
    if mode != RunMode::Plan {
        if let Some(email) = &s.config.email {
            let t = Instant::now();
            let (status, detail) = match send_email(email, &out.report, &guard.current_file()) {
                Ok(()) => (StepStatus::Ok, format!("sent to {}", email.to.join(", "))),
                Err(e) => {
                    // A mail failure is logged and reported; it does not change the exit code.
                    tracing::error!(error = %e, "the report email was not sent");
                    (StepStatus::Failed, e)
                }
            };
            out.report
                .push_step(Step::Email, status, t.elapsed().as_millis() as u64, detail);
            if let Some(p) = &report_file {
                if let Err(e) = artifacts::rewrite_report(p, &out.report) {
                    tracing::error!(error = %e, "could not update the report with the email step");
                }
            }
        }
    }
    tracing::info!(outcome = ?out.report.outcome, exit = out.report.exit_code, "run finished");

    if g.json {
        let body = RunJson {
            version: 1,
            demo: g.demo,
            report: &out.report,
            plan: out.plan.as_ref(),
            report_file,
            log_file: Some(guard.current_file()),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        );
    } else {
        if let Some(p) = &out.plan {
            print!("{}", render::plan(p, &out.report));
        }
        println!("{}", render::outcome(&out.report));
        if let Some(f) = &report_file {
            println!("report: {}", f.display());
        }
    }
    drop(guard);
    Ok(out.report.exit_code)
}

/// Sends the report mail; the SMTP password comes from the keyring (`smtp`) when a user is set.
fn send_email(
    email: &rolesync_config::EmailConfig,
    report: &RunReport,
    log_file: &std::path::Path,
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
    runtime()
        .map_err(|f| f.message)?
        .block_on(rolesync_notify::send_report(&cfg, report, log))
        .map_err(|e| e.to_string())
}

fn check(g: &Global) -> Result<u8, Failure> {
    let rt = runtime()?;
    let (s, guard, b) = prepare(g, &rt)?;
    let engine = Engine {
        source: b.source.as_ref(),
        target: b.target.as_ref(),
        policy: &b.policy,
        transitive: b.transitive,
    };
    let mut lines = vec![rolesync_core::checks::CheckLine::ok(
        "the configuration is valid",
        Some(if s.file_exists {
            s.config.file.display().to_string()
        } else {
            "built-in demo settings".into()
        }),
    )];
    let (found, read_failed) = rt.block_on(engine.check(&log_event));
    lines.extend(found);
    b.finish(&rt);
    let ok = lines.iter().all(|l| l.ok);
    if g.json {
        #[derive(Serialize)]
        struct CheckJson<'a> {
            version: u32,
            ok: bool,
            checks: &'a [rolesync_core::checks::CheckLine],
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&CheckJson {
                version: 1,
                ok,
                checks: &lines
            })
            .unwrap_or_default()
        );
    } else {
        print!("{}", render::checks(&lines));
    }
    drop(guard);
    Ok(if read_failed {
        exit::READ_FAILED
    } else if ok {
        exit::OK
    } else {
        exit::ITEM_FAILURES
    })
}
