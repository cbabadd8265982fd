#include "fsm.h"

#include <string.h>

const struct fsm_state fsm_states[] = {
#define STATE(id, name, kind, target, phase, ramdisk, timeout, deletable, work) \
	{ FSM_S_##id, name, kind, target, phase, ramdisk, timeout, deletable },
#include "fsm.def"
#undef STATE
	{ FSM_NSTATES, NULL, FSM_STABLE, NULL, NET_ISOLATED, false, FSM_TO_NONE, false },
};

const struct fsm_transition fsm_transitions[] = {
	{ "enroll", "manage", "verifying", NULL },
	{ "verifying", "done", "manageable", NULL },
	{ "verifying", "fail", "enroll", NULL },

	{ "manageable", "provide", "cleaning", "available" },
	{ "manageable", "clean", "cleaning", "manageable" },
	{ "manageable", "inspect", "inspecting", NULL },
	{ "manageable", "adopt", "adopting", NULL },

	{ "inspecting", "done", "manageable", NULL },
	{ "inspecting", "wait", "inspect wait", NULL },
	{ "inspecting", "fail", "inspect failed", NULL },
	{ "inspect wait", "resume", "inspecting", NULL },
	{ "inspect wait", "done", "manageable", NULL },
	{ "inspect wait", "fail", "inspect failed", NULL },
	{ "inspect wait", "abort", "inspect failed", NULL },
	{ "inspect failed", "manage", "manageable", NULL },
	{ "inspect failed", "inspect", "inspecting", NULL },

	{ "cleaning", "done", "*target", NULL },
	{ "cleaning", "wait", "clean wait", NULL },
	{ "cleaning", "fail", "clean failed", NULL },
	{ "clean wait", "resume", "cleaning", NULL },
	{ "clean wait", "fail", "clean failed", NULL },
	{ "clean wait", "abort", "clean failed", NULL },
	{ "clean failed", "manage", "manageable", NULL },

	{ "available", "manage", "manageable", NULL },
	{ "available", "deploy", "deploying", NULL },
	{ "deploying", "done", "active", NULL },
	{ "deploying", "wait", "wait call-back", NULL },
	{ "deploying", "fail", "deploy failed", NULL },
	{ "wait call-back", "resume", "deploying", NULL },
	{ "wait call-back", "fail", "deploy failed", NULL },
	{ "wait call-back", "abort", "deploy failed", NULL },
	{ "wait call-back", "delete", "deleting", NULL },
	{ "deploy failed", "deploy", "deploying", NULL },
	{ "deploy failed", "rebuild", "deploying", NULL },
	{ "deploy failed", "delete", "deleting", NULL },

	{ "active", "rebuild", "deploying", NULL },
	{ "active", "delete", "deleting", NULL },
	{ "active", "rescue", "rescuing", NULL },
	{ "deleting", "done", "available", NULL },
	{ "deleting", "auto_clean", "cleaning", "available" },
	{ "deleting", "fail", "error", NULL },
	{ "error", "rebuild", "deploying", NULL },
	{ "error", "delete", "deleting", NULL },

	{ "adopting", "done", "active", NULL },
	{ "adopting", "fail", "adopt failed", NULL },
	{ "adopt failed", "adopt", "adopting", NULL },
	{ "adopt failed", "manage", "manageable", NULL },

	{ "rescuing", "done", "rescue", NULL },
	{ "rescuing", "wait", "rescue wait", NULL },
	{ "rescuing", "fail", "rescue failed", NULL },
	{ "rescue wait", "resume", "rescuing", NULL },
	{ "rescue wait", "fail", "rescue failed", NULL },
	{ "rescue wait", "abort", "rescue failed", NULL },
	{ "rescue", "rescue", "rescuing", NULL },
	{ "rescue", "unrescue", "unrescuing", NULL },
	{ "rescue", "delete", "deleting", NULL },
	{ "unrescuing", "done", "active", NULL },
	{ "unrescuing", "fail", "unrescue failed", NULL },
	{ "rescue failed", "rescue", "rescuing", NULL },
	{ "rescue failed", "unrescue", "unrescuing", NULL },
	{ "rescue failed", "delete", "deleting", NULL },
	{ "unrescue failed", "rescue", "rescuing", NULL },
	{ "unrescue failed", "unrescue", "unrescuing", NULL },
	{ "unrescue failed", "delete", "deleting", NULL },

	/* Servicing (1.87): out-of-band steps on an active node. */
	{ "active", "service", "servicing", NULL },
	{ "servicing", "done", "active", NULL },
	{ "servicing", "fail", "service failed", NULL },
	{ "service failed", "service", "servicing", NULL },
	{ "service failed", "abort", "active", NULL },
	{ "service failed", "rescue", "rescuing", NULL },
	{ "service failed", "delete", "deleting", NULL },

	/* Recovery (an Ingot extension, docs/recovery.md): the failed node
	 * is fenced and its instance moved to a spare, which deploys. */
	{ "active", "recover", "recovering", NULL },
	{ "recovering", "done", "manageable", NULL },
	{ "recovering", "wait", "recover wait", NULL },
	{ "recovering", "fail", "recover failed", NULL },
	{ "recover wait", "recover", "recovering", NULL },
	{ "recover wait", "rebuild", "deploying", NULL },
	{ "recover wait", "delete", "deleting", NULL },
	{ "recover failed", "recover", "recovering", NULL },
	{ "recover failed", "rebuild", "deploying", NULL },
	{ "recover failed", "delete", "deleting", NULL },
	{ NULL, NULL, NULL, NULL },
};

const struct fsm_verb fsm_verbs[] = {
	{ "active", "deploy", 1 },
	{ "deleted", "delete", 1 },
	{ "rebuild", "rebuild", 1 },
	{ "manage", "manage", 4 },
	{ "provide", "provide", 4 },
	{ "inspect", "inspect", 6 },
	{ "abort", "abort", 13 },
	{ "clean", "clean", 15 },
	{ "adopt", "adopt", 17 },
	{ "rescue", "rescue", 38 },
	{ "unrescue", "unrescue", 38 },
	{ "deploy", "deploy", 73 },
	{ "undeploy", "delete", 73 },
	{ "unhold", "unhold", 85 },	/* no state holds yet: 400 in every state */
	{ "service", "service", 87 },
	{ "recover", "recover", 1 },	/* Ingot's extension */
	{ NULL, NULL, 0 },
};

static const struct {
	const char	*state;
	const char	*event;
	int		 since;
} event_since[] = {
	{ "inspect wait", "abort", 41 },
	{ "wait call-back", "abort", 110 },
	{ NULL, NULL, 0 },
};

int
fsm_event_since(const char *state, const char *event)
{
	for (size_t i = 0; state != NULL && event_since[i].state != NULL; i++)
		if (strcmp(event_since[i].state, state) == 0 &&
		    strcmp(event_since[i].event, event) == 0)
			return event_since[i].since;
	return 0;
}

const struct fsm_state *
fsm_state(const char *name)
{
	for (size_t i = 0; name != NULL && fsm_states[i].name != NULL; i++)
		if (strcmp(fsm_states[i].name, name) == 0)
			return &fsm_states[i];
	return NULL;
}

const struct fsm_transition *
fsm_find(const char *from, const char *event)
{
	for (size_t i = 0; from != NULL && fsm_transitions[i].from != NULL; i++)
		if (strcmp(fsm_transitions[i].from, from) == 0 &&
		    strcmp(fsm_transitions[i].event, event) == 0)
			return &fsm_transitions[i];
	return NULL;
}

const char *
fsm_destination(const struct fsm_transition *t, const char *cur_target)
{
	if (strcmp(t->to, "*target") != 0)
		return t->to;
	/* Manual cleaning returns to manageable, automated to available. */
	if (cur_target != NULL && strcmp(cur_target, "manageable") == 0)
		return "manageable";
	return "available";
}

const char *
fsm_target(const struct fsm_transition *t, const char *to, const char *cur_target)
{
	const struct fsm_state *st = fsm_state(to);

	if (t->target != NULL)
		return t->target;
	if (st == NULL || st->kind == FSM_STABLE)
		return NULL;
	/* Within one operation (cleaning for provide vs manual clean) the
	 * target stays what the operation started with. */
	if (cur_target != NULL && st->kind != FSM_STABLE &&
	    (strcmp(to, "cleaning") == 0 || strcmp(to, "clean wait") == 0 ||
	    strcmp(to, "clean failed") == 0))
		return cur_target;
	return st->target;
}

const struct fsm_verb *
fsm_verb(const char *verb)
{
	for (size_t i = 0; verb != NULL && fsm_verbs[i].verb != NULL; i++)
		if (strcmp(fsm_verbs[i].verb, verb) == 0)
			return &fsm_verbs[i];
	return NULL;
}

bool
fsm_ramdisk(const char *state)
{
	const struct fsm_state *s = state != NULL ? fsm_state(state) : NULL;

	return s != NULL && s->ramdisk;
}

enum net_phase
fsm_phase(const char *state)
{
	const struct fsm_state *s = state != NULL ? fsm_state(state) : NULL;

	return s != NULL ? s->phase : NET_ISOLATED;
}

bool
fsm_is_stable(const char *state)
{
	const struct fsm_state *s = fsm_state(state);

	return s != NULL && s->kind == FSM_STABLE;
}

static const char *const kind_names[] = { "stable", "active", "wait", "failed" };
static const char *const phase_names[] = { "isolated", "provisioning", "cleaning",
    "tenant", "rescuing" };

void
fsm_print_dot(FILE *fp)
{
	static const char *const shapes[] = { "box", "ellipse", "ellipse", "octagon" };

	fprintf(fp, "// Generated by `ingotd --print-states dot`; do not edit.\n");
	fprintf(fp, "digraph ingot_provision_states {\n\trankdir=LR;\n"
	    "\tnode [fontname=\"Helvetica\", fontsize=10];\n"
	    "\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	for (size_t i = 0; fsm_states[i].name != NULL; i++)
		fprintf(fp, "\t\"%s\" [shape=%s%s];\n", fsm_states[i].name,
		    shapes[fsm_states[i].kind],
		    fsm_states[i].kind == FSM_FAILED ? ", color=red" :
		    fsm_states[i].kind == FSM_STABLE ? ", style=bold" : "");
	for (size_t i = 0; fsm_transitions[i].from != NULL; i++) {
		const struct fsm_transition *t = &fsm_transitions[i];
		if (strcmp(t->to, "*target") == 0) {
			fprintf(fp, "\t\"%s\" -> \"available\" [label=\"%s\"];\n", t->from, t->event);
			fprintf(fp, "\t\"%s\" -> \"manageable\" [label=\"%s (manual)\"];\n",
			    t->from, t->event);
		} else {
			fprintf(fp, "\t\"%s\" -> \"%s\" [label=\"%s\"];\n", t->from, t->to, t->event);
		}
	}
	fprintf(fp, "}\n");
}

void
fsm_print_markdown(FILE *fp)
{
	fprintf(fp, "<!-- Generated by `ingotd --print-states markdown`; do not edit. -->\n");
	fprintf(fp, "# Provision states\n\n");
	fprintf(fp, "The API verbs (`PUT /v1/nodes/{node}/states/provision`, "
	    "`{\"target\": VERB}`) and the event each one fires:\n\n");
	fprintf(fp, "| verb | event | since microversion |\n|---|---|---|\n");
	for (size_t i = 0; fsm_verbs[i].verb != NULL; i++)
		fprintf(fp, "| `%s` | %s | 1.%d |\n", fsm_verbs[i].verb,
		    fsm_verbs[i].event, fsm_verbs[i].min_minor);
	fprintf(fp, "\nStates, from `src/conductor/fsm.def` (kind: stable = waits for a "
	    "user; active = a conductor works on it; wait = waits for the node; "
	    "failed = an action failed. Switch ports: the VLANs the node's ports "
	    "carry in it. Ramdisk: a deploy ramdisk runs, so its agent may look "
	    "up and heartbeat and its boot files are served. Timeout: callback = "
	    "fails after `[deploy] callback_timeout` of agent silence):\n\n"
	    "| state | kind | target while in it | switch ports | ramdisk | timeout | "
	    "may be deleted |\n|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; fsm_states[i].name != NULL; i++) {
		const struct fsm_state *st = &fsm_states[i];
		fprintf(fp, "| %s | %s | %s | %s | %s | %s | %s |\n", st->name,
		    kind_names[st->kind], st->target ? st->target : "-",
		    phase_names[st->phase], st->ramdisk ? "yes" : "-",
		    st->timeout == FSM_TO_CALLBACK ? "callback" : "-",
		    st->deletable ? "yes" : "-");
	}
	fprintf(fp, "\nTransitions (every other state/event pair is refused "
	    "with HTTP 400):\n\n| from | event | to |\n|---|---|---|\n");
	for (size_t i = 0; fsm_transitions[i].from != NULL; i++)
		fprintf(fp, "| %s | %s | %s |\n", fsm_transitions[i].from,
		    fsm_transitions[i].event,
		    strcmp(fsm_transitions[i].to, "*target") == 0 ?
		    "available (after provide) or manageable (after manual clean)" :
		    fsm_transitions[i].to);
	fprintf(fp, "\nWhen ingotd starts, nodes it left in an *active* state "
	    "fire `fail` (verifying goes back to enroll, deleting to error) with "
	    "a `last_error`, and every reservation it held is released.\n");
}
