/* The agent's endpoints (lookup, heartbeat) and image downloads. */
#include <fcntl.h>
#include <microhttpd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "boot_ipxe.h"
#include "conductor.h"
#include "images.h"
#include "log.h"
#include "range.h"
#include "store.h"
#include "vmedia.h"

void
h_lookup(struct req *q, struct resp *r)
{
	const char *addrs = api_query(q, "addresses");
	const char *uuid = api_query(q, "node_uuid");
	struct ierr e = { 0 };
	json_t *out;

	if (addrs == NULL && uuid == NULL) {
		api_error(r, 400, "lookup needs addresses or node_uuid");
		return;
	}
	if ((out = cond_agent_lookup(addrs, uuid, &e)) == NULL)
		api_ierr(r, &e);
	else
		api_json(r, 200, out);
}

void
h_heartbeat(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };

	/* An API-only ingotd runs no node's work: the owner takes it. */
	if (!cond_owns_nodes() && api_forward(q, r))
		return;
	if (cond_agent_heartbeat(q->obj, q->json, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 202, NULL);
}

/* Answers with a file's bytes, or 404 with what is missing; logs it
 * unless quiet. */
static void
open_file(struct resp *r, const char *path, const char *what, bool quiet)
{
	struct stat st;
	int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1;

	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		api_error(r, 404, "%s could not be found.", what);
		return;
	}
	r->status = 200;
	r->fd = fd;
	r->fd_size = (uint64_t)st.st_size;
	if (!quiet)
		log_info("serving %s (%lld bytes)", what, (long long)st.st_size);
}

static void
serve_file(struct resp *r, const char *path, const char *what)
{
	open_file(r, path, what, false);
}

void
h_image(struct req *q, struct resp *r)
{
	char path[600], what[100];

	snprintf(what, sizeof(what), "Image %.40s", q->args[0]);
	serve_file(r, images_path(q->args[0], path, sizeof(path)) == 0 ? path : NULL, what);
}

/* The chain script (no MAC) or a node's script. */
static void
script(struct resp *r, const char *mac)
{
	char *s = boot_ipxe_script(mac);

	if (s == NULL) {
		api_error(r, 500, "cannot build the iPXE script");
		return;
	}
	r->status = 200;
	r->text = s;
}

void
h_boot_script(struct req *q, struct resp *r)
{
	(void)q;
	script(r, NULL);
}

void
h_node_script(struct req *q, struct resp *r)
{
	script(r, q->args[0]);
}

void
h_boot_file(struct req *q, struct resp *r)
{
	char path[600], what[160];

	snprintf(what, sizeof(what), "The %.20s of node %.40s", q->args[1], q->args[0]);
	serve_file(r, boot_ipxe_file(q->args[0], q->args[1], path, sizeof(path)) == 0 ?
	    path : NULL, what);
}

/* A node's virtual-media ISO, for its BMC: the unguessable name is the
 * credential (BMCs fetch without ours), served while the ramdisk boots.
 * BMCs read it in pieces: one byte range is served (range.c). */
void
h_vmedia_iso(struct req *q, struct resp *r)
{
	char path[700];
	enum range_kind k;
	uint64_t off, len, size;

	open_file(r, vmedia_iso_path(q->args[0], path, sizeof(path)) == 0 ? path : NULL,
	    "The ISO", true);
	if (r->fd <= 0)
		return;
	size = r->fd_size;
	k = range_parse(MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Range"),
	    MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "If-Range"),
	    size, &off, &len);
	range_content_range(k, off, len, size, r->content_range, sizeof(r->content_range));
	r->accept_ranges = true;
	if (k == RANGE_UNSATISFIABLE) {
		close(r->fd);
		r->fd = 0;
		api_error(r, 416, "Requested range not satisfiable: the ISO has %llu bytes",
		    (unsigned long long)size);
	} else if (k == RANGE_PARTIAL) {
		r->status = 206;
		r->fd_offset = off;
		r->fd_size = len;
		log_debug("serving bytes %s of the ISO", r->content_range + 6);
	} else if (strcmp(q->method, "GET") == 0) {
		log_info("serving the ISO (%llu bytes)", (unsigned long long)size);
	}
}
