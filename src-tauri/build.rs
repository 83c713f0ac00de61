//! Build script: embeds `tauri.conf.json` (at the repository root, next to the package manifest)
//! and the capabilities in `src-tauri/capabilities/`.
//!
//! The window's files come from `ui/dist` (`npm ci && npm run build` in `ui/`; the scripts do it).
//! When they are missing, a placeholder page that says so is written there, so that the headless
//! CLI still builds and tests without Node.js.

use std::path::Path;

const PLACEHOLDER: &str =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>RoleSync</title></head>\
<body style=\"font-family:sans-serif;padding:2em\"><h1>RoleSync</h1><p>This build has no window \
frontend: run <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>, then build again. \
The commands (<code>rolesync --help</code>) work without it.</p></body></html>\n";

fn main() {
    let index = Path::new("ui/dist/index.html");
    if !index.exists() {
        println!(
            "cargo:warning=ui/dist is missing: the window shows a placeholder; run `npm ci && npm run build` in ui/"
        );
        std::fs::create_dir_all("ui/dist").expect("create ui/dist");
        std::fs::write(index, PLACEHOLDER).expect("write the placeholder page");
    }
    println!("cargo:rerun-if-changed=ui/dist/index.html");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*"),
    )
    .expect("failed to run tauri-build");
}
