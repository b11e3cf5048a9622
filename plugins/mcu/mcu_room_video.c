/*
 * mcu_room_video.c - the room's video: the incoming path of each participant (RTP → frame
 * assembler → VP8 decoder → latest picture, asking the sender for a key frame after loss)
 * and the composer thread (grid of the latest pictures → one VP8 encode per tick →
 * packetized once, then sent to every participant with its own SSRC, sequence numbers,
 * payload type and timestamp offset).
 *
 * Threads: mcu_room_video_incoming() runs on the caller's thread of
 * mcu_participant_incoming_rtp() (decoding there keeps the composer's tick short);
 * everything else runs on the video thread. Locks as in mcu_room_priv.h; io callbacks are
 * made under p->lock only, with no other lock held.
 */
#include "mcu_room_priv.h"
#include "mcu_layout.h"

#include <stdlib.h>
#include <string.h>

/* --- incoming ------------------------------------------------------------------------- */

static void video_store_picture(mcu_participant *p, const mcu_image *view)
{
	g_mutex_lock(&p->frame_lock);
	if (mcu_image_copy(&p->frame, view) == 0)
		p->has_frame = true;
	g_mutex_unlock(&p->frame_lock);
}

void mcu_room_video_incoming(mcu_participant *p, const mcu_rtp_header *h,
	const uint8_t *payload, size_t len)
{
	bool need_key = false, send_pli = false;
	g_mutex_lock(&p->vin_lock);
	if (mcu_vp8_assembler_push(p->vasm, h->seq, h->ts, h->marker, payload, len) < 0) {
		g_mutex_unlock(&p->vin_lock);
		MCU_STAT_INC(p, bad_packets_in, 1);
		return;
	}
	MCU_STAT_INC(p, video_packets_in, 1);
	mcu_vp8_frame f;
	while (mcu_vp8_assembler_pop(p->vasm, &f) == 0) {
		unsigned lost = mcu_vp8_assembler_take_lost(p->vasm);
		if (lost) {
			MCU_STAT_INC(p, video_frames_lost, lost);
			p->vwait_key = true;
		}
		if (p->vwait_key && !f.keyframe) {
			/* An inter frame after loss would decode to garbage: wait for a key frame. */
			need_key = true;
			continue;
		}
		mcu_image view;
		if (mcu_vp8_dec_decode(p->vdec, f.data, f.len, &view) != 0) {
			MCU_STAT_INC(p, video_frames_lost, 1);
			p->vwait_key = true;
			need_key = true;
			continue;
		}
		p->vwait_key = false;
		MCU_STAT_INC(p, video_frames_decoded, 1);
		video_store_picture(p, &view);
	}
	unsigned lost = mcu_vp8_assembler_take_lost(p->vasm);
	if (lost) {
		MCU_STAT_INC(p, video_frames_lost, lost);
		p->vwait_key = true;
		need_key = true;
	}
	gint64 now = g_get_monotonic_time();
	if (need_key && now - p->last_pli_us >= MCU_KEYFRAME_INTERVAL_US) {
		p->last_pli_us = now;
		send_pli = true;
	}
	g_mutex_unlock(&p->vin_lock);

	if (!send_pli)
		return;
	g_rec_mutex_lock(&p->lock);
	if (!g_atomic_int_get(&p->left) && p->io.request_keyframe) {
		MCU_STAT_INC(p, keyframes_requested, 1);
		p->io.request_keyframe(p->io.opaque);
	}
	g_rec_mutex_unlock(&p->lock);
}

/* --- composing ------------------------------------------------------------------------ */

static void video_compose(mcu_room *room, GPtrArray *parts)
{
	mcu_image_fill_black(&room->canvas);
	mcu_participant *senders[MCU_LAYOUT_MAX_TILES];
	unsigned n = 0;
	for (guint i = 0; i < parts->len && n < MCU_LAYOUT_MAX_TILES; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		g_mutex_lock(&p->frame_lock);
		if (p->has_frame)
			senders[n++] = p;
		g_mutex_unlock(&p->frame_lock);
	}
	for (unsigned i = 0; i < n; i++) {
		mcu_rect cell, r;
		if (mcu_layout_grid_cell(n, i, room->cfg.width, room->cfg.height, &cell) < 0)
			continue;
		g_mutex_lock(&senders[i]->frame_lock);
		const mcu_image *src = &senders[i]->frame;
		if (mcu_layout_fit(&cell, src->width, src->height, &r) == 0)
			mcu_image_draw_scaled(&room->canvas, &r, src);
		g_mutex_unlock(&senders[i]->frame_lock);
	}
}

static bool video_want_keyframe(mcu_room *room, gint64 now)
{
	if (g_atomic_int_compare_and_exchange(&room->kf_force, 1, 0)) {
		g_atomic_int_set(&room->kf_requested, 0);
		return true;
	}
	/* Receivers' requests are served at most once per interval, never dropped. */
	if (now - room->last_kf_us >= MCU_KEYFRAME_INTERVAL_US &&
			g_atomic_int_compare_and_exchange(&room->kf_requested, 1, 0))
		return true;
	return false;
}

/* Sends the packets (each MCU_RTP_HEADER_LEN bytes of room for the header, then the
 * payload) to one participant, rewriting the header for it. */
static void video_send(mcu_participant *p, uint8_t *pkts, const size_t *lens, size_t count,
	bool keyframe, uint32_t ts90)
{
	g_rec_mutex_lock(&p->lock);
	if (g_atomic_int_get(&p->left) || !p->io.send_rtp || (!keyframe && !p->v_started)) {
		g_rec_mutex_unlock(&p->lock);
		return; /* a new receiver starts with a key frame */
	}
	p->v_started = true;
	for (size_t i = 0; i < count; i++) {
		uint8_t *pkt = pkts + i * (MCU_RTP_HEADER_LEN + MCU_VIDEO_MAX_PAYLOAD);
		mcu_rtp_write_header(pkt, MCU_RTP_HEADER_LEN, i + 1 == count, p->video_pt,
			p->v_seq++, p->v_ts_offset + ts90, p->v_ssrc);
		p->io.send_rtp(p->io.opaque, 1, pkt, MCU_RTP_HEADER_LEN + lens[i]);
	}
	MCU_STAT_INC(p, video_packets_out, count);
	g_rec_mutex_unlock(&p->lock);
}

static void video_tick(mcu_room *room)
{
	GPtrArray *parts = mcu_room_parts_snapshot(room);
	if (parts->len == 0) {
		mcu_room_parts_free(parts);
		return;
	}
	video_compose(room, parts);
	gint64 now = g_get_monotonic_time();
	bool force = video_want_keyframe(room, now);
	const uint8_t *data;
	size_t len;
	bool key;
	if (mcu_vp8_enc_encode(room->venc, &room->canvas, force, &data, &len, &key) < 0 || len == 0) {
		mcu_room_parts_free(parts);
		return;
	}
	if (key)
		room->last_kf_us = now;
	room->picture_id = (room->picture_id + 1) & 0x7fff;
	size_t count = mcu_vp8_packet_count(len, MCU_VIDEO_MAX_PAYLOAD);
	size_t stride = MCU_RTP_HEADER_LEN + MCU_VIDEO_MAX_PAYLOAD;
	uint8_t *pkts = count ? malloc(count * stride) : NULL;
	size_t *lens = count ? malloc(count * sizeof(size_t)) : NULL;
	bool ok = pkts && lens;
	for (size_t i = 0; ok && i < count; i++) {
		bool marker;
		ok = mcu_vp8_packetize(data, len, room->picture_id, MCU_VIDEO_MAX_PAYLOAD, i,
			pkts + i * stride + MCU_RTP_HEADER_LEN, MCU_VIDEO_MAX_PAYLOAD, &lens[i],
			&marker) == 0;
	}
	/* 90 kHz media clock from the monotonic clock. */
	uint32_t ts90 = (uint32_t)((now - room->start_us) * 9 / 100);
	for (guint i = 0; ok && i < parts->len; i++)
		video_send(g_ptr_array_index(parts, i), pkts, lens, count, key, ts90);
	free(pkts);
	free(lens);
	mcu_room_parts_free(parts);
}

gpointer mcu_room_video_thread(gpointer data)
{
	mcu_room *room = data;
	gint64 period = G_USEC_PER_SEC / room->cfg.fps;
	gint64 next = g_get_monotonic_time();
	for (;;) {
		next += period;
		if (!mcu_room_wait_until(room, next))
			break;
		video_tick(room);
		gint64 now = g_get_monotonic_time();
		if (now - next > period)
			next = now; /* behind by a whole frame: skip it rather than burst */
	}
	return NULL;
}
