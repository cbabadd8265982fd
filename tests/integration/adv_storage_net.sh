#!/usr/bin/env bash
# Adversarial: storage networks (purpose "storage", issue #14 item 5).
# Only the system admin creates them (any number: one per tenant keeps the
# tenants' storage VLANs apart); a project cannot create one, re-purpose
# its tenant network into one, see another project's, or put its node on
# another project's; the node's user (lessee, else owner) decides, as for
# tenant networks.  Nothing a refused request names is left behind.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/adv.sh"

vifs_of() {	# vifs_of NODE: its VIF ids, as the system admin
	as sysadmin GET "/v1/nodes/$1/vifs" >/dev/null && jq -r '[.vifs[].id] | sort | join(" ")' "$T/as.body"
}
net_uuid() { as sysadmin GET "/v1/networks/$1" >/dev/null && jq -r .uuid "$T/as.body"; }
net_names() {	# net_names QUERY: the names the system admin lists
	as sysadmin GET "/v1/networks?$1" >/dev/null && jq -r '[.networks[].name] | sort | join(" ")' "$T/as.body"
}

printf '[network]\ntenant_vlan_ranges = 1000:1009\n' >"$T/network.conf"
adv_start <"$T/network.conf" || exit 1
STA='{"name":"sta","vlan_id":250,"cidr":"10.250.0.0/24","purpose":"storage","project":"a"}'
STB='{"name":"stb","vlan_id":350,"cidr":"10.251.0.0/24","purpose":"storage","project":"b"}'
adv_rows <<ROWS
# who creates storage networks: the system admin only
amember|POST|/v1/networks|$STA|403
aadmin|POST|/v1/networks|$STA|403
aadmin|POST|/v1/networks|{"name":"st2","cidr":"10.252.0.0/24","purpose":"storage"}|403
sysmember|POST|/v1/networks|$STA|403
-|POST|/v1/networks|$STA|401
sysadmin|POST|/v1/networks|{"name":"stx","vlan_id":251,"purpose":"storagex"}|400
sysadmin|POST|/v1/networks|$STA|201
# several storage networks (not one per deployment like provisioning)
sysadmin|POST|/v1/networks|$STB|201
# not on a VLAN another network has
sysadmin|POST|/v1/networks|{"name":"sty","vlan_id":200,"purpose":"storage","project":"a"}|409
# a project cannot turn its tenant network into a storage network
aadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/purpose","value":"storage"}]|403|400
# nor see another project's
bmember|GET|/v1/networks/sta||404
amember|GET|/v1/networks/stb||404
# a node goes on its own project's storage network only
amember|POST|/v1/nodes/na/vifs|{"id":"stb"}|404
sysadmin|POST|/v1/nodes/na/vifs|{"id":"stb"}|403
# nl is a's, leased to b: b's networks only, and b does not see a's
bmember|POST|/v1/nodes/nl/vifs|{"id":"sta"}|404
aadmin|POST|/v1/nodes/nl/vifs|{"id":"sta"}|403
# nb is b's: a cannot touch it at all
amember|POST|/v1/nodes/nb/vifs|{"id":"sta"}|404|403
# allowed: its own
amember|POST|/v1/nodes/na/vifs|{"id":"sta"}|204
bmember|POST|/v1/nodes/nb/vifs|{"id":"stb"}|204
# b cannot detach a's storage network from a's node
bmember|DELETE|/v1/nodes/na/vifs/sta||404|403
ROWS
expect_eq "storage networks: sta and stb only" "sta stb" "$(net_names purpose=storage)"
expect_eq "na: its project's storage network only" "$(net_uuid sta)" "$(vifs_of na)"
expect_eq "nl: nothing" "" "$(vifs_of nl)"
expect_eq "nb: b's storage network only" "$(net_uuid stb)" "$(vifs_of nb)"
expect_eq "ta is still a tenant network" tenant \
	"$(as sysadmin GET /v1/networks/ta >/dev/null; jq -r .purpose "$T/as.body")"
finish
