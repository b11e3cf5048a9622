/*
 * mcu_image.h - planar I420 pictures: allocation, copy, black fill and scaled drawing of one
 * picture into a rectangle of another (libyuv).
 *
 * Threads: no shared state; callers serialize access to an image.
 * Ownership: an image with buf != NULL owns its pixels (mcu_image_release frees them); an
 * image with buf == NULL is a borrowed view of someone else's planes.
 */
#ifndef TPAAS_MCU_IMAGE_H
#define TPAAS_MCU_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MCU_IMAGE_MAX_DIM 4096

typedef struct mcu_image {
	int width, height;
	uint8_t *planes[3]; /* Y, U, V */
	int strides[3];
	uint8_t *buf; /* owned pixels, or NULL for a view */
	size_t buf_size;
} mcu_image;

typedef struct mcu_rect {
	int x, y, w, h;
} mcu_rect;

/* (Re)allocates img's own pixels for width x height (1..MCU_IMAGE_MAX_DIM), reusing the
 * buffer when it is big enough. Contents are undefined. Returns 0, -EINVAL or -ENOMEM. */
int mcu_image_alloc(mcu_image *img, int width, int height);
void mcu_image_release(mcu_image *img);
void mcu_image_fill_black(mcu_image *img);
/* Copies src (owned or a view) into dst's own pixels, resizing dst as needed. */
int mcu_image_copy(mcu_image *dst, const mcu_image *src);
/* Scales src into the rectangle r of dst (r must lie inside dst; x, y even).
 * Returns 0 or -EINVAL. */
int mcu_image_draw_scaled(mcu_image *dst, const mcu_rect *r, const mcu_image *src);

/* Fills the rectangle r (clipped to img; x, y rounded down to even) with one colour. */
void mcu_image_fill_rect(mcu_image *img, const mcu_rect *r, uint8_t y, uint8_t u, uint8_t v);
/* Darkens r to about 3/8 of its brightness and saturation (a band under text). */
void mcu_image_darken_rect(mcu_image *img, const mcu_rect *r);

#endif
