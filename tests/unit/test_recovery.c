/*
 * Recovery's detection (src/conductor/recovery.c) against a real SQLite
 * store and the worker pool, with fake-hardware nodes: the damping of
 * failed BMC reads, the power-off grace, the per-pass bound, the policies,
 * and the whole flow of a node with no spare (fenced, waiting, nothing
 * moved).  Prints the cost of one detection call per node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node.h"
#include "power_sync.h"
#include "recovery.h"
#include "store.h"
#include "unit_db.h"
#include "util.h"
#include "worker.h"

static char dir[] = "/tmp/ingot-unit-recovery.XXXXXX";

static json_t *
active_node(const char *name, const char *policy)
{
	json_t *n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "driver", "fake-hardware",
	    "name", name, "provision_state", "active", "power_state", "power on",
	    "power_interface", "fake", "management_interface", "fake");
	char u[UUID_STR_LEN], now[40], err[256];

	util_uuid_new(u);
	util_now_iso(now);
	json_object_set_new(n, "uuid", json_string(u));
	json_object_set_new(n, "instance_uuid", json_string(name));
	json_object_set_new(n, "created_at", json_string(now));
	model_apply_defaults(&model_node, n);
	if (policy != NULL)
		json_object_set_new(node_driver_info(n), "recovery_policy", json_string(policy));
	assert_int_equal(store_create(store_thread(), &model_node, n, err, sizeof(err)),
	    STORE_OK);
	return n;
}

static const char *
state_of(json_t *n)
{
	static char buf[64];
	json_t *f = store_get(store_thread(), &model_node, "uuid", node_uuid(n));

	snprintf(buf, sizeof(buf), "%s", node_provision_state(f));
	json_decref(f);
	return buf;
}

static bool
locked(json_t *n)
{
	json_t *f = store_get(store_thread(), &model_node, "uuid", node_uuid(n));
	bool r = node_reservation(f) != NULL;

	json_decref(f);
	return r;
}

/* Waits until the node is in want and its lock is released: the worker
 * saves the state and then unlocks, in two writes. */
static void
wait_state(json_t *n, const char *want)
{
	for (int i = 0; i < 600 && (strcmp(state_of(n), want) != 0 || locked(n)); i++)
		usleep(50000);
	assert_string_equal(state_of(n), want);
}

static void
bmc_failures_are_damped(void **unused)
{
	json_t *a = active_node("a", NULL);

	(void)unused;
	recovery_pass_begin();
	/* below the threshold: taken (power sync records nothing), no action */
	assert_true(recovery_detect(a, -1, HW_POWER_UNKNOWN, 1, "timeout"));
	assert_true(recovery_detect(a, -1, HW_POWER_UNKNOWN, 2, "timeout"));
	assert_string_equal(state_of(a), "active");
	/* a good read: power sync's again */
	assert_false(recovery_detect(a, 0, HW_POWER_ON, 0, ""));
	assert_true(recovery_detect(a, -1, HW_POWER_UNKNOWN, 3, "timeout"));
	/* fenced by the fake BMC, no spare: waits with its instance */
	wait_state(a, "recover wait");
	json_t *f = store_get(store_thread(), &model_node, "uuid", node_uuid(a));
	assert_string_equal(node_fault(f), "no spare");
	assert_string_equal(node_instance_uuid(f), "a");
	assert_string_equal(node_power_state(f), "power off");
	assert_null(node_reservation(f));
	json_decref(f);
	json_decref(a);
}

static void
per_pass_bound(void **unused)
{
	json_t *n[3];
	int moving = 0;

	(void)unused;
	recovery_pass_begin();
	for (int i = 0; i < 3; i++) {
		char name[8];
		snprintf(name, sizeof(name), "b%d", i);
		n[i] = active_node(name, NULL);
		(void)recovery_detect(n[i], -1, HW_POWER_UNKNOWN, 5, "timeout");
	}
	for (int i = 0; i < 3; i++)
		moving += strcmp(state_of(n[i]), "active") != 0;
	assert_int_equal(moving, 2);	/* max_per_pass */
	for (int i = 0; i < 3; i++)
		if (strcmp(state_of(n[i]), "active") != 0)
			wait_state(n[i], "recover wait");
	recovery_pass_begin();		/* the next pass takes the third */
	for (int i = 0; i < 3; i++)
		(void)recovery_detect(n[i], -1, HW_POWER_UNKNOWN, 6, "timeout");
	for (int i = 0; i < 3; i++) {
		wait_state(n[i], "recover wait");
		json_decref(n[i]);
	}
}

static void
power_off_grace_and_policies(void **unused)
{
	json_t *c = active_node("c", "manual"), *d = active_node("d", "off");
	json_t *e = active_node("e", "automatc");

	(void)unused;
	recovery_pass_begin();
	assert_string_equal(recovery_policy(e), "manual");	/* a typo moves nothing */
	assert_false(recovery_detect(d, -1, HW_POWER_UNKNOWN, 50, "timeout"));
	assert_string_equal(state_of(d), "active");
	/* off without a request: within the grace, nothing */
	assert_true(recovery_detect(c, 0, HW_POWER_OFF, 0, "") == !cconf.force_power_state);
	assert_string_equal(state_of(c), "active");
	sleep(2);
	assert_true(recovery_detect(c, 0, HW_POWER_OFF, 0, ""));
	wait_state(c, "recover wait");
	json_t *f = store_get(store_thread(), &model_node, "uuid", node_uuid(c));
	assert_string_equal(node_fault(f), "awaiting recovery");	/* manual */
	json_decref(f);
	json_decref(c);
	json_decref(d);
	json_decref(e);
}

/* The critical-sensor rule: sensor_failures reads in a row, a read
 * without a critical sensor resets the count. */
static void
sensor_rule_is_damped(void **unused)
{
	json_t *crit = json_pack("[{s:s, s:f, s:s, s:s}, {s:s, s:f, s:s, s:s}]",
	    "name", "CPU Temp", "reading", 95.0, "units", "C", "state", "Critical",
	    "name", "Fan 1", "reading", 3000.0, "units", "RPM", "state", "Nominal");
	json_t *ok = json_pack("[{s:s, s:f, s:s, s:s}]", "name", "CPU Temp",
	    "reading", 45.0, "units", "C", "state", "Nominal");
	char why[600] = "";

	(void)unused;
	assert_int_equal(recovery_sensor_judge("s", crit, why, sizeof(why)), 0);
	assert_int_equal(recovery_sensor_judge("s", crit, why, sizeof(why)), 0);
	assert_int_equal(recovery_sensor_judge("s", ok, why, sizeof(why)), 0);	/* reset */
	assert_int_equal(recovery_sensor_judge("s", crit, why, sizeof(why)), 0);
	assert_int_equal(recovery_sensor_judge("t", crit, why, sizeof(why)), 0);  /* apart */
	assert_int_equal(recovery_sensor_judge("s", crit, why, sizeof(why)), 0);
	assert_int_equal(recovery_sensor_judge("s", crit, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "1 critical sensor(s) on 3 sensor reads in a row: "
	    "CPU Temp 95.00 C"));
	assert_null(strstr(why, "Fan"));
	recovery_sensor_forget("s");
	recovery_sensor_forget("t");
	json_decref(crit);
	json_decref(ok);
}

static int
retried(void)
{
	struct store_query q = { 0 };
	char err[256];
	json_t *all = store_list(store_thread(), &model_node, &q, err, sizeof(err)), *n;
	size_t i;
	int k = 0;

	json_array_foreach(all, i, n)
		k += (int)json_integer_value(json_object_get(json_object_get(
		    node_driver_internal_info(n), "recovery"), "retries"));
	json_decref(all);
	return k;
}

static json_t *
all_nodes(void)
{
	struct store_query q = { 0 };
	char err[256];

	return store_list(store_thread(), &model_node, &q, err, sizeof(err));
}

/* Nodes waiting for a spare (a, b0..b2 from the tests above) are retried
 * when an available node appears: one per new node, no more. */
static void
retry_when_a_node_appears(void **unused)
{
	json_t *all, *x = active_node("x-silver", NULL), *w[4];
	char err[256];
	int k;

	(void)unused;
	json_object_set_new(x, "provision_state", json_string("available"));
	json_object_set_new(x, "instance_uuid", json_null());
	json_object_set_new(x, "resource_class", json_string("silver"));  /* no fit */
	assert_int_equal(store_update(store_thread(), &model_node, x, err, sizeof(err)),
	    STORE_OK);
	all = all_nodes();
	recovery_retry_waiting(all);	/* first pass: x is new */
	json_decref(all);
	assert_int_equal(retried(), 1);
	for (k = 0; k < 4; k++) {
		w[k] = json_pack("{s:s}", "uuid", "");
		json_t *f = store_get(store_thread(), &model_node, "name", k == 0 ? "a" :
		    k == 1 ? "b0" : k == 2 ? "b1" : "b2");
		json_object_set(w[k], "uuid", json_object_get(f, "uuid"));
		json_decref(f);
		wait_state(w[k], "recover wait");	/* no fit: waits again */
	}
	all = all_nodes();
	recovery_retry_waiting(all);	/* nothing new: nothing retried */
	json_decref(all);
	assert_int_equal(retried(), 1);
	for (k = 0; k < 4; k++)
		json_decref(w[k]);
	json_decref(x);
}

/* A power sync pass reads this conductor's nodes a page at a time: every
 * one once over several pages, none of another conductor's. */
static void
pass_reads_every_page(void **unused)
{
	enum { N = 2100 };
	struct power_sync_conf pc = { .workers = 8 };
	struct power_sync_stats st = { 0 };
	struct store *s = store_thread();
	char err[256];

	(void)unused;
	power_sync_configure(&pc);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < N + 5; i++) {
		char name[16], u[UUID_STR_LEN], now[40];
		json_t *n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "driver",
		    "fake-hardware", "provision_state", "manageable", "power_state", "power off",
		    "power_interface", "fake", "management_interface", "fake",
		    "conductor", i < N ? "unit" : "another", "name", "");

		snprintf(name, sizeof(name), "page%d", i);
		json_object_set_new(n, "name", json_string(name));
		util_uuid_new(u);
		util_now_iso(now);
		json_object_set_new(n, "uuid", json_string(u));
		json_object_set_new(n, "created_at", json_string(now));
		model_apply_defaults(&model_node, n);
		assert_int_equal(store_create(s, &model_node, n, err, sizeof(err)), STORE_OK);
		json_decref(n);
	}
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(power_sync_run(&st), 0);
	assert_int_equal(st.nodes, N);
	assert_int_equal(st.failed, 0);
}

/* The spare search reads the available nodes a page at a time (500): it
 * counts all of them when none fits, and finds a spare past the first
 * page. */
static json_t *
available_node(const char *name, const char *rclass)
{
	json_t *n = active_node(name, NULL);
	char err[256];

	json_object_set_new(n, "provision_state", json_string("available"));
	json_object_set_new(n, "power_state", json_string("power off"));
	json_object_set_new(n, "instance_uuid", json_null());
	json_object_set_new(n, "resource_class", rclass ? json_string(rclass) : json_null());
	assert_int_equal(store_update(store_thread(), &model_node, n, err, sizeof(err)),
	    STORE_OK);
	return n;
}

static void
spare_search_pages(void **unused)
{
	json_t *p, *q, *fit, *f;
	char name[16];
	int i;

	(void)unused;
	assert_int_equal(store_begin(store_thread()), 0);
	for (i = 0; i < 600; i++) {	/* with x-silver: 601 that do not fit */
		snprintf(name, sizeof(name), "silver%d", i);
		json_decref(available_node(name, "silver"));
	}
	assert_int_equal(store_commit(store_thread()), 0);
	p = active_node("p", NULL);
	recovery_pass_begin();
	(void)recovery_detect(p, -1, HW_POWER_UNKNOWN, 5, "timeout");
	wait_state(p, "recover wait");
	f = store_get(store_thread(), &model_node, "uuid", node_uuid(p));
	assert_non_null(strstr(node_last_error(f), "no spare node: 601 available node(s)"));
	json_decref(f);
	fit = available_node("fit", NULL);	/* created after the 601: page 2 */
	q = active_node("q", NULL);
	recovery_pass_begin();
	(void)recovery_detect(q, -1, HW_POWER_UNKNOWN, 5, "timeout");
	for (i = 0; i < 600; i++) {
		f = store_get(store_thread(), &model_node, "uuid", node_uuid(fit));
		bool moved = node_instance_uuid(f) != NULL && strcmp(node_instance_uuid(f), "q") == 0;
		json_decref(f);
		if (moved)
			break;
		usleep(50000);
	}
	f = store_get(store_thread(), &model_node, "uuid", node_uuid(fit));
	assert_non_null(node_instance_uuid(f));
	assert_string_equal(node_instance_uuid(f), "q");
	json_decref(f);
	json_decref(p);
	json_decref(q);
	json_decref(fit);
}

/* The cost power sync pays per healthy node (no BMC call is added). */
static void
detection_cost(void **unused)
{
	enum { N = 1000 };
	json_t *nodes = json_array();
	struct timespec t0, t1;

	(void)unused;
	cconf.recovery.sensor_failures = 0;	/* the default: no sensor read */
	for (int i = 0; i < N; i++) {
		json_t *n = json_pack("{s:s, s:s, s:s, s:b, s:{}}", "uuid", "x",
		    "provision_state", "active", "power_state", "power on", "maintenance", 0,
		    "driver_info");
		char u[UUID_STR_LEN];
		util_uuid_new(u);
		json_object_set_new(n, "uuid", json_string(u));
		json_array_append_new(nodes, n);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++)
		assert_false(recovery_detect(json_array_get(nodes, i), 0, HW_POWER_ON, 0, ""));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# detection: %.1f us for %d healthy active nodes (one pass)\n",
	    ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3, N);
	json_decref(nodes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bmc_failures_are_damped),
		cmocka_unit_test(per_pass_bound),
		cmocka_unit_test(power_off_grace_and_policies),
		cmocka_unit_test(sensor_rule_is_damped),
		cmocka_unit_test(retry_when_a_node_appears),
		cmocka_unit_test(pass_reads_every_page),
		cmocka_unit_test(spare_search_pages),
		cmocka_unit_test(detection_cost),
	};
	struct recovery_conf rc = { .policy = "automatic", .bmc_failures = 3,
	    .power_off_grace = 1, .spare_trait = "", .max_per_pass = 2,
	    .sensor_failures = 3, .auto_retries = 2 };
	char path[300], err[256];
	int r;

	if (unit_db_engine() != 0 || mkdtemp(dir) == NULL)
		return 1;
	unit_db_new(dir, "t", path, sizeof(path));
	if (store_init(path, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "store_init: %s\n", err);
		return 1;
	}
	snprintf(cond_host_name, sizeof(cond_host_name), "unit");
	cconf.recovery = rc;
	cconf.force_power_state = true;
	cconf.power_timeout = 5;
	if (recovery_configure(&rc, err, sizeof(err)) != 0)
		return 1;
	worker_start(2);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	worker_stop();
	store_thread_release();
	store_shutdown();
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return r;
}
