#!/usr/bin/env bash
# Who gets a boot-from-volume node's sanboot script (it holds the CHAP
# secrets of its volumes): ingotd serves it on a listener of its own on the
# node's tenant network (real OVS, dnsmasq and namespaces; a real tgtd for
# the attachments), to the address the node's DHCP host entry holds there,
# and nothing else on that listener.  Attacks: another host of the tenant,
# the node's MAC without its address, a query or header naming another
# node, the other tenant's VLAN, the provisioning network, the API port.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
for p in tgtd tgtadm dnsmasq ovs-vswitchd busybox iscsi-readcapacity16; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
CP=$(( 1000 + ($$ + 7) % 30000 ))
TP=$(free_port)
tgtd -f -C "$CP" --iscsi portal=127.0.0.1:"$TP" >"$T/tgtd.log" 2>&1 &
TGTD_PID=$!
tadm() { tgtadm -C "$CP" --lld iscsi "$@"; }
stop_all() {
	tadm --op update --mode sys --name State -v offline >/dev/null 2>&1
	for tid in $(tadm --op show --mode target 2>/dev/null | sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
		tadm --op delete --force --mode target --tid "$tid" >/dev/null 2>&1
	done
	tadm --op delete --mode system >/dev/null 2>&1
	kill "$TGTD_PID" 2>/dev/null; wait "$TGTD_PID" 2>/dev/null
	ovs_stop
	_cleanup
}
trap stop_all EXIT
BR=isb$$
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
wait_until 20 tadm --op show --mode target || { echo "not ok - tgtd start"; exit 1; }
mkdir -p "$T/pool"
cat >"$T/ingotd.conf" <<CONF
[dhcp]
enabled = true
ovsdb = $OVSDB
bridge = $BR
state_dir = $T/dhcp
[storage]
pool_dir = $T/pool
tgt_control_port = $CP
portal = 10.200.0.250:3260
max_volume_gb = 1
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
P=${INGOT_URL##*:}
mac_of() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }
lease() {	# lease NS: takes a lease on eth0 (address set); prints it
	ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 4 -T 1 -s /bin/true 2>&1 |
	    sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p'
}
get() {	# get NS URL [curl args]: the status; the body in $T/get.body
	local ns=$1 u=$2 code k; shift 2
	# 000 is no answer at all (a neighbour entry still naming a MAC just
	# changed, on a loaded machine: once under ASan): asked again, up to
	# three times; every check is on the answer, never on its absence
	for k in 1 2 3; do
		code=$(ip netns exec "$ns" curl -s -m 5 -o "$T/get.body" -w '%{http_code}' "$@" "$u")
		[ "$code" != 000 ] && break
	done
	echo "$code"
}

api POST /v1/networks '{"name":"prov","vlan_id":100,"cidr":"10.100.0.0/24","dhcp_range":"10.100.0.100,10.100.0.199","purpose":"provisioning"}' >/dev/null
api POST /v1/networks '{"name":"ta","vlan_id":200,"cidr":"10.200.0.0/24","dhcp_range":"10.200.0.100,10.200.0.150","project":"a"}' >/dev/null
api POST /v1/networks '{"name":"tb","vlan_id":300,"cidr":"10.30.0.0/24","dhcp_range":"10.30.0.100,10.30.0.150","project":"b"}' >/dev/null
wait_until 60 ip netns exec ingot-net300 true
ok "tenant dnsmasq sends iPXE to the sanboot listener" \
	grep -qx "dhcp-boot=tag:ipxe,http://10.200.0.1:$P/sanboot.ipxe" "$T/dhcp/net200/dnsmasq.conf"
ok "... and PXE ROMs get no boot file there" bash -c "! grep -q 'undionly\|enable-tftp' '$T/dhcp/net200/dnsmasq.conf'"
node_ns sna$$ sna$$ 200	# node a's NIC
node_ns snx$$ snx$$ 200	# another host of tenant a
node_ns snb$$ snb$$ 300	# node b's NIC (tenant b)
node_ns snp$$ snp$$ 100	# a host on the provisioning network

IQN_A=iqn.2026-11.org.example:sna IQN_B=iqn.2026-11.org.example:snb
for n in a b; do
	api POST /v1/volumes "{\"name\":\"v$n\",\"size\":1,\"project\":\"$n\"}" >/dev/null
	api POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"n$n\",\"owner\":\"$n\",\"storage_interface\":\"iscsi\"}" >/dev/null
	api POST /v1/ports "{\"address\":\"$(mac_of sn$n$$)\",\"node_uuid\":\"n$n\"}" >/dev/null
	iqn=$([ $n = a ] && echo $IQN_A || echo $IQN_B)
	api POST /v1/volume/connectors "{\"node_uuid\":\"n$n\",\"type\":\"iqn\",\"connector_id\":\"$iqn\"}" >/dev/null
	api POST /v1/volume/targets "{\"node_uuid\":\"n$n\",\"volume_type\":\"iscsi\",\"boot_index\":0,\"volume_id\":\"v$n\"}" >/dev/null
	api POST /v1/nodes/n$n/vifs "{\"id\":\"t$n\"}" >/dev/null
	"$INGOT" node manage n$n --wait 30 >/dev/null 2>&1
	"$INGOT" node provide n$n --wait 30 >/dev/null 2>&1
	"$INGOT" node deploy n$n --wait 60 >/dev/null 2>&1
	wait_until 60 "[ \"\$(\"$INGOT\" -f json node show n$n | jq -r .provision_state)\" = active ]"
done
expect_eq "both nodes boot from their volumes (active)" "active active" \
	"$("$INGOT" -f json node show na | jq -r .provision_state) $("$INGOT" -f json node show nb | jq -r .provision_state)"
IPA=$(lease sna$$) IPB=$(lease snb$$)
expect_eq "node a leases its fixed address" 10.200.0.100 "$IPA"
ip -n sna$$ addr add "$IPA/24" dev eth0
ip -n snb$$ addr add "$IPB/24" dev eth0
wait_until 30 "[ \"\$(get sna$$ http://10.200.0.1:$P/sanboot.ipxe)\" = 200 ]"
expect_eq "node a, from its address, gets its script" 200 "$(get sna$$ "http://10.200.0.1:$P/sanboot.ipxe")"
TA=$(api GET "/v1/nodes/na/volume/targets?detail=True" | jq -r '.targets[0].properties.target_iqn')
ok "... which sanboots its volume" grep -qx "sanboot --drive 0x80 iscsi:10.200.0.250::3260:1:$TA || goto failed" "$T/get.body"
ok "... as its connector's IQN" grep -qx "set initiator-iqn $IQN_A" "$T/get.body"
SA=$(sed -n 's/^set password //p' "$T/get.body")
ok "... with its CHAP secret" test ${#SA} -ge 12

# The tenant's other hosts, with or without node a's MAC.
ip -n snx$$ addr add 10.200.0.140/24 dev eth0
S=http://10.200.0.1:$P/sanboot.ipxe
expect_eq "another host of tenant a: 404" 404 "$(get snx$$ "$S")"
expect_eq "... naming node a in the query: 404" 404 "$(get snx$$ "$S?mac=$(mac_of sna$$)")"
expect_eq "... with X-Forwarded-For node a's address: 404" 404 "$(get snx$$ "$S" -H "X-Forwarded-For: $IPA")"
ip -n snx$$ link set eth0 down
ip -n snx$$ link set eth0 address "$(mac_of sna$$)"
ip -n snx$$ link set eth0 up
expect_eq "node a's MAC on another address: 404" 404 "$(get snx$$ "$S")"
ok "no 404 body holds a secret" bash -c "! grep -q 'password\|$SA' '$T/get.body'"
# Nothing else on that listener, even for node a itself.
for p in v1 v1/nodes v1/volume/targets boot.ipxe "ipxe/$(mac_of sna$$ | tr : -)" \
	"v1/lookup?addresses=$(mac_of sna$$)" console/ sanboot.ipxe/x; do
	expect_eq "tenant listener: /$p is not served" 404 "$(get sna$$ "http://10.200.0.1:$P/$p")"
done
expect_eq "tenant listener: POST /sanboot.ipxe is refused" 405 "$(get sna$$ "$S" -X POST -d x)"
# The other tenant, and the other networks.
expect_eq "node b gets its own script on tb's listener" 200 "$(get snb$$ "http://10.30.0.1:$P/sanboot.ipxe")"
ok "... not node a's target or secret" bash -c "! grep -q '$TA\|$SA' '$T/get.body'"
ip -n snb$$ addr add 10.200.0.141/24 dev eth0
expect_eq "tenant b, even with an address in a's subnet, cannot reach ta's listener" 000 "$(get snb$$ "$S")"
ip -n snp$$ addr add 10.100.0.150/24 dev eth0
wait_until 30 "[ \"\$(get snp$$ http://10.100.0.1:$P/boot.ipxe)\" = 200 ]"
expect_eq "provisioning listener: node a's per-MAC script is answered" 200 \
	"$(get snp$$ "http://10.100.0.1:$P/ipxe/$(mac_of sna$$ | tr : -)")"
ok "... without sanboot or secret" bash -c "! grep -q 'sanboot\|password\|$SA' '$T/get.body'"
expect_eq "provisioning listener: no /sanboot.ipxe" 404 "$(get snp$$ "http://10.100.0.1:$P/sanboot.ipxe")"
expect_eq "the API listener: no /sanboot.ipxe" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$INGOT_URL/sanboot.ipxe")"
ok "the secret is not in ingotd's log" bash -c "! grep -qF -- '$SA' '$T/ingotd.log'"

# A data volume attached to the running node: its OS reads the connection
# from GET /volumes on the same listener, under the same rule.
api POST /v1/volumes '{"name":"vh","size":1,"project":"a"}' >/dev/null
api POST /v1/volume/targets '{"node_uuid":"na","volume_type":"iscsi","boot_index":1,"volume_id":"vh"}' >/dev/null
expect_eq "a data volume attached to active node a" 201 "$STATUS"
HIQN=$(jq -r .properties.target_iqn "$T/api.body")
V=http://10.200.0.1:$P/volumes
expect_eq "node a reads its volumes" 200 "$(get sna$$ "$V")"
expect_eq "... a line per attached volume" 2 "$(wc -l <"$T/get.body")"
LINE=$(grep " $HIQN " "$T/get.body")
read -r HBI HPORTAL HTIQN HLUN HU HS <<<"$LINE"
expect_eq "... the new one's boot index, portal and LUN" "1 10.200.0.250:3260 1" "$HBI $HPORTAL $HLUN"
url() { echo "iscsi://$1%$2@127.0.0.1:$TP/$HIQN/1"; }
ok "node a's IQN and that CHAP account read the volume" iscsi-readcapacity16 -i "$IQN_A" "$(url "$HU" "$HS")"
ok "node b's IQN with the same account is refused" bash -c "! iscsi-readcapacity16 -i $IQN_B '$(url "$HU" "$HS")'"
expect_eq "another host of tenant a: no volumes (404)" 404 "$(get snx$$ "$V")"
ok "... and no secret" bash -c "! grep -q '$HS' '$T/get.body'"
expect_eq "node b reads only its own" 200 "$(get snb$$ "http://10.30.0.1:$P/volumes")"
ok "... not node a's" bash -c "[ \"\$(wc -l <'$T/get.body')\" = 1 ] && ! grep -q '$HIQN\|$HS' '$T/get.body'"
expect_eq "the provisioning listener has no /volumes" 404 "$(get snp$$ "http://10.100.0.1:$P/volumes")"
api DELETE "/v1/volume/targets/$(api GET /v1/nodes/na/volume/targets | jq -r '.targets[] | select(.boot_index == 1) | .uuid')" >/dev/null
expect_eq "the data volume removed from the running node" 204 "$STATUS"
ok "... its account no longer logs in" bash -c "! iscsi-readcapacity16 -i $IQN_A '$(url "$HU" "$HS")'"
get sna$$ "$V" >/dev/null
ok "... and node a's /volumes no longer lists it" bash -c "! grep -q '$HIQN' '$T/get.body'"

# Undeployed: no script, even from the node's address.
"$INGOT" node undeploy na --wait 60 >/dev/null 2>&1
wait_until 60 "[ \"\$(\"$INGOT\" -f json node show na | jq -r .provision_state)\" = available ]"
expect_eq "undeployed node a, from its address: 404" 404 "$(get sna$$ "$S")"
finish
