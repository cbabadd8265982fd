#include "keylock.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

struct keylock *
keylock_get(struct keylock_set *set, const char *key)
{
	struct keylock *l;

	pthread_mutex_lock(&set->mtx);
	for (l = set->head; l != NULL; l = l->next)
		if (strcmp(l->key, key) == 0)
			break;
	if (l == NULL) {
		l = util_calloc(1, sizeof(*l));
		snprintf(l->key, sizeof(l->key), "%s", key);
		pthread_mutex_init(&l->mtx, NULL);
		l->next = set->head;
		set->head = l;
	}
	pthread_mutex_unlock(&set->mtx);
	return l;
}
