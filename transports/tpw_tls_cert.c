/*
 * tpw_tls_cert.c - self-signed certificate for the tpaasweb transport, made and
 * reused with the OpenSSL 3 API.  See tpw_tls_cert.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tpw_tls_cert.h"

#define TPW_TLS_ERROR (g_quark_from_static_string("tpaasweb-tls"))

/* The pair is usable: both load, match, and stay valid for a while. */
static gboolean tpw_tls_pair_usable(const char *cert_path, const char *key_path)
{
	gboolean ok = FALSE;
	X509 *x = NULL;
	EVP_PKEY *pkey = NULL;
	FILE *f = fopen(cert_path, "r");
	if (f != NULL) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	f = fopen(key_path, "r");
	if (f != NULL) {
		pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (x != NULL && pkey != NULL && X509_check_private_key(x, pkey) == 1) {
		time_t renew = time(NULL) + (time_t)TPW_TLS_RENEW_DAYS * 86400;
		ok = X509_cmp_time(X509_get0_notAfter(x), &renew) > 0
			&& X509_cmp_current_time(X509_get0_notBefore(x)) < 0;
	}
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ok;
}

static int tpw_tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -EINVAL;
	int ret = X509_add_ext(x, ext, -1) ? 0 : -ENOMEM;
	X509_EXTENSION_free(ext);
	return ret;
}

/* "DNS:a,IP:1.2.3.4,..." from the names; skips what OpenSSL couldn't take. */
static char *tpw_tls_san(const char *const *names)
{
	GString *san = g_string_new(NULL);
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		const char *n = names[i];
		if (*n == '\0' || strpbrk(n, ", \t\r\n") != NULL)
			continue;
		if (san->len > 0)
			g_string_append_c(san, ',');
		g_string_append_printf(san, "%s:%s", g_hostname_is_ip_address(n) ? "IP" : "DNS", n);
	}
	return g_string_free(san, FALSE);
}

static X509 *tpw_tls_make_cert(EVP_PKEY *pkey, const char *const *names)
{
	X509 *x = X509_new();
	BIGNUM *serial = BN_new();
	char *san = tpw_tls_san(names);
	const char *cn = (names != NULL && names[0] != NULL) ? names[0] : "localhost";
	gboolean ok = x != NULL && serial != NULL && X509_set_version(x, 2) &&
		/* RFC 5280 §4.1.2.2: positive, at most 20 octets; random avoids reuse */
		BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)
		&& BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != NULL &&
		/* an hour of slack for clocks that are a little behind */
		X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL
		&& X509_gmtime_adj(X509_getm_notAfter(x), (long)TPW_TLS_VALID_DAYS * 86400) != NULL
		&& X509_set_pubkey(x, pkey);
	if (ok) {
		X509_NAME *name = X509_get_subject_name(x);
		ok = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
			     (const unsigned char *)"tpaas-vmr self-signed", -1, -1, 0)
			&& X509_NAME_add_entry_by_txt(
				name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)
			&& X509_set_issuer_name(x, name);
	}
	/* Browsers check the subjectAltName only, never the CN. */
	ok = ok && tpw_tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == 0
		&& tpw_tls_add_ext(x, NID_key_usage, "critical,digitalSignature") == 0
		&& tpw_tls_add_ext(x, NID_ext_key_usage, "serverAuth") == 0
		&& tpw_tls_add_ext(x, NID_subject_key_identifier, "hash") == 0
		&& (*san == '\0' || tpw_tls_add_ext(x, NID_subject_alt_name, san) == 0)
		&& X509_sign(x, pkey, EVP_sha256()) > 0;
	g_free(san);
	BN_free(serial);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Writes a PEM file through a fresh temporary file of the given mode, then renames it. */
static int tpw_tls_write(const char *path, mode_t mode, X509 *x, EVP_PKEY *pkey)
{
	char *tmp = g_strconcat(path, ".tmp", NULL);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		int err = errno;
		g_free(tmp);
		return -err;
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		int err = errno;
		close(fd);
		unlink(tmp);
		g_free(tmp);
		return -err;
	}
	int ok = x != NULL ? PEM_write_X509(f, x)
			   : PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
	ok = ok && fflush(f) == 0 && fsync(fd) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		g_free(tmp);
		return -EIO;
	}
	g_free(tmp);
	return 0;
}

int tpw_tls_self_signed_ensure(const char *state_dir, const char *const *names, char **cert_path,
	char **key_path, gboolean *generated, GError **error)
{
	if (state_dir == NULL || *state_dir == '\0') {
		g_set_error(error, TPW_TLS_ERROR, EINVAL,
			"no state_dir to keep a self-signed certificate in");
		return -EINVAL;
	}
	if (g_mkdir_with_parents(state_dir, 0700) != 0) {
		int err = errno;
		g_set_error(error, TPW_TLS_ERROR, err, "can't create %s: %s", state_dir,
			g_strerror(err));
		return -err;
	}
	char *cert = g_build_filename(state_dir, "cert.pem", NULL);
	char *key = g_build_filename(state_dir, "key.pem", NULL);
	*generated = FALSE;
	if (tpw_tls_pair_usable(cert, key)) {
		/* Someone may have loosened it by hand: the key is a secret. */
		chmod(key, 0600);
		*cert_path = cert;
		*key_path = key;
		return 0;
	}

	int ret = 0;
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x = pkey != NULL ? tpw_tls_make_cert(pkey, names) : NULL;
	if (x == NULL) {
		g_set_error(error, TPW_TLS_ERROR, ENOMEM,
			"OpenSSL couldn't make a key and certificate");
		ret = -ENOMEM;
	} else if ((ret = tpw_tls_write(key, 0600, NULL, pkey)) < 0) {
		g_set_error(
			error, TPW_TLS_ERROR, -ret, "can't write %s: %s", key, g_strerror(-ret));
	} else if ((ret = tpw_tls_write(cert, 0644, x, NULL)) < 0) {
		g_set_error(
			error, TPW_TLS_ERROR, -ret, "can't write %s: %s", cert, g_strerror(-ret));
	}
	X509_free(x);
	EVP_PKEY_free(pkey);
	if (ret < 0) {
		g_free(cert);
		g_free(key);
		return ret;
	}
	*generated = TRUE;
	*cert_path = cert;
	*key_path = key;
	return 0;
}
