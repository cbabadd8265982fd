#!/usr/bin/env bash
# Adversarial: networks and VIFs (issue #11 items 4, 5, 10 and the network
# oracles).  A project may not re-purpose, share, move or re-VLAN its
# network by PATCH (path or from); VIF attach needs a network the caller
# sees and that belongs to the node's user; a changed owner/lessee does not
# inherit networks; tenant VLANs come from [network] tenant_vlan_ranges, up
# to a quota; errors name no other project's network.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/adv.sh"

# The body of the last `as` names none of these.
body_lacks() {
	local what=$1 s; shift
	for s in "$@"; do
		if grep -qiF -- "$s" "$T/as.body"; then
			expect_eq "$what: body does not mention '$s'" "" "$(cat "$T/as.body")"
			return
		fi
	done
	expect_eq "$what: body names nothing of another project" ok ok
}
net_field() {	# net_field NETWORK JQ: as the system admin
	as sysadmin GET "/v1/networks/$1" >/dev/null && jq -cS "$2" "$T/as.body"
}
vif_count() {
	as sysadmin GET "/v1/nodes/$1/vifs" >/dev/null && jq '.vifs | length' "$T/as.body"
}

fails() { ! "$@"; }
log_clean() { ! grep -Eq 'pw-|[$]2b[$]' "$T/ingotd.log"; }

# (An ingotd without the options, i.e. before the fix, starts without them.)
if "$INGOTD" --print-example-config | grep -q tenant_vlan_ranges; then
	printf '[network]\ntenant_vlan_ranges = 1000:1009, 3000:3001\nmax_networks_per_project = 3\n'
fi >"$T/network.conf"
adv_start <"$T/network.conf" || exit 1
TB=$(net_field tb .uuid | tr -d '"')
TA=$(net_field ta .uuid | tr -d '"')

# --- 4. network PATCH: fields a project may change are a short list ---------
# Each refused PATCH must leave ta as it was; ta is put back after each one
# (so that on a build without the fix every row shows its own effect).
SEL='{purpose,shared,project,vlan_id,cidr,extra}'
TA_STATE=$(net_field ta "$SEL")
RESET='[{"op":"add","path":"/purpose","value":"tenant"},{"op":"add","path":"/shared","value":false},
{"op":"add","path":"/project","value":"a"},{"op":"add","path":"/vlan_id","value":200},
{"op":"add","path":"/cidr","value":"10.200.0.0/24"},{"op":"add","path":"/extra","value":{}}]'
while IFS='|' read -r u p; do
	case $u in ''|'#'*) continue ;; esac
	got=$(as "$u" PATCH /v1/networks/ta "$p")
	[ "$got" = 400 ] && got=403	# refused as malformed is refused too
	expect_eq "$u PATCH ta $p: refused" 403 "$got"
	expect_eq "  and ta unchanged" "$TA_STATE" "$(net_field ta "$SEL")"
	as sysadmin GET '/v1/networks?purpose=cleaning' >/dev/null
	expect_eq "  and still no cleaning network" "" "$(jq -r '[.networks[].name] | join(" ")' "$T/as.body")"
	as sysadmin PATCH /v1/networks/ta "$RESET" >/dev/null
done <<'ROWS'
# forbidden paths, member and admin of the owning project
amember|[{"op":"replace","path":"/purpose","value":"cleaning"}]
aadmin|[{"op":"replace","path":"/purpose","value":"cleaning"}]
amember|[{"op":"replace","path":"/shared","value":true}]
amember|[{"op":"replace","path":"/project","value":"c"}]
amember|[{"op":"remove","path":"/project"}]
amember|[{"op":"replace","path":"/vlan_id","value":1005}]
amember|[{"op":"replace","path":"/cidr","value":"10.201.0.0/24"}]
amember|[{"op":"add","path":"/extra/x","value":1},{"op":"replace","path":"/purpose","value":"cleaning"}]
# from: copy/move read (and move removes) the field named by from
amember|[{"op":"move","from":"/purpose","path":"/extra/p"}]
amember|[{"op":"move","from":"/project","path":"/extra/p"}]
amember|[{"op":"move","from":"/vlan_id","path":"/extra/v"}]
amember|[{"op":"move","from":"/shared","path":"/extra/s"}]
amember|[{"op":"copy","from":"/extra","path":"/purpose"}]
amember|[{"op":"add","path":"/extra/c","value":"cleaning"},{"op":"move","from":"/extra/c","path":"/purpose"}]
ROWS
# With no provisioning network, a project may not make one either.
as sysadmin DELETE /v1/networks/prov >/dev/null
expect_eq "aadmin PATCH ta purpose provisioning (none exists): refused" 403 \
	"$(as aadmin PATCH /v1/networks/ta '[{"op":"replace","path":"/purpose","value":"provisioning"}]')"
as sysadmin GET '/v1/networks?purpose=provisioning' >/dev/null
expect_eq "  and there is still no provisioning network" "" \
	"$(jq -r '[.networks[].name] | join(" ")' "$T/as.body")"
as sysadmin PATCH /v1/networks/ta "$RESET" >/dev/null
expect_eq "the system admin restores prov" 201 \
	"$(as sysadmin POST /v1/networks '{"name":"prov","vlan_id":100,"cidr":"10.100.0.0/24","purpose":"provisioning"}')"
adv_rows <<'ROWS'
# allowed: name, gateway, dhcp_range (in its CIDR), dns_servers, extra
amember|PATCH|/v1/networks/ta|[{"op":"replace","path":"/dns_servers","value":["10.0.0.1"]}]|200
amember|PATCH|/v1/networks/ta|[{"op":"add","path":"/extra/k","value":"v"},{"op":"copy","from":"/extra/k","path":"/extra/j"}]|200
# reading what the project is shown is no harm; removing it is a change
amember|PATCH|/v1/networks/ta|[{"op":"copy","from":"/vlan_id","path":"/extra/v"},{"op":"remove","path":"/extra/v"}]|200
amember|PATCH|/v1/networks/ta|[{"op":"copy","from":"","path":"/extra/all"}]|400
amember|PATCH|/v1/networks/ta|[{"op":"add","path":"/dhcp_range","value":"10.200.0.10,10.200.0.20"}]|200
amember|PATCH|/v1/networks/ta|[{"op":"add","path":"/dhcp_range","value":"10.30.0.10,10.30.0.20"}]|400
amember|PATCH|/v1/networks/ta|[{"op":"add","path":"/gateway","value":"10.200.0.1"}]|200
# extra.dhcp_server_ip becomes the DHCP server's address: checked
amember|PATCH|/v1/networks/ta|[{"op":"add","path":"/extra/dhcp_server_ip","value":"10.200.0.5\nconf-file=/etc/shadow"}]|400
amember|PATCH|/v1/networks/ta|[{"op":"add","path":"/extra/dhcp_server_ip","value":"192.0.2.1"}]|400
amember|POST|/v1/networks|{"name":"asip","cidr":"10.62.0.0/24","extra":{"dhcp_server_ip":"-force"}}|400
amember|PATCH|/v1/networks/ta|[{"op":"add","path":"/extra/dhcp_server_ip","value":"10.200.0.5"}]|200
amember|PATCH|/v1/networks/ta|[{"op":"remove","path":"/extra/dhcp_server_ip"}]|200
# another project's networks
amember|PATCH|/v1/networks/tb|[{"op":"replace","path":"/name","value":"x"}]|404
amember|PATCH|/v1/networks/sh|[{"op":"replace","path":"/name","value":"x"}]|403
# the system admin: anything, validated as on create
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/vlan_id","value":300}]|409
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/purpose","value":"provisioning"}]|409
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/vlan_id","value":5000}]|400
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/cidr","value":"10.200.0.1/24"}]|400
ROWS
expect_eq "ta unchanged where it matters (GET as the system admin)" \
	'{"cidr":"10.200.0.0/24","project":"a","purpose":"tenant","shared":false,"vlan_id":200}' \
	"$(net_field ta '{purpose,shared,project,vlan_id,cidr}')"
expect_eq "ta's allowed fields did change" \
	'{"dns_servers":["10.0.0.1"],"extra":{"j":"v","k":"v"},"gateway":"10.200.0.1"}' \
	"$(net_field ta '{dns_servers,extra,gateway}')"
as sysadmin GET '/v1/networks?purpose=cleaning' >/dev/null
expect_eq "still no cleaning network" "" "$(jq -r '[.networks[].name] | join(" ")' "$T/as.body")"
as sysadmin GET '/v1/networks?purpose=provisioning' >/dev/null
expect_eq "the provisioning network is still only prov" prov \
	"$(jq -r '[.networks[].name] | join(" ")' "$T/as.body")"
as amember PATCH /v1/networks/ta '[{"op":"replace","path":"/name","value":"tb"}]' >/dev/null
body_lacks "a's rename onto b's network name" "already exists" "$TB"

# --- 5. VIF attach: the caller sees the network, the node's user owns it ----
adv_rows <<ROWS
aadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/lessee","value":"b"}]|200
# a leases na to b, then attaches b's network: invisible to a, so 404
amember|POST|/v1/nodes/na/vifs|{"id":"tb"}|404
amember|POST|/v1/nodes/na/vifs|{"id":"$TB"}|404
# and a's own network is not the lessee's
amember|POST|/v1/nodes/na/vifs|{"id":"ta"}|403
aadmin|PATCH|/v1/nodes/na|[{"op":"remove","path":"/lessee"}]|200
ROWS
expect_eq "no VIF stored on na after the refusals" 0 "$(vif_count na)"
as amember POST /v1/nodes/na/vifs '{"id":"tb"}' >/dev/null
body_lacks "attach of b's network" "belongs" "project b" "$TB" "10.30.0" "300"
as amember POST /v1/nodes/na/vifs "{\"id\":\"$TB\"}" >/dev/null
body_lacks "attach of b's network by UUID" "belongs" '"tb"' "project b" "10.30.0" "300"

# A tenant network of no project is the system's.
expect_eq "system creates node nc for c" 201 \
	"$(as sysadmin POST /v1/nodes '{"name":"nc","driver":"fake-hardware","owner":"c"}')"
expect_eq "system creates ownerless tenant network nop" 201 \
	"$(as sysadmin POST /v1/networks '{"name":"nop","vlan_id":500,"cidr":"10.50.0.0/24"}')"
adv_rows <<'ROWS'
cmember|POST|/v1/nodes/nc/vifs|{"id":"nop"}|404
cadmin|POST|/v1/nodes/nc/vifs|{"id":"nop"}|404
cmember|POST|/v1/nodes/nc/vifs|{"id":"sh"}|204
sysadmin|POST|/v1/nodes/nc/vifs|{"id":"nop"}|204
amember|POST|/v1/nodes/na/vifs|{"id":"ta"}|204
# the lessee attaches its network to the node it leases
bmember|POST|/v1/nodes/nl/vifs|{"id":"tb"}|204
ROWS
expect_eq "nc: c's shared attach and the system's ownerless one" 2 "$(vif_count nc)"

# A new owner or lessee does not inherit the old one's networks.
adv_rows <<ROWS
aadmin|PATCH|/v1/nodes/nl|[{"op":"remove","path":"/lessee"}]|409
aadmin|PATCH|/v1/nodes/nl|[{"op":"replace","path":"/lessee","value":"c"}]|409
aadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/lessee","value":"b"}]|409
sysadmin|PATCH|/v1/nodes/nb|[{"op":"replace","path":"/owner","value":"a"}]|200
ROWS
expect_eq "nl is still leased to b" b "$(as sysadmin GET /v1/nodes/nl >/dev/null; jq -r .lessee "$T/as.body")"
expect_eq "na is not leased" null "$(as sysadmin GET /v1/nodes/na >/dev/null; jq -r .lessee "$T/as.body")"
# The owner may take its lessee's network off (by the UUID the VIF list gives).
expect_eq "owner lists nl's VIFs" "$TB" \
	"$(as amember GET /v1/nodes/nl/vifs >/dev/null; jq -r '.vifs[0].id' "$T/as.body")"
adv_rows <<ROWS
amember|DELETE|/v1/nodes/na/vifs/tb||404
amember|DELETE|/v1/nodes/nl/vifs/$TB||204
aadmin|PATCH|/v1/nodes/nl|[{"op":"remove","path":"/lessee"}]|200
ROWS
as amember DELETE /v1/nodes/na/vifs/tb >/dev/null
body_lacks "detach of b's network" "$TB" "300"

# Nodes on a network keep it where it is.
adv_rows <<'ROWS'
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/shared","value":true}]|409
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/project","value":"b"}]|409
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/vlan_id","value":201}]|409
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/purpose","value":"cleaning"}]|409
sysadmin|PATCH|/v1/networks/ta|[{"op":"replace","path":"/name","value":"ta-renamed"}]|200
sysadmin|PATCH|/v1/networks/ta-renamed|[{"op":"replace","path":"/name","value":"ta"}]|200
ROWS
expect_eq "ta still attached to na" "$TA" \
	"$(as sysadmin GET /v1/nodes/na/vifs >/dev/null; jq -r '.vifs[0].id' "$T/as.body")"

# --- 10. tenant VLANs from the operator's ranges, and a quota -------------
adv_rows <<'ROWS'
# b's VLAN and an infrastructure VLAN: outside the ranges
amember|POST|/v1/networks|{"name":"a300","vlan_id":300,"cidr":"10.60.0.0/24"}|400
amember|POST|/v1/networks|{"name":"a5","vlan_id":5,"cidr":"10.61.0.0/24"}|400
amember|POST|/v1/networks|{"name":"a4094","vlan_id":4094,"cidr":"10.62.0.0/24"}|400
amember|POST|/v1/networks|{"name":"astr","vlan_id":"1000","cidr":"10.62.0.0/24"}|400
amember|POST|/v1/networks|{"name":"ashared","cidr":"10.62.0.0/24","shared":true}|403
amember|POST|/v1/networks|{"name":"aclean","cidr":"10.62.0.0/24","purpose":"cleaning"}|403
# vlan_id omitted: the lowest free VLAN of the ranges
amember|POST|/v1/networks|{"name":"a1","cidr":"10.63.0.0/24"}|201
amember|POST|/v1/networks|{"name":"a2","vlan_id":3001,"cidr":"10.64.0.0/24"}|201
ROWS
expect_eq "a1 got the first VLAN of the range" '{"project":"a","purpose":"tenant","vlan_id":1000}' \
	"$(net_field a1 '{vlan_id,project,purpose}')"
as amember POST /v1/networks '{"name":"a300","vlan_id":300,"cidr":"10.60.0.0/24"}' >/dev/null
body_lacks "VLAN of b's network" "already used" "tb" "project b"
expect_eq "a's fourth network: quota (max_networks_per_project = 3)" 409 \
	"$(as amember POST /v1/networks '{"name":"a3","cidr":"10.65.0.0/24"}')"
ok "the quota error says so" grep -q 'Quota exceeded' "$T/as.body"
expect_eq "quota: no a3 stored" 404 "$(as sysadmin GET /v1/networks/a3)"
# another project's VLAN inside the range, and another project's name
expect_eq "b takes a's VLAN 1000: 409" 409 \
	"$(as bmember POST /v1/networks '{"name":"b1","vlan_id":1000,"cidr":"10.66.0.0/24"}')"
body_lacks "b on a's VLAN" "already used" "a1" "project a"
expect_eq "b takes a's name a1: 409" 409 \
	"$(as bmember POST /v1/networks '{"name":"a1","cidr":"10.66.0.0/24"}')"
body_lacks "b on a's name" "already exists" "1000"
adv_rows <<'ROWS'
bmember|POST|/v1/networks|{"name":"b1","cidr":"10.66.0.0/24"}|201
# b has tb, sh, b1: its quota is full, range or not
bmember|POST|/v1/networks|{"name":"b3","cidr":"10.68.0.0/24"}|409
# the system admin may use any VLAN (no quota, no range)
sysadmin|POST|/v1/networks|{"name":"infra","vlan_id":5,"cidr":"10.69.0.0/24"}|201
sysadmin|POST|/v1/networks|{"name":"s1","cidr":"10.70.0.0/24","project":"a"}|201
ROWS
expect_eq "b1 got the next free VLAN" 1001 "$(net_field b1 .vlan_id)"
# cmember fills the ranges: 1002..1009 and 3000 (a2 has 3001; s1 took 1002)
for i in 1 2 3; do as cmember POST /v1/networks "{\"name\":\"c$i\",\"cidr\":\"10.7$i.0.0/24\"}" >/dev/null; done
expect_eq "c's networks on free VLANs" "1003 1004 1005" \
	"$(as sysadmin GET '/v1/networks?project=c' >/dev/null; jq -r '[.networks[].vlan_id] | join(" ")' "$T/as.body")"
ok "no password or hash in the log" log_clean

# --- the safe default: no ranges, no project-created networks -------------
ingot_stop
db_reset
adv_start </dev/null || exit 1
expect_eq "no tenant_vlan_ranges: a project cannot create a network" 403 \
	"$(as amember POST /v1/networks '{"name":"a1","vlan_id":1000,"cidr":"10.63.0.0/24"}')"
ok "and is told why" grep -q 'no tenant VLAN range' "$T/as.body"
expect_eq "the system admin still can" 201 \
	"$(as sysadmin POST /v1/networks '{"name":"s1","vlan_id":1000,"cidr":"10.63.0.0/24"}')"
printf '[network]\ntenant_vlan_ranges = 20:10\n' >"$T/bad.conf"
ok "a bad range stops ingotd at start" fails "$INGOTD" --config "$T/bad.conf" --check-config
printf '[network]\ntenant_vlan_ranges = 100:4095\n' >"$T/bad.conf"
ok "a range past 4094 stops ingotd at start" fails "$INGOTD" --config "$T/bad.conf" --check-config
printf '[network]\ntenant_vlan_ranges = 100:199,300\n' >"$T/ok.conf"
ok "ranges and single VLANs parse" "$INGOTD" --config "$T/ok.conf" --check-config
finish
