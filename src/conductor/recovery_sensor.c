/*
 * The critical-sensor trigger of recovery (docs/recovery.md): with
 * [recovery] sensor_failures > 0, power sync also reads the sensors of
 * every watched active node it found powered on (one more BMC call per
 * such node and pass, through the management interface's get_sensors),
 * and a node whose BMC reports a sensor in state "Critical" on that many
 * reads in a row is failed.  Damped like the BMC count: a read without a
 * critical sensor resets the count; a read that fails neither counts nor
 * resets (a dead BMC is the BMC rule's to judge).
 */
#include "recovery.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "jsonutil.h"
#include "log.h"
#include "node.h"
#include "util.h"

struct crit_seen {
	char	uuid[UUID_STR_LEN];
	int	count;
};

static struct {
	pthread_mutex_t		 mtx;
	struct crit_seen	*v;
	size_t			 n;
} cs = { .mtx = PTHREAD_MUTEX_INITIALIZER };

/* The node's count after a read: +1 when critical, else 0 (forgotten). */
static int
note(const char *uuid, bool critical)
{
	size_t i;
	int n = 0;

	pthread_mutex_lock(&cs.mtx);
	for (i = 0; i < cs.n && strcmp(cs.v[i].uuid, uuid) != 0; i++)
		;
	if (!critical && i < cs.n) {
		cs.v[i] = cs.v[--cs.n];
	} else if (critical) {
		if (i == cs.n) {
			cs.v = realloc(cs.v, (cs.n + 1) * sizeof(*cs.v));
			if (cs.v == NULL)
				fatalx("out of memory");
			snprintf(cs.v[i].uuid, sizeof(cs.v[i].uuid), "%s", uuid);
			cs.v[cs.n++].count = 0;
		}
		n = ++cs.v[i].count;
	}
	pthread_mutex_unlock(&cs.mtx);
	return n;
}

void
recovery_sensor_forget(const char *uuid)
{
	(void)note(uuid, false);
}

/* The critical sensors of a reading list, as "NAME READING UNITS, ...";
 * the number of them. */
static int
criticals(json_t *list, char *out, size_t len)
{
	json_t *s;
	size_t i, used = 0;
	int n = 0;

	out[0] = '\0';
	json_array_foreach(list, i, s) {
		const char *st = jstr(s, "state"), *name = jstr(s, "name");
		json_t *r = json_object_get(s, "reading");
		char val[32] = "no reading";

		if (st == NULL || strcmp(st, "Critical") != 0)
			continue;
		if (json_is_number(r))
			snprintf(val, sizeof(val), "%.2f", json_number_value(r));
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%.40s %s%s%.8s",
			    n > 0 ? ", " : "", name ? name : "sensor", val,
			    jstr(s, "units") ? " " : "", jstr(s, "units") ? jstr(s, "units") : "");
		n++;
	}
	return n;
}

int
recovery_sensor_judge(const char *uuid, json_t *readings, char *why, size_t len)
{
	char list[400];
	int n = criticals(readings, list, sizeof(list)), count;

	count = note(uuid, n > 0);
	if (n == 0 || count < cconf.recovery.sensor_failures)
		return 0;
	snprintf(why, len, "the BMC reported %d critical sensor(s) on %d sensor reads "
	    "in a row: %s", n, count, list);
	return 1;
}

bool
recovery_sensor_check(json_t *seen, char *why, size_t len)
{
	const struct hw_mgmt_ops *m;
	char err[512] = "";
	json_t *r;
	int hit;

	if (cconf.recovery.sensor_failures <= 0)
		return false;
	m = drv_mgmt(seen);
	if (m == NULL || m->get_sensors == NULL)
		return false;
	if ((r = m->get_sensors(seen, err, sizeof(err))) == NULL) {
		log_debug("recovery: sensor read failed, not counted: %s", err);
		return false;
	}
	hit = recovery_sensor_judge(node_uuid(seen), r, why, len);
	json_decref(r);
	return hit == 1;
}
