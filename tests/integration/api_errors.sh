#!/usr/bin/env bash
# Bad input gets Ironic's status and error body, and changes nothing.
. "$(dirname "$0")/../lib/lib.sh"
ingot_start || exit 1

faultstring() { jq -r '.error_message | fromjson | .faultstring' "$T/api.body"; }
snapshot() { db "select provision_state, coalesce(target_provision_state,''), coalesce(reservation,''), coalesce(name,''), extra, driver_info, maintenance from nodes where uuid='$1'"; }

api POST /v1/nodes '{"driver":"fake-hardware","name":"n1","driver_info":{"fake_delay":0}}' >/dev/null
expect_eq "create 201" 201 "$STATUS"
N1=$(jq -r .uuid "$T/api.body")
api POST /v1/ports "{\"address\":\"52:54:00:00:00:01\",\"node_uuid\":\"$N1\"}" >/dev/null
expect_eq "port create 201" 201 "$STATUS"
before=$(snapshot "$N1")

# Malformed JSON
api POST /v1/nodes '{"driver": "fake-hardware",' >/dev/null
expect_eq "malformed JSON: 400" 400 "$STATUS"
ok "malformed JSON: Ironic error body" test -n "$(faultstring)"
expect_eq "malformed JSON: faultcode Client" Client "$(jq -r '.error_message | fromjson | .faultcode' "$T/api.body")"
api PATCH /v1/nodes/n1 '[{"op": "replace", "path": "/extra/a", ' >/dev/null
expect_eq "malformed PATCH: 400" 400 "$STATUS"

# Unknown node
api GET /v1/nodes/does-not-exist >/dev/null
expect_eq "unknown node: 404" 404 "$STATUS"
ok "unknown node: message" bash -c "jq -r '.error_message' '$T/api.body' | grep -q 'could not be found'"
api PUT /v1/nodes/11111111-2222-3333-4444-555555555555/states/provision '{"target":"manage"}' >/dev/null
expect_eq "provision on unknown node: 404" 404 "$STATUS"

# Invalid transition: deploy from enroll
api PUT /v1/nodes/n1/states/provision '{"target":"active"}' >/dev/null
expect_eq "invalid transition: 400" 400 "$STATUS"
ok "invalid transition: message names the state" bash -c "jq -r .error_message '$T/api.body' | grep -q enroll"
api PUT /v1/nodes/n1/states/provision '{"target":"fly"}' >/dev/null
expect_eq "unknown verb: 400" 400 "$STATUS"

# Duplicate MAC
api POST /v1/ports "{\"address\":\"52:54:00:00:00:01\",\"node_uuid\":\"$N1\"}" >/dev/null
expect_eq "duplicate MAC: 409" 409 "$STATUS"
api POST /v1/ports "{\"address\":\"52:54:00:00:00:0G\",\"node_uuid\":\"$N1\"}" >/dev/null
expect_eq "invalid MAC: 400" 400 "$STATUS"
api POST /v1/ports "{\"address\":\"52:54:00:00:00:02\",\"node_uuid\":\"$N1\",\"local_link_connection\":{\"port_id\":\"p1\",\"switch_id\":\"zz\"}}" >/dev/null
expect_eq "invalid switch_id: 400" 400 "$STATUS"
expect_eq "only one port stored" 1 "$(db 'select count(*) from ports')"

# Duplicate name
api POST /v1/nodes '{"driver":"fake-hardware","name":"n1"}' >/dev/null
expect_eq "duplicate name: 409" 409 "$STATUS"
api POST /v1/nodes '{"driver":"no-such-driver"}' >/dev/null
expect_eq "unknown driver: 400" 400 "$STATUS"
api POST /v1/nodes '{"driver":"fake-hardware","colour":"red"}' >/dev/null
expect_eq "unknown field on create: 400" 400 "$STATUS"
api POST /v1/nodes '{"driver":"fake-hardware","name":"bad name!"}' >/dev/null
expect_eq "invalid name: 400" 400 "$STATUS"
expect_eq "still one node" 1 "$(db 'select count(*) from nodes')"

# Unknown field in PATCH, read-only field, wrong type
api PATCH /v1/nodes/n1 '[{"op":"add","path":"/colour","value":"red"}]' >/dev/null
expect_eq "unknown field in PATCH: 400" 400 "$STATUS"
api PATCH /v1/nodes/n1 '[{"op":"replace","path":"/provision_state","value":"active"}]' >/dev/null
expect_eq "read-only field in PATCH: 400" 400 "$STATUS"
api PATCH /v1/nodes/n1 '[{"op":"replace","path":"/extra","value":"notadict"}]' >/dev/null
expect_eq "wrong type in PATCH: 400" 400 "$STATUS"
api PATCH /v1/nodes/n1 '[{"op":"add","path":"/extra/a","value":1},{"op":"remove","path":"/extra/missing"}]' >/dev/null
expect_eq "PATCH with a failing op: 400" 400 "$STATUS"
expect_eq "failed PATCH applied nothing" "{}" "$(db "select extra from nodes where uuid='$N1'")"

# Locked node: a slow action (cleaning with a fake delay) holds the lock
api PUT /v1/nodes/n1/states/provision '{"target":"manage"}' >/dev/null
expect_eq "manage accepted: 202" 202 "$STATUS"
wait_until 60 db_is "select provision_state from nodes where uuid='$N1'" manageable
api PATCH /v1/nodes/n1 '[{"op":"replace","path":"/driver_info/fake_delay","value":2}]' >/dev/null
expect_eq "PATCH nested driver_info: 200" 200 "$STATUS"
api PUT /v1/nodes/n1/states/provision '{"target":"provide"}' >/dev/null
expect_eq "provide accepted: 202" 202 "$STATUS"
api PATCH /v1/nodes/n1 '[{"op":"add","path":"/extra/x","value":1}]' >/dev/null
expect_eq "locked node PATCH: 409" 409 "$STATUS"
api PUT /v1/nodes/n1/states/power '{"target":"power on"}' >/dev/null
expect_eq "locked node power: 409" 409 "$STATUS"
api DELETE /v1/nodes/n1 >/dev/null
expect_eq "locked node delete: 409" 409 "$STATUS"
ok "locked node: message names the holder" bash -c "jq -r .error_message '$T/api.body' | grep -q 'locked by host'"
wait_until 60 db_is "select provision_state from nodes where uuid='$N1'" available
expect_eq "lock released after the task" "" "$(db "select coalesce(reservation,'') from nodes where uuid='$N1'")"
expect_eq "refused PATCH left extra alone" "{}" "$(db "select extra from nodes where uuid='$N1'")"
api PATCH /v1/nodes/n1 '[{"op":"replace","path":"/driver_info/fake_delay","value":0}]' >/dev/null
api PUT /v1/nodes/n1/states/provision '{"target":"manage"}' >/dev/null
wait_until 60 db_is "select provision_state from nodes where uuid='$N1'" manageable

# Microversions
API_VERSION=1.999 api GET /v1/nodes >/dev/null
expect_eq "unsupported microversion: 406" 406 "$STATUS"
hdr=$(curl -sS -D - -o /dev/null "$INGOT_URL/v1" | tr -d '\r')
max=$(sed -n 's/^#define API_MAX_MINOR[[:space:]]*\([0-9]*\).*/\1/p' "$INGOT_SRC/src/api/api.h")
ok "max version header (src/api/api.h: 1.$max)" bash -c "grep -q '^X-OpenStack-Ironic-API-Maximum-Version: 1.$max\$' <<<'$hdr'"
ok "min version header" bash -c "grep -q '^X-OpenStack-Ironic-API-Minimum-Version: 1.1' <<<'$hdr'"
code=$(curl -sS -o "$T/old.json" -w '%{http_code}' -H 'X-OpenStack-Ironic-API-Version: 1.10' "$INGOT_URL/v1/nodes/$N1")
expect_eq "old microversion: 200" 200 "$code"
expect_eq "old microversion hides newer fields" "null" "$(jq -c .owner "$T/old.json")"
API_VERSION=1.4 api GET /v1/nodes/n1 >/dev/null
expect_eq "names need 1.5: 404" 404 "$STATUS"
API_VERSION=1.36 api GET /v1/nodes/n1/traits >/dev/null
expect_eq "a route below its microversion: 404" 404 "$STATUS"
ok "and says which version it needs" grep -q "needs 1.37 or later" "$T/api.body"
API_VERSION=1.22 api PATCH /v1/portgroups/nope '[' >/dev/null
expect_eq "the microversion is checked before the body" 404 "$STATUS"
api PATCH /v1/nodes/nope '[' >/dev/null
expect_eq "the body is checked before the node's existence" 400 "$STATUS"

# Listing: fields, limit/marker, sort
for i in 2 3 4; do api POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"n$i\"}" >/dev/null; done
api GET "/v1/nodes?limit=2" >/dev/null
expect_eq "page 1 size" 2 "$(jq '.nodes | length' "$T/api.body")"
next=$(jq -r .next "$T/api.body")
ok "next link present" test "$next" != null
code=$(curl -sS -o "$T/p2.json" -w '%{http_code}' -H 'X-OpenStack-Ironic-API-Version: latest' "$next")
expect_eq "page 2 via next" "n3 n4" "$(jq -r '[.nodes[].name] | join(" ")' "$T/p2.json")"
api GET "/v1/nodes?sort_key=name&sort_dir=desc&fields=name" >/dev/null
expect_eq "sort desc with fields" "n4 n3 n2 n1" "$(jq -r '[.nodes[].name] | join(" ")' "$T/api.body")"
api GET "/v1/nodes?sort_key=driver_info" >/dev/null
expect_eq "bad sort key: 400" 400 "$STATUS"
api GET "/v1/nodes?fields=nope" >/dev/null
expect_eq "bad field: 400" 400 "$STATUS"
api GET "/v1/nodes?provision_state=manageable" >/dev/null
expect_eq "filter provision_state" "n1" "$(jq -r '[.nodes[].name] | join(" ")' "$T/api.body")"
api GET "/v1/nodes?marker=11111111-2222-3333-4444-555555555555" >/dev/null
expect_eq "unknown marker: 400" 400 "$STATUS"
api GET "/v1/nodes?limit=-1" >/dev/null
expect_eq "negative limit: 400" 400 "$STATUS"

# Body limit
head -c 2000000 /dev/zero | tr '\0' 'a' > "$T/big"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$T/big" "$INGOT_URL/v1/nodes")
expect_eq "oversized body: 413" 413 "$code"
# Headers are bounded too (libmicrohttpd's per-connection memory).
big=$(head -c 70000 /dev/zero | tr '\0' a)
expect_eq "70 KB header: 431" 431 "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$INGOT_URL/v1/nodes")"
expect_eq "and ingotd keeps serving" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$INGOT_URL/v1/nodes")"
# Nesting is bounded before parsing (32 levels), inside strings it is text.
deep=$(python3 -c 'print("{\"driver\":\"fake-hardware\",\"extra\":" + "[" * 40 + "]" * 40 + "}")')
api POST /v1/nodes "$deep" >/dev/null
expect_eq "JSON nested 40 deep: 400" 400 "$STATUS"
ok "the error names the nesting" grep -q "nested deeper" "$T/api.body"
api POST /v1/nodes '{"driver":"fake-hardware","name":"brackets","extra":{"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}}' >/dev/null
expect_eq "brackets inside a string are not nesting" 201 "$STATUS"
api DELETE /v1/nodes/brackets >/dev/null

expect_eq "node n1 unchanged except its state" "manageable|||n1|{}|{\"fake_delay\":0}|0" "$(snapshot "$N1")"
ok "no reservation left anywhere" test "$(db 'select count(*) from nodes where reservation is not null')" = 0
ok "daemon still alive" kill -0 "$INGOTD_PID"
: "$before"
finish
