#!/usr/bin/env bash
# Adversarial: the deploy ramdisks' endpoints (issue #11, item 7).  Anyone
# who reaches the API port is a stranger to them: by default lookup,
# heartbeat, images and iPXE answer only on the provisioning networks'
# listeners.  Where they answer, the agent token is handed out once, to a
# lookup by a MAC of the node; nodes in other states look like unknown
# MACs; a heartbeat without the token changes nothing and never takes the
# node's lock; a fake agent cannot drive a deploy.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"
MA=52:54:00:ad:00:01	# na's port (deployed: waits for its agent)
MB=52:54:00:ad:00:02	# nb's port (enroll: not an agent state)
MX=52:54:00:ad:00:99	# nobody's
FAKE_PID=
BOGUS_IMAGE='"image_source":"http://192.0.2.1/img.raw","image_os_hash_algo":"sha256","image_os_hash_value":"00"'

# deploy_na: ports on na and nb, na deploying and waiting for its agent
deploy_na() {	# instance_info: $IMAGE, or a bogus image
	local image=${IMAGE:-$BOGUS_IMAGE}
	NA=$(node_uuid na) NB=$(node_uuid nb)
	as sysadmin POST /v1/ports "{\"node_uuid\":\"$NA\",\"address\":\"$MA\"}" >/dev/null
	as sysadmin POST /v1/ports "{\"node_uuid\":\"$NB\",\"address\":\"$MB\"}" >/dev/null
	as sysadmin PATCH /v1/nodes/na '[{"op":"add","path":"/instance_info","value":{'"$image"'}}]' >/dev/null
	as sysadmin PUT /v1/nodes/na/states/provision '{"target":"manage"}' >/dev/null
	wait_until 60 '[ "$(st na)" = manageable ]'
	as sysadmin PUT /v1/nodes/na/states/provision '{"target":"provide"}' >/dev/null
	wait_until 60 '[ "$(st na)" = available ]'
	as sysadmin PUT /v1/nodes/na/states/provision '{"target":"active"}' >/dev/null
	wait_until 60 '[ "$(st na)" = "wait call-back" ]'
	expect_eq "na waits for its agent" "wait call-back" "$(st na)"
}
st() { as sysadmin GET "/v1/nodes/$1" >/dev/null; jq -r .provision_state "$T/as.body"; }
token_in_db() {
	db "select $(db_json driver_internal_info agent_secret_token) from nodes where name='na'"
}
hb() {	# hb NODE TOKEN CALLBACK_URL: the status
	as - POST "/v1/heartbeat/$1" "{\"callback_url\":\"$3\",\"agent_token\":\"$2\"}"
}

CONF='[api]
ramdisk_endpoints = provisioning
[conductor]
automated_clean = false
sync_power_state_interval = 0'

# --- default: nothing for ramdisks on the API port ---------------------------
# (an older ingotd without the option is started without that line)
adv_start <<<"$CONF" || { ingot_stop; adv_start <<<"${CONF/ramdisk_endpoints = provisioning/}"; } ||
	{ finish; exit 1; }
deploy_na
adv_rows <<ROWS
# user|method|path|body|status   (all anonymous: ramdisks have no credentials)
-|GET|/v1/lookup?addresses=$MA||404
-|GET|/v1/lookup?node_uuid=$NA||404
-|GET|/v1/lookup?addresses=$MA&node_uuid=$NA||404
-|POST|/v1/heartbeat/$NA|{"callback_url":"http://127.0.0.1:1","agent_token":"x"}|404
-|GET|/boot.ipxe||404
-|GET|/ipxe/${MA//:/-}||404
-|GET|/boot/$NA/kernel||404
-|GET|/images/0123456789abcdef||404
-|POST|/v1/lookup||404
-|GET|/||200
-|GET|/v1||200
ROWS
expect_eq "main port: no agent token was issued" "" "$(token_in_db)"
expect_eq "main port: na still waits for its agent" "wait call-back" "$(st na)"
ingot_stop

# --- ramdisk_endpoints = all: the lookup's and heartbeat's own rules ---------
db_reset
adv_start <<<"${CONF/provisioning/all}" ||
	{ ingot_stop; adv_start <<<"${CONF/ramdisk_endpoints = provisioning/}"; } || { finish; exit 1; }

# A fake agent: records every command the conductor sends it.
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
FAKE_PID=$!
trap '[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; _cleanup' EXIT
: >"$T/fake.log"
FAKE=http://127.0.0.1:$FPORT
IMAGE="\"image_source\":\"$FAKE/img.raw\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$(printf 'ingot-test-image\n' | sha256sum | cut -d' ' -f1)\""
deploy_na

# The attacker knows na's UUID (not its MAC) and asks first.
expect_eq "lookup by node_uuid alone: 404" 404 "$(as - GET "/v1/lookup?node_uuid=$NA")"
stolen=$(jq -r '.config.agent_token // "none"' "$T/as.body" 2>/dev/null)
ok "lookup by node_uuid alone: no token (got ${stolen:0:8}...)" test "$stolen" = none
expect_eq "lookup by node_uuid and another node's MAC: 404" 404 \
	"$(as - GET "/v1/lookup?node_uuid=$NA&addresses=$MB")"
expect_eq "lookup by MACs of two nodes: 404" 404 "$(as - GET "/v1/lookup?addresses=$MA,$MB")"
expect_eq "the fake agent heartbeats with what it got: 401" 401 "$(hb "$NA" "$stolen" "$FAKE")"
expect_eq "the fake agent's heartbeat set no callback URL" "" \
	"$(db "select $(db_json driver_internal_info agent_url) from nodes where name='na'")"

# No oracle: a node in another state, an unknown MAC: the same 404.
as - GET "/v1/lookup?addresses=$MX" >/dev/null; cp "$T/as.body" "$T/unknown.body"
expect_eq "lookup of nb (enroll) by its MAC: 404" 404 "$(as - GET "/v1/lookup?addresses=$MB")"
ok "nb's 404 body is an unknown MAC's" cmp "$T/unknown.body" "$T/as.body"
ok "nb's 404 names no node" bash -c "! grep -q '$NB' '$T/as.body'"
expect_eq "lookup of nb by UUID and MAC: 404" 404 "$(as - GET "/v1/lookup?addresses=$MB&node_uuid=$NB")"
ok "... the same body" cmp "$T/unknown.body" "$T/as.body"

# The real agent (na's MAC) gets the token, once.
expect_eq "lookup by na's MAC: 200" 200 "$(as - GET "/v1/lookup?addresses=$MA")"
TOKEN=$(jq -r .config.agent_token "$T/as.body")
ok "a 64-hex-digit token" grep -Eqx '[0-9a-f]{64}' <<<"$TOKEN"
expect_eq "the token is na's" "$TOKEN" "$(token_in_db)"
expect_eq "second lookup: 200" 200 "$(as - GET "/v1/lookup?addresses=$MA")"
expect_eq "second lookup: no token" '******' "$(jq -r .config.agent_token "$T/as.body")"
expect_eq "lookup by na's MAC and UUID: no token" '******' \
	"$(as - GET "/v1/lookup?addresses=$MA&node_uuid=$NA" >/dev/null; jq -r .config.agent_token "$T/as.body")"
expect_eq "the stored token did not change" "$TOKEN" "$(token_in_db)"

# Heartbeats: the token first, then the callback URL, fixed once set.
adv_rows <<ROWS
-|POST|/v1/heartbeat/$NA|{"callback_url":"$FAKE"}|401
-|POST|/v1/heartbeat/$NA|{"callback_url":"$FAKE","agent_token":"******"}|401
-|POST|/v1/heartbeat/$NA|{"callback_url":"$FAKE","agent_token":"${TOKEN:0:63}"}|401
-|POST|/v1/heartbeat/$NA|{"callback_url":"$FAKE","agent_token":"${TOKEN}0"}|401
-|POST|/v1/heartbeat/$NA|{"callback_url":"$FAKE","agent_token":7}|401
-|POST|/v1/heartbeat/$NB|{"callback_url":"$FAKE","agent_token":"$TOKEN"}|401
-|POST|/v1/heartbeat/$NA|{"callback_url":"file:///etc/passwd","agent_token":"$TOKEN"}|400
-|POST|/v1/heartbeat/$NA|{"callback_url":"http://","agent_token":"$TOKEN"}|400
-|POST|/v1/heartbeat/$NA|{"callback_url":"http://u:p@127.0.0.1:$FPORT","agent_token":"$TOKEN"}|400
-|POST|/v1/heartbeat/$NA|{"callback_url":"http://127.0.0.1:$FPORT x","agent_token":"$TOKEN"}|400
-|POST|/v1/heartbeat/$NA|{"callback_url":"http://127.0.0.1:99999","agent_token":"$TOKEN"}|400
ROWS
expect_eq "refused heartbeats sent the fake agent nothing" 0 "$(wc -l <"$T/fake.log")"
expect_eq "refused heartbeats left na waiting" "wait call-back" "$(st na)"

# Strangers' heartbeats and lookups never hold na: an admin's PATCHes go
# through while they hammer it.
cat >"$T/hammer.py" <<'PY'
import sys, threading, urllib.request
url, node, fake, stop = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
import os
codes = {}
def run():
    while not os.path.exists(stop):
        for path, data in (("/v1/heartbeat/" + node,
                ('{"callback_url":"%s","agent_token":"%s"}' % (fake, "f" * 64)).encode()),
                ("/v1/lookup?addresses=" + sys.argv[5], None)):
            req = urllib.request.Request(url + path, data=data, method="POST" if data else "GET",
                headers={"Content-Type": "application/json"})
            try:
                c = urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as e:
                c = e.code
            except Exception:
                c = 0
            codes[c] = codes.get(c, 0) + 1
ts = [threading.Thread(target=run) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(" ".join("%s:%d" % kv for kv in sorted(codes.items())))
PY
python3 "$T/hammer.py" "$INGOT_URL" "$NA" "$FAKE" "$T/stop" "$MA" >"$T/hammer.out" &
HPID=$!
patch_codes=
for i in $(seq 1 40); do
	patch_codes+=" $(as sysadmin PATCH /v1/nodes/na "[{\"op\":\"add\",\"path\":\"/extra/n\",\"value\":$i}]")"
done
touch "$T/stop"; wait "$HPID"
echo "# stranger requests: $(cat "$T/hammer.out")"
expect_eq "40 admin PATCHes during the hammering: all 200" "" "$(tr ' ' '\n' <<<"$patch_codes" | grep -v '^200$' | grep . | sort | uniq -c)"
ok "strangers got only 401 (heartbeat) and 200 (tokenless lookup)" \
	grep -Eqx '(200:[0-9]+ )?401:[0-9]+' "$T/hammer.out"
expect_eq "the last PATCH is stored" 40 "$(as sysadmin GET /v1/nodes/na >/dev/null; jq -r .extra.n "$T/as.body")"

# The token's holder heartbeats: the conductor sends it prepare_image; its
# callback URL is then fixed.
expect_eq "agent heartbeat with the token: 202" 202 "$(hb "$NA" "$TOKEN" "$FAKE")"
wait_until 60 'grep -q prepare_image "$T/fake.log" && [ "$(st na)" = "wait call-back" ] ||
	! grep -qx "wait call-back\|deploying" <<<"$(st na)"'
expect_eq "its callback URL recorded" "$FAKE" \
	"$(db "select $(db_json driver_internal_info agent_url) from nodes where name='na'")"
if grep -q prepare_image "$T/fake.log"; then
	ok "the token's holder got standby.prepare_image" true
	expect_eq "a changed callback URL, even with the token: 400" 400 \
		"$(hb "$NA" "$TOKEN" "http://127.0.0.1:1")"
	expect_eq "... the recorded one stays" "$FAKE" \
		"$(db "select $(db_json driver_internal_info agent_url) from nodes where name='na'")"
else
	echo "# na did not reach prepare_image ($(st na): $(as sysadmin GET /v1/nodes/na >/dev/null; jq -r .last_error "$T/as.body")); callback URL change not checked"
fi
[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; FAKE_PID=
finish
