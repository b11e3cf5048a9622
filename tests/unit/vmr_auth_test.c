/*
 * vmr_auth_test.c - passwords hash and verify (argon2id, salted), bad input is refused,
 * tokens are random hex of the asked size, SHA-256 matches the FIPS 180 vectors, and the
 * constant-time comparison compares.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "vmr_auth.h"

static void test_hash_verify_round_trip(void)
{
	char *hash = NULL;
	g_assert_cmpint(vmr_password_hash("correct horse battery staple", &hash), ==, 0);
	g_assert_nonnull(hash);
	/* argon2id with the interactive limits: 64 MiB, 2 passes. */
	g_assert_true(g_str_has_prefix(hash, "$argon2id$v=19$m=65536,t=2,p=1$"));
	g_assert_cmpint(vmr_password_verify(hash, "correct horse battery staple"), ==, 0);
	g_assert_cmpint(vmr_password_needs_rehash(hash), ==, 0);
	g_free(hash);

	/* Non-ASCII and the longest accepted password work too. */
	g_assert_cmpint(vmr_password_hash("contraseña ñandú", &hash), ==, 0);
	g_assert_cmpint(vmr_password_verify(hash, "contraseña ñandú"), ==, 0);
	g_free(hash);
	char longest[VMR_PASSWORD_MAX + 1];
	memset(longest, 'x', VMR_PASSWORD_MAX);
	longest[VMR_PASSWORD_MAX] = '\0';
	g_assert_cmpint(vmr_password_hash(longest, &hash), ==, 0);
	g_assert_cmpint(vmr_password_verify(hash, longest), ==, 0);
	g_free(hash);
}

static void test_wrong_password_refused(void)
{
	char *hash = NULL;
	g_assert_cmpint(vmr_password_hash("s3cret", &hash), ==, 0);
	g_assert_cmpint(vmr_password_verify(hash, "s3creT"), ==, -EACCES);
	g_assert_cmpint(vmr_password_verify(hash, "s3cret "), ==, -EACCES);
	g_assert_cmpint(vmr_password_verify(hash, "s3cre"), ==, -EACCES);
	/* A damaged hash never verifies. */
	char *damaged = g_strdup(hash);
	damaged[strlen(damaged) - 3] = damaged[strlen(damaged) - 3] == 'A' ? 'B' : 'A';
	g_assert_cmpint(vmr_password_verify(damaged, "s3cret"), ==, -EACCES);
	g_free(damaged);
	g_free(hash);
}

static void test_two_hashes_of_one_password_differ(void)
{
	char *a = NULL, *b = NULL;
	g_assert_cmpint(vmr_password_hash("same password", &a), ==, 0);
	g_assert_cmpint(vmr_password_hash("same password", &b), ==, 0);
	g_assert_cmpstr(a, !=, b);
	g_assert_cmpint(vmr_password_verify(a, "same password"), ==, 0);
	g_assert_cmpint(vmr_password_verify(b, "same password"), ==, 0);
	g_free(a);
	g_free(b);
}

static void test_bad_input_is_einval(void)
{
	char *hash = (char *)"untouched";
	g_assert_cmpint(vmr_password_hash(NULL, &hash), ==, -EINVAL);
	g_assert_null(hash);
	g_assert_cmpint(vmr_password_hash("", &hash), ==, -EINVAL);
	g_assert_cmpint(vmr_password_hash("x", NULL), ==, -EINVAL);
	char too_long[VMR_PASSWORD_MAX + 2];
	memset(too_long, 'x', VMR_PASSWORD_MAX + 1);
	too_long[VMR_PASSWORD_MAX + 1] = '\0';
	g_assert_cmpint(vmr_password_hash(too_long, &hash), ==, -EINVAL);
	g_assert_null(hash);

	g_assert_cmpint(vmr_password_hash("fine", &hash), ==, 0);
	g_assert_cmpint(vmr_password_verify(hash, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_password_verify(hash, ""), ==, -EINVAL);
	g_assert_cmpint(vmr_password_verify(hash, too_long), ==, -EINVAL);
	g_assert_cmpint(vmr_password_verify(NULL, "fine"), ==, -EINVAL);
	g_assert_cmpint(vmr_password_verify("plaintext-password", "fine"), ==, -EINVAL);
	g_assert_cmpint(
		vmr_password_verify("$2y$10$bcrypthashbcrypthashbcrypthashbcrypthashbcry", "fine"),
		==, -EINVAL);
	g_assert_cmpint(vmr_password_needs_rehash("plaintext"), ==, -EINVAL);
	/* An unterminated-looking hash longer than any argon2 string is refused unread. */
	char *huge = g_strnfill(4096, 'a');
	memcpy(huge, "$argon2id$", 10);
	g_assert_cmpint(vmr_password_verify(huge, "fine"), ==, -EINVAL);
	g_free(huge);
	g_free(hash);
}

static gboolean is_lower_hex(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isxdigit(*s) || g_ascii_isupper(*s))
			return FALSE;
	return TRUE;
}

static void test_tokens_are_2n_hex_and_differ(void)
{
	const size_t sizes[] = { 1, 5, 16, 32, 64 };
	for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
		char *a = vmr_random_hex(sizes[i]), *b = vmr_random_hex(sizes[i]);
		g_assert_cmpuint(strlen(a), ==, 2 * sizes[i]);
		g_assert_cmpuint(strlen(b), ==, 2 * sizes[i]);
		g_assert_true(is_lower_hex(a));
		g_assert_true(is_lower_hex(b));
		/* 1 byte collides one time in 256: only compare sizes that cannot. */
		if (sizes[i] >= 5)
			g_assert_cmpstr(a, !=, b);
		g_free(a);
		g_free(b);
	}
	char *empty = vmr_random_hex(0);
	g_assert_cmpstr(empty, ==, "");
	g_free(empty);
	g_assert_null(vmr_random_hex(G_MAXSIZE));

	/* 1000 16-byte tokens, all distinct. */
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int i = 0; i < 1000; i++)
		g_assert_true(g_hash_table_add(seen, vmr_random_hex(16)));
	g_hash_table_destroy(seen);
}

static void test_sha256_known_vectors(void)
{
	char *h = vmr_sha256_hex("");
	g_assert_cmpstr(h, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	g_free(h);
	h = vmr_sha256_hex("abc");
	g_assert_cmpstr(h, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	g_free(h);
	g_assert_null(vmr_sha256_hex(NULL));
}

static void test_secure_streq(void)
{
	g_assert_cmpint(vmr_secure_streq("CFb0RBMX07", "CFb0RBMX07"), ==, 1);
	g_assert_cmpint(vmr_secure_streq("CFb0RBMX07", "CFb0RBMX08"), ==, 0);
	g_assert_cmpint(vmr_secure_streq("CFb0RBMX07", "CFb0RBMX0"), ==, 0);
	g_assert_cmpint(vmr_secure_streq("", ""), ==, 1);
	g_assert_cmpint(vmr_secure_streq("", "a"), ==, 0);
	g_assert_cmpint(vmr_secure_streq(NULL, "a"), ==, 0);
	g_assert_cmpint(vmr_secure_streq("a", NULL), ==, 0);
	g_assert_cmpint(vmr_secure_streq(NULL, NULL), ==, 0);
}

static gpointer tokens_thread(gpointer data)
{
	GHashTable *mine = data;
	for (int i = 0; i < 500; i++)
		g_hash_table_add(mine, vmr_random_hex(16));
	return NULL;
}

static void test_tokens_from_threads_are_distinct(void)
{
	GHashTable *sets[4];
	GThread *threads[4];
	for (int i = 0; i < 4; i++) {
		sets[i] = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		threads[i] = g_thread_new("tokens", tokens_thread, sets[i]);
	}
	GHashTable *all = g_hash_table_new(g_str_hash, g_str_equal);
	for (int i = 0; i < 4; i++) {
		g_thread_join(threads[i]);
		GHashTableIter it;
		gpointer key;
		g_hash_table_iter_init(&it, sets[i]);
		while (g_hash_table_iter_next(&it, &key, NULL))
			g_assert_true(g_hash_table_add(all, key));
	}
	g_assert_cmpuint(g_hash_table_size(all), ==, 2000);
	g_hash_table_destroy(all);
	for (int i = 0; i < 4; i++)
		g_hash_table_destroy(sets[i]);
}

/* Keypad codes: the asked number of decimal digits, each digit about as frequent as any
 * other (20000 digits: each count within 2000 +- 8 sigma), and two codes differ. */
static void test_random_digits(void)
{
	char *empty = vmr_random_digits(0);
	g_assert_cmpstr(empty, ==, "");
	g_free(empty);
	g_assert_null(vmr_random_digits(65));
	unsigned count[10] = { 0 };
	char *prev = NULL;
	for (int i = 0; i < 2000; i++) {
		char *d = vmr_random_digits(10);
		g_assert_cmpuint(strlen(d), ==, 10);
		for (int k = 0; k < 10; k++) {
			g_assert_true(d[k] >= '0' && d[k] <= '9');
			count[d[k] - '0']++;
		}
		if (prev)
			g_assert_cmpstr(prev, !=, d);
		g_free(prev);
		prev = d;
	}
	g_free(prev);
	for (int k = 0; k < 10; k++)
		g_assert_cmpuint(count[k] > 1660 && count[k] < 2340, ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(vmr_auth_init(), ==, 0);
	g_assert_cmpint(vmr_auth_init(), ==, 0);
	g_test_add_func("/vmr/auth/hash-verify-round-trip", test_hash_verify_round_trip);
	g_test_add_func("/vmr/auth/wrong-password-refused", test_wrong_password_refused);
	g_test_add_func("/vmr/auth/two-hashes-of-one-password-differ",
		test_two_hashes_of_one_password_differ);
	g_test_add_func("/vmr/auth/bad-input-is-einval", test_bad_input_is_einval);
	g_test_add_func(
		"/vmr/auth/tokens-are-2n-hex-and-differ", test_tokens_are_2n_hex_and_differ);
	g_test_add_func("/vmr/auth/tokens-from-threads-are-distinct",
		test_tokens_from_threads_are_distinct);
	g_test_add_func("/vmr/auth/random-digits-are-digits-and-uniform", test_random_digits);
	g_test_add_func("/vmr/auth/sha256-known-vectors", test_sha256_known_vectors);
	g_test_add_func("/vmr/auth/secure-streq", test_secure_streq);
	return g_test_run();
}
