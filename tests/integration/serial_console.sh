#!/usr/bin/env bash
# The serial console of an ipmi node (console_interface ipmitool-socat):
# OpenIPMI's ipmi_sim serves Serial-over-LAN for a "serial port" this test
# plays (a TCP server ipmi_sim connects to, as to QEMU's -serial tcp:...);
# ingotd reaches it through FreeIPMI's libipmiconsole.  Bytes written on
# the serial side must appear on the console's raw TCP stream and
# WebSocket, bytes typed by the read-write viewer must reach the serial
# side, a second viewer is read-only (what it types goes nowhere), tokens
# are single-use, the output is kept for `ingot node console-log`, and the
# console comes back after an ingotd restart.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/bmc.sh"
PY=/usr/bin/python3			# Debian's, with python3-websocket
CC=$INGOT_SRC/tests/lib/console_client.py
SER=$T/serial
mkdir -p "$SER"

# libipmiconsole 1.6 cannot reach a BMC port above 32767: pick one below.
low_udp_port() {
	$PY - <<'PY'
import random, socket
for _ in range(200):
    p = random.randint(20000, 32000)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", p)); s.close(); print(p); break
    except OSError:
        s.close()
PY
}
SERPORT=$(free_port)
$PY "$CC" serial "$SERPORT" "$SER" &
SERPID=$!
trap 'kill $SERPID 2>/dev/null; _cleanup' EXIT
# The serial side listens before ipmi_sim starts (as lab/up's relay does).
# ipmi_sim connects to it at its start; when that fails it retries from a
# timer that then keeps running, and on the next SOL activation that timer
# sends an empty SOL packet, which libipmiconsole NACKs (an ACK-only packet
# accepting 0 characters is a NACK), and ipmi_sim never reads the serial
# side again (docs/console.md, "ipmi_sim's SOL deadlock").
wait_until 30 "ss -Htln 'sport = :$SERPORT' | grep -q ."
BMC_PORTS[b1]=$(low_udp_port)
BMC_SOL=tcp:127.0.0.1:$SERPORT bmc_start b1 || exit 1

RAWPORT=$(free_port) WSPORT=$(free_port)
cat >"$T/ingotd.conf" <<CONF
[console]
raw_port = $RAWPORT
websocket_port = $WSPORT
log_size = 8192
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
i() { "$INGOT" "$@"; }
say() { printf '%s' "$1" >"$SER/say.tmp" && mv "$SER/say.tmp" "$SER/say"; }
# The serial side says TEXT every 3 s (until killed): ipmi_sim's SOL drops
# what crosses a session that stalls, until libipmiconsole opens a new one.
say_loop() { sleep 1; while :; do say "$1"; sleep 3; done; }
token() { api GET /v1/nodes/n1/states/console >/dev/null; jq -r .console_info.token "$T/api.body"; }
view() { timeout 120 $PY "$CC" view --timeout 90 "$@"; }
# view_say TEXT VIEW-ARGS...: a viewer while the serial side says TEXT
view_say() {
	local text=$1 pid; shift
	say_loop "$text" & pid=$!
	view "$@" --repeat 3 --expect "$text"
	kill "$pid"; wait "$pid" 2>/dev/null
	return 0
}

api POST /v1/nodes "{\"name\":\"n1\",\"driver\":\"ipmi\",\"console_interface\":\"ipmitool-socat\",
  \"deploy_interface\":\"fake\",\"boot_interface\":\"fake\",\"network_interface\":\"noop\",
  \"driver_info\":{\"ipmi_address\":\"127.0.0.1\",\"ipmi_port\":${BMC_PORTS[b1]},
  \"ipmi_username\":\"admin\",\"ipmi_password\":\"password\"}}" >/dev/null
expect_eq "enrol an ipmi node with the ipmitool-socat console" 201 "$STATUS"
api GET /v1/nodes/n1/states/console >/dev/null
expect_eq "console off: 200" 200 "$STATUS"
expect_eq "... as Ironic: disabled, no console_info" 'false null' \
	"$(jq -r '"\(.console_enabled) \(.console_info)"' "$T/api.body")"
api PUT /v1/nodes/n1/states/console '{"enabled":"yes"}' >/dev/null
expect_eq "enabled must be a boolean: 400" 400 "$STATUS"
api PUT /v1/nodes/n1/states/console '{}' >/dev/null
expect_eq "enabled is required: 400" 400 "$STATUS"
api PUT /v1/nodes/n1/states/console '{"enabled":true}' >/dev/null
expect_eq "enable: 202" 202 "$STATUS"
expect_eq "console_enabled recorded" true "$(db "select console_enabled from nodes where name='n1'" | sed 's/1/true/')"
expect_eq "the node is not left locked" "" "$(db "select coalesce(reservation,'') from nodes where name='n1'")"
api GET /v1/nodes/n1/states/console >/dev/null
expect_eq "console_info: type socat, the raw URL" "socat tcp://127.0.0.1:$RAWPORT" \
	"$(jq -r '"\(.console_info.type) \(.console_info.url)"' "$T/api.body")"
expect_eq "... and the WebSocket URL" "ws://127.0.0.1:$WSPORT/" "$(jq -r .console_info.websocket_url "$T/api.body")"
ok "... with a 128-bit token" grep -Eq '"token": ?"[0-9a-f]{32}"' "$T/api.body"
api PUT /v1/nodes/n1/states/console '{"enabled":true}' >/dev/null
expect_eq "enable again: 202, nothing to do (as Ironic)" 202 "$STATUS"
wait_until 60 'test -s "$SER/connections"'
ok "ipmi_sim connected its SOL to the serial port" test -s "$SER/connections"

# Raw TCP: the read-write viewer; output from the serial side reaches it.
URL=tcp://127.0.0.1:$RAWPORT WS=ws://127.0.0.1:$WSPORT/
view_say serial-says-one raw "$URL" "$(token)" --send 'typed-raw-1' >"$T/v1" 2>&1
ok "raw: the serial side's bytes appear on the console" bash -c "grep -q '^ingot-console: read-write' '$T/v1' && ! grep -q missing '$T/v1'"
wait_until 30 'grep -q typed-raw-1 "$SER/typed" 2>/dev/null'
ok "raw: what the viewer types reaches the serial side" grep -q typed-raw-1 "$SER/typed"

# WebSocket: writer while a raw watcher is connected; the watcher sees the
# same output, and what it types goes nowhere.
TW=$(token)
VIEW_OUT=$T/watch.out view raw "$URL" "$TW" --send 'watcher-typed' --hold 15 >"$T/w" 2>&1 &
WPID=$!
sleep 2
view_say serial-says-two ws "$WS" "$(token)" --send 'typed-ws-2' >"$T/v2" 2>&1
wait "$WPID"
ok "the first viewer is the writer" grep -q 'read-write' "$T/w"
ok "ws: a second viewer is read-only" grep -q 'read-only' "$T/v2"
ok "ws: the serial side's bytes appear on the WebSocket" bash -c "! grep -q missing '$T/v2'"
ok "raw watcher saw the same output" grep -q serial-says-two "$T/watch.out"
wait_until 30 'grep -q watcher-typed "$SER/typed" 2>/dev/null'
ok "what the writer typed reached the serial side" grep -q watcher-typed "$SER/typed"
ok "what the read-only viewer typed did not" bash -c "! grep -q typed-ws-2 '$SER/typed'"

# Now the WebSocket viewer alone is the writer.
view_say serial-says-three ws "$WS" "$(token)" --send 'typed-ws-3' >"$T/v3" 2>&1
ok "ws: a lone viewer is the writer" bash -c "grep -q 'read-write' '$T/v3' && ! grep -q missing '$T/v3'"
wait_until 30 'grep -q typed-ws-3 "$SER/typed" 2>/dev/null'
ok "ws: what it types reaches the serial side" grep -q typed-ws-3 "$SER/typed"

# Tokens: used once, never without one, never a made-up one.
TK=$(token)
view raw "$URL" "$TK" >/dev/null 2>&1
view raw "$URL" "$TK" >"$T/r" 2>&1; rc=$?
expect_eq "a used token is refused (connection closed)" 3 "$rc"
view raw "$URL" "0123456789abcdef0123456789abcdef" >/dev/null 2>&1; rc=$?
expect_eq "an unknown token is refused" 3 "$rc"
view ws "$WS" "not-a-token" >/dev/null 2>&1; rc=$?
expect_eq "ws: a wrong token is refused" 3 "$rc"

# The log: the serial side's output, for the CLI.
i node console-log n1 >"$T/log" 2>&1
ok "ingot node console-log prints the kept output" grep -q serial-says-three "$T/log"
say "$(head -c 20000 /dev/zero | tr '\0' x)flood-done"
wait_until 30 'test "$(find "$T/console" -name "*.log.1" | wc -l)" -ge 1'
# the output goes on after the rotation: its new .log appears with it (a
# check right after the rotation once found none)
wait_until 30 'test "$(find "$T/console" -name "*.log" | wc -l)" -ge 1'
# ... and all of it is through before the restart below: ipmi_sim keeps
# the resend timer of a packet in flight when SOL is deactivated, and that
# timer's empty packet on the next activation is the deadlock above.
wait_until 120 'cat "$T"/console/*.log 2>/dev/null | grep -q flood-done'
ok "the whole flood came through" bash -c "cat '$T'/console/*.log | grep -q flood-done"
SZ=$(cat "$T"/console/*.log* | wc -c)
ok "the kept output is bounded by log_size ($SZ bytes)" test "$SZ" -le 8192
ok "console log files are 0600" test "$(stat -c %a "$T"/console/*.log* | sort -u)" = 600

# A restart: console_enabled survives, the session comes back.  At the
# stop, ingotd deactivates its SOL session at the BMC: ipmi_sim answers
# a payload query (netfn app 0x4b, SOL instance 1) with the session that
# holds the payload first, 00000000 when none does.
sol_holder() { ipmitool_for b1 raw 0x06 0x4b 0x01 0x01 2>/dev/null | awk '{print $1 $2 $3 $4}'; }
H=$(sol_holder)
ok "while the console is enabled, a session holds SOL at the BMC ($H)" test -n "$H" -a "$H" != 00000000
ingot_stop
wait_until 10 '[ "$(sol_holder)" = 00000000 ]'
expect_eq "ingotd's stop deactivated SOL at the BMC" 00000000 "$(sol_holder)"
ingot_start --config "$T/ingotd.conf" || exit 1
api GET /v1/nodes/n1/states/console >/dev/null
expect_eq "after a restart the console is still enabled" true "$(jq -r .console_enabled "$T/api.body")"
view_say serial-after-restart raw "$URL" "$(jq -r .console_info.token "$T/api.body")" >"$T/v4" 2>&1
ok "... and its output reaches a viewer again" bash -c "grep -q 'read-write' '$T/v4' && ! grep -q missing '$T/v4'"

# Disable: viewers go, tokens go, console_info goes.
TK=$(token)
VIEW_OUT=$T/dis.out view raw "$URL" "$(token)" --hold 20 >"$T/v5" 2>&1 &
VPID=$!
sleep 2
api PUT /v1/nodes/n1/states/console '{"enabled":false}' >/dev/null
expect_eq "disable: 202" 202 "$STATUS"
wait "$VPID"
ok "a connected viewer is disconnected" grep -q closed "$T/v5"
view raw "$URL" "$TK" >/dev/null 2>&1; rc=$?
expect_eq "a token issued before the disable is void" 3 "$rc"
api GET /v1/nodes/n1/states/console >/dev/null
expect_eq "console off again" false "$(jq -r .console_enabled "$T/api.body")"

# A no-console node gets Ironic's 400.
api POST /v1/nodes '{"name":"f1","driver":"fake-hardware"}' >/dev/null
api PUT /v1/nodes/f1/states/console '{"enabled":true}' >/dev/null
expect_eq "no-console: 400" 400 "$STATUS"
ok "... does not support console" grep -q "does not support console" "$T/api.body"
finish
