/*
 * The ovsdb switch driver: a small client of the OVSDB management protocol
 * (RFC 7047, JSON-RPC over a unix or TCP socket).  A port change is one
 * "transact" on the Open_vSwitch database: update Port.tag, Port.trunks and
 * Port.vlan_mode where Port.name matches, then read the row back.
 *
 * "Isolated" puts the port on the isolation VLAN (4095 by default): with
 * OVS a tag no network uses is the safe state; it carries no traffic to any
 * provisioning or tenant network.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "switch.h"

static int
connect_to(const char *address, int timeout_ms, char *err, size_t len)
{
	int fd = -1;

	if (strncmp(address, "unix:", 5) == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", address + 5);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			snprintf(err, len, "cannot connect to OVSDB at %s: %s", address,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
	} else if (strncmp(address, "tcp:", 4) == 0) {
		char host[200], *colon;
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
		snprintf(host, sizeof(host), "%s", address + 4);
		if ((colon = strrchr(host, ':')) == NULL) {
			snprintf(err, len, "bad OVSDB address %s", address);
			return -1;
		}
		*colon = '\0';
		if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
			snprintf(err, len, "cannot resolve OVSDB address %s", address);
			return -1;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			snprintf(err, len, "cannot connect to OVSDB at %s: %s", address,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			freeaddrinfo(ai);
			return -1;
		}
		freeaddrinfo(ai);
	} else {
		snprintf(err, len, "bad OVSDB address %s (unix:PATH or tcp:HOST:PORT)",
		    address);
		return -1;
	}
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Sends a request and reads replies until the one with our id; answers
 * the server's echo requests meanwhile. */
static json_t *
rpc(int fd, const char *method, json_t *params, int id, char *err, size_t len)
{
	json_t *req = json_pack("{s:s, s:o, s:i}", "method", method, "params", params,
	    "id", id);
	char *txt = json_dumps(req, JSON_COMPACT), buf[65536];
	size_t have = 0;

	json_decref(req);
	if (txt == NULL || write(fd, txt, strlen(txt)) != (ssize_t)strlen(txt)) {
		free(txt);
		snprintf(err, len, "OVSDB write failed: %s", strerror(errno));
		return NULL;
	}
	free(txt);
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have - 1);
		json_error_t je;
		json_t *msg;
		size_t used;

		if (n <= 0) {
			snprintf(err, len, "OVSDB did not answer%s", n < 0 ?
			    (errno == EAGAIN ? " in time" : "") : " (connection closed)");
			return NULL;
		}
		have += (size_t)n;
		buf[have] = '\0';
		/* Messages are concatenated JSON objects. */
		while (have > 0 && (msg = json_loadb(buf, have,
		    JSON_DISABLE_EOF_CHECK, &je)) != NULL) {
			used = (size_t)je.position;
			memmove(buf, buf + used, have - used);
			have -= used;
			json_t *mid = json_object_get(msg, "id");
			const char *m = json_string_value(json_object_get(msg, "method"));
			if (m != NULL && strcmp(m, "echo") == 0) {
				json_t *r = json_pack("{s:O, s:n, s:O}", "result",
				    json_object_get(msg, "params"), "error", "id", mid);
				char *t = json_dumps(r, JSON_COMPACT);
				if (t != NULL && write(fd, t, strlen(t)) < 0)
					(void)0;
				free(t);
				json_decref(r);
			} else if (json_is_integer(mid) && json_integer_value(mid) == id) {
				return msg;
			}
			json_decref(msg);
		}
		if (have >= sizeof(buf) - 1) {
			snprintf(err, len, "OVSDB reply too large");
			return NULL;
		}
	}
}

static json_t *
int_set(const int *v, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return json_pack("[s, o]", "set", a);
}

/* Runs one transaction; checks every operation's result. */
static json_t *
transact(const struct switch_conf *sw, json_t *ops, char *err, size_t len)
{
	int fd = connect_to(sw->address, sw->timeout_ms > 0 ? sw->timeout_ms : 3000, err, len);
	json_t *params, *reply, *result, *r;
	size_t i;

	if (fd < 0) {
		json_decref(ops);
		return NULL;
	}
	params = json_pack("[s]", "Open_vSwitch");
	json_array_extend(params, ops);
	json_decref(ops);
	reply = rpc(fd, "transact", params, 1, err, len);
	close(fd);
	if (reply == NULL)
		return NULL;
	result = json_incref(json_object_get(reply, "result"));
	if (!json_is_array(result)) {
		snprintf(err, len, "OVSDB error: %s", json_string_value(json_object_get(
		    json_object_get(reply, "error"), "error")) ?: "no result");
		json_decref(reply);
		json_decref(result);
		return NULL;
	}
	json_decref(reply);
	json_array_foreach(result, i, r) {
		if (json_object_get(r, "error") != NULL) {
			snprintf(err, len, "OVSDB refused the change: %s: %s",
			    json_string_value(json_object_get(r, "error")) ?: "?",
			    json_string_value(json_object_get(r, "details")) ?: "");
			json_decref(result);
			return NULL;
		}
	}
	return result;
}

static int
ovsdb_set(const struct switch_conf *sw, const char *port,
    const struct switch_port_state *want, char *err, size_t len)
{
	json_t *row, *ops, *res;
	int tag = want->native > 0 ? want->native :
	    (sw->isolation_vlan > 0 ? sw->isolation_vlan : 4095);

	row = json_object();
	if (want->native == 0 && want->ntrunks > 0) {
		/* Tagged only (an uplink): untagged frames are VLAN 0, which
		 * the trunk does not carry, so OVS drops them. */
		json_object_set_new(row, "tag", json_pack("[s, []]", "set"));
		json_object_set_new(row, "vlan_mode", json_string("trunk"));
	} else {
		json_object_set_new(row, "tag", json_integer(tag));
		json_object_set_new(row, "vlan_mode", want->ntrunks > 0 ?
		    json_string("native-untagged") : json_pack("[s, []]", "set"));
	}
	json_object_set_new(row, "trunks", want->ntrunks > 0 ?
	    int_set(want->trunks, want->ntrunks) : json_pack("[s, []]", "set"));
	/*
	 * Update, then count: a port that does not exist changes 0 rows.  And
	 * bump next_cfg, as ovs-vsctl does: ovs-vswitchd (3.1) was seen to
	 * leave a trunk-only change of a port unapplied until it moved.
	 */
	ops = json_pack("[{s:s, s:s, s:[[s, s, s]], s:o}, {s:s, s:s, s:[], "
	    "s:[[s, s, i]]}]", "op", "update", "table", "Port", "where", "name", "==",
	    port, "row", row, "op", "mutate", "table", "Open_vSwitch", "where",
	    "mutations", "next_cfg", "+=", 1);
	res = transact(sw, ops, err, len);
	if (res == NULL)
		return -1;
	if (json_integer_value(json_object_get(json_array_get(res, 0), "count")) != 1) {
		json_decref(res);
		snprintf(err, len, "no port %s on the switch", port);
		return -1;
	}
	json_decref(res);
	return 0;
}

/* The port's trunks column (a single integer or an OVSDB set). */
static void
read_trunks(json_t *trunks, struct switch_port_state *got)
{
	size_t i;
	json_t *v;

	if (json_is_integer(trunks)) {
		got->trunks[got->ntrunks++] = (int)json_integer_value(trunks);
	} else if (json_is_array(trunks) && json_array_size(trunks) == 2 &&
	    json_is_array(json_array_get(trunks, 1))) {
		json_array_foreach(json_array_get(trunks, 1), i, v)
			if (got->ntrunks < SWITCH_MAX_VLANS)
				got->trunks[got->ntrunks++] = (int)json_integer_value(v);
	}
}

/*
 * Is vlan_mode the one ovsdb_set writes for what tag and trunks say?  A
 * port without a tag and without trunks carries every VLAN; a mode set
 * behind Ingot's back (native-tagged, access with trunks, ...) carries
 * other frames than the columns suggest.  Either reads back as native
 * -1, which matches nothing Ingot asks for, so the port is set again.
 */
static bool
mode_consistent(json_t *tag, int ntrunks, json_t *mode)
{
	const char *m = json_string_value(mode);	/* NULL: the empty set */

	if (!json_is_integer(tag))
		return ntrunks > 0 && (m == NULL || strcmp(m, "trunk") == 0);
	if (ntrunks == 0)
		return m == NULL || strcmp(m, "access") == 0;
	return m != NULL && strcmp(m, "native-untagged") == 0;
}

static int
ovsdb_get(const struct switch_conf *sw, const char *port, struct switch_port_state *got,
    char *err, size_t len)
{
	json_t *ops = json_pack("[{s:s, s:s, s:[[s, s, s]], s:[s, s, s]}]", "op",
	    "select", "table", "Port", "where", "name", "==", port, "columns", "tag",
	    "trunks", "vlan_mode");
	json_t *res = transact(sw, ops, err, len), *rows, *row, *tag;
	int iso = sw->isolation_vlan > 0 ? sw->isolation_vlan : 4095;

	memset(got, 0, sizeof(*got));
	if (res == NULL)
		return -1;
	rows = json_object_get(json_array_get(res, 0), "rows");
	if (json_array_size(rows) != 1) {
		json_decref(res);
		snprintf(err, len, "no port %s on the switch", port);
		return -1;
	}
	row = json_array_get(rows, 0);
	tag = json_object_get(row, "tag");
	if (json_is_integer(tag) && json_integer_value(tag) != iso)
		got->native = (int)json_integer_value(tag);
	read_trunks(json_object_get(row, "trunks"), got);
	if (!mode_consistent(tag, got->ntrunks, json_object_get(row, "vlan_mode")))
		got->native = -1;
	json_decref(res);
	return 0;
}

const struct switch_driver switch_driver_ovsdb = {
	.name = "ovsdb",
	.set = ovsdb_set,
	.get = ovsdb_get,
};
