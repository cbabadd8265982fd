#!/usr/bin/env bash
# Several conductors on one database (docs/scale-out.md): three ingotd with
# their own --host names share one SQLite file (or, with INGOT_DB_ENGINE=pg,
# one PostgreSQL database; CONDUCTORS_NODES nodes, 300 by default, of which
# CONDUCTORS_DEPLOY per conductor are deployed, 15 by default; with
# CONDUCTORS_BMCS=N, N more nodes have ipmi_sim BMCs: their power, changed
# behind ingotd's back, is synced by their owners, and after the kill by the
# survivors; CONDUCTORS_HB_TIMEOUT, 6 s by default, is heartbeat_timeout:
# a conductor's heartbeat waits for its power sync pass, so many BMCs on a
# loaded machine need more).  Every node is owned by one
# live conductor (nodes.conductor), roughly a third each; a verb sent to a
# non-owner is forwarded and run by the owner; SIGKILL one conductor mid
# deploys: the others release its locks, take its nodes and fail its
# interrupted deploys as a restart does, and no acknowledged write is lost;
# restarted, it takes back exactly its share, without flapping; concurrent
# verbs through all three APIs: one wins each lock, the others get 409.
. "$(dirname "$0")/../lib/lib.sh"
HB_TIMEOUT=${CONDUCTORS_HB_TIMEOUT:-6}
NODES=${CONDUCTORS_NODES:-300}
DPER=${CONDUCTORS_DEPLOY:-15}
NDEP=$((DPER * 3))
NBMC=${CONDUCTORS_BMCS:-0}
TOTAL=$((NODES + NBMC))
[ "$NBMC" -gt 0 ] && . "$(dirname "$0")/../lib/bmc.sh"
declare -A PID PORT
stop_all() {
	for c in "${!PID[@]}"; do
		[ -n "${PID[$c]}" ] && kill "${PID[$c]}" 2>/dev/null && wait "${PID[$c]}" 2>/dev/null
	done
	_cleanup
}
trap stop_all EXIT

# start_c NAME: an ingotd named NAME on its own port, on the shared database
start_c() {
	local c=$1
	PORT[$c]=${PORT[$c]:-$(free_port)}
	cat >"$T/$c.conf" <<CONF
[api]
listen = 127.0.0.1:${PORT[$c]}
[conductor]
host = $c
workers = 16
heartbeat_interval = 1
heartbeat_timeout = $HB_TIMEOUT
sync_power_state_interval = 2
force_power_state_during_sync = false
switch_reconcile_interval = 5
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
# on NAME api-args...: the api helper against conductor NAME's API
on() { local c=$1; shift; INGOT_URL=http://127.0.0.1:${PORT[$c]} api "$@"; }
owners() { db "select uuid || ' ' || coalesce(conductor, '-') from nodes order by uuid"; }
C=(c1 c2 c3)
for c in "${C[@]}"; do start_c "$c" || exit 1; done
wait_until 30 "[ \$(db \"select count(*) from conductors where online = 1\") = 3 ]"

# $NODES fake nodes, created through the three APIs in turn
# (one curl, six requests at a time: forking a client per node is what
# takes the time on a loaded machine)
t0=$(date +%s)
for i in $(seq 1 "$NODES"); do
	[ "$i" = 1 ] || echo next
	printf 'url = "http://127.0.0.1:%s/v1/nodes"\nrequest = "POST"\n' "${PORT[${C[$((i % 3))]}]}"
	printf 'header = "X-OpenStack-Ironic-API-Version: latest"\nheader = "Content-Type: application/json"\n'
	printf 'data = "{\\"driver\\":\\"fake-hardware\\",\\"name\\":\\"n%s\\"}"\n' "$i"
	printf 'output = "/dev/null"\nwrite-out = "%%{http_code} n%s\\n"\n' "$i"
done >"$T/create.curl"
curl -sS -Z --parallel-max 6 -K "$T/create.curl" >"$T/create.codes" 2>"$T/create.err"
grep -v '^201 ' "$T/create.codes" | sed 's/^/# create: /'
echo "# $NODES nodes created in $(( $(date +%s) - t0 )) s"
# NBMC nodes with ipmi_sim BMCs, made manageable (power sync reads them)
for k in $(seq 1 "$NBMC"); do
	bmc_start "b$k" >/dev/null || exit 1
	[ $((k % 25)) -eq 0 ] && sleep 0.5	# batches: let them settle
	on "${C[$((k % 3))]}" POST /v1/nodes "{\"driver\":\"ipmi\",\"name\":\"b$k\",
		\"deploy_interface\":\"fake\",\"boot_interface\":\"fake\",\"network_interface\":\"noop\",
		\"driver_info\":{\"ipmi_address\":\"127.0.0.1\",\"ipmi_port\":${BMC_PORTS[b$k]},
		\"ipmi_username\":\"admin\",\"ipmi_password\":\"password\"}}" >/dev/null
	[ "$STATUS" = 201 ] || echo "# create b$k: $STATUS"
	on "${C[$((k % 3))]}" PUT "/v1/nodes/b$k/states/provision" '{"target":"manage"}' >/dev/null
done
if [ "$NBMC" -gt 0 ]; then
	wait_until 300 "[ \$(db \"select count(*) from nodes where name like 'b%' and provision_state in ('manageable', 'enroll') and reservation is null\") = $NBMC ]"
	# a manage refused (409: the node was locked a moment) or failed (a BMC
	# slow to answer on a loaded machine) is asked again, up to three times
	for round in 1 2 3; do
		again=$(db "select name from nodes where name like 'b%' and provision_state = 'enroll'")
		[ -n "$again" ] || break
		for b in $again; do
			echo "# manage $b again, round $round ($(db "select coalesce(last_error, 'no error') from nodes where name = '$b'"))"
			on c1 PUT "/v1/nodes/$b/states/provision" '{"target":"manage"}' >/dev/null
		done
		wait_until 300 "[ \$(db \"select count(*) from nodes where name like 'b%' and provision_state in ('manageable', 'enroll') and reservation is null\") = $NBMC ]"
	done
	wait_until 300 db_is "select count(*) from nodes where name like 'b%' and provision_state='manageable'" "$NBMC"
	expect_eq "$NBMC BMC nodes manageable" "$NBMC" "$(db "select count(*) from nodes where name like 'b%' and provision_state='manageable'")"
fi
expect_eq "$TOTAL nodes created" "$TOTAL" "$(db 'select count(*) from nodes')"
wait_until 60 db_is "select count(*) from nodes where conductor in ('c1','c2','c3')" "$TOTAL"
expect_eq "every node owned by one live conductor" "$TOTAL" \
	"$(db "select count(*) from nodes where conductor in ('c1','c2','c3')")"
# The ring converges a pass or two after the last conductor joined (a
# conductor that heartbeats late on a loaded machine joins late): nodes
# still moving between the three listings are counted twice, and nodes
# created before an API's ring held the last conductor reach it a pass
# later, so the shares are read again until they add up and each is a
# rough third (bounded: 60 s), then checked.
shares() {
	for c in "${C[@]}"; do
		n=$(INGOT_URL=http://127.0.0.1:${PORT[c1]} list_all "/v1/nodes?conductor=$c" nodes | jq length)
		eval "share_$c=$n"
	done
	[ $((share_c1 + share_c2 + share_c3)) = "$TOTAL" ] || return 1
	# and the last to join has taken its share: nodes created before every
	# API's ring held it move to it a takeover pass later
	for c in "${C[@]}"; do
		eval "n=\$share_$c"
		[ "$n" -ge $((TOTAL / 6)) ] && [ "$n" -le $((TOTAL / 2)) ] || return 1
	done
}
tries=0
until shares || [ $tries -ge 60 ]; do
	tries=$((tries + 1)); sleep 1
done
[ $tries -gt 0 ] && echo "# shares read $((tries + 1)) times before they added up and were each a rough third (nodes were still moving)"
for c in "${C[@]}"; do
	eval "n=\$share_$c"
	ok "GET ?conductor=$c: a rough third ($n of $TOTAL)" test "$n" -ge $((TOTAL / 6)) -a "$n" -le $((TOTAL / 2))
done
expect_eq "the shares add up" "$TOTAL" $((share_c1 + share_c2 + share_c3))
on c2 GET /v1/nodes/n7 >/dev/null
expect_eq "node's conductor field is its owner" "$(db "select conductor from nodes where name='n7'")" \
	"$(jq -r .conductor "$T/api.body")"
on c1 GET /v1/conductors >/dev/null
expect_eq "GET /v1/conductors: three alive" 3 "$(jq '[.conductors[] | select(.alive)] | length' "$T/api.body")"
# bmc_power_all 0|1 STATE WHO: every BMC's power set behind ingotd's back,
# then recorded by the power sync of the nodes' owners
bmc_power_all() {
	[ "$NBMC" -gt 0 ] || return 0
	local k t0=$(date +%s)
	for k in $(seq 1 "$NBMC"); do echo "$1" >"$T/bmc-b$k/power"; done
	wait_until 300 db_is "select count(*) from nodes where name like 'b%' and power_state='$2'" "$NBMC"
	expect_eq "$3: all $NBMC BMCs' $2 recorded ($(( $(date +%s) - t0 )) s)" "$NBMC" \
		"$(db "select count(*) from nodes where name like 'b%' and power_state='$2'")"
}
bmc_power_all 1 "power on" "power sync by the three owners"
owners >"$T/own1"
sleep 3		# three ring passes
owners >"$T/own2"
ok "ownership stable between passes" cmp "$T/own1" "$T/own2"

# A verb sent to a non-owner runs on the owner (it holds the node's lock).
u=$(db "select name from nodes where conductor='c1' limit 1")
on c1 PATCH "/v1/nodes/$u" '[{"op":"add","path":"/driver_info/fake_delay","value":4}]' >/dev/null
on c2 PUT "/v1/nodes/$u/states/power" '{"target":"power on"}' >/dev/null
expect_eq "power verb at a non-owner: 202 (forwarded)" 202 "$STATUS"
wait_until 30 db_is "select coalesce(reservation,'-') from nodes where name='$u'" c1
expect_eq "the owner c1 holds the lock while it runs the verb" c1 \
	"$(db "select coalesce(reservation, '-') from nodes where name='$u'")"
wait_until 60 db_is "select power_state || coalesce(reservation,'-') from nodes where name='$u'" "power on-"
expect_eq "the owner powered the node on" "power on" "$(db "select power_state from nodes where name='$u'")"
# A forwarded request is never forwarded again (loop guard): it runs here.
on c3 PUT "/v1/nodes/$u/states/power" '{"target":"power off"}' -H "X-Ingot-Forwarded-By: c2" >/dev/null
expect_eq "a request marked forwarded runs where it arrives" 202 "$STATUS"
wait_until 30 db_is "select power_state || coalesce(reservation,'-') from nodes where name='$u'" "power off-"

# $NDEP nodes ($DPER per conductor) made available, then deployed slowly.
dep=()
for c in "${C[@]}"; do dep+=($(db "select name from nodes where conductor='$c' and name like 'n%' order by name limit $DPER")); done
for u in "${dep[@]}"; do on c1 PUT "/v1/nodes/$u/states/provision" '{"target":"manage"}' >/dev/null; done
wait_until 120 db_is "select count(*) from nodes where provision_state='manageable'" $NDEP
for u in "${dep[@]}"; do on c2 PUT "/v1/nodes/$u/states/provision" '{"target":"provide"}' >/dev/null; done
wait_until 180 db_is "select count(*) from nodes where provision_state='available'" $NDEP
expect_eq "$NDEP nodes available" $NDEP "$(db "select count(*) from nodes where provision_state='available'")"
for u in "${dep[@]}"; do
	on c3 PATCH "/v1/nodes/$u" '[{"op":"add","path":"/driver_info/fake_delay","value":10}]' >/dev/null
done
# Acknowledged writes through every API, then the deploys, then the kill.
acked=0
for i in $(seq 1 60); do
	on "${C[$((i % 3))]}" PATCH "/v1/nodes/n$((i + 100))" "[{\"op\":\"add\",\"path\":\"/extra/w\",\"value\":\"v$i\"}]" >/dev/null
	[ "$STATUS" = 200 ] && acked=$((acked + 1))
done
i=0
for u in "${dep[@]}"; do
	on "${C[$((i++ % 3))]}" PUT "/v1/nodes/$u/states/provision" '{"target":"active"}' >/dev/null
	[ "$STATUS" = 202 ] || echo "# deploy $u: $STATUS"
done
wait_until 60 "[ \$(db \"select count(*) from nodes where reservation='c3' and provision_state='deploying'\") -ge 5 ]"
victim_deploying=$(db "select count(*) from nodes where conductor='c3' and provision_state='deploying'")
ok "c3 holds locks mid-deploy ($victim_deploying deploying)" test "$(db "select count(*) from nodes where reservation='c3'")" -ge 5
grep '^.* c3$' "$T/own2" | cut -d' ' -f1 >"$T/share3"
t_kill=$(date +%s%N)
kill -KILL "${PID[c3]}"; wait "${PID[c3]}" 2>/dev/null; PID[c3]=
db "select uuid from nodes where conductor='c3' and provision_state='deploying' and reservation='c3'" | sort >"$T/victim"
# Until it is taken over, a verb for its node is refused, never run twice.
v=$(db "select name from nodes where conductor='c3' and provision_state='enroll' limit 1")
on c1 PUT "/v1/nodes/$v/states/power" '{"target":"power on"}' >/dev/null
if [ "$(db "select conductor from nodes where name='$v'")" = c3 ]; then
	expect_eq "verb for a dead owner's node: 503" 503 "$STATUS"
	ok "503 says why (Ironic error body)" bash -c "jq -r .error_message '$T/api.body' | jq -e '.faultstring | test(\"c3\")'"
fi
wait_until $((HB_TIMEOUT + 60)) db_is "select count(*) from nodes where conductor='c3' or reservation='c3'" 0
echo "# takeover after SIGKILL: $(( ($(date +%s%N) - t_kill) / 1000000 )) ms (heartbeat_timeout $HB_TIMEOUT s, interval 1 s)"
expect_eq "after heartbeat_timeout + a pass: no node owned or locked by c3" 0 \
	"$(db "select count(*) from nodes where conductor='c3' or reservation='c3'")"
expect_eq "every node owned by a survivor" "$TOTAL" "$(db "select count(*) from nodes where conductor in ('c1','c2')")"
bmc_power_all 0 "power off" "power sync by the survivors, c3's former share included"
wait_until 240 db_is "select count(*) from nodes where provision_state in ('deploying','wait call-back') or reservation is not null" 0
expect_eq "no node stuck deploying or locked" 0 \
	"$(db "select count(*) from nodes where provision_state in ('deploying','wait call-back','cleaning','verifying') or reservation is not null")"
nv=$(wc -l <"$T/victim")
expect_eq "c3's interrupted deploys failed as on a restart ($nv)" "$nv" \
	"$(for x in $(cat "$T/victim"); do db "select uuid from nodes where uuid='$x' and provision_state='deploy failed' and last_error like '%c3%'"; done | wc -l)"
expect_eq "the survivors' deploys finished" $((NDEP - nv)) "$(db "select count(*) from nodes where provision_state='active'")"
x=$(head -1 "$T/victim")
if [ -n "$x" ]; then
	on c1 GET "/v1/nodes/$x/history" >/dev/null
	ok "history says who took the node over" bash -c "jq -e '.history[] | select(.event | test(\"taken over from conductor c3\"))' '$T/api.body'"
fi
expect_eq "every acknowledged write is there" "$acked" "$(db "select count(*) from nodes where $(db_json extra w) is not null")"

# c3 comes back: it takes back exactly its share (the ring is deterministic).
start_c c3 || exit 1
wait_until 60 "[ \"\$(db \"select uuid from nodes where conductor='c3' order by uuid\")\" = \"\$(cat $T/share3)\" ]"
db "select uuid from nodes where conductor='c3' order by uuid" >"$T/share3b"
ok "restarted c3 owns its share again ($(wc -l <"$T/share3") nodes)" cmp "$T/share3" "$T/share3b"
owners >"$T/own3"
ok "ownership after the restart equals the one before the kill" cmp "$T/own2" "$T/own3"
sleep 3
owners >"$T/own4"
ok "no flapping: ownership stable between passes" cmp "$T/own3" "$T/own4"

# Abuse: a client cannot pick a node's owner (nor so the forwarding target),
# and the owner's refusal comes back as is.
u=$(db "select name from nodes where conductor='c2' limit 1")
on c1 PATCH "/v1/nodes/$u" '[{"op":"replace","path":"/conductor","value":"c1"}]' >/dev/null
expect_eq "PATCH /conductor refused" 400 "$STATUS"
expect_eq "... and the owner unchanged" c2 "$(db "select conductor from nodes where name='$u'")"
API_VERSION=1.999 on c1 PUT "/v1/nodes/$u/states/power" '{"target":"power on"}' >/dev/null
expect_eq "an unsupported microversion: 406, nothing forwarded" 406 "$STATUS"
on c1 PUT "/v1/nodes/$u/states/provision" '{"target":"no-such-verb"}' >/dev/null
expect_eq "the owner's 400 for a bad verb comes back as is" 400 "$STATUS"
ok "... with Ironic's error body" bash -c "jq -e '.error_message' '$T/api.body'"

# Concurrent verbs from the three APIs on the same 20 nodes.
conc=($(db "select name from nodes where provision_state='enroll' order by name limit 20"))
for u in "${conc[@]}"; do
	on c1 PATCH "/v1/nodes/$u" '[{"op":"add","path":"/driver_info/fake_delay","value":6}]' >/dev/null
done
cpids=()
for u in "${conc[@]}"; do
	for c in "${C[@]}"; do
		curl -s -o /dev/null -w '%{http_code}\n' -X PUT -H 'Content-Type: application/json' \
		    -H 'X-OpenStack-Ironic-API-Version: latest' --data '{"target":"power on"}' \
		    "http://127.0.0.1:${PORT[$c]}/v1/nodes/$u/states/power" >"$T/conc.$u.$c" &
		cpids+=($!)
	done
done
wait "${cpids[@]}"
wins=0; bad=0
for u in "${conc[@]}"; do
	s=$(cat "$T/conc.$u".* | sort | tr '\n' ' ')
	[ "$s" = "202 409 409 " ] && wins=$((wins + 1)) || { bad=$((bad + 1)); echo "# $u: $s"; }
done
expect_eq "each node: one 202, two 409" 20 "$wins"
wait_until 120 db_is "select count(*) from nodes where reservation is not null or target_power_state is not null" 0
expect_eq "every winner's power on done, no lock left" 20 \
	"$(for u in "${conc[@]}"; do db "select 1 from nodes where name='$u' and power_state='power on' and reservation is null"; done | wc -l)"
db_sqlite_only "SQLite's integrity_check" && expect_eq "integrity_check ok" ok "$(db 'pragma integrity_check')"
for c in c1 c2 c3; do
	kill -TERM "${PID[$c]}"; wait "${PID[$c]}"; expect_eq "$c exits 0 on SIGTERM" 0 "$?"; PID[$c]=
done
finish
