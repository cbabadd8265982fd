/* A growable byte buffer for building responses; aborts on OOM. */
#ifndef INGOT_STRBUF_H
#define INGOT_STRBUF_H

#include <stddef.h>

struct strbuf {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

void	sb_init(struct strbuf *b, size_t cap);
void	sb_add(struct strbuf *b, const char *s, size_t n);
void	sb_puts(struct strbuf *b, const char *s);
void	sb_printf(struct strbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quoted, escaped). */
void	sb_json_str(struct strbuf *b, const char *s);
/* Hands the NUL-terminated buffer to the caller. */
char	*sb_take(struct strbuf *b);
void	sb_free(struct strbuf *b);

#endif
