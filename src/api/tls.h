/*
 * The API listeners' TLS certificate and key (tls.c): installed at start,
 * replaced by SIGHUP, handed to each new TLS handshake.
 */
#ifndef INGOT_API_TLS_H
#define INGOT_API_TLS_H

#include <stddef.h>

/* A PEM certificate chain and its unencrypted PEM key become the current
 * pair; -1 and err if GnuTLS refuses them (the old pair stays). */
int	 tls_set(const char *cert, const char *key, char *err, size_t len);
/* libmicrohttpd's MHD_OPTION_HTTPS_CERT_CALLBACK argument. */
void	*tls_callback(void);
void	 tls_free(void);

#endif
