#!/usr/bin/env bash
# Adversarial: images, downloads and boot files (issue #11 items 1 and 8).
# A tenant must not read host files through file:// image sources or the
# checksum error; cached images are served only under random per-deploy
# ids while the deploy runs; a system member cannot serve host files as a
# deploy kernel; downloads are bounded (stall, size, redirects, hosts) and
# never hold the node's lock while they wait on the network.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
AGENT_PID=
SRV_PID=
stop_all() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	AGENT_PID= SRV_PID=
}
trap 'stop_all; _cleanup' EXIT

# The host's secret (outside every allowed directory), the allowed image
# directory with an image and a symlink out of it, the deploy kernel.
mkdir -p "$T/secret" "$T/imgs" "$T/boot"
echo "TOPSECRET-$$-$RANDOM$RANDOM" >"$T/secret/host-secret"
SECRET=$T/secret/host-secret
SECRET_MD5=$(md5sum "$SECRET" | cut -d' ' -f1)
SECRET_SHA=$(sha256sum "$SECRET" | cut -d' ' -f1)
ln -s ../secret/host-secret "$T/imgs/escape"
head -c 512K /dev/urandom >"$T/imgs/img.raw"	# under image_max_size
IMG_SHA=$(sha256sum "$T/imgs/img.raw" | cut -d' ' -f1)
IMG_MD5=$(md5sum "$T/imgs/img.raw" | cut -d' ' -f1)
echo "deploy kernel $$" >"$T/boot/kernel"
echo "deploy ramdisk $$" >"$T/boot/ramdisk"
ZERO64=$(printf '0%.0s' $(seq 64))
CACHE=$T/images

# The image server: /img.raw, /slow (trickles 2 bytes/s, gives up after
# 20 s), /big (endless, no Content-Length, stops at 32 MiB), /redir.
SPORT=$(free_port)
python3 - "$SPORT" "$T/imgs/img.raw" "$T/srv.marks" >"$T/srv.log" 2>&1 <<'PY' &
import http.server, sys, time
port, img, marks = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def mark(s):
    with open(marks, "a") as f: f.write(s + "\n")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        try:
            if self.path == "/img.raw":
                b = open(img, "rb").read()
                self.send_response(200); self.send_header("Content-Length", str(len(b)))
                self.end_headers(); self.wfile.write(b)
            elif self.path == "/slow":
                self.send_response(200); self.send_header("Content-Length", "1000000")
                self.end_headers(); self.wfile.flush(); mark("slow")
                end = time.time() + 20
                while time.time() < end:
                    self.wfile.write(b"x"); self.wfile.flush(); time.sleep(0.5)
                mark("slow-gave-up")
            elif self.path == "/big":
                self.send_response(200); self.end_headers(); mark("big")
                chunk = b"\0" * 65536
                for _ in range(512):
                    self.wfile.write(chunk)
                mark("big-sent-all")
            elif self.path == "/redir":
                self.send_response(302); self.send_header("Location", "/img.raw")
                self.send_header("Content-Length", "0"); self.end_headers(); mark("redir")
            else:
                self.send_response(404); self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            mark(self.path + "-closed")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
SRV_PID=$!
wait_until 60 "curl -sf -o /dev/null http://127.0.0.1:$SPORT/img.raw" || echo "# image server did not start"
SRV=http://127.0.0.1:$SPORT

# The new options, only where this ingotd knows them (so that the suite
# also runs against the old build, whose failures it must show).
NEWOPTS=
if "$INGOTD" --print-example-config | grep -q file_url_allowed_paths; then
	NEWOPTS="file_url_allowed_paths = $T/imgs
image_download_stall_timeout = 2
image_max_size = 1
image_download_workers = 2
image_allowed_hosts = 127.0.0.1"
fi
# The agents here reach ingotd on its API listener (no provisioning namespace).
APIOPTS=
"$INGOTD" --print-example-config | grep -q ramdisk_endpoints && APIOPTS="ramdisk_endpoints = all"
# The image URLs handed to agents: this ingotd on loopback (the fixtures'
# provisioning network has no server here).
INGOT_PORT=$(free_port)
adv_start <<CONF || exit 1
[api]
$APIOPTS
[conductor]
automated_clean = false
[deploy]
http_url = http://127.0.0.1:$INGOT_PORT
kernel = $T/boot/kernel
ramdisk = $T/boot/ramdisk
callback_timeout = 120
heartbeat_timeout = 5
$NEWOPTS
CONF

declare -A UUID TOK
uuid() { [ -n "${UUID[$1]:-}" ] || UUID[$1]=$(node_uuid "$1"); echo "${UUID[$1]}"; }
state() { db "select provision_state from nodes where name='$1'"; }
field() { db "select $2 from nodes where name='$1'"; }
lasterr() { as sysadmin GET "/v1/nodes/$1" >/dev/null; jq -r .last_error "$T/as.body"; }
prov() { as "$1" PUT "/v1/nodes/$2/states/provision" "{\"target\":\"$3\"}"; }
image() {	# image USER NODE SOURCE SHA256: prints the PATCH status
	as "$1" PATCH "/v1/nodes/$2" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"$3\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$4\"}}]"
}
mknode() {	# a direct node of the system, available
	as sysadmin POST /v1/nodes "{\"name\":\"$1\",\"driver\":\"fake-hardware\",\"deploy_interface\":\"direct\"}" >/dev/null
	available "$1"
}
available() {
	prov sysadmin "$1" manage >/dev/null
	wait_until 60 "[ \"\$(state $1)\" = manageable ]"
	prov sysadmin "$1" provide >/dev/null
	wait_until 60 "[ \"\$(state $1)\" = available ]"
}
# A stand-in ramdisk: lookup (the token) and heartbeats with a callback
# URL nobody answers (the conductor's command to it fails at once).
# Lookup names a MAC of the node: each node gets a port the first time.
declare -A PMAC
NMAC=16
lookup() {
	if [ -z "${PMAC[$1]:-}" ]; then
		NMAC=$((NMAC + 1))
		PMAC[$1]=$(printf '52:54:00:a9:22:%02x' "$NMAC")
		as sysadmin POST /v1/ports "{\"node_uuid\":\"$(uuid "$1")\",\"address\":\"${PMAC[$1]}\"}" >/dev/null
	fi
	TOK[$1]=$(curl -s "$INGOT_URL/v1/lookup?addresses=${PMAC[$1]}&node_uuid=$(uuid "$1")" |
		jq -r .config.agent_token)
}
hb() {
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "{\"callback_url\":\"http://127.0.0.1:1\",\"agent_token\":\"${TOK[$1]:-}\"}" \
		"$INGOT_URL/v1/heartbeat/$(uuid "$1")"
}
# deploy_hb NODE: deploy as sysadmin, look up, heartbeat until it leaves
# wait call-back (the image is fetched, then the command to the agent fails)
deploy_hb() {
	prov "${2:-sysadmin}" "$1" active >/dev/null
	wait_until 60 "[ \"\$(state $1)\" = 'wait call-back' ]" || return 1
	lookup "$1"
	wait_until "${3:-40}" "hb $1 >/dev/null; [ \"\$(state $1)\" != 'wait call-back' ]"
}
lacks() { ! grep -qiE -- "$1" <<<"$2"; }
cache_files() { find "$CACHE" -type f -o -type l 2>/dev/null | wc -l; }
old_id() { printf '%s' "$1" | sha256sum | cut -c1-32; }
for n in na nl nb nu; do available "$n"; done

# --- 1. file:// from tenants, and outside the allowed directories ---------
ii() { echo "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"$1\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$IMG_SHA\"}}]"; }
adv_rows <<ROWS
# the owner, the lessee: file:// is never theirs, allowed directory or not
aadmin|PATCH|/v1/nodes/na|$(ii "file://$SECRET")|400
aadmin|PATCH|/v1/nodes/na|$(ii "file://$T/imgs/img.raw")|400
bmember|PATCH|/v1/nodes/nl|$(ii "file://$T/imgs/img.raw")|400
aadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/instance_info/image_source","value":"FILE://$SECRET"}]|400
aadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/instance_info/image_source","value":"file:$SECRET"}]|400
# other schemes curl would speak
aadmin|PATCH|/v1/nodes/na|$(ii "ftp://127.0.0.1/x")|400
aadmin|PATCH|/v1/nodes/na|$(ii "gopher://127.0.0.1:$SPORT/x")|400
aadmin|PATCH|/v1/nodes/na|$(ii "dict://127.0.0.1:$SPORT/x")|400
# image_allowed_hosts = 127.0.0.1: another name for the host is refused
aadmin|PATCH|/v1/nodes/na|$(ii "http://localhost:$SPORT/img.raw")|400
aadmin|PATCH|/v1/nodes/na|$(ii "http://127.0.0.1@localhost:$SPORT/img.raw")|400
aadmin|PATCH|/v1/nodes/na|$(ii "$SRV/img.raw")|200
# image_download_source http (the node fetches the image itself): the same
# host rule, and only Ironic's values, however they arrive (from too)
aadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/instance_info","value":{"image_source":"http://localhost:$SPORT/img.raw","image_os_hash_algo":"sha256","image_os_hash_value":"$IMG_SHA","image_download_source":"http"}}]|400
aadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/instance_info/image_download_source","value":"swift"}]|400
aadmin|PATCH|/v1/nodes/na|[{"op":"copy","from":"/instance_info/image_source","path":"/instance_info/image_download_source"}]|400
bmember|PATCH|/v1/nodes/nl|[{"op":"add","path":"/instance_info/image_download_source","value":"file"}]|400
# the system admin: only files inside the allowed directory, on the real path
sysadmin|PATCH|/v1/nodes/nu|$(ii "file://$SECRET")|400
sysadmin|PATCH|/v1/nodes/nu|$(ii "file://$T/imgs/../secret/host-secret")|400
sysadmin|PATCH|/v1/nodes/nu|$(ii "file://$T/imgs/escape")|400
sysadmin|PATCH|/v1/nodes/nu|$(ii "file://$T/imgs")|400
sysadmin|POST|/v1/nodes|{"name":"nfile","driver":"fake-hardware","instance_info":{"image_source":"file://$SECRET"}}|400
sysadmin|PATCH|/v1/nodes/nu|$(ii "file://$T/imgs/img.raw")|200
ROWS

# The attack end to end: the owner points its node at the host's file and
# deploys; whatever happened, nothing of the file comes out.
as aadmin PATCH /v1/nodes/na "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"file://$SECRET\",\"image_checksum\":\"$(printf '0%.0s' $(seq 32))\"}}]" >/dev/null
prov aadmin na active >/dev/null
if wait_until 60 "[ \"\$(state na)\" = 'wait call-back' ]"; then
	lookup na
	wait_until 60 "hb na >/dev/null; [ \"\$(state na)\" != 'wait call-back' ]"
fi
expect_eq "tenant file://: /images/{sha256(source)} is 404" 404 \
	"$(as - GET "/images/$(old_id "file://$SECRET")")"
ok "tenant file://: the host file's bytes were not served" bash -c "! grep -q TOPSECRET '$T/as.body'"
ok "tenant file://: last_error carries no digest of the host file" \
	lacks "$SECRET_MD5|$SECRET_SHA" "$(lasterr na)"
# the lessee deploys a file:// image the system admin set: refused
expect_eq "admin sets an allowed file:// image on the leased node" 200 \
	"$(image sysadmin nl "file://$T/imgs/img.raw" "$IMG_SHA")"
expect_eq "the lessee's deploy of a file:// image: 400" 400 "$(prov bmember nl active)"
expect_eq "the owner's deploy of a file:// image: 400" 400 "$(prov aadmin nl active)"
ok "the owner's deploy: refused for the file:// image" grep -q "file://" "$T/as.body"

# --- the system admin's allowed file:// image, deployed by a real agent ---
MAC=52:54:00:a9:11:01
as sysadmin POST /v1/ports "{\"node_uuid\":\"$(uuid nu)\",\"address\":\"$MAC\"}" >/dev/null
head -c 16M /dev/zero >"$T/disk.img"
expect_eq "allowed file:// image set" 200 "$(image sysadmin nu "file://$T/imgs/img.raw" "$IMG_SHA")"
expect_eq "system admin deploys it" 202 "$(prov sysadmin nu active)"
wait_until 60 "[ \"\$(state nu)\" = 'wait call-back' ]"
APORT=$(free_port)
"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$APORT" --advertise-host 127.0.0.1 \
	--mac "$MAC" --disk "$T/disk.img" --heartbeat-interval 1 --no-power 2>>"$T/agent.stderr" &
AGENT_PID=$!
wait_until 60 "[ \"\$(state nu)\" = active ]"
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
expect_eq "allowed file:// deploy: active" active "$(state nu)"
ok "allowed file:// deploy: the disk holds the image" cmp -n 524288 "$T/imgs/img.raw" "$T/disk.img"
SERVED=$(grep -o 'serving Image [0-9a-f]*' "$T/ingotd.log" | tail -1 | cut -d' ' -f3)
ok "the image was served under some id" test -n "$SERVED"
ok "the id is not derived from the source" test "$SERVED" != "$(old_id "file://$T/imgs/img.raw")"
expect_eq "once active, the image id is gone (404)" 404 "$(as - GET "/images/$SERVED")"
expect_eq "once active, the cache holds no file" 0 "$(cache_files)"

# --- wrong checksum: nothing served, cache file deleted, no digest --------
mknode nx
image sysadmin nx "file://$T/imgs/img.raw" "$ZERO64" >/dev/null
deploy_hb nx
expect_eq "wrong checksum: deploy failed" "deploy failed" "$(state nx)"
E=$(lasterr nx)
ok "wrong checksum: last_error says checksum mismatch" grep -q "checksum mismatch" <<<"$E"
ok "wrong checksum: last_error without the image's digest" lacks "$IMG_SHA|$IMG_MD5" "$E"
expect_eq "wrong checksum: the cache holds no file" 0 "$(cache_files)"
expect_eq "wrong checksum: /images/{sha256(source)} is 404" 404 \
	"$(as - GET "/images/$(old_id "file://$T/imgs/img.raw")")"

# A symlink swapped in after the checks of the API (PATCH, deploy): the
# conductor checks again when it reads the file.
cp "$T/imgs/img.raw" "$T/imgs/later.raw"
mknode nsym
image sysadmin nsym "file://$T/imgs/later.raw" "$(sha256sum "$SECRET" | cut -d' ' -f1)" >/dev/null
prov sysadmin nsym active >/dev/null
wait_until 60 "[ \"\$(state nsym)\" = 'wait call-back' ]"
ln -sf ../secret/host-secret "$T/imgs/later.raw"
lookup nsym
wait_until 40 "hb nsym >/dev/null; [ \"\$(state nsym)\" != 'wait call-back' ]"
expect_eq "symlink swapped after PATCH: deploy failed" "deploy failed" "$(state nsym)"
ok "symlink swapped after PATCH: refused as outside the allowed directories" \
	grep -q "file_url_allowed_paths" <<<"$(lasterr nsym)"
expect_eq "symlink swapped after PATCH: /images/{sha256(source)} is 404" 404 \
	"$(as - GET "/images/$(old_id "file://$T/imgs/later.raw")")"
ok "symlink swapped after PATCH: the host file was not served" bash -c "! grep -q TOPSECRET '$T/as.body'"

# --- deploy kernel and ramdisk paths -------------------------------------
kern() { echo "[{\"op\":\"add\",\"path\":\"/driver_info/$1\",\"value\":\"$2\"}]"; }
adv_rows <<ROWS
sysmember|PATCH|/v1/nodes/nb|$(kern deploy_kernel "$SECRET")|400
sysmember|PATCH|/v1/nodes/nb|$(kern deploy_ramdisk "file://$SECRET")|400
sysadmin|PATCH|/v1/nodes/nb|$(kern deploy_kernel "$T/imgs/../secret/host-secret")|400
sysadmin|PATCH|/v1/nodes/nb|$(kern deploy_kernel "$T/imgs/escape")|400
sysadmin|POST|/v1/nodes|{"name":"nkern","driver":"fake-hardware","driver_info":{"deploy_kernel":"$SECRET"}}|400
sysmember|PATCH|/v1/nodes/nu|$(kern deploy_kernel "$T/boot/kernel")|200
sysmember|PATCH|/v1/nodes/nu|$(kern deploy_ramdisk "file://$T/imgs/img.raw")|200
ROWS
expect_eq "/boot/{node}/kernel of a node not booting a ramdisk: 404" 404 \
	"$(as - GET "/boot/$(uuid nb)/kernel")"
ok "/boot: the host file was not served" bash -c "! grep -q TOPSECRET '$T/as.body'"
expect_eq "/boot/{node}/ramdisk of an available node: 404" 404 "$(as - GET "/boot/$(uuid na)/ramdisk")"

# --- a slow image server: the node's lock is free meanwhile ---------------
mknode ns
mknode nother
image sysadmin ns "$SRV/slow" "$ZERO64" >/dev/null
prov sysadmin ns active >/dev/null
wait_until 60 "[ \"\$(state ns)\" = 'wait call-back' ]"
expect_eq "/boot/{node}/kernel while the node boots its ramdisk: 200" 200 \
	"$(as - GET "/boot/$(uuid ns)/kernel")"
ok "/boot: the configured kernel" cmp "$T/as.body" "$T/boot/kernel"
lookup ns
expect_eq "heartbeat starts the download: 202" 202 "$(hb ns)"
wait_until 60 "grep -qx slow '$T/srv.marks'"
ok "the slow download is under way" grep -qx slow "$T/srv.marks"
extra() { as sysadmin PATCH "/v1/nodes/$1" "[{\"op\":\"add\",\"path\":\"/extra/x$2\",\"value\":1}]"; }
expect_eq "while downloading: the node is not locked" "" "$(field ns reservation)"
expect_eq "while downloading: admin PATCH of that node: 200" 200 "$(extra ns 1)"
expect_eq "while downloading: a second PATCH: 200" 200 "$(extra ns 2)"
expect_eq "while downloading: PATCH of another node: 200" 200 "$(extra nother 1)"
expect_eq "while downloading: heartbeat answered at once: 202" 202 "$(hb ns)"
wait_until 60 "hb ns >/dev/null; [ \"\$(state ns)\" != 'wait call-back' ]"
expect_eq "slow server: deploy failed" "deploy failed" "$(state ns)"
ok "slow server: failed for the stall" grep -qi "stall" <<<"$(lasterr ns)"
ok "slow server: ingotd gave up before the server did" bash -c "! grep -qx slow-gave-up '$T/srv.marks'"
expect_eq "slow server: no partial file left" 0 "$(cache_files)"
expect_eq "slow server: node not locked" "" "$(field ns reservation)"

# --- an endless image: the size cap --------------------------------------
mknode nbig
image sysadmin nbig "$SRV/big" "$ZERO64" >/dev/null
deploy_hb nbig
expect_eq "endless image: deploy failed" "deploy failed" "$(state nbig)"
ok "endless image: failed for image_max_size" grep -q "image_max_size" <<<"$(lasterr nbig)"
ok "endless image: ingotd stopped reading before 32 MiB" bash -c "! grep -qx big-sent-all '$T/srv.marks'"
expect_eq "endless image: no partial file left" 0 "$(cache_files)"

# --- redirects are not followed by default --------------------------------
mknode nr
image sysadmin nr "$SRV/redir" "$IMG_SHA" >/dev/null
deploy_hb nr
expect_eq "redirect: deploy failed" "deploy failed" "$(state nr)"
ok "redirect: refused as a redirect" grep -qi "redirect" <<<"$(lasterr nr)"
expect_eq "redirect: no file left" 0 "$(cache_files)"

# --- a good http image: served only while the deploy runs ----------------
mknode ngood
image sysadmin ngood "$SRV/img.raw" "$IMG_SHA" >/dev/null
deploy_hb ngood
expect_eq "http image, no agent: deploy failed" "deploy failed" "$(state ngood)"
ok "http image: verified, then the agent could not be reached" \
	grep -q "cannot start writing" <<<"$(lasterr ngood)"
expect_eq "http image: /images/{sha256(source)} is 404" 404 "$(as - GET "/images/$(old_id "$SRV/img.raw")")"
expect_eq "http image: the failed deploy left no file" 0 "$(cache_files)"

stop_all
finish
