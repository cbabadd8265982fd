#!/usr/bin/env bash
# [auth] http_basic and the policy, table-driven: every row is a user, a
# request and the status it must get; a few rows also check what comes
# back (what a project may see).  Users: system admin / member / reader,
# project a admin / member / reader, project b member.
source "$(dirname "$0")/../lib/lib.sh"

hash() { python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' "$1"; }
: >"$T/htpasswd"
for u in admin sysmember sysreader aadmin amember areader bmember; do
	echo "$u:$(hash "pw-$u")" >>"$T/htpasswd"
done
# htpasswd -B writes $2y$; accept it too
sed -i 's/^areader:\$2b\$/areader:$2y$/' "$T/htpasswd"
cat >"$T/roles" <<ROLES
# user project role
admin     system admin
sysmember system member
sysreader system reader
aadmin    a admin
amember   a member,reader
areader   a reader
bmember   b member
ROLES
cat >"$T/ingotd.conf" <<CONF
[auth]
strategy = http_basic
htpasswd_file = $T/htpasswd
roles_file = $T/roles
[network]
tenant_vlan_ranges = 500:599
CONF
ingot_start --config "$T/ingotd.conf" || exit 1

# as USER METHOD PATH [BODY]: body to $T/as.body, status printed
as() {
	local u=$1 m=$2 p=$3 b=${4:-}
	local args=(-s -o "$T/as.body" -w '%{http_code}' -X "$m"
		-H 'X-OpenStack-Ironic-API-Version: latest')
	[ "$u" != - ] && args+=(-u "$u:pw-$u")
	[ -n "$b" ] && args+=(-H 'Content-Type: application/json' --data-binary "$b")
	curl "${args[@]}" "$INGOT_URL$p"
}

# Fixtures, as the system admin.
for n in na:a: nb:b: nl:b:a nx::; do
	IFS=: read -r name owner lessee <<<"$n"
	body="{\"name\":\"$name\",\"driver\":\"fake-hardware\",\"driver_info\":{\"ipmi_address\":\"192.0.2.9\",\"ipmi_password\":\"sekrit-$name\"}"
	[ -n "$owner" ] && body+=",\"owner\":\"$owner\""
	[ -n "$lessee" ] && body+=",\"lessee\":\"$lessee\""
	expect_eq "fixture node $name" 201 "$(as admin POST /v1/nodes "$body}")"
done
as admin POST /v1/ports '{"node_uuid":"na","address":"52:54:00:00:aa:01"}' >/dev/null
as admin POST /v1/networks '{"name":"ta","vlan_id":200,"cidr":"10.200.0.0/24","project":"a"}' >/dev/null
as admin POST /v1/networks '{"name":"tb","vlan_id":300,"cidr":"10.30.0.0/24","project":"b"}' >/dev/null
as admin POST /v1/networks '{"name":"sh","vlan_id":400,"cidr":"10.40.0.0/24","project":"b","shared":true}' >/dev/null
expect_eq "fixture networks" 201 \
	"$(as admin POST /v1/networks '{"name":"prov","vlan_id":100,"cidr":"10.100.0.0/24","purpose":"provisioning"}')"

# user method path body expected-status  (one per line; | separates)
rows() { cat <<'ROWS'
-|GET|/||200
-|GET|/v1||200
-|GET|/v1/nodes||401
-|GET|/v1/nodes/na||401
-|POST|/v1/nodes|{"driver":"fake-hardware"}|401
-|GET|/v1/lookup?addresses=52:54:00:00:aa:01||404
admin|GET|/v1/nodes||200
admin|GET|/v1/ports||200
admin|GET|/v1/switches||200
admin|PATCH|/v1/nodes/nx|[{"op":"add","path":"/extra/k","value":1}]|200
admin|PUT|/v1/nodes/nx/states/power|{"target":"power on"}|202
sysreader|GET|/v1/nodes/na||200
sysreader|GET|/v1/nodes/detail||200
sysreader|GET|/v1/ports||200
sysreader|POST|/v1/nodes|{"driver":"fake-hardware"}|403
sysreader|PATCH|/v1/nodes/na|[{"op":"add","path":"/extra/k","value":1}]|403
sysreader|PUT|/v1/nodes/na/states/power|{"target":"power on"}|403
sysreader|DELETE|/v1/nodes/nx||403
sysmember|PATCH|/v1/nodes/na|[{"op":"add","path":"/extra/k","value":2}]|200
sysmember|PUT|/v1/nodes/nx/states/power|{"target":"power off"}|202
sysmember|POST|/v1/nodes|{"driver":"fake-hardware"}|403
sysmember|POST|/v1/ports|{"node_uuid":"nx","address":"52:54:00:00:aa:09"}|403
sysmember|DELETE|/v1/nodes/nx||403
amember|GET|/v1/nodes/na||200
amember|GET|/v1/nodes/nl||200
amember|GET|/v1/nodes/nb||404
amember|GET|/v1/nodes/nx||404
amember|GET|/v1/nodes/nb/history||404
amember|GET|/v1/nodes/na/history||200
amember|GET|/v1/nodes/na/states||200
amember|GET|/v1/nodes/na/ports||200
amember|GET|/v1/nodes/nl/ports||403
amember|PATCH|/v1/nodes/na|[{"op":"add","path":"/instance_info/image_source","value":"http://x/i"}]|200
amember|PATCH|/v1/nodes/na|[{"op":"add","path":"/driver_info/ipmi_address","value":"1.2.3.4"}]|403
amember|PATCH|/v1/nodes/na|[{"op":"replace","path":"/owner","value":"b"}]|403
amember|PATCH|/v1/nodes/nl|[{"op":"add","path":"/instance_info/x","value":"y"}]|200
amember|PATCH|/v1/nodes/nl|[{"op":"add","path":"/description","value":"mine"}]|403
amember|PUT|/v1/nodes/nl/states/power|{"target":"power on"}|202
amember|PUT|/v1/nodes/nb/states/power|{"target":"power on"}|404
amember|PUT|/v1/nodes/na/maintenance|{"reason":"r"}|202
amember|PUT|/v1/nodes/nl/maintenance|{"reason":"r"}|403
amember|DELETE|/v1/nodes/na||403
amember|POST|/v1/nodes|{"driver":"fake-hardware","owner":"a"}|403
amember|GET|/v1/ports||403
amember|GET|/v1/ports/detail||403
amember|GET|/v1/portgroups||403
amember|GET|/v1/switches||403
amember|GET|/v1/conductors||403
amember|GET|/v1/drivers||200
amember|GET|/v1/deploy_templates||403
amember|POST|/v1/deploy_templates|{"name":"CUSTOM_X","steps":[{"interface":"bios","step":"factory_reset","priority":150,"args":{}}]}|403
sysmember|POST|/v1/deploy_templates|{"name":"CUSTOM_X","steps":[{"interface":"bios","step":"factory_reset","priority":150,"args":{}}]}|403
sysreader|GET|/v1/deploy_templates||200
admin|POST|/v1/deploy_templates|{"name":"CUSTOM_X","steps":[{"interface":"bios","step":"factory_reset","priority":150,"args":{}}]}|201
sysreader|PATCH|/v1/deploy_templates/CUSTOM_X|[{"op":"add","path":"/extra/k","value":1}]|403
amember|DELETE|/v1/deploy_templates/CUSTOM_X||403
amember|GET|/v1/networks/ta||200
amember|GET|/v1/networks/sh||200
amember|GET|/v1/networks/tb||404
amember|GET|/v1/networks/prov||404
amember|PATCH|/v1/networks/sh|[{"op":"add","path":"/dns_servers","value":["10.0.0.1"]}]|403
amember|DELETE|/v1/networks/tb||404
amember|POST|/v1/networks|{"name":"tx","vlan_id":500,"cidr":"10.50.0.0/24","project":"b"}|403
amember|POST|/v1/networks|{"name":"px","vlan_id":501,"cidr":"10.51.0.0/24","purpose":"cleaning"}|403
amember|POST|/v1/networks|{"name":"ta2","vlan_id":502,"cidr":"10.52.0.0/24"}|201
amember|POST|/v1/nodes/na/vifs|{"id":"ta"}|204
amember|POST|/v1/nodes/nb/vifs|{"id":"ta"}|404
amember|DELETE|/v1/nodes/na/vifs/ta||204
areader|GET|/v1/nodes/na||200
areader|PATCH|/v1/nodes/na|[{"op":"add","path":"/instance_info/k","value":"v"}]|403
areader|PUT|/v1/nodes/na/states/power|{"target":"power off"}|403
areader|POST|/v1/networks|{"name":"ta3","vlan_id":503,"cidr":"10.53.0.0/24"}|403
aadmin|DELETE|/v1/nodes/na||403
aadmin|GET|/v1/nodes/na/management/boot_device||200
bmember|GET|/v1/nodes/na||404
bmember|GET|/v1/nodes/nb||200
bmember|GET|/v1/nodes/nl||200
bmember|PATCH|/v1/nodes/nl|[{"op":"add","path":"/description","value":"owner's"}]|200
ROWS
}
while IFS='|' read -r u m p b want; do
	expect_eq "$u $m $p${b:+ $b}" "$want" "$(as "$u" "$m" "$p" "$b")"
done < <(rows)

# What a project sees.
as amember GET /v1/nodes >/dev/null
expect_eq "project a lists the nodes it owns or leases" "na nl" \
	"$(jq -r '[.nodes[].name] | sort | join(" ")' "$T/as.body")"
as amember GET '/v1/nodes/detail' >/dev/null
expect_eq "project a's detail list has no driver_info contents" "{}" \
	"$(jq -c '[.nodes[].driver_info] | unique | .[0]' "$T/as.body")"
as amember GET /v1/nodes/na >/dev/null
expect_eq "project a's node shows no driver_info" "{}" "$(jq -c .driver_info "$T/as.body")"
for p in /v1/nodes /v1/nodes/detail /v1/nodes/na /v1/nodes/nl /v1/nodes/na/history; do
	curl -s -u amember:pw-amember -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL$p"
done >"$T/a-reads.json"
ok "project a read something" test -s "$T/a-reads.json"
ok "no BMC address or password in anything project a reads" bash -c \
	"! grep -Eq '192\.0\.2\.9|sekrit' '$T/a-reads.json'"
as amember GET /v1/networks >/dev/null
expect_eq "project a lists its networks and the shared one" "sh ta ta2" \
	"$(jq -r '[.networks[].name] | sort | join(" ")' "$T/as.body")"
as admin GET /v1/networks/ta2 >/dev/null
expect_eq "a project's new network belongs to it" a "$(jq -r .project "$T/as.body")"
as bmember GET /v1/nodes >/dev/null
expect_eq "project b lists its own and the one it leases out" "nb nl" \
	"$(jq -r '[.nodes[].name] | sort | join(" ")' "$T/as.body")"
as admin GET /v1/nodes >/dev/null
expect_eq "the system admin sees every node" 4 "$(jq '.nodes | length' "$T/as.body")"
as sysreader GET /v1/nodes/na >/dev/null
expect_eq "the system reader sees driver_info, password masked" "192.0.2.9 ******" \
	"$(jq -r '.driver_info | "\(.ipmi_address) \(.ipmi_password)"' "$T/as.body")"
code=$(curl -s -o /dev/null -w '%{http_code}' -u amember:wrong "$INGOT_URL/v1/nodes")
expect_eq "wrong password: 401" 401 "$code"
ok "401 asks for Basic credentials" bash -c \
	"curl -s -D - -o /dev/null '$INGOT_URL/v1/nodes' | grep -qi '^WWW-Authenticate: Basic'"
as - GET /v1/nodes >/dev/null
expect_eq "401 has Ironic's error body" "The request you have made requires authentication." \
	"$(jq -r '.error_message | fromjson | .faultstring' "$T/as.body")"
ok "no password in ingotd's log" bash -c "! grep -Eq 'pw-|sekrit' '$T/ingotd.log'"
ingot_stop

# Start-up refusals.
out=$("$INGOTD" --listen 0.0.0.0:1 --db "$T/x.db" 2>&1); rc=$?
expect_eq "noauth off loopback: refused" 1 "$([ $rc -ne 0 ] && echo 1)"
ok "noauth off loopback: says why" grep -q "noauth is refused" <<<"$out"
printf 'bob:plain\n' >"$T/bad.htpasswd"
printf '[auth]\nstrategy = http_basic\nhtpasswd_file = %s\nroles_file = %s\n' "$T/bad.htpasswd" "$T/roles" >"$T/bad.conf"
out=$("$INGOTD" --config "$T/bad.conf" --listen 127.0.0.1:1 --db "$T/x.db" 2>&1); rc=$?
expect_eq "a non-bcrypt htpasswd line: refused" 1 "$([ $rc -ne 0 ] && echo 1)"
ok "and the line is named" grep -q "bad.htpasswd:1" <<<"$out"
printf '[auth]\nstrategy = keystone\n' >"$T/ks.conf"
out=$("$INGOTD" --config "$T/ks.conf" --listen 127.0.0.1:1 --db "$T/x.db" 2>&1); rc=$?
expect_eq "an unknown strategy: refused" 1 "$([ $rc -ne 0 ] && echo 1)"
finish
