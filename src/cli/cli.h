#ifndef INGOT_CLI_H
#define INGOT_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* -f: openstackclient's output formats. */
enum cli_format { FMT_TABLE, FMT_JSON, FMT_YAML, FMT_VALUE, FMT_CSV };

struct cli_state {
	const char	*url;
	const char	*cacert;	/* CA file for https (NULL: the system's) */
	const char	*command;	/* "node create", for error messages */
	bool		 json;		/* -f is not table: no human extras */
	enum cli_format	 format;
	const char	*columns[32];	/* -c */
	int		 ncolumns;
};

extern struct cli_state cli;

void	cli_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Calls the API; on HTTP >= 400 exits with the faultstring (one line). */
json_t	*cli_call(const char *method, const char *path, json_t *body);
/* The same, but NULL with msg and *status (0: unreachable) on failure. */
json_t	*cli_try(const char *method, const char *path, json_t *body, long *status,
	    char *msg, size_t len);

/* GET of a text answer: its bytes to stdout as they are (exits on error). */
void	cli_get_raw(const char *path);

/* Output (output.c). */
void	out_object(json_t *obj);			/* Field | Value */
void	out_list(json_t *rows, const char *const *cols);	/* columns */
/* Sets cli.format from a -f argument; -1 for an unknown format. */
int	out_set_format(const char *name);
/* Parses k=v (v as JSON when it parses, else a string). */
void	kv_parse(const char *arg, char *key, size_t klen, json_t **val);

/*
 * --wait (progress.c): polls node ident (seg: its name URL-encoded) until it is in state want with no
 * target (exit 1 with its last_error when it lands in a failed state,
 * after timeout seconds unless 0), showing its progress on standard
 * error: one line redrawn in place on a terminal, a line per change
 * otherwise.
 */
void	cli_wait(const char *ident, const char *seg, const char *want, int timeout);
/* Ends a progress line being redrawn (before an error message). */
void	cli_progress_end(void);

/* ingot completion bash (completion.c): one row per command. */
struct cli_cmd {
	const char	*group, *verb, *usage;
};
void	completion_bash(FILE *fp, const struct cli_cmd *cmds, int n);

#endif
