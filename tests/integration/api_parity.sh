#!/usr/bin/env bash
# Ironic's answers where clients depend on them (python3-ironic 21.4 is
# the reference): empty JSON Patch, paging limits, both microversion
# headers, repeated query parameters, GET /v1 links, protected nodes,
# abort versions, validate's interfaces; then traits, allocations and
# chassis with their status codes and what the database holds.
. "$(dirname "$0")/../lib/lib.sh"
ingot_start || exit 1
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
	wait_until 20 'test "$(db "select coalesce(target_provision_state, '"''"') || '"'|'"' || coalesce(reservation, '"''"') from nodes where name = '"'p1'"'")" = "|"'
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
expect_eq "still active, not locked" "active|" "$(db "select provision_state || '|' || coalesce(reservation,'') from nodes where name='p1'")"
api PATCH /v1/nodes/p1 '[{"op":"replace","path":"/protected","value":false}]' >/dev/null
expect_eq "unprotect: the reason goes too" "0|" "$(db "select protected || '|' || coalesce(protected_reason,'') from nodes where name='p1'")"
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

# --- traits ---------------------------------------------------------------
api PUT /v1/nodes/p1/traits '{"traits":["CUSTOM_GPU","HW_CPU_X86_AVX2","CUSTOM_GPU"]}' >/dev/null
expect_eq "PUT traits: 204" 204 "$STATUS"
api GET /v1/nodes/p1/traits >/dev/null
expect_eq "traits stored sorted, once each" '["CUSTOM_GPU","HW_CPU_X86_AVX2"]' "$(jq -c .traits "$T/api.body")"
code=$(curl -sS -o /dev/null -D "$T/h.hdr" -w '%{http_code}' -X PUT -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/nodes/p1/traits/CUSTOM_RAID")
expect_eq "PUT one trait: 204" 204 "$code"
ok "with its Location" grep -qi "^Location: .*/v1/nodes/$N1/traits/CUSTOM_RAID" "$T/h.hdr"
api PUT /v1/nodes/p1/traits/CUSTOM_RAID >/dev/null
expect_eq "PUT it again: 204, still once" '["CUSTOM_GPU","CUSTOM_RAID","HW_CPU_X86_AVX2"]' \
	"$(db "select traits from nodes where name='p1'")"
api PUT /v1/nodes/p1/traits/CUSTOM_X '{"traits":["CUSTOM_Y"]}' >/dev/null
expect_eq "PUT one trait with a body: 400" 400 "$STATUS"
for bad in custom_lower CUSTOM_ 'CUSTOM_A-B' NOT_A_STANDARD_TRAIT "CUSTOM_$(printf 'A%.0s' $(seq 1 260))"; do
	api PUT "/v1/nodes/p1/traits/$bad" >/dev/null
	expect_eq "invalid trait ${bad:0:20}: 400" 400 "$STATUS"
done
api PUT /v1/nodes/p1/traits '{"traits":["CUSTOM_OK","bad"]}' >/dev/null
expect_eq "an invalid trait in a list: 400" 400 "$STATUS"
api PUT /v1/nodes/p1/traits '{"traits":"CUSTOM_OK"}' >/dev/null
expect_eq "traits not a list: 400" 400 "$STATUS"
api PUT /v1/nodes/p1/traits '{"traits":[],"extra":1}' >/dev/null
expect_eq "another key beside traits: 400" 400 "$STATUS"
expect_eq "refused PUTs changed nothing" '["CUSTOM_GPU","CUSTOM_RAID","HW_CPU_X86_AVX2"]' \
	"$(db "select traits from nodes where name='p1'")"
fifty=$(jq -nc '{traits: [range(50) | "CUSTOM_T\(.)"]}')
api PUT /v1/nodes/p1/traits "$fifty" >/dev/null
expect_eq "50 traits: 204" 204 "$STATUS"
api PUT /v1/nodes/p1/traits/CUSTOM_ONE_MORE >/dev/null
expect_eq "a 51st: 400" 400 "$STATUS"
api PUT /v1/nodes/p1/traits "$(jq -nc '{traits: [range(51) | "CUSTOM_T\(.)"]}')" >/dev/null
expect_eq "51 in one PUT: 400" 400 "$STATUS"
expect_eq "still 50" 50 "$(db "select traits from nodes where name='p1'" | jq length)"
api DELETE /v1/nodes/p1/traits/CUSTOM_T7 >/dev/null
expect_eq "DELETE one trait: 204" 204 "$STATUS"
api DELETE /v1/nodes/p1/traits/CUSTOM_T7 >/dev/null
expect_eq "DELETE a trait the node lacks: 404" 404 "$STATUS"
api DELETE /v1/nodes/p1/traits >/dev/null
expect_eq "DELETE all: 204" "204 []" "$STATUS $(db "select traits from nodes where name='p1'")"
API_VERSION=1.36 api PUT /v1/nodes/p1/traits/CUSTOM_A >/dev/null
expect_eq "traits below 1.37: 404" 404 "$STATUS"
api PATCH /v1/nodes/p1 '[{"op":"add","path":"/traits","value":["CUSTOM_A"]}]' >/dev/null
expect_eq "traits are not PATCHed: 400" 400 "$STATUS"
expect_eq "no lock left by traits" "" "$(db "select coalesce(reservation,'') from nodes where name='p1'")"

# --- allocations ------------------------------------------------------------
# a1..a4: available, resource class "gold"; a3 has CUSTOM_GPU; a4 is in
# maintenance; p1 (manageable) is gold too but not available
mknode() {
	api POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"$1\",\"resource_class\":\"$2\",\"driver_info\":{\"fake_delay\":0}}" >/dev/null
	api PUT "/v1/nodes/$1/states/provision" '{"target":"manage"}' >/dev/null
	wait_until 20 db_is "select provision_state from nodes where name='$1'" manageable
	api PUT "/v1/nodes/$1/states/provision" '{"target":"provide"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$1'" available
}
for n in a1 a2 a3 a4; do mknode $n gold; done
api PATCH /v1/nodes/p1 '[{"op":"add","path":"/resource_class","value":"gold"}]' >/dev/null
api PUT /v1/nodes/a3/traits '{"traits":["CUSTOM_GPU"]}' >/dev/null
api PUT /v1/nodes/a4/maintenance '{"reason":"fan"}' >/dev/null
ok "available nodes have a power state" test "$(db "select count(*) from nodes where name like 'a%' and power_state is not null")" = 4

api POST /v1/allocations '{"resource_class":"gold","traits":["CUSTOM_GPU"],"name":"want-gpu"}' >/dev/null
expect_eq "allocation: 201" 201 "$STATUS"
expect_eq "allocation: active on the node with the trait" "active $(db "select uuid from nodes where name='a3'")" \
	"$(jq -r '"\(.state) \(.node_uuid)"' "$T/api.body")"
AL1=$(jq -r .uuid "$T/api.body")
expect_eq "the node carries it (instance_uuid, allocation_uuid, instance_info.traits)" \
	"$AL1|$AL1|[\"CUSTOM_GPU\"]" "$(db "select instance_uuid || '|' || allocation_uuid from nodes where name='a3'")|$(db "select instance_info from nodes where name='a3'" | jq -c .traits)"
api GET /v1/nodes/a3/allocation >/dev/null
expect_eq "GET /v1/nodes/{node}/allocation" "$AL1" "$(jq -r .uuid "$T/api.body")"
api GET /v1/allocations/want-gpu >/dev/null
expect_eq "GET an allocation by name" "$AL1" "$(jq -r .uuid "$T/api.body")"
api POST /v1/allocations '{"resource_class":"gold","traits":["CUSTOM_GPU"]}' >/dev/null
expect_eq "no node left with the trait: 201 in state error" "201 error null" \
	"$STATUS $(jq -r '"\(.state) \(.node_uuid)"' "$T/api.body")"
ok "last_error says why" jq -e '.last_error | test("traits")' "$T/api.body"
api POST /v1/allocations '{"resource_class":"gold","name":"want-gpu"}' >/dev/null
expect_eq "a taken name: 409" 409 "$STATUS"
api POST /v1/allocations '{"traits":["CUSTOM_GPU"]}' >/dev/null
expect_eq "no resource_class: 400" 400 "$STATUS"
api POST /v1/allocations '{"resource_class":"gold","traits":["lower"]}' >/dev/null
expect_eq "an invalid trait: 400" 400 "$STATUS"
api POST /v1/allocations '{"resource_class":"gold","candidate_nodes":["nope"]}' >/dev/null
expect_eq "an unknown candidate: 400" 400 "$STATUS"
api POST /v1/allocations '{"resource_class":"gold","colour":"red"}' >/dev/null
expect_eq "an unknown attribute: 400" 400 "$STATUS"
API_VERSION=1.51 api POST /v1/allocations '{"resource_class":"gold"}' >/dev/null
expect_eq "allocations below 1.52: 404" 404 "$STATUS"
API_VERSION=1.59 api POST /v1/allocations '{"resource_class":"gold","owner":"x"}' >/dev/null
expect_eq "owner below 1.60: 406" 406 "$STATUS"
api POST /v1/allocations '{"resource_class":"gold","candidate_nodes":["a1","a4"]}' >/dev/null
expect_eq "candidate_nodes: a1 (a4 is in maintenance)" "active $(db "select uuid from nodes where name='a1'")" \
	"$(jq -r '"\(.state) \(.node_uuid)"' "$T/api.body")"
AL2=$(jq -r .uuid "$T/api.body")
api POST /v1/allocations '{"resource_class":"gold","candidate_nodes":["a4","p1"]}' >/dev/null
expect_eq "only unfit candidates: error" error "$(jq -r .state "$T/api.body")"
api POST /v1/allocations '{"resource_class":"gold","name":"a2"}' >/dev/null
expect_eq "a node named like the allocation comes first (1.79)" "$(db "select uuid from nodes where name='a2'")" "$(jq -r .node_uuid "$T/api.body")"
AL3=$(jq -r .uuid "$T/api.body")
api POST /v1/allocations '{"resource_class":"gold"}' >/dev/null
expect_eq "all gold nodes taken: error" error "$(jq -r .state "$T/api.body")"

api GET "/v1/allocations?state=active&fields=uuid,node_uuid" >/dev/null
expect_eq "list filtered by state" 3 "$(jq '.allocations | length' "$T/api.body")"
api GET "/v1/allocations?node=a1" >/dev/null
expect_eq "list filtered by node" "$AL2" "$(jq -r '.allocations[0].uuid' "$T/api.body")"
api GET "/v1/allocations?limit=2" >/dev/null
ok "paged: a next link" jq -e '.next | test("limit=2")' "$T/api.body"
api PATCH /v1/allocations/want-gpu '[{"op":"add","path":"/extra/k","value":"v"},{"op":"replace","path":"/name","value":"renamed"}]' >/dev/null
expect_eq "PATCH name and extra: 200" "200 renamed v" "$STATUS $(jq -r '"\(.name) \(.extra.k)"' "$T/api.body")"
api PATCH /v1/allocations/renamed '[{"op":"replace","path":"/resource_class","value":"x"}]' >/dev/null
expect_eq "PATCH another field: 400" 400 "$STATUS"
API_VERSION=1.56 api PATCH /v1/allocations/renamed '[{"op":"add","path":"/extra/k","value":"w"}]' >/dev/null
expect_eq "PATCH below 1.57: 404" 404 "$STATUS"

# delete frees the node; active nodes keep theirs
api DELETE "/v1/allocations/$AL2" >/dev/null
expect_eq "DELETE: 204" 204 "$STATUS"
expect_eq "a1 is free again" "|" "$(db "select coalesce(instance_uuid,'') || '|' || coalesce(allocation_uuid,'') from nodes where name='a1'")"
api DELETE /v1/nodes/a2/allocation >/dev/null
expect_eq "DELETE /v1/nodes/{node}/allocation: 204" "204 0" "$STATUS $(db "select count(*) from allocations where uuid='$AL3'")"
api PATCH /v1/nodes/a3 '[{"op":"add","path":"/instance_info/image_source","value":"http://127.0.0.1:9/img"}]' >/dev/null
api PUT /v1/nodes/a3/states/provision '{"target":"active"}' >/dev/null
wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='a3'" active
api DELETE /v1/allocations/renamed >/dev/null
expect_eq "DELETE the allocation of an active node: 409" 409 "$STATUS"
api PUT /v1/nodes/a3/states/provision '{"target":"deleted"}' >/dev/null
wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='a3'" available
expect_eq "undeploy frees the allocation with the instance" "0 |" \
	"$(db "select count(*) from allocations where uuid='$AL1'") $(db "select coalesce(instance_uuid,'') || '|' || coalesce(allocation_uuid,'') from nodes where name='a3'")"

# backfill (1.58): an active node deployed without an allocation
api PUT /v1/nodes/a1/states/provision '{"target":"active"}' >/dev/null
wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='a1'" active
api PATCH /v1/nodes/a1 '[{"op":"add","path":"/instance_uuid","value":"0e5e2d4c-6c8b-4a0e-9a61-3a3c1b2d4e5f"}]' >/dev/null
api POST /v1/allocations '{"node":"a1"}' >/dev/null
expect_eq "backfill: 201 active, the node's instance_uuid as UUID" "201 active 0e5e2d4c-6c8b-4a0e-9a61-3a3c1b2d4e5f gold" \
	"$STATUS $(jq -r '"\(.state) \(.uuid) \(.resource_class)"' "$T/api.body")"
api POST /v1/allocations '{"node":"a2"}' >/dev/null
expect_eq "backfill of a node that is not active: 400" 400 "$STATUS"
api POST /v1/allocations '{"node":"a1","resource_class":"silver"}' >/dev/null
expect_eq "backfill of a node already allocated: 409" 409 "$STATUS"
API_VERSION=1.57 api POST /v1/allocations '{"node":"a1"}' >/dev/null
expect_eq "backfill below 1.58: 400" 400 "$STATUS"
expect_eq "one allocation per node, one node per allocation" "0 0" \
	"$(db "select count(*) from (select node_uuid from allocations where node_uuid is not null group by node_uuid having count(*) > 1) as d") $(db "select count(*) from (select allocation_uuid from nodes where allocation_uuid is not null group by allocation_uuid having count(*) > 1) as d")"
expect_eq "no allocation left allocating" 0 "$(db "select count(*) from allocations where state='allocating'")"
expect_eq "no lock left" 0 "$(db "select count(*) from nodes where reservation is not null")"

# --- chassis ----------------------------------------------------------------
api POST /v1/chassis '{"description":"rack 7","extra":{"row":"B"}}' >/dev/null
expect_eq "chassis create: 201" 201 "$STATUS"
CH=$(jq -r .uuid "$T/api.body")
ok "chassis: links to its nodes" jq -e '.nodes[0].href | endswith("/v1/chassis/'"$CH"'/nodes")' "$T/api.body"
api POST /v1/chassis '{"description":"x","colour":"red"}' >/dev/null
expect_eq "chassis with an unknown field: 400" 400 "$STATUS"
api POST /v1/chassis "{\"description\":\"$(printf 'd%.0s' $(seq 1 256))\"}" >/dev/null
expect_eq "description over 255: 400" 400 "$STATUS"
api POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"c1\",\"chassis_uuid\":\"$CH\"}" >/dev/null
expect_eq "node in the chassis: 201" 201 "$STATUS"
api POST /v1/nodes '{"driver":"fake-hardware","name":"c2","chassis_uuid":"11111111-2222-3333-4444-555555555555"}' >/dev/null
expect_eq "node in an unknown chassis: 400" 400 "$STATUS"
api POST /v1/nodes '{"driver":"fake-hardware","name":"c2"}' >/dev/null
api PATCH /v1/nodes/c2 "[{\"op\":\"add\",\"path\":\"/chassis_uuid\",\"value\":\"$CH\"}]" >/dev/null
expect_eq "PATCH a node into the chassis: 200" 200 "$STATUS"
api PATCH /v1/nodes/c2 '[{"op":"replace","path":"/chassis_uuid","value":"nope"}]' >/dev/null
expect_eq "PATCH to an unknown chassis: 400" 400 "$STATUS"
api GET "/v1/chassis/$CH/nodes" >/dev/null
expect_eq "the chassis' nodes" "c1 c2" "$(jq -r '[.nodes[].name] | join(" ")' "$T/api.body")"
api GET "/v1/chassis/$CH/nodes/detail" >/dev/null
expect_eq "... in detail" "$CH $CH" "$(jq -r '[.nodes[].chassis_uuid] | join(" ")' "$T/api.body")"
api GET "/v1/nodes?chassis_uuid=$CH&fields=name" >/dev/null
expect_eq "the node list filtered by chassis_uuid" "c1 c2" "$(jq -r '[.nodes[].name] | join(" ")' "$T/api.body")"
api GET "/v1/chassis" >/dev/null
expect_eq "chassis list: short form" '["description","links","uuid"]' "$(jq -c '.chassis[0] | keys' "$T/api.body")"
api GET "/v1/chassis/detail" >/dev/null
expect_eq "chassis detail: extra" B "$(jq -r '.chassis[0].extra.row' "$T/api.body")"
api PATCH "/v1/chassis/$CH" '[{"op":"replace","path":"/description","value":"rack 8"}]' >/dev/null
expect_eq "chassis PATCH: 200" "200 rack 8" "$STATUS $(jq -r .description "$T/api.body")"
api PATCH "/v1/chassis/$CH" '[{"op":"replace","path":"/uuid","value":"11111111-2222-3333-4444-555555555555"}]' >/dev/null
expect_eq "chassis uuid is not PATCHed: 400" 400 "$STATUS"
api DELETE "/v1/chassis/$CH" >/dev/null
expect_eq "deleting a chassis with nodes: 400" 400 "$STATUS"
api PATCH /v1/nodes/c1 '[{"op":"remove","path":"/chassis_uuid"}]' >/dev/null
API_VERSION=1.24 api PATCH /v1/nodes/c2 '[{"op":"remove","path":"/chassis_uuid"}]' >/dev/null
expect_eq "removing chassis_uuid below 1.25: 400" 400 "$STATUS"
api PATCH /v1/nodes/c2 '[{"op":"remove","path":"/chassis_uuid"}]' >/dev/null
api DELETE "/v1/chassis/$CH" >/dev/null
expect_eq "an empty chassis is deleted: 204" "204 0" "$STATUS $(db "select count(*) from chassis")"
api GET "/v1/chassis/$CH" >/dev/null
expect_eq "and is gone: 404" 404 "$STATUS"
api GET /v1 >/dev/null
ok "GET /v1 links chassis and allocations" jq -e '(.chassis[0].href | endswith("/v1/chassis/")) and (.allocations[0].href | endswith("/v1/allocations/"))' "$T/api.body"

# --- every Ironic route up to the announced version exists ----------------
# docs/api.md's table of Ironic's routes: each row at or below 1.81 is
# requested with names that do not exist; the router must know the route
# (no 405, no 404 "The resource could not be found." for the path).
max=$(curl -sS -D - -o /dev/null "$INGOT_URL/v1" | tr -d '\r' | sed -n 's/^X-OpenStack-Ironic-API-Maximum-Version: 1\.//p')
unknown=0 checked=0
while IFS='|' read -r _ m p since st _; do
	m=$(echo $m) p=$(echo $p | tr -d '`') since=${since// /}; since=${since#1.}
	[ "$since" -le "$max" ] || continue
	case "$st" in *"provisioning listeners"*) continue;; esac
	url=$(sed 's/{[a-z_]*}/zz-missing/g' <<<"$p")
	code=$(curl -sS -o "$T/r.json" -w '%{http_code}' -X "$m" -H "X-OpenStack-Ironic-API-Version: 1.$max" "$INGOT_URL$url")
	checked=$((checked + 1))
	if [ "$code" = 405 ] || { [ "$code" = 404 ] && grep -q 'The resource could not be found' "$T/r.json"; }; then
		unknown=$((unknown + 1)); echo "# not served: $m $p ($code)"
	fi
done < <(sed -n '/<!-- ironic:begin -->/,/<!-- ironic:end -->/p' "$INGOT_SRC/docs/api.md" | grep '^| [A-Z]')
ok "the table lists Ironic's routes ($checked at or below 1.$max)" test "$checked" -gt 100
expect_eq "every Ironic route at or below 1.$max is served" 0 "$unknown"
api GET /v1/nodes/p1/states/console >/dev/null
expect_eq "console on no-console: 400 does not support" "400" "$STATUS"
ok "... and says so" grep -q "does not support console" <(fault)
api PUT /v1/nodes/p1/management/inject_nmi >/dev/null
expect_eq "inject_nmi on the fake management interface: 204" 204 "$STATUS"
api GET /v1/nodes/p1/bios >/dev/null
expect_eq "bios: an empty list" '{"bios":[]}' "$(jq -c . "$T/api.body")"
api POST /v1/deploy_templates '{"name":"CUSTOM_X","steps":[]}' >/dev/null
expect_eq "deploy template without steps: 400" 400 "$STATUS"
api POST /v1/events '{"events":[{"event":"network.bind_port","port_id":"p"}]}' >/dev/null
expect_eq "events: 204" 204 "$STATUS"
api POST /v1/events '{"events":[{"event":"rm -rf"}]}' >/dev/null
expect_eq "unknown event: 400" 400 "$STATUS"
api GET "/v1/nodes/validate?node=p1" >/dev/null
expect_eq "GET /v1/nodes/validate?node=" 200 "$STATUS"
# Filters and paging Ironic has at or below 1.81.
api POST /v1/nodes '{"driver":"fake-hardware","name":"dc1","description":"rack 7 & row B"}' >/dev/null
api POST /v1/nodes '{"driver":"fake-hardware","name":"dc2","description":"rack 8"}' >/dev/null
expect_eq "description_contains: the one node" dc1 \
    "$(api GET '/v1/nodes?description_contains=7%20%26%20row' | jq -r '[.nodes[].name] | join(",")')"
api GET '/v1/nodes?description_contains=rack&limit=1' >/dev/null
ok "... its next link keeps the filter, encoded" grep -q 'description_contains=rack&' <(jq -r .next "$T/api.body")
host=$(api GET /v1/conductors | jq -r '.conductors[0].hostname')
expect_eq "conductor=<this one>: every node" "$(api GET /v1/nodes | jq '.nodes | length')" \
    "$(api GET "/v1/nodes?conductor=$host" | jq '.nodes | length')"
expect_eq "conductor=<another>: none" 0 "$(api GET '/v1/nodes?conductor=elsewhere' | jq '.nodes | length')"
for i in 1 2 3 4 5; do api PATCH /v1/nodes/dc1 "[{\"op\":\"add\",\"path\":\"/extra/h$i\",\"value\":1}]" >/dev/null; done
api PUT /v1/nodes/dc1/maintenance '{"reason":"r1"}' >/dev/null
api DELETE /v1/nodes/dc1/maintenance >/dev/null
api PUT /v1/nodes/dc1/maintenance '{"reason":"r2"}' >/dev/null
total=$(api GET /v1/nodes/dc1/history | jq '.history | length')
ok "node history has events to page ($total)" test "$total" -ge 2
seen=0 url="/v1/nodes/dc1/history?limit=1" pages=0
while [ -n "$url" ] && [ $pages -lt 50 ]; do
	api GET "$url" >/dev/null
	seen=$((seen + $(jq '.history | length' "$T/api.body"))); pages=$((pages + 1))
	url=$(jq -r '.next // empty' "$T/api.body"); url=${url#"$INGOT_URL"}
done
expect_eq "history paged one by one: every event once" "$total" "$seen"
api GET '/v1/nodes/dc1/history?marker=00000000-0000-0000-0000-000000000000' >/dev/null
expect_eq "history: unknown marker 400" 400 "$STATUS"
api GET '/v1/conductors?limit=1' >/dev/null
expect_eq "conductors?limit=1: one" 1 "$(jq '.conductors | length' "$T/api.body")"
api GET '/v1/conductors?limit=0' >/dev/null
expect_eq "conductors?limit=0: 400 as Ironic" 400 "$STATUS"
# reset_interfaces (1.45): only with a new driver.
api PATCH '/v1/nodes/dc2?reset_interfaces=true' '[{"op":"add","path":"/extra/x","value":1}]' >/dev/null
expect_eq "reset_interfaces without a driver change: 400" 400 "$STATUS"
api PATCH /v1/nodes/dc2 '[{"op":"replace","path":"/boot_interface","value":"fake"}]' >/dev/null
api PATCH '/v1/nodes/dc2?reset_interfaces=maybe' '[{"op":"replace","path":"/driver","value":"fake-hardware"}]' >/dev/null
expect_eq "reset_interfaces=maybe: 400" 400 "$STATUS"
# fake-hardware -> ipmi: bios_interface "fake" is not ipmi's.
api PATCH /v1/nodes/dc2 '[{"op":"replace","path":"/bios_interface","value":"fake"},{"op":"replace","path":"/boot_interface","value":"fake"}]' >/dev/null
api PATCH '/v1/nodes/dc2?reset_interfaces=false' '[{"op":"replace","path":"/driver","value":"ipmi"}]' >/dev/null
expect_eq "reset_interfaces=false and an interface the new driver lacks: 400" 400 "$STATUS"
expect_eq "... nothing changed" fake-hardware "$(api GET /v1/nodes/dc2 | jq -r .driver)"
api PATCH '/v1/nodes/dc2?reset_interfaces=true' '[{"op":"replace","path":"/driver","value":"ipmi"},{"op":"replace","path":"/deploy_interface","value":"fake"}]' >/dev/null
expect_eq "reset_interfaces=true with a new driver: 200" 200 "$STATUS"
expect_eq "... every interface not in the patch takes the new driver's default" "no-bios ipxe fake" \
    "$(api GET /v1/nodes/dc2 | jq -r '"\(.bios_interface) \(.boot_interface) \(.deploy_interface)"')"
# fields on drivers (1.77)
expect_eq "drivers?fields=name,hosts" '["hosts","name"]' "$(api GET '/v1/drivers?fields=name,hosts' | jq -c '.drivers[0] | keys')"
expect_eq "drivers/ipmi?fields=default_boot_interface" '{"default_boot_interface":"ipxe"}' "$(api GET '/v1/drivers/ipmi?fields=default_boot_interface' | jq -c .)"
api GET '/v1/drivers?fields=name,password' >/dev/null
expect_eq "drivers: an unknown field 400" 400 "$STATUS"
finish
