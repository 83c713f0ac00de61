//! The commands the window calls: each passes its arguments to the window session and returns
//! its result (errors as `{code, message}`).

use rolesync_app::approvals::HeldView;
use rolesync_app::credentials::CredentialList;
use rolesync_app::history::{LogView, RunDetails, RunSummary};
use rolesync_app::messages::{Answer, MessageSink, RunMessage};
use rolesync_app::schedule::ScheduleRequest;
use rolesync_app::session::{AppInfo, Approvals, RunResult, StartRun};
use rolesync_app::settings::SettingsState;
use rolesync_app::setup::{
    CertificateInfo, DirectoryFound, Registration, SetupAnswers, SetupSaved, SetupSecrets,
    SetupStart, TenantFound, Verification,
};
use rolesync_app::{AppError, Session};
use rolesync_config::form::SettingsForm;
use std::path::PathBuf;
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

type Reply<T> = Result<T, AppError>;

/// A run's messages go over the command's channel.
struct ChannelSink(Channel<RunMessage>);

impl MessageSink for ChannelSink {
    fn send(&self, message: RunMessage) -> bool {
        self.0.send(message).is_ok()
    }
}

/// The home page: mode, files and the latest run.
#[tauri::command]
pub fn app_info(session: State<'_, Session>) -> AppInfo {
    session.info()
}

/// Signs in (asking through the window), then runs a preview or a sync, streaming questions and
/// progress over `on_message`.
#[tauri::command]
pub async fn start_run(
    session: State<'_, Session>,
    request: StartRun,
    on_message: Channel<RunMessage>,
) -> Reply<RunResult> {
    session
        .run(request, Arc::new(ChannelSink(on_message)))
        .await
}

/// Answers an open question.
#[tauri::command]
pub fn answer_prompt(session: State<'_, Session>, id: u32, answer: Answer) -> bool {
    session.answer(id, answer)
}

/// Cancels the run in progress.
#[tauri::command]
pub fn cancel_run(session: State<'_, Session>) -> bool {
    session.cancel()
}

/// The plans held for approval, newest first, and the held files that cannot be approved.
#[tauri::command]
pub fn approvals(session: State<'_, Session>) -> Reply<Approvals> {
    session.approvals()
}

/// Approves a held plan (re-read, re-planned, applied only when unchanged), streaming questions
/// and progress over `on_message`.
#[tauri::command]
pub async fn approve(
    session: State<'_, Session>,
    id: String,
    on_message: Channel<RunMessage>,
) -> Reply<RunResult> {
    session.approve(id, Arc::new(ChannelSink(on_message))).await
}

/// Rejects a held plan.
#[tauri::command]
pub fn reject(session: State<'_, Session>, id: String) -> Reply<HeldView> {
    session.reject(&id)
}

/// Previews (`apply == false`) or applies the undo of one run.
#[tauri::command]
pub async fn undo(
    session: State<'_, Session>,
    run_id: String,
    apply: bool,
    on_message: Channel<RunMessage>,
) -> Reply<RunResult> {
    session
        .undo(run_id, apply, Arc::new(ChannelSink(on_message)))
        .await
}

/// The runs in the reports folder, newest first.
#[tauri::command]
pub fn history(session: State<'_, Session>) -> Reply<Vec<RunSummary>> {
    session.history()
}

/// Who can change the role groups (owners, delegated rights, managers, nested groups).
#[tauri::command]
pub async fn exposure(
    session: State<'_, Session>,
) -> Reply<rolesync_core::exposure::ExposureReport> {
    session.exposure().await
}

/// One run of the history: its report and its log lines.
#[tauri::command]
pub fn run_details(session: State<'_, Session>, run_id: String) -> Reply<RunDetails> {
    session.run_details(&run_id)
}

/// The newest log file's last lines.
#[tauri::command]
pub fn logs(session: State<'_, Session>) -> Reply<LogView> {
    session.logs()
}

/// The test hook for the save dialog (WebDriver cannot drive the native dialog).
const SAVE_PATH_ENV: &str = "ROLESYNC_TEST_SAVE_PATH";

/// Where to save the logs: the native save dialog; `None` when the user closed it.
async fn ask_save_path(app: tauri::AppHandle) -> Reply<Option<PathBuf>> {
    if let Some(p) = std::env::var_os(SAVE_PATH_ENV) {
        return Ok(Some(PathBuf::from(p)));
    }
    let name = format!(
        "rolesync-logs-{}.zip",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    tauri::async_runtime::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_title("Export logs")
            .set_file_name(name)
            .add_filter("Zip archive", &["zip"])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
    })
    .await
    .map_err(|e| AppError::io(e.to_string()))
}

/// Asks where to save, then writes a zip of the logs, the audit file and the reports. `None`
/// when the user closed the dialog.
#[tauri::command]
pub async fn export_logs(
    app: tauri::AppHandle,
    session: State<'_, Session>,
) -> Reply<Option<String>> {
    let Some(dest) = ask_save_path(app).await? else {
        return Ok(None);
    };
    session.export_logs(&dest)?;
    Ok(Some(dest.display().to_string()))
}

/// The saved credentials (names only).
#[tauri::command]
pub fn credentials(session: State<'_, Session>) -> Reply<CredentialList> {
    session.credentials()
}

/// Forgets a saved credential.
#[tauri::command]
pub fn forget_credential(session: State<'_, Session>, name: String) -> Reply<CredentialList> {
    session.forget_credential(&name)
}

/// Saves (adds or replaces) a credential in the keyring.
#[tauri::command]
pub fn save_credential(
    session: State<'_, Session>,
    name: String,
    account: String,
    secret: String,
) -> Reply<CredentialList> {
    session.save_credential(&name, &account, secret)
}

/// The configuration file's values and the schema of the settings page.
#[tauri::command]
pub fn load_settings(session: State<'_, Session>) -> Reply<SettingsState> {
    session.load_settings()
}

/// Validates the form with the configuration crate; changes nothing.
#[tauri::command]
pub fn check_settings(session: State<'_, Session>, form: SettingsForm) -> Reply<SettingsState> {
    session.check_settings(form)
}

/// Writes the form's keys into the file, only when the result is valid.
#[tauri::command]
pub fn save_settings(session: State<'_, Session>, form: SettingsForm) -> Reply<SettingsState> {
    session.save_settings(form)
}

/// Registers, removes or shows the scheduled sync, as `rolesync schedule` does.
#[tauri::command]
pub fn schedule(session: State<'_, Session>, request: ScheduleRequest) -> Reply<String> {
    session.schedule(request)
}

/// The setup page: the answers so far and the suggestions.
#[tauri::command]
pub fn setup_start(session: State<'_, Session>) -> SetupStart {
    session.setup_start()
}

/// The setup's directory step: DCs, bind, OUs, the groups and their roles.
#[tauri::command]
pub async fn setup_directory(
    session: State<'_, Session>,
    answers: SetupAnswers,
    secrets: SetupSecrets,
) -> Reply<DirectoryFound> {
    session.setup_directory(answers, secrets).await
}

/// The setup's tenant step.
#[tauri::command]
pub async fn setup_tenant(
    session: State<'_, Session>,
    answers: SetupAnswers,
) -> Reply<TenantFound> {
    session.setup_tenant(answers).await
}

/// The setup's certificate and what to register with it.
#[tauri::command]
pub async fn setup_certificate(
    session: State<'_, Session>,
    answers: SetupAnswers,
    replace: bool,
) -> Reply<(CertificateInfo, Registration)> {
    session.setup_certificate(answers, replace).await
}

/// Verifies every part of the setup; saves nothing.
#[tauri::command]
pub async fn setup_verify(
    session: State<'_, Session>,
    answers: SetupAnswers,
    secrets: SetupSecrets,
) -> Reply<Verification> {
    session.setup_verify(answers, secrets).await
}

/// Saves the setup's configuration and passwords.
#[tauri::command]
pub fn setup_save(
    session: State<'_, Session>,
    answers: SetupAnswers,
    secrets: SetupSecrets,
) -> Reply<SetupSaved> {
    session.setup_save(answers, secrets)
}
