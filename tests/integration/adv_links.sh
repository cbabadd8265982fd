#!/usr/bin/env bash
# Adversarial: what API 1.82-1.88 added, in the hands of projects and
# lesser system roles.  A node's shard is the system admin's (Ironic's
# policy); parent_node the system member's; a parent is a visible node of
# the same owner, never the node itself or one of its descendants (every
# refusal the same 400, telling nothing of other nodes); a project sees
# only the children it may see; servicing is the owner's and the lessee
# admin's; filters are bounded.  Refusals change nothing.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/adv.sh"
adv_start || exit 1
db() { sqlite3 "$T/ingot.db" "$1"; }
NA=$(node_uuid na) NB=$(node_uuid nb) NU=$(node_uuid nu) NL=$(node_uuid nl)
# a second node of a's to be a child
as sysadmin POST /v1/nodes '{"name":"na2","driver":"fake-hardware","owner":"a"}' >/dev/null
NA2=$(node_uuid na2)

adv_rows <<ROWS
# shard: system admin only
sysadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/shard","value":"s1"}]|200
sysmember|PATCH|/v1/nodes/nb|[{"op":"add","path":"/shard","value":"s1"}]|403
aadmin|PATCH|/v1/nodes/na|[{"op":"replace","path":"/shard","value":"evil"}]|403
amember|PATCH|/v1/nodes/na|[{"op":"remove","path":"/shard"}]|403
badmin|PATCH|/v1/nodes/nl|[{"op":"add","path":"/shard","value":"s2"}]|403
# shards: system readers
sysreader|GET|/v1/shards||200
aadmin|GET|/v1/shards||403
-|GET|/v1/shards||401
# parent_node: system members; projects never
sysmember|PATCH|/v1/nodes/na2|[{"op":"add","path":"/parent_node","value":"na"}]|200
aadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/parent_node","value":"na2"}]|403
amember|PATCH|/v1/nodes/na2|[{"op":"remove","path":"/parent_node"}]|403
sysreader|PATCH|/v1/nodes/na2|[{"op":"remove","path":"/parent_node"}]|403
# a parent of another owner, of nobody, itself, its own child, unknown: 400
sysadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/parent_node","value":"nb"}]|400
sysadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/parent_node","value":"$NU"}]|400
sysadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/parent_node","value":"na"}]|400
sysadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/parent_node","value":"na2"}]|400
sysadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/parent_node","value":"../../etc"}]|400
sysadmin|PATCH|/v1/nodes/na|[{"op":"add","path":"/parent_node","value":{"uuid":"x"}}]|400
sysadmin|POST|/v1/nodes|{"name":"nx","driver":"fake-hardware","owner":"c","parent_node":"na"}|400
# children: who sees the parent sees the children it may see
amember|GET|/v1/nodes/na/children||200
breader|GET|/v1/nodes/na/children||404
creader|GET|/v1/nodes/na/children||404
# the firmware components of a node a project uses
areader|GET|/v1/nodes/na/firmware||200
breader|GET|/v1/nodes/nl/firmware||200
creader|GET|/v1/nodes/na/firmware||404
# servicing: not for readers, not for a lessee's member, not for strangers
areader|PUT|/v1/nodes/na/states/provision|{"target":"service","service_steps":[]}|403
bmember|PUT|/v1/nodes/nl/states/provision|{"target":"service","service_steps":[]}|403
cmember|PUT|/v1/nodes/na/states/provision|{"target":"service","service_steps":[]}|404
amember|PUT|/v1/nodes/na/states/provision|{"target":"service","service_steps":[{"interface":"bios","step":"apply_configuration","args":{}}]}|400
# bounded filters
sysreader|GET|/v1/nodes?shard=$(seq -s, 1 51)||400
sysreader|GET|/v1/nodes?shard=,,,||400
sysreader|GET|/v1/nodes?include_children=maybe||400
ROWS
expect_eq "na2's parent is na" "$NA" "$(db "select parent_node from nodes where name='na2'")"
expect_eq "the refused PATCHes changed no shard" "na:s1" "$(db "select group_concat(name || ':' || shard) from nodes where shard is not null")"
expect_eq "... and no parent" "na2" "$(db "select group_concat(name) from nodes where parent_node is not null")"
expect_eq "no node left locked" 0 "$(db "select count(*) from nodes where reservation is not null")"
expect_eq "no node of c's was created" 0 "$(db "select count(*) from nodes where name='nx'")"
as amember GET /v1/nodes/na/children >/dev/null
expect_eq "a's member sees na2 under na" "[\"$NA2\"]" "$(jq -c .children "$T/as.body")"
as bmember GET '/v1/nodes?include_children=true' >/dev/null
ok "b's member lists none of a's children" bash -c "! grep -q '$NA2' '$T/as.body'"
as bmember GET "/v1/nodes?parent_node=$NA" >/dev/null
expect_eq "... nor by parent" '[]' "$(jq -c .nodes "$T/as.body")"
as sysadmin PATCH /v1/nodes/nb '[{"op":"add","path":"/parent_node","value":"nl"}]' >/dev/null
expect_eq "a parent of the same owner only (nl is a's, leased to b): 400" 400 "$(cat <<<"$(as sysadmin PATCH /v1/nodes/nb '[{"op":"add","path":"/parent_node","value":"nl"}]')")"
as sysadmin PATCH /v1/nodes/na '[{"op":"add","path":"/parent_node","value":"nb"}]' >/dev/null
m1=$(jq -r .error_message "$T/as.body" | jq -r .faultstring | sed 's/nb/X/')
as sysadmin PATCH /v1/nodes/na '[{"op":"add","path":"/parent_node","value":"nosuch"}]' >/dev/null
m2=$(jq -r .error_message "$T/as.body" | jq -r .faultstring | sed 's/nosuch/X/')
expect_eq "another owner's node and no node: the same message" "$m1" "$m2"
finish
