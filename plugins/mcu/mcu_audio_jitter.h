/*
 * mcu_audio_jitter.h - a small reorder/jitter queue of one sender's Opus packets. The mixer
 * takes packets in sequence order once a short prebuffer has filled; a missing packet is
 * reported so the caller conceals it; a queue that grows too long is trimmed to keep the
 * delay low.
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

#define MCU_JITTER_SLOTS 16
#define MCU_JITTER_PREBUFFER 2   /* packets queued before playout starts */
#define MCU_JITTER_MAX_DELAY 6   /* more than this many queued: drop the oldest */

typedef struct mcu_audio_jitter {
	struct {
		uint16_t seq;
		uint16_t len;
		uint8_t data[MCU_OPUS_MAX_PACKET];
	} slot[MCU_JITTER_SLOTS];
	uint8_t order[MCU_JITTER_SLOTS]; /* slot indexes, oldest first */
	unsigned n;
	bool playing;      /* prebuffer filled, packets are being taken */
	bool have_next;
	uint16_t next_seq; /* the packet the mixer wants next */
} mcu_audio_jitter;

void mcu_audio_jitter_init(mcu_audio_jitter *j);
/* Queues a packet. Late (already played or concealed) and duplicate packets are dropped
 * (returns 0 too). Returns 0 or -EINVAL (bad length). */
int mcu_audio_jitter_put(mcu_audio_jitter *j, uint16_t seq, const uint8_t *data, size_t len);
/* What to play next. Returns 1 with the packet copied to out (*len bytes), 0 when the
 * next packet is missing but later ones exist (conceal it), -EAGAIN when nothing is
 * queued or the prebuffer is filling, -ENOSPC if cap is too small. */
int mcu_audio_jitter_get(mcu_audio_jitter *j, uint8_t *out, size_t cap, size_t *len);

#endif
