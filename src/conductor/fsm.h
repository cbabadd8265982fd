/*
 * Ironic's provision state machine, written once as tables: the states, the
 * transitions and the API verbs.  Code, docs/states.md and the Graphviz
 * diagram (ingotd --print-states dot) all come from here.
 */
#ifndef INGOT_FSM_H
#define INGOT_FSM_H

#include <stdbool.h>
#include <stdio.h>

/* The VLANs a node's switch ports may carry (netflow.c applies them). */
enum net_phase { NET_ISOLATED, NET_PROVISIONING, NET_CLEANING, NET_TENANT,
	NET_RESCUING };

enum fsm_timeout {
	FSM_TO_NONE,		/* waits for ever */
	FSM_TO_CALLBACK,	/* fails after [deploy] callback_timeout of silence */
};

/* FSM_S_ENROLL, FSM_S_VERIFYING, ...: the states of fsm.def, in order. */
enum fsm_state_id {
#define STATE(id, ...) FSM_S_##id,
#include "fsm.def"
#undef STATE
	FSM_NSTATES
};

enum fsm_kind {
	FSM_STABLE,	/* nothing happens until someone asks */
	FSM_ACTIVE,	/* a conductor is working on the node right now */
	FSM_WAIT,	/* waiting for the node (agent, reboot) */
	FSM_FAILED,	/* an action failed; the user chooses what next */
};

/* A row of fsm.def (the columns are explained there). */
struct fsm_state {
	enum fsm_state_id id;
	const char	*name;
	enum fsm_kind	 kind;
	const char	*target;	/* target_provision_state while in it */
	enum net_phase	 phase;		/* the VLANs its switch ports may carry */
	bool		 ramdisk;	/* a deploy ramdisk runs */
	enum fsm_timeout timeout;
	bool		 deletable;
};

struct fsm_transition {
	const char	*from;
	const char	*event;
	const char	*to;		/* "*target": the node's current target */
	const char	*target;	/* overrides the state's target, or NULL */
};

struct fsm_verb {
	const char	*verb;		/* as in PUT /states/provision {"target"} */
	const char	*event;
	int		 min_minor;
};

extern const struct fsm_state fsm_states[];	/* FSM_NSTATES + a NULL row */
extern const struct fsm_transition fsm_transitions[];
extern const struct fsm_verb fsm_verbs[];

const struct fsm_state *fsm_state(const char *name);
/* The transition for event in state from, or NULL when not allowed. */
const struct fsm_transition *fsm_find(const char *from, const char *event);
/* Resolves where a transition leads, given the node's current target. */
const char *fsm_destination(const struct fsm_transition *t, const char *cur_target);
/* The target to record on entering state "to" through t. */
const char *fsm_target(const struct fsm_transition *t, const char *to,
	    const char *cur_target);
const struct fsm_verb *fsm_verb(const char *verb);
/*
 * The first microversion at which event may be asked in state, where it
 * came later than the verb (Ironic: abort in inspect wait from 1.41, in
 * wait call-back from 1.110); 0 when the verb's own version suffices.
 */
int	fsm_event_since(const char *state, const char *event);
bool	fsm_is_stable(const char *state);
bool	fsm_ramdisk(const char *state);
/* The phase a state's switch ports must be in (NET_ISOLATED if unknown). */
enum net_phase fsm_phase(const char *state);

void	fsm_print_dot(FILE *fp);
void	fsm_print_markdown(FILE *fp);

#endif
