/*
 * The agent's log: each line goes to stderr and into a ring of the last
 * 256 KiB, which log.collect_system_logs returns (with dmesg, the kernel
 * command line and the inventory) as a base64 tar.gz.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <time.h>
#include <zlib.h>

#include "agent.h"
#include "inventory.h"

#define LOGRING		(256u << 10)

static struct {
	pthread_mutex_t	 mu;
	char		 log[LOGRING];
	size_t		 len;
} ring = { .mu = PTHREAD_MUTEX_INITIALIZER };

struct tar {
	char	*p;
	size_t	 n;
};

static void
ring_add(const char *line)
{
	size_t l = strlen(line) + 1;

	pthread_mutex_lock(&ring.mu);
	if (ring.len + l > LOGRING) {
		size_t drop = ring.len + l - LOGRING;
		memmove(ring.log, ring.log + drop, ring.len - drop);
		ring.len -= drop;
	}
	memcpy(ring.log + ring.len, line, l - 1);
	ring.log[ring.len + l - 1] = '\n';
	ring.len += l;
	pthread_mutex_unlock(&ring.mu);
}

void
alog(const char *fmt, ...)
{
	char line[1024], ts[32];
	va_list ap;
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s ingot-agent: ", ts);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
	ring_add(line);
}

/* --- a minimal ustar + gzip of the agent's logs --------------------------- */

static void
tar_add(struct tar *t, const char *name, const char *data, size_t n)
{
	char h[512] = { 0 };
	unsigned sum = 0;

	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "0000644");
	snprintf(h + 108, 8, "0000000");
	snprintf(h + 116, 8, "0000000");
	snprintf(h + 124, 12, "%011llo", (unsigned long long)n);
	snprintf(h + 136, 12, "%011llo", (unsigned long long)time(NULL));
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	size_t pad = (512 - n % 512) % 512;
	char *p = realloc(t->p, t->n + 512 + n + pad);
	if (p == NULL)
		return;
	t->p = p;
	memcpy(t->p + t->n, h, 512);
	memcpy(t->p + t->n + 512, data, n);
	memset(t->p + t->n + 512 + n, 0, pad);
	t->n += 512 + n + pad;
}

static void
tar_cmdline_and_dmesg(struct tar *t)
{
	char cmd[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");
	int kn;

	if (f != NULL) {
		if (fgets(cmd, sizeof(cmd), f) == NULL)
			cmd[0] = '\0';
		fclose(f);
	}
	tar_add(t, "cmdline", cmd, strlen(cmd));
	kn = klogctl(10, NULL, 0);		/* SYSLOG_ACTION_SIZE_BUFFER */
	if (kn > 0) {
		char *k = malloc((size_t)kn);
		if (k != NULL && (kn = klogctl(3, k, kn)) > 0)	/* READ_ALL */
			tar_add(t, "dmesg", k, (size_t)kn);
		free(k);
	}
}

/* The archive: the log, the command line, dmesg, the inventory, the end. */
static int
tar_logs(struct tar *t)
{
	json_t *inv;
	char *it, *end;

	pthread_mutex_lock(&ring.mu);
	tar_add(t, "ingot-agent.log", ring.log, ring.len);
	pthread_mutex_unlock(&ring.mu);
	tar_cmdline_and_dmesg(t);
	inv = inventory_json(conf.disk, conf.macs, conf.nmacs);
	it = json_dumps(inv, JSON_INDENT(2));
	json_decref(inv);
	if (it != NULL)
		tar_add(t, "inventory.json", it, strlen(it));
	free(it);
	if ((end = realloc(t->p, t->n + 1024)) == NULL)
		return -1;
	t->p = end;
	memset(t->p + t->n, 0, 1024);
	t->n += 1024;
	return 0;
}

/* gzip, then base64. */
static char *
gzip_base64(const char *p, size_t n)
{
	z_stream z = { 0 };
	uLong cap = compressBound((uLong)n) + 64;
	unsigned char *gz = malloc(cap);
	size_t gzn;
	char *b64;

	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	gzn = z.total_out;
	deflateEnd(&z);
	b64 = malloc(4 * ((gzn + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, gz, (int)gzn);
	free(gz);
	return b64;
}

json_t *
logs_collect(void)
{
	struct tar t = { NULL, 0 };
	json_t *out;
	char *b64;

	if (tar_logs(&t) != 0) {
		free(t.p);
		return NULL;
	}
	b64 = gzip_base64(t.p, t.n);
	free(t.p);
	out = json_pack("{s:s}", "system_logs", b64);
	free(b64);
	return out;
}
