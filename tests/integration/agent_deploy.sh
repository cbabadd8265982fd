#!/usr/bin/env bash
# Direct deploy and cleaning end to end without a VM: a real ingotd drives
# a real ingot-agent (a local process whose "disk" is a sparse file)
# through the IPA protocol: lookup, token, heartbeats, prepare_image,
# clean steps.  Asserts the bytes on the disk and the node's states.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
MAC=52:54:00:a9:00:01
AGENT_PID=

cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[deploy]
file_url_allowed_paths = $T
callback_timeout = 10
heartbeat_timeout = 5
CONF
ingot_start --config "$T/ingotd.conf" || exit 1

stop_agent() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}
trap 'stop_agent; _cleanup' EXIT

APORT=$(free_port)
start_agent() {
	"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$APORT" --advertise-host 127.0.0.1 \
		--mac "$MAC" --disk "$T/disk.img" --heartbeat-interval 1 --no-power \
		2>>"$T/agent.stderr" &
	AGENT_PID=$!
}
state() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r .provision_state; }
field() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r "$1"; }
# provision TARGET [extra JSON members]: sets STATUS
provision() {
	api PUT "/v1/nodes/$N/states/provision" "{\"target\":\"$1\"${2:+,$2}}" >/dev/null
}
# with_agent STATE: an agent runs (as a freshly booted ramdisk) until the
# node reaches STATE, then the machine "reboots" (the agent stops).
with_agent() {
	start_agent
	wait_until 60 "[ \"\$(state)\" = '$1' ]"
	stop_agent
}
image() {	# image FILE SUM [FORMAT]
	api PATCH "/v1/nodes/$N" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"file://$1\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$2\"${3:+,\"image_disk_format\":\"$3\"}}}]" >/dev/null
}

# The images: a raw whole-disk image and the same content as qcow2.
head -c 3M /dev/urandom >"$T/img.raw"
printf '\x55\xaa' | dd of="$T/img.raw" bs=1 seek=510 conv=notrunc status=none
truncate -s 8M "$T/img.raw"
qemu-img convert -q -f raw -O qcow2 "$T/img.raw" "$T/img.qcow2"
RAW_SUM=$(sha256sum "$T/img.raw" | cut -d' ' -f1)
QCOW_SUM=$(sha256sum "$T/img.qcow2" | cut -d' ' -f1)
head -c 64M /dev/urandom >"$T/disk.img"		# old data everywhere

api POST /v1/nodes '{"name":"agent-node","driver":"fake-hardware","deploy_interface":"direct"}' >"$T/n.json"
expect_eq "node enrolled" 201 "$STATUS"
N=$(jq -r .uuid "$T/n.json")
api POST /v1/ports "{\"node_uuid\":\"$N\",\"address\":\"$MAC\"}" >/dev/null
provision manage
wait_until 60 '[ "$(state)" = manageable ]'

# Lookup answers only nodes in a deploy, clean, inspect or rescue state.
api GET "/v1/lookup?addresses=$MAC" >/dev/null
expect_eq "lookup of a manageable node: 404" 404 "$STATUS"

# provide: automated cleaning (erase_devices_metadata) by the agent
provision provide
wait_until 60 '[ "$(state)" = "clean wait" ]'
expect_eq "provide: node waits for its cleaning agent" "clean wait" "$(state)"
with_agent available
expect_eq "provide: cleaned by the agent, available" available "$(state)"
ok "provide: first MiB zeroed" cmp -n 1048576 "$T/disk.img" /dev/zero
ok "provide: last MiB zeroed" bash -c "tail -c 1048576 '$T/disk.img' | cmp - <(head -c 1048576 /dev/zero)"
ok "provide: data past the metadata left alone (metadata erase only)" \
	bash -c "! cmp -s -n 3145728 <(tail -c +1048577 '$T/disk.img') <(head -c 3145728 /dev/zero)"

# --- deploy a raw image --------------------------------------------------
image "$T/img.raw" "$RAW_SUM"
provision active
expect_eq "deploy accepted" 202 "$STATUS"
wait_until 60 '[ "$(state)" = "wait call-back" ]'
expect_eq "node waits for its agent" "wait call-back" "$(state)"
t0=$(date +%s.%N)
start_agent
wait_until 60 '[ "$(state)" = active ]'
t1=$(date +%s.%N)
expect_eq "raw deploy: node active" active "$(state)"
ok "raw deploy: disk bytes equal the image" cmp -n 8388608 "$T/img.raw" "$T/disk.img"
expect_eq "raw deploy: no error" null "$(field .last_error)"
echo "# raw deploy: agent start to active $(echo "$t1 - $t0" | bc) s"
expect_eq "the agent token is wiped once active" "" \
	"$(db "select $(db_json driver_internal_info agent_secret_token) from nodes where uuid='$N'")"

# The agent refuses commands without the token, and with a forged one.
acmd() {	# acmd TOKEN-QUERY BODY
	curl -s -o "$T/c.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$2" "http://127.0.0.1:$APORT/v1/commands/?wait=true$1"
}
erase='{"name":"clean.execute_clean_step","params":{"step":{"step":"erase_devices","interface":"deploy"}}}'
expect_eq "agent command without token: 401" 401 "$(acmd "" "$erase")"
expect_eq "agent command with a forged token: 401" 401 "$(acmd "&agent_token=forged" "$erase")"
ok "forged commands wrote nothing" cmp -n 8388608 "$T/img.raw" "$T/disk.img"
expect_eq "listing commands without token: 401" 401 \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APORT/v1/commands/")"
api POST "/v1/heartbeat/$N" '{"callback_url":"http://127.0.0.1:1","agent_token":"forged","agent_version":"x"}' >/dev/null
expect_eq "ingotd: heartbeat with a forged token refused" 401 "$STATUS"
stop_agent	# the machine now runs its instance

# --- undeploy: automated cleaning wipes the partition table ----------------
provision deleted
wait_until 60 '[ "$(state)" = "clean wait" ]'
expect_eq "undeploy: node waits for its cleaning agent" "clean wait" "$(state)"
with_agent available
expect_eq "undeploy: cleaned, available" available "$(state)"
ok "undeploy: the image's partition table is gone" cmp -n 1048576 "$T/disk.img" /dev/zero

# --- deploy a qcow2 image ---------------------------------------------------
image "$T/img.qcow2" "$QCOW_SUM" qcow2
head -c 64M /dev/urandom >"$T/disk.img"
provision active
wait_until 60 '[ "$(state)" = "wait call-back" ]'
with_agent active
expect_eq "qcow2 deploy: node active" active "$(state)"
ok "qcow2 deploy: disk bytes equal the raw form of the image" cmp -n 8388608 "$T/img.raw" "$T/disk.img"
provision deleted
wait_until 60 '[ "$(state)" = "clean wait" ]'
with_agent available

# --- manual cleaning with erase_devices (the whole disk) ------------------
provision manage
wait_until 60 '[ "$(state)" = manageable ]'
head -c 64M /dev/urandom >"$T/disk.img"
provision clean '"clean_steps":[{"interface":"deploy","step":"erase_devices"}]'
expect_eq "manual cleaning accepted" 202 "$STATUS"
wait_until 60 '[ "$(state)" = "clean wait" ]'
with_agent manageable
expect_eq "manual erase_devices: node manageable" manageable "$(state)"
ok "manual erase_devices: the whole disk reads zero" cmp -n 67108864 "$T/disk.img" /dev/zero

# an unknown clean step fails cleaning with the agent's reason
provision clean '"clean_steps":[{"interface":"deploy","step":"polish_disks"}]'
wait_until 60 '[ "$(state)" = "clean wait" ]'
with_agent "clean failed"
expect_eq "unknown clean step: clean failed" "clean failed" "$(state)"
ok "unknown clean step: the agent's reason is recorded" \
	bash -c "curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .last_error | grep -q polish_disks"
provision manage
wait_until 60 '[ "$(state)" = manageable ]'
provision provide
wait_until 60 '[ "$(state)" = "clean wait" ]'
with_agent available

# --- the image changed after it was registered: the checksum catches it --
head -c 8M /dev/urandom >"$T/evil.raw"
image "$T/evil.raw" "$RAW_SUM"
head -c 64M /dev/urandom >"$T/disk.img"
cp "$T/disk.img" "$T/disk.before"
provision active
wait_until 60 '[ "$(state)" = "wait call-back" ]'
with_agent "deploy failed"
expect_eq "wrong checksum: deploy failed" "deploy failed" "$(state)"
ok "wrong checksum: the reason names the checksum" \
	bash -c "curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .last_error | grep -q checksum"
ok "wrong checksum: nothing was written" cmp "$T/disk.img" "$T/disk.before"
expect_eq "wrong checksum: node not locked" null "$(field .reservation)"
expect_eq "wrong checksum: node powered off" "power off" "$(field .power_state)"

# --- no agent ever comes: the callback timeout fails the deploy ------------
image "$T/img.raw" "$RAW_SUM"
provision active
wait_until 60 '[ "$(state)" = "wait call-back" ]'
wait_until 40 '[ "$(state)" = "deploy failed" ]'
expect_eq "no agent within callback_timeout: deploy failed" "deploy failed" "$(state)"
ok "the timeout is the recorded reason" \
	bash -c "curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .last_error | grep -qi timeout"
expect_eq "the timed-out node is not locked" null "$(field .reservation)"
expect_eq "the timed-out node is powered off" "power off" "$(field .power_state)"

# --- automated_clean off on the node: no agent needed to become available --
api PATCH "/v1/nodes/$N" '[{"op":"add","path":"/automated_clean","value":false}]' >/dev/null
expect_eq "automated_clean=false accepted" 200 "$STATUS"
provision deleted
wait_until 60 '[ "$(state)" = available ]'
expect_eq "automated_clean=false: undeploy reaches available without an agent" available "$(state)"
provision manage
wait_until 60 '[ "$(state)" = manageable ]'
provision provide
wait_until 60 '[ "$(state)" = available ]'
expect_eq "automated_clean=false: provide reaches available without an agent" available "$(state)"

# --- the agent's command API: malformed requests get IPA errors -----------
# A stand-in conductor hands the agent a known token (the real one is
# tested above); then the agent's own API is probed.  Like Ironic, it says
# in GET / which API version it speaks (1.68 here: before heartbeats could
# carry agent_status_message) and refuses heartbeats with fields that
# version does not know; it records every heartbeat.
SPORT=$(free_port)
python3 - "$SPORT" "$T/hb.jsonl" >"$T/stub.log" 2>&1 <<'PY' &
import http.server, json, sys
FIELDS = {"callback_url", "agent_token", "agent_version", "agent_verify_ca"}
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body):
        b = json.dumps(body).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_GET(self):
        if self.path == "/":
            return self.reply(200, {"default_version": {"id": "v1", "version": "1.68",
                                                        "min_version": "1.1"}})
        self.reply(200, {"node": {"uuid": "6c8a4c1e-0000-4000-8000-000000000001",
                                  "properties": {}}, "config": {"agent_token": "known-token",
                                  "heartbeat_timeout": 300}})
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        ver = self.headers.get("X-OpenStack-Ironic-API-Version")
        code = 202 if set(body) <= FIELDS and ver == "1.68" else 400
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"version": ver, "body": body, "status": code}) + "\n")
        self.reply(code, {} if code == 202 else {"error_message": json.dumps(
            {"faultstring": "Fields not recognised", "faultcode": "Client"})})
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
STUB_PID=$!
"$AGENT" --api-url "http://127.0.0.1:$SPORT" --listen "127.0.0.1:$APORT" --mac "$MAC" \
	--disk "$T/disk.img" --heartbeat-interval 1 --no-power 2>>"$T/agent.stderr" &
AGENT_PID=$!
wait_until 60 "[ -s '$T/hb.jsonl' ]"
tok="&agent_token=known-token"
# Ironic up to 2025.1 lists commands without the token; IPA allows that
# until a listing carries the token, and so does the agent.
expect_eq "a command with the token: 200" 200 "$(acmd "$tok" '{"name":"standby.sync","params":{"secret":"s3"}}')"
expect_eq "tokenless listing (as Ironic 21.4 polls): 200" 200 \
	"$(curl -s -o "$T/l.out" -w '%{http_code}' "http://127.0.0.1:$APORT/v1/commands/")"
expect_eq "tokenless listing: the command, without its params" "sync SUCCEEDED null" \
	"$(jq -r '.commands[0] | "\(.command_name) \(.command_status) \(.command_params)"' "$T/l.out")"
expect_eq "listing with the token: its params too" s3 \
	"$(curl -s "http://127.0.0.1:$APORT/v1/commands/?agent_token=known-token" | jq -r '.commands[0].command_params.secret')"
expect_eq "after a listing with the token, tokenless listings: 401" 401 \
	"$(curl -s -o "$T/l.out" -w '%{http_code}' "http://127.0.0.1:$APORT/v1/commands/")"
expect_eq "401: IPA's error body" "Client Unauthorized: Token invalid." \
	"$(jq -r '.faultcode + " " + .faultstring' "$T/l.out")"
expect_eq "a forged token on a listing: 401" 401 \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APORT/v1/commands/?agent_token=forged")"
# An image written while the server speaks 1.68: no heartbeat carries the
# progress (agent_status_message needs 1.72), none is refused.
expect_eq "prepare_image under a 1.68 server: 200" 200 "$(acmd "$tok" "{\"name\":\"standby.prepare_image\",\"params\":{\"image_info\":{\"urls\":[\"file://$T/img.raw\"],\"os_hash_algo\":\"sha256\",\"os_hash_value\":\"$RAW_SUM\"}}}")"
expect_eq "prepare_image under a 1.68 server: written" SUCCEEDED "$(jq -r .command_status "$T/c.out")"
wait_until 60 "[ \$(wc -l <'$T/hb.jsonl') -ge 3 ]"
expect_eq "heartbeats declare the server's version, 1.68" 1.68 \
	"$(jq -r .version "$T/hb.jsonl" | sort -u | tr '\n' ' ' | xargs)"
expect_eq "heartbeats: token and version, no status fields" "agent_token agent_version callback_url" \
	"$(jq -r '.body | keys | join(" ")' "$T/hb.jsonl" | sort -u | tr '\n' ' ' | xargs)"
expect_eq "no heartbeat refused" 202 "$(jq -r .status "$T/hb.jsonl" | sort -u | xargs)"
expect_eq "bad JSON: 400" 400 "$(acmd "$tok" '{not json')"
expect_eq "bad JSON: IPA's error body" "Client Invalid request body: the body must be a JSON object" \
	"$(jq -r '.faultcode + " " + .faultstring' "$T/c.out")"
expect_eq "no command name: 400" 400 "$(acmd "$tok" '{"params":{}}')"
expect_eq "params not an object: 400" 400 "$(acmd "$tok" '{"name":"standby.sync","params":[1]}')"
expect_eq "unknown extension: 404" 404 "$(acmd "$tok" '{"name":"nope.sync","params":{}}')"
ok "unknown extension: a faultstring (Ironic reads it)" jq -e '.faultstring | test("nope")' "$T/c.out"
expect_eq "unknown command: 400" 400 "$(acmd "$tok" '{"name":"standby.fly","params":{}}')"
expect_eq "unknown command: IPA's error body" "Client Invalid command: Command standby.fly is not supported" \
	"$(jq -r '.faultcode + " " + .faultstring' "$T/c.out")"
expect_eq "prepare_image without image_info: command fails, agent answers" 200 \
	"$(acmd "$tok" '{"name":"standby.prepare_image","params":{}}')"
expect_eq "prepare_image without image_info: FAILED with a reason" \
	"FAILED InvalidCommandParamsError" "$(jq -r '.command_status + " " + .command_error.type' "$T/c.out")"
expect_eq "get_clean_steps: 200" 200 "$(acmd "$tok" '{"name":"clean.get_clean_steps","params":{"node":{},"ports":[]}}')"
expect_eq "get_clean_steps: both erase steps" "erase_devices erase_devices_metadata" \
	"$(jq -r '[.command_result.clean_steps.GenericHardwareManager[].step] | sort | join(" ")' "$T/c.out")"
expect_eq "get_hardware_info: 200" 200 "$(acmd "$tok" '{"name":"poll.get_hardware_info","params":{}}')"
expect_eq "inventory: the disk with its size" 67108864 \
	"$(jq -r '.command_result.inventory.disks[0].size' "$T/c.out")"
ok "inventory: CPU count and memory" jq -e '.command_result.inventory.cpu.count > 0 and
	.command_result.inventory.memory.physical_mb > 0' "$T/c.out"
expect_eq "collect_system_logs: 200" 200 "$(acmd "$tok" '{"name":"log.collect_system_logs","params":{}}')"
ok "collect_system_logs: a tar.gz holding the agent log" \
	bash -c "jq -r .command_result.system_logs '$T/c.out' | base64 -d | tar tz | grep -qx ingot-agent.log"
huge=$(head -c 9M /dev/zero | tr '\0' a)
expect_eq "oversized body: 413" 413 "$(printf '{"name":"standby.sync","params":{"x":"%s"}}' "$huge" |
	curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @- \
	"http://127.0.0.1:$APORT/v1/commands/?wait=true$tok")"
# Partition images and boot loaders: what the conductor sends is checked
# before the disk is touched (the disk keeps the image written above).
cp "$T/disk.img" "$T/disk.before"
pimg() {	# pimg EXTRA-IMAGE_INFO-FIELDS
	acmd "$tok" "{\"name\":\"standby.prepare_image\",\"params\":{\"image_info\":{\"urls\":[\"file://$T/img.raw\"],\"image_type\":\"partition\",$1}}}" >/dev/null
	jq -r '.command_status + " " + .command_error.type' "$T/c.out"
}
for f in '"root_mb":-1' '"root_mb":"10; rm -rf /"' '"root_mb":1e30' '"root_mb":0' \
	'"root_mb":4294967296' '"root_mb":8,"swap_mb":{}' '"root_mb":8,"ephemeral_mb":8,"ephemeral_format":"../../bin/sh"' \
	'"root_mb":8,"deploy_boot_mode":"uefi;"' '"root_mb":8,"disk_label":"sun"' \
	'"root_mb":8,"preserve_ephemeral":true'; do
	expect_eq "partition image {$f}: refused as bad parameters" "FAILED InvalidCommandParamsError" "$(pimg "$f")"
done
expect_eq "partition image larger than the disk: refused" "FAILED ImageWriteError" "$(pimg '"root_mb":4096')"
expect_eq "five partitions on an MBR: refused" "FAILED ImageWriteError" \
	"$(pimg '"root_mb":8,"swap_mb":1,"ephemeral_mb":1,"deploy_boot_mode":"uefi","disk_label":"msdos"')"
ok "partition images refused: the disk is untouched" cmp "$T/disk.before" "$T/disk.img"
for p in '"root_uuid":"no-such-uuid","target_boot_mode":"bios"' '"target_boot_mode":"chainload"' \
	'"root_uuid":null,"prep_boot_part_uuid":"1234","target_boot_mode":"bios"'; do
	acmd "$tok" "{\"name\":\"image.install_bootloader\",\"params\":{$p}}" >/dev/null
	expect_eq "install_bootloader {$p}: FAILED" FAILED "$(jq -r .command_status "$T/c.out")"
done
ok "install_bootloader refused: the disk is untouched" cmp "$T/disk.before" "$T/disk.img"
rm -f "$T/disk.before"
ok "the agent survived all of it" kill -0 "$AGENT_PID"
expect_eq "command list holds the accepted commands (6, 12 partition images, 3 boot loaders)" 21 \
	"$(curl -s "http://127.0.0.1:$APORT/v1/commands/?agent_token=known-token" | jq '.commands | length')"
stop_agent
kill "$STUB_PID"; wait "$STUB_PID" 2>/dev/null
finish
