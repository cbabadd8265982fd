/* The provision state machine against Ironic's documented transitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fsm.h"

/* Independent expectation: (state, API verb) -> state entered, per Ironic's
 * state machine documentation.  Anything not listed must be refused. */
static const char *const allowed[][3] = {
	{ "enroll", "manage", "verifying" },
	{ "manageable", "provide", "cleaning" },
	{ "manageable", "clean", "cleaning" },
	{ "manageable", "inspect", "inspecting" },
	{ "manageable", "adopt", "adopting" },
	{ "inspect failed", "manage", "manageable" },
	{ "inspect failed", "inspect", "inspecting" },
	{ "inspect wait", "abort", "inspect failed" },
	{ "clean failed", "manage", "manageable" },
	{ "clean wait", "abort", "clean failed" },
	{ "available", "manage", "manageable" },
	{ "available", "active", "deploying" },
	{ "available", "deploy", "deploying" },
	{ "wait call-back", "abort", "deploy failed" },
	{ "wait call-back", "deleted", "deleting" },
	{ "wait call-back", "undeploy", "deleting" },
	{ "deploy failed", "active", "deploying" },
	{ "deploy failed", "deploy", "deploying" },
	{ "deploy failed", "rebuild", "deploying" },
	{ "deploy failed", "deleted", "deleting" },
	{ "deploy failed", "undeploy", "deleting" },
	{ "active", "rebuild", "deploying" },
	{ "active", "deleted", "deleting" },
	{ "active", "undeploy", "deleting" },
	{ "active", "rescue", "rescuing" },
	{ "error", "rebuild", "deploying" },
	{ "error", "deleted", "deleting" },
	{ "error", "undeploy", "deleting" },
	{ "adopt failed", "adopt", "adopting" },
	{ "adopt failed", "manage", "manageable" },
	{ "rescue wait", "abort", "rescue failed" },
	{ "rescue", "rescue", "rescuing" },
	{ "rescue", "unrescue", "unrescuing" },
	{ "rescue", "deleted", "deleting" },
	{ "rescue", "undeploy", "deleting" },
	{ "rescue failed", "rescue", "rescuing" },
	{ "rescue failed", "unrescue", "unrescuing" },
	{ "rescue failed", "deleted", "deleting" },
	{ "rescue failed", "undeploy", "deleting" },
	{ "unrescue failed", "rescue", "rescuing" },
	{ "unrescue failed", "unrescue", "unrescuing" },
	{ "unrescue failed", "deleted", "deleting" },
	{ "unrescue failed", "undeploy", "deleting" },
	{ "active", "recover", "recovering" },
	{ "recover wait", "recover", "recovering" },
	{ "recover wait", "rebuild", "deploying" },
	{ "recover failed", "rebuild", "deploying" },
	{ "recover wait", "deleted", "deleting" },
	{ "recover wait", "undeploy", "deleting" },
	{ "recover failed", "recover", "recovering" },
	{ "recover failed", "deleted", "deleting" },
	{ "recover failed", "undeploy", "deleting" },
	{ "active", "service", "servicing" },
	{ "service failed", "service", "servicing" },
	{ "service failed", "abort", "active" },
	{ "service failed", "rescue", "rescuing" },
	{ "service failed", "deleted", "deleting" },
	{ "service failed", "undeploy", "deleting" },
};

static const char *
expected(const char *state, const char *verb)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(allowed[i][0], state) == 0 && strcmp(allowed[i][1], verb) == 0)
			return allowed[i][2];
	return NULL;
}

static void
every_verb_in_every_state(void **unused)
{
	(void)unused;
	for (size_t s = 0; fsm_states[s].name != NULL; s++) {
		for (size_t v = 0; fsm_verbs[v].verb != NULL; v++) {
			const char *state = fsm_states[s].name, *verb = fsm_verbs[v].verb;
			const struct fsm_transition *t = fsm_find(state, fsm_verbs[v].event);
			const char *want = expected(state, verb);
			char msg[200];

			snprintf(msg, sizeof(msg), "%s in %s", verb, state);
			if (want == NULL) {
				if (t != NULL)
					fail_msg("%s should be refused", msg);
			} else {
				if (t == NULL)
					fail_msg("%s should be allowed", msg);
				assert_string_equal(fsm_destination(t, NULL), want);
			}
		}
	}
}

static void
transition_states_exist(void **unused)
{
	(void)unused;
	for (size_t i = 0; fsm_transitions[i].from != NULL; i++) {
		assert_non_null(fsm_state(fsm_transitions[i].from));
		if (strcmp(fsm_transitions[i].to, "*target") != 0)
			assert_non_null(fsm_state(fsm_transitions[i].to));
	}
}

static void
every_state_reachable_from_enroll(void **unused)
{
	bool seen[64] = { false };
	int n = 0, changed = 1;

	(void)unused;
	while (fsm_states[n].name != NULL)
		n++;
	seen[0] = true;	/* enroll */
	while (changed) {
		changed = 0;
		for (size_t i = 0; fsm_transitions[i].from != NULL; i++) {
			const struct fsm_transition *t = &fsm_transitions[i];
			int from = (int)(fsm_state(t->from) - fsm_states);
			const char *tos[2] = { t->to, NULL };
			if (!seen[from])
				continue;
			if (strcmp(t->to, "*target") == 0) {
				tos[0] = "available";
				tos[1] = "manageable";
			}
			for (int k = 0; k < 2 && tos[k]; k++) {
				int to = (int)(fsm_state(tos[k]) - fsm_states);
				if (!seen[to])
					seen[to] = true, changed = 1;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (!seen[i])
			fail_msg("state %s is unreachable", fsm_states[i].name);
}

static void
targets(void **unused)
{
	const struct fsm_transition *t;

	(void)unused;
	t = fsm_find("manageable", "provide");
	assert_string_equal(fsm_target(t, "cleaning", NULL), "available");
	t = fsm_find("manageable", "clean");
	assert_string_equal(fsm_target(t, "cleaning", NULL), "manageable");
	/* manual cleaning ends in manageable, automated in available */
	t = fsm_find("cleaning", "done");
	assert_string_equal(fsm_destination(t, "manageable"), "manageable");
	assert_string_equal(fsm_destination(t, "available"), "available");
	/* the target survives waiting and failing within cleaning */
	t = fsm_find("cleaning", "wait");
	assert_string_equal(fsm_target(t, "clean wait", "manageable"), "manageable");
	t = fsm_find("cleaning", "fail");
	assert_string_equal(fsm_target(t, "clean failed", "manageable"), "manageable");
	t = fsm_find("available", "deploy");
	assert_string_equal(fsm_target(t, "deploying", NULL), "active");
	t = fsm_find("deploying", "done");
	assert_null(fsm_target(t, "active", "active"));
	t = fsm_find("deploying", "fail");
	assert_string_equal(fsm_target(t, "deploy failed", "active"), "active");
	t = fsm_find("deleting", "fail");
	assert_null(fsm_target(t, "error", "available"));
	/* every non-stable state has a target */
	for (size_t i = 0; fsm_states[i].name != NULL; i++)
		if (fsm_states[i].kind == FSM_ACTIVE || fsm_states[i].kind == FSM_WAIT)
			assert_non_null(fsm_states[i].target);
}

static void
verbs_and_microversions(void **unused)
{
	(void)unused;
	assert_int_equal(fsm_verb("manage")->min_minor, 4);
	assert_int_equal(fsm_verb("abort")->min_minor, 13);
	/* abort came later to some states (Ironic) */
	assert_int_equal(fsm_event_since("clean wait", "abort"), 0);
	assert_int_equal(fsm_event_since("inspect wait", "abort"), 41);
	assert_int_equal(fsm_event_since("wait call-back", "abort"), 110);
	assert_int_equal(fsm_event_since("wait call-back", "delete"), 0);
	assert_int_equal(fsm_verb("clean")->min_minor, 15);
	assert_int_equal(fsm_verb("adopt")->min_minor, 17);
	assert_int_equal(fsm_verb("rescue")->min_minor, 38);
	assert_int_equal(fsm_verb("deploy")->min_minor, 73);
	assert_string_equal(fsm_verb("undeploy")->event, "delete");
	assert_string_equal(fsm_verb("active")->event, "deploy");
	assert_null(fsm_verb("fly"));
	assert_true(fsm_is_stable("available"));
	assert_false(fsm_is_stable("deploying"));
}

/* fsm.def's columns, read as the worker and the switch code read them. */
static const struct {
	const char	*name;
	enum fsm_kind	 kind;
	const char	*work;		/* the handler's name, "NULL" for none */
} rows[] = {
#define STATE(id, name, kind, target, phase, ramdisk, timeout, deletable, work) \
	{ name, kind, #work },
#include "fsm.def"
#undef STATE
};

/* Every state that a conductor works on has a handler; no other has one. */
static void
every_active_state_has_a_handler(void **unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool has = strcmp(rows[i].work, "NULL") != 0;
		if (has != (rows[i].kind == FSM_ACTIVE))
			fail_msg("state %s: kind %d, handler %s", rows[i].name,
			    rows[i].kind, rows[i].work);
	}
	assert_int_equal(sizeof(rows) / sizeof(rows[0]), FSM_NSTATES);
	for (int i = 0; i < FSM_NSTATES; i++)
		assert_int_equal(fsm_states[i].id, i);
}

/*
 * The network-safety rule, as the VLAN tests (tests/integration/
 * network_vlan.sh, crash_switch.sh, the lab's isolation probes) assert it:
 * a node's ports carry its tenant's VLANs only when active or in rescue
 * (the tenant uses the rescue ramdisk); the provisioning VLAN while a
 * ramdisk deploys or inspects; the rescuing VLAN (never provisioning)
 * while it boots for a rescue; the cleaning VLAN while cleaning;
 * otherwise nothing (isolated).
 */
static void
network_phase_column(void **unused)
{
	static const struct { const char *state; enum net_phase phase; } want[] = {
		{ "active", NET_TENANT },
		{ "deploying", NET_PROVISIONING }, { "wait call-back", NET_PROVISIONING },
		{ "inspecting", NET_PROVISIONING }, { "inspect wait", NET_PROVISIONING },
		{ "rescuing", NET_RESCUING }, { "rescue wait", NET_RESCUING },
		{ "rescue", NET_TENANT },
		{ "cleaning", NET_CLEANING }, { "clean wait", NET_CLEANING },
	};

	(void)unused;
	for (const struct fsm_state *st = fsm_states; st->name != NULL; st++) {
		enum net_phase expect = NET_ISOLATED;
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (strcmp(want[i].state, st->name) == 0)
				expect = want[i].phase;
		if (st->phase != expect)
			fail_msg("state %s: phase %d, the VLAN tests expect %d", st->name,
			    st->phase, expect);
		/* only a running ramdisk may be on the provisioning or cleaning VLAN */
		if ((st->phase == NET_PROVISIONING || st->phase == NET_CLEANING ||
		    st->phase == NET_RESCUING) != st->ramdisk)
			fail_msg("state %s: ramdisk column disagrees with its phase", st->name);
	}
	assert_int_equal(fsm_phase("no such state"), NET_ISOLATED);
	assert_int_equal(fsm_phase(NULL), NET_ISOLATED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_verb_in_every_state),
		cmocka_unit_test(every_active_state_has_a_handler),
		cmocka_unit_test(network_phase_column),
		cmocka_unit_test(transition_states_exist),
		cmocka_unit_test(every_state_reachable_from_enroll),
		cmocka_unit_test(targets),
		cmocka_unit_test(verbs_and_microversions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
