#!/bin/sh
# Installs what the Samba AD DC test harness needs (idempotent; Debian/Ubuntu).
# samba-ad-provision holds the schema and must be named explicitly.
set -eu
PKGS="samba-ad-dc samba-ad-provision ldb-tools ldap-utils"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "install-samba: all of $PKGS already installed"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-samba: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
