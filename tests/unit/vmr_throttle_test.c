/*
 * vmr_throttle_test.c - a key makes its burst of requests at once, then one per refill
 * interval, and is told when to come back; keys do not affect each other; memory stays
 * bounded under a flood of new keys. Time is passed in, so nothing sleeps.
 */
#include <errno.h>
#include <glib.h>

#include "vmr_throttle.h"

#define S(x) ((int64_t)(x)*G_USEC_PER_SEC)
#define T0   S(1000000)

static void test_burst_then_refill_rate(void)
{
	vmr_throttle *t = vmr_throttle_new(3, 1.0, 100);
	int retry = -1;
	for (int i = 0; i < 3; i++)
		g_assert_cmpint(vmr_throttle_take(t, "ip:a", T0, &retry), ==, 0);
	g_assert_cmpint(vmr_throttle_take(t, "ip:a", T0, &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 1);
	/* Another address has its own bucket. */
	g_assert_cmpint(vmr_throttle_take(t, "ip:b", T0, NULL), ==, 0);
	/* Half a second: not yet a whole token. */
	g_assert_cmpint(vmr_throttle_take(t, "ip:a", T0 + S(1) / 2, &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 1);
	g_assert_cmpint(vmr_throttle_take(t, "ip:a", T0 + S(1), NULL), ==, 0);
	g_assert_cmpint(vmr_throttle_take(t, "ip:a", T0 + S(1), NULL), ==, -EBUSY);
	/* A long pause refills the bucket to its burst, no more. */
	for (int i = 0; i < 3; i++)
		g_assert_cmpint(vmr_throttle_take(t, "ip:a", T0 + S(3600), NULL), ==, 0);
	g_assert_cmpint(vmr_throttle_take(t, "ip:a", T0 + S(3600), NULL), ==, -EBUSY);
	vmr_throttle_free(t);
}

static void test_retry_after_follows_the_rate(void)
{
	vmr_throttle *t = vmr_throttle_new(1, 0.25, 10); /* one every 4 s */
	int retry = -1;
	g_assert_cmpint(vmr_throttle_take(t, "k", T0, &retry), ==, 0);
	g_assert_cmpint(vmr_throttle_take(t, "k", T0, &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 4);
	g_assert_cmpint(vmr_throttle_take(t, "k", T0 + S(3), &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 1);
	g_assert_cmpint(vmr_throttle_take(t, "k", T0 + S(4), &retry), ==, 0);
	vmr_throttle_free(t);
}

static void test_bounded_under_a_flood_of_keys(void)
{
	vmr_throttle *t = vmr_throttle_new(2, 1.0, 50);
	/* A drained key stays drained while there is room for it. */
	vmr_throttle_take(t, "ip:drained", T0, NULL);
	vmr_throttle_take(t, "ip:drained", T0, NULL);
	for (int i = 0; i < 40; i++) {
		char key[32];
		g_snprintf(key, sizeof(key), "ip:10.0.0.%d", i);
		g_assert_cmpint(vmr_throttle_take(t, key, T0, NULL), ==, 0);
	}
	g_assert_cmpint(vmr_throttle_take(t, "ip:drained", T0, NULL), ==, -EBUSY);
	for (int i = 0; i < 10000; i++) {
		char key[32];
		g_snprintf(key, sizeof(key), "ip:flood-%d", i);
		g_assert_cmpint(vmr_throttle_take(t, key, T0 + i, NULL), ==, 0);
		g_assert_cmpuint(vmr_throttle_size(t), <=, 50);
	}
	vmr_throttle_free(t);
}

static void test_bad_arguments(void)
{
	g_assert_null(vmr_throttle_new(0, 1.0, 10));
	g_assert_null(vmr_throttle_new(1, 0, 10));
	g_assert_null(vmr_throttle_new(1, 1.0, 0));
	vmr_throttle *t = vmr_throttle_new(1, 1.0, 10);
	g_assert_cmpint(vmr_throttle_take(t, NULL, T0, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_throttle_take(NULL, "k", T0, NULL), ==, -EINVAL);
	vmr_throttle_free(t);
	vmr_throttle_free(NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/throttle/burst-then-refill-rate", test_burst_then_refill_rate);
	g_test_add_func(
		"/vmr/throttle/retry-after-follows-the-rate", test_retry_after_follows_the_rate);
	g_test_add_func(
		"/vmr/throttle/bounded-under-a-flood-of-keys", test_bounded_under_a_flood_of_keys);
	g_test_add_func("/vmr/throttle/bad-arguments", test_bad_arguments);
	return g_test_run();
}
