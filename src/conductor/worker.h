/* The worker pool: tasks run on locked nodes, the lock released after. */
#ifndef INGOT_WORKER_H
#define INGOT_WORKER_H

#include <jansson.h>
#include <stdbool.h>

#include "ierr.h"

/* A task: runs on the node read afresh, its lock held; 0, or -1 with e
 * when it could not record its outcome (the worker logs e). */
typedef int task_fn(json_t *node, json_t *args, struct ierr *e);

void	 worker_start(int n);
void	 worker_stop(void);
/* Hands a locked node to a worker (args owned; NULL: none); the worker
 * releases the lock. */
void	 worker_submit(task_fn *fn, const char *uuid, json_t *args);

#endif
