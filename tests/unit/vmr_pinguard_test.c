/*
 * vmr_pinguard_test.c - the shared PIN guard: per source, backoff that waiting does not
 * reset and a right PIN does not clear; per room, 20 wrong PINs in 10 minutes from any
 * sources lock the room (doubling on repeat) and call the lock hook once per lock; and a
 * scripted guessing run by many sources over simulated hours and a day that must not find
 * the PIN. Time is passed in, so nothing sleeps.
 */
#include <errno.h>
#include <stdio.h>
#include <glib.h>

#include "vmr_pinguard.h"

#define S(x) ((int64_t)(x)*G_USEC_PER_SEC)
#define T0   S(1000000)

typedef struct hook_log {
	int calls;
	int last_lock_s;
	unsigned last_failures;
	char room[64];
} hook_log;

static void on_lock(void *opaque, const char *room, int lock_s, unsigned failures)
{
	hook_log *h = opaque;
	h->calls++;
	h->last_lock_s = lock_s;
	h->last_failures = failures;
	g_strlcpy(h->room, room, sizeof(h->room));
}

static void test_source_backoff_survives_waiting(void)
{
	vmr_pinguard *g = vmr_pinguard_new(NULL);
	int retry = 0, room_locked = -1;
	int64_t t = T0;
	/* different rooms: only the per-source limit is in play */
	for (int i = 0; i < 4; i++) {
		g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, NULL, NULL), ==, 0);
		vmr_pinguard_failure(g, i % 2 ? "r1" : "r2", "ip:a", t);
	}
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, NULL, NULL), ==, 0);
	vmr_pinguard_failure(g, NULL, "ip:a", t); /* a missing room counts too */
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, &retry, &room_locked), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 60);
	g_assert_cmpint(room_locked, ==, 0);
	/* another source is free */
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:b", t, NULL, NULL), ==, 0);
	t += S(61);
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, NULL, NULL), ==, 0);
	vmr_pinguard_failure(g, "r3", "ip:a", t);
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, &retry, NULL), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 120);
	/* Waiting 30 minutes (the old SIP limiter forgot after 15) does not reset the backoff. */
	t += S(1800);
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, NULL, NULL), ==, 0);
	vmr_pinguard_failure(g, "r4", "ip:a", t);
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, &retry, NULL), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 240);
	/* A day and more of quiet forgets the source. */
	t += S(25 * 3600);
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, NULL, NULL), ==, 0);
	vmr_pinguard_failure(g, "r5", "ip:a", t);
	g_assert_cmpint(vmr_pinguard_check(g, "r0", "ip:a", t, NULL, NULL), ==, 0);
	vmr_pinguard_free(g);
}

static void test_room_locks_after_20_in_10_min(void)
{
	vmr_pinguard *g = vmr_pinguard_new(NULL);
	hook_log h = { 0 };
	vmr_pinguard_set_lock_hook(g, on_lock, &h);
	int64_t t = T0;
	/* 19 wrong PINs from 19 sources within 10 min: no lock */
	for (int i = 0; i < 19; i++) {
		char src[32];
		g_snprintf(src, sizeof(src), "ip:10.0.0.%d", i);
		g_assert_cmpint(vmr_pinguard_failure(g, "vault", src, t + S(i * 30)), ==, 0);
	}
	g_assert_cmpint(vmr_pinguard_check(g, "vault", "ip:fresh", t + S(570), NULL, NULL), ==, 0);
	/* the 20th within the 10 minutes locks the room for everyone, for 10 minutes */
	g_assert_cmpint(vmr_pinguard_failure(g, "vault", "ip:10.0.1.1", t + S(580)), ==, 1);
	g_assert_cmpint(h.calls, ==, 1);
	g_assert_cmpstr(h.room, ==, "vault");
	g_assert_cmpint(h.last_lock_s, ==, 600);
	g_assert_cmpuint(h.last_failures, ==, 20);
	int retry = 0, room_locked = 0;
	g_assert_cmpint(
		vmr_pinguard_check(g, "vault", "ip:fresh", t + S(580), &retry, &room_locked), ==,
		-EBUSY);
	g_assert_cmpint(room_locked, ==, 1);
	g_assert_cmpint(retry, ==, 600);
	/* other rooms are not affected */
	g_assert_cmpint(vmr_pinguard_check(g, "other", "ip:fresh", t + S(580), NULL, NULL), ==, 0);
	g_assert_cmpint(vmr_pinguard_check(g, "vault", "ip:fresh", t + S(1181), NULL, NULL), ==, 0);
	/* 20 more spread over more than 10 minutes: no lock */
	int64_t u = t + S(1200);
	for (int i = 0; i < 20; i++) {
		char src[32];
		g_snprintf(src, sizeof(src), "ip:10.0.2.%d", i);
		g_assert_cmpint(vmr_pinguard_failure(g, "vault", src, u + S(i * 40)), ==, 0);
	}
	g_assert_cmpint(h.calls, ==, 1);
	vmr_pinguard_free(g);
}

static void test_room_lock_doubles_on_repeat(void)
{
	vmr_pinguard *g = vmr_pinguard_new(NULL);
	hook_log h = { 0 };
	vmr_pinguard_set_lock_hook(g, on_lock, &h);
	int64_t t = T0;
	int expect = 600;
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 20; i++) {
			char src[32];
			g_snprintf(src, sizeof(src), "ip:%d.%d", round, i);
			vmr_pinguard_failure(g, "vault", src, t);
		}
		g_assert_cmpint(h.calls, ==, round + 1);
		g_assert_cmpint(h.last_lock_s, ==, expect);
		t += S(h.last_lock_s);
		expect *= 2;
	}
	/* a day and more after the last lock ended, a new lock starts at 10 minutes again */
	t += S(25 * 3600);
	for (int i = 0; i < 20; i++) {
		char src[32];
		g_snprintf(src, sizeof(src), "ip:late.%d", i);
		vmr_pinguard_failure(g, "vault", src, t);
	}
	g_assert_cmpint(h.last_lock_s, ==, 600);
	vmr_pinguard_free(g);
}

/* Many sources guess a room's PIN, each as fast as the guard lets it (one try per source per
 * simulated second while allowed), trying 0000, 0001, ... in order. Returns the number of
 * wrong PINs the guard let through; *found when the PIN was reached. */
static int guessing_run(vmr_pinguard *g, int sources, int64_t seconds, int pin, int *found)
{
	int next = 0, tries = 0;
	*found = 0;
	for (int64_t s = 0; s < seconds && !*found; s++) {
		int64_t now = T0 + S(s);
		for (int i = 0; i < sources && !*found; i++) {
			char src[32];
			g_snprintf(src, sizeof(src), "ip:192.0.2.%d", i);
			if (vmr_pinguard_check(g, "vault.join", src, now, NULL, NULL) != 0)
				continue;
			if (next == pin) {
				*found = 1;
				break;
			}
			next++;
			tries++;
			vmr_pinguard_failure(g, "vault.join", src, now);
		}
	}
	return tries;
}

static void test_guessing_run_hours(void)
{
	/* 200 sources for 6 hours, then for a whole day, against the PIN 0500 (a guesser needs
	 * 500 wrong tries first: the old SIP limiter allowed that from one address in a day). */
	for (int hours = 6; hours <= 24; hours += 18) {
		vmr_pinguard *g = vmr_pinguard_new(NULL);
		hook_log h = { 0 };
		vmr_pinguard_set_lock_hook(g, on_lock, &h);
		int found = 0;
		int tries = guessing_run(g, 200, (int64_t)hours * 3600, 500, &found);
		printf("# %d sources, %d h: %d wrong PINs let through, %d room locks (the owner "
		       "told each time)\n",
			200, hours, tries, h.calls);
		g_assert_false(found);
		/* 20 per room lock, locks of 10, 20, 40 ... min */
		g_assert_cmpint(tries, <=, 20 * (h.calls + 1));
		g_assert_cmpint(tries, <=, hours == 6 ? 120 : 220);
		g_assert_cmpint(h.calls, >=, hours == 6 ? 5 : 7);
		vmr_pinguard_free(g);
	}
	/* one source alone gets 5 tries, then 1, 2, 4 ... minutes apart: a dozen or so a day */
	vmr_pinguard *g = vmr_pinguard_new(NULL);
	int found = 0;
	int tries = guessing_run(g, 1, 24 * 3600, 500, &found);
	printf("# 1 source, 24 h: %d wrong PINs let through\n", tries);
	g_assert_false(found);
	g_assert_cmpint(tries, <=, 20);
	vmr_pinguard_free(g);
}

static void test_shared_is_one(void)
{
	g_assert_true(vmr_pinguard_shared() == vmr_pinguard_shared());
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/pinguard/source-backoff-survives-waiting",
		test_source_backoff_survives_waiting);
	g_test_add_func(
		"/vmr/pinguard/room-locks-after-20-in-10-min", test_room_locks_after_20_in_10_min);
	g_test_add_func(
		"/vmr/pinguard/room-lock-doubles-on-repeat", test_room_lock_doubles_on_repeat);
	g_test_add_func(
		"/vmr/pinguard/guessing-run-hours-does-not-find-the-pin", test_guessing_run_hours);
	g_test_add_func("/vmr/pinguard/shared-is-one", test_shared_is_one);
	return g_test_run();
}
