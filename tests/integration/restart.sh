#!/usr/bin/env bash
# Crash and shutdown safety: SIGKILL while tasks run, then restart; SIGTERM drains.
. "$(dirname "$0")/../lib/lib.sh"

ingot_start --workers 16 || exit 1
for i in $(seq 1 12); do
	api POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"r$i\"}" >/dev/null
	api PUT /v1/nodes/r$i/states/provision '{"target":"manage"}' >/dev/null
done
wait_until 60 db_is "select count(*) from nodes where provision_state='manageable'" 12
for i in $(seq 1 12); do
	api PUT /v1/nodes/r$i/states/provision '{"target":"provide"}' >/dev/null
done
wait_until 60 db_is "select count(*) from nodes where provision_state='available'" 12
expect_eq "12 nodes available" 12 "$(db "select count(*) from nodes where provision_state='available'")"
# Slow fake hardware, then start deploys (8), power actions (2), cleaning (2).
for i in $(seq 1 12); do
	api PATCH /v1/nodes/r$i '[{"op":"add","path":"/driver_info/fake_delay","value":30}]' >/dev/null
done
for i in $(seq 1 8); do api PUT /v1/nodes/r$i/states/provision '{"target":"active"}' >/dev/null; done
for i in 9 10; do api PUT /v1/nodes/r$i/states/power '{"target":"power on"}' >/dev/null; done
for i in 11 12; do
	api PUT /v1/nodes/r$i/states/provision '{"target":"manage"}' >/dev/null
	wait_until 60 db_is "select provision_state from nodes where name='r$i'" manageable
	api PATCH /v1/nodes/r$i '[{"op":"add","path":"/driver_info/fake_delay","value":30}]' >/dev/null
	api PUT /v1/nodes/r$i/states/provision '{"target":"clean","clean_steps":[{"interface":"deploy","step":"erase_devices"}]}' >/dev/null
done
sleep 0.3
expect_eq "8 nodes deploying" 8 "$(db "select count(*) from nodes where provision_state='deploying'")"
ok "nodes are locked while tasks run" test "$(db "select count(*) from nodes where reservation is not null")" -ge 10

kill -KILL "$INGOTD_PID"; wait "$INGOTD_PID" 2>/dev/null; INGOTD_PID=
ingot_start --workers 16 || exit 1
expect_eq "no reservation survives a restart" 0 "$(db "select count(*) from nodes where reservation is not null")"
expect_eq "no node left deploying/cleaning/verifying" 0 \
	"$(db "select count(*) from nodes where provision_state in ('deploying','cleaning','verifying','deleting','inspecting','adopting','rescuing','unrescuing')")"
expect_eq "deploys failed with target active" 8 \
	"$(db "select count(*) from nodes where provision_state='deploy failed' and target_provision_state='active' and last_error like '%restarted%'")"
expect_eq "manual cleaning failed back toward manageable" 2 \
	"$(db "select count(*) from nodes where provision_state='clean failed' and target_provision_state='manageable'")"
expect_eq "interrupted power actions cleared with last_error" 2 \
	"$(db "select count(*) from nodes where target_power_state is null and last_error like 'Power action%' and name in ('r9','r10')")"
expect_eq "no transient state without a target" 0 \
	"$(db "select count(*) from nodes where provision_state not in ('enroll','manageable','available','active','error','rescue') and target_provision_state is null")"
[ "$INGOT_DB_ENGINE" = pg ] || expect_eq "integrity_check ok" ok "$(db 'pragma integrity_check')"
api GET /v1/nodes/r1/history >/dev/null
ok "failure recorded in node history" bash -c "jq -e '.history[] | select(.severity==\"ERROR\")' '$T/api.body'"
# Recovery path: a failed deploy can be retried and the API answers.
api PATCH /v1/nodes/r1 '[{"op":"replace","path":"/driver_info/fake_delay","value":0}]' >/dev/null
expect_eq "node usable after restart (PATCH 200)" 200 "$STATUS"
api PUT /v1/nodes/r1/states/provision '{"target":"active"}' >/dev/null
wait_until 60 db_is "select provision_state from nodes where name='r1'" active
expect_eq "redeploy after failure" active "$(db "select provision_state from nodes where name='r1'")"

# SIGTERM: in-flight tasks finish before exit.
api PATCH /v1/nodes/r2 '[{"op":"replace","path":"/driver_info/fake_delay","value":1.5}]' >/dev/null
api PUT /v1/nodes/r2/states/provision '{"target":"active"}' >/dev/null
expect_eq "deploy accepted before SIGTERM" 202 "$STATUS"
t0=$(date +%s%N)
ingot_stop
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "deploy finished during shutdown" active "$(db "select provision_state from nodes where name='r2'")"
expect_eq "no lock left after SIGTERM" 0 "$(db "select count(*) from nodes where reservation is not null")"
ok "shutdown waited for the task (${ms} ms)" test "$ms" -ge 1000
finish
