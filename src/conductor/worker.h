/* The worker pool: tasks run on locked nodes, the lock released after. */
#ifndef INGOT_WORKER_H
#define INGOT_WORKER_H

#include <jansson.h>
#include <stdbool.h>

enum task_kind {
	TASK_PROVISION,		/* the state's handler (fsm.def's work column) */
	TASK_POWER,		/* a power action */
	TASK_AGENT,		/* a heartbeat to act on */
};

void	 worker_start(int n);
void	 worker_stop(void);
/* Hands a locked node to a worker (args owned; NULL: none); the worker
 * releases the lock. */
void	 worker_submit(enum task_kind kind, const char *uuid, json_t *args);

#endif
