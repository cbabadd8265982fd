#include "agent_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "log.h"

static long client_timeout = 60;

struct buf {
	char	*data;
	size_t	 len;
};

static pthread_mutex_t ns_mtx = PTHREAD_MUTEX_INITIALIZER;
static char agent_ns[128];

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
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	char path[200];
	int self, nsfd, s;

	(void)arg; (void)purpose;
	pthread_mutex_lock(&ns_mtx);
	snprintf(path, sizeof(path), "/run/netns/%s", agent_ns);
	bool use = agent_ns[0] != '\0';
	pthread_mutex_unlock(&ns_mtx);
	if (!use)
		return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if ((self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return CURL_SOCKET_BAD;
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
		log_error("cannot enter namespace %s to reach an agent: %s", path,
		    strerror(errno));
		if (nsfd >= 0)
			close(nsfd);
		close(self);
		return CURL_SOCKET_BAD;
	}
	close(nsfd);
	s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	/* Back to the host's namespace: this worker thread goes on there. */
	if (setns(self, CLONE_NEWNET) != 0)
		fatalx("cannot return to the host network namespace: %s", strerror(errno));
	close(self);
	return s < 0 ? CURL_SOCKET_BAD : s;
}

void
agent_client_init(int timeout_s)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (timeout_s > 0)
		client_timeout = timeout_s;
}

static size_t
on_data(char *p, size_t sz, size_t n, void *u)
{
	struct buf *b = u;
	size_t add = sz * n;
	char *d;

	if (b->len + add > (16u << 20))
		return 0;
	if ((d = realloc(b->data, b->len + add + 1)) == NULL)
		return 0;
	b->data = d;
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

static json_t *
call(const char *method, const char *url, const char *body, char *err, size_t len)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct buf b = { NULL, 0 };
	json_t *out = NULL;
	long code = 0;
	CURLcode rc;

	if (c == NULL) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, client_timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		snprintf(err, len, "agent did not answer: %s", curl_easy_strerror(rc));
	} else if (code < 200 || code >= 300) {
		snprintf(err, len, "agent answered HTTP %ld: %.200s", code,
		    b.data ? b.data : "");
	} else if ((out = json_loads(b.data ? b.data : "", 0, NULL)) == NULL) {
		snprintf(err, len, "agent sent invalid JSON");
	}
	free(b.data);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return out;
}

json_t *
agent_command(const char *agent_url, const char *token, const char *name,
    json_t *params, bool wait, char *err, size_t len)
{
	char url[1024], *body;
	json_t *req, *out;
	size_t n = strlen(agent_url);

	snprintf(url, sizeof(url), "%.*s/v1/commands/?wait=%s&agent_token=%s",
	    (int)(n > 0 && agent_url[n - 1] == '/' ? n - 1 : n), agent_url,
	    wait ? "true" : "false", token ? token : "");
	req = json_pack("{s:s, s:O}", "name", name, "params", params ? params : json_object());
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	out = call("POST", url, body, err, len);
	free(body);
	log_debug("agent command %s: %s", name, out ? "sent" : err);
	return out;
}

json_t *
agent_last_command(const char *agent_url, const char *token, const char *name,
    char *err, size_t len)
{
	char url[1024];
	json_t *all, *list, *c, *found = NULL;
	size_t i, n = strlen(agent_url);

	snprintf(url, sizeof(url), "%.*s/v1/commands/?agent_token=%s",
	    (int)(n > 0 && agent_url[n - 1] == '/' ? n - 1 : n), agent_url,
	    token ? token : "");
	if ((all = call("GET", url, NULL, err, len)) == NULL)
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
