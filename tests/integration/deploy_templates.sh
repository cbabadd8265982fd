#!/usr/bin/env bash
# Deploy templates (1.55) and user deploy_steps (1.69), as Ironic: the
# template CRUD with its checks, then deploys of fake-hardware nodes whose
# fake bios and raid interfaces run the steps — the outcome read back from
# the node (raid_config, the BIOS settings recorded, deploy history), a user
# step overriding and disabling a template's, and every refusal (a step the
# node's hardware does not offer, a priority Ingot cannot honour, an old
# microversion) leaving the node where it was, unlocked.
. "$(dirname "$0")/../lib/lib.sh"
ingot_start || exit 1
state() { api GET "/v1/nodes/$1" | jq -r .provision_state; }
nolock() { db 'select count(*) from nodes where reservation is not null'; }

BIOS='{"interface":"bios","step":"apply_configuration","priority":150,"args":{"settings":[{"name":"LogicalProc","value":"Disabled"}]}}'
RAID='{"interface":"raid","step":"apply_configuration","priority":160,"args":{"raid_config":{"logical_disks":[{"size_gb":"MAX","raid_level":"1","is_root_volume":true}]},"delete_existing":true}}'

API_VERSION=1.54 api GET /v1/deploy_templates >/dev/null
expect_eq "deploy templates below 1.55: 404" 404 "$STATUS"
api POST /v1/deploy_templates "{\"name\":\"CUSTOM_HT_OFF\",\"steps\":[$BIOS,$RAID],\"extra\":{\"team\":\"hpc\"}}" >/dev/null
expect_eq "template created: 201" 201 "$STATUS"
TPL=$(jq -r .uuid "$T/api.body")
expect_eq "... with its two steps" 2 "$(jq '.steps | length' "$T/api.body")"
expect_eq "list: name, uuid, links only" '["links","name","uuid"]' "$(api GET /v1/deploy_templates | jq -c '.deploy_templates[0] | keys')"
expect_eq "detail: the steps too" 2 "$(api GET '/v1/deploy_templates?detail=true' | jq '.deploy_templates[0].steps | length')"
expect_eq "by name" "$TPL" "$(api GET /v1/deploy_templates/CUSTOM_HT_OFF | jq -r .uuid)"
api POST /v1/deploy_templates "{\"name\":\"CUSTOM_HT_OFF\",\"steps\":[$BIOS]}" >/dev/null
expect_eq "duplicate name: 409" 409 "$STATUS"
bad() {	# what, body
	api POST /v1/deploy_templates "$2" >/dev/null
	expect_eq "$1: 400" 400 "$STATUS"
}
bad "a name that is not a trait" "{\"name\":\"ht-off\",\"steps\":[$BIOS]}"
bad "no steps" '{"name":"CUSTOM_EMPTY","steps":[]}'
bad "steps missing" '{"name":"CUSTOM_EMPTY"}'
bad "an unknown interface" '{"name":"CUSTOM_A","steps":[{"interface":"vendor","step":"x","priority":150,"args":{}}]}'
bad "a step name with odd characters" '{"name":"CUSTOM_A","steps":[{"interface":"bios","step":"../x","priority":150,"args":{}}]}'
bad "a negative priority" '{"name":"CUSTOM_A","steps":[{"interface":"bios","step":"x","priority":-1,"args":{}}]}'
bad "args not an object" '{"name":"CUSTOM_A","steps":[{"interface":"bios","step":"x","priority":150,"args":[]}]}'
bad "an unknown key in a step" '{"name":"CUSTOM_A","steps":[{"interface":"bios","step":"x","priority":150,"args":{},"run":"sh"}]}'
bad "the same step twice" "{\"name\":\"CUSTOM_A\",\"steps\":[$BIOS,$BIOS]}"
many=$(jq -cn '[range(51) | {interface:"bios", step:"s\(.)", priority:150, args:{}}]')
bad "51 steps" "{\"name\":\"CUSTOM_A\",\"steps\":$many}"
expect_eq "none of those was stored" 1 "$(db 'select count(*) from deploy_templates')"
api PATCH /v1/deploy_templates/CUSTOM_HT_OFF '[{"op":"replace","path":"/steps/0/priority","value":-5}]' >/dev/null
expect_eq "PATCH to a bad step: 400" 400 "$STATUS"
api PATCH /v1/deploy_templates/CUSTOM_HT_OFF '[{"op":"add","path":"/extra/rev","value":2}]' >/dev/null
expect_eq "PATCH extra: 200" 200 "$STATUS"
expect_eq "... the steps unchanged" 150 "$(jq '.steps[0].priority' "$T/api.body")"

# Three fake nodes with fake bios and raid interfaces, made available.
mk() {	# name, extra node JSON
	api POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"$1\",\"deploy_interface\":\"fake\",$2}" >/dev/null
	api PUT "/v1/nodes/$1/traits" '{"traits":["CUSTOM_HT_OFF"]}' >/dev/null
	api PATCH "/v1/nodes/$1" '[{"op":"add","path":"/instance_info/traits","value":["CUSTOM_HT_OFF"]}]' >/dev/null
	api PUT "/v1/nodes/$1/states/provision" '{"target":"manage"}' >/dev/null
	wait_until 60 '[ "$(state '"$1"')" = manageable ]'
	api PUT "/v1/nodes/$1/states/provision" '{"target":"provide"}' >/dev/null
	wait_until 60 '[ "$(state '"$1"')" = available ]'
}
mk t1 '"bios_interface":"fake","raid_interface":"fake"'
mk t2 '"bios_interface":"fake","raid_interface":"fake"'
mk t3 '"bios_interface":"no-bios","raid_interface":"fake"'

api PUT /v1/nodes/t1/states/provision '{"target":"active"}' >/dev/null
expect_eq "deploy with the template's trait: 202" 202 "$STATUS"
wait_until 60 '[ "$(state t1)" = active ]'
expect_eq "t1 active" active "$(state t1)"
expect_eq "raid.apply_configuration set the node's raid_config" '"MAX"' "$(api GET /v1/nodes/t1 | jq -c '.raid_config.logical_disks[0].size_gb')"
expect_eq "bios.apply_configuration recorded the setting" '"Disabled"' \
    "$(db "select $(db_json driver_internal_info fake_bios_settings.LogicalProc) from nodes where name='t1'" | sed 's/.*/"&"/')"
hist=$(api GET /v1/nodes/t1/history | jq -r '[.history[].event] | join("|")')
ok "history: the raid step ran before the bios step (priority 160, then 150)" \
    bash -c "grep -o 'deploy step [a-z]*\.[a-z_]* done' <<<'$hist' | tr '\n' ' ' | grep -q '^deploy step raid.apply_configuration done deploy step bios.apply_configuration done'"
expect_eq "deploy_step is empty once deployed" '{}' "$(api GET /v1/nodes/t1 | jq -c .deploy_step)"

# User steps (1.69) override the template's: bios disabled (priority 0).
api PUT /v1/nodes/t2/states/provision '{"target":"active","deploy_steps":[{"interface":"bios","step":"apply_configuration","priority":0,"args":{}}]}' >/dev/null
expect_eq "deploy with a user step that disables the template's bios step: 202" 202 "$STATUS"
wait_until 60 '[ "$(state t2)" = active ]'
expect_eq "t2: the raid step ran" '"MAX"' "$(api GET /v1/nodes/t2 | jq -c '.raid_config.logical_disks[0].size_gb')"
expect_eq "t2: the bios step did not" "" \
    "$(db "select $(db_json driver_internal_info fake_bios_settings) from nodes where name='t2'")"

# Refusals: nothing changes, nothing stays locked.
API_VERSION=1.68 api PUT /v1/nodes/t3/states/provision '{"target":"active","deploy_steps":[]}' >/dev/null
expect_eq "deploy_steps below 1.69: 406" 406 "$STATUS"
api PUT /v1/nodes/t3/states/provision '{"target":"active"}' >/dev/null
expect_eq "template step the node's no-bios interface lacks: 400" 400 "$STATUS"
ok "... the error names the step" bash -c "jq -r .error_message '$T/api.body' | grep -q 'bios.apply_configuration is not supported'"
api PUT /v1/nodes/t3/states/provision '{"target":"active","deploy_steps":[{"interface":"bios","step":"apply_configuration","priority":0,"args":{}},{"interface":"raid","step":"delete_configuration","priority":90,"args":{}}]}' >/dev/null
expect_eq "a step between the core steps (priority 90): 400" 400 "$STATUS"
api PUT /v1/nodes/t3/states/provision '{"target":"active","deploy_steps":"rm -rf"}' >/dev/null
expect_eq "deploy_steps not a list: 400" 400 "$STATUS"
expect_eq "t3 still available" available "$(state t3)"
expect_eq "no lock left" 0 "$(nolock)"

# A step that fails at run time fails the deploy and says which.
api PATCH /v1/deploy_templates/CUSTOM_HT_OFF '[{"op":"replace","path":"/steps/1/args/raid_config","value":{"logical_disks":[]}}]' >/dev/null
api PUT /v1/nodes/t3/states/provision '{"target":"active","deploy_steps":[{"interface":"bios","step":"apply_configuration","priority":0,"args":{}}]}' >/dev/null
expect_eq "deploy with a broken raid step: 202" 202 "$STATUS"
wait_until 60 '[ "$(state t3)" = "deploy failed" ]'
expect_eq "t3 deploy failed" "deploy failed" "$(state t3)"
ok "last_error names the step" bash -c "curl -fsS '$INGOT_URL/v1/nodes/t3' -H 'X-OpenStack-Ironic-API-Version: 1.81' | jq -r .last_error | grep -q 'raid.apply_configuration failed'"
expect_eq "no lock left after the failure" 0 "$(nolock)"

api DELETE /v1/deploy_templates/CUSTOM_HT_OFF >/dev/null
expect_eq "template deleted: 204" 204 "$STATUS"
api GET "/v1/deploy_templates/$TPL" >/dev/null
expect_eq "... gone: 404" 404 "$STATUS"
ingot_stop
finish
