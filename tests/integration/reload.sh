#!/usr/bin/env bash
# Logs and reload: lines in logfmt by default (request, node, project), JSON
# by setting; SIGHUP applies a new [log] level and format and new
# http_basic users and roles at once, leaves everything else, and a file
# that does not parse changes nothing.  Then a second ingotd, with TLS and
# an ovsdb switch on a real ovsdb-server listening on two sockets: SIGHUP
# moves the switch to the other socket (the first one is closed after: the
# next port change must use the new address) with a new isolation VLAN, and
# serves a new certificate (openssl s_client sees it); a reload whose
# certificate does not match its key, and whose switch changes its
# switch_id, keeps the old certificate and switch settings.
. "$(dirname "$0")/../lib/lib.sh"

hash() {	# USER... -> htpasswd lines (bcrypt, low cost: a test)
	/usr/bin/python3 -W ignore -c 'import crypt, sys
for u in sys.argv[1:]:
    print(u + ":" + crypt.crypt("pw-" + u, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' "$@"
}
hash alice >"$T/htpasswd"
printf 'alice system admin\n' >"$T/roles"
write_conf() {	# LEVEL FORMAT
	printf '[log]\nlevel = %s\nformat = %s\n[auth]\nstrategy = http_basic\nhtpasswd_file = %s\nroles_file = %s\n' \
	    "$1" "$2" "$T/htpasswd" "$T/roles" >"$T/ingotd.conf"
}
write_conf info logfmt
ingot_start --config "$T/ingotd.conf" || exit 1
as() { curl -s -o /dev/null -w '%{http_code}' -u "$1:pw-$1" -H 'X-OpenStack-Ironic-API-Version: 1.81' "$INGOT_URL$2"; }
lines() { wc -l <"$T/ingotd.log"; }

expect_eq "alice is a user" 200 "$(as alice /v1/nodes)"
expect_eq "carol is not a user" 401 "$(as carol /v1/nodes)"
ok "lines are logfmt: ts, level, msg" grep -Eq '^ts=[0-9T:.-]+Z level=info .*msg="' "$T/ingotd.log"
ok "a request's lines carry its id" grep -Eq '^ts=[^ ]+ level=info request=req-[0-9a-f-]+ msg="HTTP 401' "$T/ingotd.log"
ok "no debug line at level info" sh -c "! grep -q 'level=debug' '$T/ingotd.log'"

# New users and roles, level debug, format json: SIGHUP.
hash bob >>"$T/htpasswd"
sed -i '/^alice:/d' "$T/htpasswd"
printf 'bob system reader\n' >"$T/roles"
write_conf debug json
n=$(lines)
kill -HUP "$INGOTD_PID"
ok "SIGHUP says what it reloaded" wait_until 60 \
	"tail -n +$((n + 1)) '$T/ingotd.log' | grep -q 'SIGHUP: reloaded \\[log\\] level debug, format json, the htpasswd and roles files'"
expect_eq "bob is a user now" 200 "$(as bob /v1/nodes)"
expect_eq "... with his role: a reader may not create" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' -u bob:pw-bob -X POST -H 'Content-Type: application/json' \
	    -d '{"driver":"fake-hardware"}' "$INGOT_URL/v1/nodes")"
expect_eq "alice is gone" 401 "$(as alice /v1/nodes)"
n=$(lines)
as bob /v1/nodes >/dev/null
ok "lines are JSON objects now" sh -c "tail -n +$((n + 1)) '$T/ingotd.log' | jq -e -s 'length > 0 and all(.ts and .level and .msg)' >/dev/null"
ok "debug lines appear" sh -c "tail -n +$((n + 1)) '$T/ingotd.log' | jq -e -s 'any(.level == \"debug\")' >/dev/null"

# A file that does not parse: nothing changes.
printf '[log\nlevel = error\n' >"$T/ingotd.conf"
n=$(lines)
kill -HUP "$INGOTD_PID"
ok "a broken file is refused, in the log" wait_until 60 \
	"tail -n +$((n + 1)) '$T/ingotd.log' | grep -q 'configuration not reloaded'"
expect_eq "bob still authenticates" 200 "$(as bob /v1/nodes)"
# A roles file naming an unknown user: the users stay as they were.
write_conf debug json
printf 'bob system reader\nmallory system admin\n' >"$T/roles"
n=$(lines)
kill -HUP "$INGOTD_PID"
ok "a bad roles file is refused" wait_until 60 \
	"tail -n +$((n + 1)) '$T/ingotd.log' | grep -q 'the users were not reloaded'"
expect_eq "bob still authenticates after it" 200 "$(as bob /v1/nodes)"
ok "ingotd is still up" kill -0 "$INGOTD_PID"
ok "no password in the log" sh -c "! grep -q 'pw-' '$T/ingotd.log'"
ingot_stop

# --- the switches' settings and the TLS certificate ------------------------
OVS=$T/ovs
mkdir -p "$OVS"
stop_ovsdb() { [ -f "$OVS/pid" ] && kill "$(cat "$OVS/pid")" 2>/dev/null; return 0; }
trap 'stop_ovsdb; _cleanup' EXIT
ovsdb-tool create "$OVS/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$OVS/conf.db" --remote=punix:"$OVS/a.sock" --remote=punix:"$OVS/b.sock" \
	--unixctl="$OVS/ctl" --pidfile="$OVS/pid" --detach --log-file="$OVS/ovsdb.log"
ovs-vsctl --db=unix:"$OVS/a.sock" --no-wait init -- add-br br0 -- add-port br0 p1 \
	-- add-port br0 p2 -- add-port br0 p3
tag() { ovs-vsctl --db=unix:"$OVS/b.sock" get port "$1" tag; }
pki() {	# a CA and two server certificates for 127.0.0.1 (CN one, two)
	cd "$T" && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
		-days 2 -subj /CN=reload-ca 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >srv.ext
	for n in one two; do
		openssl req -newkey rsa:2048 -nodes -keyout "$n.key" -out "$n.csr" \
			-subj "/CN=ingot-$n" 2>/dev/null &&
		openssl x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out "$n.pem" -days 2 -extfile srv.ext 2>/dev/null || return 1
	done
}
ok "a CA and two certificates" pki
cp "$T/one.pem" "$T/tls.pem"; cp "$T/one.key" "$T/tls.key"
tls_conf() {	# SOCKET ISOLATION-VLAN SWITCH-ID KEY
	printf '[api]\ntls_cert_file = %s\ntls_key_file = %s\n[switch:tor1]\ndriver = ovsdb\naddress = unix:%s\nswitch_id = %s\nbridge = br0\nports = p1, p2, p3\nisolation_vlan = %s\ntimeout_ms = 2000\nretries = 1\n' \
	    "$T/tls.pem" "$4" "$OVS/$1" "$3" "$2" >"$T/tls.conf"
}
tls_conf a.sock 4000 52:54:00:ff:00:31 "$T/tls.key"
PORT2=$(free_port)
URL2=https://127.0.0.1:$PORT2
"$INGOTD" --config "$T/tls.conf" --listen "127.0.0.1:$PORT2" --db "$T/tls.db" \
	--log-file "$T/ingotd2.log" 2>>"$T/ingotd.stderr" &
INGOTD_PID=$!
ok "ingotd answers https" wait_until 60 "curl -fsS --cacert '$T/ca.pem' -o /dev/null '$URL2/'"
subject() { openssl s_client -connect "127.0.0.1:$PORT2" -CAfile "$T/ca.pem" </dev/null 2>/dev/null |
	openssl x509 -noout -subject | sed 's/.*CN *= *//'; }
uplink() {	# NAME PORT -> HTTP status
	curl -s -o "$T/uplink.json" -w '%{http_code}' --cacert "$T/ca.pem" -X POST \
	    -H 'Content-Type: application/json' -H 'X-OpenStack-Ironic-API-Version: 1.81' \
	    -d "{\"name\":\"$1\",\"local_link_connection\":{\"switch_id\":\"52:54:00:ff:00:31\",\"port_id\":\"$2\"},\"hypervisor\":\"hv-$1\",\"physical_network\":\"physnet1\"}" \
	    "$URL2/v1/uplinks"
}
reload2() {	# PATTERN: SIGHUP, then a line matching it
	local n
	n=$(wc -l <"$T/ingotd2.log")
	kill -HUP "$INGOTD_PID"
	wait_until 60 "tail -n +$((n + 1)) '$T/ingotd2.log' | grep -q 'SIGHUP: reloaded'" &&
	    tail -n +$((n + 1)) "$T/ingotd2.log" | grep -q "$1"
}
expect_eq "the first certificate" ingot-one "$(subject)"
expect_eq "uplink u1 (switch at a.sock)" 201 "$(uplink u1 p1)"
expect_eq "u1 isolated on VLAN 4000" 4000 "$(tag p1)"

# The switch moves to b.sock with isolation VLAN 4001; a new certificate at
# the same paths (a renewal).
tls_conf b.sock 4001 52:54:00:ff:00:31 "$T/tls.key"
cp "$T/two.pem" "$T/tls.pem"; cp "$T/two.key" "$T/tls.key"
ok "SIGHUP says it reloaded the switch (what changed) and the certificate" \
	reload2 "switches: tor1 (address isolation_vlan), the TLS certificate $T/tls.pem"
ovs-appctl -t "$OVS/ctl" ovsdb-server/remove-remote punix:"$OVS/a.sock"
ok "a.sock is closed" bash -c "! ovs-vsctl --timeout=3 --db=unix:'$OVS/a.sock' show"
expect_eq "a new TLS connection sees the new certificate" ingot-two "$(subject)"
expect_eq "uplink u2: the switch's new address works" 201 "$(uplink u2 p2)"
expect_eq "u2 isolated on the new VLAN 4001" 4001 "$(tag p2)"
ok "the API still answers https" curl -fsS --cacert "$T/ca.pem" -o /dev/null "$URL2/v1/switches"

# A key that does not match the certificate, a switch_id changed: both
# refused, the old certificate and switch settings stay.
tls_conf a.sock 4002 52:54:00:ff:00:99 "$T/one.key"
ok "SIGHUP refuses the mismatched key" reload2 "the TLS certificate was not reloaded (the old one stays): .*does not match"
ok "... and the switch whose switch_id changed" \
	grep -q "the switches' settings were not reloaded: switch tor1: changed; name, driver, switch_id and bridge need a restart" "$T/ingotd2.log"
expect_eq "the certificate is still the second" ingot-two "$(subject)"
expect_eq "uplink u3: still the switch at b.sock" 201 "$(uplink u3 p3)"
expect_eq "u3 isolated on VLAN 4001 (not 4002)" 4001 "$(tag p3)"
# A certificate file that is not PEM: refused too.
echo garbage >"$T/bad.pem"
printf '[api]\ntls_cert_file = %s\ntls_key_file = %s\n' "$T/bad.pem" "$T/tls.key" >"$T/tls.conf"
ok "a certificate that is not PEM is refused" reload2 "the TLS certificate was not reloaded.*not a PEM certificate"
expect_eq "the certificate is still the second" ingot-two "$(subject)"
ok "ingotd is still up" kill -0 "$INGOTD_PID"
ok "no key material in the log" sh -c "! grep -q 'PRIVATE KEY' '$T/ingotd2.log'"
ingot_stop
finish
