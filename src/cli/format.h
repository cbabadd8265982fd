/* The CLI's machine formats (format.c), for output.c. */
#ifndef INGOT_CLI_FORMAT_H
#define INGOT_CLI_FORMAT_H

#include <jansson.h>

/* A cell as the table shows it (None, True, JSON for objects); malloc'd. */
char	*cell(json_t *v);
/* obj's fields in cli.format (json, yaml, value, csv). */
void	out_machine_object(json_t *obj);
/* rows (objects with the n columns cols) in cli.format. */
void	out_machine_list(json_t *rows, const char *const *cols, int n);

#endif
