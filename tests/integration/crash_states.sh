#!/usr/bin/env bash
# Crash safety of node states: SIGKILL ingotd while 21 nodes are deploying,
# cleaning, waiting for a call-back or for a cleaning agent (three of them
# with a real ingot-agent mid-deploy), restart on the same database, and
# check that nothing is left stuck: active states fail with a reason,
# wait states keep waiting and then time out, agents carry on, no lock
# survives and the database is intact.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
AGENT_PIDS=()
stop_agents() {
	local p
	for p in "${AGENT_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	AGENT_PIDS=()
}
trap 'stop_agents; _cleanup' EXIT

cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[deploy]
file_url_allowed_paths = $T
callback_timeout = 15
heartbeat_timeout = 5
CONF
ingot_start --config "$T/ingotd.conf" --workers 16 || exit 1

prov() { api PUT "/v1/nodes/$1/states/provision" "{\"target\":\"$2\"${3:+,$3}}" >/dev/null; }
patch() { api PATCH "/v1/nodes/$1" "$2" >/dev/null; }
st() { db "select provision_state from nodes where name='$1'"; }
count() { db "select count(*) from nodes where $1"; }
delay() { patch "$1" "[{\"op\":\"add\",\"path\":\"/driver_info/fake_delay\",\"value\":$2}]"; }
enroll() {	# enroll NAME DEPLOY_INTERFACE [MAC]
	api POST /v1/nodes "{\"name\":\"$1\",\"driver\":\"fake-hardware\",\"deploy_interface\":\"$2\"}" >/dev/null
	[ -n "${3:-}" ] && api POST /v1/ports "{\"node_uuid\":\"$1\",\"address\":\"$3\"}" >/dev/null
	prov "$1" manage
}

# The image the agents write: big enough that a deploy takes a moment.
head -c 48M /dev/urandom >"$T/img.raw"
SUM=$(sha256sum "$T/img.raw" | cut -d' ' -f1)

# f1-f5 deploy and c1-c3 clean with slow fake hardware; d1-d2 direct
# deploys stuck powering on; w1-w4 direct deploys waiting for an agent;
# k1-k4 waiting for a cleaning agent; a1-a3 direct deploys with an agent.
FAKE="f1 f2 f3 f4 f5 c1 c2 c3"
DIRECT="d1 d2 w1 w2 w3 w4 k1 k2 k3 k4"
AGENTS="a1 a2 a3"
for n in $FAKE; do enroll "$n" fake; done
for n in $DIRECT; do enroll "$n" direct; done
i=0
for n in $AGENTS; do i=$((i + 1)); enroll "$n" direct "52:54:00:c7:00:0$i"; done
wait_until 60 db_is "select count(*) from nodes where provision_state='manageable'" 21
expect_eq "21 nodes manageable" 21 "$(count "provision_state='manageable'")"
# Direct nodes skip automated cleaning (no agent to clean them), except k*.
for n in d1 d2 w1 w2 w3 w4 $AGENTS; do
	patch "$n" '[{"op":"add","path":"/automated_clean","value":false}]'
done
for n in f1 f2 f3 f4 f5 d1 d2 w1 w2 w3 w4 $AGENTS; do prov "$n" provide; done
wait_until 60 db_is "select count(*) from nodes where provision_state='available'" 14
expect_eq "14 nodes available" 14 "$(count "provision_state='available'")"
for n in d1 d2 w1 w2 w3 w4 $AGENTS; do
	patch "$n" "[{\"op\":\"add\",\"path\":\"/instance_info\",\"value\":{\"image_source\":\"file://$T/img.raw\",\"image_os_hash_algo\":\"sha256\",\"image_os_hash_value\":\"$SUM\"}}]"
done
for n in w1 w2 w3 w4 $AGENTS; do prov "$n" active; done
for n in k1 k2 k3 k4; do prov "$n" provide; done
for n in f1 f2 f3 f4 f5 d1 d2 c1 c2 c3; do delay "$n" 30; done
for n in f1 f2 f3 f4 f5 d1 d2; do prov "$n" active; done
for n in c1 c2 c3; do prov "$n" clean '"clean_steps":[{"interface":"deploy","step":"erase_devices"}]'; done
wait_until 60 db_is "select count(*) from nodes where provision_state='wait call-back'" 7
wait_until 60 db_is "select count(*) from nodes where provision_state='clean wait'" 4
# The agents boot and start deploying their nodes.
i=0
for n in $AGENTS; do
	i=$((i + 1))
	truncate -s 64M "$T/disk$i.img"
	"$AGENT" --api-url "$INGOT_URL" --listen "127.0.0.1:$(free_port)" --advertise-host 127.0.0.1 \
		--mac "52:54:00:c7:00:0$i" --disk "$T/disk$i.img" --heartbeat-interval 1 --no-power \
		2>>"$T/agent$i.stderr" &
	AGENT_PIDS+=($!)
done
wait_until 60 db_is "select count(*) from nodes where name like 'a%' and
	$(db_json driver_internal_info agent_last_heartbeat) is not null" 3
echo "# before the kill:"
db "select name, provision_state, reservation is not null from nodes order by name" | sed 's/^/#   /'
expect_eq "before the kill: 5 fake + 2 direct deploying" 7 "$(count "provision_state='deploying' and (name like 'f%' or name like 'd%')")"
expect_eq "before the kill: 3 cleaning" 3 "$(count "provision_state='cleaning'")"
expect_eq "before the kill: 4 waiting for a call-back" 4 "$(count "provision_state='wait call-back' and name like 'w%'")"
expect_eq "before the kill: 4 waiting for a cleaning agent" 4 "$(count "provision_state='clean wait'")"
ok "before the kill: nodes are locked" test "$(count "reservation is not null")" -ge 10
active_states="'deploying','cleaning','verifying','deleting','inspecting','adopting','rescuing','unrescuing'"

kill -KILL "$INGOTD_PID"; wait "$INGOTD_PID" 2>/dev/null; INGOTD_PID=
t_kill=$(date +%s)
ingot_start --config "$T/ingotd.conf" --workers 16 || exit 1
echo "# right after the restart:"
db "select name, provision_state, target_provision_state, reservation is not null from nodes order by name" | sed 's/^/#   /'
expect_eq "no node without an agent left in an active state" 0 \
	"$(count "provision_state in ($active_states) and name not like 'a%'")"
expect_eq "interrupted deploys failed with a reason" 7 \
	"$(count "provision_state='deploy failed' and (name like 'f%' or name like 'd%') and last_error like '%restarted%'")"
expect_eq "interrupted cleanings failed with a reason" 3 \
	"$(count "provision_state='clean failed' and name like 'c%' and last_error like '%restarted%'")"
# A slow machine may take longer than callback_timeout from the waits to
# here: a waiting node may have timed out meanwhile, but never be failed by
# the restart.
expect_eq "nodes waiting for an agent keep waiting (or time out)" 8 \
	"$(count "(name like 'w%' and provision_state='wait call-back') or (name like 'k%' and provision_state='clean wait') or ((name like 'w%' or name like 'k%') and last_error like 'Timeout reached%')")"
expect_eq "no waiting node failed by the restart" 0 \
	"$(count "(name like 'w%' or name like 'k%') and last_error like '%restarted%'")"
expect_eq "no stale lock on the nodes nothing runs for" 0 \
	"$(count "reservation is not null and name not like 'a%'")"
ok "no lock survives the restart" wait_until 60 db_is "select count(*) from nodes where reservation is not null" 0

# The agents carry on with the new ingotd; nothing they drive stays stuck.
ok "agent-driven deploys settle (active or failed)" wait_until 40 \
	db_is "select count(*) from nodes where name like 'a%' and provision_state in ('active','deploy failed')" 3
echo "# agent nodes: $(db "select name || '=' || provision_state from nodes where name like 'a%'" | paste -sd' ')"
ok "agent-driven deploys that failed say why" \
	db_is "select count(*) from nodes where name like 'a%' and provision_state='deploy failed' and last_error is null" 0
i=0
for n in $AGENTS; do
	i=$((i + 1))
	if [ "$(st "$n")" = active ]; then
		ok "$n active: its disk holds the image" cmp -n 50331648 "$T/img.raw" "$T/disk$i.img"
	fi
done
stop_agents

# Waiting nodes time out with callback_timeout (15 s).
ok "waiting nodes time out" wait_until 120 \
	db_is "select count(*) from nodes where provision_state in ('wait call-back','clean wait')" 0
echo "# wait states timed out $(( $(date +%s) - t_kill )) s after the kill"
expect_eq "timed-out deploys failed with the timeout as reason" 4 \
	"$(count "name like 'w%' and provision_state='deploy failed' and last_error like 'Timeout%'")"
expect_eq "timed-out cleanings failed with the timeout as reason" 4 \
	"$(count "name like 'k%' and provision_state='clean failed' and last_error like 'Timeout%'")"

# The end state: every node stable, or failed with a reason.
expect_eq "every node stable or failed" 0 \
	"$(count "provision_state not in ('enroll','manageable','available','active','error','rescue') and provision_state not like '% failed'")"
expect_eq "every failed node has a last_error" 0 "$(count "provision_state like '% failed' and last_error is null")"
expect_eq "no reservation at the end" 0 "$(count "reservation is not null")"
db_sqlite_only "SQLite's integrity_check" && expect_eq "integrity_check ok" ok "$(db 'pragma integrity_check')"
# A failed node is usable again.
delay f1 0
prov f1 active
ok "a node failed by the crash deploys again" wait_until 60 '[ "$(st f1)" = active ]'
finish
