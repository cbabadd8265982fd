#!/usr/bin/env bash
# Virtual media against the lab Redfish BMC (in memory, no VM): the
# redfish-virtual-media boot interface builds the node's ISO, inserts it
# (InsertMedia) and boots from CD once; the ISO (fetched as the BMC would,
# read back with isoinfo and mtools) holds the deploy kernel and ramdisk,
# isolinux and GRUB's EFI image and the node's static address from its
# network_data; its URL is unguessable, kept in neither the database nor
# the log, and the ISO is gone and the CD ejected once the ramdisk's work
# fails; ISOs stay within [vmedia] max_size.  /v1/nodes/{id}/vmedia (1.89)
# attaches and detaches an image when ingotd announces 1.89.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/redfish.sh"
for c in isoinfo mdir; do
	command -v $c >/dev/null || { echo "1..0 # SKIP $c not installed"; exit 77; }
done
[ -f /usr/lib/ISOLINUX/isolinux.bin ] || { echo "1..0 # SKIP isolinux not installed"; exit 77; }

head -c 300000 /dev/urandom >"$T/kernel"
head -c 500000 /dev/urandom >"$T/ramdisk"
head -c $((12 << 20)) /dev/urandom >"$T/big-ramdisk"
echo "INGOT vmedia test image $$" >"$T/image.raw"
SHA=$(sha256sum "$T/image.raw" | cut -d' ' -f1)
cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[conductor]
automated_clean = false
[deploy]
kernel = $T/kernel
ramdisk = $T/ramdisk
file_url_allowed_paths = $T
callback_timeout = 10
[vmedia]
max_size = 12
CONF
rf_start v1 --mac 52:54:00:0e:00:01 || exit 1
rf_start v2 --mac 52:54:00:0e:00:02 || exit 1
ingot_start --config "$T/ingotd.conf" || exit 1
field() { api GET "/v1/nodes/$1" | jq -r ".$2"; }
bmc() { rf_get "$1" "$2" | jq -r "$3"; }
CD=/Managers/BMC/VirtualMedia/Cd

enrol() {	# NAME MAC
	api POST /v1/nodes "{\"name\": \"$1\", \"driver\": \"redfish\",
	  \"boot_interface\": \"redfish-virtual-media\", \"network_interface\": \"noop\",
	  \"driver_info\": {\"redfish_address\": \"$(rf_url "$1")\", \"redfish_system_id\": \"$1\",
	    \"redfish_username\": \"admin\", \"redfish_password\": \"password\"},
	  \"network_data\": {\"links\": [{\"id\": \"p0\", \"type\": \"phy\",
	      \"ethernet_mac_address\": \"$2\"}],
	    \"networks\": [{\"id\": \"prov\", \"link\": \"p0\", \"type\": \"ipv4\",
	      \"ip_address\": \"10.9.0.50\", \"netmask\": \"255.255.255.0\",
	      \"routes\": [{\"network\": \"0.0.0.0\", \"netmask\": \"0.0.0.0\",
	        \"gateway\": \"10.9.0.1\"}]}], \"services\": []},
	  \"instance_info\": {\"image_source\": \"file://$T/image.raw\",
	    \"image_os_hash_algo\": \"sha256\", \"image_os_hash_value\": \"$SHA\"}}" >/dev/null
	expect_eq "enrol $1 (redfish-virtual-media, network_data)" 201 "$STATUS"
	api POST /v1/ports "{\"node_uuid\": \"$(jq -r .uuid "$T/api.body")\", \"address\": \"$2\"}" >/dev/null
	api PUT "/v1/nodes/$1/states/provision" '{"target": "manage"}' >/dev/null
	wait_until 30 "[ \"\$(field $1 provision_state)\" = manageable ]"
	api PUT "/v1/nodes/$1/states/provision" '{"target": "provide"}' >/dev/null
	ok "$1 available" wait_until 30 "[ \"\$(field $1 provision_state)\" = available ]"
}
enrol v1 52:54:00:0e:00:01
expect_eq "validate: boot valid" true "$(api GET /v1/nodes/v1/validate | jq -r .boot.result)"

# --- deploy: the ISO inserted, boot from CD once, power on -------------------
api PUT /v1/nodes/v1/states/provision '{"target": "active"}' >/dev/null
expect_eq "deploy accepted" 202 "$STATUS"
ok "wait call-back" wait_until 60 "[ \"\$(field v1 provision_state)\" = 'wait call-back' ]"
IMG=$(bmc v1 "$CD" .Image)
ok "the BMC's CD holds ingotd's ISO URL" grep -qE "^$INGOT_URL/vmedia/[0-9a-f]{64}\.iso$" <<<"$IMG"
expect_eq "inserted" true "$(bmc v1 "$CD" .Inserted)"
expect_eq "booted from the CD once (the override used by that boot)" "Cd Disabled" \
	"$(bmc v1 /Systems/v1 '"\(.Oem.IngotLab.LastBootSource) \(.Boot.BootSourceOverrideEnabled)"')"
expect_eq "powered on" On "$(bmc v1 /Systems/v1 .PowerState)"
curl -sf -o "$T/v1.iso" "$IMG"
ok "the ISO is served at that URL" test -s "$T/v1.iso"
TOKEN=${IMG##*/vmedia/}; TOKEN=${TOKEN%.iso}
ok "the URL is in neither the database nor the log" \
	bash -c "! sqlite3 '$T/ingot.db' .dump | grep -q '$TOKEN' && ! grep -q '$TOKEN' '$T/ingotd.log'"
ok "the ISO's file is named by the token's SHA-256, not the token" \
	test -f "$T/vmedia/$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1).iso"

# --- what the ISO holds ---------------------------------------------------------
isoinfo -d -i "$T/v1.iso" >"$T/isoinfo.txt"
ok "El Torito boot catalog" grep -q "El Torito" "$T/isoinfo.txt"
isoinfo -R -i "$T/v1.iso" -x /vmlinuz >"$T/x.kernel"
ok "/vmlinuz is the deploy kernel" cmp "$T/kernel" "$T/x.kernel"
isoinfo -R -i "$T/v1.iso" -x /initrd >"$T/x.ramdisk"
ok "/initrd is the deploy ramdisk" cmp "$T/ramdisk" "$T/x.ramdisk"
isoinfo -R -i "$T/v1.iso" -x /isolinux/isolinux.cfg >"$T/isolinux.cfg"
ok "isolinux.cfg: the static address from network_data, for the port's MAC" \
	grep -q "ip=10.9.0.50::10.9.0.1:255.255.255.0:ingot-ramdisk::off BOOTIF=01-52-54-00-0e-00-01" "$T/isolinux.cfg"
ok "isolinux.cfg: the agent's API URL" grep -q "ipa-api-url=$INGOT_URL " "$T/isolinux.cfg"
# (bytes 8 to 63 are the boot info table libisofs patches in)
ok "isolinux.bin is Debian's" bash -c "cmp <(isoinfo -R -i '$T/v1.iso' -x /isolinux/isolinux.bin | tail -c +65) <(tail -c +65 /usr/lib/ISOLINUX/isolinux.bin)"
isoinfo -R -i "$T/v1.iso" -x /boot/grub/grub.cfg >"$T/grub.cfg"
ok "grub.cfg (UEFI) boots the same kernel with the same address" \
	grep -q "linux /vmlinuz ipa-api-url=.*ip=10.9.0.50::10.9.0.1" "$T/grub.cfg"
isoinfo -R -i "$T/v1.iso" -x /efiboot.img >"$T/efiboot.img"
ok "efiboot.img: a FAT image with \\EFI\\BOOT\\BOOTX64.EFI" \
	bash -c "mdir -b -i '$T/efiboot.img' ::/EFI/BOOT | grep -qi bootx64.efi"
isoinfo -R -i "$T/v1.iso" -x /openstack/latest/network_data.json >"$T/nd.json"
expect_eq "network_data.json on the ISO" 10.9.0.50 "$(jq -r '.networks[0].ip_address' "$T/nd.json")"

# --- guessing and path tricks ---------------------------------------------------
for p in "vmedia/$(printf '%064d' 0).iso" "vmedia/${TOKEN^^}.iso" "vmedia/$TOKEN" \
	"vmedia/..%2f..%2fingot.db" "vmedia/$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1).iso"; do
	expect_eq "GET /$p: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$INGOT_URL/$p")"
done

# --- the ramdisk never calls back: the deploy fails, the ISO goes, CD ejected ---
ok "deploy failed after callback_timeout" wait_until 90 "[ \"\$(field v1 provision_state)\" = 'deploy failed' ]"
expect_eq "the ISO's URL answers 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$IMG")"
expect_eq "the BMC's CD is ejected" false "$(bmc v1 "$CD" .Inserted)"
expect_eq "no ISO left in [vmedia] dir" 0 "$(find "$T/vmedia" -name '*.iso' | wc -l)"
expect_eq "not locked" null "$(field v1 reservation)"

# --- bounded disk: an ISO past [vmedia] max_size fails the deploy cleanly -------
enrol v2 52:54:00:0e:00:02
api PATCH /v1/nodes/v2 "[{\"op\": \"add\", \"path\": \"/driver_info/deploy_ramdisk\", \"value\": \"$T/big-ramdisk\"}]" >/dev/null
api PUT /v1/nodes/v2/states/provision '{"target": "active"}' >/dev/null
ok "v2: deploy failed" wait_until 60 "[ \"\$(field v2 provision_state)\" = 'deploy failed' ]"
ok "v2: last_error says the ISO does not fit" grep -q "space left for ISOs\|max_size" <<<"$(field v2 last_error)"
expect_eq "v2: nothing inserted" false "$(bmc v2 "$CD" .Inserted)"
expect_eq "v2: no partial ISO left" 0 "$(find "$T/vmedia" -name '*.iso' | wc -l)"

# --- /v1/nodes/{id}/vmedia -------------------------------------------------------
MAX=$(curl -s "$INGOT_URL/" | jq -r '.default_version.version' | cut -d. -f2)
API_VERSION=1.81 api POST /v1/nodes/v1/vmedia '{"device_type": "cdrom", "image_url": "http://127.0.0.1:1/x.iso"}' >/dev/null
expect_eq "vmedia below 1.89: 404" 404 "$STATUS"
if [ "$MAX" -lt 89 ]; then
	echo "# ingotd announces 1.$MAX: the 1.89 vmedia routes are not reachable yet"
	API_VERSION=1.89 api POST /v1/nodes/v1/vmedia '{}' >/dev/null
	expect_eq "1.89 not announced: 406" 406 "$STATUS"
else
	export API_VERSION=1.89
	api POST /v1/nodes/v1/vmedia "{\"device_type\": \"CDROM\", \"image_url\": \"$INGOT_URL/v1/\", \"image_download_source\": \"http\"}" >/dev/null
	expect_eq "attach: 204" 204 "$STATUS"
	expect_eq "the BMC's CD holds the image" "true $INGOT_URL/v1/" "$(bmc v1 "$CD" '"\(.Inserted) \(.Image)"')"
	api POST /v1/nodes/v1/vmedia "{\"device_type\": \"cdrom\", \"image_url\": \"file:///etc/shadow\"}" >/dev/null
	expect_eq "attach file://: 400" 400 "$STATUS"
	api POST /v1/nodes/v1/vmedia "{\"device_type\": \"tape\", \"image_url\": \"http://x/y.iso\"}" >/dev/null
	expect_eq "attach to a tape: 400" 400 "$STATUS"
	api POST /v1/nodes/v1/vmedia "{\"device_type\": \"cdrom\", \"image_url\": \"http://x/y.iso\", \"image_download_source\": \"local\"}" >/dev/null
	expect_eq "image_download_source local: 400" 400 "$STATUS"
	api POST /v1/nodes/v1/vmedia "{\"device_type\": \"cdrom\", \"image_url\": \"http://x/a b.iso\"}" >/dev/null
	expect_eq "a URL with a space: 400" 400 "$STATUS"
	api POST /v1/nodes/v1/vmedia "{\"device_type\": \"cdrom\", \"image_url\": \"http://x/$(head -c 3000 /dev/zero | tr '\0' a)\"}" >/dev/null
	expect_eq "a 3000-character URL: 400" 400 "$STATUS"
	expect_eq "still the first image" "$INGOT_URL/v1/" "$(bmc v1 "$CD" .Image)"
	api DELETE /v1/nodes/v1/vmedia >/dev/null
	expect_eq "detach: 204" 204 "$STATUS"
	expect_eq "the BMC's CD is empty" false "$(bmc v1 "$CD" .Inserted)"
	api DELETE /v1/nodes/v1/vmedia >/dev/null
	expect_eq "detach again: 204 (nothing to eject)" 204 "$STATUS"
	expect_eq "not locked" null "$(field v1 reservation)"
	unset API_VERSION
	# openstacksdk (Debian's 0.101 has no vmedia calls of its own): it
	# negotiates the microversion and sends the 1.89 requests through its
	# baremetal session, as a Metal3-style client does
	if /usr/bin/python3 -c 'import openstack' 2>/dev/null; then
		cat >"$T/sdk_vmedia.py" <<'PY'
import sys, openstack
url, what = sys.argv[1], sys.argv[2]
bm = openstack.connection.Connection(auth_type="none", auth={"endpoint": url},
    baremetal_endpoint_override=url, baremetal_api_version="1").baremetal
mv = bm.get_endpoint_data().max_microversion
n = bm.get_node("v1")
if what == "attach":
    print("negotiated %d.%d" % tuple(mv[:2]))
    r = bm.post("/nodes/%s/vmedia" % n.id, microversion="1.89",
                json={"device_type": "cdrom", "image_url": url + "/v1/sdk.iso"})
else:
    r = bm.delete("/nodes/%s/vmedia" % n.id, microversion="1.89")
print(what, r.status_code)
PY
		/usr/bin/python3 "$T/sdk_vmedia.py" "$INGOT_URL" attach >"$T/sdk.out" 2>&1
		expect_eq "openstacksdk negotiates 1.89 or later" "negotiated 1.$MAX" "$(grep negotiated "$T/sdk.out")"
		expect_eq "openstacksdk attaches virtual media: 204, the BMC's CD holds it" \
			"attach 204 true $INGOT_URL/v1/sdk.iso" \
			"$(grep '^attach' "$T/sdk.out") $(bmc v1 "$CD" '"\(.Inserted) \(.Image)"')"
		/usr/bin/python3 "$T/sdk_vmedia.py" "$INGOT_URL" detach >"$T/sdk.out" 2>&1
		expect_eq "openstacksdk detaches it: 204, the CD empty" "detach 204 false" \
			"$(grep '^detach' "$T/sdk.out") $(bmc v1 "$CD" .Inserted)"
	fi
fi
# --- byte ranges (BMCs read the ISO in pieces) and their abuse -------------------
# On a fresh ISO, ingotd restarted with a callback timeout these checks
# cannot outlast on a loaded machine (the ISO goes when it passes).
ingot_stop
sed -i 's/^callback_timeout = .*/callback_timeout = 3600/' "$T/ingotd.conf"
ingot_start --config "$T/ingotd.conf" || exit 1
rf_start v3 --mac 52:54:00:0e:00:03 || exit 1
enrol v3 52:54:00:0e:00:03
api PUT /v1/nodes/v3/states/provision '{"target": "active"}' >/dev/null
ok "v3: wait call-back" wait_until 60 "[ \"\$(field v3 provision_state)\" = 'wait call-back' ]"
IMG=$(bmc v3 "$CD" .Image)
curl -sf -o "$T/v1.iso" "$IMG"
SIZE=$(stat -c %s "$T/v1.iso")
# rng RANGE: status, Content-Range and body of a GET with that Range header
rng() {
	curl -s -o "$T/r.body" -D "$T/r.hdr" -w '%{http_code}' -H "Range: $1" "$IMG"
}
hdr() { tr -d '\r' <"$T/r.hdr" | sed -n "s/^$1: //Ip" | tail -n 1; }
part() { dd if="$T/v1.iso" bs=1 skip="$1" count="$2" status=none; }
expect_eq "range 0-1023: 206" 206 "$(rng bytes=0-1023)"
expect_eq "... Content-Range" "bytes 0-1023/$SIZE" "$(hdr Content-Range)"
ok "... the ISO's first KiB" cmp "$T/r.body" <(head -c 1024 "$T/v1.iso")
expect_eq "range 32768-: 206" 206 "$(rng bytes=32768-)"
ok "... the rest of the ISO" cmp "$T/r.body" <(tail -c +32769 "$T/v1.iso")
expect_eq "suffix range -2048: 206" 206 "$(rng bytes=-2048)"
expect_eq "... Content-Range" "bytes $((SIZE - 2048))-$((SIZE - 1))/$SIZE" "$(hdr Content-Range)"
ok "... the ISO's last 2 KiB" cmp "$T/r.body" <(tail -c 2048 "$T/v1.iso")
expect_eq "range 1000-1000: 206, one byte" "206 1" "$(rng bytes=1000-1000) $(stat -c %s "$T/r.body")"
ok "... that byte" cmp "$T/r.body" <(part 1000 1)
expect_eq "a last byte past the end is clamped: 206" "206 bytes 100-$((SIZE - 1))/$SIZE" \
	"$(rng bytes=100-18446744073709551615) $(hdr Content-Range)"
expect_eq "a first byte past the end: 416, bytes */SIZE" "416 bytes */$SIZE" "$(rng "bytes=$SIZE-") $(hdr Content-Range)"
expect_eq "a first byte past 2^64: 416" 416 "$(rng bytes=99999999999999999999999999-)"
expect_eq "suffix -0: 416" 416 "$(rng bytes=-0)"
expect_eq "a suffix past 2^64: the whole ISO, 206" "206 $SIZE" \
	"$(rng bytes=-99999999999999999999999999) $(stat -c %s "$T/r.body")"
for r in "bytes=-5-3" "bytes=5-1" "bytes=abc" "bytes=0x10-" "items=0-1" "bytes 0-1"; do
	expect_eq "malformed '$r': the whole ISO (200)" "200 $SIZE" "$(rng "$r") $(stat -c %s "$T/r.body")"
done
expect_eq "two overlapping ranges: the whole ISO (200), no multipart" "200 $SIZE" \
	"$(rng bytes=0-10,5-15) $(stat -c %s "$T/r.body")"
MANY=bytes=$(for i in $(seq 0 999); do printf '%d-%d,' "$i" "$i"; done)0-0
expect_eq "1001 one-byte ranges: the whole ISO once (200)" "200 $SIZE" \
	"$(rng "$MANY") $(stat -c %s "$T/r.body")"
c=$(curl -s -o /dev/null -w '%{http_code}' -H "Range: bytes=0-$(head -c 65536 /dev/zero | tr '\0' 0)" "$IMG")
ok "a 64 KiB Range header: a range of 0-0 or refused ($c)" grep -qE '^(206|4[0-9][0-9])$' <<<"$c"
ok "... and ingotd still serves ranges" curl -sf -o /dev/null -r 0-1 "$IMG"
expect_eq "If-Range (ingotd sends no validator): the whole ISO (200)" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Range: bytes=0-1' -H 'If-Range: "x"' "$IMG")"
expect_eq "HEAD: 200, its size and Accept-Ranges" "200 $SIZE bytes" \
	"$(curl -s -I -o "$T/r.hdr" -w '%{http_code}' "$IMG") $(hdr Content-Length) $(hdr Accept-Ranges)"
expect_eq "a range of an unknown ISO: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' \
	-H 'Range: bytes=0-1' "$INGOT_URL/vmedia/$(printf '%064d' 0).iso")"
api PUT /v1/nodes/v3/states/provision '{"target": "deleted"}' >/dev/null
ok "v3: undeployed" wait_until 60 "[ \"\$(field v3 provision_state)\" = available ]"
expect_eq "v3: its ISO's URL answers 404, ranges too" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' -r 0-1 "$IMG")"
finish
