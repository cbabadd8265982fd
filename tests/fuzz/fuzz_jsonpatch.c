/*
 * RFC 6902 JSON Patch (src/api/jsonpatch.c) and the PATCH rules over the
 * model (src/api/patch.c, src/model/model.c).
 *
 * Input: a JSON document followed by a JSON patch (two JSON texts one after
 * the other).  The patch is applied to the document as it is; then, if the
 * document is an object, to it as a stored node, port, portgroup and
 * network at the lowest and highest microversions, as PATCH requests are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "log.h"
#include "model.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No secret string of stored's driver_info turns up outside driver_info
 * in out unless the patch itself carries it. */
static void
check_no_leak(json_t *stored, json_t *out, json_t *patch)
{
	json_t *di = json_object_get(stored, "driver_info"), *rest, *v;
	char *outside, *ptext;
	const char *k;

	if (!json_is_object(di))
		return;
	rest = json_copy(out);
	json_object_del(rest, "driver_info");
	outside = json_dumps(rest, JSON_COMPACT | JSON_ENCODE_ANY);
	json_t *srest = json_copy(stored);
	json_object_del(srest, "driver_info");
	char *before = json_dumps(srest, JSON_COMPACT | JSON_ENCODE_ANY);
	ptext = json_dumps(patch, JSON_COMPACT | JSON_ENCODE_ANY);
	json_object_foreach(di, k, v) {
		const char *sv = json_string_value(v);
		if (!util_is_secret_key(k) || sv == NULL || strlen(sv) < 6 ||
		    strstr(ptext, sv) || strstr(before, sv) || strstr(k, sv))
			continue;
		if (outside != NULL && strstr(outside, sv) != NULL)
			abort();	/* a secret was read out through the patch */
	}
	free(outside);
	free(before);
	free(ptext);
	json_decref(rest);
	json_decref(srest);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* http_basic with one system member: a caller who may read no
	 * secrets, for whom the model's rules alone decide every field. */
	char pw[] = "/tmp/fuzz-jsonpatch-XXXXXX", roles[] = "/tmp/fuzz-jsonpatch-XXXXXX";
	struct auth_conf ac = { .strategy = "http_basic", .htpasswd_file = pw,
	    .roles_file = roles };
	char err[256];
	int a = mkstemp(pw), b = mkstemp(roles);

	log_init("/dev/null", LOG_LVL_DEBUG);
	if (a < 0 || b < 0 || dprintf(a, "fz:$2b$04$%053d\n", 0) < 0 ||
	    dprintf(b, "fz system member\n") < 0)
		abort();
	close(a);
	close(b);
	if (auth_configure(&ac, err, sizeof(err)) != 0 || auth_act_as("fz") != 0) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	unlink(pw);
	unlink(roles);
	return 0;
}

static void
check_out(json_t *doc)
{
	/* What the API would send back must serialise and parse again. */
	char *s = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
	json_t *back;

	if (s == NULL)
		abort();
	back = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (back == NULL)
		abort();
	json_decref(back);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct resource *const res[] = { &model_node, &model_port,
	    &model_portgroup, &model_network };
	json_error_t je;
	json_t *doc, *patch, *copy, *out;
	char err[512];
	size_t used;

	doc = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &je);
	if (doc == NULL)
		return -1;
	used = (size_t)je.position;
	patch = json_loadb((const char *)data + used, size - used, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, &je);
	if (patch == NULL) {
		json_decref(doc);
		return -1;
	}
	copy = json_deep_copy(doc);
	err[0] = '\0';
	if (jsonpatch_apply(copy, patch, err, sizeof(err)) != 0 && err[0] == '\0')
		abort();	/* a failure always says why */
	check_out(copy);
	json_decref(copy);

	if (json_is_object(doc)) {
		for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
			for (int minor = API_MIN_MINOR; minor <= API_MAX_MINOR;
			    minor += API_MAX_MINOR - API_MIN_MINOR) {
				json_t *stored = json_deep_copy(doc);
				model_apply_defaults(res[i], stored);
				struct req q = { .minor = minor };
				struct resp r = { 0 };
				out = api_patch(&q, &r, res[i], stored, patch);
				if (out != NULL) {
					/* A patched object passes the model's checks. */
					if (model_check_types(res[i], out, err, sizeof(err)) != 0)
						abort();
					check_out(out);
					check_no_leak(stored, out, patch);
					json_decref(out);
				} else if (r.body == NULL || (r.status < 400 &&
				    !(r.status == 200 && json_array_size(patch) == 0))) {
					/* A refusal has a status and a body; only
					 * an empty patch answers 200 with the
					 * object as it is (Ironic's behaviour). */
					abort();
				}
				json_decref(r.body);
				json_decref(stored);
			}
		}
	}
	json_decref(patch);
	json_decref(doc);
	return 0;
}
