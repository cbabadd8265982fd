/* The worker pool (see worker.h). */
#include "worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>

#include "log.h"
#include "node.h"
#include "store.h"
#include "util.h"

struct task {
	task_fn		*fn;
	char		 uuid[UUID_STR_LEN];
	char		 request_id[64];
	json_t		*args;		/* owned */
	struct task	*next;
};

/* The task queue and the worker threads. */
static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	pthread_cond_t		 idle_cv;
	struct task		*head;
	struct task		*tail;
	int			 running;
	_Atomic bool		 stopping;
	pthread_t		*workers;
	int			 nworkers;
} wq = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.idle_cv = PTHREAD_COND_INITIALIZER,
};

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

		rc = t->fn(node, t->args, &e);
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

		pthread_mutex_lock(&wq.mtx);
		while (wq.head == NULL && !wq.stopping)
			pthread_cond_wait(&wq.cv, &wq.mtx);
		if (wq.head == NULL) {
			pthread_mutex_unlock(&wq.mtx);
			break;
		}
		t = wq.head;
		wq.head = t->next;
		if (wq.head == NULL)
			wq.tail = NULL;
		wq.running++;
		pthread_mutex_unlock(&wq.mtx);

		run_task(t);
		json_decref(t->args);
		free(t);

		pthread_mutex_lock(&wq.mtx);
		wq.running--;
		if (wq.running == 0 && wq.head == NULL)
			pthread_cond_broadcast(&wq.idle_cv);
		pthread_mutex_unlock(&wq.mtx);
	}
	store_thread_release();
	return NULL;
}

/* Hands a locked node to a worker; the worker releases the lock. */
void
worker_submit(task_fn *fn, const char *uuid, json_t *args)
{
	struct task *t = util_calloc(1, sizeof(*t));

	t->fn = fn;
	snprintf(t->uuid, sizeof(t->uuid), "%s", uuid);
	snprintf(t->request_id, sizeof(t->request_id), "%s", log_get_request());
	t->args = args ? args : json_object();
	pthread_mutex_lock(&wq.mtx);
	if (wq.tail)
		wq.tail->next = t;
	else
		wq.head = t;
	wq.tail = t;
	pthread_cond_signal(&wq.cv);
	pthread_mutex_unlock(&wq.mtx);
}

bool
conductor_idle(void)
{
	bool idle;

	pthread_mutex_lock(&wq.mtx);
	idle = wq.head == NULL && wq.running == 0;
	pthread_mutex_unlock(&wq.mtx);
	return idle;
}


void
worker_start(int n)
{
	wq.stopping = false;
	wq.nworkers = n;
	wq.workers = util_calloc((size_t)n, sizeof(*wq.workers));
	for (int i = 0; i < n; i++)
		pthread_create(&wq.workers[i], NULL, worker_main, NULL);
}

void
worker_stop(void)
{
	pthread_mutex_lock(&wq.mtx);
	wq.stopping = true;
	pthread_cond_broadcast(&wq.cv);
	pthread_mutex_unlock(&wq.mtx);
	for (int i = 0; wq.workers != NULL && i < wq.nworkers; i++)
		pthread_join(wq.workers[i], NULL);
	free(wq.workers);
	wq.workers = NULL;
}
