#!/usr/bin/env bash
# In-band inspection end to end without a VM: a real ingotd inspects a
# node through a real ingot-agent (a local process whose disk is a sparse
# file) with two NICs, veth pairs whose far ends sit in a "switch"
# namespace where Debian's lldpd sends real LLDP frames (chassis, port ID,
# port description, system name, 802.1 port VLAN ID and VLAN name).
# Asserts the stored inventory, the node's properties, the ports ingotd
# creates and their local_link_connection from LLDP, a mismatch with an
# operator's value flagged (and the value kept), and the timeout.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
command -v lldpd >/dev/null || { echo "1..0 # SKIP lldpd is not installed (scripts/install-deps)"; exit 77; }
SW=ingot-insp-sw$$
IA=iia$$ IB=iib$$		# the node's NICs (root namespace)
MA=52:54:00:18:00:01 MB=52:54:00:18:00:02
AGENT_PID= LLDPD_PID=

cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "$LLDPD_PID" ] && kill "$LLDPD_PID" 2>/dev/null && wait "$LLDPD_PID" 2>/dev/null
	ip link del "$IA" 2>/dev/null; ip link del "$IB" 2>/dev/null
	ip netns del "$SW" 2>/dev/null
	_cleanup
}
trap cleanup EXIT

# --- the switch: two ports in a namespace, lldpd on both ---------------------
ip netns add "$SW" || exit 1
ip -n "$SW" link set lo up
for p in "$IA:$MA:swp1" "$IB:$MB:swp2"; do
	IFS=: read -r nic m1 m2 m3 m4 m5 m6 port <<<"$p"
	ip link add "$nic" address "$m1:$m2:$m3:$m4:$m5:$m6" type veth peer name "$port" netns "$SW"
	sysctl -qw net.ipv6.conf."$nic".disable_ipv6=1 2>/dev/null
	ip link set "$nic" up
	ip -n "$SW" link set "$port" up
done
# lldpcli drops to lldpd's user: its socket lives where that user can reach it.
mkdir -p "$T/lldp" && chmod 711 "$T" && chmod 755 "$T/lldp"
ip netns exec "$SW" lldpd -d -I swp1,swp2 -u "$T/lldp/lldpd.sock" >"$T/lldpd.log" 2>&1 &
LLDPD_PID=$!
lldpcli() { ip netns exec "$SW" /usr/sbin/lldpcli -u "$T/lldp/lldpd.sock" "$@"; }
wait_until 30 'lldpcli show configuration'
# The switch's name, port IDs by name, one frame a second, and the 802.1
# TLVs a VLAN-aware switch sends (this kernel has no 8021q or bridge module,
# so lldpd sends them as its custom TLVs): port VLAN ID 100 and VLAN 200
# named "tenant2".
lldpcli configure system hostname leaf-7
lldpcli configure lldp portidsubtype ifname
lldpcli configure ports swp1 lldp portdescription "rack3-node12-eth0"
lldpcli configure lldp custom-tlv oui 00,80,c2 subtype 1 oui-info 00,64
lldpcli configure lldp custom-tlv add oui 00,80,c2 subtype 3 oui-info 00,c8,07,74,65,6e,61,6e,74,32
lldpcli configure lldp tx-interval 1
CHASSIS=$(lldpcli -f json show chassis | jq -r '.["local-chassis"].chassis[].id | select(.type == "mac") | .value')
ok "lldpd runs and names its chassis by MAC ($CHASSIS)" test -n "$CHASSIS"

# A generous callback timeout while agents inspect (a loaded machine may
# take its time); the timeout itself is checked after a restart with 10 s.
conf() {
	cat >"$T/ingotd.conf" <<-CONF
	[api]
	ramdisk_endpoints = all
	[conductor]
	automated_clean = false
	[deploy]
	callback_timeout = $1
	CONF
}
conf 600
ingot_start --config "$T/ingotd.conf" || exit 1

state() { curl -s "$INGOT_URL/v1/nodes/$N" | jq -r .provision_state; }
field() { curl -s -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/nodes/$N" | jq -r "$1"; }
provision() { api PUT "/v1/nodes/$N/states/provision" "{\"target\":\"$1\"}" >/dev/null; }
port() { curl -s -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/ports/$1" | jq -r "$2"; }
inventory() { curl -s -H 'X-OpenStack-Ironic-API-Version: 1.81' "$INGOT_URL/v1/nodes/$N/inventory" | jq -r "$1"; }
# inspect_with_agent: the node inspects; an agent boots (as a ramdisk
# would), posts its inventory and LLDP, and stops when the node is done.
inspect_with_agent() {
	provision inspect
	wait_until 60 '[ "$(state)" = "inspect wait" ]'
	"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$(free_port)" --advertise-host 127.0.0.1 \
		--mac "$MA" --mac "$MB" --boot-mac "${MA//:/-}" --disk "$T/disk.img" --no-power \
		--inspection-callback-url "$INGOT_URL/v1/continue_inspection" \
		--collect-lldp --lldp-timeout 8 2>>"$T/agent.stderr" &
	AGENT_PID=$!
	wait_until 60 '[ "$(state)" != "inspect wait" ]'
	kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
}

truncate -s 10G "$T/disk.img"	# sparse: the root disk the hints choose
api POST /v1/nodes '{"name":"insp","driver":"fake-hardware","inspect_interface":"agent"}' >"$T/n.json"
expect_eq "node enrolled with the agent inspect interface" 201 "$STATUS"
N=$(jq -r .uuid "$T/n.json")
api POST /v1/ports "{\"node_uuid\":\"$N\",\"address\":\"$MA\",\"pxe_enabled\":false}" >"$T/pa.json"
PA=$(jq -r .uuid "$T/pa.json")
provision manage
wait_until 60 '[ "$(state)" = manageable ]'
api GET "/v1/nodes/$N/inventory" >/dev/null
expect_eq "no inventory before inspection: 404" 404 "$STATUS"

# --- inspection ------------------------------------------------------------
t0=$(date +%s.%N)
inspect_with_agent
t1=$(date +%s.%N)
echo "# inspection: inspect wait to manageable $(echo "$t1 - $t0" | bc) s (LLDP timeout 8 s)"
expect_eq "inspected: manageable" manageable "$(state)"
expect_eq "inspected: no error" null "$(field .last_error)"
expect_eq "inspected: powered off" "power off" "$(field .power_state)"
expect_eq "inspected: not locked" null "$(field .reservation)"
ok "inspection_finished_at set" test "$(field .inspection_finished_at)" != null

api GET "/v1/nodes/$N/inventory" >/dev/null
expect_eq "inventory at 1.81: 200" 200 "$STATUS"
API_VERSION=1.80 api GET "/v1/nodes/$N/inventory" >/dev/null
expect_eq "inventory below 1.81: 404" 404 "$STATUS"
expect_eq "inventory lists both NICs" "$MA $MB" "$(inventory '[.inventory.interfaces[].mac_address] | sort | join(" ")')"
expect_eq "inventory: each NIC heard LLDP" "true true" "$(inventory '[.inventory.interfaces[] | (.lldp | length > 3)] | join(" ")')"
expect_eq "inventory: the boot NIC" "$MA" "$(inventory .inventory.boot.pxe_interface)"
expect_eq "plugin data: the root disk" 10737418240 "$(inventory .plugin_data.root_disk.size)"
expect_eq "plugin data: LLDP decoded (port VLAN ID)" 100 "$(inventory ".plugin_data.parsed_lldp.\"$IA\".switch_port_untagged_vlan_id")"
expect_eq "plugin data: LLDP decoded (VLAN name)" '200 tenant2' "$(inventory ".plugin_data.parsed_lldp.\"$IA\".switch_port_vlans[0] | \"\(.id) \(.name)\"")"
expect_eq "plugin data: LLDP decoded (port description)" rack3-node12-eth0 "$(inventory ".plugin_data.parsed_lldp.\"$IA\".switch_port_description")"

expect_eq "properties: cpus" "$(grep -c ^processor /proc/cpuinfo)" "$(field .properties.cpus)"
expect_eq "properties: memory_mb" "$(awk '/^MemTotal:/ {print int(($2 + 1023) / 1024)}' /proc/meminfo)" "$(field .properties.memory_mb)"
expect_eq "properties: local_gb (10 GiB root disk less 1)" 9 "$(field .properties.local_gb)"
expect_eq "properties: cpu_arch" "$(uname -m)" "$(field .properties.cpu_arch)"
mode=bios; [ -d /sys/firmware/efi ] && mode=uefi
expect_eq "properties: boot_mode capability" "boot_mode:$mode" "$(field .properties.capabilities)"

api GET "/v1/nodes/$N/ports?detail=true" >"$T/ports.json"
expect_eq "ports: the new NIC got a port" 2 "$(jq '.ports | length' "$T/ports.json")"
PB=$(jq -r ".ports[] | select(.address == \"$MB\") | .uuid" "$T/ports.json")
expect_eq "ports: the boot NIC is pxe_enabled" true "$(port "$PA" .pxe_enabled)"
expect_eq "ports: the other is not" false "$(port "$PB" .pxe_enabled)"
expect_eq "LLDP: switch_id is the chassis MAC" "$CHASSIS" "$(port "$PA" .local_link_connection.switch_id)"
expect_eq "LLDP: port_id (eth0)" swp1 "$(port "$PA" .local_link_connection.port_id)"
expect_eq "LLDP: port_id (eth1)" swp2 "$(port "$PB" .local_link_connection.port_id)"
expect_eq "LLDP: switch_info is the system name" leaf-7 "$(port "$PB" .local_link_connection.switch_info)"
ok "history: the switch ports found by LLDP" bash -c "curl -s -H 'X-OpenStack-Ironic-API-Version: latest' '$INGOT_URL/v1/nodes/$N/history' | jq -e '[.history[] | select(.event | test(\"swp2 \\\\(LLDP\\\\)\"))] | length == 1'"

# --- an operator's value that LLDP contradicts: kept, flagged ------------------
api PATCH "/v1/ports/$PB" '[{"op":"replace","path":"/local_link_connection","value":{"switch_id":"'"$CHASSIS"'","port_id":"swp9","switch_info":"leaf-7"}}]' >/dev/null
expect_eq "operator sets eth1 to swp9" 200 "$STATUS"
inspect_with_agent
expect_eq "mismatch: inspection still ends manageable" manageable "$(state)"
expect_eq "mismatch: the operator's port_id is kept" swp9 "$(port "$PB" .local_link_connection.port_id)"
expect_eq "mismatch: eth0 unchanged" swp1 "$(port "$PA" .local_link_connection.port_id)"
ok "mismatch: last_error names the port and both values" bash -c "curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .last_error | grep -q '$MB.*swp2.*swp9'"
expect_eq "mismatch: flagged in plugin data" "$MB swp2 swp9" "$(inventory '.plugin_data.lldp_mismatch[] | "\(.address) \(.lldp.port_id) \(.local_link_connection.port_id)"')"
ok "mismatch: a WARNING in the node's history" bash -c "curl -s -H 'X-OpenStack-Ironic-API-Version: latest' '$INGOT_URL/v1/nodes/$N/history' | jq -e '[.history[] | select(.severity == \"WARNING\")] | length >= 1'"

# --- no agent ever posts: inspect wait times out ----------------------------
ingot_stop
conf 10
ingot_start --config "$T/ingotd.conf" || exit 1
provision inspect
wait_until 60 '[ "$(state)" = "inspect wait" ]'
wait_until 60 '[ "$(state)" = "inspect failed" ]'
expect_eq "no agent within callback_timeout: inspect failed" "inspect failed" "$(state)"
ok "the timeout is the recorded reason" bash -c "curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .last_error | grep -qi timeout"
expect_eq "timed out: not locked" null "$(field .reservation)"
expect_eq "timed out: powered off" "power off" "$(field .power_state)"
provision manage
wait_until 60 '[ "$(state)" = manageable ]'
expect_eq "inspect failed -> manage: manageable" manageable "$(state)"
finish
