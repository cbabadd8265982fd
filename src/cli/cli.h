#ifndef INGOT_CLI_H
#define INGOT_CLI_H

#include <jansson.h>
#include <stdbool.h>

struct cli_state {
	const char	*url;
	const char	*cacert;	/* CA file for https (NULL: the system's) */
	const char	*command;	/* "node create", for error messages */
	bool		 json;		/* -f json */
	const char	*columns[32];	/* -c */
	int		 ncolumns;
};

extern struct cli_state cli;

void	cli_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Calls the API; on HTTP >= 400 exits with the faultstring (one line). */
json_t	*cli_call(const char *method, const char *path, json_t *body);

/* Output (output.c). */
void	out_object(json_t *obj);			/* Field | Value */
void	out_list(json_t *rows, const char *const *cols);	/* columns */
/* Parses k=v (v as JSON when it parses, else a string). */
void	kv_parse(const char *arg, char *key, size_t klen, json_t **val);

#endif
