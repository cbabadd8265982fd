/* Networks: DHCP servers and the provisioning listener (see network.h). */
#include "network.h"

#include <stdio.h>
#include <string.h>

#include "agent_client.h"
#include "conductor.h"
#include "dhcp.h"
#include "log.h"
#include "node.h"
#include "store.h"

static int (*listen_hook)(const char *, const char *, int, bool, char *, size_t);
static void prov_listen(json_t *net, bool deleted);

void
network_sync_all(void)
{
	struct store_query q = { 0 };
	json_t *all, *n;
	char err[512];
	size_t i;

	if (!dhcp_enabled())
		return;
	all = store_list(store_thread(), &model_network, &q, err, sizeof(err));
	json_array_foreach(all, i, n) {
		if (dhcp_network_sync(n, false, err, sizeof(err)) != 0)
			log_error("dhcp: network %s: %s", node_name(n), err);
		else
			prov_listen(n, false);
	}
	json_decref(all);
}

void
cond_set_prov_listen_hook(int (*fn)(const char *, const char *, int, bool, char *,
    size_t))
{
	listen_hook = fn;
}

static void
prov_listen(json_t *net, bool deleted)
{
	char ns[64], ip[64], err[256];
	/* Tenant networks: the sanboot listener, when volumes may be booted. */
	bool tenant = strcmp(network_purpose(net), "tenant") == 0;

	if (deleted || listen_hook == NULL || !dhcp_enabled() ||
	    (tenant && !cconf.dhcp.tenant_sanboot) ||
	    network_dhcp_range(net) == NULL || dhcp_server_ip(net, ip, sizeof(ip)) == NULL)
		return;
	dhcp_netns_name(net, ns, sizeof(ns));
	if (strcmp(network_purpose(net), "provisioning") == 0)
		agent_client_set_netns(ns);
	if (listen_hook(ns, ip, cconf.ipxe.http_port, tenant, err, sizeof(err)) != 0)
		log_error("cannot serve the API on the %s network: %s",
		    network_name(net), err);
}

void
cond_network_changed(json_t *net, bool deleted)
{
	char err[512];

	if (dhcp_network_sync(net, deleted, err, sizeof(err)) != 0)
		log_error("dhcp: network %s: %s", network_name(net), err);
	else
		prov_listen(net, deleted);
}
