/*
 * A node's console output on disk, bounded: <uuid>.log grows to half the
 * configured size, then becomes <uuid>.log.1 (replacing the older half)
 * and a new <uuid>.log starts.  Reading gives .log.1 then .log: at least
 * the last half, at most the whole size, oldest first.  Files are 0600.
 */
#include "scon_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int
sring_reopen(struct sring *r)
{
	struct stat st;

	r->fd = open(r->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r->fd < 0)
		return -1;
	r->size = fstat(r->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

int
sring_open(struct sring *r, const char *dir, const char *uuid, long max)
{
	r->fd = -1;
	r->half = max / 2 > 0 ? max / 2 : 1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(r->path, sizeof(r->path), "%s/%s.log", dir, uuid);
	return sring_reopen(r);
}

static void
sring_rotate(struct sring *r)
{
	char old[sizeof(r->path) + 2];

	snprintf(old, sizeof(old), "%s.1", r->path);
	close(r->fd);
	if (rename(r->path, old) != 0)
		log_warn("console log %s: %s", r->path, strerror(errno));
	if (sring_reopen(r) != 0)
		log_warn("console log %s: %s", r->path, strerror(errno));
}

void
sring_append(struct sring *r, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0 && r->fd >= 0) {
		size_t room = r->size < r->half ? (size_t)(r->half - r->size) : 0;
		size_t k = n < room ? n : room;
		ssize_t w;

		if (k == 0) {
			sring_rotate(r);
			continue;
		}
		if ((w = write(r->fd, c, k)) <= 0)
			return;		/* a full disk loses output, never the console */
		r->size += w;
		c += w;
		n -= (size_t)w;
	}
}

void
sring_close(struct sring *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* Appends the file's bytes (at most max) to *buf. */
static int
slurp(const char *path, char **buf, size_t *len, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *nb;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size > max ||
	    (nb = realloc(*buf, *len + (size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	*buf = nb;
	while ((n = read(fd, *buf + *len, (size_t)st.st_size)) > 0 && st.st_size > 0) {
		*len += (size_t)n;
		st.st_size -= n;
	}
	close(fd);
	return 0;
}

char *
sring_read(const char *dir, const char *uuid, size_t *len)
{
	char path[600], old[610];
	char *buf = NULL;

	*len = 0;
	snprintf(path, sizeof(path), "%s/%s.log", dir, uuid);
	snprintf(old, sizeof(old), "%s.1", path);
	if (slurp(old, &buf, len, 1u << 30) != 0 || slurp(path, &buf, len, 1u << 30) != 0 ||
	    buf == NULL) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}
