#!/usr/bin/env bash
# Recovery from server failure in the virtual lab (issue #15), local disk:
# node0 of tenant A is deployed (PXE, ingot-agent, boot from disk, tenant
# lease); then its QEMU process and its ipmi_sim BMC are killed, as a dead
# server.  Ingot must detect it (power sync: the BMC stops answering),
# fence it (its switch port isolated, read back here from OVS), move the
# instance to node1 (the spare: same image, same VLAN, same DHCP
# reservation) and deploy it there; tenant A's address answers again, from
# the spare's MAC; tenant B sees nothing of either.  Four QEMU boots: the
# deploy ramdisk and the instance, on each node (automated cleaning off).
# Prints the timings: detect / fence / spare deployed / lease / answers,
# from the kill.  RECOVERY_TIMINGS=FILE also writes them there (bench/).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi
BUILD=${INGOT_BUILD:-$repo/build}
export LAB=lr$(printf '%x' $(($$ % 0xfffff)))
TOP=$(mktemp -d /tmp/ingot-e2e-rec.XXXXXX)
export WORKDIR=$TOP/lab
. "$repo/tests/lib/lab_ports.sh"
export BMC_PORT=$(lab_bmc_port)
export NODES=2 DISK_SIZE=${DISK_SIZE:-5G} PROV_CIDR=10.100.0.254/24 PROV_CIDR6=fd10:100::fe/64
export NODE_MEM=${NODE_MEM:-768}
export BMC_PASS=bmc-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export INGOT_URL=http://127.0.0.1:$PORT
D=$TOP/ingot
mkdir -p "$D"
PASS=0 FAIL=0 INGOTD_PID=
. "$repo/tests/lib/lab_e2e.sh"	# kill_node, watch_recovery, hist_at, print_timings

ok() {
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then PASS=$((PASS + 1)); echo "ok - $what"
	else FAIL=$((FAIL + 1)); echo "not ok - $what"; fi
}
expect_eq() {
	if [ "$2" == "$3" ]; then PASS=$((PASS + 1)); echo "ok - $1"
	else FAIL=$((FAIL + 1)); echo "not ok - $1: expected [$2] got [$3]"; fi
}
say() { printf '\n== %s\n' "$*"; }
api() {
	curl -sS -X "$1" -H 'X-OpenStack-Ironic-API-Version: latest' \
		${3:+-H 'Content-Type: application/json' --data-binary "$3"} "$INGOT_URL$2"
}
ingot() { "$BUILD/src/cli/ingot" "$@"; }
state() { api GET "/v1/nodes/$1" | jq -r .provision_state; }
teardown() {
	if [ -n "$INGOTD_PID" ]; then
		kill "$INGOTD_PID" 2>/dev/null
		wait "$INGOTD_PID" 2>/dev/null
	fi
	"$repo/lab/down" >/dev/null 2>&1
	echo "# lab torn down; logs in $TOP"
}
bail() { echo "Bail out! $*"; exit 1; }

say "build: ingotd, the deploy ramdisk, the user image"
ninja -C "$BUILD" >/dev/null || bail "build failed"
INGOT_BUILD=$BUILD "$repo/ramdisk/build" | tail -n 1 || bail "ramdisk build failed"
OUTDIR=$BUILD/lab-image "$repo/lab/image/build" | tail -n 1 || bail "image build failed"
IMG=$BUILD/lab-image
RAW_SUM=$(awk '$2 == "user-image.raw" {print $1}' "$IMG/user-image.sha256")
MARKER=$(dd if="$IMG/user-image.raw" bs=512 skip=128 count=1 status=none | head -n 1 | tr -cd ' -~')

say "lab: OVS switch, 2 QEMU nodes with ipmi_sim BMCs"
"$repo/lab/up" >"$TOP/up.log" 2>&1 || { cat "$TOP/up.log"; bail "lab/up failed"; }
trap teardown EXIT
trap 'exit 130' INT TERM
J=$WORKDIR/lab.json
vsctl() { ovs-vsctl --db="$(jq -r .switch.ovsdb "$J")" "$@"; }

{ lab_ingotd_conf; cat <<EOF; } >"$D/ingotd.conf"
[conductor]
sync_power_state_interval = 2
automated_clean = false
[recovery]
policy = automatic
bmc_failures = 2
[deploy]
kernel = $BUILD/ramdisk/ingot-deploy.kernel
ramdisk = $BUILD/ramdisk/ingot-deploy.initramfs
file_url_allowed_paths = $IMG
callback_timeout = 600
heartbeat_timeout = 60
EOF
"$BUILD/src/daemon/ingotd" --config "$D/ingotd.conf" 2>>"$D/ingotd.stderr" &
INGOTD_PID=$!
for _ in $(seq 300); do curl -fsS "$INGOT_URL/" >/dev/null 2>&1 && break; sleep 0.1; done
ok "ingotd answers" curl -fsS "$INGOT_URL/v1"

ingot network create provisioning --vlan 100 --cidr 10.100.0.0/24 \
	--dhcp-range 10.100.0.100,10.100.0.199 --purpose provisioning >/dev/null
ingot network create tenant-a --vlan 200 --cidr 10.200.0.0/24 \
	--dhcp-range 10.200.0.100,10.200.0.199 --project tenant-a >/dev/null
ingot network create tenant-b --vlan 300 --cidr 10.201.0.0/24 \
	--dhcp-range 10.201.0.100,10.201.0.199 --project tenant-b >/dev/null

for i in 0 1; do
	n=$(jq ".nodes[$i]" "$J")
	NODE[$i]=$(api POST /v1/nodes "$(jq -n --argjson n "$n" '{
		name: $n.name, driver: "ipmi", deploy_interface: "direct", boot_interface: "ipxe",
		network_interface: "vlan", owner: "tenant-a", resource_class: "lab",
		driver_info: {ipmi_address: $n.bmc.address, ipmi_port: $n.bmc.port,
			ipmi_username: $n.bmc.username, ipmi_password: $n.bmc.password,
			ipmi_cipher_suite: ($n.bmc.cipher_suite | tostring)},
		properties: {cpus: 1, memory_mb: 768, local_gb: 5}}')" | jq -r .uuid)
	api POST /v1/ports "$(jq -n --argjson n "$n" --arg u "${NODE[$i]}" '{node_uuid: $u,
		address: $n.mac, pxe_enabled: true, local_link_connection: $n.local_link_connection}')" >/dev/null
	NAME[$i]=$(jq -r .name <<<"$n")
	SPORT[$i]=$(jq -r .switch_port <<<"$n")
	NDIR[$i]=$(jq -r .dir <<<"$n")
	MAC[$i]=$(jq -r .mac <<<"$n")
done
api POST "/v1/nodes/${NODE[0]}/vifs" '{"id":"tenant-a"}' >/dev/null
for i in 0 1; do ingot node manage "${NODE[$i]}" --wait 120 >/dev/null; done
for i in 0 1; do ingot node provide "${NODE[$i]}" --wait 120 >/dev/null; done
# The instance, as Nova would set it: image and instance uuid.
api PATCH "/v1/nodes/${NODE[0]}" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{
	\"image_source\":\"file://$IMG/user-image.raw\",\"image_disk_format\":\"raw\",
	\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$RAW_SUM\"}},
	{\"op\":\"add\",\"path\":\"/instance_uuid\",\"value\":\"$(cat /proc/sys/kernel/random/uuid)\"}]" >/dev/null
for i in 0 1; do expect_eq "${NAME[$i]} available (no cleaning)" available "$(state "${NODE[$i]}")"; done

is_state() { [ "$(state "$1")" = "$2" ]; }
done_state() { case $(state "$1") in "$2"|*failed|error) return 0 ;; esac; return 1; }
# lease_after I BOOT: the first instance lease line on node I after boot BOOT
lease_after() {
	awk -v b="$2" 'match($0, /power on, boot [0-9]+/) { n = substr($0, RSTART + 15, RLENGTH - 15) + 0 }
		n > b && /INGOT-INSTANCE ip=10\.200\.0\./ && !f { f = $0 } END { if (f) print f; else exit 1 }' \
		"${NDIR[$1]}/console.log"
}
stamp() { sed -n 's/^\[\([0-9.]*\)\].*/\1/p' <<<"$1"; }
ip_of() { sed -n 's/.*INGOT-INSTANCE ip=\([0-9.]*\).*/\1/p' <<<"$1"; }

say "deploying ${NAME[0]} for tenant A"
B0=$(cat "${NDIR[0]}/boots" 2>/dev/null || echo 0)
api PUT "/v1/nodes/${NODE[0]}/states/provision" "$(jq -cn '{target: "active",
	configdrive: {meta_data: {hostname: "inst-a"}}}')" >/dev/null
wait_for 900 done_state "${NODE[0]}" active
expect_eq "${NAME[0]} active" active "$(state "${NODE[0]}")"
expect_eq "${NAME[0]}'s port on tenant A's VLAN" 200 "$(vsctl get port "${SPORT[0]}" tag)"
wait_for 300 lease_after 0 "$B0"
L0=$(lease_after 0 "$B0")
IP=$(ip_of "$L0")
ok "${NAME[0]} booted its image from disk and leased ${IP:-nothing} from tenant A" \
	bash -c "[ -n '$IP' ] && grep -qF 'marker=$MARKER' <<<'$L0'"

"$repo/lab/netns-attach" pa 200 10.200.0.250/24 >/dev/null
"$repo/lab/netns-attach" pb 300 10.201.0.251/24 10.200.0.251/24 >/dev/null
probe() { ip netns exec "$LAB-$1" curl -s -m 3 "http://$2/"; }
answers() { probe pa "$IP" | grep -q "ip=$IP "; }
ok "tenant A reaches its server at $IP" wait_for 30 answers
ok "tenant B cannot reach it, even from an address in tenant A's subnet" \
	bash -c "! ip netns exec $LAB-pb curl -s -m 3 http://$IP/"
B1=$(cat "${NDIR[1]}/boots" 2>/dev/null || echo 0)
ok "${NAME[1]} (the spare) is off and never booted" test "$B1" = 0

say "${NAME[0]} dies: its QEMU process and its BMC are killed"
kill_node 0
watch_recovery "${NODE[0]}" "${NODE[1]}" "${SPORT[0]}"
s0=$S0 s1=$S1
printf '#   %s: %s, %s: %s\n' "${NAME[0]}" "$s0" "${NAME[1]}" "$s1"
H_DET=$(hist_at "${NODE[0]}" "Server failure detected (bmc)")
H_FENCE=$(hist_at "${NODE[0]}" "Fenced: ")
SPARE_ON=$(awk '/=== lab: .* power on, boot 1,/ { print substr($0, 2, index($0, "]") - 2); exit }' \
	"${NDIR[1]}/console.log")
ok "detected: ${NAME[0]}'s history has the detection with its evidence" test -n "$H_DET"
ok "fenced: ${NAME[0]}'s history says how" test -n "$H_FENCE"
ok "fenced: ${NAME[0]}'s switch port isolated (tag 4095, read from OVS)" test -n "$T_FENCE"
ok "fenced before the spare was powered on" \
	awk -v f="${H_FENCE:-9e99}" -v t="${SPARE_ON:-0}" 'BEGIN { exit !(t > 0 && f < t) }'
expect_eq "${NAME[1]} (the spare) active" active "$s1"
j0=$(api GET "/v1/nodes/${NODE[0]}")
expect_eq "${NAME[0]}: manageable" manageable "$(jq -r .provision_state <<<"$j0")"
expect_eq "${NAME[0]}: maintenance, fault hardware failure" "true hardware failure" \
	"$(jq -r '"\(.maintenance) \(.fault)"' <<<"$j0")"
ok "${NAME[0]}: last_error names the spare" grep -qF "${NAME[1]}" <<<"$(jq -r .last_error <<<"$j0")"
expect_eq "the instance is on ${NAME[1]} only" 1 "$(sqlite3 -cmd '.timeout 5000' "$D/ingot.db" \
	"select count(*) from nodes where instance_uuid is not null")"
expect_eq "${NAME[0]}'s port still isolated" 4095 "$(vsctl get port "${SPORT[0]}" tag)"
expect_eq "${NAME[1]}'s port on tenant A's VLAN" 200 "$(vsctl get port "${SPORT[1]}" tag)"
wait_for 300 lease_after 1 "$B1"
L1=$(lease_after 1 "$B1")
T_LEASE=$(stamp "$L1")
expect_eq "${NAME[1]} booted the same image and leased the same address" "$IP $MARKER" \
	"$(ip_of "$L1") $(sed -n 's/.* marker=//p' <<<"$L1" | head -n 1)"
ok "${NAME[1]} leased with its own MAC (${MAC[1]})" grep -qF "mac=${MAC[1]}" <<<"$L1"
ok "tenant A's address answers again, from the spare" wait_for 60 answers
T_ANS=$(now)
ok "tenant B still cannot reach it" bash -c "! ip netns exec $LAB-pb curl -s -m 3 http://$IP/"
ok "tenant B's DHCP never saw either node" bash -c \
	"! grep -qiE '${MAC[0]}|${MAC[1]}' '$D/dhcp/net300/leases' 2>/dev/null"
ok "the BMC password is not in ingotd's log" bash -c "! grep -qF -- '$BMC_PASS' '$D/ingotd.log' '$D/ingotd.stderr'"

say "timings (seconds from the kill)"
print_timings "$H_DET" "$H_FENCE" "$T_ACT" "$T_LEASE" "$T_ANS"
echo "# $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] && rm -rf "$D/dhcp" 2>/dev/null
[ "$FAIL" -eq 0 ]
