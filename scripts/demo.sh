#!/usr/bin/env bash
# Builds RoleSync and runs its main job, a sync, on the built-in demo directory and tenant.
# Run it again: the demo tenant remembers the first run, so the second finds nothing to do.
# `target/release/rolesync demo reset` starts the demo over. Extra arguments go to `rolesync sync`.
# `target/release/rolesync` without arguments opens the desktop window on the same demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
(cd ui && npm ci --no-audit --no-fund && npm run build)
cargo build --release --locked --bin rolesync
exec target/release/rolesync sync --demo "$@"
