#!/usr/bin/env bash
# The seed's VLAN flips against a real ovsdb-server/ovs-vswitchd: nodes are
# namespaces on switch ports; deploy/undeploy move them between the
# provisioning and tenant VLANs; real packets check the isolation.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
BR=itv$$
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
node_ns vna$$ va$$ 4095
node_ns vnb$$ vb$$ 4095
SWID=52:54:00:ff:00:01
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
ports = va$$, vb$$
timeout_ms = 1000
retries = 1
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
i() { "$INGOT" "$@"; }
js() { "$INGOT" -f json "$@"; }
tag() { vsctl get port "$1" tag; }
trunks() { vsctl get port "$1" trunks; }
mac_of() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }
state() { js node show "$1" | jq -r .provision_state; }
lease() {
	ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s /bin/true 2>&1 |
	    sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p'
}

ok "switches listed without secrets" bash -c "curl -fsS '$INGOT_URL/v1/switches' | jq -e '.switches[0].name == \"tor1\"'"
i network create prov --vlan 100 --cidr 10.100.0.0/24 --dhcp-range 10.100.0.100,10.100.0.199 --purpose provisioning >/dev/null
i network create ta --vlan 200 --cidr 10.200.0.0/24 --dhcp-range 10.200.0.100,10.200.0.150 --project a >/dev/null
i network create tb --vlan 300 --cidr 10.30.0.0/24 --dhcp-range 10.30.0.100,10.30.0.150 --project b >/dev/null
expect_eq "three networks" 3 "$(js network list | jq length)"
# bad input changes nothing
for bad in '{"name":"x0","vlan_id":0}' '{"name":"x1","vlan_id":4095}' '{"name":"x2","vlan_id":200}' \
	'{"name":"x3","vlan_id":400,"cidr":"10.0.0/33"}'; do
	api POST /v1/networks "$bad" >/dev/null
	ok "bad network $bad refused ($STATUS)" test "$STATUS" = 400 -o "$STATUS" = 409
done
expect_eq "still three networks" 3 "$(js network list | jq length)"

for n in a b; do
	i node create --driver fake-hardware --name n$n --network-interface vlan \
		--driver-info fake_delay=1.5 >/dev/null
	i port create "$(mac_of vn$n$$)" --node n$n --local-link-connection switch_id=$SWID \
		--local-link-connection port_id=v$n$$ >/dev/null
	i node vif attach n$n t$n
	i node manage n$n --wait 20 >/dev/null
done
# Every tag a port goes through is recorded: the transient phases are
# checked from that record, however fast or slow the machine.
tag_watch || { echo "not ok - ovsdb-client monitor"; exit 1; }
i node provide na >/dev/null
i node provide nb --wait 60 >/dev/null
wait_until 60 'test "$(state na)" = available'
expect_eq "cleaning on the provisioning VLAN, then isolated when available" \
    "4095 100 4095" "$(tags_of va$$)"
expect_eq "available: isolated" 4095 "$(tag va$$)"
i node deploy na >/dev/null
wait_until 60 'test "$(state na)" = active'
expect_eq "deploying on the provisioning VLAN, then tenant A's when active" \
    "4095 100 4095 100 200" "$(tags_of va$$)"
expect_eq "active: on tenant A's VLAN" 200 "$(tag va$$)"
expect_eq "access port: no trunks" "[]" "$(trunks va$$)"
ok "deploy nb" i node deploy nb --wait 20
expect_eq "nb on tenant B's VLAN" 300 "$(tag vb$$)"

expect_eq "na leases from tenant A" 10.200.0.100 "$(lease vna$$)"
expect_eq "nb leases from tenant B" 10.30.0.100 "$(lease vnb$$)"
ip -n vna$$ addr add 10.200.0.100/24 dev eth0
ip -n vnb$$ addr add 10.30.0.100/24 dev eth0
ok "na reaches tenant A's server" ip netns exec vna$$ busybox ping -c 1 -W 2 10.200.0.1
ok "na cannot reach the provisioning server" bash -c "! ip netns exec vna$$ busybox ping -c 1 -W 1 10.100.0.1"
ip -n vna$$ addr add 10.30.0.99/24 dev eth0
ok "na cannot reach nb, even from B's subnet" bash -c "! ip netns exec vna$$ busybox ping -c 1 -W 1 10.30.0.100"
ip -n vna$$ addr del 10.30.0.99/24 dev eth0

# Two tenant networks: a trunk with the first as native VLAN, live.
ok "attach ta to active nb" i node vif attach nb ta
expect_eq "trunk native VLAN" 300 "$(tag vb$$)"
expect_eq "trunk VLANs" "[200, 300]" "$(trunks vb$$)"
ok "detach ta" i node vif detach nb ta
expect_eq "back to access" "300 []" "$(tag vb$$) $(trunks vb$$)"

# Tampering is corrected (reconcile), and logged.
vsctl set port va$$ tag=300
wait_until 60 'test "$(tag va$$)" = 200'
expect_eq "tampered tag corrected" 200 "$(tag va$$)"
ok "correction logged" grep -q "reconcile: switch $SWID port va$$ carries native VLAN 300" "$T/ingotd.log"

# Undeploy: off the tenant, cleaned on provisioning, isolated.
i node undeploy na >/dev/null
wait_until 60 'test "$(state na)" = available'
ok "undeploy: off tenant A's VLAN, cleaned on provisioning, then isolated" \
    bash -c "grep -Eq ' 200( 4095)? 100 4095\$' <<<'$(tags_of va$$)'"
expect_eq "available again: isolated" 4095 "$(tag va$$)"

# The switch dies mid-deploy: the deploy fails with a clear error and the
# port is isolated once the switch is back.
i node deploy na >/dev/null
wait_until 60 'test "$(state na)" = deploying'
kill "$(cat "$OVS_DIR/ovsdb.pid")"
wait_until 60 'test "$(state na)" = "deploy failed"'
expect_eq "deploy failed" "deploy failed" "$(state na)"
ok "last_error names switch and port" bash -c "'$INGOT' -f json node show na | jq -r .last_error | grep -q 'switch tor1 port va$$'"
ok "no lock left" test -z "$(db "select reservation from nodes where name='na'")"
ovsdb-server "$OVS_DIR/conf.db" --remote=punix:"$OVS_DIR/db.sock" --unixctl="$OVS_DIR/ovsdb.ctl" \
	--pidfile="$OVS_DIR/ovsdb.pid" --detach --log-file="$OVS_DIR/ovsdb.log"
wait_until 60 'test "$(tag va$$)" = 4095'
expect_eq "isolated once the switch is back" 4095 "$(tag va$$)"

# Restart: ports read back and corrected.
vsctl set port vb$$ tag=100
ingot_stop
ingot_start --config "$T/ingotd.conf" || exit 1
wait_until 60 'test "$(tag vb$$)" = 300'
expect_eq "restart corrected nb's port" 300 "$(tag vb$$)"

# A storage network (purpose storage, docs/storage.md): a tagged VLAN of
# the node's trunk beside its tenant VLAN, never the native one, nothing
# without a tenant network; undeploy takes it off with the rest.
api POST /v1/networks '{"name":"stb","vlan_id":350,"cidr":"10.35.0.0/24","purpose":"storage","project":"b"}' >/dev/null
expect_eq "storage network created" 201 "$STATUS"
ok "attach stb to active nb" i node vif attach nb stb
expect_eq "nb: tenant VLAN native, storage VLAN tagged" "300 [300, 350]" "$(tag vb$$) $(trunks vb$$)"
ok "detach tb" i node vif detach nb tb
expect_eq "a storage VLAN alone is not carried: isolated" "4095 []" "$(tag vb$$) $(trunks vb$$)"
ok "attach tb again (after stb)" i node vif attach nb tb
expect_eq "the tenant VLAN is native whatever the order" "300 [300, 350]" "$(tag vb$$) $(trunks vb$$)"
i node undeploy nb >/dev/null
wait_until 60 'test "$(state nb)" = available'
expect_eq "undeploy: nb's port isolated, no trunk left (read from OVS)" "4095 []" "$(tag vb$$) $(trunks vb$$)"
finish
