#include "agent_client.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpc.h"
#include "log.h"

#define AGENT_MAX_RESPONSE	(16u << 20)
#define AGENT_CONNECT_TIMEOUT	10	/* seconds */

static long client_timeout = 60;

static pthread_mutex_t ns_mtx = PTHREAD_MUTEX_INITIALIZER;
static char agent_ns[128];
/* This thread's agent is on another network (a rescue ramdisk): its
 * namespace instead of the provisioning one. */
static _Thread_local char thread_ns[128];

void
agent_client_thread_netns(const char *netns)
{
	snprintf(thread_ns, sizeof(thread_ns), "%s", netns ? netns : "");
}

void
agent_client_set_netns(const char *netns)
{
	pthread_mutex_lock(&ns_mtx);
	if (strcmp(agent_ns, netns ? netns : "") != 0)
		log_info("agents are reached through namespace %s", netns ? netns : "(host)");
	snprintf(agent_ns, sizeof(agent_ns), "%s", netns ? netns : "");
	pthread_mutex_unlock(&ns_mtx);
}

/* Creates the connection's socket inside the agents' namespace. */
static int
open_socket(int family, int type, int protocol)
{
	char path[200];
	int self, nsfd, s;

	pthread_mutex_lock(&ns_mtx);
	snprintf(path, sizeof(path), "/run/netns/%s", thread_ns[0] ? thread_ns : agent_ns);
	bool use = thread_ns[0] != '\0' || agent_ns[0] != '\0';
	pthread_mutex_unlock(&ns_mtx);
	if (!use)
		return socket(family, type | SOCK_CLOEXEC, protocol);
	if ((self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
		log_error("cannot enter namespace %s to reach an agent: %s", path,
		    strerror(errno));
		if (nsfd >= 0)
			close(nsfd);
		close(self);
		return -1;
	}
	close(nsfd);
	s = socket(family, type | SOCK_CLOEXEC, protocol);
	/* Back to the host's namespace: this worker thread goes on there. */
	if (setns(self, CLONE_NEWNET) != 0)
		fatalx("cannot return to the host network namespace: %s", strerror(errno));
	close(self);
	return s;
}

void
agent_client_init(int timeout_s)
{
	if (timeout_s > 0)
		client_timeout = timeout_s;
}

/* The URL holds the agent's token: it is never logged. */
static json_t *
call(const char *method, const char *url, const char *ca_pem, json_t *body, char *err,
    size_t len)
{
	struct httpc_req req = { .method = method, .url = url, .json = body,
	    .ca_pem = ca_pem,
	    .timeout = client_timeout, .connect_timeout = AGENT_CONNECT_TIMEOUT,
	    .max_response = AGENT_MAX_RESPONSE, .open_socket = open_socket };
	struct httpc_res res;
	json_t *out = NULL;

	if (httpc_do(&req, &res) != 0)
		snprintf(err, len, "agent did not answer: %s", res.err);
	else if (res.status < 200 || res.status >= 300)
		snprintf(err, len, "agent answered HTTP %ld: %.200s", res.status,
		    res.body ? res.body : "");
	else if (!json_is_object(res.json) && !json_is_array(res.json))
		snprintf(err, len, "agent sent invalid JSON");
	else
		out = json_incref(res.json);
	httpc_res_free(&res);
	return out;
}

json_t *
agent_command(const char *agent_url, const char *token, const char *ca_pem,
    const char *name, json_t *params, bool wait, char *err, size_t len)
{
	char url[1024];
	json_t *req, *out;
	size_t n = strlen(agent_url);

	snprintf(url, sizeof(url), "%.*s/v1/commands/?wait=%s&agent_token=%s",
	    (int)(n > 0 && agent_url[n - 1] == '/' ? n - 1 : n), agent_url,
	    wait ? "true" : "false", token ? token : "");
	req = json_pack("{s:s, s:O}", "name", name, "params", params ? params : json_object());
	out = call("POST", url, ca_pem, req, err, len);
	json_decref(req);
	log_debug("agent command %s: %s", name, out ? "sent" : err);
	return out;
}

json_t *
agent_last_command(const char *agent_url, const char *token, const char *ca_pem,
    const char *name, char *err, size_t len)
{
	char url[1024];
	json_t *all, *list, *c, *found = NULL;
	size_t i, n = strlen(agent_url);

	snprintf(url, sizeof(url), "%.*s/v1/commands/?agent_token=%s",
	    (int)(n > 0 && agent_url[n - 1] == '/' ? n - 1 : n), agent_url,
	    token ? token : "");
	if ((all = call("GET", url, ca_pem, NULL, err, len)) == NULL)
		return NULL;
	list = json_object_get(all, "commands");
	json_array_foreach(list, i, c) {
		const char *cn = json_string_value(json_object_get(c, "command_name"));
		if (cn != NULL && (strcmp(cn, name) == 0 ||
		    (strchr(name, '.') && strcmp(cn, strchr(name, '.') + 1) == 0)))
			found = c;
	}
	found = json_incref(found);
	json_decref(all);
	if (found == NULL)
		snprintf(err, len, "the agent has no %s command", name);
	return found;
}
