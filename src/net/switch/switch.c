/* Switch registry: configuration, per-port serialisation, retries, read-back. */
#include "switch.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keylock.h"
#include "log.h"
#include "metrics.h"
#include "strbuf.h"
#include "util.h"

/* The switch drivers: one row each.  The ssh driver (ssh.c, template.c,
 * libssh) is built in with -Dssh_switch (INGOT_HAVE_SSH_SWITCH). */
const struct switch_driver *const switch_drivers[] = {
	&switch_driver_ovsdb,
#ifdef INGOT_HAVE_SSH_SWITCH
	&switch_driver_ssh,
#endif
	NULL,
};

static const struct switch_driver *
driver_named(const char *name)
{
	for (size_t i = 0; switch_drivers[i] != NULL; i++)
		if (strcmp(switch_drivers[i]->name, name) == 0)
			return switch_drivers[i];
	return NULL;
}

#define MAX_SWITCHES 64

static struct switch_conf switches[MAX_SWITCHES];
static int nswitches;

static struct keylock_set port_locks = KEYLOCK_SET_INIT;

static struct switch_conf *
conf_slot(const char *name, char *err, size_t len)
{
	for (int i = 0; i < nswitches; i++)
		if (strcmp(switches[i].name, name) == 0)
			return &switches[i];
	if (nswitches == MAX_SWITCHES) {
		snprintf(err, len, "too many switches");
		return NULL;
	}
	struct switch_conf *s = &switches[nswitches++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->timeout_ms = 3000;
	s->retries = 2;
	s->isolation_vlan = 4095;
	s->save_config = true;
	return s;
}

/* Hands the options read before "driver =" to the driver, now known. */
static int
replay_pending(struct switch_conf *s, char *err, size_t len)
{
	int rc = 0;

	for (int i = 0; i < s->npending; i++) {
		if (rc == 0 && (s->drv->conf_set == NULL || (rc = s->drv->conf_set(s,
		    s->pending_key[i], s->pending_value[i], err, len)) == 1)) {
			snprintf(err, len, "switch %s: unknown or invalid option %s",
			    s->name, s->pending_key[i]);
			rc = -1;
		}
		free(s->pending_key[i]);
		free(s->pending_value[i]);
	}
	s->npending = 0;
	return rc;
}

int
switch_conf_set(const char *name, const char *key, const char *value, char *err,
    size_t len)
{
	struct switch_conf *s = conf_slot(name, err, len);
	long v;
	int rc;

	if (s == NULL)
		return -1;
	if (strcmp(key, "driver") == 0) {
		const struct switch_driver *d = driver_named(value);
		if (d == NULL) {
			char have[128] = "";
			for (size_t i = 0; switch_drivers[i] != NULL; i++)
				snprintf(have + strlen(have), sizeof(have) - strlen(have),
				    "%s%s", i ? ", " : "", switch_drivers[i]->name);
			snprintf(err, len, "switch %s: unknown driver '%s' (this ingotd "
			    "has: %s)", name, value, have);
			return -1;
		}
		s->drv = d;
		snprintf(s->driver, sizeof(s->driver), "%s", value);
		return replay_pending(s, err, len);
	} else if (strcmp(key, "address") == 0) {
		snprintf(s->address, sizeof(s->address), "%s", value);
	} else if (strcmp(key, "switch_id") == 0) {
		char mac[18];
		if (!util_normalize_mac(value, mac)) {
			snprintf(err, len, "switch %s: switch_id must be a MAC address", name);
			return -1;
		}
		snprintf(s->switch_id, sizeof(s->switch_id), "%s", mac);
	} else if (strcmp(key, "bridge") == 0) {
		snprintf(s->bridge, sizeof(s->bridge), "%s", value);
	} else if (strcmp(key, "ports") == 0) {
		char buf[4096], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", value);
		for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			if (s->nports < SWITCH_MAX_PORTS)
				s->ports[s->nports++] = util_strdup(t);
	} else if (strcmp(key, "timeout_ms") == 0 && util_parse_int(value, 100, 600000, &v)) {
		s->timeout_ms = (int)v;
	} else if (strcmp(key, "retries") == 0 && util_parse_int(value, 0, 10, &v)) {
		s->retries = (int)v;
	} else if (strcmp(key, "isolation_vlan") == 0 && util_parse_int(value, 1, 4095, &v)) {
		s->isolation_vlan = (int)v;
	} else if (s->drv == NULL && s->npending < SWITCH_MAX_PENDING) {
		/* the driver's own option before "driver =": kept for it */
		s->pending_key[s->npending] = util_strdup(key);
		s->pending_value[s->npending++] = util_strdup(value);
	} else if (s->drv != NULL && s->drv->conf_set != NULL &&
	    (rc = s->drv->conf_set(s, key, value, err, len)) != 1) {
		return rc;
	} else {
		snprintf(err, len, "switch %s: unknown or invalid option %s", name, key);
		return -1;
	}
	return 0;
}

int
switch_conf_finish(char *err, size_t len)
{
	for (int i = 0; i < nswitches; i++) {
		if (switches[i].drv == NULL || switches[i].address[0] == '\0' ||
		    switches[i].switch_id[0] == '\0') {
			snprintf(err, len, "switch %s needs driver, address and switch_id",
			    switches[i].name);
			return -1;
		}
		if (switches[i].drv->prepare != NULL &&
		    switches[i].drv->prepare(&switches[i], err, len) != 0)
			return -1;
	}
	return 0;
}

const struct switch_driver *
switch_driver_of(const struct switch_conf *sw)
{
	return sw->drv;
}

int
switch_count(void)
{
	return nswitches;
}

const struct switch_conf *
switch_find(const char *id)
{
	char mac[18];
	bool is_mac = util_normalize_mac(id, mac);

	for (int i = 0; id != NULL && i < nswitches; i++)
		if (strcmp(switches[i].name, id) == 0 ||
		    (is_mac && strcmp(switches[i].switch_id, mac) == 0))
			return &switches[i];
	return NULL;
}

void
switch_list_json(struct strbuf *b)
{
	sb_puts(b, "{\"switches\":[");
	for (int i = 0; i < nswitches; i++) {
		const struct switch_conf *s = &switches[i];
		sb_puts(b, i ? ",{" : "{");
		sb_puts(b, "\"name\":");
		sb_json_str(b, s->name);
		sb_puts(b, ",\"driver\":");
		sb_json_str(b, s->driver);
		sb_puts(b, ",\"switch_id\":");
		sb_json_str(b, s->switch_id);
		sb_puts(b, ",\"address\":");
		sb_json_str(b, s->address);
		if (s->drv->describe != NULL)
			s->drv->describe(s, b);
		sb_puts(b, ",\"managed_ports\":[");
		for (int p = 0; p < s->nports; p++) {
			if (p)
				sb_puts(b, ",");
			sb_json_str(b, s->ports[p]);
		}
		sb_puts(b, "]}");
	}
	sb_puts(b, "]}");
}

static pthread_mutex_t *
port_lock(const char *sw, const char *port)
{
	char key[160];

	snprintf(key, sizeof(key), "%s/%s", sw, port);
	return &keylock_get(&port_locks, key)->mtx;
}

static const struct switch_conf *
lookup(const char *id, const char *port, char *err, size_t len)
{
	const struct switch_conf *s = switch_find(id);
	bool allowed;

	if (s == NULL) {
		snprintf(err, len, "switch %s is not configured", id);
		return NULL;
	}
	allowed = s->nports == 0;
	for (int i = 0; i < s->nports; i++)
		if (strcmp(s->ports[i], port) == 0)
			allowed = true;
	if (!allowed) {
		snprintf(err, len, "switch %s port %s: not a port Ingot may manage",
		    s->name, port);
		return NULL;
	}
	return s;
}

int
switch_port_check(const char *id, const char *port, char *err, size_t len)
{
	return lookup(id, port, err, len) != NULL ? 0 : -1;
}

static bool
same(const struct switch_port_state *a, const struct switch_port_state *b)
{
	if (a->native != b->native || a->ntrunks != b->ntrunks)
		return false;
	for (int i = 0; i < a->ntrunks; i++) {
		bool found = false;
		for (int j = 0; j < b->ntrunks; j++)
			if (a->trunks[i] == b->trunks[j])
				found = true;
		if (!found)
			return false;
	}
	return true;
}

static struct metric port_sets = METRIC_INIT("ingot_switch_port_changes_total",
    "Switch port VLAN changes (with read-back), by switch, driver and result.",
    METRIC_COUNTER, "switch", "driver", "result");
static struct metric port_time = METRIC_HIST("ingot_switch_port_change_duration_seconds",
    "Time to change a switch port's VLANs and read them back, retries included.",
    metric_buckets_ops, "switch", "driver");

int
switch_port_set(const char *id, const char *port, const struct switch_port_state *want,
    char *err, size_t len)
{
	double t0 = util_mono_now();
	const struct switch_conf *s = lookup(id, port, err, len);
	struct switch_port_state got;
	pthread_mutex_t *m;
	char e[700] = "";
	int rc = -1;

	if (s == NULL)
		return -1;
	m = port_lock(s->name, port);
	pthread_mutex_lock(m);
	for (int attempt = 0; attempt <= s->retries; attempt++) {
		if (attempt > 0) {
			struct timespec ts = { 0, 200000000L << (attempt - 1) };
			nanosleep(&ts, NULL);
		}
		if (switch_driver_of(s)->set(s, port, want, e, sizeof(e)) != 0)
			continue;
		if (switch_driver_of(s)->get(s, port, &got, e, sizeof(e)) != 0)
			continue;
		if (!same(want, &got)) {
			snprintf(e, sizeof(e), "read back native VLAN %d with %d trunk(s)",
			    got.native, got.ntrunks);
			continue;
		}
		rc = 0;
		break;
	}
	pthread_mutex_unlock(m);
	metric_add(&port_sets, 1, s->name, s->driver, rc == 0 ? "ok" : "failed");
	metric_observe(&port_time, util_mono_now() - t0, s->name, s->driver);
	if (rc != 0)
		snprintf(err, len, "switch %s port %s: %s", s->name, port, e);
	return rc;
}

int
switch_port_get(const char *id, const char *port, struct switch_port_state *got,
    char *err, size_t len)
{
	const struct switch_conf *s = lookup(id, port, err, len);
	char e[700];

	if (s == NULL)
		return -1;
	if (switch_driver_of(s)->get(s, port, got, e, sizeof(e)) != 0) {
		snprintf(err, len, "switch %s port %s: %s", s->name, port, e);
		return -1;
	}
	return 0;
}
