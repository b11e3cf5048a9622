/*
 * mcu_mix_test.c - the room's audio through its io callbacks, fed 20 ms at a time on the
 * room's manual clock (mcu_room_advance: the same result on any machine, at any speed):
 * known sine tones in, spectrum (Goertzel) of what each participant hears out: everyone
 * hears the others' tones and not their own; a G.711 participant hears the Opus one and
 * the other way round; non-talkers share one encode per codec (counted with
 * mcu_room_get_stats); talking and speaker events, RFC 6464 levels given by the caller.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_opus_rtp.h"
#include "mcu_audio_codec.h"
#include "mcu_audio_jitter.h"
#include "mcu_g711.h"

#define AMP 6000.0

typedef struct sink {
	GMutex lock;
	GPtrArray *audio; /* GBytes */
} sink;

static void sink_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	sink *s = opaque;
	if (is_video)
		return;
	g_mutex_lock(&s->lock);
	g_ptr_array_add(s->audio, g_bytes_new(pkt, len));
	g_mutex_unlock(&s->lock);
}

static void sink_pli(void *opaque)
{
	(void)opaque;
}

static void sink_init(sink *s, mcu_participant_io *io)
{
	memset(s, 0, sizeof(*s));
	g_mutex_init(&s->lock);
	s->audio = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	io->opaque = s;
	io->send_rtp = sink_send;
	io->request_keyframe = sink_pli;
}

static void sink_clear(sink *s)
{
	g_ptr_array_free(s->audio, TRUE);
	g_mutex_clear(&s->lock);
}

/* One sender: a tone (freq 0: silence) in its codec. */
typedef struct src {
	mcu_participant *p;
	mcu_audio_codec_id codec;
	double freq;
	int level; /* given to mcu_participant_incoming_rtp, -1 none */
	mcu_opus_enc *enc;
	uint16_t seq;
	uint32_t ts;
	long n;
} src;

static void src_send(src *s)
{
	int rate = s->codec == MCU_AUDIO_OPUS ? 48000 : 8000, fs = rate / 50;
	int16_t pcm[960];
	for (int i = 0; i < fs; i++, s->n++)
		pcm[i] = s->freq > 0
			? (int16_t)(AMP * sin(2 * G_PI * s->freq * (double)s->n / rate))
			: 0;
	uint8_t pl[1500], rtp[1600];
	size_t plen = (size_t)fs;
	if (s->codec == MCU_AUDIO_OPUS) {
		if (!s->enc)
			g_assert_cmpint(mcu_opus_enc_new(32000, &s->enc), ==, 0);
		g_assert_cmpint(mcu_opus_enc_encode(s->enc, pcm, pl, sizeof(pl), &plen), ==, 0);
	} else {
		mcu_g711_encode(s->codec == MCU_AUDIO_PCMA, pcm, pl, (size_t)fs);
	}
	mcu_rtp_write_header(rtp, 12, false, 0, s->seq++, s->ts, 0x1234);
	s->ts += (uint32_t)fs;
	memcpy(rtp + 12, pl, plen);
	mcu_participant_incoming_rtp(s->p, 0, rtp, plen + 12, s->level);
}

/* Sends 20 ms from every source and moves the room's clock 20 ms on (one mixer tick),
 * frames times. */
static void run(mcu_room *room, src *s, int n, int frames)
{
	for (int f = 0; f < frames; f++) {
		for (int i = 0; i < n; i++)
			if (s[i].p)
				src_send(&s[i]);
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
	}
}

static double goertzel_amp(const int16_t *x, long n, double freq, int rate)
{
	double w = 2.0 * G_PI * freq / rate, c = 2.0 * cos(w), s1 = 0, s2 = 0;
	for (long i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return sqrt((s1 * s1 + s2 * s2 - c * s1 * s2) / ((double)n * n / 4.0));
}

/* Decodes packets [from, to) of what a participant received (codec, pt checked) into PCM at
 * the codec's rate; returns the sample count. */
static long received_pcm(
	sink *s, mcu_audio_codec_id codec, uint8_t pt, guint from, guint to, int16_t **out)
{
	mcu_opus_dec *dec = NULL;
	if (codec == MCU_AUDIO_OPUS)
		g_assert_cmpint(mcu_opus_dec_new(&dec), ==, 0);
	g_mutex_lock(&s->lock);
	g_assert_cmpuint(s->audio->len, >=, to);
	int16_t *pcm = g_new0(int16_t, (gsize)(to - from) * 960 + 960);
	long n = 0;
	uint32_t prev_ts = 0;
	for (guint i = 0; i < to; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(s->audio, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &h, &pl, &plen), ==, 0);
		g_assert_cmpuint(h.pt, ==, pt);
		if (i > 0)
			g_assert_cmpuint(h.ts - prev_ts, ==, codec == MCU_AUDIO_OPUS ? 960 : 160);
		prev_ts = h.ts;
		int16_t buf[5760];
		int got = 0;
		if (codec == MCU_AUDIO_OPUS) {
			g_assert_cmpint(mcu_opus_dec_decode(dec, pl, plen, buf, 5760, &got), ==, 0);
		} else {
			g_assert_cmpuint(plen, ==, 160);
			mcu_g711_decode(codec == MCU_AUDIO_PCMA, pl, buf, plen);
			got = (int)plen;
		}
		if (i >= from) {
			memcpy(pcm + n, buf, (size_t)MIN(got, 960) * sizeof(int16_t));
			n += MIN(got, 960);
		}
	}
	g_mutex_unlock(&s->lock);
	mcu_opus_dec_free(dec);
	*out = pcm;
	return n;
}

static mcu_room *quiet_room(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 64; /* video is not the point here */
	cfg.height = 36;
	cfg.fps = 2;
	cfg.manual_clock = true;
	return mcu_room_new("mix", &cfg);
}

static mcu_participant *join(mcu_room *room, const char *name, mcu_audio_codec_id codec, uint8_t pt,
	mcu_participant_io *io)
{
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	o.display = name;
	o.audio_codec = codec;
	o.audio_pt = pt;
	mcu_participant *p = mcu_room_join(room, &o, io);
	g_assert_nonnull(p);
	return p;
}

static void test_mix_each_hears_others_not_self(void)
{
	mcu_room *room = quiet_room();
	static const double freq[3] = { 440, 660, 1000 };
	sink sk[4];
	mcu_participant_io io[4];
	src s[4];
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 4; i++) {
		sink_init(&sk[i], &io[i]);
		s[i].p = join(room, "P", MCU_AUDIO_OPUS, 111, &io[i]);
		s[i].freq = i < 3 ? freq[i] : 0; /* the fourth only listens (silence) */
		s[i].level = -1;
	}
	run(room, s, 4, 55);
	for (int i = 0; i < 4; i++) {
		int16_t *pcm;
		long n = received_pcm(&sk[i], MCU_AUDIO_OPUS, 111, 15, 50, &pcm);
		double a[3];
		for (int k = 0; k < 3; k++)
			a[k] = goertzel_amp(pcm, n, freq[k], 48000);
		g_test_message(
			"participant %d hears 440:%.0f 660:%.0f 1000:%.0f", i, a[0], a[1], a[2]);
		for (int k = 0; k < 3; k++) {
			if (k == i)
				g_assert_cmpfloat(a[k], <, 0.05 * AMP); /* not their own */
			else
				g_assert_cmpfloat(a[k], >, 0.6 * AMP); /* everyone else's */
		}
		g_free(pcm);
	}
	mcu_participant_stats st;
	mcu_participant_get_stats(s[0].p, &st);
	g_assert_cmpuint(st.talking, ==, 1);
	g_assert_cmpuint(st.audio_level_dbov, <=, 40); /* the tone is at -18 dBov */
	mcu_participant_get_stats(s[3].p, &st);
	g_assert_cmpuint(st.talking, ==, 0);
	g_assert_cmpuint(st.audio_level_dbov, >=, 90); /* Opus-coded silence: a whisper of noise */
	for (int i = 0; i < 4; i++) {
		mcu_room_leave(room, s[i].p);
		mcu_participant_unref(s[i].p);
		mcu_opus_enc_free(s[i].enc);
		sink_clear(&sk[i]);
	}
	mcu_room_unref(room);
}

/* A participant muted by the room leaves the mix: the others stop hearing its tone (and
 * still hear each other), and it is no longer talking; unmuted, it is heard again. */
static void test_muted_participant_leaves_the_mix(void)
{
	mcu_room *room = quiet_room();
	static const double freq[3] = { 440, 660, 0 };
	sink sk[3];
	mcu_participant_io io[3];
	src s[3];
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 3; i++) {
		sink_init(&sk[i], &io[i]);
		s[i].p = join(room, "P", MCU_AUDIO_OPUS, 111, &io[i]);
		s[i].freq = freq[i];
		s[i].level = -1;
	}
	run(room, s, 3, 50);
	mcu_participant_set_muted(s[0].p, true);
	g_assert_true(mcu_participant_muted(s[0].p));
	run(room, s, 3, 5);
	mcu_participant_stats before;
	mcu_participant_get_stats(s[0].p, &before);
	run(room, s, 3, 55);
	mcu_participant_stats during;
	mcu_participant_get_stats(s[0].p, &during);
	/* what nobody hears is not decoded */
	g_assert_cmpuint(during.audio_frames_decoded, ==, before.audio_frames_decoded);
	int16_t *pcm;
	long n = received_pcm(&sk[2], MCU_AUDIO_OPUS, 111, 70, 110, &pcm);
	double muted = goertzel_amp(pcm, n, 440, 48000), other = goertzel_amp(pcm, n, 660, 48000);
	g_test_message("listener hears 440 (muted): %.0f, 660: %.0f", muted, other);
	g_assert_cmpfloat(muted, <, 0.05 * AMP);
	g_assert_cmpfloat(other, >, 0.6 * AMP);
	g_free(pcm);
	mcu_participant_stats st;
	mcu_participant_get_stats(s[0].p, &st);
	g_assert_cmpuint(st.talking, ==, 0);
	mcu_participant_set_muted(s[0].p, false);
	run(room, s, 3, 50);
	n = received_pcm(&sk[2], MCU_AUDIO_OPUS, 111, 130, 160, &pcm);
	g_assert_cmpfloat(goertzel_amp(pcm, n, 440, 48000), >, 0.6 * AMP);
	g_free(pcm);
	for (int i = 0; i < 3; i++) {
		mcu_room_leave(room, s[i].p);
		mcu_participant_unref(s[i].p);
		mcu_opus_enc_free(s[i].enc);
		sink_clear(&sk[i]);
	}
	mcu_room_unref(room);
}

static void test_g711_hears_opus_and_back(void)
{
	mcu_room *room = quiet_room();
	sink sk[3];
	mcu_participant_io io[3];
	src s[3];
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 3; i++)
		sink_init(&sk[i], &io[i]);
	s[0].p = join(room, "Opus", MCU_AUDIO_OPUS, 111, &io[0]);
	s[0].codec = MCU_AUDIO_OPUS;
	s[0].freq = 440;
	s[1].p = join(room, "PCMA", MCU_AUDIO_PCMA, 8, &io[1]);
	s[1].codec = MCU_AUDIO_PCMA;
	s[1].freq = 1000;
	s[2].p = join(room, "PCMU", MCU_AUDIO_PCMU, 0, &io[2]);
	s[2].codec = MCU_AUDIO_PCMU; /* silent listener: the shared PCMU encode */
	for (int i = 0; i < 3; i++)
		s[i].level = -1;
	run(room, s, 3, 55);
	int16_t *pcm;
	long n = received_pcm(&sk[1], MCU_AUDIO_PCMA, 8, 15, 50, &pcm);
	double at_a_440 = goertzel_amp(pcm, n, 440, 8000),
	       at_a_1000 = goertzel_amp(pcm, n, 1000, 8000);
	g_free(pcm);
	n = received_pcm(&sk[0], MCU_AUDIO_OPUS, 111, 15, 50, &pcm);
	double at_o_1000 = goertzel_amp(pcm, n, 1000, 48000),
	       at_o_440 = goertzel_amp(pcm, n, 440, 48000);
	g_free(pcm);
	n = received_pcm(&sk[2], MCU_AUDIO_PCMU, 0, 15, 50, &pcm);
	double at_u_440 = goertzel_amp(pcm, n, 440, 8000),
	       at_u_1000 = goertzel_amp(pcm, n, 1000, 8000);
	g_free(pcm);
	g_test_message("PCMA hears 440:%.0f 1000:%.0f; Opus hears 1000:%.0f 440:%.0f; PCMU hears "
		       "%.0f %.0f",
		at_a_440, at_a_1000, at_o_1000, at_o_440, at_u_440, at_u_1000);
	g_assert_cmpfloat(at_a_440, >, 0.6 * AMP); /* G.711 hears the Opus participant */
	g_assert_cmpfloat(at_a_1000, <, 0.05 * AMP);
	g_assert_cmpfloat(at_o_1000, >, 0.6 * AMP); /* and the other way round */
	g_assert_cmpfloat(at_o_440, <, 0.05 * AMP);
	g_assert_cmpfloat(at_u_440, >, 0.6 * AMP);
	g_assert_cmpfloat(at_u_1000, >, 0.6 * AMP);
	for (int i = 0; i < 3; i++) {
		mcu_room_leave(room, s[i].p);
		mcu_participant_unref(s[i].p);
		mcu_opus_enc_free(s[i].enc);
		sink_clear(&sk[i]);
	}
	mcu_room_unref(room);
}

static void test_shared_encode_for_non_talkers(void)
{
	mcu_room *room = quiet_room();
	enum {
		N = 5
	};
	sink sk[N];
	mcu_participant_io io[N];
	src s[N];
	memset(s, 0, sizeof(s));
	for (int i = 0; i < N; i++) {
		sink_init(&sk[i], &io[i]);
		s[i].p = join(room, "P", MCU_AUDIO_OPUS, 111, &io[i]);
		s[i].freq = i == 0 ? 440 : 0;
		s[i].level = -1;
	}
	run(room, s, N, 10);
	mcu_room_reset_stats(room);
	run(room, s, N, 40);
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	g_test_message("%" G_GUINT64_FORMAT " ticks: %" G_GUINT64_FORMAT
		       " shared, %" G_GUINT64_FORMAT " private encodes",
		st.audio_ticks, st.audio_encodes_shared, st.audio_encodes_private);
	g_assert_cmpuint(st.audio_ticks, ==, 40); /* one mixer tick per 20 ms of the clock */
	/* One talker: its private mix-minus plus one shared encode for the 4 others, per tick
	 * (5 encodes per tick without sharing). */
	g_assert_cmpuint(st.audio_encodes_private, ==, st.audio_ticks);
	g_assert_cmpuint(st.audio_encodes_shared, ==, st.audio_ticks);
	/* Everyone got one packet per tick. */
	for (int i = 0; i < N; i++) {
		mcu_participant_stats ps;
		mcu_participant_get_stats(s[i].p, &ps);
		g_assert_cmpuint(ps.audio_packets_out, ==, 50);
	}
	/* Two talkers: two private encodes and one shared. */
	s[1].freq = 880;
	run(room, s, N, 5);
	mcu_room_reset_stats(room);
	run(room, s, N, 20);
	mcu_room_get_stats(room, &st);
	g_test_message("%" G_GUINT64_FORMAT " ticks: %" G_GUINT64_FORMAT
		       " shared, %" G_GUINT64_FORMAT " private encodes; latency p95 %.2f ms",
		st.audio_ticks, st.audio_encodes_shared, st.audio_encodes_private,
		st.audio_latency_p95_ms);
	g_assert_cmpuint(st.audio_ticks, ==, 20);
	g_assert_cmpuint(st.audio_encodes_private, ==, 2 * st.audio_ticks);
	g_assert_cmpuint(st.audio_encodes_shared, ==, st.audio_ticks);
	/* Added latency on the room's clock, for a steady sender: the jitter queue's prebuffer
	 * (2 frames, 40 ms), no more; the figure is its histogram bucket's upper edge (0.25 ms). */
	g_assert_cmpfloat(st.audio_latency_p95_ms, >, MCU_JITTER_PREBUFFER * 20.0);
	g_assert_cmpfloat(st.audio_latency_p95_ms, <=, MCU_JITTER_PREBUFFER * 20.0 + 0.25);
	for (int i = 0; i < N; i++) {
		mcu_room_leave(room, s[i].p);
		mcu_participant_unref(s[i].p);
		mcu_opus_enc_free(s[i].enc);
		sink_clear(&sk[i]);
	}
	mcu_room_unref(room);
}

typedef struct events {
	GMutex lock;
	GString *log; /* "T<name>1", "S<name>", "S-" */
	mcu_room *room;
	void *talker;              /* io.opaque expected in the events */
	mcu_participant *leave_me; /* left from inside the speaker callback */
} events;

static void ev_talking(void *opaque, void *part, int on)
{
	events *e = opaque;
	g_mutex_lock(&e->lock);
	g_string_append_printf(e->log, "T%s%d ", part == e->talker ? "x" : "?", on);
	g_mutex_unlock(&e->lock);
}

static void ev_speaker(void *opaque, void *part)
{
	events *e = opaque;
	g_mutex_lock(&e->lock);
	g_string_append_printf(e->log, "S%s ", !part ? "-" : part == e->talker ? "+" : "?");
	mcu_participant *p = e->leave_me;
	e->leave_me = NULL;
	g_mutex_unlock(&e->lock);
	/* The callback may call into the room: leave from inside the event. */
	if (p)
		mcu_room_leave(e->room, p);
}

static void test_events_talking_and_speaker(void)
{
	mcu_room *room = quiet_room();
	events e = { .log = g_string_new(NULL), .room = room };
	g_mutex_init(&e.lock);
	mcu_room_events ev = { .opaque = &e, .talking = ev_talking, .speaker_changed = ev_speaker };
	mcu_room_set_events(room, &ev);
	sink sk[3];
	mcu_participant_io io[3];
	src s[3];
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 3; i++) {
		sink_init(&sk[i], &io[i]);
		s[i].p = join(room, "P", MCU_AUDIO_OPUS, 111, &io[i]);
		s[i].level = -1;
	}
	/* Participant 1 sends digital silence but its RTP header says -10 dBov (RFC 6464):
	 * the given level wins. */
	s[1].level = 10;
	g_mutex_lock(&e.lock);
	e.talker = &sk[1];
	g_mutex_unlock(&e.lock);
	run(room, s, 3, 40); /* 0.8 s: talking, not yet the speaker */
	mcu_participant_stats st;
	mcu_participant_get_stats(s[1].p, &st);
	g_assert_cmpuint(st.talking, ==, 1);
	g_assert_cmpuint(st.audio_level_dbov, ==, 10);
	g_mutex_lock(&e.lock);
	g_assert_cmpstr(e.log->str, ==, "Tx1 ");
	e.leave_me = s[1].p; /* the speaker leaves from inside its own speaker event */
	g_mutex_unlock(&e.lock);
	run(room, s, 3, 20); /* past 1 s: speaker */
	g_assert_cmpuint(mcu_room_count(room), ==, 2);
	run(room, s, 3, 5);
	g_mutex_lock(&e.lock);
	g_test_message("events: %s", e.log->str);
	g_assert_cmpstr(e.log->str, ==, "Tx1 S+ S- ");
	g_mutex_unlock(&e.lock);
	mcu_room_set_events(room, NULL);
	for (int i = 0; i < 3; i++) {
		mcu_room_leave(room, s[i].p);
		mcu_participant_unref(s[i].p);
		mcu_opus_enc_free(s[i].enc);
		sink_clear(&sk[i]);
	}
	mcu_room_unref(room);
	g_string_free(e.log, TRUE);
	g_mutex_clear(&e.lock);
}

/* Three Opus participants, each with its sink (the two tests below). */
static void join_opus3(mcu_room *room, sink *sk, mcu_participant_io *io, src *s)
{
	memset(s, 0, 3 * sizeof(*s));
	for (int i = 0; i < 3; i++) {
		sink_init(&sk[i], &io[i]);
		s[i].p = join(room, "P", MCU_AUDIO_OPUS, 111, &io[i]);
	}
}

static void leave3(mcu_room *room, sink *sk, src *s)
{
	for (int i = 0; i < 3; i++) {
		mcu_room_leave(room, s[i].p);
		mcu_participant_unref(s[i].p);
		mcu_opus_enc_free(s[i].enc);
		sink_clear(&sk[i]);
	}
	mcu_room_unref(room);
}

/* A sender whose packets say (RFC 6464, level 127) they are silence is not decoded; a talker
 * beside it is, and the listener still hears the talker. */
static void test_silent_frames_not_decoded(void)
{
	mcu_room *room = quiet_room();
	sink sk[3];
	mcu_participant_io io[3];
	src s[3];
	join_opus3(room, sk, io, s);
	s[0].freq = 440;
	s[0].level = 18;  /* a talker */
	s[1].level = 127; /* silent, says so */
	s[2].level = -1;  /* silent, says nothing: decoded to find out */
	run(room, s, 3, 40);
	mcu_participant_stats st[3];
	for (int i = 0; i < 3; i++)
		mcu_participant_get_stats(s[i].p, &st[i]);
	g_test_message("decoded/silent: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
		       ", %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
		       "/%" G_GUINT64_FORMAT,
		st[0].audio_frames_decoded, st[0].audio_frames_silent, st[1].audio_frames_decoded,
		st[1].audio_frames_silent, st[2].audio_frames_decoded, st[2].audio_frames_silent);
	g_assert_cmpuint(st[0].audio_frames_decoded, >, 25);
	g_assert_cmpuint(st[0].audio_frames_silent, ==, 0);
	g_assert_cmpuint(st[1].audio_frames_decoded, ==, 0);
	g_assert_cmpuint(st[1].audio_frames_silent, >, 25);
	g_assert_cmpuint(st[2].audio_frames_decoded, >, 25);
	int16_t *pcm;
	long n = received_pcm(&sk[1], MCU_AUDIO_OPUS, 111, 15, 35, &pcm);
	g_assert_cmpfloat(goertzel_amp(pcm, n, 440, 48000), >, 0.6 * AMP);
	g_free(pcm);
	leave3(room, sk, s);
}

/* Open microphones: a participant whose packets say (RFC 6464) they are quieter than voice
 * is not decoded while out of the mix; once it talks it is, and it is heard. */
static void test_quiet_open_mics_are_not_decoded_until_they_talk(void)
{
	mcu_room *room = quiet_room();
	sink sk[3];
	mcu_participant_io io[3];
	src s[3];
	join_opus3(room, sk, io, s);
	s[0].freq = 440;
	s[0].level = 18; /* a talker */
	s[1].freq = 660;
	s[1].level = 70; /* an open microphone: -70 dBov, says its header */
	s[2].level = 127;
	run(room, s, 3, 40);
	mcu_participant_stats st;
	mcu_participant_get_stats(s[1].p, &st);
	g_assert_cmpuint(st.audio_frames_decoded, ==, 0);
	g_assert_cmpuint(st.audio_frames_silent, >, 35);
	g_assert_cmpuint(st.audio_level_dbov, ==, 70);
	int16_t *pcm;
	long n = received_pcm(&sk[2], MCU_AUDIO_OPUS, 111, 15, 40, &pcm);
	g_assert_cmpfloat(goertzel_amp(pcm, n, 440, 48000), >, 0.6 * AMP);
	g_assert_cmpfloat(goertzel_amp(pcm, n, 660, 48000), <, 0.05 * AMP);
	g_free(pcm);
	s[1].level = 20; /* it talks */
	run(room, s, 3, 40);
	mcu_participant_get_stats(s[1].p, &st);
	g_assert_cmpuint(st.audio_frames_decoded, >, 35);
	n = received_pcm(&sk[2], MCU_AUDIO_OPUS, 111, 50, 80, &pcm);
	double amp = goertzel_amp(pcm, n, 660, 48000);
	g_test_message("the listener hears the open mic once it talks: %.0f", amp);
	g_assert_cmpfloat(amp, >, 0.6 * AMP);
	g_free(pcm);
	leave3(room, sk, s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func(
		"/mcu/mix/each-hears-others-tones-not-own", test_mix_each_hears_others_not_self);
	g_test_add_func("/mcu/mix/g711-hears-opus-and-back", test_g711_hears_opus_and_back);
	g_test_add_func("/mcu/mix/a-participant-muted-by-the-room-leaves-the-mix",
		test_muted_participant_leaves_the_mix);
	g_test_add_func(
		"/mcu/mix/shared-encode-for-non-talkers", test_shared_encode_for_non_talkers);
	g_test_add_func(
		"/mcu/mix/events-talking-speaker-level-given", test_events_talking_and_speaker);
	g_test_add_func(
		"/mcu/mix/frames-marked-silent-are-not-decoded", test_silent_frames_not_decoded);
	g_test_add_func("/mcu/mix/quiet-open-mics-are-not-decoded-until-they-talk",
		test_quiet_open_mics_are_not_decoded_until_they_talk);
	return g_test_run();
}
