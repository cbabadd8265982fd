/* The agent's endpoints (lookup, heartbeat) and image downloads. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "boot_ipxe.h"
#include "conductor.h"
#include "images.h"
#include "log.h"
#include "store.h"

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
	json_t *body = api_body(q, r, false), *node = NULL;
	struct ierr e = { 0 };

	if (body == NULL || (node = api_find_node(q, r, q->args[0])) == NULL)
		goto done;
	if (cond_agent_heartbeat(node, body, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 202, NULL);
done:
	json_decref(body);
	json_decref(node);
}

void
h_image(struct req *q, struct resp *r)
{
	char path[600];
	struct stat st;
	int fd;

	if (images_path(q->args[0], path, sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		api_error(r, 404, "Image %s could not be found.", q->args[0]);
		return;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		api_error(r, 500, "cannot read image %s", q->args[0]);
		return;
	}
	r->status = 200;
	r->fd = fd;
	r->fd_size = (uint64_t)st.st_size;
	log_info("serving image %s (%lld bytes)", q->args[0], (long long)st.st_size);
}

void
h_boot_script(struct req *q, struct resp *r)
{
	char *s = boot_ipxe_script(NULL);

	(void)q;
	if (s == NULL) {
		api_error(r, 500, "cannot build the iPXE script");
		return;
	}
	r->status = 200;
	r->text = s;
}

void
h_node_script(struct req *q, struct resp *r)
{
	char *s = boot_ipxe_script(q->args[0]);

	if (s == NULL) {
		api_error(r, 500, "cannot build the iPXE script");
		return;
	}
	r->status = 200;
	r->text = s;
}

void
h_boot_file(struct req *q, struct resp *r)
{
	char path[600];
	struct stat st;
	int fd;

	if (boot_ipxe_file(q->args[0], q->args[1], path, sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		api_error(r, 404, "No %s for node %s.", q->args[1], q->args[0]);
		return;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		api_error(r, 500, "cannot read %s", path);
		return;
	}
	r->status = 200;
	r->fd = fd;
	r->fd_size = (uint64_t)st.st_size;
}
