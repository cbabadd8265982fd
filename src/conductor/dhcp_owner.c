/* Which conductor serves DHCP on each network (see dhcp_owner.h). */
#include "dhcp_owner.h"

#include <stdio.h>
#include <string.h>

#include "conductor.h"
#include "dhcp.h"
#include "jsonutil.h"
#include "log.h"
#include "network.h"
#include "ring.h"
#include "store.h"
#include "util.h"

#define VLANS_MAX	64

/* Records this conductor as the network's server (old: the row, or NULL). */
static bool
take(json_t *old, const char *uuid, const char *was)
{
	char now[40], err[256];
	json_t *row;
	int rc;

	util_now_iso(now);
	if (old != NULL) {
		row = json_deep_copy(old);
		json_object_set_new(row, "conductor", json_string(conductor_host()));
		json_object_set_new(row, "updated_at", json_string(now));
		rc = store_update(store_thread(), &model_dhcp_server, row, err, sizeof(err));
	} else {
		row = json_pack("{s:s, s:s, s:s, s:s}", "uuid", uuid, "conductor",
		    conductor_host(), "created_at", now, "updated_at", now);
		rc = store_create(store_thread(), &model_dhcp_server, row, err, sizeof(err));
	}
	json_decref(row);
	if (rc != STORE_OK)
		return false;	/* another conductor took it first: next pass */
	log_info("dhcp: network %s served by conductor %s (was %s)", uuid,
	    conductor_host(), was ? was : "none");
	return true;
}

bool
dhcp_owner_mine(json_t *net)
{
	const char *uuid = jstr(net, "uuid"), *holder;
	char key[200], elected[128];
	json_t *row;
	bool mine;

	if (!dhcp_enabled() || uuid == NULL)
		return false;
	row = store_get(store_thread(), &model_dhcp_server, "uuid", uuid);
	holder = row != NULL ? jstr(row, "conductor") : NULL;
	if (holder != NULL && strcmp(holder, conductor_host()) == 0) {
		mine = true;
	} else if (holder != NULL && ring_serves_dhcp(holder)) {
		mine = false;	/* a live server keeps its network */
	} else {
		snprintf(key, sizeof(key), "network:%s", uuid);
		mine = ring_dhcp_owner(key, elected, sizeof(elected)) &&
		    strcmp(elected, conductor_host()) == 0 && take(row, uuid, holder);
	}
	json_decref(row);
	return mine;
}

static bool
wants_dhcp(json_t *n)
{
	return jstr(n, "cidr") != NULL && jstr(n, "dhcp_range") != NULL;
}

/* Servers of VLANs no network of the list served here has any more. */
static void
stop_orphans(json_t *mine)
{
	int v[VLANS_MAX], nv = dhcp_served_vlans(v, VLANS_MAX);
	json_t *n;
	size_t i;

	for (int k = 0; k < nv; k++) {
		bool keep = false;
		json_array_foreach(mine, i, n)
			keep |= json_integer_value(json_object_get(n, "vlan_id")) == v[k];
		if (!keep) {
			log_info("dhcp: stopping the server of VLAN %d (its network is "
			    "gone or served by another conductor)", v[k]);
			dhcp_vlan_stop(v[k]);
		}
	}
}

void
dhcp_owner_pass(void)
{
	struct store_query q = { 0 };
	json_t *all, *mine, *n;
	char err[256];
	size_t i;

	if (!dhcp_enabled() || !cond_owns_nodes())
		return;
	if ((all = store_list(store_thread(), &model_network, &q, err,
	    sizeof(err))) == NULL) {
		log_error("dhcp pass: %s", err);
		return;	/* nothing stopped on a database error */
	}
	mine = json_array();
	json_array_foreach(all, i, n)
		if (wants_dhcp(n) && dhcp_owner_mine(n))
			json_array_append(mine, n);
	stop_orphans(mine);
	json_array_foreach(mine, i, n) {
		if (dhcp_serves(n))
			dhcp_hosts_render(n);
		else
			cond_network_changed(n, false);
	}
	json_decref(mine);
	json_decref(all);
}
