/*
 * ingotd --copy-to: a SQLite database into an empty PostgreSQL one.
 * Both are migrated to the latest schema first (the same migrations, so
 * the same tables and columns); then, in one PostgreSQL transaction,
 * every row of every table is inserted as it is (ids included) and each
 * table's id sequence set past its largest id.  A target that holds any
 * row is refused before anything is written.
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define MAX_COLS 160

static int
pq_ok(PGconn *c, PGresult *res, char *err, size_t len)
{
	ExecStatusType t = PQresultStatus(res);

	if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
		PQclear(res);
		return 0;
	}
	snprintf(err, len, "%s", PQerrorMessage(c));
	if (strlen(err) > 0 && err[strlen(err) - 1] == '\n')
		err[strlen(err) - 1] = '\0';
	PQclear(res);
	return -1;
}

/* The source's tables (not SQLite's own), as a JSON array of names. */
static json_t *
tables_of(sqlite3 *db)
{
	sqlite3_stmt *st;
	json_t *out = json_array();

	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
	    "AND name NOT LIKE 'sqlite_%' ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return out;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(out, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	return out;
}

/* 0 when every table of the target is empty; -1 with err naming one. */
static int
target_empty(PGconn *c, json_t *tables, char *err, size_t len)
{
	json_t *t;
	size_t i;

	json_array_foreach(tables, i, t) {
		char sql[256];
		PGresult *res;
		bool empty;

		snprintf(sql, sizeof(sql), "SELECT 1 FROM \"%s\" LIMIT 1", json_string_value(t));
		res = PQexec(c, sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			return pq_ok(c, res, err, len);
		empty = PQntuples(res) == 0;
		PQclear(res);
		if (!empty) {
			snprintf(err, len, "the target database is not empty (table %s has "
			    "rows); --copy-to needs an empty database", json_string_value(t));
			return -1;
		}
	}
	return 0;
}

/* INSERT INTO table (the statement's columns) VALUES ($1, ...). */
static void
insert_sql(sqlite3_stmt *st, const char *table, char *sql, size_t len)
{
	int n = sqlite3_column_count(st);

	snprintf(sql, len, "INSERT INTO \"%s\" (", table);
	for (int i = 0; i < n; i++) {
		sqlgen_append(sql, len, i ? ",\"" : "\"");
		sqlgen_append(sql, len, sqlite3_column_name(st, i));
		sqlgen_append(sql, len, "\"");
	}
	sqlgen_append(sql, len, ") VALUES (");
	for (int i = 0; i < n; i++) {
		char p[16];
		snprintf(p, sizeof(p), "%s$%d", i ? "," : "", i + 1);
		sqlgen_append(sql, len, p);
	}
	sqlgen_append(sql, len, ")");
}

/* One row of st into the prepared "ins"; -1 with err. */
static int
copy_row(PGconn *c, sqlite3_stmt *st, char *err, size_t len)
{
	const char *vals[MAX_COLS];
	int n = sqlite3_column_count(st);

	for (int i = 0; i < n; i++) {
		int t = sqlite3_column_type(st, i);
		if (t == SQLITE_BLOB) {
			snprintf(err, len, "column %s holds a BLOB", sqlite3_column_name(st, i));
			return -1;
		}
		vals[i] = t == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(st, i);
	}
	return pq_ok(c, PQexecPrepared(c, "ins", n, vals, NULL, NULL, 0), err, len);
}

/* The last id SQLite's AUTOINCREMENT gave in table (deleted rows count). */
static long long
last_id(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	long long v = 0;

	if (sqlite3_prepare_v2(db, "SELECT seq FROM sqlite_sequence WHERE name = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The table's id sequence past its largest id and SQLite's last one
 * (ids of deleted rows are never given again); no-op without a serial. */
static int
set_sequence(sqlite3 *db, PGconn *c, const char *table, char *err, size_t len)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), "
	    "greatest(coalesce(max(id), 0), %lld) + 1, false) FROM \"%s\"", table,
	    last_id(db, table), table);
	return pq_ok(c, PQexec(c, sql), err, len);
}

/* Every row of table; the number copied, or -1 with err. */
static long
copy_table(sqlite3 *db, PGconn *c, const char *table, char *err, size_t len)
{
	char sql[8192];
	sqlite3_stmt *st;
	long n = 0;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, len, "%s: %s", table, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_column_count(st) > MAX_COLS) {
		sqlite3_finalize(st);
		snprintf(err, len, "%s: too many columns", table);
		return -1;
	}
	insert_sql(st, table, sql, sizeof(sql));
	if (pq_ok(c, PQexec(c, "DEALLOCATE ALL"), err, len) != 0 ||
	    pq_ok(c, PQprepare(c, "ins", sql, 0, NULL), err, len) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && copy_row(c, st, err, len) == 0)
		n++;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_ROW)
			snprintf(err, len, "%s: %s", table, sqlite3_errmsg(db));
		return -1;
	}
	if (set_sequence(db, c, table, err, len) != 0)
		return -1;
	log_info("store: copied %ld rows of %s", n, table);
	return n;
}

static long
copy_all(sqlite3 *db, PGconn *c, char *err, size_t len)
{
	json_t *tables = tables_of(db), *t;
	long total = 0, n;
	size_t i;

	if (pq_ok(c, PQexec(c, "BEGIN"), err, len) != 0)
		goto fail;
	if (target_empty(c, tables, err, len) != 0)
		goto fail;
	json_array_foreach(tables, i, t) {
		if ((n = copy_table(db, c, json_string_value(t), err, len)) < 0)
			goto fail;
		total += n;
	}
	if (pq_ok(c, PQexec(c, "COMMIT"), err, len) != 0)
		goto fail;
	json_decref(tables);
	return total;
fail:
	PQclear(PQexec(c, "ROLLBACK"));
	json_decref(tables);
	return -1;
}

long
store_copy(const char *from, const char *to, char *err, size_t len)
{
	char e[1024], red[1024];
	sqlite3 *db = NULL;
	PGconn *c = NULL;
	long n = -1;

	store_redact(to, red, sizeof(red));
	if (store_is_pg_url(from) || !store_is_pg_url(to)) {
		snprintf(err, len, "--copy-to copies a SQLite file into a postgresql:// "
		    "database");
		return -1;
	}
	/* The same schema on both sides: each migrated to the latest. */
	if (store_init(from, 0, e, sizeof(e)) != 0 || (store_shutdown(), 0) ||
	    store_init(to, 0, e, sizeof(e)) != 0) {
		store_shutdown();
		snprintf(err, len, "%s", e);
		return -1;
	}
	store_shutdown();
	if (sqlite3_open_v2(from, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		snprintf(err, len, "cannot open %s: %s", from, sqlite3_errmsg(db));
	else if ((c = PQconnectdb(to)) == NULL || PQstatus(c) != CONNECTION_OK)
		snprintf(err, len, "cannot connect to %s", red);
	else if ((n = copy_all(db, c, e, sizeof(e))) < 0)
		snprintf(err, len, "copy to %s failed, nothing was written: %s", red, e);
	PQfinish(c);
	sqlite3_close(db);
	return n;
}
