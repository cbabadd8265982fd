#!/usr/bin/env bash
# Adversarial: the serial console (docs/console.md).  Who may get a token
# (owner member, lessee admin, system member; everyone else 403/404 as for
# the node), what a token opens (its node only, once, briefly), and what a
# connection costs: nothing sent (slowloris), a token dripped byte by byte,
# an endless token line, huge WebSocket frames, more viewers or connections
# than allowed.  Nodes use fake-hardware's console (an echo) so that no BMC
# is needed; serial_console.sh runs the same server against ipmi_sim.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"
PY=/usr/bin/python3
CC=$INGOT_SRC/tests/lib/console_client.py
RAWPORT=$(free_port) WSPORT=$(free_port)
adv_start <<CONF || { finish; exit 1; }
[console]
raw_port = $RAWPORT
websocket_port = $WSPORT
auth_timeout = 2
token_ttl = 10
max_watchers = 2
max_connections = 6
CONF
URL=tcp://127.0.0.1:$RAWPORT WS=ws://127.0.0.1:$WSPORT/
for n in na nl nb; do
	as sysadmin PATCH "/v1/nodes/$n" '[{"op":"replace","path":"/console_interface","value":"fake"}]' >/dev/null
done

adv_rows <<'ROWS'
# enabling: the system's members, the owner's members, the lessee's admin
-|PUT|/v1/nodes/na/states/console|{"enabled":true}|401
sysreader|PUT|/v1/nodes/na/states/console|{"enabled":true}|403
areader|PUT|/v1/nodes/na/states/console|{"enabled":true}|403
bmember|PUT|/v1/nodes/na/states/console|{"enabled":true}|404
amember|PUT|/v1/nodes/na/states/console|{"enabled":true}|202
bmember|PUT|/v1/nodes/nl/states/console|{"enabled":true}|403
badmin|PUT|/v1/nodes/nl/states/console|{"enabled":true}|202
sysmember|PUT|/v1/nodes/nb/states/console|{"enabled":true}|202
# a token: the same callers only (a reader never gets one)
-|GET|/v1/nodes/na/states/console||401
sysreader|GET|/v1/nodes/na/states/console||403
areader|GET|/v1/nodes/na/states/console||403
breader|GET|/v1/nodes/nl/states/console||403
bmember|GET|/v1/nodes/nl/states/console||403
cadmin|GET|/v1/nodes/na/states/console||404
badmin|GET|/v1/nodes/na/states/console||404
amember|GET|/v1/nodes/na/states/console||200
badmin|GET|/v1/nodes/nl/states/console||200
sysmember|GET|/v1/nodes/na/states/console||200
# the kept output likewise
areader|GET|/v1/nodes/na/states/console/log||403
bmember|GET|/v1/nodes/nl/states/console/log||403
cmember|GET|/v1/nodes/na/states/console/log||404
# bodies
amember|PUT|/v1/nodes/na/states/console|{"enabled":1}|400
amember|PUT|/v1/nodes/na/states/console|{"enabled":true,"x":1}|400
amember|PUT|/v1/nodes/na/states/console|[]|400
ROWS

tok() {	# tok USER NODE: a fresh token
	as "$1" GET "/v1/nodes/$2/states/console" >/dev/null && jq -r .console_info.token "$T/as.body"
}
view() { timeout 60 $PY "$CC" view "$@"; }
as amember GET /v1/nodes/na/states/console >/dev/null
ok "console_info names no BMC address or credential" bash -c "! grep -Eq '192.0.2.9|sekrit' '$T/as.body'"

# A token opens its own node's console, not another's.
NB=$(node_uuid nb) NA=$(node_uuid na)
view raw "$URL" "$(tok bmember nb)" --expect "fake console of $NB" >"$T/o" 2>&1
ok "project b's token opens nb's console" grep -q read-write "$T/o"
ok "... and nothing of na's" bash -c "! grep -q '$NA' '$T/o'"
TA=$(tok amember na)
view raw "$URL" "$TA" >/dev/null 2>&1
view ws "$WS" "$TA" >/dev/null 2>&1; rc=$?
expect_eq "a token works once (raw, then ws: refused)" 3 "$rc"
TA=$(tok amember na); sleep 11
view raw "$URL" "$TA" >/dev/null 2>&1; rc=$?
expect_eq "a token older than token_ttl is refused" 3 "$rc"
view raw "$URL" "" >/dev/null 2>&1; rc=$?
expect_eq "an empty token line is refused" 3 "$rc"

# Slowloris and endless tokens: closed within auth_timeout (2 s).
out=$(timeout 30 $PY "$CC" idle raw "$URL" 15)
ok "raw: a silent connection is closed ($out)" bash -c "[[ '$out' =~ ^closed\ after\ [0-9]$ ]]"
out=$(timeout 30 $PY "$CC" idle raw "$URL" 15 --send "$(tok amember na)" --drip 1)
ok "raw: a token dripped byte by byte is cut off ($out)" bash -c "[[ '$out' =~ ^closed\ after\ [0-9]$ ]]"
out=$(timeout 30 $PY "$CC" idle ws "$WS" 15)
ok "ws: a silent WebSocket is closed ($out)" bash -c "[[ '$out' =~ ^closed\ after\ [0-9]$ ]]"
out=$(timeout 30 $PY "$CC" idle raw "$URL" 10 --send "$(head -c 4096 /dev/zero | tr '\0' a)" --drip 0.001)
ok "raw: an endless token line is cut off ($out)" bash -c "[[ '$out' =~ ^closed ]]"
out=$(timeout 60 $PY "$CC" flood ws "$WS" "$(head -c 100000 /dev/zero | tr '\0' a)" 10)
ok "ws: a 100 kB token message is refused ($out)" bash -c "[[ '$out' =~ closed|^$ ]]"
out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WSPORT/../../etc/passwd")
ok "ws port: a plain HTTP request gets no file ($out)" test "$out" != 200

# Huge frames from the writer: served in bounded pieces; the console lives on.
out=$(timeout 120 $PY "$CC" flood ws "$WS" "$(tok amember na)" $((8 * 1024 * 1024)))
# (the fake console echoes: a writer that does not read is cut off once
# 256 KiB of output wait for it)
ok "ws: an 8 MiB frame from the writer is taken or cut ($(echo $out))" bash -c "[[ '$out' =~ read-write ]]"
out=$(timeout 120 $PY "$CC" flood raw "$URL" "$(tok amember na)" $((8 * 1024 * 1024)))
ok "raw: 8 MiB typed at once ($(echo $out))" bash -c "[[ '$out' =~ read-write ]]"
view raw "$URL" "$(tok amember na)" --send 'still-alive' --expect 'still-alive' >"$T/o" 2>&1
ok "the console still echoes afterwards" grep -q read-write "$T/o"
RSS=$(awk '/VmRSS/ {print $2}' /proc/$INGOTD_PID/status)
ok "ingotd's memory stayed bounded (${RSS} kB)" test "$RSS" -lt 400000

# One writer, max_watchers (2) watchers, then no more.
PIDS=() TOKS=()
for k in 1 2 3 4; do TOKS[k]=$(tok amember na); done	# $T/as.body is shared
for k in 1 2 3; do
	view raw "$URL" "${TOKS[k]}" --hold 8 >"$T/m$k" 2>&1 &
	PIDS+=($!)
	sleep 0.5
done
view raw "$URL" "${TOKS[4]}" >"$T/m4" 2>&1; rc=$?
wait "${PIDS[@]}"
ok "the first of them writes" grep -q read-write "$T/m1"
ok "the next two watch" bash -c "grep -q read-only '$T/m2' && grep -q read-only '$T/m3'"
expect_eq "a viewer past max_watchers is refused" 3 "$rc"

# max_connections (6), counting connections that have not authenticated.
out=$(timeout 60 $PY "$CC" crowd "$URL" 6 "$(tok amember na)")
expect_eq "a connection past max_connections is refused" closed "$out"
view raw "$URL" "$(tok amember na)" >"$T/o" 2>&1
ok "... and served again once they are gone" grep -q read-write "$T/o"

# Disabling ends the session; ingotd is still well.
as amember PUT /v1/nodes/na/states/console '{"enabled":false}' >/dev/null
as amember GET /v1/nodes/na/states/console >/dev/null
expect_eq "disabled: console_info null" null "$(jq -c .console_info "$T/as.body")"
ok "ingotd still runs" kill -0 "$INGOTD_PID"
finish
