/*
 * vmr_auth.c - passwords, tokens and secrets over libsodium (see vmr_auth.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <sodium.h>

#include "vmr_auth.h"

/* sodium_init() is itself thread-safe and idempotent; the g_once only saves the call. */
static int auth_ensure_init(void)
{
	static gsize done = 0;
	static int result = 0;
	if (g_once_init_enter(&done)) {
		result = sodium_init() < 0 ? -EIO : 0;
		g_once_init_leave(&done, 1);
	}
	return result;
}

int vmr_auth_init(void)
{
	return auth_ensure_init();
}

/* NULL, empty and over-long passwords are refused before any work is done. */
static int password_check(const char *password, size_t *len)
{
	if (password == NULL)
		return -EINVAL;
	size_t n = strnlen(password, VMR_PASSWORD_MAX + 1);
	if (n == 0 || n > VMR_PASSWORD_MAX)
		return -EINVAL;
	*len = n;
	return 0;
}

/* An argon2 string fits in crypto_pwhash_STRBYTES with its NUL; libsodium reads it as a
 * C string, so anything longer or of another algorithm is refused here as bad input. */
static int hash_check(const char *hash)
{
	if (hash == NULL)
		return -EINVAL;
	if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return -EINVAL;
	if (strncmp(hash, "$argon2id$", 10) != 0 && strncmp(hash, "$argon2i$", 9) != 0)
		return -EINVAL;
	return 0;
}

int vmr_password_hash(const char *password, char **hash_out)
{
	size_t len = 0;
	if (hash_out == NULL)
		return -EINVAL;
	*hash_out = NULL;
	int rc = password_check(password, &len);
	if (rc < 0)
		return rc;
	if (auth_ensure_init() < 0)
		return -EIO;
	char out[crypto_pwhash_STRBYTES];
	/* crypto_pwhash_str_alg fails only when it cannot allocate its memlimit. */
	if (crypto_pwhash_str_alg(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13)
		!= 0)
		return -ENOMEM;
	*hash_out = g_strdup(out);
	return 0;
}

int vmr_password_verify(const char *hash, const char *password)
{
	size_t len = 0;
	int rc = password_check(password, &len);
	if (rc < 0)
		return rc;
	rc = hash_check(hash);
	if (rc < 0)
		return rc;
	if (auth_ensure_init() < 0)
		return -EIO;
	return crypto_pwhash_str_verify(hash, password, len) == 0 ? 0 : -EACCES;
}

int vmr_password_needs_rehash(const char *hash)
{
	int rc = hash_check(hash);
	if (rc < 0)
		return rc;
	if (auth_ensure_init() < 0)
		return -EIO;
	rc = crypto_pwhash_str_needs_rehash(
		hash, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	/* -1: the string is not a hash made by this algorithm family. */
	return rc < 0 ? -EINVAL : (rc ? 1 : 0);
}

char *vmr_random_hex(size_t bytes)
{
	if (bytes > (SIZE_MAX - 1) / 2)
		return NULL;
	if (auth_ensure_init() < 0)
		return NULL;
	if (bytes == 0)
		return g_strdup("");
	unsigned char *raw = g_malloc(bytes);
	char *hex = g_malloc(bytes * 2 + 1);
	randombytes_buf(raw, bytes);
	sodium_bin2hex(hex, bytes * 2 + 1, raw, bytes);
	sodium_memzero(raw, bytes);
	g_free(raw);
	return hex;
}

char *vmr_random_digits(size_t digits)
{
	if (digits > 64 || auth_ensure_init() < 0)
		return NULL;
	char *s = g_malloc(digits + 1);
	for (size_t i = 0; i < digits; i++)
		s[i] = (char)('0' + randombytes_uniform(10)); /* no modulo bias */
	s[digits] = '\0';
	return s;
}

char *vmr_sha256_hex(const char *text)
{
	if (text == NULL)
		return NULL;
	if (auth_ensure_init() < 0)
		return NULL;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	return g_strdup(hex);
}

int vmr_secure_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return 0;
	size_t la = strlen(a), lb = strlen(b);
	/* Only the lengths leak: tokens have a fixed, public length anyway. */
	if (la != lb)
		return 0;
	if (la == 0)
		return 1;
	return sodium_memcmp(a, b, la) == 0 ? 1 : 0;
}
