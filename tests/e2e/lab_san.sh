#!/usr/bin/env bash
# Boot from SAN in the virtual lab (issue #14), one QEMU boot per node:
# node0 (tenant A) and node1 (tenant B) have no image written to their
# local disks; each boots its tenant image from a volume of Ingot's pool
# (tgt, in a "storage" namespace with a leg on each tenant VLAN) through
# iPXE sanboot, with its connector's IQN and a CHAP account of its own.
# The script comes from ingotd's listener on the node's tenant network.
# node0 also has a data volume: iPXE hooks it, the iBFT names it, and the
# tenant OS (iscsi_tcp + iscsistart) logs in to both volumes and prints
# what it reads.  node1's OS cannot log in to node0's data volume, and
# nobody but node0 gets node0's script.  Prints deploy request -> tenant
# lease.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi
for p in tgtd tgtadm iscsistart; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p missing (scripts/install-deps)"; exit 77; }
done
BUILD=${INGOT_BUILD:-$repo/build}
export LAB=ls$(printf '%x' $(($$ % 0xfffff)))
TOP=$(mktemp -d /tmp/ingot-e2e-san.XXXXXX)
export WORKDIR=$TOP/lab NODES=2 DISK_SIZE=64M NODE_MEM=${NODE_MEM:-512}
export BMC_PASS=bmc-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
free_port() { python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_'"$1"'); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
. "$repo/tests/lib/lab_ports.sh"
export BMC_PORT=$(lab_bmc_port)
PORT=$(free_port STREAM)
export INGOT_URL=http://127.0.0.1:$PORT
D=$TOP/ingot
mkdir -p "$D/pool" "$D/img"
PASS=0 FAIL=0 INGOTD_PID=
. "$repo/tests/lib/lab_e2e.sh"	# san_up/san_down, console_run, wait_console

ok() {
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then PASS=$((PASS + 1)); echo "ok - $what"
	else FAIL=$((FAIL + 1)); echo "not ok - $what"; fi
}
expect_eq() {
	if [ "$2" == "$3" ]; then PASS=$((PASS + 1)); echo "ok - $1"
	else FAIL=$((FAIL + 1)); echo "not ok - $1: expected [$2] got [$3]"; fi
}
api() {	# api METHOD PATH [JSON]
	curl -sS -X "$1" -H 'X-OpenStack-Ironic-API-Version: latest' \
		${3:+-H 'Content-Type: application/json' --data-binary "$3"} "$INGOT_URL$2"
}
teardown() {
	[ -n "$INGOTD_PID" ] && { kill "$INGOTD_PID" 2>/dev/null; wait "$INGOTD_PID" 2>/dev/null; }
	san_down
	"$repo/lab/down" >/dev/null 2>&1
	if [ "$FAIL" = 0 ] && [ -n "${FINISHED:-}" ]; then rm -rf "$TOP"; else echo "# logs in $TOP"; fi
}

# --- images: the lab's user image, and a data volume's content -----------------
OUTDIR=$BUILD/lab-image "$repo/lab/image/build" | tail -n 1 || { echo "not ok - image build"; exit 1; }
IMG=$BUILD/lab-image
MARKER=$(dd if="$IMG/user-image.raw" bs=512 skip=128 count=1 status=none | head -n 1 | tr -cd ' -~')
DMARK="ingot-data-volume $(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HMARK="ingot-hot-volume $(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
truncate -s 1M "$D/img/data.raw" "$D/img/hot.raw"
printf '%s\n' "$DMARK" | dd of="$D/img/data.raw" bs=512 seek=128 conv=notrunc status=none
printf '%s\n' "$HMARK" | dd of="$D/img/hot.raw" bs=512 seek=128 conv=notrunc status=none
md5() { md5sum "$1" | cut -d' ' -f1; }

# --- the lab, and the storage namespace: tgtd with a leg on each tenant VLAN ----
"$repo/lab/up" >"$TOP/up.log" 2>&1 || { cat "$TOP/up.log"; echo "not ok - lab/up"; exit 1; }
trap teardown EXIT
trap 'exit 130' INT TERM
J=$WORKDIR/lab.json
vsctl() { ovs-vsctl --db="$(jq -r .switch.ovsdb "$J")" "$@"; }
# It routes nothing (no ip_forward): tenant B reaches the portal's address
# on tenant A's side through its gateway, the namespace itself, and no further.
ok "tgtd runs in the storage namespace" san_up 200 10.200.0.250/24 300 10.201.0.250/24

# --- ingotd ---------------------------------------------------------------------
{ lab_ingotd_conf; cat <<EOF; } >"$D/ingotd.conf"
[deploy]
file_url_allowed_paths = $IMG,$D/img
[storage]
pool_dir = $D/pool
portal = 10.200.0.250:3260
tgt_control_port = $CP
max_volume_gb = 1
EOF
"$BUILD/src/daemon/ingotd" --config "$D/ingotd.conf" 2>>"$D/ingotd.stderr" &
INGOTD_PID=$!
for _ in $(seq 200); do curl -fsS "$INGOT_URL/" >/dev/null 2>&1 && break; sleep 0.1; done
ok "ingotd answers" curl -fsS "$INGOT_URL/v1"

api POST /v1/networks '{"name":"provisioning","vlan_id":100,"cidr":"10.100.0.0/24","dhcp_range":"10.100.0.100,10.100.0.199","purpose":"provisioning"}' >/dev/null
api POST /v1/networks '{"name":"tenant-a","vlan_id":200,"cidr":"10.200.0.0/24","dhcp_range":"10.200.0.100,10.200.0.199","project":"tenant-a"}' >/dev/null
api POST /v1/networks '{"name":"tenant-b","vlan_id":300,"cidr":"10.201.0.0/24","dhcp_range":"10.201.0.100,10.201.0.199","gateway":"10.201.0.250","project":"tenant-b"}' >/dev/null
ok "three networks" test "$(api GET /v1/networks | jq '.networks | length')" = 3

# --- volumes: a root volume per node from the user image, a data volume for A ---
vol() {	# vol NAME PROJECT FILE: a 1 GiB volume filled from FILE; prints its uuid
	api POST /v1/volumes "$(jq -cn --arg n "$1" --arg p "$2" --arg s "file://$3" --arg c "$(md5 "$3")" \
		'{name: $n, size: 1, project: $p, image_source: $s, image_checksum: $c}')" >"$TOP/vol.json"
	jq -r '.uuid // empty' "$TOP/vol.json"
	jq -e .uuid "$TOP/vol.json" >/dev/null || echo "# volume $1: $(cat "$TOP/vol.json")" >&2
}
VA=$(vol a-root tenant-a "$IMG/user-image.raw")
VD=$(vol a-data tenant-a "$D/img/data.raw")
VB=$(vol b-root tenant-b "$IMG/user-image.raw")
VH=$(vol a-hot tenant-a "$D/img/hot.raw")
for v in "$VA" "$VD" "$VB" "$VH"; do
	for _ in $(seq 300); do [ "$(api GET "/v1/volumes/$v" | jq -r .status)" != creating ] && break; sleep 0.5; done
	expect_eq "volume $(api GET "/v1/volumes/$v" | jq -r .name) filled and available" available \
		"$(api GET "/v1/volumes/$v" | jq -r .status)"
done

# --- the nodes: ipmi, iscsi storage; no deploy ramdisk is configured at all, and
# node1's automated cleaning must skip its local disk (it boots from a volume) ---
TEN=(tenant-a tenant-b) NET=(10.200.0. 10.201.0.) VLAN=(200 300)
for i in 0 1; do
	n=$(jq ".nodes[$i]" "$J")
	IQN[$i]=iqn.2026-11.org.ingot.lab:node$i
	NODE[$i]=$(api POST /v1/nodes "$(jq -n --argjson n "$n" --arg t "${TEN[$i]}" '{
		name: $n.name, driver: "ipmi", deploy_interface: "direct", boot_interface: "ipxe",
		network_interface: "vlan", storage_interface: "iscsi", owner: $t, automated_clean: ($t == "tenant-b"),
		driver_info: {ipmi_address: $n.bmc.address, ipmi_port: $n.bmc.port,
			ipmi_username: $n.bmc.username, ipmi_password: $n.bmc.password,
			ipmi_cipher_suite: ($n.bmc.cipher_suite | tostring)}}')" | jq -r .uuid)
	MAC[$i]=$(jq -r .mac <<<"$n") NDIR[$i]=$(jq -r .dir <<<"$n") DISK[$i]=$(jq -r .disk <<<"$n")
	SPORT[$i]=$(jq -r .switch_port <<<"$n")
	api POST /v1/ports "$(jq -n --argjson n "$n" --arg u "${NODE[$i]}" '{node_uuid: $u,
		address: $n.mac, pxe_enabled: true, local_link_connection: $n.local_link_connection}')" >/dev/null
	api POST "/v1/nodes/${NODE[$i]}/vifs" "{\"id\":\"${TEN[$i]}\"}" >/dev/null
	api POST /v1/volume/connectors "{\"node_uuid\":\"${NODE[$i]}\",\"type\":\"iqn\",\"connector_id\":\"${IQN[$i]}\"}" >/dev/null
	root=$([ "$i" = 0 ] && echo "$VA" || echo "$VB")
	api POST /v1/volume/targets "{\"node_uuid\":\"${NODE[$i]}\",\"volume_type\":\"iscsi\",\"boot_index\":0,\"volume_id\":\"$root\"}" >/dev/null
done
api POST /v1/volume/targets "{\"node_uuid\":\"${NODE[0]}\",\"volume_type\":\"iscsi\",\"boot_index\":1,\"volume_id\":\"$VD\"}" >/dev/null
state() { api GET "/v1/nodes/$1" | jq -r .provision_state; }
for i in 0 1; do
	api PUT "/v1/nodes/${NODE[$i]}/states/provision" '{"target":"manage"}' >/dev/null
	wait_state "${NODE[$i]}" manageable 120
	api PUT "/v1/nodes/${NODE[$i]}/states/provision" '{"target":"provide"}' >/dev/null
	ok "node$i available" wait_state "${NODE[$i]}" available 120
done

# --- deploy both: no image written anywhere by a ramdisk -------------------------
T_DEPLOY=$(now)
for i in 0 1; do api PUT "/v1/nodes/${NODE[$i]}/states/provision" '{"target":"active"}' >/dev/null; done
for i in 0 1; do
	ok "node$i active (boot from volume)" wait_state "${NODE[$i]}" active 300
	expect_eq "node$i's switch port is on its tenant's VLAN" "${VLAN[$i]}" "$(vsctl get port "${SPORT[$i]}" tag)"
done
expect_eq "node0's two volumes are attached to it" "in-use in-use ${NODE[0]} ${NODE[0]}" \
	"$(api GET "/v1/volumes/$VA" | jq -r .status) $(api GET "/v1/volumes/$VD" | jq -r .status) $(api GET "/v1/volumes/$VA" | jq -r .attached_node) $(api GET "/v1/volumes/$VD" | jq -r .attached_node)"
tiqn() { api GET "/v1/volume/targets?detail=True&node=${NODE[$1]}" | jq -r --arg v "$2" '.targets[] | select(.volume_id == $v) | .properties.target_iqn'; }
TA=$(tiqn 0 "$VA") TD=$(tiqn 0 "$VD") TB=$(tiqn 1 "$VB")
DUSER=$(api GET "/v1/volume/targets?detail=True&node=${NODE[0]}" | jq -r --arg v "$VD" '.targets[] | select(.volume_id == $v) | .properties.auth_username')

ts() { sed -n 's/^\[\([0-9.]*\)\].*/\1/p' <<<"$1"; }
for i in 0 1; do
	L=$(wait_console "$i" "INGOT-INSTANCE ip=${NET[$i]//./\\.}" 420)
	LEASE[$i]=$(sed -n 's/.*INGOT-INSTANCE ip=\([0-9.]*\).*/\1/p' <<<"$L")
	ok "node$i booted its image from the volume and leased ${LEASE[$i]:-nothing} from ${TEN[$i]}'s DHCP" test -n "${LEASE[$i]}"
	TL[$i]=$(ts "$L")
	TP[$i]=$(ts "$(grep -a -m1 'power on, boot' "${NDIR[$i]}/console.log")")
	ok "node$i's firmware ran iPXE's sanboot" grep -aq "boots from its volume" "${NDIR[$i]}/console.log"
	ok "node$i's lease is in ${TEN[$i]}'s dnsmasq leases" grep -q "${MAC[$i]} ${LEASE[$i]:-none} " "$D/dhcp/net${VLAN[$i]}/leases"
	# (the kernel's messages may share the console line)
	L=$(wait_console "$i" "INGOT-ISCSI-LOGIN" 240)
	ok "node$i's OS logged in to the volumes in its iBFT, as its connector's IQN" \
		grep -qF "INGOT-ISCSI-LOGIN rc=0 initiator=${IQN[$i]}" <<<"$L"
done
disk_line() { grep -a "INGOT-ISCSI-DISK .*target=$2 " "${NDIR[$1]}/console.log" | tail -n 1 | tr -d '\r'; }
for _ in $(seq 60); do [ -n "$(disk_line 0 "$TD")" ] && break; sleep 1; done
ok "node0's OS reads the image marker on its boot volume ($TA)" grep -qF "marker=$MARKER" <<<"$(disk_line 0 "$TA")"
ok "node0's OS reads its data volume ($TD): '$DMARK'" grep -qF "marker=$DMARK" <<<"$(disk_line 0 "$TD")"
ok "node1's OS reads the image marker on its boot volume" grep -qF "marker=$MARKER" <<<"$(disk_line 1 "$TB")"
ok "node1's OS sees no volume of node0's" bash -c "! grep -a 'INGOT-ISCSI-DISK' '${NDIR[1]}/console.log' | grep -qE '$VA|$VD'"
for i in 0 1; do
	ok "node$i's local disk was never written (sparse, all zero)" bash -c \
		"[ \"\$(du -k '${DISK[$i]}' | cut -f1)\" = 0 ] && cmp -s '${DISK[$i]}' <(head -c 67108864 /dev/zero)"
done

# --- tenant B's node tries tenant A's data volume from its OS --------------------
refused() { [ "$1" != none ] && [ "$1" != 0 ]; }
# iscsistart says why: tgt refuses an initiator the ACL does not name and a wrong CHAP secret at login
login_refused() { grep -qiE 'login failure|auth|not found|error' <<<"$1" && ! grep -qi 'not found: /sbin' <<<"$1"; }
istart() { echo "timeout 90 /sbin/iscsistart -i $1 -t $TD -g 1 -a 10.200.0.250 -p 3260 -u $DUSER -w $2"; }
console_run 1 "$(istart "${IQN[1]}" wrongsecret00000000000)"
ok "node1 (tenant B) cannot log in to node0's data volume with its own IQN (rc $rc: $(console_said 1))" \
	bash -c "[ '$rc' != none ] && [ '$rc' != 0 ]"
ok "... the login itself is refused" login_refused "$(console_said 1)"
console_run 1 "$(istart "${IQN[0]}" 0123456789abcdef01234567)"
ok "nor with node0's IQN and a guessed secret (rc $rc: $(console_said 1))" refused "$rc"
ok "... the login itself is refused" login_refused "$(console_said 1)"
console_run 1 "grep -qx $TD /sys/class/iscsi_session/*/targetname"
ok "node1 holds no session to node0's data volume (rc $rc)" refused "$rc"
console_run 0 "grep -qx $TD /sys/class/iscsi_session/*/targetname"
expect_eq "node0 holds a session to its data volume" 0 "$rc"

# --- a volume attached to node0 while it runs: its OS reads the connection from
# its tenant network's listener (GET /volumes), logs in and reads the volume ----
api POST /v1/volume/targets "{\"node_uuid\":\"${NODE[0]}\",\"volume_type\":\"iscsi\",\"boot_index\":2,\"volume_id\":\"$VH\"}" >"$TOP/hot.json"
HIQN=$(jq -r '.properties.target_iqn // empty' "$TOP/hot.json")
ok "a volume attached to the running node0 (target $HIQN)" test -n "$HIQN"
VOLS="http://10.200.0.1:$PORT/volumes"
console_run 0 'wget -q -O /tmp/vols '"$VOLS"' && set -- $(grep " '"$HIQN"' " /tmp/vols) && /sbin/iscsistart -i '"${IQN[0]}"' -t $3 -g 1 -a ${2%:*} -p ${2##*:} -u $5 -w $6'
expect_eq "node0's OS reads it from /volumes and logs in (as its IQN)" 0 "$rc"
console_run 0 'for n in 1 2 3 4 5 6 7 8 9 10; do for s in /sys/class/iscsi_session/session*; do grep -qx '"$HIQN"' $s/targetname || continue; for b in $s/device/target*/*/block/*; do [ -e "$b" ] && dd if=/dev/${b##*/} bs=512 skip=128 count=1 2>/dev/null | head -n 1 && exit 0; done; done; sleep 1; done; exit 1'
expect_eq "node0's OS reads the hot volume: '$HMARK'" "0 $HMARK" "$rc $(console_said 0)"
console_run 1 'wget -q -O - http://10.201.0.1:'"$PORT"'/volumes | grep -q '"$HIQN"''
ok "node1 does not get node0's volumes from its listener (rc $rc)" refused "$rc"
console_run 1 'wget -q -T 5 -O - '"$VOLS"''
ok "node1 cannot reach tenant A's listener (rc $rc)" refused "$rc"

# --- who gets node0's sanboot script (it holds CHAP secrets) ----------------------
SRV=10.200.0.1
ATTACH_MAC=${MAC[0]} "$repo/lab/netns-attach" spoofa 200 10.200.0.240/24 >/dev/null
"$repo/lab/netns-attach" probeb 300 10.200.0.241/24 10.201.0.241/24 >/dev/null
"$repo/lab/netns-attach" probep 100 10.100.0.241/24 >/dev/null
code() { ip netns exec "$LAB-$1" curl -s -m 5 -o "$TOP/probe.body" -w '%{http_code}' "$2"; }
expect_eq "node0's MAC on tenant A's VLAN, another address: 404" 404 "$(code spoofa "http://$SRV:$PORT/sanboot.ipxe")"
for p in v1 v1/nodes ipxe/${MAC[0]//:/-} boot.ipxe v1/lookup?addresses=${MAC[0]}; do
	expect_eq "tenant listener: /$p is not served (404)" 404 "$(code spoofa "http://$SRV:$PORT/$p")"
done
expect_eq "tenant B's VLAN, an address in A's subnet: A's listener unreachable" 000 "$(code probeb "http://$SRV:$PORT/sanboot.ipxe")"
B_SRV=10.201.0.1
expect_eq "tenant B's own listener does not give node0's script to B's addresses" 404 "$(code probeb "http://$B_SRV:$PORT/sanboot.ipxe")"
P_URL=http://10.100.0.1:$PORT/ipxe/${MAC[0]//:/-}
expect_eq "the provisioning listener answers node0's MAC" 200 "$(code probep "$P_URL")"
ok "... without its sanboot script" bash -c "! grep -q 'sanboot\|password' '$TOP/probe.body'"

# --- timings ----------------------------------------------------------------------
echo "# boot from volume (both nodes at once, TCG): deploy request -> tenant lease, power-on -> lease"
for i in 0 1; do
	awk -v d="$T_DEPLOY" -v p="${TP[$i]:-0}" -v l="${TL[$i]:-0}" -v n="node$i" \
		'BEGIN { if (l > 0) printf "#   %s: %.1f s, %.1f s\n", n, l - d, l - p; else printf "#   %s: -\n", n }'
done

# --- undeploy: detached, nothing left in tgt ----------------------------------------
for i in 0 1; do BOOTS[$i]=$(cat "${NDIR[$i]}/boots"); done
for i in 0 1; do api PUT "/v1/nodes/${NODE[$i]}/states/provision" '{"target":"deleted"}' >/dev/null; done
for i in 0 1; do ok "node$i undeployed" wait_state "${NODE[$i]}" available 180; done
expect_eq "node1's automated cleaning booted no ramdisk (boots before/after)" "${BOOTS[1]}" "$(cat "${NDIR[1]}/boots")"
ok "node1's local disk is still untouched" bash -c "[ \"\$(du -k '${DISK[1]}' | cut -f1)\" = 0 ]"
expect_eq "node1 is powered off" "power off" "$(api GET "/v1/nodes/${NODE[1]}" | jq -r .power_state)"
expect_eq "node1's switch port is isolated" 4095 "$(vsctl get port "${SPORT[1]}" tag)"
expect_eq "the volumes are available again" "available available available available" \
	"$(for v in "$VA" "$VD" "$VB" "$VH"; do api GET "/v1/volumes/$v" | jq -r .status; done | xargs)"
ok "no target left in tgt" bash -c "[ -z \"\$(tgtadm -C $CP --lld iscsi --op show --mode target)\" ]"
ok "the BMC password is not in ingotd's log" bash -c "! grep -qF -- '$BMC_PASS' '$D/ingotd.log'"
echo "# $PASS passed, $FAIL failed"
FINISHED=1
[ "$FAIL" -eq 0 ]
