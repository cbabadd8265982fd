#!/usr/bin/env bash
# The redfish hardware type against the lab Redfish BMC (lab/redfish-bmc,
# in memory, no VM): validation, power, NMI, boot device and mode, secure
# boot, sensors, BIOS, inspection, sessions (reuse, renewal), Basic auth,
# TLS, bad credentials, a BMC that stops answering, and a power sync over
# many BMCs.  Every outcome is read back from the BMC with curl.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/redfish.sh"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/secret.key"
cat >"$T/ingotd.conf" <<CONF
[database]
secret_key_file = $T/secret.key
[conductor]
sync_power_state_interval = 1
power_state_sync_max_retries = 2
power_timeout = 10
[redfish]
timeout = 2
connect_timeout = 2
retries = 0
CONF
rf_start r1 --mac 52:54:00:0f:00:01 --mac 52:54:00:0f:00:02 || exit 1
ingot_start --config "$T/ingotd.conf" || exit 1
i() { "$INGOT" "$@"; }
js() { "$INGOT" -f json "$@"; }
field() { js node show "$1" | jq -r ".$2"; }
bmc() { rf_get "$1" "/Systems/$1" | jq -r "$2"; }
reason() { js node validate "$1" | jq -r ".[] | select(.interface==\"$2\") | .reason"; }
U1=$(rf_url r1)

# --- validation: clear reasons, nothing sent -----------------------------
ok "enrol a redfish node with a bad address" i node create --driver redfish --name r1 \
	--driver-info redfish_address="ftp://127.0.0.1/" --driver-info redfish_system_id=r1 \
	--driver-info redfish_username=admin --driver-info redfish_password=password \
	--deploy-interface fake --boot-interface fake --network-interface noop
ok "validate: the address is refused with a reason" bash -c "'$INGOT' -f json node validate r1 | jq -r '.[] | select(.interface==\"power\") | .reason' | grep -q 'redfish_address must be'"
ok "an unknown redfish_ field" i node set r1 --driver-info redfish_address="$U1" --driver-info redfish_bogus=1
ok "validate: unknown field named" bash -c "'$INGOT' -f json node validate r1 | jq -r '.[] | select(.interface==\"power\") | .reason' | grep -q 'unknown Redfish field redfish_bogus'"
ok "a system id with a path escape" i node unset r1 --driver-info redfish_bogus
i node set r1 --driver-info redfish_system_id=../../Managers/BMC >/dev/null
ok "validate: system id refused" bash -c "'$INGOT' -f json node validate r1 | jq -r '.[] | select(.interface==\"power\") | .reason' | grep -q 'redfish_system_id must be'"
i node set r1 --driver-info redfish_system_id=/redfish/v1/Systems/r1 >/dev/null
expect_eq "validate: power valid" true "$(js node validate r1 | jq -r '.[] | select(.interface=="power") | .result')"
expect_eq "driver_info shows no password" '******' "$(field r1 driver_info.redfish_password)"
expect_eq "default interfaces: redfish" "redfish redfish redfish redfish" \
	"$(js node show r1 | jq -r '"\(.power_interface) \(.management_interface) \(.inspect_interface) \(.bios_interface)"')"
ok "manage (verifies through the BMC)" i node manage r1 --wait 30
expect_eq "power state recorded from the BMC" "power off" "$(field r1 power_state)"
expect_eq "one session opened at the BMC" 1 "$(rf_get r1 /SessionService/Sessions | jq '.Members | length')"

# --- power ----------------------------------------------------------------
ok "power on" i node power on r1
wait_until 60 'test "$(field r1 power_state)" = "power on"'
expect_eq "the BMC reads On" On "$(bmc r1 .PowerState)"
ok "power off" i node power off r1
wait_until 60 'test "$(field r1 power_state)" = "power off"'
expect_eq "the BMC reads Off (ForceOff)" "Off ForceOff" "$(bmc r1 '"\(.PowerState) \(.Oem.IngotLab.Actions[-1])"')"
boots=$(bmc r1 .Oem.IngotLab.BootCount)
ok "reboot from off" i node power reboot r1
wait_until 60 'test "$(field r1 power_state)" = "power on"'
ok "reboot while on" i node power reboot r1
wait_until 60 "[ \"\$(bmc r1 .Oem.IngotLab.BootCount)\" = $((boots + 2)) ]"
expect_eq "two boots, the last a ForceRestart" "On ForceRestart $((boots + 2))" "$(bmc r1 '"\(.PowerState) \(.Oem.IngotLab.Actions[-1]) \(.Oem.IngotLab.BootCount)"')"
ok "soft power off" i node power off r1 --soft
wait_until 60 'test "$(field r1 power_state)" = "power off"'
expect_eq "the BMC got GracefulShutdown" "Off GracefulShutdown" "$(bmc r1 '"\(.PowerState) \(.Oem.IngotLab.Actions[-1])"')"
expect_eq "no last_error" null "$(field r1 last_error)"

# NMI: refused while off (the BMC's message), delivered while on
api PUT /v1/nodes/r1/management/inject_nmi '{}' >/dev/null
expect_eq "NMI while off: 503" 503 "$STATUS"
ok "NMI error carries the BMC's message" grep -q "powered off: no NMI" "$T/api.body"
i node power on r1 >/dev/null
wait_until 60 'test "$(field r1 power_state)" = "power on"'
api PUT /v1/nodes/r1/management/inject_nmi '{}' >/dev/null
expect_eq "NMI: 204" 204 "$STATUS"
expect_eq "the BMC counted one NMI" 1 "$(bmc r1 .Oem.IngotLab.NmiCount)"

# --- boot device and mode ---------------------------------------------------
ok "boot device pxe, one-time" i node boot-device set r1 pxe
expect_eq "BMC: Pxe Once" "Pxe Once" "$(bmc r1 '"\(.Boot.BootSourceOverrideTarget) \(.Boot.BootSourceOverrideEnabled)"')"
expect_eq "read back through the API" "pxe false" "$(js node boot-device show r1 | jq -r '"\(.boot_device) \(.persistent)"')"
ok "boot device disk, persistent" i node boot-device set r1 disk --persistent
expect_eq "BMC: Hdd Continuous" "Hdd Continuous" "$(bmc r1 '"\(.Boot.BootSourceOverrideTarget) \(.Boot.BootSourceOverrideEnabled)"')"
i node boot-device set r1 floppy >"$T/o" 2>&1
ok "unsupported boot device refused" grep -q "not supported" "$T/o"
ok "legacy boot in the capabilities" i node set r1 --property capabilities=boot_mode:bios
ok "boot device cdrom with the node's mode" i node boot-device set r1 cdrom
expect_eq "BMC: Cd Once Legacy" "Cd Once Legacy" "$(bmc r1 '"\(.Boot.BootSourceOverrideTarget) \(.Boot.BootSourceOverrideEnabled) \(.Boot.BootSourceOverrideMode)"')"
i node unset r1 --property capabilities >/dev/null
api PUT /v1/nodes/r1/states/boot_mode '{"target":"uefi"}' >/dev/null
expect_eq "boot mode uefi: 202" 202 "$STATUS"
expect_eq "BMC: UEFI; node boot_mode uefi" "UEFI uefi" "$(bmc r1 .Boot.BootSourceOverrideMode) $(field r1 boot_mode)"
api PUT /v1/nodes/r1/states/boot_mode '{"target":"dos"}' >/dev/null
expect_eq "boot mode dos: 400" 400 "$STATUS"
api PUT /v1/nodes/r1/states/secure_boot '{"target":true}' >/dev/null
expect_eq "secure boot on: 202" 202 "$STATUS"
expect_eq "BMC: SecureBootEnable; node secure_boot" "true true" "$(rf_get r1 /Systems/r1/SecureBoot | jq -r .SecureBootEnable) $(field r1 secure_boot)"
api PUT /v1/nodes/r1/states/boot_mode '{"target":"bios"}' >/dev/null
expect_eq "legacy with secure boot on: the BMC refuses (503)" 503 "$STATUS"
ok "the BMC's ExtendedInfo message is the error" grep -q "conflicts with secure boot" "$T/api.body"
expect_eq "boot_mode unchanged" uefi "$(field r1 boot_mode)"
expect_eq "the node is not left locked" null "$(field r1 reservation)"
api PUT /v1/nodes/r1/states/secure_boot '{"target":"yes"}' >/dev/null
expect_eq "secure boot target not a boolean: 400" 400 "$STATUS"

# --- sensors, BIOS, inspection --------------------------------------------
api GET /v1/nodes/r1/management/sensors >/dev/null
expect_eq "sensors: 200" 200 "$STATUS"
expect_eq "a temperature and a fan" "CPU1 Temp 45 C|Fan1 4200 RPM" "$(jq -r '[.sensors[0,1] | "\(.name) \(.reading) \(.units)"] | join("|")' "$T/api.body")"
api GET /v1/nodes/r1/bios >/dev/null
expect_eq "bios: 200" 200 "$STATUS"
expect_eq "BIOS settings read from the BMC (values as strings)" "Enabled 115200" \
	"$(jq -r '[.bios[] | select(.name=="ProcTurboMode" or .name=="SerialConsoleBaudRate") | .value] | join(" ")' "$T/api.body")"
api GET /v1/nodes/r1/bios/NumLock >/dev/null
expect_eq "one setting" "200 On" "$STATUS $(jq -r .NumLock.value "$T/api.body")"
api GET /v1/nodes/r1/bios/NoSuch >/dev/null
expect_eq "a missing setting: 404" 404 "$STATUS"
i node power off r1 >/dev/null
wait_until 60 'test "$(field r1 power_state)" = "power off"'
ok "inspect out of band" i node inspect r1 --wait 60
expect_eq "properties from the BMC" "80 32768 63 x86_64" "$(js node show r1 | jq -r '.properties | "\(.cpus) \(.memory_mb) \(.local_gb) \(.cpu_arch)"')"
expect_eq "NIC MACs in the inventory" "52:54:00:0f:00:01 52:54:00:0f:00:02" \
	"$(js node show r1 | jq -r '[.driver_internal_info.redfish_inventory.interfaces[].mac_address] | join(" ")')"

# BIOS settings applied as Ironic's bios clean step: staged, rebooted, read back
STEP='{"interface":"bios","step":"apply_configuration","args":{"settings":[{"name":"ProcTurboMode","value":"Disabled"},{"name":"SerialConsoleBaudRate","value":9600}]}}'
boots=$(bmc r1 .Oem.IngotLab.BootCount)
api PUT /v1/nodes/r1/states/provision "{\"target\":\"clean\",\"clean_steps\":[$STEP]}" >/dev/null
expect_eq "clean with a bios step: 202" 202 "$STATUS"
wait_until 60 'test "$(field r1 provision_state)" = manageable'
expect_eq "cleaning done, no error, powered off" "manageable null power off" \
	"$(js node show r1 | jq -r '"\(.provision_state) \(.last_error) \(.power_state)"')"
expect_eq "the BMC applied them at a reboot" "Disabled 9600 $((boots + 1))" \
	"$(rf_get r1 /Systems/r1/Bios | jq -r '"\(.Attributes.ProcTurboMode) \(.Attributes.SerialConsoleBaudRate)"') $(bmc r1 .Oem.IngotLab.BootCount)"
api GET /v1/nodes/r1/bios/ProcTurboMode >/dev/null
expect_eq "read back through the API" Disabled "$(jq -r .ProcTurboMode.value "$T/api.body")"
api PUT /v1/nodes/r1/states/provision '{"target":"clean","clean_steps":[{"interface":"bios","step":"apply_configuration","args":{"settings":[{"name":"ProcTurboMode"}]}}]}' >/dev/null
expect_eq "a setting without a value: 400" 400 "$STATUS"
api PUT /v1/nodes/r1/states/provision '{"target":"clean","clean_steps":[{"interface":"bios","step":"factory_reset"}]}' >/dev/null
expect_eq "an unsupported bios step: 400" 400 "$STATUS"
expect_eq "still manageable after the refusals" manageable "$(field r1 provision_state)"
api PUT /v1/nodes/r1/states/provision '{"target":"clean","clean_steps":[{"interface":"bios","step":"apply_configuration","args":{"settings":[{"name":"NoSuchSetting","value":"x"}]}}]}' >/dev/null
wait_until 60 'test "$(field r1 provision_state)" = "clean failed"'
ok "an unknown setting: clean failed with the BMC's message" bash -c "'$INGOT' -f json node show r1 | jq -r .last_error | grep -q 'NoSuchSetting is not in the list of valid properties'"
expect_eq "not locked" null "$(field r1 reservation)"
api PUT /v1/nodes/r1/states/provision '{"target":"manage"}' >/dev/null
wait_until 60 'test "$(field r1 provision_state)" = manageable'

# --- sessions: reused; renewed when the BMC drops it; Basic auth ----------
expect_eq "still one session" 1 "$(rf_get r1 /SessionService/Sessions | jq '.Members | length')"
sess=$(rf_get r1 /SessionService/Sessions | jq -r '.Members[0]["@odata.id"]')
curl -s -u admin:password -X DELETE "$U1$sess" >/dev/null
ok "power on after the BMC dropped the session" i node power on r1
wait_until 60 'test "$(field r1 power_state)" = "power on"'
expect_eq "no error: renewed" null "$(field r1 last_error)"
expect_eq "a new session replaced it" 1 "$(rf_get r1 /SessionService/Sessions | jq '.Members | length')"
rf_stop r1; rf_start r1 --session-timeout 1 || exit 1	# forgets every session
ok "auth_type basic" i node set r1 --driver-info redfish_auth_type=basic
ok "power off over Basic auth" i node power off r1
wait_until 60 'test "$(field r1 power_state)" = "power off"'
expect_eq "the BMC reads Off" Off "$(bmc r1 .PowerState)"
# (a sync may have opened one before the change: it expires unused)
wait_until 20 "[ \"\$(rf_get r1 /SessionService/Sessions | jq '.Members | length')\" = 0 ]"
expect_eq "Basic auth keeps no session alive" 0 "$(rf_get r1 /SessionService/Sessions | jq '.Members | length')"
i node set r1 --driver-info redfish_auth_type=bogus >/dev/null
ok "auth_type bogus refused" bash -c "'$INGOT' -f json node validate r1 | jq -r '.[] | select(.interface==\"power\") | .reason' | grep -q 'basic, session or auto'"
i node set r1 --driver-info redfish_auth_type=session >/dev/null

# --- bad credentials: a clear error, nothing changed, nothing locked -------
ok "set a wrong password" i node set r1 --driver-info redfish_password=wrong
expect_eq "validate: power invalid" false "$(js node validate r1 | jq -r '.[] | select(.interface=="power") | .result')"
ok "validate: authentication failed" bash -c "'$INGOT' -f json node validate r1 | jq -r '.[] | select(.interface==\"power\") | .reason' | grep -q 'authentication failed'"
ok "power on with a wrong password is accepted" i node power on r1
wait_until 60 bash -c "'$INGOT' -f json node show r1 | jq -e '.last_error != null and .target_power_state == null'"
ok "last_error names authentication" bash -c "'$INGOT' -f json node show r1 | jq -r .last_error | grep -q 'authentication failed'"
expect_eq "the node is not locked" null "$(field r1 reservation)"
expect_eq "the BMC is still off" Off "$(bmc r1 .PowerState)"
ok "restore the password" i node set r1 --driver-info redfish_password=password
wait_until 60 "[ \"\$(field r1 power_state)\" = 'power off' ]"
ok "no password in the log" bash -c "! grep -q -e wrong -e 'password\"' '$T/ingotd.log'"
ok "redfish_password stored encrypted" grep -q '"redfish_password":"enc:v1:' \
	<(db "select driver_info from nodes where name='r1'")

# --- TLS: verified against the given CA; refused without it -----------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/bmc.key" -out "$T/bmc.crt" 2>/dev/null
rf_start t1 --tls-cert "$T/bmc.crt" --tls-key "$T/bmc.key" || exit 1
ok "enrol a node behind TLS" i node create --driver redfish --name t1 \
	--driver-info redfish_address="$(rf_url t1)" --driver-info redfish_system_id=t1 \
	--driver-info redfish_username=admin --driver-info redfish_password=password \
	--deploy-interface fake --boot-interface fake --network-interface noop
ok "an unknown CA: invalid, with the TLS reason" bash -c "'$INGOT' -f json node validate t1 | jq -r '.[] | select(.interface==\"power\") | .reason' | grep -qi 'did not answer.*certificate'"
ok "redfish_verify_ca = the BMC's CA" i node set t1 --driver-info redfish_verify_ca="$T/bmc.crt"
expect_eq "validate: valid over TLS" true "$(js node validate t1 | jq -r '.[] | select(.interface=="power") | .result')"
ok "redfish_verify_ca = false" i node set t1 --driver-info redfish_verify_ca=false
expect_eq "validate: valid without verification" true "$(js node validate t1 | jq -r '.[] | select(.interface=="power") | .result')"
i node delete t1 >/dev/null

# --- a BMC that stops answering: fault and maintenance, as for IPMI ---------
kill -STOP "${RF_PIDS[r1]}"
wait_until 90 'test "$(field r1 fault)" = "power failure"'
expect_eq "fault power failure" "power failure" "$(field r1 fault)"
expect_eq "in maintenance" true "$(field r1 maintenance)"
ok "maintenance_reason says why" bash -c "'$INGOT' -f json node show r1 | jq -r .maintenance_reason | grep -q 'did not answer'"
api GET /v1/nodes/r1/management/sensors >/dev/null
expect_eq "sensors of a silent BMC: 503" 503 "$STATUS"
kill -CONT "${RF_PIDS[r1]}"
wait_until 90 'test "$(field r1 fault)" = "null"'
expect_eq "fault cleared when the BMC answers" "null false" "$(field r1 fault) $(field r1 maintenance)"

# --- a stopped ingotd gives its sessions back ---------------------------------
wait_until 30 "[ \"\$(rf_get r1 /SessionService/Sessions | jq '.Members | length')\" = 1 ]"
ingot_stop
expect_eq "sessions deleted at shutdown" 0 "$(rf_get r1 /SessionService/Sessions | jq '.Members | length')"
ingot_start --config "$T/ingotd.conf" || exit 1

# --- power sync over many BMCs (one process, consecutive ports) -------------
N=${RF_SYNC_NODES:-50}
for _ in 1 2 3 4 5; do
	base=$(( 20000 + RANDOM % 20000 ))
	"$RF_BMC" --listen "127.0.0.1:$base+$N" >"$T/many.log" 2>&1 &
	RF_PIDS[many]=$!
	wait_until 60 "curl -sf http://127.0.0.1:$((base + N - 1))/redfish/v1/ >/dev/null || ! kill -0 ${RF_PIDS[many]}"
	kill -0 "${RF_PIDS[many]}" 2>/dev/null && break
done
for k in $(seq 0 $((N - 1))); do
	api POST /v1/nodes "{\"name\":\"m$k\",\"driver\":\"redfish\",\"deploy_interface\":\"fake\",\"boot_interface\":\"fake\",\"network_interface\":\"noop\",\"driver_info\":{\"redfish_address\":\"http://127.0.0.1:$((base + k))\",\"redfish_system_id\":\"node-$((base + k))\",\"redfish_username\":\"admin\",\"redfish_password\":\"password\"}}" >/dev/null
	api PUT "/v1/nodes/m$k/states/provision" '{"target":"manage"}' >/dev/null
done
wait_until 120 db_is "select count(*) from nodes where name like 'm%' and provision_state='manageable'" "$N"
ingot_stop
sed -i 's/^\[conductor\]$/[conductor]\nforce_power_state_during_sync = false/' "$T/ingotd.conf"
ingot_start --config "$T/ingotd.conf" || exit 1
for k in $(seq 0 $((N - 1))); do
	curl -s -u admin:password -H 'Content-Type: application/json' -d '{"ResetType":"On"}' \
		"http://127.0.0.1:$((base + k))/redfish/v1/Systems/node-$((base + k))/Actions/ComputerSystem.Reset" >/dev/null
done
t0=$(date +%s%N)
wait_until 120 db_is "select count(*) from nodes where name like 'm%' and power_state='power on'" "$N"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "$N BMCs' outside power-on recorded by the sync" "$N" "$(db "select count(*) from nodes where name like 'm%' and power_state='power on'")"
echo "# recorded in ${ms} ms"
finish
