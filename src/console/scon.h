/*
 * The serial console server (docs/console.md): one session per node whose
 * console is enabled, fed by the node's console interface (hw_console.h),
 * reached by viewers over raw TCP and WebSocket (libwebsockets), each
 * connection authenticated by a short-lived single-use token; one
 * read-write viewer per node, the others read-only; the output kept in a
 * bounded ring of files per node.
 */
#ifndef INGOT_SCON_H
#define INGOT_SCON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hw_console.h"

struct scon_conf {
	const char	*listen;	/* address the ports listen on */
	int		 raw_port;	/* raw TCP stream; 0: off */
	int		 ws_port;	/* WebSocket; 0: off */
	const char	*public_host;	/* host in console_info URLs ("": listen) */
	const char	*log_dir;	/* the rings: <dir>/<uuid>.log and .log.1 */
	long		 log_size;	/* bytes kept per node */
	int		 token_ttl;	/* seconds a token may wait to be used */
	int		 auth_timeout;	/* seconds a connection has to present one */
	int		 max_connections; /* every console connection together */
	int		 max_watchers;	/* read-only viewers per node */
};

/* Starts the listeners and the server's thread (nothing when both ports
 * are 0); -1 with err when a port cannot be had. */
int	 scon_start(const struct scon_conf *c, char *err, size_t len);
void	 scon_stop(void);
bool	 scon_enabled(void);		/* a port listens */

/* Starts the node's session (idempotent): the backend is opened, and
 * reopened after a drop, on the session's own thread. */
int	 scon_session_open(const char *uuid, const struct hw_console_ops *ops,
	    json_t *node, char *err, size_t len);
/* Ends it: every viewer is disconnected, outstanding tokens dropped. */
void	 scon_session_close(const char *uuid);

/* console_info for a running session with a fresh single-use token
 * (new reference), or NULL with err. */
json_t	*scon_info(const char *uuid, const char *type, char *err, size_t len);

/* The node's kept output, oldest first (malloc'd, *len bytes), or NULL
 * when nothing was kept. */
char	*scon_log_read(const char *uuid, size_t *len);

#endif
