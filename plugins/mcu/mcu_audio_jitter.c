/*
 * mcu_audio_jitter.c - per-sender Opus reorder queue (see mcu_audio_jitter.h).
 */
#include "mcu_audio_jitter.h"
#include "mcu_rtp.h"

#include <errno.h>
#include <string.h>

/* A gap this large is a sender restart, not loss: jump instead of concealing each packet. */
#define JITTER_MAX_GAP 10

void mcu_audio_jitter_init(mcu_audio_jitter *j)
{
	memset(j, 0, sizeof(*j));
}

static void drop_oldest(mcu_audio_jitter *j)
{
	if (j->n == 0)
		return;
	uint16_t seq = j->slot[j->order[0]].seq;
	memmove(j->order, j->order + 1, (j->n - 1) * sizeof(j->order[0]));
	j->n--;
	j->have_next = true;
	j->next_seq = (uint16_t)(seq + 1);
}

static int free_slot(const mcu_audio_jitter *j)
{
	bool used[MCU_JITTER_SLOTS] = { false };
	for (unsigned i = 0; i < j->n; i++)
		used[j->order[i]] = true;
	for (int s = 0; s < MCU_JITTER_SLOTS; s++)
		if (!used[s])
			return s;
	return -1;
}

int mcu_audio_jitter_put(mcu_audio_jitter *j, uint16_t seq, const uint8_t *data, size_t len)
{
	return mcu_audio_jitter_put_meta(j, seq, data, len, -1, 0);
}

int mcu_audio_jitter_put_meta(mcu_audio_jitter *j, uint16_t seq, const uint8_t *data, size_t len,
	int level, int64_t arrival_us)
{
	if (!j || !data || len == 0 || len > MCU_OPUS_MAX_PACKET)
		return -EINVAL;
	if (j->have_next) {
		int d = mcu_rtp_seq_diff(seq, j->next_seq);
		if (d < 0 && d > -1000)
			return 0; /* late: its time slot was already concealed or played */
		if (d <= -1000 || d > 1000) {
			/* The sender jumped far away (restart): forget the old stream. */
			j->n = 0;
			j->playing = false;
			j->have_next = false;
		}
	}
	unsigned pos = j->n;
	while (pos > 0 && mcu_rtp_seq_diff(seq, j->slot[j->order[pos - 1]].seq) < 0)
		pos--;
	if (pos > 0 && j->slot[j->order[pos - 1]].seq == seq)
		return 0;
	if (j->n == MCU_JITTER_SLOTS) {
		if (pos == 0)
			return 0; /* older than everything in a full queue */
		drop_oldest(j);
		pos--;
	}
	int s = free_slot(j);
	if (s < 0)
		return 0;
	j->slot[s].seq = seq;
	j->slot[s].len = (uint16_t)len;
	j->slot[s].level = (int16_t)(level < 0 || level > 127 ? -1 : level);
	j->slot[s].arrival_us = arrival_us;
	memcpy(j->slot[s].data, data, len);
	memmove(j->order + pos + 1, j->order + pos, (j->n - pos) * sizeof(j->order[0]));
	j->order[pos] = (uint8_t)s;
	j->n++;
	return 0;
}

int mcu_audio_jitter_get(mcu_audio_jitter *j, uint8_t *out, size_t cap, size_t *len)
{
	return mcu_audio_jitter_get_meta(j, out, cap, len, NULL, NULL);
}

int mcu_audio_jitter_get_meta(
	mcu_audio_jitter *j, uint8_t *out, size_t cap, size_t *len, int *level, int64_t *arrival_us)
{
	if (!j || !out || !len)
		return -EINVAL;
	if (!j->playing) {
		if (j->n < MCU_JITTER_PREBUFFER)
			return -EAGAIN;
		j->playing = true;
		if (!j->have_next) {
			j->have_next = true;
			j->next_seq = j->slot[j->order[0]].seq;
		}
	}
	if (j->n == 0) {
		/* Underrun: build the prebuffer again before playing on. */
		j->playing = false;
		return -EAGAIN;
	}
	while (j->n > MCU_JITTER_MAX_DELAY)
		drop_oldest(j);
	/* Latency that a stall or burst left behind does not go away by itself: if the queue
	 * never went down to the prebuffer depth during a window, play one packet less. */
	if (j->win_n == 0 || j->n < j->win_min)
		j->win_min = j->n;
	if (++j->win_n >= MCU_JITTER_WINDOW) {
		if (j->win_min > MCU_JITTER_PREBUFFER && j->n > 1)
			drop_oldest(j);
		j->win_n = 0;
	}
	uint16_t head = j->slot[j->order[0]].seq;
	int gap = mcu_rtp_seq_diff(head, j->next_seq);
	if (gap > JITTER_MAX_GAP)
		j->next_seq = head; /* long silence or restart: resync, conceal once */
	if (gap > 0) {
		if (gap <= JITTER_MAX_GAP)
			j->next_seq++;
		return 0;
	}
	unsigned s = j->order[0];
	if (cap < j->slot[s].len)
		return -ENOSPC;
	memcpy(out, j->slot[s].data, j->slot[s].len);
	*len = j->slot[s].len;
	if (level)
		*level = j->slot[s].level;
	if (arrival_us)
		*arrival_us = j->slot[s].arrival_us;
	drop_oldest(j);
	return 1;
}
