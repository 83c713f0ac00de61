#!/bin/sh
# Builds a two-DC Samba AD domain template for the Kerberos and DC-discovery tests (the Rust
# harness, src/samba/domain.rs, calls this, caches the result under the target dir and copies it
# per run into a network namespace of its own).
#
#   samba-domain.sh template DIR ADD.ldif MODIFY.ldif ADMINPASS
#
# DIR/dc1: CONTOSO.TEST provisioned with its KDC and its internal DNS (no forwarder: nothing
#          leaves the namespace), loaded with the test directory (ldbadd, server stopped).
# DIR/dc2: a second DC joined to dc1 (samba-tool domain join, DRS replication of everything).
# DNS:     A records dc1.contoso.test 127.0.0.1 and dc2.contoso.test 127.0.0.2, and an SRV record
#          _ldap._tcp.dc._msdcs.contoso.test per DC (priority 0, weight 100, as AD registers them).
# Kerberos: ldap/<dc> service principals on both DCs (samba_spnupdate); service accounts with
#          keytabs: svc-rolesync (DIR/svc.keytab), svc-gone (keytab kept, account deleted:
#          DIR/gone.keytab), svc-stale (keytab kept, password changed: DIR/stale.keytab).
# TLS:     one CA (DIR/tls/ca.crt) and a server certificate for both DCs' names and addresses.
# Both DCs run "ldap server require strong auth = allow_sasl_over_tls": Kerberos over LDAPS or
# StartTLS without a SASL layer, as Windows AD accepts it.
# The join needs dc1 running: it runs in a private network namespace, stopped by PID at the end.
set -eu
cmd=${1:?usage: samba-domain.sh template DIR ADD.ldif MODIFY.ldif ADMINPASS}
[ "$cmd" = template ] || { echo "unknown command $cmd" >&2; exit 2; }
DIR=$2 ADD=$3 MOD=$4 PASS=$5
REALM=CONTOSO.TEST
D1=$DIR/dc1 D2=$DIR/dc2 T=$DIR/tls
NS=rsbuild-$$
mkdir -p "$D1/run" "$D1/log" "$D2/run" "$D2/log" "$T"

SAMBA_PID= SAMBA2_PID=
cleanup() {
  set +e
  for p in $SAMBA_PID $SAMBA2_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 127.0.0.2/32 dev lo
in_ns() { ip netns exec "$NS" "$@"; }

dc_options() { # DIR ADDRESS
  echo "--option=interfaces=$2" "--option=bind interfaces only=yes" \
    "--option=server services=ldap cldap kdc dns rpc drepl" "--option=ldb:nosync=true" \
    "--option=pid directory=$1/run" "--option=ncalrpc dir=$1/run/ncalrpc" \
    "--option=winbindd socket directory=$1/run/winbindd" \
    "--option=ntp signd socket directory=$1/run/ntp_signd" "--option=log file=$1/log/log.%m"
}

in_ns samba-tool domain provision --realm=$REALM --domain=CONTOSO --server-role=dc \
  --dns-backend=SAMBA_INTERNAL --use-rfc2307 --host-name=dc1 --host-ip=127.0.0.1 \
  --adminpass="$PASS" --targetdir="$D1" \
  --option="interfaces=127.0.0.1" --option="bind interfaces only=yes" \
  --option="server services=ldap cldap kdc dns rpc drepl" --option="ldb:nosync=true" \
  --option="pid directory=$D1/run" --option="ncalrpc dir=$D1/run/ncalrpc" \
  --option="winbindd socket directory=$D1/run/winbindd" \
  --option="ntp signd socket directory=$D1/run/ntp_signd" \
  --option="log file=$D1/log/log.%m" >"$D1/log/provision.log" 2>&1 \
  || { cat "$D1/log/provision.log" >&2; exit 1; }

# A CA and a server certificate for both DCs (EC P-256: no slow RSA key generation).
openssl ecparam -name prime256v1 -genkey -noout -out "$T/ca.key" 2>/dev/null
openssl req -x509 -new -key "$T/ca.key" -sha256 -days 3650 -subj "/CN=RoleSync Test Domain CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$T/ca.crt" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/server.key" 2>/dev/null
openssl req -new -key "$T/server.key" -subj "/CN=dc1.contoso.test" -out "$T/server.csr" 2>/dev/null
cat >"$T/ext.cnf" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:dc1.contoso.test,DNS:dc2.contoso.test,IP:127.0.0.1,IP:127.0.0.2
EXT
openssl x509 -req -in "$T/server.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
  -days 3650 -sha256 -extfile "$T/ext.cnf" -out "$T/server.crt" 2>/dev/null
chmod 600 "$T/server.key" "$T/ca.key"

fix_conf() { # smb.conf: no DNS forwarder, Kerberos inside TLS, our certificate
  sed -i '/dns forwarder/d' "$1"
  sed -i "/^\[global\]/a\\
\tldap server require strong auth = allow_sasl_over_tls\\
\ttls enabled = yes\\
\ttls keyfile = $T/server.key\\
\ttls certfile = $T/server.crt\\
\ttls cafile = $T/ca.crt" "$1"
}
fix_conf "$D1/etc/smb.conf"
C1=--configfile=$D1/etc/smb.conf

# The directory, loaded while the server is stopped (see samba-dc.sh for batch_mode).
ldbadd --nosync --relax -o batch_mode:1 -H "$D1/private/sam.ldb" $C1 "$ADD" >"$D1/log/ldbadd.log" 2>&1 \
  || { tail -20 "$D1/log/ldbadd.log" >&2; exit 1; }
if [ -s "$MOD" ]; then
  ldbmodify --nosync -H "$D1/private/sam.ldb" $C1 "$MOD" >"$D1/log/ldbmodify.log" 2>&1 \
    || { tail -20 "$D1/log/ldbmodify.log" >&2; exit 1; }
fi

# Service accounts and their keytabs.
H1="-H $D1/private/sam.ldb"
for u in svc-rolesync svc-gone svc-stale; do
  samba-tool user create "$u" "Svc-$u-Pw1!" $H1 $C1 >/dev/null
done
samba-tool domain exportkeytab "$DIR/svc.keytab" --principal=svc-rolesync@$REALM $C1 >/dev/null 2>&1
samba-tool domain exportkeytab "$DIR/gone.keytab" --principal=svc-gone@$REALM $C1 >/dev/null 2>&1
samba-tool domain exportkeytab "$DIR/stale.keytab" --principal=svc-stale@$REALM $C1 >/dev/null 2>&1
samba-tool user delete svc-gone $H1 $C1 >/dev/null
samba-tool user setpassword svc-stale --newpassword="Svc-stale-Pw2!" $H1 $C1 >/dev/null

cat >"$DIR/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
[realms]
	$REALM = {
		kdc = 127.0.0.1
		kdc = 127.0.0.2
	}
[domain_realm]
	.contoso.test = $REALM
	contoso.test = $REALM
EOF

# Start dc1 (stdin from a FIFO we hold open: samba -i exits when its stdin closes).
mkfifo "$DIR/dc1.stdin"
in_ns samba -s "$D1/etc/smb.conf" -M single -i <"$DIR/dc1.stdin" >"$D1/log/samba.out" 2>&1 &
SAMBA_PID=$!
exec 8>"$DIR/dc1.stdin"
i=0
until in_ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/389 && exec 4<>/dev/tcp/127.0.0.1/53 && exec 5<>/dev/tcp/127.0.0.1/135' 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 1200 ] || { echo "dc1 did not start" >&2; cat "$D1/log/samba.out" >&2; exit 1; }
  kill -0 "$SAMBA_PID" 2>/dev/null || { echo "dc1 exited" >&2; cat "$D1/log/samba.out" >&2; exit 1; }
  sleep 0.1
done

export KRB5_CONFIG="$DIR/krb5.conf"
ADMIN="-U CONTOSO\\Administrator --password=$PASS"
dns() { # SERVER CONF ZONE NAME TYPE DATA
  dns_server=$1 dns_conf=$2; shift 2
  out=$(in_ns samba-tool dns add "$dns_server" "$@" --configfile="$dns_conf" $ADMIN 2>&1) \
    || { echo "dns add $* on $dns_server failed: $out" >&2; exit 1; }
}
dns 127.0.0.1 "$D1/etc/smb.conf" contoso.test dc1 A 127.0.0.1
in_ns samba_spnupdate $C1 >"$D1/log/spnupdate.log" 2>&1 || { cat "$D1/log/spnupdate.log" >&2; exit 1; }

in_ns samba-tool domain join contoso.test DC --server=127.0.0.1 $ADMIN --realm=$REALM \
  --dns-backend=SAMBA_INTERNAL --targetdir="$D2" \
  --option="netbios name=DC2" --option="interfaces=127.0.0.2" --option="bind interfaces only=yes" \
  --option="server services=ldap cldap kdc dns rpc drepl" --option="ldb:nosync=true" \
  --option="pid directory=$D2/run" --option="ncalrpc dir=$D2/run/ncalrpc" \
  --option="winbindd socket directory=$D2/run/winbindd" \
  --option="ntp signd socket directory=$D2/run/ntp_signd" \
  --option="log file=$D2/log/log.%m" >"$D2/log/join.log" 2>&1 \
  || { tail -30 "$D2/log/join.log" >&2; exit 1; }
fix_conf "$D2/etc/smb.conf"
in_ns samba_spnupdate --configfile="$D2/etc/smb.conf" >"$D2/log/spnupdate.log" 2>&1 \
  || { cat "$D2/log/spnupdate.log" >&2; exit 1; }

# dc2's records, in both DCs' DNS (the join drops records named for the joining DC, and no
# replication runs at test time): each DC's DNS answers for both.
mkfifo "$DIR/dc2.stdin"
in_ns samba -s "$D2/etc/smb.conf" -M single -i <"$DIR/dc2.stdin" >"$D2/log/samba.out" 2>&1 &
SAMBA2_PID=$!
exec 9>"$DIR/dc2.stdin"
i=0
until in_ns bash -c 'exec 3<>/dev/tcp/127.0.0.2/389 && exec 4<>/dev/tcp/127.0.0.2/53 && exec 5<>/dev/tcp/127.0.0.2/135' 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 1200 ] || { echo "dc2 did not start" >&2; cat "$D2/log/samba.out" >&2; kill $SAMBA2_PID; exit 1; }
  kill -0 "$SAMBA2_PID" 2>/dev/null || { echo "dc2 exited" >&2; cat "$D2/log/samba.out" >&2; exit 1; }
  sleep 0.1
done
for n in 1 2; do
  dns 127.0.0.$n "$DIR/dc$n/etc/smb.conf" contoso.test dc2 A 127.0.0.2
  dns 127.0.0.$n "$DIR/dc$n/etc/smb.conf" _msdcs.contoso.test _ldap._tcp.dc SRV "dc2.contoso.test 389 0 100"
done
exec 9>&-
wait "$SAMBA2_PID" 2>/dev/null || true
exec 8>&-
wait "$SAMBA_PID" 2>/dev/null || true
SAMBA_PID= SAMBA2_PID=
rm -f "$DIR/dc1.stdin" "$DIR/dc2.stdin"
# dc2's service principal in dc1's KDC too (samba_spnupdate wrote it to dc2's database only).
samba-tool spn add ldap/dc2.contoso.test 'DC2$' -H "$D1/private/sam.ldb" $C1 >/dev/null
# At test time each DC serves LDAP, Kerberos and DNS only.
for c in "$D1/etc/smb.conf" "$D2/etc/smb.conf"; do
  sed -i 's/^\tserver services = .*/\tserver services = ldap, kdc, dns/' "$c"
done
echo "domain template ready in $DIR"
