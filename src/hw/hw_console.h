/*
 * Console interfaces (Ironic's console_interface): a row of the driver
 * registry whose ops begin with the generic shape (name, validate), so
 * that validation treats it like any other interface, followed by the
 * stream it opens.  The console server (src/console/) reads the node's
 * serial output from the descriptor and writes what its viewer types.
 */
#ifndef INGOT_HW_CONSOLE_H
#define INGOT_HW_CONSOLE_H

#include "hw.h"

struct hw_console_ops {
	struct hw_generic_ops base;	/* name, validate; first: a registry row */
	const char	*type;		/* console_info.type, as Ironic names it */
	/*
	 * Opens the node's console: *fd is a stream socket (or pipe) of the
	 * session; *h is what close needs.  May block for the duration of one
	 * BMC session set-up (bounded by the driver's timeouts); never holds
	 * the node's lock.  -1 with err (no secret in it) on failure.
	 */
	int		(*open)(json_t *node, int *fd, void **h, char *err, size_t errlen);
	/* Ends the session opened with h; *fd stops working. */
	void		(*close)(void *h);
	/*
	 * Optional, at shutdown after every close: lets the sessions' tear-
	 * down reach their BMCs (SOL deactivated), waiting at most ms.
	 */
	void		(*quiesce)(unsigned ms);
};

/* The console row of impl, or NULL ("no-console" and unknown names). */
const struct hw_console_ops *hw_console_find(const char *impl);
/* Every console row's quiesce, each bounded by ms. */
void hw_console_quiesce(unsigned ms);

#endif
