/*
 * GET/PUT /v1/nodes/{id}/states/console (Ironic's) and GET
 * /v1/nodes/{id}/states/console/log (Ingot's: the output kept on disk, as
 * text/plain bytes).  Who may call them is routes.def's: the system's
 * members, the node's owner (member) and its lessee's admin, as Ironic's
 * baremetal:node:get_console / set_console.  Each GET of an enabled
 * console hands out a new single-use token (docs/console.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api.h"
#include "console.h"

void
h_node_console_get(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };
	json_t *out;

	if (api_forward(q, r))
		return;
	if ((out = cond_console_get(q->obj, &e)) == NULL)
		api_ierr(r, &e);
	else
		api_json(r, 200, out);
}

void
h_node_console_set(struct req *q, struct resp *r)
{
	json_t *en = json_object_get(q->json, "enabled");
	struct ierr e = { 0 };

	if (api_forward(q, r))
		return;
	if (!json_is_boolean(en) || json_object_size(q->json) != 1) {
		api_error(r, 400, "Invalid request: the body must be {\"enabled\": "
		    "true} or {\"enabled\": false}");
		return;
	}
	if (cond_console_set(q->obj, json_is_true(en), &e) != 0) {
		api_ierr(r, &e);
		return;
	}
	snprintf(r->location, sizeof(r->location), "%s/v1/nodes/%s/states/console",
	    q->base, q->args[0]);
	api_json(r, 202, NULL);
}

void
h_node_console_log(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };
	size_t len = 0;
	char *log;
	int fd;

	if (api_forward(q, r))
		return;
	if ((log = cond_console_log(q->obj, &len, &e)) == NULL) {
		api_ierr(r, &e);
		return;
	}
	/* the bytes as they came (NULs included): served from a memfd */
	fd = memfd_create("console-log", MFD_CLOEXEC);
	if (fd < 0 || write(fd, log, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
		if (fd >= 0)
			close(fd);
		api_error(r, 500, "Cannot read the console log.");
	} else {
		r->status = 200;
		r->fd = fd;
		r->fd_size = len;
		r->content_type = "text/plain; charset=utf-8";
	}
	free(log);
}
