/*
 * Errors below the API: a code that says what went wrong and a one-line
 * message.  Only the API edge (api_ierr in src/api/http.c) turns a code
 * into an HTTP status; the conductor and drivers never choose one.
 */
#ifndef INGOT_IERR_H
#define INGOT_IERR_H

#include <stdio.h>

enum ig_err {
	IG_OK = 0,
	IG_EINVAL,		/* the request is wrong (400) */
	IG_EAUTH,		/* missing or wrong credentials or token (401) */
	IG_EFORBIDDEN,		/* not for this caller, or the object forbids it (403) */
	IG_ENOTFOUND,		/* no such object (404) */
	IG_ECONFLICT,		/* the object's state or another object forbids it (409) */
	IG_ELOCKED,		/* a task holds the node's lock; retry (409) */
	IG_ETOOBIG,		/* over a size or count limit (413) */
	IG_EUNSUPPORTED,	/* the node's driver cannot do this (400) */
	IG_EBMC,		/* the BMC failed or did not answer (503) */
	IG_EUNAVAIL,		/* a service Ingot needs is down (503) */
	IG_EINTERNAL,		/* the database, or a bug (500) */
	IG_EVERSION,		/* not at the requested API version (406) */
	IG_ESTALE,		/* changed since the caller read it: read and apply again (409) */
};

struct ierr {
	enum ig_err	code;
	char		msg[768];
};

/* A result the caller must look at. */
#define IG_MUST_CHECK __attribute__((warn_unused_result))

#define ierr_set(e, c, ...) do {					\
	(e)->code = (c);						\
	snprintf((e)->msg, sizeof((e)->msg), __VA_ARGS__);		\
} while (0)

#endif
