#!/usr/bin/env bash
# Adversarial: uplinks and VM members (issue #16).  Uplinks are the system
# admin's; a project registers VMs only on its own networks and shared ones
# (404 for what it does not see, 403 for what its role or the project field
# forbid), sees and removes only its own members on another project's
# shared network, cannot pull the provisioning VLAN or another tenant's
# VLAN onto a hypervisor trunk, and what it controls (MAC, hypervisor,
# addresses, names, counts) is bounded and checked.  Real ovsdb-server and
# ovs-vswitchd hold the trunk; its VLANs are asserted after the attacks.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/adv.sh"
. "$(dirname "$0")/../lib/ovs.sh"
BR=iav$$
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
for p in hu1$$ hu2$$; do
	vsctl add-port "$BR" $p tag=4095 -- set interface $p type=internal
done
SWID=52:54:00:ff:00:03
adv_start <<CONF || exit 1
[network]
max_members_per_network = 3
[switch:tor1]
driver = ovsdb
address = $OVSDB
switch_id = $SWID
ports = hu1$$, hu2$$
timeout_ms = 1000
retries = 1
CONF
trunks() { vsctl get port "$1" trunks; }
members() {	# members USER NETWORK: the MACs the user is shown
	as "$1" GET "/v1/networks/$2/members" >/dev/null
	jq -r '[.members[].address] | sort | join(" ")' "$T/as.body"
}
body_lacks() {
	local what=$1 s; shift
	for s in "$@"; do
		if grep -qiF -- "$s" "$T/as.body"; then
			expect_eq "$what: body does not mention '$s'" "" "$(cat "$T/as.body")"
			return
		fi
	done
	expect_eq "$what: body names nothing it should not" ok ok
}
TA=$(as sysadmin GET /v1/networks/ta >/dev/null; jq -r .uuid "$T/as.body")
UP1="{\"name\":\"hv1-up\",\"hypervisor\":\"hv1\",\"local_link_connection\":{\"switch_id\":\"$SWID\",\"port_id\":\"hu1$$\"}}"

# --- uplinks are the system admin's ----------------------------------------
adv_rows <<ROWS
amember|GET|/v1/uplinks||403
aadmin|POST|/v1/uplinks|$UP1|403
sysreader|POST|/v1/uplinks|$UP1|403
sysmember|POST|/v1/uplinks|$UP1|403
-|GET|/v1/uplinks||401
sysreader|GET|/v1/uplinks||200
sysadmin|POST|/v1/uplinks|$UP1|201
aadmin|PATCH|/v1/uplinks/hv1-up|[{"op":"add","path":"/span","value":["prov"]}]|403
aadmin|DELETE|/v1/uplinks/hv1-up||403
# the system admin cannot put the provisioning network on it either (not configured)
sysadmin|PATCH|/v1/uplinks/hv1-up|[{"op":"add","path":"/span","value":["prov"]}]|400
sysadmin|PATCH|/v1/uplinks/hv1-up|[{"op":"add","path":"/internal_info/ingot_trunks","value":[100]}]|400
ROWS
expect_eq "hv1's uplink isolated after the attempts" "[]" "$(trunks hu1$$)"

# --- members: network rules ------------------------------------------------
M='"hypervisor":"hv1"'
adv_rows <<ROWS
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:01",$M}|201
# another project's network: not seen (by name or UUID), whatever the role
bmember|POST|/v1/networks/ta/members|{"address":"52:54:00:b0:00:01",$M}|404
badmin|POST|/v1/networks/$TA/members|{"address":"52:54:00:b0:00:01",$M}|404
bmember|GET|/v1/networks/ta/members||404
bmember|GET|/v1/networks/ta/members/52:54:00:a0:00:01||404
bmember|DELETE|/v1/networks/ta/members/52:54:00:a0:00:01||404
# the provisioning network and an ownerless (system) network: not seen
amember|POST|/v1/networks/prov/members|{"address":"52:54:00:a0:00:02",$M}|404
# a reader cannot register; a project cannot register for another
areader|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:03",$M}|403
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:03",$M,"project":"b"}|403
# the shared network sh (b's): others may join it
cmember|POST|/v1/networks/sh/members|{"address":"52:54:00:c0:00:01",$M,"ip_address":"10.40.0.9"}|201
amember|POST|/v1/networks/sh/members|{"address":"52:54:00:a0:00:04",$M}|201
# but not take c's member's address, nor remove or see c's member
amember|POST|/v1/networks/sh/members|{"address":"52:54:00:a0:00:05",$M,"ip_address":"10.40.0.9"}|409
amember|DELETE|/v1/networks/sh/members/52:54:00:c0:00:01||404
amember|GET|/v1/networks/sh/members/52:54:00:c0:00:01||404
# a member is found on its own network only
cmember|GET|/v1/networks/ta/members/52:54:00:a0:00:01||404
amember|GET|/v1/networks/ta/members/52:54:00:a0:00:04||404
# the VM platform as a system service registers for anyone
sysmember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:06",$M}|201
sysreader|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:07",$M}|403
ROWS
expect_eq "a sees its own member on sh only" "52:54:00:a0:00:04" "$(members amember sh)"
expect_eq "c sees its own member on sh only" "52:54:00:c0:00:01" "$(members cmember sh)"
expect_eq "b (sh's project) sees every member of sh" "52:54:00:a0:00:04 52:54:00:c0:00:01" \
	"$(members bmember sh)"
expect_eq "c's member belongs to c" c \
	"$(as sysadmin GET /v1/networks/sh/members/52:54:00:c0:00:01 >/dev/null; jq -r .project "$T/as.body")"
expect_eq "hv1's trunk: ta and sh, nothing else" "[200, 400]" "$(trunks hu1$$)"
expect_eq "hv2's uplink port untouched" "[]" "$(trunks hu2$$)"

# --- what a tenant controls: checked, bounded --------------------------------
LONG=$(printf 'h%.0s' $(seq 300))
adv_rows <<ROWS
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08\\nconf-file=/etc/shadow",$M}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08","hypervisor":"../hv1"}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08","hypervisor":"$LONG"}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08",$M,"ip_address":"10.200.0.5\\n"}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08",$M,"ip_address":"10.30.0.5"}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08",$M,"name":"$LONG$LONG"}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08",$M,"name":7}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08",$M,"uuid":"x"}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08",$M,"network_uuid":"$TA"}|400
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08",$M,"created_at":"x"}|400
# a hypervisor with no uplink: no trunk to pull anything onto
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08","hypervisor":"hv2"}|400
# quota: ta has 2 members, max_members_per_network = 3
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:08",$M}|201
amember|POST|/v1/networks/ta/members|{"address":"52:54:00:a0:00:09",$M}|409
ROWS
ok "the quota error says so" grep -q 'Quota exceeded' "$T/as.body"
as amember POST /v1/networks/ta/members "{\"address\":\"52:54:00:a0:00:0a\",\"hypervisor\":\"hv7\"}" >/dev/null
body_lacks "unknown hypervisor" "hu1$$" "$SWID" "tor1" "hv1-up"
expect_eq "ta has 3 members" 3 "$(as sysadmin GET /v1/networks/ta/members >/dev/null; jq '.members | length' "$T/as.body")"
# a project's network with VMs stays where it is; the error names no uplink
adv_rows <<'ROWS'
amember|DELETE|/v1/networks/ta||409
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/vlan_id","value":201}]|409
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/purpose","value":"cleaning"}]|409
ROWS
expect_eq "hv1's trunk still ta and sh" "[200, 400]" "$(trunks hu1$$)"
# a MAC is one port: a node port's MAC cannot become a VM's, nor the reverse
expect_eq "node port with a VM's MAC: 409" 409 \
	"$(as sysadmin POST /v1/ports '{"address":"52:54:00:a0:00:01","node_uuid":"nu"}')"
# members go; the owner of the network may remove its tenants' VMs
adv_rows <<'ROWS'
bmember|DELETE|/v1/networks/sh/members/52:54:00:a0:00:04||204
amember|DELETE|/v1/networks/sh/members/52:54:00:c0:00:01||404
cmember|DELETE|/v1/networks/sh/members/52:54:00:c0:00:01||204
ROWS
expect_eq "hv1's trunk: sh gone with its last member" "[200]" "$(trunks hu1$$)"
ok "no password or hash in the log" bash -c "! grep -Eq 'pw-|[\$]2b[\$]' '$T/ingotd.log'"
finish
