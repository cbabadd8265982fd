/* The worker pool (see worker.h). */
#include "worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>

#include "agent_flow.h"
#include "flow.h"
#include "fsm.h"
#include "log.h"
#include "node.h"
#include "power.h"
#include "store.h"
#include "util.h"

struct task {
	enum task_kind	 kind;
	char		 uuid[UUID_STR_LEN];
	char		 request_id[64];
	json_t		*args;		/* owned */
	struct task	*next;
};

/* Each state's worker handler, from fsm.def. */
static flow_fn *const handlers[FSM_NSTATES] = {
#define STATE(id, name, kind, target, phase, ramdisk, timeout, deletable, work) \
	[FSM_S_##id] = work,
#include "fsm.def"
#undef STATE
};

static pthread_mutex_t q_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static struct task *q_head, *q_tail;
static int q_running;
static _Atomic bool q_stopping;
static pthread_t *workers;
static int nworkers;

/* The handler of the node's state, or NULL (nothing to do there). */
static flow_fn *
handler_of(json_t *node)
{
	const struct fsm_state *st = fsm_state(node_provision_state(node));

	return st != NULL ? handlers[st->id] : NULL;
}

static int
work_provision(json_t *node, json_t *args, struct ierr *e)
{
	flow_fn *fn = handler_of(node);

	if (fn != NULL)
		return fn(node, args, e);
	log_warn("worker: nothing to do in state %s", node_provision_state(node));
	return 0;
}

static void
run_task(struct task *t)
{
	json_t *node;

	log_set_request(t->request_id);
	log_set_node(t->uuid);
	node = store_get(store_thread(), &model_node, "uuid", t->uuid);
	if (node != NULL) {
		struct ierr e = { 0 };
		int rc;

		if (t->kind == TASK_PROVISION)
			rc = work_provision(node, t->args, &e);
		else if (t->kind == TASK_AGENT)
			rc = agent_flow_heartbeat(node, &e);
		else
			rc = power_work(node, t->args, &e);
		/* The one place a task's unrecorded outcome is logged. */
		if (rc != 0)
			log_error("task on node %s stopped: %s", t->uuid, e.msg);
		json_decref(node);
	}
	node_unlock(t->uuid);
	log_set_node(NULL);
	log_set_request(NULL);
}

static void *
worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct task *t;

		pthread_mutex_lock(&q_mtx);
		while (q_head == NULL && !q_stopping)
			pthread_cond_wait(&q_cv, &q_mtx);
		if (q_head == NULL) {
			pthread_mutex_unlock(&q_mtx);
			break;
		}
		t = q_head;
		q_head = t->next;
		if (q_head == NULL)
			q_tail = NULL;
		q_running++;
		pthread_mutex_unlock(&q_mtx);

		run_task(t);
		json_decref(t->args);
		free(t);

		pthread_mutex_lock(&q_mtx);
		q_running--;
		if (q_running == 0 && q_head == NULL)
			pthread_cond_broadcast(&idle_cv);
		pthread_mutex_unlock(&q_mtx);
	}
	store_thread_release();
	return NULL;
}

/* Hands a locked node to a worker; the worker releases the lock. */
void
worker_submit(enum task_kind kind, const char *uuid, json_t *args)
{
	struct task *t = util_calloc(1, sizeof(*t));

	t->kind = kind;
	snprintf(t->uuid, sizeof(t->uuid), "%s", uuid);
	snprintf(t->request_id, sizeof(t->request_id), "%s", log_get_request());
	t->args = args ? args : json_object();
	pthread_mutex_lock(&q_mtx);
	if (q_tail)
		q_tail->next = t;
	else
		q_head = t;
	q_tail = t;
	pthread_cond_signal(&q_cv);
	pthread_mutex_unlock(&q_mtx);
}

bool
conductor_idle(void)
{
	bool idle;

	pthread_mutex_lock(&q_mtx);
	idle = q_head == NULL && q_running == 0;
	pthread_mutex_unlock(&q_mtx);
	return idle;
}


void
worker_start(int n)
{
	q_stopping = false;
	nworkers = n;
	workers = util_calloc((size_t)n, sizeof(*workers));
	for (int i = 0; i < n; i++)
		pthread_create(&workers[i], NULL, worker_main, NULL);
}

void
worker_stop(void)
{
	pthread_mutex_lock(&q_mtx);
	q_stopping = true;
	pthread_cond_broadcast(&q_cv);
	pthread_mutex_unlock(&q_mtx);
	for (int i = 0; workers != NULL && i < nworkers; i++)
		pthread_join(workers[i], NULL);
	free(workers);
	workers = NULL;
}
