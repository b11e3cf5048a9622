/*
 * mcu_layout_test.c - the composer's pure parts: layout names, the geometry of every layout
 * for 1-12 participants (inside the canvas, even edges, no overlap, the sizes that keep
 * scaling cheap), the built-in font (every Latin-1 letter has a glyph, accents sit above
 * capitals, text is clipped), and the name band / placeholder drawing helpers.
 */
#include <glib.h>
#include <errno.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_layout.h"
#include "mcu_font.h"
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
					g_assert_cmpint(cells[i].x, ==, cells[i - 1].x + cells[i].w);
			}
			if (count > 1) {
				int left = cells[1].x, right = w - (cells[count - 1].x + cells[count - 1].w);
				g_assert_cmpint(ABS(left - right), <=, 2);
			}
		} else {
			/* Fixed cells in reading order: cell i is where it is whatever n is. */
			int side = kind == MCU_LAYOUT_2X2 ? 2 : 3;
			for (unsigned i = 0; i < count; i++) {
				g_assert_cmpint(ABS(cells[i].w - w / side), <=, 2);
				g_assert_cmpint(ABS(cells[i].h - h / side), <=, 2);
				g_assert_cmpint(ABS(cells[i].x - (int)(i % side) * w / side), <=, 1);
				g_assert_cmpint(ABS(cells[i].y - (int)(i / side) * h / side), <=, 1);
			}
		}
	}
}

static void test_layout_geometry_all_layouts_1_to_12(void)
{
	static const mcu_layout_kind kinds[] = { MCU_LAYOUT_SPEAKER, MCU_LAYOUT_1_7,
		MCU_LAYOUT_2X2, MCU_LAYOUT_3X3 };
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
	g_assert_cmpint(mcu_layout_cells((mcu_layout_kind)7, 1, 1280, 720, cells, &count), ==, -EINVAL);
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

static int lit_dots(uint32_t cp)
{
	uint8_t rows[8], acc[2];
	mcu_font_glyph(cp, rows, acc);
	int n = 0;
	for (int r = 0; r < 8; r++)
		n += __builtin_popcount(rows[r]);
	return n + __builtin_popcount(acc[0]) + __builtin_popcount(acc[1]);
}

static void test_font_covers_ascii_and_latin1(void)
{
	uint8_t q[8], qa[2];
	mcu_font_glyph('?', q, qa);
	for (uint32_t c = 0x21; c < 0x7f; c++)
		g_assert_cmpint(lit_dots(c), >, 0);
	g_assert_cmpint(lit_dots(' '), ==, 0);
	/* Every Latin-1 letter has its own glyph (not the '?' fallback), except × and ÷ which are
	 * symbols but drawn too. */
	for (uint32_t c = 0xc0; c <= 0xff; c++) {
		uint8_t rows[8], acc[2];
		mcu_font_glyph(c, rows, acc);
		g_assert_true(memcmp(rows, q, 8) != 0 || acc[0] || acc[1]);
		g_assert_cmpint(lit_dots(c), >, 0);
	}
	/* É: an E with an acute accent above it; é: an e with the accent in its own rows. */
	uint8_t e[8], ea[2], rows[8], acc[2];
	mcu_font_glyph('E', e, ea);
	mcu_font_glyph(0xc9, rows, acc);
	g_assert_cmpmem(rows, 8, e, 8);
	g_assert_true(acc[0] || acc[1]);
	mcu_font_glyph(0xe9, rows, acc);
	g_assert_true(rows[0] || rows[1]);
	/* Outside Latin-1: '?'. */
	mcu_font_glyph(0x4e2d, rows, acc);
	g_assert_cmpmem(rows, 8, q, 8);
	/* Width: 6 dots per character minus the last space, UTF-8 aware. */
	g_assert_cmpint(mcu_font_text_width("Ab", 1), ==, 11);
	g_assert_cmpint(mcu_font_text_width("Zoë", 2), ==, (3 * 6 - 1) * 2);
	g_assert_cmpint(mcu_font_text_width("", 3), ==, 0);
	g_assert_cmpint(mcu_font_text_width("\xff\xfe", 1), ==, 11); /* malformed: one '?' each */
}

static void test_font_draws_clipped(void)
{
	mcu_image img = { 0 };
	g_assert_cmpint(mcu_image_alloc(&img, 64, 32), ==, 0);
	mcu_image_fill_black(&img);
	mcu_rect clip = { 0, 0, 20, 32 };
	int w = mcu_font_draw(&img, &clip, 2, 2, 2, "HHHHHH", 235);
	g_assert_cmpint(w, >, 0);
	int lit_inside = 0, lit_outside = 0;
	for (int y = 0; y < 32; y++)
		for (int x = 0; x < 64; x++) {
			bool lit = img.planes[0][y * img.strides[0] + x] == 235;
			if (lit && x < 20)
				lit_inside++;
			else if (lit)
				lit_outside++;
		}
	g_assert_cmpint(lit_inside, >, 20);
	g_assert_cmpint(lit_outside, ==, 0);
	/* A clip running off the picture is harmless. */
	mcu_rect wild = { -50, -50, 500, 500 };
	mcu_font_draw(&img, &wild, 60, 30, 4, "Wide text", 200);
	mcu_font_draw(&img, &wild, -20, -7, 1, "neg", 200);
	/* Band and placeholder helpers stay inside the picture. */
	mcu_rect band = { 40, 20, 100, 100 };
	mcu_image_fill_rect(&img, &band, 200, 128, 128);
	mcu_image_darken_rect(&img, &band);
	g_assert_cmpuint(img.planes[0][25 * img.strides[0] + 50], <, 100);
	g_assert_cmpuint(img.planes[0][25 * img.strides[0] + 30], !=, 200);
	mcu_image_release(&img);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/layout/names", test_layout_names);
	g_test_add_func("/mcu/layout/geometry-every-layout-1-to-12", test_layout_geometry_all_layouts_1_to_12);
	g_test_add_func("/mcu/layout/cheap-scaling-sizes-at-720p", test_layout_cheap_scaling_sizes);
	g_test_add_func("/mcu/font/covers-ascii-and-latin1", test_font_covers_ascii_and_latin1);
	g_test_add_func("/mcu/font/draws-clipped", test_font_draws_clipped);
	return g_test_run();
}
