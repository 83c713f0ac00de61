#!/usr/bin/env bash
# Installs what the tests need and runs every test: formatting, clippy, the Windows exe
# (cross-built, then tested under Wine), and the whole workspace's unit, integration and
# end-to-end tests against real servers. CI runs exactly this (.ci/run). The frontend (ui/) is
# built first: the binary embeds ui/dist. The desktop's WebDriver tests (tests/desktop/) start
# their own Xvfb when DISPLAY is unset, and WebKitWebDriver; both are stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$PATH"

echo "== ui: npm ci && npm run build" >&2
(cd ui && npm ci --no-audit --no-fund && npm run build)
echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== the Windows exe (x86_64-pc-windows-gnu)" >&2
cargo build --locked --target x86_64-pc-windows-gnu --bin rolesync
export ROLESYNC_WINDOWS_EXE="${CARGO_TARGET_DIR:-$PWD/target}/x86_64-pc-windows-gnu/debug/rolesync.exe"
echo "== cargo test" >&2
cargo test --workspace --locked --no-fail-fast
