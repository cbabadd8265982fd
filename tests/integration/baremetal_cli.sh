#!/usr/bin/env bash
# The unmodified `baremetal` CLI (python3-ironicclient) against a real ingotd.
. "$(dirname "$0")/../lib/lib.sh"
ingot_start || exit 1
B=(baremetal --os-endpoint "$INGOT_URL" --os-auth-type none)
bm() { "${B[@]}" "$@"; }
field() { bm node show "$1" -f value -c "$2"; }

ok "node create with properties and driver_info" bm node create --driver fake-hardware \
	--name bm1 --property cpus=8 --property memory_mb=4096 --property local_gb=20 \
	--driver-info ipmi_address=192.0.2.10 --driver-info ipmi_password=hunter2 \
	--resource-class baremetal
expect_eq "properties stored" "8" "$(bm node show bm1 -f json | jq -r '.properties.cpus')"
expect_eq "password masked in show" '"******"' "$(bm node show bm1 -f json | jq -c '.driver_info.ipmi_password')"
expect_eq "password stored for the driver" "hunter2" \
	"$(db "select $(db_json driver_info ipmi_password) from nodes where name='bm1'")"
expect_eq "new node is enroll" "enroll" "$(field bm1 provision_state)"
ok "port create" bm port create 52:54:00:aa:bb:01 --node bm1 \
	--local-link-connection switch_id=0a:1b:2c:3d:4e:5f --local-link-connection port_id=p1 \
	--physical-network physnet1
expect_eq "port listed by node" "52:54:00:aa:bb:01" "$(bm port list --node bm1 -f value -c Address)"
expect_eq "port llc" "p1" "$(bm port show 52:54:00:aa:bb:01 -f json 2>/dev/null | jq -r '.local_link_connection.port_id' || bm port list --node bm1 --long -f json | jq -r '.[0]["Local Link Connection"].port_id')"
ok "manage --wait" bm node manage bm1 --wait 30
expect_eq "manageable" "manageable" "$(field bm1 provision_state)"
ok "provide --wait" bm node provide bm1 --wait 30
expect_eq "available" "available" "$(field bm1 provision_state)"
ok "deploy --wait" bm node deploy bm1 --wait 30
expect_eq "active" "active" "$(field bm1 provision_state)"
ok "power off" bm node power off bm1
wait_until 60 'test "$(field bm1 power_state)" = "power off"'
expect_eq "power off read back" "power off" "$(field bm1 power_state)"
ok "power on" bm node power on bm1
wait_until 60 'test "$(field bm1 power_state)" = "power on"'
expect_eq "power on read back" "power on" "$(field bm1 power_state)"
expect_eq "show -f json parses" "bm1" "$(bm node show bm1 -f json | jq -r .name)"
expect_eq "list --long has the node" "bm1" "$(bm node list --long -f json | jq -r '.[0].Name')"
ok "maintenance set" bm node maintenance set bm1 --reason "disk swap"
expect_eq "maintenance reason" "disk swap" "$(field bm1 maintenance_reason)"
ok "maintenance unset" bm node maintenance unset bm1
expect_eq "maintenance off" "False" "$(field bm1 maintenance)"
ok "node set extra" bm node set bm1 --extra rack=r1 --property cpus=16
expect_eq "patched nested property" "16" "$(bm node show bm1 -f json | jq -r '.properties.cpus')"
ok "node unset extra" bm node unset bm1 --extra rack
expect_eq "extra removed" "{}" "$(bm node show bm1 -f json | jq -c '.extra')"
ok "boot device set" bm node boot device set bm1 disk --persistent
expect_eq "boot device read back" "disk" "$(bm node boot device show bm1 -f value -c boot_device)"
ok "validate" bm node validate bm1
ok "undeploy --wait" bm node undeploy bm1 --wait 30
expect_eq "available after undeploy" "available" "$(field bm1 provision_state)"
ok "driver list" bash -c "${B[*]} driver list -f value -c 'Supported driver(s)' | grep -qx fake-hardware"
ok "driver properties" bm driver property list fake-hardware
ok "conductor list" bash -c "${B[*]} conductor list -f value -c Hostname | grep -q ."
ok "node history" bm node history list bm1
ok "node delete" bm node delete bm1
if bm node show bm1 >"$T/out" 2>&1; then r=0; else r=$?; fi
expect_eq "deleted node is gone (non-zero exit)" "1" "$r"
ok "404 message" grep -q "could not be found" "$T/out"
expect_eq "ports deleted with the node" "0" "$(db 'select count(*) from ports')"
ok "no password in the log" bash -c "! grep -q hunter2 '$T/ingotd.log'"
finish
