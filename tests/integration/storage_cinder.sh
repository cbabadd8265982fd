#!/usr/bin/env bash
# The cinder storage interface against a real Cinder from Debian, started
# here in a scratch directory: Keystone (tests/lib/keystone.sh), RabbitMQ,
# cinder-api, cinder-scheduler and cinder-volume (LVM driver, tgt helper,
# a volume group on a loop device, tgtd with a loopback portal), PostgreSQL.
# The host has no device-mapper, so LVM cannot activate logical volumes:
# cinder-volume runs in a mount namespace of its own where /etc/lvm is
# this test's, with activation off (LVM's setting for hosts without
# device-mapper: the tools change metadata only).  Cinder's LVM driver
# creates, exports and deletes its LVs for real; where the LV's device
# node would be (/dev/VG/volume-ID) the test puts a loop device over the
# LV's own extents of the physical volume (what device-mapper's linear
# target would map), so the bytes written through iSCSI land in the LV.
# From there on it is Cinder's own code: the attachments API, the LVM
# driver's export with a fresh CHAP account, tgt's target.
# Asserted: deploy attaches (Cinder: in-use, attached to the node; the
# target's properties hold the connection; libiscsi logs in with them),
# undeploy detaches (available); a revoked service token is renewed;
# an unknown second volume rolls the first attachment back; a multiattach
# volume on two nodes at once, a plain in-use one refused to a second node
# (its other attachment rolled back); Cinder down:
# the deploy fails with a clear last_error and nothing is attached.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/keystone.sh"
. "$(dirname "$0")/../lib/pg.sh"
for p in cinder-api cinder-scheduler cinder-volume tgtd tgt-admin iscsi-readcapacity16 \
	pvcreate losetup sqlite3 psql; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || { echo "1..0 # SKIP rabbitmq-server missing"; exit 77; }
$PY -c 'import psycopg2' 2>/dev/null || { echo "1..0 # SKIP python3-psycopg2 missing"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (loop device, LVM, tgtd)"; exit 77; }
# cinder's tgt helper drives the default tgtd (tgt-admin, no control port):
# the test needs it to itself
if tgtadm --lld iscsi --op show --mode sys >/dev/null 2>&1; then
	echo "1..0 # SKIP a tgtd on the default control port is running"; exit 77
fi

C=$T/cinder
VG=ingot-cinder-$$
PORTAL=$(free_port)
AMQP=$(free_port)
EPMD=$(free_port)
CPORT=$(free_port)
RMQ_PID= TGTD_PID= LOOP= CAPI_PID= CSCH_PID= CVOL_PID=
mkdir -p "$C"/{state,lock,log,rmq/mnesia,rmq/log,rmq/home,lvm/backup,lvm/archive}
# LVM without device-mapper: metadata only (for this test's LVM commands
# and, through a private mount of /etc/lvm, cinder-volume's)
printf 'global {\n\tactivation = 0\n}\nbackup {\n\tbackup_dir = "%s"\n\tarchive_dir = "%s"\n}\n' \
	"$C/lvm/backup" "$C/lvm/archive" >"$C/lvm/lvm.conf"
export LVM_SYSTEM_DIR=$C/lvm LVM_SUPPRESS_FD_WARNINGS=1

stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; }
cinder_cleanup() {
	stop_pid "$CAPI_PID"; stop_pid "$CSCH_PID"; stop_pid "$CVOL_PID"
	# privsep daemons cinder-volume started with our config
	for p in $(pgrep -f "privsep-helper --config-file $C/" 2>/dev/null); do kill "$p" 2>/dev/null; done
	if [ -n "$TGTD_PID" ]; then
		tgtadm --lld iscsi --op update --mode sys --name State -v offline >/dev/null 2>&1
		for tid in $(tgtadm --lld iscsi --op show --mode target 2>/dev/null | sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
			tgtadm --lld iscsi --op delete --force --mode target --tid "$tid" >/dev/null 2>&1
		done
		tgtadm --lld iscsi --op delete --mode system >/dev/null 2>&1
		stop_pid "$TGTD_PID"
	fi
	rm -f /var/lib/cinder/volumes/volume-*."$$" 2>/dev/null
	for f in "$C"/persist/*; do [ -e "$f" ] && rm -f "/var/lib/cinder/volumes/$(basename "$f")"; done
	rm -rf "/dev/$VG"
	# the LVs' loop devices (new_volume runs in $(...): listed in a file)
	for l in $(cat "$C/lv-loops" 2>/dev/null); do losetup -d "$l" 2>/dev/null; done
	vgremove -f "$VG" >/dev/null 2>&1
	[ -n "$LOOP" ] && { pvremove -ff -y "$LOOP" >/dev/null 2>&1; losetup -d "$LOOP"; }
	# the Erlang VM the rabbitmq-server script started, then its epmd
	for p in $(pgrep -f -- "-home $C/rmq/home" 2>/dev/null); do kill "$p" 2>/dev/null; done
	stop_pid "$RMQ_PID"
	for _ in $(seq 15); do
		ERL_EPMD_PORT=$EPMD epmd -names >/dev/null 2>&1 || break
		ERL_EPMD_PORT=$EPMD epmd -kill >/dev/null 2>&1
		sleep 1
	done
	ks_stop
}
trap 'cinder_cleanup; _cleanup' EXIT
t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 ))s"; }

# --- RabbitMQ, Keystone, the volume group, tgtd (in parallel where they can) ---
echo "[]." >"$C/rmq/enabled_plugins"
printf 'listeners.tcp.1 = 127.0.0.1:%s\nloopback_users.guest = true\n' "$AMQP" >"$C/rmq/rabbitmq.conf"
(
	export HOME=$C/rmq/home RABBITMQ_MNESIA_BASE=$C/rmq/mnesia RABBITMQ_LOG_BASE=$C/rmq/log \
		RABBITMQ_NODENAME=ingot$$@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
		RABBITMQ_NODE_PORT=$AMQP RABBITMQ_DIST_PORT=$(free_port) \
		RABBITMQ_CONFIG_FILE=$C/rmq/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$C/rmq/enabled_plugins \
		ERL_EPMD_PORT=$EPMD RABBITMQ_PID_FILE=$C/rmq/pid \
		RABBITMQ_ADVANCED_CONFIG_FILE=$C/rmq/advanced.config RABBITMQ_CONF_ENV_FILE=$C/rmq/env
	exec /usr/lib/rabbitmq/bin/rabbitmq-server
) >"$C/rmq/out.log" 2>&1 &
RMQ_PID=$!
tgtd -f --iscsi portal=127.0.0.1:"$PORTAL" >"$C/tgtd.log" 2>&1 &
TGTD_PID=$!
truncate -s 4G "$C/pv.img"
LOOP=$(losetup -f --show "$C/pv.img") && pvcreate -q "$LOOP" >/dev/null 2>&1 && vgcreate -q "$VG" "$LOOP" >/dev/null 2>&1
ok "volume group $VG on $LOOP" vgs "$VG"
ks_start || { echo "not ok - keystone"; exit 1; }
ks POST /services '{"service":{"name":"cinderv3","type":"volumev3"}}' >/dev/null
SVC_ID=$(ks GET '/services?type=volumev3' | jq -r '.services[0].id')
ks POST /endpoints "{\"endpoint\":{\"service_id\":\"$SVC_ID\",\"interface\":\"public\",\"url\":\"http://127.0.0.1:$CPORT/v3/%(project_id)s\"}}" >/dev/null
ks_user cinder cinder-pw service admin >/dev/null
INGOT_UID=$(ks_user ingot ingot-svc-pw service admin)
# and the "service" role: Cinder deletes an in-use attachment only for a
# request whose X-Service-Token has it (OSSA-2023-003), else it asks Nova
[ "$(ks_role_id service)" != null ] || ks POST /roles '{"role":{"name":"service"}}' >/dev/null
ks PUT "/projects/$(ks_pid service)/users/$INGOT_UID/roles/$(ks_role_id service)" >/dev/null
ks_user demo demo-pw demo member >/dev/null
ok "keystone: users and the volumev3 endpoint ($(elapsed))" test -n "$INGOT_UID" -a "$SVC_ID" != null -a "$(ks GET "/endpoints?service_id=$SVC_ID" | jq ".endpoints | length")" = 1
wait_until 20 tgtadm --lld iscsi --op show --mode sys || echo "not ok - tgtd"

# --- Cinder (its database in PostgreSQL: three services writing one SQLite
# file lock each other out, "database is locked", on a loaded machine) ----------
pg_start || { echo "not ok - postgresql"; exit 1; }
pg_new_db cinder >/dev/null || { echo "not ok - cinder database"; exit 1; }
cdb() { pg_psql cinder -c "$1"; }
cat >"$C/cinder.conf" <<CONF
[DEFAULT]
state_path = $C/state
log_dir = $C/log
debug = true
transport_url = rabbit://guest:guest@127.0.0.1:$AMQP/
auth_strategy = keystone
api_paste_config = /etc/cinder/api-paste.ini
rootwrap_config = /etc/cinder/rootwrap.conf
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = $CPORT
osapi_volume_workers = 1
enabled_backends = lvm
host = ingot-cinder
rpc_response_timeout = 180
service_down_time = 300
report_interval = 5
[database]
connection = postgresql+psycopg2://ingot@/cinder?host=$PG_SOCK
[oslo_concurrency]
lock_path = $C/lock
[keystone_authtoken]
www_authenticate_uri = $K
auth_url = $K
auth_type = password
username = cinder
password = cinder-pw
project_name = service
user_domain_name = Default
project_domain_name = Default
token_cache_time = -1
interface = public
[lvm]
volume_driver = cinder.volume.drivers.lvm.LVMVolumeDriver
volume_group = $VG
volume_backend_name = lvm
target_helper = tgtadm
target_protocol = iscsi
target_ip_address = 127.0.0.1
target_port = $PORTAL
volumes_dir = /var/lib/cinder/volumes
volume_clear = none
lvm_type = default
CONF
mkdir -p /var/lib/cinder/volumes "$C/persist"
cinder-manage --config-file "$C/cinder.conf" db sync >"$C/log/db-sync.log" 2>&1 ||
	{ echo "not ok - cinder-manage db sync"; tail -20 "$C/log/db-sync.log"; exit 1; }
wait_until 600 "(exec 3<>/dev/tcp/127.0.0.1/$AMQP)" || { echo "not ok - rabbitmq"; tail "$C/rmq/out.log"; exit 1; }
ok "rabbitmq up ($(elapsed))" true
cinder-api --config-file "$C/cinder.conf" >"$C/log/api.out" 2>&1 & CAPI_PID=$!
cinder-scheduler --config-file "$C/cinder.conf" >"$C/log/scheduler.out" 2>&1 & CSCH_PID=$!
unshare -m --propagation private sh -c 'mount --bind "$1" /etc/lvm && shift && exec "$@"' sh \
	"$C/lvm" cinder-volume --config-file "$C/cinder.conf" >"$C/log/volume.out" 2>&1 & CVOL_PID=$!
ADMIN_P=$(ks_token ingot ingot-svc-pw "$(ks_pscope service)")
SP=$(ks_pid service)
CV=http://127.0.0.1:$CPORT/v3
# cin TOKEN PROJECT METHOD PATH [BODY]: Cinder's API; body to $C/cin.body, status printed
cin() {
	curl -sS -o "$C/cin.body" -w '%{http_code}' -X "$3" -H "X-Auth-Token: $1" \
		-H 'OpenStack-API-Version: volume 3.44' -H 'Content-Type: application/json' \
		${5:+--data-binary "$5"} "$CV/$2$4"
}
services_up() {
	[ "$(cin "$ADMIN_P" "$SP" GET /os-services)" = 200 ] &&
		jq -e '[.services[] | select(.state == "up")] | map(.binary) | (index("cinder-scheduler") != null and index("cinder-volume") != null)' "$C/cin.body"
}
wait_until 600 services_up || { echo "not ok - cinder services"; tail -5 "$C"/log/*.log; exit 1; }
ok "cinder-api, cinder-scheduler, cinder-volume up ($(elapsed))" true

# A volume of project demo, created by Cinder's LVM driver (an LV in the
# volume group's metadata); its device node is a loop device over the
# LV's extents of the physical volume (no device-mapper here).
DEMO=$(ks_token demo demo-pw "$(ks_pscope demo)")
DP=$(ks_pid demo)
lv_node() {
	local lv=volume-$1 ext pe0 seg first last dev
	ext=$(vgs --noheadings --units b --nosuffix -o vg_extent_size "$VG" | tr -d ' ')
	pe0=$(pvs --noheadings --units b --nosuffix -o pe_start "$LOOP" | tr -d ' ')
	seg=$(lvs --noheadings -o seg_pe_ranges "$VG/$lv" | tr -d ' ')	# /dev/loopN:A-B
	first=${seg##*:}; last=${first#*-}; first=${first%-*}
	[ -n "$ext" ] && [ -n "$pe0" ] && [ -n "$first" ] || return 1
	dev=$(losetup -f --show --offset $((pe0 + first * ext)) \
		--sizelimit $(((last - first + 1) * ext)) "$C/pv.img") || return 1
	echo "$dev" >>"$C/lv-loops"
	mkdir -p "/dev/$VG"
	ln -sf "$dev" "/dev/$VG/$lv"
}
new_volume() {
	local id=null
	for _ in 1 2 3; do
		cin "$DEMO" "$DP" POST /volumes "{\"volume\":{\"size\":1,\"name\":\"$1\"${2:+,\"volume_type\":\"$2\"}}}" >/dev/null
		id=$(jq -r .volume.id "$C/cin.body")
		[ "$id" != null ] && break
	done
	wait_until 300 "[ \"\$(cin \"\$ADMIN_P\" \"\$SP\" GET /volumes/$id >/dev/null; jq -r .volume.status \"\$C/cin.body\")\" != creating ]"
	lv_node "$id" >&2 || echo "# no LV for volume $id: $(lvs "$VG" 2>&1 | tr '\n' ' ')" >&2
	echo "$id"
}
# a fresh admin token per read: disabling the user (below) revokes every
# token issued up to that second, a renewed one too if it came too soon
vol_status() {
	cin "$(ks_token ingot ingot-svc-pw "$(ks_pscope service)")" "$SP" GET "/volumes/$1" >/dev/null
	jq -r '.volume.status' "$C/cin.body"
}
V1=$(new_volume web1)
expect_eq "volume $V1 available" available "$(vol_status "$V1")"
echo "# cinder ready after $(elapsed)"

# --- Ingot ----------------------------------------------------------------------
cat >"$T/ingotd.conf" <<CONF
[cinder]
auth_url = $K
username = ingot
password = ingot-svc-pw
project_name = service
timeout = 300
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
js() { "$INGOT" -f json "$@"; }
IQN=iqn.2026-01.org.example:cnode
js node create --driver fake-hardware --name cn >/dev/null
NU=$(js node show cn | jq -r .uuid)
api PATCH /v1/nodes/cn '[{"op":"replace","path":"/storage_interface","value":"cinder"},{"op":"replace","path":"/instance_uuid","value":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"}]' >/dev/null
expect_eq "storage_interface cinder accepted" 200 "$STATUS"
api POST /v1/volume/connectors "{\"node_uuid\":\"cn\",\"type\":\"iqn\",\"connector_id\":\"$IQN\"}" >/dev/null
api POST /v1/volume/connectors '{"node_uuid":"cn","type":"ip","connector_id":"10.50.0.21"}' >/dev/null
api POST /v1/volume/targets "{\"node_uuid\":\"cn\",\"volume_type\":\"iscsi\",\"boot_index\":1,\"volume_id\":\"$V1\"}" >/dev/null
TU=$(jq -r .uuid "$T/api.body")
expect_eq "target created" 201 "$STATUS"
"$INGOT" node manage cn --wait 60 >/dev/null 2>&1
"$INGOT" node provide cn --wait 120 >/dev/null 2>&1
wait_until 120 "[ \"\$(js node show cn | jq -r .provision_state)\" = available ]"
expect_eq "node available" available "$(js node show cn | jq -r .provision_state)"
state_is() { [ "$(js node show cn | jq -r .provision_state)" = "$1" ]; }
# on a failure, says where the node is and why (the test's log is all CI keeps)
why() { js node show "$1" | jq -r '"# \(.name): \(.provision_state), last_error: \(.last_error)"' >&2; }
deploy() { "$INGOT" node deploy cn >/dev/null 2>&1; wait_until 900 "state_is active || state_is 'deploy failed'"; state_is active || { why cn; false; }; }
undeploy() { "$INGOT" node undeploy cn >/dev/null 2>&1; wait_until 900 "state_is available || state_is error"; state_is available || { why cn; false; }; }

ok "deploy attaches ($(elapsed))" deploy
expect_eq "Cinder: the volume is in-use" in-use "$(vol_status "$V1")"
cin "$ADMIN_P" "$SP" GET "/volumes/$V1" >/dev/null
expect_eq "Cinder: attached to the node's instance" "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 attached" \
	"$(jq -r '.volume.attachments[0].server_id' "$C/cin.body") $(cdb "select attach_status from volume_attachment where volume_id = '$V1' and not deleted")"
expect_eq "Cinder's attachment: the node's connector (host, initiator, ip)" "$NU|$IQN|10.50.0.21" \
	"$(cdb "select connector::json->>'host', connector::json->>'initiator', connector::json->>'ip' from volume_attachment where volume_id = '$V1' and not deleted")"
api GET "/v1/volume/targets/$TU" >"$T/target.json"
expect_eq "target properties: Cinder's connection" "127.0.0.1:$PORTAL iqn.2010-10.org.openstack:volume-$V1 1 CHAP iscsi" \
	"$(jq -r '.properties | "\(.target_portal) \(.target_iqn) \(.target_lun) \(.auth_method) \(.driver_volume_type)"' "$T/target.json")"
expect_eq "the CHAP secret is masked" '******' "$(jq -r .properties.auth_password "$T/target.json")"
# the stored connection logs in (the node's IQN and Cinder's CHAP account)
PROPS=$(sqlite3 "$T/ingot.db" "select properties from volume_targets where uuid = '$TU'")
CU=$(jq -r .auth_username <<<"$PROPS"); CS=$(jq -r .auth_password <<<"$PROPS")
ok "the node's initiator logs in with the stored CHAP account" \
	iscsi-readcapacity16 -i "$IQN" "iscsi://$CU%$CS@127.0.0.1:$PORTAL/iqn.2010-10.org.openstack:volume-$V1/1"
ok "a wrong secret is refused" bash -c "! iscsi-readcapacity16 -i $IQN 'iscsi://$CU%wrong$CS@127.0.0.1:$PORTAL/iqn.2010-10.org.openstack:volume-$V1/1'"
ok "the secret is not in ingotd's log" bash -c "! grep -qF -- '$CS' '$T/ingotd.log'"

ok "undeploy detaches" undeploy
expect_eq "Cinder: the volume is available" available "$(vol_status "$V1")"
expect_eq "Cinder: no attachment" 0 "$(jq '.volume.attachments | length' "$C/cin.body")"
expect_eq "target properties cleared" "null null" \
	"$(api GET "/v1/volume/targets/$TU" | jq -r '.properties | "\(.target_iqn) \(.auth_username)"')"

# --- the service token revoked (the user disabled and enabled again) --------------
ks PATCH "/users/$INGOT_UID" '{"user":{"enabled":false}}' >/dev/null
ks PATCH "/users/$INGOT_UID" '{"user":{"enabled":true}}' >/dev/null
sleep 1	# Keystone revokes by the second: a token of the same second goes too
ADMIN_P=$(ks_token ingot ingot-svc-pw "$(ks_pscope service)")	# the test's token went too
ok "deploy with a revoked token: renewed, attached" deploy
expect_eq "in-use again" in-use "$(vol_status "$V1")"
ok "the renewal happened" grep -q 'cinder: the token was refused, renewing it' "$T/ingotd.log"
ok "undeploy" undeploy

# --- a second, unknown volume: the first attachment is rolled back ------------------
att_rows() { cdb "select count(*) from volume_attachment where volume_id = '$V1'"; }
n0=$(att_rows)
api POST /v1/volume/targets '{"node_uuid":"cn","volume_type":"iscsi","boot_index":2,"volume_id":"11111111-2222-3333-4444-555555555555"}' >/dev/null
T2=$(jq -r .uuid "$T/api.body")
deploy
expect_eq "deploy with an unknown second volume fails" "deploy failed" "$(js node show cn | jq -r .provision_state)"
ok "last_error names Cinder's answer" bash -c "$INGOT -f json node show cn | jq -e '.last_error | test(\"cannot attach the node.s volumes: volume 11111111-2222-3333-4444-555555555555: Cinder has no volume\")'"
expect_eq "the first volume was attached, then rolled back" "$((n0 + 1)) available" "$(att_rows) $(vol_status "$V1")"
expect_eq "no attachment left" 0 "$(jq '.volume.attachments | length' "$C/cin.body")"
ok "undeploy the failed node" undeploy
api DELETE "/v1/volume/targets/$T2" >/dev/null
expect_eq "second target deleted" 204 "$STATUS"

# --- another project's volume: refused before anything is attached ------------------
n0=$(att_rows)
api PATCH /v1/nodes/cn '[{"op":"add","path":"/lessee","value":"some-other-project"}]' >/dev/null
deploy
expect_eq "a node leased to another project: the deploy fails" "deploy failed" "$(js node show cn | jq -r .provision_state)"
ok "last_error: the volume is not the tenant's" bash -c "$INGOT -f json node show cn | jq -e '.last_error | test(\"volume $V1 belongs to another project than the node.s tenant some-other-project\")'"
expect_eq "no attachment was created, the volume is available" "$n0 available" "$(att_rows) $(vol_status "$V1")"
ok "undeploy the refused node" undeploy
api PATCH /v1/nodes/cn "[{\"op\":\"replace\",\"path\":\"/lessee\",\"value\":\"$DP\"}]" >/dev/null
ok "leased to the volume's own project: deploy attaches" deploy
expect_eq "in-use for the lessee" in-use "$(vol_status "$V1")"
ok "undeploy" undeploy
api PATCH /v1/nodes/cn '[{"op":"remove","path":"/lessee"}]' >/dev/null

# --- multi-attach: a volume of a multiattach type on two nodes at once; a
# plain volume in use by one node is refused to the second, which keeps
# nothing half-attached -------------------------------------------------------------
cin "$ADMIN_P" "$SP" POST /types '{"volume_type":{"name":"shared","extra_specs":{"multiattach":"<is> True"}}}' >/dev/null
expect_eq "a multiattach volume type" true "$(jq -r '.volume_type.extra_specs.multiattach == "<is> True"' "$C/cin.body")"
V3=$(new_volume shared1 shared)
expect_eq "volume $V3 available, multiattach" "available true" \
	"$(vol_status "$V3") $(jq -r .volume.multiattach "$C/cin.body")"
IQN2=iqn.2026-01.org.example:cnode2
js node create --driver fake-hardware --name cn2 >/dev/null
api PATCH /v1/nodes/cn2 '[{"op":"replace","path":"/storage_interface","value":"cinder"},{"op":"replace","path":"/instance_uuid","value":"1c2d3e4f-5061-7283-94a5-b6c7d8e9f0a1"}]' >/dev/null
api POST /v1/volume/connectors "{\"node_uuid\":\"cn2\",\"type\":\"iqn\",\"connector_id\":\"$IQN2\"}" >/dev/null
api POST /v1/volume/targets "{\"node_uuid\":\"cn\",\"volume_type\":\"iscsi\",\"boot_index\":2,\"volume_id\":\"$V3\"}" >/dev/null
TS1=$(jq -r .uuid "$T/api.body")
api POST /v1/volume/targets "{\"node_uuid\":\"cn2\",\"volume_type\":\"iscsi\",\"boot_index\":1,\"volume_id\":\"$V3\"}" >/dev/null
TS2=$(jq -r .uuid "$T/api.body")
api POST /v1/volume/targets "{\"node_uuid\":\"cn2\",\"volume_type\":\"iscsi\",\"boot_index\":2,\"volume_id\":\"$V1\"}" >/dev/null
TP2=$(jq -r .uuid "$T/api.body")
expect_eq "targets of both nodes created" "201 $TS1 $TS2" "$STATUS $(api GET /v1/volume/targets/$TS1 | jq -r .uuid) $(api GET /v1/volume/targets/$TS2 | jq -r .uuid)"
"$INGOT" node manage cn2 --wait 60 >/dev/null 2>&1
"$INGOT" node provide cn2 --wait 120 >/dev/null 2>&1
state2_is() { [ "$(js node show cn2 | jq -r .provision_state)" = "$1" ]; }
deploy2() { "$INGOT" node deploy cn2 >/dev/null 2>&1; wait_until 900 "state2_is active || state2_is 'deploy failed'"; state2_is active || { why cn2; false; }; }
undeploy2() { "$INGOT" node undeploy cn2 >/dev/null 2>&1; wait_until 900 "state2_is available || state2_is error"; state2_is available || { why cn2; false; }; }
wait_until 120 "state2_is available"
ok "deploy cn: the plain and the multiattach volume attached" deploy
expect_eq "both in-use" "in-use in-use" "$(vol_status "$V1") $(vol_status "$V3")"
live() { cdb "select count(*) from volume_attachment where volume_id = '$1' and not deleted"; }
deploy2
expect_eq "cn2 asks for cn's plain volume too: its deploy fails" "deploy failed" "$(js node show cn2 | jq -r .provision_state)"
ok "last_error: Cinder's refusal of the in-use volume" bash -c "$INGOT -f json node show cn2 | jq -e '.last_error | test(\"volume $V1: .*in-use\")'"
expect_eq "cn2's attachment of the shared volume rolled back (one live attachment each)" "1 1" "$(live "$V3") $(live "$V1")"
expect_eq "cn2 recorded no attachment" null \
	"$(sqlite3 "$T/ingot.db" "select driver_internal_info from nodes where name = 'cn2'" | jq -r '.cinder_attachments')"
ok "undeploy the failed cn2" undeploy2
api DELETE "/v1/volume/targets/$TP2" >/dev/null
ok "cn2 with the shared volume only: deploy attaches" deploy2
expect_eq "the shared volume: two live attachments, one per node" "2 in-use" "$(live "$V3") $(vol_status "$V3")"
# each attachment names its node's instance (the node's uuid once an
# undeploy has cleared instance_uuid, as here)
expect_eq "Cinder: attached to both nodes' instances" \
	"$(for n in cn cn2; do js node show $n | jq -r '.instance_uuid // .uuid'; done | sort | xargs)" \
	"$(cin "$ADMIN_P" "$SP" GET "/volumes/$V3" >/dev/null; jq -r '[.volume.attachments[].server_id] | sort | join(" ")' "$C/cin.body")"
for pair in "cn $IQN $TS1" "cn2 $IQN2 $TS2"; do
	set -- $pair
	P=$(sqlite3 "$T/ingot.db" "select properties from volume_targets where uuid = '$3'")
	ok "$1 logs in to the shared volume with its own IQN and stored CHAP account" \
		iscsi-readcapacity16 -i "$2" "iscsi://$(jq -r .auth_username <<<"$P")%$(jq -r .auth_password <<<"$P")@127.0.0.1:$PORTAL/iqn.2010-10.org.openstack:volume-$V3/1"
done
ok "undeploy cn" undeploy
expect_eq "cn gone from the shared volume, cn2 still attached" "1 in-use available" "$(live "$V3") $(vol_status "$V3") $(vol_status "$V1")"
ok "undeploy cn2" undeploy2
expect_eq "the shared volume available, no live attachment" "0 available" "$(live "$V3") $(vol_status "$V3")"
api DELETE "/v1/volume/targets/$TS1" >/dev/null

# --- Cinder down ---------------------------------------------------------------------
stop_pid "$CAPI_PID"; CAPI_PID=
"$INGOT" node deploy cn >/dev/null 2>&1
wait_until 400 "state_is 'deploy failed'"
ok "Cinder down: deploy failed, last_error says so" bash -c "$INGOT -f json node show cn | jq -e '.last_error | test(\"Cinder at http://127.0.0.1:$CPORT/v3/$SP is unreachable\")'"
expect_eq "Cinder's database: the volume available, no live attachment" "available 0" \
	"$(cdb "select status from volumes where id = '$V1'") $(cdb "select count(*) from volume_attachment where volume_id = '$V1' and not deleted")"
expect_eq "Ingot: no attachment recorded" null \
	"$(sqlite3 "$T/ingot.db" "select driver_internal_info from nodes where uuid = '$NU'" | jq -r '.cinder_attachments')"
echo "# total $(elapsed)"
finish
