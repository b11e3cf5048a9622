/*
 * mcu_content.c - the room's content (mcu_content.h): the presenter, its content input
 * (RTP → VP8/H.264 assembler → decoder → the content picture, at most 1920x1080), the
 * content stream (one encode per codec with receivers, at the content frame rate, skipped
 * while the picture has not changed) and the content pane of the presentation layout.
 *
 * Locks (mcu_room_priv.h describes the room's):
 *  - c->lock: the presenter's codec and payload type, the assembler and decoder, the
 *    generation (bumped on every presenter change: receivers restart at a key frame). The
 *    input path decodes under it. Changing the presenter takes it too.
 *  - c->pres_lock: the presenter (a reference) and its name, written under c->lock as
 *    well, so the input path reads them under c->lock alone; the audio thread (events) and
 *    the video thread read them under pres_lock alone and never wait for a decode.
 *  - c->frame_lock: the content picture and its sequence number. Nested inside c->lock
 *    (order c->lock, then frame_lock or pres_lock), never the other way.
 *  - cp->lock: a receiver's negotiated codec, payload type and packetization (leaf).
 * io callbacks are made under p->lock only, with no lock of this file held.
 * Fields marked "video thread" are only touched by the room's video tick, "content tick"
 * by the content thread (the video tick with a manual clock); "audio thread" by its audio
 * tick.
 */
#include "mcu_content_priv.h"
#include "mcu_font.h"
#include "mcu_layout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_PKT_STRIDE (MCU_RTP_HEADER_LEN + MCU_VIDEO_MAX_PAYLOAD)
#define CONTENT_MIN_DIM    16 /* smaller pictures are not content (and x264 refuses them) */
/* A sender's encoder keeps refining a static screen for a while (every decoded picture
 * differs from the last by a few levels): such refinements are encoded at most this often.
 * A real change (a pixel moving by more than CONTENT_MINOR_DIFF) is encoded at once. */
#define CONTENT_REFINE_US  1000000
#define CONTENT_MINOR_DIFF 12

typedef struct content_stats {
	uint64_t frames_out, frames_unchanged, keyframes_out, encode_us;
	uint64_t presentation_frames, people_frames_extra, presenter_changes;
	uint64_t encode_cpu_us;
} content_stats;

struct mcu_content {
	gint refcount;
	int fps, kbps;
	gint64 start_us;

	GMutex lock;
	GMutex pres_lock;
	mcu_participant *presenter; /* a reference, NULL: nobody presents */
	char *presenter_name;
	mcu_video_codec_id codec;
	uint8_t pt;
	mcu_vp8_assembler *vasm;
	mcu_vp8_dec *vdec;
	mcu_h264_assembler *hasm;
	mcu_h264_dec *hdec;
	bool wait_key;
	gint64 last_pli_us;
	gint gen;          /* atomic read: presenter generation, starts at 1 */
	gint presenter_id; /* atomic: the presenter's participant id, 0 none */
	mcu_image spare;   /* under lock: the next picture, swapped with frame */

	GMutex frame_lock;
	mcu_image frame; /* the content picture (<= 1920x1080, even size) */
	bool has_frame;
	uint32_t frame_seq; /* changed pictures stored so far */
	bool pending_major; /* a real change since the content tick last took the picture */
	gint width, height; /* atomic: the picture's size, 0 none */

	gint ev_pending;  /* atomic: the presenter changed, content_changed to tell */
	uint32_t told_id; /* audio thread: the presenter last told (0 none) */

	/* content tick */
	gint64 next_us;
	uint32_t enc_seq; /* frame_seq last encoded */
	gint64 last_enc_us;
	mcu_image enc_img;
	mcu_vp8_enc *venc;
	mcu_h264_enc *henc;
	bool henc_failed;
	int enc_w[MCU_VIDEO_CODECS], enc_h[MCU_VIDEO_CODECS];
	gint64 last_kf_us[MCU_VIDEO_CODECS];
	uint16_t picture_id;
	/* video thread */
	mcu_image pane;   /* the content scaled for the presentation pane */
	mcu_rect pane_at; /* where it goes */
	uint32_t pane_seq;
	bool pane_ok;

	content_stats st; /* atomic counters */
};

struct mcu_content_part {
	GMutex lock;
	mcu_video_codec_id rx_codec; /* MCU_VIDEO_NONE: does not receive content */
	uint8_t rx_pt;
	int rx_mode;
	gint restart; /* atomic: (re)started receiving, key frame first */
	gint kf_req;  /* atomic: asked for a key frame */
	/* content tick */
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts_offset;
	uint32_t started_gen;      /* generation of the last key frame sent, 0 none */
	mcu_content_part_stats st; /* atomic counters */
};

#define CSTAT(s, field, n) __atomic_add_fetch(&(s)->field, (uint64_t)(n), __ATOMIC_RELAXED)

/* --- life cycle ----------------------------------------------------------------------- */

mcu_content *mcu_content_new(mcu_room *room)
{
	mcu_content *c = g_new0(mcu_content, 1);
	c->refcount = 1;
	c->fps = room->cfg.content_fps;
	c->kbps = room->cfg.video_kbps;
	c->start_us = mcu_room_now(room);
	c->gen = 1;
	c->codec = MCU_VIDEO_NONE;
	c->picture_id = (uint16_t)(g_random_int() & 0x7fff);
	for (int i = 0; i < MCU_VIDEO_CODECS; i++)
		c->last_kf_us[i] = c->start_us - MCU_KEYFRAME_INTERVAL_US;
	g_mutex_init(&c->lock);
	g_mutex_init(&c->pres_lock);
	g_mutex_init(&c->frame_lock);
	return c;
}

static mcu_content *content_ref(mcu_content *c)
{
	g_atomic_int_inc(&c->refcount);
	return c;
}

static void input_free(mcu_content *c)
{
	mcu_vp8_assembler_free(c->vasm);
	mcu_vp8_dec_free(c->vdec);
	mcu_h264_assembler_free(c->hasm);
	mcu_h264_dec_free(c->hdec);
	c->vasm = NULL;
	c->vdec = NULL;
	c->hasm = NULL;
	c->hdec = NULL;
}

void mcu_content_unref(mcu_content *c)
{
	if (!c || !g_atomic_int_dec_and_test(&c->refcount))
		return;
	input_free(c);
	mcu_participant_unref(c->presenter);
	g_free(c->presenter_name);
	mcu_vp8_enc_free(c->venc);
	mcu_h264_enc_free(c->henc);
	mcu_image_release(&c->spare);
	mcu_image_release(&c->frame);
	mcu_image_release(&c->enc_img);
	mcu_image_release(&c->pane);
	g_mutex_clear(&c->frame_lock);
	g_mutex_clear(&c->pres_lock);
	g_mutex_clear(&c->lock);
	g_free(c);
}

mcu_content_part *mcu_content_part_new(void)
{
	mcu_content_part *cp = g_new0(mcu_content_part, 1);
	g_mutex_init(&cp->lock);
	cp->rx_codec = MCU_VIDEO_NONE;
	cp->ssrc = g_random_int();
	cp->seq = (uint16_t)g_random_int();
	cp->ts_offset = g_random_int();
	return cp;
}

void mcu_content_part_free(mcu_content_part *cp)
{
	if (!cp)
		return;
	g_mutex_clear(&cp->lock);
	g_free(cp);
}

void mcu_content_reset_stats(mcu_content *c)
{
	if (!c)
		return;
	uint64_t *f = (uint64_t *)&c->st;
	for (size_t i = 0; i < sizeof(c->st) / sizeof(uint64_t); i++)
		__atomic_store_n(&f[i], 0, __ATOMIC_RELAXED);
}

/* The room's content and its clock, through p (NULL when p is not in a room). */
static mcu_content *content_of(mcu_participant *p, gint64 *now)
{
	mcu_content *c = NULL;
	/* p->lock keeps the room alive: its destruction detaches us under this lock. */
	g_rec_mutex_lock(&p->lock);
	if (p->room && !g_atomic_int_get(&p->left)) {
		c = content_ref(p->room->content);
		if (now)
			*now = mcu_room_now(p->room);
	}
	g_rec_mutex_unlock(&p->lock);
	return c;
}

/* Asks p's content sender for a key frame. */
static void ask_keyframe(mcu_participant *p)
{
	g_rec_mutex_lock(&p->lock);
	if (!g_atomic_int_get(&p->left) && p->io.request_content_keyframe) {
		CSTAT(&p->content->st, keyframes_asked, 1);
		p->io.request_content_keyframe(p->io.opaque);
	}
	g_rec_mutex_unlock(&p->lock);
}

/* --- presenter ------------------------------------------------------------------------ */

/* Under c->lock: nobody's picture any more (a new presenter starts from its first one). */
static void frame_clear(mcu_content *c)
{
	g_mutex_lock(&c->frame_lock);
	c->has_frame = false;
	c->frame_seq++;
	g_atomic_int_set(&c->width, 0);
	g_atomic_int_set(&c->height, 0);
	g_mutex_unlock(&c->frame_lock);
}

/* Under c->lock: p (or nobody) presents from now on. Returns the previous presenter's
 * reference for the caller to drop outside the lock. */
static mcu_participant *presenter_set(mcu_content *c, mcu_participant *p)
{
	g_mutex_lock(&c->pres_lock);
	mcu_participant *old = c->presenter;
	c->presenter = p ? mcu_participant_ref(p) : NULL;
	g_free(c->presenter_name);
	c->presenter_name = p ? g_strdup(p->display) : NULL;
	g_mutex_unlock(&c->pres_lock);
	g_atomic_int_set(&c->presenter_id, p ? (gint)p->id : 0);
	g_atomic_int_inc(&c->gen);
	g_atomic_int_set(&c->ev_pending, 1);
	frame_clear(c);
	if (!p) {
		input_free(c);
		c->codec = MCU_VIDEO_NONE;
	}
	return old;
}

int mcu_participant_present(mcu_participant *p, mcu_video_codec_id codec, uint8_t pt)
{
	if (!p || (codec != MCU_VIDEO_VP8 && codec != MCU_VIDEO_H264))
		return -EINVAL;
	gint64 now = 0;
	mcu_content *c = content_of(p, &now);
	if (!c)
		return -EINVAL;
	int rc = 0;
	mcu_participant *old = NULL;
	g_mutex_lock(&c->lock);
	if (g_atomic_int_get(&p->left)) {
		/* Left meanwhile (mcu_room_leave stops a presentation after marking it left). */
		g_mutex_unlock(&c->lock);
		mcu_content_unref(c);
		return -EINVAL;
	}
	bool changed = c->presenter != p;
	if (changed || c->codec != codec) {
		input_free(c);
		if (codec == MCU_VIDEO_VP8) {
			rc = mcu_vp8_assembler_new(&c->vasm);
			if (rc == 0)
				rc = mcu_vp8_dec_new(&c->vdec);
		} else {
			rc = mcu_h264_assembler_new(&c->hasm);
			if (rc == 0)
				rc = mcu_h264_dec_new(&c->hdec);
		}
		c->codec = codec;
		c->wait_key = true;
		c->last_pli_us = now;
		if (rc < 0) {
			old = presenter_set(c, NULL);
			rc = -EINVAL;
		} else if (changed) {
			old = presenter_set(c, p);
		}
	}
	c->pt = pt & 0x7f;
	g_mutex_unlock(&c->lock);
	mcu_participant_unref(old);
	if (rc == 0 && changed)
		ask_keyframe(p); /* the content starts at a key frame */
	mcu_content_unref(c);
	return rc;
}

static void stop_presenting(mcu_content *c, mcu_participant *p)
{
	mcu_participant *old = NULL;
	g_mutex_lock(&c->lock);
	if (c->presenter == p)
		old = presenter_set(c, NULL);
	g_mutex_unlock(&c->lock);
	mcu_participant_unref(old);
}

void mcu_participant_stop_presenting(mcu_participant *p)
{
	if (!p)
		return;
	mcu_content *c = content_of(p, NULL);
	if (!c)
		return;
	stop_presenting(c, p);
	mcu_content_unref(c);
}

void mcu_content_participant_left(mcu_room *room, mcu_participant *p)
{
	stop_presenting(room->content, p);
}

char *mcu_room_content_presenter_name(mcu_room *room)
{
	if (!room)
		return NULL;
	mcu_content *c = room->content;
	char *name = NULL;
	g_mutex_lock(&c->pres_lock);
	if (c->presenter && !g_atomic_int_get(&c->presenter->left))
		name = g_strdup(c->presenter->display); /* (set at join, never changed) */
	g_mutex_unlock(&c->pres_lock);
	return name;
}

void *mcu_room_content_presenter(mcu_room *room)
{
	if (!room)
		return NULL;
	mcu_content *c = room->content;
	void *opaque = NULL;
	g_mutex_lock(&c->pres_lock);
	if (c->presenter && !g_atomic_int_get(&c->presenter->left))
		opaque = c->presenter->io.opaque;
	g_mutex_unlock(&c->pres_lock);
	return opaque;
}

bool mcu_content_presenting(mcu_content *c)
{
	return g_atomic_int_get(&c->presenter_id) != 0;
}

void mcu_content_emit_changed(mcu_room *room)
{
	mcu_content *c = room->content;
	if (!g_atomic_int_compare_and_exchange(&c->ev_pending, 1, 0))
		return;
	g_mutex_lock(&c->pres_lock);
	mcu_participant *pres = c->presenter ? mcu_participant_ref(c->presenter) : NULL;
	g_mutex_unlock(&c->pres_lock);
	uint32_t id = pres ? pres->id : 0;
	if (id != c->told_id) {
		c->told_id = id;
		g_rec_mutex_lock(&room->ev_lock);
		if (room->ev.content_changed && (!pres || !g_atomic_int_get(&pres->left))) {
			CSTAT(&c->st, presenter_changes, 1);
			room->ev.content_changed(room->ev.opaque, pres ? pres->io.opaque : NULL);
		}
		g_rec_mutex_unlock(&room->ev_lock);
	}
	mcu_participant_unref(pres);
}

/* --- content input -------------------------------------------------------------------- */

/* The content picture's size for a w x h source: the same (rounded down to even), or scaled
 * down to fit MCU_CONTENT_MAX_WIDTH x MCU_CONTENT_MAX_HEIGHT. False when too small. */
static bool content_size(int w, int h, int *cw, int *ch)
{
	if (w > MCU_CONTENT_MAX_WIDTH || h > MCU_CONTENT_MAX_HEIGHT) {
		mcu_rect box = { 0, 0, MCU_CONTENT_MAX_WIDTH, MCU_CONTENT_MAX_HEIGHT }, r;
		if (mcu_layout_fit(&box, w, h, &r) < 0)
			return false;
		w = r.w;
		h = r.h;
	}
	*cw = w & ~1;
	*ch = h & ~1;
	return *cw >= CONTENT_MIN_DIM && *ch >= CONTENT_MIN_DIM;
}

static bool image_equal(const mcu_image *a, const mcu_image *b)
{
	if (a->width != b->width || a->height != b->height)
		return false;
	for (int pl = 0; pl < 3; pl++) {
		int w = pl ? (a->width + 1) / 2 : a->width,
		    h = pl ? (a->height + 1) / 2 : a->height;
		for (int y = 0; y < h; y++)
			if (memcmp(a->planes[pl] + (size_t)y * a->strides[pl],
				    b->planes[pl] + (size_t)y * b->strides[pl], (size_t)w)
				!= 0)
				return false;
	}
	return true;
}

/* True when b differs from a (same size) only by refinement noise: no luma sample of every
 * other row moved by more than CONTENT_MINOR_DIFF. */
static bool image_minor_change(const mcu_image *a, const mcu_image *b)
{
	if (a->width != b->width || a->height != b->height)
		return false;
	for (int y = 0; y < a->height; y += 2) {
		const uint8_t *ra = a->planes[0] + (size_t)y * a->strides[0];
		const uint8_t *rb = b->planes[0] + (size_t)y * b->strides[0];
		for (int x = 0; x < a->width; x++)
			if (ABS((int)ra[x] - (int)rb[x]) > CONTENT_MINOR_DIFF)
				return false;
	}
	return true;
}

/* Under c->lock: keeps a decoded picture as the content (scaled to the content size);
 * a picture identical to the current one changes nothing. Returns false on failure. */
static bool content_store(mcu_content *c, const mcu_image *view)
{
	int cw, ch;
	if (!content_size(view->width, view->height, &cw, &ch))
		return false;
	int rc;
	if (cw != view->width || ch != view->height) {
		mcu_rect all = { 0, 0, cw, ch };
		rc = mcu_image_alloc(&c->spare, cw, ch);
		if (rc == 0)
			rc = mcu_image_draw_scaled(&c->spare, &all, view);
	} else {
		rc = mcu_image_copy(&c->spare, view);
	}
	if (rc < 0)
		return false;
	g_mutex_lock(&c->frame_lock);
	if (!c->has_frame || !image_equal(&c->frame, &c->spare)) {
		if (!c->has_frame || !image_minor_change(&c->frame, &c->spare))
			c->pending_major = true;
		mcu_image t = c->frame;
		c->frame = c->spare;
		c->spare = t;
		c->has_frame = true;
		c->frame_seq++;
		g_atomic_int_set(&c->width, cw);
		g_atomic_int_set(&c->height, ch);
	}
	g_mutex_unlock(&c->frame_lock);
	return true;
}

typedef struct cin_frame {
	const uint8_t *data;
	size_t len;
	bool keyframe;
} cin_frame;

static int cin_pop(mcu_content *c, cin_frame *f)
{
	if (c->codec == MCU_VIDEO_H264) {
		mcu_h264_frame hf;
		int rc = mcu_h264_assembler_pop(c->hasm, &hf);
		if (rc == 0)
			*f = (cin_frame){ hf.data, hf.len, hf.keyframe };
		return rc;
	}
	mcu_vp8_frame vf;
	int rc = mcu_vp8_assembler_pop(c->vasm, &vf);
	if (rc == 0)
		*f = (cin_frame){ vf.data, vf.len, vf.keyframe };
	return rc;
}

static unsigned cin_take_lost(mcu_content *c)
{
	return c->codec == MCU_VIDEO_H264 ? mcu_h264_assembler_take_lost(c->hasm)
					  : mcu_vp8_assembler_take_lost(c->vasm);
}

/* Under c->lock: decodes what the assembler completed. Returns whether the sender should be
 * asked for a key frame. */
static bool cin_drain(mcu_content *c, mcu_content_part_stats *st)
{
	bool need_key = false;
	cin_frame f;
	while (cin_pop(c, &f) == 0) {
		unsigned lost = cin_take_lost(c);
		if (lost) {
			CSTAT(st, frames_lost, lost);
			c->wait_key = true;
		}
		if (c->wait_key && !f.keyframe) {
			need_key = true; /* an inter frame after loss would decode to garbage */
			continue;
		}
		mcu_image view;
		int rc = c->codec == MCU_VIDEO_H264
			? mcu_h264_dec_decode(c->hdec, f.data, f.len, &view)
			: mcu_vp8_dec_decode(c->vdec, f.data, f.len, &view);
		if (rc == -EAGAIN && c->codec == MCU_VIDEO_H264)
			continue; /* parameter sets alone */
		if (rc != 0 || !content_store(c, &view)) {
			CSTAT(st, frames_lost, 1);
			c->wait_key = true;
			need_key = true;
			continue;
		}
		c->wait_key = false;
		CSTAT(st, frames_decoded, 1);
	}
	unsigned lost = cin_take_lost(c);
	if (lost) {
		CSTAT(st, frames_lost, lost);
		c->wait_key = true;
		need_key = true;
	}
	return need_key;
}

void mcu_participant_incoming_content_rtp(mcu_participant *p, const uint8_t *buf, size_t len)
{
	if (!p || g_atomic_int_get(&p->left))
		return;
	mcu_content_part_stats *st = &p->content->st;
	mcu_rtp_header h;
	const uint8_t *payload;
	size_t plen;
	if (!buf || mcu_rtp_parse(buf, len, &h, &payload, &plen) < 0) {
		CSTAT(st, bad_packets_in, 1);
		return;
	}
	gint64 now = 0;
	mcu_content *c = content_of(p, &now);
	if (!c)
		return;
	gint64 cpu0 = mcu_thread_cpu_us();
	bool send_pli = false;
	g_mutex_lock(&c->lock);
	int rc = -EPERM;
	if (c->presenter == p && h.pt == c->pt)
		rc = c->codec == MCU_VIDEO_H264
			? mcu_h264_assembler_push(c->hasm, h.seq, h.ts, h.marker, payload, plen)
			: mcu_vp8_assembler_push(c->vasm, h.seq, h.ts, h.marker, payload, plen);
	if (rc < 0) {
		CSTAT(st, bad_packets_in, 1); /* malformed, wrong type, or not the presenter */
	} else {
		CSTAT(st, packets_in, 1);
		if (cin_drain(c, st) && now - c->last_pli_us >= MCU_KEYFRAME_INTERVAL_US) {
			c->last_pli_us = now;
			send_pli = true;
		}
	}
	g_mutex_unlock(&c->lock);
	gint64 cpu = mcu_thread_cpu_us() - cpu0;
	if (cpu > 0) {
		/* The room's load (admission control), as for the people video input. */
		g_rec_mutex_lock(&p->lock);
		if (p->room)
			__atomic_add_fetch(&p->room->input_cpu_us, cpu, __ATOMIC_RELAXED);
		g_rec_mutex_unlock(&p->lock);
	}
	if (send_pli)
		ask_keyframe(p);
	mcu_content_unref(c);
}

/* --- receivers ------------------------------------------------------------------------ */

int mcu_participant_receive_content(
	mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, int h264_packetization_mode)
{
	if (!p || (unsigned)codec > MCU_VIDEO_NONE
		|| (h264_packetization_mode != 0 && h264_packetization_mode != 1))
		return -EINVAL;
	mcu_content_part *cp = p->content;
	g_mutex_lock(&cp->lock);
	cp->rx_codec = codec;
	cp->rx_pt = pt & 0x7f;
	cp->rx_mode = h264_packetization_mode;
	g_mutex_unlock(&cp->lock);
	g_atomic_int_set(&cp->restart, 1);
	return 0;
}

void mcu_participant_content_keyframe_request(mcu_participant *p)
{
	if (p)
		g_atomic_int_set(&p->content->kf_req, 1);
}

bool mcu_content_receives(mcu_content_part *cp)
{
	g_mutex_lock(&cp->lock);
	bool r = cp->rx_codec < MCU_VIDEO_CODECS;
	g_mutex_unlock(&cp->lock);
	return r;
}

/* --- the content stream (content tick) ----------------------------------------------- */

typedef struct content_pkts {
	uint8_t *buf;
	size_t lens[MCU_VP8_MAX_FRAME / MCU_VIDEO_MAX_PAYLOAD + 64];
	size_t count;
} content_pkts;

/* Cuts an encoded picture into payloads (codec, H.264 packetization mode). */
static bool content_packetize(mcu_content *c, mcu_video_codec_id codec, int mode,
	const uint8_t *data, size_t len, content_pkts *v)
{
	size_t max = G_N_ELEMENTS(v->lens), count = 0;
	if (codec == MCU_VIDEO_VP8)
		count = mcu_vp8_packet_count(len, MCU_VIDEO_MAX_PAYLOAD);
	else if (mcu_h264_packetize(
			 data, len, mode, MCU_VIDEO_MAX_PAYLOAD, NULL, 0, max, NULL, &count)
		< 0)
		return false;
	if (count == 0 || count > max)
		return false;
	v->buf = g_malloc(count * CONTENT_PKT_STRIDE);
	v->count = count;
	if (codec == MCU_VIDEO_H264)
		return mcu_h264_packetize(data, len, mode, MCU_VIDEO_MAX_PAYLOAD,
			       v->buf + MCU_RTP_HEADER_LEN, CONTENT_PKT_STRIDE, count, v->lens,
			       &v->count)
			== 0;
	for (size_t i = 0; i < count; i++) {
		bool marker;
		if (mcu_vp8_packetize(data, len, c->picture_id, MCU_VIDEO_MAX_PAYLOAD, i,
			    v->buf + i * CONTENT_PKT_STRIDE + MCU_RTP_HEADER_LEN,
			    MCU_VIDEO_MAX_PAYLOAD, &v->lens[i], &marker)
			< 0)
			return false;
	}
	return true;
}

/* Sends one packetized picture to a content receiver, with its own header. */
static void content_send(mcu_participant *p, uint8_t pt, const content_pkts *v, bool key,
	uint32_t ts90, uint32_t gen)
{
	mcu_content_part *cp = p->content;
	if (!key && cp->started_gen != gen)
		return; /* a receiver starts, and restarts on a presenter change, at a key frame */
	g_rec_mutex_lock(&p->lock);
	if (!g_atomic_int_get(&p->left) && p->io.send_rtp) {
		cp->started_gen = gen;
		for (size_t i = 0; i < v->count; i++) {
			uint8_t *pkt = v->buf + i * CONTENT_PKT_STRIDE;
			mcu_rtp_write_header(pkt, MCU_RTP_HEADER_LEN, i + 1 == v->count, pt,
				cp->seq++, cp->ts_offset + ts90, cp->ssrc);
			p->io.send_rtp(p->io.opaque, MCU_STREAM_CONTENT, pkt,
				MCU_RTP_HEADER_LEN + v->lens[i]);
		}
		CSTAT(&cp->st, packets_out, v->count);
		if (key)
			CSTAT(&cp->st, keyframes_out, 1);
	}
	g_rec_mutex_unlock(&p->lock);
}

/* A content receiver's negotiated output (copied under its lock). */
typedef struct rx_info {
	mcu_video_codec_id codec;
	uint8_t pt;
	int mode;
} rx_info;

static rx_info rx_get(mcu_content_part *cp)
{
	g_mutex_lock(&cp->lock);
	rx_info r = { cp->rx_codec, cp->rx_pt, cp->rx_mode };
	g_mutex_unlock(&cp->lock);
	return r;
}

/* The encoder of codec for the content size (a new one when the size changed: it starts
 * with a key frame). */
static bool content_encoder(mcu_content *c, mcu_video_codec_id codec, int w, int h)
{
	if (codec == MCU_VIDEO_VP8) {
		if (c->venc && (c->enc_w[codec] != w || c->enc_h[codec] != h)) {
			mcu_vp8_enc_free(c->venc);
			c->venc = NULL;
		}
		if (!c->venc && mcu_vp8_enc_new(w, h, c->fps, c->kbps, &c->venc) < 0)
			return false;
	} else {
		if (c->henc && (c->enc_w[codec] != w || c->enc_h[codec] != h)) {
			mcu_h264_enc_free(c->henc);
			c->henc = NULL;
		}
		if (!c->henc && !c->henc_failed
			&& mcu_h264_enc_new(w, h, c->fps, c->kbps, &c->henc) < 0)
			c->henc_failed = true;
		if (!c->henc)
			return false;
	}
	c->enc_w[codec] = w;
	c->enc_h[codec] = h;
	return true;
}

/* Encodes the content picture with codec and sends it to that codec's receivers. */
static void content_out(mcu_content *c, GPtrArray *parts, mcu_video_codec_id codec, bool force,
	gint64 now, uint32_t gen)
{
	if (!content_encoder(c, codec, c->enc_img.width, c->enc_img.height))
		return;
	const uint8_t *data;
	size_t len;
	bool key;
	gint64 t0 = g_get_monotonic_time(), cpu0 = mcu_thread_cpu_us();
	int rc = codec == MCU_VIDEO_VP8
		? mcu_vp8_enc_encode(c->venc, &c->enc_img, force, &data, &len, &key)
		: mcu_h264_enc_encode(c->henc, &c->enc_img, force, &data, &len, &key);
	CSTAT(&c->st, encode_us, g_get_monotonic_time() - t0);
	CSTAT(&c->st, encode_cpu_us, mcu_thread_cpu_us() - cpu0);
	if (rc < 0 || len == 0)
		return;
	CSTAT(&c->st, frames_out, 1);
	if (key) {
		c->last_kf_us[codec] = now;
		CSTAT(&c->st, keyframes_out, 1);
	}
	if (codec == MCU_VIDEO_VP8)
		c->picture_id = (c->picture_id + 1) & 0x7fff;
	uint32_t ts90 = (uint32_t)((now - c->start_us) * 9 / 100);
	for (int mode = 0; mode < (codec == MCU_VIDEO_H264 ? 2 : 1); mode++) {
		content_pkts *v = g_new0(content_pkts, 1);
		bool packed = false;
		for (guint i = 0; i < parts->len; i++) {
			mcu_participant *p = g_ptr_array_index(parts, i);
			rx_info rx = rx_get(p->content);
			if (rx.codec != codec || (codec == MCU_VIDEO_H264 && rx.mode != mode))
				continue;
			if (!packed && !(packed = content_packetize(c, codec, mode, data, len, v)))
				break; /* mode 0 and a NAL unit too large: cannot be sent */
			content_send(p, rx.pt, v, key, ts90, gen);
		}
		g_free(v->buf);
		g_free(v);
	}
}

static void content_tick(mcu_room *room, GPtrArray *parts, gint64 now)
{
	mcu_content *c = room->content;
	uint32_t gen = (uint32_t)g_atomic_int_get(&c->gen);
	bool want[MCU_VIDEO_CODECS] = { false }, force[MCU_VIDEO_CODECS] = { false };
	bool asked[MCU_VIDEO_CODECS] = { false };
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		mcu_content_part *cp = p->content;
		if (g_atomic_int_compare_and_exchange(&cp->restart, 1, 0))
			cp->started_gen = 0;
		rx_info rx = rx_get(cp);
		if (rx.codec >= MCU_VIDEO_CODECS)
			continue;
		want[rx.codec] = true;
		if (cp->started_gen != gen)
			force[rx.codec] = true;
		if (g_atomic_int_get(&cp->kf_req))
			asked[rx.codec] = true;
	}
	if (!want[MCU_VIDEO_H264] && c->henc) {
		mcu_h264_enc_free(c->henc);
		c->henc = NULL;
	}
	if (!want[MCU_VIDEO_VP8] && c->venc) {
		mcu_vp8_enc_free(c->venc);
		c->venc = NULL;
	}
	if (!mcu_content_presenting(c) || (!want[MCU_VIDEO_VP8] && !want[MCU_VIDEO_H264]))
		return;
	bool force_any = false;
	for (int k = 0; k < MCU_VIDEO_CODECS; k++) {
		/* Requests are served at most once per interval, never dropped. */
		if (want[k] && asked[k] && now - c->last_kf_us[k] >= MCU_KEYFRAME_INTERVAL_US)
			force[k] = true;
		force_any = force_any || (want[k] && force[k]);
	}
	bool changed = false;
	g_mutex_lock(&c->frame_lock);
	bool have = c->has_frame;
	if (have && (c->frame_seq != c->enc_seq || !c->enc_img.buf)) {
		bool refine_later = !c->pending_major && c->enc_img.buf && !force_any
			&& now - c->last_enc_us < CONTENT_REFINE_US;
		if (!refine_later) {
			changed = mcu_image_copy(&c->enc_img, &c->frame) == 0;
			c->enc_seq = c->frame_seq;
			c->pending_major = false;
		}
	}
	g_mutex_unlock(&c->frame_lock);
	if (!have)
		return; /* the presenter's first picture is not decoded yet */
	if (changed)
		c->last_enc_us = now;
	for (int k = 0; k < MCU_VIDEO_CODECS; k++) {
		if (!want[k])
			continue;
		if (force[k] && asked[k])
			for (guint i = 0; i < parts->len; i++) {
				mcu_participant *p = g_ptr_array_index(parts, i);
				if (rx_get(p->content).codec == (mcu_video_codec_id)k)
					g_atomic_int_set(&p->content->kf_req, 0);
			}
		if (!changed && !force[k]) {
			/* Slides are mostly static: the same picture is not encoded again, and a
			 * sender's refinements of a static screen at most once a second. */
			CSTAT(&c->st, frames_unchanged, 1);
			continue;
		}
		content_out(c, parts, (mcu_video_codec_id)k, force[k], now, gen);
	}
}

void mcu_content_video_tick(mcu_room *room, GPtrArray *parts)
{
	mcu_content *c = room->content;
	gint64 now = mcu_room_now(room);
	if (now < c->next_us)
		return;
	gint64 period = G_USEC_PER_SEC / c->fps;
	c->next_us = now - c->next_us >= period ? now + period : c->next_us + period;
	content_tick(room, parts, now);
}

gpointer mcu_content_thread(gpointer data)
{
	mcu_room *room = data;
	gint64 period = G_USEC_PER_SEC / room->cfg.content_fps;
	gint64 next = g_get_monotonic_time();
	for (;;) {
		next += period;
		if (!mcu_room_wait_until(room, next))
			break;
		gint64 cpu0 = mcu_thread_cpu_us();
		GPtrArray *parts = mcu_room_parts_snapshot(room);
		content_tick(room, parts, g_get_monotonic_time());
		mcu_room_parts_free(parts);
		gint64 cpu = mcu_thread_cpu_us() - cpu0;
		if (cpu > 0) {
			g_mutex_lock(&room->stats_lock);
			room->st.video_cpu_us += (uint64_t)cpu;
			g_mutex_unlock(&room->stats_lock);
		}
		gint64 now = g_get_monotonic_time();
		if (now - next > period)
			next = now; /* behind by a whole frame: skip it rather than burst */
	}
	return NULL;
}

/* --- the presentation pane (video thread) --------------------------------------------- */

void mcu_content_draw(mcu_content *c, mcu_image *canvas)
{
	mcu_rect pane;
	if (mcu_layout_content_pane(canvas->width, canvas->height, &pane) < 0)
		return;
	g_mutex_lock(&c->frame_lock);
	if (c->has_frame && (!c->pane_ok || c->pane_seq != c->frame_seq)) {
		/* Scaled once per new content picture, then only copied at every tick. */
		mcu_rect at, all;
		c->pane_ok = mcu_layout_fit(&pane, c->frame.width, c->frame.height, &at) == 0
			&& mcu_image_alloc(&c->pane, at.w, at.h) == 0;
		all = (mcu_rect){ 0, 0, at.w, at.h };
		c->pane_ok = c->pane_ok && mcu_image_draw_scaled(&c->pane, &all, &c->frame) == 0;
		c->pane_at = at;
		c->pane_seq = c->frame_seq;
	}
	bool draw = c->has_frame && c->pane_ok;
	g_mutex_unlock(&c->frame_lock);
	if (draw) {
		mcu_image_draw_scaled(canvas, &c->pane_at, &c->pane);
		return;
	}
	/* Nothing decoded yet: the presenter's name on grey. */
	mcu_image_fill_rect(canvas, &pane, 60, 128, 128);
	g_mutex_lock(&c->pres_lock);
	char *name = g_strdup(c->presenter_name ? c->presenter_name : "");
	g_mutex_unlock(&c->pres_lock);
	int scale = 2, w = mcu_font_text_width(name, scale);
	if (w > 0 && w < pane.w)
		mcu_font_draw(canvas, &pane, pane.x + (pane.w - w) / 2,
			pane.y + (pane.h - MCU_FONT_CELL_H * scale) / 2, scale, name, 235);
	g_free(name);
}

/* --- figures -------------------------------------------------------------------------- */

void mcu_content_count_pictures(mcu_content *c, bool people, bool presentation)
{
	if (presentation)
		CSTAT(&c->st, presentation_frames, 1);
	if (people && presentation)
		CSTAT(&c->st, people_frames_extra, 1);
}

void mcu_participant_get_content_stats(mcu_participant *p, mcu_content_part_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!p)
		return;
	const uint64_t *src = (const uint64_t *)&p->content->st;
	uint64_t *dst = (uint64_t *)out;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void mcu_room_get_content_stats(mcu_room *room, mcu_content_room_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!room)
		return;
	content_stats *s = &room->content->st;
#define LOAD(f) out->f = __atomic_load_n(&s->f, __ATOMIC_RELAXED)
	LOAD(frames_out);
	LOAD(frames_unchanged);
	LOAD(keyframes_out);
	LOAD(encode_us);
	LOAD(presentation_frames);
	LOAD(people_frames_extra);
	LOAD(presenter_changes);
	LOAD(encode_cpu_us);
#undef LOAD
	out->width = g_atomic_int_get(&room->content->width);
	out->height = g_atomic_int_get(&room->content->height);
}
