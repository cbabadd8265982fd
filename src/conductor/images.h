/*
 * Image cache: the conductor fetches a node's image_source (file:// or
 * http(s)://) into its cache directory, verifies the checksum, and serves
 * it to agents over its own HTTP at /images/{id}.
 */
#ifndef INGOT_IMAGES_H
#define INGOT_IMAGES_H

#include <jansson.h>
#include <stddef.h>

int	images_init(const char *cache_dir, char *err, size_t len);
/* Fetches and verifies the image of instance_info; returns IPA's image_info. */
json_t	*images_prepare(const char *node_uuid, json_t *instance_info, char *err,
	    size_t len);
/* Path of a cached image by id (for serving), or NULL. */
int	images_path(const char *id, char *path, size_t len);
/* Hex digest of a file; algo is md5, sha256 or sha512. */
int	images_hash_file(const char *path, const char *algo, char *hex, size_t len);

#endif
