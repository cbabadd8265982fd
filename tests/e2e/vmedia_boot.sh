#!/usr/bin/env bash
# End-to-end: a UEFI (OVMF) Redfish node in QEMU (TCG), driven by the lab
# Redfish BMC through QMP (lab/redfish-bmc --qmp), deployed over iPXE by a
# real ingotd with the real deploy ramdisk (ramdisk/build) and ingot-agent:
# boot_interface ipxe, boot_mode uefi.  QEMU's efi-virtio iPXE ROM fetches
# ingotd's boot.ipxe (QEMU's user network names it as the boot file),
# chains to the node's script, boots the kernel and ramdisk over HTTP; the
# agent writes the image.
#
# Networking is QEMU's user mode (the guest reaches the host's loopback as
# 10.0.2.2; the agent's port is forwarded to 127.0.0.1), so no OVS, no root
# network changes and no lock.  The virtual-media deploy without DHCP runs
# on the lab switch, with the port flips and the tenant lease: node1 of
# lab/demo (lab_deploy) and tests/e2e/lab_vmedia.sh.
#
# Environment: INGOT_BUILD, INGOT_SRC, QEMU, DEPLOY_TIMEOUT (seconds per
# node, default 600), KEEP_TMP=1.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/lib.sh
. "$here/../lib/lib.sh"
# shellcheck source=tests/lib/redfish.sh
. "$here/../lib/redfish.sh"
SRC=${INGOT_SRC:-$(cd "$here/../.." && pwd)}
QEMU=${QEMU:-qemu-system-x86_64}
DEPLOY_TIMEOUT=${DEPLOY_TIMEOUT:-600}
OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd
AGENT=$INGOT_BUILD/src/agent/ingot-agent
QEMU_PID=

command -v "$QEMU" >/dev/null || { echo "1..0 # SKIP $QEMU not installed"; exit 77; }
command -v jq >/dev/null || { echo "1..0 # SKIP jq not installed"; exit 77; }
[ -x "$AGENT" ] || { echo "1..0 # SKIP ingot-agent not built"; exit 77; }

qemu_stop() {
	[ -n "$QEMU_PID" ] || return 0
	kill "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
}
teardown() {
	qemu_stop
	_cleanup
}
trap teardown EXIT
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
field() { api GET "/v1/nodes/$1" | jq -r ".$2"; }

# --- the ramdisk (cached in the build tree, shared with ramdisk_boot) -------
RD=$INGOT_BUILD/ramdisk
t=$EPOCHREALTIME
if AGENT=$AGENT OUTDIR=$RD bash "$SRC/ramdisk/build" >"$T/build.log" 2>&1; then
	PASS=$((PASS + 1)); echo "ok - ramdisk/build ($(secs "$t" "$EPOCHREALTIME") s)"
else
	FAIL=$((FAIL + 1)); echo "not ok - ramdisk/build"; sed 's/^/#   /' "$T/build.log"
	finish; exit 1
fi

# --- the user image: a boot sector that prints a marker, then random data ---
# xor ax,ax; mov ds,ax; cld; mov dx,0x3f8; mov si,0x7c17; l: lodsb;
# test al,al; jz h; out dx,al; jmp l; h: hlt; jmp h; nop; "INGOT-DISK-BOOTED"
IMAGE=$T/image.raw
{
	printf '\x31\xc0\x8e\xd8\xfc\xba\xf8\x03\xbe\x17\x7c\xac\x84\xc0\x74\x03'
	printf '\xee\xeb\xf8\xf4\xeb\xfd\x90INGOT-DISK-BOOTED\r\n\x00'
	head -c $((510 - 43)) /dev/zero
	printf '\x55\xaa'
	head -c 2097152 /dev/urandom
} >"$IMAGE"
SHA=$(sha256sum "$IMAGE" | cut -d' ' -f1)

# --- ingotd -------------------------------------------------------------------
INGOT_PORT=$(free_port)
FWD=$(free_port)
cat >"$T/ingotd.conf" <<EOF
[api]
ramdisk_endpoints = all
[conductor]
automated_clean = false
power_timeout = 60
sync_power_state_interval = 0
[deploy]
http_url = http://10.0.2.2:$INGOT_PORT
kernel = $RD/ingot-deploy.kernel
ramdisk = $RD/ingot-deploy.initramfs
file_url_allowed_paths = $T
callback_timeout = $DEPLOY_TIMEOUT
kernel_append = ipa-advertise-host=127.0.0.1 ipa-advertise-port=$FWD
[vmedia]
http_url = http://127.0.0.1:$INGOT_PORT
[redfish]
timeout = 30
EOF
ingot_start -c "$T/ingotd.conf" || { finish; exit 1; }

# enrol NAME MAC BOOT_INTERFACE EXTRA_JSON: manageable, then available
enrol() {
	api POST /v1/nodes "{\"name\": \"$1\", \"driver\": \"redfish\",
	  \"boot_interface\": \"$3\", \"deploy_interface\": \"direct\",
	  \"network_interface\": \"noop\",
	  \"driver_info\": {\"redfish_address\": \"$(rf_url "$1")\", \"redfish_system_id\": \"$1\",
	    \"redfish_username\": \"admin\", \"redfish_password\": \"password\"},
	  \"instance_info\": {\"image_source\": \"file://$IMAGE\", \"image_disk_format\": \"raw\",
	    \"image_os_hash_algo\": \"sha256\", \"image_os_hash_value\": \"$SHA\"} $4}" >/dev/null
	expect_eq "$1: enrolled ($3)" 201 "$STATUS"
	api POST /v1/ports "{\"node_uuid\": \"$(jq -r .uuid "$T/api.body")\", \"address\": \"$2\"}" >/dev/null
	api PUT "/v1/nodes/$1/states/provision" '{"target": "manage"}' >/dev/null
	wait_until 60 "[ \"\$(field $1 provision_state)\" = manageable ]"
	api PUT "/v1/nodes/$1/states/provision" '{"target": "provide"}' >/dev/null
	ok "$1: available" wait_until 60 "[ \"\$(field $1 provision_state)\" = available ]"
}

# deploy NAME: active (or not) within DEPLOY_TIMEOUT; prints the time
deploy() {
	local t0=$EPOCHREALTIME st
	api PUT "/v1/nodes/$1/states/provision" '{"target": "active"}' >/dev/null
	expect_eq "$1: deploy accepted" 202 "$STATUS"
	wait_until "$DEPLOY_TIMEOUT" "[ \"\$(field $1 provision_state)\" = active ] || [ \"\$(field $1 provision_state)\" = 'deploy failed' ]" >/dev/null
	st=$(field "$1" provision_state)
	expect_eq "$1: active" active "$st"
	[ "$st" = active ] || api GET "/v1/nodes/$1" | jq -r '"# last_error: \(.last_error)"'
	echo "# $1: deploy request to active: $(secs "$t0" "$EPOCHREALTIME") s"
	T_ACTIVE=$EPOCHREALTIME
}

# --- UEFI (OVMF), iPXE -------------------------------------------------------
if [ -f "$OVMF_CODE" ] && [ -f /usr/lib/ipxe/qemu/efi-virtio.rom ]; then
	MAC_B=52:54:00:e7:00:02
	DISK_B=$T/disk-b.raw
	truncate -s 5G "$DISK_B"
	cp "$OVMF_VARS" "$T/vars.fd"
	api POST /v1/networks '{"name": "prov", "vlan_id": 100, "cidr": "10.0.2.0/24", "purpose": "provisioning"}' >/dev/null
	expect_eq "provisioning network (no DHCP server of ingotd: QEMU's)" 201 "$STATUS"
	"$QEMU" -accel tcg -M q35 -m 768 -smp 1 -S -nodefaults -display none -no-shutdown \
		-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,file=$T/vars.fd" \
		-qmp "unix:$T/qb.sock,server=on,wait=off" \
		-drive "if=none,id=disk0,file=$DISK_B,format=raw" -device virtio-blk-pci,drive=disk0,id=disk0dev \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$FWD-:9999,bootfile=http://10.0.2.2:$INGOT_PORT/boot.ipxe" \
		-device "virtio-net-pci,netdev=n0,mac=$MAC_B,id=nic0,romfile=/usr/lib/ipxe/qemu/efi-virtio.rom" \
		-device virtio-rng-pci -serial "file:$T/console-b.log" </dev/null >"$T/qemu-b.log" 2>&1 &
	QEMU_PID=$!
	wait_until 30 "[ -S '$T/qb.sock' ]"
	rf_start vb --boot-mode UEFI --mac "$MAC_B" --qmp "$T/qb.sock" --qmp-cd disk0 \
		--qmp-boot Pxe=/machine/peripheral/nic0,Hdd=/machine/peripheral/disk0dev || { finish; exit 1; }
	enrol vb "$MAC_B" ipxe ", \"properties\": {\"capabilities\": \"boot_mode:uefi\"}"
	deploy vb
	VB=$(field vb uuid)
	ok "vb: OVMF ran iPXE, which ran the node's script" \
		grep -aq "Ingot: deploy ramdisk for node $VB" "$T/console-b.log"
	ok "vb: the agent looked up its node" grep -q "node=$VB.*agent looked up" "$T/ingotd.log"
	ok "vb: the kernel booted (UEFI)" grep -q "INGOT-RAMDISK init" "$T/console-b.log"
	expect_eq "vb: the BMC's boot mode is UEFI" UEFI "$(rf_get vb /Systems/vb | jq -r .Boot.BootSourceOverrideMode)"
	ok "vb: the disk starts with the image" cmp -n "$(stat -c %s "$IMAGE")" "$IMAGE" "$DISK_B"
	qemu_stop
else
	echo "# SKIP UEFI node: ovmf or ipxe-qemu's efi-virtio.rom missing"
fi

if [ "$FAIL" -ne 0 ]; then
	for c in "$T"/console-*.log; do
		echo "# $c (last 30 lines):"
		tail -n 30 "$c" | tr -cd '\n -~' | sed 's/^/#   /'
	done
fi
finish
