/* Client of the Ironic Python Agent command API, spoken by ingot-agent. */
#ifndef INGOT_AGENT_CLIENT_H
#define INGOT_AGENT_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

void	agent_client_init(int timeout_s);
/*
 * Agents live on the provisioning network, which ingotd reaches through
 * that network's namespace (the DHCP server's): connections to agents are
 * opened there.  NULL: the host's own namespace.
 */
void	agent_client_set_netns(const char *netns);
/* Calls from this thread reach their agent in netns instead ("" or NULL:
 * back to the provisioning network's). */
void	agent_client_thread_netns(const char *netns);
/*
 * POST {agent}/v1/commands/?wait=...: returns the command object.  ca_pem:
 * the certificate the agent sent in its heartbeat (agent_verify_ca, IPA's
 * auto-TLS), the only one an https agent is verified with; NULL: the
 * system's CAs.
 */
json_t	*agent_command(const char *agent_url, const char *token, const char *ca_pem,
	    const char *name, json_t *params, bool wait, char *err, size_t len);
/* The most recent command called name from GET {agent}/v1/commands/. */
json_t	*agent_last_command(const char *agent_url, const char *token,
	    const char *ca_pem, const char *name, char *err, size_t len);

#endif
