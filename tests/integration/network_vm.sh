#!/usr/bin/env bash
# VM connectivity (issue #16) against a real ovsdb-server/ovs-vswitchd and
# dnsmasq: a hypervisor is a second OVS bridge whose uplink is a veth into
# the "physical switch" bridge; Ingot keeps that switch port a trunk of the
# tenant VLANs with VMs behind it.  VMs are namespaces on the hypervisor
# bridge (tagged ports, as Nova's OVS agent makes them); a bare-metal node is
# a namespace on an access port that Ingot moves.  Real DHCP and pings.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
BR=itm$$
HVB=ihv$$
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
vsctl add-br "$HVB" -- set bridge "$HVB" datapath_type=netdev
veth() {	# veth A B: a pair in the host, offloads off, up
	ip link add "$1" type veth peer name "$2"
	for d in "$1" "$2"; do
		ethtool -K "$d" tx off tso off gso off gro off >/dev/null 2>&1
		sysctl -qw net.ipv6.conf."$d".disable_ipv6=1 2>/dev/null
		ip link set "$d" up
	done
}
veth hu$$ hl$$		# hv1's cable: hu on the switch (the uplink), hl on hv1
veth hw$$ hx$$		# hv2's cable (nothing behind it)
vsctl add-port "$BR" hu$$ tag=4095 -- add-port "$BR" hw$$ tag=4095
vsctl add-port "$HVB" hl$$	# the hypervisor's side trunks every VLAN
vm_ns() {	# vm_ns NS PORT TAG: a VM on hv1's bridge
	local save=$OVS_BRIDGE
	OVS_BRIDGE=$HVB
	node_ns "$@"
	OVS_BRIDGE=$save
}
node_ns vna$$ va$$ 4095			# bare-metal node of tenant A
vm_ns vma$$ ma$$ 200			# VM of tenant A on hv1
vm_ns vmb$$ mb$$ 300			# VM of tenant B on hv1
vm_ns vmx$$ mx$$ 200			# unregistered VM on A's VLAN
vm_ns vmp$$ mp$$ 100			# a VM tagging itself onto provisioning
vsctl add-port "$BR" zz$$ -- set interface zz$$ type=internal	# not managed
SWID=52:54:00:ff:00:02
cat >"$T/ingotd.conf" <<CONF
[conductor]
switch_reconcile_interval = 2
[dhcp]
enabled = true
ovsdb = $OVSDB
bridge = $BR
state_dir = $T/dhcp
[switch:tor1]
driver = ovsdb
address = $OVSDB
switch_id = $SWID
ports = va$$, hu$$, hw$$
timeout_ms = 1000
retries = 1
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
i() { "$INGOT" "$@"; }
js() { "$INGOT" -f json "$@"; }
port_vlans() { echo "$(vsctl get port "$1" tag) $(vsctl get port "$1" trunks) $(vsctl get port "$1" vlan_mode)"; }
mac_of() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }
state() { js node show "$1" | jq -r .provision_state; }
lease() {
	ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s /bin/true 2>&1 |
	    sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p'
}
pings() { ip netns exec "$1" busybox ping -c 1 -W 2 "$2" >/dev/null 2>&1; }
no_ping() { ! ip netns exec "$1" busybox ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
count() { api GET "$1" | jq "$2 | length"; }
ISO="4095 [] []"

i network create prov --vlan 100 --cidr 10.100.0.0/24 --dhcp-range 10.100.0.100,10.100.0.199 --purpose provisioning >/dev/null
i network create ta --vlan 200 --cidr 10.200.0.0/24 --dhcp-range 10.200.0.100,10.200.0.150 --project a >/dev/null
i network create tb --vlan 300 --cidr 10.30.0.0/24 --dhcp-range 10.30.0.100,10.30.0.150 --project b >/dev/null
i node create --driver fake-hardware --name na --network-interface vlan >/dev/null
i port create "$(mac_of vna$$)" --node na --local-link-connection switch_id=$SWID \
	--local-link-connection port_id=va$$ >/dev/null

# --- uplinks: declared by the system, isolated while nothing is behind them
ok "uplink hv1-up created" i uplink create hv1-up --switch-id $SWID --port-id hu$$ --hypervisor hv1 --physical-network physnet1
ok "uplink hv2-up created (VLANs 200-299 only)" i uplink create hv2-up --switch-id $SWID \
	--port-id hw$$ --hypervisor hv2 --allowed-vlans 200:299
expect_eq "an uplink with no member is isolated" "$ISO" "$(port_vlans hu$$)"
while IFS='|' read -r want body; do
	case $want in ''|'#'*) continue ;; esac
	api POST /v1/uplinks "$body" >/dev/null
	expect_eq "uplink $body refused" "$want" "$STATUS"
done <<ROWS
400|{"name":"x1","local_link_connection":{"switch_id":"$SWID","port_id":"zz$$"},"hypervisor":"hv3"}
400|{"name":"x2","local_link_connection":{"switch_id":"52:54:00:ff:00:99","port_id":"hu$$"}}
400|{"name":"x3","local_link_connection":{"switch_id":"$SWID"}}
409|{"name":"x4","local_link_connection":{"switch_id":"$SWID","port_id":"va$$"}}
409|{"name":"x5","local_link_connection":{"switch_id":"$SWID","port_id":"hu$$"}}
409|{"name":"hv1-up","local_link_connection":{"switch_id":"$SWID","port_id":"hw$$"}}
400|{"name":"x6","local_link_connection":{"switch_id":"$SWID","port_id":"hw$$"},"span":["prov"]}
400|{"name":"x7","local_link_connection":{"switch_id":"$SWID","port_id":"hw$$"},"span":["nonet"]}
400|{"name":"x8","local_link_connection":{"switch_id":"$SWID","port_id":"hw$$"},"allowed_vlans":"5000"}
400|{"name":"x9","local_link_connection":{"switch_id":"$SWID","port_id":"hw$$"},"hypervisor":"a b"}
400|{"name":"x10","local_link_connection":{"switch_id":"$SWID","port_id":"hw$$"},"internal_info":{}}
ROWS
expect_eq "still two uplinks" 2 "$(count /v1/uplinks .uplinks)"
api POST /v1/ports "{\"address\":\"52:54:00:00:00:01\",\"node_uuid\":\"na\",\"local_link_connection\":{\"switch_id\":\"$SWID\",\"port_id\":\"hu$$\"}}" >/dev/null
expect_eq "a node port on an uplink's switch port: 409" 409 "$STATUS"

# --- members: the trunk follows them
MA=$(mac_of vma$$) MB=$(mac_of vmb$$)
ok "VM A joins ta on hv1 (fixed address)" i member create ta "$MA" --hypervisor hv1 --ip-address 10.200.0.50 --name vm-a
wait_until 5 'test "$(vsctl get port hu$$ trunks)" = "[200]"'
expect_eq "hv1's uplink: a tagged-only trunk of VLAN 200" "[] [200] trunk" "$(port_vlans hu$$)"
expect_eq "hv2's uplink: still isolated" "$ISO" "$(port_vlans hw$$)"
expect_eq "the member's address" 10.200.0.50 "$(js member show ta "$MA" | jq -r .ip_address)"
NM=$(count /v1/networks/ta/members .members)
NH=$(ls "$T/dhcp/net200/hosts" | wc -l)
while IFS='|' read -r want net body; do
	case $want in ''|'#'*) continue ;; esac
	api POST "/v1/networks/$net/members" "$body" >/dev/null
	expect_eq "member $net $body refused" "$want" "$STATUS"
done <<ROWS
# unknown hypervisor, duplicate MAC (a VM's, a node port's), bad MAC
400|ta|{"address":"52:54:00:aa:00:01","hypervisor":"hv9"}
409|ta|{"address":"$MA","hypervisor":"hv1"}
409|tb|{"address":"$MA","hypervisor":"hv1"}
409|ta|{"address":"$(mac_of vna$$)","hypervisor":"hv1"}
400|ta|{"address":"52:54:00:aa:00","hypervisor":"hv1"}
400|ta|{"address":"52:54:00:aa:00:01"}
# VLAN outside what hv2's uplink may carry
400|tb|{"address":"52:54:00:aa:00:02","hypervisor":"hv2"}
# VMs join tenant networks only
400|prov|{"address":"52:54:00:aa:00:03","hypervisor":"hv1"}
# addresses: in the network, not its server's, not another host's
400|ta|{"address":"52:54:00:aa:00:04","hypervisor":"hv1","ip_address":"10.30.0.5"}
400|ta|{"address":"52:54:00:aa:00:04","hypervisor":"hv1","ip_address":"10.200.0.255"}
409|ta|{"address":"52:54:00:aa:00:04","hypervisor":"hv1","ip_address":"10.200.0.1"}
409|ta|{"address":"52:54:00:aa:00:04","hypervisor":"hv1","ip_address":"10.200.0.50"}
400|ta|{"address":"52:54:00:aa:00:04","hypervisor":"hv1","ip_address":"x"}
# fields that are not the caller's
400|ta|{"address":"52:54:00:aa:00:05","hypervisor":"hv1","network_uuid":"x"}
404|nonet|{"address":"52:54:00:aa:00:06","hypervisor":"hv1"}
ROWS
expect_eq "nothing stored after the refusals" "$NM" "$(count /v1/networks/ta/members .members)"
expect_eq "no member of tb" 0 "$(count /v1/networks/tb/members .members)"
expect_eq "no host entry added" "$NH" "$(ls "$T/dhcp/net200/hosts" | wc -l)"
expect_eq "hv1's trunk unchanged" "[] [200] trunk" "$(port_vlans hu$$)"
expect_eq "hv2's uplink unchanged" "$ISO" "$(port_vlans hw$$)"
ok "VM B joins tb on hv1" i member create tb "$MB" --hypervisor hv1 --name vm-b
expect_eq "hv1's trunk: VLANs 200 and 300" "[] [200, 300] trunk" "$(port_vlans hu$$)"

# --- bare metal of tenant A, deployed; real packets
i node vif attach na ta
i node manage na --wait 20 >/dev/null && i node provide na --wait 30 >/dev/null
ok "deploy na" i node deploy na --wait 30
expect_eq "na on tenant A's VLAN" 200 "$(vsctl get port va$$ tag)"
NA_IP=$(lease vna$$)
expect_eq "na leases from ta" 10.200.0.100 "$NA_IP"
expect_eq "VM A leases its fixed address from ta" 10.200.0.50 "$(lease vma$$)"
expect_eq "VM B leases from tb" 10.30.0.100 "$(lease vmb$$)"
expect_eq "an unregistered VM on A's VLAN gets no lease" "" "$(lease vmx$$)"
expect_eq "a VM tagging onto provisioning gets no lease" "" "$(lease vmp$$)"
ip -n vna$$ addr add 10.200.0.100/24 dev eth0
ip -n vma$$ addr add 10.200.0.50/24 dev eth0
ip -n vmb$$ addr add 10.30.0.100/24 dev eth0
ip -n vmp$$ addr add 10.100.0.77/24 dev eth0
ok "VM A reaches na" pings vma$$ 10.200.0.100
ok "na reaches VM A" pings vna$$ 10.200.0.50
ok "VM B reaches tb's server" pings vmb$$ 10.30.0.1
ok "VM B cannot reach na" no_ping vmb$$ 10.200.0.100
ip -n vmb$$ addr add 10.200.0.77/24 dev eth0
ok "VM B cannot reach na even from A's subnet" no_ping vmb$$ 10.200.0.100
ok "VM B cannot reach VM A" no_ping vmb$$ 10.200.0.50
ok "a VM cannot reach the provisioning server" no_ping vmp$$ 10.100.0.1

# --- a member leaves: its VLAN leaves the trunk
ok "VM B leaves" i member delete tb "$MB"
expect_eq "hv1's trunk: VLAN 200 only" "[] [200] trunk" "$(port_vlans hu$$)"
ok "VM B's host entry removed" test ! -e "$T/dhcp/net300/hosts/$MB"
# (ovs-vswitchd applies a database change a moment after it is committed)
wait_until 5 no_ping vmb$$ 10.30.0.1
ok "VM B is cut off from tb" no_ping vmb$$ 10.30.0.1

# --- span: a router's port carries networks without VMs
ok "hv2's uplink spans ta" i uplink set hv2-up --span ta
expect_eq "hv2's trunk: VLAN 200" "[] [200] trunk" "$(port_vlans hw$$)"
api PATCH /v1/uplinks/hv2-up '[{"op":"add","path":"/span","value":["tb"]}]' >/dev/null
expect_eq "span outside allowed_vlans: 400" 400 "$STATUS"
api PATCH /v1/uplinks/hv2-up '[{"op":"add","path":"/span","value":["prov"]}]' >/dev/null
expect_eq "span of the provisioning network: 400" 400 "$STATUS"
expect_eq "hv2's trunk unchanged" "[] [200] trunk" "$(port_vlans hw$$)"
api DELETE /v1/networks/ta >/dev/null
expect_eq "a network with VMs and a span cannot be deleted" 409 "$STATUS"

# --- tampering is corrected
vsctl set port hu$$ trunks=100,200,300
wait_until 10 'test "$(port_vlans hu$$)" = "[] [200] trunk"'
expect_eq "extra trunk VLANs removed" "[] [200] trunk" "$(port_vlans hu$$)"
vsctl clear port hu$$ trunks
wait_until 10 'test "$(port_vlans hu$$)" = "[] [200] trunk"'
expect_eq "a trunk of every VLAN corrected" "[] [200] trunk" "$(port_vlans hu$$)"
vsctl set port hu$$ tag=100 vlan_mode=native-untagged
wait_until 10 'test "$(port_vlans hu$$)" = "[] [200] trunk"'
expect_eq "a native VLAN corrected" "[] [200] trunk" "$(port_vlans hu$$)"
ok "corrections logged" grep -q "reconcile: uplink hv1-up" "$T/ingotd.log"

# --- restart: read back and corrected
ingot_stop
vsctl set port hu$$ trunks=300
vsctl set port hw$$ tag=100 -- clear port hw$$ trunks vlan_mode
ingot_start --config "$T/ingotd.conf" || exit 1
wait_until 10 'test "$(port_vlans hu$$) $(port_vlans hw$$)" = "[] [200] trunk [] [200] trunk"'
expect_eq "restart corrected hv1's uplink" "[] [200] trunk" "$(port_vlans hu$$)"
expect_eq "restart corrected hv2's uplink" "[] [200] trunk" "$(port_vlans hw$$)"

# --- the end of an uplink
api DELETE /v1/uplinks/hv1-up >/dev/null
expect_eq "an uplink with members behind it cannot go" 409 "$STATUS"
ok "VM A leaves" i member delete ta "$MA"
expect_eq "hv1's uplink isolated" "$ISO" "$(port_vlans hu$$)"
ok "hv1-up deleted" i uplink delete hv1-up
ok "hv2-up deleted" i uplink delete hv2-up
expect_eq "its port isolated" "$ISO" "$(port_vlans hw$$)"
expect_eq "no uplink left" 0 "$(count /v1/uplinks .uplinks)"
finish
