#!/usr/bin/env bash
# The PostgreSQL store against a real PostgreSQL 15 (tests/lib/pg.sh):
# a representative set of integration tests run again on it; migrations
# from an empty database and from every earlier schema version end in the
# same schema; --copy-to moves a SQLite database (every row, ids and all)
# into an empty PostgreSQL one, after which the API answers byte for byte
# as it did on SQLite, and refuses a non-empty target; a password in the
# URL never reaches a log or a message.
INGOT_DB_ENGINE=sqlite
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pg.sh"
here=$(cd "$(dirname "$0")" && pwd)
pg_start || exit 1

# --- 1. existing tests, on PostgreSQL ------------------------------------
for t in ${PG_STORE_TESTS-api_errors api_parity restart crash_writes lock_wait metrics}; do
	INGOT_DB_ENGINE=pg bash "$here/$t.sh" >"$T/$t.log" 2>&1
	rc=$?
	expect_eq "$t.sh on PostgreSQL ($(tail -1 "$T/$t.log"))" 0 "$rc"
	[ "$rc" = 0 ] || grep -A5 '^not ok' "$T/$t.log" | head -30 | sed 's/^/#   /'
done

# --- 2. migrations -----------------------------------------------------------
# (pg_dump >= 15.14 brackets its output with \restrict TOKEN, a new token each time)
schema() { pg_dump -s -x -O -h "$PG_SOCK" -U ingot "$1" | grep -Ev '^(--|$|\\(un)?restrict )'; }
out=$("$INGOTD" --connection "$(pg_new_db m0)" --migrate 2>>"$T/migrate.log")
latest=$(sed -n 's/.*(latest \([0-9]*\)).*/\1/p' <<<"$out")
expect_eq "--migrate from an empty database: the latest version" \
	"schema version $latest" "$(grep -o 'schema version [0-9]*' <<<"$out")"
expect_eq "the version table says so" "$latest" "$(pg_psql m0 -c 'select version from ingot_schema')"
ok "--migrate again: nothing to do" "$INGOTD" --connection "$(pg_new_db m0 2>/dev/null ||
	echo "postgresql:///m0?host=$PG_SOCK&user=ingot")" --migrate
schema m0 >"$T/m0.schema"
ok "the schema has every table, BIGSERIAL ids, byte-ordered text" \
	grep -q 'name text COLLATE pg_catalog."C"' "$T/m0.schema"
for k in $(seq 1 $((latest - 1))); do
	u=$(pg_new_db "m$k")
	"$INGOTD" --connection "$u" --migrate="$k" >"$T/mk.out" 2>>"$T/migrate.log"
	expect_eq "--migrate=$k stops at $k" "$k" "$(pg_psql "m$k" -c 'select version from ingot_schema')"
	pg_psql "m$k" -c "insert into conductors (hostname, conductor_group, drivers, online,
		created_at) values ('old-$k', '', '[]', 0, '2020-01-01T00:00:00')"
	"$INGOTD" --connection "$u" --migrate >/dev/null 2>>"$T/migrate.log"
	expect_eq "from version $k to $latest" "$latest" "$(pg_psql "m$k" -c 'select version from ingot_schema')"
	expect_eq "version $k's rows kept" "old-$k" "$(pg_psql "m$k" -c 'select hostname from conductors')"
	ok "from version $k: the same schema as from empty" diff "$T/m0.schema" <(schema "m$k")
done
# several ingotd migrating one database at once: one applies, all succeed
u=$(pg_new_db mc)
mpids=()
for i in 1 2 3 4; do "$INGOTD" --connection "$u" --migrate >"$T/mc$i.out" 2>&1 & mpids+=($!); done
wait "${mpids[@]}"	# not a bare wait: pg.sh's watcher is a background job too
expect_eq "4 concurrent --migrate: all at the latest" 4 "$(grep -l "schema version $latest" "$T"/mc*.out | wc -l)"
expect_eq "each migration applied once" "$latest" "$(grep -h 'applied migration' "$T"/mc*.out | wc -l)"

# --- 3. --copy-to ------------------------------------------------------------
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/key"
printf '[database]\nsecret_key_file = %s\n[conductor]\nsync_power_state_interval = 0\n' \
	"$T/key" >"$T/ingotd.conf"
INGOT_DB_ARGS=(--db "$T/src.db" --config "$T/ingotd.conf")
ingot_start || exit 1
api POST /v1/chassis '{"description":"rack 1"}' >/dev/null
CH=$(jq -r .uuid "$T/api.body")
for i in $(seq 1 30); do
	api POST /v1/nodes "{\"name\":\"n$i\",\"driver\":\"fake-hardware\",\"chassis_uuid\":\"$CH\",
		\"description\":\"node $((i % 4))\",\"driver_info\":{\"ipmi_password\":\"pw$i\"},
		\"properties\":{\"cpus\":$i,\"memory_mb\":1024.5}}" >/dev/null
	api POST /v1/ports "{\"address\":\"52:54:00:00:00:$(printf %02x "$i")\",\"node_uuid\":\"$(jq -r .uuid "$T/api.body")\"}" >/dev/null
done
for i in 1 2 3; do
	api PUT /v1/nodes/n$i/states/provision '{"target":"manage"}' >/dev/null
	wait_until 20 "[ \"\$(api GET /v1/nodes/n$i | jq -r .provision_state)\" = manageable ]"
done
api PUT /v1/nodes/n4/maintenance '{"reason":"disk"}' >/dev/null
api POST /v1/portgroups '{"name":"pg1","node_uuid":"'"$(api GET /v1/nodes/n5 | jq -r .uuid)"'"}' >/dev/null
api POST /v1/networks '{"name":"t1","vlan_id":101,"cidr":"10.1.0.0/24"}' >/dev/null
api POST /v1/allocations '{"name":"al1","resource_class":"none"}' >/dev/null
api DELETE /v1/nodes/n30 >/dev/null
capture() {
	local p
	for p in "/v1/nodes?detail=True" "/v1/nodes?sort_key=name&sort_dir=desc&limit=7" \
		"/v1/nodes?description_contains=node%202&fields=name,uuid" \
		"/v1/nodes?maintenance=true" "/v1/nodes?provision_state=manageable&sort_key=name" \
		"/v1/ports?detail=True" "/v1/portgroups?detail=True" "/v1/chassis?detail=True" \
		"/v1/networks" "/v1/allocations" "/v1/nodes/n1/history" \
		"/v1/nodes/n1?fields=driver_info" "/v1/nodes?limit=5&marker=$(api GET /v1/nodes/n9 | jq -r .uuid)"; do
		echo "== $p"; api GET "$p" | sed "s#$INGOT_URL#URL#g"; echo " $STATUS"
	done
}
capture >"$T/api_sqlite.txt"
ingot_stop
tables=$(sqlite3 "$T/src.db" "select name from sqlite_master where type='table' and name not like 'sqlite_%' order by name")
rows=$(for t in $tables; do sqlite3 "$T/src.db" "select count(*) from $t"; done | paste -sd+ | bc)
u=$(pg_new_db copy)
out=$("$INGOTD" --db "$T/src.db" --copy-to "$u" 2>>"$T/copy.log")
expect_eq "--copy-to: every row" "copied $rows rows" "$(grep -o 'copied [0-9]* rows' <<<"$out")"
for t in $tables; do
	ok "table $t: every row, every column, the same ids" \
		diff <(sqlite3 "$T/src.db" "select * from $t order by id") \
		<(pg_psql copy -c "select * from $t order by id")
done
ok "BMC passwords were copied sealed" test "$(pg_psql copy -c "select count(*) from nodes where driver_info like '%enc:v1:%'")" = 29
INGOT_DB_ARGS=(--db "$T/src.db" --config "$T/ingotd.conf" --connection "$u")
ingot_start || exit 1
capture >"$T/api_pg.txt"
ok "the API answers byte for byte as on SQLite" diff "$T/api_sqlite.txt" "$T/api_pg.txt"
api POST /v1/nodes '{"name":"after-copy","driver":"fake-hardware"}' >/dev/null
expect_eq "a new node after the copy: 201" 201 "$STATUS"
expect_eq "its id follows the copied ones (never one of a deleted node, as on SQLite)" 31 "$(pg_psql copy -c "select id from nodes where name='after-copy'")"
api POST /v1/nodes '{"name":"n2","driver":"fake-hardware"}' >/dev/null
expect_eq "a duplicate name on PostgreSQL: 409" 409 "$STATUS"
ingot_stop
"$INGOTD" --db "$T/src.db" --copy-to "$u" >/dev/null 2>"$T/copy2.err"
expect_eq "--copy-to a database with rows: refused" 1 "$?"
ok "it says why" grep -q 'not empty' "$T/copy2.err"
expect_eq "and wrote nothing" 30 "$(pg_psql copy -c 'select count(*) from nodes')"

# --- 4. the password in the URL ----------------------------------------------
secret=s3cret-$RANDOM$RANDOM
u="postgresql://ingot:$secret@/copy?host=$PG_SOCK"
INGOT_DB_ARGS=(--db "$T/src.db" --config "$T/ingotd.conf" --connection "$u" --log-level debug)
ingot_start || exit 1
ingot_stop
"$INGOTD" --connection "postgresql://ingot:$secret@/nosuchdb?host=$PG_SOCK" --migrate \
	>/dev/null 2>"$T/bad.err"
expect_eq "an unreachable database: exit 1" 1 "$?"
ok "the message masks the password" grep -q 'ingot:\*\*\*\*@' "$T/bad.err"
ok "no password in any log or message" sh -c "! grep -rq '$secret' '$T'/*.log '$T'/*.err '$T'/*.stderr"

# --- 5. TLS: libpq's sslmode in the URL ----------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ingot-test-ca \
	-keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$T/pg/server.key" \
	-out "$T/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/san.ext"
openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/san.ext" -out "$T/pg/server.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
	-keyout "$T/other.key" -out "$T/other.pem" 2>/dev/null
[ "$(id -u)" = 0 ] && chown postgres: "$T/pg/server.key" "$T/pg/server.pem"
chmod 600 "$T/pg/server.key"
PGPORT_TLS=$(free_port)
_pg_as "$PG_BIN/pg_ctl" -D "$T/pg/data" -w -m fast -o "-k $T/pg -c listen_addresses=127.0.0.1 \
	-p $PGPORT_TLS -c ssl=on -c ssl_cert_file=$T/pg/server.pem -c ssl_key_file=$T/pg/server.key \
	-c fsync=off" restart >"$T/pg-restart.log" 2>&1
ok "PostgreSQL with TLS on 127.0.0.1:$PGPORT_TLS" test $? = 0
PG_SOCK=$T/pg
tls="postgresql://ingot@127.0.0.1:$PGPORT_TLS/copy?sslmode=verify-full"
INGOT_DB_ARGS=(--db "$T/src.db" --config "$T/ingotd.conf" --connection "$tls&sslrootcert=$T/ca.pem")
ingot_start || exit 1
api GET /v1/nodes/n1 >/dev/null
expect_eq "over verified TLS: the API answers" 200 "$STATUS"
expect_eq "ingotd's connections use TLS" t "$(PGPORT=$PGPORT_TLS pg_psql copy -c \
	"select bool_and(s.ssl) from pg_stat_ssl s join pg_stat_activity a using (pid)
	 where a.datname = 'copy' and a.pid <> pg_backend_pid() and a.backend_type = 'client backend'")"
ingot_stop
"$INGOTD" --connection "$tls&sslrootcert=$T/other.pem" --migrate >/dev/null 2>"$T/tls.err"
expect_eq "a server certificate from another CA: refused" 1 "$?"
ok "it says why" grep -q 'certificate verify failed' "$T/tls.err"
finish
