# shellcheck shell=bash disable=SC2034
# Shared settings and helpers of the lab scripts (sourced, not run).
# Every setting is an environment variable with a default; lab/up records
# the values it used in $WORKDIR/lab.env so that lab/down, lab/netns-attach
# and the BMC scripts see the same lab.

LAB_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=${LAB:-ilab}
WORKDIR=${WORKDIR:-${TMPDIR:-/tmp}/ingot-lab-$LAB}

lab_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
lab_die() { lab_log "error: $*"; exit 1; }

# lab_load_env: picks up the settings of a running lab, if any.  Values
# given in the environment do not override a running lab's record.
lab_load_env() {
	if [ -r "$WORKDIR/lab.env" ]; then
		# shellcheck disable=SC1091
		. "$WORKDIR/lab.env"
	fi
}

lab_defaults() {
	NODES=${NODES:-2}
	BRIDGE=${BRIDGE:-sw0}
	SWITCH_ID=${SWITCH_ID:-52:54:00:5e:00:01}
	BMC_ADDR=${BMC_ADDR:-127.0.0.1}
	BMC_PORT=${BMC_PORT:-9640}
	BMC_USER=${BMC_USER:-admin}
	BMC_PASS=${BMC_PASS:-password}
	SOL_ADDR=${SOL_ADDR:-127.0.0.1}
	SOL_PORT=${SOL_PORT:-$BMC_PORT}
	PROV_VLAN=${PROV_VLAN:-100}
	PROV_CIDR=${PROV_CIDR:-10.100.0.1/24}
	PROV_CIDR6=${PROV_CIDR6:-fd10:100::1/64}
	PROV_MAC=${PROV_MAC:-52:54:00:b0:00:01}
	NODE_VLAN=${NODE_VLAN:-$PROV_VLAN}
	NODE_MAC_PREFIX=${NODE_MAC_PREFIX:-52:54:00:b1:00}
	NODE_MEM=${NODE_MEM:-512}
	NODE_BOOT=${NODE_BOOT:-nc}
	DISK_SIZE=${DISK_SIZE:-64M}
	TENANT_VLANS=${TENANT_VLANS:-200 300}
	TENANT_CIDRS=${TENANT_CIDRS:-10.200.0.0/24 10.201.0.0/24}
	QEMU=${QEMU:-qemu-system-x86_64}
	OVS_LOCK=${OVS_LOCK:-/tmp/ingot-ovs.lock}
	OVS_LOCK_WAIT=${OVS_LOCK_WAIT:-600}
	OVS_LOCK_HELD=${OVS_LOCK_HELD:-0}
	KEEP_ARTIFACTS=${KEEP_ARTIFACTS:-0}
	OVS_RUN=$WORKDIR/ovs
	OVSDB_SOCK=$OVS_RUN/db.sock
	PROV_NS=$LAB-prov
	PROV_PORT=$LAB-prov
}

# Names a node's things.  $1: node index.
lab_node_name() { echo "node$1"; }
lab_node_tap() { echo "$LAB-n$1"; }
lab_node_mac() { printf '%s:%02x\n' "$NODE_MAC_PREFIX" $(($1 + 1)); }
lab_node_dir() { echo "$WORKDIR/nodes/node$1"; }

vsctl() { ovs-vsctl --db="unix:$OVSDB_SOCK" --timeout=10 "$@"; }
appctl_vswitchd() { ovs-appctl -t "$OVS_RUN/ovs-vswitchd.ctl" "$@"; }

# lab_pid_alive PID COMM: true when PID runs (and is no zombie: PID 1 of
# this machine reaps late) and its comm is COMM (cut to 15 characters).
lab_pid_alive() {
	local s st
	[ -n "${1:-}" ] || return 1
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${s##*) }
	[ "${st%% *}" != Z ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "${2:0:15}" ]
}

# lab_stop_pid PID COMM [SECONDS]: TERM, wait, then KILL.
lab_stop_pid() {
	local pid=$1 comm=$2 wait=${3:-3} i
	lab_pid_alive "$pid" "$comm" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < wait * 20; i++)); do
		lab_pid_alive "$pid" "$comm" || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# lab_ifquiet IFNAME: no IPv6 on a host-side lab port, offloads off.
lab_ifquiet() {
	[ -e "/proc/sys/net/ipv6/conf/$1/disable_ipv6" ] &&
		echo 1 >"/proc/sys/net/ipv6/conf/$1/disable_ipv6"
	lab_offloads_off "$1"
}

# lab_offloads_off IFNAME [NETNS]: the userspace datapath moves frames with
# AF_PACKET and fixes neither partial checksums nor TSO super-frames.
lab_offloads_off() {
	local k
	for k in tx tso gso gro; do
		if [ -n "${2:-}" ]; then
			ip netns exec "$2" ethtool -K "$1" "$k" off >/dev/null 2>&1 || true
		else
			ethtool -K "$1" "$k" off >/dev/null 2>&1 || true
		fi
	done
}

# lab_veth_ns NETNS HOSTPORT MAC|"" CIDR...: a namespace whose eth0 is the
# peer of HOSTPORT, which becomes an access port of the switch.
lab_veth_ns() {
	local ns=$1 port=$2 mac=$3 c
	shift 3
	ip netns add "$ns"
	if [ -n "$mac" ]; then
		ip link add "$port" type veth peer name eth0 address "$mac" netns "$ns"
	else
		ip link add "$port" type veth peer name eth0 netns "$ns"
	fi
	lab_ifquiet "$port"
	ip link set "$port" up
	ip -n "$ns" link set lo up
	lab_offloads_off eth0 "$ns"
	for c in "$@"; do
		case "$c" in
		*:*) ip -n "$ns" addr add "$c" dev eth0 nodad ;;
		*) ip -n "$ns" addr add "$c" dev eth0 ;;
		esac
	done
	ip -n "$ns" link set eth0 up
}

# lab_kill_netns_pids NETNS: stops what still runs inside a lab namespace.
lab_kill_netns_pids() {
	local p
	ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1" || return 0
	for p in $(ip netns pids "$1" 2>/dev/null); do
		lab_log "stopping pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) left in netns $1"
		kill -TERM "$p" 2>/dev/null || true
	done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -z "$(ip netns pids "$1" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	for p in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
}

lab_now() { echo "${EPOCHREALTIME}"; }
lab_dt() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
