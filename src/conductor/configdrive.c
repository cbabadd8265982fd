/*
 * Config drives.  A deploy's "configdrive" is either a string (a gzipped
 * ISO9660 or vfat image, base64-encoded: Ironic's original form) or, from
 * API 1.56, a JSON object that the conductor builds into that string, as
 * Ironic does with openstacksdk's configdrive.build (genisoimage there;
 * libisofs here, in-process: no temporary directory, no child process).
 *
 * Everything in it is the caller's, so it is bounded: the object's keys
 * and their types (Ironic's schema), each file and the whole; a string's
 * alphabet and its decoded, decompressed size (the agent's bound: a gzip
 * bomb is refused here already).  URLs (which Ironic passes to the agent
 * to download) are refused: ingot-agent downloads no config drive.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include "configdrive.h"
#include "isofs.h"
#include "jsonutil.h"
#include "node.h"

/* A file of the drive. */
struct cd_file {
	const char	*name;
	char		*data;
	size_t		 len;
};

/* --- the JSON form ---------------------------------------------------------- */

static int
check_keys(json_t *cd, int minor, struct ierr *e)
{
	const char *k;
	json_t *v;

	if (minor < 56) {
		ierr_set(e, IG_EINVAL, "Providing a JSON object for configdrive is only "
		    "supported starting with API version 1.56");
		return -1;
	}
	json_object_foreach(cd, k, v) {
		bool obj = strcmp(k, "meta_data") == 0 || strcmp(k, "network_data") == 0 ||
		    strcmp(k, "vendor_data") == 0;
		if (!obj && strcmp(k, "user_data") != 0) {
			ierr_set(e, IG_EINVAL, "Invalid configdrive format: unknown key "
			    "\"%.64s\" (meta_data, network_data, user_data, vendor_data)", k);
			return -1;
		}
		if (obj ? !json_is_object(v) : !(json_is_string(v) || json_is_object(v) ||
		    json_is_array(v) || json_is_null(v))) {
			ierr_set(e, IG_EINVAL, "Invalid configdrive format: \"%s\" must be "
			    "%s", k, obj ? "an object" : "a string, an object, an array or null");
			return -1;
		}
	}
	if (json_object_get(cd, "vendor_data") != NULL && minor < 59) {
		ierr_set(e, IG_EINVAL, "Providing vendor_data in configdrive is only "
		    "supported starting with API version 1.59");
		return -1;
	}
	return 0;
}

static void
files_free(struct cd_file *f, int n)
{
	for (int i = 0; i < n; i++)
		free(f[i].data);
}

/* One file, as JSON (or user_data's string as it is); 0, or -1 too big. */
static int
add_file(struct cd_file *f, int *n, const char *name, json_t *v, struct ierr *e)
{
	char *s = json_is_string(v) ? strdup(json_string_value(v)) :
	    json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t len = json_is_string(v) ? json_string_length(v) : (s ? strlen(s) : 0);

	if (s == NULL) {
		ierr_set(e, IG_EINTERNAL, "out of memory");
		return -1;
	}
	if (len > CD_FILE_MAX) {
		free(s);
		ierr_set(e, IG_ETOOBIG, "Invalid configdrive: %s is %zu bytes, more than "
		    "%u", name, len, CD_FILE_MAX);
		return -1;
	}
	f[*n].name = name;
	f[*n].data = s;
	f[(*n)++].len = len;
	return 0;
}

/* The drive's files: meta_data.json (uuid and name default to the node's),
 * network_data.json, vendor_data2.json, user_data.  Count, or -1. */
static int
cd_files(json_t *cd, json_t *node, struct cd_file f[4], struct ierr *e)
{
	json_t *md = json_deep_copy(json_object_get(cd, "meta_data"));
	json_t *ud = json_object_get(cd, "user_data");
	size_t total = 0;
	int n = 0, rc;

	if (md == NULL)
		md = json_object();
	if (json_object_get(md, "uuid") == NULL)
		json_object_set_new(md, "uuid", json_string(node_get(node, "uuid")));
	if (json_object_get(md, "name") == NULL && node_get(node, "name") != NULL)
		json_object_set_new(md, "name", json_string(node_get(node, "name")));
	rc = add_file(f, &n, "meta_data.json", md, e);
	json_decref(md);
	if (rc == 0 && json_object_size(json_object_get(cd, "network_data")) > 0)
		rc = add_file(f, &n, "network_data.json", json_object_get(cd,
		    "network_data"), e);
	if (rc == 0 && json_object_size(json_object_get(cd, "vendor_data")) > 0)
		rc = add_file(f, &n, "vendor_data2.json", json_object_get(cd,
		    "vendor_data"), e);
	if (rc == 0 && ud != NULL && !json_is_null(ud) &&
	    !(json_is_string(ud) && json_string_length(ud) == 0))
		rc = add_file(f, &n, "user_data", ud, e);
	for (int i = 0; i < n; i++)
		total += f[i].len;
	if (rc == 0 && total > CD_JSON_MAX) {
		ierr_set(e, IG_ETOOBIG, "Invalid configdrive: its files are %zu bytes, "
		    "more than %u", total, CD_JSON_MAX);
		rc = -1;
	}
	if (rc != 0) {
		files_free(f, n);
		return -1;
	}
	return n;
}

/* --- the ISO ------------------------------------------------------------------ */

/* A file in dir with a copy of the bytes. */
static int
iso_file(IsoImage *img, IsoDir *dir, const struct cd_file *f)
{
	unsigned char *copy = malloc(f->len ? f->len : 1);
	IsoStream *st;

	if (copy == NULL)
		return -1;
	memcpy(copy, f->data, f->len);
	if (iso_memory_stream_new(copy, f->len, &st) < 0) {
		free(copy);
		return -1;
	}
	if (iso_image_add_new_file(img, dir, f->name, st, NULL) < 0) {
		iso_stream_unref(st);
		return -1;
	}
	return 0;
}

/* openstack/<version>/<files> for both versions Ironic writes. */
static int
iso_tree(IsoImage *img, const struct cd_file *f, int n)
{
	static const char *versions[] = { "2012-08-10", "latest" };
	IsoDir *os, *v;

	if (iso_image_add_new_dir(img, iso_image_get_root(img), "openstack", &os) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		if (iso_image_add_new_dir(img, os, versions[i], &v) < 0)
			return -1;
		for (int j = 0; j < n; j++)
			if (iso_file(img, v, &f[j]) != 0)
				return -1;
	}
	return 0;
}

/* What genisoimage -J -r -l -ldots -allow-lowercase gives Ironic: Rock
 * Ridge and Joliet, and plain ISO9660 names as they are (up to 31). */
static IsoWriteOpts *
iso_opts(void)
{
	IsoWriteOpts *o;

	if (iso_write_opts_new(&o, 0) < 0)
		return NULL;
	iso_write_opts_set_iso_level(o, 2);
	iso_write_opts_set_rockridge(o, 1);
	iso_write_opts_set_joliet(o, 1);
	iso_write_opts_set_allow_lowercase(o, 1);
	iso_write_opts_set_omit_version_numbers(o, 1);
	iso_write_opts_set_no_force_dots(o, 3);	/* "user_data", not "user_data." */
	iso_write_opts_set_relaxed_vol_atts(o, 1);	/* "config-2", not "CONFIG_2" */
	return o;
}

/* The image's bytes, read from libisofs's writer thread. */
static int
iso_bytes(IsoImage *img, unsigned char **out, size_t *len)
{
	struct burn_source *src = NULL;
	IsoWriteOpts *o = NULL;
	unsigned char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	int rc = -1, r;

	if ((o = iso_opts()) == NULL)
		return -1;
	if (iso_image_create_burn_source(img, o, &src) < 0)
		goto out;
	for (;;) {
		if (n + 2048 > cap) {
			cap = cap ? cap * 2 : 1u << 19;
			if (cap > CD_ISO_MAX || (nb = realloc(buf, cap)) == NULL)
				break;
			buf = nb;
		}
		if ((r = src->read_xt(src, buf + n, 2048)) <= 0) {
			rc = r == 0 ? 0 : -1;
			break;
		}
		n += (size_t)r;
	}
	if (rc != 0 && src->cancel != NULL)
		src->cancel(src);
	src->free_data(src);
	free(src);
out:
	iso_write_opts_free(o);
	if (rc != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

int
configdrive_iso(json_t *cd, json_t *node, unsigned char **iso, size_t *len,
    struct ierr *e)
{
	struct cd_file f[4];
	IsoImage *img = NULL;
	int n, rc = -1;

	if ((n = cd_files(cd, node, f, e)) < 0)
		return -1;
	if (isofs_ready() && iso_image_new("config-2", &img) >= 0) {
		iso_image_set_publisher_id(img, "ingot");
		if (iso_tree(img, f, n) == 0)
			rc = iso_bytes(img, iso, len);
		iso_image_unref(img);
	}
	files_free(f, n);
	if (rc != 0)
		ierr_set(e, IG_EINTERNAL, "cannot build the config drive's ISO image");
	return rc;
}

/* --- gzip and base64 ------------------------------------------------------------ */

/* gzip then base64 of p, as a JSON string; NULL if out of memory. */
static json_t *
gzip_base64(const unsigned char *p, size_t n)
{
	uLong cap = compressBound(n) + 32;
	unsigned char *gz = malloc(cap);
	char *b64 = NULL;
	z_stream z = { 0 };
	json_t *out = NULL;

	if (gz == NULL || deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		goto done;
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END &&
	    (b64 = malloc(4 * ((z.total_out + 2) / 3) + 1)) != NULL) {
		EVP_EncodeBlock((unsigned char *)b64, gz, (int)z.total_out);
		out = json_string(b64);
	}
	deflateEnd(&z);
done:
	free(gz);
	free(b64);
	return out;
}

/* base64 text without white space, decoded: malloc'd bytes, or NULL. */
static unsigned char *
unbase64(const char *s, size_t *len)
{
	size_t n = strlen(s), m = 0, pad = 0;
	char *c = malloc(n + 1);
	unsigned char *out;
	int r;

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			c[m++] = s[i];
	c[m] = '\0';
	if (m == 0 || m % 4 != 0 || (out = malloc(m / 4 * 3 + 1)) == NULL) {
		free(c);
		return NULL;
	}
	r = EVP_DecodeBlock(out, (unsigned char *)c, (int)m);
	pad = (c[m - 1] == '=') + (m > 1 && c[m - 2] == '=');
	free(c);
	if (r < 0) {
		free(out);
		return NULL;
	}
	*len = (size_t)r - pad;
	return out;
}

/* The decompressed size of gzip data, counted up to CD_ISO_MAX + 1;
 * (size_t)-1 when it is not valid gzip. */
static size_t
gunzip_size(const unsigned char *p, size_t n)
{
	unsigned char *sink = malloc(1u << 16);
	z_stream z = { 0 };
	size_t out = 0;
	int r = Z_OK;

	if (sink == NULL || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(sink);
		return (size_t)-1;
	}
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	while (r == Z_OK && out <= CD_ISO_MAX) {
		z.next_out = sink;	/* only counted */
		z.avail_out = 1u << 16;
		r = inflate(&z, Z_NO_FLUSH);
		out += (1u << 16) - z.avail_out;
	}
	inflateEnd(&z);
	free(sink);
	if (r != Z_STREAM_END && out <= CD_ISO_MAX)
		return (size_t)-1;
	return out;
}

/* A string config drive: base64 of a (gzipped) image within CD_ISO_MAX. */
static int
check_string(const char *s, struct ierr *e)
{
	unsigned char *raw;
	size_t n = 0, size;

	if (strstr(s, "://") != NULL) {
		ierr_set(e, IG_EINVAL, "Invalid configdrive: a URL is not supported, "
		    "give the image (gzip and base64) or the JSON form");
		return -1;
	}
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=\n\r\t ") != strlen(s) || (raw = unbase64(s, &n)) == NULL) {
		ierr_set(e, IG_EINVAL, "Invalid configdrive format: it is neither a JSON, "
		    "nor a URL, nor a base64 string");
		return -1;
	}
	size = n >= 2 && raw[0] == 0x1f && raw[1] == 0x8b ? gunzip_size(raw, n) : n;
	free(raw);
	if (size == (size_t)-1) {
		ierr_set(e, IG_EINVAL, "Invalid configdrive: its gzip data is corrupt");
		return -1;
	}
	if (size > CD_ISO_MAX || size == 0) {
		ierr_set(e, size ? IG_ETOOBIG : IG_EINVAL, "Invalid configdrive: the "
		    "image is %s (at most %u MiB)", size ? "too big" : "empty",
		    CD_ISO_MAX >> 20);
		return -1;
	}
	return 0;
}

json_t *
configdrive_prepare(json_t *cd, json_t *node, int minor, struct ierr *e)
{
	if (json_is_string(cd))
		return check_string(json_string_value(cd), e) == 0 ? json_incref(cd) : NULL;
	if (!json_is_object(cd)) {
		ierr_set(e, IG_EINVAL, "Invalid configdrive format: it must be a string "
		    "or an object");
		return NULL;
	}
	if (check_keys(cd, minor, e) != 0)
		return NULL;
	return configdrive_build(cd, node, e);
}

json_t *
configdrive_build(json_t *cd, json_t *node, struct ierr *e)
{
	unsigned char *iso;
	size_t len;
	json_t *out;

	if (configdrive_iso(cd, node, &iso, &len, e) != 0)
		return NULL;
	out = gzip_base64(iso, len);
	free(iso);
	if (out == NULL)
		ierr_set(e, IG_EINTERNAL, "out of memory");
	return out;
}
