# Shared pieces of the QEMU lab's end-to-end tests (tests/e2e): source it
# after lab/up, with LAB, WORKDIR, TOP (the test's scratch dir), INGOT_URL,
# NDIR[i] (the nodes' lab dirs) set.
#   san_up VLAN CIDR [VLAN2 CIDR2]  a "storage" namespace on VLAN (and a
#                       second leg on VLAN2) running tgtd on port 3260, its
#                       management channel $CP ours alone; sets SAN, TGTD_PID
#   san_down            every target deleted, tgtd stopped
#   tadm ARGS...        tgtadm on our tgtd
#   acl_state           "ACL=<iqns> ACCOUNTS=<users>" of every target, from tgt
#   console_run I CMD   runs CMD on node I's serial console (the lab image
#                       reads commands there); its exit status in $rc
#                       ("none" if it never answered), its last line (the
#                       last error line, if any) from console_said I
#   wait_for SECONDS CMD...     polls CMD every half second
#   wait_state NODE STATE SECONDS   polls NODE's provision state (fails early
#                       on *failed and error)
#   lab_ingotd_conf     the ingotd.conf sections every lab test has: API on
#                       $PORT, database, DHCP and the switch of the lab, log
#                       (under $D); the test appends its own sections
#   wait_console I RE SECONDS   the first line of node I's console matching RE
#   kill_node I         kills node I's QEMU process and its ipmi_sim BMC, as
#                       a dead server; sets T_FAIL
#   watch_recovery FAILED SPARE PORT [HOOK]   polls until SPARE is active or
#                       the recovery stops; sets T_DET, T_FENCE (PORT read
#                       tag 4095 from OVS), T_ACT, S0, S1; runs HOOK each poll
#   hist_at NODE TEXT   when NODE's history first has an event starting with
#                       TEXT (epoch seconds)
#   print_timings DET FENCE ACT LEASE ANSWERS   seconds from T_FAIL, printed
#                       and written to $RECOVERY_TIMINGS if set (bench/recovery)
CP=${CP:-$(( 2000 + $$ % 20000 ))}
TGTD_PID=${TGTD_PID:-}
TOK=$(date +%s)$$ NPROBE=0

now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.1f", b - a }'; }
tadm() { tgtadm -C "$CP" --lld iscsi "$@"; }
# wait_for SECONDS CMD...: polls CMD every half second
wait_for() {
	local n=$(($1 * 2)); shift
	while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; n=$((n - 1)); done
	return 1
}

san_up() {
	local v=$1 c=$2
	SAN=$("$repo/lab/netns-attach" san "$v" "$c") || return 1
	if [ $# -ge 4 ]; then
		ip link add "$LAB-sanb" type veth peer name eth1 netns "$SAN"
		ip link set "$LAB-sanb" up
		for k in tx tso gso gro; do
			ethtool -K "$LAB-sanb" $k off >/dev/null 2>&1
			ip netns exec "$SAN" ethtool -K eth1 $k off >/dev/null 2>&1
		done
		ip -n "$SAN" addr add "$4" dev eth1
		ip -n "$SAN" link set eth1 up
		ovs-vsctl --db="$(jq -r .switch.ovsdb "$WORKDIR/lab.json")" add-port \
			"$(jq -r .switch.bridge "$WORKDIR/lab.json")" "$LAB-sanb" tag="$3"
	fi
	# It routes nothing (no ip_forward).
	ip netns exec "$SAN" tgtd -f -C "$CP" --iscsi portal=0.0.0.0:3260 >"$TOP/tgtd.log" 2>&1 &
	TGTD_PID=$!
	for _ in $(seq 100); do tadm --op show --mode target >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

san_down() {
	[ -n "$TGTD_PID" ] || return 0
	tadm --op update --mode sys --name State -v offline >/dev/null 2>&1
	for tid in $(tadm --op show --mode target 2>/dev/null | sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
		tadm --op delete --force --mode target --tid "$tid" >/dev/null 2>&1
	done
	tadm --op delete --mode system >/dev/null 2>&1
	kill "$TGTD_PID" 2>/dev/null; wait "$TGTD_PID" 2>/dev/null
	TGTD_PID=
}

acl_state() {
	tadm --op show --mode target | awk '
		/Account information:/ { m = "acc"; next }
		/ACL information:/ { m = "acl"; next }
		/^Target / || /^ *[A-Z][A-Za-z ]*:$/ { m = "" }
		m == "acc" && NF { acc = acc $1 " " }
		m == "acl" && NF { acl = acl $1 " " }
		END { printf "ACL=%sACCOUNTS=%s\n", acl, acc }'
}

console_run() {
	local t
	NPROBE=$((NPROBE + 1))
	# its last line of output (the last error line, if any) comes back as
	# "@O<token>_N <line>"
	printf '(%s) >/tmp/o 2>&1; r=$?; (grep -iE "error|fail" /tmp/o || cat /tmp/o) | tail -n 1 | sed "s/^/@O%s_%s /"; echo "@R%s_%s=$r"\n' \
		"$2" "$TOK" "$NPROBE" "$TOK" "$NPROBE" >"${NDIR[$1]}/serial.in"
	rc=none
	for t in $(seq 240); do
		rc=$(sed -n "s/.*@R${TOK}_${NPROBE}=\([0-9]*\).*/\1/p" "${NDIR[$1]}/console.log" | tail -n 1)
		[ -n "$rc" ] && return
		sleep 0.5
	done
	rc=none
}
console_said() { grep -a "@O${TOK}_$NPROBE " "${NDIR[$1]}/console.log" | tail -n 1 | cut -d' ' -f3- | tr -d '\r'; }

wait_console() {
	local t
	for t in $(seq "$3"); do
		grep -a -m1 -E "$2" "${NDIR[$1]}/console.log" && return 0
		sleep 1
	done
	return 1
}

kill_node() {
	T_FAIL=$(now)
	kill -KILL "$(cat "${NDIR[$1]}/qemu.pid")"
	kill -KILL "$(awk '{print $1}' "$(jq -r ".nodes[$1].bmc_pidfile" "$WORKDIR/lab.json")")"
}

_pstate() {
	curl -sS -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/nodes/$1" | jq -r .provision_state
}

watch_recovery() {
	local db deadline=$(( $(date +%s) + 1200 ))
	db=$(jq -r .switch.ovsdb "$WORKDIR/lab.json")
	T_DET= T_FENCE= T_ACT=
	while [ "$(date +%s)" -lt "$deadline" ]; do
		S0=$(_pstate "$1")
		[ -z "$T_DET" ] && [ "$S0" != active ] && T_DET=$(now)
		[ -z "$T_FENCE" ] && [ "$(ovs-vsctl --db="$db" get port "$3" tag)" = 4095 ] && T_FENCE=$(now)
		[ -n "${4:-}" ] && $4
		S1=$(_pstate "$2")
		[ -z "$T_ACT" ] && [ "$S1" = active ] && T_ACT=$(now)
		if [ -n "$T_ACT" ] || [[ "$S1" == *failed ]] || [ "$S0" = "recover failed" ] ||
			[ "$S0" = "recover wait" ]; then break; fi
		sleep 0.5
	done
}

wait_state() {
	local t
	for t in $(seq "$3"); do
		case $(_pstate "$1") in "$2") return 0 ;; *failed|error) return 1 ;; esac
		sleep 1
	done
	return 1
}

lab_ingotd_conf() {
	local j=$WORKDIR/lab.json
	cat <<EOF
[api]
listen = 127.0.0.1:$PORT
[database]
path = $D/ingot.db
[ipmi]
timeout_ms = 6000
[dhcp]
enabled = true
ovsdb = $(jq -r .switch.ovsdb "$j")
bridge = $(jq -r .switch.bridge "$j")
state_dir = $D/dhcp
[switch:lab]
driver = ovsdb
address = $(jq -r .switch.ovsdb "$j")
switch_id = $(jq -r .switch.switch_id "$j")
[log]
file = $D/ingotd.log
EOF
}

hist_at() {
	local c
	c=$(curl -sS -H 'X-OpenStack-Ironic-API-Version: latest' "$INGOT_URL/v1/nodes/$1/history" |
		jq -r --arg t "$2" '[.history[] | select(.event | startswith($t))][0].created_at // empty')
	[ -n "$c" ] && date -d "$c" +%s.%N
}

print_timings() {
	local d f a l n
	d=$(dt "$T_FAIL" "$1") f=$(dt "$T_FAIL" "$2") a=$(dt "$T_FAIL" "$3")
	l=$(dt "$T_FAIL" "$4") n=$(dt "$T_FAIL" "$5")
	printf '%-8s %-8s %-14s %-8s %-8s\n' detect fence spare-active lease answers
	printf '%-8s %-8s %-14s %-8s %-8s\n' "$d" "$f" "$a" "$l" "$n"
	if [ -n "${RECOVERY_TIMINGS:-}" ]; then
		printf 'detect %s\nfence %s\nspare_active %s\nlease %s\nanswers %s\n' \
			"$d" "$f" "$a" "$l" "$n" >"$RECOVERY_TIMINGS"
	fi
}
