/*
 * A small JSON-over-HTTP client (libcurl underneath) for the CLI, the
 * conductor's calls to agents and Keystone.  One request, one answer,
 * nothing kept between calls.  The response body is read into memory up
 * to a bound (a hostile server cannot make us allocate more); no redirect
 * is followed; only http and https are spoken.  httpc logs nothing: the
 * caller decides what to say, and must not say the URL when it carries a
 * token.  Request headers, the request body and the captured response
 * header are wiped from memory after use, as they may hold secrets.
 */
#ifndef INGOT_HTTPC_H
#define INGOT_HTTPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define HTTPC_MAX_DEFAULT	(1u << 20)	/* max_response when 0 */

struct httpc_req {
	const char	*method;	/* "GET", "POST", ... */
	const char	*url;
	json_t		*json;		/* body, sent compact; NULL: none */
	const char *const *headers;	/* "Name: value", NULL-terminated */
	long		 connect_timeout;	/* seconds; 0: libcurl's */
	long		 timeout;	/* seconds for the whole call; 0: none */
	const char	*cafile;	/* NULL or "": the system's CAs */
	const char	*ca_pem;	/* PEM text: the only CA(s) (a pinned cert) */
	bool		 insecure;	/* https without verifying the peer */
	bool		 proxy;		/* honour *_proxy in the environment */
	size_t		 max_response;	/* body bound; 0: HTTPC_MAX_DEFAULT */
	const char	*want_header;	/* a response header to keep */
	/*
	 * Opens the connection's socket (e.g. in another network namespace):
	 * a descriptor, or -1.  NULL: socket(2) as usual.
	 */
	int		(*open_socket)(int family, int type, int protocol);
};

struct httpc_res {
	long		 status;	/* HTTP status; 0: no answer */
	char		*body;		/* NUL-terminated, or NULL when empty */
	size_t		 len;
	json_t		*json;		/* body parsed (any JSON value), or NULL */
	char		 header[1024];	/* want_header's value, or "" */
	char		 err[256];	/* why there was no answer */
};

/* libcurl's global set-up, once; every request runs it first. */
void	httpc_init(void);
/* 0: the server answered (any status); -1: it did not, why in res->err. */
int	httpc_do(const struct httpc_req *req, struct httpc_res *res);
/* Frees and wipes what httpc_do left in res. */
void	httpc_res_free(struct httpc_res *res);

#endif
