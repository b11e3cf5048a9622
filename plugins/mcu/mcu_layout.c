/*
 * mcu_layout.c - grid layout and letterbox fit (see mcu_layout.h).
 */
#include "mcu_layout.h"

#include <errno.h>
#include <stdint.h>

static int even_down(int v)
{
	return v & ~1;
}

int mcu_layout_fit(const mcu_rect *cell, int src_w, int src_h, mcu_rect *out)
{
	if (!cell || !out || src_w < 1 || src_h < 1 || cell->w < 2 || cell->h < 2)
		return -EINVAL;
	int w, h;
	if ((int64_t)src_w * cell->h >= (int64_t)src_h * cell->w) {
		w = cell->w;
		h = (int)((int64_t)cell->w * src_h / src_w);
	} else {
		h = cell->h;
		w = (int)((int64_t)cell->h * src_w / src_h);
	}
	w = even_down(w);
	h = even_down(h);
	if (w < 2)
		w = 2;
	if (h < 2)
		h = 2;
	if (w > even_down(cell->w))
		w = even_down(cell->w);
	if (h > even_down(cell->h))
		h = even_down(cell->h);
	out->w = w;
	out->h = h;
	out->x = cell->x + even_down((cell->w - w) / 2);
	out->y = cell->y + even_down((cell->h - h) / 2);
	return 0;
}

/* --- the room's layouts --------------------------------------------------------------- */

unsigned mcu_layout_slots(mcu_layout_kind kind)
{
	if (kind == MCU_LAYOUT_PRESENTATION)
		return MCU_LAYOUT_STRIP_TILES;
	switch (kind) {
	case MCU_LAYOUT_SPEAKER: return 1;
	case MCU_LAYOUT_1_7: return 8;
	case MCU_LAYOUT_2X2: return 4;
	case MCU_LAYOUT_3X3: return 9;
	}
	return 0;
}

bool mcu_layout_has_main(mcu_layout_kind kind)
{
	return kind == MCU_LAYOUT_SPEAKER || kind == MCU_LAYOUT_1_7
		|| kind == MCU_LAYOUT_PRESENTATION;
}

int mcu_layout_content_pane(int w, int h, mcu_rect *pane)
{
	if (!pane || w < 16 || h < 16)
		return -EINVAL;
	w = even_down(w);
	h = even_down(h);
	*pane = (mcu_rect){ 0, 0, w - even_down(w / 5), h };
	return 0;
}

static mcu_rect grid_rect(int cols, int rows, int c, int r, int w, int h)
{
	int x0 = even_down(w * c / cols), x1 = (c + 1 == cols) ? w : even_down(w * (c + 1) / cols);
	int y0 = even_down(h * r / rows), y1 = (r + 1 == rows) ? h : even_down(h * (r + 1) / rows);
	return (mcu_rect){ .x = x0, .y = y0, .w = x1 - x0, .h = y1 - y0 };
}

int mcu_layout_cells(
	mcu_layout_kind kind, unsigned n, int w, int h, mcu_rect *cells, unsigned *count)
{
	unsigned slots = mcu_layout_slots(kind);
	if (!cells || !count || slots == 0 || w < 16 || h < 16)
		return -EINVAL;
	w = even_down(w);
	h = even_down(h);
	if (n > slots)
		n = slots;
	*count = n;
	if (kind == MCU_LAYOUT_SPEAKER) {
		if (n)
			cells[0] = (mcu_rect){ 0, 0, w, h };
		return 0;
	}
	if (kind == MCU_LAYOUT_PRESENTATION) {
		int tw = even_down(w / 5), th = even_down(h / 5);
		for (unsigned i = 0; i < n; i++)
			cells[i] = (mcu_rect){ w - tw, (int)i * th, tw, th };
		return 0;
	}
	if (kind == MCU_LAYOUT_1_7) {
		/* Thumbnails of 1/8 of the canvas keep its aspect; the main pane takes the rest. */
		int tw = even_down(w / 8), th = even_down(h / 8);
		if (n)
			cells[0] = (mcu_rect){ 0, 0, w, h - th };
		int thumbs = n > 1 ? (int)n - 1 : 0;
		int x0 = even_down((w - thumbs * tw) / 2);
		for (int i = 0; i < thumbs; i++)
			cells[1 + i] = (mcu_rect){ x0 + i * tw, h - th, tw, th };
		return 0;
	}
	int side = kind == MCU_LAYOUT_2X2 ? 2 : 3;
	for (unsigned i = 0; i < n; i++)
		cells[i] = grid_rect(side, side, (int)i % side, (int)i / side, w, h);
	return 0;
}
