/*
 * vmr_ratelimit_test.c - five failures lock a key for 60 s, each failure after that
 * doubles the lock up to the cap, a success forgets the key, keys do not affect each
 * other, and memory stays bounded (quiet keys expire, a hard cap evicts the oldest).
 * Time is passed in, so nothing sleeps.
 */
#include <errno.h>
#include <glib.h>

#include "vmr_ratelimit.h"

#define S(x) ((int64_t)(x)*G_USEC_PER_SEC)
#define T0   S(1000000)

static vmr_ratelimit *new_pin_limiter(void)
{
	/* What the plugin uses for wrong PINs: 5 tries, 60 s, at most 1 hour. */
	return vmr_ratelimit_new(5, S(60), S(3600));
}

static void fail_n(vmr_ratelimit *rl, const char *key, int n, int64_t now)
{
	for (int i = 0; i < n; i++)
		vmr_ratelimit_failure(rl, key, now);
}

static void test_five_failures_lock_for_60s(void)
{
	vmr_ratelimit *rl = new_pin_limiter();
	int retry = -1;
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0, &retry), ==, 0);
	g_assert_cmpint(retry, ==, 0);
	fail_n(rl, "room:1", 4, T0);
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0, &retry), ==, 0);
	vmr_ratelimit_failure(rl, "room:1", T0);
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0, &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 60);
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0 + S(30), &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 30);
	/* Partial seconds round up: never tell a client to retry in 0 s. */
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0 + S(60) - 1, &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 1);
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0 + S(60), &retry), ==, 0);
	g_assert_cmpint(retry, ==, 0);
	/* retry_after_s is optional. */
	vmr_ratelimit_failure(rl, "room:1", T0 + S(61));
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0 + S(61), NULL), ==, -EBUSY);
	vmr_ratelimit_free(rl);
}

static void test_doubling_after_lock_capped(void)
{
	vmr_ratelimit *rl = vmr_ratelimit_new(5, S(60), S(300));
	int retry = 0;
	int64_t now = T0;
	fail_n(rl, "ip:192.0.2.7", 5, now);
	g_assert_cmpint(vmr_ratelimit_check(rl, "ip:192.0.2.7", now, &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 60);
	/* After the lock, every single failure locks again, twice as long, up to 300 s. */
	const int expected[] = { 120, 240, 300, 300 };
	for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
		now += S(retry);
		g_assert_cmpint(vmr_ratelimit_check(rl, "ip:192.0.2.7", now, &retry), ==, 0);
		vmr_ratelimit_failure(rl, "ip:192.0.2.7", now);
		g_assert_cmpint(vmr_ratelimit_check(rl, "ip:192.0.2.7", now, &retry), ==, -EBUSY);
		g_assert_cmpint(retry, ==, expected[i]);
	}
	/* A failure during a lock (a caller that did not check) doubles it as well. */
	vmr_ratelimit *rl2 = new_pin_limiter();
	fail_n(rl2, "k", 6, T0);
	g_assert_cmpint(vmr_ratelimit_check(rl2, "k", T0, &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 120);
	vmr_ratelimit_free(rl2);
	vmr_ratelimit_free(rl);
}

static void test_success_resets(void)
{
	vmr_ratelimit *rl = new_pin_limiter();
	int retry = 0;
	fail_n(rl, "room:1", 4, T0);
	vmr_ratelimit_success(rl, "room:1");
	fail_n(rl, "room:1", 4, T0);
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0, &retry), ==, 0);
	/* After a lock: success forgets the doubling too, five more tries before 60 s again. */
	vmr_ratelimit_failure(rl, "room:1", T0);
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0, &retry), ==, -EBUSY);
	vmr_ratelimit_success(rl, "room:1");
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0, &retry), ==, 0);
	g_assert_cmpuint(vmr_ratelimit_size(rl), ==, 0);
	fail_n(rl, "room:1", 4, T0 + S(1));
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0 + S(1), &retry), ==, 0);
	vmr_ratelimit_failure(rl, "room:1", T0 + S(1));
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0 + S(1), &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 60);
	/* Success on an unknown key is harmless. */
	vmr_ratelimit_success(rl, "never-seen");
	vmr_ratelimit_free(rl);
}

static void test_keys_independent(void)
{
	vmr_ratelimit *rl = new_pin_limiter();
	int retry = 0;
	fail_n(rl, "room:1", 5, T0);
	fail_n(rl, "room:2", 4, T0);
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0, &retry), ==, -EBUSY);
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:2", T0, &retry), ==, 0);
	g_assert_cmpint(vmr_ratelimit_check(rl, "ip:192.0.2.7", T0, &retry), ==, 0);
	vmr_ratelimit_success(rl, "room:2");
	g_assert_cmpint(vmr_ratelimit_check(rl, "room:1", T0, &retry), ==, -EBUSY);
	/* Checking creates nothing. */
	g_assert_cmpuint(vmr_ratelimit_size(rl), ==, 1);
	g_assert_cmpint(vmr_ratelimit_check(rl, NULL, T0, &retry), ==, -EINVAL);
	g_assert_cmpint(vmr_ratelimit_check(NULL, "room:1", T0, &retry), ==, -EINVAL);
	vmr_ratelimit_free(rl);
}

static void test_quiet_keys_expire(void)
{
	vmr_ratelimit *rl = vmr_ratelimit_new(5, S(60), S(600));
	int retry = 0;
	for (int i = 0; i < 1000; i++) {
		char key[32];
		g_snprintf(key, sizeof(key), "ip:10.0.%d.%d", i / 256, i % 256);
		vmr_ratelimit_failure(rl, key, T0);
	}
	fail_n(rl, "locked", 5, T0);
	g_assert_cmpuint(vmr_ratelimit_size(rl), ==, 1001);
	/* Quiet for max_lock: forgotten, and swept on the next call. */
	g_assert_cmpint(vmr_ratelimit_check(rl, "x", T0 + S(600), &retry), ==, 0);
	g_assert_cmpuint(vmr_ratelimit_size(rl), ==, 1);
	/* The locked key is kept until max_lock after its lock ends... */
	g_assert_cmpint(vmr_ratelimit_check(rl, "x", T0 + S(659), &retry), ==, 0);
	g_assert_cmpuint(vmr_ratelimit_size(rl), ==, 1);
	/* ...and then it starts again from zero: 4 failures do not lock. */
	g_assert_cmpint(vmr_ratelimit_check(rl, "x", T0 + S(660), &retry), ==, 0);
	g_assert_cmpuint(vmr_ratelimit_size(rl), ==, 0);
	fail_n(rl, "locked", 4, T0 + S(661));
	g_assert_cmpint(vmr_ratelimit_check(rl, "locked", T0 + S(661), &retry), ==, 0);
	vmr_ratelimit_free(rl);
}

static void test_memory_bounded(void)
{
	vmr_ratelimit *rl = new_pin_limiter();
	vmr_ratelimit_set_max_keys(rl, 100);
	int retry = 0;
	fail_n(rl, "first", 5, T0);
	/* 100000 distinct keys at one instant (no expiry can help): the table stays at 100. */
	for (int i = 0; i < 100000; i++) {
		char key[32];
		g_snprintf(key, sizeof(key), "ip:%d", i);
		vmr_ratelimit_failure(rl, key, T0 + i);
		g_assert_cmpuint(vmr_ratelimit_size(rl), <=, 100);
	}
	g_assert_cmpuint(vmr_ratelimit_size(rl), ==, 100);
	/* The oldest went first; the newest are still counted. */
	g_assert_cmpint(vmr_ratelimit_check(rl, "first", T0 + S(1), &retry), ==, 0);
	fail_n(rl, "ip:99999", 4, T0 + S(1));
	g_assert_cmpint(vmr_ratelimit_check(rl, "ip:99999", T0 + S(1), &retry), ==, -EBUSY);
	/* A key failing again moves to the young end and survives the next evictions. */
	fail_n(rl, "ip:99950", 1, T0 + S(1));
	for (int i = 0; i < 99; i++) {
		char key[32];
		g_snprintf(key, sizeof(key), "new:%d", i);
		vmr_ratelimit_failure(rl, key, T0 + S(1));
	}
	g_assert_cmpint(vmr_ratelimit_check(rl, "ip:99950", T0 + S(1), &retry), ==, 0);
	fail_n(rl, "ip:99950", 3, T0 + S(1));
	g_assert_cmpint(vmr_ratelimit_check(rl, "ip:99950", T0 + S(1), &retry), ==, -EBUSY);
	/* Lowering the cap evicts at once. */
	vmr_ratelimit_set_max_keys(rl, 10);
	g_assert_cmpuint(vmr_ratelimit_size(rl), ==, 10);
	vmr_ratelimit_free(rl);
}

typedef struct hammer {
	vmr_ratelimit *rl;
	int id;
} hammer;

static gpointer hammer_thread(gpointer data)
{
	hammer *h = data;
	int retry = 0;
	for (int i = 0; i < 20000; i++) {
		char key[32];
		g_snprintf(key, sizeof(key), "k%d", (i * 7 + h->id) % 300);
		int64_t now = T0 + (int64_t)i * 1000;
		if (vmr_ratelimit_check(h->rl, key, now, &retry) == 0) {
			if (i % 5 == 0)
				vmr_ratelimit_success(h->rl, key);
			else
				vmr_ratelimit_failure(h->rl, key, now);
		} else {
			g_assert_cmpint(retry, >=, 1);
		}
		vmr_ratelimit_failure(h->rl, "shared", now);
	}
	return NULL;
}

static void test_threads_share_one_limiter(void)
{
	vmr_ratelimit *rl = new_pin_limiter();
	vmr_ratelimit_set_max_keys(rl, 200);
	hammer h[4];
	GThread *t[4];
	for (int i = 0; i < 4; i++) {
		h[i] = (hammer){ rl, i };
		t[i] = g_thread_new("hammer", hammer_thread, &h[i]);
	}
	for (int i = 0; i < 4; i++)
		g_thread_join(t[i]);
	g_assert_cmpuint(vmr_ratelimit_size(rl), <=, 200);
	int retry = 0;
	g_assert_cmpint(vmr_ratelimit_check(rl, "shared", T0 + S(20), &retry), ==, -EBUSY);
	g_assert_cmpint(retry, >, 60);
	vmr_ratelimit_free(rl);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func(
		"/vmr/ratelimit/five-failures-lock-for-60s", test_five_failures_lock_for_60s);
	g_test_add_func(
		"/vmr/ratelimit/doubling-after-lock-capped", test_doubling_after_lock_capped);
	g_test_add_func("/vmr/ratelimit/success-resets", test_success_resets);
	g_test_add_func("/vmr/ratelimit/keys-independent", test_keys_independent);
	g_test_add_func("/vmr/ratelimit/quiet-keys-expire", test_quiet_keys_expire);
	g_test_add_func("/vmr/ratelimit/memory-bounded", test_memory_bounded);
	g_test_add_func("/vmr/ratelimit/threads-share-one-limiter", test_threads_share_one_limiter);
	return g_test_run();
}
