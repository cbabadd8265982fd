/* The console server's parts: sessions (scon.c), the listeners and
 * connections (scon_srv.c), tokens (scon_token.c), rings (scon_ring.c). */
#ifndef INGOT_SCON_INT_H
#define INGOT_SCON_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "scon.h"

#define SCON_TOKEN_LEN	32		/* hex digits: 128 random bits */
#define SCON_IN_MAX	(64 * 1024)	/* typed bytes waiting for the BMC */
#define SCON_OUT_MAX	(256 * 1024)	/* output waiting for one viewer */

struct sring {
	int	 fd;
	off_t	 size;
	off_t	 half;			/* a file is rotated past this */
	char	 path[512];
};
int	 sring_open(struct sring *r, const char *dir, const char *uuid, long max);
void	 sring_append(struct sring *r, const void *p, size_t n);
void	 sring_close(struct sring *r);
char	*sring_read(const char *dir, const char *uuid, size_t *len);

/* Tokens: issued for a node, taken once (the node's UUID back). */
int	 token_issue(const char *uuid, int ttl, char out[SCON_TOKEN_LEN + 1]);
int	 token_take(const char *tok, size_t toklen, char uuid[37]);
void	 token_drop(const char *uuid);

struct client;
struct lws;

struct session {
	char			 uuid[37];
	const struct hw_console_ops *ops;
	json_t			*node;		/* for ops->open */
	/* under scon.mu */
	bool			 stop;		/* closing: the server frees it */
	bool			 need_open;	/* the opener thread's work */
	int			 newfd;		/* opened, for the server to adopt */
	void			*newh;
	int			 refs;		/* the list, the opener thread */
	pthread_cond_t		 cond;
	/* the server's thread only */
	void			*h;		/* open backend */
	int			 fd;
	struct lws		*bwsi;
	struct sring		 ring;
	struct client		*clients;
	struct client		*writer;
	int			 nclients;
	unsigned char		 in[SCON_IN_MAX];	/* typed, for the backend */
	size_t			 inlen;
	bool			 throttled;
	struct session		*next;
};

struct scon {
	pthread_mutex_t		 mu;
	struct scon_conf	 conf;
	char			 listen[64], public_host[256], log_dir[512];
	bool			 running;
	struct session		*sessions;
};
extern struct scon scon;

/* scon.c, under scon.mu: a running session by UUID; drop a reference. */
struct session *session_find(const char *uuid);
void	 session_unref(struct session *s);
/* scon_srv.c: wakes the server's thread (new fds, stopped sessions). */
void	 srv_wake(void);
int	 srv_start(char *err, size_t len);
void	 srv_stop(void);

#endif
