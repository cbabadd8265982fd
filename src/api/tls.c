/*
 * The API listeners' TLS certificate, replaceable while they run: every
 * listener gets it through libmicrohttpd's certificate callback
 * (MHD_OPTION_HTTPS_CERT_CALLBACK, GnuTLS's retrieve function), which
 * hands each new TLS handshake the current certificate chain and key.
 * SIGHUP installs a new pair (checked by ingotd first); connections
 * already open keep theirs.  A pair once installed is kept until the API
 * stops: a session may still point at it (GnuTLS does not copy it), and
 * reloads are rare.
 */
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

#define TLS_CHAIN	16
#define TLS_KEPT	64	/* pairs kept; more reloads free the oldest */

struct creds {
	gnutls_pcert_st	 pcert[TLS_CHAIN];
	unsigned	 n;
	gnutls_privkey_t key;
};

static struct {
	pthread_mutex_t	 mu;
	struct creds	*cur;
	struct creds	*kept[TLS_KEPT];
	int		 nkept;
} tls = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
creds_free(struct creds *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->n; i++)
		gnutls_pcert_deinit(&c->pcert[i]);
	if (c->key != NULL)
		gnutls_privkey_deinit(c->key);
	free(c);
}

/* The PEM chain and key as GnuTLS takes them for a handshake. */
static struct creds *
creds_new(const char *cert, const char *key, char *err, size_t len)
{
	struct creds *c = calloc(1, sizeof(*c));
	gnutls_datum_t dc = { (unsigned char *)cert, (unsigned)strlen(cert) };
	gnutls_datum_t dk = { (unsigned char *)key, (unsigned)strlen(key) };
	int rc;

	if (c == NULL)
		return snprintf(err, len, "out of memory"), NULL;
	c->n = TLS_CHAIN;
	if ((rc = gnutls_pcert_list_import_x509_raw(c->pcert, &c->n, &dc,
	    GNUTLS_X509_FMT_PEM, 0)) < 0) {
		c->n = 0;
		snprintf(err, len, "the certificate: %s", gnutls_strerror(rc));
	} else if ((rc = gnutls_privkey_init(&c->key)) < 0 ||
	    (rc = gnutls_privkey_import_x509_raw(c->key, &dk, GNUTLS_X509_FMT_PEM, NULL,
	    0)) < 0) {
		snprintf(err, len, "the key: %s", gnutls_strerror(rc));
	}
	if (rc < 0) {
		creds_free(c);
		return NULL;
	}
	return c;
}

int
tls_set(const char *cert, const char *key, char *err, size_t len)
{
	struct creds *c = creds_new(cert, key, err, len);

	if (c == NULL)
		return -1;
	pthread_mutex_lock(&tls.mu);
	if (tls.nkept == TLS_KEPT) {
		creds_free(tls.kept[0]);
		memmove(tls.kept, tls.kept + 1, sizeof(tls.kept[0]) * (TLS_KEPT - 1));
		tls.nkept--;
	}
	tls.kept[tls.nkept++] = c;
	tls.cur = c;
	pthread_mutex_unlock(&tls.mu);
	return 0;
}

void
tls_free(void)
{
	pthread_mutex_lock(&tls.mu);
	for (int i = 0; i < tls.nkept; i++)
		creds_free(tls.kept[i]);
	tls.nkept = 0;
	tls.cur = NULL;
	pthread_mutex_unlock(&tls.mu);
}

/* GnuTLS asks for the server's certificate: the current pair. */
static int
retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca, int nreq,
    const gnutls_pk_algorithm_t *algos, int nalgos, gnutls_pcert_st **pcert,
    unsigned int *npcert, gnutls_privkey_t *key)
{
	int rc = -1;

	(void)s; (void)req_ca; (void)nreq; (void)algos; (void)nalgos;
	pthread_mutex_lock(&tls.mu);
	if (tls.cur != NULL) {
		*pcert = tls.cur->pcert;
		*npcert = tls.cur->n;
		*key = tls.cur->key;
		rc = 0;
	}
	pthread_mutex_unlock(&tls.mu);
	return rc;
}

void *
tls_callback(void)
{
	return (void *)retrieve;
}
