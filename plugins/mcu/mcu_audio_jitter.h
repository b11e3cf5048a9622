/*
 * mcu_audio_jitter.h - a small reorder/jitter queue of one sender's Opus packets. The mixer
 * takes packets in sequence order once a short prebuffer has filled; a missing packet is
 * reported so the caller conceals it; a queue that grows too long is trimmed to keep the
 * delay low, and one that stayed deeper than the prebuffer for a whole window (after a
 * stall or a burst) loses one packet per window until it is back to the target.
 *
 * Threads: not thread-safe; the room guards each queue with the participant's audio lock.
 * Ownership: the queue stores copies of the packets (fixed-size slots, no allocation).
 */
#ifndef TPAAS_MCU_AUDIO_JITTER_H
#define TPAAS_MCU_AUDIO_JITTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mcu_opus_rtp.h"

#define MCU_JITTER_SLOTS     16
#define MCU_JITTER_PREBUFFER 2  /* packets queued before playout starts */
#define MCU_JITTER_MAX_DELAY 6  /* more than this many queued: drop the oldest */
#define MCU_JITTER_WINDOW    25 /* gets (0.5 s of 20 ms frames) per shrink decision */

typedef struct mcu_audio_jitter {
	struct {
		uint16_t seq;
		uint16_t len;
		int16_t level;      /* RFC 6464 level given with the packet, -1 unknown */
		int64_t arrival_us; /* caller's clock, 0 unknown */
		uint8_t data[MCU_OPUS_MAX_PACKET];
	} slot[MCU_JITTER_SLOTS];
	uint8_t order[MCU_JITTER_SLOTS]; /* slot indexes, oldest first */
	unsigned n;
	bool playing; /* prebuffer filled, packets are being taken */
	bool have_next;
	uint16_t next_seq; /* the packet the mixer wants next */
	unsigned win_n;    /* gets in the current window */
	unsigned win_min;  /* least depth seen at a get in the window */
} mcu_audio_jitter;

void mcu_audio_jitter_init(mcu_audio_jitter *j);
/* Queues a packet. Late (already played or concealed) and duplicate packets are dropped
 * (returns 0 too). Returns 0 or -EINVAL (bad length). */
int mcu_audio_jitter_put(mcu_audio_jitter *j, uint16_t seq, const uint8_t *data, size_t len);
/* The same with the packet's audio level (-1 unknown) and arrival time, given back by
 * mcu_audio_jitter_get_meta. */
int mcu_audio_jitter_put_meta(mcu_audio_jitter *j, uint16_t seq, const uint8_t *data, size_t len,
	int level, int64_t arrival_us);
/* What to play next. Returns 1 with the packet copied to out (*len bytes), 0 when the
 * next packet is missing but later ones exist (conceal it), -EAGAIN when nothing is
 * queued or the prebuffer is filling, -ENOSPC if cap is too small. */
int mcu_audio_jitter_get(mcu_audio_jitter *j, uint8_t *out, size_t cap, size_t *len);
/* The same; on 1, *level and *arrival_us (either may be NULL) get the packet's meta data. */
int mcu_audio_jitter_get_meta(mcu_audio_jitter *j, uint8_t *out, size_t cap, size_t *len,
	int *level, int64_t *arrival_us);

#endif
