/*
 * mcu_font_test.c - the built-in bitmap font of the tile names: every Latin-1 letter has a
 * glyph, accents sit above capitals, text widths, drawing is clipped to the picture, and the
 * name band / placeholder helpers stay inside it.
 */
#include <glib.h>
#include <string.h>

#include "mcu_font.h"
#include "mcu_image.h"

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
	g_test_add_func("/mcu/font/covers-ascii-and-latin1", test_font_covers_ascii_and_latin1);
	g_test_add_func("/mcu/font/draws-clipped", test_font_draws_clipped);
	return g_test_run();
}
