/* The volume pool's shared state, private to volpool.c, volfill.c and
 * storage_iscsi.c. */
#ifndef INGOT_VOLPOOL_INT_H
#define INGOT_VOLPOOL_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "volpool.h"

struct volpool {
	struct storage_conf	 c;
	bool			 on;
	pthread_mutex_t		 mtx;	/* attach, detach, delete: one at a time */
	pthread_cond_t		 cv;	/* a filler ended */
	int			 fillers;	/* running image copies */
	bool			 stopping;
};
extern struct volpool vp;

/* <pool_dir>/<uuid>.img; -1 for a pool that is off or a bad uuid. */
int	volpool_path(const char *uuid, char *buf, size_t len);
/* Starts the copy of a new volume's image into it (status creating). */
void	volpool_fill_start(const char *uuid, bool file_ok);

#endif
