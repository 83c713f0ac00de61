#!/bin/sh
# Installs what the rolesync-secrets tests need on Debian/Ubuntu. Idempotent: installs only
# missing packages. Run as root (CI runs as root). Building needs nothing: libdbus is vendored
# (keyring feature `vendored`, compiled with cc).
#   dbus-daemon               tests: dbus-run-session for a private session bus
#   gnome-keyring             tests: the Secret Service provider
#   keyutils                  optional: `keyctl` to inspect the kernel keyring by hand
set -eu
want="dbus-daemon gnome-keyring keyutils"
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "rolesync-secrets: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
