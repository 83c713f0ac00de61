#!/usr/bin/env bash
# Installs what building and testing RoleSync needs on Debian/Ubuntu: the Rust toolchain (rustup,
# when cargo is missing), rustfmt and clippy, and the Debian packages listed below. Idempotent:
# installs only what is missing. Run as root or with sudo available. The desktop app (Tauri v2)
# needs WebKitGTK and friends to build, Xvfb and WebKitWebDriver for its end-to-end tests, and
# Node.js + npm to build its frontend (ui/).
set -euo pipefail

APT_PACKAGES=(build-essential pkg-config ca-certificates curl python3 file
  # desktop: build (Tauri v2 on WebKitGTK 4.1)
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  # desktop: end-to-end tests (a virtual display and the WebDriver server)
  xvfb xauth webkit2gtk-driver
  # secrets: the Secret Service client links libdbus
  libdbus-1-dev)
# Node.js for the frontend build, unless one is installed already (e.g. from NodeSource).
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}" "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] || curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
fi
