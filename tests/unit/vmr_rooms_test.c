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
#include "mcu_content.h"

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

static void on_joined(
	void *opaque, const char *address, uint64_t id, const char *display, int is_sip)
{
	heard *h = opaque;
	g_mutex_lock(&h->lock);
	g_string_append_printf(h->log, "joined %s %" G_GUINT64_FORMAT " %s%s;", address, id,
		display, is_sip ? " sip" : "");
	g_mutex_unlock(&h->lock);
}

static void on_left(void *opaque, const char *address, uint64_t id)
{
	heard *h = opaque;
	g_mutex_lock(&h->lock);
	g_string_append_printf(h->log, "left %s %" G_GUINT64_FORMAT ";", address, id);
	g_mutex_unlock(&h->lock);
}

static void on_guest_joined(void *opaque, const char *address, uint64_t id, const char *display,
	int is_sip, int64_t invitation_id)
{
	heard *h = opaque;
	g_mutex_lock(&h->lock);
	g_string_append_printf(h->log,
		"guest %s %" G_GUINT64_FORMAT " %s%s inv %" G_GINT64_FORMAT ";", address, id,
		display, is_sip ? " sip" : "", invitation_id);
	g_mutex_unlock(&h->lock);
}

static void list_member(void *opaque, uint64_t id, const char *display, int is_sip)
{
	g_string_append_printf(
		opaque, "%" G_GUINT64_FORMAT " %s%s;", id, display, is_sip ? " sip" : "");
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
/* Guests of every kind are told as guests right after `joined`; the owner (page or device) is not. */
static void test_guest_joined_for_every_kind_but_the_owner(void)
{
	small_rooms();
	heard h = { .log = g_string_new("") };
	g_mutex_init(&h.lock);
	vmr_rooms_listener l = {
		.opaque = &h, .joined = on_joined, .guest_joined = on_guest_joined
	};
	vmr_rooms_set_listener(&l);
	mcu_room *room = vmr_rooms_acquire("guests.join", NULL);
	g_assert_nonnull(room);
	vmr_member_role owner_page = { .is_owner = 1 },
			owner_phone = { .is_sip = 1, .is_owner = 1 };
	vmr_member_role invited = { .invitation_id = 7 }, caller = { .is_sip = 1 };
	g_assert_cmpint(vmr_rooms_member_add_as(room, 1, "Owner", &owner_page), ==, 0);
	g_assert_cmpint(vmr_rooms_member_add_as(room, 2, "desk phone", &owner_phone), ==, 0);
	g_assert_cmpint(vmr_rooms_member_add_as(room, 3, "Maria", &invited), ==, 0);
	g_assert_cmpint(vmr_rooms_member_add_as(room, 4, "caller", &caller), ==, 0);
	g_assert_cmpint(
		vmr_rooms_member_add(room, 5, "rtp", 1), ==, 0); /* no role given: a guest */
	g_assert_cmpint(vmr_rooms_member_add_as(room, 3, "again", &invited), ==, -EEXIST);
	g_assert_cmpstr(h.log->str, ==,
		"joined guests.join 1 Owner;joined guests.join 2 desk phone sip;"
		"joined guests.join 3 Maria;guest guests.join 3 Maria inv 7;"
		"joined guests.join 4 caller sip;guest guests.join 4 caller sip inv 0;"
		"joined guests.join 5 rtp sip;guest guests.join 5 rtp sip inv 0;");
	for (uint64_t id = 1; id <= 5; id++)
		vmr_rooms_member_remove(room, id);
	vmr_rooms_release(room);
	vmr_rooms_set_listener(NULL);
	g_string_free(h.log, TRUE);
	g_mutex_clear(&h.lock);
}

/* A renamed running room goes on under its new address with everyone in it; the old address
 * finds nothing, and a room already running under the new address is not overwritten. */
static void test_rename_keeps_one_room(void)
{
	small_rooms();
	heard h = { .log = g_string_new("") };
	g_mutex_init(&h.lock);
	vmr_rooms_listener l = { .opaque = &h, .joined = on_joined, .left = on_left };
	vmr_rooms_set_listener(&l);
	mcu_room *room = vmr_rooms_acquire("old.join", NULL);
	g_assert_cmpint(vmr_rooms_member_add(room, 1, "before", 0), ==, 0);
	g_assert_cmpint(vmr_rooms_rename("old.join", "new.join"), ==, 0);
	g_assert_null(vmr_rooms_lookup("old.join"));
	mcu_room *again = vmr_rooms_acquire("new.join", NULL);
	g_assert_true(again == room);
	g_assert_cmpint(vmr_rooms_member_add(again, 2, "after", 0), ==, 0);
	GString *list = g_string_new("");
	g_assert_cmpuint(vmr_rooms_members("new.join", list_member, list), ==, 2);
	g_assert_cmpstr(list->str, ==, "1 before;2 after;");
	g_assert_cmpuint(vmr_rooms_members("old.join", NULL, NULL), ==, 0);
	g_assert_cmpint(vmr_rooms_rename("old.join", "other.join"), ==, -ENOENT);
	mcu_room *other = vmr_rooms_acquire("taken.join", NULL);
	g_assert_cmpint(vmr_rooms_rename("new.join", "taken.join"), ==, -EEXIST);
	vmr_rooms_release(other);
	vmr_rooms_member_remove(room, 1);
	vmr_rooms_member_remove(again, 2);
	vmr_rooms_release(again);
	g_assert_cmpint(running_rooms(), ==, 1);
	vmr_rooms_release(room); /* the last holder, by the room acquired under the old address */
	g_assert_cmpint(running_rooms(), ==, 0);
	g_assert_cmpstr(h.log->str, ==,
		"joined old.join 1 before;joined new.join 2 after;left new.join 1;left new.join "
		"2;");
	vmr_rooms_set_listener(NULL);
	g_string_free(list, TRUE);
	g_string_free(h.log, TRUE);
	g_mutex_clear(&h.lock);
}

static void test_release_keeps_held_room(void)
{
	small_rooms();
	mcu_room *a = vmr_rooms_acquire("hold.join", NULL);
	mcu_room *b = vmr_rooms_acquire("hold.join", NULL);
	g_assert_nonnull(a);
	g_assert_true(a == b);
	vmr_rooms_release(b); /* the other holder leaves before `a` has joined anyone */
	mcu_room *c = vmr_rooms_acquire("hold.join", NULL);
	g_assert_true(c == a);
	vmr_rooms_release(c);
	g_assert_cmpint(running_rooms(), ==, 1);
	vmr_rooms_release(a); /* the last holder: the room stops */
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
	vmr_rooms_member_remove(room, 11); /* twice: told once */
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
		"joined ev.join 11 Alice;joined ev.join 22 phone sip;left ev.join 11;left ev.join "
		"22;");
	g_assert_cmpuint(vmr_rooms_members("ev.join", NULL, NULL), ==, 0);

	vmr_rooms_set_listener(NULL);
	g_string_free(list, TRUE);
	g_string_free(h.log, TRUE);
	g_mutex_clear(&h.lock);
}

/* ---- concurrent joins and leaves ---- */

#define THREADS 6
#define ROUNDS  150

static gint split; /* a joined participant whose room is not the address's room */
static gint joins;

static void io_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	(void)opaque;
	(void)is_video;
	(void)pkt;
	(void)len;
}

static void io_pli(void *opaque)
{
	(void)opaque;
}

static gpointer participant_loop(gpointer data)
{
	vmr_member member = { .id = GPOINTER_TO_UINT(data) };
	mcu_participant_io io = {
		.opaque = &member, .send_rtp = io_send, .request_keyframe = io_pli
	};
	for (int i = 0; i < ROUNDS; i++) {
		mcu_room *room = vmr_rooms_acquire("race.join", NULL);
		g_assert_nonnull(room);
		g_usleep(g_random_int_range(0, 300)); /* others leave (and release) meanwhile */
		mcu_participant *p = mcu_room_join(room,
			&(mcu_participant_opts){ .display = "racer",
				.audio_pt = 111,
				.video_pt = 96,
				.h264_packetization_mode = 1 },
			&io);
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

/* ---- content: the MCU's presenter told to both listeners ---- */

static void on_content(void *opaque, const char *address, uint64_t presenter_id)
{
	heard *h = opaque;
	g_mutex_lock(&h->lock);
	g_string_append_printf(h->log, "content %s %" G_GUINT64_FORMAT ";", address, presenter_id);
	g_mutex_unlock(&h->lock);
}

static void no_rtp(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	(void)opaque;
	(void)is_video;
	(void)pkt;
	(void)len;
}

/* Waits (up to 10 s: the event comes from the room's audio thread) until h's log ends with
 * want; then clears it. */
static void expect_heard(heard *h, const char *want)
{
	gboolean ok = FALSE;
	for (int i = 0; i < 1000 && !ok; i++) {
		g_mutex_lock(&h->lock);
		ok = g_str_has_suffix(h->log->str, want);
		g_mutex_unlock(&h->lock);
		if (!ok)
			g_usleep(10000);
	}
	g_mutex_lock(&h->lock);
	g_assert_cmpstr(h->log->str, ==, want);
	g_string_truncate(h->log, 0);
	g_mutex_unlock(&h->lock);
}

/* Who presents goes from the MCU to the VMR plugin's listener and to the SIP side's content
 * listener, by participant id: a presenter, a takeover, the presenter leaving (0). */
static void test_content_changes_told_to_both_listeners(void)
{
	small_rooms();
	heard main_h = { .log = g_string_new("") }, sip_h = { .log = g_string_new("") };
	g_mutex_init(&main_h.lock);
	g_mutex_init(&sip_h.lock);
	vmr_rooms_listener l = { .opaque = &main_h, .content = on_content };
	vmr_rooms_set_listener(&l);
	vmr_rooms_content_listener cl = { .opaque = &sip_h, .content = on_content };
	vmr_rooms_set_content_listener(&cl);
	mcu_room *room = vmr_rooms_acquire("slides.join", NULL);
	g_assert_nonnull(room);
	vmr_member who[2] = { { .id = 11 }, { .id = 22, .is_sip = 1 } };
	mcu_participant *p[2];
	for (int i = 0; i < 2; i++) {
		mcu_participant_opts opts;
		mcu_participant_opts_defaults(&opts);
		mcu_participant_io io = { .opaque = &who[i], .send_rtp = no_rtp };
		p[i] = mcu_room_join(room, &opts, &io);
		g_assert_nonnull(p[i]);
		g_assert_cmpint(vmr_rooms_member_add(room, who[i].id, "x", who[i].is_sip), ==, 0);
	}
	g_assert_cmpuint(vmr_rooms_presenter("slides.join"), ==, 0);
	g_assert_cmpint(mcu_participant_present(p[0], MCU_VIDEO_VP8, 96), ==, 0);
	expect_heard(&main_h, "content slides.join 11;");
	expect_heard(&sip_h, "content slides.join 11;");
	g_assert_cmpuint(vmr_rooms_presenter("slides.join"), ==, 11);
	g_assert_cmpint(mcu_participant_present(p[1], MCU_VIDEO_VP8, 96), ==, 0); /* takes over */
	expect_heard(&main_h, "content slides.join 22;");
	expect_heard(&sip_h, "content slides.join 22;");
	g_assert_cmpuint(vmr_rooms_presenter("slides.join"), ==, 22);
	mcu_room_leave(room, p[1]); /* the presenter leaves: nobody presents */
	vmr_rooms_member_remove(room, 22);
	expect_heard(&sip_h, "content slides.join 0;");
	g_assert_cmpuint(vmr_rooms_presenter("slides.join"), ==, 0);
	vmr_rooms_set_content_listener(NULL);
	mcu_room_leave(room, p[0]);
	vmr_rooms_member_remove(room, 11);
	for (int i = 0; i < 2; i++)
		mcu_participant_unref(p[i]);
	vmr_rooms_release(room);
	vmr_rooms_set_listener(NULL);
	g_string_free(main_h.log, TRUE);
	g_string_free(sip_h.log, TRUE);
	g_mutex_clear(&main_h.lock);
	g_mutex_clear(&sip_h.lock);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/rooms/another-holders-release-keeps-a-held-room",
		test_release_keeps_held_room);
	g_test_add_func("/vmr/rooms/members-of-every-kind-one-id-joined-and-left-told",
		test_members_and_events);
	g_test_add_func("/vmr/rooms/concurrent-joins-and-leaves-one-room-per-address-released",
		test_concurrent_joins_and_leaves);
	g_test_add_func("/vmr/rooms/guest-joined-for-every-kind-but-the-owner",
		test_guest_joined_for_every_kind_but_the_owner);
	g_test_add_func("/vmr/rooms/a-renamed-running-room-keeps-its-people-under-the-new-address",
		test_rename_keeps_one_room);
	g_test_add_func("/vmr/rooms/content-changes-told-to-both-listeners-by-id",
		test_content_changes_told_to_both_listeners);
	int rc = g_test_run();
	vmr_rooms_clear();
	return rc;
}
