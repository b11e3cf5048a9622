/*
 * mcu_font.h - a small built-in bitmap font (our own 5x8 glyphs for printable ASCII and
 * Latin-1; accented letters are a base letter plus an accent mark) and text drawing into
 * the luma plane of an I420 picture, for the participants' names on the composed canvas.
 *
 * A character cell is MCU_FONT_CELL_W x MCU_FONT_CELL_H dots (1 dot of spacing, 2 rows
 * above capitals for accents); each dot is drawn as scale x scale pixels. Text is UTF-8;
 * code points above U+00FF and malformed bytes are drawn as '?'.
 *
 * Threads: pure functions over the caller's picture. Ownership: none.
 */
#ifndef TPAAS_MCU_FONT_H
#define TPAAS_MCU_FONT_H

#include "mcu_image.h"

#define MCU_FONT_CELL_W 6
#define MCU_FONT_CELL_H 10

/* The 8 rows of the 5-dot-wide glyph of a Latin-1 code point (bit 4 is the leftmost dot,
 * row 7 holds descenders), plus the 2 accent rows drawn above row 0 in acc[0..1].
 * Unknown code points give '?'. */
void mcu_font_glyph(uint32_t cp, uint8_t rows[8], uint8_t acc[2]);
/* Width in pixels of text drawn at scale (no trailing spacing). */
int mcu_font_text_width(const char *utf8, int scale);
/* Draws text with its top-left cell corner at (x, y) in luma value `luma`, clipped to clip
 * (and the picture). Returns the width drawn. */
int mcu_font_draw(mcu_image *img, const mcu_rect *clip, int x, int y, int scale, const char *utf8,
	uint8_t luma);

#endif
