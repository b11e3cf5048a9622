/*
 * vmr_hosts_test.c - hosts and guests of a running room (vmr_hosts.h) with a real MCU room on
 * the manual clock: who waits for a host, knocking on a locked room and the hosts' answers,
 * unlocking, host mute (the guest cannot lift it), remove, end, the keypad's toggles, and
 * that a guest's host action is refused and told so. The events the pages would get are
 * recorded from the listener.
 */
#include <glib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "vmr_hosts.h"

typedef struct rec {
	GString *log;      /* "id:what;" for every callback of a participant */
	GPtrArray *events; /* "audience/to:key" */
} rec;

static rec R;

typedef struct who {
	uint64_t id;
	gint refs;
} who;

static void w_ref(void *o)
{
	g_atomic_int_inc(&((who *)o)->refs);
}
static void w_unref(void *o)
{
	g_atomic_int_add(&((who *)o)->refs, -1);
}
static void w_decided(void *o, int admitted)
{
	g_string_append_printf(R.log, "%u:%s;", (unsigned)((who *)o)->id, admitted ? "in" : "out");
}
static void w_removed(void *o, const char *reason)
{
	g_string_append_printf(R.log, "%u:removed(%s);", (unsigned)((who *)o)->id, reason);
}
static void w_told(void *o, const char *what)
{
	g_string_append_printf(R.log, "%u:%s;", (unsigned)((who *)o)->id, what);
}

static void on_event(
	void *opaque, const char *address, vmr_hosts_audience audience, uint64_t to, json_t *event)
{
	(void)opaque;
	(void)address;
	const char *key = NULL;
	json_t *v;
	json_object_foreach(event, key, v)
	{
		if (strcmp(key, "vmr") != 0)
			break;
	}
	g_ptr_array_add(R.events,
		g_strdup_printf("%s/%u:%s",
			audience == VMR_TO_ALL             ? "all"
				: audience == VMR_TO_HOSTS ? "hosts"
							   : "one",
			(unsigned)to, key));
}

static gboolean has_event(const char *s)
{
	for (guint i = 0; i < R.events->len; i++)
		if (strcmp(g_ptr_array_index(R.events, i), s) == 0)
			return TRUE;
	return FALSE;
}

static void reset(void)
{
	g_string_truncate(R.log, 0);
	g_ptr_array_set_size(R.events, 0);
}

typedef struct fixture {
	mcu_room *room;
	who w[6];
	mcu_participant *part[6];
	vmr_hosts_ops ops[6];
} fixture;

static void fx_init(fixture *f)
{
	memset(f, 0, sizeof(*f));
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 64;
	cfg.height = 36;
	cfg.fps = 2;
	cfg.manual_clock = true;
	f->room = mcu_room_new("r", &cfg);
	for (int i = 0; i < 6; i++) {
		f->w[i].id = (uint64_t)i + 1;
		f->ops[i] = (vmr_hosts_ops){ .opaque = &f->w[i],
			.ref = w_ref,
			.unref = w_unref,
			.decided = w_decided,
			.removed = w_removed,
			.told = w_told };
	}
	reset();
}

static vmr_hosts_arrival arrive(fixture *f, int i, vmr_role role, const vmr_hosts_settings *st)
{
	vmr_hosts_who who = { .id = f->w[i].id, .display = "P", .how = "pin", .role = role };
	return vmr_hosts_arrive("r", st, &who, &f->ops[i]);
}

static void join(fixture *f, int i, vmr_role role)
{
	mcu_participant_io io = { 0 };
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	f->part[i] = mcu_room_join(f->room, &o, &io);
	g_assert_nonnull(f->part[i]);
	vmr_hosts_who who = { .id = f->w[i].id, .display = "P", .how = "pin", .role = role };
	g_assert_cmpint(vmr_hosts_joined("r", &who, NULL, f->room, f->part[i], &f->ops[i]), ==, 0);
}

static void fx_clear(fixture *f)
{
	for (int i = 0; i < 6; i++) {
		vmr_hosts_leave("r", f->w[i].id);
		if (f->part[i]) {
			mcu_room_leave(f->room, f->part[i]);
			mcu_participant_unref(f->part[i]);
		}
		g_assert_cmpint(f->w[i].refs, ==, 0); /* every ref given back */
	}
	mcu_room_unref(f->room);
}

static void test_guests_wait_for_a_host(void)
{
	fixture f;
	fx_init(&f);
	vmr_hosts_settings st = { .wait_for_host = 1 };
	g_assert_cmpint(arrive(&f, 1, VMR_ROLE_GUEST, &st), ==, VMR_HOSTS_WAIT_HOST);
	g_assert_cmpint(arrive(&f, 2, VMR_ROLE_GUEST, &st), ==, VMR_HOSTS_WAIT_HOST);
	g_assert_cmpstr(R.log->str, ==, "");
	g_assert_cmpint(arrive(&f, 0, VMR_ROLE_HOST, &st), ==, VMR_HOSTS_ENTER);
	g_assert_cmpstr(R.log->str, ==, ""); /* not before the host has joined */
	join(&f, 0, VMR_ROLE_HOST);
	g_assert_cmpstr(R.log->str, ==, "2:in;3:in;");
	join(&f, 1, VMR_ROLE_GUEST);
	/* with a host in, the next guest enters at once */
	g_assert_cmpint(arrive(&f, 3, VMR_ROLE_GUEST, &st), ==, VMR_HOSTS_ENTER);
	fx_clear(&f);
}

static void test_without_the_setting_guests_enter(void)
{
	fixture f;
	fx_init(&f);
	vmr_hosts_settings st = { 0 };
	g_assert_cmpint(arrive(&f, 1, VMR_ROLE_GUEST, &st), ==, VMR_HOSTS_ENTER);
	fx_clear(&f);
}

static void test_locked_room_knock_admit_refuse_unlock(void)
{
	fixture f;
	fx_init(&f);
	vmr_hosts_settings st = { 0 };
	join(&f, 0, VMR_ROLE_HOST);
	join(&f, 1, VMR_ROLE_HOST);
	join(&f, 2, VMR_ROLE_GUEST);
	/* a guest cannot lock, and is told so */
	reset();
	g_assert_cmpint(vmr_hosts_set_locked("r", 3, 1), ==, -EPERM);
	g_assert_cmpstr(R.log->str, ==, "3:not_allowed;");
	g_assert_cmpint(vmr_hosts_set_locked("r", 1, 1), ==, 0);
	g_assert_true(has_event("all/0:locked"));
	g_assert_true(has_event("hosts/0:host_action"));
	reset();
	g_assert_cmpint(arrive(&f, 3, VMR_ROLE_GUEST, &st), ==, VMR_HOSTS_KNOCK);
	g_assert_cmpint(arrive(&f, 4, VMR_ROLE_GUEST, &st), ==, VMR_HOSTS_KNOCK);
	g_assert_cmpint(arrive(&f, 5, VMR_ROLE_GUEST, &st), ==, VMR_HOSTS_KNOCK);
	g_assert_true(has_event("hosts/0:knock"));
	/* a guest cannot admit */
	g_assert_cmpint(vmr_hosts_decide("r", 3, 4, 1), ==, -EPERM);
	g_assert_cmpint(vmr_hosts_decide("r", 1, 4, 1), ==, 0);
	g_assert_cmpint(vmr_hosts_decide("r", 2, 5, 0), ==, 0);
	/* decided once: the other host's late answer finds nobody */
	g_assert_cmpint(vmr_hosts_decide("r", 2, 4, 0), ==, -ENOENT);
	g_assert_cmpstr(R.log->str, ==, "4:in;5:out;");
	reset();
	g_assert_cmpint(vmr_hosts_set_locked("r", 2, 0), ==, 0);
	g_assert_cmpstr(R.log->str, ==, "2:unlocked;6:in;");
	/* hosts enter a locked room */
	g_assert_cmpint(vmr_hosts_set_locked("r", 1, 1), ==, 0);
	g_assert_cmpint(arrive(&f, 5, VMR_ROLE_HOST, &st), ==, VMR_HOSTS_ENTER);
	fx_clear(&f);
}

/* A flood of knocks: at most VMR_HOSTS_MAX_HELD wait at a room; the next is turned away. */
static void test_at_most_max_held_wait(void)
{
	fixture f;
	fx_init(&f);
	join(&f, 0, VMR_ROLE_HOST);
	g_assert_cmpint(vmr_hosts_set_locked("r", 1, 1), ==, 0);
	vmr_hosts_settings st = { 0 };
	for (uint64_t id = 100; id < 100 + VMR_HOSTS_MAX_HELD; id++) {
		vmr_hosts_who who = { .id = id, .display = "K", .how = "pin" };
		g_assert_cmpint(vmr_hosts_arrive("r", &st, &who, NULL), ==, VMR_HOSTS_KNOCK);
	}
	vmr_hosts_who more = { .id = 99, .display = "K", .how = "pin" };
	g_assert_cmpint(vmr_hosts_arrive("r", &st, &more, NULL), ==, VMR_HOSTS_FULL);
	vmr_hosts_leave("r", 100);
	g_assert_cmpint(vmr_hosts_arrive("r", &st, &more, NULL), ==, VMR_HOSTS_KNOCK);
	for (uint64_t id = 99; id < 100 + VMR_HOSTS_MAX_HELD; id++)
		vmr_hosts_leave("r", id);
	fx_clear(&f);
}

static void test_host_mute_cannot_be_lifted_by_the_guest(void)
{
	fixture f;
	fx_init(&f);
	join(&f, 0, VMR_ROLE_HOST);
	join(&f, 1, VMR_ROLE_GUEST);
	join(&f, 2, VMR_ROLE_GUEST);
	g_assert_cmpint(vmr_hosts_mute("r", 2, 1, 1), ==, -EPERM); /* a guest mutes nobody */
	g_assert_false(mcu_participant_muted(f.part[0]));
	reset();
	g_assert_cmpint(vmr_hosts_mute("r", 1, 2, 1), ==, 0);
	g_assert_true(mcu_participant_muted(f.part[1]));
	g_assert_cmpstr(R.log->str, ==, "2:muted_by_host;");
	g_assert_true(has_event("all/0:muted"));
	reset();
	g_assert_cmpint(vmr_hosts_self_mute("r", 2, 0), ==, -EPERM);
	g_assert_true(mcu_participant_muted(f.part[1]));
	g_assert_cmpstr(R.log->str, ==, "2:not_allowed;");
	g_assert_cmpint(vmr_hosts_ask_to_speak("r", 2), ==, 0);
	g_assert_true(has_event("hosts/0:hand"));
	g_assert_cmpint(vmr_hosts_mute("r", 1, 2, 0), ==, 0);
	g_assert_false(mcu_participant_muted(f.part[1]));
	/* self mute and unmute */
	int muted = 0;
	g_assert_cmpint(vmr_hosts_toggle_self_mute("r", 3, &muted), ==, 0);
	g_assert_true(muted);
	g_assert_true(mcu_participant_muted(f.part[2]));
	g_assert_cmpint(vmr_hosts_toggle_self_mute("r", 3, &muted), ==, 0);
	g_assert_false(muted);
	g_assert_false(mcu_participant_muted(f.part[2]));
	fx_clear(&f);
}

static void test_mute_all_guests_toggles(void)
{
	fixture f;
	fx_init(&f);
	join(&f, 0, VMR_ROLE_HOST);
	join(&f, 1, VMR_ROLE_GUEST);
	join(&f, 2, VMR_ROLE_GUEST);
	int muted = 0;
	g_assert_cmpint(vmr_hosts_toggle_mute_guests("r", 2, &muted), ==, -EPERM);
	g_assert_cmpint(vmr_hosts_toggle_mute_guests("r", 1, &muted), ==, 0);
	g_assert_true(muted);
	g_assert_false(mcu_participant_muted(f.part[0])); /* hosts keep talking */
	g_assert_true(mcu_participant_muted(f.part[1]));
	g_assert_true(mcu_participant_muted(f.part[2]));
	g_assert_cmpint(vmr_hosts_toggle_mute_guests("r", 1, &muted), ==, 0);
	g_assert_false(muted);
	g_assert_false(mcu_participant_muted(f.part[1]));
	fx_clear(&f);
}

static void test_remove_spotlight_layout_end(void)
{
	fixture f;
	fx_init(&f);
	join(&f, 0, VMR_ROLE_HOST);
	join(&f, 1, VMR_ROLE_GUEST);
	join(&f, 2, VMR_ROLE_GUEST);
	reset();
	g_assert_cmpint(vmr_hosts_remove("r", 2, 3), ==, -EPERM);
	g_assert_cmpint(vmr_hosts_remove("r", 1, 3), ==, 0);
	g_assert_cmpstr(R.log->str, ==, "3:removed(removed by a host);");
	g_assert_cmpint(vmr_hosts_spotlight("r", 1, 2), ==, 0);
	g_assert_true(has_event("all/0:spotlight"));
	g_assert_cmpint(vmr_hosts_spotlight("r", 1, 99), ==, -ENOENT);
	const char *layout = NULL;
	g_assert_cmpint(mcu_room_layout(f.room), ==, MCU_LAYOUT_1_7);
	g_assert_cmpint(vmr_hosts_layout("r", 1, NULL, &layout), ==, 0);
	g_assert_cmpstr(layout, ==, "2x2");
	g_assert_cmpint(mcu_room_layout(f.room), ==, MCU_LAYOUT_2X2);
	g_assert_cmpint(vmr_hosts_layout("r", 1, "speaker", &layout), ==, 0);
	g_assert_cmpint(mcu_room_layout(f.room), ==, MCU_LAYOUT_SPEAKER);
	g_assert_cmpint(vmr_hosts_layout("r", 1, "5x5", &layout), ==, -EINVAL);
	g_assert_cmpint(vmr_hosts_layout("r", 2, NULL, &layout), ==, -EPERM);
	reset();
	g_assert_cmpint(vmr_hosts_end("r", 2), ==, -EPERM);
	g_assert_cmpint(vmr_hosts_end("r", 1), ==, 0);
	g_assert_true(strstr(R.log->str, "1:removed(the meeting was ended);") != NULL);
	g_assert_true(strstr(R.log->str, "2:removed(the meeting was ended);") != NULL);
	g_assert_true(has_event("all/0:ended"));
	fx_clear(&f);
}

/* end_after_host_min: the meeting ends that long after the last host left (here a "minute" is
 * 100 ms); a host coming back in time keeps it going. */
static void test_meeting_ends_after_the_last_host_left(void)
{
	vmr_hosts_set_minute_us(100000);
	fixture f;
	fx_init(&f);
	vmr_hosts_settings st = { .end_after_host_min = 2 };
	g_assert_cmpint(arrive(&f, 1, VMR_ROLE_GUEST, &st), ==, VMR_HOSTS_ENTER);
	mcu_participant_io io = { 0 };
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	f.part[1] = mcu_room_join(f.room, &o, &io);
	vmr_hosts_who guest = { .id = 2, .display = "P", .how = "pin", .role = VMR_ROLE_GUEST };
	g_assert_cmpint(vmr_hosts_joined("r", &guest, &st, f.room, f.part[1], &f.ops[1]), ==, 0);
	join(&f, 0, VMR_ROLE_HOST);
	vmr_hosts_leave("r", 1); /* the host goes... */
	g_usleep(100000);
	vmr_hosts_who who = { .id = 1, .display = "P", .how = "pin", .role = VMR_ROLE_HOST };
	g_assert_cmpint(vmr_hosts_joined("r", &who, NULL, f.room, f.part[0], &f.ops[0]), ==, 0);
	g_usleep(300000);                    /* ...and came back within the 200 ms */
	g_assert_cmpstr(R.log->str, ==, ""); /* nothing ended */
	vmr_hosts_leave("r", 1);
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (strstr(R.log->str, "2:removed(the meeting was ended);") == NULL
		&& g_get_monotonic_time() < deadline)
		g_usleep(20000);
	g_assert_cmpstr(R.log->str, ==, "2:removed(the meeting was ended);");
	g_assert_true(has_event("all/0:ended"));
	fx_clear(&f);
	vmr_hosts_set_minute_us(0);
}

static void test_host_actions_are_logged_in_the_store(void)
{
	char *dir = g_dir_make_tmp("vmr_hosts_XXXXXX", NULL);
	char *path = g_build_filename(dir, "store.db", NULL);
	vmr_store *store = NULL;
	g_assert_cmpint(vmr_store_open(path, &store), ==, 0);
	vmr_hosts_set_store(store);
	fixture f;
	fx_init(&f);
	join(&f, 0, VMR_ROLE_HOST);
	join(&f, 1, VMR_ROLE_GUEST);
	g_assert_cmpint(vmr_hosts_mute("r", 1, 2, 1), ==, 0);
	g_assert_cmpint(vmr_hosts_set_locked("r", 1, 1), ==, 0);
	fx_clear(&f);
	vmr_hosts_set_store(NULL);
	GPtrArray *list = vmr_store_host_action_list(store, "r", 10);
	g_assert_nonnull(list);
	g_assert_cmpuint(list->len, ==, 2);
	vmr_host_action *a = g_ptr_array_index(list, 0);
	g_assert_cmpstr(a->action, ==, "lock");
	g_assert_cmpstr(a->actor, ==, "P (pin)");
	a = g_ptr_array_index(list, 1);
	g_assert_cmpstr(a->action, ==, "mute");
	g_assert_cmpstr(a->target, ==, "P (pin)");
	g_assert_cmpint(a->at, >, 0);
	g_ptr_array_unref(list);
	vmr_store_close(store);
	g_remove(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	R.log = g_string_new("");
	R.events = g_ptr_array_new_with_free_func(g_free);
	vmr_hosts_listener l = { .event = on_event };
	vmr_hosts_set_listener(&l);
	g_test_add_func("/vmr/hosts/guests-wait-for-a-host", test_guests_wait_for_a_host);
	g_test_add_func("/vmr/hosts/without-the-setting-guests-enter",
		test_without_the_setting_guests_enter);
	g_test_add_func("/vmr/hosts/locked-room-knock-admit-refuse-unlock",
		test_locked_room_knock_admit_refuse_unlock);
	g_test_add_func("/vmr/hosts/at-most-max-held-wait", test_at_most_max_held_wait);
	g_test_add_func("/vmr/hosts/host-mute-cannot-be-lifted-by-the-guest",
		test_host_mute_cannot_be_lifted_by_the_guest);
	g_test_add_func("/vmr/hosts/mute-all-guests-toggles", test_mute_all_guests_toggles);
	g_test_add_func("/vmr/hosts/remove-spotlight-layout-end", test_remove_spotlight_layout_end);
	g_test_add_func("/vmr/hosts/meeting-ends-after-the-last-host-left",
		test_meeting_ends_after_the_last_host_left);
	g_test_add_func("/vmr/hosts/host-actions-are-logged-in-the-store",
		test_host_actions_are_logged_in_the_store);
	int rc = g_test_run();
	vmr_hosts_set_listener(NULL);
	vmr_hosts_clear();
	return rc;
}
