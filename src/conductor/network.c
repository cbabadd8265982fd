/* Networks: DHCP servers and the provisioning listener (see network.h). */
#include "network.h"

#include <stdio.h>
#include <string.h>

#include "agent_client.h"
#include "conductor.h"
#include "dhcp.h"
#include "dhcp_owner.h"
#include "jsonutil.h"
#include "log.h"
#include "node.h"
#include "store.h"

static int (*listen_hook)(const char *, const char *, int, bool, char *, size_t);
static void prov_listen(json_t *net, bool deleted);

/* At start: the networks this conductor serves (dhcp_owner.h). */
void
network_sync_all(void)
{
	dhcp_owner_pass();
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

	/* Storage networks: no listener at all (tenants meet the portal there). */
	if (strcmp(network_purpose(net), "storage") == 0)
		return;
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

	/* Another conductor serves it: stop ours if we ran it (its owner's
	 * pass applies the change). */
	if (deleted && dhcp_enabled())
		store_delete(store_thread(), &model_dhcp_server, jstr(net, "uuid"));
	else if (dhcp_enabled() && !dhcp_owner_mine(net))
		deleted = true;
	if (dhcp_network_sync(net, deleted, err, sizeof(err)) != 0)
		log_error("dhcp: network %s: %s", network_name(net), err);
	else
		prov_listen(net, deleted);
}
