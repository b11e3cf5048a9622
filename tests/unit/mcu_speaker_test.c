/*
 * mcu_speaker_test.c - voice activity and active-speaker selection driven with made-up
 * timestamps (no clock, no threads): the speaker changes after the 1 s hysteresis and not
 * before, short interjections and fast turn-taking do not move it, a speaker who leaves is
 * dropped; talking events need 200 ms of voice and end after the hangover; RFC 6464 levels
 * computed from samples.
 */
#include <glib.h>
#include <math.h>

#include "mcu_speaker.h"

#define LOUD     20 /* -20 dBov */
#define QUIET    90
#define FRAME_US 20000

typedef struct sim {
	mcu_talk talk[4];
	mcu_speaker_sel sel;
	int64_t now;
	int changes;
} sim;

/* Runs ms of 20 ms frames with the given levels of participants 1..4 (ids). */
static void run(sim *s, int ms, const int levels[4])
{
	for (int t = 0; t < ms; t += 20) {
		mcu_speaker_cand c[4];
		for (int i = 0; i < 4; i++) {
			mcu_talk_update(&s->talk[i], s->now, levels[i]);
			c[i] = (mcu_speaker_cand){ .id = (uint32_t)i + 1,
				.active = s->talk[i].active,
				.energy = s->talk[i].energy };
		}
		if (mcu_speaker_sel_update(&s->sel, s->now, c, 4))
			s->changes++;
		s->now += FRAME_US;
	}
}

static void test_speaker_changes_after_hysteresis_not_before(void)
{
	sim s = { .now = 1000000 };
	mcu_speaker_sel_init(&s.sel);
	const int a_talks[4] = { LOUD, QUIET, QUIET, QUIET };
	const int b_talks[4] = { QUIET, LOUD, QUIET, QUIET };
	run(&s, 960, a_talks);
	g_assert_cmpuint(s.sel.speaker, ==, 0); /* 0.96 s: not yet */
	run(&s, 60, a_talks);
	g_assert_cmpuint(s.sel.speaker, ==, 1); /* >= 1 s: A */
	/* B speaks up while A is silent: A stays for just under a second. */
	run(&s, 600, b_talks); /* A's hangover ends at 0.5 s */
	g_assert_cmpuint(s.sel.speaker, ==, 1);
	run(&s, 1000, b_talks);
	g_assert_cmpuint(s.sel.speaker, ==, 2);
	g_assert_cmpint(s.changes, ==, 2);
}

static void test_speaker_no_flapping(void)
{
	sim s = { .now = 0 };
	mcu_speaker_sel_init(&s.sel);
	const int a_talks[4] = { LOUD, QUIET, QUIET, QUIET };
	const int c_short[4] = { QUIET, QUIET, LOUD - 10, QUIET }; /* louder than A */
	run(&s, 1500, a_talks);
	g_assert_cmpuint(s.sel.speaker, ==, 1);
	int changes = s.changes;
	/* Short interjections (0.4 s) by a louder C, ten times: the pane does not move. */
	for (int i = 0; i < 10; i++) {
		run(&s, 400, c_short);
		run(&s, 600, a_talks);
	}
	g_assert_cmpuint(s.sel.speaker, ==, 1);
	g_assert_cmpint(s.changes, ==, changes);
	/* A and B both talking, B a little louder, 0.5 s turns: still A. */
	const int ab[4] = { LOUD, LOUD - 3, QUIET, QUIET };
	const int ba[4] = { LOUD - 3, LOUD, QUIET, QUIET };
	for (int i = 0; i < 6; i++) {
		run(&s, 500, ab);
		run(&s, 500, ba);
	}
	g_assert_cmpint(s.changes, ==, changes);
}

static void test_speaker_leaving_is_dropped(void)
{
	mcu_speaker_sel sel;
	mcu_speaker_sel_init(&sel);
	mcu_speaker_cand c[2] = { { 1, true, 0.1 }, { 2, false, 0 } };
	int64_t t = 0;
	for (; t <= 1000000; t += FRAME_US)
		mcu_speaker_sel_update(&sel, t, c, 2);
	g_assert_cmpuint(sel.speaker, ==, 1);
	/* 1 left: only 2 (silent) is present. */
	g_assert_true(mcu_speaker_sel_update(&sel, t, &c[1], 1));
	g_assert_cmpuint(sel.speaker, ==, 0);
	g_assert_false(mcu_speaker_sel_update(&sel, t + FRAME_US, &c[1], 1));
}

static void test_talking_events_need_200ms_and_end_after_hangover(void)
{
	mcu_talk t = { 0 };
	int64_t now = 0;
	int changes = 0;
	/* A 100 ms click: in the mix at once, but no talking event. */
	for (int i = 0; i < 5; i++, now += FRAME_US)
		changes += mcu_talk_update(&t, now, LOUD);
	g_assert_true(t.active);
	g_assert_false(t.talking);
	for (int i = 0; i < 40; i++, now += FRAME_US)
		changes += mcu_talk_update(&t, now, QUIET);
	g_assert_false(t.active);
	g_assert_cmpint(changes, ==, 0);
	/* Real speech: talking after 200 ms, still talking during a 300 ms pause, done after
	 * the 500 ms hangover. */
	int64_t start = now;
	while (!t.talking) {
		changes += mcu_talk_update(&t, now, LOUD);
		now += FRAME_US;
	}
	g_assert_cmpint(now - FRAME_US - start, >=, MCU_TALK_MIN_US);
	g_assert_cmpint(now - FRAME_US - start, <, MCU_TALK_MIN_US + 2 * FRAME_US);
	for (int i = 0; i < 15; i++, now += FRAME_US)
		changes += mcu_talk_update(&t, now, QUIET);
	g_assert_true(t.talking);
	for (int i = 0; i < 15; i++, now += FRAME_US)
		changes += mcu_talk_update(&t, now, QUIET);
	g_assert_false(t.talking);
	g_assert_cmpint(changes, ==, 2);
}

static void test_level_from_samples(void)
{
	int16_t pcm[960];
	for (int i = 0; i < 960; i++)
		pcm[i] = (int16_t)(3277 * sqrt(2)
			* sin(2 * G_PI * 1000 * i / 48000.0)); /* RMS -20 dBov */
	g_assert_cmpint(ABS(mcu_talk_level_dbov(pcm, 960) - 20), <=, 1);
	for (int i = 0; i < 960; i++)
		pcm[i] = 0;
	g_assert_cmpint(mcu_talk_level_dbov(pcm, 960), ==, 127);
	g_assert_cmpint(mcu_talk_level_dbov(NULL, 0), ==, 127);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/speaker/changes-after-hysteresis-not-before",
		test_speaker_changes_after_hysteresis_not_before);
	g_test_add_func("/mcu/speaker/no-flapping", test_speaker_no_flapping);
	g_test_add_func("/mcu/speaker/leaving-speaker-dropped", test_speaker_leaving_is_dropped);
	g_test_add_func("/mcu/talk/events-need-200ms-end-after-hangover",
		test_talking_events_need_200ms_and_end_after_hangover);
	g_test_add_func("/mcu/talk/level-from-samples", test_level_from_samples);
	return g_test_run();
}
