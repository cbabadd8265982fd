/* Serial consoles: the conductor's side (console.c); the server is
 * src/console/scon.h. */
#ifndef INGOT_COND_CONSOLE_H
#define INGOT_COND_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ierr.h"

/* PUT states/console: starts or stops the node's console under its lock
 * (IG_EUNSUPPORTED for no-console, IG_EINVAL when the interface does not
 * validate, IG_ELOCKED, IG_EUNAVAIL when the console service is off). */
int	 cond_console_set(json_t *node, bool on, struct ierr *e);
/* GET states/console: {console_enabled, console_info} with a fresh
 * single-use token when enabled. */
json_t	*cond_console_get(json_t *node, struct ierr *e);
/* The kept output (malloc'd), or NULL with e (IG_ENOTFOUND). */
char	*cond_console_log(json_t *node, size_t *len, struct ierr *e);
/* At start: sessions of this conductor's nodes with console_enabled. */
void	 console_restore(void);

#endif
