#!/usr/bin/env bash
# Adversarial: the "recover" provision verb (docs/recovery.md) in the hands
# of projects and of a careless operator.  Recovery fences hardware and
# takes a spare from the pool: only system-scoped members may ask for it; a
# project gets 404 for another project's node and 403 for its own; it cannot
# change a node's recovery policy; recover on a node that is not active is
# Ironic's 400; repeating it moves nothing twice and leaves no lock.  The
# event stream (GET /v1/events) is the operator's too: projects never read
# it (it names every project's nodes), its parameters are bounded, a
# client holds one waiting poll at most, and no secret is in it.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/adv.sh"
adv_start <<'CONF' || exit 1
[recovery]
policy = automatic
CONF
state_of() { db "select provision_state || coalesce(reservation,'') from nodes where name='$1'"; }

# active nodes ra (owned by a) and rb (b), of a resource class no spare has;
# an available node sp of another class (never a spare for them)
for n in ra:a:rec rb:b:rec sp:a:other; do
	IFS=: read -r name owner rc <<<"$n"
	as sysadmin POST /v1/nodes "{\"name\":\"$name\",\"driver\":\"fake-hardware\",\"owner\":\"$owner\",\"resource_class\":\"$rc\"}" >/dev/null
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"manage"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" manageable
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"provide"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" available
done
for name in ra rb; do
	as sysadmin PATCH "/v1/nodes/$name" "[{\"op\":\"add\",\"path\":\"/instance_uuid\",\"value\":\"$(cat /proc/sys/kernel/random/uuid)\"}]" >/dev/null
	as sysadmin PUT "/v1/nodes/$name/states/provision" '{"target":"active"}' >/dev/null
	wait_until 20 db_is "select provision_state || coalesce(reservation,'') from nodes where name='$name'" active
done
IA=$(db "select instance_uuid from nodes where name='ra'")

adv_rows <<'ROWS'
# another project's node: not found, whatever the role
amember|PUT|/v1/nodes/rb/states/provision|{"target":"recover"}|404
aadmin|PUT|/v1/nodes/rb/states/provision|{"target":"recover"}|404
cadmin|PUT|/v1/nodes/ra/states/provision|{"target":"recover"}|404
# its own node: an operator's act, not a project's
aadmin|PUT|/v1/nodes/ra/states/provision|{"target":"recover"}|403
amember|PUT|/v1/nodes/ra/states/provision|{"target":"recover"}|403
areader|PUT|/v1/nodes/ra/states/provision|{"target":"recover"}|403
sysreader|PUT|/v1/nodes/ra/states/provision|{"target":"recover"}|403
-|PUT|/v1/nodes/ra/states/provision|{"target":"recover"}|401
# the policy is the operator's (driver_info is system-only)
aadmin|PATCH|/v1/nodes/ra|[{"op":"add","path":"/driver_info/recovery_policy","value":"off"}]|403
# not active: Ironic's 400, nothing happens
sysadmin|PUT|/v1/nodes/sp/states/provision|{"target":"recover"}|400
sysadmin|PUT|/v1/nodes/na/states/provision|{"target":"recover"}|400
# only what the verb takes
sysadmin|PUT|/v1/nodes/ra/states/provision|{"target":"recover","configdrive":"x"}|400
sysadmin|PUT|/v1/nodes/ra/states/provision|{"target":"recover","clean_steps":[]}|400
ROWS
expect_eq "refused requests left ra and rb active" "active active" "$(state_of ra) $(state_of rb)"
expect_eq "sp untouched" available "$(state_of sp)"

# The operator recovers ra; no spare fits: fenced, waiting, nothing moved.
expect_eq "sysadmin recover ra: 202" 202 "$(as sysadmin PUT /v1/nodes/ra/states/provision '{"target":"recover"}')"
again=$(as sysadmin PUT /v1/nodes/ra/states/provision '{"target":"recover"}')
ok "recover at once again: 202, 400 or 409 ($again)" bash -c "[[ '$again' =~ ^(202|400|409)$ ]]"
wait_until 30 db_is "select provision_state || coalesce(reservation,'') from nodes where name='ra'" "recover wait"
expect_eq "ra waits, fault no spare" "recover wait|no spare" "$(db "select provision_state || '|' || fault from nodes where name='ra'")"
for k in 1 2 3; do as sysadmin PUT /v1/nodes/ra/states/provision '{"target":"recover"}' >/dev/null; done
wait_until 30 db_is "select provision_state || coalesce(reservation,'') from nodes where name='ra'" "recover wait"
expect_eq "repeated recovers: ra keeps its instance" "$IA" "$(db "select instance_uuid from nodes where name='ra'")"
expect_eq "sp (another class) was never taken" "available|" "$(db "select provision_state || '|' || coalesce(instance_uuid,'') from nodes where name='sp'")"
expect_eq "rb untouched" active "$(state_of rb)"
expect_eq "no lock left" 0 "$(db 'select count(*) from nodes where reservation is not null')"
# a project reads its node's recovery state and why, nothing else
expect_eq "aadmin reads ra: recover wait" "recover wait" "$(as aadmin GET /v1/nodes/ra >/dev/null; jq -r .provision_state "$T/as.body")"
ok "the project's view has no BMC password" bash -c "! grep -q sekrit '$T/as.body'"

# --- the event stream ----------------------------------------------------------
adv_rows <<'ROWS'
# the fleet's events: system admins only
aadmin|GET|/v1/events||403
amember|GET|/v1/events||403
sysreader|GET|/v1/events||403
sysmember|GET|/v1/events||403
-|GET|/v1/events||401
# bounded parameters
sysadmin|GET|/v1/events?limit=0||400
sysadmin|GET|/v1/events?limit=1001||400
sysadmin|GET|/v1/events?limit=99999999999999999999999||400
sysadmin|GET|/v1/events?wait=31||400
sysadmin|GET|/v1/events?wait=-1||400
sysadmin|GET|/v1/events?since=-5||400
sysadmin|GET|/v1/events?since=1e3||400
sysadmin|GET|/v1/events?stream=../../etc||400
sysadmin|GET|/v1/events?stream=%00||400
sysadmin|GET|/v1/events?limit=1000||200
ROWS
expect_eq "sysadmin reads the events" 200 "$(as sysadmin GET '/v1/events?limit=1000')"
ok "the stream has ra's recovery (detection and fencing)" bash -c "jq -r '.events[].event' '$T/as.body' | grep -q '^Fenced'"
ok "no BMC password in the events" bash -c "! grep -q sekrit '$T/as.body'"
S=$(jq -r .stream "$T/as.body") L=$(jq -r .last "$T/as.body")
# one waiting poll per client: a second one is refused at once, not queued
( as sysadmin GET "/v1/events?wait=8&since=$L&stream=$S" >"$T/w1.code" ) &
W1=$!
sleep 1
t0=$(date +%s)
expect_eq "a second waiting poll of the same client: 429" 429 "$(as sysadmin GET "/v1/events?wait=8&since=$L&stream=$S")"
ok "... answered at once" test $(( $(date +%s) - t0 )) -le 3
ok "the API answers others while a poll waits" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -u sysadmin:pw-sysadmin '$INGOT_URL/v1/nodes')\" = 200 ]"
# a new event ends the wait: the operator's recover of ra again
as sysadmin PUT /v1/nodes/ra/states/provision '{"target":"recover"}' >/dev/null
wait "$W1"
expect_eq "the waiting poll is answered when an event comes" 200 "$(cat "$T/w1.code")"
wait_until 30 db_is "select provision_state || ifnull(reservation,'') from nodes where name='ra'" "recover wait"
# a stale or foreign cursor starts over, never reads out of bounds
expect_eq "a cursor past the end: 200" 200 "$(as sysadmin GET "/v1/events?since=9007199254740992&stream=$S")"
ok "... counts from the start" bash -c "jq -e '.events | length > 0' '$T/as.body'"
finish
