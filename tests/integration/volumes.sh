#!/usr/bin/env bash
# Ingot's volume pool and the iscsi storage interface against a real tgtd
# (its own management channel and a portal on loopback), logged in to with
# libiscsi's and QEMU's userspace initiators: the node's IQN and CHAP read
# and write, another IQN or secret is refused, detach removes the export,
# the data survives re-attach; Ironic's volume API rules; the sanboot
# script of a boot-from-volume node.
. "$(dirname "$0")/../lib/lib.sh"
for p in tgtd tgtadm iscsi-readcapacity16 qemu-io; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done
CP=$(( 1000 + $$ % 30000 ))	# tgtd's management channel, ours alone
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

mkdir -p "$T/pool" "$T/img"
cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[deploy]
file_url_allowed_paths = $T/img
[storage]
pool_dir = $T/pool
tgt_control_port = $CP
portal = 127.0.0.1:$PORTAL_PORT
max_volume_gb = 4
max_volumes = 6
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
js() { "$INGOT" -f json "$@"; }
IQN_A=iqn.2026-01.org.example:node-a
IQN_B=iqn.2026-01.org.example:node-b

# --- the pool ---------------------------------------------------------------
api POST /v1/volumes '{"name":"vol1","size":1,"project":"pa"}' >/dev/null; V=$(jq -r .uuid "$T/api.body")
expect_eq "volume created" 201 "$STATUS"
expect_eq "volume available" available "$(api GET /v1/volumes/vol1 | jq -r .status)"
expect_eq "its file is 1 GiB and sparse" "1073741824 0" \
	"$(stat -c %s "$T/pool/$V.img") $(du -k "$T/pool/$V.img" | cut -f1)"
ok "internal_info never shown" bash -c "curl -fsS $INGOT_URL/v1/volumes/$V | jq -e 'has(\"internal_info\") | not'"
for bad in '{"size":0}' '{"size":-1}' '{"size":5}' '{"size":"1"}' '{"size":1,"name":"a b"}' \
	'{"size":1,"status":"in-use"}' '{"size":1,"attached_node":"x"}' \
	'{"size":1,"image_source":"file:///etc/passwd","image_checksum":"00"}' \
	'{"size":1,"image_source":"gopher://x/y","image_checksum":"00"}' '{"size":1,"name":"vol1"}'; do
	api POST /v1/volumes "$bad" >/dev/null
	ok "bad volume $bad refused ($STATUS)" test "$STATUS" = 400 -o "$STATUS" = 409
done
expect_eq "one volume file only" 1 "$(ls "$T/pool" | wc -l)"

# --- Ironic's volume API ------------------------------------------------------
js node create --driver fake-hardware --name na >/dev/null
js node create --driver fake-hardware --name nb >/dev/null
api PATCH /v1/nodes/na '[{"op":"replace","path":"/storage_interface","value":"iscsi"},{"op":"replace","path":"/owner","value":"pa"}]' >/dev/null
expect_eq "storage_interface iscsi accepted" 200 "$STATUS"
api PATCH /v1/nodes/nb '[{"op":"replace","path":"/storage_interface","value":"iscsi"}]' >/dev/null
api POST /v1/ports '{"address":"52:54:00:14:00:0a","node_uuid":"na"}' >/dev/null
api POST /v1/ports '{"address":"52:54:00:14:00:0b","node_uuid":"nb"}' >/dev/null
api POST /v1/volume/connectors "{\"node_uuid\":\"na\",\"type\":\"iqn\",\"connector_id\":\"$IQN_A\"}" >/dev/null; CA=$(jq -r .uuid "$T/api.body")
expect_eq "connector created" 201 "$STATUS"
api POST /v1/volume/connectors "{\"node_uuid\":\"nb\",\"type\":\"iqn\",\"connector_id\":\"$IQN_A\"}" >/dev/null
expect_eq "the same iqn for another node: 409" 409 "$STATUS"
api POST /v1/volume/connectors "{\"node_uuid\":\"nb\",\"type\":\"iqn\",\"connector_id\":\"$IQN_B\"}" >/dev/null
for bad in '{"node_uuid":"na","type":"nvme","connector_id":"x"}' '{"node_uuid":"nx","type":"ip","connector_id":"1.2.3.4"}' \
	'{"node_uuid":"na","type":"ip"}' '{"node_uuid":"na","type":"ip","connector_id":""}' \
	'{"node_uuid":"na","type":"ip","connector_id":"a\nb"}' '{"node_uuid":"na","type":"ip","connector_id":"1.2.3.4","bogus":1}'; do
	api POST /v1/volume/connectors "$bad" >/dev/null
	ok "bad connector $bad refused ($STATUS)" test "$STATUS" = 400
done
api POST /v1/volume/targets "{\"node_uuid\":\"na\",\"volume_type\":\"iscsi\",\"boot_index\":0,\"volume_id\":\"$V\"}" >/dev/null
expect_eq "boot target created" 201 "$STATUS"
api POST /v1/volume/targets "{\"node_uuid\":\"na\",\"volume_type\":\"iscsi\",\"boot_index\":0,\"volume_id\":\"other\"}" >/dev/null
expect_eq "a second boot_index 0: 409" 409 "$STATUS"
for bad in '{"node_uuid":"na","volume_type":"iscsi","boot_index":-1,"volume_id":"v"}' \
	'{"node_uuid":"na","volume_type":"iscsi","boot_index":"1","volume_id":"v"}' \
	'{"node_uuid":"na","volume_type":"iscsi","boot_index":1}'; do
	api POST /v1/volume/targets "$bad" >/dev/null
	ok "bad target $bad refused ($STATUS)" test "$STATUS" = 400
done
expect_eq "node's connectors" "$IQN_A" "$(api GET /v1/nodes/na/volume/connectors | jq -r '.connectors[].connector_id')"
expect_eq "node's targets" 1 "$(api GET /v1/nodes/na/volume/targets | jq '.targets | length')"
API_VERSION=1.31 api GET /v1/volume/connectors >/dev/null
expect_eq "not before 1.32" 404 "$STATUS"
js node power on na >/dev/null 2>&1; wait_until 20 "[ \"\$(js node show na | jq -r .power_state)\" = 'power on' ]"
api PATCH /v1/volume/connectors/$CA '[{"op":"replace","path":"/extra/x","value":"1"}]' >/dev/null
expect_eq "connector change while powered on: 400" 400 "$STATUS"
api DELETE /v1/volume/connectors/$CA >/dev/null
expect_eq "connector deletion while powered on: 400" 400 "$STATUS"
js node power off na >/dev/null 2>&1; wait_until 20 "[ \"\$(js node show na | jq -r .power_state)\" = 'power off' ]"
api PATCH /v1/volume/connectors/$CA '[{"op":"add","path":"/extra/x","value":"1"}]' >/dev/null
expect_eq "connector change while powered off" 200 "$STATUS"

# --- attach at deploy, boot from the volume -----------------------------------
deploy() {
	"$INGOT" node manage "$1" --wait 30 >/dev/null 2>&1
	"$INGOT" node provide "$1" --wait 30 >/dev/null 2>&1
	"$INGOT" node deploy "$1" --wait 60 >/dev/null 2>&1
	wait_until 60 "[ \"\$(js node show $1 | jq -r .provision_state)\" = active ]"
}
undeploy() {
	"$INGOT" node undeploy "$1" --wait 60 >/dev/null 2>&1
	wait_until 60 "[ \"\$(js node show $1 | jq -r .provision_state)\" = available ]"
}
ok "boot-from-volume node deploys" deploy na
expect_eq "volume in use by na" "in-use $(js node show na | jq -r .uuid)" \
	"$(api GET /v1/volumes/$V | jq -r '.status + " " + .attached_node')"
ok "the secret is masked in the target" bash -c "curl -fsS -H 'X-OpenStack-Ironic-API-Version: latest' $INGOT_URL/v1/volume/targets?detail=True | jq -e '.targets[0].properties.auth_password == \"******\"'"
ok "tgt's ACL names only na's iqn" bash -c "tgtadm -C $CP --lld iscsi --op show --mode target | sed -n '/ACL information/,\$p' | grep -v ACL | tr -d ' ' | grep -qx '$IQN_A'"
SCRIPT=$(curl -fsS "$INGOT_URL/ipxe/52-54-00-14-00-0a")
TIQN=$(api GET /v1/volume/targets?detail=True | jq -r '.targets[0].properties.target_iqn')
ok "the script sanboots the target" grep -qx "sanboot --drive 0x80 iscsi:127.0.0.1::$PORTAL_PORT:1:$TIQN || goto failed" <<<"$SCRIPT"
ok "the script sets the node's initiator name" grep -qx "set initiator-iqn $IQN_A" <<<"$SCRIPT"
U=$(sed -n 's/^set username //p' <<<"$SCRIPT"); S=$(sed -n 's/^set password //p' <<<"$SCRIPT")
ok "CHAP user and secret in the script" test -n "$U" -a ${#S} -ge 12
ok "another node's script has no sanboot" bash -c "! curl -fsS $INGOT_URL/ipxe/52-54-00-14-00-0b | grep -q 'sanboot\|$S'"
ok "the secret is not in ingotd's log" bash -c "! grep -q '$S' $T/ingotd.log"
url() { echo "iscsi://$2%$3@127.0.0.1:$PORTAL_PORT/$TIQN/1"; }
qio() {	# IQN USER SECRET qemu-io-commands...
	local i=$1 u=$2 s=$3; shift 3
	local a=()
	for c in "$@"; do a+=(-c "$c"); done
	qemu-io --image-opts "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:$PORTAL_PORT,file.target=$TIQN,file.lun=1,file.user=$u,file.password=$s,file.initiator-name=$i" "${a[@]}"
}
ok "na's IQN and CHAP read the LUN's size" iscsi-readcapacity16 -i "$IQN_A" "$(url x "$U" "$S")"
ok "na writes a pattern through the target" qio "$IQN_A" "$U" "$S" "write -P 0x5a 1M 1M" "read -P 0x5a 1M 1M"
ok "the pattern is in the volume's file" bash -c "cmp <(dd if=$T/pool/$V.img bs=1M skip=1 count=1 status=none) <(head -c 1048576 /dev/zero | tr '\\0' '\\132')"
ok "another IQN is refused" bash -c "! iscsi-readcapacity16 -i $IQN_B '$(url x "$U" "$S")'"
ok "a wrong secret is refused" bash -c "! iscsi-readcapacity16 -i $IQN_A '$(url x "$U" wrongsecret0000)'"
# tgtd forgets everything when it restarts: ingotd exports again, at its
# start, what its records say is attached (same target, ACL and account).
tgt_stop
tgtd -f -C "$CP" --iscsi portal=127.0.0.1:"$PORTAL_PORT" >>"$T/tgtd.log" 2>&1 &
TGTD_PID=$!
wait_until 20 tadm --op show --mode target
ok "a restarted tgtd has no target" bash -c "[ -z \"\$(tgtadm -C $CP --lld iscsi --op show --mode target)\" ]"
ingot_stop
ingot_start --config "$T/ingotd.conf" || exit 1
ok "after ingotd's start, na's IQN and CHAP read the LUN again" iscsi-readcapacity16 -i "$IQN_A" "$(url x "$U" "$S")"
ok "... and the pattern is still there" qio "$IQN_A" "$U" "$S" "read -P 0x5a 1M 1M"
ok "... for na's IQN only" bash -c "! iscsi-readcapacity16 -i $IQN_B '$(url x "$U" "$S")'"
ok "the re-export is logged, the secret is not" bash -c "grep -q 'exported again' $T/ingotd.log && ! grep -q '$S' $T/ingotd.log"
api DELETE /v1/volumes/$V >/dev/null
expect_eq "an attached volume is not deleted: 409" 409 "$STATUS"
api POST /v1/volume/targets "{\"node_uuid\":\"nb\",\"volume_type\":\"iscsi\",\"boot_index\":0,\"volume_id\":\"$V\"}" >/dev/null
js node manage nb --wait 30 >/dev/null 2>&1; js node provide nb --wait 30 >/dev/null 2>&1
"$INGOT" node deploy nb --wait 60 >/dev/null 2>&1
wait_until 60 "[ \"\$(js node show nb | jq -r .provision_state)\" = 'deploy failed' ]"
ok "nb's deploy fails: the volume is pa's and in use" bash -c "js() { $INGOT -f json \"\$@\"; }; js node show nb | jq -e '.last_error | test(\"volume\")'"
expect_eq "volume still na's" "$(js node show na | jq -r .uuid)" "$(api GET /v1/volumes/$V | jq -r .attached_node)"

# --- detach at undeploy, re-attach ---------------------------------------------
ok "na undeploys" undeploy na
expect_eq "volume available again" "available null" "$(api GET /v1/volumes/$V | jq -r '.status + " " + (.attached_node|tostring)')"
ok "no target left in tgt" bash -c "[ -z \"\$(tgtadm -C $CP --lld iscsi --op show --mode target)\" ]"
ok "the old credentials no longer log in" bash -c "! iscsi-readcapacity16 -i $IQN_A '$(url x "$U" "$S")'"
ok "target properties cleared" bash -c "curl -fsS -H 'X-OpenStack-Ironic-API-Version: latest' '$INGOT_URL/v1/volume/targets?detail=True&node=na' | jq -e '.targets[0].properties | has(\"auth_password\") | not'"
ok "no sanboot script for an undeployed node" bash -c "! curl -fsS $INGOT_URL/ipxe/52-54-00-14-00-0a | grep -q sanboot"
ok "na deploys again" deploy na
SCRIPT=$(curl -fsS "$INGOT_URL/ipxe/52-54-00-14-00-0a")
U2=$(sed -n 's/^set username //p' <<<"$SCRIPT"); S2=$(sed -n 's/^set password //p' <<<"$SCRIPT")
ok "a new secret per attachment" test -n "$S2" -a "$S2" != "$S"
ok "the data survived re-attach" qio "$IQN_A" "$U2" "$S2" "read -P 0x5a 1M 1M"
# A data volume added to, then removed from, the active node: attached and
# detached at once (Ingot's addition; the boot volume still needs power off).
api POST /v1/volumes '{"name":"hot1","size":1,"project":"pa"}' >/dev/null; VH=$(jq -r .uuid "$T/api.body")
api POST /v1/volumes '{"name":"hotb","size":1,"project":"pb"}' >/dev/null
NT=$(api GET /v1/nodes/na/volume/targets | jq '.targets | length')
api POST /v1/volume/targets '{"node_uuid":"na","volume_type":"iscsi","boot_index":2,"volume_id":"hotb"}' >/dev/null
expect_eq "another project's volume on the active node: 409" 409 "$STATUS"
expect_eq "... and no target is left behind" "$NT" "$(api GET /v1/nodes/na/volume/targets | jq '.targets | length')"
api POST /v1/volume/targets "{\"node_uuid\":\"na\",\"volume_type\":\"iscsi\",\"boot_index\":1,\"volume_id\":\"$VH\"}" >/dev/null
expect_eq "a data volume added to the active node" 201 "$STATUS"
HT=$(jq -r .uuid "$T/api.body"); HIQN=$(jq -r .properties.target_iqn "$T/api.body")
expect_eq "... is attached at once (answer: its target, secret masked)" "$(sed 's/.*://' <<<"$HIQN") ******" \
	"$(jq -r '.volume_id + " " + .properties.auth_password' "$T/api.body")"
expect_eq "... the volume in use by na" "in-use $(js node show na | jq -r .uuid)" \
	"$(api GET /v1/volumes/$VH | jq -r '.status + " " + .attached_node')"
ok "... tgt exports it for na's IQN alone" bash -c "tgtadm -C $CP --lld iscsi --op show --mode target | \
	sed -n '/$HIQN\$/,/^Target/p' | sed -n '/ACL information/,\$p' | grep -v ACL | grep -v '^Target' | tr -d ' ' | grep -qx '$IQN_A'"
api PATCH /v1/volume/targets/$HT '[{"op":"add","path":"/extra/x","value":"1"}]' >/dev/null
expect_eq "... changing it while the node is on: 400" 400 "$STATUS"
api DELETE /v1/volume/targets/$HT >/dev/null
expect_eq "removing it from the active node" 204 "$STATUS"
expect_eq "... detaches it" "available null" "$(api GET /v1/volumes/$VH | jq -r '.status + " " + (.attached_node|tostring)')"
ok "... tgt no longer exports it" bash -c "! tgtadm -C $CP --lld iscsi --op show --mode target | grep -q '$HIQN'"
api DELETE /v1/volume/targets/$(api GET /v1/nodes/na/volume/targets | jq -r '.targets[] | select(.boot_index == 0) | .uuid') >/dev/null
expect_eq "the boot volume's target of the running node: 400" 400 "$STATUS"
ok "na undeploys again" undeploy na

# --- a volume filled from an image ----------------------------------------------
head -c 3145728 /dev/urandom >"$T/img/disk.raw"
MD5=$(md5sum "$T/img/disk.raw" | cut -d' ' -f1)
api POST /v1/volumes "{\"size\":1,\"image_source\":\"file://$T/img/disk.raw\",\"image_checksum\":\"$MD5\"}" >/dev/null; V2=$(jq -r .uuid "$T/api.body")
expect_eq "image volume created" 201 "$STATUS"
wait_until 60 "[ \"\$(api GET /v1/volumes/$V2 | jq -r .status)\" = available ]"
ok "the image is at the start of the volume" cmp -n 3145728 "$T/img/disk.raw" "$T/pool/$V2.img"
api POST /v1/volumes "{\"size\":1,\"image_source\":\"file://$T/img/disk.raw\",\"image_checksum\":\"00000000000000000000000000000000\"}" >/dev/null; V3=$(jq -r .uuid "$T/api.body")
wait_until 60 "[ \"\$(api GET /v1/volumes/$V3 | jq -r .status)\" = error ]"
ok "a wrong checksum leaves the volume in error" bash -c "curl -fsS $INGOT_URL/v1/volumes/$V3 | jq -e '.last_error | test(\"checksum|hash|match\"; \"i\")'"
api DELETE /v1/volumes/$V3 >/dev/null
expect_eq "an unattached volume is deleted" 204 "$STATUS"
ok "its file is gone" test ! -e "$T/pool/$V3.img"

# --- node deletion takes its connectors and targets -------------------------
js node create --driver fake-hardware --name nc >/dev/null
api POST /v1/volume/connectors '{"node_uuid":"nc","type":"ip","connector_id":"192.0.2.9"}' >/dev/null
api POST /v1/volume/targets '{"node_uuid":"nc","volume_type":"iscsi","boot_index":3,"volume_id":"x"}' >/dev/null
js node delete nc >/dev/null 2>&1
expect_eq "nc's connector and target gone with it" "2 2" \
	"$(api GET /v1/volume/connectors | jq '.connectors | length') $(api GET /v1/volume/targets | jq '.targets | length')"
finish
