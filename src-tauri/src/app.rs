//! The command dispatcher: one `run` that returns the exit code. Commands share the engine run
//! (`plan`, `sync`), the pre-flight (`check`) and small file commands (`config`, `demo`).

use crate::backends;
use crate::cli::{exit, Cli, Command, ConfigCommand, DemoCommand, Global, SyncArgs};
use crate::failure::Failure;
use crate::settings::{self, Settings};
use crate::{logging, render, runner};
use rolesync_core::engine::Engine;
use rolesync_core::events::SyncEvent;
use rolesync_core::plan::Plan;
use rolesync_core::report::{RunMode, RunReport};
use serde::Serialize;
use std::path::PathBuf;

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
        None => Ok(crate::desktop::open(&g)),
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
        rolesync_protect::create_dir_all(dir).map_err(|e| {
            let hint = rolesync_protect::denied_hint(&e);
            Failure::config(format!("cannot create {}: {e}{hint}", dir.display()))
        })?;
    }
    rolesync_protect::write_atomic(&path, rolesync_config::EXAMPLE.as_bytes()).map_err(|e| {
        let hint = rolesync_protect::denied_hint(&e);
        Failure::config(format!("cannot write {}: {e}{hint}", path.display()))
    })?;
    println!(
        "wrote {}; fill in [directory] and [entra], then run `rolesync check`",
        path.display()
    );
    for x in rolesync_protect::exposures(&path, &paths.log_dir) {
        eprintln!("warning: {x}");
    }
    Ok(exit::OK)
}

fn prepare(g: &Global) -> Result<(Settings, logging::LogGuard), Failure> {
    let s = settings::load(g, g.demo)?;
    let guard = logging::init(&s.log_dir(), &s.config.logging.level, g.quiet || g.json)
        .map_err(|e| Failure::config(e.to_string()))?;
    Ok((s, guard))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: exit::READ_FAILED,
            kind: "io",
            message: format!("cannot start the async runtime: {e}"),
        })
}

pub(crate) fn log_event(e: SyncEvent) {
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
    let (s, guard) = prepare(g).inspect_err(|f| {
        if mode != RunMode::Plan {
            rolesync_eventlog::record(&rolesync_eventlog::for_failure(
                f.code, &f.message, mode, g.demo,
            ));
        }
    })?;
    let runner::Finished { out, report_file } = runtime()?.block_on(runner::run(
        &s,
        g.demo,
        &crate::backends::SignInChoice::Configured,
        std::sync::Arc::new(rolesync_entra::SystemBrowser),
        mode,
        force,
        &log_event,
    ))?;

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

fn check(g: &Global) -> Result<u8, Failure> {
    let rt = runtime()?;
    let (s, guard) = prepare(g)?;
    let b = rt.block_on(backends::build(
        &s,
        g.demo,
        &backends::SignInChoice::Configured,
        std::sync::Arc::new(rolesync_entra::SystemBrowser),
    ))?;
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
    lines.extend(access_lines(&s));
    let (found, read_failed) = rt.block_on(engine.check(&log_event));
    lines.extend(found);
    rt.block_on(b.finish());
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

/// `check`'s lines about who else can change the configuration and the logs.
fn access_lines(s: &Settings) -> Vec<rolesync_core::checks::CheckLine> {
    use rolesync_core::checks::CheckLine;
    let exposed = rolesync_protect::exposures(&s.config.file, &s.log_dir());
    if exposed.is_empty() {
        return vec![CheckLine::ok(
            "only this account and the administrators can change the configuration and the logs",
            None,
        )];
    }
    exposed
        .iter()
        .map(|x| {
            CheckLine::fail(
                format!(
                    "only this account and the administrators can change {}",
                    x.what
                ),
                x.message(),
                x.fix(),
            )
        })
        .collect()
}
