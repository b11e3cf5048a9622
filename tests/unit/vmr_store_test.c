/*
 * vmr_store_test.c - the SQLite store keeps rooms across reopen, validates every field,
 * refuses duplicates and never hands out a meeting number twice.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "vmr_store.h"

static char *temp_db(void) {
	char *dir = g_dir_make_tmp("vmr-store-XXXXXX", NULL);
	g_assert_nonnull(dir);
	char *path = g_build_filename(dir, "vmr.sqlite", NULL);
	g_free(dir);
	return path;
}

static void remove_db(char *path) {
	char *dir = g_path_get_dirname(path);
	const char *suffix[] = { "", "-wal", "-shm" };
	for(int i = 0; i < 3; i++) {
		char *f = g_strconcat(path, suffix[i], NULL);
		g_unlink(f);
		g_free(f);
	}
	g_rmdir(dir);
	g_free(dir);
	g_free(path);
}

static void test_room_persists_across_reopen(void) {
	char *path = temp_db();
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(path, &st), ==, 0);
	vmr_room r;
	g_assert_cmpint(vmr_store_room_create(st, "alice.join", "1234", "2x2", 0, &r), ==, 0);
	int number = r.meeting_number;
	g_assert_cmpint(number, >=, 100000);
	g_assert_cmpint(number, <=, 999999);
	vmr_room_clear(&r);
	vmr_store_close(st);

	g_assert_cmpint(vmr_store_open(path, &st), ==, 0);
	g_assert_cmpint(vmr_store_room_get(st, "alice.join", &r), ==, 0);
	g_assert_cmpstr(r.pin, ==, "1234");
	g_assert_cmpstr(r.layout, ==, "2x2");
	g_assert_cmpint(r.meeting_number, ==, number);
	vmr_room_clear(&r);
	g_assert_cmpint(vmr_store_room_get_by_number(st, number, &r), ==, 0);
	g_assert_cmpstr(r.name, ==, "alice.join");
	vmr_room_clear(&r);
	vmr_store_close(st);
	remove_db(path);
}

static void test_missing_room_is_enoent(void) {
	char *path = temp_db();
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(path, &st), ==, 0);
	vmr_room r;
	g_assert_cmpint(vmr_store_room_get(st, "nobody", &r), ==, -ENOENT);
	g_assert_cmpint(vmr_store_room_get_by_number(st, 123456, &r), ==, -ENOENT);
	vmr_store_close(st);
	remove_db(path);
}

static void test_duplicate_name_and_number_refused(void) {
	char *path = temp_db();
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(path, &st), ==, 0);
	g_assert_cmpint(vmr_store_room_create(st, "team", NULL, NULL, 555555, NULL), ==, 0);
	g_assert_cmpint(vmr_store_room_create(st, "team", NULL, NULL, 0, NULL), ==, -EEXIST);
	g_assert_cmpint(vmr_store_room_create(st, "other", NULL, NULL, 555555, NULL), ==, -EEXIST);
	vmr_room r;
	g_assert_cmpint(vmr_store_room_get(st, "team", &r), ==, 0);
	g_assert_null(r.pin);
	g_assert_cmpstr(r.layout, ==, "1+7");
	vmr_room_clear(&r);
	vmr_store_close(st);
	remove_db(path);
}

static void test_invalid_fields_refused(void) {
	char *path = temp_db();
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(path, &st), ==, 0);
	g_assert_cmpint(vmr_store_room_create(st, "ab", NULL, NULL, 0, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_create(st, "Upper", NULL, NULL, 0, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_create(st, "x'; DROP TABLE rooms;--", NULL, NULL, 0, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_create(st, "good", "12a4", NULL, 0, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_create(st, "good", "12345", NULL, 0, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_create(st, "good", NULL, "4x4", 0, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_create(st, "good", NULL, NULL, 99999, NULL), ==, -EINVAL);
	g_assert_cmpint(vmr_store_room_create(st, "good", "", "speaker", 0, NULL), ==, 0);
	vmr_store_close(st);
	remove_db(path);
}

static void test_many_rooms_get_distinct_numbers(void) {
	char *path = temp_db();
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(path, &st), ==, 0);
	GHashTable *seen = g_hash_table_new(NULL, NULL);
	for(int i = 0; i < 300; i++) {
		char name[32];
		g_snprintf(name, sizeof(name), "room-%03d", i);
		vmr_room r;
		g_assert_cmpint(vmr_store_room_create(st, name, NULL, NULL, 0, &r), ==, 0);
		g_assert_false(g_hash_table_contains(seen, GINT_TO_POINTER(r.meeting_number)));
		g_hash_table_add(seen, GINT_TO_POINTER(r.meeting_number));
		vmr_room_clear(&r);
	}
	g_hash_table_destroy(seen);
	vmr_store_close(st);
	remove_db(path);
}

static void test_newer_schema_is_refused(void) {
	char *path = temp_db();
	vmr_store *st = NULL;
	g_assert_cmpint(vmr_store_open(path, &st), ==, 0);
	vmr_store_close(st);
	/* Pretend a newer release wrote the file: we must not touch it. */
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
	g_assert_cmpint(vmr_store_open(path, &st), ==, -EPROTO);
	remove_db(path);
}

int main(int argc, char **argv) {
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmr/store/room-persists-across-reopen", test_room_persists_across_reopen);
	g_test_add_func("/vmr/store/missing-room-is-enoent", test_missing_room_is_enoent);
	g_test_add_func("/vmr/store/duplicate-name-and-number-refused", test_duplicate_name_and_number_refused);
	g_test_add_func("/vmr/store/invalid-fields-refused", test_invalid_fields_refused);
	g_test_add_func("/vmr/store/many-rooms-get-distinct-meeting-numbers", test_many_rooms_get_distinct_numbers);
	g_test_add_func("/vmr/store/newer-schema-is-refused", test_newer_schema_is_refused);
	return g_test_run();
}
