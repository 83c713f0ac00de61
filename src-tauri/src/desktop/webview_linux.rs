//! The window's WebKitGTK settings on Linux. RoleSync's pages are forms, tables and one chart:
//! nothing in them asks for GPU compositing, yet WebKitGTK composites every page by default and
//! keeps a backing store for each layer (sticky bars, the scrolled document). Drawing without it
//! took the Setup page's idle memory from 297.6 MB to 224.3 MB (release builds,
//! `benches/window_memory.rs`: 0.87× a minimal Tauri app against the 1.2× budget of issue 16).
//! `ROLESYNC_WEBVIEW_COMPOSITING=1` keeps WebKitGTK's default (a diagnosis switch).

use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};

/// The environment variable that keeps WebKitGTK's default (compositing) policy.
const KEEP_COMPOSITING: &str = "ROLESYNC_WEBVIEW_COMPOSITING";

/// Switches the window's web view to drawing without GPU compositing (see the module docs).
pub fn tune(window: &tauri::WebviewWindow) {
    if std::env::var_os(KEEP_COMPOSITING).is_some_and(|v| v == "1") {
        return;
    }
    let result = window.with_webview(|webview| {
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(e) = result {
        tracing::debug!("could not change the web view's settings: {e}");
    }
}
