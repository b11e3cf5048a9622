/*
 * mcu_layout_test.c - the composer's pure parts: layout names, the geometry of every layout
 * for 1-12 participants (inside the canvas, even edges, no overlap, the sizes that keep
 * scaling cheap) and the letterbox fit. The font is tested in mcu_font_test.c.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_layout.h"
#include "mcu_image.h"

static void test_layout_names(void)
{
	static const char *names[] = { "speaker", "1+7", "2x2", "3x3" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		mcu_layout_kind k = (mcu_layout_kind)99;
		g_assert_cmpint(mcu_layout_kind_from_string(names[i], &k), ==, 0);
		g_assert_cmpstr(mcu_layout_kind_name(k), ==, names[i]);
	}
	mcu_layout_kind k = MCU_LAYOUT_3X3;
	g_assert_cmpint(mcu_layout_kind_from_string("4x4", &k), ==, -EINVAL);
	g_assert_cmpint(mcu_layout_kind_from_string("2X2", &k), ==, -EINVAL);
	g_assert_cmpint(mcu_layout_kind_from_string(NULL, &k), ==, -EINVAL);
	g_assert_cmpint(k, ==, MCU_LAYOUT_3X3);
	g_assert_null(mcu_layout_kind_name((mcu_layout_kind)42));
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	g_assert_cmpint(cfg.layout, ==, MCU_LAYOUT_1_7);
}

static bool overlap(const mcu_rect *a, const mcu_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static void check_cells(mcu_layout_kind kind, int w, int h)
{
	unsigned slots = mcu_layout_slots(kind);
	for (unsigned n = 1; n <= 12; n++) {
		mcu_rect cells[MCU_LAYOUT_MAX_TILES];
		unsigned count = 99;
		g_assert_cmpint(mcu_layout_cells(kind, n, w, h, cells, &count), ==, 0);
		g_assert_cmpuint(count, ==, MIN(n, slots));
		for (unsigned i = 0; i < count; i++) {
			const mcu_rect *c = &cells[i];
			g_assert_true(c->x >= 0 && c->y >= 0 && c->w >= 2 && c->h >= 2);
			g_assert_cmpint(c->x + c->w, <=, w);
			g_assert_cmpint(c->y + c->h, <=, h);
			g_assert_true(!(c->x & 1) && !(c->y & 1) && !(c->w & 1) && !(c->h & 1));
			for (unsigned j = 0; j < i; j++)
				g_assert_false(overlap(c, &cells[j]));
		}
		if (kind == MCU_LAYOUT_SPEAKER) {
			g_assert_true(cells[0].w == w && cells[0].h == h);
		} else if (kind == MCU_LAYOUT_1_7) {
			/* Main pane on top, thumbnails of 1/8 in one row under it, centred. */
			g_assert_cmpint(cells[0].y, ==, 0);
			g_assert_cmpint(cells[0].w, ==, w);
			for (unsigned i = 1; i < count; i++) {
				g_assert_cmpint(cells[i].w, ==, (w / 8) & ~1);
				g_assert_cmpint(cells[i].h, ==, (h / 8) & ~1);
				g_assert_cmpint(cells[i].y, ==, cells[0].h);
				if (i > 1)
					g_assert_cmpint(
						cells[i].x, ==, cells[i - 1].x + cells[i].w);
			}
			if (count > 1) {
				int left = cells[1].x,
				    right = w - (cells[count - 1].x + cells[count - 1].w);
				g_assert_cmpint(ABS(left - right), <=, 2);
			}
		} else {
			/* Fixed cells in reading order: cell i is where it is whatever n is. */
			int side = kind == MCU_LAYOUT_2X2 ? 2 : 3;
			for (unsigned i = 0; i < count; i++) {
				g_assert_cmpint(ABS(cells[i].w - w / side), <=, 2);
				g_assert_cmpint(ABS(cells[i].h - h / side), <=, 2);
				g_assert_cmpint(
					ABS(cells[i].x - (int)(i % side) * w / side), <=, 1);
				g_assert_cmpint(
					ABS(cells[i].y - (int)(i / side) * h / side), <=, 1);
			}
		}
	}
}

static void test_layout_geometry_all_layouts_1_to_12(void)
{
	static const mcu_layout_kind kinds[] = { MCU_LAYOUT_SPEAKER, MCU_LAYOUT_1_7, MCU_LAYOUT_2X2,
		MCU_LAYOUT_3X3 };
	for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
		check_cells(kinds[k], 1280, 720);
		check_cells(kinds[k], 640, 360);
		check_cells(kinds[k], 322, 182);
	}
	g_assert_cmpuint(mcu_layout_slots(MCU_LAYOUT_SPEAKER), ==, 1);
	g_assert_cmpuint(mcu_layout_slots(MCU_LAYOUT_1_7), ==, 8);
	g_assert_cmpuint(mcu_layout_slots(MCU_LAYOUT_2X2), ==, 4);
	g_assert_cmpuint(mcu_layout_slots(MCU_LAYOUT_3X3), ==, 9);
	mcu_rect cells[MCU_LAYOUT_MAX_TILES];
	unsigned count;
	g_assert_cmpint(
		mcu_layout_cells((mcu_layout_kind)7, 1, 1280, 720, cells, &count), ==, -EINVAL);
	g_assert_cmpint(mcu_layout_cells(MCU_LAYOUT_2X2, 1, 8, 8, cells, &count), ==, -EINVAL);
	/* 0 participants: no cells. */
	g_assert_cmpint(mcu_layout_cells(MCU_LAYOUT_3X3, 0, 1280, 720, cells, &count), ==, 0);
	g_assert_cmpuint(count, ==, 0);
}

static void test_layout_cheap_scaling_sizes(void)
{
	/* 640x360 senders on the default 1280x720 canvas: 2x2 cells are an exact copy, 1+7
	 * thumbnails an exact quarter, the speaker pane exactly twice. */
	mcu_rect cells[MCU_LAYOUT_MAX_TILES], r;
	unsigned count;
	g_assert_cmpint(mcu_layout_cells(MCU_LAYOUT_2X2, 4, 1280, 720, cells, &count), ==, 0);
	for (unsigned i = 0; i < 4; i++) {
		g_assert_cmpint(mcu_layout_fit(&cells[i], 640, 360, &r), ==, 0);
		g_assert_true(r.w == 640 && r.h == 360);
	}
	g_assert_cmpint(mcu_layout_cells(MCU_LAYOUT_1_7, 8, 1280, 720, cells, &count), ==, 0);
	g_assert_cmpint(mcu_layout_fit(&cells[5], 640, 360, &r), ==, 0);
	g_assert_true(r.w == 160 && r.h == 90);
	g_assert_cmpint(mcu_layout_cells(MCU_LAYOUT_SPEAKER, 3, 1280, 720, cells, &count), ==, 0);
	g_assert_cmpint(mcu_layout_fit(&cells[0], 640, 360, &r), ==, 0);
	g_assert_true(r.w == 1280 && r.h == 720);
}
static void test_layout_letterbox(void)
{
	mcu_rect cell = { 0, 0, 320, 180 }, r;
	/* 4:3 into 16:9: pillarbox, centred, even. */
	g_assert_cmpint(mcu_layout_fit(&cell, 320, 240, &r), ==, 0);
	g_assert_true(r.w == 240 && r.h == 180 && r.x == 40 && r.y == 0);
	/* 16:9 into a 640x720 half: letterbox. */
	mcu_rect half = { 640, 0, 640, 720 };
	g_assert_cmpint(mcu_layout_fit(&half, 1280, 720, &r), ==, 0);
	g_assert_true(r.w == 640 && r.h == 360 && r.x == 640 && r.y == 180);
	g_assert_cmpint(mcu_layout_fit(&half, 0, 720, &r), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/layout/names", test_layout_names);
	g_test_add_func("/mcu/layout/geometry-every-layout-1-to-12",
		test_layout_geometry_all_layouts_1_to_12);
	g_test_add_func("/mcu/layout/cheap-scaling-sizes-at-720p", test_layout_cheap_scaling_sizes);
	g_test_add_func("/mcu/layout/letterbox-keeps-aspect", test_layout_letterbox);
	return g_test_run();
}
