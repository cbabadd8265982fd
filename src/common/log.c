#include "log.h"

#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static FILE *log_fp;
static enum log_level log_level = LOG_LVL_INFO;
static enum log_format log_format = LOG_FMT_LOGFMT;
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local char tl_request[64];
static _Thread_local char tl_node[40];
static _Thread_local char tl_project[64];

static const char *const level_names[] = { "DEBUG", "INFO", "WARNING", "ERROR" };

void
log_init(const char *path, enum log_level level)
{
	log_level = level;
	if (path != NULL && *path != '\0' && strcmp(path, "-") != 0) {
		/* 0600: the log names nodes, addresses and requests. */
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		FILE *fp = fd >= 0 ? fdopen(fd, "a") : NULL;
		struct stat st;
		/* Only a file of its own: not /dev/null, a tty or a pipe. */
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
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
log_set_format(enum log_format f)
{
	log_format = f;
}

int
log_parse_format(const char *s, enum log_format *out)
{
	static const char *const names[] = { "logfmt", "json", "text" };

	for (int i = 0; i < 3; i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum log_format)i;
			return 0;
		}
	return -1;
}

void
log_set_project(const char *project)
{
	snprintf(tl_project, sizeof(tl_project), "%s", project ? project : "");
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

/* s quoted for logfmt or JSON: backslash, quote and control characters
 * escaped (a message never spans two lines). */
static void
quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

/* One context field: logfmt key=value (omitted when empty), JSON "key":"value". */
static void
field(FILE *fp, const char *k, const char *v)
{
	if (v[0] == '\0')
		return;
	if (log_format == LOG_FMT_JSON) {
		fprintf(fp, ",\"%s\":", k);
		quoted(fp, v);
	} else {
		fprintf(fp, " %s=%s", k, v);
	}
}

static void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const char *const lower[] = { "debug", "info", "warning", "error" };
	char ts[40], line[2048];
	struct timespec now;
	struct tm tm;
	FILE *fp;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&log_mtx);
	fp = log_fp ? log_fp : stderr;
	if (log_format == LOG_FMT_TEXT) {
		fprintf(fp, "%s.%03ldZ %s [%s] [node %s] %s\n", ts, now.tv_nsec / 1000000,
		    level_names[lvl], tl_request[0] ? tl_request : "-",
		    tl_node[0] ? tl_node : "-", line);
	} else {
		fprintf(fp, log_format == LOG_FMT_JSON ? "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\"" :
		    "ts=%s.%03ldZ level=%s", ts, now.tv_nsec / 1000000, lower[lvl]);
		field(fp, "request", tl_request);
		field(fp, "node", tl_node);
		field(fp, "project", tl_project);
		fputs(log_format == LOG_FMT_JSON ? ",\"msg\":" : " msg=", fp);
		quoted(fp, line);
		fputs(log_format == LOG_FMT_JSON ? "}\n" : "\n", fp);
	}
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
