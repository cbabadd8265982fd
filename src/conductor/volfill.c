/*
 * Filling a new volume with its image: the image cache downloads and
 * verifies it (as for a deploy, keyed by the volume's UUID), then this
 * thread copies it into the volume's file, leaving zero blocks as holes.
 * The volume ends available, or error with last_error.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "images.h"
#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "store.h"
#include "volpool_int.h"

struct fill {
	char	uuid[40];
	bool	file_ok;
};

static bool
all_zero(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Copies src into the volume file dst (at most limit bytes). */
static int
copy_sparse(const char *src, const char *dst, long long limit, char *err, size_t len)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = open(dst, O_WRONLY | O_CLOEXEC);
	static const size_t bs = 1 << 20;
	char *buf = malloc(bs);
	struct stat st;
	off_t off = 0;
	ssize_t n = 0;
	int rc = -1;

	if (in < 0 || out < 0 || buf == NULL || fstat(in, &st) != 0)
		snprintf(err, len, "cannot open the image or the volume");
	else if (st.st_size > limit)
		snprintf(err, len, "the image (%lld bytes) is larger than the volume "
		    "(%lld bytes)", (long long)st.st_size, limit);
	else {
		while ((n = read(in, buf, bs)) > 0) {
			if (!all_zero(buf, (size_t)n) && pwrite(out, buf, (size_t)n, off) != n)
				break;
			off += n;
		}
		if (n == 0 && fsync(out) == 0)
			rc = 0;
		else
			snprintf(err, len, "cannot copy the image into the volume");
	}
	free(buf);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* Waits for the verified image; its path in path, or -1 with err. */
static int
wait_image(json_t *vol, bool file_ok, char *path, size_t plen, char *err, size_t len)
{
	json_t *ii = json_pack("{s:s, s:s, s:s}", "image_source",
	    volume_image_source(vol), "image_checksum", volume_image_checksum(vol),
	    "image_disk_format", "raw"), *info = NULL;
	enum images_state st = IMAGES_PENDING;
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	int rc = -1;

	while (!vp.stopping && (st = images_request(volume_uuid(vol), ii, file_ok,
	    "http://127.0.0.1", &info, err, len)) == IMAGES_PENDING)
		nanosleep(&ts, NULL);
	if (st == IMAGES_READY)
		rc = images_path(jstr(info, "id"), path, plen);
	else if (vp.stopping)
		snprintf(err, len, "ingotd stopped while the image was fetched");
	json_decref(info);
	json_decref(ii);
	return rc;
}

static void
fill(struct fill *f)
{
	json_t *vol = store_get(store_thread(), &model_volume, "uuid", f->uuid);
	char img[600], dst[600], err[512] = "", msg[600];

	if (vol == NULL)
		return;
	if (wait_image(vol, f->file_ok, img, sizeof(img), err, sizeof(err)) == 0 &&
	    volpool_path(f->uuid, dst, sizeof(dst)) == 0 &&
	    copy_sparse(img, dst, (long long)volume_size(vol) << 30, err, sizeof(err)) == 0) {
		volume_set_status(vol, "available");
		log_info("volume %s filled from its image", f->uuid);
	} else {
		snprintf(msg, sizeof(msg), "Could not fill the volume: %s", err[0] ? err :
		    "the image is not available");
		volume_set_status(vol, "error");
		volume_set_last_error(vol, msg);
		log_warn("volume %s: %s", f->uuid, msg);
	}
	images_release(f->uuid);
	if (store_update(store_thread(), &model_volume, vol, err, sizeof(err)) != STORE_OK)
		log_warn("volume %s: cannot record its state: %s", f->uuid, err);
	json_decref(vol);
}

static void *
filler(void *arg)
{
	fill(arg);
	free(arg);
	store_thread_release();
	pthread_mutex_lock(&vp.mtx);
	vp.fillers--;
	pthread_cond_broadcast(&vp.cv);
	pthread_mutex_unlock(&vp.mtx);
	return NULL;
}

void
volpool_fill_start(const char *uuid, bool file_ok)
{
	struct fill *f = calloc(1, sizeof(*f));
	pthread_t t;

	if (f == NULL)
		return;
	snprintf(f->uuid, sizeof(f->uuid), "%s", uuid);
	f->file_ok = file_ok;
	pthread_mutex_lock(&vp.mtx);
	vp.fillers++;
	pthread_mutex_unlock(&vp.mtx);
	if (pthread_create(&t, NULL, filler, f) == 0) {
		pthread_detach(t);
		return;
	}
	fill(f);	/* no thread to be had: here, on the caller's */
	free(f);
	pthread_mutex_lock(&vp.mtx);
	vp.fillers--;
	pthread_mutex_unlock(&vp.mtx);
}

void
volpool_shutdown(void)
{
	pthread_mutex_lock(&vp.mtx);
	vp.stopping = true;
	while (vp.fillers > 0)
		pthread_cond_wait(&vp.cv, &vp.mtx);
	pthread_mutex_unlock(&vp.mtx);
}
