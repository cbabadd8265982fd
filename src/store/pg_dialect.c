/*
 * One migration source for both engines: migrations.c is written in
 * SQLite's dialect and translated here for PostgreSQL, word by word,
 * never inside quoted text.  The rules are generic (no migration is a
 * special case); docs/scale-out.md says what a migration may use.
 *
 *   INTEGER PRIMARY KEY AUTOINCREMENT   BIGSERIAL PRIMARY KEY
 *   INTEGER                             BIGINT (SQLite's integers are 64-bit)
 *   TEXT                                TEXT COLLATE "C" (SQLite's BINARY order)
 *   REAL, BLOB                          DOUBLE PRECISION, BYTEA
 *   instr(a, b), ifnull(a, b)           strpos(a, b), coalesce(a, b)
 *   PRAGMA ...;                         (dropped: SQLite's own settings)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_int.h"
#include "util.h"

static const struct {
	const char	*word;
	const char	*as;
	bool		 call;		/* only when a '(' follows */
} words[] = {
	{ "INTEGER", "BIGINT", false },
	{ "TEXT", "TEXT COLLATE \"C\"", false },
	{ "REAL", "DOUBLE PRECISION", false },
	{ "BLOB", "BYTEA", false },
	{ "instr", "strpos", true },
	{ "ifnull", "coalesce", true },
};

/* Whether the words of seq (space-separated) follow at p; *end after them. */
static bool
follows(const char *p, const char *seq, const char **end)
{
	while (*seq != '\0') {
		size_t n = strcspn(seq, " ");

		while (isspace((unsigned char)*p))
			p++;
		if (strncasecmp(p, seq, n) != 0 || isalnum((unsigned char)p[n]) ||
		    p[n] == '_')
			return false;
		p += n;
		seq += n;
		while (*seq == ' ')
			seq++;
	}
	*end = p;
	return true;
}

/* Copies a quoted run ('...' or "...", doubled quotes inside) from *p. */
static void
copy_quoted(const char **p, char **o)
{
	char q = **p;

	*(*o)++ = *(*p)++;
	while (**p != '\0') {
		if (**p == q && (*p)[1] == q) {
			*(*o)++ = *(*p)++;
		} else if (**p == q) {
			*(*o)++ = *(*p)++;
			return;
		}
		*(*o)++ = *(*p)++;
	}
}

/* The word at *p translated (appended at *o), *p moved past it. */
static void
copy_word(const char **p, char **o, bool stmt_start)
{
	const char *w = *p, *end;
	size_t n = 0;

	while (isalnum((unsigned char)w[n]) || w[n] == '_')
		n++;
	*p = w + n;
	if (stmt_start && n == 6 && strncasecmp(w, "PRAGMA", 6) == 0) {
		*p = w + strcspn(w, ";");
		if (**p == ';')
			(*p)++;
		return;
	}
	if (n == 7 && strncasecmp(w, "INTEGER", 7) == 0 &&
	    follows(w + n, "PRIMARY KEY AUTOINCREMENT", &end)) {
		*o += sprintf(*o, "BIGSERIAL PRIMARY KEY");
		*p = end;
		return;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *q = w + n;

		while (words[i].call && isspace((unsigned char)*q))
			q++;
		if (strlen(words[i].word) == n && strncasecmp(w, words[i].word, n) == 0 &&
		    (!words[i].call || *q == '(')) {
			*o += sprintf(*o, "%s", words[i].as);
			return;
		}
	}
	memcpy(*o, w, n);
	*o += n;
}

char *
store_pg_translate(const char *sql)
{
	char *out = util_calloc(1, strlen(sql) * 4 + 64), *o = out;
	const char *p = sql;
	bool stmt_start = true;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			copy_quoted(&p, &o);
			stmt_start = false;
		} else if (isalpha((unsigned char)*p) || *p == '_') {
			copy_word(&p, &o, stmt_start);
			stmt_start = false;
		} else if (isdigit((unsigned char)*p)) {
			while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
				*o++ = *p++;
			stmt_start = false;
		} else {
			if (*p == ';')
				stmt_start = true;
			else if (!isspace((unsigned char)*p))
				stmt_start = false;
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/*
 * postgresql://user:SECRET@host/db?password=SECRET&sslmode=... with each
 * SECRET masked ("****").
 */
void
store_redact(const char *loc, char *out, size_t len)
{
	const char *p = loc, *auth, *at, *colon;
	size_t o = 0;

	snprintf(out, len, "%s", loc);
	if (!store_is_pg_url(loc) || (auth = strstr(loc, "://")) == NULL)
		return;
	auth += 3;
	at = auth + strcspn(auth, "@/?");
	colon = memchr(auth, ':', (size_t)(at - auth));
	out[0] = '\0';
	if (*at == '@' && colon != NULL) {
		o = (size_t)snprintf(out, len, "%.*s****", (int)(colon + 1 - loc), loc);
		p = at;
	}
	while (*p != '\0' && o + 1 < len) {
		bool param = (p > loc && (p[-1] == '?' || p[-1] == '&')) &&
		    strncmp(p, "password=", 9) == 0;

		if (param) {
			o += (size_t)snprintf(out + o, len - o, "password=****");
			p += 9 + strcspn(p + 9, "&");
			continue;
		}
		out[o++] = *p++;
		out[o] = '\0';
	}
	if (o >= len)
		out[len - 1] = '\0';
}
