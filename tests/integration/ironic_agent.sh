#!/usr/bin/env bash
# ingot-agent under OpenStack Ironic's own conductor (Debian's python3-ironic:
# the all-in-one `ironic`, noauth, SQLite, in the scratch directory): an ipmi
# node on ipmi_sim (boot device and power run through ipmitool), the pxe boot
# interface, the direct deploy interface; the agent runs on the host with a
# file for a disk.  Each phase in which Ironic waits for a ramdisk starts a
# fresh agent (as a booted ramdisk would) and stops it when the phase ends.
#   provide       automated cleaning through the agent
#   deploy        whole-disk images over HTTP on loopback: raw in BIOS mode,
#                 qcow2 in UEFI mode (image.install_bootloader puts GRUB
#                 into the image's EFI system partition); active, and the
#                 disk holds the image
#                 a partition image (ext4 root holding /boot/grub) in BIOS
#                 mode (MBR: ephemeral, swap, root; GRUB's boot.img in the
#                 MBR and core.img after it, and QEMU's BIOS boots it to the
#                 root's grub.cfg) and in UEFI mode (GPT: ESP, swap, root;
#                 GRUB's EFI binary in the ESP)
#   undeploy      automated cleaning again (the partition table is wiped)
# It fails if Ironic refused any heartbeat, command or error reply: the
# node's last_error, Ironic's log (HTTP 4xx on /v1/heartbeat and
# /v1/lookup, tracebacks) and the agent's log are checked after each phase.
# Ironic must be installed (scripts/install-deps); a missing Ironic fails.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
MAC=52:54:00:a9:22:01
IRONIC_PID= HTTP_PID=

if ! [ -x /usr/bin/ironic ] || ! /usr/bin/python3 -c 'import ironic' 2>/dev/null; then
	echo "not ok - Ironic is not installed (python3-ironic, ironic-common: scripts/install-deps)"
	exit 1
fi
source "$INGOT_SRC/tests/lib/bmc.sh"

stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; return 0; }
MACHINE_PID=
stop_machine() {	# the loop stops its agent itself
	rm -f "$T/machine.on"
	[ -n "$MACHINE_PID" ] && wait "$MACHINE_PID" 2>/dev/null
	MACHINE_PID=
}
trap 'stop_machine; stop_pid "$IRONIC_PID"; stop_pid "$HTTP_PID"; _cleanup' EXIT

# --- images, served over HTTP on loopback -----------------------------------
mkdir -p "$T/www" "$T/tftp" "$T/tftp-master" "$T/images" "$T/master" "$T/httproot" "$T/lock"
# A GPT whole-disk image: an EFI system partition (FAT, no loader in it) and a
# root partition holding /boot/grub/grub.cfg-like marker data, made without
# loop devices or mounts.
mkimage() {	# mkimage FILE
	truncate -s 48M "$1"
	sfdisk -q "$1" <<'PT'
label: gpt
start=2048, size=32768, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"
start=34816, size=49152, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
PT
	mkfs.vfat -F 16 --offset 2048 -n ESP "$1" 16384 >/dev/null 2>&1
	head -c 16M /dev/urandom | dd of="$1" bs=1M seek=17 conv=notrunc status=none
}
mkimage "$T/www/disk.raw"
# A partition image: an ext4 root filesystem (made without mounting) with a
# grub.cfg that says so on the serial line, and the GRUB modules it loads.
mkdir -p "$T/rootfs/boot/grub/i386-pc"
cp /usr/lib/grub/i386-pc/{serial,terminal,terminfo,extcmd,halt,acpi,echo}.mod "$T/rootfs/boot/grub/i386-pc/" 2>/dev/null
printf 'insmod serial\nserial --unit=0 --speed=115200\nterminal_output serial\necho INGOT-GRUB-ROOT-$root\nhalt\n' \
	>"$T/rootfs/boot/grub/grub.cfg"
head -c 2M /dev/urandom >"$T/rootfs/data"
truncate -s 24M "$T/www/root.img"
mkfs.ext4 -q -F -d "$T/rootfs" "$T/www/root.img"
ROOT_FS=$(blkid -s UUID -o value "$T/www/root.img")
qemu-img convert -q -f raw -O qcow2 "$T/www/disk.raw" "$T/www/disk.qcow2"
head -c 1M /dev/urandom >"$T/www/deploy.kernel"
head -c 1M /dev/urandom >"$T/www/deploy.initramfs"
HPORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$HPORT" >"$T/http.log" 2>&1 &
HTTP_PID=$!
WWW=http://127.0.0.1:$HPORT
wait_until 20 "curl -fsS -o /dev/null '$WWW/deploy.kernel'"

# --- the BMC and Ironic -------------------------------------------------------
bmc_start node || exit 1
IPORT=$(free_port)
IRONIC=http://127.0.0.1:$IPORT
cat >"$T/ironic.conf" <<CONF
[DEFAULT]
auth_strategy = noauth
enabled_hardware_types = ipmi
enabled_boot_interfaces = pxe
enabled_deploy_interfaces = direct
enabled_power_interfaces = ipmitool
enabled_management_interfaces = ipmitool
enabled_network_interfaces = noop
default_network_interface = noop
enabled_inspect_interfaces = no-inspect
enabled_vendor_interfaces = no-vendor
enabled_raid_interfaces = no-raid
enabled_rescue_interfaces = no-rescue
enabled_console_interfaces = no-console
enabled_bios_interfaces = no-bios
enabled_storage_interfaces = noop
rpc_transport = none
host = ingot-test-ironic
use_stderr = false
debug = true
log_file = $T/ironic.log
tempdir = $T
[api]
host_ip = 127.0.0.1
port = $IPORT
[database]
connection = sqlite:///$T/ironic.db
[conductor]
sync_power_state_interval = -1
force_power_state_during_sync = false
check_provision_state_interval = 5
deploy_callback_timeout = 240
clean_callback_timeout = 240
[agent]
command_wait_interval = 1
post_deploy_get_power_state_retries = 2
post_deploy_get_power_state_retry_interval = 1
[deploy]
http_root = $T/httproot
http_url = $WWW
erase_devices_priority = 0
erase_devices_metadata_priority = 99
[pxe]
tftp_root = $T/tftp
tftp_master_path = $T/tftp-master
images_path = $T/images
instance_master_path = $T/master
[ipmi]
use_ipmitool_retries = false
min_command_interval = 1
[service_catalog]
endpoint_override = $IRONIC
[dhcp]
dhcp_provider = none
[oslo_concurrency]
lock_path = $T/lock
CONF
/usr/bin/ironic-dbsync --config-file "$T/ironic.conf" create_schema >"$T/dbsync.log" 2>&1 ||
	{ echo "not ok - ironic-dbsync"; cat "$T/dbsync.log"; exit 1; }
/usr/bin/ironic --config-file "$T/ironic.conf" >"$T/ironic.out" 2>&1 &
IRONIC_PID=$!
wait_until 120 "curl -fsS -o /dev/null '$IRONIC/v1/'"
ok "Ironic answers" curl -fsS -o /dev/null "$IRONIC/v1/"
IVER=$(/usr/bin/python3 -c 'import pbr.version; print(pbr.version.VersionInfo("ironic").version_string())' 2>/dev/null)
echo "# OpenStack Ironic $IVER"

H='X-OpenStack-Ironic-API-Version: 1.81'
iapi() {	# iapi METHOD PATH [JSON]: body to stdout, STATUS
	local out
	out=$(curl -s -w '\n%{http_code}' -X "$1" -H "$H" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "$IRONIC$2")
	STATUS=${out##*$'\n'}
	printf '%s' "${out%$'\n'*}"
}
field() { iapi GET "/v1/nodes/$N" | jq -r "$1"; }
state() { field .provision_state; }
provision() { iapi PUT "/v1/nodes/$N/states/provision" "{\"target\":\"$1\"}" >/dev/null; }

# wait_for SECONDS 'shell code': once a second (Ironic is not to be hammered)
wait_for() {
	local end=$(( $(date +%s) + $1 ))
	while [ "$(date +%s)" -lt "$end" ]; do eval "$2" >/dev/null 2>&1 && return 0; sleep 1; done
	eval "$2"
}
# The machine: ipmi_sim's chassis control keeps power and boot device in
# files; what runs follows them.  Powered on (or reset) with boot device pxe,
# the deploy ramdisk boots: a fresh agent, with its own log.  Powered off or
# reset: the agent is gone.  Powered on from disk: the instance (nothing).
APORT=$(free_port)
machine() {
	local d=$T/bmc-node pid= n=0 power boot resets last_power=0 last_resets=0
	while [ -e "$T/machine.on" ]; do
		power=$(cat "$d/power" 2>/dev/null || echo 0)
		boot=$(cat "$d/boot" 2>/dev/null || echo default)
		resets=$(cat "$d/resets" 2>/dev/null | wc -l)
		if [ -n "$pid" ] && { [ "$power" != 1 ] || [ "$resets" != "$last_resets" ]; }; then
			kill "$pid"; wait "$pid"; pid=
			echo "$(date +%T) power off: agent $n gone" >>"$T/machine.log"
		fi
		if [ -z "$pid" ] && [ "$power" = 1 ] && [ "$boot" = pxe ] &&
		    { [ "$last_power" != 1 ] || [ "$resets" != "$last_resets" ]; }; then
			n=$((n + 1))
			"$AGENT" --api-url "$IRONIC" --listen "127.0.0.1:$APORT" \
				--advertise-host 127.0.0.1 --mac "$MAC" --disk "$T/disk.img" \
				--heartbeat-interval 2 --no-power 2>"$T/agent-$n.log" &
			pid=$!
			echo "$(date +%T) power on from pxe: agent $n" >>"$T/machine.log"
		fi
		last_power=$power last_resets=$resets
		sleep 0.2
	done
	[ -n "$pid" ] && kill "$pid" && wait "$pid"
	return 0
}
touch "$T/machine.on"
machine &
MACHINE_PID=$!

# Heartbeats the agents' logs say were refused, as "BAD: ..." lines, and
# "LATE" for each allowed one: Ironic forgets the token when a phase ends
# and powers the node off a few seconds later; a heartbeat in between is
# refused for its token (as it would be for IPA): allowed in an agent's
# last 20 s.
agent_refusals() {
	local f
	for f in "$T"/agent-*.log; do
		[ -e "$f" ] || continue
		/usr/bin/python3 - "$f" <<'PY'
import sys, datetime
lines = open(sys.argv[1]).read().splitlines()
ts = lambda l: datetime.datetime.strptime(l[:20], "%Y-%m-%dT%H:%M:%SZ")
end = ts(lines[-1]) if lines else None
for l in lines:
    if "heartbeat: HTTP" not in l:
        continue
    if "agent token" in l and "HTTP 400" in l and (end - ts(l)).total_seconds() <= 20:
        print("LATE")
    else:
        print("BAD: " + sys.argv[1].rsplit("/", 1)[1] + ": " + l)
PY
	done
}

# phase TARGET FINAL WHAT: asks for TARGET, lets the machine run until the
# node settles in FINAL (or fails), then checks that nothing was refused.
phase() {
	local before
	before=$(wc -l <"$T/ironic.log")
	provision "$1"
	expect_eq "$3: Ironic accepts '$1'" 202 "$STATUS"
	wait_for 300 "case \"\$(state)\" in '$2'|*failed) true;; *) false;; esac"
	if [ "$(state)" != "$2" ]; then	# say why, and stop here
		expect_eq "$3: node $2" "$2" "$(state)"
		echo "# last_error: $(field .last_error)"
		tail -n 20 "$T"/agent-*.log | sed 's/^/# agent: /'
		grep -E ' ERROR ' "$T/ironic.log" | tail -n 20 | cut -c1-300 | sed 's/^/# ironic: /'
		finish; exit 1
	fi
	expect_eq "$3: node $2" "$2" "$(state)"
	expect_eq "$3: no last_error" null "$(field .last_error)"
	sleep 3		# the last agent's last heartbeats
	tail -n +"$before" "$T/ironic.log" >"$T/phase.log"
	agent_refusals >"$T/refusals"
	ok "$3: Ironic refused no lookup (4xx but 404 'not in a ramdisk state', 409 'locked')" \
		bash -c "! grep -E '\"GET /v1/lookup[^\"]*\" status: 4(0[0-35-8]|[1-9][0-9])' '$T/phase.log'"
	expect_eq "$3: Ironic refused no heartbeat (4xx but 409) but the late ones" \
		"$(grep -c LATE "$T/refusals")" \
		"$(grep -cE '\"POST /v1/heartbeat[^\"]*\" status: 4(0[0-8]|[1-9][0-9])' "$T/phase.log")"
	ok "$3: no traceback in Ironic's log" bash -c "! grep -E 'Traceback|TypeError|KeyError' '$T/phase.log'"
	ok "$3: the agents saw no heartbeat refused while they worked" \
		bash -c "! grep BAD '$T/refusals' >&2"
	ok "$3: the agent ran commands" bash -c "cat '$T'/agent-*.log | grep -q 'command .* received'"
	mkdir -p "$T/done"; mv "$T"/agent-*.log "$T/done/" 2>/dev/null
	mv "$T/done" "$T/done-$PHASES"; PHASES=$((PHASES + 1))
}
PHASES=0

iapi POST /v1/nodes "{\"name\":\"ingot-agent-node\",\"driver\":\"ipmi\",
	\"deploy_interface\":\"direct\",\"boot_interface\":\"pxe\",
	\"properties\":{\"capabilities\":\"boot_mode:bios\"},
	\"driver_info\":{\"ipmi_address\":\"127.0.0.1\",\"ipmi_port\":$BMC_PORT,
	\"ipmi_username\":\"admin\",\"ipmi_password\":\"password\",\"ipmi_cipher_suite\":3,
	\"deploy_kernel\":\"$WWW/deploy.kernel\",\"deploy_ramdisk\":\"$WWW/deploy.initramfs\"}}" >"$T/n.json"
expect_eq "node enrolled" 201 "$STATUS"
N=$(jq -r .uuid "$T/n.json")
iapi POST /v1/ports "{\"node_uuid\":\"$N\",\"address\":\"$MAC\"}" >/dev/null
expect_eq "port enrolled" 201 "$STATUS"
provision manage
wait_for 60 '[ "$(state)" = manageable ]'
expect_eq "node manageable (power read through ipmi_sim)" manageable "$(state)"
[ "$(state)" = manageable ] || { echo "# last_error: $(field .last_error)"; finish; exit 1; }

head -c 64M /dev/urandom >"$T/disk.img"
phase provide available "provide (automated cleaning)"
ok "provide: first MiB zeroed by erase_devices_metadata" cmp -n 1048576 "$T/disk.img" /dev/zero

# range FILE OFFSET-MIB SIZE-MIB: those bytes
range() { tail -c +$(($2 * 1048576 + 1)) "$1" | head -c $(($3 * 1048576)); }
ESP="$T/disk.img@@1048576"
deploy() {	# deploy FILE FORMAT MODE
	local sum
	sum=$(sha256sum "$T/www/$1" | cut -d' ' -f1)
	iapi PATCH "/v1/nodes/$N" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{
		\"image_source\":\"$WWW/$1\",\"image_os_hash_algo\":\"sha256\",
		\"image_os_hash_value\":\"$sum\",\"image_disk_format\":\"$2\"}},
		{\"op\":\"add\",\"path\":\"/properties/capabilities\",\"value\":\"boot_mode:$3\"}]" >/dev/null
	expect_eq "$1 ($3): instance_info set" 200 "$STATUS"
	phase active active "deploy $1 ($3)"
	ok "deploy $1 ($3): the partition table is the image's" cmp -n 1048576 "$T/www/disk.raw" "$T/disk.img"
	ok "deploy $1 ($3): the root partition is the image's" \
		cmp <(range "$T/www/disk.raw" 17 24) <(range "$T/disk.img" 17 24)
	if [ "$3" = uefi ]; then
		expect_eq "deploy $1 (uefi): GRUB's EFI binary in the ESP (\\EFI\\BOOT\\BOOTX64.EFI)" MZ \
			"$(MTOOLS_SKIP_CHECK=1 mtype -i "$ESP" ::/EFI/BOOT/BOOTX64.EFI 2>/dev/null | head -c 2)"
		ok "deploy $1 (uefi): the agent said it installed GRUB" \
			grep -q "GRUB installed" "$T/done-$((PHASES - 1))"/agent-*.log
	else
		ok "deploy $1 (bios): the whole disk is the image" cmp -n 50331648 "$T/www/disk.raw" "$T/disk.img"
	fi
	ok "deploy $1 ($3): boot device no longer pxe (ipmi_sim)" \
		bash -c "[ \"\$(cat '$T/bmc-node/boot')\" != pxe ]"
	expect_eq "deploy $1 ($3): powered on (ipmi_sim)" 1 "$(cat "$T/bmc-node/power")"
	phase deleted available "undeploy $1 ($3) (automated cleaning)"
	ok "undeploy $1 ($3): partition table wiped" cmp -n 1048576 "$T/disk.img" /dev/zero
}
deploy disk.raw raw bios
deploy disk.qcow2 qcow2 uefi

# A partition image: the agent makes the table and the partitions from the
# sizes Ironic sends (root_gb, swap_mb, ephemeral_gb), the disk (a sparse
# file) grown to hold them.
pjq() { sfdisk --json "$T/disk.img" | jq -r "$1"; }
deploy_partition() {	# deploy_partition MODE EPHEMERAL-GB
	local sum root_mib
	sum=$(sha256sum "$T/www/root.img" | cut -d' ' -f1)
	iapi PATCH "/v1/nodes/$N" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{
		\"image_source\":\"$WWW/root.img\",\"image_os_hash_algo\":\"sha256\",
		\"image_os_hash_value\":\"$sum\",\"image_disk_format\":\"raw\",
		\"image_type\":\"partition\",\"kernel\":\"$WWW/deploy.kernel\",
		\"ramdisk\":\"$WWW/deploy.initramfs\",\"root_gb\":1,\"swap_mb\":16,
		\"ephemeral_gb\":$2,\"ephemeral_format\":\"ext4\"}},
		{\"op\":\"add\",\"path\":\"/properties/capabilities\",\"value\":\"boot_mode:$1\"}]" >/dev/null
	expect_eq "partition image ($1): instance_info set" 200 "$STATUS"
	phase active active "deploy partition image ($1)"
	expect_eq "partition image ($1): Ironic keeps the root filesystem's UUID" "$ROOT_FS" \
		"$(field .driver_internal_info.root_uuid_or_disk_id)"
	root_mib=$(( $(pjq '.partitiontable.partitions[-1].start') / 2048 ))
	ok "partition image ($1): the root partition holds the image" \
		cmp <(range "$T/www/root.img" 0 24) <(range "$T/disk.img" "$root_mib" 24)
	ok "partition image ($1): swap (swap1) before root" \
		bash -c "blkid -p -O $(( $(pjq '.partitiontable.partitions[-2].start') * 512 )) '$T/disk.img' | grep -q 'LABEL=\"swap1\".*TYPE=\"swap\"'"
	if [ "$1" = bios ]; then
		expect_eq "partition image (bios): MBR: ephemeral, swap, root (bootable)" \
			"dos 2048:2097152:83 2099200:32768:82 2131968:2097152:83:true" \
			"$(pjq '[.partitiontable.label] + [.partitiontable.partitions[] | "\(.start):\(.size):\(.type)\(if .bootable then ":true" else "" end)"] | join(" ")')"
		ok "partition image (bios): ephemeral0 (ext4) first" \
			bash -c "blkid -p -O 1048576 '$T/disk.img' | grep -q 'LABEL=\"ephemeral0\".*TYPE=\"ext4\"'"
		ok "partition image (bios): GRUB's boot.img code in the MBR" \
			cmp -n 92 /usr/lib/grub/i386-pc/boot.img "$T/disk.img"
		ok "partition image (bios): GRUB's core.img (diskboot.img) at sector 1" \
			cmp -n 500 /usr/lib/grub/i386-pc/diskboot.img <(tail -c +513 "$T/disk.img")
		# QEMU's BIOS (SeaBIOS) boots the disk (a snapshot: nothing is
		# written): GRUB finds the root filesystem and runs its grub.cfg.
		timeout 120 qemu-system-x86_64 -nographic -snapshot -m 128 -net none -no-reboot \
			-drive "file=$T/disk.img,format=raw" >"$T/qemu-bios.log" 2>&1 &
		local q=$!
		booted() { tr -d '\033' <"$T/qemu-bios.log" | sed 's/\[[0-9;]*[A-Za-z]//g' |
			grep -aq 'INGOT-GRUB-ROOT-hd0,msdos3'; }
		wait_for 110 booted
		kill "$q" 2>/dev/null; wait "$q" 2>/dev/null
		ok "partition image (bios): the BIOS boots GRUB, GRUB reads the root's grub.cfg" booted
	else
		expect_eq "partition image (uefi): GPT: ESP (200 MiB), swap, root" \
			"gpt 2048:409600:C12A7328-F81F-11D2-BA4B-00A0C93EC93B 411648:32768:0657FD6D-A4AB-43C4-84E5-0933C84B4F4F 444416:2097152:0FC63DAF-8483-4772-8E79-3D69D8477DE4" \
			"$(pjq '[.partitiontable.label] + [.partitiontable.partitions[] | "\(.start):\(.size):\(.type)"] | join(" ")')"
		expect_eq "partition image (uefi): GRUB's EFI binary in the ESP" MZ \
			"$(MTOOLS_SKIP_CHECK=1 mtype -i "$T/disk.img@@1048576" ::/EFI/BOOT/BOOTX64.EFI 2>/dev/null | head -c 2)"
		ok "partition image (uefi): GRUB looks for the root filesystem by its UUID" \
			bash -c "MTOOLS_SKIP_CHECK=1 mtype -i '$T/disk.img@@1048576' ::/EFI/BOOT/BOOTX64.EFI | grep -aq '$ROOT_FS'"
	fi
	ok "partition image ($1): boot device no longer pxe (ipmi_sim)" \
		bash -c "[ \"\$(cat '$T/bmc-node/boot')\" != pxe ]"
	phase deleted available "undeploy partition image ($1) (automated cleaning)"
	ok "undeploy partition image ($1): partition table wiped" \
		cmp -n 1048576 "$T/disk.img" /dev/zero
}
truncate -s 2200M "$T/disk.img"
deploy_partition bios 1
deploy_partition uefi 0

finish
