#!/usr/bin/env bash
# Virtual-media deploy on the lab switch with no DHCP server on the
# provisioning VLAN (issue #17), one QEMU boot of the ISO and one from disk:
#
#  - the lab (lab/up, one node): OVS, VLAN 100 for provisioning; the node's
#    tap is its switch port.  Its QEMU is driven by the lab Redfish BMC
#    through QMP (not by ipmi_sim), its NIC has no PXE ROM at all.
#  - ingotd: [dhcp] enabled (tenant A's network gets its dnsmasq) but the
#    provisioning network has no dhcp_range, so nothing answers DHCP on
#    VLAN 100.  ingotd's API stays on loopback (noauth); the provisioning
#    VLAN reaches it through a relay at 10.100.0.2 on an OVS internal port
#    of the host (what a routed provisioning network is).
#  - the node (boot_interface redfish-virtual-media, network_interface
#    vlan, network_data with 10.100.0.50): ingotd builds its ISO, the BMC
#    fetches it and inserts it, the node boots isolinux -> the deploy
#    ramdisk, which takes the static address; the agent looks up through
#    the relay, writes the lab's user image; ingotd flips the switch port to
#    tenant A's VLAN (read back from OVS), ejects, boots from disk; the
#    instance leases from tenant A's DHCP.
# Prints deploy request -> active and -> tenant lease (lab_deploy prints the
# iPXE figures of the same lab).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi
[ -f /usr/lib/ISOLINUX/isolinux.bin ] || { echo "1..0 # SKIP isolinux not installed"; exit 77; }
BUILD=${INGOT_BUILD:-$repo/build}
AGENT=$BUILD/src/agent/ingot-agent
[ -x "$AGENT" ] || { echo "1..0 # SKIP ingot-agent not built"; exit 77; }
export LAB=lv$(printf '%x' $(($$ % 0xfffff)))
TOP=$(mktemp -d /tmp/ingot-e2e-vmedia.XXXXXX)
export WORKDIR=$TOP/lab NODES=1 DISK_SIZE=5G
free_port() { python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_'"$1"'); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export BMC_PORT=$(free_port DGRAM)
PORT=$(free_port STREAM)
export INGOT_URL=http://127.0.0.1:$PORT
DEPLOY_TIMEOUT=${DEPLOY_TIMEOUT:-900}
D=$TOP/ingot
mkdir -p "$D"
PASS=0 FAIL=0 INGOTD_PID= RELAY_PID=
RELAY_IP=10.100.0.2 NODE_IP=10.100.0.50

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
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
stop_pid() { [ -n "$1" ] && { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }; }
teardown() {
	stop_pid "$INGOTD_PID"
	stop_pid "$RELAY_PID"
	"$repo/lab/down" >/dev/null 2>&1
	if [ "$FAIL" = 0 ] && [ -n "${FINISHED:-}" ]; then rm -rf "$TOP"; else echo "# logs in $TOP"; fi
}

# --- the deploy ramdisk and the user image (cached in the build tree) -----------
t=$(now)
AGENT=$AGENT OUTDIR=$BUILD/ramdisk bash "$repo/ramdisk/build" >"$TOP/ramdisk.log" 2>&1 ||
	{ tail -n 20 "$TOP/ramdisk.log"; echo "not ok - ramdisk/build"; exit 1; }
OUTDIR=$BUILD/lab-image "$repo/lab/image/build" >"$TOP/image.log" 2>&1 ||
	{ tail -n 20 "$TOP/image.log"; echo "not ok - lab/image/build"; exit 1; }
RD=$BUILD/ramdisk IMG=$BUILD/lab-image
SUM=$(awk '$2 == "user-image.raw" {print $1}' "$IMG/user-image.sha256")
MARKER=$(dd if="$IMG/user-image.raw" bs=512 skip=128 count=1 status=none | head -n 1 | tr -cd ' -~')
echo "# ramdisk and user image ready in $(since "$t") s"

# --- the lab: one node's switch port, a relay to ingotd on VLAN 100 ------------
"$repo/lab/up" >"$TOP/up.log" 2>&1 || { cat "$TOP/up.log"; echo "not ok - lab/up"; exit 1; }
trap teardown EXIT
trap 'exit 130' INT TERM
J=$WORKDIR/lab.json
vsctl() { ovs-vsctl --db="$(jq -r .switch.ovsdb "$J")" "$@"; }
N=$(jq '.nodes[0]' "$J")
TAP=$(jq -r .switch_port <<<"$N") MAC=$(jq -r .mac <<<"$N") DISK=$(jq -r .disk <<<"$N")
HP=$LAB-h100
vsctl add-port "$(jq -r .switch.bridge "$J")" "$HP" tag=100 -- set interface "$HP" type=internal
for k in tx tso gso gro; do ethtool -K "$HP" $k off >/dev/null 2>&1; done
[ -e "/proc/sys/net/ipv6/conf/$HP/disable_ipv6" ] && echo 1 >"/proc/sys/net/ipv6/conf/$HP/disable_ipv6"
ip addr add "$RELAY_IP/24" dev "$HP"
ip link set "$HP" up
socat "TCP-LISTEN:$PORT,bind=$RELAY_IP,fork,reuseaddr" "TCP:127.0.0.1:$PORT" 2>"$TOP/relay.log" &
RELAY_PID=$!

# --- ingotd ---------------------------------------------------------------------
cat >"$D/ingotd.conf" <<EOF
[api]
listen = 127.0.0.1:$PORT
ramdisk_endpoints = all
[database]
path = $D/ingot.db
[conductor]
automated_clean = false
power_timeout = 60
sync_power_state_interval = 0
[deploy]
http_url = http://$RELAY_IP:$PORT
kernel = $RD/ingot-deploy.kernel
ramdisk = $RD/ingot-deploy.initramfs
file_url_allowed_paths = $IMG
callback_timeout = $DEPLOY_TIMEOUT
[vmedia]
http_url = $INGOT_URL
[redfish]
timeout = 30
[dhcp]
enabled = true
ovsdb = $(jq -r .switch.ovsdb "$J")
bridge = $(jq -r .switch.bridge "$J")
state_dir = $D/dhcp
[switch:lab]
driver = ovsdb
address = $(jq -r .switch.ovsdb "$J")
switch_id = $(jq -r .switch.switch_id "$J")
[log]
file = $D/ingotd.log
EOF
"$BUILD/src/daemon/ingotd" --config "$D/ingotd.conf" 2>>"$D/ingotd.stderr" &
INGOTD_PID=$!
for _ in $(seq 200); do curl -fsS "$INGOT_URL/" >/dev/null 2>&1 && break; sleep 0.1; done
ok "ingotd answers" curl -fsS "$INGOT_URL/v1"
ok "the provisioning VLAN reaches ingotd through the relay" \
	bash -c "for _ in \$(seq 50); do ip netns exec $LAB-prov curl -fsS -m 3 http://$RELAY_IP:$PORT/v1 && exit 0; sleep 0.2; done; exit 1"

api POST /v1/networks '{"name":"provisioning","vlan_id":100,"cidr":"10.100.0.0/24","purpose":"provisioning"}' >"$TOP/net.json"
ok "provisioning network without a DHCP range" jq -e '.vlan_id == 100' "$TOP/net.json"
api POST /v1/networks '{"name":"tenant-a","vlan_id":200,"cidr":"10.200.0.0/24","dhcp_range":"10.200.0.100,10.200.0.199","project":"tenant-a"}' >/dev/null
ok "tenant A's dnsmasq runs" bash -c "for _ in \$(seq 100); do [ -d '$D/dhcp/net200' ] && exit 0; sleep 0.2; done; exit 1"

# --- the node: QEMU paused, powered by the Redfish BMC through QMP --------------
# (lab/redfish-node, as lab/demo's node1; rf_get and qmp_cd from lab/demo-redfish)
. "$repo/lab/demo-redfish"
RFJ=$("$repo/lab/redfish-node" "$(jq -r .dir <<<"$N")") || { echo "not ok - lab/redfish-node"; exit 1; }
CONSOLE=$(jq -r .console_log <<<"$N")

NODE=$(api POST /v1/nodes "$(jq -n --argjson r "$RFJ" --arg ip "$NODE_IP" \
	--arg gw "$RELAY_IP" --arg mac "$MAC" --arg img "file://$IMG/user-image.raw" --arg sum "$SUM" '{
	name: "node0", driver: "redfish", boot_interface: "redfish-virtual-media",
	deploy_interface: "direct", network_interface: "vlan", owner: "tenant-a",
	driver_info: {redfish_address: $r.address, redfish_system_id: $r.system_id,
		redfish_username: $r.username, redfish_password: $r.password},
	instance_info: {image_source: $img, image_disk_format: "raw",
		image_os_hash_algo: "sha256", image_os_hash_value: $sum},
	network_data: {links: [{id: "p0", type: "phy", ethernet_mac_address: $mac}],
		networks: [{id: "prov", link: "p0", type: "ipv4", ip_address: $ip,
			netmask: "255.255.255.0", routes: [{network: "0.0.0.0",
			netmask: "0.0.0.0", gateway: $gw}]}], services: []}}')" | jq -r '.uuid // empty')
ok "node0 enrolled (redfish, redfish-virtual-media, vlan)" test -n "$NODE"
api POST /v1/ports "$(jq -n --argjson n "$N" --arg u "$NODE" '{node_uuid: $u, address: $n.mac,
	local_link_connection: $n.local_link_connection}')" >/dev/null
api POST "/v1/nodes/$NODE/vifs" '{"id":"tenant-a"}' >/dev/null
state() { api GET "/v1/nodes/$NODE" | jq -r .provision_state; }
wait_state() {	# wait_state STATE SECONDS
	local t
	for t in $(seq "$2"); do
		case $(state) in "$1") return 0 ;; *failed|error) return 1 ;; esac
		sleep 1
	done
	return 1
}
api PUT "/v1/nodes/$NODE/states/provision" '{"target":"manage"}' >/dev/null
wait_state manageable 120
api PUT "/v1/nodes/$NODE/states/provision" '{"target":"provide"}' >/dev/null
ok "node0 available" wait_state available 120
# lab/up left the port on VLAN 100; isolate it as cleaning would, so that
# the provisioning VLAN seen during the deploy is ingotd's doing.
vsctl set port "$TAP" tag=4095

# --- deploy: the switch port's VLAN read from OVS every second ------------------
T_DEPLOY=$(now)
api PUT "/v1/nodes/$NODE/states/provision" '{"target":"active"}' >/dev/null
VLANS="" last=4095 T_ACTIVE="" T_TEN=""
for _ in $(seq "$DEPLOY_TIMEOUT"); do
	v=$(vsctl get port "$TAP" tag 2>/dev/null)
	[ "$v" != "$last" ] && { VLANS+="$v "; last=$v; }
	[ "$v" = 200 ] && [ -z "$T_TEN" ] && T_TEN=$(since "$T_DEPLOY")
	case $(state) in active) T_ACTIVE=$(since "$T_DEPLOY"); break ;; *failed|error) break ;; esac
	sleep 1
done
expect_eq "node0 active" active "$(state)"
[ "$(state)" = active ] || api GET "/v1/nodes/$NODE" | jq -r '"# last_error: \(.last_error)"'
echo "# switch port VLANs during the deploy (from 4095): $VLANS"
expect_eq "the port went from isolated to provisioning, then tenant A" "100 200 " "$VLANS"
expect_eq "the port flipped to tenant A's VLAN (OVS)" 200 "$(vsctl get port "$TAP" tag)"
ok "isolinux booted the ISO's kernel" grep -q "INGOT-RAMDISK init" "$CONSOLE"
ok "the ramdisk took the static address (no DHCP client)" \
	grep -q "INGOT-RAMDISK static iface=.* ip=$NODE_IP gw=$RELAY_IP" "$CONSOLE"
ok "no DHCP lease in the ramdisk" bash -c "! grep -q 'INGOT-RAMDISK lease' '$CONSOLE'"
ok "no DHCP server on the provisioning VLAN" test ! -e "$D/dhcp/net100"
ok "the agent looked up its node through the relay" grep -q "node=$NODE.*agent looked up" "$D/ingotd.log"
ok "the disk holds the image" cmp -n "$(stat -c %s "$IMG/user-image.raw")" "$IMG/user-image.raw" "$DISK"
expect_eq "the CD is ejected (BMC, QEMU's tray via QMP)" "false empty" \
	"$(rf_get /Managers/BMC/VirtualMedia/Cd | jq -r .Inserted) $(qmp_cd)"
expect_eq "no ISO left" 0 "$(find "$D" -name '*.iso' | wc -l)"

# --- the instance boots from disk and leases from tenant A ----------------------
for _ in $(seq 300); do grep -q "INGOT-INSTANCE ip=10\.200\.0\." "$CONSOLE" && break; sleep 1; done
line=$(grep "INGOT-INSTANCE ip=10\.200\.0\." "$CONSOLE" | tail -n 1)
IP=$(sed -n 's/.*INGOT-INSTANCE ip=\([0-9.]*\).*/\1/p' <<<"$line")
[ -n "$IP" ] && T_LEASE=$(since "$T_DEPLOY")
ok "node0 booted from disk and leased ${IP:-nothing} from tenant A's DHCP" test -n "$IP"
ok "the instance is the image ingotd wrote (marker)" grep -qF "marker=$MARKER" <<<"$line"
expect_eq "the last boot was from Hdd" Hdd "$(rf_get /Systems/node0 | jq -r .Oem.IngotLab.LastBootSource)"
ok "the lease is in tenant A's dnsmasq lease file" grep -q "$MAC ${IP:-none} " "$D/dhcp/net200/leases"

echo "# virtual media, no DHCP: deploy request -> tenant VLAN ${T_TEN:--} s, -> active ${T_ACTIVE:--} s, -> tenant lease ${T_LEASE:--} s"
echo "# (iPXE in the same lab: tests/e2e/lab_deploy.sh, 'deploy request -> both active')"
if [ "$FAIL" -ne 0 ]; then
	echo "# console (last 40 lines):"
	tail -n 40 "$CONSOLE" | tr -cd '\n -~' | sed 's/^/#   /'
	tail -n 20 "$D/ingotd.log" | sed 's/^/#   /'
fi
FINISHED=1
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
