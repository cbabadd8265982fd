#!/usr/bin/env bash
# Per-network DHCP against a real ovsdb-server/ovs-vswitchd and dnsmasq:
# only attached node ports get leases, from their own network's server.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
BR=itb$$
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
cat >"$T/ingotd.conf" <<CONF
[api]
web_root = $INGOT_SRC/web
[dhcp]
enabled = true
ovsdb = $OVSDB
bridge = $BR
state_dir = $T/dhcp
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
lease() {	# lease NS: prints the address udhcpc got, or nothing
	ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s /bin/true 2>&1 |
	    sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p'
}
dpid() { pgrep -f "^dnsmasq --keep-in-foreground --conf-file=$T/dhcp/net$1/"; }
mac_of() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }

api POST /v1/networks '{"name":"prov","vlan_id":100,"cidr":"10.100.0.0/24","dhcp_range":"10.100.0.100,10.100.0.199","purpose":"provisioning"}' >/dev/null
expect_eq "provisioning network created" 201 "$STATUS"
api POST /v1/networks '{"name":"ta","vlan_id":200,"cidr":"10.200.0.0/24","dhcp_range":"10.200.0.100,10.200.0.150","project":"a"}' >/dev/null
api POST /v1/networks '{"name":"tb","vlan_id":300,"cidr":"10.30.0.0/24","dhcp_range":"10.30.0.100,10.30.0.150","project":"b"}' >/dev/null
expect_eq "tenant networks created" 201 "$STATUS"
wait_until 60 ip netns exec ingot-net200 true
expect_eq "DHCP port carries the network's VLAN" 200 "$(vsctl get port ingot200 tag)"
ok "server address in the network's namespace" bash -c "ip -n ingot-net200 -4 addr show ingot200 | grep -q 10.200.0.1/24"
ok "dnsmasq runs for ta" dpid 200
ok "provisioning dnsmasq serves TFTP" grep -q '^enable-tftp' "$T/dhcp/net100/dnsmasq.conf"
# The provisioning listener serves the ramdisks, never the web console.
prov_get() { ip netns exec ingot-net100 curl -s -o /dev/null -w '%{http_code}' \
    "http://10.100.0.1:${INGOT_URL##*:}$1"; }
wait_until 30 '[ "$(prov_get /boot.ipxe)" = 200 ]'
expect_eq "provisioning listener: /boot.ipxe served" 200 "$(prov_get /boot.ipxe)"
for p in /console/ /console /console/index.html /console/config.json /v1/whoami; do
	expect_eq "provisioning listener: $p 404" 404 "$(prov_get $p)"
done
expect_eq "the API listener serves the console" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$INGOT_URL/console/")"

node_ns itn-a$$ ipa$$ 200
node_ns itn-b$$ ipb$$ 300
node_ns itn-x$$ ipx$$ 200
for n in a b; do
	api POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"n$n\"}" >/dev/null
	api POST /v1/ports "{\"address\":\"$(mac_of itn-$n$$)\",\"node_uuid\":\"n$n\"}" >/dev/null
done
# A node used by project a cannot join project b's network (403, nothing
# recorded); shared networks and its own project's are fine.
api PATCH /v1/nodes/na '[{"op":"add","path":"/owner","value":"a"}]' >/dev/null
api POST /v1/nodes/na/vifs '{"id":"tb"}' >/dev/null
expect_eq "attach a's node to b's network: 403" 403 "$STATUS"
expect_eq "nothing attached after the 403" 0 "$(api GET /v1/nodes/na/vifs | jq '.vifs | length')"
api PATCH /v1/nodes/na '[{"op":"add","path":"/lessee","value":"b"}]' >/dev/null
api POST /v1/nodes/na/vifs '{"id":"ta"}' >/dev/null
expect_eq "the lessee's project decides: a node leased to b cannot join a's network" 403 "$STATUS"
api PATCH /v1/nodes/na '[{"op":"remove","path":"/lessee"}]' >/dev/null
api POST /v1/nodes/na/vifs '{"id":"ta"}' >/dev/null
expect_eq "attach na to ta" 204 "$STATUS"
api POST /v1/nodes/nb/vifs '{"id":"tb"}' >/dev/null
expect_eq "attach nb to tb" 204 "$STATUS"
expect_eq "na leases its fixed address from ta" 10.200.0.100 "$(lease itn-a$$)"
expect_eq "nb leases its fixed address from tb" 10.30.0.100 "$(lease itn-b$$)"
expect_eq "unknown MAC on VLAN 200 gets no lease" "" "$(lease itn-x$$)"
ok "ta's lease file has na" grep -qi "$(mac_of itn-a$$)" "$T/dhcp/net200/leases"
ok "tb's lease file does not have na" bash -c "! grep -qi '$(mac_of itn-a$$)' '$T/dhcp/net300/leases'"
ip -n itn-a$$ addr add 10.200.0.100/24 dev eth0
ip -n itn-b$$ addr add 10.30.0.100/24 dev eth0
ok "na reaches its tenant's server" ip netns exec itn-a$$ busybox ping -c 1 -W 2 10.200.0.1
ok "na cannot reach tb's server" bash -c "! ip netns exec itn-a$$ busybox ping -c 1 -W 1 10.30.0.1"
ip -n itn-a$$ addr add 10.30.0.99/24 dev eth0
ok "na cannot reach tb's server even from tb's subnet" bash -c "! ip netns exec itn-a$$ busybox ping -c 1 -W 1 10.30.0.1"
ok "na cannot reach the provisioning server" bash -c "! ip netns exec itn-a$$ busybox ping -c 1 -W 1 10.100.0.1"

# Detach: the host entry goes, no new lease.
api DELETE /v1/nodes/na/vifs/ta >/dev/null
expect_eq "detach 204" 204 "$STATUS"
ok "host entry removed" test ! -e "$T/dhcp/net200/hosts/$(mac_of itn-a$$)"

# dnsmasq death is noticed and it is restarted.
old=$(dpid 300)
kill -KILL $old
restarted() { local p; p=$(dpid 300) && [ "$p" != "$old" ]; }
wait_until 60 restarted
ok "dead dnsmasq restarted" restarted
ok "its death logged" grep -q "died" "$T/ingotd.log"
ip -n itn-b$$ addr flush dev eth0
expect_eq "restarted server leases again" 10.30.0.100 "$(lease itn-b$$)"

# Deleting a network stops its server and removes its port and namespace.
api DELETE /v1/nodes/nb/vifs/tb >/dev/null
api DELETE /v1/networks/tb >/dev/null
expect_eq "network delete 204" 204 "$STATUS"
ok "its dnsmasq stopped" test -z "$(dpid 300)"
ok "its namespace removed" bash -c "! ip netns list | grep -qw ingot-net300"
ok "its OVS port removed" bash -c "! ovs-vsctl --db=$OVSDB list-ports $BR | grep -qx ingot300"
ingot_stop
ok "no dnsmasq left after ingotd stops" test -z "$(dpid 100)$(dpid 200)"
ok "no namespace left" bash -c "! ip netns list | grep -q '^ingot-net'"
finish
