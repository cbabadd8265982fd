#!/usr/bin/env bash
# Adversarial: traits, allocations and chassis in the hands of projects.
# A project's allocations take only the nodes it owns or leases (never
# another project's or the system's, whatever candidate_nodes, node or
# owner it names); it sees and changes only its own allocations; traits
# are its admin's on nodes it owns, bounded in number and size; chassis
# are the system's.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/adv.sh"
adv_start || exit 1

# available gold nodes: pa (a), pl (b's, leased to a), pb (b), pu (nobody)
for n in pa:a: pl:b:a pb:b: pu::; do
	IFS=: read -r name owner lessee <<<"$n"
	body="{\"name\":\"$name\",\"driver\":\"fake-hardware\",\"resource_class\":\"gold\",\"driver_info\":{\"fake_delay\":0}"
	[ -n "$owner" ] && body+=",\"owner\":\"$owner\""
	[ -n "$lessee" ] && body+=",\"lessee\":\"$lessee\""
	as sysadmin POST /v1/nodes "$body}" >/dev/null
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"manage"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" manageable
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"provide"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" available
done
uuid() { db "select uuid from nodes where name='$1'"; }
PA=$(uuid pa) PL=$(uuid pl) PB=$(uuid pb) PU=$(uuid pu)

# --- allocations -------------------------------------------------------------
adv_rows <<ROWS
# another project's node, the system's node, by UUID or name: "not found"
amember|POST|/v1/allocations|{"resource_class":"gold","candidate_nodes":["pb"]}|400
amember|POST|/v1/allocations|{"resource_class":"gold","candidate_nodes":["$PU"]}|400
amember|POST|/v1/allocations|{"resource_class":"gold","candidate_nodes":["pa","pb"]}|400
# backfilling someone else's node
amember|POST|/v1/allocations|{"node":"pb"}|400
# an allocation for another project
amember|POST|/v1/allocations|{"resource_class":"gold","owner":"b"}|403
# readers do not allocate; anonymous callers do not either
areader|POST|/v1/allocations|{"resource_class":"gold"}|403
-|POST|/v1/allocations|{"resource_class":"gold"}|401
# bounded input
amember|POST|/v1/allocations|{"resource_class":"gold","name":"../etc"}|400
amember|POST|/v1/allocations|{"resource_class":"$(printf 'x%.0s' $(seq 1 81))"}|400
ROWS
many=$(jq -nc '{resource_class: "gold", candidate_nodes: [range(1001) | "pa"]}')
expect_eq "1001 candidate_nodes: 400" 400 "$(as amember POST /v1/allocations "$many")"
expect_eq "the refused requests stored no allocation" 0 "$(db 'select count(*) from allocations')"

# three allocations by project a: its own node, its leased node, then none
for i in 1 2 3; do
	as amember POST /v1/allocations "{\"resource_class\":\"gold\",\"name\":\"a$i\"}" >/dev/null
	echo "$(jq -r '.state + " " + (.node_uuid // "-") + " " + .owner' "$T/as.body")" >>"$T/a.out"
done
expect_eq "project a's allocations: owned by a" "a a a" "$(awk '{print $3}' "$T/a.out" | xargs)"
expect_eq "... got pa and pl (owned or leased), then none" "$(printf '%s\n' "$PA" "$PL" | sort | xargs) -" \
	"$(awk '$1 == "active" {print $2}' "$T/a.out" | sort | xargs) $(awk '$1 == "error" {print $2}' "$T/a.out")"
expect_eq "pb and pu are untouched" "|" "$(db "select coalesce(instance_uuid,'') || coalesce(allocation_uuid,'') from nodes where name in ('pb','pu')" | paste -sd'|')"
A1=$(db "select uuid from allocations where name='a1'")

adv_rows <<ROWS
# b neither sees nor touches a's allocations
bmember|GET|/v1/allocations/$A1||404
bmember|GET|/v1/allocations/a1||404
bmember|PATCH|/v1/allocations/a1|[{"op":"add","path":"/extra/x","value":1}]|404
bmember|DELETE|/v1/allocations/a1||404
bmember|GET|/v1/allocations?owner=a||403
cmember|GET|/v1/nodes/pa/allocation||404
# b owns pl but a's allocation on it is a's
bmember|GET|/v1/nodes/pl/allocation||403
bmember|DELETE|/v1/nodes/pl/allocation||403
# a's reader reads, does not change
areader|GET|/v1/allocations/a1||200
areader|DELETE|/v1/allocations/a1||403
# a may not rewrite what was allocated
amember|PATCH|/v1/allocations/a1|[{"op":"replace","path":"/owner","value":"b"}]|400
amember|PATCH|/v1/allocations/a1|[{"op":"replace","path":"/node_uuid","value":"$PB"}]|400
ROWS
as bmember GET /v1/allocations >/dev/null
expect_eq "b's list holds none of a's allocations" 0 "$(jq '.allocations | length' "$T/as.body")"
as amember GET "/v1/allocations?fields=name" >/dev/null
expect_eq "a's list holds its three" "a1 a2 a3" "$(jq -r '[.allocations[].name] | sort | join(" ")' "$T/as.body")"
expect_eq "a's allocations unchanged by b" "a|a|a" "$(db "select owner from allocations" | paste -sd'|')"
expect_eq "a deletes its own: 204" 204 "$(as amember DELETE /v1/allocations/a1)"

# --- traits ------------------------------------------------------------------
adv_rows <<'ROWS'
# the owner's admin sets traits; members, lessees and others do not
aadmin|PUT|/v1/nodes/pa/traits|{"traits":["CUSTOM_A"]}|204
amember|PUT|/v1/nodes/pa/traits|{"traits":["CUSTOM_B"]}|403
aadmin|PUT|/v1/nodes/pl/traits|{"traits":["CUSTOM_B"]}|403
badmin|PUT|/v1/nodes/pa/traits/CUSTOM_B||404
badmin|DELETE|/v1/nodes/pa/traits||404
cadmin|DELETE|/v1/nodes/pb/traits||404
areader|GET|/v1/nodes/pa/traits||200
ROWS
jq -nc '{traits: [range(20000) | "CUSTOM_T\(.)"]}' >"$T/flood.json"
expect_eq "20000 traits in one PUT: 400" 400 "$(as aadmin PUT /v1/nodes/pa/traits "" \
	-H 'Content-Type: application/json' --data-binary @"$T/flood.json")"
expect_eq "a 100 kB trait name: 400" 400 "$(as aadmin PUT /v1/nodes/pa/traits "{\"traits\":[\"CUSTOM_$(head -c 100000 /dev/zero | tr '\0' A)\"]}")"
for i in $(seq 1 49); do as aadmin PUT "/v1/nodes/pa/traits/CUSTOM_F$i" >/dev/null; done
expect_eq "one by one up to 50" 50 "$(db "select traits from nodes where name='pa'" | jq length)"
expect_eq "the 51st one by one: 400" 400 "$(as aadmin PUT /v1/nodes/pa/traits/CUSTOM_F50)"
expect_eq "still 50, CUSTOM_A among them" "50|1" "$(db "select traits from nodes where name='pa'" | jq -r '"\(length)|\(map(select(. == "CUSTOM_A")) | length)"')"

# --- config drives: only on nodes the caller may deploy; bounded -------------
adv_rows <<ROWS
# another project's node, the system's node: not seen
amember|PUT|/v1/nodes/pb/states/provision|{"target":"active","configdrive":{"meta_data":{"hostname":"x"}}}|404
amember|PUT|/v1/nodes/$PU/states/provision|{"target":"active","configdrive":"H4sI"}|404
# a reader does not deploy
areader|PUT|/v1/nodes/pa/states/provision|{"target":"active","configdrive":{"meta_data":{}}}|403
# on its own node: keys, types, URLs and formats checked before anything runs
amember|PUT|/v1/nodes/pa/states/provision|{"target":"active","configdrive":{"files":{"../../root/.ssh/authorized_keys":"k"}}}|400
amember|PUT|/v1/nodes/pa/states/provision|{"target":"active","configdrive":{"network_data":[]}}|400
amember|PUT|/v1/nodes/pa/states/provision|{"target":"active","configdrive":"file:///etc/shadow"}|400
amember|PUT|/v1/nodes/pa/states/provision|{"target":"active","configdrive":"!!!"}|400
ROWS
head -c 80M /dev/zero | gzip -c | base64 -w0 | jq -Rc '{target: "active", configdrive: .}' >"$T/bomb.json"
expect_eq "a gzip bomb config drive: 413" 413 "$(as amember PUT /v1/nodes/pa/states/provision "" \
	-H 'Content-Type: application/json' --data-binary @"$T/bomb.json")"
expect_eq "pa still available, without a config drive" "available|" \
	"$(db "select provision_state, coalesce($(db_json instance_info configdrive),'') from nodes where name='pa'")"

# --- chassis -----------------------------------------------------------------
expect_eq "the system admin creates a chassis" 201 "$(as sysadmin POST /v1/chassis '{"description":"r1"}')"
CH=$(jq -r .uuid "$T/as.body")
adv_rows <<ROWS
aadmin|POST|/v1/chassis|{"description":"mine"}|403
amember|GET|/v1/chassis||403
aadmin|GET|/v1/chassis/$CH||403
aadmin|PATCH|/v1/chassis/$CH|[{"op":"replace","path":"/description","value":"x"}]|403
aadmin|DELETE|/v1/chassis/$CH||403
aadmin|GET|/v1/chassis/$CH/nodes||403
sysreader|POST|/v1/chassis|{"description":"x"}|403
sysmember|DELETE|/v1/chassis/$CH||403
# a project may not move its node into a chassis
aadmin|PATCH|/v1/nodes/pa|[{"op":"add","path":"/chassis_uuid","value":"$CH"}]|403
sysmember|PATCH|/v1/chassis/$CH|[{"op":"replace","path":"/description","value":"r2"}]|200
ROWS
expect_eq "the chassis as the system left it" "r2|1" "$(db "select description, (select count(*) from chassis) from chassis")"
expect_eq "no node in it" 0 "$(db "select count(*) from nodes where chassis_uuid is not null")"
expect_eq "no lock left" 0 "$(db 'select count(*) from nodes where reservation is not null')"
finish
