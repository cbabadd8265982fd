/* Liveness of conductors and the consistent hash ring (see ring.h). */
#include "ring.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "util.h"

#define RING_MAX	256	/* conductors */

struct member {
	char	host[128];
	char	group[128];
	char	url[256];
	bool	alive;
	bool	owns;	/* takes nodes: role all or conductor, not api */
	bool	dhcp;	/* may serve DHCP: [dhcp] enabled */
};

struct point {
	uint64_t	h;
	int		m;	/* index into members */
};

static struct {
	pthread_rwlock_t lk;
	char		 self[128];
	int		 dead_after;
	struct member	*members;
	int		 nmembers;
	struct point	*points;	/* live members' points, sorted */
	int		 npoints;
} ring = { .lk = PTHREAD_RWLOCK_INITIALIZER, .dead_after = 60 };

/* FNV-1a, then splitmix64's finalizer: similar names spread evenly. */
static uint64_t
hash(const char *s, int salt)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h ^= (uint64_t)salt * 0x9e3779b97f4a7c15ULL;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static int
point_cmp(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	return x->h < y->h ? -1 : x->h > y->h;
}

void
ring_configure(const char *self, int dead_after)
{
	pthread_rwlock_wrlock(&ring.lk);
	snprintf(ring.self, sizeof(ring.self), "%s", self);
	ring.dead_after = dead_after > 0 ? dead_after : 60;
	pthread_rwlock_unlock(&ring.lk);
}

int
ring_dead_after(void)
{
	return ring.dead_after;
}

/* Seconds since an updated_at (ISO 8601, UTC); large when unreadable. */
static double
age_of(const char *iso)
{
	struct tm tm = { 0 };

	if (iso == NULL || strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 1e12;
	return difftime(time(NULL), timegm(&tm));
}

static void
member_of(json_t *c, struct member *m, const char *self, int dead_after)
{
	const char *host = json_string_value(json_object_get(c, "hostname"));
	const char *url = json_string_value(json_object_get(c, "api_url"));
	const char *role = json_string_value(json_object_get(c, "role"));

	snprintf(m->host, sizeof(m->host), "%s", host ? host : "");
	snprintf(m->group, sizeof(m->group), "%s",
	    json_string_value(json_object_get(c, "conductor_group")) ?: "");
	snprintf(m->url, sizeof(m->url), "%s", url ? url : "");
	m->owns = role == NULL || strcmp(role, "api") != 0;
	m->dhcp = m->owns && json_is_true(json_object_get(c, "dhcp"));
	m->alive = strcmp(m->host, self) == 0 ||
	    (json_is_true(json_object_get(c, "alive")) &&
	    age_of(json_string_value(json_object_get(c, "updated_at"))) <= dead_after);
}

int
ring_refresh(void)
{
	json_t *list = store_conductor_list(store_thread()), *c;
	struct member *m;
	struct point *p;
	int n = 0, np = 0;
	size_t i;

	if (list == NULL)
		return -1;
	m = util_calloc(json_array_size(list) + 1, sizeof(*m));
	p = util_calloc((json_array_size(list) + 1) * RING_POINTS, sizeof(*p));
	json_array_foreach(list, i, c) {
		if (n == RING_MAX)
			break;
		member_of(c, &m[n], ring.self, ring.dead_after);
		for (int k = 0; m[n].alive && m[n].owns && k < RING_POINTS; k++)
			p[np++] = (struct point){ hash(m[n].host, k + 1), n };
		n++;
	}
	json_decref(list);
	qsort(p, (size_t)np, sizeof(*p), point_cmp);
	pthread_rwlock_wrlock(&ring.lk);
	free(ring.members);
	free(ring.points);
	ring.members = m, ring.nmembers = n;
	ring.points = p, ring.npoints = np;
	pthread_rwlock_unlock(&ring.lk);
	return 0;
}

/* The index of the first point at or after h (read-locked). */
static int
first_point(uint64_t h)
{
	int lo = 0, hi = ring.npoints;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (ring.points[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first point at or after h whose member serves group (read-locked). */
static const struct member *
owner_locked(const char *group, uint64_t h)
{
	int lo = first_point(h);

	for (int k = 0; k < ring.npoints; k++) {
		const struct member *m = &ring.members[ring.points[(lo + k) %
		    ring.npoints].m];
		if (strcmp(m->group, group) == 0)
			return m;
	}
	return NULL;
}

bool
ring_owner(const char *group, const char *uuid, char *out, size_t len)
{
	const struct member *m;
	bool found;

	pthread_rwlock_rdlock(&ring.lk);
	m = owner_locked(group ? group : "", hash(uuid, 0));
	if ((found = m != NULL))
		snprintf(out, len, "%s", m->host);
	pthread_rwlock_unlock(&ring.lk);
	return found;
}

bool
ring_dhcp_owner(const char *key, char *out, size_t len)
{
	bool found = false;
	int lo;

	pthread_rwlock_rdlock(&ring.lk);
	lo = first_point(hash(key, 0));
	for (int k = 0; k < ring.npoints && !found; k++) {
		const struct member *m = &ring.members[ring.points[(lo + k) %
		    ring.npoints].m];
		if ((found = m->dhcp))
			snprintf(out, len, "%s", m->host);
	}
	pthread_rwlock_unlock(&ring.lk);
	return found;
}

static const struct member *
find_locked(const char *host)
{
	for (int i = 0; i < ring.nmembers; i++)
		if (strcmp(ring.members[i].host, host) == 0)
			return &ring.members[i];
	return NULL;
}

bool
ring_alive(const char *host)
{
	const struct member *m;
	bool alive;

	pthread_rwlock_rdlock(&ring.lk);
	m = find_locked(host);
	alive = strcmp(host, ring.self) == 0 || (m != NULL && m->alive);
	pthread_rwlock_unlock(&ring.lk);
	return alive;
}

bool
ring_url(const char *host, char *out, size_t len)
{
	const struct member *m;
	bool ok;

	pthread_rwlock_rdlock(&ring.lk);
	m = find_locked(host);
	ok = m != NULL && m->alive && m->url[0] != '\0';
	if (ok)
		snprintf(out, len, "%s", m->url);
	pthread_rwlock_unlock(&ring.lk);
	return ok;
}

bool
ring_serves_dhcp(const char *host)
{
	const struct member *m;
	bool yes;

	pthread_rwlock_rdlock(&ring.lk);
	m = find_locked(host);
	yes = m != NULL && m->dhcp && (m->alive || strcmp(host, ring.self) == 0);
	pthread_rwlock_unlock(&ring.lk);
	return yes;
}

int
ring_dead(char (*out)[128], int max)
{
	int n = 0;

	pthread_rwlock_rdlock(&ring.lk);
	for (int i = 0; i < ring.nmembers && n < max; i++)
		if (!ring.members[i].alive)
			snprintf(out[n++], 128, "%s", ring.members[i].host);
	pthread_rwlock_unlock(&ring.lk);
	return n;
}
