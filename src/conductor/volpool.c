/* The volume pool: files, image copies, deletion (see volpool.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "images.h"
#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "store.h"
#include "tgt.h"
#include "util.h"
#include "volpool.h"
#include "volpool_int.h"

struct volpool vp = { .mtx = PTHREAD_MUTEX_INITIALIZER,
    .cv = PTHREAD_COND_INITIALIZER };

int
volpool_configure(const struct storage_conf *c, char *err, size_t len)
{
	vp.c = *c;
	if (vp.c.max_attachments < 1)
		vp.c.max_attachments = 8;
	tgt_configure(&(struct tgt_conf){ c->tgtadm, c->tgt_control_port });
	if (c->pool_dir == NULL || c->pool_dir[0] == '\0')
		return 0;
	if (c->pool_dir[0] != '/') {
		snprintf(err, len, "[storage] pool_dir must be an absolute path");
		return -1;
	}
	if (mkdir(c->pool_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, len, "cannot create [storage] pool_dir %s: %s", c->pool_dir,
		    strerror(errno));
		return -1;
	}
	vp.on = true;
	return 0;
}

bool
volpool_enabled(void)
{
	return vp.on;
}

int
volpool_path(const char *uuid, char *buf, size_t len)
{
	if (!vp.on || uuid == NULL || !util_is_uuid(uuid))
		return -1;
	snprintf(buf, len, "%s/%s.img", vp.c.pool_dir, uuid);
	return 0;
}

/* Counts volumes, those of project when it is given. */
static long
count(const char *project)
{
	struct store_query q = { 0 };
	json_t *p = project ? json_string(project) : NULL;
	long n;

	if (p != NULL)
		q.filters[q.nfilters++] = (struct store_filter){ "project", SO_EQ, p,
		    NULL, NULL };
	n = store_count(store_thread(), &model_volume, &q);
	json_decref(p);
	return n;
}

static int
make_file(const char *path, long long gb, struct ierr *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, gb << 30) != 0) {
		ierr_set(e, IG_EINTERNAL, "Could not create the volume's file: %s",
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return -1;
	}
	close(fd);
	return 0;
}

static int
check_limits(json_t *vol, bool file_ok, struct ierr *e)
{
	const char *src = volume_image_source(vol);
	char err[300];

	if (!vp.on) {
		ierr_set(e, IG_EUNSUPPORTED, "The volume pool is off ([storage] pool_dir "
		    "is empty).");
		return -1;
	}
	if (volume_size(vol) < 1 || volume_size(vol) > vp.c.max_volume_gb) {
		ierr_set(e, IG_EINVAL, "Invalid size: an integer from 1 to %d (GiB) "
		    "is required ([storage] max_volume_gb).", vp.c.max_volume_gb);
		return -1;
	}
	if (count(NULL) >= vp.c.max_volumes || (volume_project(vol) != NULL &&
	    count(volume_project(vol)) >= vp.c.max_volumes)) {
		ierr_set(e, IG_ETOOBIG, "At most %d volumes ([storage] max_volumes).",
		    vp.c.max_volumes);
		return -1;
	}
	if (src != NULL && images_check_source(src, !file_ok, err, sizeof(err)) != 0) {
		ierr_set(e, IG_EINVAL, "Invalid image_source: %s", err);
		return -1;
	}
	if (src != NULL && volume_image_checksum(vol) == NULL) {
		ierr_set(e, IG_EINVAL, "An image_source needs an image_checksum "
		    "([md5:|sha256:|sha512:]hex).");
		return -1;
	}
	return 0;
}

int
volpool_create(json_t *vol, bool file_ok, struct ierr *e)
{
	char path[600], err[256];
	int rc;

	if (check_limits(vol, file_ok, e) != 0)
		return -1;
	if (volpool_path(volume_uuid(vol), path, sizeof(path)) != 0) {
		ierr_set(e, IG_EINVAL, "Expected a UUID but received %.64s.",
		    volume_uuid(vol));
		return -1;
	}
	if (make_file(path, volume_size(vol), e) != 0)
		return -1;
	volume_set_status(vol, volume_image_source(vol) ? "creating" : "available");
	rc = store_create(store_thread(), &model_volume, vol, err, sizeof(err));
	if (rc != STORE_OK) {
		unlink(path);
		if (rc == STORE_DUP)
			ierr_set(e, IG_ECONFLICT, "A volume with %s %s already exists.", err,
			    jstr(vol, err) ? jstr(vol, err) : "");
		else
			ierr_set(e, IG_EINTERNAL, "Could not store the volume: %s", err);
		return -1;
	}
	log_info("volume %s created (%lld GiB)", volume_uuid(vol),
	    (long long)volume_size(vol));
	if (volume_image_source(vol) != NULL)
		volpool_fill_start(volume_uuid(vol), file_ok);
	return 0;
}

int
volpool_delete(json_t *vol, struct ierr *e)
{
	char path[600];
	const char *st = volume_status(vol);
	int rc = -1;

	pthread_mutex_lock(&vp.mtx);
	json_t *cur = store_get(store_thread(), &model_volume, "uuid", volume_uuid(vol));
	st = cur ? volume_status(cur) : st;
	if (cur == NULL) {
		ierr_set(e, IG_ENOTFOUND, "Volume %s could not be found.", volume_uuid(vol));
	} else if (strcmp(st, "in-use") == 0 || strcmp(st, "creating") == 0) {
		ierr_set(e, IG_ECONFLICT, "Volume %s is %s; it can be deleted when it "
		    "is available.", volume_uuid(vol), st);
	} else if (store_delete(store_thread(), &model_volume, volume_uuid(vol)) !=
	    STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "Could not delete volume %s.", volume_uuid(vol));
	} else {
		if (volpool_path(volume_uuid(vol), path, sizeof(path)) == 0)
			unlink(path);
		log_info("volume %s deleted", volume_uuid(vol));
		rc = 0;
	}
	pthread_mutex_unlock(&vp.mtx);
	json_decref(cur);
	return rc;
}
