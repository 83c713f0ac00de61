//! The desktop app (Tauri v2). `rolesync` without a command opens the window; headless commands
//! never get here. The window is a thin shell: its commands ([`commands`]) pass their arguments
//! to the application's window session (`rolesync_app::Session`) and errors reach the window as
//! `{code, message}`.

mod commands;
#[cfg(target_os = "linux")]
mod webview_linux;

use rolesync_app::{App, Session};
use rolesync_core::exit::ExitCode;

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
pub fn open(app: App, demo: bool) -> ExitCode {
    if !display_available() {
        eprintln!(
            "error: there is no display to open the RoleSync window on; run a command instead \
             (`rolesync sync`, `rolesync plan`, … — see `rolesync --help`)"
        );
        return ExitCode::Usage;
    }
    let session = Session::open(app, demo);
    let _log = session
        .start_logging()
        .map_err(|e| eprintln!("warning: {e}"))
        .ok();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || serve(session))) {
        Ok(Ok(())) => ExitCode::Done,
        Ok(Err(e)) => {
            eprintln!("error: cannot open the window: {e}");
            ExitCode::Usage
        }
        Err(_) => {
            eprintln!("error: cannot open the window (see above); headless commands still work, see `rolesync --help`");
            ExitCode::Usage
        }
    }
}

/// Runs the window over `session` until it closes.
fn serve(session: Session) -> tauri::Result<()> {
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(session);
    #[cfg(target_os = "linux")]
    let builder = builder.setup(|app| {
        if let Some(window) = tauri::Manager::get_webview_window(app, "main") {
            webview_linux::tune(&window);
        }
        Ok(())
    });
    builder
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::start_run,
            commands::answer_prompt,
            commands::cancel_run,
            commands::history,
            commands::approvals,
            commands::approve,
            commands::reject,
            commands::undo,
            commands::run_details,
            commands::logs,
            commands::exposure,
            commands::export_logs,
            commands::credentials,
            commands::forget_credential,
            commands::save_credential,
            commands::load_settings,
            commands::check_settings,
            commands::save_settings,
            commands::schedule,
            commands::setup_start,
            commands::setup_directory,
            commands::setup_tenant,
            commands::setup_certificate,
            commands::setup_verify,
            commands::setup_save,
        ])
        .run(tauri::generate_context!())
}
