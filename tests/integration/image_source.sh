#!/usr/bin/env bash
# image_download_source (Ironic's; docs/redfish.md#image-download-source):
# with http the agent downloads the http image_source itself, with local
# ingotd downloads, verifies and serves it.  A real ingotd drives a real
# ingot-agent (a local process, its "disk" a sparse file) through two
# deploys of an image on a small HTTP server that records, for each
# request, which process made it (the peer socket's owner in /proc), so
# the test knows who fetched the image.  Bad values are refused with 400.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
[ -x "$AGENT" ] || { echo "1..0 # SKIP ingot-agent not built"; exit 77; }
MAC=52:54:00:a9:00:17
AGENT_PID= WEB_PID=

cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[conductor]
automated_clean = false
[deploy]
callback_timeout = 30
heartbeat_timeout = 10
CONF
ingot_start --config "$T/ingotd.conf" || exit 1

stop_agent() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}
trap 'stop_agent; [ -n "$WEB_PID" ] && kill "$WEB_PID" 2>/dev/null; _cleanup' EXIT
APORT=$(free_port)
start_agent() {
	"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$APORT" --advertise-host 127.0.0.1 \
		--mac "$MAC" --disk "$T/disk.img" --heartbeat-interval 1 --no-power \
		2>>"$T/agent.stderr" &
	AGENT_PID=$!
}

# The image server: each GET logged as "PID PATH", PID the client's process.
WPORT=$(free_port)
mkdir -p "$T/www"
cat >"$T/web.py" <<'PY'
import http.server, os, sys

def peer_pid(port):
    inode = None
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(f).readlines()[1:]:
            c = line.split()
            if int(c[1].split(":")[1], 16) == port and c[9] != "0":
                inode = c[9]
    if inode is None:
        return "?"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == "socket:[%s]" % inode:
                    return pid
        except OSError:
            pass
    return "?"

class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2], "a") as log:
            log.write("%s %s\n" % (peer_pid(self.client_address[1]), self.path))
        super().do_GET()
    def log_message(self, *a):
        pass

os.chdir(sys.argv[3])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$T/web.py" "$WPORT" "$T/web.log" "$T/www" 2>"$T/web.err" &
WEB_PID=$!
head -c 2M /dev/urandom >"$T/www/img.raw"
printf '\x55\xaa' | dd of="$T/www/img.raw" bs=1 seek=510 conv=notrunc status=none
SUM=$(sha256sum "$T/www/img.raw" | cut -d' ' -f1)
wait_until 20 "curl -sf -o /dev/null http://127.0.0.1:$WPORT/img.raw"
: >"$T/web.log"

api POST /v1/nodes '{"name":"ids","driver":"fake-hardware","deploy_interface":"direct"}' >"$T/n.json"
N=$(jq -r .uuid "$T/n.json")
api POST /v1/ports "{\"node_uuid\":\"$N\",\"address\":\"$MAC\"}" >/dev/null
state() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r .provision_state; }
provision() { api PUT "/v1/nodes/$N/states/provision" "{\"target\":\"$1\"}" >/dev/null; }
provision manage
wait_until 60 '[ "$(state)" = manageable ]'
provision provide
wait_until 60 '[ "$(state)" = available ]'

# --- refused values -----------------------------------------------------------
ii() {	# ii JSON-VALUE-OF-image_download_source: PATCH instance_info
	api PATCH "/v1/nodes/$N" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{
		\"image_source\":\"http://127.0.0.1:$WPORT/img.raw\",\"image_os_hash_algo\":\"sha256\",
		\"image_os_hash_value\":\"$SUM\",\"image_download_source\":$1}}]" >/dev/null
}
for v in '"swift"' '"HTTP"' '""' '7' 'null' '["http"]' '"http;local"'; do
	[ "$v" = null ] && continue
	ii "$v"
	expect_eq "instance_info image_download_source $v: 400" 400 "$STATUS"
done
api PATCH "/v1/nodes/$N" '[{"op":"add","path":"/driver_info/image_download_source","value":"swift"}]' >/dev/null
expect_eq "driver_info image_download_source swift: 400" 400 "$STATUS"
ok "... and the error says what is supported" grep -q "must be http or local" "$T/api.body"
expect_eq "nothing of them was stored" null "$(api GET "/v1/nodes/$N" | jq -c '.instance_info.image_download_source // .driver_info.image_download_source')"

# deploy TAG: a whole deploy with the agent; the web log of it in $T/web-TAG.log
deploy() {
	: >"$T/web.log"
	head -c 16M /dev/zero >"$T/disk.img"
	provision active
	wait_until 60 '[ "$(state)" = "wait call-back" ]'
	start_agent
	AGENT_LAST=$AGENT_PID
	wait_until 90 '[ "$(state)" = active ] || [ "$(state)" = "deploy failed" ]'
	expect_eq "$1: active" active "$(state)"
	ok "$1: the disk holds the image" cmp -n "$(stat -c %s "$T/www/img.raw")" "$T/www/img.raw" "$T/disk.img"
	cp "$T/web.log" "$T/web-$1.log"
	stop_agent
	provision deleted
	wait_until 60 '[ "$(state)" = available ]'
}

# --- http (instance_info): the agent fetches the URL ------------------------------
ii '"http"'
expect_eq "instance_info image_download_source http: accepted" 200 "$STATUS"
deploy http
expect_eq "http: the image server saw one GET, from the agent (pid $AGENT_LAST)" \
	"$AGENT_LAST /img.raw" "$(cat "$T/web-http.log")"
ok "http: ingotd cached nothing" bash -c "! grep -q 'serving Image' '$T/ingotd.log'"

# --- local (driver_info; instance_info left without one): ingotd fetches ---------
api PATCH "/v1/nodes/$N" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{
	\"image_source\":\"http://127.0.0.1:$WPORT/img.raw\",\"image_os_hash_algo\":\"sha256\",
	\"image_os_hash_value\":\"$SUM\"}},
	{\"op\":\"add\",\"path\":\"/driver_info/image_download_source\",\"value\":\"local\"}]" >/dev/null
expect_eq "driver_info image_download_source local: accepted" 200 "$STATUS"
deploy local
expect_eq "local: the image server saw one GET, from ingotd" "$INGOTD_PID /img.raw" "$(cat "$T/web-local.log")"
ok "local: the agent got it from ingotd's /images/" grep -q 'serving Image' "$T/ingotd.log"

# --- driver_info http, instance_info local: instance_info wins -----------------
api PATCH "/v1/nodes/$N" '[{"op":"replace","path":"/driver_info/image_download_source","value":"http"}]' >/dev/null
ii '"local"'
deploy precedence
expect_eq "instance_info local over driver_info http: ingotd fetched" "$INGOTD_PID /img.raw" \
	"$(cat "$T/web-precedence.log")"

# --- http with a wrong checksum: the agent refuses to finish, the deploy fails ----
api PATCH "/v1/nodes/$N" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{
	\"image_source\":\"http://127.0.0.1:$WPORT/img.raw\",\"image_os_hash_algo\":\"sha256\",
	\"image_os_hash_value\":\"$(printf '%064d' 0)\",\"image_download_source\":\"http\"}}]" >/dev/null
: >"$T/web.log"
provision active
wait_until 60 '[ "$(state)" = "wait call-back" ]'
start_agent
wait_until 90 '[ "$(state)" = "deploy failed" ]'
expect_eq "http, wrong checksum: deploy failed" "deploy failed" "$(state)"
ok "http, wrong checksum: last_error names the checksum" bash -c \
	"curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .last_error | grep -qi checksum"
expect_eq "http, wrong checksum: the node is not locked" null "$(api GET "/v1/nodes/$N" | jq -r .reservation)"
stop_agent
finish
