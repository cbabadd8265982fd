# A private Open vSwitch (userspace datapath) for a test: source after lib.sh.
#   ovs_start BRIDGE     takes /tmp/ingot-ovs.lock (one userspace OVS per host),
#                        starts ovsdb-server and ovs-vswitchd in $T/ovs, adds BRIDGE
#   ovs_stop             del-br first (so the netdev taps go), then stops both by pid
#   vsctl ARGS...        ovs-vsctl against it;  OVSDB is the unix: remote
#   node_ns NAME PORT    a namespace NAME whose eth0 is veth-paired with OVS port PORT
#   tag_watch            records every change of every port's VLAN tag
#                        (ovsdb-client monitor), so transient phases are
#                        checked without catching them in time
#   tags_of PORT         the tags PORT went through since tag_watch, in order,
#                        repeats folded: e.g. "4095 100 4095"
OVS_DIR=$T/ovs
OVSDB=unix:$OVS_DIR/db.sock
OVS_BRIDGE=
OVS_NS=()
vsctl() { ovs-vsctl --db="$OVSDB" --timeout=10 "$@"; }

ovs_start() {
	OVS_BRIDGE=$1
	mkdir -p "$OVS_DIR"
	exec {OVS_LOCK_FD}>/tmp/ingot-ovs.lock
	flock -w 600 "$OVS_LOCK_FD" || { echo "cannot take the OVS lock"; return 1; }
	ovsdb-tool create "$OVS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	ovsdb-server "$OVS_DIR/conf.db" --remote=punix:"$OVS_DIR/db.sock" \
		--unixctl="$OVS_DIR/ovsdb.ctl" --pidfile="$OVS_DIR/ovsdb.pid" --detach \
		--log-file="$OVS_DIR/ovsdb.log" || return 1
	vsctl --no-wait init
	ovs-vswitchd "$OVSDB" --unixctl="$OVS_DIR/vswitchd.ctl" --pidfile="$OVS_DIR/vswitchd.pid" \
		--detach --log-file="$OVS_DIR/vswitchd.log" || return 1
	vsctl add-br "$OVS_BRIDGE" -- set bridge "$OVS_BRIDGE" datapath_type=netdev
}

node_ns() {	# node_ns NAME PORT [TAG]
	local ns=$1 port=$2
	ip netns add "$ns" && OVS_NS+=("$ns")
	ip link add "$port" type veth peer name eth0 netns "$ns"
	ethtool -K "$port" tx off tso off gso off gro off >/dev/null 2>&1
	ip netns exec "$ns" ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1
	ip link set "$port" up
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	sysctl -qw net.ipv6.conf."$port".disable_ipv6=1 2>/dev/null
	vsctl add-port "$OVS_BRIDGE" "$port" ${3:+tag=$3}
}

tag_watch() {
	ovsdb-client monitor "$OVSDB" Open_vSwitch Port name,tag --format=csv \
		>"$OVS_DIR/tags.csv" 2>/dev/null &
	TAG_WATCH_PID=$!
	for _ in $(seq 1 600); do
		grep -q ',initial,' "$OVS_DIR/tags.csv" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

tags_of() {
	awk -F, -v p="$1" '
	function add(t) { if (t != last) { out = out (out != "" ? " " : "") t; last = t } }
	{ gsub(/"/, "") }
	($2 == "initial" || $2 == "insert" || $2 == "new") && $3 == p && $4 != "" { add($4) }
	END { print out }' "$OVS_DIR/tags.csv"
}

ovs_stop() {
	local p
	[ -n "${TAG_WATCH_PID:-}" ] && kill "$TAG_WATCH_PID" 2>/dev/null
	[ -n "$OVS_BRIDGE" ] && vsctl --if-exists del-br "$OVS_BRIDGE" 2>/dev/null
	for p in vswitchd ovsdb; do
		[ -f "$OVS_DIR/$p.pid" ] && kill "$(cat "$OVS_DIR/$p.pid")" 2>/dev/null
	done
	for ns in "${OVS_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	OVS_BRIDGE=
	[ -n "${OVS_LOCK_FD:-}" ] && exec {OVS_LOCK_FD}>&-
	return 0
}
