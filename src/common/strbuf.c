#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void
sb_init(struct strbuf *b, size_t cap)
{
	b->cap = cap < 64 ? 64 : cap;
	b->len = 0;
	if ((b->buf = malloc(b->cap)) == NULL)
		fatalx("out of memory");
	b->buf[0] = '\0';
}

static void
grow(struct strbuf *b, size_t need)
{
	if (b->len + need + 1 <= b->cap)
		return;
	while (b->len + need + 1 > b->cap)
		b->cap *= 2;
	if ((b->buf = realloc(b->buf, b->cap)) == NULL)
		fatalx("out of memory");
}

void
sb_add(struct strbuf *b, const char *s, size_t n)
{
	grow(b, n);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void
sb_puts(struct strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void
sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void
sb_json_str(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *start = s;

	grow(b, strlen(s) + 2);
	b->buf[b->len++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_add(b, start, (size_t)(s - start));
		start = s + 1;
		switch (c) {
		case '"': sb_add(b, "\\\"", 2); break;
		case '\\': sb_add(b, "\\\\", 2); break;
		case '\n': sb_add(b, "\\n", 2); break;
		case '\r': sb_add(b, "\\r", 2); break;
		case '\t': sb_add(b, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			sb_add(b, u, 6);
		}
		}
	}
	sb_add(b, start, (size_t)(s - start));
	sb_add(b, "\"", 1);
}

char *
sb_take(struct strbuf *b)
{
	char *p = b->buf;

	b->buf = NULL;
	b->len = b->cap = 0;
	return p;
}

void
sb_free(struct strbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}
