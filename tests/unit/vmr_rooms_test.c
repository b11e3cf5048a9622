/*
 * vmr_rooms_test.c - the running-rooms registry both plugins share: one room per address while
 * anyone holds it (also under concurrent joins and leaves), released by its last holder, and
 * its participants registered under one id with `joined`/`left` told to the listener.
 * Real MCU rooms (small pictures); no plugin, no network.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "vmr_rooms.h"

static void small_rooms(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 160;
	cfg.height = 90;
	cfg.fps = 5;
	vmr_rooms_set_defaults(&cfg);
}

/* ---- a listener that records what it hears ---- */

typedef struct heard {
	GMutex lock;
	GString *log;
} heard;

static void on_joined(void *opaque, const char *address, uint64_t id, const char *display, int is_sip)
{
	heard *h = opaque;
	g_mutex_lock(&h->lock);
	g_string_append_printf(h->log, "joined %s %" G_GUINT64_FORMAT " %s%s;", address, id, display, is_sip ? " sip" : "");
	g_mutex_unlock(&h->lock);
}

static void on_left(void *opaque, const char *address, uint64_t id)
{
	heard *h = opaque;
	g_mutex_lock(&h->lock);
	g_string_append_printf(h->log, "left %s %" G_GUINT64_FORMAT ";", address, id);
	g_mutex_unlock(&h->lock);
}

static void list_member(void *opaque, uint64_t id, const char *display, int is_sip)
{
	g_string_append_printf(opaque, "%" G_GUINT64_FORMAT " %s%s;", id, display, is_sip ? " sip" : "");
}

static void count_room(void *opaque, const char *address, mcu_room *room)
{
	(void)address;
	(void)room;
	(*(int *)opaque)++;
}

static int running_rooms(void)
{
	int n = 0;
	vmr_rooms_foreach(count_room, &n);
	return n;
}

/* Another holder's release between an acquire and the join must not stop the room: the
 * next acquire of the address gets the same room (one address, one room). */
static void test_release_keeps_held_room(void)
{
	small_rooms();
	mcu_room *a = vmr_rooms_acquire("hold.join", NULL);
	mcu_room *b = vmr_rooms_acquire("hold.join", NULL);
	g_assert_nonnull(a);
	g_assert_true(a == b);
	vmr_rooms_release(b);       /* the other holder leaves before `a` has joined anyone */
	mcu_room *c = vmr_rooms_acquire("hold.join", NULL);
	g_assert_true(c == a);
	vmr_rooms_release(c);
	g_assert_cmpint(running_rooms(), ==, 1);
	vmr_rooms_release(a);       /* the last holder: the room stops */
	g_assert_cmpint(running_rooms(), ==, 0);
	mcu_room *none = vmr_rooms_lookup("hold.join");
	g_assert_null(none);
}

/* Members of every kind, one id each, joined/left told in order, listed in joining order. */
static void test_members_and_events(void)
{
	small_rooms();
	heard h = { .log = g_string_new("") };
	g_mutex_init(&h.lock);
	vmr_rooms_listener l = { .opaque = &h, .joined = on_joined, .left = on_left };
	vmr_rooms_set_listener(&l);

	mcu_room *room = vmr_rooms_acquire("ev.join", "2x2");
	g_assert_nonnull(room);
	g_assert_cmpint(mcu_room_layout(room), ==, MCU_LAYOUT_2X2);
	g_assert_cmpint(vmr_rooms_member_add(room, 11, "Alice", 0), ==, 0);
	g_assert_cmpint(vmr_rooms_member_add(room, 22, "phone", 1), ==, 0);
	g_assert_cmpint(vmr_rooms_member_add(room, 22, "again", 1), ==, -EEXIST);
	GString *list = g_string_new("");
	g_assert_cmpuint(vmr_rooms_members("ev.join", list_member, list), ==, 2);
	g_assert_cmpstr(list->str, ==, "11 Alice;22 phone sip;");
	g_assert_cmpint(vmr_rooms_set_layout("ev.join", "speaker"), ==, 0);
	g_assert_cmpint(mcu_room_layout(room), ==, MCU_LAYOUT_SPEAKER);
	vmr_rooms_member_remove(room, 11);
	vmr_rooms_member_remove(room, 11);   /* twice: told once */
	g_string_truncate(list, 0);
	g_assert_cmpuint(vmr_rooms_members("ev.join", list_member, list), ==, 1);
	g_assert_cmpstr(list->str, ==, "22 phone sip;");
	vmr_rooms_member_remove(room, 22);
	mcu_room *keep = mcu_room_ref(room);
	vmr_rooms_release(room);
	/* A room no longer running takes no members. */
	g_assert_cmpint(vmr_rooms_member_add(keep, 33, "late", 0), ==, -ENOENT);
	mcu_room_unref(keep);
	g_assert_cmpstr(h.log->str, ==,
		"joined ev.join 11 Alice;joined ev.join 22 phone sip;left ev.join 11;left ev.join 22;");
	g_assert_cmpuint(vmr_rooms_members("ev.join", NULL, NULL), ==, 0);

	vmr_rooms_set_listener(NULL);
	g_string_free(list, TRUE);
	g_string_free(h.log, TRUE);
	g_mutex_clear(&h.lock);
}

/* ---- concurrent joins and leaves ---- */

#define THREADS 6
#define ROUNDS 150

static gint split;             /* a joined participant whose room is not the address's room */
static gint joins;

static void io_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	(void)opaque; (void)is_video; (void)pkt; (void)len;
}

static void io_pli(void *opaque)
{
	(void)opaque;
}

static gpointer participant_loop(gpointer data)
{
	vmr_member member = { .id = GPOINTER_TO_UINT(data) };
	mcu_participant_io io = { .opaque = &member, .send_rtp = io_send, .request_keyframe = io_pli };
	for (int i = 0; i < ROUNDS; i++) {
		mcu_room *room = vmr_rooms_acquire("race.join", NULL);
		g_assert_nonnull(room);
		g_usleep(g_random_int_range(0, 300));   /* others leave (and release) meanwhile */
		mcu_participant *p = mcu_room_join(room, &(mcu_participant_opts){ .display = "racer", .audio_pt = 111, .video_pt = 96, .h264_packetization_mode = 1 }, &io);
		g_assert_nonnull(p);
		g_assert_cmpint(vmr_rooms_member_add(room, member.id, "racer", 0), ==, 0);
		mcu_room *now = vmr_rooms_lookup("race.join");
		if (now != room)
			g_atomic_int_inc(&split);
		if (now)
			mcu_room_unref(now);
		g_atomic_int_inc(&joins);
		g_usleep(g_random_int_range(0, 300));
		mcu_room_leave(room, p);
		mcu_participant_unref(p);
		vmr_rooms_member_remove(room, member.id);
		vmr_rooms_release(room);
	}
	return NULL;
}

/* Concurrent acquire/join/leave/release on one address: every participant is always in the
 * address's one running room, and when all have left the room is released with nobody in it. */
static void test_concurrent_joins_and_leaves(void)
{
	small_rooms();
	GThread *t[THREADS];
	for (int i = 0; i < THREADS; i++)
		t[i] = g_thread_new("racer", participant_loop, GUINT_TO_POINTER(100 + i));
	for (int i = 0; i < THREADS; i++)
		g_thread_join(t[i]);
	g_assert_cmpint(g_atomic_int_get(&joins), ==, THREADS * ROUNDS);
	g_assert_cmpint(g_atomic_int_get(&split), ==, 0);
	g_assert_cmpint(running_rooms(), ==, 0);
	g_assert_cmpuint(vmr_rooms_members("race.join", NULL, NULL), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/rooms/another-holders-release-keeps-a-held-room", test_release_keeps_held_room);
	g_test_add_func("/vmr/rooms/members-of-every-kind-one-id-joined-and-left-told", test_members_and_events);
	g_test_add_func("/vmr/rooms/concurrent-joins-and-leaves-one-room-per-address-released", test_concurrent_joins_and_leaves);
	int rc = g_test_run();
	vmr_rooms_clear();
	return rc;
}
