#!/usr/bin/env bash
# Recovery of a boot-from-volume server in the virtual lab (issue #15):
# node0 of tenant A boots its image from a volume of Ingot's tgt pool
# (iPXE sanboot on tenant A's VLAN, as lab_san.sh), and its OS writes a
# random token onto that volume.  Then its QEMU process and its ipmi_sim
# BMC are killed, as a dead server.  Ingot must detect it, fence it (its
# switch port isolated, read back from OVS; its volume's ACL and CHAP
# account for node0's IQN revoked, read back from tgt) and boot node1, the
# spare, from THE SAME volume through sanboot, with no image written: the
# spare's OS prints the token it finds on the volume, leases tenant A's
# address again (the DHCP reservation follows the instance) and answers on
# it; tenant B sees nothing.  Two QEMU boots.  Prints the timings from the
# kill: detect / fence / spare active / lease / answers
# (RECOVERY_TIMINGS=FILE also writes them there: bench/recovery --lab).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi
for p in tgtd tgtadm iscsistart; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done
BUILD=${INGOT_BUILD:-$repo/build}
export LAB=lb$(printf '%x' $(($$ % 0xfffff)))
TOP=$(mktemp -d /tmp/ingot-e2e-bfv.XXXXXX)
export WORKDIR=$TOP/lab NODES=2 DISK_SIZE=64M NODE_MEM=${NODE_MEM:-512}
export BMC_PASS=bmc-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
free_port() { python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_'"$1"'); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
. "$repo/tests/lib/lab_ports.sh"
export BMC_PORT=$(lab_bmc_port)
PORT=$(free_port STREAM)
export INGOT_URL=http://127.0.0.1:$PORT
D=$TOP/ingot
mkdir -p "$D/pool"
PASS=0 FAIL=0 INGOTD_PID=
. "$repo/tests/lib/lab_e2e.sh"

ok() {
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then PASS=$((PASS + 1)); echo "ok - $what"
	else FAIL=$((FAIL + 1)); echo "not ok - $what"; fi
}
expect_eq() {
	if [ "$2" == "$3" ]; then PASS=$((PASS + 1)); echo "ok - $1"
	else FAIL=$((FAIL + 1)); echo "not ok - $1: expected [$2] got [$3]"; fi
}
api() {	# api METHOD PATH [JSON]
	curl -sS -X "$1" -H 'X-OpenStack-Ironic-API-Version: latest' \
		${3:+-H 'Content-Type: application/json' --data-binary "$3"} "$INGOT_URL$2"
}
state() { api GET "/v1/nodes/$1" | jq -r .provision_state; }
teardown() {
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
	[ -n "$INGOTD_PID" ] && { kill "$INGOTD_PID" 2>/dev/null; wait "$INGOTD_PID" 2>/dev/null; }
	san_down
	"$repo/lab/down" >/dev/null 2>&1
	if [ "$FAIL" = 0 ] && [ -n "${FINISHED:-}" ]; then rm -rf "$TOP"; else echo "# logs in $TOP"; fi
}
SAMPLER=

OUTDIR=$BUILD/lab-image "$repo/lab/image/build" | tail -n 1 || { echo "Bail out! image build"; exit 1; }
IMG=$BUILD/lab-image
MARKER=$(dd if="$IMG/user-image.raw" bs=512 skip=128 count=1 status=none | head -n 1 | tr -cd ' -~')
TOKEN="ingot-bfv-written-before-the-failure-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"

"$repo/lab/up" >"$TOP/up.log" 2>&1 || { cat "$TOP/up.log"; echo "Bail out! lab/up"; exit 1; }
trap teardown EXIT
trap 'exit 130' INT TERM
J=$WORKDIR/lab.json
vsctl() { ovs-vsctl --db="$(jq -r .switch.ovsdb "$J")" "$@"; }
ok "tgtd runs in a storage namespace on tenant A's VLAN" san_up 200 10.200.0.250/24

{ lab_ingotd_conf; cat <<EOF; } >"$D/ingotd.conf"
[conductor]
sync_power_state_interval = 2
automated_clean = false
[recovery]
policy = automatic
bmc_failures = 2
[deploy]
file_url_allowed_paths = $IMG
[storage]
pool_dir = $D/pool
portal = 10.200.0.250:3260
tgt_control_port = $CP
max_volume_gb = 1
EOF
"$BUILD/src/daemon/ingotd" --config "$D/ingotd.conf" 2>>"$D/ingotd.stderr" &
INGOTD_PID=$!
for _ in $(seq 300); do curl -fsS "$INGOT_URL/" >/dev/null 2>&1 && break; sleep 0.1; done
ok "ingotd answers" curl -fsS "$INGOT_URL/v1"

api POST /v1/networks '{"name":"provisioning","vlan_id":100,"cidr":"10.100.0.0/24","dhcp_range":"10.100.0.100,10.100.0.199","purpose":"provisioning"}' >/dev/null
api POST /v1/networks '{"name":"tenant-a","vlan_id":200,"cidr":"10.200.0.0/24","dhcp_range":"10.200.0.100,10.200.0.199","project":"tenant-a"}' >/dev/null
api POST /v1/networks '{"name":"tenant-b","vlan_id":300,"cidr":"10.201.0.0/24","dhcp_range":"10.201.0.100,10.201.0.199","project":"tenant-b"}' >/dev/null

api POST /v1/volumes "$(jq -cn --arg s "file://$IMG/user-image.raw" --arg c "$(md5sum "$IMG/user-image.raw" | cut -d' ' -f1)" \
	'{name: "a-root", size: 1, project: "tenant-a", image_source: $s, image_checksum: $c}')" >"$TOP/vol.json"
VA=$(jq -r '.uuid // empty' "$TOP/vol.json")
for _ in $(seq 300); do [ "$(api GET "/v1/volumes/$VA" | jq -r .status)" != creating ] && break; sleep 0.5; done
expect_eq "tenant A's root volume filled from the user image" available "$(api GET "/v1/volumes/$VA" | jq -r .status)"

# Both nodes: tenant A's, resource class lab, storage iscsi, an IQN each;
# node0 has the instance's VIF and boot volume, node1 nothing (the spare).
for i in 0 1; do
	n=$(jq ".nodes[$i]" "$J")
	IQN[$i]=iqn.2026-11.org.ingot.lab:bfv-node$i
	NODE[$i]=$(api POST /v1/nodes "$(jq -n --argjson n "$n" '{
		name: $n.name, driver: "ipmi", deploy_interface: "direct", boot_interface: "ipxe",
		network_interface: "vlan", storage_interface: "iscsi", owner: "tenant-a",
		resource_class: "lab", automated_clean: false,
		driver_info: {ipmi_address: $n.bmc.address, ipmi_port: $n.bmc.port,
			ipmi_username: $n.bmc.username, ipmi_password: $n.bmc.password,
			ipmi_cipher_suite: ($n.bmc.cipher_suite | tostring)}}')" | jq -r .uuid)
	NAME[$i]=$(jq -r .name <<<"$n") MAC[$i]=$(jq -r .mac <<<"$n") NDIR[$i]=$(jq -r .dir <<<"$n")
	DISK[$i]=$(jq -r .disk <<<"$n") SPORT[$i]=$(jq -r .switch_port <<<"$n")
	api POST /v1/ports "$(jq -n --argjson n "$n" --arg u "${NODE[$i]}" '{node_uuid: $u,
		address: $n.mac, pxe_enabled: true, local_link_connection: $n.local_link_connection}')" >/dev/null
	api POST /v1/volume/connectors "{\"node_uuid\":\"${NODE[$i]}\",\"type\":\"iqn\",\"connector_id\":\"${IQN[$i]}\"}" >/dev/null
done
api POST "/v1/nodes/${NODE[0]}/vifs" '{"id":"tenant-a"}' >/dev/null
api POST /v1/volume/targets "{\"node_uuid\":\"${NODE[0]}\",\"volume_type\":\"iscsi\",\"boot_index\":0,\"volume_id\":\"$VA\"}" >/dev/null
for i in 0 1; do
	api PUT "/v1/nodes/${NODE[$i]}/states/provision" '{"target":"manage"}' >/dev/null
	wait_state "${NODE[$i]}" manageable 120
	api PUT "/v1/nodes/${NODE[$i]}/states/provision" '{"target":"provide"}' >/dev/null
	ok "${NAME[$i]} available" wait_state "${NODE[$i]}" available 120
done
api PATCH "/v1/nodes/${NODE[0]}" "[{\"op\":\"add\",\"path\":\"/instance_uuid\",\"value\":\"$(cat /proc/sys/kernel/random/uuid)\"}]" >/dev/null
INST=$(api GET "/v1/nodes/${NODE[0]}" | jq -r .instance_uuid)

# --- node0 boots from its volume and writes the token onto it ---------------------
api PUT "/v1/nodes/${NODE[0]}/states/provision" '{"target":"active"}' >/dev/null
ok "${NAME[0]} active (boot from volume)" wait_state "${NODE[0]}" active 300
tiqn() { api GET "/v1/volume/targets?detail=True&node=${NODE[$1]}" | jq -r '.targets[0].properties.target_iqn // empty'; }
TA=$(tiqn 0)
L=$(wait_console 0 "INGOT-INSTANCE ip=10\.200\.0\." 420)
IP=$(sed -n 's/.*INGOT-INSTANCE ip=\([0-9.]*\).*/\1/p' <<<"$L")
ok "${NAME[0]} booted from the volume and leased ${IP:-nothing} from tenant A" test -n "$IP"
disk_line() { grep -a "INGOT-ISCSI-DISK .*target=$2 " "${NDIR[$1]}/console.log" | tail -n 1 | tr -d '\r'; }
for _ in $(seq 240); do [ -n "$(disk_line 0 "$TA")" ] && break; sleep 1; done
ok "${NAME[0]}'s OS reads the image marker on its volume ($TA)" grep -qF "marker=$MARKER" <<<"$(disk_line 0 "$TA")"
# the tenant's write: the token at byte 65536 of the volume (the image's
# marker block), through the iSCSI disk of node0's session, synced
console_run 0 'for s in /sys/class/iscsi_session/session*; do grep -qx '"$TA"' $s/targetname || continue; for b in $s/device/target*/*/block/*; do [ -e "$b" ] && printf "%s\n" "'"$TOKEN"'" | dd of=/dev/${b##*/} bs=512 seek=128 conv=notrunc,fsync && sync && exit 0; done; done; exit 1'
expect_eq "${NAME[0]}'s OS wrote a token onto its volume" 0 "$rc"
ok "... and it is in the volume's file in the pool" bash -c "grep -rqaF -- '$TOKEN' '$D/pool'"

"$repo/lab/netns-attach" pa 200 10.200.0.249/24 >/dev/null
"$repo/lab/netns-attach" pb 300 10.201.0.251/24 10.200.0.251/24 >/dev/null
answers() { ip netns exec "$LAB-pa" curl -s -m 3 "http://$IP/" | grep -q "ip=$IP mac=$1 "; }
ok "tenant A reaches its server at $IP" wait_for 60 answers "${MAC[0]}"
ok "tenant B cannot reach it, even from an address in tenant A's subnet" \
	bash -c "! ip netns exec $LAB-pb curl -s -m 3 http://$IP/"
expect_eq "tgt exports the volume to ${NAME[0]}'s IQN alone" "ACL=${IQN[0]} " "$(acl_state | sed 's/ACCOUNTS=.*//')"
B1=$(cat "${NDIR[1]}/boots" 2>/dev/null || echo 0)
expect_eq "${NAME[1]} (the spare) never booted" 0 "$B1"

# --- node0 dies -----------------------------------------------------------------
( last=; while :; do s=$(acl_state); [ "$s" != "$last" ] && echo "$(now) $s" && last=$s; sleep 0.2; done ) \
	>"$TOP/acl.samples" 2>/dev/null &
SAMPLER=$!
kill_node 0
watch_recovery "${NODE[0]}" "${NODE[1]}" "${SPORT[0]}"
printf '#   %s: %s, %s: %s\n' "${NAME[0]}" "$S0" "${NAME[1]}" "$S1"
H_DET=$(hist_at "${NODE[0]}" "Server failure detected (bmc)")
H_FENCE=$(hist_at "${NODE[0]}" "Fenced: ")
SPARE_ON=$(awk '/=== lab: .* power on, boot 1,/ { print substr($0, 2, index($0, "]") - 2); exit }' \
	"${NDIR[1]}/console.log")
ok "detected: ${NAME[0]}'s history has the detection with its evidence" test -n "$H_DET"
ok "fenced: ${NAME[0]}'s history says how" test -n "$H_FENCE"
ok "fenced: ${NAME[0]}'s switch port isolated (tag 4095, read from OVS)" test -n "$T_FENCE"
ok "fenced before the spare was powered on" \
	awk -v f="${H_FENCE:-9e99}" -v t="${SPARE_ON:-0}" 'BEGIN { exit !(t > 0 && f < t) }'
expect_eq "${NAME[1]} (the spare) active with the instance" "active $INST" \
	"$S1 $(api GET "/v1/nodes/${NODE[1]}" | jq -r .instance_uuid)"
j0=$(api GET "/v1/nodes/${NODE[0]}")
expect_eq "${NAME[0]}: manageable, maintenance, fault hardware failure" "manageable true hardware failure" \
	"$(jq -r '"\(.provision_state) \(.maintenance) \(.fault)"' <<<"$j0")"
ok "${NAME[0]}: last_error names the spare" grep -qF "${NAME[1]}" <<<"$(jq -r .last_error <<<"$j0")"
expect_eq "the volume is attached to the spare" "in-use ${NODE[1]}" \
	"$(api GET "/v1/volumes/$VA" | jq -r '.status + " " + .attached_node')"
expect_eq "${NAME[0]}'s port still isolated" 4095 "$(vsctl get port "${SPORT[0]}" tag)"
expect_eq "${NAME[1]}'s port on tenant A's VLAN" 200 "$(vsctl get port "${SPORT[1]}" tag)"

# --- the volume's export, read from tgt -----------------------------------------
kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null; SAMPLER=
echo "# tgt's ACLs and accounts, in order:"; sed 's/^/#   /' "$TOP/acl.samples"
ok "fenced: tgt no longer allows ${NAME[0]}'s IQN" bash -c "! tgtadm -C $CP --lld iscsi --op show --mode target | grep -qF '${IQN[0]}'"
expect_eq "tgt exports the volume to the spare's IQN alone" "ACL=${IQN[1]} " "$(acl_state | sed 's/ACCOUNTS=.*//')"
ok "never both IQNs in tgt's ACLs at once" bash -c "! grep -F '${IQN[0]}' '$TOP/acl.samples' | grep -qF '${IQN[1]}'"
ok "${NAME[0]}'s ACL revoked before the spare's was granted" awk -v f="${IQN[0]}" -v s="${IQN[1]}" '
	index($0, f) { lf = NR } index($0, s) && !fs { fs = NR }
	END { exit !(lf > 0 && fs > lf + 0) }' "$TOP/acl.samples"
T_REVOKE=$(awk -v f="${IQN[0]}" 'index($0, f) { seen = 1; next } seen && !r { r = $1 } END { print r }' "$TOP/acl.samples")

# --- the spare boots the same volume ---------------------------------------------
TS=$(tiqn 1)
L=$(wait_console 1 "INGOT-INSTANCE ip=10\.200\.0\." 420)
T_LEASE=$(sed -n 's/^\[\([0-9.]*\)\].*/\1/p' <<<"$L")
expect_eq "${NAME[1]} leased tenant A's address again, with its own MAC" "$IP ${MAC[1]}" \
	"$(sed -n 's/.*INGOT-INSTANCE ip=\([0-9.]*\) mac=\([0-9a-f:]*\).*/\1 \2/p' <<<"$L")"
ok "${NAME[1]}'s firmware ran iPXE's sanboot" grep -aq "boots from its volume" "${NDIR[1]}/console.log"
L=$(wait_console 1 "INGOT-ISCSI-LOGIN" 240)
ok "${NAME[1]}'s OS logged in to the volume as its own IQN" grep -qF "INGOT-ISCSI-LOGIN rc=0 initiator=${IQN[1]}" <<<"$L"
for _ in $(seq 120); do [ -n "$(disk_line 1 "$TS")" ] && break; sleep 1; done
ok "${NAME[1]} reads on the volume the token ${NAME[0]} wrote before the failure" \
	grep -qF "marker=$TOKEN" <<<"$(disk_line 1 "$TS")"
ok "${NAME[1]}'s local disk was never written (no image write: sparse, all zero)" bash -c \
	"[ \"\$(du -k '${DISK[1]}' | cut -f1)\" = 0 ] && cmp -s '${DISK[1]}' <(head -c 67108864 /dev/zero)"
expect_eq "${NAME[1]} booted once (no deploy ramdisk)" 1 "$(cat "${NDIR[1]}/boots")"
ok "tenant A's address answers again, from the spare" wait_for 120 answers "${MAC[1]}"
T_ANS=$(now)
ok "tenant B still cannot reach it" bash -c "! ip netns exec $LAB-pb curl -s -m 3 http://$IP/"
ok "tenant B's DHCP never saw either node" bash -c \
	"! grep -qiE '${MAC[0]}|${MAC[1]}' '$D/dhcp/net300/leases' 2>/dev/null"
ok "the BMC password is not in ingotd's log" bash -c "! grep -qF -- '$BMC_PASS' '$D/ingotd.log' '$D/ingotd.stderr'"

echo "# timings (seconds from the kill), boot from volume; volume export revoked at $(dt "$T_FAIL" "$T_REVOKE")"
print_timings "$H_DET" "$H_FENCE" "$T_ACT" "$T_LEASE" "$T_ANS"
echo "# $PASS passed, $FAIL failed"
FINISHED=1
[ "$FAIL" -eq 0 ]
