/*
 * PostgreSQL backend of store.h (libpq): one connection per thread,
 * prepared statements cached per connection, the same SQL as SQLite's
 * where it can be (sqlgen.c; ? placeholders numbered here) and the same
 * answers: booleans and integers are BIGINT columns, JSON is text, text
 * sorts in byte order (COLLATE "C"), NULLs sort first ascending.
 *
 * Guarantees as on SQLite: a statement outside a transaction commits on
 * its own (synchronous_commit: acknowledged means durable); store_begin
 * takes a transaction-wide advisory lock, so explicit transactions run
 * one at a time as SQLite's BEGIN IMMEDIATE do; the node lock is one
 * UPDATE ... WHERE reservation IS NULL.  A statement outside a
 * transaction that hits a serialization failure or a deadlock (40001,
 * 40P01) is retried; one that finds the connection broken reconnects
 * once (a failover).  TLS is libpq's: sslmode and friends in the URL.
 */
#include <pthread.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "migrations.h"
#include "store_int.h"
#include "util.h"

#define STMT_CACHE 96
#define MAX_PARAMS 160
#define RETRIES 10
/* Advisory lock keys: migrations, and explicit transactions. */
#define LOCK_MIGRATE 0x696e676f74L
#define LOCK_TX 0x696e676f75L

struct stmt_entry {
	char	*sql;
	char	 name[16];
};

struct store {
	PGconn			*c;
	struct stmt_entry	 cache[STMT_CACHE];
	int			 ncache;
	int			 next_evict;
	unsigned		 seq;
	bool			 in_tx;
	struct store		*next;		/* all connections, for shutdown */
};

/* Parameters of one statement, as text (NULL: SQL NULL). */
struct params {
	char	*v[MAX_PARAMS];
	int	 n;
};

static char *db_url;
static pthread_mutex_t conns_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct store *conns;
static _Thread_local struct store *tl_store;

static const struct sql_dialect pg_dialect = {
	.contains = "strpos", .is = "IS NOT DISTINCT FROM",
	.null_param = "?::text IS NULL",
	.nulls_asc = " NULLS FIRST", .nulls_desc = " NULLS LAST",
};

static void
params_free(struct params *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->v[i]);
	p->n = 0;
}

/* Parameter i (1-based) set to a copy of text (NULL: SQL NULL). */
static void
param_set(struct params *p, int i, const char *text)
{
	if (i < 1 || i > MAX_PARAMS)
		return;
	while (p->n < i)
		p->v[p->n++] = NULL;
	free(p->v[i - 1]);
	p->v[i - 1] = text ? util_strdup(text) : NULL;
}

static void
notice_quiet(void *arg, const char *msg)
{
	(void)arg;
	log_debug("store: postgresql: %s", msg);
}

static int
open_conn(const char *url, struct store **out, char *err, size_t len)
{
	struct store *s = util_calloc(1, sizeof(*s));
	char red[1024];

	s->c = PQconnectdb(url);
	if (s->c == NULL || PQstatus(s->c) != CONNECTION_OK) {
		store_redact(url, red, sizeof(red));
		snprintf(err, len, "cannot connect to database %s: %s", red,
		    s->c ? PQerrorMessage(s->c) : "out of memory");
		if (len > 0 && strlen(err) > 0 && err[strlen(err) - 1] == '\n')
			err[strlen(err) - 1] = '\0';
		PQfinish(s->c);
		free(s);
		return -1;
	}
	PQsetNoticeProcessor(s->c, notice_quiet, NULL);
	*out = s;
	return 0;
}

static void
forget_statements(struct store *s)
{
	for (int i = 0; i < s->ncache; i++)
		free(s->cache[i].sql);
	s->ncache = 0;
	s->next_evict = 0;
}

static void
close_conn(struct store *s)
{
	forget_statements(s);
	PQfinish(s->c);
	free(s);
}

/* sql with its ? placeholders numbered $1, $2, ... (not inside quotes). */
static char *
dollars(const char *sql)
{
	char *out = util_calloc(1, strlen(sql) * 4 + 1), *o = out;
	bool quoted = false;
	int n = 0;

	for (const char *p = sql; *p != '\0'; p++) {
		if (*p == '\'')
			quoted = !quoted;
		if (*p == '?' && !quoted)
			o += sprintf(o, "$%d", ++n);
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* The name of sql's prepared statement on s (prepared on first use). */
static const char *
prep(struct store *s, const char *sql)
{
	char name[16], *pg;
	PGresult *res;
	int slot;

	for (int i = 0; i < s->ncache; i++)
		if (strcmp(s->cache[i].sql, sql) == 0)
			return s->cache[i].name;
	snprintf(name, sizeof(name), "s%u", s->seq++);
	pg = dollars(sql);
	res = PQprepare(s->c, name, pg, 0, NULL);
	free(pg);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("store: cannot prepare [%s]: %s", sql, PQerrorMessage(s->c));
		PQclear(res);
		return NULL;
	}
	PQclear(res);
	if (s->ncache < STMT_CACHE) {
		slot = s->ncache++;
	} else {
		char dealloc[40];
		slot = s->next_evict;
		s->next_evict = (s->next_evict + 1) % STMT_CACHE;
		snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", s->cache[slot].name);
		PQclear(PQexec(s->c, dealloc));
		free(s->cache[slot].sql);
	}
	s->cache[slot].sql = util_strdup(sql);
	snprintf(s->cache[slot].name, sizeof(s->cache[slot].name), "%s", name);
	return s->cache[slot].name;
}

static bool
res_ok(const PGresult *res)
{
	ExecStatusType t = PQresultStatus(res);

	return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

static const char *
sqlstate(const PGresult *res)
{
	const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return st ? st : "";
}

/* Whether a failed statement outside a transaction may be run again. */
static bool
retryable(struct store *s, const PGresult *res, int attempt)
{
	struct timespec ts = { 0, 1000000L << (attempt < 6 ? attempt : 6) };

	if (s->in_tx || attempt >= RETRIES)
		return false;
	if (PQstatus(s->c) == CONNECTION_BAD) {
		if (attempt > 0)
			return false;
		log_warn("store: the database connection was lost; reconnecting");
		PQreset(s->c);
		forget_statements(s);
		return PQstatus(s->c) == CONNECTION_OK;
	}
	if (strcmp(sqlstate(res), "40001") != 0 && strcmp(sqlstate(res), "40P01") != 0)
		return false;
	nanosleep(&ts, NULL);
	return true;
}

/* Runs sql with p's parameters; NULL result on failure to prepare. */
static PGresult *
run(struct store *s, const char *sql, const struct params *p)
{
	PGresult *res = NULL;
	const char *name;

	for (int attempt = 0;; attempt++) {
		PQclear(res);
		res = NULL;
		if ((name = prep(s, sql)) != NULL)
			res = PQexecPrepared(s->c, name, p ? p->n : 0,
			    p ? (const char *const *)p->v : NULL, NULL, NULL, 0);
		if (res != NULL && res_ok(res))
			return res;
		if (!retryable(s, res, attempt))
			return res;
	}
}

/* Runs a statement without parameters; 0 when it succeeded. */
static int
exec_simple(struct store *s, const char *sql)
{
	PGresult *res = PQexec(s->c, sql);
	int rc = res_ok(res) ? 0 : -1;

	if (rc != 0)
		log_error("store: [%s] failed: %s", sql, PQerrorMessage(s->c));
	PQclear(res);
	return rc;
}

static int
pg_begin(struct store *s)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%ld)", LOCK_TX);
	if (exec_simple(s, sql) != 0) {
		PQclear(PQexec(s->c, "ROLLBACK"));
		return -1;
	}
	s->in_tx = true;
	return 0;
}

static int
pg_commit(struct store *s)
{
	PGresult *res = PQexec(s->c, "COMMIT");
	/* COMMIT of a failed transaction answers ROLLBACK, without error. */
	int rc = res_ok(res) && strcmp(PQcmdStatus(res), "COMMIT") == 0 ? 0 : -1;

	PQclear(res);
	s->in_tx = false;
	return rc;
}

static void
pg_rollback(struct store *s)
{
	PQclear(PQexec(s->c, "ROLLBACK"));
	s->in_tx = false;
}

static int
pg_schema_version(struct store *s)
{
	PGresult *res = PQexec(s->c, "SELECT to_regclass('ingot_schema') IS NULL");
	int v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		v = 0;
	PQclear(res);
	if (v == 0)
		return 0;
	res = PQexec(s->c, "SELECT version FROM ingot_schema");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/* Migration v in one transaction, translated, with the version row. */
static int
apply_migration(struct store *s, int v, char *err, size_t len)
{
	char *sql = store_pg_translate(store_migrations[v - 1]), upd[80];
	int rc = -1;

	snprintf(upd, sizeof(upd), "UPDATE ingot_schema SET version = %d", v);
	if (exec_simple(s, "BEGIN") == 0 && exec_simple(s, sql) == 0 &&
	    exec_simple(s, upd) == 0 && exec_simple(s, "COMMIT") == 0)
		rc = 0;
	else
		snprintf(err, len, "migration %d failed: %s", v, PQerrorMessage(s->c));
	if (rc != 0)
		PQclear(PQexec(s->c, "ROLLBACK"));
	free(sql);
	return rc;
}

/* Under a session advisory lock: several ingotd may start at once. */
static int
migrate_locked(struct store *s, int target, char *err, size_t len)
{
	int cur;

	if (exec_simple(s, "CREATE TABLE IF NOT EXISTS ingot_schema "
	    "(version BIGINT NOT NULL)") != 0 ||
	    exec_simple(s, "INSERT INTO ingot_schema SELECT 0 WHERE NOT EXISTS "
	    "(SELECT 1 FROM ingot_schema)") != 0 || (cur = pg_schema_version(s)) < 0) {
		snprintf(err, len, "cannot read schema version: %s", PQerrorMessage(s->c));
		return -1;
	}
	if (cur > store_nmigrations) {
		snprintf(err, len, "database schema version %d is newer than this "
		    "ingotd (%d)", cur, store_nmigrations);
		return -1;
	}
	for (int v = cur + 1; v <= target; v++) {
		if (apply_migration(s, v, err, len) != 0)
			return -1;
		log_info("store: applied migration %d", v);
	}
	return 0;
}

static int
migrate(struct store *s, int max_version, char *err, size_t len)
{
	int target = store_nmigrations, rc;
	char sql[80];

	if (max_version > 0 && max_version < target)
		target = max_version;
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%ld)", LOCK_MIGRATE);
	if (exec_simple(s, sql) != 0) {
		snprintf(err, len, "cannot lock the schema: %s", PQerrorMessage(s->c));
		return -1;
	}
	rc = migrate_locked(s, target, err, len);
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%ld)", LOCK_MIGRATE);
	exec_simple(s, sql);
	return rc;
}

static void
add_conn(struct store *s)
{
	pthread_mutex_lock(&conns_mtx);
	s->next = conns;
	conns = s;
	pthread_mutex_unlock(&conns_mtx);
	tl_store = s;
}

static int
pg_init(const char *url, int max_version, char *err, size_t len)
{
	struct store *s;

	free(db_url);
	db_url = util_strdup(url);
	if (open_conn(url, &s, err, len) != 0)
		return -1;
	if (migrate(s, max_version, err, len) != 0) {
		close_conn(s);
		return -1;
	}
	/* A write probe: refuses a read-only database or standby at start. */
	if (exec_simple(s, "BEGIN; UPDATE ingot_schema SET version = version; COMMIT") != 0) {
		snprintf(err, len, "database is not writable: %s", PQerrorMessage(s->c));
		close_conn(s);
		return -1;
	}
	add_conn(s);
	return 0;
}

static struct store *
pg_thread(void)
{
	char err[1200];
	struct store *s;

	if (tl_store != NULL)
		return tl_store;
	if (open_conn(db_url, &s, err, sizeof(err)) != 0)
		fatalx("store: %s", err);
	add_conn(s);
	return s;
}

static void
pg_thread_release(void)
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
pg_shutdown(void)
{
	pthread_mutex_lock(&conns_mtx);
	while (conns != NULL) {
		struct store *n = conns->next;
		close_conn(conns);
		conns = n;
	}
	pthread_mutex_unlock(&conns_mtx);
	tl_store = NULL;
	free(db_url);
	db_url = NULL;
}

/* --- values --------------------------------------------------------------- */

/* A JSON value as parameter i, according to the field type. */
static void
bind_value(struct params *p, int i, const struct field *f, json_t *v)
{
	char num[32], *txt;
	json_t *sv;

	if (v == NULL || json_is_null(v)) {
		param_set(p, i, NULL);
		return;
	}
	switch (f->type) {
	case FT_STRING:
	case FT_TIME:
		param_set(p, i, json_is_string(v) ? json_string_value(v) : NULL);
		break;
	case FT_BOOL:
		param_set(p, i, json_is_true(v) ? "1" : "0");
		break;
	case FT_INT:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		param_set(p, i, num);
		break;
	case FT_OBJECT:
	case FT_LIST:
		sv = store_sealed_copy(f, v);
		txt = json_dumps(sv, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		json_decref(sv);
		param_set(p, i, txt ? txt : "null");
		free(txt);
		break;
	}
}

static json_t *
column_value(const PGresult *res, int row, int col, const struct field *f)
{
	const char *txt = PQgetvalue(res, row, col);
	json_t *v;

	if (PQgetisnull(res, row, col))
		return json_null();
	switch (f->type) {
	case FT_STRING:
	case FT_TIME:
		return json_string(txt);
	case FT_BOOL:
		return json_boolean(strtoll(txt, NULL, 10) != 0);
	case FT_INT:
		return json_integer(strtoll(txt, NULL, 10));
	case FT_OBJECT:
	case FT_LIST:
		v = json_loads(txt, JSON_DECODE_ANY, NULL);
		if (v != NULL)
			store_unseal_in_place(f, v);
		return v ? v : json_null();
	}
	return json_null();
}

static json_t *
row_to_json(const PGresult *res, int row, const struct resource *r)
{
	json_t *o = json_object();

	/* column 0 is the internal id */
	for (size_t i = 0; i < r->nfields; i++)
		json_object_set_new(o, r->fields[i].name,
		    column_value(res, row, (int)i + 1, &r->fields[i]));
	return o;
}

/*
 * A unique violation's field: the last column of its key, as SQLite
 * names it ("Key (node_uuid, network_uuid)=(...) already exists.").
 */
static int
dup_field(const PGresult *res, const struct resource *r, char *err, size_t len)
{
	const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL), *k, *e, *c;

	if (strcmp(sqlstate(res), "23505") != 0)
		return 0;
	if (d == NULL || (k = strstr(d, "Key (")) == NULL ||
	    (e = strstr(k, ")=")) == NULL) {
		snprintf(err, len, "%s", r->kind);
		return 1;
	}
	k += 5;
	for (c = k; c < e; c++)
		if (*c == ' ' && c > k && c[-1] == ',')
			k = c + 1;
	snprintf(err, len, "%.*s", (int)(e - k), k);
	return 1;
}

/* STORE_DUP, or STORE_ERR with the database's message. */
static int
write_error(const PGresult *res, const struct resource *r, char *err, size_t len)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (res != NULL && dup_field(res, r, err, len))
		return STORE_DUP;
	snprintf(err, len, "database error: %s", m ? m : "no result");
	return STORE_ERR;
}

/* --- rows ------------------------------------------------------------------ */

static int
create_row(struct store *s, const struct resource *r, json_t *obj, char *err,
    size_t len)
{
	char sql[4096] = "";
	struct params p = { .n = 0 };
	PGresult *res;
	int rc = STORE_OK;

	snprintf(sql, sizeof(sql), "INSERT INTO %s (", r->plural);
	for (size_t i = 0; i < r->nfields; i++) {
		sqlgen_append(sql, sizeof(sql), i ? "," : "");
		sqlgen_append(sql, sizeof(sql), r->fields[i].name);
	}
	sqlgen_append(sql, sizeof(sql), ") VALUES (");
	for (size_t i = 0; i < r->nfields; i++)
		sqlgen_append(sql, sizeof(sql), i ? ",?" : "?");
	sqlgen_append(sql, sizeof(sql), ")");
	for (size_t i = 0; i < r->nfields; i++)
		bind_value(&p, (int)i + 1, &r->fields[i],
		    json_object_get(obj, r->fields[i].name));
	res = run(s, sql, &p);
	params_free(&p);
	if (res == NULL || !res_ok(res))
		rc = write_error(res, r, err, len);
	PQclear(res);
	return rc;
}

static json_t *
get_row(struct store *s, const struct resource *r, const char *field,
    const char *value)
{
	char sql[2048] = "SELECT ";
	struct params p = { .n = 0 };
	PGresult *res;
	json_t *o = NULL;

	if (model_field(r, field) == NULL || value == NULL)
		return NULL;
	sqlgen_columns(r, sql, sizeof(sql));
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), " FROM %s WHERE %s = ?",
	    r->plural, field);
	param_set(&p, 1, value);
	res = run(s, sql, &p);
	params_free(&p);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		o = row_to_json(res, 0, r);
	PQclear(res);
	return o;
}

/* The marker's row id and, sorting by sk, its value of that field. */
static int
find_marker(struct store *s, const struct resource *r, const char *marker,
    const struct field *sk, long long *marker_id, json_t **marker_val,
    char *err, size_t len)
{
	json_t *m = get_row(s, r, "uuid", marker);
	struct params p = { .n = 0 };
	char idsql[256];
	PGresult *res;

	if (m == NULL) {
		snprintf(err, len, "Marker %s could not be found.", marker);
		return -1;
	}
	snprintf(idsql, sizeof(idsql), "SELECT id FROM %s WHERE uuid = ?", r->plural);
	param_set(&p, 1, marker);
	res = run(s, idsql, &p);
	params_free(&p);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		*marker_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (sk != NULL)
		*marker_val = json_incref(json_object_get(m, sk->name));
	json_decref(m);
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
	char num[32];

	snprintf(num, sizeof(num), "%lld", id);
	param_set(ctx, i, num);
}

/*
 * SELECT columns FROM r's table with q's filters, marker, order and limit
 * (count: SELECT count(*), no marker nor order); the rows, or NULL with err.
 */
static PGresult *
query(struct store *s, const struct resource *r, const struct store_query *q,
    bool count, char *err, size_t len)
{
	char sql[4096] = "SELECT ";
	struct params p = { .n = 0 };
	struct sql_binder b = { bind_cb_value, bind_cb_id, &p };
	const struct field *sk = NULL;
	long long marker_id = -1;
	json_t *marker_val = NULL;
	char num[32];
	PGresult *res;
	int n;

	if (count)
		sqlgen_append(sql, sizeof(sql), "count(*)");
	else
		sqlgen_columns(r, sql, sizeof(sql));
	sqlgen_append(sql, sizeof(sql), " FROM ");
	sqlgen_append(sql, sizeof(sql), r->plural);
	if ((!count && sqlgen_sort_field(r, q, &sk, err, len) != 0) ||
	    (!count && q->marker != NULL && find_marker(s, r, q->marker, sk,
	    &marker_id, &marker_val, err, len) != 0))
		return NULL;
	if (!count && sqlgen_after_id(q, sk, &marker_id, err, len) != 0)
		return NULL;
	if (sqlgen_where(&pg_dialect, r, q, sk, marker_id >= 0, sql, sizeof(sql),
	    err, len) != 0) {
		json_decref(marker_val);
		return NULL;
	}
	if (count)	/* no ORDER BY for an aggregate */
		*strstr(sql, " ORDER BY ") = '\0';
	n = sqlgen_bind(r, q, sk, marker_id, marker_val, &b);
	json_decref(marker_val);
	if (!count && q->limit > 0) {
		sqlgen_append(sql, sizeof(sql), " LIMIT ?");
		snprintf(num, sizeof(num), "%ld", q->limit);
		param_set(&p, n, num);
	}
	res = run(s, sql, &p);
	params_free(&p);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, len, "database error: %s", res ?
		    PQresultErrorMessage(res) : PQerrorMessage(s->c));
		PQclear(res);
		return NULL;
	}
	return res;
}

static json_t *
list_rows(struct store *s, const struct resource *r, const struct store_query *q,
    char *err, size_t len)
{
	PGresult *res = query(s, r, q, false, err, len);
	json_t *out;

	if (res == NULL)
		return NULL;
	out = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_array_append_new(out, row_to_json(res, i, r));
		if (q->last_id != NULL)
			*q->last_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	}
	PQclear(res);
	return out;
}

static long
scan_rows(struct store *s, const struct resource *r, const struct store_query *q,
    int (*cb)(void *, const struct store_val *), void *ctx, char *err, size_t len)
{
	struct store_val vals[128];
	PGresult *res;
	long n = 0;

	if (r->nfields > 128) {
		snprintf(err, len, "too many fields");
		return -1;
	}
	if ((res = query(s, r, q, false, err, len)) == NULL)
		return -1;
	for (int row = 0; row < PQntuples(res); row++) {
		for (size_t i = 0; i < r->nfields; i++) {
			int c = (int)i + 1;
			vals[i].null = PQgetisnull(res, row, c);
			vals[i].text = vals[i].null ? NULL : PQgetvalue(res, row, c);
			vals[i].num = vals[i].null ? 0 : strtoll(vals[i].text, NULL, 10);
		}
		n++;
		if (q->last_id != NULL)
			*q->last_id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
		if (cb(ctx, vals) != 0)
			break;
	}
	PQclear(res);
	return n;
}

static long
pg_count(struct store *s, const struct resource *r, const struct store_query *q)
{
	char err[128];
	PGresult *res = query(s, r, q, true, err, sizeof(err));
	long n = -1;

	if (res != NULL && PQntuples(res) == 1)
		n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

static json_t *
pg_count_by(struct store *s, const struct resource *r, const char *field)
{
	const struct field *f = model_field(r, field);
	json_t *out = json_object();
	char sql[256], key[64];
	PGresult *res;

	if (f == NULL || (f->type != FT_STRING && f->type != FT_BOOL))
		return out;
	snprintf(sql, sizeof(sql), "SELECT %s, count(*) FROM %s GROUP BY 1 "
	    "ORDER BY 1 NULLS FIRST", f->name, r->plural);
	res = run(s, sql, NULL);
	for (int i = 0; res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    i < PQntuples(res); i++) {
		snprintf(key, sizeof(key), "%s", PQgetisnull(res, i, 0) ? "None" :
		    PQgetvalue(res, i, 0));
		json_object_set_new(out, key,
		    json_integer(strtoll(PQgetvalue(res, i, 1), NULL, 10)));
	}
	PQclear(res);
	return out;
}

static int
update_row(struct store *s, const struct resource *r, json_t *obj, char *err,
    size_t len)
{
	char sql[4096];
	struct params p = { .n = 0 };
	PGresult *res;
	int b = 1, rc;

	snprintf(sql, sizeof(sql), "UPDATE %s SET ", r->plural);
	for (size_t i = 0, n = 0; i < r->nfields; i++) {
		const char *name = r->fields[i].name;
		/* not the key, nor the node's lock and owner (as on SQLite: a
		 * task saving its copy never undoes a takeover) */
		if (strcmp(name, "uuid") == 0 || strcmp(name, "reservation") == 0 ||
		    (r == &model_node && strcmp(name, "conductor") == 0))
			continue;
		sqlgen_append(sql, sizeof(sql), n++ ? "," : "");
		sqlgen_append(sql, sizeof(sql), name);
		sqlgen_append(sql, sizeof(sql), "=?");
		bind_value(&p, b++, &r->fields[i], json_object_get(obj, name));
	}
	sqlgen_append(sql, sizeof(sql), " WHERE uuid = ?");
	bind_value(&p, b, model_field(r, "uuid"), json_object_get(obj, "uuid"));
	res = run(s, sql, &p);
	params_free(&p);
	if (res != NULL && res_ok(res))
		rc = strcmp(PQcmdTuples(res), "1") == 0 ? STORE_OK : STORE_NOTFOUND;
	else
		rc = write_error(res, r, err, len);
	PQclear(res);
	return rc;
}

/* A statement with one or two text parameters: rows changed, or STORE_ERR. */
static int
exec_bind(struct store *s, const char *sql, const char *a, const char *b)
{
	struct params p = { .n = 0 };
	PGresult *res;
	int n;

	param_set(&p, 1, a);
	if (b != NULL)
		param_set(&p, 2, b);
	res = run(s, sql, &p);
	params_free(&p);
	if (res == NULL || !res_ok(res)) {
		log_error("store: [%s] failed: %s", sql, res ?
		    PQresultErrorMessage(res) : PQerrorMessage(s->c));
		PQclear(res);
		return STORE_ERR;
	}
	n = atoi(PQcmdTuples(res));
	PQclear(res);
	return n;
}

static int
pg_delete(struct store *s, const struct resource *r, const char *uuid)
{
	char sql[256];
	int n;

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE uuid = $1", r->plural);
	n = exec_bind(s, sql, uuid, NULL);
	return n < 0 ? STORE_ERR : n == 0 ? STORE_NOTFOUND : STORE_OK;
}

static int
pg_delete_node(struct store *s, const char *uuid)
{
	static const char *const sqls[] = {
		"DELETE FROM vifs WHERE node_uuid = $1",
		"DELETE FROM volume_connectors WHERE node_uuid = $1",
		"DELETE FROM volume_targets WHERE node_uuid = $1",
		"DELETE FROM ports WHERE node_uuid = $1",
		"DELETE FROM portgroups WHERE node_uuid = $1",
		"DELETE FROM node_history WHERE node_uuid = $1",
		"DELETE FROM node_inventories WHERE uuid = $1",
	};
	int n;

	if (pg_begin(s) != 0)
		return STORE_ERR;
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		if (exec_bind(s, sqls[i], uuid, NULL) < 0) {
			pg_rollback(s);
			return STORE_ERR;
		}
	}
	n = exec_bind(s, "DELETE FROM nodes WHERE uuid = $1", uuid, NULL);
	if (n <= 0) {
		pg_rollback(s);
		return n == 0 ? STORE_NOTFOUND : STORE_ERR;
	}
	return pg_commit(s) == 0 ? STORE_OK : STORE_ERR;
}

static int
pg_node_reserve(struct store *s, const char *uuid, const char *holder)
{
	int n = exec_bind(s, "UPDATE nodes SET reservation = $2 WHERE uuid = $1 "
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
pg_node_release(struct store *s, const char *uuid, const char *holder)
{
	int n = exec_bind(s, "UPDATE nodes SET reservation = NULL WHERE uuid = $1 "
	    "AND reservation = $2", uuid, holder);

	return n == 1 ? STORE_OK : n == 0 ? STORE_NOTFOUND : STORE_ERR;
}

static int
pg_release_all(struct store *s, const char *holder)
{
	int n = exec_bind(s, "UPDATE nodes SET reservation = NULL WHERE "
	    "reservation = $1", holder, NULL);

	return n < 0 ? STORE_ERR : n;
}

/* --- history and conductors ---------------------------------------------- */

static int
pg_history_add(struct store *s, const char *node_uuid, const char *severity,
    const char *event_type, const char *event, const char *conductor,
    const char *user)
{
	const char *vals[6] = { node_uuid, severity, event_type, event, conductor, user };
	char uuid[UUID_STR_LEN], now[40];
	struct params p = { .n = 0 };
	PGresult *res;
	int rc;

	util_uuid_new(uuid);
	util_now_iso(now);
	param_set(&p, 1, uuid);
	for (int i = 0; i < 6; i++)
		param_set(&p, i + 2, vals[i]);
	param_set(&p, 8, now);
	res = run(s, "INSERT INTO node_history (uuid, node_uuid, severity, event_type, "
	    "event, conductor, user_id, created_at) VALUES (?,?,?,?,?,?,?,?)", &p);
	params_free(&p);
	rc = res != NULL && res_ok(res) ? STORE_OK : STORE_ERR;
	PQclear(res);
	return rc;
}

static json_t *
text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null() :
	    json_string(PQgetvalue(res, row, col));
}

static json_t *
pg_history_list(struct store *s, const char *node_uuid)
{
	static const char *const keys[] = { "uuid", "created_at", "severity",
	    "event_type", "event", "conductor", "user" };
	struct params p = { .n = 0 };
	PGresult *res;
	json_t *out;

	param_set(&p, 1, node_uuid);
	res = run(s, "SELECT uuid, created_at, severity, event_type, event, conductor, "
	    "user_id FROM node_history WHERE node_uuid = ? ORDER BY id", &p);
	params_free(&p);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return NULL;
	}
	out = json_array();
	for (int r = 0; r < PQntuples(res); r++) {
		json_t *e = json_object();
		for (int i = 0; i < 7; i++)
			json_object_set_new(e, keys[i], text_or_null(res, r, i));
		json_array_append_new(out, e);
	}
	PQclear(res);
	return out;
}

static int
pg_conductor_register(struct store *s, const char *hostname, const char *group,
    json_t *drivers)
{
	struct params p = { .n = 0 };
	char now[40], *d;
	PGresult *res;
	int rc;

	util_now_iso(now);
	d = json_dumps(drivers, JSON_COMPACT);
	param_set(&p, 1, hostname);
	param_set(&p, 2, group ? group : "");
	param_set(&p, 3, d ? d : "[]");
	param_set(&p, 4, now);
	free(d);
	res = run(s, "INSERT INTO conductors (hostname, conductor_group, drivers, "
	    "online, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4) "
	    "ON CONFLICT (hostname) DO UPDATE SET conductor_group = $2, "
	    "drivers = $3, online = 1, updated_at = $4", &p);
	params_free(&p);
	rc = res != NULL && res_ok(res) ? STORE_OK : STORE_ERR;
	PQclear(res);
	return rc;
}

static int
pg_conductor_heartbeat(struct store *s, const char *hostname)
{
	char now[40];

	util_now_iso(now);
	return exec_bind(s, "UPDATE conductors SET updated_at = $2, online = 1 "
	    "WHERE hostname = $1", hostname, now) < 0 ? STORE_ERR : STORE_OK;
}

static int
pg_conductor_offline(struct store *s, const char *hostname)
{
	return exec_bind(s, "UPDATE conductors SET online = 0 WHERE hostname = $1",
	    hostname, NULL) < 0 ? STORE_ERR : STORE_OK;
}

static json_t *
pg_conductor_list(struct store *s)
{
	PGresult *res = run(s, "SELECT hostname, conductor_group, drivers, online, "
	    "created_at, updated_at, api_url, role, dhcp FROM conductors ORDER BY id", NULL);
	json_t *out;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return NULL;
	}
	out = json_array();
	for (int r = 0; r < PQntuples(res); r++) {
		json_t *c = json_object();
		json_t *d = json_loads(PQgetvalue(res, r, 2), 0, NULL);
		json_object_set_new(c, "hostname", text_or_null(res, r, 0));
		json_object_set_new(c, "conductor_group", text_or_null(res, r, 1));
		json_object_set_new(c, "drivers", d ? d : json_array());
		json_object_set_new(c, "alive", json_boolean(atoi(PQgetvalue(res, r, 3))));
		json_object_set_new(c, "created_at", text_or_null(res, r, 4));
		json_object_set_new(c, "updated_at", text_or_null(res, r, 5));
		json_object_set_new(c, "api_url", text_or_null(res, r, 6));
		json_object_set_new(c, "role", text_or_null(res, r, 7));
		json_object_set_new(c, "dhcp", json_boolean(atoi(PQgetvalue(res, r, 8))));
		json_array_append_new(out, c);
	}
	PQclear(res);
	return out;
}

static int
pg_conductor_set_url(struct store *s, const char *hostname, const char *url)
{
	return exec_bind(s, "UPDATE conductors SET api_url = $2 WHERE hostname = $1",
	    hostname, url) < 0 ? STORE_ERR : STORE_OK;
}

static int
pg_conductor_set_role(struct store *s, const char *hostname, const char *role)
{
	return exec_bind(s, "UPDATE conductors SET role = $2 WHERE hostname = $1",
	    hostname, role) < 0 ? STORE_ERR : STORE_OK;
}

static int
pg_conductor_set_dhcp(struct store *s, const char *hostname, bool dhcp)
{
	return exec_bind(s, "UPDATE conductors SET dhcp = $2 WHERE hostname = $1",
	    hostname, dhcp ? "1" : "0") < 0 ? STORE_ERR : STORE_OK;
}

/* The node's owner becomes owner if it still is old (NULL: none). */
static int
pg_node_set_conductor(struct store *s, const char *uuid, const char *old,
    const char *owner)
{
	struct params p = { .n = 0 };
	PGresult *res;
	int rc;

	param_set(&p, 1, uuid);
	param_set(&p, 2, old);
	param_set(&p, 3, owner);
	res = run(s, "UPDATE nodes SET conductor = $3 WHERE uuid = $1 AND "
	    "conductor IS NOT DISTINCT FROM $2::text", &p);
	params_free(&p);
	if (res == NULL || !res_ok(res))
		rc = STORE_ERR;
	else
		rc = strcmp(PQcmdTuples(res), "1") == 0 ? STORE_OK : STORE_NOTFOUND;
	PQclear(res);
	return rc;
}

const struct store_engine store_engine_pg = {
	.name = "postgresql",
	.init = pg_init, .shutdown = pg_shutdown,
	.thread = pg_thread, .thread_release = pg_thread_release,
	.schema_version = pg_schema_version,
	.begin = pg_begin, .commit = pg_commit, .rollback = pg_rollback,
	.create = create_row, .get = get_row, .list = list_rows, .scan = scan_rows,
	.count = pg_count, .count_by = pg_count_by, .update = update_row,
	.del = pg_delete, .delete_node = pg_delete_node,
	.reserve = pg_node_reserve, .release = pg_node_release,
	.release_all = pg_release_all,
	.history_add = pg_history_add, .history_list = pg_history_list,
	.cond_register = pg_conductor_register, .cond_heartbeat = pg_conductor_heartbeat,
	.cond_offline = pg_conductor_offline, .cond_list = pg_conductor_list,
	.cond_set_url = pg_conductor_set_url, .cond_set_role = pg_conductor_set_role,
	.cond_set_dhcp = pg_conductor_set_dhcp,
	.node_set_conductor = pg_node_set_conductor,
};
