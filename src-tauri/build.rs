//! Build script: embeds `tauri.conf.json` (at the repository root, next to the package manifest)
//! and the capabilities in `src-tauri/capabilities/`.

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*"),
    )
    .expect("failed to run tauri-build");
}
