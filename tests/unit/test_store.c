/*
 * The store: migrations, CRUD, paging, uniqueness, locks; on SQLite, and
 * on PostgreSQL when INGOT_TEST_PG holds the query part of a postgresql://
 * URL ("host=/socket/dir&user=ingot") of a server where the test may
 * create databases (test_store_pg.sh starts one).  Each test gets a fresh database of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "unit_db.h"
#include "util.h"

static char dir[] = "/tmp/ingot-unit-store.XXXXXX";
static char path[300];		/* the current test's database: a file or a URL */

static json_t *
new_node(const char *name)
{
	json_t *n = json_pack("{s:s, s:s}", "driver", "fake-hardware", "name", name);
	char u[UUID_STR_LEN], now[40];

	util_uuid_new(u);
	util_now_iso(now);
	json_object_set_new(n, "uuid", json_string(u));
	json_object_set_new(n, "created_at", json_string(now));
	model_apply_defaults(&model_node, n);
	return n;
}

static int
setup(void **state)
{
	static int k;
	char err[256];

	char name[16];

	(void)state;
	snprintf(name, sizeof(name), "t%d", k++);
	unit_db_new(dir, name, path, sizeof(path));
	if (store_init(path, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "store_init: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	store_shutdown();
	return 0;
}

/* Whether table has an index (or a unique constraint) led by column. */
static bool
has_index(const char *table, const char *column)
{
	char sql[512], row[8];

	if (unit_db_pg != NULL) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_index i"
		    " JOIN pg_class t ON t.oid = i.indrelid"
		    " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]"
		    " WHERE t.relname = '%s' AND a.attname = '%s'", table, column);
		assert_true(unit_db_exec(path, sql, row, sizeof(row)));
		return atoi(row) > 0;
	}
	sqlite3 *db;
	sqlite3_stmt *il, *ii;
	bool found = false;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA index_list(%s)", table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &il, NULL), SQLITE_OK);
	while (!found && sqlite3_step(il) == SQLITE_ROW) {
		snprintf(sql, sizeof(sql), "PRAGMA index_info(\"%s\")",
		    (const char *)sqlite3_column_text(il, 1));
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &ii, NULL), SQLITE_OK);
		if (sqlite3_step(ii) == SQLITE_ROW && sqlite3_column_int(ii, 0) == 0)
			found = strcmp((const char *)sqlite3_column_text(ii, 2), column) == 0;
		sqlite3_finalize(ii);
	}
	sqlite3_finalize(il);
	sqlite3_close(db);
	return found;
}

/* Every field the model marks F_INDEX (a filter) leads an index. */
static void
filters_indexed(void **unused)
{
	const struct resource *const res[] = { &model_node, &model_port,
	    &model_portgroup, &model_network, &model_vif, &model_allocation,
	    &model_uplink, &model_member, &model_volume_connector,
	    &model_volume_target, &model_volume };

	(void)unused;
	for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++)
		for (size_t f = 0; f < res[i]->nfields; f++)
			if (res[i]->fields[f].flags & F_INDEX) {
				if (!has_index(res[i]->plural, res[i]->fields[f].name))
					fail_msg("%s.%s is a filter without an index",
					    res[i]->plural, res[i]->fields[f].name);
			}
}

static void
migrations_empty(void **unused)
{
	struct store *s = store_thread();

	(void)unused;
	assert_int_equal(store_schema_version(s), store_latest_version());
	assert_true(store_latest_version() >= 3);
}

/* A node as schema 1 stored it (the model has columns schema 1 lacks). */
static void
insert_v1_node(const char *path, const char *uuid)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "INSERT INTO nodes (uuid, name, driver, driver_info, "
	    "driver_internal_info, properties, instance_info, extra, console_enabled, "
	    "maintenance, provision_state, clean_step, deploy_step, conductor_group, "
	    "traits, raid_config, target_raid_config, protected, retired, network_data, "
	    "created_at) VALUES ('%s', 'old-node', 'fake-hardware', '{}', '{}', '{}', "
	    "'{}', '{}', 0, 0, 'enroll', '{}', '{}', '', '[]', '{}', '{}', 0, 0, '{}', "
	    "'2020-01-01T00:00:00+00:00')", uuid);
	assert_true(unit_db_exec(path, sql, NULL, 0));
}

static void
migrations_older(void **unused)
{
	char err[256], p[300];
	json_t *n, *got, *h;

	(void)unused;
	store_shutdown();
	unit_db_new(dir, "old", p, sizeof(p));
	assert_int_equal(store_init(p, 1, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(store_thread()), 1);
	n = new_node("old-node");
	store_shutdown();
	insert_v1_node(p, json_string_value(json_object_get(n, "uuid")));
	assert_int_equal(store_init(p, 0, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(store_thread()), store_latest_version());
	got = store_get(store_thread(), &model_node, "name", "old-node");
	assert_non_null(got);
	assert_string_equal(json_string_value(json_object_get(got, "uuid")),
	    json_string_value(json_object_get(n, "uuid")));
	assert_int_equal(store_history_add(store_thread(), json_string_value(json_object_get(n,
	    "uuid")), "INFO", "test", "migrated", "host", NULL), 0);
	h = store_history_list(store_thread(), json_string_value(json_object_get(n, "uuid")));
	assert_int_equal(json_array_size(h), 1);
	json_decref(h);
	json_decref(got);
	json_decref(n);
}

static void
crud_and_unique(void **unused)
{
	struct store *s = store_thread();
	json_t *a = new_node("a"), *b = new_node("a"), *got;
	char err[256];

	(void)unused;
	assert_int_equal(store_create(s, &model_node, a, err, sizeof(err)), STORE_OK);
	assert_int_equal(store_create(s, &model_node, b, err, sizeof(err)), STORE_DUP);
	assert_string_equal(err, "name");
	json_object_set_new(b, "name", json_string("b"));
	assert_int_equal(store_create(s, &model_node, b, err, sizeof(err)), STORE_OK);
	json_object_set_new(json_object_get(a, "extra"), "k", json_string("v"));
	assert_int_equal(store_update(s, &model_node, a, err, sizeof(err)), STORE_OK);
	got = store_get(s, &model_node, "uuid", json_string_value(json_object_get(a, "uuid")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(got, "extra"),
	    "k")), "v");
	assert_true(json_is_false(json_object_get(got, "maintenance")));
	json_decref(got);
	json_object_set_new(a, "name", json_string("b"));
	assert_int_equal(store_update(s, &model_node, a, err, sizeof(err)), STORE_DUP);
	assert_int_equal(store_delete_node(s, json_string_value(json_object_get(b, "uuid"))),
	    STORE_OK);
	assert_null(store_get(s, &model_node, "name", "b"));
	assert_int_equal(store_delete_node(s, json_string_value(json_object_get(b, "uuid"))),
	    STORE_NOTFOUND);
	json_decref(a);
	json_decref(b);
}

static int
count_row(void *ctx, const struct store_val *v)
{
	(void)ctx;
	(void)v;
	return 0;
}

static void
paging_and_filters(void **unused)
{
	struct store *s = store_thread();
	struct store_query q = { .limit = 3 };
	char err[256], name[16];
	json_t *page, *all = json_array();
	json_t *avail = json_string("available");

	(void)unused;
	for (int i = 0; i < 10; i++) {
		json_t *n;
		snprintf(name, sizeof(name), "n%02d", 9 - i);
		n = new_node(name);
		if (i % 2)
			json_object_set_new(n, "provision_state", json_string("available"));
		assert_int_equal(store_create(s, &model_node, n, err, sizeof(err)), 0);
		json_decref(n);
	}
	/* creation order, pages of 3 via marker */
	do {
		page = store_list(s, &model_node, &q, err, sizeof(err));
		assert_non_null(page);
		json_array_extend(all, page);
		q.marker = json_array_size(page) ? json_string_value(json_object_get(
		    json_array_get(all, json_array_size(all) - 1), "uuid")) : NULL;
		if (json_array_size(page) < 3)
			q.marker = NULL;
		json_decref(page);
	} while (q.marker != NULL);
	assert_int_equal(json_array_size(all), 10);
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "name")), "n09");
	json_decref(all);
	/* sorted by name, descending, paged */
	struct store_query qs = { .sort_key = "name", .desc = true, .limit = 4 };
	page = store_list(s, &model_node, &qs, err, sizeof(err));
	assert_string_equal(json_string_value(json_object_get(json_array_get(page, 0), "name")), "n09");
	qs.marker = json_string_value(json_object_get(json_array_get(page, 3), "uuid"));
	json_t *p2 = store_list(s, &model_node, &qs, err, sizeof(err));
	assert_string_equal(json_string_value(json_object_get(json_array_get(p2, 0), "name")), "n05");
	json_decref(p2);
	json_decref(page);
	/* filter */
	struct store_query qf = { .nfilters = 1 };
	qf.filters[0].field = "provision_state";
	qf.filters[0].op = SO_EQ;
	qf.filters[0].value = avail;
	assert_int_equal(store_count(s, &model_node, &qf), 5);
	/* bad sort key, unknown marker */
	struct store_query qb = { .sort_key = "driver_info" };
	assert_null(store_list(s, &model_node, &qb, err, sizeof(err)));
	struct store_query qm = { .marker = "11111111-2222-3333-4444-555555555555" };
	assert_null(store_list(s, &model_node, &qm, err, sizeof(err)));
	json_decref(avail);

	/* paging by row id (power sync's passes) goes on when the last row
	 * seen is deleted between two pages, where a marker would fail */
	long long last = 0, first_last;
	struct store_query qi = { .limit = 4, .last_id = &last };
	page = store_list(s, &model_node, &qi, err, sizeof(err));
	assert_int_equal(json_array_size(page), 4);	/* n09 .. n06 */
	assert_true(last > 0);
	first_last = last;
	const char *gone = json_string_value(json_object_get(json_array_get(page, 3), "uuid"));
	qm.marker = gone;
	assert_int_equal(store_delete(s, &model_node, gone), 0);
	assert_null(store_list(s, &model_node, &qm, err, sizeof(err)));
	json_decref(page);
	qi.after_id = last;
	page = store_list(s, &model_node, &qi, err, sizeof(err));
	assert_non_null(page);
	assert_int_equal(json_array_size(page), 4);	/* n05 .. n02 */
	assert_string_equal(json_string_value(json_object_get(json_array_get(page, 0), "name")), "n05");
	json_decref(page);
	qi.after_id = last;
	page = store_list(s, &model_node, &qi, err, sizeof(err));
	assert_int_equal(json_array_size(page), 2);	/* n01, n00, and no more */
	assert_string_equal(json_string_value(json_object_get(json_array_get(page, 1), "name")), "n00");
	json_decref(page);
	/* store_scan pages the same way and reports the last row id too */
	long long scanned = 0;
	struct store_query qsc = { .after_id = first_last, .last_id = &scanned };
	assert_int_equal(store_scan(s, &model_node, &qsc, count_row, NULL, err, sizeof(err)), 6);
	assert_int_equal(scanned, last);
	/* with a sort key it is refused, not ignored */
	struct store_query qk = { .sort_key = "name", .after_id = 3 };
	assert_null(store_list(s, &model_node, &qk, err, sizeof(err)));
}

static void
locks(void **unused)
{
	struct store *s = store_thread();
	json_t *n = new_node("locked");
	const char *u = json_string_value(json_object_get(n, "uuid"));
	char err[256];

	(void)unused;
	assert_int_equal(store_create(s, &model_node, n, err, sizeof(err)), 0);
	assert_int_equal(store_node_reserve(s, u, "c1"), STORE_OK);
	assert_int_equal(store_node_reserve(s, u, "c2"), STORE_LOCKED);
	assert_int_equal(store_node_release(s, u, "c2"), STORE_NOTFOUND);
	/* an update never clears the lock */
	assert_int_equal(store_update(s, &model_node, n, err, sizeof(err)), 0);
	assert_int_equal(store_node_reserve(s, u, "c2"), STORE_LOCKED);
	assert_int_equal(store_release_all(s, "c1"), 1);
	assert_int_equal(store_node_reserve(s, u, "c2"), STORE_OK);
	assert_int_equal(store_node_release(s, u, "c2"), STORE_OK);
	assert_int_equal(store_node_reserve(s, "11111111-2222-3333-4444-555555555555", "c1"),
	    STORE_NOTFOUND);
	json_decref(n);
}

static void
delete_cascades(void **unused)
{
	struct store *s = store_thread();
	json_t *n = new_node("withports"), *p;
	const char *u = json_string_value(json_object_get(n, "uuid"));
	char err[256], pu[UUID_STR_LEN], now[40];

	(void)unused;
	assert_int_equal(store_create(s, &model_node, n, err, sizeof(err)), 0);
	util_uuid_new(pu);
	util_now_iso(now);
	p = json_pack("{s:s, s:s, s:s, s:s}", "uuid", pu, "address", "52:54:00:00:00:09",
	    "node_uuid", u, "created_at", now);
	model_apply_defaults(&model_port, p);
	assert_int_equal(store_create(s, &model_port, p, err, sizeof(err)), 0);
	store_history_add(s, u, "INFO", "t", "e", "h", NULL);
	assert_int_equal(store_delete_node(s, u), STORE_OK);
	assert_null(store_get(s, &model_port, "uuid", pu));
	json_t *h = store_history_list(s, u);
	assert_int_equal(json_array_size(h), 0);
	json_decref(h);
	json_decref(p);
	json_decref(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrations_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(migrations_older, setup, teardown),
		cmocka_unit_test_setup_teardown(filters_indexed, setup, teardown),
		cmocka_unit_test_setup_teardown(crud_and_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(paging_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(locks, setup, teardown),
		cmocka_unit_test_setup_teardown(delete_cascades, setup, teardown),
	};
	int rc;
	char cmd[400];

	if (unit_db_engine() != 0)
		return 1;
	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
