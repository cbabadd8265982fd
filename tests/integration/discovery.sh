#!/usr/bin/env bash
# Discovery of an unknown machine and inspection rules, without a VM: a
# real ingotd with [inspection] discovery on, a real ingot-agent (a local
# process, sparse-file disk) whose two NICs are veth pairs into a "switch"
# namespace where Debian's lldpd sends real LLDP.  No node exists: the
# agent's post enrols one in enroll with its properties, its ports, their
# local_link_connection from LLDP and the inventory; stored inspection
# rules (created through /v1/inspection_rules) set a trait, the resource
# class, a capability and an attribute from the inventory; a rule whose
# condition fails does nothing.  The same machine posting again, and ten
# concurrent posts of one new MAC, give exactly one node per MAC.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
command -v lldpd >/dev/null || { echo "1..0 # SKIP lldpd is not installed (scripts/install-deps)"; exit 77; }
SW=ingot-disc-sw$$
IA=dia$$ IB=dib$$		# the machine's NICs (root namespace)
MA=52:54:00:d1:00:01 MB=52:54:00:d1:00:02
AGENT_PID= LLDPD_PID=

cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "$LLDPD_PID" ] && kill "$LLDPD_PID" 2>/dev/null && wait "$LLDPD_PID" 2>/dev/null
	ip link del "$IA" 2>/dev/null; ip link del "$IB" 2>/dev/null
	ip netns del "$SW" 2>/dev/null
	_cleanup
}
trap cleanup EXIT

# --- the switch: two ports in a namespace, lldpd on both ---------------------
ip netns add "$SW" || exit 1
ip -n "$SW" link set lo up
for p in "$IA:$MA:swp3" "$IB:$MB:swp4"; do
	IFS=: read -r nic m1 m2 m3 m4 m5 m6 port <<<"$p"
	ip link add "$nic" address "$m1:$m2:$m3:$m4:$m5:$m6" type veth peer name "$port" netns "$SW"
	sysctl -qw net.ipv6.conf."$nic".disable_ipv6=1 2>/dev/null
	ip link set "$nic" up
	ip -n "$SW" link set "$port" up
done
mkdir -p "$T/lldp" && chmod 711 "$T" && chmod 755 "$T/lldp"
ip netns exec "$SW" lldpd -d -I swp3,swp4 -u "$T/lldp/lldpd.sock" >"$T/lldpd.log" 2>&1 &
LLDPD_PID=$!
lldpcli() { ip netns exec "$SW" /usr/sbin/lldpcli -u "$T/lldp/lldpd.sock" "$@"; }
wait_until 30 'lldpcli show configuration'
lldpcli configure system hostname leaf-9
lldpcli configure lldp portidsubtype ifname
lldpcli configure lldp tx-interval 1
CHASSIS=$(lldpcli -f json show chassis | jq -r '.["local-chassis"].chassis[].id | select(.type == "mac") | .value')
ok "lldpd runs and names its chassis by MAC ($CHASSIS)" test -n "$CHASSIS"

cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[conductor]
automated_clean = false
[inspection]
discovery = true
CONF
ingot_start --config "$T/ingotd.conf" || exit 1

# --- inspection rules ---------------------------------------------------------
api POST /v1/inspection_rules '{"description": "discovered machines", "priority": 50,
 "conditions": [{"op": "is-true", "args": ["{plugin_data[auto_discovered]}"]},
                {"op": "gt", "args": {"values": ["{inventory[memory][physical_mb]}", 16]}},
                {"op": "!eq", "args": [["{inventory[cpu][architecture]}", "sparc"]]}],
 "actions": [{"op": "add-trait", "args": ["CUSTOM_DISCOVERED"]},
             {"op": "set-attribute", "args": ["/resource_class", "baremetal-lab"]},
             {"op": "set-capability", "args": {"name": "disk_label", "value": "gpt"}},
             {"op": "set-attribute", "args": ["/extra/arch", "{inventory[cpu][architecture]}"]},
             {"op": "set-plugin-data", "args": ["rules.seen", true]}]}' >"$T/r1.json"
expect_eq "a rule is created: 201" 201 "$STATUS"
R1=$(jq -r .uuid "$T/r1.json")
api POST /v1/inspection_rules '{"priority": 90, "conditions": [{"op": "matches",
 "args": {"value": "{inventory[cpu][architecture]}", "regex": "sparc.*"}}],
 "actions": [{"op": "fail", "args": ["not for sparc"]}]}' >"$T/r2.json"
expect_eq "a rule that will not match: 201" 201 "$STATUS"
api POST /v1/inspection_rules '{"priority": 10, "sensitive": true,
 "actions": [{"op": "set-attribute", "args": ["/driver_info/ipmi_username", "admin"]}]}' >"$T/r3.json"
expect_eq "a sensitive rule: 201" 201 "$STATUS"
R3=$(jq -r .uuid "$T/r3.json")
expect_eq "a sensitive rule's actions are not shown" null "$(jq -c .actions "$T/r3.json")"
api GET "/v1/inspection_rules/$R3" >"$T/r3s.json"
expect_eq "... nor on GET" "null null" "$(jq -r '"\(.actions) \(.conditions)"' "$T/r3s.json")"
api GET "/v1/inspection_rules/$R1" >"$T/r1s.json"
expect_eq "GET a rule: its conditions" 3 "$(jq '.conditions | length' "$T/r1s.json")"
api GET /v1/inspection_rules >"$T/rl.json"
expect_eq "list: three rules" 3 "$(jq '.inspection_rules | length' "$T/rl.json")"
expect_eq "list: Ironic's default fields" '["description","links","phase","priority","uuid"]' "$(jq -c '.inspection_rules[0] | keys' "$T/rl.json")"
api GET '/v1/inspection_rules?detail=true' >"$T/rld.json"
expect_eq "detailed list: the sensitive rule's actions masked" null "$(jq -c ".inspection_rules[] | select(.uuid == \"$R3\") | .actions" "$T/rld.json")"
api PATCH "/v1/inspection_rules/$R3" '[{"op": "replace", "path": "/sensitive", "value": false}]' >/dev/null
expect_eq "a sensitive rule cannot be made not sensitive: 400" 400 "$STATUS"
api PATCH "/v1/inspection_rules/$R1" '[{"op": "replace", "path": "/priority", "value": 60}]' >/dev/null
expect_eq "PATCH priority: 200" "200 60" "$STATUS $(jq .priority "$T/api.body")"
api PATCH "/v1/inspection_rules/$R1" '[{"op": "add", "path": "/actions/-", "value": {"op": "set-attribute", "args": ["/driver", "ipmi"]}}]' >/dev/null
expect_eq "PATCH to an action on /driver: 400" 400 "$STATUS"
api GET "/v1/inspection_rules/$R1" >/dev/null
expect_eq "... the rule is unchanged" 5 "$(jq '.actions | length' "$T/api.body")"

# --- discovery ------------------------------------------------------------------
truncate -s 20G "$T/disk.img"
expect_eq "no node before" 0 "$(list_all /v1/nodes nodes | jq length)"
agent() {
	"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$(free_port)" --advertise-host 127.0.0.1 \
		--mac "$MA" --mac "$MB" --boot-mac "${MA//:/-}" --disk "$T/disk.img" --no-power \
		--inspection-callback-url "$INGOT_URL/v1/continue_inspection" \
		--collect-lldp --lldp-timeout 8 2>>"$T/agent.stderr" &
	AGENT_PID=$!
}
nodes_of() { curl -s "$INGOT_URL/v1/ports/detail?address=$1" | jq -r '.ports[].node_uuid'; }
t0=$(date +%s.%N)
agent
wait_until 120 '[ -n "$(nodes_of $MA)" ] && [ "$(curl -s $INGOT_URL/v1/nodes/$(nodes_of $MA) | jq -r .reservation)" = null ]'
t1=$(date +%s.%N)
echo "# discovery: agent start to enrolled node $(echo "$t1 - $t0" | bc) s (LLDP timeout 8 s)"
wait_until 60 'grep -q "inspection: accepted" "$T/agent.stderr"'
kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
N=$(nodes_of "$MA")
field() { curl -s -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/nodes/$N" | jq -r "$1"; }
port() { curl -s -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/ports/$1" | jq -r "$2"; }
expect_eq "one node" 1 "$(list_all /v1/nodes nodes | jq length)"
expect_eq "discovered: in enroll" enroll "$(field .provision_state)"
expect_eq "discovered: fake-hardware (the default driver)" fake-hardware "$(field .driver)"
expect_eq "discovered: marked" true "$(field .extra.auto_discovered)"
expect_eq "discovered: not locked" null "$(field .reservation)"
expect_eq "discovered: no error" null "$(field .last_error)"
expect_eq "properties: cpus" "$(grep -c ^processor /proc/cpuinfo)" "$(field .properties.cpus)"
expect_eq "properties: memory_mb" "$(awk '/^MemTotal:/ {print int(($2 + 1023) / 1024)}' /proc/meminfo)" "$(field .properties.memory_mb)"
expect_eq "properties: local_gb (20 GiB disk less 1)" 19 "$(field .properties.local_gb)"
expect_eq "properties: cpu_arch" "$(uname -m)" "$(field .properties.cpu_arch)"
api GET "/v1/nodes/$N/ports?detail=true" >"$T/ports.json"
expect_eq "ports: one per NIC" "$MA $MB" "$(jq -r '[.ports[].address] | sort | join(" ")' "$T/ports.json")"
PA=$(jq -r ".ports[] | select(.address == \"$MA\") | .uuid" "$T/ports.json")
PB=$(jq -r ".ports[] | select(.address == \"$MB\") | .uuid" "$T/ports.json")
expect_eq "ports: the boot NIC is pxe_enabled, the other not" "true false" "$(port "$PA" .pxe_enabled) $(port "$PB" .pxe_enabled)"
expect_eq "LLDP: switch_id is the chassis MAC" "$CHASSIS $CHASSIS" "$(port "$PA" .local_link_connection.switch_id) $(port "$PB" .local_link_connection.switch_id)"
expect_eq "LLDP: port_ids" "swp3 swp4" "$(port "$PA" .local_link_connection.port_id) $(port "$PB" .local_link_connection.port_id)"
expect_eq "LLDP: switch_info is the system name" leaf-9 "$(port "$PA" .local_link_connection.switch_info)"
api GET "/v1/nodes/$N/inventory" >"$T/inv.json"
expect_eq "inventory stored: 200" 200 "$STATUS"
expect_eq "plugin data: auto_discovered" true "$(jq .plugin_data.auto_discovered "$T/inv.json")"
expect_eq "rules: plugin data set" true "$(jq .plugin_data.rules.seen "$T/inv.json")"
expect_eq "rules: the trait" '["CUSTOM_DISCOVERED"]' "$(field '.traits' | jq -c .)"
expect_eq "rules: resource_class" baremetal-lab "$(field .resource_class)"
ok "rules: the capability (beside boot_mode)" bash -c "curl -s '$INGOT_URL/v1/nodes/$N' | jq -r .properties.capabilities | tr , '\n' | grep -qx disk_label:gpt"
expect_eq "rules: an attribute from the inventory" "$(uname -m)" "$(field .extra.arch)"
expect_eq "rules: the sensitive rule's action ran" admin "$(field .driver_info.ipmi_username)"
ok "history: discovered" bash -c "curl -s -H 'X-OpenStack-Ironic-API-Version: latest' '$INGOT_URL/v1/nodes/$N/history' | jq -e '[.history[] | select(.event | test(\"Discovered\"))] | length == 1'"

# --- never twice ------------------------------------------------------------------
jq '{inventory, boot_interface: .plugin_data.boot_interface, error: null}' "$T/inv.json" >"$T/again.json"
api POST /v1/continue_inspection "$(cat "$T/again.json")" >/dev/null
expect_eq "the same machine posting again: 404" 404 "$STATUS"
expect_eq "... still one node" 1 "$(list_all /v1/nodes nodes | jq length)"

# --- one node per MAC, whatever the concurrency -------------------------------------
MC=52:54:00:d1:00:cc
jq -c ".inventory.interfaces = [{name: \"eth9\", mac_address: \"$MC\", lldp: null}] | .inventory.boot.pxe_interface = \"$MC\" | .boot_interface = \"$MC\"" "$T/again.json" >"$T/new.json"
pids=()
for i in $(seq 1 10); do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
		--data-binary "@$T/new.json" "$INGOT_URL/v1/continue_inspection" >"$T/c$i.code" &
	pids+=($!)
done
wait "${pids[@]}"
expect_eq "ten concurrent posts of one new MAC: one 202" 1 "$(cat "$T"/c*.code | grep -c 202)"
expect_eq "... the others 404" 9 "$(cat "$T"/c*.code | grep -c 404)"
expect_eq "... two nodes in all" 2 "$(list_all /v1/nodes nodes | jq length)"
expect_eq "... one port with that MAC" 1 "$(curl -s "$INGOT_URL/v1/ports?address=$MC" | jq '.ports | length')"
NC=$(nodes_of "$MC")
wait_until 60 '[ "$(curl -s $INGOT_URL/v1/nodes/'"$NC"' | jq -r .reservation)" = null ]'
expect_eq "... enrolled and unlocked" "enroll null" "$(curl -s "$INGOT_URL/v1/nodes/$NC" | jq -r '"\(.provision_state) \(.reservation)"')"

# --- rules at the end of an ordinary inspection -------------------------------------
api PATCH "/v1/nodes/$N" '[{"op": "replace", "path": "/inspect_interface", "value": "agent"}]' >/dev/null
api PUT "/v1/nodes/$N/traits" '{"traits": []}' >/dev/null
api DELETE "/v1/inspection_rules/$R3" >/dev/null
expect_eq "DELETE a rule: 204" 204 "$STATUS"
api GET "/v1/inspection_rules/$R3" >/dev/null
expect_eq "... then 404" 404 "$STATUS"
api PUT "/v1/nodes/$N/states/provision" '{"target": "manage"}' >/dev/null
wait_until 60 '[ "$(field .provision_state)" = manageable ]'
api POST /v1/inspection_rules '{"conditions": [{"op": "!is-true", "args": ["{plugin_data[auto_discovered]}"]}],
 "actions": [{"op": "add-trait", "args": ["CUSTOM_INSPECTED"]}]}' >/dev/null
api PUT "/v1/nodes/$N/states/provision" '{"target": "inspect"}' >/dev/null
wait_until 60 '[ "$(field .provision_state)" = "inspect wait" ]'
agent
wait_until 120 '[ "$(field .provision_state)" != "inspect wait" ]'
kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
expect_eq "inspected: manageable" manageable "$(field .provision_state)"
expect_eq "inspection ran the rules (the ones that match)" '["CUSTOM_INSPECTED"]' "$(field '.traits' | jq -c .)"
finish
