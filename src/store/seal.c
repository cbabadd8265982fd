/*
 * Secrets at rest, for every engine: secret-named strings of F_SEALED
 * fields (driver_info's passwords, keys, tokens) sealed with AES-256-GCM
 * under [database] secret_key_file, opened when read.
 */
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define ENC_PREFIX "enc:v1:"

static unsigned char secret_key[32];
static bool have_key;

void
store_set_secret_key(const unsigned char key[32])
{
	memcpy(secret_key, key, 32);
	have_key = true;
}

int
store_load_secret_key(const char *path, char *err, size_t len)
{
	unsigned char buf[130], key[32];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		snprintf(err, len, "[database] secret_key_file %s cannot be read", path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 64) {
		for (int i = 0; i < 32; i++) {
			unsigned int b;
			char h[3] = { (char)buf[2 * i], (char)buf[2 * i + 1], 0 };
			if (!isxdigit(buf[2 * i]) || !isxdigit(buf[2 * i + 1]) ||
			    sscanf(h, "%2x", &b) != 1)
				goto bad;
			key[i] = (unsigned char)b;
		}
	} else if (n == 32) {
		memcpy(key, buf, 32);
	} else {
		goto bad;
	}
	store_set_secret_key(key);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
bad:
	snprintf(err, len, "[database] secret_key_file %s: not 32 bytes or 64 hex digits",
	    path);
	return -1;
}

static json_t *
seal(const char *plain)
{
	unsigned char iv[12], tag[16], *ct, *blob;
	size_t n = strlen(plain);
	int l1 = 0, l2 = 0;
	EVP_CIPHER_CTX *c;
	char *b64;
	json_t *out = NULL;

	if (RAND_bytes(iv, sizeof(iv)) != 1 || (c = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	ct = malloc(n + 16);
	blob = malloc(12 + n + 16 + 16);
	b64 = malloc(4 * ((12 + n + 16 + 2) / 3) + 8);
	if (ct != NULL && blob != NULL && b64 != NULL &&
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, secret_key, iv) == 1 &&
	    EVP_EncryptUpdate(c, ct, &l1, (const unsigned char *)plain, (int)n) == 1 &&
	    EVP_EncryptFinal_ex(c, ct + l1, &l2) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1) {
		memcpy(blob, iv, 12);
		memcpy(blob + 12, ct, (size_t)(l1 + l2));
		memcpy(blob + 12 + l1 + l2, tag, 16);
		EVP_EncodeBlock((unsigned char *)b64, blob, 12 + l1 + l2 + 16);
		out = json_sprintf(ENC_PREFIX "%s", b64);
	}
	EVP_CIPHER_CTX_free(c);
	free(ct);
	free(blob);
	free(b64);
	return out;
}

static json_t *
unseal(const char *sealed)
{
	const char *b64 = sealed + strlen(ENC_PREFIX);
	size_t bl = strlen(b64);
	unsigned char *blob = malloc(bl + 4), *pt = NULL;
	int n, l1 = 0, l2 = 0;
	EVP_CIPHER_CTX *c = NULL;
	json_t *out = NULL;

	if (blob == NULL)
		return NULL;
	n = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)bl);
	/* EVP_DecodeBlock counts base64 padding as zero bytes. */
	if (bl >= 1 && b64[bl - 1] == '=')
		n--;
	if (bl >= 2 && b64[bl - 2] == '=')
		n--;
	if (n < 28 || (pt = malloc((size_t)n)) == NULL ||
	    (c = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, secret_key, blob) == 1 &&
	    EVP_DecryptUpdate(c, pt, &l1, blob + 12, n - 28) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, blob + n - 16) == 1 &&
	    EVP_DecryptFinal_ex(c, pt + l1, &l2) == 1)
		out = json_stringn((const char *)pt, (size_t)(l1 + l2));
out:
	EVP_CIPHER_CTX_free(c);
	free(blob);
	if (pt != NULL) {
		OPENSSL_cleanse(pt, (size_t)n);
		free(pt);
	}
	return out;
}

/* Seals every secret-named string member of v, at any depth, in place. */
static void
seal_tree(json_t *v, int depth)
{
	const char *k;
	json_t *x, *sealed;
	size_t i;

	if (depth > 64)
		return;
	if (json_is_array(v))
		json_array_foreach(v, i, x)
			seal_tree(x, depth + 1);
	if (!json_is_object(v))
		return;
	json_object_foreach(v, k, x) {
		if (!util_is_secret_key(k) || !json_is_string(x)) {
			seal_tree(x, depth + 1);
			continue;
		}
		if (strncmp(json_string_value(x), ENC_PREFIX, strlen(ENC_PREFIX)) != 0 &&
		    (sealed = seal(json_string_value(x))) != NULL)
			json_object_set_new(v, k, sealed);
	}
}

/* driver_info as stored: secret strings sealed (a new object) or v itself. */
json_t *
store_sealed_copy(const struct field *f, json_t *v)
{
	json_t *c;

	if (!have_key || !(f->flags & F_SEALED) || !json_is_object(v))
		return json_incref(v);
	c = json_deep_copy(v);
	seal_tree(c, 0);
	return c;
}

/* Opens every sealed string of v, at any depth, in place. */
static void
unseal_tree(json_t *v, int depth)
{
	static bool warned;
	const char *k;
	json_t *x, *p;
	size_t i;

	if (depth > 64)
		return;
	if (json_is_array(v))
		json_array_foreach(v, i, x)
			unseal_tree(x, depth + 1);
	if (!json_is_object(v))
		return;
	json_object_foreach(v, k, x) {
		if (!json_is_string(x)) {
			unseal_tree(x, depth + 1);
			continue;
		}
		if (strncmp(json_string_value(x), ENC_PREFIX, strlen(ENC_PREFIX)) != 0)
			continue;
		if (!have_key) {
			if (!warned)
				log_error("store: driver_info holds encrypted secrets but no "
				    "[database] secret_key_file is configured");
			warned = true;
			continue;
		}
		if ((p = unseal(json_string_value(x))) == NULL) {
			log_error("store: a driver_info secret (%s) does not decrypt with "
			    "the configured key", k);
			continue;
		}
		json_object_set_new(v, k, p);
	}
}

void
store_unseal_in_place(const struct field *f, json_t *v)
{
	if ((f->flags & F_SEALED) && json_is_object(v))
		unseal_tree(v, 0);
}
