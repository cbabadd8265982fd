/* Small JSON accessors shared by every program (header only). */
#ifndef INGOT_JSONUTIL_H
#define INGOT_JSONUTIL_H

#include <jansson.h>

/* The string member k of o, or NULL (absent, null or not a string). */
static inline const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

#endif
