/*
 * Recovery from server failure (docs/recovery.md): an active node found
 * failed is fenced (powered off through its BMC, else every switch port
 * isolated and read back; its volume exports revoked), then its instance
 * moves to a spare that deploys it: same VIFs and VLANs, same volume
 * targets, same DHCP addresses.
 *
 *   recovery.c        detection (from power sync), fencing, the flow of
 *                     the failed node ("recovering"), restart resumption
 *   recovery_spare.c  picking and claiming a spare, moving the instance
 *                     in one transaction, the spare's deploy
 */
#ifndef INGOT_RECOVERY_H
#define INGOT_RECOVERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cond_conf.h"
#include "hw.h"
#include "ierr.h"

/* Checks and keeps the settings; -1 with err on a bad policy. */
int	recovery_configure(const struct recovery_conf *c, char *err, size_t len);
/* The policy for a node: driver_info.recovery_policy, else the default. */
const char *recovery_policy(json_t *node);

/* Power sync: a pass starts (the per-pass bound on new recoveries). */
void	recovery_pass_begin(void);
/*
 * Power sync read an eligible node (no lock held): rc and st as the BMC
 * answered, fails its failed reads in a row.  true: recovery took the
 * result (power sync records nothing for it).
 */
bool	recovery_detect(json_t *seen, int rc, enum hw_power st, int fails,
	    const char *err);
/* At start, after the conductor failed interrupted operations: recoveries
 * a restart interrupted go on. */
void	recovery_resume(void);

/* recovery_sensor.c: with [recovery] sensor_failures, reads the sensors of
 * a watched node found powered on; true with why when it has had a
 * critical sensor on that many reads in a row.  judge is the rule alone
 * (readings as get_sensors returns them): 1 failed, 0 not (yet). */
bool	recovery_sensor_check(json_t *seen, char *why, size_t len);
int	recovery_sensor_judge(const char *uuid, json_t *readings, char *why,
	    size_t len);
void	recovery_sensor_forget(const char *uuid);

/* recovery_retry.c: power sync's pass saw all (this conductor's nodes):
 * nodes waiting for a spare are retried when new available nodes appear
 * (bounded: one per new node, max_per_pass, auto_retries per node). */
void	recovery_retry_waiting(json_t *all);
/* The same over a pass read page by page: page after page, then finish. */
struct retry_pass {
	json_t	*now;		/* {uuid: true}: this pass's available nodes */
	json_t	*waiting;	/* this pass's nodes waiting for a spare */
	int	 fresh;		/* available nodes not seen the pass before */
	char	 first[80];	/* the first one's name */
};
void	recovery_retry_page(struct retry_pass *rp, json_t *page);
void	recovery_retry_finish(struct retry_pass *rp);
void	recovery_retry_abandon(struct retry_pass *rp);

/* recovery_spare.c: the failed node (locked, fenced) gives its instance to
 * a spare.  0: moved, the spare's deploy handed to a worker; -1: no spare
 * or the move failed, why says which (nothing moved). */
int	recovery_move_to_spare(json_t *failed, char *why, size_t len);
/* The spare's task: DHCP reservations follow, then the deploy. */
int	recovery_spare_deploy(json_t *spare, json_t *args, struct ierr *e);

#endif
