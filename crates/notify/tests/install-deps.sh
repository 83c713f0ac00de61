#!/bin/sh
# Installs what the rolesync-notify tests need on Debian/Ubuntu. Idempotent: installs only
# missing packages. Run as root (CI runs as root).
#   python3-aiosmtpd   the real SMTP server the tests start (tests/smtp_server.py), run with
#                      /usr/bin/python3 (override with ROLESYNC_TEST_PYTHON)
# TLS test certificates are made in Rust (rcgen); nothing else is needed.
set -eu
want="python3 python3-aiosmtpd"
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "rolesync-notify: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
