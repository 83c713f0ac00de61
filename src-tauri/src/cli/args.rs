//! The command line's grammar (clap): subcommands and global options. The exit codes are the
//! core's `ExitCode`; their meaning is in the help text below and in the README.

use clap::{Args, Parser, Subcommand};
use rolesync_app::emulator::EmulatorOptions;
use rolesync_app::schedule::{self, ScheduleAction, ScheduleRequest};
use std::path::PathBuf;

/// RoleSync keeps Microsoft Entra ID admin roles equal to the members of on-premises AD groups.
///
/// Exit codes: 0 done; 1 done with item failures (for `check`: some checks failed); 2 usage or
/// configuration error; 3 stopped by a safety limit, or changes wait for approval; 4 could not
/// read the source or target, or sign-in failed; 5 another run is applying changes.
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
    /// Show who can change the AD groups that decide each role (owners, delegated rights,
    /// managedBy, nested groups outside the roles OU), Tier 0 left out; exit 1 when a finding
    /// reaches [exposure] fail_at, 4 when the directory could not be read.
    Exposure,
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
    /// Plans held for a second person's approval (a sync stopped by a safety limit, grants to
    /// roles under [safety] require_approval).
    #[command(subcommand)]
    Approvals(ApprovalsCommand),
    /// Undo what one sync changed (its grants revoked, its revokes granted again), for the
    /// assignments still as it left them. Shows the plan; --yes applies it.
    Undo(UndoArgs),
    /// First-run setup: find the domain and its role groups, make the sign-in certificate, show
    /// what to register in Entra ID, verify each part and write the configuration. Applies
    /// nothing. Asks on the terminal for what the options do not give.
    Setup(Box<SetupArgs>),
}

/// `rolesync approvals …`.
#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// The held plans, newest first, with where each stands.
    List,
    /// One held plan: why it waits and its changes.
    Show {
        /// The held plan's id (the run that held it).
        id: String,
    },
    /// Read both sides again, plan again, and apply the held changes only if the fresh plan is the
    /// same (otherwise show the difference, change nothing and exit 3).
    Approve {
        /// The held plan's id.
        id: String,
    },
    /// Reject a held plan: it can no longer be approved.
    Reject {
        /// The held plan's id.
        id: String,
    },
}

/// `rolesync undo` options.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The run to undo (its id, from its report; the first part is enough).
    pub run_id: String,
    /// Apply the undo (without it, only the plan is shown).
    #[arg(long)]
    pub yes: bool,
}

/// `rolesync setup` options (each one answers a question the setup would otherwise ask).
#[derive(Debug, Args, Default)]
pub struct SetupArgs {
    /// The AD domain (its domain controllers are found in DNS) [default: this machine's].
    #[arg(long, help_heading = "Directory")]
    pub domain: Option<String>,
    /// One fixed domain controller instead of DNS discovery (ldaps://dc1.contoso.com).
    #[arg(long, help_heading = "Directory")]
    pub url: Option<String>,
    /// `integrated` (Kerberos as the running account) or a bind account (its password: the saved
    /// `ldap` credential, or asked).
    #[arg(long, help_heading = "Directory")]
    pub bind: Option<String>,
    /// StartTLS on port 389 instead of LDAPS.
    #[arg(long, help_heading = "Directory")]
    pub start_tls: bool,
    /// The DCs' CA certificate (PEM), when the OS does not trust it.
    #[arg(long, value_name = "FILE", help_heading = "Directory")]
    pub ca_file: Option<String>,
    /// The OU holding the role groups [default: OU=Office 365 Roles Management under the domain].
    #[arg(long, help_heading = "Directory")]
    pub ou: Option<String>,
    /// A prefix before the role name in group names (M365-).
    #[arg(long, help_heading = "Directory")]
    pub prefix: Option<String>,
    /// Make name-matched groups PIM-eligible assignments instead of active ones.
    #[arg(long, help_heading = "Directory")]
    pub eligible: bool,
    /// An account never revoked (break-glass); repeatable.
    #[arg(long = "protected", value_name = "UPN", help_heading = "Directory")]
    pub protected: Vec<String>,
    /// The tenant (contoso.onmicrosoft.com or its id).
    #[arg(long, help_heading = "Entra ID")]
    pub tenant: Option<String>,
    /// The app registration's Application (client) ID, once registered.
    #[arg(long, help_heading = "Entra ID")]
    pub client_id: Option<String>,
    /// Also let an administrator sign in interactively with MFA from the window.
    #[arg(long, help_heading = "Entra ID")]
    pub interactive_sign_in: bool,
    /// Make a new certificate even when one was made before.
    #[arg(long, help_heading = "Entra ID")]
    pub new_certificate: bool,
    /// National clouds or a local emulator: the sign-in endpoint.
    #[arg(long, help_heading = "Entra ID")]
    pub login_url: Option<String>,
    /// National clouds or a local emulator: Microsoft Graph.
    #[arg(long, help_heading = "Entra ID")]
    pub graph_url: Option<String>,
    /// An extra CA for those endpoints (PEM).
    #[arg(long, value_name = "FILE", help_heading = "Entra ID")]
    pub entra_ca_file: Option<String>,
    /// SMTP server of the report mail (no mail without it).
    #[arg(long, help_heading = "Email report")]
    pub email_server: Option<String>,
    /// SMTP port [default: the security's].
    #[arg(long, help_heading = "Email report")]
    pub email_port: Option<u16>,
    /// starttls, tls or none.
    #[arg(long, help_heading = "Email report")]
    pub email_security: Option<String>,
    /// Sender address.
    #[arg(long, help_heading = "Email report")]
    pub email_from: Option<String>,
    /// A recipient; repeatable.
    #[arg(
        long = "email-to",
        value_name = "ADDRESS",
        help_heading = "Email report"
    )]
    pub email_to: Vec<String>,
    /// SMTP account (its password: the saved `smtp` credential, or asked).
    #[arg(long, help_heading = "Email report")]
    pub email_username: Option<String>,
    /// The SMTP server's CA certificate (PEM).
    #[arg(long, value_name = "FILE", help_heading = "Email report")]
    pub email_ca_file: Option<String>,
    /// Save the configuration even when a check fails (it must still be valid).
    #[arg(long)]
    pub save_anyway: bool,
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
