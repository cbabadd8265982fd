/* Logging: one line per event, with level, request id and node UUID. */
#ifndef INGOT_LOG_H
#define INGOT_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };
/* logfmt: ts=... level=info request=... node=... project=... msg="..."
 * json: one object a line, the same keys; text: the older plain lines. */
enum log_format { LOG_FMT_LOGFMT, LOG_FMT_JSON, LOG_FMT_TEXT };

void	log_init(const char *path, enum log_level level);
void	log_set_format(enum log_format f);
int	log_parse_format(const char *s, enum log_format *out);
int	log_parse_level(const char *s, enum log_level *out);
void	log_set_level(enum log_level level);

/* Per-thread context printed on every line. */
void	log_set_request(const char *request_id);
void	log_set_node(const char *node_uuid);
void	log_set_project(const char *project);
const char *log_get_request(void);

void	log_msg(enum log_level lvl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)

#endif
