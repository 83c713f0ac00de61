//! The commands the window calls. Each is an adapter over the functions the CLI uses.

use super::prompts::Pending;
use super::settings_form;
use super::signin;
use super::types::{
    Answer, AppInfo, CredentialInfo, CredentialList, ErrorCode, LogLine, LogView, RunMessage,
    RunRequest, RunResult, RunSummary, SettingsForm, SettingsState, SignInMethod, UiError,
};
use super::AppState;
use crate::settings::{self, Settings};
use crate::{artifacts, runner};
use rolesync_core::events::{Observer, SyncEvent};
use rolesync_core::report::RunMode;
use rolesync_secrets::{CredentialName, CredentialStore};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;
use tokio::sync::Notify;

type Reply<T> = Result<T, UiError>;

fn io(e: impl std::fmt::Display) -> UiError {
    UiError::new(ErrorCode::Io, e.to_string())
}

fn load(state: &AppState) -> Reply<Settings> {
    Ok(settings::load(&state.global(), state.demo)?)
}

/// The home page: mode, files and the latest run.
#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Reply<AppInfo> {
    let paths = rolesync_config::Paths::from_env();
    let file = settings::config_path(&state.global(), &paths);
    let log_dir = load(&state).map(|s| s.log_dir()).unwrap_or(paths.log_dir);
    let last_run = artifacts::list_reports(&log_dir)
        .first()
        .map(|(p, r)| RunSummary::of(p, r));
    let warnings = rolesync_protect::exposures(&file, &log_dir)
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(AppInfo {
        warnings,
        demo: state.demo,
        demo_reason: state.demo_reason.clone(),
        version: env!("CARGO_PKG_VERSION").into(),
        config_exists: file.exists(),
        config_file: file.display().to_string(),
        log_dir: log_dir.display().to_string(),
        last_run,
    })
}

/// Clears the "running" mark when the run ends, however it ends.
struct RunGuard<'a>(&'a AppState);

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        *AppState::lock(&self.0.running) = None;
        self.0.pending.cancel_all();
    }
}

/// Signs in (asking through the window), then runs a preview (`plan`) or a sync (`apply`),
/// streaming questions and progress over `on_message`.
#[tauri::command]
pub async fn start_run(
    state: State<'_, AppState>,
    request: RunRequest,
    on_message: Channel<RunMessage>,
) -> Reply<RunResult> {
    let cancel = Arc::new(Notify::new());
    {
        let mut running = AppState::lock(&state.running);
        if running.is_some() {
            return Err(UiError::new(
                ErrorCode::Busy,
                "a run is in progress; wait for it or cancel it",
            ));
        }
        *running = Some(cancel.clone());
    }
    let _guard = RunGuard(&state);
    let mode = match request.mode {
        RunMode::Apply => RunMode::Apply,
        _ => RunMode::Plan,
    };

    // Sign in: reuse this window's sign-in for "apply" from the preview, else ask.
    let reuse = request
        .reuse_sign_in
        .then(|| AppState::lock(&state.session).clone())
        .flatten();
    let session = match reuse {
        Some(s) => {
            let _ = on_message.send(RunMessage::SignedIn {
                method: SignInMethod::Reused,
                account: s.account.clone(),
                detail: format!("Using the sign-in of the preview ({})", s.account),
            });
            s
        }
        None => {
            let pending: Arc<Pending> = state.pending.clone();
            let channel = on_message.clone();
            let demo = state.demo;
            let asking = tauri::async_runtime::spawn_blocking(move || {
                signin::sign_in(&pending, &channel, demo)
            });
            tokio::select! {
                r = asking => r.map_err(io)??,
                _ = cancel.notified() => {
                    state.pending.cancel_all();
                    return Err(cancelled());
                }
            }
        }
    };
    let sign_in = session.choice.clone();
    *AppState::lock(&state.session) = Some(session);

    let s = load(&state)?;
    let demo = state.demo;
    let observer = ChannelObserver(on_message.clone());
    let interaction: Arc<dyn rolesync_entra::auth::Interaction> = Arc::new(
        super::interaction::WindowInteraction::new(on_message.clone()),
    );
    let force = request.force;
    // The engine's future is not `Send` (its apply loop borrows across awaits), so the run gets
    // its own thread and runtime, as the CLI's; the command awaits its result. A cancelled run
    // keeps what it applied (a re-run converges); a cancelled demo run leaves the demo tenant's
    // saved state as it was.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let stop = cancel.clone();
    std::thread::Builder::new()
        .name("rolesync-run".into())
        .spawn(move || {
            let outcome = crate::app::runtime().map(|rt| {
                rt.block_on(async {
                    tokio::select! {
                        r = runner::run(&s, demo, &sign_in, interaction, mode, force, &observer) => Some(r),
                        _ = stop.notified() => None,
                    }
                })
            });
            let _ = tx.send(outcome);
        })
        .map_err(io)?;
    let finished = match rx.await.map_err(io)? {
        Ok(Some(r)) => r?,
        Ok(None) => {
            tracing::warn!("run cancelled from the window");
            return Err(cancelled());
        }
        Err(f) => return Err(f.into()),
    };
    Ok(RunResult {
        report: finished.out.report,
        plan: finished.out.plan,
        report_file: finished.report_file.map(|p| p.display().to_string()),
    })
}

/// Streams the core's events to the window (and logs them as the CLI does).
struct ChannelObserver(Channel<RunMessage>);

impl Observer for ChannelObserver {
    fn event(&self, event: SyncEvent) {
        crate::app::log_event(event.clone());
        let _ = self.0.send(RunMessage::Progress { event });
    }
}

fn cancelled() -> UiError {
    UiError::new(
        ErrorCode::Cancelled,
        "the run was cancelled; nothing was changed",
    )
}

/// Answers an open question.
#[tauri::command]
pub fn answer_prompt(state: State<'_, AppState>, id: u32, answer: Answer) -> bool {
    state.pending.answer(id, answer)
}

/// Cancels the run in progress (its open questions are answered with Cancel).
#[tauri::command]
pub fn cancel_run(state: State<'_, AppState>) -> bool {
    state.pending.cancel_all();
    match AppState::lock(&state.running).as_ref() {
        Some(n) => {
            n.notify_one();
            true
        }
        None => false,
    }
}

/// The runs in the reports folder, newest first.
#[tauri::command]
pub fn history(state: State<'_, AppState>) -> Reply<Vec<RunSummary>> {
    let s = load(&state)?;
    Ok(artifacts::list_reports(&s.log_dir())
        .iter()
        .map(|(p, r)| RunSummary::of(p, r))
        .collect())
}

/// The newest log file's last lines.
#[tauri::command]
pub fn logs(state: State<'_, AppState>) -> Reply<LogView> {
    let s = load(&state)?;
    let Some(file) = artifacts::log_files(&s.log_dir()).pop() else {
        return Ok(LogView {
            file: None,
            lines: Vec::new(),
        });
    };
    let text = std::fs::read_to_string(&file).map_err(io)?;
    let mut lines: Vec<LogLine> = text.lines().filter_map(parse_log_line).collect();
    let keep = 5000;
    if lines.len() > keep {
        lines.drain(..lines.len() - keep);
    }
    Ok(LogView {
        file: Some(file.display().to_string()),
        lines,
    })
}

/// `2026-01-02T03:04:05.123456Z  INFO message key=value` → time, level, rest.
fn parse_log_line(line: &str) -> Option<LogLine> {
    let line = line.trim_end();
    if line.is_empty() {
        return None;
    }
    let (time, rest) = line.split_once(' ')?;
    let rest = rest.trim_start();
    let (level, message) = rest.split_once(' ').unwrap_or((rest, ""));
    Some(LogLine {
        time: time.into(),
        level: level.into(),
        message: message.trim_start().into(),
    })
}

/// The test hook for the save dialog (WebDriver cannot drive the native dialog).
const SAVE_PATH_ENV: &str = "ROLESYNC_TEST_SAVE_PATH";

/// Asks where to save (native save dialog), then writes a zip of the logs, the audit file and the
/// reports. `None` when the user closed the dialog.
#[tauri::command]
pub async fn export_logs(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Reply<Option<String>> {
    let s = load(&state)?;
    let log_dir = s.log_dir();
    let dest: Option<PathBuf> = match std::env::var_os(SAVE_PATH_ENV) {
        Some(p) => Some(PathBuf::from(p)),
        None => {
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
            .map_err(io)?
        }
    };
    let Some(dest) = dest else {
        return Ok(None);
    };
    let n = artifacts::export_zip(&log_dir, &dest).map_err(io)?;
    tracing::info!(file = %dest.display(), files = n, "logs exported");
    Ok(Some(dest.display().to_string()))
}

/// The saved credentials (names only).
#[tauri::command]
pub fn credentials() -> Reply<CredentialList> {
    let store = signin::keyring()?;
    let saved = store
        .list()
        .map_err(|e| UiError::new(ErrorCode::Credentials, e.to_string()))?;
    Ok(CredentialList {
        keyring: store.backend().to_string(),
        survives_reboot: store.backend().survives_reboot(),
        items: CredentialName::ALL
            .iter()
            .map(|n| CredentialInfo {
                name: n.as_str().into(),
                label: n.label().into(),
                saved: saved.contains(n),
            })
            .collect(),
    })
}

/// Forgets a saved credential.
#[tauri::command]
pub fn forget_credential(state: State<'_, AppState>, name: String) -> Reply<CredentialList> {
    let n: CredentialName =
        name.parse()
            .map_err(|e: rolesync_secrets::UnknownCredentialName| {
                UiError::new(ErrorCode::Credentials, e.to_string())
            })?;
    signin::keyring()?
        .forget(n)
        .map_err(|e| UiError::new(ErrorCode::Credentials, e.to_string()))?;
    if n == CredentialName::Office365 {
        *AppState::lock(&state.session) = None;
    }
    tracing::info!(credential = %n, "credential forgotten");
    credentials()
}

fn settings_file(state: &AppState) -> PathBuf {
    settings::config_path(&state.global(), &rolesync_config::Paths::from_env())
}

/// The configuration file's text and whether it exists (the commented example's text when there
/// is no file yet, so a first save writes the example's comments around the form's values).
fn settings_text(file: &std::path::Path) -> Reply<(bool, String)> {
    match std::fs::read_to_string(file) {
        Ok(t) => Ok((true, t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok((false, rolesync_config::EXAMPLE.to_string()))
        }
        Err(e) => Err(io(format!("cannot read {}: {e}", file.display()))),
    }
}

/// The configuration file's values (the commented example's when there is no file yet).
#[tauri::command]
pub fn load_settings(state: State<'_, AppState>) -> Reply<SettingsState> {
    let file = settings_file(&state);
    let (exists, text) = settings_text(&file)?;
    let form = settings_form::form_of(&text);
    let (_, errors) = settings_form::validate(&file, &form, &text);
    Ok(SettingsState {
        file: file.display().to_string(),
        exists,
        form,
        errors,
        saved: false,
    })
}

/// Validates the form with the configuration crate; changes nothing.
#[tauri::command]
pub fn check_settings(state: State<'_, AppState>, form: SettingsForm) -> Reply<SettingsState> {
    let file = settings_file(&state);
    let (exists, text) = settings_text(&file)?;
    let (_, errors) = settings_form::validate(&file, &form, &text);
    Ok(SettingsState {
        exists,
        file: file.display().to_string(),
        form,
        errors,
        saved: false,
    })
}

/// Validates the form and writes the file only when it is valid: the form's keys are set in the
/// file as it is, so its comments and the keys the form does not show are kept.
#[tauri::command]
pub fn save_settings(state: State<'_, AppState>, form: SettingsForm) -> Reply<SettingsState> {
    let file = settings_file(&state);
    let (_, existing) = settings_text(&file)?;
    let (text, errors) = settings_form::validate(&file, &form, &existing);
    let saved = errors.is_empty();
    if saved {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            rolesync_protect::create_dir_all(dir).map_err(io)?;
        }
        rolesync_protect::write_atomic(&file, text.as_bytes()).map_err(io)?;
        tracing::info!(file = %file.display(), "configuration saved");
    }
    Ok(SettingsState {
        exists: file.exists(),
        file: file.display().to_string(),
        form,
        errors,
        saved,
    })
}

/// Registers, removes or shows the scheduled sync, as `rolesync schedule` does (`print`: only show
/// what would be done). Returns the command's output.
#[tauri::command]
pub fn schedule(
    state: State<'_, AppState>,
    action: String,
    at: Option<String>,
    every: Option<String>,
    run_as: Option<String>,
    print: bool,
) -> Reply<String> {
    use crate::cli::{Frequency, ScheduleCommand};
    let every = match every.as_deref() {
        Some("hour") => Frequency::Hour,
        _ => Frequency::Day,
    };
    let run_as = run_as.filter(|a| !a.trim().is_empty());
    let cmd = match action.as_str() {
        "install" => ScheduleCommand::Install {
            at: at.unwrap_or_default(),
            every,
            run_as,
            print,
        },
        "remove" => ScheduleCommand::Remove { print },
        "show" => ScheduleCommand::Show { print },
        other => {
            return Err(UiError::new(
                ErrorCode::Config,
                format!("unknown schedule action {other}"),
            ))
        }
    };
    let mut g = state.global();
    g.demo = state.demo;
    crate::schedule_cmd::execute(&g, cmd).map_err(UiError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_split_into_time_level_and_message() {
        let l = parse_log_line("2026-01-02T03:04:05.123456Z  INFO run started run_id=abc")
            .expect("parses");
        assert_eq!(l.time, "2026-01-02T03:04:05.123456Z");
        assert_eq!(l.level, "INFO");
        assert_eq!(l.message, "run started run_id=abc");
    }
}
