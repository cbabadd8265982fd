/*
 * SQLite backend of store.h: WAL mode, one connection per thread, prepared
 * statements cached per connection, every multi-row change in a transaction.
 */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "migrations.h"
#include "store_int.h"
#include "util.h"

#define STMT_CACHE 96

struct stmt_entry {
	char		*sql;
	sqlite3_stmt	*stmt;
};

struct store {
	sqlite3			*db;
	struct stmt_entry	 cache[STMT_CACHE];
	int			 ncache;
	int			 next_evict;
	struct store		*next;		/* all connections, for shutdown */
	bool			 wr_held;	/* holds wr_mtx (see wstep) */
};

static char *db_path;
static pthread_mutex_t conns_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct store *conns;
static _Thread_local struct store *tl_store;

/*
 * One writer at a time, queued in the process.  SQLite lets one connection
 * write at a time and makes the others retry on a timer (its busy handler
 * sleeps 1, 2, 5 ... 100 ms between tries), so 32 threads writing small rows
 * spent their time sleeping and being woken.  The writes of this process
 * queue on a mutex instead and each goes in as soon as the previous one has
 * ended; SQLite's busy timeout is left for other processes (the CLI, a
 * sqlite3 shell).  A transaction holds the mutex from BEGIN to its end.  The
 * wait is bounded like the busy timeout: 10 s, then the write fails as busy.
 */
#define WR_WAIT_S 10
static pthread_mutex_t wr_mtx = PTHREAD_MUTEX_INITIALIZER;

static bool
wr_take(struct store *s)
{
	struct timespec ts;

	if (s->wr_held)
		return true;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WR_WAIT_S;
	if (pthread_mutex_timedlock(&wr_mtx, &ts) != 0)
		return false;
	s->wr_held = true;
	return true;
}

/* Gives the mutex back once no transaction is open on this connection. */
static void
wr_done(struct store *s)
{
	if (s->wr_held && sqlite3_get_autocommit(s->db)) {
		s->wr_held = false;
		pthread_mutex_unlock(&wr_mtx);
	}
}

/* sqlite3_step with the writers' queue: a statement that writes waits its
 * turn; COMMIT and ROLLBACK (read-only to SQLite) end the turn. */
static int
wstep(struct store *s, sqlite3_stmt *st)
{
	int rc;

	if (!sqlite3_stmt_readonly(st) && !wr_take(s))
		return SQLITE_BUSY;
	rc = sqlite3_step(st);
	wr_done(s);
	return rc;
}

static int
open_conn(const char *path, struct store **out, char *err, size_t len)
{
	struct store *s = util_calloc(1, sizeof(*s));
	char *msg = NULL;

	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, len, "cannot open database %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		free(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* journal_size_limit: the WAL file is cut back to 64 MiB whenever a
	 * checkpoint restarts it (a burst of writes behind a long read grew
	 * it to 550 MiB and it stayed that size) */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=67108864;", NULL, NULL,
	    &msg) != SQLITE_OK) {
		snprintf(err, len, "cannot use database %s: %s", path, msg ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(s->db);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static void
close_conn(struct store *s)
{
	for (int i = 0; i < s->ncache; i++) {
		sqlite3_finalize(s->cache[i].stmt);
		free(s->cache[i].sql);
	}
	sqlite3_close(s->db);	/* rolls back a transaction left open */
	if (s->wr_held)
		pthread_mutex_unlock(&wr_mtx);
	free(s);
}

/* A prepared statement for sql, reset and with bindings cleared. */
static sqlite3_stmt *
prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int slot;

	for (int i = 0; i < s->ncache; i++) {
		if (strcmp(s->cache[i].sql, sql) == 0) {
			st = s->cache[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("store: cannot prepare [%s]: %s", sql, sqlite3_errmsg(s->db));
		return NULL;
	}
	if (s->ncache < STMT_CACHE) {
		slot = s->ncache++;
	} else {
		slot = s->next_evict;
		s->next_evict = (s->next_evict + 1) % STMT_CACHE;
		sqlite3_finalize(s->cache[slot].stmt);
		free(s->cache[slot].sql);
	}
	s->cache[slot].sql = util_strdup(sql);
	s->cache[slot].stmt = st;
	return st;
}

static int
exec_simple(struct store *s, const char *sql)
{
	sqlite3_stmt *st = prep(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	rc = wstep(s, st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : -1;
}

static int
sq_begin(struct store *s)
{
	int rc;

	if (!wr_take(s))
		return -1;
	rc = exec_simple(s, "BEGIN IMMEDIATE");
	wr_done(s);	/* a BEGIN that failed opened nothing */
	return rc;
}

static int
sq_commit(struct store *s)
{
	return exec_simple(s, "COMMIT");
}

static void
sq_rollback(struct store *s)
{
	exec_simple(s, "ROLLBACK");
}

static int
sq_schema_version(struct store *s)
{
	sqlite3_stmt *st = prep(s, "PRAGMA user_version");
	int v = -1;

	if (st != NULL && wstep(s, st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return v;
}

static int
migrate(struct store *s, int max_version, char *err, size_t len)
{
	int cur = sq_schema_version(s), target = store_nmigrations;
	char *msg = NULL, pragma[64];

	if (max_version > 0 && max_version < target)
		target = max_version;
	if (cur < 0) {
		snprintf(err, len, "cannot read schema version: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (cur > store_nmigrations) {
		snprintf(err, len, "database schema version %d is newer than this "
		    "ingotd (%d)", cur, store_nmigrations);
		return -1;
	}
	for (int v = cur + 1; v <= target; v++) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", v);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, store_migrations[v - 1], NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, len, "migration %d failed: %s", v, msg ? msg : "?");
			sqlite3_free(msg);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		log_info("store: applied migration %d", v);
	}
	return 0;
}

/*
 * The database holds agent tokens and (sealed or not) BMC secrets: it and
 * its WAL and shared-memory files are the owner's alone (SQLite gives the
 * -wal and -shm files the database file's mode).
 */
static int
private_files(const char *path, char *err, size_t len)
{
	char side[4096];
	struct stat st;
	int fd;

	if (strcmp(path, ":memory:") == 0 || path[0] == '\0')
		return 0;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 || fstat(fd, &st) != 0 ||
	    (S_ISREG(st.st_mode) && fchmod(fd, 0600) != 0)) {
		snprintf(err, len, "cannot open database %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	for (int i = 0; i < 2; i++) {
		snprintf(side, sizeof(side), "%s%s", path, i ? "-shm" : "-wal");
		(void)chmod(side, 0600);
	}
	return 0;
}

static int
sq_init(const char *path, int max_version, char *err, size_t len)
{
	struct store *s;

	free(db_path);
	db_path = util_strdup(path);
	if (private_files(path, err, len) != 0 || open_conn(path, &s, err, len) != 0)
		return -1;
	if (migrate(s, max_version, err, len) != 0) {
		close_conn(s);
		return -1;
	}
	/* A write probe: refuses a read-only file or directory at start. */
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE; COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, len, "database %s is not writable: %s", path,
		    sqlite3_errmsg(s->db));
		close_conn(s);
		return -1;
	}
	pthread_mutex_lock(&conns_mtx);
	s->next = conns;
	conns = s;
	pthread_mutex_unlock(&conns_mtx);
	tl_store = s;
	return 0;
}

static struct store *
sq_thread(void)
{
	char err[256];
	struct store *s;

	if (tl_store != NULL)
		return tl_store;
	if (open_conn(db_path, &s, err, sizeof(err)) != 0)
		fatalx("store: %s", err);
	pthread_mutex_lock(&conns_mtx);
	s->next = conns;
	conns = s;
	pthread_mutex_unlock(&conns_mtx);
	tl_store = s;
	return s;
}

static void
sq_thread_release(void)
{
	struct store **pp;

	if (tl_store == NULL)
		return;
	pthread_mutex_lock(&conns_mtx);
	for (pp = &conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == tl_store) {
			*pp = tl_store->next;
			break;
		}
	}
	pthread_mutex_unlock(&conns_mtx);
	close_conn(tl_store);
	tl_store = NULL;
}

static void
sq_shutdown(void)
{
	pthread_mutex_lock(&conns_mtx);
	while (conns != NULL) {
		struct store *n = conns->next;
		close_conn(conns);
		conns = n;
	}
	pthread_mutex_unlock(&conns_mtx);
	tl_store = NULL;
	free(db_path);
	db_path = NULL;
}

/* Binds a JSON value to parameter i according to the field type. */
static void
bind_value(sqlite3_stmt *st, int i, const struct field *f, json_t *v)
{
	char *txt;

	if (v == NULL || json_is_null(v)) {
		sqlite3_bind_null(st, i);
		return;
	}
	switch (f->type) {
	case FT_STRING:
	case FT_TIME:
		if (json_is_string(v))
			sqlite3_bind_text(st, i, json_string_value(v), -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, i);
		break;
	case FT_BOOL:
		sqlite3_bind_int(st, i, json_is_true(v));
		break;
	case FT_INT:
		sqlite3_bind_int64(st, i, json_integer_value(v));
		break;
	case FT_OBJECT:
	case FT_LIST: {
		json_t *sv = store_sealed_copy(f, v);
		txt = json_dumps(sv, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		json_decref(sv);
		sqlite3_bind_text(st, i, txt ? txt : "null", -1, SQLITE_TRANSIENT);
		free(txt);
		break;
	}
	}
}

static json_t *
column_value(sqlite3_stmt *st, int i, const struct field *f)
{
	const char *txt;
	json_t *v;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	switch (f->type) {
	case FT_STRING:
	case FT_TIME:
		return json_string((const char *)sqlite3_column_text(st, i));
	case FT_BOOL:
		return json_boolean(sqlite3_column_int(st, i));
	case FT_INT:
		return json_integer(sqlite3_column_int64(st, i));
	case FT_OBJECT:
	case FT_LIST:
		txt = (const char *)sqlite3_column_text(st, i);
		v = json_loads(txt, JSON_DECODE_ANY, NULL);
		if (v != NULL)
			store_unseal_in_place(f, v);
		return v ? v : json_null();
	}
	return json_null();
}

static json_t *
row_to_json(sqlite3_stmt *st, const struct resource *r)
{
	json_t *o = json_object();

	/* column 0 is the internal id */
	for (size_t i = 0; i < r->nfields; i++)
		json_object_set_new(o, r->fields[i].name,
		    column_value(st, (int)i + 1, &r->fields[i]));
	return o;
}

static int
dup_field(struct store *s, const struct resource *r, char *err, size_t len)
{
	const char *msg = sqlite3_errmsg(s->db);
	const char *dot;

	/* "UNIQUE constraint failed: nodes.name" */
	if (strstr(msg, "UNIQUE") == NULL)
		return 0;
	dot = strrchr(msg, '.');
	snprintf(err, len, "%s", dot ? dot + 1 : r->kind);
	return 1;
}

static int
create_row(struct store *s, const struct resource *r, json_t *obj, char *err,
    size_t len)
{
	char sql[4096] = "";
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "INSERT INTO %s (", r->plural);
	for (size_t i = 0; i < r->nfields; i++) {
		sqlgen_append(sql, sizeof(sql), i ? "," : "");
		sqlgen_append(sql, sizeof(sql), r->fields[i].name);
	}
	sqlgen_append(sql, sizeof(sql), ") VALUES (");
	for (size_t i = 0; i < r->nfields; i++)
		sqlgen_append(sql, sizeof(sql), i ? ",?" : "?");
	sqlgen_append(sql, sizeof(sql), ")");
	if ((st = prep(s, sql)) == NULL) {
		snprintf(err, len, "database error");
		return STORE_ERR;
	}
	for (size_t i = 0; i < r->nfields; i++)
		bind_value(st, (int)i + 1, &r->fields[i],
		    json_object_get(obj, r->fields[i].name));
	rc = wstep(s, st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_OK;
	if (rc == SQLITE_CONSTRAINT && dup_field(s, r, err, len))
		return STORE_DUP;
	snprintf(err, len, "database error: %s", sqlite3_errmsg(s->db));
	return STORE_ERR;
}

/* "SELECT id, <every field> FROM <table> WHERE <field> = ?": one row. */
static void
select_by(const struct resource *r, const char *field, char *sql, size_t len)
{
	snprintf(sql, len, "SELECT ");
	sqlgen_columns(r, sql, len);
	sqlgen_append(sql, len, " FROM ");
	sqlgen_append(sql, len, r->plural);
	sqlgen_append(sql, len, " WHERE ");
	sqlgen_append(sql, len, field);
	sqlgen_append(sql, len, " = ?");
}

static json_t *
get_row(struct store *s, const struct resource *r, const char *field,
    const char *value)
{
	char sql[2048];
	sqlite3_stmt *st;
	json_t *o = NULL;

	if (model_field(r, field) == NULL || value == NULL)
		return NULL;
	select_by(r, field, sql, sizeof(sql));
	if ((st = prep(s, sql)) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	if (wstep(s, st) == SQLITE_ROW)
		o = row_to_json(st, r);
	sqlite3_reset(st);
	return o;
}

/* The marker's row id and, sorting by sk, its value of that field. */
static int
find_marker(struct store *s, const struct resource *r, const char *marker,
    const struct field *sk, sqlite3_int64 *marker_id, json_t **marker_val,
    char *err, size_t len)
{
	json_t *m = get_row(s, r, "uuid", marker);
	sqlite3_stmt *st;
	char idsql[256];

	if (m == NULL) {
		snprintf(err, len, "Marker %s could not be found.", marker);
		return -1;
	}
	snprintf(idsql, sizeof(idsql), "SELECT id FROM %s WHERE uuid = ?", r->plural);
	if ((st = prep(s, idsql)) != NULL) {
		sqlite3_bind_text(st, 1, marker, -1, SQLITE_TRANSIENT);
		if (wstep(s, st) == SQLITE_ROW)
			*marker_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if (sk != NULL)
		*marker_val = json_incref(json_object_get(m, sk->name));
	json_decref(m);
	return 0;
}

static const struct sql_dialect sqlite_dialect = {
	.contains = "instr", .is = "IS", .null_param = "? IS NULL",
	.nulls_asc = "", .nulls_desc = "",
};

/* Builds WHERE (filters and marker) and ORDER BY; binds afterwards. */
static int
build_query(struct store *s, const struct resource *r, const struct store_query *q,
    char *sql, size_t sqllen, sqlite3_int64 *marker_id, json_t **marker_val,
    char *err, size_t len)
{
	const struct field *sk;

	*marker_id = -1;
	*marker_val = NULL;
	if (sqlgen_sort_field(r, q, &sk, err, len) != 0)
		return -1;
	if (q->marker != NULL && find_marker(s, r, q->marker, sk, marker_id,
	    marker_val, err, len) != 0)
		return -1;
	if (sqlgen_after_id(q, sk, marker_id, err, len) != 0)
		return -1;
	if (sqlgen_where(&sqlite_dialect, r, q, sk, *marker_id >= 0, sql, sqllen,
	    err, len) != 0) {
		json_decref(*marker_val);
		return -1;
	}
	return 0;
}

static void
bind_cb_value(void *ctx, int i, const struct field *f, json_t *v)
{
	bind_value(ctx, i, f, v);
}

static void
bind_cb_id(void *ctx, int i, long long id)
{
	sqlite3_bind_int64(ctx, i, id);
}

static int
bind_query(sqlite3_stmt *st, const struct resource *r, const struct store_query *q,
    sqlite3_int64 marker_id, json_t *marker_val)
{
	struct sql_binder b = { bind_cb_value, bind_cb_id, st };
	const struct field *sk = NULL;
	char err[8];

	(void)sqlgen_sort_field(r, q, &sk, err, sizeof(err));
	return sqlgen_bind(r, q, sk, marker_id, marker_val, &b);
}

static json_t *
list_rows(struct store *s, const struct resource *r, const struct store_query *q,
    char *err, size_t len)
{
	char sql[4096] = "SELECT ";
	sqlite3_int64 marker_id;
	json_t *marker_val, *out;
	sqlite3_stmt *st;
	int b, rc;

	sqlgen_columns(r, sql, sizeof(sql));
	sqlgen_append(sql, sizeof(sql), " FROM ");
	sqlgen_append(sql, sizeof(sql), r->plural);
	if (build_query(s, r, q, sql, sizeof(sql), &marker_id, &marker_val, err, len) != 0)
		return NULL;
	if (q->limit > 0)
		sqlgen_append(sql, sizeof(sql), " LIMIT ?");
	if ((st = prep(s, sql)) == NULL) {
		json_decref(marker_val);
		snprintf(err, len, "database error");
		return NULL;
	}
	b = bind_query(st, r, q, marker_id, marker_val);
	json_decref(marker_val);
	if (q->limit > 0)
		sqlite3_bind_int64(st, b, q->limit);
	out = json_array();
	while ((rc = wstep(s, st)) == SQLITE_ROW) {
		json_array_append_new(out, row_to_json(st, r));
		if (q->last_id != NULL)
			*q->last_id = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, len, "database error: %s", sqlite3_errmsg(s->db));
		json_decref(out);
		return NULL;
	}
	return out;
}

static long
scan_rows(struct store *s, const struct resource *r, const struct store_query *q,
    int (*cb)(void *, const struct store_val *), void *ctx, char *err, size_t len)
{
	char sql[4096] = "SELECT ";
	struct store_val vals[128];
	sqlite3_int64 marker_id;
	json_t *marker_val;
	sqlite3_stmt *st;
	long n = 0;
	int b, rc;

	if (r->nfields > 128) {
		snprintf(err, len, "too many fields");
		return -1;
	}
	sqlgen_columns(r, sql, sizeof(sql));
	sqlgen_append(sql, sizeof(sql), " FROM ");
	sqlgen_append(sql, sizeof(sql), r->plural);
	if (build_query(s, r, q, sql, sizeof(sql), &marker_id, &marker_val, err, len) != 0)
		return -1;
	if (q->limit > 0)
		sqlgen_append(sql, sizeof(sql), " LIMIT ?");
	if ((st = prep(s, sql)) == NULL) {
		json_decref(marker_val);
		snprintf(err, len, "database error");
		return -1;
	}
	b = bind_query(st, r, q, marker_id, marker_val);
	json_decref(marker_val);
	if (q->limit > 0)
		sqlite3_bind_int64(st, b, q->limit);
	while ((rc = wstep(s, st)) == SQLITE_ROW) {
		for (size_t i = 0; i < r->nfields; i++) {
			int c = (int)i + 1;
			vals[i].null = sqlite3_column_type(st, c) == SQLITE_NULL;
			vals[i].num = sqlite3_column_int64(st, c);
			vals[i].text = (const char *)sqlite3_column_text(st, c);
		}
		n++;
		if (q->last_id != NULL)
			*q->last_id = sqlite3_column_int64(st, 0);
		if (cb(ctx, vals) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, len, "database error: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return n;
}

static long
sq_count(struct store *s, const struct resource *r, const struct store_query *q)
{
	char sql[2048], err[128];
	struct store_query cq = *q;
	sqlite3_int64 mid;
	json_t *mval;
	sqlite3_stmt *st;
	long n = -1;

	cq.marker = NULL;
	cq.sort_key = NULL;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", r->plural);
	if (build_query(s, r, &cq, sql, sizeof(sql), &mid, &mval, err, sizeof(err)) != 0)
		return -1;
	if ((st = prep(s, sql)) == NULL)
		return -1;
	bind_query(st, r, &cq, -1, NULL);
	if (wstep(s, st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static json_t *
sq_count_by(struct store *s, const struct resource *r, const char *field)
{
	const struct field *f = model_field(r, field);
	json_t *out = json_object();
	char sql[256], key[64];
	sqlite3_stmt *st;

	if (f == NULL || (f->type != FT_STRING && f->type != FT_BOOL))
		return out;
	snprintf(sql, sizeof(sql), "SELECT %s, count(*) FROM %s GROUP BY 1 ORDER BY 1", f->name,
	    r->plural);
	if ((st = prep(s, sql)) == NULL)
		return out;
	while (wstep(s, st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		snprintf(key, sizeof(key), "%s", v != NULL ? v : "None");
		json_object_set_new(out, key, json_integer(sqlite3_column_int64(st, 1)));
	}
	sqlite3_reset(st);
	return out;
}

/* Columns an update writes: not the key, and not the node's lock and owner
 * (reservation: the lock statements; conductor: store_node_set_conductor),
 * so a task saving its copy never undoes a takeover. */
static bool
updated_column(const struct resource *r, const char *name)
{
	return strcmp(name, "uuid") != 0 && strcmp(name, "reservation") != 0 &&
	    (r != &model_node || strcmp(name, "conductor") != 0);
}

/* Whether column i of the row in st already holds the scalar v as
 * bind_value would bind it.  Objects and lists are never "the same": they
 * are not indexed, and a sealed secret is sealed anew on every write. */
static bool
same_scalar(sqlite3_stmt *st, int i, const struct field *f, json_t *v)
{
	bool v_null = v == NULL || json_is_null(v) ||
	    ((f->type == FT_STRING || f->type == FT_TIME) && !json_is_string(v));
	int ct = sqlite3_column_type(st, i);

	if (ct == SQLITE_NULL || v_null)
		return ct == SQLITE_NULL && v_null;
	switch (f->type) {
	case FT_STRING:
	case FT_TIME:
		return ct == SQLITE_TEXT && strcmp((const char *)sqlite3_column_text(st, i),
		    json_string_value(v)) == 0;
	case FT_BOOL:
		return ct == SQLITE_INTEGER && sqlite3_column_int(st, i) == json_is_true(v);
	case FT_INT:
		return ct == SQLITE_INTEGER && sqlite3_column_int64(st, i) == json_integer_value(v);
	case FT_OBJECT:
	case FT_LIST:
		break;
	}
	return false;
}

/*
 * Writes the columns of obj that differ from the stored row.  A column left
 * out of the SET list is one SQLite does not touch: setting every column
 * rewrote every index entry of the row on every save (17 pages to the WAL
 * per node save with the nodes table's 16 indexes, against 1 or 2 when only
 * unindexed columns change), and the WAL and its checkpoints were most of a
 * fake lifecycle's cost.  The row is read and written in one writer's turn
 * (wstep), so no other writer of this process changes it in between and the
 * result is the same as writing every column.
 */
static int
update_row(struct store *s, const struct resource *r, json_t *obj, char *err,
    size_t len)
{
	char sql[4096];
	bool set[128];
	sqlite3_stmt *st;
	int b = 1, rc, n = 0;
	json_t *uuid = json_object_get(obj, "uuid");

	if (r->nfields > sizeof(set) / sizeof(set[0]) || !json_is_string(uuid)) {
		snprintf(err, len, "database error");
		return STORE_ERR;
	}
	select_by(r, "uuid", sql, sizeof(sql));
	if ((st = prep(s, sql)) == NULL) {
		snprintf(err, len, "database error");
		return STORE_ERR;
	}
	if (!wr_take(s)) {
		snprintf(err, len, "database error: the database is busy");
		return STORE_ERR;
	}
	sqlite3_bind_text(st, 1, json_string_value(uuid), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		wr_done(s);
		if (rc == SQLITE_DONE)
			return STORE_NOTFOUND;
		snprintf(err, len, "database error: %s", sqlite3_errmsg(s->db));
		return STORE_ERR;
	}
	/* column 0 is the internal id (sqlgen_columns) */
	for (size_t i = 0; i < r->nfields; i++) {
		set[i] = updated_column(r, r->fields[i].name) &&
		    !same_scalar(st, (int)i + 1, &r->fields[i],
		    json_object_get(obj, r->fields[i].name));
		n += set[i];
	}
	sqlite3_reset(st);
	if (n == 0) {
		wr_done(s);
		return STORE_OK;	/* nothing to write */
	}
	snprintf(sql, sizeof(sql), "UPDATE %s SET ", r->plural);
	n = 0;
	for (size_t i = 0; i < r->nfields; i++) {
		if (!set[i])
			continue;
		sqlgen_append(sql, sizeof(sql), n++ ? "," : "");
		sqlgen_append(sql, sizeof(sql), r->fields[i].name);
		sqlgen_append(sql, sizeof(sql), "=?");
	}
	sqlgen_append(sql, sizeof(sql), " WHERE uuid = ?");
	if ((st = prep(s, sql)) == NULL) {
		wr_done(s);
		snprintf(err, len, "database error");
		return STORE_ERR;
	}
	for (size_t i = 0; i < r->nfields; i++) {
		if (set[i])
			bind_value(st, b++, &r->fields[i], json_object_get(obj, r->fields[i].name));
	}
	bind_value(st, b, model_field(r, "uuid"), uuid);
	rc = wstep(s, st);	/* ends the turn taken above */
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return sqlite3_changes(s->db) == 1 ? STORE_OK : STORE_NOTFOUND;
	if (rc == SQLITE_CONSTRAINT && dup_field(s, r, err, len))
		return STORE_DUP;
	snprintf(err, len, "database error: %s", sqlite3_errmsg(s->db));
	return STORE_ERR;
}

static int
exec_bind1(struct store *s, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st = prep(s, sql);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	rc = wstep(s, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_error("store: [%s] failed: %s", sql, sqlite3_errmsg(s->db));
		return STORE_ERR;
	}
	return sqlite3_changes(s->db);
}

static int
sq_delete(struct store *s, const struct resource *r, const char *uuid)
{
	char sql[256];
	int n;

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE uuid = ?", r->plural);
	n = exec_bind1(s, sql, uuid, NULL);
	return n < 0 ? STORE_ERR : n == 0 ? STORE_NOTFOUND : STORE_OK;
}

static int
sq_delete_node(struct store *s, const char *uuid)
{
	static const char *const sqls[] = {
		"DELETE FROM vifs WHERE node_uuid = ?",
		"DELETE FROM volume_connectors WHERE node_uuid = ?",
		"DELETE FROM volume_targets WHERE node_uuid = ?",
		"DELETE FROM ports WHERE node_uuid = ?",
		"DELETE FROM portgroups WHERE node_uuid = ?",
		"DELETE FROM node_history WHERE node_uuid = ?",
		"DELETE FROM node_inventories WHERE uuid = ?",
	};
	int n;

	if (sq_begin(s) != 0)
		return STORE_ERR;
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		if (exec_bind1(s, sqls[i], uuid, NULL) < 0) {
			sq_rollback(s);
			return STORE_ERR;
		}
	}
	n = exec_bind1(s, "DELETE FROM nodes WHERE uuid = ?", uuid, NULL);
	if (n <= 0) {
		sq_rollback(s);
		return n == 0 ? STORE_NOTFOUND : STORE_ERR;
	}
	return sq_commit(s) == 0 ? STORE_OK : STORE_ERR;
}

static int
sq_node_reserve(struct store *s, const char *uuid, const char *holder)
{
	int n = exec_bind1(s, "UPDATE nodes SET reservation = ?2 WHERE uuid = ?1 "
	    "AND reservation IS NULL", uuid, holder);
	json_t *node;

	if (n < 0)
		return STORE_ERR;
	if (n == 1)
		return STORE_OK;
	if ((node = get_row(s, &model_node, "uuid", uuid)) == NULL)
		return STORE_NOTFOUND;
	json_decref(node);
	return STORE_LOCKED;
}

static int
sq_node_release(struct store *s, const char *uuid, const char *holder)
{
	int n = exec_bind1(s, "UPDATE nodes SET reservation = NULL WHERE uuid = ?1 "
	    "AND reservation = ?2", uuid, holder);

	return n == 1 ? STORE_OK : n == 0 ? STORE_NOTFOUND : STORE_ERR;
}

static int
sq_release_all(struct store *s, const char *holder)
{
	int n = exec_bind1(s, "UPDATE nodes SET reservation = NULL WHERE "
	    "reservation = ?", holder, NULL);

	return n < 0 ? STORE_ERR : n;
}

static int
sq_history_add(struct store *s, const char *node_uuid, const char *severity,
    const char *event_type, const char *event, const char *conductor,
    const char *user)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO node_history (uuid, node_uuid, "
	    "severity, event_type, event, conductor, user_id, created_at) "
	    "VALUES (?,?,?,?,?,?,?,?)");
	char uuid[UUID_STR_LEN], now[40];
	int rc;

	if (st == NULL)
		return STORE_ERR;
	util_uuid_new(uuid);
	util_now_iso(now);
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, node_uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, severity, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, event_type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, event, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, conductor, -1, SQLITE_TRANSIENT);
	if (user != NULL)
		sqlite3_bind_text(st, 7, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
	rc = wstep(s, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : STORE_ERR;
}

static json_t *
text_or_null(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? json_string((const char *)t) : json_null();
}

static json_t *
sq_history_list(struct store *s, const char *node_uuid)
{
	sqlite3_stmt *st = prep(s, "SELECT uuid, created_at, severity, event_type, "
	    "event, conductor, user_id FROM node_history WHERE node_uuid = ? "
	    "ORDER BY id");
	static const char *const keys[] = { "uuid", "created_at", "severity",
	    "event_type", "event", "conductor", "user" };
	json_t *out;

	if (st == NULL)
		return NULL;
	out = json_array();
	sqlite3_bind_text(st, 1, node_uuid, -1, SQLITE_TRANSIENT);
	while (wstep(s, st) == SQLITE_ROW) {
		json_t *e = json_object();
		for (int i = 0; i < 7; i++)
			json_object_set_new(e, keys[i], text_or_null(st, i));
		json_array_append_new(out, e);
	}
	sqlite3_reset(st);
	return out;
}

static int
sq_conductor_register(struct store *s, const char *hostname, const char *group,
    json_t *drivers)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO conductors (hostname, "
	    "conductor_group, drivers, online, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, 1, ?4, ?4) ON CONFLICT(hostname) DO UPDATE SET "
	    "conductor_group = ?2, drivers = ?3, online = 1, updated_at = ?4");
	char now[40], *d;
	int rc;

	if (st == NULL)
		return STORE_ERR;
	util_now_iso(now);
	d = json_dumps(drivers, JSON_COMPACT);
	sqlite3_bind_text(st, 1, hostname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, group ? group : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, d ? d : "[]", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
	free(d);
	rc = wstep(s, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : STORE_ERR;
}

static int
sq_conductor_heartbeat(struct store *s, const char *hostname)
{
	char now[40];

	util_now_iso(now);
	return exec_bind1(s, "UPDATE conductors SET updated_at = ?2, online = 1 "
	    "WHERE hostname = ?1", hostname, now) < 0 ? STORE_ERR : STORE_OK;
}

static int
sq_conductor_offline(struct store *s, const char *hostname)
{
	return exec_bind1(s, "UPDATE conductors SET online = 0 WHERE hostname = ?",
	    hostname, NULL) < 0 ? STORE_ERR : STORE_OK;
}

static int
sq_conductor_set_url(struct store *s, const char *hostname, const char *url)
{
	return exec_bind1(s, "UPDATE conductors SET api_url = ?2 WHERE hostname = ?1",
	    hostname, url) < 0 ? STORE_ERR : STORE_OK;
}

static int
sq_conductor_set_role(struct store *s, const char *hostname, const char *role)
{
	return exec_bind1(s, "UPDATE conductors SET role = ?2 WHERE hostname = ?1",
	    hostname, role) < 0 ? STORE_ERR : STORE_OK;
}

static int
sq_conductor_set_dhcp(struct store *s, const char *hostname, bool dhcp)
{
	return exec_bind1(s, dhcp ? "UPDATE conductors SET dhcp = 1 WHERE hostname = ?1" :
	    "UPDATE conductors SET dhcp = 0 WHERE hostname = ?1", hostname, NULL) < 0 ?
	    STORE_ERR : STORE_OK;
}

static int
sq_node_set_conductor(struct store *s, const char *uuid, const char *old,
    const char *owner)
{
	sqlite3_stmt *st = prep(s, "UPDATE nodes SET conductor = ?3 WHERE uuid = ?1 "
	    "AND conductor IS ?2");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
	if (old != NULL)
		sqlite3_bind_text(st, 2, old, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, owner, -1, SQLITE_TRANSIENT);
	rc = wstep(s, st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return STORE_ERR;
	return sqlite3_changes(s->db) == 1 ? STORE_OK : STORE_NOTFOUND;
}

static json_t *
sq_conductor_list(struct store *s)
{
	sqlite3_stmt *st = prep(s, "SELECT hostname, conductor_group, drivers, "
	    "online, created_at, updated_at, api_url, role, dhcp FROM conductors ORDER BY id");
	json_t *out;

	if (st == NULL)
		return NULL;
	out = json_array();
	while (wstep(s, st) == SQLITE_ROW) {
		json_t *c = json_object();
		json_t *d = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
		json_object_set_new(c, "hostname", text_or_null(st, 0));
		json_object_set_new(c, "conductor_group", text_or_null(st, 1));
		json_object_set_new(c, "drivers", d ? d : json_array());
		json_object_set_new(c, "alive", json_boolean(sqlite3_column_int(st, 3)));
		json_object_set_new(c, "created_at", text_or_null(st, 4));
		json_object_set_new(c, "updated_at", text_or_null(st, 5));
		json_object_set_new(c, "api_url", text_or_null(st, 6));
		json_object_set_new(c, "role", text_or_null(st, 7));
		json_object_set_new(c, "dhcp", json_boolean(sqlite3_column_int(st, 8)));
		json_array_append_new(out, c);
	}
	sqlite3_reset(st);
	return out;
}

const struct store_engine store_engine_sqlite = {
	.name = "sqlite",
	.init = sq_init, .shutdown = sq_shutdown,
	.thread = sq_thread, .thread_release = sq_thread_release,
	.schema_version = sq_schema_version,
	.begin = sq_begin, .commit = sq_commit, .rollback = sq_rollback,
	.create = create_row, .get = get_row, .list = list_rows, .scan = scan_rows,
	.count = sq_count, .count_by = sq_count_by, .update = update_row,
	.del = sq_delete, .delete_node = sq_delete_node,
	.reserve = sq_node_reserve, .release = sq_node_release,
	.release_all = sq_release_all,
	.history_add = sq_history_add, .history_list = sq_history_list,
	.cond_register = sq_conductor_register, .cond_heartbeat = sq_conductor_heartbeat,
	.cond_offline = sq_conductor_offline, .cond_list = sq_conductor_list,
	.cond_set_url = sq_conductor_set_url, .cond_set_role = sq_conductor_set_role,
	.cond_set_dhcp = sq_conductor_set_dhcp,
	.node_set_conductor = sq_node_set_conductor,
};
