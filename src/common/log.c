#include "log.h"

#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static FILE *log_fp;
static enum log_level log_level = LOG_LVL_INFO;
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local char tl_request[64];
static _Thread_local char tl_node[40];

static const char *const level_names[] = { "DEBUG", "INFO", "WARNING", "ERROR" };

void
log_init(const char *path, enum log_level level)
{
	log_level = level;
	if (path != NULL && *path != '\0' && strcmp(path, "-") != 0) {
		/* 0600: the log names nodes, addresses and requests. */
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		FILE *fp = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (fd >= 0)
			(void)fchmod(fd, 0600);
		if (fp == NULL) {
			fprintf(stderr, "ingot: cannot open log file %s\n", path);
			exit(1);
		}
		setvbuf(fp, NULL, _IOLBF, 0);
		log_fp = fp;
	}
}

int
log_parse_level(const char *s, enum log_level *out)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warn") == 0) {
		*out = LOG_LVL_WARN;
		return 0;
	}
	return -1;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

void
log_set_request(const char *id)
{
	snprintf(tl_request, sizeof(tl_request), "%s", id ? id : "");
}

void
log_set_node(const char *uuid)
{
	snprintf(tl_node, sizeof(tl_node), "%s", uuid ? uuid : "");
}

const char *
log_get_request(void)
{
	return tl_request;
}

static void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char ts[40], line[2048];
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&log_mtx);
	fprintf(log_fp ? log_fp : stderr, "%s.%03ldZ %s [%s] [node %s] %s\n", ts,
	    now.tv_nsec / 1000000, level_names[lvl],
	    tl_request[0] ? tl_request : "-", tl_node[0] ? tl_node : "-", line);
	pthread_mutex_unlock(&log_mtx);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl < log_level)
		return;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
