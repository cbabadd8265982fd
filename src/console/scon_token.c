/*
 * Console tokens: 128 random bits (hex), issued by GET
 * /v1/nodes/{id}/states/console to a caller the API's policy lets act on
 * the node, valid for one connection within token_ttl seconds.  Kept in
 * memory only (a restart voids them); compared in constant time.
 */
#include "scon_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define TOKENS_MAX	256

struct token {
	char	 tok[SCON_TOKEN_LEN + 1];
	char	 uuid[37];
	time_t	 expires;		/* 0: free */
};

static struct {
	pthread_mutex_t	 mu;
	struct token	 t[TOKENS_MAX];
} tokens = { .mu = PTHREAD_MUTEX_INITIALIZER };

static time_t
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* A free slot, else the one closest to expiry. */
static struct token *
slot(time_t t)
{
	struct token *best = &tokens.t[0];

	for (int i = 0; i < TOKENS_MAX; i++) {
		if (tokens.t[i].expires <= t)
			return &tokens.t[i];
		if (tokens.t[i].expires < best->expires)
			best = &tokens.t[i];
	}
	return best;
}

int
token_issue(const char *uuid, int ttl, char out[SCON_TOKEN_LEN + 1])
{
	unsigned char r[SCON_TOKEN_LEN / 2];
	struct token *k;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	explicit_bzero(r, sizeof(r));
	pthread_mutex_lock(&tokens.mu);
	k = slot(now());
	memcpy(k->tok, out, SCON_TOKEN_LEN + 1);
	snprintf(k->uuid, sizeof(k->uuid), "%s", uuid);
	k->expires = now() + ttl;
	pthread_mutex_unlock(&tokens.mu);
	return 0;
}

static bool
same(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int
token_take(const char *tok, size_t toklen, char uuid[37])
{
	time_t t = now();
	int rc = -1;

	if (toklen != SCON_TOKEN_LEN)
		return -1;
	pthread_mutex_lock(&tokens.mu);
	for (int i = 0; i < TOKENS_MAX; i++) {
		struct token *k = &tokens.t[i];
		bool hit = same(k->tok, tok, SCON_TOKEN_LEN);

		if (hit && k->expires > t && rc != 0) {
			snprintf(uuid, 37, "%s", k->uuid);
			rc = 0;
		}
		if (hit) {
			explicit_bzero(k, sizeof(*k));
		}
	}
	pthread_mutex_unlock(&tokens.mu);
	return rc;
}

void
token_drop(const char *uuid)
{
	pthread_mutex_lock(&tokens.mu);
	for (int i = 0; i < TOKENS_MAX; i++)
		if (strcmp(tokens.t[i].uuid, uuid) == 0)
			explicit_bzero(&tokens.t[i], sizeof(tokens.t[i]));
	pthread_mutex_unlock(&tokens.mu);
}
