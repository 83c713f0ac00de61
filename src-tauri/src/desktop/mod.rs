//! The desktop app (Tauri v2). `rolesync` without a command opens the window; headless commands
//! never get here. The window is a thin shell: every command below calls the functions the CLI
//! uses (settings, backends, the shared runner, the secrets crate's prompting rule, the
//! configuration crate's validation) and errors reach the window as `{code, message}`.

mod commands;
mod interaction;
mod prompts;
mod settings_form;
mod signin;
pub mod types;

use crate::cli::{exit, Global};
use crate::settings;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Notify;

/// What the window's commands share.
pub struct AppState {
    /// `--config`, when given.
    config: Option<PathBuf>,
    /// Demo mode: `--demo`, or no configuration file.
    demo: bool,
    /// Why demo mode is on.
    demo_reason: Option<String>,
    /// Open questions of the current run.
    pending: Arc<prompts::Pending>,
    /// The current run's cancel signal; `Some` while a run is in progress.
    running: Mutex<Option<Arc<Notify>>>,
    /// The sign-in of an earlier run, for "apply" from the preview.
    session: Mutex<Option<signin::Session>>,
}

impl AppState {
    /// The global options every command of the CLI would see.
    fn global(&self) -> Global {
        Global {
            config: self.config.clone(),
            json: false,
            demo: self.demo,
            quiet: false,
        }
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether there is a display to open a window on (X11 or Wayland on Linux and the BSDs; always
/// on Windows and macOS).
fn display_available() -> bool {
    if cfg!(any(windows, target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

/// Opens the window and runs until it closes; returns the exit code.
pub fn open(global: &Global) -> u8 {
    if !display_available() {
        eprintln!(
            "error: there is no display to open the RoleSync window on; run a command instead \
             (`rolesync sync`, `rolesync plan`, … — see `rolesync --help`)"
        );
        return exit::USAGE;
    }
    let paths = rolesync_config::Paths::from_env();
    let file = settings::config_path(global, &paths);
    let (demo, demo_reason) = if global.demo {
        (true, Some("started with --demo".to_string()))
    } else if !file.exists() {
        (
            true,
            Some(format!(
                "no configuration at {}; create one on the Settings page",
                file.display()
            )),
        )
    } else {
        (false, None)
    };
    let state = AppState {
        config: global.config.clone(),
        demo,
        demo_reason,
        pending: Arc::default(),
        running: Mutex::new(None),
        session: Mutex::new(None),
    };
    // Logging as for the CLI: the daily file in the log folder (an invalid configuration still
    // opens the window, which shows the problem).
    let log_dir = settings::load(&state.global(), true)
        .map(|s| (s.log_dir(), s.config.logging.level.clone()))
        .unwrap_or_else(|_| (paths.log_dir.clone(), "info".into()));
    let _guard = crate::logging::init(&log_dir.0, &log_dir.1, false)
        .map_err(|e| eprintln!("warning: {e}"))
        .ok();
    tracing::info!(demo, "window opened");

    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        tauri::Builder::default()
            .plugin(tauri_plugin_dialog::init())
            .manage(state)
            .invoke_handler(tauri::generate_handler![
                commands::app_info,
                commands::start_run,
                commands::answer_prompt,
                commands::cancel_run,
                commands::history,
                commands::logs,
                commands::export_logs,
                commands::credentials,
                commands::forget_credential,
                commands::load_settings,
                commands::check_settings,
                commands::save_settings,
                commands::schedule,
            ])
            .run(tauri::generate_context!())
    }));
    match result {
        Ok(Ok(())) => exit::OK,
        Ok(Err(e)) => {
            eprintln!("error: cannot open the window: {e}");
            exit::USAGE
        }
        Err(_) => {
            eprintln!("error: cannot open the window (see above); headless commands still work, see `rolesync --help`");
            exit::USAGE
        }
    }
}
