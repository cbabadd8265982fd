/*
 * A database for a unit test that uses the store: a SQLite file in the
 * test's scratch directory, or, when INGOT_TEST_PG holds the query part of
 * a postgresql:// URL ("host=/socket/dir&user=ingot") of a server where
 * the test may create databases, a new PostgreSQL database there
 * (tests/unit/pg_run.sh starts such a server and runs the test on it).
 * Include after cmocka.h.
 */
#ifndef INGOT_UNIT_DB_H
#define INGOT_UNIT_DB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#ifdef INGOT_HAVE_PG
#include <libpq-fe.h>
#endif

static const char *unit_db_pg;	/* INGOT_TEST_PG, or NULL: SQLite */

/* Reads INGOT_TEST_PG; -1 (with a message) if it cannot be honoured. */
static inline int
unit_db_engine(void)
{
	unit_db_pg = getenv("INGOT_TEST_PG");
	if (unit_db_pg != NULL && *unit_db_pg == '\0')
		unit_db_pg = NULL;
#ifndef INGOT_HAVE_PG
	if (unit_db_pg != NULL) {
		fprintf(stderr, "INGOT_TEST_PG is set, but this build has no PostgreSQL\n");
		return -1;
	}
#endif
	if (unit_db_pg != NULL)
		printf("# store engine: PostgreSQL\n");
	return 0;
}

/* A database for a test: DIR/NAME.db, or a new PostgreSQL database NAME;
 * its location (for store_init) into out. */
static inline void
unit_db_new(const char *dir, const char *name, char *out, size_t len)
{
#ifdef INGOT_HAVE_PG
	if (unit_db_pg != NULL) {
		char sql[128], url[400];
		PGconn *c;
		PGresult *r;

		snprintf(url, sizeof(url), "postgresql:///postgres?%s", unit_db_pg);
		c = PQconnectdb(url);

		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
		r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			fail_msg("%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		snprintf(out, len, "postgresql:///%s?%s", name, unit_db_pg);
		return;
	}
#endif
	snprintf(out, len, "%s/%s.db", dir, name);
}

/* Runs one statement on database loc, outside the store; true if it
 * succeeded.  With row set, also the first column of the first row. */
static inline bool
unit_db_exec(const char *loc, const char *sql, char *row, size_t len)
{
	bool ok;

	if (row != NULL && len > 0)
		row[0] = '\0';
#ifdef INGOT_HAVE_PG
	if (unit_db_pg != NULL) {
		PGconn *c = PQconnectdb(loc);
		PGresult *r = PQexec(c, sql);

		ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
		    PQresultStatus(r) == PGRES_TUPLES_OK;
		if (ok && row != NULL && PQntuples(r) > 0)
			snprintf(row, len, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
		return ok;
	}
#endif
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(loc, &db), SQLITE_OK);
	ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		int rc = sqlite3_step(st);

		ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
		if (rc == SQLITE_ROW && row != NULL)
			snprintf(row, len, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

#endif
