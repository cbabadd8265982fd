# Shared helpers for integration tests (bash).  Source it, then:
#   ingot_start [extra ingotd flags]   starts a real ingotd on a free loopback port
#                                       with a temporary SQLite database ($T/ingot.db)
#                                       or, with INGOT_DB_ENGINE=pg, a fresh PostgreSQL
#                                       one (tests/lib/pg.sh); sets INGOT_URL,
#                                       INGOTD_PID, T (scratch dir)
#   db SQL                              the test database answers SQL (either engine:
#                                       columns joined by '|'; write portable SQL)
#   db_json COL PATH                    SQL for a member of a JSON text column (a.b.c)
#   db_dump                             every row of the database as text (to grep)
#   db_bytes                            bytes the database's rows take
#   db_reset                            an empty database again (ingotd stopped)
#   db_sqlite_only WHY                  true on SQLite; on PostgreSQL says "# skip"
#   ingot_stop                          SIGTERM + wait
#   ok "what" cmd...                    a check: passes when cmd exits 0
#   expect_eq "what" expected actual
#   api METHOD PATH [JSON]              curl; prints body, sets STATUS
#   list_all PATH KEY                   a whole collection, page by page
#   finish                              prints "N passed, N failed", exits non-zero on failure
# Tests run as meson tests with INGOT_BUILD and INGOT_SRC in the environment.
set -u
INGOT_BUILD=${INGOT_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
INGOT_SRC=${INGOT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
INGOTD=${INGOTD:-$INGOT_BUILD/src/daemon/ingotd}
INGOT=${INGOT:-$INGOT_BUILD/src/cli/ingot}
T=$(mktemp -d /tmp/ingot-test.XXXXXX)
PASS=0
FAIL=0
INGOTD_PID=
STATUS=

_cleanup() {
	[ -n "$INGOTD_PID" ] && kill "$INGOTD_PID" 2>/dev/null && wait "$INGOTD_PID" 2>/dev/null
	declare -F pg_stop >/dev/null && pg_stop
	declare -F ovs_stop >/dev/null && ovs_stop
	declare -F bmc_stop_all >/dev/null && bmc_stop_all
	declare -F rf_stop_all >/dev/null && rf_stop_all
	# dnsmasq processes (and their keepers) an ingotd of this test started
	# and left behind (a test that SIGKILLs ingotd with its keepers orphans
	# them): only those whose configuration is under this test's scratch
	# directory.
	local p
	for p in $(pgrep -f "dnsmasq .*--conf-file=$T/" 2>/dev/null); do kill "$p" 2>/dev/null; done
	if [ "$FAIL" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T"; else echo "# scratch kept in $T"; fi
}
trap _cleanup EXIT

free_port() {
	python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# INGOT_DB_ENGINE=pg: one PostgreSQL per test, one database (ingot) that
# every ingot_start of the test uses; $T/ingot.db stays the --db path (the
# base of images/, dhcp/, sdr-cache) but holds no data.
INGOT_DB_ENGINE=${INGOT_DB_ENGINE:-sqlite}
INGOT_DB_ARGS=(--db "$T/ingot.db")
if [ "$INGOT_DB_ENGINE" = pg ]; then
	. "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
	pg_start || exit 1
	INGOT_PG_URL=$(pg_new_db ingot) || exit 1
	INGOT_DB_ARGS+=(--connection "$INGOT_PG_URL")
fi

# db SQL: the test database's answer to SQL (rows on lines, columns joined
# by '|'), from SQLite or PostgreSQL; write SQL both take (coalesce, not ifnull).
# (SQLite waits up to 10 s for a writer, as ingotd's own connections do.)
db() {
	if [ "$INGOT_DB_ENGINE" = pg ]; then
		pg_psql ingot -c "$1"
	else
		sqlite3 -cmd ".timeout 10000" "$T/ingot.db" "$1"
	fi
}

# db_json COL a.b: SQL reading member a.b of the JSON text in COL (text,
# JSON for objects; SQL NULL when absent), for either engine.
db_json() {
	if [ "$INGOT_DB_ENGINE" = pg ]; then
		echo "($1::json #>> '{${2//./,}}')"
	else
		echo "json_extract($1, '\$.$2')"
	fi
}

# db_dump: every row of the test database as text (to grep for a secret).
db_dump() {
	if [ "$INGOT_DB_ENGINE" = pg ]; then
		pg_dump -a -h "$PG_SOCK" -U ingot ingot
	else
		sqlite3 "$T/ingot.db" .dump
	fi
}

# db_bytes: what the database takes on disk (SQLite: the file and its WAL;
# PostgreSQL: its tables with their indexes and TOAST).
db_bytes() {
	if [ "$INGOT_DB_ENGINE" = pg ]; then
		db "select sum(pg_total_relation_size(relid))::bigint from pg_stat_user_tables"
	else
		cat "$T/ingot.db" "$T/ingot.db-wal" 2>/dev/null | wc -c
	fi
}

# db_reset: an empty database for the next ingot_start (ingotd stopped).
db_reset() {
	rm -f "$T"/ingot.db*
	if [ "$INGOT_DB_ENGINE" = pg ]; then
		pg_psql postgres -c 'DROP DATABASE IF EXISTS ingot WITH (FORCE)' &&
			pg_psql postgres -c 'CREATE DATABASE ingot'
	fi
}

# db_sqlite_only WHY: true on SQLite; on PostgreSQL prints why a check of
# SQLite itself is skipped and is false.
db_sqlite_only() {
	[ "$INGOT_DB_ENGINE" = pg ] || return 0
	echo "# skip on PostgreSQL: $1"
	return 1
}

ingot_start() {
	INGOT_PORT=${INGOT_PORT:-$(free_port)}
	INGOT_URL=http://127.0.0.1:$INGOT_PORT
	export INGOT_URL
	"$INGOTD" --listen "127.0.0.1:$INGOT_PORT" "${INGOT_DB_ARGS[@]}" --log-file "$T/ingotd.log" "$@" 2>>"$T/ingotd.stderr" &
	INGOTD_PID=$!
	for _ in $(seq 1 1200); do	# up to a minute: a loaded or sanitized machine
		curl -fsS "$INGOT_URL/" >/dev/null 2>&1 && return 0
		kill -0 "$INGOTD_PID" 2>/dev/null || { echo "ingotd exited at start"; cat "$T/ingotd.log"; return 1; }
		sleep 0.05
	done
	echo "ingotd did not answer"; return 1
}

ingot_stop() {
	local rc
	[ -n "$INGOTD_PID" ] || return 0
	kill -TERM "$INGOTD_PID" 2>/dev/null
	wait "$INGOTD_PID" 2>/dev/null
	rc=$?
	INGOTD_PID=
	expect_eq "ingotd exits 0 on SIGTERM" 0 "$rc"
}

ok() {
	local what=$1; shift
	if "$@" >"$T/ok.out" 2>&1; then
		PASS=$((PASS + 1)); echo "ok - $what"
	else
		FAIL=$((FAIL + 1)); echo "not ok - $what"; sed 's/^/#   /' "$T/ok.out" | head -20
	fi
}

expect_eq() {
	if [ "$2" == "$3" ]; then
		PASS=$((PASS + 1)); echo "ok - $1"
	else
		FAIL=$((FAIL + 1)); echo "not ok - $1: expected [$2] got [$3]"
	fi
}

# api METHOD PATH [BODY] [extra curl args...]: body to stdout, status in $STATUS
api() {
	local m=$1 p=$2 body=${3:-}
	shift; shift; [ $# -gt 0 ] && shift
	local args=(-sS -o "$T/api.body" -w '%{http_code}' -X "$m" -H "X-OpenStack-Ironic-API-Version: ${API_VERSION:-latest}")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	STATUS=$(curl "${args[@]}" "$@" "$INGOT_URL$p")
	cat "$T/api.body"
}

# list_all PATH KEY: every object of a collection, following its "next"
# links page by page (a page holds at most 1000), as one JSON array
list_all() {
	local url=$INGOT_URL$1 key=$2 n=0
	: >"$T/list_all.json"
	while [ -n "$url" ] && [ "$url" != null ]; do
		curl -sS -H "X-OpenStack-Ironic-API-Version: ${API_VERSION:-latest}" "$url" >"$T/list_page.json" || return 1
		jq -c ".${key}[]" "$T/list_page.json" >>"$T/list_all.json" || return 1
		url=$(jq -r '.next // empty' "$T/list_page.json")
		n=$((n + 1))
		[ "$n" -lt 10000 ] || return 1
	done
	jq -s . "$T/list_all.json"
}

# wait_until SECONDS cmd...      polls cmd every 0.1 s
# wait_until SECONDS 'shell code' evaluated anew each time (use this form
#                                 whenever the check contains $(...))
wait_until() {
	local end=$(( $(date +%s%N) / 1000000 + ${1%.*} * 1000 )); shift
	if [ $# -eq 1 ]; then set -- eval "$1"; fi
	while [ $(( $(date +%s%N) / 1000000 )) -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}

# db_is QUERY VALUE: the test database answers QUERY with VALUE (for wait_until)
db_is() {
	[ "$(db "$1")" = "$2" ]
}

finish() {
	ingot_stop
	# Sanitizer reports from any ingotd this test ran fail the test.
	if cat "$T"/*.stderr 2>/dev/null | grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:'; then
		FAIL=$((FAIL + 1)); echo "not ok - sanitizer report:"
		cat "$T"/*.stderr | grep -A20 -E 'Sanitizer|runtime error' | head -60 | sed 's/^/#   /'
	else
		PASS=$((PASS + 1)); echo "ok - no sanitizer report"
	fi
	# a failed test: ingotd's last warnings and errors, for CI's log
	if [ "$FAIL" -gt 0 ] && [ -f "$T/ingotd.log" ]; then
		echo "# ingotd's last warnings and errors:"
		grep -E 'level=(warn|error)' "$T/ingotd.log" | tail -15 | cut -c1-400 | sed 's/^/#   /'
	fi
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}
