/*
 * mcu_phase_test.c - the rooms' tick phases (mcu_phase.h): a new room takes the middle of
 * the widest gap (also the gap that wraps round the end of the period), six rooms started
 * together end up a sixth of the period apart or more, a room that stops gives its phase
 * back and the next room fills that gap; a phase falls at the same point of every period.
 */
#include <glib.h>

#include "mcu_phase.h"

#define STEPS 65536

/* Distance between two phases on the circle of one period. */
static int circ_dist(uint16_t a, uint16_t b)
{
	int d = abs((int)a - (int)b);
	return d < STEPS - d ? d : STEPS - d;
}

static void test_pick_middle_of_widest_gap(void)
{
	g_assert_cmpuint(mcu_phase_pick(NULL, 0), ==, 0);
	uint16_t one[] = { 0 };
	g_assert_cmpuint(mcu_phase_pick(one, 1), ==, 32768);
	uint16_t two[] = { 40000, 0 }; /* any order */
	g_assert_cmpuint(mcu_phase_pick(two, 2), ==, 20000);
	/* The widest gap wraps round: from 40000 to 1000 of the next period. */
	uint16_t wrap[] = { 1000, 20000, 40000 };
	g_assert_cmpuint(mcu_phase_pick(wrap, 3), ==, (40000 + (STEPS - 40000 + 1000) / 2) % STEPS);
	/* Repeats are allowed (two rooms on one phase): the gap between them is empty. */
	uint16_t rep[] = { 100, 100, 30000 };
	g_assert_cmpuint(mcu_phase_pick(rep, 3), ==, 30000 + (STEPS - 30000 + 100) / 2);
}

static void test_six_rooms_spread_and_gaps_refilled(void)
{
	uint16_t ph[6];
	for (int i = 0; i < 6; i++)
		ph[i] = mcu_phase_acquire(MCU_PHASE_VIDEO);
	for (int i = 0; i < 6; i++)
		for (int j = i + 1; j < 6; j++)
			g_assert_cmpint(circ_dist(ph[i], ph[j]), >=, STEPS / 8);
	/* The audio table is its own: its first room starts at 0 again. */
	uint16_t a = mcu_phase_acquire(MCU_PHASE_AUDIO);
	g_assert_cmpuint(a, ==, 0);
	mcu_phase_release(MCU_PHASE_AUDIO, a);
	/* A room stops; the next one takes its place (the widest gap is the one it left). */
	uint16_t freed = ph[2];
	mcu_phase_release(MCU_PHASE_VIDEO, freed);
	uint16_t again = mcu_phase_acquire(MCU_PHASE_VIDEO);
	int nearest = STEPS;
	for (int i = 0; i < 6; i++)
		if (i != 2)
			nearest = MIN(nearest, circ_dist(again, ph[i]));
	g_assert_cmpint(nearest, >=, STEPS / 8);
	ph[2] = again;
	for (int i = 0; i < 6; i++)
		mcu_phase_release(MCU_PHASE_VIDEO, ph[i]);
	/* All given back: the table starts over. */
	uint16_t first = mcu_phase_acquire(MCU_PHASE_VIDEO);
	g_assert_cmpuint(first, ==, 0);
	mcu_phase_release(MCU_PHASE_VIDEO, first);
}

static void test_next_tick_falls_on_the_phase(void)
{
	const int64_t period = 33333;
	for (int64_t now = 1000000; now < 1000000 + 3 * period; now += 777) {
		int64_t t = mcu_phase_next_tick(now, period, 32768);
		g_assert_cmpint(t, >=, now);
		g_assert_cmpint(t - now, <, period);
		g_assert_cmpint(t % period, ==, 32768 * period / STEPS);
	}
	/* Two rooms on opposite phases tick half a period apart, whenever they started. */
	int64_t a = mcu_phase_next_tick(5000123, period, 0);
	int64_t b = mcu_phase_next_tick(5000456, period, 32768);
	g_assert_cmpint((b - a + period) % period, ==, 32768 * period / STEPS);
	/* Now exactly on the phase: that tick, not the next one. */
	g_assert_cmpint(mcu_phase_next_tick(10 * period, period, 0), ==, 10 * period);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/phase/pick-middle-of-widest-gap", test_pick_middle_of_widest_gap);
	g_test_add_func("/mcu/phase/six-rooms-spread-and-gaps-refilled",
		test_six_rooms_spread_and_gaps_refilled);
	g_test_add_func(
		"/mcu/phase/next-tick-falls-on-the-phase", test_next_tick_falls_on_the_phase);
	return g_test_run();
}
