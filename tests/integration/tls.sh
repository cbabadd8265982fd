#!/usr/bin/env bash
# TLS for the API: ingotd serves HTTPS with [api] tls_cert_file and
# tls_key_file; curl and the CLI verify it with the test CA; a real
# ingot-agent with --ca-file looks up and deploys a node over https (the
# image too), one with another CA cannot look up; bad certificate or key
# settings stop ingotd at start with one clear line.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
MAC=52:54:00:a9:00:51
AGENT_PID=

# A CA, a server certificate for 127.0.0.1 signed by it, and another CA.
pki() {
	cd "$T" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj /CN=ingot-test-ca &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem \
		-days 2 -subj /CN=ingot-other-ca &&
	openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
		-subj /CN=127.0.0.1 &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >server.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out server.pem -days 2 -extfile server.ext
}
ok "test CA and server certificate generated" pki

# --- bad settings: ingotd refuses to start, with one line -----------------
# refuses NAME CERT KEY PATTERN
refuses() {
	local name=$1 cert=$2 key=$3 pattern=$4 rc
	printf '[api]\ntls_cert_file = %s\ntls_key_file = %s\n' "$cert" "$key" >"$T/bad.conf"
	timeout 10 "$INGOTD" --config "$T/bad.conf" --listen "127.0.0.1:$(free_port)" \
		--db "$T/bad.db" --log-file "$T/bad.log" 2>"$T/bad.err"
	rc=$?
	expect_eq "$name: ingotd refuses to start" 1 "$rc"
	expect_eq "$name: one line on stderr" 1 "$(wc -l <"$T/bad.err")"
	ok "$name: the line says why ($(cat "$T/bad.err"))" grep -q "$pattern" "$T/bad.err"
}
refuses "certificate without key" "$T/server.pem" "" "tls_cert_file and tls_key_file go together"
refuses "key without certificate" "" "$T/server.key" "tls_key_file is set"
refuses "missing key file" "$T/server.pem" "$T/nope.key" "tls_key_file $T/nope.key: cannot read"
refuses "certificate file not PEM" "$T/server.ext" "$T/server.key" "not a PEM certificate"
refuses "key of another certificate" "$T/server.pem" "$T/ca.key" "does not match"
openssl rsa -in "$T/server.key" -aes128 -passout pass:x -out "$T/enc.key" 2>/dev/null
refuses "encrypted key" "$T/server.pem" "$T/enc.key" "not an unencrypted PEM private key"
ok "the refused starts created no database" test ! -e "$T/bad.db"

# --- ingotd over https -------------------------------------------------------
cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
tls_cert_file = $T/server.pem
tls_key_file = $T/server.key
[deploy]
file_url_allowed_paths = $T
callback_timeout = 120
heartbeat_timeout = 5
CONF
ok "--check-config accepts the certificate and key" \
	"$INGOTD" --check-config --config "$T/ingotd.conf"
# Every curl here (lib.sh's api() too) trusts the test CA; "command curl"
# does not.
curl() { command curl --cacert "$T/ca.pem" "$@"; }
INGOT_PORT=$(free_port)
export INGOT_URL=https://127.0.0.1:$INGOT_PORT
"$INGOTD" --config "$T/ingotd.conf" --listen "127.0.0.1:$INGOT_PORT" "${INGOT_DB_ARGS[@]}" \
	--log-file "$T/ingotd.log" 2>>"$T/ingotd.stderr" &
INGOTD_PID=$!
ok "ingotd answers https with the CA" wait_until 60 curl -fsS "$INGOT_URL/"
ok "the log says https" grep -q "API listening on https://127.0.0.1:$INGOT_PORT" "$T/ingotd.log"
expect_eq "links are https" "$INGOT_URL/v1/" \
	"$(curl -fsS "$INGOT_URL/" | jq -r '.default_version.links[0].href')"
command curl -sS -o /dev/null "$INGOT_URL/" 2>"$T/noca.err"
expect_eq "without the CA: certificate verification fails (curl 60)" 60 "$?"
command curl --cacert "$T/other-ca.pem" -sS -o /dev/null "$INGOT_URL/" 2>/dev/null
expect_eq "with another CA: verification fails (curl 60)" 60 "$?"
ok "plain http to the TLS port fails" \
	bash -c "! command curl -sS -m 5 -o /dev/null 'http://127.0.0.1:$INGOT_PORT/'"
ok "ingotd still serves after the plain-http attempt" curl -fsS "$INGOT_URL/v1"
ok "the iPXE chain script is relative to its https URL (the chain stays on https)" \
	bash -c "curl --cacert '$T/ca.pem' -fsS '$INGOT_URL/boot.ipxe' |
		grep -qx 'chain ipxe/\${net0/mac:hexhyp} || exit'"

# --- the CLI ---------------------------------------------------------------
ok "CLI with --os-cacert" "$INGOT" --os-cacert "$T/ca.pem" driver list
ok "CLI with INGOT_CACERT" env INGOT_CACERT="$T/ca.pem" "$INGOT" node list
"$INGOT" node list >/dev/null 2>"$T/cli.err"
expect_eq "CLI without the CA fails" 1 "$?"
ok "CLI without the CA says it cannot reach the API" grep -q "cannot reach $INGOT_URL" "$T/cli.err"

# --- a real agent over https ---------------------------------------------
stop_agent() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}
trap 'stop_agent; _cleanup' EXIT
APORT=$(free_port)
start_agent() {	# start_agent CA-FILE
	"$AGENT" --api-url "$INGOT_URL" --ca-file "$1" --listen "127.0.0.1:$APORT" \
		--advertise-host 127.0.0.1 --mac "$MAC" --disk "$T/disk.img" \
		--heartbeat-interval 1 --no-power 2>>"$T/agent.stderr" &
	AGENT_PID=$!
}
state() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r .provision_state; }

head -c 3M /dev/urandom >"$T/img.raw"
truncate -s 4M "$T/img.raw"
SUM=$(sha256sum "$T/img.raw" | cut -d' ' -f1)
head -c 16M /dev/urandom >"$T/disk.img"
api POST /v1/nodes '{"name":"tls-node","driver":"fake-hardware","deploy_interface":"direct","automated_clean":false}' >"$T/n.json"
expect_eq "node enrolled over https" 201 "$STATUS"
N=$(jq -r .uuid "$T/n.json")
api POST /v1/ports "{\"node_uuid\":\"$N\",\"address\":\"$MAC\"}" >/dev/null
api PUT "/v1/nodes/$N/states/provision" '{"target":"manage"}' >/dev/null
wait_until 60 '[ "$(state)" = manageable ]'
api PUT "/v1/nodes/$N/states/provision" '{"target":"provide"}' >/dev/null
wait_until 60 '[ "$(state)" = available ]'
api PATCH "/v1/nodes/$N" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"file://$T/img.raw\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$SUM\"}}]" >/dev/null
api PUT "/v1/nodes/$N/states/provision" '{"target":"active"}' >/dev/null
wait_until 60 '[ "$(state)" = "wait call-back" ]'
expect_eq "deploy: node waits for its agent" "wait call-back" "$(state)"

# An agent that trusts another CA cannot look up.
start_agent "$T/other-ca.pem"
sleep 4
ok "agent with another CA: still running (retrying its lookup)" kill -0 "$AGENT_PID"
stop_agent
expect_eq "agent with another CA: the node still waits" "wait call-back" "$(state)"
ok "agent with another CA: its log names the certificate problem" \
	grep -qiE "certificate|SSL" "$T/agent.stderr"
dii() { db "select $(db_json driver_internal_info "$1") from nodes where uuid='$N'"; }
expect_eq "agent with another CA: no lookup got a token" "" "$(dii agent_secret_token)"
expect_eq "agent with another CA: no heartbeat reached ingotd" "" "$(dii agent_url)"

# The agent with the right CA looks up, heartbeats and writes the image it
# fetches from ingotd over https.
start_agent "$T/ca.pem"
wait_until 60 '[ "$(state)" = active ]'
expect_eq "agent with the CA: node active" active "$(state)"
ok "agent with the CA: disk bytes equal the image" cmp -n 4194304 "$T/img.raw" "$T/disk.img"
ok "the agent fetched the image from ingotd (which serves https only)" \
	grep -q "serving Image" "$T/ingotd.log"
stop_agent

finish
