#!/usr/bin/env bash
# ingotd --role (docs/scale-out.md, "Roles"), on one database (SQLite file,
# or PostgreSQL with INGOT_DB_ENGINE=pg): an API-only ingotd (a) and two
# conductor-only ones, k1 in the default group and k2 in group g2.
# GET /v1/conductors shows each one's role, group and liveness; nodes are
# owned by the conductors of their conductor_group, never by the API-only
# process; a verb sent to the API runs on the owner; a conductor-only
# ingotd answers nothing of the public API but forwarded verbs; when the
# only conductor of a group dies, the API-only process does not take its
# nodes (503, never run there); an agent's heartbeat at the API-only
# ingotd is forwarded to the node's owner, which runs the deploy on.
. "$(dirname "$0")/../lib/lib.sh"
HB_TIMEOUT=4
declare -A PID PORT
stop_all() {
	for c in "${!PID[@]}"; do
		[ -n "${PID[$c]}" ] && kill "${PID[$c]}" 2>/dev/null && wait "${PID[$c]}" 2>/dev/null
	done
	_cleanup
}
trap stop_all EXIT

# start_c NAME ROLE GROUP: an ingotd on its own port, on the shared database
start_c() {
	local c=$1
	PORT[$c]=${PORT[$c]:-$(free_port)}
	cat >"$T/$c.conf" <<CONF
[api]
listen = 127.0.0.1:${PORT[$c]}
ramdisk_endpoints = all
[conductor]
automated_clean = false
host = $c
group = $3
heartbeat_interval = 1
heartbeat_timeout = $HB_TIMEOUT
sync_power_state_interval = 1
[log]
file = $T/$c.log
CONF
	"$INGOTD" --config "$T/$c.conf" --role "$2" "${INGOT_DB_ARGS[@]}" 2>>"$T/$c.stderr" &
	PID[$c]=$!
	for _ in $(seq 1 1200); do
		curl -fsS "http://127.0.0.1:${PORT[$c]}/" >/dev/null 2>&1 && return 0
		kill -0 "${PID[$c]}" 2>/dev/null || { echo "$c exited at start"; cat "$T/$c.log"; return 1; }
		sleep 0.05
	done
	return 1
}
on() { local c=$1; shift; INGOT_URL=http://127.0.0.1:${PORT[$c]} api "$@"; }

out=$("$INGOTD" --role primary --check-config 2>&1)
expect_eq "--role primary: refused at start" 1 "$?"
ok "... saying which roles there are" grep -q "role 'primary' is not one of all, api, conductor" <<<"$out"

start_c a api "" || exit 1
start_c k1 conductor "" || exit 1
start_c k2 conductor g2 || exit 1
wait_until 30 "[ \$(db \"select count(*) from conductors where online = 1\") = 3 ]"
# all three heartbeating (a loaded machine may start one late)
alive3() { on a GET '/v1/conductors?detail=True' >/dev/null &&
	[ "$(jq '[.conductors[] | select(.alive)] | length' "$T/api.body")" = 3 ]; }
wait_until 60 alive3
expect_eq "GET /v1/conductors: roles, groups, all alive" "a api  true|k1 conductor  true|k2 conductor g2 true" \
	"$(jq -r '[.conductors[] | "\(.hostname) \(.role) \(.conductor_group) \(.alive)"] | sort | join("|")' "$T/api.body")"

for i in $(seq 1 30); do
	g=; [ $((i % 3)) = 0 ] && g=',"conductor_group":"g2"'
	on a POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"n$i\"$g}" >/dev/null
	[ "$STATUS" = 201 ] || echo "# create n$i: $STATUS"
done
wait_until 30 db_is "select count(*) from nodes where conductor is not null" 30
expect_eq "default-group nodes owned by k1" 20 "$(db "select count(*) from nodes where conductor_group = '' and conductor = 'k1'")"
expect_eq "group g2's nodes owned by k2" 10 "$(db "select count(*) from nodes where conductor_group = 'g2' and conductor = 'k2'")"
expect_eq "the API-only ingotd owns none" 0 "$(db "select count(*) from nodes where conductor = 'a'")"

# The conductor-only API: discovery yes, the public API no, forwarded verbs yes.
on k1 GET / >/dev/null
expect_eq "conductor-only: GET / answers" 200 "$STATUS"
on k1 GET /v1/nodes >/dev/null
expect_eq "conductor-only: GET /v1/nodes 404" 404 "$STATUS"
on k1 PATCH /v1/nodes/n1 '[{"op":"add","path":"/extra/x","value":1}]' >/dev/null
expect_eq "conductor-only: PATCH a node 404" 404 "$STATUS"
expect_eq "... and nothing written" "" "$(db "select $(db_json extra x) from nodes where name='n1'")"
on k1 PUT /v1/nodes/n1/states/power '{"target":"power on"}' >/dev/null
expect_eq "conductor-only: a verb not forwarded 404" 404 "$STATUS"
on k1 GET /v1/nodes/n1/management/boot_device '' -H "X-Ingot-Forwarded-By: a" >/dev/null
expect_eq "conductor-only: a forwarded GET is not a verb: 404" 404 "$STATUS"
expect_eq "... none of them ran" "power off" "$(db "select coalesce(power_state, 'power off') from nodes where name='n1'")"

# Verbs at the API-only ingotd run on the owners.
on a PATCH /v1/nodes/n1 '[{"op":"add","path":"/driver_info/fake_delay","value":10}]' >/dev/null
expect_eq "the API-only ingotd writes a PATCH itself" 200 "$STATUS"
on a PUT /v1/nodes/n1/states/power '{"target":"power on"}' >/dev/null
expect_eq "power verb at the API-only ingotd: 202" 202 "$STATUS"
wait_until 30 db_is "select coalesce(reservation, '-') from nodes where name='n1'" k1
expect_eq "... run by the owner k1 (it holds the lock)" k1 "$(db "select coalesce(reservation, '-') from nodes where name='n1'")"
wait_until 60 db_is "select power_state || coalesce(reservation, '-') from nodes where name='n1'" "power on-"
expect_eq "... which powered it on" "power on" "$(db "select power_state from nodes where name='n1'")"
on a PUT /v1/nodes/n3/states/provision '{"target":"manage"}' >/dev/null
expect_eq "provision verb for a g2 node at the API: 202" 202 "$STATUS"
wait_until 60 db_is "select provision_state from nodes where name='n3'" manageable
expect_eq "... made manageable by k2" manageable "$(db "select provision_state from nodes where name='n3'")"

# An agent's heartbeat at the API-only ingotd reaches the owner k1: the
# node (k1's) waits for its agent; a fake agent looks up and heartbeats
# through a only; k1 (not a) runs the deploy on: it sends the agent
# prepare_image with an image URL of its own.
FPORT=$(free_port)
python3 - "$FPORT" "$T/fake.log" <<'PY' 2>/dev/null &
import http.server, sys
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        log.write(self.path + " " + self.rfile.read(n).decode() + "\n"); log.flush()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.end_headers(); self.wfile.write(b'{"command_status":"SUCCEEDED","command_result":{}}')
    def do_GET(self):
        if self.path != "/img.raw":
            return self.do_POST()
        self.send_response(200); self.send_header("Content-Length", "17")
        self.end_headers(); self.wfile.write(b"ingot-test-image\n")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
PID[fake]=$!
FAKE=http://127.0.0.1:$FPORT
# up before anything may call it (a slow start on a loaded machine once
# left the log file missing when the test read it)
ok "the fake agent answers" wait_until 60 curl -fsS -o /dev/null -X POST "$FAKE/ping"
: >"$T/fake.log"
MA=52:54:00:7e:00:01
SUM=$(printf 'ingot-test-image\n' | sha256sum | cut -d' ' -f1)
on a POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"dep\",\"deploy_interface\":\"direct\",
	\"instance_info\":{\"image_source\":\"$FAKE/img.raw\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$SUM\"}}" >/dev/null
NA=$(jq -r .uuid "$T/api.body")
on a POST /v1/ports "{\"node_uuid\":\"$NA\",\"address\":\"$MA\"}" >/dev/null
wait_until 30 db_is "select coalesce(conductor, '-') from nodes where name='dep'" k1
for t in manage provide active; do
	on a PUT /v1/nodes/dep/states/provision "{\"target\":\"$t\"}" >/dev/null
	case $t in manage) w=manageable;; provide) w=available;; active) w="wait call-back";; esac
	wait_until 60 db_is "select provision_state from nodes where name='dep'" "$w"
done
expect_eq "k1's node waits for its agent" "wait call-back" "$(db "select provision_state from nodes where name='dep'")"
on a GET "/v1/lookup?addresses=$MA" >/dev/null
expect_eq "the agent's lookup at the API-only ingotd: 200" 200 "$STATUS"
TOKEN=$(jq -r .config.agent_token "$T/api.body")
hb_at() { on "$1" POST "/v1/heartbeat/$NA" "{\"callback_url\":\"$FAKE\",\"agent_token\":\"$2\"}" >/dev/null; }
hb_at a wrong
expect_eq "a heartbeat with a wrong token, at the API-only ingotd: 401 (the owner's answer)" 401 "$STATUS"
expect_eq "... nothing sent to the agent" 0 "$(wc -l <"$T/fake.log")"
hb_at a "$TOKEN"
expect_eq "the agent's heartbeat at the API-only ingotd: 202" 202 "$STATUS"
sent() { grep -q prepare_image "$T/fake.log"; }
wait_until 120 sent
ok "the agent was sent prepare_image" sent
# the command's image URL is the ingotd that cached the image and built it
expect_eq "... by the owner k1 (its image URL)" "http://127.0.0.1:${PORT[k1]}/images/" \
	"$(grep -m1 prepare_image "$T/fake.log" | sed 's/^[^ ]* //' | jq -r '.params.image_info.urls[0]' | sed 's,[^/]*$,,')"
expect_eq "the callback URL recorded" "$FAKE" \
	"$(db "select $(db_json driver_internal_info agent_url) from nodes where name='dep'")"
ok "a logged that it forwarded the heartbeat to k1" grep -q "heartbeat/$NA forwarded to conductor k1" "$T/a.log"
kill "${PID[fake]}"; wait "${PID[fake]}" 2>/dev/null; PID[fake]=

# k2, g2's only conductor, dies: the API-only ingotd takes nothing over.
kill -KILL "${PID[k2]}"; wait "${PID[k2]}" 2>/dev/null; PID[k2]=
sleep $((HB_TIMEOUT + 3))
on a GET /v1/conductors/k2 >/dev/null
expect_eq "k2 shown dead" false "$(jq -r .alive "$T/api.body")"
expect_eq "g2's nodes not taken by the API-only ingotd nor by k1" 10 \
	"$(db "select count(*) from nodes where conductor_group = 'g2' and conductor = 'k2'")"
on a PUT /v1/nodes/n6/states/power '{"target":"power on"}' >/dev/null
expect_eq "a verb for a node of a dead group: 503" 503 "$STATUS"
ok "... saying why" bash -c "jq -r .error_message '$T/api.body' | grep -q k2"
sleep 1
expect_eq "... and not run anywhere" "-" "$(db "select coalesce(reservation, '-') || coalesce(target_power_state, '') from nodes where name='n6'")"
# a node whose group no conductor has ever served: 503 at the API-only one
on a POST /v1/nodes '{"driver":"fake-hardware","name":"orphan","conductor_group":"g9"}' >/dev/null
on a PUT /v1/nodes/orphan/states/power '{"target":"power on"}' >/dev/null
expect_eq "a node of a group without conductors: 503 at the API-only ingotd" 503 "$STATUS"

for c in a k1; do
	kill -TERM "${PID[$c]}"; wait "${PID[$c]}"; expect_eq "$c exits 0 on SIGTERM" 0 "$?"; PID[$c]=
done
finish
