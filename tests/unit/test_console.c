/* The console server's pure parts: the output ring on disk and tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scon_int.h"

static const char *UUID = "1be26c0b-03f2-4d2d-ae87-c02d7ea24301";

static void
ring_bounded(void **state)
{
	char dir[] = "/tmp/test_console.XXXXXX", sub[64], chunk[100], *out;
	struct sring r;
	size_t len, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/c", dir);
	assert_int_equal(sring_open(&r, sub, UUID, 1000), 0);
	for (i = 0; i < 50; i++) {	/* 5000 bytes through a 1000-byte ring */
		memset(chunk, 'a' + (int)(i % 26), sizeof(chunk));
		sring_append(&r, chunk, sizeof(chunk));
	}
	sring_close(&r);
	out = sring_read(sub, UUID, &len);
	assert_non_null(out);
	assert_true(len >= 500 && len <= 1000);
	/* the newest bytes, oldest first: it ends with the last chunk */
	assert_int_equal(out[len - 1], 'a' + 49 % 26);
	assert_int_equal(out[len - 100], 'a' + 49 % 26);
	free(out);
	snprintf(chunk, sizeof(chunk), "rm -rf %s", dir);
	assert_int_equal(system(chunk), 0);
}

static void
ring_absent(void **state)
{
	size_t len = 7;

	(void)state;
	assert_null(sring_read("/nonexistent-dir", UUID, &len));
	assert_int_equal(len, 0);
}

static void
tokens_once(void **state)
{
	char t1[SCON_TOKEN_LEN + 1], t2[SCON_TOKEN_LEN + 1], uuid[37];

	(void)state;
	assert_int_equal(token_issue(UUID, 60, t1), 0);
	assert_int_equal(token_issue(UUID, 60, t2), 0);
	assert_int_equal(strlen(t1), SCON_TOKEN_LEN);
	assert_string_not_equal(t1, t2);
	assert_int_equal(token_take(t1, strlen(t1), uuid), 0);
	assert_string_equal(uuid, UUID);
	assert_int_equal(token_take(t1, strlen(t1), uuid), -1);	/* used */
	assert_int_equal(token_take(t2, SCON_TOKEN_LEN - 1, uuid), -1);	/* short */
	t2[0] = t2[0] == 'f' ? 'e' : 'f';
	assert_int_equal(token_take(t2, strlen(t2), uuid), -1);	/* altered */
	assert_int_equal(token_issue(UUID, 60, t1), 0);
	token_drop(UUID);
	assert_int_equal(token_take(t1, strlen(t1), uuid), -1);	/* dropped */
	assert_int_equal(token_issue(UUID, 0, t1), 0);
	assert_int_equal(token_take(t1, strlen(t1), uuid), -1);	/* expired */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_bounded),
		cmocka_unit_test(ring_absent),
		cmocka_unit_test(tokens_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
