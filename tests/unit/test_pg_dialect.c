/*
 * The one migration source: SQLite-flavoured SQL translated for
 * PostgreSQL (word rules, never inside quotes), and URLs with their
 * passwords masked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "migrations.h"
#include "store.h"
#include "store_int.h"

static void
check(const char *in, const char *want)
{
	char *got = store_pg_translate(in);

	assert_string_equal(got, want);
	free(got);
}

static void
types(void **unused)
{
	(void)unused;
	check("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL,"
	    " s TEXT UNIQUE, r REAL, b BLOB);",
	    "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL,"
	    " s TEXT COLLATE \"C\" UNIQUE, r DOUBLE PRECISION, b BYTEA);");
	check("id integer  primary\n key autoincrement", "id BIGSERIAL PRIMARY KEY");
	/* INTEGER PRIMARY KEY without AUTOINCREMENT: just the type */
	check("k INTEGER PRIMARY KEY", "k BIGINT PRIMARY KEY");
	check("ALTER TABLE nodes ADD COLUMN x INTEGER NOT NULL DEFAULT 0;",
	    "ALTER TABLE nodes ADD COLUMN x BIGINT NOT NULL DEFAULT 0;");
}

static void
words_only(void **unused)
{
	(void)unused;
	/* parts of longer words, quoted text and identifiers stay */
	check("CREATE TABLE texts (integers TEXT, context_text TEXT DEFAULT 'TEXT');",
	    "CREATE TABLE texts (integers TEXT COLLATE \"C\", context_text TEXT COLLATE "
	    "\"C\" DEFAULT 'TEXT');");
	check("SELECT 'it''s INTEGER', \"INTEGER\" FROM t", "SELECT 'it''s INTEGER', "
	    "\"INTEGER\" FROM t");
	check("x1INTEGER 2TEXT", "x1INTEGER 2TEXT");
}

static void
functions_and_pragmas(void **unused)
{
	(void)unused;
	check("SELECT instr(a, 'b'), ifnull (c, 0), instr FROM t",
	    "SELECT strpos(a, 'b'), coalesce (c, 0), instr FROM t");
	check("PRAGMA foreign_keys = OFF; CREATE TABLE a (x TEXT); PRAGMA foreign_keys=ON;",
	    " CREATE TABLE a (x TEXT COLLATE \"C\"); ");
	check("SELECT 1;", "SELECT 1;");
}

/* Every migration translates to SQL without SQLite's spellings left. */
static void
all_migrations(void **unused)
{
	(void)unused;
	for (int i = 0; i < store_nmigrations; i++) {
		char *t = store_pg_translate(store_migrations[i]);
		assert_null(strstr(t, "AUTOINCREMENT"));
		assert_null(strstr(t, "INTEGER"));
		free(t);
	}
}

static void
redact(void **unused)
{
	char out[256];

	(void)unused;
	store_redact("postgresql://ingot:s3cret@db.example:5432/ingot?sslmode=verify-full",
	    out, sizeof(out));
	assert_string_equal(out, "postgresql://ingot:****@db.example:5432/ingot?"
	    "sslmode=verify-full");
	store_redact("postgres://u@h/d?sslmode=require&password=pw&user=x", out, sizeof(out));
	assert_string_equal(out, "postgres://u@h/d?sslmode=require&password=****&user=x");
	store_redact("postgresql:///ingot?password=a%40b", out, sizeof(out));
	assert_string_equal(out, "postgresql:///ingot?password=****");
	store_redact("postgresql://u:p@h/d?password=q", out, 12);
	assert_null(strstr(out, "p@"));
	assert_true(strlen(out) < 12);
	store_redact("/var/lib/ingot/ingot.db", out, sizeof(out));
	assert_string_equal(out, "/var/lib/ingot/ingot.db");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(types),
		cmocka_unit_test(words_only),
		cmocka_unit_test(functions_and_pragmas),
		cmocka_unit_test(all_migrations),
		cmocka_unit_test(redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
