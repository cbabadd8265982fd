#!/usr/bin/env bash
# Adversarial: discovery (an unauthenticated caller on the provisioning
# network posts made-up inventories) and inspection rules (admin only;
# every malformed rule a 400 that stores nothing).  Discovery: a flood of
# inventories with random MACs creates at most [inspection] discovery_rate
# nodes a minute and none past discovery_max_enroll (503); an inventory
# naming any known MAC creates nothing (404); a node UUID in the query
# never enrols; a claimed BMC address another node has is not taken, nor
# one that is not a plain IPv4 address, a loopback, link-local, multicast
# or reserved one, or outside [inspection] discovery_bmc_networks.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"

CONF='[api]
ramdisk_endpoints = all
[conductor]
automated_clean = false
sync_power_state_interval = 0
[inspection]
discovery = true
discovery_driver = ipmi
discovery_rate = 5'

# body FILE MAC [jq filter]: a machine with one NIC
body() {
	jq -c "${3:-.}" >"$1" <<JSON
{"inventory": {"interfaces": [{"name": "eth0", "mac_address": "$2", "lldp": null}],
 "cpu": {"count": 2, "architecture": "x86_64"}, "memory": {"physical_mb": 1024},
 "disks": [{"name": "/dev/vda", "size": 10737418240}], "bmc_address": "0.0.0.0",
 "boot": {"current_boot_mode": "bios", "pxe_interface": "$2"}},
 "boot_interface": "$2", "error": null}
JSON
}
post() { as - POST "/v1/continue_inspection${2:-}" "" -H 'Content-Type: application/json' --data-binary "@$1"; }
nnodes() { as sysadmin GET '/v1/nodes?limit=1000' >/dev/null; jq '.nodes | length' "$T/as.body"; }
nrules() { as sysadmin GET /v1/inspection_rules >/dev/null; jq '.inspection_rules | length' "$T/as.body"; }
rmac() { printf '52:54:00:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)); }

adv_start <<<"$CONF" || { finish; exit 1; }
NA=$(node_uuid na)
MA=52:54:00:ad:00:01
as sysadmin POST /v1/ports "{\"node_uuid\":\"$NA\",\"address\":\"$MA\"}" >/dev/null

# --- inspection rules: who -----------------------------------------------------
RULE='{"actions":[{"op":"add-trait","args":["CUSTOM_X"]}]}'
adv_rows <<ROWS
-|GET|/v1/inspection_rules||401
-|POST|/v1/inspection_rules|$RULE|401
sysreader|GET|/v1/inspection_rules||403
sysmember|POST|/v1/inspection_rules|$RULE|403
aadmin|GET|/v1/inspection_rules||403
aadmin|POST|/v1/inspection_rules|$RULE|403
sysadmin|POST|/v1/inspection_rules|$RULE|201
ROWS
R=$(jq -r .uuid "$T/as.body")
adv_rows <<ROWS
sysreader|GET|/v1/inspection_rules/$R||403
amember|PATCH|/v1/inspection_rules/$R|[{"op":"replace","path":"/priority","value":1}]|403
aadmin|DELETE|/v1/inspection_rules/$R||403
sysadmin|GET|/v1/inspection_rules/$R||200
sysadmin|GET|/v1/inspection_rules/00000000-0000-0000-0000-000000000000||404
ROWS

# --- inspection rules: what (each a 400, nothing stored) ---------------------------
bad_rule() {	# bad_rule WHAT BODY
	expect_eq "rule: $1: 400" 400 "$(as sysadmin POST /v1/inspection_rules "$2")"
}
A='"actions":[{"op":"add-trait","args":["CUSTOM_X"]}]'
bad_rule "no actions" '{"conditions":[]}'
bad_rule "empty actions" '{"actions":[]}'
bad_rule "unknown condition" '{"conditions":[{"op":"exec","args":["x"]}],'"$A"'}'
bad_rule "unknown action" '{"actions":[{"op":"shell","args":["x"]}]}'
bad_rule "api-call (not offered: ingotd makes no requests for rules)" '{"actions":[{"op":"api-call","args":["http://169.254.169.254/"]}]}'
bad_rule "set-port-attribute (not offered)" '{"actions":[{"op":"set-port-attribute","args":["x","/extra/a",1]}]}'
bad_rule "unknown field" '{"scope":"x",'"$A"'}'
bad_rule "priority -1" '{"priority":-1,'"$A"'}'
bad_rule "priority 10000" '{"priority":10000,'"$A"'}'
bad_rule "priority a string" '{"priority":"5",'"$A"'}'
bad_rule "phase other than main" '{"phase":"early",'"$A"'}'
bad_rule "description over 255" "{\"description\":\"$(printf 'd%.0s' $(seq 256))\",$A}"
bad_rule "uuid not a UUID" '{"uuid":"../x",'"$A"'}'
bad_rule "sensitive a string" '{"sensitive":"yes",'"$A"'}'
for p in /driver /provision_state /instance_info/x /driver_internal_info/x /owner /properties \
    '/properties/a b' /extra/a/b/c/d/e/f/g/h/i /name; do
	bad_rule "set-attribute $p" '{"actions":[{"op":"set-attribute","args":["'"$p"'","v"]}]}'
done
bad_rule "regex that does not compile" '{"conditions":[{"op":"matches","args":["x","("]}],'"$A"'}'
bad_rule "regex with a back-reference" '{"conditions":[{"op":"contains","args":["x","(a*)*\\1"]}],'"$A"'}'
bad_rule "too few args" '{"conditions":[{"op":"in-net","args":["10.0.0.1"]}],'"$A"'}'
bad_rule "too many args" '{"conditions":[{"op":"is-true","args":["x","y"]}],'"$A"'}'
bad_rule "an unexpected arg" '{"conditions":[{"op":"is-true","args":{"value":1,"x":2}}],'"$A"'}'
bad_rule "args a string" '{"conditions":[{"op":"is-true","args":"x"}],'"$A"'}'
bad_rule "eq values not a list" '{"conditions":[{"op":"eq","args":{"values":1}}],'"$A"'}'
bad_rule "a loop (not offered)" '{"conditions":[{"op":"is-true","args":["x"],"loop":[1,2]}],'"$A"'}'
bad_rule "multiple of another kind" '{"conditions":[{"op":"is-true","args":["x"],"multiple":"some"}],'"$A"'}'
bad_rule "a trait in lower case" '{"actions":[{"op":"add-trait","args":["custom_x"]}]}'
bad_rule "a trait that is neither standard nor CUSTOM_" '{"actions":[{"op":"add-trait","args":["NOT_A_TRAIT_X"]}]}'
bad_rule "a log level" '{"actions":[{"op":"log","args":["hi","loud"]}]}'
bad_rule "a plugin data path" '{"actions":[{"op":"set-plugin-data","args":["a..b",1]}]}'
bad_rule "a capability name" '{"actions":[{"op":"set-capability","args":["a,b","c"]}]}'
bad_rule "65 conditions" "{\"conditions\":[$(for i in $(seq 65); do printf '{"op":"is-true","args":[1]},'; done | sed 's/,$//')],$A}"
bad_rule "a message over 1024" "{\"actions\":[{\"op\":\"fail\",\"args\":[\"$(printf 'm%.0s' $(seq 1025))\"]}]}"
expect_eq "none of them stored" 1 "$(nrules)"
expect_eq "PATCH to a bad rule: 400" 400 "$(as sysadmin PATCH "/v1/inspection_rules/$R" '[{"op":"replace","path":"/actions/0/op","value":"shell"}]')"
as sysadmin GET "/v1/inspection_rules/$R" >/dev/null
expect_eq "... the rule unchanged" add-trait "$(jq -r '.actions[0].op' "$T/as.body")"
as sysadmin DELETE "/v1/inspection_rules/$R" >/dev/null

# --- discovery: the boot script -----------------------------------------------------
as - GET "/ipxe/52-54-00-ad-00-77" >/dev/null
ok "an unknown MAC gets the discovery script" grep -q 'boot/discovery/kernel.*ipa-inspection-callback-url' "$T/as.body"
as - GET "/ipxe/${MA//:/-}" >/dev/null
ok "a known node's MAC does not" grep -q 'no deploy' "$T/as.body"
expect_eq "no [deploy] kernel configured: /boot/discovery/kernel 404" 404 "$(as - GET /boot/discovery/kernel)"
expect_eq "/boot/discovery/other: 404" 404 "$(as - GET /boot/discovery/..%2f..%2fetc%2fpasswd)"

# --- discovery: who may enrol what ------------------------------------------------
n0=$(nnodes)
body "$T/k.json" "$MA" '.inventory.interfaces += [{"name":"eth1","mac_address":"52:54:00:ad:00:55"}]'
expect_eq "a known MAC beside an unknown one: 404" 404 "$(post "$T/k.json")"
expect_eq "... no node created" "$n0" "$(nnodes)"
as sysadmin GET /v1/ports?address=52:54:00:ad:00:55 >/dev/null
expect_eq "... and no port for the unknown MAC" 0 "$(jq '.ports | length' "$T/as.body")"
body "$T/u.json" 52:54:00:ad:00:66
expect_eq "an unknown MAC naming a node's UUID: 404 (no enrolment)" 404 "$(post "$T/u.json" "?node_uuid=$NA")"
body "$T/big.json" 52:54:00:ad:00:67 '.inventory.interfaces *= 65 | .inventory.interfaces = [range(65) as $i | {name: "e\($i)", mac_address: ("52:54:00:ad:01:" + ("0\($i)" | .[-2:]))}]'
expect_eq "65 NICs: 400" 400 "$(post "$T/big.json")"
expect_eq "... no node created" "$n0" "$(nnodes)"

# A BMC address: taken when nobody has it, never another node's.
body "$T/b1.json" 52:54:00:ad:00:71 '.inventory.bmc_address = "192.0.2.77"'
expect_eq "a machine with its BMC address: 202" 202 "$(post "$T/b1.json")"
B1=$(jq -r .uuid "$T/as.body")
body "$T/b2.json" 52:54:00:ad:00:72 '.inventory.bmc_address = "192.0.2.9"'
expect_eq "a machine claiming another node's BMC: 202" 202 "$(post "$T/b2.json")"
B2=$(jq -r .uuid "$T/as.body")
wait_until 60 '[ "$(as sysadmin GET /v1/nodes/'"$B2"' >/dev/null; jq -r .reservation $T/as.body)" = null ]'
as sysadmin GET "/v1/nodes/$B1" >/dev/null
expect_eq "... its own BMC address is in driver_info" 192.0.2.77 "$(jq -r .driver_info.ipmi_address "$T/as.body")"
as sysadmin GET "/v1/nodes/$B2" >/dev/null
expect_eq "... another node's is not" null "$(jq -r .driver_info.ipmi_address "$T/as.body")"
expect_eq "a discovered node is in enroll, driver ipmi" "enroll ipmi" "$(jq -r '"\(.provision_state) \(.driver)"' "$T/as.body")"
as aadmin GET "/v1/nodes/$B2" >/dev/null
expect_eq "a project does not see discovered nodes" 404 "$(as aadmin GET "/v1/nodes/$B2")"

# --- discovery: a flood from the provisioning network -----------------------------
n1=$(nnodes)
t0=$(date +%s)
for i in $(seq 1 20); do
	body "$T/f.json" "$(rmac)"
	post "$T/f.json" >>"$T/flood.codes"; echo >>"$T/flood.codes"
done
t1=$(date +%s)
made=$(grep -c 202 "$T/flood.codes")
# The bucket holds at most 5 and refills 5 a minute while the burst lasts.
bound=$((5 + ((t1 - t0 + 1) * 5 + 59) / 60))
echo "# flood: $made of 20 enrolled in $((t1 - t0)) s (bound $bound)"
ok "20 made-up machines in a burst: at most discovery_rate a minute enrolled ($made <= $bound)" test "$made" -le "$bound"
expect_eq "... the others 503" $((20 - made)) "$(grep -c 503 "$T/flood.codes")"
expect_eq "... as many nodes as 202s" $((n1 + made)) "$(nnodes)"

# discovery_max_enroll: none past it, whatever the rate.
ingot_stop
sed -i 's/^discovery_rate = 5$/discovery_rate = 1000\ndiscovery_max_enroll = '"$(nnodes 2>/dev/null || echo 0)"'/' "$T/ingotd.conf"
ingot_start --config "$T/ingotd.conf" || { finish; exit 1; }
n2=$(nnodes)
sed -i "s/^discovery_max_enroll = .*/discovery_max_enroll = $n2/" "$T/ingotd.conf"
ingot_stop
ingot_start --config "$T/ingotd.conf" || { finish; exit 1; }
body "$T/m.json" "$(rmac)"
expect_eq "discovery_max_enroll nodes in enroll: 503" 503 "$(post "$T/m.json")"
expect_eq "... no node created" "$n2" "$(nnodes)"

# --- the BMC address a machine claims (src/conductor/bmc_addr.c) ------------------
# Whoever controls a machine controls what its agent reports; ingotd would
# send IPMI, and later the credentials an operator adds, to that address.
ingot_stop
sed -i "s/^discovery_max_enroll = .*/discovery_max_enroll = 100000/" "$T/ingotd.conf"
ingot_start --config "$T/ingotd.conf" || { finish; exit 1; }
# claim N JSON-VALUE: a new machine (MAC ...:ad:0N:..) claiming that BMC address
claim() {
	body "$T/c.json" "$(printf '52:54:00:ad:%02x:%02x' $((0x10 + $1 / 256)) $(($1 % 256)))" \
		".inventory.bmc_address = $2"
	post "$T/c.json"
}
settled() { wait_until 60 '[ "$(as sysadmin GET /v1/nodes/'"$1"' >/dev/null; jq -r .reservation $T/as.body)" = null ]'; }
ipmi_addr() { as sysadmin GET "/v1/nodes/$1" >/dev/null; jq -r '.driver_info.ipmi_address' "$T/as.body"; }
i=0
for v in '"127.0.0.1"' '"127.9.8.7"' '"169.254.0.5"' '"0.1.2.3"' '"224.0.0.9"' \
	'"255.255.255.255"' '"240.0.0.1"' '"bmc.example.com"' '"192.0.2.200:623"' \
	'"http://192.0.2.200/"' '"192.0.2.200 "' '"010.0.2.200"' '"::1"' '""' \
	'3221226184' '["192.0.2.200"]' '{"ip": "192.0.2.200"}' '"192.0.2.200\u0000x"'; do
	i=$((i + 1))
	code=$(claim "$i" "$v")
	uuid=$(jq -r .uuid "$T/as.body")
	if [ "$code" = 202 ] && settled "$uuid"; then
		expect_eq "BMC address $v: enrolled, driver_info.ipmi_address not set" null "$(ipmi_addr "$uuid")"
	else
		expect_eq "BMC address $v: refused or enrolled" 400 "$code"
	fi
done
code=$(claim 100 '"127.0.0.1"'); uuid=$(jq -r .uuid "$T/as.body"); settled "$uuid"
as sysadmin GET "/v1/nodes/$uuid/history" >/dev/null
ok "a loopback BMC address: a WARNING in the node's history says why" \
	jq -e '[.history[] | select(.severity == "WARNING" and (.event | test("BMC address 127.0.0.1 refused")))] | length == 1' "$T/as.body"
code=$(claim 101 '"http://192.0.2.200/"'); uuid=$(jq -r .uuid "$T/as.body"); settled "$uuid"
as sysadmin GET "/v1/nodes/$uuid/history" >/dev/null
ok "... what is not an address is never repeated" jq -e '[.history[].event] |
	(map(select(test("192.0.2.200"))) | length == 0) and (map(select(test("not an IPv4 address"))) | length == 1)' "$T/as.body"
code=$(claim 102 '"198.51.100.7"'); uuid=$(jq -r .uuid "$T/as.body"); settled "$uuid"
expect_eq "a routable address is taken" 198.51.100.7 "$(ipmi_addr "$uuid")"

# An inspection rule (the operator) set the address: what the machine says
# does not replace it.
code=$(as sysadmin POST /v1/inspection_rules '{"description": "bmc of one machine", "priority": 50,
 "conditions": [{"op": "eq", "args": {"values": ["{inventory[interfaces][0][mac_address]}", "52:54:00:ad:10:67"]}}],
 "actions": [{"op": "set-attribute", "args": ["/driver_info/ipmi_address", "198.51.100.99"]}]}')
expect_eq "a rule setting one machine's ipmi_address: 201" 201 "$code"
RB=$(jq -r .uuid "$T/as.body")
code=$(claim 103 '"198.51.100.50"'); uuid=$(jq -r .uuid "$T/as.body"); settled "$uuid"
expect_eq "... the machine's own claim does not replace it" 198.51.100.99 "$(ipmi_addr "$uuid")"
as sysadmin DELETE "/v1/inspection_rules/$RB" >/dev/null

# discovery_bmc_networks: the only networks, and it may allow loopback.
ingot_stop
sed -i 's/^discovery_max_enroll = .*/&\ndiscovery_bmc_networks = 198.51.100.0\/24, 127.0.0.0\/8/' "$T/ingotd.conf"
ingot_start --config "$T/ingotd.conf" || { finish; exit 1; }
code=$(claim 104 '"192.0.2.201"'); uuid=$(jq -r .uuid "$T/as.body"); settled "$uuid"
expect_eq "discovery_bmc_networks set: an address outside it is not taken" null "$(ipmi_addr "$uuid")"
code=$(claim 105 '"127.0.0.1"'); uuid=$(jq -r .uuid "$T/as.body"); settled "$uuid"
expect_eq "... loopback, when listed, is" 127.0.0.1 "$(ipmi_addr "$uuid")"
code=$(claim 106 '"127.0.0.1"'); uuid=$(jq -r .uuid "$T/as.body"); settled "$uuid"
expect_eq "... but never another node's" null "$(ipmi_addr "$uuid")"
for bad in '10.0.0.0/8, bmc.example.com' '10.0.0.0' '10.0.0.0/33' '10.0.0.0/8,'; do
	sed "s|^discovery_bmc_networks = .*|discovery_bmc_networks = $bad|" "$T/ingotd.conf" >"$T/bad.conf"
	ok "discovery_bmc_networks = '$bad': ingotd refuses the configuration" \
		sh -c "! '$INGOTD' --check-config --config '$T/bad.conf'"
done
finish
