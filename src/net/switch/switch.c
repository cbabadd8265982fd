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

/*
 * SIGHUP: the [switch:NAME] sections are read into staged[], checked and
 * prepared there, then swapped into switches[] under reload_lock's write
 * side; every use of a switch's settings (a port change, a read, the list)
 * holds its read side.  Names stay where they are (same switches).
 */
static pthread_rwlock_t reload_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct switch_conf staged[MAX_SWITCHES];
static int nstaged;

static struct keylock_set port_locks = KEYLOCK_SET_INIT;

static struct switch_conf *
conf_slot(struct switch_conf *arr, int *n, const char *name, char *err, size_t len)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(arr[i].name, name) == 0)
			return &arr[i];
	if (*n == MAX_SWITCHES) {
		snprintf(err, len, "too many switches");
		return NULL;
	}
	struct switch_conf *s = &arr[(*n)++];
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

static int
conf_set_in(struct switch_conf *arr, int *n, const char *name, const char *key,
    const char *value, char *err, size_t len)
{
	struct switch_conf *s = conf_slot(arr, n, name, err, len);
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
switch_conf_set(const char *name, const char *key, const char *value, char *err,
    size_t len)
{
	return conf_set_in(switches, &nswitches, name, key, value, err, len);
}

/* Checks and prepares arr[0..n) (the driver loads what it needs). */
static int
conf_finish(struct switch_conf *arr, int n, char *err, size_t len)
{
	for (int i = 0; i < n; i++) {
		if (arr[i].drv == NULL || arr[i].address[0] == '\0' ||
		    arr[i].switch_id[0] == '\0') {
			snprintf(err, len, "switch %s needs driver, address and switch_id",
			    arr[i].name);
			return -1;
		}
		if (arr[i].drv->prepare != NULL && arr[i].drv->prepare(&arr[i], err, len) != 0)
			return -1;
	}
	return 0;
}

int
switch_conf_finish(char *err, size_t len)
{
	return conf_finish(switches, nswitches, err, len);
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
	pthread_rwlock_rdlock(&reload_lock);
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
	pthread_rwlock_unlock(&reload_lock);
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
	int rc;

	pthread_rwlock_rdlock(&reload_lock);
	rc = lookup(id, port, err, len) != NULL ? 0 : -1;
	pthread_rwlock_unlock(&reload_lock);
	return rc;
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
	const struct switch_conf *s;
	struct switch_port_state got;
	pthread_mutex_t *m;
	char e[700] = "";
	int rc = -1;

	pthread_rwlock_rdlock(&reload_lock);	/* the settings stay until the end */
	if ((s = lookup(id, port, err, len)) == NULL) {
		pthread_rwlock_unlock(&reload_lock);
		return -1;
	}
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
	pthread_rwlock_unlock(&reload_lock);
	return rc;
}

int
switch_port_get(const char *id, const char *port, struct switch_port_state *got,
    char *err, size_t len)
{
	const struct switch_conf *s;
	char e[700];
	int rc = 0;

	pthread_rwlock_rdlock(&reload_lock);
	if ((s = lookup(id, port, err, len)) == NULL) {
		rc = -1;
	} else if (switch_driver_of(s)->get(s, port, got, e, sizeof(e)) != 0) {
		snprintf(err, len, "switch %s port %s: %s", s->name, port, e);
		rc = -1;
	}
	pthread_rwlock_unlock(&reload_lock);
	return rc;
}

/* --- SIGHUP ------------------------------------------------------------- */

/* Frees what a switch's settings hold (the driver's state first). */
static void
conf_clear(struct switch_conf *s)
{
	if (s->drv != NULL && s->drv->release != NULL)
		s->drv->release(s);
	for (int i = 0; i < s->nports; i++)
		free(s->ports[i]);
	if (s->password != NULL)
		explicit_bzero(s->password, strlen(s->password));
	free(s->password);
	for (int i = 0; i < s->nvars; i++) {
		free(s->var_name[i]);
		free(s->var_value[i]);
	}
	for (int i = 0; i < s->npending; i++) {
		free(s->pending_key[i]);
		free(s->pending_value[i]);
	}
	memset(s, 0, sizeof(*s));
}

void
switch_reload_begin(void)
{
	for (int i = 0; i < nstaged; i++)
		conf_clear(&staged[i]);
	nstaged = 0;
}

int
switch_stage_set(const char *name, const char *key, const char *value, char *err,
    size_t len)
{
	return conf_set_in(staged, &nstaged, name, key, value, err, len);
}

static bool
differ(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

/* The names of the settings that differ (no values: a password). */
static void
changes(const struct switch_conf *a, const struct switch_conf *b, char *out, size_t len)
{
	bool ports = a->nports != b->nports, vars = a->nvars != b->nvars;
	const struct { bool d; const char *k; } c[] = {
		{ differ(a->address, b->address), "address" },
		{ differ(a->username, b->username), "username" },
		{ differ(a->password, b->password), "password" },
		{ differ(a->key_file, b->key_file), "key_file" },
		{ differ(a->known_hosts, b->known_hosts), "known_hosts" },
		{ differ(a->device_type, b->device_type) || differ(a->template_path,
		    b->template_path) || differ(a->templates_dir, b->templates_dir),
		    "template" },
		{ a->timeout_ms != b->timeout_ms || a->retries != b->retries, "timeouts" },
		{ a->isolation_vlan != b->isolation_vlan, "isolation_vlan" },
		{ a->save_config != b->save_config, "save_config" },
		{ false, "ports" }, { false, "var" },
	};
	for (int i = 0; !ports && i < a->nports; i++)
		ports = strcmp(a->ports[i], b->ports[i]) != 0;
	for (int i = 0; !vars && i < a->nvars; i++)
		vars = differ(a->var_name[i], b->var_name[i]) ||
		    differ(a->var_value[i], b->var_value[i]);
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		bool d = c[i].d || (strcmp(c[i].k, "ports") == 0 && ports) ||
		    (strcmp(c[i].k, "var") == 0 && vars);
		if (d)
			snprintf(out + strlen(out), len - strlen(out), "%s%s",
			    out[0] ? " " : "", c[i].k);
	}
}

/* The staged switches are the same ones: names, drivers, ids, bridges. */
static int
same_switches(char *err, size_t len)
{
	if (nstaged != nswitches) {
		snprintf(err, len, "switches were added or removed (%d, was %d): that "
		    "needs a restart", nstaged, nswitches);
		return -1;
	}
	for (int i = 0; i < nstaged; i++) {
		const struct switch_conf *o = switch_find(staged[i].name);
		if (o == NULL || strcmp(o->driver, staged[i].driver) != 0 ||
		    strcmp(o->switch_id, staged[i].switch_id) != 0 ||
		    strcmp(o->bridge, staged[i].bridge) != 0) {
			snprintf(err, len, "switch %s: %s; name, driver, switch_id and "
			    "bridge need a restart", staged[i].name, o == NULL ? "new" :
			    "changed");
			return -1;
		}
	}
	return 0;
}

int
switch_reload_commit(char *what, size_t wlen, char *err, size_t len)
{
	char ch[200];

	what[0] = '\0';
	if (same_switches(err, len) != 0 || conf_finish(staged, nstaged, err, len) != 0) {
		switch_reload_begin();
		return -1;
	}
	pthread_rwlock_wrlock(&reload_lock);
	for (int i = 0; i < nswitches; i++) {
		for (int j = 0; j < nstaged; j++) {
			if (strcmp(staged[j].name, switches[i].name) != 0)
				continue;
			changes(&switches[i], &staged[j], ch, sizeof(ch));
			if (ch[0] != '\0')
				snprintf(what + strlen(what), wlen - strlen(what), "%s%s (%s)",
				    what[0] ? ", " : "", switches[i].name, ch);
			struct switch_conf t = switches[i];
			switches[i] = staged[j];
			staged[j] = t;
		}
	}
	pthread_rwlock_unlock(&reload_lock);
	switch_reload_begin();		/* frees the old settings */
	return 0;
}
