#!/usr/bin/env bash
# Ironic's answers where clients depend on them (python3-ironic 21.4 is
# the reference): empty JSON Patch, paging limits, both microversion
# headers, repeated query parameters, GET /v1 links, protected nodes,
# abort versions, validate's interfaces; then traits, allocations and
# chassis with their status codes and what the database holds.
. "$(dirname "$0")/../lib/lib.sh"
ingot_start || exit 1
db() { sqlite3 "$T/ingot.db" "$1"; }
fault() { jq -r '.error_message | fromjson | .faultstring' "$T/api.body"; }

api POST /v1/nodes '{"driver":"fake-hardware","name":"p1","driver_info":{"fake_delay":0}}' >/dev/null
N1=$(jq -r .uuid "$T/api.body")

# --- the quick fixes ------------------------------------------------------
api PATCH /v1/nodes/p1 '[]' >/dev/null
expect_eq "empty JSON Patch: 200" 200 "$STATUS"
expect_eq "empty JSON Patch: the node" p1 "$(jq -r .name "$T/api.body")"
api PATCH /v1/nodes/p1 '{}' >/dev/null
expect_eq "a patch that is not a list: 400" 400 "$STATUS"

api GET "/v1/nodes?limit=0" >/dev/null
expect_eq "limit=0: 400 as Ironic" 400 "$STATUS"
ok "limit=0: says the limit must be positive" grep -q "positive" <(fault)
api GET "/v1/nodes?limit=5000" >/dev/null
expect_eq "limit above max_limit: 200" 200 "$STATUS"

code=$(curl -sS -o "$T/h.json" -D "$T/h.hdr" -w '%{http_code}' -H 'OpenStack-API-Version: baremetal 1.37' "$INGOT_URL/v1/nodes/p1/traits")
expect_eq "OpenStack-API-Version: baremetal 1.37 reaches a 1.37 route" 200 "$code"
ok "and is answered with the version" grep -qi '^X-OpenStack-Ironic-API-Version: 1.37' "$T/h.hdr"
ok "in both headers" grep -qi '^OpenStack-API-Version: baremetal 1.37' "$T/h.hdr"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'OpenStack-API-Version: baremetal 1.36' "$INGOT_URL/v1/nodes/p1/traits")
expect_eq "OpenStack-API-Version: baremetal 1.36 below the route: 404" 404 "$code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'OpenStack-API-Version: compute 2.90, baremetal 1.5' "$INGOT_URL/v1/nodes/p1")
expect_eq "the baremetal entry of a list (names need 1.5)" 200 "$code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'OpenStack-API-Version: compute 2.90' "$INGOT_URL/v1/nodes/p1")
expect_eq "another service's entry only: the default 1.1 (no names)" 404 "$code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'X-OpenStack-Ironic-API-Version: 1.37' -H 'OpenStack-API-Version: baremetal 1.36' "$INGOT_URL/v1/nodes/p1/traits")
expect_eq "X-OpenStack-Ironic-API-Version wins over OpenStack-API-Version" 200 "$code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'OpenStack-API-Version: baremetal 1.x' "$INGOT_URL/v1/nodes")
expect_eq "an unreadable version: 406 as Ironic" 406 "$code"

api GET "/v1/nodes?fields=name&fields=uuid" >/dev/null
expect_eq "fields given twice: 400" 400 "$STATUS"
ok "the error names the parameter" grep -q fields <(fault)
api GET "/v1/nodes/p1?fields=name&fields=uuid" >/dev/null
expect_eq "fields given twice on one node: 400" 400 "$STATUS"
api GET "/v1/nodes?fields=name,uuid" >/dev/null
expect_eq "fields as one list: 200" 200 "$STATUS"

api GET /v1 >/dev/null
ok "GET /v1 links lookup" jq -e '.lookup[0].href | endswith("/v1/lookup/")' "$T/api.body"
ok "GET /v1 links heartbeat" jq -e '.heartbeat[0].href | endswith("/v1/heartbeat/")' "$T/api.body"
API_VERSION=1.21 api GET /v1 >/dev/null
ok "not below 1.22" jq -e 'has("lookup") | not' "$T/api.body"

api GET /v1/nodes/p1/validate >/dev/null
ok "validate: no vendor entry (Ironic validates all but vendor)" jq -e 'has("vendor") | not' "$T/api.body"
ok "validate: power and deploy" jq -e 'has("power") and has("deploy")' "$T/api.body"

# protected: only active or rescue; blocks undeploy, rebuild and delete
api PATCH /v1/nodes/p1 '[{"op":"replace","path":"/protected","value":true}]' >/dev/null
expect_eq "protect an enroll node: 409" 409 "$STATUS"
api PATCH /v1/nodes/p1 '[{"op":"replace","path":"/protected_reason","value":"x"}]' >/dev/null
expect_eq "protected_reason without protected: 400" 400 "$STATUS"
for v in manage provide active; do
	api PUT /v1/nodes/p1/states/provision "{\"target\":\"$v\"}" >/dev/null
	wait_until 20 'test "$(db "select ifnull(target_provision_state,\"\") || reservation is null from nodes where name=\"p1\"")" = 1'
done
expect_eq "p1 deployed" active "$(db "select provision_state from nodes where name='p1'")"
api PATCH /v1/nodes/p1 '[{"op":"replace","path":"/protected","value":true},{"op":"add","path":"/protected_reason","value":"prod db"}]' >/dev/null
expect_eq "protect an active node: 200" 200 "$STATUS"
for v in deleted undeploy rebuild; do
	api PUT /v1/nodes/p1/states/provision "{\"target\":\"$v\"}" >/dev/null
	expect_eq "protected: $v is 403" 403 "$STATUS"
done
api PATCH /v1/nodes/p1 '[{"op":"add","path":"/maintenance","value":true}]' >/dev/null
api DELETE /v1/nodes/p1 >/dev/null
expect_eq "protected: delete is 403 (even in maintenance)" 403 "$STATUS"
api PATCH /v1/nodes/p1 '[{"op":"add","path":"/maintenance","value":false}]' >/dev/null
expect_eq "still active, not locked" "active|" "$(db "select provision_state || '|' || ifnull(reservation,'') from nodes where name='p1'")"
api PATCH /v1/nodes/p1 '[{"op":"replace","path":"/protected","value":false}]' >/dev/null
expect_eq "unprotect: the reason goes too" "0|" "$(db "select protected || '|' || ifnull(protected_reason,'') from nodes where name='p1'")"
api PUT /v1/nodes/p1/states/provision '{"target":"undeploy"}' >/dev/null
expect_eq "unprotected: undeploy 202" 202 "$STATUS"
wait_until 20 db_is "select provision_state from nodes where name='p1'" available

# abort in wait call-back: not below 1.110 (Ironic 21.4 has none)
db "update nodes set provision_state='wait call-back', target_provision_state='active' where name='p1'"
api PUT /v1/nodes/p1/states/provision '{"target":"abort"}' >/dev/null
expect_eq "abort in wait call-back: 400" 400 "$STATUS"
ok "and says the version it needs" grep -q "1.110" <(fault)
db "update nodes set provision_state='inspect wait', target_provision_state='manageable' where name='p1'"
API_VERSION=1.40 api PUT /v1/nodes/p1/states/provision '{"target":"abort"}' >/dev/null
expect_eq "abort in inspect wait at 1.40: 406" 406 "$STATUS"
api PUT /v1/nodes/p1/states/provision '{"target":"abort"}' >/dev/null
expect_eq "abort in inspect wait at 1.41+: 202" 202 "$STATUS"
expect_eq "inspect failed" "inspect failed" "$(db "select provision_state from nodes where name='p1'")"
api PUT /v1/nodes/p1/states/provision '{"target":"manage"}' >/dev/null
wait_until 20 db_is "select provision_state from nodes where name='p1'" manageable
finish
