/* A lock per key (a BMC, a switch port): created on first use, never freed. */
#ifndef INGOT_KEYLOCK_H
#define INGOT_KEYLOCK_H

#include <pthread.h>

struct keylock {
	char		 key[300];
	pthread_mutex_t	 mtx;
	int		 flags;		/* for the owner's use, under mtx */
	struct keylock	*next;
};

struct keylock_set {
	pthread_mutex_t	 mtx;
	struct keylock	*head;
};

#define KEYLOCK_SET_INIT { PTHREAD_MUTEX_INITIALIZER, NULL }

struct keylock *keylock_get(struct keylock_set *set, const char *key);

#endif
