#!/usr/bin/env bash
# Builds the 64-bit Windows installer: the release exe cross-compiled for x86_64-pc-windows-gnu,
# packed with makensis into target/installer/RoleSync-<version>-setup.exe.
# EXE=<path> packs a given exe instead of building one (the tests pack the debug exe).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
out=target/installer
mkdir -p "$out"
if [ -z "${EXE:-}" ]; then
  scripts/install-deps.sh --test
  (cd ui && npm ci --no-audit --no-fund && npm run build)
  cargo build --release --locked --target x86_64-pc-windows-gnu --bin rolesync
  EXE=target/x86_64-pc-windows-gnu/release/rolesync.exe
fi
exe_dir=$(dirname "$EXE")
args=(-V2 -DEXE="$(realpath "$EXE")" -DVERSION="$version" -DOUTFILE="$(realpath "$out")/RoleSync-$version-setup.exe")
[ -f "$exe_dir/WebView2Loader.dll" ] && args+=(-DWEBVIEW2LOADER="$(realpath "$exe_dir/WebView2Loader.dll")")
makensis "${args[@]}" installer/rolesync.nsi
echo "$out/RoleSync-$version-setup.exe"
