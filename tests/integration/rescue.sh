#!/usr/bin/env bash
# Rescue through the agent against a real ovsdb-server/ovs-vswitchd: an
# active node (its port a namespace on a switch port) is rescued with a
# password: the ramdisk boots on the rescuing network (never provisioning),
# a real ingot-agent sets the rescue user's password (hashed) when ingotd
# sends rescue.finalize_rescue, the port moves to the tenant VLAN; unrescue
# boots the instance on the tenant VLAN.  VLAN tags are read from OVS at
# each step; the password appears nowhere (API, database, logs).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
BR=itr$$
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
node_ns vrn$$ vr$$ 4095
SWID=52:54:00:ff:00:02
PW="Resc-ue pw $$"
AGENT_PID=
cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[conductor]
automated_clean = false
[deploy]
callback_timeout = 600
[switch:tor1]
driver = ovsdb
address = $OVSDB
switch_id = $SWID
ports = vr$$
timeout_ms = 1000
retries = 1
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
trap '[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null; _cleanup' EXIT
tag() { vsctl get port "vr$$" tag; }
state() { field "$1" .provision_state; }
field() { curl -s -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/nodes/$1" | jq -r "$2"; }
provision() { api PUT "/v1/nodes/$1/states/provision" "{\"target\":\"$2\"${3:+,$3}}" >/dev/null; }
MAC=$(ip -n "vrn$$" -j link show eth0 | jq -r '.[0].address')

api POST /v1/networks '{"name":"prov","vlan_id":100,"purpose":"provisioning"}' >/dev/null
api POST /v1/networks '{"name":"ta","vlan_id":200}' >/dev/null
api POST /v1/nodes '{"name":"nr","driver":"fake-hardware","network_interface":"vlan","rescue_interface":"agent"}' >/dev/null
expect_eq "node with the agent rescue interface" 201 "$STATUS"
api POST /v1/ports "{\"node_uuid\":\"nr\",\"address\":\"$MAC\",\"local_link_connection\":{\"switch_id\":\"$SWID\",\"port_id\":\"vr$$\",\"switch_info\":\"tor1\"}}" >/dev/null
api POST /v1/nodes/nr/vifs '{"id":"ta"}' >/dev/null
expect_eq "VIF on ta" 204 "$STATUS"
provision nr manage; wait_until 30 '[ "$(state nr)" = manageable ]'
provision nr provide; wait_until 30 '[ "$(state nr)" = available ]'
provision nr active; wait_until 30 '[ "$(state nr)" = active ]'
expect_eq "active: the tenant VLAN" 200 "$(tag)"

# An interface that cannot rescue refuses (400), never a silent success.
api POST /v1/nodes '{"name":"nn","driver":"fake-hardware"}' >/dev/null
for v in manage provide active; do provision nn $v; sleep 0.5; done
wait_until 30 '[ "$(state nn)" = active ]'
provision nn rescue '"rescue_password":"x"'
expect_eq "no-rescue: rescue is 400" 400 "$STATUS"
ok "... saying the driver does not support rescue" grep -q "does not support rescue" "$T/api.body"
expect_eq "... and the node stays active" active "$(state nn)"
provision nr rescue
expect_eq "rescue without a password: 400" 400 "$STATUS"
provision nr rescue "\"rescue_password\":\"$(printf 'p%.0s' {1..257})\""
expect_eq "rescue with a 257-character password: 400" 400 "$STATUS"
provision nr rescue '"rescue_password":7'
expect_eq "rescue with a password that is no string: 400" 400 "$STATUS"
expect_eq "... the node stays active, unlocked" "active null" "$(field nr '"\(.provision_state) \(.reservation)"')"

# No rescuing network: the rescue fails rather than use provisioning.
provision nr rescue "\"rescue_password\":\"$PW\""
expect_eq "rescue accepted" 202 "$STATUS"
wait_until 30 '[ "$(state nr)" = "rescue failed" ]'
expect_eq "no rescuing network: rescue failed" "rescue failed" "$(state nr)"
ok "... the reason names the rescuing network" bash -c "curl -s -H 'X-OpenStack-Ironic-API-Version: latest' '$INGOT_URL/v1/nodes/nr' | jq -r .last_error | grep -q 'rescuing network'"
expect_eq "... the port is isolated, never on provisioning" 4095 "$(tag)"

# With a rescuing network: rescue wait on it, the agent finalizes, rescue.
api POST /v1/networks '{"name":"resc","vlan_id":150,"purpose":"rescuing"}' >/dev/null
expect_eq "a rescuing network" 201 "$STATUS"
api POST /v1/networks '{"name":"resc2","vlan_id":151,"purpose":"rescuing"}' >/dev/null
expect_eq "a second rescuing network: 409" 409 "$STATUS"
provision nr rescue "\"rescue_password\":\"$PW\""
wait_until 30 '[ "$(state nr)" = "rescue wait" ]'
expect_eq "rescue wait" "rescue wait" "$(state nr)"
expect_eq "rescue wait: the rescuing VLAN" 150 "$(tag)"
expect_eq "the password is not shown" '******' "$(field nr .instance_info.hashed_rescue_password)"
APORT=$(free_port)
"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$APORT" --advertise-host 127.0.0.1 \
	--mac "$MAC" --disk "$T/disk.img" --heartbeat-interval 1 --no-power \
	--shadow-file "$T/shadow" 2>>"$T/agent.stderr" &
AGENT_PID=$!
truncate -s 1G "$T/disk.img"
printf 'root:*:19000:0:99999:7:::\n' >"$T/shadow"
wait_until 60 '[ "$(state nr)" = rescue ]'
expect_eq "the agent finalized: rescue" rescue "$(state nr)"
expect_eq "rescue: the tenant VLAN reaches the ramdisk" 200 "$(tag)"
ok "the shadow file has the rescue user, other lines kept" grep -q '^root:' "$T/shadow"
HASH=$(sed -n 's/^rescue:\([^:]*\):.*/\1/p' "$T/shadow")
ok "a SHA-512 crypt hash" grep -q '^\$6\$' <<<"$HASH"
ok "the rescue password works for the rescue user" python3 -W ignore -c '
import crypt, sys; sys.exit(crypt.crypt(sys.argv[1], sys.argv[2]) != sys.argv[2])' "$PW" "$HASH"
ok "... and no other does" python3 -W ignore -c '
import crypt, sys; sys.exit(crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2])' "wrong" "$HASH"
ok "the agent's command record masks the password" bash -c "curl -s 'http://127.0.0.1:$APORT/v1/commands/' | jq -e '[.commands[] | select(.command_name == \"finalize_rescue\")] | length == 1' && ! curl -s 'http://127.0.0.1:$APORT/v1/commands/' | grep -qF '$HASH'"
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=

provision nr unrescue
expect_eq "unrescue accepted" 202 "$STATUS"
wait_until 30 '[ "$(state nr)" = active ]'
expect_eq "unrescued: active" active "$(state nr)"
expect_eq "unrescued: the tenant VLAN" 200 "$(tag)"
expect_eq "unrescued: booting from disk" disk "$(field nr .driver_internal_info.fake_boot_device)"
expect_eq "unrescued: the password hash is gone" null "$(db "select $(db_json instance_info hashed_rescue_password) from nodes where name='nr'" | sed 's/^$/null/')"
db_dump >"$T/db.dump"
ok "the password is in no log and not in the database" bash -c "! grep -rsqF '$PW' '$T/ingotd.log' '$T/agent.stderr' '$T/db.dump' '$T/ingot.db'* && ! grep -rqF '$HASH' '$T/ingotd.log' '$T/agent.stderr'"
finish
