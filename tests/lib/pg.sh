# A real PostgreSQL (Debian's, 15) for tests, in the test's scratch
# directory, run as an unprivileged user (postgres when the test runs as
# root, as CI does), reached over a unix socket in $T/pg only.
#   pg_start              initdb + pg_ctl start (once per test); sets PG_SOCK
#   pg_new_db NAME        creates database NAME (after pg_start); prints its
#                         postgresql:// URL
#   pg_psql DB SQL...     psql on DB: unaligned, tuples only, '|' between columns
#   pg_stop               immediate shutdown (the EXIT trap calls it; a
#                         watcher does when the test is SIGKILLed)
PG_SOCK=
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# As postgres when root.  Where /dev/null is not writable for it (some
# sandboxes make it 0600, and some flip it while tests run), in a mount
# namespace with a 0666 one bound over, whenever namespaces can be made.
_PG_NS=
_pg_as() {
	if [ "$(id -u)" != 0 ]; then "$@"; return; fi
	[ -n "$_PG_NS" ] || { unshare -m true 2>/dev/null && _PG_NS=yes || _PG_NS=no; }
	if [ "$_PG_NS" = no ] && runuser -u postgres -- test -w /dev/null; then
		runuser -u postgres -- "$@"; return
	fi
	[ -c "$T/pg/null" ] || mknod -m 666 "$T/pg/null" c 1 3
	unshare -m sh -c 'mount --bind "$0" /dev/null && exec runuser -u postgres -- "$@"' \
		"$T/pg/null" "$@"
}

pg_start() {
	[ -n "$PG_SOCK" ] && return 0
	[ -x "$PG_BIN/initdb" ] || { echo "no PostgreSQL server (postgresql-15)"; return 1; }
	mkdir -p "$T/pg"
	if [ "$(id -u)" = 0 ]; then chmod 711 "$T"; chown postgres: "$T/pg"; fi
	_pg_as "$PG_BIN/initdb" -D "$T/pg/data" -U ingot -A trust -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$T/pg-initdb.log" 2>&1 || { cat "$T/pg-initdb.log"; return 1; }
	_pg_as "$PG_BIN/pg_ctl" -D "$T/pg/data" -l "$T/pg/server.log" -w -t 120 -o \
		"-k $T/pg -c listen_addresses= -c fsync=off -c max_connections=200" \
		start >"$T/pg-ctl.log" 2>&1 || { cat "$T/pg-ctl.log" "$T/pg/server.log"; return 1; }
	PG_SOCK=$T/pg
	# A test killed with SIGKILL (meson's timeout) runs no EXIT trap: this
	# watcher stops its server once the test's shell is gone.
	( trap '' TERM INT; while kill -0 $$ 2>/dev/null; do sleep 2; done
	  [ -f "$T/pg/data/postmaster.pid" ] && _pg_as "$PG_BIN/pg_ctl" -D "$T/pg/data" -m immediate stop
	) </dev/null >/dev/null 2>&1 &
}

pg_psql() {
	local db=$1; shift
	psql -X -q -At -F'|' -v ON_ERROR_STOP=1 -h "$PG_SOCK" -U ingot -d "$db" "$@"
}

pg_new_db() {
	pg_psql postgres -c "CREATE DATABASE \"$1\"" >&2 || return 1
	echo "postgresql:///$1?host=$PG_SOCK&user=ingot"
}

pg_stop() {
	[ -f "$T/pg/data/postmaster.pid" ] || return 0
	_pg_as "$PG_BIN/pg_ctl" -D "$T/pg/data" -m immediate stop >/dev/null 2>&1
	PG_SOCK=
}
