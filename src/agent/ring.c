/*
 * The ring of the image writer (see ring.h).  One mutex and one condition
 * variable guard three counters; the stages hold the lock only to move a
 * counter, never while copying, hashing or writing.
 */
#include <stdlib.h>
#include <string.h>

#include "diskout.h"
#include "ring.h"

/* The hash stage's work on slot i: always goes on. */
static int
hash_slot(struct ring *r, unsigned i)
{
	EVP_DigestUpdate(r->md, r->slot[i], r->len[i]);
	return 0;
}

/* The consumer's work on slot i: its refusal stops the pipeline. */
static int
consume_slot(struct ring *r, unsigned i)
{
	return r->consume(r->arg, r->slot[i], r->len[i]);
}

/* A stage: slot after slot in order, *done counting what it finished,
 * until the producer's end or a failure. */
static void
stage(struct ring *r, uint64_t *done, int (*work)(struct ring *, unsigned))
{
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (*done == r->filled && !r->eof && !r->failed)
			pthread_cond_wait(&r->cv, &r->mu);
		if (*done == r->filled || r->failed)
			break;
		unsigned i = (unsigned)(*done % RING_SLOTS);
		pthread_mutex_unlock(&r->mu);
		int rc = work(r, i);
		pthread_mutex_lock(&r->mu);
		if (rc != 0)
			r->failed = true;
		(*done)++;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
}

static void *
hash_main(void *arg)
{
	struct ring *r = arg;

	stage(r, &r->hashed, hash_slot);
	return NULL;
}

static void *
cons_main(void *arg)
{
	struct ring *r = arg;

	stage(r, &r->consumed, consume_slot);
	return NULL;
}

int
ring_start(struct ring *r, EVP_MD_CTX *md, ring_consume_fn fn, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->md = md;
	r->consume = fn;
	r->arg = arg;
	for (int i = 0; i < RING_SLOTS; i++)
		if ((r->slot[i] = diskout_alloc(RING_SLOT)) == NULL)
			goto fail;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->th_cons, NULL, cons_main, r) != 0)
		goto fail_sync;
	r->cons_up = true;
	if (md != NULL) {
		if (pthread_create(&r->th_hash, NULL, hash_main, r) != 0)
			goto fail_sync;
		r->hash_up = true;
	}
	return 0;
fail_sync:
	r->failed = true;
	ring_end(r);
	return -1;
fail:
	for (int i = 0; i < RING_SLOTS; i++)
		free(r->slot[i]);
	memset(r->slot, 0, sizeof(r->slot));
	return -1;
}

/* The oldest slot still in use by a stage (the lock held). */
static uint64_t
ring_low(const struct ring *r)
{
	if (r->md == NULL || r->consumed < r->hashed)
		return r->consumed;
	return r->hashed;
}

uint8_t *
ring_slot(struct ring *r)
{
	uint8_t *p;

	pthread_mutex_lock(&r->mu);
	while (r->filled - ring_low(r) >= RING_SLOTS && !r->failed)
		pthread_cond_wait(&r->cv, &r->mu);
	p = r->failed ? NULL : r->slot[r->filled % RING_SLOTS];
	pthread_mutex_unlock(&r->mu);
	return p;
}

void
ring_commit(struct ring *r, size_t n)
{
	r->fill += n;
	if (r->fill == 0)
		return;
	pthread_mutex_lock(&r->mu);
	r->len[r->filled % RING_SLOTS] = r->fill;
	r->filled++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	r->fill = 0;
}

int
ring_put(struct ring *r, const uint8_t *p, size_t n)
{
	while (n > 0) {
		uint8_t *s = ring_slot(r);
		if (s == NULL)
			return -1;
		size_t take = RING_SLOT - r->fill < n ? RING_SLOT - r->fill : n;
		memcpy(s + r->fill, p, take);
		r->fill += take;
		p += take;
		n -= take;
		if (r->fill == RING_SLOT)
			ring_commit(r, 0);
	}
	return 0;
}

int
ring_end(struct ring *r)
{
	bool failed;

	if (r->slot[0] == NULL)
		return -1;
	ring_commit(r, 0);
	pthread_mutex_lock(&r->mu);
	r->eof = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->cons_up)
		pthread_join(r->th_cons, NULL);
	if (r->hash_up)
		pthread_join(r->th_hash, NULL);
	r->cons_up = r->hash_up = false;
	failed = r->failed;
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	for (int i = 0; i < RING_SLOTS; i++)
		free(r->slot[i]);
	memset(r->slot, 0, sizeof(r->slot));
	return failed ? -1 : 0;
}
