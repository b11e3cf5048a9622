/*
 * mcu_image.c - I420 picture helpers (see mcu_image.h).
 */
#include "mcu_image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libyuv.h>

static int chroma(int v)
{
	return (v + 1) / 2;
}

int mcu_image_alloc(mcu_image *img, int width, int height)
{
	if (!img || width < 1 || height < 1 || width > MCU_IMAGE_MAX_DIM
		|| height > MCU_IMAGE_MAX_DIM)
		return -EINVAL;
	size_t ysz = (size_t)width * (size_t)height;
	size_t csz = (size_t)chroma(width) * (size_t)chroma(height);
	size_t need = ysz + 2 * csz;
	if (!img->buf || img->buf_size < need) {
		uint8_t *b = malloc(need);
		if (!b)
			return -ENOMEM;
		free(img->buf);
		img->buf = b;
		img->buf_size = need;
	}
	img->width = width;
	img->height = height;
	img->planes[0] = img->buf;
	img->planes[1] = img->buf + ysz;
	img->planes[2] = img->buf + ysz + csz;
	img->strides[0] = width;
	img->strides[1] = chroma(width);
	img->strides[2] = chroma(width);
	return 0;
}

void mcu_image_release(mcu_image *img)
{
	if (!img)
		return;
	free(img->buf);
	memset(img, 0, sizeof(*img));
}

void mcu_image_fill_black(mcu_image *img)
{
	if (!img || !img->planes[0])
		return;
	/* Video-range black: Y 16, U/V 128. */
	for (int y = 0; y < img->height; y++)
		memset(img->planes[0] + (size_t)y * img->strides[0], 16, (size_t)img->width);
	for (int p = 1; p < 3; p++)
		for (int y = 0; y < chroma(img->height); y++)
			memset(img->planes[p] + (size_t)y * img->strides[p], 128,
				(size_t)chroma(img->width));
}

int mcu_image_copy(mcu_image *dst, const mcu_image *src)
{
	if (!dst || !src || !src->planes[0] || dst == src)
		return -EINVAL;
	int rc = mcu_image_alloc(dst, src->width, src->height);
	if (rc < 0)
		return rc;
	for (int p = 0; p < 3; p++) {
		int w = p ? chroma(src->width) : src->width;
		int h = p ? chroma(src->height) : src->height;
		for (int y = 0; y < h; y++)
			memcpy(dst->planes[p] + (size_t)y * dst->strides[p],
				src->planes[p] + (size_t)y * src->strides[p], (size_t)w);
	}
	return 0;
}

int mcu_image_draw_scaled(mcu_image *dst, const mcu_rect *r, const mcu_image *src)
{
	if (!dst || !r || !src || !dst->planes[0] || !src->planes[0])
		return -EINVAL;
	if (r->x < 0 || r->y < 0 || r->w < 2 || r->h < 2 || (r->x & 1) || (r->y & 1)
		|| r->w > dst->width - r->x || r->h > dst->height - r->y)
		return -EINVAL;
	uint8_t *dy = dst->planes[0] + (size_t)r->y * dst->strides[0] + r->x;
	uint8_t *du = dst->planes[1] + (size_t)(r->y / 2) * dst->strides[1] + r->x / 2;
	uint8_t *dv = dst->planes[2] + (size_t)(r->y / 2) * dst->strides[2] + r->x / 2;
	int rc = I420Scale(src->planes[0], src->strides[0], src->planes[1], src->strides[1],
		src->planes[2], src->strides[2], src->width, src->height, dy, dst->strides[0], du,
		dst->strides[1], dv, dst->strides[2], r->w, r->h, kFilterBilinear);
	return rc == 0 ? 0 : -EINVAL;
}

/* Clips r to img with even origin and size; false when nothing is left. */
static bool clip_even(const mcu_image *img, const mcu_rect *r, mcu_rect *out)
{
	if (!img || !img->planes[0] || !r)
		return false;
	int x0 = r->x < 0 ? 0 : r->x & ~1, y0 = r->y < 0 ? 0 : r->y & ~1;
	int x1 = r->x + r->w, y1 = r->y + r->h;
	if (x1 > img->width)
		x1 = img->width;
	if (y1 > img->height)
		y1 = img->height;
	x1 &= ~1;
	y1 &= ~1;
	if (x1 <= x0 || y1 <= y0)
		return false;
	*out = (mcu_rect){ x0, y0, x1 - x0, y1 - y0 };
	return true;
}

void mcu_image_fill_rect(mcu_image *img, const mcu_rect *r, uint8_t y, uint8_t u, uint8_t v)
{
	mcu_rect c;
	if (!clip_even(img, r, &c))
		return;
	for (int row = c.y; row < c.y + c.h; row++)
		memset(img->planes[0] + (size_t)row * img->strides[0] + c.x, y, (size_t)c.w);
	for (int row = c.y / 2; row < (c.y + c.h) / 2; row++) {
		memset(img->planes[1] + (size_t)row * img->strides[1] + c.x / 2, u,
			(size_t)c.w / 2);
		memset(img->planes[2] + (size_t)row * img->strides[2] + c.x / 2, v,
			(size_t)c.w / 2);
	}
}

void mcu_image_darken_rect(mcu_image *img, const mcu_rect *r)
{
	mcu_rect c;
	if (!clip_even(img, r, &c))
		return;
	for (int row = c.y; row < c.y + c.h; row++) {
		uint8_t *p = img->planes[0] + (size_t)row * img->strides[0] + c.x;
		for (int i = 0; i < c.w; i++)
			p[i] = (uint8_t)(16 + (((int)p[i] - 16) * 3 >> 3));
	}
	for (int pl = 1; pl < 3; pl++)
		for (int row = c.y / 2; row < (c.y + c.h) / 2; row++) {
			uint8_t *p = img->planes[pl] + (size_t)row * img->strides[pl] + c.x / 2;
			for (int i = 0; i < c.w / 2; i++)
				p[i] = (uint8_t)(128 + (((int)p[i] - 128) * 3 >> 3));
		}
}
