/*
 * Image cache: the conductor fetches a node's image_source (http(s)://, or
 * file:// from an operator-listed directory) into its cache directory on
 * a download thread of its own (never under the node's lock), verifies the
 * checksum, and only then serves it to the node's agent at /images/{id},
 * {id} being 128 random bits per deploy.  The file is deleted when the
 * deploy ends (images_release) or does not verify.
 */
#ifndef INGOT_IMAGES_H
#define INGOT_IMAGES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct images_conf {
	const char	*cache_dir;
	const char	*file_allowed;	/* comma-separated directories; "": no file:// */
	int		 timeout;	/* seconds for a whole download */
	int		 stall_timeout;	/* seconds below 1 KiB/s */
	long long	 max_size;	/* bytes */
	bool		 follow_redirects;
	const char	*allowed_hosts;	/* comma-separated; "": any host */
	int		 workers;	/* concurrent downloads */
	const char	*download_source; /* http or local (image_source.c) */
};

int	images_init(const struct images_conf *c, char *err, size_t len);
/* Cancels the downloads and removes the cache's files. */
void	images_shutdown(void);

/*
 * May this image_source be used?  file:// only outside project scope and
 * from an allowed directory (on its real path), http(s):// only to an
 * allowed host, nothing else.  0, or -1 with the reason in err.
 */
int	images_check_source(const char *src, bool project_scoped, char *err,
	    size_t len);
/* Is path (absolute, no scheme) a regular file inside an allowed directory? */
bool	images_file_allowed(const char *path);

enum images_state { IMAGES_PENDING, IMAGES_READY, IMAGES_FAILED };
/*
 * The image of a node's current deploy: starts its download if none runs
 * (IMAGES_PENDING), or answers READY with IPA's image_info in *info, or
 * FAILED with the reason in err.  Returns at once; the caller holds the
 * node's lock only for the call.  file_ok: file:// may be used (the deploy
 * was requested by a system-scoped user).  base: the URL nodes reach
 * ingotd's image service at (image_info's urls).
 */
enum images_state images_request(const char *node_uuid, json_t *instance_info,
	    bool file_ok, const char *base, json_t **info, char *err, size_t len);
/* fn(id) is called on a download thread, without locks, when the download
 * of id (a node's, or a volume's) ended, ready or failed. */
void	images_on_done(void (*fn)(const char *id));
/* The node's deploy ended: cancels its download, deletes its image. */
void	images_release(const char *node_uuid);
/* Path of a verified image of a running deploy by its id, or -1. */
int	images_path(const char *id, char *path, size_t len);
/* The expected checksum of instance_info (image_os_hash_algo/value, else
 * image_checksum), lower-case; 0, or -1 with the reason in err. */
int	images_expected_hash(json_t *ii, char *algo, size_t alen, char *value,
	    size_t vlen, char *err, size_t len);

/* image_download_source (image_source.c): v is http, local or NULL? */
int	images_download_source_ok(const char *v, char *err, size_t len);
/* [deploy] image_download_source, the default of every node. */
int	images_set_download_source(const char *v, char *err, size_t len);
/* With http in force (instance_info, driver_info, the default) and an
 * http(s) image_source: IPA's image_info naming that URL itself in *info,
 * 1.  0: ingotd serves the image (local, or a file:// source).  -1: err. */
int	images_direct_info(json_t *ii, json_t *di, json_t **info, char *err,
	    size_t len);
/* Hex digest of a file; algo is md5, sha256 or sha512. */
int	images_hash_file(const char *path, const char *algo, char *hex, size_t len);

#endif
