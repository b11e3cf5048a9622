/*
 * vmr_auth.h - passwords, tokens and secrets for VMR accounts and invitations.
 *
 * Thin wrappers over libsodium, so the rest of the code never picks an algorithm or a
 * parameter by itself: passwords are stored as argon2id strings (crypto_pwhash_str with
 * the "interactive" limits: ~64 MiB and a fraction of a second per hash), tokens come from
 * the kernel CSPRNG (randombytes_buf), and secrets are compared in constant time.
 *
 * Threads: any thread. Call vmr_auth_init() once at start-up (it calls sodium_init());
 * every function also initialises lazily, so a forgotten init is not a security bug.
 *
 * Ownership: every returned string is new and freed by the caller with g_free.
 * Passwords are never kept: the library wipes its own copies.
 */
#ifndef TPAAS_VMR_AUTH_H
#define TPAAS_VMR_AUTH_H

#include <stddef.h>

/* Longest password accepted, in bytes (a bound on the work a request can ask for). */
#define VMR_PASSWORD_MAX 1024

/* 0, or -EIO when libsodium cannot initialise (no entropy source). Idempotent. */
int vmr_auth_init(void);

/* Hashes a password into a self-describing argon2id string ("$argon2id$v=19$m=...").
 * 0 and *hash_out (g_free), -EINVAL for NULL/empty/over VMR_PASSWORD_MAX bytes,
 * -ENOMEM when the memory-hard hash cannot get its memory, -EIO when sodium cannot start. */
int vmr_password_hash(const char *password, char **hash_out);

/* 0 when password matches hash, -EACCES when it does not (or the hash is damaged),
 * -EINVAL for bad input (NULL, empty or too long password, NULL or non-argon2 hash). */
int vmr_password_verify(const char *hash, const char *password);

/* 1 when hash was made with other parameters than vmr_password_hash uses today (rehash it
 * at the next successful login), 0 when current, -EINVAL when it is not a valid hash. */
int vmr_password_needs_rehash(const char *hash);

/* Lower-case hex of `bytes` random bytes (2 * bytes characters); "" for 0.
 * NULL only when the size overflows or sodium cannot start. g_free. */
char *vmr_random_hex(size_t bytes);

/* `digits` random decimal digits (each uniform, from the same CSPRNG), e.g. an invitation's
 * keypad code; "" for 0. NULL only when digits is over 64 or sodium cannot start. g_free. */
char *vmr_random_digits(size_t digits);

/* Lower-case hex SHA-256 of the bytes of text (64 characters). NULL for NULL. g_free.
 * For storing tokens (invitation secrets) so a leaked database does not leak them. */
char *vmr_sha256_hex(const char *text);

/* 1 when a and b are the same string, 0 otherwise (and when either is NULL).
 * Time depends only on the lengths, never on where the strings differ. */
int vmr_secure_streq(const char *a, const char *b);

#endif
