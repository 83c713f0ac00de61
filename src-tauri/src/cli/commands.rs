//! One function per command: build the request from the arguments, call the application, print.

use super::args::{
    ApprovalsCommand, Command, ConfigCommand, CredentialsCommand, DemoCommand, Global,
};
use super::progress::ConsoleProgress;
use super::{output, terminal};
use rolesync_app::credentials::{parse_name, TerminalAsker};
use rolesync_app::emulator::EmulatorOptions;
use rolesync_app::messages::LogObserver;
use rolesync_app::schedule::ScheduleRequest;
use rolesync_app::{logging, App, AppError, RunHooks, RunRequest};
use rolesync_core::exit::ExitCode;
use rolesync_core::report::RunMode;
use std::sync::Arc;

/// Runs one command.
pub fn dispatch(g: &Global, command: Command) -> Result<ExitCode, AppError> {
    let app = App::new(g.config.clone());
    match command {
        Command::Plan => run(g, &app, RunMode::Plan, false),
        Command::Sync(a) if a.dry_run => run(g, &app, RunMode::DryRun, a.force),
        Command::Sync(a) => run(g, &app, RunMode::Apply, a.force),
        Command::Check => check(g, &app),
        Command::Exposure => exposure(g, &app),
        Command::Config(ConfigCommand::Init { force }) => config_init(&app, force),
        Command::Config(ConfigCommand::Validate) => config_validate(&app),
        Command::Demo(DemoCommand::Reset) => demo_reset(&app),
        Command::Schedule(cmd) => schedule(g, &app, cmd.request()),
        Command::Credentials(CredentialsCommand::List) => credentials_list(&app),
        Command::Credentials(CredentialsCommand::Forget { name }) => {
            credentials_forget(&app, &name)
        }
        Command::Credentials(CredentialsCommand::Set {
            name,
            account,
            secret_stdin,
        }) => credentials_set(&app, &name, account, secret_stdin),
        Command::Emulator(args) => emulator(args.options()),
        Command::Approvals(ApprovalsCommand::List) => approvals_list(g, &app),
        Command::Approvals(ApprovalsCommand::Show { id }) => approvals_show(g, &app, &id),
        Command::Approvals(ApprovalsCommand::Approve { id }) => approve(g, &app, &id),
        Command::Approvals(ApprovalsCommand::Reject { id }) => reject(g, &app, &id),
        Command::Undo(a) => undo(g, &app, &a.run_id, a.yes),
        Command::Setup(args) => {
            // The log file only (the terminal is the setup's); an invalid configuration is the
            // setup's to fix, so it does not stop it.
            let _log = app
                .settings(true)
                .ok()
                .and_then(|s| logging::start(&s, true).ok());
            super::setup::run(&app, &args)
        }
    }
}

/// The terminal's hooks: events to the log, the system browser, questions on the terminal.
fn hooks() -> RunHooks<'static> {
    RunHooks {
        observer: &LogObserver,
        interaction: Arc::new(rolesync_entra::SystemBrowser),
        asker: &TerminalAsker,
    }
}

fn run(g: &Global, app: &App, mode: RunMode, force: bool) -> Result<ExitCode, AppError> {
    let request = RunRequest::new(mode, force, g.demo);
    let log = app.start_run_logging(&request, g.quiet || g.json)?;
    let progress = ConsoleProgress::new(g.quiet || g.json);
    let hooks = RunHooks {
        observer: &progress,
        ..hooks()
    };
    let finished = app.run_blocking(&request, &hooks, None)?;
    drop(progress);
    output::run(g, &finished, &log.current_file());
    Ok(finished.report.outcome.exit())
}

fn approvals_list(g: &Global, app: &App) -> Result<ExitCode, AppError> {
    output::held_list(g.json, &app.approvals(g.demo)?);
    Ok(ExitCode::Done)
}

fn approvals_show(g: &Global, app: &App, id: &str) -> Result<ExitCode, AppError> {
    let (_, view) = app.held_plan(g.demo, id)?;
    output::held_one(g.json, &view);
    Ok(ExitCode::Done)
}

fn approve(g: &Global, app: &App, id: &str) -> Result<ExitCode, AppError> {
    let request = RunRequest::new(RunMode::Apply, false, g.demo);
    let log = app.start_run_logging(&request, g.quiet || g.json)?;
    let finished = app.approve_blocking(g.demo, id, &hooks())?;
    output::run(g, &finished, &log.current_file());
    Ok(finished.report.outcome.exit())
}

fn reject(g: &Global, app: &App, id: &str) -> Result<ExitCode, AppError> {
    let view = app.reject(g.demo, id)?;
    output::held_one(g.json, &view);
    Ok(ExitCode::Done)
}

fn undo(g: &Global, app: &App, run_id: &str, yes: bool) -> Result<ExitCode, AppError> {
    let mode = if yes { RunMode::Apply } else { RunMode::Plan };
    let request = RunRequest::new(mode, false, g.demo);
    let log = app.start_run_logging(&request, g.quiet || g.json)?;
    let finished = app.undo_blocking(g.demo, run_id, yes, &hooks())?;
    output::run(g, &finished, &log.current_file());
    if !yes && !g.json {
        let n = finished.plan.as_ref().map_or(0, |p| p.changes().count());
        if n > 0 {
            println!(
                "nothing changed yet: `rolesync undo {run_id} --yes` applies these {n} change(s)"
            );
        }
    }
    Ok(finished.report.outcome.exit())
}

fn check(g: &Global, app: &App) -> Result<ExitCode, AppError> {
    let _log = logging::start(&app.settings(g.demo)?, g.quiet || g.json)?;
    let report = app.check_blocking(g.demo, &hooks())?;
    output::checks(g.json, &report);
    Ok(report.exit())
}

fn exposure(g: &Global, app: &App) -> Result<ExitCode, AppError> {
    let _log = logging::start(&app.settings(g.demo)?, g.quiet || g.json)?;
    let report = app.exposure_blocking(g.demo, &hooks())?;
    output::exposure(g.json, &report);
    Ok(if report.error.is_some() {
        ExitCode::ReadFailed
    } else if report.fails() {
        ExitCode::ItemFailures
    } else {
        ExitCode::Done
    })
}

fn config_init(app: &App, force: bool) -> Result<ExitCode, AppError> {
    let done = app.init_config(force)?;
    println!(
        "wrote {}; fill in [directory] and [entra], then run `rolesync check`",
        done.file.display()
    );
    for w in &done.warnings {
        eprintln!("warning: {w}");
    }
    Ok(ExitCode::Done)
}

fn config_validate(app: &App) -> Result<ExitCode, AppError> {
    let s = app.settings(false)?;
    println!("{} is valid", s.config.file.display());
    Ok(ExitCode::Done)
}

fn demo_reset(app: &App) -> Result<ExitCode, AppError> {
    let r = app.reset_demo()?;
    let done = if r.existed {
        "reset"
    } else {
        "was already at its starting state"
    };
    println!("demo tenant {done} ({})", r.file.display());
    Ok(ExitCode::Done)
}

fn schedule(g: &Global, app: &App, request: ScheduleRequest) -> Result<ExitCode, AppError> {
    print!("{}", app.schedule(request, g.demo)?);
    Ok(ExitCode::Done)
}

fn credentials_list(app: &App) -> Result<ExitCode, AppError> {
    output::credentials(&app.credentials().list()?);
    Ok(ExitCode::Done)
}

fn credentials_forget(app: &App, name: &str) -> Result<ExitCode, AppError> {
    let name = parse_name(name)?;
    output::forgotten(name, app.credentials().forget(name)?);
    Ok(ExitCode::Done)
}

fn credentials_set(
    app: &App,
    name: &str,
    account: Option<String>,
    secret_stdin: bool,
) -> Result<ExitCode, AppError> {
    let name = parse_name(name)?;
    let (account, secret) = terminal::credential(name, account, secret_stdin)?;
    let keyring = app.credentials().save(name, &account, secret)?;
    println!("{name} credential saved in the {} keyring", keyring.id);
    Ok(ExitCode::Done)
}

fn emulator(options: EmulatorOptions) -> Result<ExitCode, AppError> {
    rolesync_app::emulator::serve(&options, output::serving)?;
    Ok(ExitCode::Done)
}
