/* The volume pool's shared state, private to volpool.c, volfill.c and
 * storage_iscsi.c. */
#ifndef INGOT_VOLPOOL_INT_H
#define INGOT_VOLPOOL_INT_H

#include <pthread.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

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

/* A volume's attachments (volattach.c): the node uuid -> attachment map
 * (tid, target_iqn, initiator, auth_username, auth_password; borrowed),
 * one node's, their count; put and del keep status, attached_node and the
 * public attachments list in step.  Under vp.mtx. */
json_t	*volattach_all(json_t *vol);
json_t	*volattach_get(json_t *vol, const char *node);
size_t	 volattach_count(json_t *vol);
void	 volattach_put(json_t *vol, const char *node, json_t *info);
void	 volattach_del(json_t *vol, const char *node);
/* Status, attached_node and the public list from the records (an old
 * record's one attachment shows in the list once this ran). */
void	 volattach_sync(json_t *vol);

#endif
