#!/usr/bin/env bash
# Adversarial: JSON Patch.  Every operation's path *and* from pass the same
# field rules; secrets are read through from/test by the system admin only;
# patches are bounded in operations and in the size of what they leave.
# (issue #11 items 2, 3, 6; secrets masking)
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"
adv_start || exit 1

# stored NODE JQ: the node as the system admin reads it, through jq
stored() {
	as sysadmin GET "/v1/nodes/$1" >/dev/null
	jq -r "$2" "$T/as.body"
}
# no_secret_in_body: the last answer carries no password of any fixture
no_secret_in_body() { ! grep -q 'sekrit' "$T/as.body"; }

# user|method|path|body|status
adv_rows <<'ROWS'
# item 2: secrets through from (lessee b on nl; system member on nu)
bmember|PATCH|/v1/nodes/nl|[{"op":"copy","from":"/driver_info","path":"/extra/x"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"copy","from":"/driver_info/ipmi_password","path":"/extra/x"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"copy","from":"/driver_info/ipmi_password","path":"/instance_info/x"}]|403
amember|PATCH|/v1/nodes/na|[{"op":"copy","from":"/driver_info","path":"/instance_info/x"}]|403
sysmember|PATCH|/v1/nodes/nu|[{"op":"copy","from":"/driver_info","path":"/extra/x"}]|403
sysmember|PATCH|/v1/nodes/nu|[{"op":"copy","from":"/driver_info/ipmi_password","path":"/extra/x"}]|403
sysmember|PATCH|/v1/nodes/nu|[{"op":"move","from":"/driver_info/ipmi_password","path":"/extra/x"}]|403
sysmember|PATCH|/v1/nodes/nu|[{"op":"copy","from":"/driver_info/ipmi_password","path":"/driver_info/plain"}]|403
sysmember|PATCH|/v1/nodes/nu|[{"op":"move","from":"/driver_info","path":"/extra/x"}]|403
sysmember|PATCH|/v1/nodes/nu|[{"op":"add","path":"/driver_info/n","value":{}},{"op":"copy","from":"/driver_info","path":"/driver_info/n/all"}]|403
# test is an oracle for what it compares
sysmember|PATCH|/v1/nodes/nu|[{"op":"test","path":"/driver_info/ipmi_password","value":"sekrit-nu"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"test","path":"/driver_info/ipmi_address","value":"192.0.2.9"}]|403
# what stays allowed
sysmember|PATCH|/v1/nodes/nu|[{"op":"copy","from":"/driver_info/ipmi_address","path":"/extra/bmc"}]|200
sysadmin|PATCH|/v1/nodes/nu|[{"op":"copy","from":"/driver_info/ipmi_password","path":"/driver_info/ipmi_password_old"}]|200
amember|PATCH|/v1/nodes/na|[{"op":"add","path":"/instance_info/a","value":"1"},{"op":"copy","from":"/instance_info/a","path":"/extra/a"}]|200
bmember|PATCH|/v1/nodes/nl|[{"op":"copy","from":"/extra","path":"/instance_info/e"}]|200
# item 3: move (and copy) from fields the caller may not change
bmember|PATCH|/v1/nodes/nl|[{"op":"move","from":"/owner","path":"/extra/o"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"move","from":"/driver_info","path":"/extra/d"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"move","from":"/properties","path":"/extra/p"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"move","from":"/name","path":"/extra/n"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"move","from":"/resource_class","path":"/extra/r"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"move","from":"/automated_clean","path":"/extra/c"}]|403
bmember|PATCH|/v1/nodes/nl|[{"op":"move","from":"/lessee","path":"/extra/l"}]|403
amember|PATCH|/v1/nodes/na|[{"op":"move","from":"/owner","path":"/extra/o"}]|403
sysmember|PATCH|/v1/nodes/nu|[{"op":"move","from":"/driver","path":"/extra/d"}]|400
amember|PATCH|/v1/nodes/na|[{"op":"copy","from":"/extra","path":"/owner"}]|403
amember|PATCH|/v1/nodes/na|[{"op":"move","from":"/provision_state","path":"/extra/s"}]|400
amember|PATCH|/v1/nodes/na|[{"op":"copy","from":"/agent_secret_token","path":"/extra/s"}]|400
# the owner still sees its node after the refused moves
amember|GET|/v1/nodes/nl||200
bmember|GET|/v1/nodes/nl||200
# malformed from
amember|PATCH|/v1/nodes/na|[{"op":"copy","path":"/extra/x"}]|400
amember|PATCH|/v1/nodes/na|[{"op":"copy","from":"extra","path":"/extra/x"}]|400
amember|PATCH|/v1/nodes/na|[{"op":"copy","from":5,"path":"/extra/x"}]|400
ROWS

expect_eq "refused patches stored nothing (nl extra)" '{"e":null}' \
	"$(stored nl '.extra | {e: .x}' | jq -c .)"
expect_eq "nl still owned by a, leased to b, named nl" "a b nl" \
	"$(stored nl '"\(.owner) \(.lessee) \(.name)"')"
expect_eq "nu's password still where it was" "sekrit-nu" \
	"$(db "SELECT $(db_json driver_info ipmi_password) FROM nodes WHERE name = 'nu'")"
expect_eq "nu's extra holds no secret" "false" \
	"$(db "SELECT extra FROM nodes WHERE name = 'nu'" | grep -q sekrit && echo true || echo false)"
as bmember PATCH /v1/nodes/nl '[{"op":"copy","from":"/driver_info","path":"/extra/x"}]' >/dev/null
ok "a refused copy does not echo the secret" no_secret_in_body

# Masking is case-insensitive and recursive (Ironic lower-cases and recurses).
as sysadmin PATCH /v1/nodes/nu '[{"op":"add","path":"/driver_info/IPMI_PASSWORD","value":"sekrit-upper"},
	{"op":"add","path":"/driver_info/redfish","value":{"Password":"sekrit-nested","user":"u"}},
	{"op":"add","path":"/driver_info/list","value":[{"auth_token":"sekrit-list"}]},
	{"op":"add","path":"/instance_info/image_source","value":"http://127.0.0.1/i"},
	{"op":"add","path":"/instance_info/deploy","value":{"RESCUE_PASSWORD":"sekrit-ii"}}]' >/dev/null
for who in sysmember sysreader sysadmin; do
	as "$who" GET /v1/nodes/nu >/dev/null
	ok "$who: GET node shows no secret (any case, any depth)" no_secret_in_body
	as "$who" GET '/v1/nodes/detail' >/dev/null
	ok "$who: GET nodes/detail shows no secret" no_secret_in_body
	as "$who" GET '/v1/nodes?fields=driver_info,instance_info' >/dev/null
	ok "$who: GET nodes?fields= shows no secret" no_secret_in_body
done
as sysadmin GET /v1/nodes/nu >/dev/null
expect_eq "masked values read ****** (node)" '"******" "******" "******" "******"' \
	"$(jq -c '.driver_info.IPMI_PASSWORD, .driver_info.redfish.Password, .driver_info.list[0].auth_token, .instance_info.deploy.RESCUE_PASSWORD' "$T/as.body" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "a secret copied by the system admin is masked too" '"******"' \
	"$(jq -c .driver_info.ipmi_password_old "$T/as.body")"

# Item 6: amplification.  21 copies of /extra into itself would make
# 2^21 copies; the patched document is bounded and nothing is stored.
big='['
for i in $(seq 1 21); do big+="{\"op\":\"copy\",\"from\":\"/extra\",\"path\":\"/extra/c$i\"},"; done
big="${big%,}]"
expect_eq "21 self-copies of /extra: 413" 413 "$(as sysadmin PATCH /v1/nodes/na "$big")"
expect_eq "same as a project member: 413" 413 "$(as amember PATCH /v1/nodes/na "$big")"
expect_eq "nothing of it stored" "null" "$(stored na '.extra.c1')"
ops='['
for i in $(seq 1 65); do ops+="{\"op\":\"add\",\"path\":\"/extra/k$i\",\"value\":$i},"; done
ops="${ops%,}]"
expect_eq "65 operations: 400" 400 "$(as sysadmin PATCH /v1/nodes/na "$ops")"
expect_eq "the error says the limit" "true" \
	"$(jq -r '.error_message' "$T/as.body" | grep -q 'at most 64' && echo true || echo false)"
ok "ingotd is alive and answers" curl -fsS "$INGOT_URL/"
expect_eq "database stays small (< 5 MB)" true \
	"$([ "$(db_bytes)" -lt 5000000 ] && echo true || echo false)"
# (the old code grew to 2.3 GB; AddressSanitizer's quarantine alone keeps
# up to 256 MB of freed memory)
rss_bound=200000
ldd "$INGOTD" | grep -q libasan && rss_bound=600000
expect_eq "ingotd's memory stays small (RSS < $((rss_bound / 1000)) MB)" true \
	"$([ "$(awk '/VmRSS/ {print $2}' /proc/$INGOTD_PID/status)" -lt $rss_bound ] && echo true || echo false)"
# Port and network patches take the same path (api_patch): bounded too.
expect_eq "network: 21 self-copies: 413" 413 \
	"$(as sysadmin PATCH /v1/networks/ta "${big}")"
finish
