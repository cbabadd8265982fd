#!/usr/bin/env bash
# Adversarial: the "recover" provision verb (docs/recovery.md) in the hands
# of projects and of a careless operator.  Recovery fences hardware and
# takes a spare from the pool: only system-scoped members may ask for it; a
# project gets 404 for another project's node and 403 for its own; it cannot
# change a node's recovery policy; recover on a node that is not active is
# Ironic's 400; repeating it moves nothing twice and leaves no lock.
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
finish
