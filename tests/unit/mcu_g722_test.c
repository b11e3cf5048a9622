/*
 * mcu_g722_test.c - G.722 in the MCU: the codec round trip (a 16 kHz tone survives, 160
 * bytes per 20 ms), then the room on its manual clock: a G.722 participant hears an Opus
 * participant's tone and the other way round (Goertzel), packets carry 160 bytes and an
 * 8 kHz RTP clock step of 160 (RFC 3551), and a silent G.722 listener is served by the
 * shared G.722 encode.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_opus_rtp.h"
#include "mcu_audio_codec.h"
#include "mcu_g722.h"

#define AMP 6000.0

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

static void test_codec_roundtrip(void)
{
	mcu_g722_enc *e;
	mcu_g722_dec *d;
	g_assert_cmpint(mcu_g722_enc_new(&e), ==, 0);
	g_assert_cmpint(mcu_g722_dec_new(&d), ==, 0);
	int16_t in[MCU_G722_FRAME_SAMPLES], out[50 * MCU_G722_FRAME_SAMPLES];
	long n = 0, t = 0;
	for (int f = 0; f < 50; f++) {
		for (int i = 0; i < MCU_G722_FRAME_SAMPLES; i++, t++)
			in[i] = (int16_t)(AMP
				* sin(2 * G_PI * 5000.0 * (double)t
					/ 16000)); /* above G.711's band */
		uint8_t pkt[400];
		size_t len = 0;
		g_assert_cmpint(mcu_g722_enc_encode(e, in, pkt, sizeof(pkt), &len), ==, 0);
		g_assert_cmpuint(len, ==, MCU_G722_FRAME_BYTES);
		int got = 0;
		g_assert_cmpint(mcu_g722_dec_decode(d, pkt, len, out + n,
					(int)G_N_ELEMENTS(out) - (int)n, &got),
			==, 0);
		g_assert_cmpint(got, ==, MCU_G722_FRAME_SAMPLES);
		n += got;
	}
	double a = goertzel_amp(out + 1600, n - 1600, 5000, 16000);
	g_test_message("5 kHz tone through G.722: %.0f of %.0f", a, AMP);
	g_assert_cmpfloat(a, >, 0.7 * AMP);
	g_assert_cmpfloat(goertzel_amp(out + 1600, n - 1600, 3000, 16000), <, 0.05 * AMP);
	mcu_g722_enc_free(e);
	mcu_g722_dec_free(d);
}

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

typedef struct src {
	mcu_participant *p;
	mcu_audio_codec_id codec;
	double freq;
	mcu_opus_enc *opus;
	mcu_g722_enc *g722;
	uint16_t seq;
	uint32_t ts;
	long n;
} src;

static void src_send(src *s)
{
	bool opus = s->codec == MCU_AUDIO_OPUS;
	int rate = opus ? 48000 : 16000, fs = rate / 50;
	int16_t pcm[960];
	for (int i = 0; i < fs; i++, s->n++)
		pcm[i] = s->freq > 0
			? (int16_t)(AMP * sin(2 * G_PI * s->freq * (double)s->n / rate))
			: 0;
	uint8_t rtp[1600];
	size_t plen = 0;
	if (opus) {
		if (!s->opus)
			g_assert_cmpint(mcu_opus_enc_new(32000, &s->opus), ==, 0);
		g_assert_cmpint(mcu_opus_enc_encode(s->opus, pcm, rtp + 12, 1500, &plen), ==, 0);
	} else {
		if (!s->g722)
			g_assert_cmpint(mcu_g722_enc_new(&s->g722), ==, 0);
		g_assert_cmpint(mcu_g722_enc_encode(s->g722, pcm, rtp + 12, 1500, &plen), ==, 0);
	}
	mcu_rtp_write_header(rtp, 12, false, opus ? 111 : 9, s->seq++, s->ts, 0x722);
	s->ts += opus ? 960 : 160;
	mcu_participant_incoming_rtp(s->p, 0, rtp, plen + 12, -1);
}

/* Decodes packets [from, to) of what a participant received, at the codec's rate. */
static long received_pcm(
	sink *s, mcu_audio_codec_id codec, uint8_t pt, guint from, guint to, int16_t **out)
{
	mcu_opus_dec *od = NULL;
	mcu_g722_dec *gd = NULL;
	if (codec == MCU_AUDIO_OPUS)
		g_assert_cmpint(mcu_opus_dec_new(&od), ==, 0);
	else
		g_assert_cmpint(mcu_g722_dec_new(&gd), ==, 0);
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
			g_assert_cmpint(mcu_opus_dec_decode(od, pl, plen, buf, 5760, &got), ==, 0);
		} else {
			g_assert_cmpuint(plen, ==, MCU_G722_FRAME_BYTES);
			g_assert_cmpint(mcu_g722_dec_decode(gd, pl, plen, buf, 5760, &got), ==, 0);
			g_assert_cmpint(got, ==, MCU_G722_FRAME_SAMPLES);
		}
		if (i >= from) {
			memcpy(pcm + n, buf, (size_t)MIN(got, 960) * sizeof(int16_t));
			n += MIN(got, 960);
		}
	}
	g_mutex_unlock(&s->lock);
	mcu_opus_dec_free(od);
	mcu_g722_dec_free(gd);
	*out = pcm;
	return n;
}

static mcu_participant *join(
	mcu_room *room, mcu_audio_codec_id codec, uint8_t pt, mcu_participant_io *io)
{
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	o.display = "P";
	o.audio_codec = codec;
	o.audio_pt = pt;
	mcu_participant *p = mcu_room_join(room, &o, io);
	g_assert_nonnull(p);
	return p;
}

static void test_room_g722_hears_opus_and_back(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 64; /* video is not the point here */
	cfg.height = 36;
	cfg.fps = 2;
	cfg.manual_clock = true; /* 20 ms of input, one mixer tick: the same on any machine */
	mcu_room *room = mcu_room_new("g722", &cfg);
	sink sk[3];
	mcu_participant_io io[3];
	src s[3];
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 3; i++)
		sink_init(&sk[i], &io[i]);
	s[0].p = join(room, MCU_AUDIO_OPUS, 111, &io[0]);
	s[0].codec = MCU_AUDIO_OPUS;
	s[0].freq = 440;
	s[1].p = join(room, MCU_AUDIO_G722, 9, &io[1]);
	s[1].codec = MCU_AUDIO_G722;
	s[1].freq = 1000;
	s[2].p = join(room, MCU_AUDIO_G722, 9, &io[2]);
	s[2].codec = MCU_AUDIO_G722; /* silent listener: the shared G.722 encode */
	for (int f = 0; f < 55; f++) {
		for (int i = 0; i < 3; i++)
			src_send(&s[i]);
		if (f == 10)
			mcu_room_reset_stats(room);
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
	}
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	int16_t *pcm;
	long n = received_pcm(&sk[1], MCU_AUDIO_G722, 9, 15, 50, &pcm);
	double g_440 = goertzel_amp(pcm, n, 440, 16000), g_1000 = goertzel_amp(pcm, n, 1000, 16000);
	g_free(pcm);
	n = received_pcm(&sk[0], MCU_AUDIO_OPUS, 111, 15, 50, &pcm);
	double o_1000 = goertzel_amp(pcm, n, 1000, 48000), o_440 = goertzel_amp(pcm, n, 440, 48000);
	g_free(pcm);
	n = received_pcm(&sk[2], MCU_AUDIO_G722, 9, 15, 50, &pcm);
	double l_440 = goertzel_amp(pcm, n, 440, 16000), l_1000 = goertzel_amp(pcm, n, 1000, 16000);
	g_free(pcm);
	g_test_message("G.722 hears 440:%.0f 1000:%.0f; Opus hears 1000:%.0f 440:%.0f; listener "
		       "%.0f %.0f; "
		       "%" G_GUINT64_FORMAT " ticks, %" G_GUINT64_FORMAT " shared encodes",
		g_440, g_1000, o_1000, o_440, l_440, l_1000, st.audio_ticks,
		st.audio_encodes_shared);
	g_assert_cmpfloat(g_440, >, 0.6 * AMP);   /* G.722 hears the Opus participant */
	g_assert_cmpfloat(g_1000, <, 0.05 * AMP); /* not itself */
	g_assert_cmpfloat(o_1000, >, 0.6 * AMP);  /* and the other way round */
	g_assert_cmpfloat(o_440, <, 0.05 * AMP);
	g_assert_cmpfloat(l_440, >, 0.6 * AMP);
	g_assert_cmpfloat(l_1000, >, 0.6 * AMP);
	/* Two talkers (private encodes), one listener: one shared encode per tick. */
	g_assert_cmpuint(st.audio_ticks, ==, 45);
	g_assert_cmpuint(st.audio_encodes_shared, ==, st.audio_ticks);
	for (int i = 0; i < 3; i++) {
		mcu_room_leave(room, s[i].p);
		mcu_participant_unref(s[i].p);
		mcu_opus_enc_free(s[i].opus);
		mcu_g722_enc_free(s[i].g722);
		sink_clear(&sk[i]);
	}
	mcu_room_unref(room);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/g722/codec-roundtrip", test_codec_roundtrip);
	g_test_add_func("/mcu/g722/room/hears-opus-and-back", test_room_g722_hears_opus_and_back);
	return g_test_run();
}
