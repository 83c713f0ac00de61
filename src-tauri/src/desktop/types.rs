//! The values the window and the Rust side exchange. The TypeScript declarations in
//! `ui/src/bindings.ts` are generated from these types and the core's (ts-rs); a test keeps the
//! file current (`UPDATE_BINDINGS=1 cargo test --bin rolesync bindings` rewrites it).

use chrono::{DateTime, Utc};
use rolesync_core::events::SyncEvent;
use rolesync_core::plan::Plan;
use rolesync_core::report::{Outcome, ReportSummary, RunMode, RunReport};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The kinds of error the window tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The configuration is missing or invalid.
    Config,
    /// The directory or the tenant could not be read.
    Read,
    /// Sign-in failed or is not available.
    SignIn,
    /// The user cancelled; nothing changed.
    Cancelled,
    /// The keyring failed.
    Credentials,
    /// Another run is in progress.
    Busy,
    /// A file could not be read or written.
    Io,
}

/// An error as the window receives it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UiError {
    /// What kind.
    pub code: ErrorCode,
    /// What went wrong and what to do.
    pub message: String,
}

impl UiError {
    /// An error of this kind.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<crate::failure::Failure> for UiError {
    fn from(f: crate::failure::Failure) -> Self {
        let code = match f.kind {
            "config" => ErrorCode::Config,
            "read" if f.message.starts_with("signing in") => ErrorCode::SignIn,
            "read" => ErrorCode::Read,
            "busy" => ErrorCode::Busy,
            "cancelled" => ErrorCode::Cancelled,
            _ => ErrorCode::Io,
        };
        Self::new(code, f.message)
    }
}

/// One run in the reports folder.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// The report file.
    pub file: String,
    /// The run id.
    pub run_id: String,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Plan, dry run or sync.
    pub mode: RunMode,
    /// How it ended.
    pub outcome: Outcome,
    /// `--force` / "apply anyway".
    pub forced: bool,
    /// The report's headline.
    pub headline: String,
    /// Totals.
    pub summary: ReportSummary,
}

impl RunSummary {
    /// The summary of a report read from `file`.
    pub fn of(file: &std::path::Path, r: &RunReport) -> Self {
        Self {
            file: file.display().to_string(),
            run_id: r.run_id.clone(),
            started: r.started,
            mode: r.mode,
            outcome: r.outcome,
            forced: r.forced,
            headline: r.headline(),
            summary: r.summary,
        }
    }
}

/// What the home page shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Running on the built-in demo directory and tenant.
    pub demo: bool,
    /// Why demo mode is on, in words.
    pub demo_reason: Option<String>,
    /// The app version.
    pub version: String,
    /// The configuration file.
    pub config_file: String,
    /// Whether it exists.
    pub config_exists: bool,
    /// Logs, reports and the audit file.
    pub log_dir: String,
    /// The latest run in the reports folder.
    pub last_run: Option<RunSummary>,
    /// The configuration or log places that others can change, each with its fix.
    pub warnings: Vec<String>,
}

/// How the run signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    /// Interactive sign-in with MFA (browser, device code as fallback).
    Interactive,
    /// The configured non-interactive credential.
    Credential,
    /// The sign-in of an earlier run in this window.
    Reused,
}

/// A question for the user; the window answers it with `answer_prompt`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Question {
    /// "Use multi-factor sign-in?"; answers Yes by itself after `timeout_secs`.
    #[serde(rename_all = "camelCase")]
    Mfa {
        /// Seconds until Yes.
        timeout_secs: u32,
    },
    /// The account of a credential.
    #[serde(rename_all = "camelCase")]
    Account {
        /// `office365`, `smtp` or `ldap`.
        credential: String,
        /// The credential's name in words.
        label: String,
        /// What to enter.
        prompt: String,
        /// A hint (demo mode: any account is accepted).
        note: Option<String>,
    },
    /// The secret of a credential.
    #[serde(rename_all = "camelCase")]
    Secret {
        /// `office365`, `smtp` or `ldap`.
        credential: String,
        /// The credential's name in words.
        label: String,
        /// What to enter.
        prompt: String,
        /// For which account.
        account: String,
        /// A hint.
        note: Option<String>,
    },
    /// "Save credentials?"
    #[serde(rename_all = "camelCase")]
    Save {
        /// `office365`, `smtp` or `ldap`.
        credential: String,
        /// The credential's name in words.
        label: String,
        /// Where it would be saved.
        keyring: String,
    },
}

/// One question with its id.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Prompt {
    /// Answer with this id.
    pub id: u32,
    /// The question.
    pub question: Question,
}

/// The user's answer. The text of a secret never prints (`Debug` redacts it).
#[derive(Clone, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Answer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Entered text (account or secret).
    Text {
        /// The text.
        value: String,
    },
    /// Cancel: the run stops and nothing changes.
    Cancel,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Answer::Yes => "Yes",
            Answer::No => "No",
            Answer::Text { .. } => "Text(<redacted>)",
            Answer::Cancel => "Cancel",
        })
    }
}

/// What the Rust side streams to the window during a run.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RunMessage {
    /// A question to show.
    Prompt {
        /// The question.
        prompt: Prompt,
    },
    /// A question was answered without the window (the MFA countdown ran out).
    #[serde(rename_all = "camelCase")]
    PromptClosed {
        /// Which.
        id: u32,
        /// What it was answered with.
        answered: String,
    },
    /// Signed in.
    SignedIn {
        /// How.
        method: SignInMethod,
        /// As whom.
        account: String,
        /// In words.
        detail: String,
    },
    /// A device code to enter at `url`: the interactive sign-in's fallback where no browser
    /// opens, or `sign_in = "device-code"`. The demo's interactive sign-in needs none.
    #[serde(rename_all = "camelCase")]
    DeviceCode {
        /// The code.
        user_code: String,
        /// Where to enter it.
        url: String,
    },
    /// A progress event of the core.
    Progress {
        /// The event.
        event: SyncEvent,
    },
}

/// What to run.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    /// `plan` (preview) or `apply`.
    pub mode: RunMode,
    /// "Apply anyway": go past overridable safety limits.
    pub force: bool,
    /// Use this window's earlier sign-in instead of asking again (apply from the preview).
    pub reuse_sign_in: bool,
}

/// A finished run.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    /// The report.
    pub report: RunReport,
    /// The plan, when reading succeeded.
    pub plan: Option<Plan>,
    /// The report file (not for previews).
    pub report_file: Option<String>,
}

/// One credential on the credentials page (never its value).
#[derive(Debug, Clone, Serialize, TS)]
pub struct CredentialInfo {
    /// `office365`, `smtp` or `ldap`.
    pub name: String,
    /// In words.
    pub label: String,
    /// Saved in the keyring.
    pub saved: bool,
}

/// The credentials page.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialList {
    /// The keyring in use.
    pub keyring: String,
    /// Whether saved credentials survive a reboot.
    pub survives_reboot: bool,
    /// Each credential.
    pub items: Vec<CredentialInfo>,
}

/// One log line.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LogLine {
    /// Timestamp as written.
    pub time: String,
    /// ERROR, WARN, INFO, DEBUG or TRACE.
    pub level: String,
    /// The message and its fields.
    pub message: String,
}

/// The logs page.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LogView {
    /// The newest log file.
    pub file: Option<String>,
    /// Its lines (the last few thousand).
    pub lines: Vec<LogLine>,
}

/// One explicit mapping on the settings page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MappingForm {
    /// Group DN or name.
    pub group: String,
    /// Role name or id (empty: the group's name).
    pub role: String,
    /// `active`, `eligible` or empty.
    pub kind: String,
    /// Allow revoking every member when the group is empty.
    pub allow_empty: bool,
}

/// The settings page: the configuration file's values as edited. Empty text means "not set".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsForm {
    /// `directory.url`.
    pub directory_url: String,
    /// `directory.bind`.
    pub directory_bind: String,
    /// `directory.base_dn`.
    pub directory_base_dn: String,
    /// `directory.ou`.
    pub directory_ou: String,
    /// `directory.nested`.
    pub directory_nested: bool,
    /// `directory.start_tls`.
    pub directory_start_tls: bool,
    /// `directory.ldif`.
    pub directory_ldif: String,
    /// `entra.tenant`.
    pub entra_tenant: String,
    /// `entra.client_id`.
    pub entra_client_id: String,
    /// `entra.sign_in`.
    pub entra_sign_in: String,
    /// `entra.certificate`.
    pub entra_certificate: String,
    /// `entra.username`.
    pub entra_username: String,
    /// `mapping.prefix`.
    pub mapping_prefix: String,
    /// `mapping.match_by_upn`.
    pub mapping_match_by_upn: bool,
    /// `mapping.default_kind`.
    pub mapping_default_kind: String,
    /// `[[mappings]]`.
    pub mappings: Vec<MappingForm>,
    /// `safety.max_revokes`.
    #[ts(type = "number")]
    pub safety_max_revokes: i64,
    /// `safety.max_revoke_percent`.
    #[ts(type = "number")]
    pub safety_max_revoke_percent: i64,
    /// `safety.protected`.
    pub safety_protected: Vec<String>,
    /// Whether `[email]` is present.
    pub email_enabled: bool,
    /// `email.server`.
    pub email_server: String,
    /// `email.port`.
    #[ts(type = "number")]
    pub email_port: i64,
    /// `email.security`.
    pub email_security: String,
    /// `email.from`.
    pub email_from: String,
    /// `email.to`.
    pub email_to: Vec<String>,
    /// `email.username`.
    pub email_username: String,
    /// `logging.level`.
    pub logging_level: String,
    /// `logging.folder`.
    pub logging_folder: String,
}

/// A validation message for one key.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FieldError {
    /// The dotted key (`safety.max_revoke_percent`, `mappings[0].role`).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

/// The settings page's state after loading, checking or saving.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsState {
    /// The file.
    pub file: String,
    /// Whether it exists.
    pub exists: bool,
    /// The values.
    pub form: SettingsForm,
    /// The core's validation messages; empty when valid.
    pub errors: Vec<FieldError>,
    /// Whether this call wrote the file.
    pub saved: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolesync_core as core;

    /// Every declaration, in dependency order, as one module.
    fn bindings() -> String {
        macro_rules! decls {
            ($($t:ty),* $(,)?) => {{
                let mut out = String::from("// Generated from the Rust types by ts-rs (src-tauri/src/desktop/types.rs). Do not edit.\n// Regenerate: UPDATE_BINDINGS=1 cargo test --bin rolesync bindings\n\n");
                $( out.push_str("export "); out.push_str(&<$t as TS>::decl()); out.push_str("\n\n"); )*
                out
            }};
        }
        decls!(
            core::ids::Dn,
            core::ids::EntraObjectId,
            core::ids::RoleDefinitionId,
            core::tenant::AssignmentKind,
            core::events::Step,
            core::events::StepStatus,
            core::plan::Action,
            core::plan::MatchedBy,
            core::plan::ChangeReason,
            core::plan::Change,
            core::plan::SkipReason,
            core::plan::Skipped,
            core::plan::UntouchedReason,
            core::plan::Untouched,
            core::plan::RolePlan,
            core::plan::StopKind,
            core::plan::SafetyStop,
            core::plan::PlanSummary,
            core::mapping::UnmappedGroup,
            core::plan::Plan,
            core::traits::ChangeOutcome,
            core::events::SyncEvent,
            core::report::RunMode,
            core::report::Outcome,
            core::report::StepReport,
            core::report::ItemReport,
            core::report::RoleReport,
            core::report::ReportSummary,
            core::report::RunReport,
            ErrorCode,
            UiError,
            RunSummary,
            AppInfo,
            SignInMethod,
            Question,
            Prompt,
            Answer,
            RunMessage,
            RunRequest,
            RunResult,
            CredentialInfo,
            CredentialList,
            LogLine,
            LogView,
            MappingForm,
            SettingsForm,
            FieldError,
            SettingsState,
        )
    }

    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings.ts");
        let want = bindings();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &want).expect("write ui/src/bindings.ts");
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/bindings.ts is out of date with the Rust types; regenerate it with `UPDATE_BINDINGS=1 cargo test --bin rolesync bindings`"
        );
    }
}
