#!/usr/bin/env bash
# Adversarial: Redfish nodes in the hands of projects, and a hostile BMC.
# Projects reach the BMC operations of nodes they own (BIOS read by
# readers, boot mode, secure boot, NMI by members) and nothing of other
# projects' nodes; they never see or copy the BMC password.  A BMC is
# untrusted: huge, deeply nested or slow answers and links to other
# hosts end in a clear error within the timeouts, and ingotd never
# follows a BMC to another host.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/adv.sh"
. "$(dirname "$0")/../lib/redfish.sh"
rf_start good --password sekrit-bmc || exit 1
adv_start <<CONF || exit 1
[redfish]
timeout = 2
connect_timeout = 2
retries = 0
task_timeout = 5
[deploy]
image_allowed_hosts = 127.0.0.1
CONF
for n in ra:a rb:b; do
	IFS=: read -r name owner <<<"$n"
	as sysadmin POST /v1/nodes "{\"name\":\"$name\",\"driver\":\"redfish\",\"owner\":\"$owner\",\"deploy_interface\":\"fake\",\"boot_interface\":\"fake\",\"network_interface\":\"noop\",\"driver_info\":{\"redfish_address\":\"$(rf_url good)\",\"redfish_system_id\":\"good\",\"redfish_username\":\"admin\",\"redfish_password\":\"sekrit-bmc\"}}" >/dev/null
done
LONG=$(head -c 3000 /dev/zero | tr '\0' x)

adv_rows <<ROWS
# BIOS: the owner's readers read it; other projects and anonymous callers do not
areader|GET|/v1/nodes/ra/bios||200
bmember|GET|/v1/nodes/ra/bios||404
badmin|GET|/v1/nodes/ra/bios/ProcTurboMode||404
-|GET|/v1/nodes/ra/bios||401
# odd setting names: not found, nothing else
areader|GET|/v1/nodes/ra/bios/$LONG||404|414
areader|GET|/v1/nodes/ra/bios/..%2F..%2FManagers||404
# boot mode, secure boot, NMI: the owner's members; not its readers, not others
areader|PUT|/v1/nodes/ra/states/boot_mode|{"target":"uefi"}|403
bmember|PUT|/v1/nodes/ra/states/boot_mode|{"target":"uefi"}|404
bmember|PUT|/v1/nodes/ra/states/secure_boot|{"target":true}|404
bmember|PUT|/v1/nodes/ra/management/inject_nmi|{}|404
amember|PUT|/v1/nodes/ra/states/boot_mode|{"target":"uefi","extra":1}|400
amember|PUT|/v1/nodes/ra/states/boot_mode|{"target":"uefi"}|202
# the password: not readable, not copyable, not settable by a project
amember|PATCH|/v1/nodes/ra|[{"op":"copy","from":"/driver_info/redfish_password","path":"/extra/x"}]|403
amember|PATCH|/v1/nodes/ra|[{"op":"replace","path":"/driver_info/redfish_address","value":"http://127.0.0.1:1"}]|403
# a bios clean step with absurd settings is refused before anything runs
sysadmin|PUT|/v1/nodes/rb/states/provision|{"target":"clean","clean_steps":[{"interface":"bios","step":"apply_configuration","args":{"settings":"all"}}]}|400
ROWS
as sysadmin PATCH /v1/nodes/rb '[{"op":"replace","path":"/driver_info/redfish_password","value":"wrong"}]' >/dev/null
expect_eq "a BMC refusal seen by the owner: 503" 503 "$(as breader GET /v1/nodes/rb/bios)"
ok "it does not name the BMC user or address" bash -c "grep -q 'authentication failed' '$T/as.body' && ! grep -q -e \"'admin'\" -e 127.0.0.1 '$T/as.body'"
as amember GET /v1/nodes/ra >/dev/null
ok "a project never sees the BMC password" bash -c "! grep -q sekrit '$T/as.body'"
expect_eq "the BMC password is not in the log" 0 "$(grep -c sekrit "$T/ingotd.log")"

# --- virtual media (1.89): the BMC fetches a URL of the caller's choice -------
# ISOs of the redfish-virtual-media boot interface: only the exact token
adv_rows <<ROWS
-|GET|/vmedia/$(printf '%064d' 0).iso||404
-|GET|/vmedia/..%2F..%2Fingot.db||404
-|GET|/vmedia/$LONG.iso||404|414
ROWS
MAX=$(curl -s "$INGOT_URL/" | jq -r '.default_version.version' | cut -d. -f2)
if [ "$MAX" -ge 89 ]; then
	as sysadmin PATCH /v1/nodes/ra '[{"op":"add","path":"/lessee","value":"c"}]' >/dev/null
	adv_rows <<ROWS
# the owner's admins attach and detach; not its members, not the lessee, not others
amember|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/a.iso"}|403
cadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/a.iso"}|403
badmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/a.iso"}|404
-|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/a.iso"}|401
cadmin|DELETE|/v1/nodes/ra/vmedia||403
# URLs the BMC must not be sent to: other schemes, hosts off the allowed list,
# metadata services, spaces, huge ones; odd devices and sources, extra fields
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"file:///etc/shadow"}|400
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://169.254.169.254/latest/"}|400
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/a b.iso"}|400
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/$LONG"}|400
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"../cd","image_url":"http://127.0.0.1:1/a.iso"}|400
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/a.iso","image_download_source":"local"}|400
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/a.iso","x":1}|400
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":7}|400
aadmin|POST|/v1/nodes/ra/vmedia|{"device_type":"cdrom","image_url":"http://127.0.0.1:1/a.iso"}|204
aadmin|DELETE|/v1/nodes/ra/vmedia||204
ROWS
	expect_eq "vmedia: the node is not left locked" null "$(as sysadmin GET /v1/nodes/ra >/dev/null; jq -r .reservation "$T/as.body")"
else
	echo "# ingotd announces 1.$MAX: the vmedia API rows need 1.89"
fi

# --- a hostile BMC ------------------------------------------------------------
HP=$(free_port)
cat >"$T/hostile.py" <<'PY'
import http.server, json, sys, time, threading
port = int(sys.argv[1]); hits = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def send(self, status, body, extra=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (extra or {}).items(): self.send_header(k, v)
        self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
    def record(self):
        with open(hits, "a") as f: f.write("%s %s %s\n" % (self.server.server_address[0], self.command, self.path))
    def do_GET(self):
        self.record(); p = self.path
        elsewhere = "http://127.0.0.2:%d" % port
        if p.endswith("/big"): return self.send(200, b'{"PowerState":"On","x":"' + b"a" * (3 << 20) + b'"}')
        if p.endswith("/nested"): return self.send(200, b"[" * 100000)
        if p.endswith("/slow"): time.sleep(30); return self.send(200, {"PowerState": "On"})
        if p.endswith("/elsewhere"):
            return self.send(200, {"PowerState": "On", "Actions": {"#ComputerSystem.Reset": {"target": elsewhere + "/steal"}},
                                   "Bios": {"@odata.id": elsewhere + "/redfish/v1/Bios"},
                                   "Links": {"Chassis": [{"@odata.id": "/redfish/v1/../../etc/passwd"}]}})
        return self.send(404, {"error": {"message": "no"}})
    def do_POST(self):
        self.record(); self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return self.send(202, b"", {"Location": "http://127.0.0.2:%d/redfish/v1/TaskService/Tasks/1" % port})
class S(http.server.ThreadingHTTPServer): daemon_threads = True
for a in ("127.0.0.1", "127.0.0.2"):
    s = S((a, port), H); threading.Thread(target=s.serve_forever, daemon=True).start()
threading.Event().wait()
PY
python3 "$T/hostile.py" "$HP" "$T/hits" &
HPID=$!
RF_PIDS[hostile]=$HPID
wait_until 30 "curl -s http://127.0.0.1:$HP/ >/dev/null"
for s in big nested slow elsewhere; do
	as sysadmin POST /v1/nodes "{\"name\":\"h$s\",\"driver\":\"redfish\",\"deploy_interface\":\"fake\",\"boot_interface\":\"fake\",\"network_interface\":\"noop\",\"driver_info\":{\"redfish_address\":\"http://127.0.0.1:$HP\",\"redfish_system_id\":\"$s\",\"redfish_auth_type\":\"basic\",\"redfish_username\":\"u\",\"redfish_password\":\"p\"}}" >/dev/null
done
reason() { as sysadmin GET "/v1/nodes/$1/validate" >/dev/null; jq -r .power.reason "$T/as.body"; }
has() { [[ "$1" == *"$2"* ]]; }
ok "a 3 MiB answer: refused by its size" has "$(reason hbig)" "larger than"
ok "100000 nested brackets: not a document" has "$(reason hnested)" "not a JSON object"
t0=$(date +%s)
ok "a BMC that never answers: a timeout" has "$(reason hslow)" "did not answer"
expect_eq "within the request timeout" true "$([ $(( $(date +%s) - t0 )) -lt 15 ] && echo true || echo false)"
as sysadmin PUT /v1/nodes/helsewhere/states/power '{"target":"power off"}' >/dev/null
wait_until 60 "as sysadmin GET /v1/nodes/helsewhere >/dev/null; jq -e '.last_error != null' '$T/as.body'"
ok "a task elsewhere is not followed: a clear error" bash -c "jq -r .last_error '$T/as.body' | grep -q 'task location is not a Redfish path'"
expect_eq "a Bios link elsewhere: not followed (503)" 503 "$(as sysadmin GET /v1/nodes/helsewhere/bios)"
expect_eq "sensors through an escaping link: not followed (503)" 503 "$(as sysadmin GET /v1/nodes/helsewhere/management/sensors)"
expect_eq "nothing was sent to another host or path" 0 "$(grep -c -e '^127.0.0.2' -e steal -e passwd "$T/hits")"
kill "$HPID"; wait "$HPID" 2>/dev/null; unset 'RF_PIDS[hostile]'
finish
