#!/usr/bin/env bash
# DHCP with several conductors (docs/scale-out.md, "DHCP with several
# conductors"): three ingotd with [dhcp] on one database (SQLite file, or
# PostgreSQL with INGOT_DB_ENGINE=pg) and one real OVS, three networks.
# Each network's dnsmasq runs under exactly one ingotd (the one dhcp_servers
# names: the parent of its keeper); a port attached through a conductor that
# does not serve the network gets its fixed address from the one that does
# (host entries are in the database); SIGKILL that server's ingotd alone:
# its dnsmasq are gone within seconds (their keepers stop them), another
# conductor starts one for each of its networks within the heartbeat
# timeout and a pass or two, and the client gets the same address again;
# restarted, the killed conductor starts no second dnsmasq for a network it
# no longer serves.  SIGKILL an ingotd and its keepers together: its
# dnsmasq outlive it, and the restarted ingotd stops them (pid files, checked
# against /proc/PID/cmdline) but not a process that only looks like one.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
HB_TIMEOUT=6
BR=idc$$
declare -A PID PORT
DECOY=
stop_all() {
	[ -n "$DECOY" ] && kill "$DECOY" 2>/dev/null
	for c in "${!PID[@]}"; do
		[ -n "${PID[$c]}" ] && kill "${PID[$c]}" 2>/dev/null && wait "${PID[$c]}" 2>/dev/null
	done
	_cleanup
}
trap stop_all EXIT
ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }

# start_c NAME: an ingotd with [dhcp] on its own port and state directory
start_c() {
	local c=$1
	PORT[$c]=${PORT[$c]:-$(free_port)}
	cat >"$T/$c.conf" <<CONF
[api]
listen = 127.0.0.1:${PORT[$c]}
[conductor]
host = $c
heartbeat_interval = 1
heartbeat_timeout = $HB_TIMEOUT
sync_power_state_interval = 0
[dhcp]
enabled = true
ovsdb = $OVSDB
bridge = $BR
state_dir = $T/$c/dhcp
[log]
file = $T/$c.log
CONF
	"$INGOTD" --config "$T/$c.conf" "${INGOT_DB_ARGS[@]}" 2>>"$T/$c.stderr" &
	PID[$c]=$!
	for _ in $(seq 1 1200); do
		curl -fsS "http://127.0.0.1:${PORT[$c]}/" >/dev/null 2>&1 && return 0
		kill -0 "${PID[$c]}" 2>/dev/null || { echo "$c exited at start"; cat "$T/$c.log"; return 1; }
		sleep 0.05
	done
	return 1
}
on() { local c=$1; shift; INGOT_URL=http://127.0.0.1:${PORT[$c]} api "$@"; }
# dnsmasq pids serving VLAN V (under any of the three state directories)
dpids() { pgrep -f "^dnsmasq --keep-in-foreground --conf-file=$T/c[123]/dhcp/net$1/" | sort; }
ppid_of() { ps -o ppid= -p "$1" | tr -d ' '; }
# the conductor whose ingotd is the parent of the keeper of VLAN V's only
# dnsmasq, or "?"
parent_of() {
	local p k pp c
	p=$(dpids "$1")
	[ -n "$p" ] && [ "$(wc -w <<<"$p")" = 1 ] || { echo "?"; return; }
	k=$(ppid_of "$p")
	[ "$(cat /proc/$k/comm 2>/dev/null)" = dnsmasq-keeper ] || { echo "?"; return; }
	pp=$(ppid_of "$k")
	for c in c1 c2 c3; do [ "${PID[$c]}" = "$pp" ] && { echo "$c"; return; }; done
	echo "?"
}
holder() { db "select conductor from dhcp_servers where uuid = '$(net_uuid "$1")'"; }
net_uuid() { db "select uuid from networks where name = '$1'"; }
# each network served by exactly one dnsmasq, child of the recorded holder
served_once() {
	local v n
	for v in 210 220 230; do
		n=t$v
		[ "$(dpids $v | wc -l)" = 1 ] && [ "$(parent_of $v)" = "$(holder $n)" ] || return 1
	done
}
lease() {	# lease NS: the address udhcpc got, or nothing
	ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 6 -T 2 -s /bin/true 2>&1 |
	    sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p'
}
mac_of() { ip -n "$1" -j link show eth0 | jq -r '.[0].address'; }

for c in c1 c2 c3; do start_c "$c" || exit 1; done
wait_until 60 "[ \$(db \"select count(*) from conductors where online = 1 and dhcp = 1\") = 3 ]"
expect_eq "three conductors that serve DHCP" 3 "$(db "select count(*) from conductors where dhcp = 1")"
for v in 210 220 230; do
	on c1 POST /v1/networks "{\"name\":\"t$v\",\"vlan_id\":$v,\"cidr\":\"10.$((v - 200)).0.0/24\",\"dhcp_range\":\"10.$((v - 200)).0.100,10.$((v - 200)).0.150\",\"project\":\"a\"}" >/dev/null
	expect_eq "network t$v created" 201 "$STATUS"
done
wait_until 90 served_once
ok "each network served by exactly one dnsmasq, child of its recorded conductor" served_once
for v in 210 220 230; do
	echo "# t$v: served by $(holder t$v) (dnsmasq $(dpids $v))"
done

# A node's port on t210, attached through a conductor that does not serve it.
H=$(holder t210)
other=c1; [ "$H" = c1 ] && other=c2
node_ns idc-a$$ ida$$ 210
MAC=$(mac_of idc-a$$)
on "$other" POST /v1/nodes '{"driver":"fake-hardware","name":"na","owner":"a"}' >/dev/null
on "$other" POST /v1/ports "{\"address\":\"$MAC\",\"node_uuid\":\"na\"}" >/dev/null
on "$other" POST /v1/nodes/na/vifs '{"id":"t210"}' >/dev/null
expect_eq "attach na to t210 through $other (t210's server is $H)" 204 "$STATUS"
expect_eq "the host entry is in the database" "10.10.0.100" \
	"$(db "select ip from dhcp_hosts where address = '$MAC'")"
wait_until 30 test -e "$T/$H/dhcp/net210/hosts/$MAC"
expect_eq "na leases its fixed address from $H's dnsmasq" 10.10.0.100 "$(lease idc-a$$)"

# pids of the dnsmasq under conductor C's state directory
cpids() { pgrep -f "^dnsmasq --keep-in-foreground --conf-file=$T/$1/dhcp/"; }
# running: in /proc and not a zombie (PID 1 may reap late, docs/lab.md)
running() { local st; st=$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null) && [ "$st" != Z ]; }
none_alive() { local p; for p in "$@"; do ! running "$p" || return 1; done; }
all_alive() { local p; for p in "$@"; do running "$p" || return 1; done; }

# SIGKILL the server of t210's ingotd alone (a crash, its host lives): its
# keepers stop its dnsmasq; another conductor takes over.
mine=$(for v in 210 220 230; do [ "$(holder t$v)" = "$H" ] && echo $v; done)
t0=$(date +%s)
hpids=$(cpids "$H")
ok "$H runs a dnsmasq per network it serves ($(echo $hpids))" \
	test "$(wc -w <<<"$hpids")" = "$(wc -w <<<"$mine")"
kill -KILL "${PID[$H]}"; wait "${PID[$H]}" 2>/dev/null; PID[$H]=
wait_until 20 none_alive $hpids
ok "its dnsmasq are gone (/proc) within seconds of the SIGKILL" none_alive $hpids
echo "# $H's dnsmasq gone $(( $(date +%s) - t0 )) s after the SIGKILL"
wait_until 120 served_once
ok "its networks ($(echo $mine)) served again, once each" served_once
echo "# taken over in $(( $(date +%s) - t0 )) s (heartbeat_timeout $HB_TIMEOUT s)"
for v in $mine; do
	n=$(holder t$v)
	ok "t$v now served by a live conductor ($n)" test "$n" != "$H" -a -n "${PID[$n]}"
done
ok "... within heartbeat_timeout and a few passes" test $(( $(date +%s) - t0 )) -le $((HB_TIMEOUT + 30))
ip -n idc-a$$ addr flush dev eth0
expect_eq "na gets the same address from the new server" 10.10.0.100 "$(lease idc-a$$)"

# The killed conductor restarts: it serves none of the networks taken over.
start_c "$H" || exit 1
wait_until 60 "[ \$(db \"select count(*) from conductors where online = 1\") = 3 ]"
sleep 5		# a few ring passes
ok "after the restart, still one dnsmasq per network" served_once
for v in $mine; do
	ok "the restarted $H runs no dnsmasq for t$v" test "$(parent_of $v)" != "$H"
done
ok "no dnsmasq under $H's state directory for its old networks" \
	bash -c "! pgrep -f '^dnsmasq --keep-in-foreground --conf-file=$T/$H/dhcp/net2[123]0/' >/dev/null || [ -z '$mine' ]"

# SIGKILL a server and its keepers at once (nothing stops its dnsmasq):
# restarted, it stops them itself, but not a process of someone else that
# its pid files name (here one called dnsmasq, without our --conf-file).
S=$(holder t210)
spids=$(cpids "$S")
keepers=$(for p in $spids; do ppid_of "$p"; done)
mkdir -p "$T/$S/dhcp/net999"
(exec -a dnsmasq sleep 600) &
DECOY=$!
echo "$DECOY" >"$T/$S/dhcp/net999/dnsmasq.pid"
# more pid files no one should act on: pid 1, garbage, a symbolic link
mkdir -p "$T/$S/dhcp/net997" "$T/$S/dhcp/net998" "$T/$S/dhcp/net996"
echo 1 >"$T/$S/dhcp/net997/dnsmasq.pid"
printf -- '-5\nfoo' >"$T/$S/dhcp/net998/dnsmasq.pid"
ln -s "$T/$S/dhcp/net999/dnsmasq.pid" "$T/$S/dhcp/net996/dnsmasq.pid"
# stopped first: neither it nor a keeper may react before all are dead
kill -STOP "${PID[$S]}"; kill -KILL $keepers; kill -KILL "${PID[$S]}"
wait "${PID[$S]}" 2>/dev/null; PID[$S]=
sleep 1
ok "without keepers, $S's dnsmasq outlive it ($(echo $spids))" all_alive $spids
start_c "$S" || exit 1
wait_until 20 none_alive $spids
ok "restarted, $S stopped the dnsmasq its last life left" none_alive $spids
ok "... and left alone a process it does not own that a pid file names" kill -0 "$DECOY"
wait_until 90 served_once
ok "one dnsmasq per network again" served_once

# Detach through yet another conductor: the server drops the entry.
on "$H" DELETE /v1/nodes/na/vifs/t210 >/dev/null
expect_eq "detach 204" 204 "$STATUS"
expect_eq "the host entry left the database" 0 "$(db "select count(*) from dhcp_hosts where address = '$MAC'")"
S=$(holder t210)
wait_until 30 test ! -e "$T/$S/dhcp/net210/hosts/$MAC"
ok "... and the server's hostsdir" test ! -e "$T/$S/dhcp/net210/hosts/$MAC"

# A network deleted through one ingotd: its server stops wherever it runs.
on c1 DELETE /v1/networks/t220 >/dev/null
expect_eq "delete t220: 204" 204 "$STATUS"
wait_until 30 '[ -z "$(dpids 220)" ]'
ok "t220's dnsmasq stopped" test -z "$(dpids 220)"

for c in c1 c2 c3; do
	[ -n "${PID[$c]}" ] || continue
	kill -TERM "${PID[$c]}"; wait "${PID[$c]}"; PID[$c]=
done
ok "no dnsmasq left after the three stop" test -z "$(dpids 210)$(dpids 230)"
finish
