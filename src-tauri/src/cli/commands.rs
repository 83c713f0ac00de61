//! One function per command: build the request from the arguments, call the application, print.

use super::args::{
    Command, ConfigCommand, CredentialsCommand, DemoCommand, EmulatorArgs, Frequency, Global,
    ScheduleCommand,
};
use super::{output, terminal};
use rolesync_app::credentials::{parse_name, TerminalAsker};
use rolesync_app::emulator::EmulatorOptions;
use rolesync_app::messages::LogObserver;
use rolesync_app::schedule::{self, ScheduleAction, ScheduleRequest};
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
        Command::Config(ConfigCommand::Init { force }) => config_init(&app, force),
        Command::Config(ConfigCommand::Validate) => config_validate(&app),
        Command::Demo(DemoCommand::Reset) => demo_reset(&app),
        Command::Schedule(cmd) => schedule(g, &app, cmd),
        Command::Credentials(cmd) => credentials(&app, cmd),
        Command::Emulator(args) => emulator(args),
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
    let log = logging::start(&app.settings(g.demo)?, g.quiet || g.json)?;
    let request = RunRequest::new(mode, force, g.demo);
    let finished = app.run_blocking(&request, &hooks(), None)?;
    output::run(g, &finished, &log.current_file());
    Ok(finished.report.outcome.exit())
}

fn check(g: &Global, app: &App) -> Result<ExitCode, AppError> {
    let _log = logging::start(&app.settings(g.demo)?, g.quiet || g.json)?;
    let report = app.check_blocking(g.demo, &hooks())?;
    output::checks(g.json, &report);
    Ok(report.exit())
}

fn config_init(app: &App, force: bool) -> Result<ExitCode, AppError> {
    let file = app.init_config(force)?;
    println!(
        "wrote {}; fill in [directory] and [entra], then run `rolesync check`",
        file.display()
    );
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

fn schedule(g: &Global, app: &App, cmd: ScheduleCommand) -> Result<ExitCode, AppError> {
    let (action, print) = match cmd {
        ScheduleCommand::Install {
            at,
            every,
            run_as,
            print,
        } => {
            let every = match every {
                Frequency::Day => schedule::Frequency::Day,
                Frequency::Hour => schedule::Frequency::Hour,
            };
            (ScheduleAction::Install { at, every, run_as }, print)
        }
        ScheduleCommand::Remove { print } => (ScheduleAction::Remove, print),
        ScheduleCommand::Show { print } => (ScheduleAction::Show, print),
    };
    print!(
        "{}",
        app.schedule(ScheduleRequest { action, print }, g.demo)?
    );
    Ok(ExitCode::Done)
}

fn credentials(app: &App, cmd: CredentialsCommand) -> Result<ExitCode, AppError> {
    let c = app.credentials();
    match cmd {
        CredentialsCommand::List => output::credentials(&c.list()?),
        CredentialsCommand::Forget { name } => {
            let name = parse_name(&name)?;
            output::forgotten(name, c.forget(name)?);
        }
        CredentialsCommand::Set {
            name,
            account,
            secret_stdin,
        } => {
            let name = parse_name(&name)?;
            let (account, secret) = terminal::credential(name, account, secret_stdin)?;
            let keyring = c.save(name, &account, secret)?;
            println!("{name} credential saved in the {} keyring", keyring.id);
        }
    }
    Ok(ExitCode::Done)
}

fn emulator(a: EmulatorArgs) -> Result<ExitCode, AppError> {
    let options = EmulatorOptions {
        listen: a.listen,
        tenant: a.tenant,
        tls: a.tls,
        latency_ms: a.latency_ms,
        fault_rate: a.fault_rate,
        seed: a.seed,
        no_throttling: a.no_throttling,
    };
    rolesync_app::emulator::serve(&options, output::serving)?;
    Ok(ExitCode::Done)
}
