#!/usr/bin/env bash
# End-to-end test of the deploy ramdisk (ramdisk/): builds it, boots it in
# QEMU (TCG, user-mode networking: the guest reaches the host's loopback as
# 10.0.2.2) against a real ingotd holding a fake-hardware node with deploy
# interface "direct" in "wait call-back", and checks what ingotd saw: the
# agent's lookup and heartbeat.  With the real agent
# ($INGOT_BUILD/src/agent/ingot-agent) it also waits for the node to become
# active and compares the VM's disk with the image.  Without it, the ramdisk
# is built around a busybox stand-in written here (lookup + heartbeat only),
# so the ramdisk's boot and networking are still tested.
#
# With the real agent and OpenIPMI's ipmi_sim, the VM also has an IPMI BMC
# (QEMU's ipmi-bmc-extern + isa-ipmi-kcs, connected to ipmi_sim's VM
# channel) whose LAN configuration ipmi_sim answers from a
# lan_config_program, and its agent first posts its inventory to a second
# ingotd with [inspection] discovery on: that one enrols the machine with
# driver_info.ipmi_address = the address the agent read in band through
# /dev/ipmi0, and manages it (verifying reads the power state through
# that BMC).  The same boot, no extra one.
#
# Environment: INGOT_BUILD, INGOT_SRC (as for every test), QEMU,
# RAMDISK_TIMEOUT (seconds for lookup and heartbeat; default 240),
# DEPLOY_TIMEOUT (seconds for active; default 300), KEEP_TMP=1.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/lib.sh
. "$here/../lib/lib.sh"
SRC=${INGOT_SRC:-$(cd "$here/../.." && pwd)}
QEMU=${QEMU:-qemu-system-x86_64}
RAMDISK_TIMEOUT=${RAMDISK_TIMEOUT:-240}
DEPLOY_TIMEOUT=${DEPLOY_TIMEOUT:-300}
MAC=52:54:00:d0:$(printf '%02x:%02x' $(($$ % 256)) $(($$ / 256 % 256)))
QEMU_PID=
DISC_PID=
BMC_PID=

command -v "$QEMU" >/dev/null || { echo "1..0 # SKIP $QEMU not installed"; exit 77; }
command -v jq >/dev/null || { echo "1..0 # SKIP jq not installed"; exit 77; }

teardown() {
	if [ -n "$QEMU_PID" ]; then
		kill "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
		QEMU_PID=
	fi
	for p in "$DISC_PID" "$BMC_PID"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	DISC_PID= BMC_PID=
	_cleanup
}
trap teardown EXIT

# log_time TEXT: when ingotd first logged TEXT (epoch seconds), else fails
log_time() {
	local l
	l=$(grep -m1 -- "$1" "$T/ingotd.log" | cut -d' ' -f1 | sed "s/^ts=//")
	[ -n "$l" ] && date -d "$l" +%s.%N
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
node_get() { api GET "/v1/nodes/$NODE"; }
last_error_has() { node_get | jq -r '.last_error // ""' | grep -q -- "$1"; }

# --- the ramdisk ---------------------------------------------------------
AGENT=$INGOT_BUILD/src/agent/ingot-agent
if [ -x "$AGENT" ]; then
	MODE=agent
	echo "# agent: $AGENT"
else
	MODE=standin
	echo "# agent: $AGENT is not built; using a busybox stand-in (lookup + heartbeat)"
	AGENT=$T/standin-agent
	cat >"$AGENT" <<'EOF'
#!/bin/sh
# Test stand-in for ingot-agent: one lookup and one heartbeat, with wget.
api= host= port=9999
for a in $(cat /proc/cmdline); do
	case "$a" in
	ipa-api-url=*) api=${a#*=} ;;
	ipa-advertise-host=*) host=${a#*=} ;;
	ipa-advertise-port=*) port=${a#*=} ;;
	esac
done
macs=$(for d in /sys/class/net/*; do [ -e "$d/device" ] && cat "$d/address"; done |
	paste -sd, -)
until body=$(wget -q -O - "$api/v1/lookup?addresses=$macs"); do sleep 1; done
echo "STANDIN lookup done"
uuid=$(echo "$body" | sed 's/.*"node": *{[^}]*"uuid": *"\([^"]*\)".*/\1/')
token=$(echo "$body" | sed -n 's/.*"agent_token": *"\([^"]*\)".*/\1/p')
wget -q -O - --header 'Content-Type: application/json' --post-data \
	"{\"callback_url\": \"http://$host:$port\", \"agent_token\": \"$token\", \"agent_version\": \"standin\"}" \
	"$api/v1/heartbeat/$uuid" && echo "STANDIN heartbeat done"
exec sleep 100000
EOF
	chmod 0755 "$AGENT"
fi
RAMDISK_OUT=$T/ramdisk
[ "$MODE" = agent ] && RAMDISK_OUT=$INGOT_BUILD/ramdisk
t=$EPOCHREALTIME
if AGENT=$AGENT OUTDIR=$RAMDISK_OUT bash "$SRC/ramdisk/build" >"$T/build.log" 2>&1; then
	PASS=$((PASS + 1)); echo "ok - ramdisk/build ($(secs "$t" "$EPOCHREALTIME") s)"
	sed 's/^/# /' "$T/build.log"
else
	FAIL=$((FAIL + 1)); echo "not ok - ramdisk/build"; sed 's/^/#   /' "$T/build.log"
	finish; exit 1
fi
. "$RAMDISK_OUT/ingot-deploy.env"
ok "initramfs under 40 MiB with the kernel" \
	test $((RAMDISK_KERNEL_SIZE + RAMDISK_INITRAMFS_SIZE)) -lt $((40 * 1048576))
ok "sha256 file matches" sh -c "cd '$RAMDISK_OUT' && sha256sum -c ingot-deploy.sha256"
# The rescue user (docs/rescue.md): in passwd, locked in shadow until a rescue.
case $RAMDISK_COMPRESS in gzip) unz=(gzip -dc) ;; zstd) unz=(zstd -dcq) ;; xz) unz=(xz -dc) ;; *) unz=(cat) ;; esac
"${unz[@]}" <"$RAMDISK_OUT/ingot-deploy.initramfs" | (mkdir -p "$T/rd" && cd "$T/rd" &&
	cpio --quiet -id etc/passwd etc/shadow 2>/dev/null)
ok "the ramdisk has a rescue user" grep -qx 'rescue:x:0:0:rescue:/root:/bin/sh' "$T/rd/etc/passwd"
ok "... locked until a rescue sets its password" grep -q '^rescue:!:' "$T/rd/etc/shadow"

# --- ingotd and the node -------------------------------------------------
INGOT_PORT=$(free_port)
FWD_PORT=$(free_port)
cat >"$T/ingotd.conf" <<EOF
[api]
ramdisk_endpoints = all
[conductor]
automated_clean = false
[deploy]
http_url = http://10.0.2.2:$INGOT_PORT
file_url_allowed_paths = $T
callback_timeout = 600
# The agent heartbeats every 0.3-0.6 of this (7 h and more): the deploy can
# reach active only because ingotd goes on by itself once the image is
# cached, and the agent reports its command's end at once.
heartbeat_timeout = 86400
EOF
ingot_start -c "$T/ingotd.conf" || { finish; exit 1; }

# The image: 3 MiB of pseudo-random bytes with a per-run header.
IMAGE=$T/image.raw
{ echo "INGOT-RAMDISK-TEST image of run $$"; head -c 3145728 /dev/urandom; } >"$IMAGE"
IMAGE_SHA=$(sha256sum "$IMAGE" | cut -d' ' -f1 | sed "s/^ts=//")
DISK=$T/disk.raw
truncate -s 5G "$DISK"	# sparse; the agent wants a root disk of 4 GiB or more

# Enrolled with the fake deploy interface: provide always cleans, and
# cleaning with "direct" would boot the ramdisk too.  "direct" comes after.
api POST /v1/nodes '{"name": "rd0", "driver": "fake-hardware", "deploy_interface": "fake"}' >/dev/null
expect_eq "node created" 201 "$STATUS"
NODE=$(jq -r .uuid "$T/api.body")
api POST /v1/ports "{\"node_uuid\": \"$NODE\", \"address\": \"$MAC\"}" >/dev/null
expect_eq "port $MAC created" 201 "$STATUS"
api PUT "/v1/nodes/$NODE/states/provision" '{"target": "manage"}' >/dev/null
wait_until 20 'node_get | jq -e ".provision_state == \"manageable\""' >/dev/null
api PUT "/v1/nodes/$NODE/states/provision" '{"target": "provide"}' >/dev/null
ok "node available" wait_until 20 'node_get | jq -e ".provision_state == \"available\""'
api PATCH "/v1/nodes/$NODE" "[{\"op\": \"replace\", \"path\": \"/deploy_interface\", \"value\": \"direct\"},
	{\"op\": \"add\", \"path\": \"/instance_info\", \"value\":
	{\"image_source\": \"file://$IMAGE\", \"image_os_hash_algo\": \"sha256\",
	 \"image_os_hash_value\": \"$IMAGE_SHA\", \"image_disk_format\": \"raw\"}}]" >/dev/null
expect_eq "deploy_interface direct, instance_info set" 200 "$STATUS"
api PUT "/v1/nodes/$NODE/states/provision" '{"target": "active"}' >/dev/null
expect_eq "deploy accepted" 202 "$STATUS"
ok "node waits for its agent (wait call-back)" \
	wait_until 20 'node_get | jq -e ".provision_state == \"wait call-back\""'
if ! node_get | jq -e '.provision_state == "wait call-back"' >/dev/null; then
	node_get | jq -r '"# state \(.provision_state), last_error: \(.last_error)"'
	finish; exit 1
fi

# --- a BMC and a discovering ingotd (real agent and ipmi_sim only) --------
BMC=0
BMC_MAC=02:00:5e:00:$(printf '%02x:%02x' $(($$ % 256)) $(($$ / 256 % 256)))
if [ "$MODE" = agent ] && command -v ipmi_sim >/dev/null; then
	BMC=1
	BMC_LAN_PORT=$(free_port)
	BMC_VM_PORT=$(free_port)
	DISC_PORT=$(free_port)
	mkdir -p "$T/bmc/state" "$T/disc"
	# ipmi_sim asks this program for the LAN parameters it does not keep
	# itself (IP address, its source, MAC): the address it listens on.
	cat >"$T/bmc/lanctl" <<EOF
#!/bin/sh
[ "\$2" = get ] || exit 0
shift 2
for p in "\$@"; do
	case \$p in
	ip_addr) echo "ip_addr:127.0.0.1" ;;
	ip_addr_src) echo "ip_addr_src:static" ;;
	mac_addr) echo "mac_addr:$BMC_MAC" ;;
	subnet_mask) echo "subnet_mask:255.0.0.0" ;;
	*) echo "\$p:0.0.0.0" ;;
	esac
done
EOF
	chmod 0755 "$T/bmc/lanctl"
	cat >"$T/bmc/lan.conf" <<EOF
name "rd-bmc"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $BMC_LAN_PORT
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid $(printf 'rd-bmc-%s' "$$" | md5sum | cut -c1-32)
    lan_config_program "$T/bmc/lanctl lan0"
  endlan
  serial kcs 127.0.0.1 $BMC_VM_PORT codec VM
  user 2 true  "admin" "password" admin 10 none md2 md5 straight
EOF
	cat >"$T/bmc/sim.emu" <<'EOF'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
EOF
	(cd "$T/bmc" && exec ipmi_sim -n -c lan.conf -f sim.emu -s state \
		</dev/null >ipmi_sim.log 2>&1) &
	BMC_PID=$!
	cat >"$T/disc/ingotd.conf" <<EOF
[api]
ramdisk_endpoints = all
[conductor]
sync_power_state_interval = 0
[inspection]
discovery = true
discovery_driver = ipmi
discovery_bmc_networks = 127.0.0.0/8
EOF
	"$INGOTD" --listen "127.0.0.1:$DISC_PORT" --db "$T/disc/ingot.db" \
		--log-file "$T/disc/ingotd.log" -c "$T/disc/ingotd.conf" 2>>"$T/disc/stderr" &
	DISC_PID=$!
	ok "discovering ingotd answers" wait_until 60 "curl -fsS http://127.0.0.1:$DISC_PORT/ >/dev/null"
	ok "ipmi_sim listens for the VM" wait_until 30 "ss -Htln 'sport = :$BMC_VM_PORT' | grep -q ."
fi
QEMU_BMC=() APPEND_BMC=
if [ "$BMC" = 1 ]; then
	QEMU_BMC=(-chardev "socket,id=ipmi0,host=127.0.0.1,port=$BMC_VM_PORT,reconnect=10"
		-device ipmi-bmc-extern,chardev=ipmi0,id=bmc0 -device isa-ipmi-kcs,bmc=bmc0)
	APPEND_BMC=" ipa-inspection-callback-url=http://10.0.2.2:$DISC_PORT/v1/continue_inspection"
fi


# --- boot ----------------------------------------------------------------
# The machine the discovering ingotd enrolled: its BMC from /dev/ipmi0.
dapi() { INGOT_URL=http://127.0.0.1:$DISC_PORT api "$@"; }
check_discovered() {
	local dn
	dapi GET '/v1/nodes?detail=true' >/dev/null
	expect_eq "discovery: one node enrolled" 1 "$(jq '.nodes | length' "$T/api.body")"
	dn=$(jq -r '.nodes[0].uuid' "$T/api.body")
	expect_eq "... in enroll, driver ipmi" "enroll ipmi" \
		"$(jq -r '.nodes[0] | "\(.provision_state) \(.driver)"' "$T/api.body")"
	expect_eq "... driver_info.ipmi_address: the BMC's LAN address, read in band" \
		127.0.0.1 "$(jq -r '.nodes[0].driver_info.ipmi_address' "$T/api.body")"
	dapi GET "/v1/nodes/$dn/inventory" >/dev/null
	expect_eq "... inventory bmc_address and bmc_mac" "127.0.0.1 $BMC_MAC" \
		"$(jq -r '.inventory | "\(.bmc_address) \(.bmc_mac)"' "$T/api.body")"
	dapi GET "/v1/ports?node=$dn" >/dev/null
	expect_eq "... its port is the VM's NIC" "$MAC" "$(jq -r '.ports[0].address' "$T/api.body")"
	# The operator adds what a machine cannot tell: the BMC's port and login.
	dapi PATCH "/v1/nodes/$dn" "[{\"op\": \"add\", \"path\": \"/driver_info/ipmi_port\", \"value\": $BMC_LAN_PORT},
		{\"op\": \"add\", \"path\": \"/driver_info/ipmi_username\", \"value\": \"admin\"},
		{\"op\": \"add\", \"path\": \"/driver_info/ipmi_password\", \"value\": \"password\"}]" >/dev/null
	expect_eq "... BMC port and credentials added" 200 "$STATUS"
	dapi PUT "/v1/nodes/$dn/states/provision" '{"target": "manage"}' >/dev/null
	expect_eq "... manage accepted" 202 "$STATUS"
	ok "... managed through that BMC: manageable, power on (the VM runs)" wait_until 90 \
		"dapi GET /v1/nodes/$dn | jq -e '.provision_state == \"manageable\" and .power_state == \"power on\"'"
	dapi GET "/v1/nodes/$dn" | jq -r '"# discovered node: \(.provision_state) \(.power_state) last_error: \(.last_error)"'
}


LOG=$T/console.log
t_boot=$EPOCHREALTIME
"$QEMU" -accel tcg -m 512 -smp 1 -no-reboot \
	-kernel "$RAMDISK_OUT/ingot-deploy.kernel" -initrd "$RAMDISK_OUT/ingot-deploy.initramfs" \
	-append "console=ttyS0 panic=5 ipa-api-url=http://10.0.2.2:$INGOT_PORT ipa-advertise-host=127.0.0.1 ipa-advertise-port=$FWD_PORT$APPEND_BMC" \
	-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$FWD_PORT-:9999" \
	-device "virtio-net-pci,netdev=n0,mac=$MAC" \
	-device virtio-rng-pci "${QEMU_BMC[@]}" \
	-drive "file=$DISK,format=raw,if=virtio" \
	-display none -monitor none -serial "file:$LOG" </dev/null >"$T/qemu.log" 2>&1 &
QEMU_PID=$!
echo "# qemu pid $QEMU_PID, console $LOG, API port $INGOT_PORT, agent port $FWD_PORT"

# One poll loop records when each event is first seen: network up on the
# console, the heartbeat (agent_url), the end state.
t_hb='' t_up='' final='' hb_url='' hb_version='' extended=''
end=$(( $(date +%s) + RAMDISK_TIMEOUT ))
while [ "$(date +%s)" -lt "$end" ]; do
	n=$(node_get)
	now=$EPOCHREALTIME
	[ -z "$t_up" ] && grep -q 'INGOT-RAMDISK up ip=' "$LOG" 2>/dev/null && t_up=$now
	if [ -z "$t_hb" ] && jq -e '.driver_internal_info.agent_url' <<<"$n" >/dev/null; then
		t_hb=$now
		hb_url=$(jq -r '.driver_internal_info.agent_url' <<<"$n")
		hb_version=$(jq -r '.driver_internal_info.agent_version // ""' <<<"$n")
	fi
	ps=$(jq -r .provision_state <<<"$n")
	case "$ps" in
	"deploy failed"|active) final=$ps; break ;;
	esac
	[ "$MODE" = standin ] && [ -n "$t_hb" ] && break
	if [ "$MODE" = agent ] && [ -n "$t_hb" ] && [ -z "$extended" ]; then
		extended=1
		end=$(( $(date +%s) + DEPLOY_TIMEOUT ))
	fi
	kill -0 "$QEMU_PID" 2>/dev/null || { echo "# qemu exited"; break; }
	sleep 0.1
done

ok "console: INGOT-RAMDISK up ip=10.0.2.x" grep -q 'INGOT-RAMDISK up ip=10\.0\.2\.' "$LOG"
[ -n "$t_up" ] && echo "# boot to network up: $(secs "$t_boot" "$t_up") s (host clock, approximate)"
ok "console: the agent started" grep -q 'INGOT-RAMDISK starting ingot-agent' "$LOG"
# ingotd logs the lookup (to the millisecond): the precise measure.
t_lookup=$(log_time 'agent looked up: token issued') || t_lookup=
if [ -n "$t_lookup" ]; then
	PASS=$((PASS + 1)); echo "ok - agent looked up its node (token issued)"
	echo "# boot to lookup: $(secs "$t_boot" "$t_lookup") s"
else
	FAIL=$((FAIL + 1)); echo "not ok - agent looked up its node (token issued)"
fi

if [ "$MODE" = standin ]; then
	if [ -z "$t_hb" ]; then
		# The conductor answers the heartbeat by calling the agent back; the
		# stand-in does not serve, so the deploy fails at once and the agent
		# fields are dropped.  The failure message proves the heartbeat.
		wait_until 30 'node_get | jq -e ".provision_state == \"deploy failed\""' >/dev/null
		ok "heartbeat accepted (the conductor called the agent back)" \
			last_error_has 'cannot start writing the image'
		node_get | jq -r '"# last_error: \(.last_error)"'
	else
		PASS=$((PASS + 1)); echo "ok - heartbeat recorded: agent_url=$hb_url"
		echo "# boot to heartbeat: $(secs "$t_boot" "$t_hb") s"
	fi
else
	# The first heartbeat makes the conductor send standby.prepare_image
	# ("the agent is writing the image" in its log); the poll may miss
	# agent_url when the whole deploy is quicker than a poll.
	t_hb_log=$(log_time 'the agent is writing the image') || t_hb_log=
	if [ -n "$t_hb" ] || [ -n "$t_hb_log" ]; then
		PASS=$((PASS + 1))
		echo "ok - heartbeat recorded${hb_url:+: agent_url=$hb_url agent_version=$hb_version}"
		[ -n "$t_hb_log" ] && echo "# boot to first heartbeat answered (prepare_image sent): $(secs "$t_boot" "$t_hb_log") s"
		[ -n "$hb_url" ] && expect_eq "callback URL is the advertised one" "http://127.0.0.1:$FWD_PORT" "$hb_url"
	else
		FAIL=$((FAIL + 1)); echo "not ok - heartbeat recorded"
	fi
	if [ -z "$final" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
		wait_until "$DEPLOY_TIMEOUT" 'node_get | jq -e ".provision_state == \"active\" or .provision_state == \"deploy failed\""' >/dev/null
		final=$(node_get | jq -r .provision_state)
	fi
	t_end=$EPOCHREALTIME
	expect_eq "node active" active "${final:-$(node_get | jq -r .provision_state)}"
	[ "$final" = active ] && echo "# boot to active: $(secs "$t_boot" "$t_end") s"
	[ "$final" = active ] || node_get | jq -r '"# last_error: \(.last_error)"'
	[ "$BMC" = 1 ] && check_discovered
	# The VM runs the ramdisk until killed (fake-hardware powers nothing).
	kill "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
	ok "the disk starts with the image ($(stat -c %s "$IMAGE") bytes)" \
		cmp -n "$(stat -c %s "$IMAGE")" "$IMAGE" "$DISK"
fi

if [ "$FAIL" -ne 0 ]; then
	echo "# console (last 40 lines):"
	tail -n 40 "$LOG" | sed 's/^/#   /'
fi
finish
