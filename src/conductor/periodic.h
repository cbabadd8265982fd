/* Recovery at start and the periodic jobs (power sync, timeouts, switch
 * ports, the conductor's heartbeat). */
#ifndef INGOT_PERIODIC_H
#define INGOT_PERIODIC_H

#include <jansson.h>

/* Nodes this conductor left mid-operation fail with a clear reason; switch
 * ports are read back and corrected. */
void	 periodic_recover(void);
/* What that recovery does to one node (why: "Conductor X restarted"). */
void	 periodic_recover_node(json_t *node, const char *why);
void	 periodic_start(void);
void	 periodic_stop(void);

#endif
