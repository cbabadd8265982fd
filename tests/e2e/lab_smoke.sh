#!/usr/bin/env bash
# End-to-end smoke test of the virtual lab itself (lab/, lab/image/):
# one node, its IPMI BMC, the switch, a tenant namespace with dnsmasq, the
# user image booted from the node's disk, VLAN isolation, and a teardown
# that leaves nothing behind.  Needs root; holds the OVS lock via lab/up.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/lib.sh
. "$here/../lib/lib.sh"
SRC=$(cd "$here/../.." && pwd)

LAB=lt$(printf '%x' $(($$ % 0xffffff)))
export WORKDIR=$T/lab NODES=1
BMC_PORT=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LAB BMC_PORT IPMI_PASSWORD=password
OUTDIR=${LAB_IMAGE_OUTDIR:-$INGOT_BUILD/lab-image}
TEN_NS=$LAB-ten
PROBE_NS=$LAB-probe
DNSMASQ_PID=

ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
ipmi() { ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$BMC_PORT" -U admin -E "$@"; }
vsctl() { ovs-vsctl --db="unix:$WORKDIR/ovs/db.sock" "$@"; }
power_is() { ipmi power status | grep -q "Chassis Power is $1"; }
qemu_alive() {
	local p
	p=$(cat "$NODE_DIR/qemu.pid" 2>/dev/null) || return 1
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = qemu-system-x86 ] &&
		! grep -q '^[^)]*) Z' "/proc/$p/stat" 2>/dev/null
}
qemu_gone() { ! qemu_alive; }
console_has() { grep -q -- "$1" "$NODE_DIR/console.log"; }

teardown() {
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null
	"$SRC/lab/down" >/dev/null 2>&1
	_cleanup
}
trap teardown EXIT

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi

# The user image.
t=$EPOCHREALTIME
ok "user image builds" env OUTDIR="$OUTDIR" "$SRC/lab/image/build"
echo "# image build $(ms "$t" "$EPOCHREALTIME") s"
t=$EPOCHREALTIME
ok "user image rebuild is a cache hit" sh -c "OUTDIR='$OUTDIR' '$SRC/lab/image/build' | grep -q cached"
echo "# image rebuild (cached) $(ms "$t" "$EPOCHREALTIME") s"
ok "image sha256 file matches raw and qcow2" sh -c "cd '$OUTDIR' && sha256sum -c --quiet user-image.sha256"
ok "qcow2 form is a valid qcow2" sh -c "qemu-img info '$OUTDIR/user-image.qcow2' | grep -q 'file format: qcow2'"

# The lab.
t=$EPOCHREALTIME
ok "lab/up with 1 node" "$SRC/lab/up"
echo "# lab up $(ms "$t" "$EPOCHREALTIME") s"
J=$WORKDIR/lab.json
ok "lab.json describes 1 node, switch and provisioning side" jq -e '
	(.nodes | length) == 1 and .nodes[0].bmc.port == (env.BMC_PORT | tonumber) and
	.switch.bridge == "sw0" and .provisioning.vlan == 100 and
	.provisioning.ipv4 == "10.100.0.1" and (.nodes[0].mac | test("^52:54:00:"))' "$J"
NODE_DIR=$(jq -r '.nodes[0].dir' "$J")
PORT=$(jq -r '.nodes[0].switch_port' "$J")
MAC=$(jq -r '.nodes[0].mac' "$J")
DISK=$(jq -r '.nodes[0].disk' "$J")
expect_eq "node port is on the provisioning VLAN" 100 "$(vsctl get port "$PORT" tag)"
ok "provisioning namespace has 10.100.0.1" sh -c "ip -n '$LAB-prov' -4 addr show eth0 | grep -q 10.100.0.1/24"
ok "ipv6 is disabled on the host-side node port" grep -qx 1 "/proc/sys/net/ipv6/conf/$PORT/disable_ipv6"

# Power control through the BMC.
ok "BMC reports power off after lab/up" power_is off
t=$EPOCHREALTIME
ok "ipmitool power on" ipmi power on
ok "QEMU process appears" wait_until 5 qemu_alive
echo "# power on -> QEMU running $(ms "$t" "$EPOCHREALTIME") s"
ok "BMC reports power on" power_is on
ok "first boot uses order=nc" console_has "order=nc"
ok "the NIC's iPXE ROM runs (network first)" wait_until 10 console_has "iPXE .* starting execution"
t=$EPOCHREALTIME
ok "ipmitool power off" ipmi power off
ok "QEMU process is gone" wait_until 5 qemu_gone
echo "# power off -> QEMU gone $(ms "$t" "$EPOCHREALTIME") s"
ok "BMC reports power off" power_is off

ok "chassis bootdev disk" ipmi chassis bootdev disk
ok "boot parameter 5 reads back the hard drive" \
	sh -c "IPMI_PASSWORD=password ipmitool -I lanplus -C 3 -H 127.0.0.1 -p $BMC_PORT -U admin -E chassis bootparam get 5 | grep -q 'Force Boot from default Hard-Drive'"

# The node gets the user image on its disk, and a marker of its own.
ok "image written raw onto the node's disk" dd if="$OUTDIR/user-image.raw" of="$DISK" conv=notrunc status=none
MARK="lab-smoke-$LAB-$$"
printf '%s\n' "$MARK" | dd of="$DISK" bs=512 seek=128 conv=notrunc status=none

# Tenant network on VLAN 200, a probe on VLAN 100 holding a tenant address.
ok "netns-attach tenant on VLAN 200" "$SRC/lab/netns-attach" ten 200 10.200.0.1/24 fd10:200::1/64
ok "netns-attach probe on VLAN 100" "$SRC/lab/netns-attach" probe 100 10.200.0.250/24 10.100.0.250/24
mkdir -p "$T/dnsmasq"
ip netns exec "$TEN_NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
	--bind-interfaces --interface=eth0 --user=root --pid-file= \
	--dhcp-range=10.200.0.100,10.200.0.199,255.255.255.0,1h \
	--dhcp-range=fd10:200::,ra-only,64,1h --enable-ra --ra-param=eth0,10,0 --no-ping \
	--dhcp-leasefile="$T/dnsmasq/leases" --log-dhcp --log-facility="$T/dnsmasq/log" &
DNSMASQ_PID=$!
t=$EPOCHREALTIME
ok "flip node port to VLAN 200" vsctl set port "$PORT" tag=200
ok "flush the switch FDB" ovs-appctl -t "$WORKDIR/ovs/ovs-vswitchd.ctl" fdb/flush sw0
echo "# port flip $(ms "$t" "$EPOCHREALTIME") s"
expect_eq "node port tag reads back 200" 200 "$(vsctl get port "$PORT" tag)"

# Boot from disk.
T_ON=$EPOCHREALTIME
ok "ipmitool power on (boot from disk)" ipmi power on
ok "console shows INGOT-INSTANCE ip=10.200.0.x" wait_until 90 console_has "INGOT-INSTANCE ip=10\.200\.0\."
line=$(grep -m1 'INGOT-INSTANCE ip=' "$NODE_DIR/console.log")
IP=$(sed -n 's/.*INGOT-INSTANCE ip=\([0-9.]*\).*/\1/p' <<<"$line")
stamp() { grep -m1 -- "$1" "$NODE_DIR/console.log" | sed -n 's/^\[\([0-9.]*\)\].*/\1/p'; }
on=$(stamp "order=c ===")
echo "# disk boot: power on -> 'Booting from Hard Disk' $(ms "$on" "$(stamp 'Booting from Hard Disk')") s," \
	"kernel $(ms "$on" "$(stamp 'Linux version')") s, init $(ms "$on" "$(stamp 'INGOT-INSTANCE-INIT')") s," \
	"tenant IP $(ms "$on" "$(stamp 'INGOT-INSTANCE ip=')") s (ipmitool -> IP $(ms "$T_ON" "$(stamp 'INGOT-INSTANCE ip=')") s)"
ok "iPXE does not run on a boot from disk" bash -c "! sed -n '/order=c ===/,\$p' '$NODE_DIR/console.log' | grep -q 'starting execution'"
ok "instance read the marker from its disk" grep -q "marker=$MARK" <<<"$line"
ok "tenant dnsmasq leased to the node's MAC" grep -q "$MAC $IP" "$T/dnsmasq/leases"
ok "tenant namespace reaches the instance's TCP service" \
	sh -c "ip netns exec '$TEN_NS' curl -sS -m 5 'http://$IP/' | grep -q 'ip=$IP .*marker=$MARK'"
ok "probe on VLAN 100 reaches the provisioning namespace (control)" \
	ip netns exec "$PROBE_NS" busybox ping -c 1 -W 2 10.100.0.1
ok "probe on VLAN 100 cannot reach the instance" \
	sh -c "! ip netns exec '$PROBE_NS' curl -sS -m 3 'http://$IP/'"

# Soft power off (ACPI power button in the guest).
t=$EPOCHREALTIME
ok "ipmitool power soft" ipmi power soft
ok "guest powers off on the ACPI button" wait_until 20 qemu_gone
echo "# power soft -> off $(ms "$t" "$EPOCHREALTIME") s"
ok "console shows the guest's power-off" console_has "INGOT-INSTANCE-POWEROFF"
ok "BMC reports power off" power_is off

# Teardown leaves nothing behind.
pids=$(cat "$WORKDIR/ovs/ovs-vswitchd.pid" "$WORKDIR/ovs/ovsdb-server.pid" 2>/dev/null
	awk '{print $1}' "$WORKDIR/lock.pid" "$NODE_DIR/bmc/ipmi_sim.pid" 2>/dev/null
	echo "$DNSMASQ_PID")
kill "$DNSMASQ_PID" 2>/dev/null; wait "$DNSMASQ_PID" 2>/dev/null; DNSMASQ_PID=
t=$EPOCHREALTIME
ok "lab/down" "$SRC/lab/down"
echo "# lab down $(ms "$t" "$EPOCHREALTIME") s"
alive=
for p in $pids; do
	[ -d "/proc/$p" ] && ! grep -q '^[^)]*) Z' "/proc/$p/stat" 2>/dev/null && alive="$alive $p"
done
expect_eq "no lab process left (QEMU, BMC, OVS, dnsmasq, OVS lock holder)" "" "$alive"
expect_eq "no process refers to the lab's WORKDIR" "" "$(pgrep -f -- "$WORKDIR" | tr '\n' ' ')"
expect_eq "no lab namespace left" "" "$(ip netns list | awk '{print $1}' | grep "^$LAB-" | tr '\n' ' ')"
expect_eq "no lab interface left" "" "$(ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' |
	grep -E "^($LAB-|ovs-netdev\$|sw0\$)" | tr '\n' ' ')"
ok "disk image removed" test ! -e "$DISK"
finish
