/*
 * rescue.finalize_rescue (IPA's rescue extension): the password of the
 * ramdisk's "rescue" user, given as a crypt hash ("hashed": true, what
 * Ironic and ingotd send) or in plain text (hashed here, SHA-512), written
 * into the shadow file, which is replaced in one rename.  The password is
 * masked in the command's record and never logged.  Outside a deploy
 * ramdisk only an explicit --shadow-file is written: an agent started by
 * mistake on a host cannot change the host's passwords.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jsonutil.h"
#include "agent.h"

#define SHADOW_MAX	(1 << 20)
#define RESCUE_USER	"rescue"

/* A crypt hash we accept: $id$...; printable, no ':' or newline. */
static bool
hash_ok(const char *h)
{
	size_t n = strlen(h);

	if (n < 4 || n > 512 || h[0] != '$')
		return false;
	for (size_t i = 0; i < n; i++)
		if (h[i] <= ' ' || h[i] >= 0x7f || h[i] == ':')
			return false;
	return true;
}

/* The shadow file with the rescue user's line set to hash; 0 or -1. */
static int
write_shadow(const char *path, const char *hash, char *err, size_t len)
{
	char tmp[4096], *line = NULL;
	size_t cap = 0, total = 0;
	struct stat st;
	FILE *in = fopen(path, "r"), *out;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0 || (out = fdopen(fd, "w")) == NULL) {
		snprintf(err, len, "cannot write next to %s", path);
		if (fd >= 0)
			close(fd);
		if (in != NULL)
			fclose(in);
		return -1;
	}
	fchmod(fd, in != NULL && fstat(fileno(in), &st) == 0 ? st.st_mode & 07777 : 0640);
	while (in != NULL && getline(&line, &cap, in) > 0 && (total += strlen(line)) < SHADOW_MAX)
		if (strncmp(line, RESCUE_USER ":", sizeof(RESCUE_USER)) != 0)
			fputs(line, out);
	free(line);
	if (in != NULL)
		fclose(in);
	fprintf(out, RESCUE_USER ":%s:%ld:0:99999:7:::\n", hash, (long)(time(NULL) / 86400));
	if (fflush(out) != 0 || fsync(fd) != 0 || fclose(out) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		snprintf(err, len, "cannot replace %s", path);
		return -1;
	}
	return 0;
}

json_t *
rescue_finalize(json_t *p, json_t **e)
{
	const char *pw = jstr(p, "rescue_password");
	const char *path = conf.shadow_file ? conf.shadow_file : conf.ramdisk ?
	    "/etc/shadow" : NULL;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], err[300];
	struct crypt_data cd;
	const char *h = pw;

	memset(&cd, 0, sizeof(cd));
	if (path == NULL) {
		*e = ipa_error("RescueError", 500, "Rescue failed", "not a deploy ramdisk: "
		    "this machine's passwords are not changed (--shadow-file for tests)");
		return NULL;
	}
	if (pw != NULL && !json_is_true(json_object_get(p, "hashed")))
		h = crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)) ?
		    crypt_r(pw, salt, &cd) : NULL;
	if (h == NULL || !hash_ok(h)) {
		*e = ipa_error("InvalidCommandParamsError", 400, "Invalid command parameters",
		    "rescue_password must be a non-empty password or crypt hash");
		return NULL;
	}
	if (write_shadow(path, h, err, sizeof(err)) != 0) {
		*e = ipa_error("RescueError", 500, "Rescue failed", err);
		return NULL;
	}
	explicit_bzero(&cd, sizeof(cd));
	json_object_set_new(p, "rescue_password", json_string("******"));
	alog("rescue: the %s user's password is set", RESCUE_USER);
	return json_null();
}
