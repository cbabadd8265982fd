#!/usr/bin/env bash
# GET /metrics: Prometheus's own parser (promtool check metrics) accepts the
# page, and its figures follow a scripted lifecycle: a deploy moves exactly
# one node between the provision-state gauges, a failed deploy counts a
# failure, requests are counted by route pattern (never by node), and the
# page is for system readers only.
. "$(dirname "$0")/../lib/lib.sh"

command -v promtool >/dev/null || { echo "not ok - promtool (Debian prometheus) is missing"; exit 1; }
ingot_start || exit 1

scrape() { curl -fsS "$INGOT_URL/metrics" >"$T/m" && cat "$T/m"; }
# The value of one series (exact name and labels), 0 when absent.
mval() {
	scrape >/dev/null
	awk -v k="$1" 'index($0, k " ") == 1 { print $NF; found = 1 } END { if (!found) print 0 }' "$T/m"
}
state() { api GET "/v1/nodes/$1" | jq -r .provision_state; }

ok "GET /metrics answers" scrape
ok "promtool accepts the page" sh -c "promtool check metrics <'$T/m' 2>&1 | tee '$T/promtool.out'; ! grep -qi 'error' '$T/promtool.out'"
ok "process figures are there" grep -q '^process_resident_memory_bytes [1-9]' "$T/m"
ok "open files are counted" grep -q '^process_open_fds [1-9]' "$T/m"

# Three fake nodes made available; one deploys, one fails to deploy.
for n in m1 m2 m3; do
	api POST /v1/nodes "{\"driver\":\"fake-hardware\",\"name\":\"$n\",\"deploy_interface\":\"fake\"}" >/dev/null
	api PUT "/v1/nodes/$n/states/provision" '{"target":"manage"}' >/dev/null
done
wait_until 60 '[ "$(state m1)$(state m2)$(state m3)" = manageablemanageablemanageable ]'
for n in m1 m2 m3; do api PUT "/v1/nodes/$n/states/provision" '{"target":"provide"}' >/dev/null; done
wait_until 60 '[ "$(state m1)$(state m2)$(state m3)" = availableavailableavailable ]'
expect_eq "three nodes counted available" 3 "$(mval 'ingot_nodes{provision_state="available"}')"
expect_eq "none active" 0 "$(mval 'ingot_nodes{provision_state="active"}')"
base_ok=$(mval 'ingot_provision_operations_total{operation="deploy",result="succeeded"}')
base_fail=$(mval 'ingot_provision_operations_total{operation="deploy",result="failed"}')

api PUT /v1/nodes/m1/states/provision '{"target":"active"}' >/dev/null
wait_until 60 '[ "$(state m1)" = active ]'
expect_eq "the deploy moves one node out of available" 2 "$(mval 'ingot_nodes{provision_state="available"}')"
expect_eq "... and into active" 1 "$(mval 'ingot_nodes{provision_state="active"}')"
expect_eq "one deploy succeeded" $((base_ok + 1)) \
	"$(mval 'ingot_provision_operations_total{operation="deploy",result="succeeded"}')"
ok "its duration is observed" grep -q '^ingot_provision_operation_duration_seconds_count{operation="deploy"} [1-9]' "$T/m"

# A deploy through the direct interface without an image fails validation.
api PATCH /v1/nodes/m2 '[{"op":"replace","path":"/deploy_interface","value":"direct"}]' >/dev/null
api PUT /v1/nodes/m2/states/provision '{"target":"active"}' >/dev/null
wait_until 60 '[ "$(state m2)" = "deploy failed" ]'
expect_eq "the failed deploy is counted" $((base_fail + 1)) \
	"$(mval 'ingot_provision_operations_total{operation="deploy",result="failed"}')"
expect_eq "... and the node is counted deploy failed" 1 "$(mval 'ingot_nodes{provision_state="deploy failed"}')"
expect_eq "the succeeded count is unchanged" $((base_ok + 1)) \
	"$(mval 'ingot_provision_operations_total{operation="deploy",result="succeeded"}')"

# Maintenance and requests.
api PUT /v1/nodes/m3/maintenance '{"reason":"metrics test"}' >/dev/null
expect_eq "maintenance counted" 1 "$(mval 'ingot_nodes_maintenance')"
ok "node requests are counted by route pattern" \
	grep -q '^ingot_api_requests_total{route="v1/nodes/\*",method="GET",status="200"} [1-9]' "$T/m"
uuid=$(api GET /v1/nodes/m1 | jq -r .uuid)
ok "no node UUID or name appears in the page" sh -c "! grep -q -e '$uuid' -e '\"m1\"' '$T/m'"
curl -s -o /dev/null -X FOO "$INGOT_URL/v1/nodes" || true
scrape >/dev/null
ok "an invented method is counted as other, not by its name" sh -c \
	"! grep -q 'method=\"FOO\"' '$T/m' && grep -q 'method=\"other\"' '$T/m'"
ok "promtool still accepts the page" sh -c "promtool check metrics <'$T/m' 2>&1 | tee '$T/promtool.out'; ! grep -qi 'error' '$T/promtool.out'"
ingot_stop

# [api] metrics = false: 404.
cat >"$T/nometrics.conf" <<EOF
[api]
metrics = false
EOF
ingot_start --config "$T/nometrics.conf" || exit 1
expect_eq "metrics off: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$INGOT_URL/metrics")"
finish
