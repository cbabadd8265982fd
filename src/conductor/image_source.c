/*
 * Ironic's image_download_source: who downloads a deploy's image.
 *   local  ingotd downloads it, verifies its checksum and serves it to the
 *          agent at /images/{id} (images.c);
 *   http   the agent downloads the http(s) image_source itself and checks
 *          the checksum while writing (the conductor moves no image bytes).
 * The node's instance_info wins over its driver_info, which wins over
 * [deploy] image_download_source.  file:// images are always served by
 * ingotd (the agent cannot read the conductor's files), as in Ironic.
 */
#include <string.h>

#include "images.h"
#include "util.h"

static char default_source[8] = "local";

int
images_download_source_ok(const char *v, char *err, size_t len)
{
	if (v != NULL && strcmp(v, "http") != 0 && strcmp(v, "local") != 0) {
		snprintf(err, len, "image_download_source must be http or local (%.40s "
		    "is not supported)", v);
		return -1;
	}
	return 0;
}

int
images_set_download_source(const char *v, char *err, size_t len)
{
	if (images_download_source_ok(v, err, len) != 0)
		return -1;
	snprintf(default_source, sizeof(default_source), "%s", v ? v : "local");
	return 0;
}

/* The source in force for a node: "http" or "local", or NULL (err). */
static const char *
source_of(json_t *ii, json_t *di, char *err, size_t len)
{
	const char *v = json_string_value(json_object_get(ii, "image_download_source"));

	if (v == NULL)
		v = json_string_value(json_object_get(di, "image_download_source"));
	if (v == NULL)
		return default_source;
	return images_download_source_ok(v, err, len) == 0 ? v : NULL;
}

int
images_direct_info(json_t *ii, json_t *di, json_t **info, char *err, size_t len)
{
	const char *src = json_string_value(json_object_get(ii, "image_source"));
	const char *fmt = json_string_value(json_object_get(ii, "image_disk_format"));
	const char *how = source_of(ii, di, err, len);
	char algo[16], value[160];

	*info = NULL;
	if (how == NULL)
		return -1;
	if (strcmp(how, "http") != 0 || src == NULL ||
	    (strncmp(src, "http://", 7) != 0 && strncmp(src, "https://", 8) != 0))
		return 0;
	if (images_check_source(src, true, err, len) != 0 ||
	    images_expected_hash(ii, algo, sizeof(algo), value, sizeof(value), err, len) != 0)
		return -1;
	*info = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:s, s:b, s:s?}", "id", "direct",
	    "urls", src, "os_hash_algo", algo, "os_hash_value", value,
	    "disk_format", fmt ? fmt : "raw", "container_format", "bare",
	    "stream_raw_images", 1, "checksum", strcmp(algo, "md5") == 0 ? value : NULL);
	return 1;
}
