#!/usr/bin/env bash
# A node lock held briefly by another request is waited for, as Ironic's
# node_locked_retry_attempts: 16 clients PATCHing one node at once all get
# 200 and every change is kept; a node in a running operation still answers
# 409 at once; a PATCH that raced another is applied again to the node as
# saved, never over it (every change is kept).
. "$(dirname "$0")/../lib/lib.sh"

conf=$T/ingotd.conf
# 16 clients on one address, each a new connection per request: a closed
# connection counts against per_ip_connection_limit (32) until its API
# thread gets to it, and these threads wait for the lock, so a slow ingotd
# (ASan, PostgreSQL) reached 32 and reset connections. The limit is for
# clients that hold connections; this test is not about it.
printf '[api]\nper_ip_connection_limit = 128\n[conductor]\nnode_locked_retry_attempts = 100\nnode_locked_retry_interval = 200\n' >"$conf"
ingot_start --config "$conf" || exit 1
api POST /v1/nodes '{"driver":"fake-hardware","name":"hot"}' >/dev/null
expect_eq "node created" 201 "$STATUS"

# 16 clients, 10 PATCHes each, all on the one node; each adds its own key.
pids=()
for c in $(seq 1 16); do
	( for i in $(seq 1 10); do
		curl -sS -o /dev/null -w '%{http_code}\n' -X PATCH \
		    -H 'Content-Type: application/json' -H 'X-OpenStack-Ironic-API-Version: 1.81' \
		    -d "[{\"op\":\"add\",\"path\":\"/extra/c${c}_$i\",\"value\":$i}]" \
		    "$INGOT_URL/v1/nodes/hot"
	  done >"$T/codes.$c" ) &
	pids+=($!)
done
wait "${pids[@]}"
cat "$T"/codes.* >"$T/codes"
expect_eq "160 PATCHes answered" 160 "$(wc -l <"$T/codes")"
expect_eq "none answered 409 (the brief locks were waited for)" 0 "$(grep -c '^409$' "$T/codes")"
expect_eq "every PATCH answered 200" 160 "$(grep -c '^200$' "$T/codes")"
expect_eq "every change is kept" 160 "$(api GET /v1/nodes/hot | jq '.extra | length')"
expect_eq "no lock left" 0 "$(db 'select count(*) from nodes where reservation is not null')"

# A lock held by a running operation answers at once: a slow fake cleaning.
api PATCH /v1/nodes/hot '[{"op":"add","path":"/driver_info/fake_delay","value":2}]' >/dev/null
api PUT /v1/nodes/hot/states/provision '{"target":"manage"}' >/dev/null
wait_until 60 '[ "$(api GET /v1/nodes/hot | jq -r .provision_state)" = manageable ]'
api PUT /v1/nodes/hot/states/provision '{"target":"provide"}' >/dev/null
api PATCH /v1/nodes/hot '[{"op":"add","path":"/extra/late","value":1}]' >/dev/null
expect_eq "PATCH during cleaning: 409" 409 "$STATUS"
# Had it waited (its budget, about 18 s, outlasts the 2 s cleaning) it would
# have got the lock after the cleaning and answered 200.
wait_until 60 '[ "$(api GET /v1/nodes/hot | jq -r .provision_state)" = available ]'
expect_eq "no lock left after cleaning" 0 "$(db 'select count(*) from nodes where reservation is not null')"
ingot_stop
finish
