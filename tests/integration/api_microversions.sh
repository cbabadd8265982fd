#!/usr/bin/env bash
# Ironic's API 1.82 to 1.88 as Ingot serves them, each gated by its
# microversion: shards (1.82), parent and child nodes (1.83), unhold
# (1.85), the firmware interface (1.86), servicing (1.87), port names
# (1.88); and the announced maximum, read from the one place that sets it.
. "$(dirname "$0")/../lib/lib.sh"
ingot_start || exit 1
fault() { jq -r '.error_message | fromjson | .faultstring' "$T/api.body"; }
v() { local ver=$1; shift; API_VERSION=$ver api "$@"; }
state_is() { db_is "select provision_state || coalesce(reservation,'') from nodes where name='$1'" "$2"; }

# --- the announced maximum: src/api/api.h's API_MAX_MINOR -------------------
max=$(sed -n 's/^#define API_MAX_MINOR[[:space:]]*\([0-9]*\).*/\1/p' "$INGOT_SRC/src/api/api.h")
ok "api.h sets the maximum ($max)" test "$max" -ge 88
hdr=$(curl -sS -D - -o /dev/null "$INGOT_URL/v1" | tr -d '\r')
expect_eq "announced maximum" "1.$max" "$(sed -n 's/^X-OpenStack-Ironic-API-Maximum-Version: //p' <<<"$hdr")"
expect_eq "GET / says the same" "1.$max" "$(api GET / | jq -r .default_version.version)"
ok "ingotd --version says the same" grep -q "API 1.1-1.$max)" <("$INGOTD" --version)
expect_eq "latest is the maximum" "1.$max" "$(curl -sS -D - -o /dev/null -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/nodes" | tr -d '\r' | sed -n 's/^X-OpenStack-Ironic-API-Version: //p')"
v "1.$((max + 1))" GET /v1/nodes >/dev/null
expect_eq "one above the maximum: 406" 406 "$STATUS"

# --- 1.82: shards -----------------------------------------------------------
for n in s1:east s2:east s3:west s4:; do
	IFS=: read -r name shard <<<"$n"
	body="{\"driver\":\"fake-hardware\",\"name\":\"$name\",\"driver_info\":{\"fake_delay\":0}"
	[ -n "$shard" ] && body+=",\"shard\":\"$shard\""
	v 1.82 POST /v1/nodes "$body}" >/dev/null
	expect_eq "create $name${shard:+ in shard $shard}: 201" 201 "$STATUS"
done
expect_eq "the shard is stored" "east" "$(db "select shard from nodes where name='s1'")"
v 1.81 POST /v1/nodes '{"driver":"fake-hardware","name":"old","shard":"east"}' >/dev/null
expect_eq "shard at 1.81: refused" 1 "$([ "$STATUS" -ge 400 ] && [ "$STATUS" -lt 500 ] && echo 1)"
expect_eq "... and no node" 0 "$(db "select count(*) from nodes where name='old'")"
expect_eq "1.82 shows shard" east "$(v 1.82 GET /v1/nodes/s1 | jq -r .shard)"
expect_eq "1.81 hides it" false "$(v 1.81 GET /v1/nodes/s1 | jq 'has("shard")')"
names() { jq -r '[.nodes[].name] | sort | join(",")' "$T/api.body"; }
v 1.82 GET '/v1/nodes?shard=east' >/dev/null
expect_eq "?shard=east" s1,s2 "$(names)"
v 1.82 GET '/v1/nodes?shard=east,west' >/dev/null
expect_eq "?shard=east,west" s1,s2,s3 "$(names)"
v 1.82 GET '/v1/nodes?sharded=false' >/dev/null
expect_eq "?sharded=false" s4 "$(names)"
v 1.82 GET '/v1/nodes/detail?sharded=true&shard=west' >/dev/null
expect_eq "detail ?sharded=true&shard=west" s3 "$(names)"
v 1.81 GET '/v1/nodes?shard=east' >/dev/null
expect_eq "?shard at 1.81: 406" 406 "$STATUS"
v 1.81 GET '/v1/nodes?sharded=true' >/dev/null
expect_eq "?sharded at 1.81: 406" 406 "$STATUS"
v 1.82 GET /v1/shards >/dev/null
expect_eq "GET /v1/shards: counts, the largest first" '[{"name":"east","count":2},{"name":"None","count":1},{"name":"west","count":1}]' \
    "$(jq -c '.shards | sort_by(-.count, .name)' "$T/api.body")"
expect_eq "... in order of count" 2 "$(jq '.shards[0].count' "$T/api.body")"
expect_eq "GET /v1 links shards and continue_inspection at the maximum" true "$(v 1.88 GET /v1 | jq '(.shards[0].href | endswith("/v1/shards/")) and (.continue_inspection | length > 0)')"
expect_eq "... not at 1.81" false "$(v 1.81 GET /v1 | jq 'has("shards") or has("continue_inspection")')"
v 1.81 GET /v1/shards >/dev/null
expect_eq "GET /v1/shards at 1.81: 404" 404 "$STATUS"
v 1.82 PATCH /v1/nodes/s4 '[{"op":"add","path":"/shard","value":"west"}]' >/dev/null
expect_eq "PATCH shard: 200" "200 west" "$STATUS $(db "select shard from nodes where name='s4'")"
v 1.82 PATCH /v1/nodes/s4 '[{"op":"remove","path":"/shard"}]' >/dev/null
expect_eq "remove shard: 200, null" "200 " "$STATUS $(db "select shard from nodes where name='s4'")"
v 1.82 PATCH /v1/nodes/s4 "[{\"op\":\"add\",\"path\":\"/shard\",\"value\":\"$(printf 'x%.0s' $(seq 256))\"}]" >/dev/null
expect_eq "a 256-character shard: 400" "400 " "$STATUS $(db "select shard from nodes where name='s4'")"

v 1.82 POST /v1/ports '{"node_uuid":"s1","address":"52:54:00:00:82:01"}' >/dev/null
v 1.82 POST /v1/ports '{"node_uuid":"s3","address":"52:54:00:00:82:03"}' >/dev/null
v 1.82 GET '/v1/ports?shard=east' >/dev/null
expect_eq "ports ?shard=east: s1's" 52:54:00:00:82:01 "$(jq -r '[.ports[].address] | join(",")' "$T/api.body")"
v 1.82 GET '/v1/ports/detail?shard=west,east' >/dev/null
expect_eq "ports/detail ?shard=west,east: both" 2 "$(jq '.ports | length' "$T/api.body")"
v 1.81 GET '/v1/ports?shard=east' >/dev/null
expect_eq "ports ?shard at 1.81: 406" 406 "$STATUS"

# --- 1.83: parent and child nodes ------------------------------------------
v 1.83 PATCH /v1/nodes/s2 '[{"op":"add","path":"/parent_node","value":"s1"}]' >/dev/null
expect_eq "s2's parent is s1 (by name): 200" 200 "$STATUS"
S1=$(db "select uuid from nodes where name='s1'") S2=$(db "select uuid from nodes where name='s2'")
expect_eq "stored as s1's UUID" "$S1" "$(db "select parent_node from nodes where name='s2'")"
expect_eq "shown at 1.83" "$S1" "$(v 1.83 GET /v1/nodes/s2 | jq -r .parent_node)"
expect_eq "hidden at 1.82" false "$(v 1.82 GET /v1/nodes/s2 | jq 'has("parent_node")')"
v 1.83 GET /v1/nodes >/dev/null
expect_eq "a list leaves child nodes out" s1,s3,s4 "$(names)"
v 1.82 GET /v1/nodes >/dev/null
expect_eq "... at every version" s1,s3,s4 "$(names)"
v 1.83 GET '/v1/nodes?include_children=true' >/dev/null
expect_eq "?include_children=true: all" s1,s2,s3,s4 "$(names)"
v 1.83 GET '/v1/nodes?parent_node=s1' >/dev/null
expect_eq "?parent_node=s1: its children" s2 "$(names)"
v 1.83 GET "/v1/nodes?parent_node=$S1&fields=uuid,parent_node" >/dev/null
expect_eq "?parent_node=UUID&fields" "[{\"uuid\":\"$S2\",\"parent_node\":\"$S1\"}]" "$(jq -c '.nodes | map({uuid, parent_node})' "$T/api.body")"
v 1.82 GET '/v1/nodes?include_children=true' >/dev/null
expect_eq "?include_children at 1.82: 406" 406 "$STATUS"
v 1.83 GET /v1/nodes/s1/children >/dev/null
expect_eq "GET /v1/nodes/s1/children" "200 [\"$S2\"]" "$STATUS $(jq -c .children "$T/api.body")"
ok "... links to the filtered list" grep -q "/v1/nodes?parent_node=$S1" <(jq -r .links.href "$T/api.body")
v 1.83 GET /v1/nodes/s3/children >/dev/null
expect_eq "a node without children: []" '[]' "$(jq -c .children "$T/api.body")"
v 1.82 GET /v1/nodes/s1/children >/dev/null
expect_eq "children at 1.82: 404" 404 "$STATUS"
for bad in s2 s1 nosuchnode 00000000-0000-0000-0000-000000000000; do
	v 1.83 PATCH /v1/nodes/s1 "[{\"op\":\"add\",\"path\":\"/parent_node\",\"value\":\"$bad\"}]" >/dev/null
	expect_eq "s1's parent $bad (a loop, itself, unknown): 400" 400 "$STATUS"
done
ok "... the same message for each" grep -q "Requested value was invalid" <(fault)
expect_eq "s1 still has no parent" "" "$(db "select coalesce(parent_node,'') from nodes where name='s1'")"
v 1.83 PATCH /v1/nodes/s3 '[{"op":"add","path":"/parent_node","value":"s2"}]' >/dev/null
v 1.83 PATCH /v1/nodes/s1 '[{"op":"add","path":"/parent_node","value":"s3"}]' >/dev/null
expect_eq "a loop through three nodes: 400" "400 " "$STATUS $(db "select coalesce(parent_node,'') from nodes where name='s1'")"
v 1.83 PATCH /v1/nodes/s3 '[{"op":"remove","path":"/parent_node"}]' >/dev/null
expect_eq "remove parent_node: 200" "200 " "$STATUS $(db "select coalesce(parent_node,'') from nodes where name='s3'")"
expect_eq "no node left locked" 0 "$(db "select count(*) from nodes where reservation is not null")"

# --- 1.85: unhold; 1.86: the firmware interface ----------------------------
v 1.85 PUT /v1/nodes/s3/states/provision '{"target":"unhold"}' >/dev/null
expect_eq "unhold on a node that holds nothing: 400" 400 "$STATUS"
ok "... can not be performed" grep -q "can not be performed" <(fault)
v 1.84 PUT /v1/nodes/s3/states/provision '{"target":"unhold"}' >/dev/null
expect_eq "unhold at 1.84: 406" 406 "$STATUS"
expect_eq "1.86 shows firmware_interface" no-firmware "$(v 1.86 GET /v1/nodes/s3 | jq -r .firmware_interface)"
expect_eq "1.85 hides it" false "$(v 1.85 GET /v1/nodes/s3 | jq 'has("firmware_interface")')"
v 1.86 PATCH /v1/nodes/s3 '[{"op":"replace","path":"/firmware_interface","value":"fake"}]' >/dev/null
expect_eq "firmware_interface fake: 200, stored" "200 fake" "$STATUS $(db "select firmware_interface from nodes where name='s3'")"
v 1.86 PATCH /v1/nodes/s3 '[{"op":"replace","path":"/firmware_interface","value":"bogus"}]' >/dev/null
expect_eq "an unknown firmware interface: 400" "400 fake" "$STATUS $(db "select firmware_interface from nodes where name='s3'")"
v 1.86 GET /v1/nodes/s3/firmware >/dev/null
expect_eq "GET firmware: no components recorded" '200 {"firmware":[]}' "$STATUS $(jq -c . "$T/api.body")"
v 1.85 GET /v1/nodes/s3/firmware >/dev/null
expect_eq "firmware at 1.85: 404" 404 "$STATUS"
expect_eq "driver detail at 1.86: default_firmware_interface" no-firmware "$(v 1.86 GET /v1/drivers/fake-hardware | jq -r .default_firmware_interface)"
expect_eq "... not at 1.85" false "$(v 1.85 GET /v1/drivers/fake-hardware | jq 'has("default_firmware_interface")')"

# --- 1.87: servicing an active node ----------------------------------------
v 1.87 POST /v1/nodes '{"driver":"fake-hardware","name":"sv","driver_info":{"fake_delay":0},"bios_interface":"fake"}' >/dev/null
for t in manage:manageable provide:available active:active; do
	v 1.87 PUT /v1/nodes/sv/states/provision "{\"target\":\"${t%%:*}\"}" >/dev/null
	wait_until 60 state_is sv "${t#*:}"
done
expect_eq "sv is active" active "$(db "select provision_state from nodes where name='sv'")"
PWR=$(db "select power_state from nodes where name='sv'")
SET='{"interface":"bios","step":"apply_configuration","args":{"settings":[{"name":"LogicalProc","value":"Disabled"}]}}'
v 1.86 PUT /v1/nodes/sv/states/provision "{\"target\":\"service\",\"service_steps\":[$SET]}" >/dev/null
expect_eq "service at 1.86: 406" 406 "$STATUS"
v 1.87 PUT /v1/nodes/sv/states/provision '{"target":"service"}' >/dev/null
expect_eq "service without steps: 400" 400 "$STATUS"
v 1.87 PUT /v1/nodes/sv/states/provision '{"target":"service","service_steps":[{"interface":"raid","step":"apply_configuration"}]}' >/dev/null
expect_eq "a step the node's interface does not offer (no-raid): 400" 400 "$STATUS"
v 1.87 PUT /v1/nodes/sv/states/provision "{\"target\":\"active\",\"service_steps\":[$SET]}" >/dev/null
expect_eq "service_steps with another verb: 400" 400 "$STATUS"
expect_eq "the refusals left sv active, unlocked" "active" "$(db "select provision_state || coalesce(reservation,'') from nodes where name='sv'")"
v 1.87 PUT /v1/nodes/sv/states/provision "{\"target\":\"service\",\"service_steps\":[$SET]}" >/dev/null
expect_eq "service: 202" 202 "$STATUS"
wait_until 60 state_is sv active
expect_eq "back to active, the setting applied" Disabled "$(v 1.87 GET /v1/nodes/sv | jq -r .driver_internal_info.fake_bios_settings.LogicalProc)"
expect_eq "service_step cleared" '{}' "$(v 1.87 GET /v1/nodes/sv | jq -c .service_step)"
expect_eq "service_step hidden at 1.86" false "$(v 1.86 GET /v1/nodes/sv | jq 'has("service_step")')"
v 1.87 GET /v1/nodes/sv/history >/dev/null
ok "the history records the step" grep -q "service step bios.apply_configuration done" "$T/api.body"
v 1.87 PUT /v1/nodes/sv/states/provision '{"target":"service","service_steps":[{"interface":"bios","step":"apply_configuration","args":{"settings":[{"name":""}]}}]}' >/dev/null
wait_until 60 state_is sv "service failed"
expect_eq "a failing step: service failed" "service failed" "$(db "select provision_state from nodes where name='sv'")"
ok "... last_error names the step" grep -q "bios.apply_configuration" <(db "select last_error from nodes where name='sv'")
v 1.87 PUT /v1/nodes/sv/states/provision '{"target":"abort"}' >/dev/null
expect_eq "abort a failed servicing: 202" 202 "$STATUS"
wait_until 30 state_is sv active
expect_eq "... back to active" active "$(db "select provision_state || coalesce(reservation,'') from nodes where name='sv'")"
expect_eq "... its power untouched" "$PWR" "$(db "select power_state from nodes where name='sv'")"

# --- 1.88: port names ------------------------------------------------------
v 1.88 POST /v1/ports "{\"node_uuid\":\"s3\",\"address\":\"52:54:00:00:88:01\",\"name\":\"eth0-s3\"}" >/dev/null
expect_eq "a port with a name: 201" 201 "$STATUS"
P1=$(jq -r .uuid "$T/api.body")
expect_eq "GET /v1/ports/{name} at 1.88" "$P1" "$(v 1.88 GET /v1/ports/eth0-s3 | jq -r .uuid)"
v 1.87 GET /v1/ports/eth0-s3 >/dev/null
expect_eq "... 404 at 1.87" 404 "$STATUS"
expect_eq "name hidden at 1.87" false "$(v 1.87 GET "/v1/ports/$P1" | jq 'has("name")')"
v 1.88 POST /v1/ports "{\"node_uuid\":\"s3\",\"address\":\"52:54:00:00:88:02\",\"name\":\"eth0-s3\"}" >/dev/null
expect_eq "a taken name: 409" 409 "$STATUS"
for bad in 52:54:00:00:88:09 "$P1" 'a b'; do
	v 1.88 POST /v1/ports "{\"node_uuid\":\"s3\",\"address\":\"52:54:00:00:88:03\",\"name\":\"$bad\"}" >/dev/null
	expect_eq "name '$bad' (MAC- or UUID-shaped, not a name): 400" 400 "$STATUS"
done
v 1.87 POST /v1/ports '{"node_uuid":"s3","address":"52:54:00:00:88:04","name":"x"}' >/dev/null
expect_eq "name at 1.87: refused" 1 "$([ "$STATUS" -ge 400 ] && [ "$STATUS" -lt 500 ] && echo 1)"
v 1.88 PATCH /v1/ports/eth0-s3 '[{"op":"replace","path":"/name","value":"nic0"}]' >/dev/null
expect_eq "rename by name: 200" "200 nic0" "$STATUS $(db "select name from ports where uuid='$P1'")"
expect_eq "ports in the database" 3 "$(db "select count(*) from ports")"
finish
