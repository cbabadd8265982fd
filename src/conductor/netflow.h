#ifndef INGOT_NETFLOW_H
#define INGOT_NETFLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "fsm.h"		/* enum net_phase */

/* True for nodes whose switch ports Ingot moves (network_interface vlan). */
bool	netflow_managed(json_t *node);
/* Puts every wired port of the node in the phase's VLANs (lock held). */
int	netflow_apply(json_t *node, enum net_phase phase, char *err, size_t len);
int	netflow_fail_safe(json_t *node, char *err, size_t len);
/* The phase a node's state calls for. */
enum net_phase netflow_expected(json_t *node);
/* Reads the node's switch ports back and corrects them; returns fixes. */
int	netflow_reconcile(json_t *node);

#endif
