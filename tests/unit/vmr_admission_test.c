/*
 * vmr_admission_test.c - admission control (vmr_admission.h): the decision against a load
 * budget (a newcomer to a running room costs its share of the room, a new room the mean
 * room; an idle node takes its first room), the participant budget, and the check on real
 * running rooms of the registry (their participants counted, their CPU load measured).
 */
#include <glib.h>
#include <errno.h>

#include "vmr_admission.h"
#include "vmr_rooms.h"

static void test_load_budget_refuses_the_room_that_would_pass_it(void)
{
	vmr_admission_budget b = { .max_load = 1.0, .retry_after_s = 30 };
	vmr_node_load idle = { 0 };
	g_assert_cmpint(vmr_admission_decide(&b, &idle), ==, 0); /* first room: nothing measured */
	/* Two rooms of 0.3 cores: a third (0.3 expected) fits, 0.9 <= 1.0. */
	vmr_node_load two = { .load = 0.6, .rooms = 2, .participants = 8 };
	g_assert_cmpint(vmr_admission_decide(&b, &two), ==, 0);
	/* Three rooms of 0.3: a fourth would make 1.2 cores. */
	vmr_node_load three = { .load = 0.9, .rooms = 3, .participants = 12 };
	g_assert_cmpint(vmr_admission_decide(&b, &three), ==, -EBUSY);
	/* But a fifth participant of one of them costs 0.3 / 4 = 0.075: it fits. */
	three.room_running = true;
	three.room_load = 0.3;
	three.room_participants = 4;
	g_assert_cmpint(vmr_admission_decide(&b, &three), ==, 0);
	/* A node already past its budget takes nobody. */
	vmr_node_load over = { .load = 1.1,
		.rooms = 3,
		.participants = 12,
		.room_running = true,
		.room_load = 0.4,
		.room_participants = 4 };
	g_assert_cmpint(vmr_admission_decide(&b, &over), ==, -EBUSY);
	/* No budget: everything is admitted. */
	vmr_admission_budget none = { 0 };
	g_assert_cmpint(vmr_admission_decide(&none, &over), ==, 0);
}

static void test_participant_budget_counts_every_room(void)
{
	vmr_admission_budget b = { .max_participants = 10, .retry_after_s = 30 };
	vmr_node_load l = { .load = 0.1, .rooms = 3, .participants = 9 };
	g_assert_cmpint(vmr_admission_decide(&b, &l), ==, 0);
	l.participants = 10;
	g_assert_cmpint(vmr_admission_decide(&b, &l), ==, -EBUSY);
}

static mcu_participant *join(mcu_room *room)
{
	mcu_participant_opts opts;
	mcu_participant_opts_defaults(&opts);
	opts.video_codec = MCU_VIDEO_NONE;
	mcu_participant_io io = { 0 };
	mcu_participant *p = mcu_room_join(room, &opts, &io);
	g_assert_nonnull(p);
	return p;
}

static void test_check_measures_the_running_rooms(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 160;
	cfg.height = 90;
	vmr_rooms_set_defaults(&cfg);
	int retry = 0;
	vmr_admission_set_budget(
		&(vmr_admission_budget){ .max_participants = 2, .retry_after_s = 7 });
	g_assert_cmpint(vmr_admission_check("room-a", &retry), ==, 0);
	mcu_room *a = vmr_rooms_acquire("room-a", NULL);
	mcu_participant *p1 = join(a), *p2 = join(a);
	g_assert_cmpint(vmr_admission_check("room-b", &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 7);
	g_assert_cmpint(vmr_admission_check("room-a", NULL), ==, -EBUSY);
	/* The load of a running room is measured: the mixer ticks cost CPU time. */
	vmr_admission_set_budget(&(vmr_admission_budget){ .max_load = 1e-9 });
	g_usleep(300000);
	vmr_node_load l;
	vmr_admission_measure("room-a", &l);
	g_assert_cmpuint(l.rooms, ==, 1);
	g_assert_cmpuint(l.participants, ==, 2);
	g_assert_true(l.room_running);
	g_assert_cmpfloat(l.load, >, 0);
	g_assert_cmpfloat(l.load, <, 2.5);
	g_assert_cmpint(vmr_admission_check("room-b", &retry), ==, -EBUSY);
	g_assert_cmpint(retry, ==, 30);
	vmr_admission_set_budget(NULL);
	g_assert_cmpint(vmr_admission_check("room-b", NULL), ==, 0);
	mcu_room_leave(a, p1);
	mcu_room_leave(a, p2);
	mcu_participant_unref(p1);
	mcu_participant_unref(p2);
	vmr_rooms_release(a);
	vmr_admission_set_budget(&(vmr_admission_budget){ .max_load = 1e-9 });
	g_assert_cmpint(vmr_admission_check("room-b", NULL), ==, 0); /* idle again */
	vmr_admission_set_budget(NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/admission/load-budget-refuses-the-room-that-would-pass-it",
		test_load_budget_refuses_the_room_that_would_pass_it);
	g_test_add_func("/vmr/admission/participant-budget-counts-every-room",
		test_participant_budget_counts_every_room);
	g_test_add_func("/vmr/admission/check-measures-the-running-rooms",
		test_check_measures_the_running_rooms);
	return g_test_run();
}
