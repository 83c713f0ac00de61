#!/usr/bin/env bash
# Builds RoleSync's Windows installer: target/installer/RoleSync-<version>-x64.msi, a per-machine
# MSI for Intune, Configuration Manager and Group Policy (installer/rolesync.wxs, built with
# msitools' wixl), around the release exe cross-compiled for x86_64-pc-windows-gnu and the Event
# Log message file rolesync-messages.dll (installer/rolesync-messages.mc, windmc + windres).
# The last line of output is the MSI's path.
#
# Authenticode: with a certificate, the exe, the message file and the MSI are signed (osslsigncode):
#   ROLESYNC_SIGN_PFX=<code signing certificate and key, .pfx/.p12>
#   ROLESYNC_SIGN_PASSWORD=<its password>   (or ROLESYNC_SIGN_PASSWORD_FILE=<file holding it>)
#   or ROLESYNC_SIGN_CERT=<certificate chain, PEM> with ROLESYNC_SIGN_KEY=<private key, PEM>
#   ROLESYNC_SIGN_TIMESTAMP_URL=<RFC 3161 time-stamping server>: a release needs one, so that the
#     signatures stay valid after the certificate expires
#   ROLESYNC_SIGN_REQUIRED=1: fail when no certificate (or no time-stamping server) is given
#     (release pipelines); without it an unsigned build says so and goes on.
# EXE=<path> packs that exe (and the WebView2Loader.dll beside it) instead of building one (the
# tests pack the debug exe); VERSION=<x.y.z> overrides Cargo.toml's version; OUT=<dir> puts the MSI
# elsewhere than target/installer.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)}
out=${OUT:-target/installer}
mkdir -p "$out"
out=$(realpath "$out")

signing=none
if [ -n "${ROLESYNC_SIGN_PFX:-}" ]; then
  signing=pfx
elif [ -n "${ROLESYNC_SIGN_CERT:-}" ] || [ -n "${ROLESYNC_SIGN_KEY:-}" ]; then
  [ -n "${ROLESYNC_SIGN_CERT:-}" ] && [ -n "${ROLESYNC_SIGN_KEY:-}" ] ||
    { echo "build-installer: set both ROLESYNC_SIGN_CERT and ROLESYNC_SIGN_KEY" >&2; exit 2; }
  signing=pem
fi
if [ "${ROLESYNC_SIGN_REQUIRED:-}" = 1 ]; then
  [ $signing != none ] || { echo "build-installer: ROLESYNC_SIGN_REQUIRED=1 but no certificate: set ROLESYNC_SIGN_PFX (and ROLESYNC_SIGN_PASSWORD) or ROLESYNC_SIGN_CERT and ROLESYNC_SIGN_KEY" >&2; exit 2; }
  [ -n "${ROLESYNC_SIGN_TIMESTAMP_URL:-}" ] || { echo "build-installer: ROLESYNC_SIGN_REQUIRED=1 but no ROLESYNC_SIGN_TIMESTAMP_URL: a release signature needs a time stamp" >&2; exit 2; }
fi

if [ -z "${EXE:-}" ]; then
  scripts/install-deps.sh --test
  (cd ui && npm ci --no-audit --no-fund && npm run build)
  cargo build --release --locked --target x86_64-pc-windows-gnu --bin rolesync
  EXE=target/x86_64-pc-windows-gnu/release/rolesync.exe
fi

stage=$(mktemp -d "$out/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp "$EXE" "$stage/rolesync.exe"
loader="$(dirname "$EXE")/WebView2Loader.dll"
[ -f "$loader" ] || { echo "build-installer: $loader is missing (the windows-gnu build puts it beside the exe)" >&2; exit 2; }
cp "$loader" "$stage/WebView2Loader.dll"
cp config/rolesync.example.toml "$stage/rolesync.example.toml"

# The Event Log message file: a resource-only DLL whose message table maps every event id to "%1".
x86_64-w64-mingw32-windmc -h "$stage" -r "$stage" installer/rolesync-messages.mc
(cd "$stage" && x86_64-w64-mingw32-windres -i rolesync-messages.rc -o rolesync-messages.o)
x86_64-w64-mingw32-gcc -shared -nostdlib -s -Wl,-e,0 -Wl,--no-insert-timestamp \
  -o "$stage/rolesync-messages.dll" "$stage/rolesync-messages.o"

sign() {
  local file=$1 args=(sign -h sha256 -n RoleSync)
  case $signing in
    none) return 0 ;;
    pfx) args+=(-pkcs12 "$ROLESYNC_SIGN_PFX")
      if [ -n "${ROLESYNC_SIGN_PASSWORD_FILE:-}" ]; then args+=(-readpass "$ROLESYNC_SIGN_PASSWORD_FILE")
      elif [ -n "${ROLESYNC_SIGN_PASSWORD:-}" ]; then
        # The password goes through a private file, never on a command line.
        (umask 077 && printf '%s' "$ROLESYNC_SIGN_PASSWORD" >"$stage/.pass")
        args+=(-readpass "$stage/.pass")
      fi ;;
    pem) args+=(-certs "$ROLESYNC_SIGN_CERT" -key "$ROLESYNC_SIGN_KEY") ;;
  esac
  [ -n "${ROLESYNC_SIGN_TIMESTAMP_URL:-}" ] && args+=(-ts "$ROLESYNC_SIGN_TIMESTAMP_URL")
  osslsigncode "${args[@]}" -in "$file" -out "$file.signed" >/dev/null
  mv "$file.signed" "$file"
}
sign "$stage/rolesync.exe"
sign "$stage/rolesync-messages.dll"

msi="$out/RoleSync-$version-x64.msi"
rm -f "$msi"
cp icons/icon.ico "$stage/rolesync.ico"
# wixl takes source paths relative to the folder it runs in.
(cd "$stage" && wixl -a x64 -D Version="$version" -D SourceDir=. -D IconFile=rolesync.ico \
  -o "$msi" "$OLDPWD/installer/rolesync.wxs")
# What wixl cannot express (it rejects Permission/PermissionEx and ignores Permanent):
# - %ProgramData%\RoleSync gets a protected ACL: SYSTEM and Administrators, full control, inherited
#   by everything in it; Administrators own it (MsiLockPermissionsEx, Windows Installer 5);
# - its component is permanent (0x10), so removing RoleSync keeps the configuration and logs;
# - the Event Log source's EventMessageFile is REG_EXPAND_SZ ("#%" prefix), as Windows expects.
msibuild "$msi" \
  -q "CREATE TABLE \`MsiLockPermissionsEx\` (\`MsiLockPermissionsEx\` CHAR(72) NOT NULL, \`LockObject\` CHAR(72) NOT NULL, \`Table\` CHAR(32) NOT NULL, \`SDDLText\` LONGCHAR NOT NULL, \`Condition\` CHAR(255) PRIMARY KEY \`MsiLockPermissionsEx\`)" \
  -q "INSERT INTO \`MsiLockPermissionsEx\` (\`MsiLockPermissionsEx\`, \`LockObject\`, \`Table\`, \`SDDLText\`) VALUES ('ProgramDataRoleSync', 'DATADIR', 'CreateFolder', 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)')" \
  -q "UPDATE \`Component\` SET \`Attributes\` = 272 WHERE \`Component\` = 'DataFolder'" \
  -q "UPDATE \`Registry\` SET \`Value\` = '#%[INSTALLDIR]rolesync-messages.dll' WHERE \`Name\` = 'EventMessageFile'"
sign "$msi"
[ $signing = none ] && echo "build-installer: not signed (set ROLESYNC_SIGN_PFX or ROLESYNC_SIGN_CERT/ROLESYNC_SIGN_KEY to sign)" >&2
echo "$msi"
