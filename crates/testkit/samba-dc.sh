#!/bin/sh
# Builds a Samba AD DC template directory for the LDAP tests (the Rust harness calls this, caches
# the result under the target dir, and copies it per run).
#
#   samba-dc.sh template DIR ADD.ldif MODIFY.ldif ADMINPASS
#
# Provisions CONTOSO.TEST into DIR (all state inside DIR; only the ldap service), creates a test
# CA and a server certificate (SAN IP:127.0.0.1, .2, .4, .5, DNS:localhost; not .3, which the
# tests use as a name the certificate does not cover) in DIR/tls, and loads the directory with
# ldbadd/ldbmodify while the server is stopped (with the relax control, so that a directory may
# bring its own objectGUID and objectSid values).
set -eu
cmd=${1:?usage: samba-dc.sh template DIR ADD.ldif MODIFY.ldif ADMINPASS}
[ "$cmd" = template ] || { echo "unknown command $cmd" >&2; exit 2; }
DIR=$2 ADD=$3 MOD=$4 PASS=$5
mkdir -p "$DIR/run" "$DIR/log" "$DIR/tls"

samba-tool domain provision --realm=CONTOSO.TEST --domain=CONTOSO --server-role=dc \
  --dns-backend=NONE --use-rfc2307 --host-name=dc1 --host-ip=127.0.0.1 \
  --adminpass="$PASS" --targetdir="$DIR" \
  --option="interfaces=127.0.0.1" --option="bind interfaces only=yes" \
  --option="server services=ldap" --option="ldb:nosync=true" \
  --option="pid directory=$DIR/run" --option="ncalrpc dir=$DIR/run/ncalrpc" \
  --option="winbindd socket directory=$DIR/run/winbindd" \
  --option="ntp signd socket directory=$DIR/run/ntp_signd" \
  --option="log file=$DIR/log/log.%m" >"$DIR/log/provision.log" 2>&1 \
  || { cat "$DIR/log/provision.log" >&2; exit 1; }

# A CA and a server certificate signed by it (EC P-256: no slow RSA key generation).
T=$DIR/tls
openssl ecparam -name prime256v1 -genkey -noout -out "$T/ca.key" 2>/dev/null
openssl req -x509 -new -key "$T/ca.key" -sha256 -days 3650 -subj "/CN=RoleSync Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$T/ca.crt" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/server.key" 2>/dev/null
openssl req -new -key "$T/server.key" -subj "/CN=dc1.contoso.test" -out "$T/server.csr" 2>/dev/null
cat >"$T/ext.cnf" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.4,IP:127.0.0.5,DNS:localhost,DNS:dc1.contoso.test
EXT
openssl x509 -req -in "$T/server.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
  -days 3650 -sha256 -extfile "$T/ext.cnf" -out "$T/server.crt" 2>/dev/null
chmod 600 "$T/server.key" "$T/ca.key"
# A second, unrelated CA (for "wrong CA" tests).
openssl ecparam -name prime256v1 -genkey -noout -out "$T/other-ca.key" 2>/dev/null
openssl req -x509 -new -key "$T/other-ca.key" -sha256 -days 3650 -subj "/CN=Unrelated CA" \
  -out "$T/other-ca.crt" 2>/dev/null

sed -i "/^\[global\]/a\\
\ttls enabled = yes\\
\ttls keyfile = $T/server.key\\
\ttls certfile = $T/server.crt\\
\ttls cafile = $T/ca.crt" "$DIR/etc/smb.conf"

# batch_mode: one transaction without a sub-transaction per entry (each sub-transaction commit
# copies every index list the entry touches, so a plain load is quadratic: 20 ms an entry at
# 8,000 users, growing; with batch_mode 1 ms). Any failed add aborts the whole load.
ldbadd --nosync --relax -o batch_mode:1 -H "$DIR/private/sam.ldb" --configfile="$DIR/etc/smb.conf" "$ADD" >"$DIR/log/ldbadd.log" 2>&1 \
  || { tail -20 "$DIR/log/ldbadd.log" >&2; exit 1; }
if [ -s "$MOD" ]; then
  ldbmodify --nosync -H "$DIR/private/sam.ldb" --configfile="$DIR/etc/smb.conf" "$MOD" >"$DIR/log/ldbmodify.log" 2>&1 \
    || { tail -20 "$DIR/log/ldbmodify.log" >&2; exit 1; }
fi
echo "template ready in $DIR"
