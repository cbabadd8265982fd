#!/usr/bin/env bash
# The ingot CLI against a real ingotd: a node's whole life, output and errors.
. "$(dirname "$0")/../lib/lib.sh"
ingot_start || exit 1
i() { "$INGOT" "$@"; }
js() { i -f json "$@"; }

ok "node create" i node create --driver fake-hardware --name c1 --property cpus=4 \
	--property memory_mb=2048 --driver-info ipmi_address=10.0.0.9 \
	--driver-info ipmi_password=sekrit --extra rack=r7
expect_eq "k=v as JSON number" 4 "$(js node show c1 | jq -r '.properties.cpus')"
expect_eq "k=v as string" r7 "$(js node show c1 | jq -r '.extra.rack')"
expect_eq "secret masked" '******' "$(js node show c1 | jq -r '.driver_info.ipmi_password')"
ok "port create with local link" i port create 52:54:00:cc:00:01 --node c1 \
	--local-link-connection switch_id=52:54:00:ff:00:01 --local-link-connection port_id=p7
expect_eq "port list --node" 52:54:00:cc:00:01 "$(js port list --node c1 | jq -r '.[0].address')"
ok "manage --wait" i node manage c1 --wait 30
ok "provide --wait" i node provide c1 --wait 30
expect_eq "available" available "$(js node show c1 | jq -r .provision_state)"
ok "deploy --wait" i node deploy c1 --wait 30
expect_eq "active" active "$(js node show c1 | jq -r .provision_state)"
ok "power off" i node power off c1
wait_until 60 'test "$(js node show c1 | jq -r .power_state)" = "power off"'
expect_eq "power off read back" "power off" "$(js node show c1 | jq -r .power_state)"
ok "power on" i node power on c1
wait_until 60 'test "$(js node show c1 | jq -r .power_state)" = "power on"'
expect_eq "power on read back" "power on" "$(js node show c1 | jq -r .power_state)"
ok "maintenance set" i node maintenance set c1 --reason "fan swap"
expect_eq "maintenance reason" "fan swap" "$(js node show c1 | jq -r .maintenance_reason)"
ok "maintenance unset" i node maintenance unset c1
expect_eq "maintenance off" false "$(js node show c1 | jq -r .maintenance)"
ok "boot-device set" i node boot-device set c1 disk --persistent
expect_eq "boot-device show" disk "$(js node boot-device show c1 | jq -r .boot_device)"
ok "validate" i node validate c1
ok "node set" i node set c1 --description "web tier" --property cpus=8
expect_eq "set applied" "web tier 8" "$(js node show c1 | jq -r '"\(.description) \(.properties.cpus)"')"
ok "node unset" i node unset c1 --extra rack
expect_eq "unset applied" "{}" "$(js node show c1 | jq -c .extra)"
ok "table output" bash -c "'$INGOT' node list | grep -q '| c1 '"
expect_eq "-c selects columns" '["provision_state"]' "$(js node show c1 -c provision_state | jq -c keys)"
expect_eq "list --long" fake-hardware "$(js node list --long | jq -r '.[0].driver')"
ok "driver list" bash -c "'$INGOT' -f json driver list | jq -e '.[] | select(.name==\"fake-hardware\")'"
ok "conductor list" bash -c "'$INGOT' -f json conductor list | jq -e 'length == 1'"
ok "undeploy --wait" i node undeploy c1 --wait 30
expect_eq "available again" available "$(js node show c1 | jq -r .provision_state)"

# Errors: exit 1 with one line; usage errors exit 2.
i node show nope >"$T/o" 2>"$T/e"; rc=$?
expect_eq "unknown node: exit 1" 1 "$rc"
expect_eq "unknown node: one line" 1 "$(wc -l <"$T/e")"
ok "unknown node: message" grep -q "could not be found. (HTTP 404)" "$T/e"
i port create 52:54:00:cc:00:01 --node c1 >"$T/o" 2>"$T/e"; rc=$?
expect_eq "duplicate MAC: exit 1" 1 "$rc"
ok "duplicate MAC: message" grep -q "already exists. (HTTP 409)" "$T/e"
i node undeploy c1 --bogus >"$T/o" 2>"$T/e"; rc=$?
expect_eq "unknown option: exit 2" 2 "$rc"
expect_eq "unknown option changed nothing" available "$(js node show c1 | jq -r .provision_state)"
i node frobnicate c1 >"$T/o" 2>"$T/e"; rc=$?
expect_eq "unknown command: exit 2" 2 "$rc"
i node create >"$T/o" 2>"$T/e"; rc=$?
expect_eq "missing --driver: exit 2" 2 "$rc"
ok "usage hint" grep -q "usage: ingot node create" "$T/e"
"$INGOT" --url http://127.0.0.1:1 node list >"$T/o" 2>"$T/e"; rc=$?
expect_eq "unreachable: exit 1" 1 "$rc"
ok "unreachable: message" grep -q "cannot reach http://127.0.0.1:1" "$T/e"
ok "delete" i node delete c1
expect_eq "gone" 0 "$(js node list | jq length)"
finish
