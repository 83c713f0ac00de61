//! The command line's grammar (clap): subcommands and global options. The exit codes are the
//! core's `ExitCode`; their meaning is in the help text below and in the README.

use clap::{Args, Parser, Subcommand};
use rolesync_app::emulator::EmulatorOptions;
use rolesync_app::schedule::{self, ScheduleAction, ScheduleRequest};
use std::path::PathBuf;

/// RoleSync keeps Microsoft Entra ID admin roles equal to the members of on-premises AD groups.
///
/// Exit codes: 0 done; 1 done with item failures (for `check`: some checks failed); 2 usage or
/// configuration error; 3 stopped by a safety limit; 4 could not read the source or target, or
/// sign-in failed; 5 another run is applying changes.
/// Without a command, RoleSync opens its desktop window.
#[derive(Debug, Parser)]
#[command(name = "rolesync", version, about, long_about)]
pub struct Cli {
    /// Options for every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options for every command.
#[derive(Debug, Args)]
pub struct Global {
    /// The configuration file [default: %ProgramData%\RoleSync\rolesync.toml on Windows,
    /// ~/.config/rolesync/rolesync.toml on Linux; ROLESYNC_HOME moves everything].
    #[arg(long, global = true, value_name = "PATH", env = "ROLESYNC_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print a machine-readable result on stdout (logs go to stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Use the built-in demo directory and tenant instead of the configured ones.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Only warnings and errors on the console (the log file keeps everything).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a sync would change, and why.
    Plan,
    /// Make the Entra roles match the AD groups.
    Sync(SyncArgs),
    /// Check the configuration, the connections, the mappings and the members; change nothing.
    Check,
    /// Manage the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage the built-in demo tenant.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Manage the credentials saved in the OS keyring (office365, smtp, ldap).
    #[command(subcommand)]
    Credentials(CredentialsCommand),
    /// Serve the local Entra ID + Microsoft Graph emulator (the demo tenant, or your own fixture).
    Emulator(EmulatorArgs),
    /// Run `rolesync sync` on a schedule (Task Scheduler on Windows, a systemd timer or cron on Linux).
    #[command(subcommand)]
    Schedule(ScheduleCommand),
}

/// `rolesync emulator` options.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Loopback address and port to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// A tenant fixture (JSON); the demo tenant when not given.
    #[arg(long, value_name = "FILE")]
    pub tenant: Option<std::path::PathBuf>,
    /// Serve HTTPS with a generated CA (its file is printed).
    #[arg(long)]
    pub tls: bool,
    /// Latency added to every Graph request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of Graph requests that fail (429, 500, 503, 504, dropped connection), 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed for the injected faults.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Turn Microsoft's throttling limits off.
    #[arg(long)]
    pub no_throttling: bool,
    /// Shorten the throttling windows by this factor, capacities unchanged (10: 3,000 writes per
    /// 15 s); a sync against it paces itself the same way with ROLESYNC_GRAPH_TIME_SCALE.
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    pub time_scale: f64,
    /// With --tls: a further DNS name for the server certificate (repeatable), e.g.
    /// graph.microsoft.com for a test network where Microsoft's names resolve to the emulator.
    #[arg(long = "hostname", value_name = "NAME")]
    pub hostnames: Vec<String>,
    /// Append one JSON line per request served (host, method, path, query, Graph write bodies;
    /// never a secret) to FILE.
    #[arg(long, value_name = "FILE")]
    pub record: Option<std::path::PathBuf>,
}

/// `rolesync credentials …`.
#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Save a credential (asks for the secret without echo).
    Set {
        /// office365, smtp or ldap.
        name: String,
        /// The account (UPN, user name, bind DN, or the client id for a client secret).
        #[arg(long)]
        account: Option<String>,
        /// Read the secret from the first line of standard input (for scripts).
        #[arg(long)]
        secret_stdin: bool,
    },
    /// Forget a saved credential; the next run asks for it again.
    Forget {
        /// office365, smtp or ldap.
        name: String,
    },
    /// Show which credentials are saved (never their values).
    List,
}

/// `rolesync schedule …`.
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Register the scheduled sync (replaces an existing one).
    Install {
        /// Time of the (first) run, HH:MM on the 24-hour clock.
        #[arg(long, value_name = "HH:MM")]
        at: String,
        /// How often.
        #[arg(long, value_enum, default_value = "day")]
        every: Frequency,
        /// The account the sync runs as [default: LocalSystem on Windows; root or the current user on Linux].
        #[arg(long, value_name = "ACCOUNT")]
        run_as: Option<String>,
        /// Show what would be registered, register nothing.
        #[arg(long)]
        print: bool,
    },
    /// Remove the scheduled sync.
    Remove {
        /// Show what would be removed, remove nothing.
        #[arg(long)]
        print: bool,
    },
    /// Show the registered schedule.
    Show {
        /// Show how it would be queried, query nothing.
        #[arg(long)]
        print: bool,
    },
}

/// `--every`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Frequency {
    /// Once a day.
    Day,
    /// Every hour.
    Hour,
}

/// `rolesync sync` options.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Plan and check the limits, write the report, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Go past the revoke limit and the empty-group stop (never past an unreadable source or the
    /// last Global Administrator).
    #[arg(long)]
    pub force: bool,
}

/// `rolesync config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented configuration file to fill in.
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Validate the configuration file and print where it is.
    Validate,
}

/// `rolesync demo …`.
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Put the demo tenant back to its starting state.
    Reset,
}

impl ScheduleCommand {
    /// The application's request for this subcommand.
    pub fn request(self) -> ScheduleRequest {
        let (action, print) = match self {
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
        ScheduleRequest { action, print }
    }
}

impl EmulatorArgs {
    /// The application's options for these arguments.
    pub fn options(self) -> EmulatorOptions {
        EmulatorOptions {
            listen: self.listen,
            tenant: self.tenant,
            tls: self.tls,
            latency_ms: self.latency_ms,
            fault_rate: self.fault_rate,
            seed: self.seed,
            no_throttling: self.no_throttling,
            time_scale: self.time_scale,
            hostnames: self.hostnames,
            record: self.record,
        }
    }
}
