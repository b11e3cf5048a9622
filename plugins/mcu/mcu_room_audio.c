/*
 * mcu_room_audio.c - the room's audio thread. Every 20 ms (absolute monotonic deadlines):
 *  1. takes one frame per participant from its jitter queue (decoded, concealed, or
 *     silence) and its level (RFC 6464 from the sender, else computed);
 *  2. updates voice activity and the active speaker (mcu_speaker.h);
 *  3. sums the frames of the active talkers only (the others are gated out);
 *  4. encodes that sum once per codec and FEC setting in use by a non-talker (shared
 *     encoders of the room: Opus with in-band FEC for those whose SDP said useinbandfec=1,
 *     without for the others) and sends the same payload to every non-talker of that
 *     encoder, each with its own RTP header; each talker gets the sum minus its own frame
 *     from its private encoder (FEC as its own setting). An encoder with FEC adds the
 *     redundancy its receivers' reports of loss ask for (mcu_participant_set_audio_loss;
 *     a shared one, its listeners' worst);
 *  5. delivers talking / speaker events (no lock held but ev_lock) and records latency.
 * Sums saturate to 16 bits. A participant moving between private and shared streams keeps
 * its SSRC, sequence and timestamp; the decoder sees an encoder switch, which Opus and
 * G.711 ride over.
 *
 * Threads: everything here runs on the audio thread (or the caller of mcu_room_advance
 * with a manual clock); it touches a participant's jitter
 * queue under p->audio_lock and calls send_rtp under p->lock (see mcu_room_priv.h).
 */
#include "mcu_room_priv.h"
#include "mcu_content_priv.h"
#include "mcu_opus_rtp.h"
#include "mcu_phase.h"

#include <string.h>
#include <opus/opus.h>

#define TICK_US          MCU_AUDIO_TICK_US
#define MCU_LEVEL_SILENT 127    /* RFC 6464: -127 dBov, digital silence */
#define MAX_LATE_US      200000 /* after a stall this long, skip ticks instead of bursting */
#define MAX_EVENTS       64

/* Whether an encoded packet holds exactly one 20 ms frame (what a skipped decode stands for). */
static bool is_20ms_frame(mcu_audio_codec_id codec, const uint8_t *pkt, size_t len)
{
	if (codec == MCU_AUDIO_OPUS)
		return opus_packet_get_nb_samples(pkt, (opus_int32)len, 48000) == 960;
	return len == 160; /* G.711 and G.722: 8 bits per 8 kHz RTP clock tick */
}

/* Whether a frame need not be decoded: nothing of it would be heard. The sender says
 * (RFC 6464) it is silence; or it is quieter than voice while the participant is out of the
 * mix (mcu_talk: such a frame cannot bring it in, so most listeners with an open microphone
 * cost no decode); or the room muted the participant. */
static bool audio_skippable(mcu_participant *p, int level)
{
	if (g_atomic_int_get(&p->muted))
		return true;
	return level == MCU_LEVEL_SILENT
		|| (level > MCU_TALK_VOICE_DBOV && level <= MCU_LEVEL_SILENT && !p->talk.active);
}

/* Decodes pkt into dst; after skipped frames, the last of them first (its output dropped),
 * so the decoder's state follows the stream again before what it outputs is heard. */
static int audio_decode(
	mcu_participant *p, const uint8_t *pkt, size_t len, int16_t *dst, int room_left, int *got)
{
	if (p->adec_stale && p->warm_len > 0) {
		int16_t scratch[MCU_OPUS_MAX_SAMPLES];
		int n = 0;
		(void)mcu_adec_decode(
			p->adec, p->warm, p->warm_len, scratch, (int)G_N_ELEMENTS(scratch), &n);
	}
	p->adec_stale = false;
	return mcu_adec_decode(p->adec, pkt, len, dst, room_left, got);
}

/* Fills p->pcm with at least one 20 ms frame; remembers the packet level and arrival. */
static void audio_fill(mcu_participant *p)
{
	uint8_t pkt[MCU_OPUS_MAX_PACKET];
	p->frame_level = -1;
	p->a_arrival_us = 0;
	while (p->pcm_n < MCU_MIX_FRAME) {
		size_t len = 0;
		int level = -1;
		int64_t arrival = 0;
		g_mutex_lock(&p->audio_lock);
		int rc = mcu_audio_jitter_get_meta(
			&p->jitter, pkt, sizeof(pkt), &len, &level, &arrival);
		g_mutex_unlock(&p->audio_lock);
		int16_t *dst = p->pcm + p->pcm_n;
		int room_left = (int)G_N_ELEMENTS(p->pcm) - p->pcm_n;
		int got = 0;
		if (rc == 1 && audio_skippable(p, level) && room_left >= MCU_MIX_FRAME
			&& is_20ms_frame(p->acodec, pkt, len)) {
			/* Nothing of this frame would be heard: no need to decode it. Most
			 * participants are silent or quiet most of the time; this is what makes
			 * them cheap. */
			memset(dst, 0, MCU_MIX_FRAME * sizeof(int16_t));
			got = MCU_MIX_FRAME;
			p->plc_left = MCU_AUDIO_PLC_FRAMES;
			p->frame_level = level;
			p->adec_stale = true;
			p->warm_len = len <= sizeof(p->warm) ? len : 0;
			memcpy(p->warm, pkt, p->warm_len);
			MCU_STAT_INC(p, audio_frames_silent, 1);
			if (!p->a_arrival_us)
				p->a_arrival_us = arrival;
		} else if (rc == 1 && audio_decode(p, pkt, len, dst, room_left, &got) == 0) {
			MCU_STAT_INC(p, audio_frames_decoded, 1);
			p->plc_left = MCU_AUDIO_PLC_FRAMES;
			p->frame_level = level;
			if (!p->a_arrival_us)
				p->a_arrival_us = arrival;
		} else if ((rc == 1 || rc == 0 || p->plc_left > 0)
			&& mcu_adec_decode(p->adec, NULL, 0, dst, room_left, &got) == 0) {
			/* A lost or undecodable packet, or a short underrun: conceal it. */
			if (rc < 0)
				p->plc_left--;
		} else {
			memset(dst, 0, MCU_MIX_FRAME * sizeof(int16_t));
			got = MCU_MIX_FRAME;
		}
		p->pcm_n += got;
	}
	if (g_atomic_int_get(&p->muted)) {
		/* Muted by the room: the frame leaves the mix as silence (not decoded; when the
		 * participant is unmuted, audio_decode brings the decoder's state up to date). */
		memset(p->pcm, 0, MCU_MIX_FRAME * sizeof(int16_t));
		p->frame_level = MCU_LEVEL_SILENT;
	}
}

static int16_t saturate(int32_t v)
{
	return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (int16_t)v;
}

/* Wraps one encoded payload in p's RTP header and sends it. */
static void audio_send_payload(mcu_participant *p, const uint8_t *payload, size_t plen)
{
	uint8_t rtp[MCU_RTP_HEADER_LEN + MCU_OPUS_MAX_PACKET];
	if (plen == 0 || plen > MCU_OPUS_MAX_PACKET)
		return;
	g_atomic_int_set(&p->a_seq_last, p->a_seq); /* (mcu_participant_audio_report) */
	mcu_rtp_write_header(rtp, sizeof(rtp), false, p->audio_pt, p->a_seq++, p->a_ts, p->a_ssrc);
	p->a_ts += mcu_audio_frame_ts(p->acodec);
	memcpy(rtp + MCU_RTP_HEADER_LEN, payload, plen);
	g_rec_mutex_lock(&p->lock);
	if (!g_atomic_int_get(&p->left) && p->io.send_rtp) {
		p->io.send_rtp(p->io.opaque, 0, rtp, MCU_RTP_HEADER_LEN + plen);
		MCU_STAT_INC(p, audio_packets_out, 1);
	}
	g_rec_mutex_unlock(&p->lock);
}

typedef struct audio_event {
	mcu_participant *p; /* borrowed from the tick's snapshot; NULL: no speaker */
	int kind;           /* 0 talking, 1 speaker */
	bool on;
} audio_event;

/* Levels, voice activity, speaker selection. Fills ev with the events to deliver. */
static unsigned audio_activity(mcu_room *room, GPtrArray *parts, gint64 now, audio_event *ev)
{
	unsigned nev = 0;
	mcu_speaker_cand *cands = g_new(mcu_speaker_cand, parts->len + 1);
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		int level = p->frame_level >= 0 ? p->frame_level
						: mcu_talk_level_dbov(p->pcm, MCU_MIX_FRAME);
		__atomic_store_n(&p->stats.audio_level_dbov, (uint64_t)level, __ATOMIC_RELAXED);
		if (mcu_talk_update(&p->talk, now, level) & MCU_TALK_CHANGED) {
			__atomic_store_n(
				&p->stats.talking, p->talk.talking ? 1 : 0, __ATOMIC_RELAXED);
			if (nev < MAX_EVENTS)
				ev[nev++] =
					(audio_event){ .p = p, .kind = 0, .on = p->talk.talking };
		}
		if (p->talk.talking)
			MCU_ATOMIC_STORE64(&p->last_talk_us, now);
		cands[i] = (mcu_speaker_cand){
			.id = p->id, .active = p->talk.active, .energy = p->talk.energy
		};
	}
	bool changed = mcu_speaker_sel_update(&room->speaker, now, cands, parts->len);
	g_free(cands);
	if (changed) {
		mcu_participant *sp = NULL;
		for (guint i = 0; i < parts->len; i++) {
			mcu_participant *p = g_ptr_array_index(parts, i);
			if (p->id == room->speaker.speaker)
				sp = p;
		}
		g_atomic_int_set(&room->speaker_id, (gint)room->speaker.speaker);
		if (nev < MAX_EVENTS)
			ev[nev++] = (audio_event){ .p = sp, .kind = 1, .on = sp != NULL };
	}
	return nev;
}

void mcu_room_audio_tick(mcu_room *room)
{
	gint64 cpu0 = mcu_thread_cpu_us();
	GPtrArray *parts = mcu_room_parts_snapshot(room);
	gint64 now = mcu_room_now(room);
	int32_t total[MCU_MIX_FRAME];
	int16_t out[MCU_MIX_FRAME];
	uint8_t enc[MCU_OPUS_MAX_PACKET];
	audio_event ev[MAX_EVENTS];
	memset(total, 0, sizeof(total));

	for (guint i = 0; i < parts->len; i++)
		audio_fill(g_ptr_array_index(parts, i));
	unsigned nev = audio_activity(room, parts, now, ev);

	/* The join/leave chime (mcu_banner.h): its listeners get a private encode while it plays. */
	int16_t cue[MCU_MIX_FRAME];
	bool cue_on = mcu_banner_cue_tick(room, cue);
#define HEARS_CUE(p) (cue_on && g_atomic_int_get(&(p)->cues))

	bool shared_needed[MCU_AUDIO_CODECS][2] = { { false } };
	int shared_loss[MCU_AUDIO_CODECS]; /* the worst its FEC listeners report, -1 none */
	for (int c = 0; c < MCU_AUDIO_CODECS; c++)
		shared_loss[c] = -1;
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		if (p->talk.active) {
			for (int s = 0; s < MCU_MIX_FRAME; s++)
				total[s] += p->pcm[s];
		} else if (!HEARS_CUE(p)) {
			shared_needed[p->acodec][p->fec] = true;
			if (p->fec)
				shared_loss[p->acodec] = MAX(
					shared_loss[p->acodec], g_atomic_int_get(&p->a_loss));
		}
	}

	/* Non-talkers: one encode per codec and FEC setting, the same payload for all of them. */
	uint64_t n_shared = 0, n_private = 0;
	for (int k = 0; k < MCU_AUDIO_CODECS * 2; k++) {
		int c = k / 2, fec = k % 2;
		if (!shared_needed[c][fec])
			continue;
		if (fec) /* its redundancy for the worst loss its listeners report */
			mcu_aenc_set_expected_loss(room->shared_enc[c][fec], shared_loss[c]);
		size_t elen = 0;
		for (int s = 0; s < MCU_MIX_FRAME; s++)
			out[s] = saturate(total[s]);
		if (mcu_aenc_encode(room->shared_enc[c][fec], out, enc, sizeof(enc), &elen) < 0)
			continue;
		n_shared++;
		for (guint i = 0; i < parts->len; i++) {
			mcu_participant *p = g_ptr_array_index(parts, i);
			if (!p->talk.active && !HEARS_CUE(p) && (int)p->acodec == c
				&& p->fec == fec)
				audio_send_payload(p, enc, elen);
		}
	}
	/* Talkers: mix-minus, nobody hears themselves; and the chime's listeners. */
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		bool hears_cue = HEARS_CUE(p);
		if (!p->talk.active && !hears_cue)
			continue;
		size_t elen = 0;
		if (p->fec)
			mcu_aenc_set_expected_loss(p->aenc, g_atomic_int_get(&p->a_loss));
		for (int s = 0; s < MCU_MIX_FRAME; s++)
			out[s] = saturate(total[s] - (p->talk.active ? p->pcm[s] : 0)
				+ (hears_cue ? cue[s] : 0));
		if (mcu_aenc_encode(p->aenc, out, enc, sizeof(enc), &elen) == 0) {
			n_private++;
			audio_send_payload(p, enc, elen);
		}
	}
#undef HEARS_CUE
	gint64 sent = mcu_room_now(room);

	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		p->pcm_n -= MCU_MIX_FRAME;
		memmove(p->pcm, p->pcm + MCU_MIX_FRAME, (size_t)p->pcm_n * sizeof(int16_t));
	}
	for (unsigned i = 0; i < nev; i++) {
		if (ev[i].kind == 0)
			mcu_room_emit_talking(room, ev[i].p, ev[i].on);
		else
			mcu_room_emit_speaker(room, ev[i].p);
	}
	mcu_content_emit_changed(room); /* content_changed, when the presenter changed */

	gint64 cpu = mcu_thread_cpu_us() - cpu0;
	g_mutex_lock(&room->stats_lock);
	room->st.audio_ticks++;
	room->st.audio_encodes_shared += n_shared;
	room->st.audio_encodes_private += n_private;
	room->st.audio_cpu_us += (uint64_t)(cpu > 0 ? cpu : 0);
	for (guint i = 0; i < parts->len; i++) {
		mcu_participant *p = g_ptr_array_index(parts, i);
		if (p->a_arrival_us)
			mcu_hist_add(&room->audio_lat, sent - p->a_arrival_us);
	}
	g_mutex_unlock(&room->stats_lock);
	mcu_room_parts_free(parts);
}

gpointer mcu_room_audio_thread(gpointer data)
{
	mcu_room *room = data;
	mcu_thread_boost(MCU_AUDIO_NICE);
	/* Ticks at a phase of the 20 ms no other room's mixer has (mcu_phase.h). */
	uint16_t phase = mcu_phase_acquire(MCU_PHASE_AUDIO);
	gint64 next = mcu_phase_next_tick(g_get_monotonic_time(), TICK_US, phase);
	for (;;) {
		if (!mcu_room_wait_until(room, next))
			break;
		mcu_room_audio_tick(room);
		next += TICK_US;
		gint64 now = g_get_monotonic_time();
		if (now - next > MAX_LATE_US)
			next = mcu_phase_next_tick(now, TICK_US, phase);
	}
	mcu_phase_release(MCU_PHASE_AUDIO, phase);
	return NULL;
}
