#!/usr/bin/env bash
# agent_verify_ca (IPA's auto-TLS, API 1.68): a stock IPA against a server
# of 1.68 or newer makes a self-signed certificate for its command listener,
# serves https and sends the certificate in its heartbeats.  A stand-in for
# it (Python's ssl server with an openssl-made certificate for 127.0.0.1)
# heartbeats to a real ingotd; ingotd pins the certificate and sends its
# cleaning commands over https verified with it alone.  A heartbeat whose
# certificate is not the one the agent serves makes the commands fail
# (nothing is sent in the clear); garbage, oversized or changed
# certificates are refused with 400.
source "$(dirname "$0")/../lib/lib.sh"
MAC=52:54:00:a9:00:71
STUB_PID= HB_PID=

cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[deploy]
callback_timeout = 300
heartbeat_timeout = 5
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
stop_all() {
	[ -n "$HB_PID" ] && kill "$HB_PID" 2>/dev/null && wait "$HB_PID" 2>/dev/null
	[ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null && wait "$STUB_PID" 2>/dev/null
	HB_PID= STUB_PID=
	return 0
}
trap 'stop_all; _cleanup' EXIT

cert() {	# cert NAME: a self-signed certificate for 127.0.0.1, as IPA makes one
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.pem" \
		-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
}
ok "the agent's certificate" cert agent
ok "another certificate" cert other

# The agent's command API over https: every command succeeds; requests logged.
APORT=$(free_port)
python3 - "$APORT" "$T/agent.pem" "$T/agent.key" "$T/stub.jsonl" >"$T/stub.log" 2>&1 <<'PY' &
import http.server, json, ssl, sys, uuid
recs = []
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, body):
        b = json.dumps(body).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log(self):
        with open(sys.argv[4], "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path.split("?")[0]}) + "\n")
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.log()
        r = {"id": str(uuid.uuid4()), "command_name": body["name"].split(".", 1)[1],
             "command_params": {}, "command_status": "SUCCEEDED", "command_error": None,
             "command_result": {"clean_result": None, "clean_step": body["params"].get("step")}}
        recs.append(r)
        self.reply(r)
    def do_GET(self):
        self.log()
        self.reply({"commands": recs})
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
STUB_PID=$!
wait_until 30 "curl -fsS --cacert '$T/agent.pem' -o /dev/null 'https://127.0.0.1:$APORT/v1/commands/'"
: >"$T/stub.jsonl"

state() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r .provision_state; }
field() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r "$1"; }
pin() {	# driver_internal_info is not shown by the API: the database
	db "select coalesce($(db_json driver_internal_info agent_verify_ca), 'none')
	    from nodes where uuid='$N'"
}
TOKEN=
lookup() { TOKEN=$(curl -s -H 'X-OpenStack-Ironic-API-Version: 1.68' \
	"$INGOT_URL/v1/lookup?addresses=$MAC" | jq -r .config.agent_token); }
hb_body() {	# hb_body CERT-FILE-or-STRING
	local ca
	if [ -f "$1" ]; then ca=$(cat "$1"); else ca=$1; fi
	jq -n --arg u "https://127.0.0.1:$APORT" --arg t "$TOKEN" --arg c "$ca" \
		'{callback_url: $u, agent_token: $t, agent_version: "9.0.0", agent_verify_ca: $c}'
}
hb() {	# hb CERT: the status
	hb_body "$1" | curl -s -o "$T/hb.out" -w '%{http_code}' -X POST \
		-H 'X-OpenStack-Ironic-API-Version: 1.68' -H 'Content-Type: application/json' \
		--data-binary @- "$INGOT_URL/v1/heartbeat/$N"
}
heartbeats() {	# heartbeats CERT: every second, as IPA does, until killed
	while :; do hb "$1" >/dev/null; sleep 1; done &
	HB_PID=$!
}

api POST /v1/nodes '{"name":"tls-agent","driver":"fake-hardware","deploy_interface":"direct"}' >"$T/n.json"
N=$(jq -r .uuid "$T/n.json")
api POST /v1/ports "{\"node_uuid\":\"$N\",\"address\":\"$MAC\"}" >/dev/null
api PUT "/v1/nodes/$N/states/provision" '{"target":"manage"}' >/dev/null
wait_until 60 '[ "$(state)" = manageable ]'

# --- cleaning through an https agent, its certificate pinned ----------------
api PUT "/v1/nodes/$N/states/provision" '{"target":"provide"}' >/dev/null
wait_until 60 '[ "$(state)" = "clean wait" ]'
lookup
ok "lookup gave a token" test -n "$TOKEN" -a "$TOKEN" != null
expect_eq "heartbeat with agent_verify_ca: accepted" 202 "$(hb "$T/agent.pem")"
expect_eq "the certificate is pinned" "$(cat "$T/agent.pem")" "$(pin)"
expect_eq "another certificate after the pin: 400" 400 "$(hb "$T/other.pem")"
ok "... saying so" grep -q 'agent_verify_ca' "$T/hb.out"
expect_eq "garbage: 400" 400 "$(hb 'not a certificate')"
expect_eq "oversized: 400" 400 "$(hb "$(head -c 20000 /dev/zero | tr '\0' A)")"
expect_eq "the pin is unchanged" "$(cat "$T/agent.pem")" "$(pin)"
heartbeats "$T/agent.pem"
wait_until 90 '[ "$(state)" = available ] || [ "$(state)" = "clean failed" ]'
stop_all
expect_eq "cleaned through the https agent: available" available "$(state)"
expect_eq "no last_error" null "$(field .last_error)"
ok "ingotd sent the clean step over https (verified with the pinned certificate)" \
	jq -se 'any(.method == "POST" and .path == "/v1/commands/")' "$T/stub.jsonl"
ok "... and polled the command over https" jq -se 'any(.method == "GET")' "$T/stub.jsonl"
expect_eq "the pin is forgotten with the agent" none "$(pin)"

# --- a certificate that is not the one the agent serves: nothing sent -------
# (the stand-in still serves agent.pem; the heartbeat pins other.pem)
: >"$T/stub.jsonl"
api PUT "/v1/nodes/$N/states/provision" '{"target":"manage"}' >/dev/null
wait_until 60 '[ "$(state)" = manageable ]'
api PUT "/v1/nodes/$N/states/provision" '{"target":"provide"}' >/dev/null
wait_until 60 '[ "$(state)" = "clean wait" ]'

python3 - "$APORT" "$T/agent.pem" "$T/agent.key" "$T/stub.jsonl" >/dev/null 2>&1 <<'PY' &
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        with open(sys.argv[4], "a") as f:
            f.write(json.dumps({"method": "POST", "path": self.path.split("?")[0]}) + "\n")
        self.send_response(500); self.send_header("Content-Length", "0"); self.end_headers()
    do_GET = do_POST
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
STUB_PID=$!
wait_until 30 "curl -fsS --cacert '$T/agent.pem' -o /dev/null 'https://127.0.0.1:$APORT/x' || [ \$? = 22 ]"
: >"$T/stub.jsonl"
lookup
heartbeats "$T/other.pem"
wait_until 90 '[ "$(state)" = "clean failed" ] || [ "$(state)" = available ]'
stop_all
expect_eq "a wrong certificate: cleaning fails" "clean failed" "$(state)"
ok "last_error: the agent could not be verified ($(field .last_error | cut -c1-120))" \
	bash -c "curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .last_error | grep -qi -e certificate -e ssl -e tls"
ok "no request reached the agent" test ! -s "$T/stub.jsonl"
ok "no token in ingotd's log" bash -c "! grep -q '$TOKEN' '$T/ingotd.log'"
finish
