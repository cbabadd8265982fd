#!/usr/bin/env bash
# Adversarial: multi-attach volumes of Ingot's pool (docs/storage.md) in
# the hands of projects, against a real tgtd.  The pool and the targets are
# the operator's: projects neither create, read, change nor delete volumes
# (their attachments name other projects' nodes), nor add targets to their
# own nodes; a multiattach volume of project b never goes to a node of a
# (409, no row, no tgt target), even when the operator asks; a second node
# never takes a volume that is not multiattach; the count is bounded; the
# attachment's secret shows masked to the node's project and is in no
# answer or log; a project's config drive cannot smuggle in a volumes list
# of its own (Ingot's replaces it).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/adv.sh"
for p in tgtd tgtadm iscsi-readcapacity16 isoinfo; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done
CP=$(( 1000 + ($$ + 15401) % 30000 ))
PORTAL_PORT=$(free_port)
tgtd -f -C "$CP" --iscsi portal=127.0.0.1:"$PORTAL_PORT" >"$T/tgtd.log" 2>&1 &
TGTD_PID=$!
tadm() { tgtadm -C "$CP" --lld iscsi "$@"; }
tgt_stop() {
	tadm --op update --mode sys --name State -v offline >/dev/null 2>&1
	for tid in $(tadm --op show --mode target 2>/dev/null | sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
		tadm --op delete --force --mode target --tid "$tid" >/dev/null 2>&1
	done
	tadm --op delete --mode system >/dev/null 2>&1
	kill "$TGTD_PID" 2>/dev/null; wait "$TGTD_PID" 2>/dev/null
}
trap 'tgt_stop; _cleanup' EXIT
wait_until 20 tadm --op show --mode target || { echo "not ok - tgtd start"; exit 1; }
mkdir -p "$T/pool"
adv_start <<CONF || exit 1
[storage]
pool_dir = $T/pool
tgt_control_port = $CP
portal = 127.0.0.1:$PORTAL_PORT
max_volume_gb = 1
max_attachments = 2
CONF
state_of() { db "select provision_state || coalesce(reservation,'') from nodes where name='$1'"; }

# active nodes ma, ma2, ma3 (owned by a) and mb (b), iscsi storage, an iqn each
for n in ma:a:1 ma2:a:2 ma3:a:3 mb:b:4; do
	IFS=: read -r name owner i <<<"$n"
	as sysadmin POST /v1/nodes "{\"name\":\"$name\",\"driver\":\"fake-hardware\",\"owner\":\"$owner\",\"storage_interface\":\"iscsi\"}" >/dev/null
	as sysadmin POST /v1/volume/connectors "{\"node_uuid\":\"$name\",\"type\":\"iqn\",\"connector_id\":\"iqn.2026-01.org.example:$name\"}" >/dev/null
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"manage"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" manageable
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"provide"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" available
done
for name in ma ma2 ma3 mb; do
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"active"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" active
done
expect_eq "a multiattach volume of b" 201 "$(as sysadmin POST /v1/volumes '{"name":"vb","size":1,"project":"b","multiattach":true}')"
expect_eq "a multiattach volume of a" 201 "$(as sysadmin POST /v1/volumes '{"name":"va","size":1,"project":"a","multiattach":true}')"
expect_eq "a plain volume of a" 201 "$(as sysadmin POST /v1/volumes '{"name":"vs","size":1,"project":"a"}')"
NT=$(db "select count(*) from volume_targets")

adv_rows <<'ROWS'
# the pool is the operator's: no project creates, reads or changes a volume
aadmin|POST|/v1/volumes|{"size":1,"project":"a","multiattach":true}|403
amember|POST|/v1/volumes|{"size":1,"multiattach":true}|403
aadmin|GET|/v1/volumes||403
aadmin|GET|/v1/volumes/va||403|404
badmin|GET|/v1/volumes/vb||403|404
aadmin|PATCH|/v1/volumes/vs|[{"op":"replace","path":"/multiattach","value":true}]|403|404
aadmin|DELETE|/v1/volumes/va||403|404
-|GET|/v1/volumes||401
# nor adds a target to its node (it would name any volume)
aadmin|POST|/v1/volume/targets|{"node_uuid":"ma","volume_type":"iscsi","boot_index":1,"volume_id":"vb"}|403|404
badmin|POST|/v1/volume/targets|{"node_uuid":"mb","volume_type":"iscsi","boot_index":1,"volume_id":"va"}|403|404
# the operator cannot hand b's volume to a's node, nor a's to b's
sysadmin|POST|/v1/volume/targets|{"node_uuid":"ma","volume_type":"iscsi","boot_index":1,"volume_id":"vb"}|409
sysadmin|POST|/v1/volume/targets|{"node_uuid":"mb","volume_type":"iscsi","boot_index":1,"volume_id":"va"}|409
# multiattach is set at creation only, by the operator; attachments never
sysadmin|PATCH|/v1/volumes/vs|[{"op":"replace","path":"/multiattach","value":true}]|400|403
sysadmin|PATCH|/v1/volumes/va|[{"op":"add","path":"/attachments/-","value":{"node_uuid":"x"}}]|400|403
sysadmin|POST|/v1/volumes|{"size":1,"multiattach":1}|400
sysadmin|POST|/v1/volumes|{"size":1,"attachments":[]}|400
ROWS
expect_eq "refused attachments left no target row" "$NT" "$(db "select count(*) from volume_targets")"
expect_eq "... no tgt target" "" "$(tadm --op show --mode target)"
expect_eq "... volumes available, not attached" "available|[] available|[]" \
	"$(db "select status || '|' || attachments from volumes where name in ('va','vb') order by name" | paste -sd' ')"

# The operator's attachments: a's multiattach volume to two a nodes, not a
# third (max_attachments 2); the plain one to one node only.
expect_eq "va to ma" 201 "$(as sysadmin POST /v1/volume/targets '{"node_uuid":"ma","volume_type":"iscsi","boot_index":1,"volume_id":"va"}')"
expect_eq "va to ma2" 201 "$(as sysadmin POST /v1/volume/targets '{"node_uuid":"ma2","volume_type":"iscsi","boot_index":1,"volume_id":"va"}')"
expect_eq "va to ma3: past max_attachments, 409" 409 "$(as sysadmin POST /v1/volume/targets '{"node_uuid":"ma3","volume_type":"iscsi","boot_index":1,"volume_id":"va"}')"
expect_eq "vs to ma" 201 "$(as sysadmin POST /v1/volume/targets '{"node_uuid":"ma","volume_type":"iscsi","boot_index":2,"volume_id":"vs"}')"
expect_eq "vs to ma2: not multiattach, 409" 409 "$(as sysadmin POST /v1/volume/targets '{"node_uuid":"ma2","volume_type":"iscsi","boot_index":2,"volume_id":"vs"}')"
expect_eq "... Ironic's error body" "in-use" "$(jq -r '.error_message | fromjson | .faultstring' "$T/as.body" | grep -o in-use)"
expect_eq "va: two attachments, vs: one" "2 1" \
	"$(as sysadmin GET /v1/volumes/va >/dev/null; jq '.attachments | length' "$T/as.body") $(as sysadmin GET /v1/volumes/vs >/dev/null; jq '.attachments | length' "$T/as.body")"
expect_eq "three tgt targets, each with one initiator in its ACL" "3 3" \
	"$(tadm --op show --mode target | grep -c '^Target') $(tadm --op show --mode target | sed -n '/ACL information/{n;p}' | grep -c iqn.2026-01.org.example)"
# the node's project sees its targets, the secret masked; b sees nothing of them
expect_eq "areader reads ma's targets" 200 "$(as areader GET '/v1/nodes/ma/volume/targets?detail=True')"
ok "... their secrets masked" bash -c "jq -e '[.targets[].properties.auth_password] | all(. == \"******\")' $T/as.body"
expect_eq "breader does not see ma's targets" 404 "$(as breader GET '/v1/nodes/ma/volume/targets?detail=True')"

# a's config drive naming b's volume in its own "ingot" vendor data: Ingot's
# list (ma's own attachments, rebuilt at deploy) replaces it.
for name in ma; do
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"deleted"}' >/dev/null
	wait_until 30 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" available
done
expect_eq "ma's undeploy detached its attachments only" "1 available" \
	"$(as sysadmin GET /v1/volumes/va >/dev/null; jq '.attachments | length' "$T/as.body") $(as sysadmin GET /v1/volumes/vs >/dev/null; jq -r .status "$T/as.body")"
expect_eq "aadmin deploys ma with a config drive naming vb" 202 \
	"$(as aadmin PUT /v1/nodes/ma/states/provision '{"target":"active","configdrive":{"vendor_data":{"ingot":{"volumes":[{"volume_id":"vb","data":{"target_iqn":"iqn.2026-01.org.ingot:stolen"}}]}}}}')"
wait_until 30 db_is "select provision_state || coalesce(reservation,'') from nodes where name='ma'" active
db "select instance_info from nodes where name='ma'" | jq -r .configdrive | base64 -d | gunzip >"$T/ma.iso"
isoinfo -R -i "$T/ma.iso" -x /openstack/latest/vendor_data2.json >"$T/ma.vd2"
expect_eq "ma's drive lists its own volumes only" "va vs" "$(jq -r '[.ingot.volumes[].volume_id] | sort | join(" ")' "$T/ma.vd2")"
ok "... nothing of the smuggled target" bash -c "! grep -q stolen $T/ma.vd2"
as aadmin GET /v1/nodes/ma >/dev/null
ok "aadmin sees neither the drive nor the kept form" bash -c "! grep -q 'auth_password\|vendor_data' $T/as.body"
for s in $(jq -r '.ingot.volumes[].data.auth_password' "$T/ma.vd2"); do
	ok "the CHAP secret is in no log and no answer to a or to the operator" bash -c \
		"! grep -qF -- '$s' $T/ingotd.log && ! grep -qF -- '$s' $T/as.body && \
		 [ \"\$(curl -s -u sysadmin:pw-sysadmin -H 'X-OpenStack-Ironic-API-Version: latest' '$INGOT_URL/v1/volume/targets?detail=True' | grep -cF -- '$s')\" = 0 ]"
done
for n in ma ma2 ma3 mb; do
	expect_eq "$n active and unlocked" active "$(state_of $n)"
done
finish
