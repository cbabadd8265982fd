#!/usr/bin/env bash
# Config drives end to end without a VM: a real ingotd builds a JSON config
# drive into an ISO9660 image, a real ingot-agent (its "disk" a sparse file
# larger than the image) writes the image and then the config drive to a
# new partition at the disk's end.  The test reads the result with Debian's
# tools: sgdisk -v (GPT consistent, backup table at the disk's end), sfdisk
# (the partition, within 64 MiB of the end, after the image's), isoinfo (the
# volume label config-2 and the files' content).  GPT and MBR root disks, a
# gzip+base64 ISO given as is, an MBR without a free slot, and the API's
# refusals (formats, versions, sizes) with nothing stored or locked.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
MAC=52:54:00:cd:00:01
AGENT_PID=
for p in sgdisk sfdisk isoinfo genisoimage; do
	command -v "$p" >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done

cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[deploy]
file_url_allowed_paths = $T
callback_timeout = 60
CONF
ingot_start --config "$T/ingotd.conf" || exit 1

stop_agent() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}
trap 'stop_agent; _cleanup' EXIT
APORT=$(free_port)
state() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r .provision_state; }
field() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r "$1"; }
provision() {	# provision TARGET [extra JSON members]
	api PUT "/v1/nodes/$N/states/provision" "{\"target\":\"$1\"${2:+,$2}}" >/dev/null
}
# deploy_to STATE [members]: deploys with an agent on $T/disk.img until STATE
deploy_to() {
	provision active "${2:-}"
	expect_eq "deploy accepted ($1)" 202 "$STATUS"
	wait_until 60 '[ "$(state)" = "wait call-back" ]'
	"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$APORT" --advertise-host 127.0.0.1 \
		--mac "$MAC" --disk "$T/disk.img" --heartbeat-interval 1 --no-power \
		2>>"$T/agent.stderr" &
	AGENT_PID=$!
	wait_until 90 "[ \"\$(state)\" = '$1' ]"
	stop_agent
	expect_eq "deploy ends $1" "$1" "$(state)"
}
undeploy() {
	provision deleted
	wait_until 60 '[ "$(state)" = available ]'
}
# A whole-disk image of 8 MiB: LABEL (gpt or dos), one partition of random
# bytes at 1-6 MiB (or four, for a full MBR).
make_image() {
	truncate -s 0 "$T/img.raw"; truncate -s 8M "$T/img.raw"
	if [ "${2:-1}" = 4 ]; then
		printf 'label: dos\nstart=2048,size=2048\nstart=4096,size=2048\nstart=6144,size=2048\nstart=8192,size=2048\n' |
			sfdisk -q "$T/img.raw" >/dev/null
	else
		printf 'label: %s\nstart=2048,size=10240\n' "$1" | sfdisk -q "$T/img.raw" >/dev/null
	fi
	head -c 5M /dev/urandom | dd of="$T/img.raw" bs=1M seek=1 conv=notrunc status=none
	api PATCH "/v1/nodes/$N" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"file://$T/img.raw\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$(sha256sum "$T/img.raw" | cut -d' ' -f1)\"}}]" >/dev/null
	rm -f "$T/disk.img"; truncate -s 256M "$T/disk.img"
	head -c 1M /dev/urandom | dd of="$T/disk.img" bs=1M seek=250 conv=notrunc status=none
}
# The last partition of the disk into $T/part.iso; its start and size (sectors)
last_part() {
	sfdisk -J "$T/disk.img" >"$T/pt.json"
	local s n
	s=$(jq '.partitiontable.partitions | max_by(.start) | .start' "$T/pt.json")
	n=$(jq '.partitiontable.partitions | max_by(.start) | .size' "$T/pt.json")
	PSTART=$s PSIZE=$n
	dd if="$T/disk.img" of="$T/part.iso" bs=512 skip="$s" count="$n" status=none
}
iso_file() { isoinfo -R -i "$T/part.iso" -x "$1"; }

api POST /v1/nodes '{"name":"cd-node","driver":"fake-hardware","deploy_interface":"direct","automated_clean":false}' >"$T/n.json"
N=$(jq -r .uuid "$T/n.json")
api POST /v1/ports "{\"node_uuid\":\"$N\",\"address\":\"$MAC\"}" >/dev/null
provision manage
wait_until 60 '[ "$(state)" = manageable ]'
provision provide
wait_until 60 '[ "$(state)" = available ]'

KEY="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGluZ290LWNvbmZpZy1kcml2ZS10ZXN0LWtleQ tenant@ingot"
UD=$'#!/bin/sh\necho "hello from user_data"\n'
cd_json() {	# cd_json HOSTNAME
	jq -cn --arg h "$1" --arg k "$KEY" --arg ud "$UD" '{configdrive: {
		meta_data: {hostname: $h, public_keys: {default: $k}},
		user_data: $ud,
		network_data: {links: [{id: "eth0", type: "phy", ethernet_mac_address: "52:54:00:cd:00:01"}],
			networks: [{id: "net0", link: "eth0", type: "ipv4_dhcp"}], services: []},
		vendor_data: {ingot: {test: true}}}}' | sed 's/^{//; s/}$//'
}
# check_drive WHAT HOSTNAME: the last partition holds the drive built from cd_json
check_drive() {
	last_part
	ok "$1: the config drive starts within 64 MiB of the disk's end" \
		test $((PSTART * 512)) -ge $(( (256 - 64) * 1048576 ))
	ok "$1: the config drive lies after the image's partition" test "$PSTART" -ge 12288
	ok "$1: volume label config-2" bash -c "isoinfo -d -i '$T/part.iso' | grep -qx 'Volume id: config-2'"
	expect_eq "$1: meta_data hostname" "$2" "$(iso_file /openstack/latest/meta_data.json | jq -r .hostname)"
	expect_eq "$1: meta_data public key" "$KEY" "$(iso_file /openstack/latest/meta_data.json | jq -r .public_keys.default)"
	expect_eq "$1: meta_data uuid is the node's" "$N" "$(iso_file /openstack/latest/meta_data.json | jq -r .uuid)"
	expect_eq "$1: meta_data name is the node's" cd-node "$(iso_file /openstack/latest/meta_data.json | jq -r .name)"
	expect_eq "$1: user_data byte for byte" "$(printf '%s' "$UD" | sha256sum)" "$(iso_file /openstack/latest/user_data | sha256sum)"
	expect_eq "$1: network_data" ipv4_dhcp "$(iso_file /openstack/latest/network_data.json | jq -r '.networks[0].type')"
	expect_eq "$1: vendor_data2" true "$(iso_file /openstack/latest/vendor_data2.json | jq -r .ingot.test)"
	expect_eq "$1: the 2012-08-10 version too" "$2" "$(iso_file /openstack/2012-08-10/meta_data.json | jq -r .hostname)"
	ok "$1: the image's partition is untouched" cmp -i 1048576 -n 5242880 "$T/img.raw" "$T/disk.img"
}

# --- GPT: a new partition, the backup table moved to the disk's end ----------
make_image gpt
deploy_to active "$(cd_json gpt-host)"
expect_eq "GPT: configdrive is masked in instance_info" '******' "$(field .instance_info.configdrive)"
ok "GPT: sgdisk -v finds no problem (backup header at the end, CRCs)" \
	bash -c "sgdisk -v '$T/disk.img' | grep -q 'No problems found'"
expect_eq "GPT: two partitions" 2 "$(sfdisk -J "$T/disk.img" | jq '.partitiontable.partitions | length')"
ok "GPT: the last usable sector is near the disk's end" \
	bash -c "sgdisk -p '$T/disk.img' | grep -q 'last usable sector is 524254'"
check_drive GPT gpt-host
expect_eq "GPT: the partition is named config-2" config-2 \
	"$(jq -r '.partitiontable.partitions | max_by(.start) | .name' "$T/pt.json")"
undeploy

# --- MBR: a new primary partition ----------------------------------------------
make_image dos
deploy_to active "$(cd_json mbr-host)"
expect_eq "MBR: two partitions" 2 "$(sfdisk -J "$T/disk.img" | jq '.partitiontable.partitions | length')"
expect_eq "MBR: the config drive's partition type is 83" 83 \
	"$(sfdisk -J "$T/disk.img" | jq -r '.partitiontable.partitions | max_by(.start) | .type')"
check_drive MBR mbr-host
undeploy

# --- an ISO given as gzip+base64 is written as it is ---------------------------
mkdir -p "$T/cd/openstack/latest"
echo '{"hostname":"iso-host"}' >"$T/cd/openstack/latest/meta_data.json"
genisoimage -quiet -o "$T/given.iso" -ldots -allow-lowercase -allow-multidot -l -J -r \
	-V config-2 "$T/cd" 2>/dev/null
make_image gpt
deploy_to active "\"configdrive\":\"$(gzip -c "$T/given.iso" | base64 -w0)\""
last_part
ok "ISO form: the partition holds the given ISO byte for byte" \
	cmp -n "$(stat -c %s "$T/given.iso")" "$T/given.iso" "$T/part.iso"
ok "ISO form: sgdisk -v finds no problem" bash -c "sgdisk -v '$T/disk.img' | grep -q 'No problems found'"
undeploy

# --- an MBR with four primary partitions: refused, the table untouched -------
make_image dos 4
ptab() { sfdisk -J "$1" | jq -c '[.partitiontable.partitions[] | del(.node)]'; }
ptab "$T/img.raw" >"$T/pt.before"
deploy_to "deploy failed" "$(cd_json full-host)"
ok "full MBR: the reason says why" \
	bash -c "curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .last_error | grep -q 'no free primary partition'"
expect_eq "full MBR: the partition table is the image's" "$(cat "$T/pt.before")" "$(ptab "$T/disk.img")"
expect_eq "full MBR: node not locked" null "$(field .reservation)"
undeploy

# --- the API's refusals: nothing stored, nothing locked ------------------------
make_image gpt
big=$(head -c 600000 /dev/zero | tr '\0' a)
bomb=$(head -c 70M /dev/zero | gzip -c | base64 -w0)
refuse() {	# refuse WHAT STATUS [API_VERSION]: PUTs $T/body.json
	API_VERSION=${3:-latest} api PUT "/v1/nodes/$N/states/provision" "" \
		-H 'Content-Type: application/json' --data-binary "@$T/body.json" >/dev/null
	expect_eq "$1: $2" "$2" "$STATUS"
}
while IFS='|' read -r what status body version; do
	[ -z "$what" ] && continue
	printf '%s' "$body" >"$T/body.json"
	refuse "$what" "$status" "$version"
done <<ROWS
configdrive with manage|400|{"target":"manage","configdrive":{"meta_data":{}}}
configdrive with provide|400|{"target":"provide","configdrive":"H4sI"}
JSON form before 1.56|400|{"target":"active","configdrive":{"meta_data":{}}}|1.55
vendor_data before 1.59|400|{"target":"active","configdrive":{"vendor_data":{}}}|1.58
an unknown key|400|{"target":"active","configdrive":{"meta_data":{},"files":{"../../etc/passwd":"x"}}}
network_data not an object|400|{"target":"active","configdrive":{"network_data":"eth0"}}
meta_data an array|400|{"target":"active","configdrive":{"meta_data":[1]}}
user_data a number|400|{"target":"active","configdrive":{"user_data":42}}
configdrive a number|400|{"target":"active","configdrive":7}
not base64|400|{"target":"active","configdrive":"not base64!"}
a URL|400|{"target":"active","configdrive":"http://169.254.169.254/latest"}
base64 of broken gzip|400|{"target":"active","configdrive":"H4sIAAAAAAAAA0tMTEoGABYmBS8="}
a file over 512 KiB|413|{"target":"active","configdrive":{"user_data":"$big"}}
ROWS
printf '{"target":"active","configdrive":"%s"}' "$bomb" >"$T/body.json"
expect_eq "bomb is small on the wire" 1 "$(( $(stat -c %s "$T/body.json") < 1048576 ))"
refuse "a gzip bomb (70 MiB of zeros)" 413
expect_eq "refusals: node still available" available "$(state)"
expect_eq "refusals: node not locked" null "$(field .reservation)"
expect_eq "refusals: no configdrive stored" "" \
	"$(db "select $(db_json instance_info configdrive) from nodes where uuid='$N'")"

finish
