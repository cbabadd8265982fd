/* DHCP host entries in the database (see dhcp_db.h). */
#include "dhcp_db.h"

#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "jsonutil.h"
#include "log.h"
#include "model.h"
#include "store.h"
#include "util.h"

static void
key(char *buf, size_t len, const char *net, const char *v)
{
	snprintf(buf, len, "%s/%s", net, v);
}

int
dhcp_db_ip(const char *net, const char *mac, char *ip, size_t len)
{
	char k[200];
	json_t *row;

	key(k, sizeof(k), net, mac);
	if ((row = store_get(store_thread(), &model_dhcp_host, "uuid", k)) == NULL)
		return -1;
	snprintf(ip, len, "%s", jstr(row, "ip") ? jstr(row, "ip") : "");
	json_decref(row);
	return ip[0] != '\0' ? 0 : -1;
}

int
dhcp_db_mac(const char *net, const char *ip, char *mac, size_t len)
{
	char k[200];
	json_t *row;

	key(k, sizeof(k), net, ip);
	if ((row = store_get(store_thread(), &model_dhcp_host, "ip_key", k)) == NULL)
		return -1;
	snprintf(mac, len, "%s", jstr(row, "address") ? jstr(row, "address") : "");
	json_decref(row);
	return mac[0] != '\0' ? 0 : -1;
}

int
dhcp_db_add(const char *net, const char *mac, const char *ip)
{
	char k[200], ik[200], now[40], err[256];
	json_t *row;
	int rc;

	key(k, sizeof(k), net, mac);
	key(ik, sizeof(ik), net, ip);
	util_now_iso(now);
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "uuid", k,
	    "network_uuid", net, "address", mac, "ip", ip, "ip_key", ik,
	    "created_at", now, "updated_at", now);
	rc = store_create(store_thread(), &model_dhcp_host, row, err, sizeof(err));
	json_decref(row);
	if (rc == STORE_DUP)
		return 1;
	if (rc != STORE_OK) {
		log_error("dhcp: cannot record %s's address %s: %s", mac, ip, err);
		return -1;
	}
	return 0;
}

void
dhcp_db_remove(const char *net, const char *mac)
{
	char k[200];

	key(k, sizeof(k), net, mac);
	store_delete(store_thread(), &model_dhcp_host, k);
}

json_t *
dhcp_db_list(const char *net)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string(net), *rows;
	char err[256];

	q.filters[0] = (struct store_filter){ .field = "network_uuid", .op = SO_EQ,
	    .value = v };
	rows = store_list(store_thread(), &model_dhcp_host, &q, err, sizeof(err));
	json_decref(v);
	if (rows == NULL)
		log_error("dhcp: cannot read the host entries: %s", err);
	return rows;
}

void
dhcp_db_mark(const char *net, uint32_t lo, uint32_t hi, unsigned char *used)
{
	json_t *all = dhcp_db_list(net), *r;
	uint32_t a;
	size_t i;

	json_array_foreach(all, i, r)
		if (ip4_parse(jstr(r, "ip") ? jstr(r, "ip") : "", &a) && a >= lo && a <= hi)
			used[a - lo] = 1;
	json_decref(all);
}
