/*
 * mcu_room_audio.c - the room's audio thread. Every 20 ms (absolute monotonic deadlines)
 * it takes one frame per participant from its jitter queue (decoded, concealed, or
 * silence), sums all frames, and sends each participant the sum minus its own frame,
 * saturated to 16 bits, Opus encoded with that participant's encoder and RTP state.
 *
 * Threads: everything here runs on the audio thread; it touches a participant's jitter
 * queue under p->audio_lock and calls send_rtp under p->lock (see mcu_room_priv.h).
 */
#include "mcu_room_priv.h"
#include "mcu_opus_rtp.h"

#include <string.h>

#define TICK_US 20000
#define MAX_LATE_US 200000   /* after a stall this long, skip ticks instead of bursting */

/* Fills p->pcm with at least one 20 ms frame. */
static void audio_fill(mcu_participant *p)
{
	uint8_t pkt[MCU_OPUS_MAX_PACKET];
	while (p->pcm_n < MCU_OPUS_FRAME_SAMPLES) {
		size_t len = 0;
		g_mutex_lock(&p->audio_lock);
		int rc = mcu_audio_jitter_get(&p->jitter, pkt, sizeof(pkt), &len);
		g_mutex_unlock(&p->audio_lock);
		int16_t *dst = p->pcm + p->pcm_n;
		int room_left = (int)G_N_ELEMENTS(p->pcm) - p->pcm_n;
		int got = 0;
		if (rc == 1 && mcu_opus_dec_decode(p->adec, pkt, len, dst, room_left, &got) == 0) {
			MCU_STAT_INC(p, audio_frames_decoded, 1);
			p->plc_left = MCU_AUDIO_PLC_FRAMES;
		} else if ((rc == 1 || rc == 0 || p->plc_left > 0) &&
				mcu_opus_dec_decode(p->adec, NULL, 0, dst, room_left, &got) == 0) {
			/* A lost or undecodable packet, or a short underrun: conceal it. */
			if (rc < 0)
				p->plc_left--;
		} else {
			memset(dst, 0, MCU_OPUS_FRAME_SAMPLES * sizeof(int16_t));
			got = MCU_OPUS_FRAME_SAMPLES;
		}
		p->pcm_n += got;
	}
}

static int16_t saturate(int32_t v)
{
	return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (int16_t)v;
}

static void audio_send(mcu_participant *p, const int16_t *mix)
{
	uint8_t opus[MCU_OPUS_MAX_PACKET];
	uint8_t rtp[MCU_RTP_HEADER_LEN + MCU_OPUS_MAX_PACKET];
	size_t olen = 0, rlen = 0;
	if (mcu_opus_enc_encode(p->aenc, mix, opus, sizeof(opus), &olen) < 0)
		return;
	uint16_t seq = p->a_seq++;
	uint32_t ts = p->a_ts;
	p->a_ts += MCU_OPUS_FRAME_SAMPLES;
	if (mcu_opus_rtp_packetize(rtp, sizeof(rtp), p->audio_pt, seq, ts, p->a_ssrc,
			opus, olen, &rlen) < 0)
		return;
	g_rec_mutex_lock(&p->lock);
	if (!g_atomic_int_get(&p->left) && p->io.send_rtp) {
		p->io.send_rtp(p->io.opaque, 0, rtp, rlen);
		MCU_STAT_INC(p, audio_packets_out, 1);
	}
	g_rec_mutex_unlock(&p->lock);
}

static void audio_tick(mcu_room *room)
{
	GPtrArray *parts = mcu_room_parts_snapshot(room);
	int32_t total[MCU_OPUS_FRAME_SAMPLES];
	int16_t out[MCU_OPUS_FRAME_SAMPLES];
	memset(total, 0, sizeof(total));
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		audio_fill(p);
		for (int s = 0; s < MCU_OPUS_FRAME_SAMPLES; s++)
			total[s] += p->pcm[s];
	}
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		/* Mix-minus: nobody hears themselves. */
		for (int s = 0; s < MCU_OPUS_FRAME_SAMPLES; s++)
			out[s] = saturate(total[s] - p->pcm[s]);
		audio_send(p, out);
		p->pcm_n -= MCU_OPUS_FRAME_SAMPLES;
		memmove(p->pcm, p->pcm + MCU_OPUS_FRAME_SAMPLES, (size_t)p->pcm_n * sizeof(int16_t));
	}
	mcu_room_parts_free(parts);
}

gpointer mcu_room_audio_thread(gpointer data)
{
	mcu_room *room = data;
	gint64 next = g_get_monotonic_time();
	for (;;) {
		next += TICK_US;
		if (!mcu_room_wait_until(room, next))
			break;
		audio_tick(room);
		gint64 now = g_get_monotonic_time();
		if (now - next > MAX_LATE_US)
			next = now;
	}
	return NULL;
}
