#!/bin/sh
# Runs a command (default: the rolesync-secrets tests) inside a private D-Bus session with an
# unlocked gnome-keyring whose files live in a temporary directory, so the Secret Service is
# reachable and the user's own keyring is never touched. The tests also do this by themselves
# for the Secret Service suite; this script is for running anything else against it by hand:
#   crates/secrets/tests/with-keyring.sh cargo test -p rolesync-secrets
set -eu
[ $# -gt 0 ] || set -- cargo test -p rolesync-secrets
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/run"
chmod 700 "$tmp/run"
XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run" ROLESYNC_TEST_IN_KEYRING_SESSION=1 \
    dbus-run-session -- sh -c '
        printf %s rolesync-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        exec "$@"' sh "$@"
