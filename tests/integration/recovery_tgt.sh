#!/usr/bin/env bash
# Recovery of a boot-from-volume node whose volume Ingot exports with a
# real tgtd (storage_interface iscsi): node f (an ipmi_sim BMC) boots its
# volume; its power is found off without a request (a dead power supply);
# Ingot fences it (power off through the BMC, the volume's export revoked)
# and the spare s takes the instance: its own IQN and a fresh CHAP secret.
# A sampler reads `tgtadm --op show` all along: f's ACL and CHAP account
# are gone before s's appear, and never are both there at once; f's old
# credentials no longer log in, s's read the data f wrote.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/bmc.sh"
for p in tgtd tgtadm iscsi-readcapacity16 qemu-io; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done
CP=$(( 1000 + ($$ + 7) % 30000 ))	# tgtd's management channel, ours alone
PORTAL_PORT=$(free_port)
tgtd -f -C "$CP" --iscsi portal=127.0.0.1:"$PORTAL_PORT" >"$T/tgtd.log" 2>&1 &
TGTD_PID=$!
SAMPLER=
tadm() { tgtadm -C "$CP" --lld iscsi "$@"; }
tgt_stop() {
	[ -z "$SAMPLER" ] || kill "$SAMPLER" 2>/dev/null
	tadm --op update --mode sys --name State -v offline >/dev/null 2>&1
	for tid in $(tadm --op show --mode target 2>/dev/null | sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
		tadm --op delete --force --mode target --tid "$tid" >/dev/null 2>&1
	done
	tadm --op delete --mode system >/dev/null 2>&1
	kill "$TGTD_PID" 2>/dev/null; wait "$TGTD_PID" 2>/dev/null
}
trap 'tgt_stop; bmc_stop_all; _cleanup' EXIT
wait_until 20 tadm --op show --mode target || { echo "not ok - tgtd start"; exit 1; }
bmc_start bf || exit 1
mkdir -p "$T/pool"
cat >"$T/ingotd.conf" <<CONF
[api]
ramdisk_endpoints = all
[conductor]
sync_power_state_interval = 1
force_power_state_during_sync = false
automated_clean = false
[ipmi]
timeout_ms = 3000
[recovery]
policy = automatic
power_off_grace = 1
[storage]
pool_dir = $T/pool
tgt_control_port = $CP
portal = 127.0.0.1:$PORTAL_PORT
CONF
ingot_start --config "$T/ingotd.conf" || exit 1
js() { "$INGOT" -f json "$@"; }
field() { js node show "$1" | jq -r ".$2"; }
IQN_F=iqn.2026-01.org.example:failed IQN_S=iqn.2026-01.org.example:spare
MAC_F=52:54:00:15:00:0f MAC_S=52:54:00:15:00:05
api POST /v1/nodes "{\"name\":\"f\",\"driver\":\"ipmi\",\"resource_class\":\"gold\",\"owner\":\"pa\",
	\"deploy_interface\":\"fake\",\"boot_interface\":\"ipxe\",\"network_interface\":\"noop\",
	\"storage_interface\":\"iscsi\",\"driver_info\":{\"ipmi_address\":\"127.0.0.1\",
	\"ipmi_port\":${BMC_PORTS[bf]},\"ipmi_username\":\"admin\",\"ipmi_password\":\"password\"}}" >/dev/null
expect_eq "node f (ipmi, storage iscsi)" 201 "$STATUS"
api POST /v1/nodes '{"name":"s","driver":"fake-hardware","resource_class":"gold","owner":"pa",
	"network_interface":"noop","storage_interface":"iscsi"}' >/dev/null
expect_eq "spare s (storage iscsi)" 201 "$STATUS"
for name in f s; do
	mac=$([ $name = f ] && echo $MAC_F || echo $MAC_S)
	iqn=$([ $name = f ] && echo $IQN_F || echo $IQN_S)
	"$INGOT" port create "$mac" --node "$name" >/dev/null
	api POST /v1/volume/connectors "{\"node_uuid\":\"$name\",\"type\":\"iqn\",\"connector_id\":\"$iqn\"}" >/dev/null
	"$INGOT" node manage "$name" --wait 60 >/dev/null 2>&1
	"$INGOT" node provide "$name" --wait 60 >/dev/null 2>&1
done
api POST /v1/volumes '{"name":"root","size":1,"project":"pa"}' >/dev/null; V=$(jq -r .uuid "$T/api.body")
api POST /v1/volume/targets "{\"node_uuid\":\"f\",\"volume_type\":\"iscsi\",\"boot_index\":0,\"volume_id\":\"$V\"}" >/dev/null
expect_eq "f's boot volume target" 201 "$STATUS"
api PATCH /v1/nodes/f "[{\"op\":\"add\",\"path\":\"/instance_uuid\",\"value\":\"$(cat /proc/sys/kernel/random/uuid)\"}]" >/dev/null
ok "f deploys (boot from volume)" "$INGOT" node deploy f --wait 60
wait_until 60 'test "$(field f provision_state)" = active'
INST=$(field f instance_uuid)

# acl_state: "ACL=<iqns> ACCOUNTS=<users>" of every target, from tgt itself
acl_state() {
	tadm --op show --mode target | awk '
		/Account information:/ { m = "acc"; next }
		/ACL information:/ { m = "acl"; next }
		/^Target / || /^ *[A-Z][A-Za-z ]*:$/ { m = "" }
		m == "acc" && NF { acc = acc $1 " " }
		m == "acl" && NF { acl = acl $1 " " }
		END { printf "ACL=%sACCOUNTS=%s\n", acl, acc }'
}
creds() {	# NAME: "user secret" of the node's sanboot script
	curl -fsS "$INGOT_URL/ipxe/$(tr : - <<<"$1")" | sed -n 's/^set username //p; s/^set password //p' | paste -sd' '
}
TIQN() { api GET "/v1/volume/targets?detail=True&node=$1" | jq -r '.targets[0].properties.target_iqn'; }
qio() {	# IQN USER SECRET TARGET qemu-io-commands...
	local i=$1 u=$2 s=$3 t=$4; shift 4
	local a=()
	for c in "$@"; do a+=(-c "$c"); done
	qemu-io --image-opts "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:$PORTAL_PORT,file.target=$t,file.lun=1,file.user=$u,file.password=$s,file.initiator-name=$i" "${a[@]}"
}
read -r UF SF <<<"$(creds $MAC_F)"
TF=$(TIQN f)
expect_eq "tgt exports the volume to f alone (ACL and CHAP account)" "ACL=$IQN_F ACCOUNTS=$UF " "$(acl_state)"
ok "f writes a pattern to its volume" qio "$IQN_F" "$UF" "$SF" "$TF" "write -P 0x3c 2M 1M"

# the sampler: tgt's ACLs and accounts every 50 ms, one line per change
( last=; while :; do s=$(acl_state); [ "$s" != "$last" ] && echo "$s" && last=$s; sleep 0.05; done ) \
	>"$T/acl.samples" 2>/dev/null &
SAMPLER=$!
sleep 0.5
ipmitool_for bf power off >/dev/null	# f's power supply dies
wait_until 90 'test "$(field s provision_state)" = active'
sleep 0.5
kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null; SAMPLER=
echo "# tgt's ACL and accounts, in order:"; sed 's/^/#   /' "$T/acl.samples"
expect_eq "s active with f's instance" "active $INST" "$(field s provision_state) $(field s instance_uuid)"
expect_eq "f: manageable, fault hardware failure" "manageable hardware failure" \
	"$(field f provision_state) $(field f fault)"
ok "f: fenced through the BMC, its volume exports revoked (history)" bash -c \
	"'$INGOT' -f json node history f | grep -q 'powered off, confirmed by the BMC'"
read -r US SS <<<"$(creds $MAC_S)"
TS=$(TIQN s)
expect_eq "tgt exports the volume to s alone now" "ACL=$IQN_S ACCOUNTS=$US " "$(acl_state)"
ok "a fresh CHAP secret for s" test -n "$SS" -a "$SS" != "$SF"
ok "never both IQNs in tgt's ACLs at once" bash -c "! grep -F '$IQN_F' '$T/acl.samples' | grep -qF '$IQN_S'"
ok "never both CHAP accounts at once" awk -v f="$UF" -v s="$US" '
	{ n = split(substr($0, index($0, "ACCOUNTS=") + 9), a, " "); hf = hs = 0
	  for (i = 1; i <= n; i++) { hf += a[i] == f; hs += a[i] == s } if (hf && hs) bad = 1 }
	END { exit bad }' "$T/acl.samples"
ok "f's ACL was revoked before s's was granted" awk -v f="$IQN_F" -v s="$IQN_S" '
	index($0, f) { lf = NR } index($0, s) && !fs { fs = NR }
	END { exit !(lf > 0 && fs > lf + 0) }' "$T/acl.samples"
ok "f's old credentials no longer log in" bash -c "! iscsi-readcapacity16 -i '$IQN_F' 'iscsi://$UF%$SF@127.0.0.1:$PORTAL_PORT/$TF/1'"
ok "nor do they with s's target" bash -c "! iscsi-readcapacity16 -i '$IQN_F' 'iscsi://$UF%$SF@127.0.0.1:$PORTAL_PORT/$TS/1'"
ok "s reads what f wrote" qio "$IQN_S" "$US" "$SS" "$TS" "read -P 0x3c 2M 1M"
expect_eq "the volume is attached to s" "in-use $(field s uuid)" \
	"$(api GET /v1/volumes/$V | jq -r '.status + " " + .attached_node')"
ok "no secret in ingotd's log" bash -c "! grep -qF -- '$SS' '$T/ingotd.log' && ! grep -qF -- '$SF' '$T/ingotd.log'"
finish
