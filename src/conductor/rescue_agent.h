/*
 * The "agent" rescue interface (rescue_agent.c): the deploy ramdisk boots
 * on the rescuing network, its agent sets the rescue user's password
 * (rescue.finalize_rescue), and the tenant uses it on its own networks.
 */
#ifndef INGOT_RESCUE_AGENT_H
#define INGOT_RESCUE_AGENT_H

#include <jansson.h>
#include <stdbool.h>

#include "hw.h"
#include "ierr.h"
#include "worker.h"

extern const struct hw_generic_ops rescue_agent_ops;
bool	 rescue_agent_used(json_t *node);
/* A heartbeat in rescue wait (worker, lock held): finalize the rescue. */
task_fn	 rescue_agent_heartbeat;
/* The rescue verb's password, hashed (SHA-512 crypt, random salt) into
 * instance_info.hashed_rescue_password; the plain text is not kept.
 * 0, or -1 with e (IG_EINVAL). */
int	 rescue_set_password(json_t *node, const char *password, struct ierr *e);

#endif
