#!/usr/bin/env bash
# ingotd's start-up contract: flags, config file, refusals with clear messages.
. "$(dirname "$0")/../lib/lib.sh"

refuses() {	# refuses "what" "expected message part" ingotd-args...
	local what=$1 msg=$2; shift 2
	if timeout 10 "$INGOTD" "$@" >"$T/out" 2>&1; then
		FAIL=$((FAIL + 1)); echo "not ok - $what: ingotd started"
	elif tail -n 1 "$T/out" | grep -q "^ingotd: .*$msg"; then
		PASS=$((PASS + 1)); echo "ok - $what"
	else
		FAIL=$((FAIL + 1)); echo "not ok - $what:"; sed 's/^/#   /' "$T/out"
	fi
}

P=$(free_port)
printf '[api]\nlisten = 127.0.0.1:%s\n[database]\npath = %s/cfg.db\n[conductor]\nhost = from-config\n[log]\nfile = %s/cfg.log\n' \
	"$P" "$T" "$T" >"$T/good.conf"
"$INGOTD" --config "$T/good.conf" 2>>"$T/cfg.stderr" & INGOTD_PID=$!
INGOT_URL=http://127.0.0.1:$P
wait_until 60 curl -fsS "$INGOT_URL/"
ok "starts from a config file" curl -fsS "$INGOT_URL/v1"
api POST /v1/nodes '{"driver":"fake-hardware","name":"logged"}' >/dev/null
api GET /v1/conductors >/dev/null
expect_eq "conductor host from the config" from-config "$(jq -r '.conductors[0].hostname' "$T/api.body")"
ingot_stop
ok "SIGTERM: clean exit" test -f "$T/cfg.db"
ok "log lines (logfmt) carry level, request id and node" \
	grep -qE '^ts=[^ ]+ level=info request=req-[0-9a-f-]+ node=[0-9a-f-]{36} msg="node created' "$T/cfg.log"

P2=$(free_port)
"$INGOTD" --config "$T/good.conf" --listen 127.0.0.1:$P2 --log-file "$T/flag.log" 2>>"$T/flag.stderr" & INGOTD_PID=$!
INGOT_URL=http://127.0.0.1:$P2
ok "flags override the file" wait_until 60 curl -fsS "$INGOT_URL/"
ingot_stop

"$INGOTD" --print-example-config >"$T/example.conf"
ok "example config parses" "$INGOTD" --check-config --config "$T/example.conf"
if [ -f "$INGOT_SRC/etc/ingotd.conf.example" ]; then
	ok "shipped example config is current" diff -u "$INGOT_SRC/etc/ingotd.conf.example" "$T/example.conf"
fi
printf '[api]\nlisten = 127.0.0.1:%s\nbogus = 1\n' "$P" >"$T/bad1.conf"
refuses "unknown option refused" "bad1.conf:3: unknown option \[api\] bogus" --config "$T/bad1.conf"
printf '[conductor]\nworkers = many\n' >"$T/bad2.conf"
refuses "bad number refused" "workers: 'many' is not a whole number" --config "$T/bad2.conf"
refuses "missing config file refused" "cannot read config file" --config "$T/nope.conf"
refuses "bad listen refused" "invalid listen address" --listen nowhere --db "$T/x.db"
mkdir -p "$T/ro" && chmod 0555 "$T/ro"
if [ "$(id -u)" = 0 ]; then
	# root ignores modes: use a path under a regular file instead
	refuses "unwritable database refused" "cannot open database" --listen 127.0.0.1:$P --db "$T/good.conf/x.db"
else
	refuses "unwritable database refused" "database" --listen 127.0.0.1:$P --db "$T/ro/x.db"
fi
sqlite3 "$T/ro.db" 'create table t(x)' && chmod 0444 "$T/ro.db"
if [ "$(id -u)" != 0 ]; then
	refuses "read-only database file refused" "not writable" --listen 127.0.0.1:$P --db "$T/ro.db"
fi
refuses "bad log level refused" "level" --log-level chatty --db "$T/y.db"
# A port in use: start one, then a second on the same port.
ingot_start || exit 1
refuses "port in use refused" "cannot listen" --listen "127.0.0.1:$INGOT_PORT" --db "$T/z.db"
ok "states as dot" bash -c "'$INGOTD' --print-states dot | grep -q 'digraph'"
ok "states as markdown" bash -c "'$INGOTD' --print-states markdown | grep -q '| deploying |'"
ok "docs/states.md is generated from the table" bash -c "'$INGOTD' --print-states markdown | diff -u '$INGOT_SRC/docs/states.md' -"
ok "docs/states.dot is generated from the table" bash -c "'$INGOTD' --print-states dot | diff -u '$INGOT_SRC/docs/states.dot' -"
ok "docs/api.md's routes are generated from the table" bash -c "sed -n '/<!-- routes:begin -->/,/<!-- routes:end -->/p' '$INGOT_SRC/docs/api.md' | sed '1d;\$d' | diff -u - <('$INGOTD' --print-routes markdown)"
ok "--print-routes names each route's policy" bash -c "'$INGOTD' --print-routes markdown | grep -qF '| DELETE | \`/v1/nodes/{node}\` | 1.1 | system admin |'"
finish
