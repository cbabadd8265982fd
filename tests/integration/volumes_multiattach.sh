#!/usr/bin/env bash
# Multi-attach volumes of Ingot's pool against a real tgtd (its own
# management channel, a loopback portal), logged in to with libiscsi and
# QEMU's userspace initiators: two nodes attach one "multiattach" volume,
# each through a tgt target, ACL and CHAP account of its own, and read what
# the other wrote; one node's account with the other's IQN is refused;
# detaching one leaves the other working; a volume without multiattach
# stays one node's (409, nothing changed); another project's node cannot
# take it; [storage] max_attachments bounds the count; tgtd restarted, each
# attachment is exported again; recovery fencing one node revokes its
# attachment alone.  Then the config drive: a local-disk node
# deployed by a real ingot-agent with a data volume finds the volume's
# connection in its config drive's vendor_data2.json and logs in with it;
# the secret is never in an API answer or the log.
. "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
for p in tgtd tgtadm iscsi-readcapacity16 qemu-io isoinfo sfdisk; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done
CP=$(( 1000 + ($$ + 7919) % 30000 ))	# tgtd's management channel, ours alone
PORTAL_PORT=$(free_port)
tgtd -f -C "$CP" --iscsi portal=127.0.0.1:"$PORTAL_PORT" >"$T/tgtd.log" 2>&1 &
TGTD_PID=$!
AGENT_PID=
tadm() { tgtadm -C "$CP" --lld iscsi "$@"; }
tgt_stop() {
	tadm --op update --mode sys --name State -v offline >/dev/null 2>&1
	for tid in $(tadm --op show --mode target 2>/dev/null | sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
		tadm --op delete --force --mode target --tid "$tid" >/dev/null 2>&1
	done
	tadm --op delete --mode system >/dev/null 2>&1
	kill "$TGTD_PID" 2>/dev/null; wait "$TGTD_PID" 2>/dev/null
}
stop_agent() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}
trap 'stop_agent; tgt_stop; _cleanup' EXIT
wait_until 20 tadm --op show --mode target || { echo "not ok - tgtd start"; exit 1; }

mkdir -p "$T/pool"
cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[deploy]
file_url_allowed_paths = $T
callback_timeout = 60
[storage]
pool_dir = $T/pool
tgt_control_port = $CP
portal = 127.0.0.1:$PORTAL_PORT
max_volume_gb = 1
max_attachments = 3
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
js() { "$INGOT" -f json "$@"; }
vol() { api GET "/v1/volumes/$1"; }
IQN() { echo "iqn.2026-01.org.example:$1"; }

# Nodes: n1..n4 of project pa, nx of pb; iscsi storage, an iqn each.
mknode() {	# NAME OWNER MAC
	js node create --driver fake-hardware --name "$1" >/dev/null
	api PATCH "/v1/nodes/$1" "[{\"op\":\"replace\",\"path\":\"/storage_interface\",\"value\":\"iscsi\"},{\"op\":\"replace\",\"path\":\"/owner\",\"value\":\"$2\"}]" >/dev/null
	api POST /v1/ports "{\"address\":\"$3\",\"node_uuid\":\"$1\"}" >/dev/null
	api POST /v1/volume/connectors "{\"node_uuid\":\"$1\",\"type\":\"iqn\",\"connector_id\":\"$(IQN "$1")\"}" >/dev/null
}
deploy() {
	"$INGOT" node manage "$1" --wait 30 >/dev/null 2>&1
	"$INGOT" node provide "$1" --wait 30 >/dev/null 2>&1
	"$INGOT" node deploy "$1" --wait 60 >/dev/null 2>&1
	wait_until 60 "[ \"\$(js node show $1 | jq -r .provision_state)\" = active ]"
}
target() {	# NODE BOOT_INDEX VOLUME: POST, $STATUS
	api POST /v1/volume/targets "{\"node_uuid\":\"$1\",\"volume_type\":\"iscsi\",\"boot_index\":$2,\"volume_id\":\"$3\"}" >/dev/null
}
for n in 1 2 3 4; do mknode n$n pa 52:54:00:17:00:0$n; done
mknode nx pb 52:54:00:17:00:0f
api POST /v1/volumes '{"name":"shared","size":1,"project":"pa","multiattach":true}' >/dev/null; VM=$(jq -r .uuid "$T/api.body")
expect_eq "a multiattach volume" "201 true []" "$STATUS $(jq -c '.multiattach, .attachments' "$T/api.body" | paste -sd' ')"
api POST /v1/volumes '{"name":"single","size":1,"project":"pa"}' >/dev/null; VS=$(jq -r .uuid "$T/api.body")
expect_eq "a volume is not multiattach unless asked" false "$(jq -r .multiattach "$T/api.body")"
api POST /v1/volumes '{"size":1,"multiattach":"yes"}' >/dev/null
expect_eq "multiattach must be a boolean" 400 "$STATUS"
api PATCH /v1/volumes/single '[{"op":"replace","path":"/multiattach","value":true}]' >/dev/null
ok "multiattach is not changed afterwards ($STATUS)" test "$STATUS" = 400 -o "$STATUS" = 403
api POST /v1/volumes '{"size":1,"attachments":[{"node_uuid":"x"}]}' >/dev/null
expect_eq "attachments are not given" 400 "$STATUS"

# --- two nodes boot from volumes of their own and share "shared" -------------
api POST /v1/volumes '{"name":"boot1","size":1,"project":"pa"}' >/dev/null
api POST /v1/volumes '{"name":"boot2","size":1,"project":"pa"}' >/dev/null
target n1 0 boot1; target n1 1 shared; target n2 0 boot2; target n2 1 shared
ok "n1 deploys (boot volume + shared)" deploy n1
ok "n2 deploys (boot volume + shared)" deploy n2
U1=$(js node show n1 | jq -r .uuid) U2=$(js node show n2 | jq -r .uuid)
expect_eq "shared: in-use, two attachments, attached_node the first" \
	"in-use $U1 $U1,$U2" "$(vol "$VM" | jq -r '.status + " " + .attached_node + " " + ([.attachments[].node_uuid] | join(","))')"
ok "each attachment names its node's initiator and a target of its own" bash -c \
	"curl -fsS $INGOT_URL/v1/volumes/$VM | jq -e '[.attachments[] | .initiator] == [\"$(IQN n1)\",\"$(IQN n2)\"] and (.attachments[0].target_iqn != .attachments[1].target_iqn)'"
ok "no secret in the volume's answer" bash -c "! curl -fsS $INGOT_URL/v1/volumes/$VM | grep -qi 'password\|secret'"
# creds NODE: "user secret target-iqn" of the shared volume, from the
# node's sanboot script (sanhook, drive 0x81)
creds() {
	curl -fsS "$INGOT_URL/ipxe/$1" | awk '/^set username/ {u=$3} /^set password/ {p=$3}
		/^sanhook --drive 0x81/ { n = split($4, a, ":"); t = a[6]; for (i = 7; i <= n; i++) t = t ":" a[i]; print u, p, t }'
}
read -r CU1 CS1 TQ1 <<<"$(creds 52-54-00-17-00-01)"
read -r CU2 CS2 TQ2 <<<"$(creds 52-54-00-17-00-02)"
ok "two accounts, two secrets, two targets" test -n "$CS1" -a -n "$CS2" -a "$CU1" != "$CU2" -a "$CS1" != "$CS2" -a "$TQ1" != "$TQ2"
expect_eq "the script's targets are the attachments'" "$TQ1 $TQ2" "$(vol "$VM" | jq -r '[.attachments[].target_iqn] | join(" ")')"
url() { echo "iscsi://$2%$3@127.0.0.1:$PORTAL_PORT/$4/1"; }	# IQN USER SECRET TARGET
qio() {	# IQN USER SECRET TARGET qemu-io-commands...
	local i=$1 u=$2 s=$3 t=$4; shift 4
	local a=()
	for c in "$@"; do a+=(-c "$c"); done
	qemu-io --image-opts "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:$PORTAL_PORT,file.target=$t,file.lun=1,file.user=$u,file.password=$s,file.initiator-name=$i" "${a[@]}"
}
ok "n1 writes a pattern through its attachment" qio "$(IQN n1)" "$CU1" "$CS1" "$TQ1" "write -P 0x31 2M 1M"
ok "n2 reads it through its own" qio "$(IQN n2)" "$CU2" "$CS2" "$TQ2" "read -P 0x31 2M 1M"
ok "n2 writes another" qio "$(IQN n2)" "$CU2" "$CS2" "$TQ2" "write -P 0x32 4M 1M"
ok "n1 reads it" qio "$(IQN n1)" "$CU1" "$CS1" "$TQ1" "read -P 0x32 4M 1M"
ok "both land in the one volume file" bash -c "cmp <(dd if=$T/pool/$VM.img bs=1M skip=4 count=1 status=none) <(head -c 1048576 /dev/zero | tr '\\0' '2')"
ok "n1's account with n2's IQN is refused (n1's target)" bash -c "! iscsi-readcapacity16 -i $(IQN n2) '$(url x "$CU1" "$CS1" "$TQ1")'"
ok "n1's account with n2's IQN is refused (n2's target)" bash -c "! iscsi-readcapacity16 -i $(IQN n2) '$(url x "$CU1" "$CS1" "$TQ2")'"
ok "n1's IQN with n2's account is refused" bash -c "! iscsi-readcapacity16 -i $(IQN n1) '$(url x "$CU2" "$CS2" "$TQ1")'"
ok "a third IQN is refused" bash -c "! iscsi-readcapacity16 -i $(IQN n3) '$(url x "$CU1" "$CS1" "$TQ1")'"

# --- a volume without multiattach is one node's --------------------------------
ok "n3 deploys (no volume)" deploy n3
ok "nx deploys (no volume)" deploy nx
target n1 2 single
expect_eq "single attached to the running n1" 201 "$STATUS"
NT=$(api GET /v1/volume/targets | jq '.targets | length')
target n3 1 single
expect_eq "single to a second node: 409" 409 "$STATUS"
ok "... with Ironic's error body" bash -c "jq -e '.error_message | fromjson | .faultstring | test(\"in-use\")' $T/api.body"
expect_eq "... nothing changed (no target row, one attachment)" "$NT $U1 1" \
	"$(api GET /v1/volume/targets | jq '.targets | length') $(vol "$VS" | jq -r '.attached_node + " " + (.attachments | length | tostring)')"
target nx 1 shared
expect_eq "another project's node cannot attach the multiattach volume: 409" 409 "$STATUS"
expect_eq "... and it is left as it was" "$NT 2" \
	"$(api GET /v1/volume/targets | jq '.targets | length') $(vol "$VM" | jq '.attachments | length')"
t0=$(date +%s%N)
target n3 1 shared
echo "# attach of a third node to the multiattach volume (POST target, tgt export): $(( ($(date +%s%N) - t0) / 1000000 )) ms"
expect_eq "a third pa node attaches it (max_attachments 3)" 201 "$STATUS"
ok "n4 deploys" deploy n4
target n4 1 shared
expect_eq "a fourth is refused: 409" 409 "$STATUS"
ok "... saying why" bash -c "jq -e '.error_message | test(\"max_attachments\")' $T/api.body"
expect_eq "... three attachments, three tgt targets for it" "3 3" \
	"$(vol "$VM" | jq '.attachments | length') $(tadm --op show --mode target | grep -c "^Target.*$VM")"

# --- tgtd restarted: every attachment exported again ---------------------------
tgt_stop
tgtd -f -C "$CP" --iscsi portal=127.0.0.1:"$PORTAL_PORT" >>"$T/tgtd.log" 2>&1 &
TGTD_PID=$!
wait_until 20 tadm --op show --mode target
ingot_stop
# "single" (n1's) back to a record written before multi-attach: one
# attachment's members at the top of internal_info, no public list
db "update volumes set internal_info = json_extract(internal_info, '\$.attachments.\"$U1\"'), attachments = '[]' where uuid = '$VS'"
expect_eq "single's record is the old form" "integer[]" "$(db "select json_type(internal_info, '\$.tid') || attachments from volumes where uuid = '$VS'")"
ingot_start --config "$T/ingotd.conf" || exit 1
expect_eq "the old record reads as n1's attachment" "in-use $U1 $(IQN n1)" \
	"$(vol "$VS" | jq -r '.status + " " + ([.attachments[].node_uuid] | join(",")) + " " + .attachments[0].initiator')"
ok "... and is exported again for n1's IQN" bash -c "tgtadm -C $CP --lld iscsi --op show --mode target | sed -n '/$VS\$/,/^Target/p' | sed -n '/ACL information/{n;p}' | tr -d ' ' | grep -qx '$(IQN n1)'"
ok "after the restarts n1 reads through its attachment" qio "$(IQN n1)" "$CU1" "$CS1" "$TQ1" "read -P 0x32 4M 1M"
ok "... and n2 through its own" qio "$(IQN n2)" "$CU2" "$CS2" "$TQ2" "read -P 0x31 2M 1M"
ok "... still for each node's IQN alone" bash -c "! iscsi-readcapacity16 -i $(IQN n2) '$(url x "$CU1" "$CS1" "$TQ1")'"

# --- recovery fences n3: its attachment revoked, n1's and n2's stay ---------------
U3=$(js node show n3 | jq -r .uuid)
ok "n3's attachment is a tgt target" bash -c "tgtadm -C $CP --lld iscsi --op show --mode target | grep -q '$VM:$U3\$'"
api PUT /v1/nodes/n3/states/provision '{"target":"recover"}' >/dev/null
expect_eq "recover n3 (no spare: fenced, then it waits)" 202 "$STATUS"
wait_until 60 "[ \"\$(js node show n3 | jq -r .provision_state)\" = 'recover wait' ]"
expect_eq "n3 fenced and waiting" "recover wait" "$(js node show n3 | jq -r .provision_state)"
ok "... its target is gone from tgt" bash -c "! tgtadm -C $CP --lld iscsi --op show --mode target | grep -q '$U3'"
expect_eq "... shared keeps n1's and n2's attachments" "$U1,$U2" "$(vol "$VM" | jq -r '[.attachments[].node_uuid] | join(",")')"
ok "... n1 and n2 still read" bash -c "$(declare -f qio); PORTAL_PORT=$PORTAL_PORT; qio '$(IQN n1)' '$CU1' '$CS1' '$TQ1' 'read -P 0x32 4M 1M' && qio '$(IQN n2)' '$CU2' '$CS2' '$TQ2' 'read -P 0x31 2M 1M'"

# --- detaching one node leaves the others ---------------------------------------
"$INGOT" node undeploy n1 --wait 60 >/dev/null 2>&1
wait_until 60 "[ \"\$(js node show n1 | jq -r .provision_state)\" = available ]"
ok "n1 undeployed: its account no longer logs in" bash -c "! iscsi-readcapacity16 -i $(IQN n1) '$(url x "$CU1" "$CS1" "$TQ1")'"
ok "... its target is gone from tgt" bash -c "! tgtadm -C $CP --lld iscsi --op show --mode target | grep -q '$TQ1\$'"
ok "n2 still reads and writes" qio "$(IQN n2)" "$CU2" "$CS2" "$TQ2" "read -P 0x31 2M 1M" "write -P 0x33 6M 1M"
expect_eq "shared: still in-use by n2" "in-use $U2 1" "$(vol "$VM" | jq -r '.status + " " + .attached_node + " " + (.attachments | length | tostring)')"
expect_eq "single, n1's alone, is available" "available null" "$(vol "$VS" | jq -r '.status + " " + (.attached_node | tostring)')"
api DELETE /v1/volumes/$VM >/dev/null
expect_eq "a volume in use by any node is not deleted" 409 "$STATUS"
ok "n2 still reads" qio "$(IQN n2)" "$CU2" "$CS2" "$TQ2" "read -P 0x33 6M 1M"
"$INGOT" node undeploy n2 --wait 60 >/dev/null 2>&1
wait_until 60 "[ \"\$(js node show n2 | jq -r .provision_state)\" = available ]"
expect_eq "the last one gone: available, no attachment" "available null 0" \
	"$(vol "$VM" | jq -r '.status + " " + (.attached_node | tostring) + " " + (.attachments | length | tostring)')"
ok "no target of it left in tgt" bash -c "! tgtadm -C $CP --lld iscsi --op show --mode target | grep -q '$VM'"

# --- the config drive carries a local-disk node's volume connections ------------
# n4: deploy_interface direct, a real ingot-agent writes the image and the
# config drive to a sparse file; the data volume "data4" is attached first.
api POST /v1/volumes '{"name":"data4","size":1,"project":"pa"}' >/dev/null
"$INGOT" node undeploy n4 --wait 60 >/dev/null 2>&1
wait_until 60 "[ \"\$(js node show n4 | jq -r .provision_state)\" = available ]"
api DELETE /v1/volume/targets/$(api GET /v1/nodes/n4/volume/targets | jq -r '.targets[0].uuid // "none"') >/dev/null
target n4 1 data4
truncate -s 8M "$T/img.raw"
printf 'label: gpt\nstart=2048,size=10240\n' | sfdisk -q "$T/img.raw" >/dev/null
api PATCH /v1/nodes/n4 "[{\"op\":\"replace\",\"path\":\"/deploy_interface\",\"value\":\"direct\"},{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"file://$T/img.raw\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$(sha256sum "$T/img.raw" | cut -d' ' -f1)\"}}]" >/dev/null
expect_eq "n4 takes the direct deploy interface" 200 "$STATUS"
truncate -s 256M "$T/disk.img"
API_VERSION=1.59 api PUT /v1/nodes/n4/states/provision '{"target":"active","configdrive":{"meta_data":{"hostname":"n4"},"vendor_data":{"site":{"x":1}}}}' >/dev/null
expect_eq "deploy with a JSON config drive" 202 "$STATUS"
wait_until 60 "[ \"\$(js node show n4 | jq -r .provision_state)\" = 'wait call-back' ]"
APORT=$(free_port)
"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$APORT" --advertise-host 127.0.0.1 \
	--mac 52:54:00:17:00:04 --disk "$T/disk.img" --heartbeat-interval 1 --no-power 2>>"$T/agent.stderr" &
AGENT_PID=$!
wait_until 120 "[ \"\$(js node show n4 | jq -r .provision_state)\" = active ]"
stop_agent
expect_eq "n4 deployed by the agent" active "$(js node show n4 | jq -r .provision_state)"
sfdisk -J "$T/disk.img" >"$T/pt.json"
PS=$(jq '.partitiontable.partitions | max_by(.start) | .start' "$T/pt.json")
PN=$(jq '.partitiontable.partitions | max_by(.start) | .size' "$T/pt.json")
dd if="$T/disk.img" of="$T/cd.iso" bs=512 skip="$PS" count="$PN" status=none
isoinfo -R -i "$T/cd.iso" -x /openstack/latest/vendor_data2.json >"$T/vd2.json" 2>/dev/null
expect_eq "vendor_data2.json keeps the caller's vendor data" 1 "$(jq '.site.x' "$T/vd2.json")"
read -r DP DT DL DU DS DV <<<"$(jq -r '.ingot.volumes[0] | [.data.target_portal, .data.target_iqn, .data.target_lun, .data.auth_username, .data.auth_password, .volume_id] | join(" ")' "$T/vd2.json")"
expect_eq "... and data4's connection (Nova's connection_info shape)" "127.0.0.1:$PORTAL_PORT 1 data4 iscsi 1" \
	"$DP $DL $DV $(jq -r '.ingot.volumes[0].driver_volume_type, (.ingot.volumes | length)' "$T/vd2.json" | paste -sd' ')"
ok "the node's OS logs in with it" qio "$(IQN n4)" "$DU" "$DS" "$DT" "write -P 0x44 1M 1M" "read -P 0x44 1M 1M"
ok "the secret is in no API answer" bash -c "! curl -fsS -H 'X-OpenStack-Ironic-API-Version: latest' $INGOT_URL/v1/nodes/n4 | grep -qF -- '$DS' && ! curl -fsS -H 'X-OpenStack-Ironic-API-Version: latest' '$INGOT_URL/v1/volume/targets?detail=True' | grep -qF -- '$DS'"
ok "... and not in ingotd's log" bash -c "! grep -qF -- '$DS' $T/ingotd.log && ! grep -qF -- '$CS2' $T/ingotd.log"
ok "the kept JSON form is gone from driver_internal_info" bash -c "curl -fsS -H 'X-OpenStack-Ironic-API-Version: latest' $INGOT_URL/v1/nodes/n4 | jq -e '.driver_internal_info | has(\"configdrive\") | not'"
finish
