#!/usr/bin/env bash
# Adversarial: POST /v1/continue_inspection (in-band inspection).  Anyone
# on the provisioning network reaches it without credentials, as lookup:
# it answers only there by default; it takes data only for a node in
# inspect wait whose port the inventory's MACs are (a node's UUID alone, a
# MAC of another node, a node in another state: the same 404); every field
# is checked and bounded (size, NIC count, names, LLDP) with a 400 that
# changes nothing; LLDP text that could reach a switch's command line is
# never stored; the stored inventory is shown only to the node's project.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"
MA=52:54:00:ae:00:01	# na's port (inspect wait)
MB=52:54:00:ae:00:02	# nb's port (manageable)
MX=52:54:00:ae:00:99	# nobody's

# body FILE [jq filter]: a valid inspection body for na's MAC, changed by the filter
body() {
	jq -c "${2:-.}" >"$1" <<JSON
{"inventory": {"interfaces": [{"name": "eth0", "mac_address": "$MA", "lldp": null}],
 "cpu": {"count": 2, "architecture": "x86_64"}, "memory": {"physical_mb": 1024},
 "disks": [{"name": "/dev/vda", "size": 10737418240}],
 "boot": {"current_boot_mode": "bios", "pxe_interface": "$MA"}},
 "boot_interface": "$MA", "error": null}
JSON
}
post() {	# post FILE [QUERY]: the status
	as - POST "/v1/continue_inspection${2:-}" "" -H 'Content-Type: application/json' \
		--data-binary "@$1"
}
st() { as sysadmin GET "/v1/nodes/$1" >/dev/null; jq -r "${2:-.provision_state}" "$T/as.body"; }
nports() { as sysadmin GET "/v1/ports?node=$1" >/dev/null; jq '.ports | length' "$T/as.body"; }

CONF='[api]
ramdisk_endpoints = provisioning
[conductor]
automated_clean = false
sync_power_state_interval = 0'

# --- default: not on the API port ------------------------------------------
adv_start <<<"$CONF" || { finish; exit 1; }
body "$T/ok.json"
expect_eq "default listeners: continue_inspection on the API port: 404" 404 "$(post "$T/ok.json")"
ingot_stop

# --- ramdisk_endpoints = all: the endpoint's own rules ----------------------
db_reset
adv_start <<<"${CONF/provisioning/all}" || { finish; exit 1; }
NA=$(node_uuid na) NB=$(node_uuid nb)
as sysadmin PATCH /v1/nodes/na '[{"op":"replace","path":"/inspect_interface","value":"agent"}]' >/dev/null
as sysadmin PATCH /v1/nodes/nb '[{"op":"replace","path":"/inspect_interface","value":"agent"}]' >/dev/null
as sysadmin POST /v1/ports "{\"node_uuid\":\"$NA\",\"address\":\"$MA\"}" >/dev/null
as sysadmin POST /v1/ports "{\"node_uuid\":\"$NB\",\"address\":\"$MB\"}" >/dev/null
for n in na nb; do as sysadmin PUT "/v1/nodes/$n/states/provision" '{"target":"manage"}' >/dev/null; done
wait_until 60 '[ "$(st na)" = manageable ] && [ "$(st nb)" = manageable ]'
as sysadmin PUT /v1/nodes/na/states/provision '{"target":"inspect"}' >/dev/null
wait_until 60 '[ "$(st na)" = "inspect wait" ]'
expect_eq "na waits for its inspection data" "inspect wait" "$(st na)"

# Who: a node in another state, another node's MAC, a UUID that the MACs
# do not name: the same 404, nothing stored.
body "$T/nb.json" ".inventory.interfaces[0].mac_address = \"$MB\""
expect_eq "nb (manageable) by its MAC: 404" 404 "$(post "$T/nb.json")"
cp "$T/as.body" "$T/404.body"
body "$T/mx.json" ".inventory.interfaces[0].mac_address = \"$MX\""
expect_eq "an unknown MAC: 404" 404 "$(post "$T/mx.json")"
ok "... the same body as for nb" cmp "$T/404.body" "$T/as.body"
expect_eq "na's MAC with nb's UUID (spoofed): 404" 404 "$(post "$T/ok.json" "?node_uuid=$NB")"
expect_eq "nb's MAC with na's UUID (spoofed): 404" 404 "$(post "$T/nb.json" "?node_uuid=$NA")"
body "$T/two.json" ".inventory.interfaces += [{\"name\": \"eth1\", \"mac_address\": \"$MB\"}]"
expect_eq "MACs of two nodes (steal nb's port): 404" 404 "$(post "$T/two.json")"
expect_eq "node_uuid that is no UUID: 400" 400 "$(post "$T/ok.json" "?node_uuid=../../x")"

# What: malformed and oversized data, each a 400 that changes nothing.
bad() {	# bad WHAT FILTER
	body "$T/bad.json" "$2"
	expect_eq "$1: 400" 400 "$(post "$T/bad.json")"
}
printf '{"inventory": ' >"$T/bad.json"
expect_eq "not JSON: 400" 400 "$(post "$T/bad.json")"
bad "no inventory" 'del(.inventory)'
bad "inventory not an object" '.inventory = []'
bad "no interfaces" '.inventory.interfaces = []'
bad "a MAC that is none" '.inventory.interfaces[0].mac_address = "52:54:00:ae:00"'
bad "an interface name with shell characters" '.inventory.interfaces[0].name = "eth0;reboot"'
bad "an interface name of 65 characters" ".inventory.interfaces[0].name = \"$(printf 'e%.0s' {1..65})\""
bad "lldp not a list" '.inventory.interfaces[0].lldp = "x"'
bad "lldp TLV type 128" '.inventory.interfaces[0].lldp = [[128, "00"]]'
bad "lldp value not hex" '.inventory.interfaces[0].lldp = [[1, "zz"]]'
bad "lldp value of odd length" '.inventory.interfaces[0].lldp = [[1, "047"]]'
bad "lldp value over 511 bytes" ".inventory.interfaces[0].lldp = [[5, \"$(printf '41%.0s' {1..512})\"]]"
bad "65 lldp TLVs" '.inventory.interfaces[0].lldp = [range(65) | [5, "41"]]'
bad "cpu count -1" '.inventory.cpu.count = -1'
bad "cpu architecture with a slash" '.inventory.cpu.architecture = "../x86"'
bad "memory as a string" '.inventory.memory.physical_mb = "1024"'
bad "a disk without a size" '.inventory.disks[0] |= del(.size)'
bad "257 disks" '.inventory.disks = [range(257) | {name: "/dev/x", size: 1}]'
bad "boot mode other than bios/uefi" '.inventory.boot.current_boot_mode = "efi;x"'
bad "pxe_interface not a MAC" '.inventory.boot.pxe_interface = "eth0"'
body "$T/many.json"
python3 - "$T/many.json" "$MA" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
b["inventory"]["interfaces"] = [{"name": "eth0", "mac_address": sys.argv[2]}] + [
    {"name": "e%d" % i, "mac_address": "52:54:01:%02x:%02x:%02x" % (i >> 16, (i >> 8) & 255, i & 255)}
    for i in range(9999)]
json.dump(b, open(sys.argv[1], "w"))
PY
expect_eq "10,000 NICs ($(stat -c %s "$T/many.json") bytes): 400" 400 "$(post "$T/many.json")"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
expect_eq "a body over [api] max_body_size: 413" 413 "$(post "$T/huge.json")"

expect_eq "after the abuse: na still waits" "inspect wait" "$(st na)"
expect_eq "after the abuse: na not locked" null "$(st na .reservation)"
expect_eq "after the abuse: na has its one port" 1 "$(nports "$NA")"
expect_eq "after the abuse: nb has its one port" 1 "$(nports "$NB")"
expect_eq "after the abuse: no inventory stored" 0 "$(db 'select count(*) from node_inventories')"
expect_eq "after the abuse: no port was created" 2 "$(db 'select count(*) from ports')"

# LLDP whose port ID could reach a switch's command line: accepted, never stored.
EVIL=$(printf 'swp1;reload' | od -An -tx1 | tr -d ' \n')
body "$T/evil.json" ".inventory.interfaces[0].lldp = [[1, \"04aabbccddeeff\"], [2, \"05$EVIL\"], [3, \"0078\"], [5, \"6c656166\"]]"
expect_eq "na's own data, LLDP port ID 'swp1;reload': 202" 202 "$(post "$T/evil.json")"
expect_eq "... the answer names na" "$NA" "$(jq -r .uuid "$T/as.body")"
ok "... the answer carries no agent token" bash -c "! jq -e '.config.agent_token' '$T/as.body'"
wait_until 60 '[ "$(st na)" = manageable ]'
expect_eq "na inspected: manageable" manageable "$(st na)"
as sysadmin GET "/v1/ports/$MA" >/dev/null
expect_eq "the port ID with ';' was not stored" '{}' "$(jq -c .local_link_connection "$T/as.body")"
expect_eq "replaying the same data: 404 (no longer in inspect wait)" 404 "$(post "$T/ok.json")"

# LLDP that claims another node's switch port: never taken (that port
# would carry this node's tenant VLANs), flagged.
as sysadmin PATCH "/v1/ports/$MB" '[{"op":"add","path":"/local_link_connection","value":{"switch_id":"aa:bb:cc:dd:ee:ff","port_id":"swp7"}}]' >/dev/null
as sysadmin PUT /v1/nodes/na/states/provision '{"target":"inspect"}' >/dev/null
wait_until 60 '[ "$(st na)" = "inspect wait" ]'
SWP7=$(printf swp7 | od -An -tx1 | tr -d ' \n')
body "$T/claim.json" ".inventory.interfaces[0].lldp = [[1, \"04aabbccddeeff\"], [2, \"05$SWP7\"], [3, \"0078\"]]"
expect_eq "na claims nb's switch port by LLDP: 202" 202 "$(post "$T/claim.json")"
wait_until 60 '[ "$(st na)" = manageable ]'
as sysadmin GET "/v1/ports/$MA" >/dev/null
expect_eq "... na's port did not take it" '{}' "$(jq -c .local_link_connection "$T/as.body")"
as sysadmin GET "/v1/nodes/na/inventory" >/dev/null
expect_eq "... flagged as a mismatch" "$MA swp7" "$(jq -r '.plugin_data.lldp_mismatch[] | "\(.address) \(.lldp.port_id)"' "$T/as.body")"
as sysadmin GET /v1/nodes/na >/dev/null
ok "... last_error says another port records it" grep -q 'another port records' <(jq -r .last_error "$T/as.body")

# Reading the inventory: the node's project and the system, nobody else.
adv_rows <<ROWS
sysreader|GET|/v1/nodes/na/inventory||200
areader|GET|/v1/nodes/na/inventory||200
amember|GET|/v1/nodes/na/inventory||200
breader|GET|/v1/nodes/na/inventory||404
bmember|GET|/v1/nodes/na/inventory||404
cadmin|GET|/v1/nodes/na/inventory||404
-|GET|/v1/nodes/na/inventory||401
sysreader|GET|/v1/nodes/nb/inventory||404
ROWS
finish
