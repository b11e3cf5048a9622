/*
 * make_seeds.c - writes the seed corpora of the fuzz harnesses: realistic inputs made with
 * the project's own code and the real codecs, so nothing binary lives in the repository.
 *
 * Usage: make_seeds OUTDIR  ->  OUTDIR/<harness>/<name> for every harness (see Makefile.am).
 * Media: VP8 frames from libvpx through mcu_vp8_enc and the project's packetizer, synthetic
 * H.264 access units through the RFC 6184 packetizer, Opus
 * packets from libopus in several modes, RTP with CSRCs, header extensions and padding.
 * Stream harnesses get fuzz_records.h framing. Deterministic: same files on every run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <opus/opus.h>

#include "mcu_rtp.h"
#include "mcu_vp8_rtp.h"
#include "mcu_h264_rtp.h"
#include "mcu_opus_rtp.h"
#include "mcu_video_codec.h"
#include "mcu_image.h"
#include "fuzz_records.h"

#define AUDIO_PT   111
#define VIDEO_PT   96
#define MAX_FRAMES 12

static const char *outdir;
static int failures;

/* --- output --------------------------------------------------------------------------- */

static void put_file(const char *harness, const char *name, const void *data, size_t len)
{
	char *dir = g_build_filename(outdir, harness, NULL);
	char *path = g_build_filename(dir, name, NULL);
	GError *err = NULL;
	if (g_mkdir_with_parents(dir, 0755) < 0
		|| !g_file_set_contents(path, data, (gssize)len, &err)) {
		fprintf(stderr, "make_seeds: cannot write %s: %s\n", path,
			err ? err->message : g_strerror(errno));
		g_clear_error(&err);
		failures++;
	}
	g_free(path);
	g_free(dir);
}

static void put_bytes(const char *harness, const char *name, GByteArray *b)
{
	put_file(harness, name, b->data, b->len);
	g_byte_array_unref(b);
}

static void record(GByteArray *b, uint8_t flags, const uint8_t *data, size_t len)
{
	uint8_t hdr[FUZZ_RECORD_HDR] = { flags, (uint8_t)(len >> 8), (uint8_t)len };
	g_byte_array_append(b, hdr, sizeof(hdr));
	g_byte_array_append(b, data, (guint)len);
}

/* --- RTP ------------------------------------------------------------------------------ */

typedef struct rtp_opts {
	int csrcs;   /* 0..15 */
	int ext;     /* 0 none, 1 one-byte (RFC 8285 0xBEDE), 2 two-byte (0x100x) */
	int padding; /* bytes of padding, 0 none */
} rtp_opts;

/* Builds one RTP packet into a new GByteArray. */
static GByteArray *rtp_build(uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, bool marker,
	const uint8_t *payload, size_t plen, const rtp_opts *o)
{
	uint8_t hdr[MCU_RTP_HEADER_LEN];
	mcu_rtp_write_header(hdr, sizeof(hdr), marker, pt, seq, ts, ssrc);
	GByteArray *b = g_byte_array_new();
	if (o) {
		hdr[0] |= (uint8_t)(o->csrcs & 0x0f);
		if (o->ext)
			hdr[0] |= 0x10;
		if (o->padding)
			hdr[0] |= 0x20;
	}
	g_byte_array_append(b, hdr, sizeof(hdr));
	for (int i = 0; o && i < o->csrcs; i++) {
		uint8_t c[4] = { 0x11, 0x22, 0x33, (uint8_t)i };
		g_byte_array_append(b, c, 4);
	}
	if (o && o->ext == 1) {
		/* audio level (id 1, 1 byte), transport-wide seq (id 3, 2 bytes), pad to 8 bytes */
		static const uint8_t e[] = { 0xbe, 0xde, 0x00, 0x02, 0x10, 0x85, 0x31, 0x00, 0x2a,
			0, 0, 0 };
		g_byte_array_append(b, e, sizeof(e));
	} else if (o && o->ext == 2) {
		/* two-byte header: mid (id 4) "0" */
		static const uint8_t e[] = { 0x10, 0x00, 0x00, 0x01, 0x04, 0x01, '0', 0x00 };
		g_byte_array_append(b, e, sizeof(e));
	}
	g_byte_array_append(b, payload, (guint)plen);
	if (o && o->padding) {
		for (int i = 0; i < o->padding - 1; i++)
			g_byte_array_append(b, (const uint8_t *)"\0", 1);
		uint8_t n = (uint8_t)o->padding;
		g_byte_array_append(b, &n, 1);
	}
	return b;
}

/* --- media ---------------------------------------------------------------------------- */

typedef struct vp8_stream {
	uint8_t *frame[MAX_FRAMES];
	size_t len[MAX_FRAMES];
	bool key[MAX_FRAMES];
	int n;
} vp8_stream;

/* A moving square over a gradient: frames of a few hundred bytes to a few kB. */
static void vp8_encode_stream(int w, int h, int kbps, int frames, vp8_stream *s)
{
	memset(s, 0, sizeof(*s));
	mcu_vp8_enc *enc;
	mcu_image img = { 0 };
	if (mcu_vp8_enc_new(w, h, 10, kbps, &enc) < 0 || mcu_image_alloc(&img, w, h) < 0) {
		fprintf(stderr, "make_seeds: VP8 encoder setup failed\n");
		failures++;
		return;
	}
	for (int f = 0; f < frames && s->n < MAX_FRAMES; f++) {
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				bool in = x >= f * 6 && x < f * 6 + w / 4 && y >= h / 4
					&& y < h / 2;
				img.planes[0][y * img.strides[0] + x] = in
					? 235
					: (uint8_t)(16 + (x + y + f) % 200);
			}
		for (int p = 1; p < 3; p++)
			for (int y = 0; y < h / 2; y++)
				memset(img.planes[p] + y * img.strides[p],
					p == 1 ? 90 + f * 5 : 160, (size_t)w / 2);
		const uint8_t *data;
		size_t len;
		bool key;
		if (mcu_vp8_enc_encode(enc, &img, f == 0, &data, &len, &key) < 0 || len == 0)
			continue;
		s->frame[s->n] = g_memdup2(data, len);
		s->len[s->n] = len;
		s->key[s->n] = key;
		s->n++;
	}
	mcu_image_release(&img);
	mcu_vp8_enc_free(enc);
	if (s->n == 0 || !s->key[0]) {
		fprintf(stderr, "make_seeds: no VP8 key frame\n");
		failures++;
	}
}

static void vp8_stream_free(vp8_stream *s)
{
	for (int i = 0; i < s->n; i++)
		g_free(s->frame[i]);
}

/* The RTP packets of a stream, in order, as GByteArrays (a GPtrArray that frees them). */
static GPtrArray *vp8_packets(const vp8_stream *s, size_t max_payload, uint16_t seq0, uint32_t ts0)
{
	GPtrArray *pkts = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	uint16_t seq = seq0;
	for (int f = 0; f < s->n; f++) {
		size_t n = mcu_vp8_packet_count(s->len[f], max_payload);
		for (size_t i = 0; i < n; i++) {
			uint8_t payload[1500];
			size_t plen;
			bool marker;
			if (mcu_vp8_packetize(s->frame[f], s->len[f], (uint16_t)(100 + f),
				    max_payload, i, payload, sizeof(payload), &plen, &marker)
				< 0) {
				failures++;
				continue;
			}
			g_ptr_array_add(pkts,
				rtp_build(VIDEO_PT, seq++, ts0 + (uint32_t)f * 9000, 0x5eed0001,
					marker, payload, plen, NULL));
		}
	}
	return pkts;
}

typedef struct opus_mode {
	const char *name;
	int channels, application, bitrate, frame_ms;
	int bandwidth; /* OPUS_AUTO or a forced one */
	int signal;    /* OPUS_AUTO, OPUS_SIGNAL_VOICE, OPUS_SIGNAL_MUSIC */
} opus_mode;

static const opus_mode opus_modes[] = {
	{ "voip-mono-20ms", 1, OPUS_APPLICATION_VOIP, 32000, 20, OPUS_AUTO, OPUS_SIGNAL_VOICE },
	{ "silk-nb-20ms", 1, OPUS_APPLICATION_VOIP, 8000, 20, OPUS_BANDWIDTH_NARROWBAND,
		OPUS_SIGNAL_VOICE },
	{ "silk-wb-60ms", 1, OPUS_APPLICATION_VOIP, 16000, 60, OPUS_BANDWIDTH_WIDEBAND,
		OPUS_SIGNAL_VOICE },
	{ "hybrid-fb-40ms", 1, OPUS_APPLICATION_VOIP, 40000, 40, OPUS_BANDWIDTH_FULLBAND,
		OPUS_SIGNAL_VOICE },
	{ "celt-stereo-20ms", 2, OPUS_APPLICATION_AUDIO, 128000, 20, OPUS_AUTO, OPUS_SIGNAL_MUSIC },
	{ "celt-lowdelay-2.5ms", 1, OPUS_APPLICATION_RESTRICTED_LOWDELAY, 64000, 0, OPUS_AUTO,
		OPUS_AUTO },
	{ "celt-stereo-10ms", 2, OPUS_APPLICATION_RESTRICTED_LOWDELAY, 96000, 10, OPUS_AUTO,
		OPUS_AUTO },
	{ "audio-mono-120ms", 1, OPUS_APPLICATION_AUDIO, 24000, 120, OPUS_AUTO, OPUS_AUTO },
};

/* Encodes count packets of a tone + noise; returns them as GByteArrays. */
static GPtrArray *opus_packets(const opus_mode *m, int count)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	int err;
	OpusEncoder *enc = opus_encoder_create(48000, m->channels, m->application, &err);
	if (!enc) {
		fprintf(stderr, "make_seeds: opus_encoder_create: %s\n", opus_strerror(err));
		failures++;
		return out;
	}
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(m->bitrate));
	opus_encoder_ctl(enc, OPUS_SET_BANDWIDTH(m->bandwidth));
	opus_encoder_ctl(enc, OPUS_SET_SIGNAL(m->signal));
	opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(10));
	int samples = m->frame_ms ? 48 * m->frame_ms : 120;
	int16_t *pcm = g_new0(int16_t, (gsize)samples * (gsize)m->channels);
	guint32 noise = 12345;
	for (int k = 0; k < count; k++) {
		for (int i = 0; i < samples; i++) {
			noise = noise * 1103515245u + 12345u;
			double t = (double)(k * samples + i) / 48000.0;
			double v = 8000.0 * sin(2 * G_PI * 440.0 * t)
				+ (double)((noise >> 16) % 2000) - 1000.0;
			for (int c = 0; c < m->channels; c++)
				pcm[i * m->channels + c] = (int16_t)(c ? v / 2 : v);
		}
		uint8_t pkt[MCU_OPUS_MAX_PACKET];
		int n = opus_encode(enc, pcm, samples, pkt, sizeof(pkt));
		if (n <= 0) {
			fprintf(stderr, "make_seeds: opus_encode (%s): %s\n", m->name,
				opus_strerror(n));
			failures++;
			break;
		}
		GByteArray *b = g_byte_array_new();
		g_byte_array_append(b, pkt, (guint)n);
		g_ptr_array_add(out, b);
	}
	g_free(pcm);
	opus_encoder_destroy(enc);
	return out;
}

/* --- per harness ---------------------------------------------------------------------- */

static void seeds_rtp(GPtrArray *opus, GPtrArray *vp8)
{
	const GByteArray *op = g_ptr_array_index(opus, 0);
	static const rtp_opts opts[] = {
		{ 0, 0, 0 },
		{ 2, 0, 0 },
		{ 0, 1, 0 },
		{ 0, 2, 0 },
		{ 0, 0, 4 },
		{ 15, 1, 1 },
		{ 3, 2, 255 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
		/* Padding larger than the payload area makes the last one a malformed case. */
		GByteArray *b = rtp_build(AUDIO_PT, (uint16_t)(1000 + i), 960u * (uint32_t)i,
			0xa0d10001, i == 5, op->data, op->len, &opts[i]);
		char name[32];
		g_snprintf(name, sizeof(name), "opus-%zu", i);
		put_bytes("rtp", name, b);
	}
	const GByteArray *vp = g_ptr_array_index(vp8, 0);
	put_file("rtp", "vp8-first", vp->data, vp->len);
	const GByteArray *vl = g_ptr_array_index(vp8, vp8->len - 1);
	put_file("rtp", "vp8-last-marker", vl->data, vl->len);
	uint8_t min[MCU_RTP_HEADER_LEN + 1] = { 0 };
	mcu_rtp_write_header(min, sizeof(min), false, 0, 0, 0, 0);
	put_file("rtp", "minimal", min, sizeof(min));
}

static void seeds_vp8_desc(const vp8_stream *s)
{
	/* Descriptors of the RFC 7741 §4.2 kinds, each followed by a little VP8 data. */
	static const uint8_t d1[] = { 0x10, 0x9d };             /* no X */
	static const uint8_t d2[] = { 0x90, 0x80, 0x45, 0x9d }; /* 7-bit id */
	static const uint8_t d3[] = { 0x90, 0x80, 0x92, 0x34, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a };
	static const uint8_t d4[] = { 0xb1, 0xf0, 0x92, 0x34, 0x77, 0xa5, 0xaa,
		0x11 };                                               /* I L T K */
	static const uint8_t d5[] = { 0x80, 0x60, 0x12, 0xc0, 0x31 }; /* L T */
	static const uint8_t d6[] = { 0xa3, 0x10, 0x1f, 0x00 };       /* K, PID 3 */
	put_file("vp8_desc", "no-x", d1, sizeof(d1));
	put_file("vp8_desc", "pictureid-7bit", d2, sizeof(d2));
	put_file("vp8_desc", "pictureid-15bit-key", d3, sizeof(d3));
	put_file("vp8_desc", "all-fields", d4, sizeof(d4));
	put_file("vp8_desc", "tl0-tid", d5, sizeof(d5));
	put_file("vp8_desc", "keyidx-pid3", d6, sizeof(d6));
	/* Whole frames after a size byte: the round-trip half splits them into many packets. */
	static const uint8_t sizes[] = { 0x00, 0x3b, 0xff, 0x96 };
	for (int f = 0; f < s->n && f < 4; f++) {
		GByteArray *b = g_byte_array_new();
		g_byte_array_append(b, &sizes[f], 1);
		g_byte_array_append(b, s->frame[f], (guint)s->len[f]);
		char name[32];
		g_snprintf(name, sizeof(name), "frame-%d%s", f, s->key[f] ? "-key" : "");
		put_bytes("vp8_desc", name, b);
	}
}

/* A stream of the packets in index order idx[0..n), with flags. */
static GByteArray *stream_of(GPtrArray *pkts, const int *idx, int n, uint8_t flags)
{
	GByteArray *b = g_byte_array_new();
	for (int i = 0; i < n; i++) {
		const GByteArray *p = g_ptr_array_index(pkts, idx[i]);
		record(b, flags, p->data, p->len);
	}
	return b;
}

static void seeds_vp8_assembler(const vp8_stream *s)
{
	GPtrArray *pk = vp8_packets(s, 300, 65530, 90000); /* several packets a frame, seq wrap */
	int n = (int)pk->len;
	int *idx = g_new(int, (gsize)n * 2);
	for (int i = 0; i < n; i++)
		idx[i] = i;
	put_bytes("vp8_assembler", "in-order-pop", stream_of(pk, idx, n, 1));
	put_bytes("vp8_assembler", "in-order-nopop", stream_of(pk, idx, n, 0));
	/* pairs swapped */
	for (int i = 0; i + 1 < n; i += 2) {
		idx[i] = i + 1;
		idx[i + 1] = i;
	}
	put_bytes("vp8_assembler", "swapped-pop", stream_of(pk, idx, n, 1));
	/* one packet lost in the middle, then the rest */
	int m = 0;
	for (int i = 0; i < n; i++)
		if (i != n / 3)
			idx[m++] = i;
	put_bytes("vp8_assembler", "one-lost", stream_of(pk, idx, m, 1));
	/* every packet twice */
	m = 0;
	for (int i = 0; i < n; i++) {
		idx[m++] = i;
		idx[m++] = i;
	}
	put_bytes("vp8_assembler", "duplicates", stream_of(pk, idx, m, 1));
	g_free(idx);
	/* the sender restarts: same frames again with other sequence numbers and timestamps */
	GPtrArray *again = vp8_packets(s, 1200, 12, 5000);
	GByteArray *b = g_byte_array_new();
	for (guint i = 0; i < pk->len && i < 6; i++) {
		const GByteArray *p = g_ptr_array_index(pk, i);
		record(b, 1, p->data, p->len);
	}
	for (guint i = 0; i < again->len; i++) {
		const GByteArray *p = g_ptr_array_index(again, i);
		record(b, 1, p->data, p->len);
	}
	put_bytes("vp8_assembler", "restart", b);
	g_ptr_array_unref(again);
	g_ptr_array_unref(pk);
}

/* H.264: synthetic access units (SPS, PPS, IDR or non-IDR slices of several sizes; no
 * encoder needed) cut by the project's packetizer in both modes. */
static void seeds_h264_rtp(void)
{
	static const uint8_t sps[] = { 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8 };
	static const uint8_t pps[] = { 0x68, 0xce, 0x3c, 0x80 };
	GPtrArray *pk[2];
	for (int mode = 0; mode < 2; mode++) {
		pk[mode] = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
		uint16_t seq = 65530;
		for (int f = 0; f < 5; f++) {
			GByteArray *au = g_byte_array_new();
			static const uint8_t sc[4] = { 0, 0, 0, 1 };
			if (f == 0 || f == 3) {
				g_byte_array_append(au, sc, 4);
				g_byte_array_append(au, sps, sizeof(sps));
				g_byte_array_append(au, sc, 4);
				g_byte_array_append(au, pps, sizeof(pps));
			}
			/* Slices: mode 0 needs them small; mode 1 gets one big enough for FU-A. */
			size_t slices = mode == 0 ? 3 : 1, slen = mode == 0 ? 700 : 2600;
			for (size_t k = 0; k < slices; k++) {
				g_byte_array_append(au, sc, 4);
				uint8_t hdr[2] = { (uint8_t)(f == 0 || f == 3 ? 0x65 : 0x41),
					(uint8_t)(k == 0 ? 0x88 : 0x1a) };
				g_byte_array_append(au, hdr, 2);
				for (size_t i = 2; i < slen; i++) {
					uint8_t b = (uint8_t)(1
						+ (i * 37 + k * 11 + (size_t)f) % 255);
					g_byte_array_append(au, &b, 1);
				}
			}
			uint8_t out[8][1200];
			size_t lens[8], count = 0;
			if (mcu_h264_packetize(au->data, au->len, mode, 1200, &out[0][0], 1200, 8,
				    lens, &count)
				< 0)
				failures++;
			for (size_t i = 0; i < count; i++)
				g_ptr_array_add(pk[mode],
					rtp_build(VIDEO_PT, seq++, 3000u * (unsigned)f, 0x264,
						i + 1 == count, out[i], lens[i], NULL));
			g_byte_array_unref(au);
		}
	}
	int n = (int)pk[1]->len;
	int *idx = g_new(int, (gsize)n * 2 + 2);
	for (int mode = 0; mode < 2; mode++) {
		for (int i = 0; i < (int)pk[mode]->len; i++)
			idx[i] = i;
		put_bytes("h264_rtp", mode ? "mode1-in-order" : "mode0-in-order",
			stream_of(pk[mode], idx, (int)pk[mode]->len, 1));
	}
	for (int i = 0; i + 1 < n; i += 2) {
		idx[i] = i + 1;
		idx[i + 1] = i;
	}
	put_bytes("h264_rtp", "mode1-swapped", stream_of(pk[1], idx, n - (n & 1), 1));
	int m = 0;
	for (int i = 0; i < n; i++)
		if (i != n / 3)
			idx[m++] = i;
	put_bytes("h264_rtp", "mode1-one-lost", stream_of(pk[1], idx, m, 1));
	m = 0;
	for (int i = 0; i < n; i++) {
		idx[m++] = i;
		idx[m++] = i;
	}
	put_bytes("h264_rtp", "mode1-duplicates", stream_of(pk[1], idx, m, 0));
	g_free(idx);
	g_ptr_array_unref(pk[0]);
	g_ptr_array_unref(pk[1]);
}

static void seeds_opus_rtp(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(opus_modes); i++) {
		GPtrArray *pk = opus_packets(&opus_modes[i], 3);
		for (guint k = 0; k < pk->len; k += 2) {
			const GByteArray *p = g_ptr_array_index(pk, k);
			char name[64];
			g_snprintf(name, sizeof(name), "%s-%u", opus_modes[i].name, k);
			put_file("opus_rtp", name, p->data, p->len);
		}
		g_ptr_array_unref(pk);
	}
	/* RFC 6716 §3.2: code 1 (two equal frames), code 2 (sizes given), code 3 (CBR, VBR,
	 * padding), DTX-like 1-byte packets. */
	static const uint8_t c0[] = { 0x78 };
	static const uint8_t c1[] = { 0x79, 0xaa, 0xbb };
	static const uint8_t c2[] = { 0x7a, 0x01, 0xaa, 0xbb, 0xcc };
	static const uint8_t c3cbr[] = { 0x7b, 0x03, 0xaa, 0xbb, 0xcc };
	static const uint8_t c3vbr[] = { 0x7b, 0x82, 0x01, 0xaa, 0xbb, 0xcc };
	static const uint8_t c3pad[] = { 0x7b, 0x42, 0x02, 0xaa, 0xbb, 0x00, 0x00 };
	static const uint8_t c3long[] = { 0x7b, 0x82, 0xfc, 0x01, 0xaa };
	put_file("opus_rtp", "code0-empty", c0, sizeof(c0));
	put_file("opus_rtp", "code1", c1, sizeof(c1));
	put_file("opus_rtp", "code2", c2, sizeof(c2));
	put_file("opus_rtp", "code3-cbr", c3cbr, sizeof(c3cbr));
	put_file("opus_rtp", "code3-vbr", c3vbr, sizeof(c3vbr));
	put_file("opus_rtp", "code3-padding", c3pad, sizeof(c3pad));
	put_file("opus_rtp", "code3-twobyte-len", c3long, sizeof(c3long));
}

static void jitter_put(GByteArray *b, uint16_t seq, const GByteArray *pkt)
{
	GByteArray *r = g_byte_array_new();
	uint8_t s[2] = { (uint8_t)(seq >> 8), (uint8_t)seq };
	g_byte_array_append(r, s, 2);
	g_byte_array_append(r, pkt->data, pkt->len);
	record(b, 0, r->data, r->len);
	g_byte_array_unref(r);
}

static void jitter_get(GByteArray *b, int small_cap)
{
	uint8_t flags = small_cap ? (uint8_t)(0x01 | 0x02 | (small_cap << 2)) : 0x01;
	record(b, flags, NULL, 0);
}

static void seeds_audio_jitter(GPtrArray *opus)
{
	const int n = (int)opus->len;
#define PKT(i) ((const GByteArray *)g_ptr_array_index(opus, (guint)(i) % (guint)n))
	GByteArray *b = g_byte_array_new();
	for (int i = 0; i < 30; i++) {
		jitter_put(b, (uint16_t)(65520 + i), PKT(i)); /* wraps */
		jitter_get(b, 0);
	}
	put_bytes("audio_jitter", "steady-wrap", b);

	b = g_byte_array_new();
	static const int order[] = { 0, 2, 1, 3, 5, 4, 4, 7, 6, 9, 8, 12, 10 };
	for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
		jitter_put(b, (uint16_t)(100 + order[i]), PKT(i));
		if (i % 2)
			jitter_get(b, 0);
	}
	for (int i = 0; i < 8; i++)
		jitter_get(b, 0);
	put_bytes("audio_jitter", "reorder-dup-loss", b);

	b = g_byte_array_new();
	for (int i = 0; i < 20; i++)
		jitter_put(b, (uint16_t)(7 + i), PKT(i)); /* overflows the 16 slots */
	for (int i = 0; i < 4; i++)
		jitter_get(b, 0);
	jitter_put(b, 40, PKT(0));    /* gap > 10: resync */
	jitter_put(b, 30000, PKT(1)); /* restart */
	jitter_put(b, 30001, PKT(2));
	for (int i = 0; i < 4; i++)
		jitter_get(b, i == 1 ? 3 : 0); /* one get too small */
	put_bytes("audio_jitter", "overflow-gap-restart", b);
#undef PKT
}

static void seeds_room(GPtrArray *opus_rtp, const vp8_stream *small, const vp8_stream *big)
{
	GPtrArray *v = vp8_packets(small, 1200, 4000, 3000);
	GByteArray *b = g_byte_array_new();
	for (guint i = 0; i < opus_rtp->len; i++) {
		const GByteArray *p = g_ptr_array_index(opus_rtp, i);
		record(b, 0, p->data, p->len);
	}
	put_bytes("room", "audio", b);

	b = g_byte_array_new();
	for (guint i = 0; i < v->len; i++) {
		const GByteArray *p = g_ptr_array_index(v, i);
		record(b, 1, p->data, p->len);
	}
	put_bytes("room", "video", b);

	/* Audio and video interleaved, with a key frame request. */
	b = g_byte_array_new();
	for (guint i = 0; i < v->len || i < opus_rtp->len; i++) {
		if (i < opus_rtp->len) {
			const GByteArray *p = g_ptr_array_index(opus_rtp, i);
			record(b, 0, p->data, p->len);
		}
		if (i < v->len) {
			const GByteArray *p = g_ptr_array_index(v, i);
			record(b, i == 2 ? 3 : 1, p->data, p->len);
		}
	}
	put_bytes("room", "audio-video", b);

	/* Larger picture in small packets, one lost: the decoder waits for the next key frame. */
	GPtrArray *bv = vp8_packets(big, 500, 65500, 1);
	b = g_byte_array_new();
	for (guint i = 0; i < bv->len; i++) {
		if (i == bv->len / 2)
			continue;
		const GByteArray *p = g_ptr_array_index(bv, i);
		record(b, 1, p->data, p->len);
	}
	put_bytes("room", "video-big-lossy", b);
	g_ptr_array_unref(bv);

	/* The same stream as the presenter's content (flag 4), a content key frame request
	 * between (flag 2); then as H.264 content (flag 8: garbage for that depacketizer). */
	b = g_byte_array_new();
	for (guint i = 0; i < v->len; i++) {
		const GByteArray *p = g_ptr_array_index(v, i);
		record(b, i == 1 ? 4 | 2 : 4, p->data, p->len);
	}
	put_bytes("room", "content-vp8", b);
	b = g_byte_array_new();
	for (guint i = 0; i < v->len; i++) {
		const GByteArray *p = g_ptr_array_index(v, i);
		record(b, 4 | 8, p->data, p->len);
	}
	put_bytes("room", "content-as-h264", b);
	g_ptr_array_unref(v);
}

static void seeds_vmr_request(void)
{
	static const char *const req[][2] = {
		{ "join-room",
			"{\"request\":\"join\",\"room\":\"alice.join\",\"display\":\"Ana "
			"García\"}" },
		{ "join-pin",
			"{\"request\":\"join\",\"room\":\"sales\",\"pin\":\"1234\",\"display\":"
			"\"Bob\"}" },
		{ "join-invite",
			"{\"request\":\"join\",\"id\":42,\"secret\":\"8f14e45fceea167a\","
			"\"display\":\"Maria\"}" },
		{ "join-bad",
			"{\"request\":\"join\",\"room\":\"A "
			"B\",\"display\":\"\\u0007\",\"pin\":\"12a4\"}" },
		{ "join-nul", "{\"request\":\"join\",\"room\":\"abc\",\"display\":\"x\\u0000y\"}" },
		{ "leave", "{\"request\":\"leave\"}" },
		{ "listparticipants", "{\"request\":\"listparticipants\"}" },
		{ "keyframe", "{\"request\":\"keyframe\"}" },
		{ "login",
			"{\"request\":\"login\",\"username\":\"alice\",\"password\":\"correct "
			"horse\"}" },
		{ "resume",
			"{\"request\":\"resume\",\"token\":\"0123456789abcdef0123456789abcdef\"}" },
		{ "logout", "{\"request\":\"logout\"}" },
		{ "update-room",
			"{\"request\":\"update_room\",\"name\":\"team\",\"pin\":\"\",\"layout\":"
			"\"2x2\",\"receive_call\":true}" },
		{ "invite",
			"{\"request\":\"invite\",\"email\":\"maria@example.org\",\"name\":"
			"\"Maria\"}" },
		{ "revoke", "{\"request\":\"revoke_invitation\",\"id\":7}" },
		{ "invitation-info",
			"{\"request\":\"invitation_info\",\"id\":7,\"secret\":\"abcd\"}" },
		{ "admin-create-account",
			"{\"request\":\"create_account\",\"username\":\"bob\",\"password\":\"pw\","
			"\"admin\":false,\"email\":\"b@x.org\"}" },
		{ "admin-create-room",
			"{\"request\":\"create_room\",\"name\":\"sales\",\"pin\":\"0000\","
			"\"layout\":\"speaker\",\"owner\":\"bob\"}" },
		{ "unknown-field", "{\"request\":\"leave\",\"extra\":[1,2,{\"a\":null}]}" },
		{ "wrong-types", "{\"request\":\"delete_invitation\",\"id\":-1.5}" },
		{ "not-object", "[\"join\"]" },
		{ "bad-json", "{\"request\":\"join\",\"room\":" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(req); i++)
		put_file("vmr_request", req[i][0], req[i][1], strlen(req[i][1]));
}

/* --- SIP bridge: SDP offers, RTCP, DTMF, digest ----------------------------------------- */

static void seeds_sip_sdp(void)
{
	static const char *const sdp[][2] = {
		{ "softphone-pcmu",
			"v=0\r\no=alice 2890844526 2890844526 IN IP4 198.51.100.7\r\ns=-\r\n"
			"c=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\n"
			"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 "
			"telephone-event/8000\r\n"
			"a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n" },
		{ "opus-vp8-h264",
			"v=0\r\no=- 4611731400430051336 2 IN IP4 203.0.113.20\r\ns=-\r\n"
			"t=0 0\r\nm=audio 5004 RTP/AVPF 111 9 0 110 101\r\nc=IN IP4 "
			"203.0.113.20\r\n"
			"a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
			"a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:110 "
			"telephone-event/48000\r\n"
			"a=rtpmap:101 telephone-event/8000\r\na=extmap:1 "
			"urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
			"m=video 5006 RTP/AVPF 100 102 96\r\nc=IN IP4 203.0.113.20\r\n"
			"a=rtpmap:100 H264/90000\r\na=fmtp:100 "
			"profile-level-id=42e01f;packetization-mode=1\r\n"
			"a=rtpmap:102 H264/90000\r\na=fmtp:102 "
			"profile-level-id=640032;packetization-mode=1\r\n"
			"a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm "
			"fir\r\na=recvonly\r\n" },
		{ "savp-sdes",
			"v=0\r\no=polycom 1 1 IN IP4 192.0.2.44\r\ns=Polycom IP Phone\r\n"
			"c=IN IP4 192.0.2.44\r\nt=0 0\r\nm=audio 2222 RTP/SAVP 9 0 101\r\n"
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
			"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
			"a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
			"inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
			"a=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
			"m=video 2224 RTP/SAVP 109\r\na=rtpmap:109 H264/90000\r\n"
			"a=fmtp:109 profile-level-id=428016;packetization-mode=0\r\n" },
		{ "hold-inactive",
			"v=0\r\no=bob 1 3 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
			"m=audio 49170 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=inactive\r\n" },
		{ "ipv6-static-pt",
			"v=0\r\no=- 7 7 IN IP6 2001:db8::5\r\ns=-\r\nc=IN IP6 2001:db8::5\r\nt=0 "
			"0\r\n"
			"m=audio 16384 RTP/AVP 0 18\r\nm=image 16386 udptl t38\r\nm=video 0 "
			"RTP/AVP 31\r\n"
			"m=audio 16390 RTP/AVP 8\r\na=sendonly\r\n" },
		{ "no-codec",
			"v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
			"m=audio 4000 RTP/AVP 97\r\na=rtpmap:97 AMR-WB/16000/1\r\n" },
		{ "bad", "v=0\r\no=\r\nm=audio x\r\n" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(sdp); i++)
		put_file("sip_sdp", sdp[i][0], sdp[i][1], strlen(sdp[i][1]));
}

/* Whole SIP requests as they arrive on UDP (fuzz_sip_msg: the bridge's message class) */
static void seeds_sip_msg(void)
{
#define SIP_HDRS                                                                                   \
	"Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK776asdhds;rport\r\n"                        \
	"From: \"Desk\" <sip:desk@example.org>;tag=1928301774\r\n"                                 \
	"To: <sip:board.join@vmr.example>\r\nCall-ID: a84b4c76e66710@192.0.2.7\r\n"
	static const char *const msg[][2] = {
		{ "invite-sdp",
			"INVITE sip:board.join@vmr.example SIP/2.0\r\n" SIP_HDRS
			"CSeq: 314159 INVITE\r\nContact: <sip:desk@192.0.2.7>\r\nMax-Forwards: "
			"70\r\n"
			"Content-Type: application/sdp\r\nContent-Length: 37\r\n\r\n"
			"v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\n" },
		{ "invite-delayed-offer",
			"INVITE sips:board.join@vmr.example;transport=tls SIP/2.0\r\n" SIP_HDRS
			"CSeq: 1 INVITE\r\nContact: <sip:desk@192.0.2.7;transport=tls>\r\n"
			"Supported: timer\r\nSession-Expires: 1800\r\nContent-Length: 0\r\n\r\n" },
		{ "register-huge-expires",
			"REGISTER sip:vmr.example SIP/2.0\r\n" SIP_HDRS
			"CSeq: 2 REGISTER\r\nContact: <sip:desk@192.0.2.7>;expires=4294967296\r\n"
			"Expires: 99999999999999999999\r\nContent-Length: 0\r\n\r\n" },
		{ "options-bad-uri",
			"OPTIONS sip:%zz%@@example.org:99999 SIP/2.0\r\n" SIP_HDRS
			"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" },
		{ "response", "SIP/2.0 180 Ringing\r\n" SIP_HDRS "CSeq: 1 INVITE\r\n\r\n" },
	};
#undef SIP_HDRS
	for (size_t i = 0; i < G_N_ELEMENTS(msg); i++)
		put_file("sip_msg", msg[i][0], msg[i][1], strlen(msg[i][1]));
}

/* BFCP (fuzz_bfcp): byte 0 even, then records of messages from the clients (flag & 3: client
 * 1 and 2 over TCP, 3 over UDP; 0x80 the browser takes the floor), written from RFC 8855's
 * figures; byte 0 odd, then an SDP offer with a BFCP line and a slides video line. */
static void seeds_bfcp(void)
{
	/* FloorRequest (v1, conference 1, tid 1, user 1) for floor 1 */
	static const uint8_t req1[] = { 0x20, 0x01, 0x00, 0x01, 0, 0, 0, 1, 0, 1, 0, 1, 0x05, 0x04,
		0x00, 0x01 };
	/* Hello (v2, user 3), then FloorRequest (v2, user 3) for floor 1 */
	static const uint8_t hello3[] = { 0x40, 0x0b, 0x00, 0x00, 0, 0, 0, 1, 0, 2, 0, 3 };
	static const uint8_t req3[] = { 0x40, 0x01, 0x00, 0x01, 0, 0, 0, 1, 0, 3, 0, 3, 0x05, 0x04,
		0x00, 0x01 };
	/* FloorRelease (v2, user 3) of floor request 2 */
	static const uint8_t rel3[] = { 0x40, 0x02, 0x00, 0x01, 0, 0, 0, 1, 0, 4, 0, 3, 0x07, 0x04,
		0x00, 0x02 };
	/* FloorQuery (v1, user 2) for floor 1 */
	static const uint8_t query2[] = { 0x20, 0x07, 0x00, 0x01, 0, 0, 0, 1, 0, 5, 0, 2, 0x05,
		0x04, 0x00, 0x01 };
	GByteArray *b = g_byte_array_new();
	g_byte_array_append(b, (const guint8 *)"\0", 1);
	record(b, 0, req1, sizeof(req1));
	record(b, 2, hello3, sizeof(hello3));
	record(b, 2, req3, sizeof(req3));
	record(b, 0x80, req1, sizeof(req1));
	record(b, 2, rel3, sizeof(rel3));
	record(b, 1, query2, sizeof(query2));
	record(b, 0x40, req1, sizeof(req1));
	put_bytes("bfcp", "takeover-release", b);
	static const char sdp[] = "\x01v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nt=0 0\r\n"
				  "m=video 49172 RTP/AVP 109\r\na=content:main\r\na=label:2\r\n"
				  "m=application 49174 TCP/BFCP *\r\na=floorctrl:c-only c-s\r\n"
				  "a=confid:1\r\na=userid:1\r\na=floorid:1 mstrm:3\r\n"
				  "a=floorid:2 m-stream:4 5\r\na=setup:actpass\r\n"
				  "a=connection:new\r\na=bfcpver:1 2\r\n"
				  "m=video 49176 RTP/AVP 109\r\na=content:slides\r\na=label:3\r\n";
	put_file("bfcp", "sdp-offer", sdp, sizeof(sdp) - 1);
}

static void seeds_rtcp(void)
{
	/* SR (1 report block) + SDES CNAME, as a desk phone sends it */
	static const uint8_t sr_sdes[] = {
		0x81,
		200,
		0x00,
		0x0c,
		0x11,
		0x22,
		0x33,
		0x44,
		0xe9,
		0x6b,
		0x2a,
		0x10,
		0x4c,
		0x6a,
		0x7e,
		0xf9,
		0x00,
		0x01,
		0x90,
		0x00,
		0x00,
		0x00,
		0x01,
		0x2c,
		0x00,
		0x00,
		0xbb,
		0x80,
		0xa0,
		0xd1,
		0x00,
		0x01,
		0x01,
		0x00,
		0x00,
		0x02,
		0x00,
		0x00,
		0x01,
		0x44,
		0x00,
		0x00,
		0x00,
		0x14,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x00,
		0x81,
		202,
		0x00,
		0x04,
		0x11,
		0x22,
		0x33,
		0x44,
		0x01,
		0x0b,
		'p',
		'h',
		'o',
		'n',
		'e',
		'@',
		'h',
		'o',
		's',
		't',
		0x00,
		0x00,
	};
	/* RR (no blocks) + SDES + PLI */
	static const uint8_t rr_pli[] = {
		0x80,
		201,
		0x00,
		0x01,
		0x55,
		0x66,
		0x77,
		0x88,
		0x81,
		202,
		0x00,
		0x02,
		0x55,
		0x66,
		0x77,
		0x88,
		0x01,
		0x01,
		'x',
		0x00,
		0x81,
		206,
		0x00,
		0x02,
		0x55,
		0x66,
		0x77,
		0x88,
		0xa0,
		0xd1,
		0x00,
		0x01,
	};
	/* RR + FIR (RFC 5104) + BYE */
	static const uint8_t fir_bye[] = {
		0x80,
		201,
		0x00,
		0x01,
		0x55,
		0x66,
		0x77,
		0x88,
		0x84,
		206,
		0x00,
		0x04,
		0x55,
		0x66,
		0x77,
		0x88,
		0x00,
		0x00,
		0x00,
		0x00,
		0xa0,
		0xd1,
		0x00,
		0x01,
		0x07,
		0x00,
		0x00,
		0x00,
		0x81,
		203,
		0x00,
		0x01,
		0x55,
		0x66,
		0x77,
		0x88,
	};
	/* generic NACK (RTPFB) + padded APP */
	static const uint8_t nack_app[] = {
		0x81,
		205,
		0x00,
		0x03,
		0x55,
		0x66,
		0x77,
		0x88,
		0xa0,
		0xd1,
		0x00,
		0x01,
		0x01,
		0x2c,
		0x00,
		0x05,
		0xa0,
		204,
		0x00,
		0x03,
		0x55,
		0x66,
		0x77,
		0x88,
		'q',
		'o',
		's',
		'x',
		0xaa,
		0x00,
		0x00,
		0x02,
	};
	static const uint8_t overrun[] = { 0x80, 201, 0x00, 0x07, 0x55, 0x66, 0x77, 0x88 };
	put_file("rtcp", "sr-sdes", sr_sdes, sizeof(sr_sdes));
	put_file("rtcp", "rr-sdes-pli", rr_pli, sizeof(rr_pli));
	put_file("rtcp", "rr-fir-bye", fir_bye, sizeof(fir_bye));
	put_file("rtcp", "nack-app", nack_app, sizeof(nack_app));
	put_file("rtcp", "overrun", overrun, sizeof(overrun));
}

/* One telephone-event record: RTP timestamp + RFC 4733 payload. */
static void dtmf_rec(GByteArray *b, uint32_t ts, int event, bool end, uint16_t duration)
{
	uint8_t r[8] = { (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts,
		(uint8_t)event, (uint8_t)((end ? 0x80 : 0) | 10), (uint8_t)(duration >> 8),
		(uint8_t)duration };
	record(b, 0x00, r, sizeof(r));
}

static void info_rec(GByteArray *b, uint8_t flags, const char *ctype, const char *body)
{
	GByteArray *r = g_byte_array_new();
	g_byte_array_append(r, (const guint8 *)ctype, (guint)strlen(ctype) + 1);
	g_byte_array_append(r, (const guint8 *)body, (guint)strlen(body));
	record(b, flags, r->data, r->len);
	g_byte_array_unref(r);
}

/* media_quality: datagrams as <length byte><bytes>: two RRs of one stream (a report block
 * each: 500 expected, 5 lost, jitter 80/160), then RTP headers with a gap and a late one. */
static void media_put32(GByteArray *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	g_byte_array_append(b, p, 4);
}

static void seeds_media_quality(void)
{
	GByteArray *b = g_byte_array_new();
	const uint32_t blocks[2][3] = { { 10, 1000, 80 }, { 15, 1500, 160 } };
	for (int i = 0; i < 2; i++) {
		const uint8_t hdr[] = { 32, 0x81, 201, 0, 7 };
		g_byte_array_append(b, hdr, sizeof(hdr));
		media_put32(b, 0x11223344);   /* sender */
		media_put32(b, 0x55667788);   /* the stream reported on */
		media_put32(b, blocks[i][0]); /* fraction 0, cumulative lost */
		media_put32(b, blocks[i][1]); /* extended highest sequence */
		media_put32(b, blocks[i][2]); /* jitter */
		media_put32(b, 0);            /* LSR */
		media_put32(b, 0);            /* DLSR */
	}
	const uint16_t seqs[] = { 100, 101, 103, 102, 104, 65535, 0 };
	for (size_t i = 0; i < G_N_ELEMENTS(seqs); i++) {
		const uint8_t hdr[] = { 12, 0x80, 111, (uint8_t)(seqs[i] >> 8), (uint8_t)seqs[i] };
		g_byte_array_append(b, hdr, sizeof(hdr));
		media_put32(b, (uint32_t)seqs[i] * 960);
		media_put32(b, 0x0a0b0c0d);
	}
	put_bytes("media_quality", "rr-then-rtp", b);
}

static void seeds_dtmf(void)
{
	/* "1234#" the RFC 4733 way: a few updates, three ends per key */
	GByteArray *b = g_byte_array_new();
	static const int keys[] = { 1, 2, 3, 4, 11 };
	uint32_t ts = 160000;
	for (size_t k = 0; k < G_N_ELEMENTS(keys); k++, ts += 3200)
		for (int i = 1; i <= 6; i++)
			dtmf_rec(b, ts, keys[k], i > 3, (uint16_t)(160 * i));
	put_bytes("dtmf", "rfc4733-1234-hash", b);

	/* lost ends, a reordered late end, flash (16) and a short payload */
	b = g_byte_array_new();
	dtmf_rec(b, 8000, 9, false, 160);
	dtmf_rec(b, 8000, 9, false, 320);
	dtmf_rec(b, 16000, 0, false, 160);
	dtmf_rec(b, 8000, 9, true, 800);
	dtmf_rec(b, 16000, 0, true, 480);
	dtmf_rec(b, 24000, 16, true, 480);
	dtmf_rec(b, 0xffffff00u, 10, true, 160);
	dtmf_rec(b, 0x00000100u, 5, true, 160);
	static const uint8_t short_rec[] = { 0, 0, 0, 1, 5, 0x80 };
	record(b, 0x00, short_rec, sizeof(short_rec));
	put_bytes("dtmf", "rfc4733-loss-wrap", b);

	/* SIP INFO: dtmf-relay and dtmf bodies, "10"/"11" as '*'/'#', junk */
	b = g_byte_array_new();
	info_rec(b, 0x80, "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n");
	info_rec(b, 0x80, "Application/DTMF-Relay", "  signal = 7\r\nDuration=250\r\n");
	info_rec(b, 0x80, "application/dtmf", "3\r\n");
	info_rec(b, 0x80, "application/dtmf-relay", "Duration=100\nSignal=11\n");
	info_rec(b, 0x80, "application/dtmf", "10");
	info_rec(b, 0x80, "application/sdp", "v=0\r\n");
	info_rec(b, 0x81, ";boundary=x", "Signal=#\r\n");
	info_rec(b, 0x82, "", "d");
	put_bytes("dtmf", "sip-info", b);

	/* both ways mixed into one long entry (overflow) */
	b = g_byte_array_new();
	for (int i = 0; i < 14; i++) {
		dtmf_rec(b, 1000u + 800u * (uint32_t)i, i % 10, true, 400);
		if (i % 3 == 0) {
			char body[32];
			g_snprintf(body, sizeof(body), "Signal=%d\r\n", (i + 1) % 10);
			info_rec(b, 0x80, "application/dtmf-relay", body);
		}
	}
	info_rec(b, 0x80, "application/dtmf", "#");
	put_bytes("dtmf", "mixed-overflow", b);
}

static void seeds_digest(void)
{
	static const char *const hdr[][2] = {
		{ "linphone",
			"Digest realm=\"tpaas.example.org\", nonce=\"00000000655043f6"
			"0123456789abcdef0123456789abcdef\", algorithm=MD5, username=\"alice\", "
			"uri=\"sip:tpaas.example.org\", "
			"response=\"6629fae49393a05397450978507c4ef1\", "
			"cnonce=\"0a4f113b\", nc=00000001, qop=auth" },
		{ "no-qop",
			"Digest username=\"bob\",realm=\"tpaas\",nonce=\"00000000655043ec"
			"ffffffffffffffffffffffffffffffff\",uri=\"sip:tpaas\",response="
			"\"0000000000000000000000000000000A\"" },
		{ "sha256",
			"Digest username=\"carol\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", "
			"response=\"x\", algorithm=SHA-256, qop=\"auth-int\", "
			"opaque=\"5ccc069c\"" },
		{ "overlong",
			"Digest "
			"username="
			"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"\"" },
		{ "basic", "Basic YWxpY2U6c2VjcmV0" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(hdr); i++) {
		GByteArray *b = g_byte_array_new();
		g_byte_array_append(b, (const guint8 *)"\x00", 1);
		g_byte_array_append(b, (const guint8 *)hdr[i][1], (guint)strlen(hdr[i][1]));
		put_bytes("digest", hdr[i][0], b);
	}
	static const char raw[] =
		"username=\"dave\"\nrealm=tpaas\nnonce=\"\"\nuri=sip:tpaas\n"
		"response=\"\"\nqop=auth\nnc=00000001\ncnonce=\"\"\nalgorithm=md5\nnoequals\n=\n\"";
	GByteArray *b = g_byte_array_new();
	g_byte_array_append(b, (const guint8 *)"\x01", 1);
	g_byte_array_append(b, (const guint8 *)raw, sizeof(raw) - 1);
	put_bytes("digest", "raw-params", b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];

	vp8_stream small, big;
	vp8_encode_stream(160, 90, 200, 6, &small);
	vp8_encode_stream(320, 240, 600, 5, &big);
	GPtrArray *opus = opus_packets(&opus_modes[0], 25); /* 0.5 s of 20 ms packets */
	GPtrArray *opus_rtp = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	for (guint i = 0; i < opus->len; i++) {
		const GByteArray *p = g_ptr_array_index(opus, i);
		g_ptr_array_add(opus_rtp,
			rtp_build(AUDIO_PT, (uint16_t)(200 + i), 960u * i, 0xa0d10001, i == 0,
				p->data, p->len, NULL));
	}
	GPtrArray *vp8 = vp8_packets(&small, 1200, 1, 0);

	if (opus->len > 0 && vp8->len > 0) {
		seeds_rtp(opus, vp8);
		seeds_vp8_desc(&big);
		seeds_vp8_assembler(&big);
		seeds_h264_rtp();
		seeds_opus_rtp();
		seeds_audio_jitter(opus);
		seeds_room(opus_rtp, &small, &big);
	} else {
		failures++;
	}
	seeds_vmr_request();
	seeds_sip_sdp();
	seeds_sip_msg();
	seeds_bfcp();
	seeds_rtcp();
	seeds_media_quality();
	seeds_dtmf();
	seeds_digest();

	g_ptr_array_unref(vp8);
	g_ptr_array_unref(opus_rtp);
	g_ptr_array_unref(opus);
	vp8_stream_free(&small);
	vp8_stream_free(&big);
	if (failures) {
		fprintf(stderr, "make_seeds: %d failure(s)\n", failures);
		return 1;
	}
	return 0;
}
