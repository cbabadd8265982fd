#!/usr/bin/env bash
# The ipmi hardware type against OpenIPMI's ipmi_sim, read back with ipmitool.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/bmc.sh"
# BMC passwords are stored encrypted: every IPMI action below proves they
# decrypt; the database file must not hold them in clear.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/secret.key"
cat >"$T/ingotd.conf" <<CONF
[database]
secret_key_file = $T/secret.key
[conductor]
sync_power_state_interval = 1
power_state_sync_max_retries = 2
power_timeout = 10
[ipmi]
timeout_ms = 1000
retries = 1
retry_backoff_ms = 100
CONF
BMC_SENSORS=1 bmc_start b1 || exit 1
ingot_start --config "$T/ingotd.conf" || exit 1
i() { "$INGOT" "$@"; }
js() { "$INGOT" -f json "$@"; }
field() { js node show "$1" | jq -r ".$2"; }
status() { ipmitool_for "$1" power status | awk '{print $NF}'; }

# FreeIPMI is loaded at the first IPMI call (src/hw/ipmi/ipmi_dl.c), not at start-up
maps_freeipmi() { grep -q 'libfreeipmi\.so' "/proc/$INGOTD_PID/maps"; }
ok "libfreeipmi not mapped before any IPMI node" bash -c "! grep -q 'libfreeipmi\.so' /proc/$INGOTD_PID/maps"
ok "enrol an ipmi node" i node create --driver ipmi --name n1 --driver-info ipmi_address=127.0.0.1 \
	--driver-info ipmi_port="${BMC_PORTS[b1]}" --driver-info ipmi_username=admin \
	--driver-info ipmi_password=password --deploy-interface fake --boot-interface fake \
	--network-interface noop
expect_eq "validate: power valid" true "$(js node validate n1 | jq -r '.[] | select(.interface=="power") | .result')"
ok "manage (verifies through the BMC)" i node manage n1 --wait 30
expect_eq "power state recorded from the BMC" "power off" "$(field n1 power_state)"
ok "libfreeipmi mapped once an IPMI node is used" maps_freeipmi
ok "power on" i node power on n1
wait_until 60 'test "$(field n1 power_state)" = "power on"'
expect_eq "ipmitool reads on" on "$(status b1)"
ok "power off" i node power off n1
wait_until 60 'test "$(field n1 power_state)" = "power off"'
expect_eq "ipmitool reads off" off "$(status b1)"
ok "reboot from off" i node power reboot n1
wait_until 60 'test "$(field n1 power_state)" = "power on"'
expect_eq "ipmitool reads on after reboot" on "$(status b1)"
ok "soft power off (falls back to hard when the guest ignores it)" i node power off n1 --soft --power-timeout 2
wait_until 60 'test "$(field n1 power_state)" = "power off"'
expect_eq "ipmitool reads off after soft off" off "$(status b1)"

ok "boot device pxe, one-time" i node boot-device set n1 pxe
expect_eq "BMC has pxe (chassis program)" pxe "$(cat "$T/bmc-b1/boot")"
ok "ipmitool bootparam reads Force PXE" bash -c "ipmitool -I lanplus -C 3 -H 127.0.0.1 -p ${BMC_PORTS[b1]} -U admin -P password chassis bootparam get 5 | grep -q 'Force PXE'"
expect_eq "boot device read back through the API" pxe "$(js node boot-device show n1 | jq -r .boot_device)"
ok "boot device disk, persistent" i node boot-device set n1 disk --persistent
expect_eq "BMC has disk" default "$(cat "$T/bmc-b1/boot")"
ok "ipmitool bootparam reads the hard drive" bash -c "ipmitool -I lanplus -C 3 -H 127.0.0.1 -p ${BMC_PORTS[b1]} -U admin -P password chassis bootparam get 5 | grep -q 'Hard-Drive'"
i node boot-device set n1 floppy >"$T/o" 2>&1
ok "unsupported boot device refused" grep -q "not supported" "$T/o"

# Sensors: read through the SDR, as ipmitool reads them.
api GET /v1/nodes/n1/management/sensors >/dev/null
expect_eq "sensors: 200" 200 "$STATUS"
api GET /v1/nodes/n1/management/sensors >/dev/null
api GET /v1/nodes/n1/management/sensors >/dev/null
expect_eq "sensors read again: 200" 200 "$STATUS"
expect_eq "sensor name, reading and units" "CPU Temp 45 C Nominal" \
	"$(jq -r '.sensors[0] | "\(.name) \(.reading | floor) \(.units) \(.state)"' "$T/api.body")"
ok "ipmitool agrees" bash -c "ipmitool -I lanplus -C 3 -H 127.0.0.1 -p ${BMC_PORTS[b1]} -U admin -P password sensor reading 'CPU Temp' | grep -q '| 45'"

# Wrong password: validate names authentication; a power action fails and changes nothing.
ok "set a wrong password" i node set n1 --driver-info ipmi_password=wrong
expect_eq "validate: power invalid" false "$(js node validate n1 | jq -r '.[] | select(.interface=="power") | .result')"
ok "validate: authentication reason" bash -c "'$INGOT' -f json node validate n1 | jq -r '.[] | select(.interface==\"power\") | .reason' | grep -q 'authentication failed'"
ok "power on with a wrong password is accepted" i node power on n1
wait_until 60 bash -c "'$INGOT' -f json node show n1 | jq -e '.last_error != null and .target_power_state == null'"
ok "last_error names authentication" bash -c "'$INGOT' -f json node show n1 | jq -r .last_error | grep -q 'authentication failed'"
# (never "power on"; a power sync failing meanwhile may record it unknown)
expect_eq "recorded state not changed to on" true \
	"$([ "$(field n1 power_state)" != "power on" ] && echo true || echo false)"
expect_eq "BMC state unchanged" off "$(status b1)"
ok "no password in the log" bash -c "! grep -q -e 'password\"' -e wrong '$T/ingotd.log'"
ok "restore the password" i node set n1 --driver-info ipmi_password=password
# syncs that failed meanwhile may have recorded the power unknown (a power
# failure fault); the next good one records the BMC's state again
wait_until 60 "[ \"\$(field n1 power_state)\" = 'power off' ]"

# Power-state sync: an outside change is undone (force_power_state_during_sync).
ipmitool_for b1 power on >/dev/null
wait_until 60 'test "$(status b1)" = off'
expect_eq "sync re-applied the recorded power off" off "$(status b1)"
api GET /v1/nodes/n1/history >/dev/null
ok "the correction is in node history" jq -e '.history[] | select(.event | test("does not match"))' "$T/api.body"

# A dead BMC: maintenance with a power failure fault, cleared when it answers.
bmc_stop b1
api GET /v1/nodes/n1/management/sensors >/dev/null
expect_eq "sensors of a dead BMC: 503" 503 "$STATUS"
wait_until 60 'test "$(field n1 fault)" = "power failure"'
expect_eq "fault power failure" "power failure" "$(field n1 fault)"
expect_eq "in maintenance" true "$(field n1 maintenance)"
ok "maintenance_reason says why" bash -c "'$INGOT' -f json node show n1 | jq -r .maintenance_reason | grep -q 'did not answer'"
BMC_SENSORS=1 bmc_start b1 || exit 1
wait_until 60 'test "$(field n1 fault)" = "null"'
expect_eq "fault cleared when the BMC answers" null "$(field n1 fault)"
ok "driver_info passwords are stored encrypted" grep -q '"ipmi_password":"enc:v1:' \
	<(db "select driver_info from nodes where name='n1'")
ok "no BMC password in clear in the database" test -z \
	"$(db 'select driver_info from nodes' | grep '"password"')"
expect_eq "maintenance cleared" false "$(field n1 maintenance)"

# Twenty BMCs, one dead: the other nineteen are read within the cycle bound.
ingot_stop
sed -i 's/^\[conductor\]$/[conductor]\nforce_power_state_during_sync = false/' "$T/ingotd.conf"
ingot_start --config "$T/ingotd.conf" || exit 1
for k in $(seq 1 20); do
	bmc_start m$k || exit 1
	i node create --driver ipmi --name m$k --driver-info ipmi_address=127.0.0.1 \
		--driver-info ipmi_port="${BMC_PORTS[m$k]}" --driver-info ipmi_username=admin \
		--driver-info ipmi_password=password --deploy-interface fake --boot-interface fake \
		--network-interface noop >/dev/null
	i node manage m$k >/dev/null
done
wait_until 60 db_is "select count(*) from nodes where name like 'm%' and provision_state='manageable'" 20
bmc_stop m7
for k in $(seq 1 20); do [ "$k" = 7 ] || echo 1 >"$T/bmc-m$k/power"; done
t0=$(date +%s%N)
wait_until 240 db_is "select count(*) from nodes where name like 'm%' and power_state='power on'" 19
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "19 live BMCs' power recorded despite the dead BMC" 19 "$(db "select count(*) from nodes where name like 'm%' and power_state='power on'")"
echo "# recorded in ${ms} ms (bench/ipmi_sync measures the sync's speed)"
finish
