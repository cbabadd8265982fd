/*
 * The image writer's pipeline: a ring of large page-aligned slots that one
 * thread fills (the download or the file reads) while a hash thread digests
 * them and a consumer thread decompresses and writes them, all three at
 * once.  A slot is filled again only when both have finished with it, so
 * the slowest stage alone sets the pace.  The digest covers the bytes in
 * the order they were read, exactly as a single pass would.
 */
#ifndef INGOT_AGENT_RING_H
#define INGOT_AGENT_RING_H

#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_SLOTS	4
#define RING_SLOT	(4u << 20)

/* The consumer: 0, or -1 to stop the pipeline. */
typedef int (*ring_consume_fn)(void *arg, const uint8_t *p, size_t n);

struct ring {
	uint8_t		*slot[RING_SLOTS];
	size_t		 len[RING_SLOTS];
	uint64_t	 filled;	/* slots published by the producer */
	uint64_t	 hashed;	/* slots digested */
	uint64_t	 consumed;	/* slots consumed */
	bool		 eof;
	bool		 failed;	/* the consumer refused: stop */
	EVP_MD_CTX	*md;		/* NULL: no hashing */
	ring_consume_fn	 consume;
	void		*arg;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 th_hash, th_cons;
	bool		 hash_up, cons_up;
	size_t		 fill;		/* bytes in the slot being filled */
};

/* md may be NULL (no digest); 0 or -1 (out of memory, no thread). */
int	 ring_start(struct ring *r, EVP_MD_CTX *md, ring_consume_fn fn, void *arg);
/* The slot to fill (RING_SLOT bytes, ring->fill of them already used), once
 * the hash and the consumer are done with it; NULL when the consumer has
 * failed. */
uint8_t	*ring_slot(struct ring *r);
/* Publishes the slot being filled with n more bytes (n == 0: nothing). */
void	 ring_commit(struct ring *r, size_t n);
/* Copies p into slots, publishing each one that fills; -1 if the
 * consumer has failed. */
int	 ring_put(struct ring *r, const uint8_t *p, size_t n);
/* Publishes what is left, waits for both stages and stops the threads;
 * returns -1 if the consumer failed.  Safe to call twice. */
int	 ring_end(struct ring *r);

#endif
