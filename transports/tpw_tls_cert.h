/*
 * tpw_tls_cert.h - the certificate of the tpaasweb transport when none is
 * configured: a self-signed one, made at first start with OpenSSL (the TLS
 * library Debian's libwebsockets links) and kept in a state folder.
 *
 * <state_dir>/cert.pem and <state_dir>/key.pem (mode 0600; the folder is made
 * 0700) are reused on later starts as long as they load, belong together and
 * are valid for at least TPW_TLS_RENEW_DAYS more days; otherwise a new pair
 * replaces them (written to temporary files, then renamed).
 *
 * Threads: called once from the transport's init (Janus main thread).
 * No Janus symbols are used here: errors come back as a GError for the caller
 * to log.
 */
#ifndef TPW_TLS_CERT_H
#define TPW_TLS_CERT_H

#include <glib.h>

/* A generated certificate is valid this long... */
#define TPW_TLS_VALID_DAYS 365
/* ...and replaced at start-up when it has fewer days than this left. */
#define TPW_TLS_RENEW_DAYS 30

/*
 * Makes sure state_dir holds a usable self-signed pair.  names: NULL-terminated
 * list of host names and IP addresses for the subjectAltName (the first one is
 * also the CN); borrowed.  On success returns 0 and new strings in *cert_path
 * and *key_path (caller g_free()s them); *generated tells whether a new pair
 * was made.  On failure returns a negative errno value and sets *error.
 */
int tpw_tls_self_signed_ensure(const char *state_dir, const char *const *names, char **cert_path,
	char **key_path, gboolean *generated, GError **error);

#endif
