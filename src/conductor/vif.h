/* Attachments of nodes to tenant networks (Ironic's VIFs). */
#ifndef INGOT_VIF_H
#define INGOT_VIF_H

#include <jansson.h>
#include <stdbool.h>

#include "ierr.h"

/* Every network the node is attached to is still allowed for it (with
 * its owner and lessee as in node). */
bool	 vifs_allowed(json_t *node);

#endif
