/* fake-hardware's helpers shared by its files (fake.c, fake_steps.c). */
#ifndef INGOT_FAKE_H
#define INGOT_FAKE_H

#include <jansson.h>
#include <stddef.h>

/* Accepts every node. */
int	 fake_validate(json_t *node, char *err, size_t errlen);
/* The node's driver_internal_info, created empty when missing. */
json_t	*fake_internal_info(json_t *node);

#endif
