#!/usr/bin/env bash
# Recovery's other triggers against real ipmi_sim BMCs (docs/recovery.md):
#   - the critical-sensor trigger: the BMC's "CPU Temp" set to 95 C (above
#     its 90 C critical threshold) through ipmi_sim's emulation console;
#     damped (one critical read, then normal: nothing), then failed after
#     [recovery] sensor_failures reads in a row, fenced through the BMC,
#     with the sensor's name and reading in the node's history;
#   - no spare: the node waits ("recover wait", fault "no spare"); a node of
#     another resource class becoming available retries it once (bounded,
#     counted), a fitting spare becoming available retries it and moves it.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/bmc.sh"
BMC_SENSORS=1 BMC_CONSOLE=1 bmc_start bs || exit 1
cat >"$T/ingotd.conf" <<CONF
[conductor]
sync_power_state_interval = 1
force_power_state_during_sync = false
power_timeout = 5
automated_clean = false
[ipmi]
timeout_ms = 3000
[recovery]
policy = automatic
sensor_failures = 3
auto_retries = 2
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
i() { "$INGOT" "$@"; }
field() { "$INGOT" -f json node show "$1" | jq -r ".$2"; }
hist() { "$INGOT" -f json node history "$1"; }
i node create --driver ipmi --name hot --resource-class gold --driver-info ipmi_address=127.0.0.1 \
	--driver-info ipmi_port="${BMC_PORTS[bs]}" --driver-info ipmi_username=admin \
	--driver-info ipmi_password=password --deploy-interface fake --boot-interface fake --network-interface noop >/dev/null
i node manage hot --wait 60 >/dev/null
i node provide hot --wait 60 >/dev/null
api PATCH /v1/nodes/hot "[{\"op\":\"add\",\"path\":\"/instance_uuid\",\"value\":\"$(cat /proc/sys/kernel/random/uuid)\"}]" >/dev/null
ok "deploy hot" i node deploy hot --wait 60
ok "hot powered on" i node power on hot
wait_until 30 'test "$(field hot power_state)" = "power on"'
INST=$(field hot instance_uuid)
sensor() { api GET /v1/nodes/hot/management/sensors | jq -r '.sensors[] | select(.name == "CPU Temp") | "\(.reading) \(.state)"'; }
expect_eq "Ingot reads CPU Temp 45, Nominal" "45 Nominal" "$(sensor)"

# damping: one critical read (the count is 3), then normal again
bmc_cmd bs 'sensor_set_value 0x20 0 1 0x5f 0'
expect_eq "Ingot reads CPU Temp 95, Critical" "95 Critical" "$(sensor)"
bmc_cmd bs 'sensor_set_value 0x20 0 1 0x2d 0'
sleep 4
expect_eq "a short critical spell: hot still active, not in maintenance" "active false" \
	"$(field hot provision_state) $(field hot maintenance)"

# critical for good: failed after 3 reads in a row, fenced through the BMC
bmc_cmd bs 'sensor_set_value 0x20 0 1 0x5f 0'
wait_until 90 'test "$(field hot provision_state)" = "recover wait"'
expect_eq "hot: fenced and waiting, no spare" "recover wait true no spare" \
	"$(field hot provision_state) $(field hot maintenance) $(field hot fault)"
ok "hot: history has the sensor evidence" bash -c "'$INGOT' -f json node history hot |
	grep -q 'Server failure detected (sensor): the BMC reported 1 critical sensor(s) on 3 sensor reads in a row: CPU Temp 95.00 C'"
ok "hot: fenced through its BMC" bash -c "'$INGOT' -f json node history hot | grep -q 'powered off, confirmed by the BMC'"
expect_eq "the BMC says off" "Chassis Power is off" "$(ipmitool_for bs power status)"
expect_eq "hot keeps its instance" "$INST" "$(field hot instance_uuid)"
ok "metrics: a sensor detection" bash -c "curl -fsS '$INGOT_URL/metrics' |
	grep -q 'ingot_recovery_detections_total{cause=\"sensor\"} 1'"

# a node of another class appears: one retry, counted, still no spare
retries() { sqlite3 "$T/ingot.db" "select ifnull(json_extract(driver_internal_info, '\$.recovery.retries'), 0) from nodes where name='hot'"; }
i node create --driver fake-hardware --name silver --resource-class silver --network-interface noop >/dev/null
i node manage silver --wait 60 >/dev/null
i node provide silver --wait 60 >/dev/null
wait_until 30 'test "$(retries)" = 1'
wait_until 30 'test "$(field hot provision_state)" = "recover wait"'
expect_eq "one retry when silver appeared, still waiting" "1 recover wait no spare" \
	"$(retries) $(field hot provision_state) $(field hot fault)"
ok "hot: history says why it was retried" bash -c "'$INGOT' -f json node history hot |
	grep -q 'A new available node appeared (silver): recovery retried by itself (retry 1 of 2)'"
sleep 3
expect_eq "no further retry while nothing new appears" 1 "$(retries)"
expect_eq "silver untouched" "available null" "$(field silver provision_state) $(field silver instance_uuid)"

# a fitting spare appears: the second retry moves the instance
i node create --driver fake-hardware --name spare --resource-class gold --network-interface noop >/dev/null
i node manage spare --wait 60 >/dev/null
i node provide spare --wait 60 >/dev/null
wait_until 60 'test "$(field spare provision_state)" = active'
expect_eq "spare active with hot's instance" "active $INST" \
	"$(field spare provision_state) $(field spare instance_uuid)"
expect_eq "hot: manageable, fault hardware failure, no instance" "manageable hardware failure null" \
	"$(field hot provision_state) $(field hot fault) $(field hot instance_uuid)"
expect_eq "two retries in all" 2 "$(sqlite3 "$T/ingot.db" "select ifnull(json_extract(driver_internal_info, '\$.recovery.retries'), 0) from nodes where name='hot'")"
expect_eq "never two nodes on one instance" 0 "$(sqlite3 "$T/ingot.db" "select count(*) from (select instance_uuid
	from nodes where instance_uuid is not null group by instance_uuid having count(*) > 1)")"
expect_eq "no node lock left" 0 "$(sqlite3 "$T/ingot.db" "select count(*) from nodes where reservation is not null")"
bmc_stop bs
finish
