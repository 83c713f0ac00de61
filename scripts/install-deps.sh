#!/usr/bin/env bash
# Installs what building RoleSync needs on Debian/Ubuntu — and, with --test, what its tests need —
# installing only what is missing: the Rust toolchain (rustup, when cargo is missing) with rustfmt,
# clippy and the Windows cross target, Node.js + npm for the frontend (ui/), and the Debian
# packages below. Run as root or with sudo.
set -euo pipefail

# Building the app: the toolchain's C side, the desktop app (Tauri v2 on WebKitGTK 4.1), and
# integrated AD sign-in (ldap3's gssapi feature: MIT Kerberos headers, libclang for bindgen).
BUILD=(build-essential pkg-config ca-certificates curl python3 file
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev
  libkrb5-dev libclang-dev)
# Node.js for the frontend build, unless one is installed already (e.g. from NodeSource).
command -v npm >/dev/null 2>&1 || BUILD+=(nodejs npm)
# Real components the tests run against.
TEST=(
  systemd                                                   # systemd-analyze verify of the units
  samba-ad-dc samba-ad-provision ldb-tools ldap-utils openssl util-linux  # a Samba AD DC on loopback
  krb5-user libsasl2-modules-gssapi-mit iproute2 faketime      # Kerberos tools, the DCs' namespace, clock skew
  dbus-daemon gnome-keyring keyutils                        # Secret Service and kernel keyring
  python3-aiosmtpd                                          # an SMTP server
  gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wine64      # the Windows exe (and windmc, windres), Wine
  wixl msitools osslsigncode                                # the MSI (wixl, msibuild, msiinfo), Authenticode
  xvfb xauth webkit2gtk-driver                              # the desktop app under WebDriver
  iproute2 python3-venv                                     # Microsoft's names in a network namespace; their Python clients
)

want=("${BUILD[@]}")
windows=0
if [ "${1:-}" = "--test" ]; then
  want+=("${TEST[@]}")
  windows=1
fi

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] || curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if command -v rustup >/dev/null 2>&1; then
  installed=$(rustup component list --installed 2>/dev/null || true)
  grep -q '^rustfmt' <<<"$installed" || rustup component add rustfmt
  grep -q '^clippy' <<<"$installed" || rustup component add clippy
  if [ $windows = 1 ]; then
    rustup target list --installed | grep -q '^x86_64-pc-windows-gnu$' || rustup target add x86_64-pc-windows-gnu
  fi
fi

# Microsoft's own clients (MSAL for Python, azure-identity, the Graph SDK for Python), pinned, in a
# private virtual environment the tests use (tests/real_endpoints/ms_clients.rs); made again only
# when tests/msclients/requirements.txt changes.
if [ "${1:-}" = "--test" ]; then
  root=$(cd "$(dirname "$0")/.." && pwd)
  venv="$root/target/msclients-venv"
  req="$root/tests/msclients/requirements.txt"
  stamp="$venv/requirements.sha256"
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "install-deps: Microsoft's Python clients into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
    echo "$want" >"$stamp"
  fi
fi
