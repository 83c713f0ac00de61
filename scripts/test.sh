#!/usr/bin/env bash
# Installs what the tests need and runs every test: formatting, clippy, then the whole workspace's
# unit, integration and end-to-end tests. CI runs exactly this (.ci/run). The frontend (ui/) is
# built first: the binary embeds ui/dist. The desktop's WebDriver tests (tests/desktop/) start
# their own Xvfb when DISPLAY is unset, and WebKitWebDriver; both are stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"

echo "== ui: npm ci && npm run build" >&2
(cd ui && npm ci --no-audit --no-fund && npm run build)
echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test" >&2
cargo test --workspace --locked --no-fail-fast
