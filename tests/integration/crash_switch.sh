#!/usr/bin/env bash
# Crash safety of switch ports: SIGKILL ingotd while VLAN-managed nodes
# deploy, clean, wait for an agent; tamper with ports while it is down (a
# flip cut in half); after a restart every port carries what its node's
# state allows, and the wait state's timeout isolates its port too.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
BR=icr$$
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
NODES="a b c d e"
for n in $NODES; do node_ns cn$n$$ c$n$$ 4095; done
SWID=52:54:00:ff:00:02
cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[deploy]
file_url_allowed_paths = $T
callback_timeout = 10
[conductor]
switch_reconcile_interval = 600
[switch:tor1]
driver = ovsdb
address = $OVSDB
switch_id = $SWID
ports = ca$$, cb$$, cc$$, cd$$, ce$$
timeout_ms = 1000
retries = 1
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
i() { "$INGOT" "$@"; }
tag() { vsctl get port "c$1$$" tag; }
mac_of() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }
st() { db "select provision_state from nodes where name='s$1'"; }
prov() { api PUT "/v1/nodes/s$1/states/provision" "{\"target\":\"$2\"${3:+,$3}}" >/dev/null; }
delay() { api PATCH "/v1/nodes/s$1" "[{\"op\":\"add\",\"path\":\"/driver_info/fake_delay\",\"value\":$2}]" >/dev/null; }

i network create prov --vlan 100 --cidr 10.100.0.0/24 --purpose provisioning >/dev/null
i network create ta --vlan 200 --cidr 10.200.0.0/24 --project a >/dev/null
head -c 1M /dev/urandom >"$T/img.raw"
SUM=$(sha256sum "$T/img.raw" | cut -d' ' -f1)
for n in $NODES; do
	di=fake; [ $n = c ] && di=direct
	i node create --driver fake-hardware --name s$n --network-interface vlan --deploy-interface $di >/dev/null
	i port create "$(mac_of cn$n$$)" --node s$n --local-link-connection switch_id=$SWID \
		--local-link-connection port_id=c$n$$ >/dev/null
	i node vif attach s$n ta
	i node manage s$n --wait 20 >/dev/null
done
api PATCH /v1/nodes/sc "[{\"op\":\"add\",\"path\":\"/automated_clean\",\"value\":false},
	{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"file://$T/img.raw\",
	\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$SUM\"}}]" >/dev/null
for n in a c d e; do prov $n provide; done
wait_until 60 db_is "select count(*) from nodes where provision_state='available'" 4
prov d active
wait_until 60 '[ "$(st d)" = active ]'
for n in a b; do delay $n 30; done
prov a active			# deploying, slowly
prov b clean '"clean_steps":[{"interface":"deploy","step":"erase_devices"}]'	# cleaning, slowly
prov c active			# wait call-back: no agent will come
wait_until 60 '[ "$(st a)/$(st b)/$(st c)" = "deploying/cleaning/wait call-back" ]'
wait_until 60 '[ "$(tag a)/$(tag b)/$(tag c)" = "100/100/100" ]'
expect_eq "before the kill: states" "deploying cleaning wait call-back active available" \
	"$(st a) $(st b) $(st c) $(st d) $(st e)"
expect_eq "before the kill: VLANs" "100 100 100 200 4095" "$(tag a) $(tag b) $(tag c) $(tag d) $(tag e)"

kill -KILL "$INGOTD_PID"; wait "$INGOTD_PID" 2>/dev/null; INGOTD_PID=
# While ingotd is down: flips cut in half leave ports on the wrong VLAN.
vsctl set port cd$$ tag=100		# active node on provisioning
vsctl set port ce$$ tag=200		# available node on a tenant VLAN
vsctl set port cc$$ tag=4095		# waiting node cut off its agent
ingot_start --config "$T/ingotd.conf" || exit 1
expect_eq "after the restart: states" "deploy failed clean failed wait call-back active available" \
	"$(st a) $(st b) $(st c) $(st d) $(st e)"
# Reconciled at start (the periodic reconcile is 10 minutes away).
expect_eq "after the restart: failed nodes isolated, the waiting one provisioning, active on tenant" \
	"4095 4095 100 200 4095" "$(tag a) $(tag b) $(tag c) $(tag d) $(tag e)"
ok "corrections logged" grep -q "reconcile: switch $SWID port ce$$ carries native VLAN 200" "$T/ingotd.log"
ok "the waiting node times out" wait_until 60 '[ "$(st c)" = "deploy failed" ]'
expect_eq "timed out: its port isolated" 4095 "$(tag c)"
expect_eq "no reservation" 0 "$(db "select count(*) from nodes where reservation is not null")"
db_sqlite_only "SQLite's integrity_check" && expect_eq "integrity_check ok" ok "$(db 'pragma integrity_check')"
finish
