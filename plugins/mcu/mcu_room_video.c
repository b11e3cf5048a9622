/*
 * mcu_room_video.c - the room's video: the incoming path of each participant (RTP → frame
 * assembler → VP8 or H.264 decoder → latest picture, asking the sender for a key frame
 * after loss) and the composer thread (the room's layout filled with the latest pictures,
 * names and placeholders → one encode per tick and per picture, bandwidth tier (mcu_tiers.h)
 * and video codec that has receivers: VP8 and/or H.264 → packetized once (H.264: once per packetization mode in use), then sent to
 * every receiver of that codec with its own SSRC, sequence numbers, payload type and
 * timestamp offset). Key frames are forced and rate-limited per codec, so an H.264
 * endpoint's FIR does not make the VP8 receivers pay for a key frame.
 *
 * Who is shown: the active speaker (main pane of speaker and 1+7; always shown in the
 * grids); when more participants than slots, the most recent talkers fill the rest; the
 * others keep join order so tiles do not jump around. Before anyone has been the speaker
 * the most recent talker, else the first to join, takes the main pane. A participant
 * without video, or whose video stopped for VIDEO_STALE_US, shows a placeholder tile.
 *
 * Time: a tick may wait up to VIDEO_MAX_WAIT_US for a shown participant's frame that is due
 * (its smoothed frame interval says it is about to arrive), which saves a whole frame of
 * latency for senders whose phase is just behind the composer's. The audio thread is
 * never involved.
 *
 * Cost: the input path stores each picture already scaled to the size it is drawn at
 * (published by the composer in p->v_want), so scaling runs on the senders' threads in
 * parallel and the composer mostly copies; a participant not shown for
 * VIDEO_HIDE_AFTER_US is not decoded at all until it is shown again (then a key frame is
 * asked for, and its last picture or its placeholder shows meanwhile). The CPU time the input
 * path spends decoding is booked to the room (input_cpu_us, for admission control).
 *
 * Threads: mcu_room_video_incoming() runs on the caller's thread of
 * mcu_participant_incoming_rtp() (decoding there keeps the composer's tick short);
 * everything else runs on the video thread (or the caller of mcu_room_advance with a
 * manual clock). Locks as in mcu_room_priv.h; io callbacks are
 * made under p->lock only, with no other lock held.
 */
#include "mcu_room_priv.h"
#include "mcu_font.h"
#include "mcu_layout.h"
#include "mcu_content_priv.h"
#include "mcu_phase.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- incoming ------------------------------------------------------------------------- */

/* Keeps the decoded picture for the composer, scaled down to the size it is drawn at (this
 * thread does the scaling, so the composer only copies, and all senders' scaling runs in
 * parallel on their own threads). Called under vin_lock. */
static void video_store_picture(mcu_participant *p, const mcu_image *view, gint64 now_us)
{
	gint want = g_atomic_int_get(&p->v_want);
	int ww = want > 0 ? want >> 16 : 0, wh = want > 0 ? want & 0xffff : 0;
	int rc;
	if (ww >= 2 && wh >= 2 && ww <= view->width && wh <= view->height
		&& (ww < view->width || wh < view->height)) {
		mcu_rect all = { 0, 0, ww, wh };
		rc = mcu_image_alloc(&p->spare, ww, wh);
		if (rc == 0)
			rc = mcu_image_draw_scaled(&p->spare, &all, view);
	} else {
		rc = mcu_image_copy(&p->spare, view);
	}
	if (rc < 0)
		return;
	g_mutex_lock(&p->frame_lock);
	mcu_image t = p->frame;
	p->frame = p->spare;
	p->spare = t;
	p->src_w = view->width;
	p->src_h = view->height;
	if (p->has_frame) {
		gint64 d = now_us - p->frame_arrival_us;
		if (d > 0 && d < G_USEC_PER_SEC)
			p->frame_interval_us = p->frame_interval_us
				? (p->frame_interval_us * 7 + d) / 8
				: d;
	}
	p->has_frame = true;
	p->frame_seq++;
	p->frame_arrival_us = now_us;
	g_mutex_unlock(&p->frame_lock);
}

/* Books the CPU time this thread spent decoding for the room (its load, for admission
 * control) and wakes the composer if it waits for a late frame. */
static void video_input_done(mcu_participant *p, bool stored, gint64 cpu_us)
{
	g_rec_mutex_lock(&p->lock);
	mcu_room *room = p->room;
	if (room && cpu_us > 0)
		__atomic_add_fetch(&room->input_cpu_us, cpu_us, __ATOMIC_RELAXED);
	if (room && stored) {
		g_mutex_lock(&room->tick_lock);
		g_cond_broadcast(&room->frame_cond);
		g_mutex_unlock(&room->tick_lock);
	}
	g_rec_mutex_unlock(&p->lock);
}

/* The participant's depacketizer and decoder, VP8 or H.264 (under vin_lock). */
typedef struct vin_frame {
	const uint8_t *data;
	size_t len;
	bool keyframe;
} vin_frame;

static int vin_push(mcu_participant *p, const mcu_rtp_header *h, const uint8_t *payload, size_t len)
{
	if (p->vcodec == MCU_VIDEO_H264)
		return mcu_h264_assembler_push(p->hasm, h->seq, h->ts, h->marker, payload, len);
	return mcu_vp8_assembler_push(p->vasm, h->seq, h->ts, h->marker, payload, len);
}

static int vin_pop(mcu_participant *p, vin_frame *f)
{
	if (p->vcodec == MCU_VIDEO_H264) {
		mcu_h264_frame hf;
		int rc = mcu_h264_assembler_pop(p->hasm, &hf);
		if (rc == 0)
			*f = (vin_frame){ hf.data, hf.len, hf.keyframe };
		return rc;
	}
	mcu_vp8_frame vf;
	int rc = mcu_vp8_assembler_pop(p->vasm, &vf);
	if (rc == 0)
		*f = (vin_frame){ vf.data, vf.len, vf.keyframe };
	return rc;
}

static unsigned vin_take_lost(mcu_participant *p)
{
	return p->vcodec == MCU_VIDEO_H264 ? mcu_h264_assembler_take_lost(p->hasm)
					   : mcu_vp8_assembler_take_lost(p->vasm);
}

static int vin_decode(mcu_participant *p, const vin_frame *f, mcu_image *view)
{
	return p->vcodec == MCU_VIDEO_H264 ? mcu_h264_dec_decode(p->hdec, f->data, f->len, view)
					   : mcu_vp8_dec_decode(p->vdec, f->data, f->len, view);
}

void mcu_room_video_incoming(mcu_participant *p, const mcu_rtp_header *h, const uint8_t *payload,
	size_t len, gint64 now_us)
{
	bool need_key = false, send_pli = false, stored = false;
	gint64 cpu_us = 0;
	if (p->vcodec == MCU_VIDEO_NONE) {
		MCU_STAT_INC(p, bad_packets_in, 1); /* video from an audio-only participant */
		return;
	}
	g_mutex_lock(&p->vin_lock);
	if (vin_push(p, h, payload, len) < 0) {
		g_mutex_unlock(&p->vin_lock);
		MCU_STAT_INC(p, bad_packets_in, 1);
		return;
	}
	MCU_STAT_INC(p, video_packets_in, 1);
	MCU_ATOMIC_STORE64(&p->vlast_pkt_us, now_us);
	vin_frame f;
	while (vin_pop(p, &f) == 0) {
		unsigned lost = vin_take_lost(p);
		if (lost) {
			MCU_STAT_INC(p, video_frames_lost, lost);
			p->vwait_key = true;
		}
		if (g_atomic_int_get(&p->v_want) == 0) {
			/* Not shown for a while: save the decode. Decoding resumes at a key frame,
			 * asked for once the participant is shown again. */
			p->vwait_key = true;
			continue;
		}
		if (p->vwait_key && !f.keyframe) {
			/* An inter frame after loss would decode to garbage: wait for a key frame. */
			need_key = true;
			continue;
		}
		mcu_image view;
		gint64 cpu0 = mcu_thread_cpu_us();
		int rc = vin_decode(p, &f, &view);
		if (rc != 0)
			cpu_us += mcu_thread_cpu_us() - cpu0;
		if (rc == -EAGAIN && p->vcodec == MCU_VIDEO_H264)
			continue; /* e.g. parameter sets alone: no picture, nothing wrong */
		if (rc != 0) {
			MCU_STAT_INC(p, video_frames_lost, 1);
			p->vwait_key = true;
			need_key = true;
			continue;
		}
		p->vwait_key = false;
		MCU_STAT_INC(p, video_frames_decoded, 1);
		video_store_picture(p, &view, now_us);
		cpu_us += mcu_thread_cpu_us() - cpu0;
		stored = true;
	}
	unsigned lost = vin_take_lost(p);
	if (lost) {
		MCU_STAT_INC(p, video_frames_lost, lost);
		p->vwait_key = true;
		need_key = true;
	}
	if (need_key && now_us - p->last_pli_us >= MCU_KEYFRAME_INTERVAL_US) {
		p->last_pli_us = now_us;
		send_pli = true;
	}
	g_mutex_unlock(&p->vin_lock);
	if (stored || cpu_us > 0)
		video_input_done(p, stored, cpu_us);

	if (!send_pli)
		return;
	g_rec_mutex_lock(&p->lock);
	if (!g_atomic_int_get(&p->left) && p->io.request_keyframe) {
		MCU_STAT_INC(p, keyframes_requested, 1);
		p->io.request_keyframe(p->io.opaque);
	}
	g_rec_mutex_unlock(&p->lock);
}

/* --- who is shown --------------------------------------------------------------------- */

#define VIDEO_MAX_WAIT_US   5000
#define VIDEO_HIDE_AFTER_US 2000000
#define VIDEO_STALE_US      3000000 /* no video packet for this long: camera off, placeholder */
#define VIDEO_IDLE_FRAMES   30      /* nobody with video: the composer ticks every 30 frames */

/* True when a should be shown before b when slots are short: more recent talker first,
 * then earlier join. */
static bool more_recent(mcu_participant *a, mcu_participant *b)
{
	gint64 ta = MCU_ATOMIC_LOAD64(&a->last_talk_us), tb = MCU_ATOMIC_LOAD64(&b->last_talk_us);
	if (ta != tb)
		return ta > tb;
	return a->id < b->id;
}

/* Fills shown[] (slot order) and returns how many. parts is in join order. */
static unsigned video_pick_shown(
	mcu_room *room, GPtrArray *parts, mcu_layout_kind kind, mcu_participant **shown)
{
	unsigned slots = mcu_layout_slots(kind), n = parts->len;
	if (n == 0 || slots == 0)
		return 0;
	uint32_t speaker_id = (uint32_t)g_atomic_int_get(&room->spotlight_id);
	if (speaker_id == 0)
		speaker_id = (uint32_t)g_atomic_int_get(&room->speaker_id);
	mcu_participant *main_p = NULL;
	for (unsigned i = 0; i < n; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		if (p->id == speaker_id)
			main_p = p;
	}
	if (!main_p && mcu_layout_has_main(kind)) {
		main_p = g_ptr_array_index(parts, 0);
		for (unsigned i = 1; i < n; i++)
			if (more_recent(g_ptr_array_index(parts, i), main_p)
				&& MCU_ATOMIC_LOAD64(
					&((mcu_participant *)g_ptr_array_index(parts, i))
						 ->last_talk_us))
				main_p = g_ptr_array_index(parts, i);
	}
	/* Choose the set: the main/speaker participant, then the most recent talkers. */
	bool *pick = g_new0(bool, n);
	unsigned picked = 0;
	for (unsigned i = 0; i < n; i++)
		if (g_ptr_array_index(parts, i) == main_p) {
			pick[i] = true;
			picked++;
		}
	while (picked < slots && picked < n) {
		int best = -1;
		for (unsigned i = 0; i < n; i++)
			if (!pick[i]
				&& (best < 0
					|| more_recent(g_ptr_array_index(parts, i),
						g_ptr_array_index(parts, (unsigned)best))))
				best = (int)i;
		pick[best] = true;
		picked++;
	}
	/* Slot order: main pane first where the layout has one, then join order. */
	unsigned k = 0;
	if (mcu_layout_has_main(kind) && main_p)
		shown[k++] = main_p;
	for (unsigned i = 0; i < n; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		if (pick[i] && !(mcu_layout_has_main(kind) && p == main_p))
			shown[k++] = p;
	}
	g_free(pick);
	return k;
}

/* Participants not shown for VIDEO_HIDE_AFTER_US stop being decoded (see v_want). */
static void video_mark_hidden(GPtrArray *parts, mcu_participant **shown, unsigned n, gint64 now)
{
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		bool is_shown = false;
		for (unsigned k = 0; k < n; k++)
			is_shown = is_shown || shown[k] == p;
		if (is_shown) {
			p->last_shown_us = now;
			if (g_atomic_int_get(&p->v_want) == 0)
				g_atomic_int_set(&p->v_want, -1);
		} else if (now - p->last_shown_us > VIDEO_HIDE_AFTER_US) {
			g_atomic_int_set(&p->v_want, 0);
		}
	}
}

/* Waits (bounded by deadline) for frames of shown participants that are due. */
static void video_wait_late(mcu_room *room, mcu_participant **shown, unsigned n, gint64 deadline)
{
	if (room->cfg.manual_clock)
		return; /* the caller's thread is this one: nothing can arrive while we wait */
	for (;;) {
		gint64 now = g_get_monotonic_time();
		if (now >= deadline)
			return;
		bool waiting = false;
		for (unsigned i = 0; i < n && !waiting; i++) {
			mcu_participant *p = shown[i];
			g_mutex_lock(&p->frame_lock);
			gint64 due = p->frame_arrival_us + p->frame_interval_us;
			/* No new picture since the last compose, one is due before the deadline, and
			 * the sender has not simply stopped (not overdue by half a frame). */
			waiting = p->has_frame && p->frame_interval_us > 0
				&& p->frame_seq == p->shown_seq && due <= deadline
				&& now - due < p->frame_interval_us / 2;
			g_mutex_unlock(&p->frame_lock);
		}
		if (!waiting)
			return;
		/* Re-check at least every 2 ms: a frame stored between the check and the wait
		 * costs that much at most. */
		gint64 until = MIN(deadline, now + 2000);
		g_mutex_lock(&room->tick_lock);
		if (room->stop) {
			g_mutex_unlock(&room->tick_lock);
			return;
		}
		g_cond_wait_until(&room->frame_cond, &room->tick_lock, until);
		g_mutex_unlock(&room->tick_lock);
	}
}

/* --- composing ------------------------------------------------------------------------ */

#define BAND_LUMA     235
#define PLACEHOLDER_Y 40

/* The participant's name on a dark band along the bottom of r. */
static void draw_name(mcu_image *canvas, const mcu_rect *r, const char *name)
{
	if (!name || !*name)
		return;
	int scale = (r->h + 40) / 140; /* 90 px tile: 1, 240: 2, 720: 5 */
	if (scale < 1)
		scale = 1;
	int pad = 2 * scale;
	int band_h = (MCU_FONT_CELL_H * scale + 2 * pad + 1) & ~1;
	if (band_h > r->h)
		return;
	mcu_rect band = { r->x, r->y + r->h - band_h, r->w, band_h };
	int tw = mcu_font_text_width(name, scale);
	band.w = MIN(r->w, (tw + 2 * pad + 1) & ~1);
	mcu_image_darken_rect(canvas, &band);
	mcu_rect clip = { band.x + pad, band.y, band.w - 2 * pad, band.h };
	mcu_font_draw(canvas, &clip, band.x + pad, band.y + pad, scale, name, BAND_LUMA);
}

/* A participant without video: a grey tile with the name in the middle. */
static void draw_placeholder(mcu_image *canvas, const mcu_rect *cell, const char *name)
{
	mcu_rect r = { cell->x + 2, cell->y + 2, cell->w - 4, cell->h - 4 };
	mcu_image_fill_rect(canvas, &r, PLACEHOLDER_Y, 128, 128);
	int w1 = mcu_font_text_width(name, 1);
	if (w1 <= 0)
		return;
	int scale = MIN(cell->h / (MCU_FONT_CELL_H * 4), (cell->w - 16) / w1);
	if (scale < 1)
		scale = 1;
	int x = cell->x + (cell->w - mcu_font_text_width(name, scale)) / 2;
	int y = cell->y + (cell->h - MCU_FONT_CELL_H * scale) / 2;
	mcu_font_draw(canvas, &r, MAX(x, r.x), y, scale, name, BAND_LUMA);
}

/* Draws the layout into pic's canvas. For each shown participant whose picture is new since
 * the last compose, *arrival[i] gets its arrival time (0 otherwise). set_want: this picture
 * decides the size the input path stores pictures at (the first one composed in a tick). */
static void video_compose(mcu_room *room, mcu_room_pic *pic, mcu_layout_kind kind,
	mcu_participant **shown, unsigned n, gint64 *arrival, bool set_want)
{
	gint64 now = mcu_room_now(room);
	mcu_image *canvas = &pic->canvas;
	mcu_image_fill_black(canvas);
	if (kind == MCU_LAYOUT_PRESENTATION)
		mcu_content_draw(room->content, canvas); /* the content pane */
	mcu_rect cells[MCU_LAYOUT_MAX_TILES];
	unsigned count = 0;
	if (mcu_layout_cells(kind, n, room->cfg.width, room->cfg.height, cells, &count) < 0)
		return;
	for (unsigned i = 0; i < count; i++) {
		mcu_participant *p = shown[i];
		mcu_rect r;
		bool drawn = false;
		arrival[i] = 0;
		bool live = now - MCU_ATOMIC_LOAD64(&p->vlast_pkt_us) < VIDEO_STALE_US;
		g_mutex_lock(&p->frame_lock);
		if (p->has_frame && live && mcu_layout_fit(&cells[i], p->src_w, p->src_h, &r) == 0
			&& mcu_image_draw_scaled(canvas, &r, &p->frame) == 0) {
			drawn = true;
			if (p->shown_seq != p->frame_seq)
				arrival[i] = p->frame_arrival_us;
			p->shown_seq = p->frame_seq;
		}
		g_mutex_unlock(&p->frame_lock);
		if (set_want) {
			g_atomic_int_set(&p->v_want, drawn ? (r.w << 16) | r.h : -1);
			g_atomic_int_set(
				&p->v_tile, (cells[i].w << 16) | cells[i].h); /* simulcast */
		}
		if (drawn)
			draw_name(canvas, &r, p->display);
		else
			draw_placeholder(canvas, &cells[i], p->display);
	}
	mcu_banner_draw(room, canvas); /* "María joined", over the tiles */
}

static bool video_want_keyframe(mcu_room_pic *pic, mcu_video_codec_id c, gint64 now)
{
	if (g_atomic_int_compare_and_exchange(&pic->kf_force[c], 1, 0)) {
		g_atomic_int_set(&pic->kf_requested[c], 0);
		return true;
	}
	/* Receivers' requests are served at most once per interval, never dropped. */
	if (now - pic->last_kf_us[c] >= MCU_KEYFRAME_INTERVAL_US
		&& g_atomic_int_compare_and_exchange(&pic->kf_requested[c], 1, 0))
		return true;
	return false;
}

/* One encoded picture cut into RTP payloads, each MCU_RTP_HEADER_LEN bytes into a slot of
 * VIDEO_PKT_STRIDE bytes (room for the header, written per receiver). */
#define VIDEO_PKT_STRIDE (MCU_RTP_HEADER_LEN + MCU_VIDEO_MAX_PAYLOAD)

typedef struct video_pkts {
	uint8_t *buf;
	size_t *lens;
	size_t count;
} video_pkts;

static void video_pkts_clear(video_pkts *v)
{
	free(v->buf);
	free(v->lens);
	memset(v, 0, sizeof(*v));
}

static bool video_pkts_alloc(video_pkts *v, size_t count)
{
	v->buf = count ? malloc(count * VIDEO_PKT_STRIDE) : NULL;
	v->lens = count ? malloc(count * sizeof(size_t)) : NULL;
	v->count = count;
	return count && v->buf && v->lens;
}

/* Sends the packets to one participant, rewriting the header for it. */
static void video_send(mcu_participant *p, const video_pkts *v, bool keyframe, uint32_t ts90)
{
	g_rec_mutex_lock(&p->lock);
	if (g_atomic_int_get(&p->left) || !p->io.send_rtp || (!keyframe && !p->v_started)) {
		g_rec_mutex_unlock(&p->lock);
		return; /* a new receiver starts with a key frame */
	}
	p->v_started = true;
	for (size_t i = 0; i < v->count; i++) {
		uint8_t *pkt = v->buf + i * VIDEO_PKT_STRIDE;
		/* RFC 7741 §4.1 and RFC 6184 §5.1: the marker ends the picture. */
		mcu_rtp_write_header(pkt, MCU_RTP_HEADER_LEN, i + 1 == v->count, p->video_pt,
			p->v_seq++, p->v_ts_offset + ts90, p->v_ssrc);
		p->io.send_rtp(p->io.opaque, 1, pkt, MCU_RTP_HEADER_LEN + v->lens[i]);
		mcu_tiers_count_out(&p->tiers, MCU_RTP_HEADER_LEN + v->lens[i]);
	}
	MCU_STAT_INC(p, video_packets_out, v->count);
	g_rec_mutex_unlock(&p->lock);
}

/* Sends to the receivers of one picture at one bandwidth tier. */
static void video_send_group(GPtrArray *parts, const mcu_tier_target *tg, mcu_video_codec_id c,
	int h264_mode, const video_pkts *v, bool keyframe, uint32_t ts90)
{
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		if (p->vcodec == c && (c != MCU_VIDEO_H264 || p->h264_mode == h264_mode)
			&& g_atomic_int_get(&p->v_pic) == tg->pic && mcu_tiers_of(p) == tg->tier)
			video_send(p, v, keyframe, ts90);
	}
}

/* VP8 group of one picture and tier: one encode, one packetization. Returns whether a
 * picture went out. */
static bool video_out_vp8(mcu_room *room, const mcu_tier_target *tg, GPtrArray *parts, gint64 now,
	uint32_t ts90, gint64 *encode_us)
{
	mcu_room_pic *pic = tg->enc;
	if (!pic->venc
		&& mcu_vp8_enc_new(tg->width, tg->height, room->cfg.fps, tg->kbps, &pic->venc) < 0)
		return false; /* its receivers get no picture, the others are not hurt */
	bool force = video_want_keyframe(pic, MCU_VIDEO_VP8, now);
	const uint8_t *data;
	size_t len;
	bool key;
	gint64 t0 = g_get_monotonic_time();
	int rc = mcu_vp8_enc_encode(pic->venc, &pic->canvas, force, &data, &len, &key);
	*encode_us += g_get_monotonic_time() - t0;
	if (rc < 0 || len == 0)
		return false;
	if (key)
		pic->last_kf_us[MCU_VIDEO_VP8] = now;
	pic->picture_id = (pic->picture_id + 1) & 0x7fff;
	video_pkts v = { 0 };
	bool ok = video_pkts_alloc(&v, mcu_vp8_packet_count(len, MCU_VIDEO_MAX_PAYLOAD));
	for (size_t i = 0; ok && i < v.count; i++) {
		bool marker;
		ok = mcu_vp8_packetize(data, len, pic->picture_id, MCU_VIDEO_MAX_PAYLOAD, i,
			     v.buf + i * VIDEO_PKT_STRIDE + MCU_RTP_HEADER_LEN,
			     MCU_VIDEO_MAX_PAYLOAD, &v.lens[i], &marker)
			== 0;
	}
	if (ok)
		video_send_group(parts, tg, MCU_VIDEO_VP8, 0, &v, key, ts90);
	video_pkts_clear(&v);
	return ok;
}

/* H.264 group of one picture and tier: one encode (the encoder lives while its receivers
 * do), one packetization per packetization mode in use. Returns whether a picture went
 * out. */
static bool video_out_h264(mcu_room *room, const mcu_tier_target *tg, GPtrArray *parts, gint64 now,
	uint32_t ts90, gint64 *encode_us, bool *is_key)
{
	mcu_room_pic *pic = tg->enc;
	*is_key = false;
	if (!pic->henc) {
		if (pic->henc_failed)
			return false;
		if (mcu_h264_enc_new(tg->width, tg->height, room->cfg.fps, tg->kbps, &pic->henc)
			< 0) {
			pic->henc_failed = true; /* no libx264: H.264 receivers get no video */
			return false;
		}
	}
	bool force = video_want_keyframe(pic, MCU_VIDEO_H264, now);
	const uint8_t *data;
	size_t len;
	bool key;
	gint64 t0 = g_get_monotonic_time();
	int rc = mcu_h264_enc_encode(pic->henc, &pic->canvas, force, &data, &len, &key);
	*encode_us += g_get_monotonic_time() - t0;
	if (rc < 0 || len == 0)
		return false;
	if (key)
		pic->last_kf_us[MCU_VIDEO_H264] = now;
	*is_key = key;
	bool mode_used[2] = { false, false };
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		if (p->vcodec == MCU_VIDEO_H264 && g_atomic_int_get(&p->v_pic) == tg->pic
			&& mcu_tiers_of(p) == tg->tier)
			mode_used[p->h264_mode] = true;
	}
	bool sent = false;
	for (int mode = 0; mode < 2; mode++) {
		if (!mode_used[mode])
			continue;
		size_t count = 0;
		if (mcu_h264_packetize(
			    data, len, mode, MCU_VIDEO_MAX_PAYLOAD, NULL, 0, SIZE_MAX, NULL, &count)
			< 0)
			continue; /* mode 0 and a NAL unit too large: cannot be sent */
		video_pkts v = { 0 };
		if (video_pkts_alloc(&v, count)
			&& mcu_h264_packetize(data, len, mode, MCU_VIDEO_MAX_PAYLOAD,
				   v.buf + MCU_RTP_HEADER_LEN, VIDEO_PKT_STRIDE, count, v.lens,
				   &v.count)
				== 0) {
			video_send_group(parts, tg, MCU_VIDEO_H264, mode, &v, key, ts90);
			sent = true;
		}
		video_pkts_clear(&v);
	}
	return sent;
}

/* Which picture each participant receives: the people picture, or the presentation picture
 * while someone presents and it has no content stream of its own (mcu_content.h). A
 * participant moving to the other picture waits for that picture's key frame at its tier,
 * forced now. Sets any[picture] for the pictures that have receivers (their canvas
 * allocated); the encoders are kept and freed by mcu_tiers_prepare. */
static void video_assign_pics(mcu_room *room, GPtrArray *parts, bool any[MCU_PICS])
{
	bool presenting = mcu_content_presenting(room->content);
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		mcu_video_codec_id c = p->vcodec;
		if (c >= MCU_VIDEO_CODECS)
			continue; /* audio-only participants receive no picture */
		int pi = presenting && !mcu_content_receives(p->content) ? MCU_PIC_PRESENTATION
									 : MCU_PIC_PEOPLE;
		if (g_atomic_int_get(&p->v_pic) != pi) {
			g_atomic_int_set(&p->v_pic, pi);
			p->v_started = false;
			mcu_tiers_force_key(room, pi, mcu_tiers_of(p), c);
		}
		any[pi] = true;
	}
	for (int pi = 0; pi < MCU_PICS; pi++) {
		mcu_room_pic *pic = &room->pic[pi];
		if (pi != MCU_PIC_PEOPLE && any[pi] && !pic->canvas.buf
			&& mcu_image_alloc(&pic->canvas, room->cfg.width, room->cfg.height) < 0)
			any[pi] = false;
	}
}

bool mcu_room_video_tick(mcu_room *room, gint64 scheduled_us)
{
	gint64 cpu0 = mcu_thread_cpu_us();
	GPtrArray *parts = mcu_room_parts_snapshot(room);
	if (room->cfg.manual_clock)
		mcu_content_video_tick(room, parts); /* else on the room's content thread */
	bool any[MCU_PICS] = { false };
	video_assign_pics(room, parts, any);
	bool none = true;
	for (int pi = 0; pi < MCU_PICS; pi++)
		none = none && !any[pi];
	g_mutex_lock(&room->stats_lock);
	room->st.video_ticks++;
	g_mutex_unlock(&room->stats_lock);
	if (none) {
		/* Nobody to send a picture to: no compose, no encode; the encoders freed. */
		mcu_tiers_prepare(room, parts, any, mcu_room_now(room));
		mcu_room_parts_free(parts);
		return false;
	}
	mcu_layout_kind kinds[MCU_PICS] = { mcu_room_layout(room), MCU_LAYOUT_PRESENTATION };
	mcu_participant *shown[MCU_PICS][MCU_LAYOUT_MAX_TILES],
		*all[MCU_PICS * MCU_LAYOUT_MAX_TILES];
	gint64 arrival[MCU_PICS][MCU_LAYOUT_MAX_TILES] = { { 0 } };
	unsigned n[MCU_PICS] = { 0 }, n_all = 0;
	for (int pi = 0; pi < MCU_PICS; pi++) {
		if (any[pi])
			n[pi] = video_pick_shown(room, parts, kinds[pi], shown[pi]);
		for (unsigned k = 0; k < n[pi]; k++)
			all[n_all++] = shown[pi][k];
	}
	video_mark_hidden(parts, all, n_all, scheduled_us);
	gint64 t_wait = mcu_room_now(room);
	video_wait_late(room, all, n_all, scheduled_us + VIDEO_MAX_WAIT_US);
	gint64 t_compose = mcu_room_now(room);
	gint64 wall0 = g_get_monotonic_time();
	bool first = true;
	for (int pi = 0; pi < MCU_PICS; pi++) {
		if (!any[pi])
			continue;
		video_compose(
			room, &room->pic[pi], kinds[pi], shown[pi], n[pi], arrival[pi], first);
		first = false;
	}
	gint64 compose_us = g_get_monotonic_time() - wall0;
	gint64 now = mcu_room_now(room);
	/* 90 kHz media clock from the monotonic clock, the same for both codecs. */
	uint32_t ts90 = (uint32_t)((now - room->start_us) * 9 / 100);
	gint64 vp8_us = 0, h264_us = 0;
	bool out_vp8 = false, out_h264 = false, h264_key = false;
	uint64_t tier_encodes[MCU_VIDEO_TIERS] = { 0 };
	/* One encode per picture, bandwidth tier and codec with receivers (mcu_tiers.h). */
	unsigned used = mcu_tiers_prepare(room, parts, any, now);
	for (int pi = 0; pi < MCU_PICS; pi++) {
		for (int t = 0; t < MCU_VIDEO_TIERS; t++) {
			mcu_tier_target tg;
			mcu_tiers_target(room, pi, t, &tg);
			bool key = false;
			if ((used & MCU_TIER_BIT(pi, MCU_VIDEO_VP8, t))
				&& video_out_vp8(room, &tg, parts, now, ts90, &vp8_us)) {
				out_vp8 = true;
				tier_encodes[t]++;
			}
			if ((used & MCU_TIER_BIT(pi, MCU_VIDEO_H264, t))
				&& video_out_h264(room, &tg, parts, now, ts90, &h264_us, &key)) {
				out_h264 = true;
				h264_key = h264_key || key;
				tier_encodes[t]++;
			}
		}
	}
	mcu_content_count_pictures(room->content, any[MCU_PIC_PEOPLE], any[MCU_PIC_PRESENTATION]);
	if (!out_vp8 && !out_h264) {
		mcu_room_parts_free(parts);
		return true;
	}
	gint64 sent = mcu_room_now(room);
	gint64 cpu = mcu_thread_cpu_us() - cpu0;
	g_mutex_lock(&room->stats_lock);
	room->st.video_frames_out++;
	room->st.video_wait_us += (uint64_t)(t_compose - t_wait);
	room->st.video_compose_us += (uint64_t)compose_us;
	room->st.video_encode_us += (uint64_t)vp8_us;
	if (out_h264) {
		room->st.video_frames_out_h264++;
		room->st.video_encode_h264_us += (uint64_t)h264_us;
		room->st.video_keyframes_h264 += h264_key ? 1 : 0;
	}
	room->st.video_cpu_us += (uint64_t)(cpu > 0 ? cpu : 0);
	for (int t = 0; t < MCU_VIDEO_TIERS; t++)
		room->st.video_encodes_tier[t] += tier_encodes[t];
	mcu_hist_add(&room->video_late, sent - scheduled_us);
	for (int pi = 0; pi < MCU_PICS; pi++)
		for (unsigned i = 0; i < n[pi]; i++)
			if (arrival[pi][i])
				mcu_hist_add(&room->video_lat, sent - arrival[pi][i]);
	g_mutex_unlock(&room->stats_lock);
	mcu_room_parts_free(parts);
	return true;
}

gpointer mcu_room_video_thread(gpointer data)
{
	mcu_room *room = data;
	mcu_thread_boost(MCU_VIDEO_NICE);
	gint64 period = G_USEC_PER_SEC / room->cfg.fps;
	/* Ticks at a phase of the period no other room's composer has (mcu_phase.h). */
	uint16_t phase = mcu_phase_acquire(MCU_PHASE_VIDEO);
	gint64 next = mcu_phase_next_tick(g_get_monotonic_time(), period, phase);
	bool idle = false, kicked = false;
	for (;;) {
		if (!mcu_room_wait_video(room, next, idle, &kicked))
			break;
		if (idle && kicked) { /* a participant with video joined: back on the frame grid */
			idle = false;
			next = mcu_phase_next_tick(g_get_monotonic_time(), period, phase);
			continue;
		}
		/* Nobody with video (an audio-only room): tick once a second, not every frame,
		 * until a participant with video joins and kicks us. */
		idle = !mcu_room_video_tick(room, next);
		next += idle ? VIDEO_IDLE_FRAMES * period : period;
		gint64 now = g_get_monotonic_time();
		if (now > next) /* behind by a whole frame: skip it rather than burst */
			next = mcu_phase_next_tick(now, period, phase);
	}
	mcu_phase_release(MCU_PHASE_VIDEO, phase);
	return NULL;
}
