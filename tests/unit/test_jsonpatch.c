/* RFC 6902 JSON Patch, with the RFC's Appendix A examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* Applies patch to doc and compares with want (want NULL: must fail). */
static void
check(const char *doc, const char *patch, const char *want)
{
	json_t *d = json_loads(doc, 0, NULL), *p = json_loads(patch, 0, NULL);
	char err[256] = "";
	int rc;

	assert_non_null(d);
	assert_non_null(p);
	rc = jsonpatch_apply(d, p, err, sizeof(err));
	if (want == NULL) {
		assert_int_not_equal(rc, 0);
		assert_true(strlen(err) > 0);
	} else {
		json_t *w = json_loads(want, 0, NULL);
		char *got = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
		assert_int_equal(rc, 0);
		if (!json_equal(d, w))
			fail_msg("got %s, want %s", got, want);
		free(got);
		json_decref(w);
	}
	json_decref(d);
	json_decref(p);
}

static void
rfc_appendix_a(void **unused)
{
	(void)unused;
	/* A.1 add an object member */
	check("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
	    "{\"baz\":\"qux\",\"foo\":\"bar\"}");
	/* A.2 add an array element */
	check("{\"foo\":[\"bar\",\"baz\"]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
	    "{\"foo\":[\"bar\",\"qux\",\"baz\"]}");
	/* A.3 remove an object member */
	check("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]",
	    "{\"foo\":\"bar\"}");
	/* A.4 remove an array element */
	check("{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
	    "{\"foo\":[\"bar\",\"baz\"]}");
	/* A.5 replace a value */
	check("{\"baz\":\"qux\",\"foo\":\"bar\"}",
	    "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
	    "{\"baz\":\"boo\",\"foo\":\"bar\"}");
	/* A.6 move a value */
	check("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
	    "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
	    "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}");
	/* A.7 move an array element */
	check("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
	    "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
	    "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}");
	/* A.8 test success */
	check("{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
	    "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
	    "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
	    "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}");
	/* A.9 test failure */
	check("{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", NULL);
	/* A.10 add a nested member object */
	check("{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
	    "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}");
	/* A.12 add to a nonexistent target */
	check("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", NULL);
	/* A.14 ~ escape ordering */
	check("{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
	    "{\"/\":9,\"~1\":10}");
	/* A.16 add an array value */
	check("{\"foo\":[\"bar\"]}",
	    "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
	    "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}");
}

static void
errors(void **unused)
{
	(void)unused;
	check("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", NULL);
	check("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":1}]", NULL);
	check("{\"a\":1}", "[{\"op\":\"jump\",\"path\":\"/a\"}]", NULL);
	check("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", NULL);
	check("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\"}]", NULL);
	check("{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/5\",\"value\":1}]", NULL);
	check("{\"a\":[1]}", "[{\"op\":\"remove\",\"path\":\"/a/01\"}]", NULL);
	check("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]", NULL);
	check("{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/x\",\"path\":\"/b\"}]", NULL);
	check("{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"}]",
	    "{\"a\":1,\"b\":1}");
	/* a failing op leaves the caller's doc partially changed: callers
	 * apply patches to a copy (api_patch does) */
	check("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},"
	    "{\"op\":\"remove\",\"path\":\"/nope\"}]", NULL);
}

/* api_patch as a handler calls it; err gets the error message, if any. */
static json_t *
patch_as(json_t *node, json_t *p, int minor, char *err, size_t len)
{
	struct req q = { .minor = minor };
	struct resp r = { 0 };
	json_t *out = api_patch(&q, &r, &model_node, node, p);

	err[0] = '\0';
	if (r.body != NULL) {
		char *t = json_dumps(r.body, 0);
		snprintf(err, len, "%d %s", r.status, t);
		free(t);
	}
	json_decref(r.body);
	return out;
}

static void
patch_rules(void **unused)
{
	json_t *node = json_pack("{s:s, s:s, s:{s:s}, s:{}, s:s}", "uuid",
	    "11111111-2222-3333-4444-555555555555", "driver", "fake-hardware",
	    "driver_info", "ipmi_password", "x", "extra", "provision_state", "enroll");
	json_object_set_new(node, "created_at", json_string("2026-01-01T00:00:00+00:00"));
	json_t *p, *out;
	char err[256];

	(void)unused;
	model_apply_defaults(&model_node, node);
	p = json_loads("[{\"op\":\"add\",\"path\":\"/extra/a\",\"value\":1}]", 0, NULL);
	out = patch_as(node, p, 81, err, sizeof(err));
	assert_non_null(out);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "extra"), "a")), 1);
	assert_int_equal(json_object_size(json_object_get(node, "extra")), 0);	/* a copy */
	json_decref(out);
	json_decref(p);
	p = json_loads("[{\"op\":\"replace\",\"path\":\"/provision_state\",\"value\":\"active\"}]", 0, NULL);
	assert_null(patch_as(node, p, 81, err, sizeof(err)));
	assert_non_null(strstr(err, "internal attribute"));
	json_decref(p);
	p = json_loads("[{\"op\":\"add\",\"path\":\"/colour\",\"value\":1}]", 0, NULL);
	assert_null(patch_as(node, p, 81, err, sizeof(err)));
	json_decref(p);
	p = json_loads("[{\"op\":\"remove\",\"path\":\"/driver\"}]", 0, NULL);
	assert_null(patch_as(node, p, 81, err, sizeof(err)));
	json_decref(p);
	/* lessee appeared in 1.65 */
	p = json_loads("[{\"op\":\"add\",\"path\":\"/lessee\",\"value\":\"p\"}]", 0, NULL);
	assert_null(patch_as(node, p, 64, err, sizeof(err)));
	out = patch_as(node, p, 65, err, sizeof(err));
	assert_non_null(out);
	json_decref(out);
	json_decref(p);
	/* removing a dict resets it to its default */
	p = json_loads("[{\"op\":\"remove\",\"path\":\"/driver_info\"}]", 0, NULL);
	out = patch_as(node, p, 81, err, sizeof(err));
	assert_non_null(out);
	assert_true(json_is_object(json_object_get(out, "driver_info")));
	assert_int_equal(json_object_size(json_object_get(out, "driver_info")), 0);
	json_decref(out);
	json_decref(p);
	/* wrong type */
	p = json_loads("[{\"op\":\"replace\",\"path\":\"/extra\",\"value\":3}]", 0, NULL);
	assert_null(patch_as(node, p, 81, err, sizeof(err)));
	json_decref(p);
	json_decref(node);
}

/* The operation count and the patched size are bounded (no amplification). */
static void
patch_limits(void **unused)
{
	json_t *node = json_pack("{s:s, s:s, s:{}, s:{s:s}, s:s}", "uuid",
	    "11111111-2222-3333-4444-555555555555", "driver", "fake-hardware",
	    "driver_info", "extra", "k", "0123456789abcdef0123456789abcdef",
	    "provision_state", "enroll");
	json_t *p = json_array(), *out;
	char err[512];

	(void)unused;
	json_object_set_new(node, "created_at", json_string("2026-01-01T00:00:00+00:00"));
	model_apply_defaults(&model_node, node);
	api_patch_limits(8, 4096);
	for (int i = 0; i < 9; i++)
		json_array_append_new(p, json_pack("{s:s, s:s, s:i}", "op", "add", "path",
		    "/extra/n", "value", i));
	assert_null(patch_as(node, p, 81, err, sizeof(err)));
	assert_non_null(strstr(err, "400"));
	json_array_clear(p);
	for (int i = 0; i < 8; i++) {
		char to[32];
		snprintf(to, sizeof(to), "/extra/c%d", i);
		json_array_append_new(p, json_pack("{s:s, s:s, s:s}", "op", "copy", "from",
		    "/extra", "path", to));
	}
	assert_null(out = patch_as(node, p, 81, err, sizeof(err)));
	assert_non_null(strstr(err, "413"));
	api_patch_limits(64, 1 << 20);
	json_decref(p);
	json_decref(node);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc_appendix_a),
		cmocka_unit_test(errors),
		cmocka_unit_test(patch_rules),
		cmocka_unit_test(patch_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
