/*
 * Forwarding (docs/scale-out.md): a provisioning, power or boot-device
 * request for a node another live conductor owns (nodes.conductor, else the
 * ring) is sent to that conductor's API with the caller's credentials and
 * answered with its answer as is.  X-Ingot-Forwarded-By marks a forwarded
 * request: it is handled where it arrives, never forwarded again.  An owner
 * that is dead or does not answer gets 503 here, and the request is not run
 * anywhere (the client may retry once the node is taken over).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "conductor.h"
#include "httpc.h"
#include "log.h"
#include "ring.h"

#define FWD_HEADER	"X-Ingot-Forwarded-By"
#define FWD_TIMEOUT	120	/* seconds: a power verb may wait for the BMC */

/* Headers passed on: credentials and the microversion. */
static const char *const passed[] = { "Authorization", "X-Auth-Token",
    "X-OpenStack-Ironic-API-Version", "OpenStack-API-Version", NULL };

/* The node's owner: nodes.conductor, else the ring's pick; false: none
 * (no live conductor serves its group: handled here, as with one ingotd). */
static bool
owner_of(json_t *node, char *out, size_t len)
{
	const char *c = json_string_value(json_object_get(node, "conductor"));

	if (c != NULL) {
		snprintf(out, len, "%s", c);
		return true;
	}
	return ring_owner(json_string_value(json_object_get(node, "conductor_group")),
	    json_string_value(json_object_get(node, "uuid")), out, len);
}

static void
answer(struct resp *r, const struct httpc_res *res)
{
	r->status = (int)res->status;
	if (res->body != NULL && res->len > 0) {
		r->text = strdup(res->body);
		r->text_json = true;
	}
	if (res->header[0] != '\0')
		snprintf(r->location, sizeof(r->location), "%.500s", res->header);
}

static void
send_to(struct req *q, struct resp *r, const char *owner, const char *url)
{
	char hdrs[8][2048], full[1024];
	const char *hv[9];
	struct httpc_res res = { 0 };
	int n = 0;

	for (int i = 0; passed[i] != NULL; i++) {
		const char *v = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
		    passed[i]);
		if (v != NULL && strlen(v) < sizeof(hdrs[0]) - 64) {
			snprintf(hdrs[n], sizeof(hdrs[n]), "%s: %s", passed[i], v);
			hv[n] = hdrs[n], n++;
		}
	}
	snprintf(hdrs[n], sizeof(hdrs[n]), FWD_HEADER ": %s", conductor_host());
	hv[n] = hdrs[n], n++;
	hv[n] = NULL;
	snprintf(full, sizeof(full), "%s%s%s", url, q->path[0] == '/' ? "" : "/", q->path);
	struct httpc_req hr = { .method = q->method, .url = full, .json = q->json,
	    .headers = hv, .connect_timeout = 5, .timeout = FWD_TIMEOUT,
	    .want_header = "Location" };
	if (httpc_do(&hr, &res) == 0 && res.status > 0) {
		log_info("%s %s forwarded to conductor %s: %ld", q->method, q->path, owner,
		    res.status);
		answer(r, &res);
	} else {
		log_warn("%s %s: conductor %s (%s) did not answer: %s", q->method, q->path,
		    owner, url, res.err);
		api_error(r, 503, "The conductor %s that manages this node did not answer; "
		    "the request was not carried out. Retry later.", owner);
	}
	httpc_res_free(&res);
	explicit_bzero(hdrs, sizeof(hdrs));
}

/* The routes (all PUT) whose handlers call api_forward. */
static const char *const forwarded[] = { "v1/nodes/*/states/provision",
    "v1/nodes/*/states/power", "v1/nodes/*/management/boot_device", NULL };

bool
api_forward_accepts(const struct req *q, const char *pattern)
{
	if (strcmp(q->method, "PUT") != 0 ||
	    MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, FWD_HEADER) == NULL)
		return false;
	for (int i = 0; forwarded[i] != NULL; i++)
		if (strcmp(pattern, forwarded[i]) == 0)
			return true;
	return false;
}

bool
api_forward(struct req *q, struct resp *r)
{
	char owner[256], url[512];

	if (MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, FWD_HEADER) != NULL)
		return false;	/* already forwarded once: run here */
	if (!owner_of(q->obj, owner, sizeof(owner))) {
		if (cond_owns_nodes())
			return false;	/* no live conductor for it: run here */
		api_error(r, 503, "No live conductor serves this node's conductor group "
		    "'%.128s'; this ingotd is API-only. Retry later.",
		    json_string_value(json_object_get(q->obj, "conductor_group")) ?: "");
		return true;
	}
	if (strcmp(owner, conductor_host()) == 0)
		return false;
	if (!ring_alive(owner)) {
		api_error(r, 503, "The conductor %s that manages this node is not alive; "
		    "another conductor takes the node over within %d seconds. Retry "
		    "later.", owner, ring_dead_after());
		return true;
	}
	if (!ring_url(owner, url, sizeof(url))) {
		api_error(r, 503, "The conductor %s that manages this node has no API "
		    "URL registered; the request was not carried out.", owner);
		return true;
	}
	send_to(q, r, owner, url);
	return true;
}
