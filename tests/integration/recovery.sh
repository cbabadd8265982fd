#!/usr/bin/env bash
# Recovery from server failure against real components: ipmi_sim BMCs for
# the nodes that fail, a real ovsdb-server/ovs-vswitchd switch (and a second
# ovsdb-server as a switch that dies), dnsmasq for the tenant networks.
#   - fencing impossible (BMC and switch dead): nothing moves
#   - two BMC deaths, one spare: one fenced by port isolation (read back
#     from OVS) and recovered onto the spare (same VLAN, same VIF, same
#     DHCP address, leased for real), the other waits with a clear fault
#   - the operator recovers the waiting one onto a new spare; ingotd is
#     SIGKILLed while the spare deploys and completes it after restart
#   - power found off without a request (manual policy): fenced, waits
# Never two nodes on one instance, checked in the database throughout.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/bmc.sh"
BR=irc$$
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
# A second switch: an ovsdb-server alone (ports are rows), killed later.
O2=$T/ovs2
mkdir -p "$O2"
ovsdb-tool create "$O2/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$O2/conf.db" --remote=punix:"$O2/db.sock" --unixctl="$O2/ctl" \
	--pidfile="$O2/pid" --detach --log-file="$O2/log" || exit 1
v2() { ovs-vsctl --db="unix:$O2/db.sock" --timeout=10 --no-wait "$@"; }
v2 init
v2 add-br br2 -- add-port br2 rh$$ tag=4095
for n in f g s1 x s2 p; do node_ns rn$n$$ r$n$$ 4095; done
for b in bf bg bh bp; do bmc_start $b || exit 1; done
SW1=52:54:00:ee:00:01 SW2=52:54:00:ee:00:02
cat >"$T/ingotd.conf" <<CONF
[conductor]
sync_power_state_interval = 1
power_state_sync_max_retries = 10
force_power_state_during_sync = false
power_timeout = 5
switch_reconcile_interval = 0
[ipmi]
timeout_ms = 2000
retries = 1
retry_backoff_ms = 100
[recovery]
policy = automatic
bmc_failures = 4
power_off_grace = 2
# the operator's recover is tested here; retries by themselves in recovery_triggers.sh
auto_retries = 0
[dhcp]
enabled = true
ovsdb = $OVSDB
bridge = $BR
state_dir = $T/dhcp
[switch:tor1]
driver = ovsdb
address = $OVSDB
switch_id = $SW1
ports = rf$$, rg$$, rs1$$, rx$$, rs2$$, rp$$
timeout_ms = 1000
retries = 0
[switch:tor2]
driver = ovsdb
address = unix:$O2/db.sock
switch_id = $SW2
ports = rh$$
timeout_ms = 1000
retries = 0
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
i() { "$INGOT" "$@"; }
js() { "$INGOT" -f json "$@"; }
field() { js node show "$1" | jq -r ".$2"; }
tag() { vsctl get port "$1" tag; }
mac_of() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }
uuid() { db "select uuid from nodes where name='$1'"; }
lease() {
	ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s /bin/true 2>&1 |
	    sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p'
}
one_node_per_instance() {
	test "$(db "select count(*) from (select instance_uuid from nodes where instance_uuid
	    is not null group by instance_uuid having count(*) > 1) as dup")" = 0
}
no_lock_left() { test "$(db "select count(*) from nodes where reservation is not null")" = 0; }

i network create prov --vlan 100 --cidr 10.100.0.0/24 --dhcp-range 10.100.0.100,10.100.0.199 \
	--purpose provisioning >/dev/null
i network create ta --vlan 200 --cidr 10.200.0.0/24 --dhcp-range 10.200.0.100,10.200.0.150 >/dev/null
i network create tb --vlan 300 --cidr 10.30.0.0/24 --dhcp-range 10.30.0.100,10.30.0.150 >/dev/null
ipmi_node() {	# NAME BMC [extra create args]
	local n=$1 b=$2; shift 2
	i node create --driver ipmi --name "$n" --resource-class gold --driver-info ipmi_address=127.0.0.1 \
		--driver-info ipmi_port="${BMC_PORTS[$b]}" --driver-info ipmi_username=admin \
		--driver-info ipmi_password=password --deploy-interface fake --boot-interface fake \
		--network-interface vlan "$@" >/dev/null
}
fake_node() {	# NAME RESOURCE_CLASS [extra create args]
	local n=$1 rc=$2; shift 2
	i node create --driver fake-hardware --name "$n" --resource-class "$rc" \
		--network-interface vlan "$@" >/dev/null
}
wire() {	# NODE NS PORT SWITCH
	i port create "$(mac_of "$2")" --node "$1" --local-link-connection switch_id="$4" \
		--local-link-connection port_id="$3" >/dev/null
}
ipmi_node f bf; wire f rnf$$ rf$$ $SW1
ipmi_node g bg; wire g rng$$ rg$$ $SW1
ipmi_node h bh; i port create 52:54:00:aa:00:0a --node h --local-link-connection switch_id=$SW2 \
	--local-link-connection port_id=rh$$ >/dev/null
ipmi_node p bp --driver-info recovery_policy=manual; wire p rnp$$ rp$$ $SW1
fake_node s1 gold; wire s1 rns1$$ rs1$$ $SW1
fake_node x silver; wire x rnx$$ rx$$ $SW1
i node vif attach f ta; i node vif attach g tb; i node vif attach h ta; i node vif attach p ta
for n in f g h p s1 x; do i node manage $n --wait 60 >/dev/null; done
for n in f g h p s1 x; do i node provide $n --wait 60 >/dev/null; done
for n in f g h p; do	# the instance's uuid, as Nova sets it
	api PATCH /v1/nodes/$n "[{\"op\":\"add\",\"path\":\"/instance_uuid\",\"value\":\"$(cat /proc/sys/kernel/random/uuid)\"}]" >/dev/null
	ok "deploy $n" i node deploy $n --wait 60
done
expect_eq "f on tenant A's VLAN" 200 "$(tag rf$$)"
expect_eq "g on tenant B's VLAN" 300 "$(tag rg$$)"
expect_eq "h on tenant A's VLAN (second switch)" 200 "$(ovs-vsctl --db=unix:$O2/db.sock get port rh$$ tag)"
expect_eq "f leases from ta" 10.200.0.100 "$(lease rnf$$)"
expect_eq "g leases from tb" 10.30.0.100 "$(lease rng$$)"
FMAC=$(mac_of rnf$$) GMAC=$(mac_of rng$$)
IF=$(field f instance_uuid) IG=$(field g instance_uuid) IH=$(field h instance_uuid)
expect_eq "s1 and x available" "available available" "$(field s1 provision_state) $(field x provision_state)"

# --- fencing impossible: BMC dead and switch dead → nothing moves ---------
bmc_stop bh
kill "$(cat "$O2/pid")"
wait_until 90 'test "$(field h provision_state)" = "recover failed"'
expect_eq "h: recover failed" "recover failed" "$(field h provision_state)"
expect_eq "h: maintenance, fault fencing failure" "true fencing failure" \
	"$(field h maintenance) $(field h fault)"
ok "h: last_error says nothing moved and why" bash -c "'$INGOT' -f json node show h |
	jq -r .last_error | grep -q 'nothing moved: fencing not confirmed: power off failed'"
expect_eq "h keeps its instance" "$IH" "$(field h instance_uuid)"
expect_eq "h keeps its VIF" ta "$(db "select n.name from vifs v join networks n on n.uuid = v.network_uuid where v.node_uuid='$(uuid h)'")"
expect_eq "s1 still available, no instance" "available null" "$(field s1 provision_state) $(field s1 instance_uuid)"
expect_eq "s1's port still isolated" 4095 "$(tag rs1$$)"
ok "never two nodes on one instance" one_node_per_instance

# --- two BMC deaths, one spare ---------------------------------------------
bmc_stop bf
bmc_stop bg
moved() { [ "$(field f provision_state)" = manageable ] || [ "$(field g provision_state)" = manageable ]; }
waiting() { [ "$(field f provision_state)" = "recover wait" ] || [ "$(field g provision_state)" = "recover wait" ]; }
wait_until 120 'moved && waiting'
if [ "$(field f provision_state)" = manageable ]; then
	R=f W=g RI=$IF WI=$IG RVLAN=200 RMAC=$FMAC RNET=ta WPORT=rg$$
else
	R=g W=f RI=$IG WI=$IF RVLAN=300 RMAC=$GMAC RNET=tb WPORT=rf$$
fi
wait_until 60 'test "$(field s1 provision_state)" = active'
expect_eq "spare s1 active" active "$(field s1 provision_state)"
expect_eq "s1 has $R's instance" "$RI" "$(field s1 instance_uuid)"
expect_eq "$R has no instance" null "$(field $R instance_uuid)"
expect_eq "$R: manageable, maintenance, fault hardware failure" "manageable true hardware failure" \
	"$(field $R provision_state) $(field $R maintenance) $(field $R fault)"
ok "$R: last_error names the spare" bash -c "'$INGOT' -f json node show $R | jq -r .last_error | grep -q '$(uuid s1)'"
ok "$R: fenced by port isolation (history)" bash -c "'$INGOT' -f json node history $R | grep -q 'switch port(s) isolated and read back'"
expect_eq "$R's switch port isolated (read from OVS)" 4095 "$(tag r$R$$)"
expect_eq "s1's port on $R's tenant VLAN (read from OVS)" "$RVLAN" "$(tag rs1$$)"
expect_eq "s1 carries $R's VIF" "$(db "select uuid from networks where name='$RNET'")" \
	"$(db "select network_uuid from vifs where node_uuid='$(uuid s1)'")"
expect_eq "$R has no VIF left" 0 "$(db "select count(*) from vifs where node_uuid='$(uuid $R)'")"
ok "s1's history names the failed node" bash -c "'$INGOT' -f json node history s1 | grep -q 'Spare for failed node $R'"
VLANNET=$( [ $RVLAN = 200 ] && echo 200 || echo 300 )
ok "the DHCP reservation left $R's MAC" test ! -e "$T/dhcp/net$VLANNET/hosts/$RMAC"
if [ "$R" = f ]; then
	ip -n rns1$$ addr flush dev eth0
	expect_eq "s1 leases f's address (10.200.0.100) for real" 10.200.0.100 "$(lease rns1$$)"
else
	expect_eq "s1 leases g's address (10.30.0.100) for real" 10.30.0.100 "$(lease rns1$$)"
fi
expect_eq "$W waits: recover wait, maintenance, fault no spare" "recover wait true no spare" \
	"$(field $W provision_state) $(field $W maintenance) $(field $W fault)"
ok "$W: last_error explains (no spare)" bash -c "'$INGOT' -f json node show $W | jq -r .last_error | grep -q 'no spare node'"
expect_eq "$W keeps its instance" "$WI" "$(field $W instance_uuid)"
expect_eq "$W is fenced too (port isolated)" 4095 "$(tag $WPORT)"
expect_eq "x (other resource class) untouched" "available null" "$(field x provision_state) $(field x instance_uuid)"
ok "never two nodes on one instance" one_node_per_instance
ok "metrics: one moved, one without spare" bash -c "curl -fsS '$INGOT_URL/metrics' |
	grep -q 'ingot_recoveries_total{outcome=\"moved\"} 1' && curl -fsS '$INGOT_URL/metrics' |
	grep -q 'ingot_recoveries_total{outcome=\"no_spare\"} 1'"

# --- the operator recovers the waiting node; ingotd dies mid-way ----------
fake_node s2 gold; wire s2 rns2$$ rs2$$ $SW1
i node manage s2 --wait 60 >/dev/null; i node provide s2 --wait 60 >/dev/null
i node set s2 --driver-info fake_delay=10 >/dev/null	# its deploy's steps take 10 s each
ok "ingot node recover $W" i node recover $W
wait_until 60 db_is "select provision_state from nodes where name='s2'" deploying
kill -KILL "$INGOTD_PID"; wait "$INGOTD_PID" 2>/dev/null; INGOTD_PID=
expect_eq "SIGKILL while s2 deploys $W's instance" "deploying|$WI" \
	"$(db "select provision_state || '|' || instance_uuid from nodes where name='s2'")"
ok "never two nodes on one instance (after SIGKILL)" one_node_per_instance
ingot_start --config "$T/ingotd.conf" || exit 1
wait_until 120 'test "$(field s2 provision_state)" = active'
expect_eq "after restart: s2 active with $W's instance" "active $WI" \
	"$(field s2 provision_state) $(field s2 instance_uuid)"
expect_eq "$W manageable in maintenance" "manageable true" "$(field $W provision_state) $(field $W maintenance)"
ok "s2's history: resumed after restart" bash -c "'$INGOT' -f json node history s2 | grep -q 'resumed after a conductor restart'"
expect_eq "s2 on $W's tenant VLAN" "$( [ $W = f ] && echo 200 || echo 300 )" "$(tag rs2$$)"
ok "never two nodes on one instance" one_node_per_instance
ok "no node lock left" no_lock_left

# --- power found off without a request, manual policy ----------------------
ok "p powered on (the fake deploy left it off)" i node power on p
wait_until 30 'test "$(field p power_state)" = "power on"'
ipmitool_for bp power off >/dev/null
wait_until 60 'test "$(field p provision_state)" = "recover wait"'
expect_eq "p: fenced and waiting (manual policy)" "recover wait awaiting recovery" \
	"$(field p provision_state) $(field p fault)"
ok "p: history has the evidence" bash -c "'$INGOT' -f json node history p | grep -q 'power found off without a request'"
ok "p: fenced through its BMC" bash -c "'$INGOT' -f json node history p | grep -q 'powered off, confirmed by the BMC'"
expect_eq "p keeps its instance" true "$(test "$(field p instance_uuid)" != null && echo true)"

# --- a recovered node returns only through cleaning ------------------------
bmc_start b$R >/dev/null	# repaired
i node maintenance unset $R >/dev/null
api PUT /v1/nodes/$R/states/provision '{"target":"active"}' >/dev/null
expect_eq "recovered node cannot be deployed directly" 400 "$STATUS"
api PATCH /v1/nodes/$R '[{"op":"add","path":"/automated_clean","value":false}]' >/dev/null
cleaned() { grep -c "port r$R$$: cleaning" "$T/ingotd.log"; }	# on the cleaning VLAN
c0=$(cleaned)
ok "provide the repaired node" i node provide $R --wait 60
expect_eq "$R available again, its recovery mark cleaned" "available|" \
	"$(db "select provision_state || '|' || coalesce($(db_json driver_internal_info recovery), '') from nodes where name='$R'")"
expect_eq "... through cleaning, although automated_clean is false" $((c0 + 1)) "$(cleaned)"
finish
