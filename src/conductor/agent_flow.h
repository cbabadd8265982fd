#ifndef INGOT_AGENT_FLOW_H
#define INGOT_AGENT_FLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "hw.h"
#include "ierr.h"

struct agent_conf {
	int	callback_timeout;	/* seconds without an agent heartbeat */
	int	heartbeat_timeout;	/* told to agents at lookup */
	bool	erase_devices;		/* full erase instead of metadata only */
};

void	agent_flow_configure(const struct agent_conf *c);
/* True when the node deploys and cleans through the agent ("direct"). */
bool	agent_flow_used(json_t *node);
/* The "direct" deploy interface: the agent writes the image and cleans
 * (registered with the drivers at start). */
extern const struct hw_generic_ops deploy_direct_ops;
/* Boots the deploy ramdisk (network boot, power cycle): HW_STEP_WAIT, or
 * HW_STEP_FAIL with err (inspection boots it as deploys do). */
enum hw_step agent_boot_ramdisk(json_t *node, char *err, size_t len);
enum hw_step agent_deploy_start(json_t *node, char *err, size_t len);
enum hw_step agent_clean_start(json_t *node, json_t *steps, char *err, size_t len);
/* A heartbeat resumed the node (worker, lock held). */
int	agent_flow_heartbeat(json_t *node, json_t *args, struct ierr *e);
/* A node's image download ended (images_on_done): resumes its deploy. */
void	agent_flow_image_done(const char *uuid);
void	agent_flow_abort(json_t *node);
bool	agent_flow_timed_out(json_t *node, time_t now);

/* Whether lookups and heartbeats may concern the node (its state). */
bool	agent_flow_awaits_agent(json_t *node);
/* Whether the node's agent token was handed out already. */
bool	agent_flow_token_issued(json_t *node);
/* Every refused lookup gets this 404: unknown MACs and nodes in other
 * states are not told apart. */
#define AGENT_LOOKUP_NOT_FOUND	"No node awaiting an agent matches the lookup."
/* API side, lock held: lookup answer (token issued once), heartbeat. */
json_t	*agent_lookup(json_t *node, struct ierr *e);
int	agent_heartbeat_record(json_t *node, json_t *body, struct ierr *e);
/* The heartbeat's token (constant time), the node's state, the callback
 * URL; reads only, so it may run before any lock is taken. */
int	agent_heartbeat_check(json_t *node, json_t *body, struct ierr *e);

#endif
