/*
 * mcu_fec_test.c - Opus in-band FEC goes only to receivers that asked for it (RFC 7587 §6.1
 * useinbandfec, mcu_participant_opts.opus_fec), on the room's manual clock.
 *
 * Whether a packet carries FEC is read from the packet itself: a SILK or hybrid Opus frame
 * (RFC 6716 §3.1 TOC) starts, in its range-coded data, with one VAD flag per SILK frame and
 * then the LBRR flag, each a binary symbol of probability 1/2 (RFC 6716 §4.2.3). The range
 * decoder below reads just those symbols (RFC 6716 §4.1, written from the RFC's text). It is
 * first checked against an encoder with FEC on and one with FEC off, then used on what the
 * room sends: a listener and a talker with FEC get LBRR, those without never do; a room where
 * everyone has FEC still encodes once per tick for all its non-talkers.
 *
 * The bitrate is 40 kbps: libopus 1.3 codes LBRR only when the rate is above a threshold that
 * depends on the bandwidth and the packet loss percentage (opus_encoder.c decide_fec); at the
 * rooms' default 32 kbps full band with 5 % loss it is just below it, and no packet has LBRR
 * whatever the setting. At 32 kbps the receivers' reports of loss decide
 * (mcu_participant_set_audio_loss: the encoder is told the loss and runs 8 kbps higher).
 */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_opus_rtp.h"
#include "mcu_audio_codec.h"

#define BITRATE_BPS 40000

/* --- The first symbols of the range decoder (RFC 6716 §4.1.1, §4.1.2, §4.1.3.1) --- */

typedef struct rdec {
	const uint8_t *buf;
	size_t len, offs;
	uint32_t rng, val;
	int rem;
} rdec;

static int rdec_byte(rdec *d)
{
	return d->offs < d->len ? d->buf[d->offs++] : 0; /* past the end: zeros (§4.1.1) */
}

static void rdec_normalize(rdec *d)
{
	while (d->rng <= (1u << 23)) {
		int sym = d->rem;
		d->rng <<= 8;
		d->rem = rdec_byte(d);
		sym = ((sym << 8) | d->rem) >> 1;
		d->val = ((d->val << 8) + (255 & ~(uint32_t)sym)) & 0x7fffffffu;
	}
}

static void rdec_init(rdec *d, const uint8_t *buf, size_t len)
{
	memset(d, 0, sizeof(*d));
	d->buf = buf;
	d->len = len;
	d->rng = 128;
	d->rem = rdec_byte(d);
	d->val = 127 - (uint32_t)(d->rem >> 1);
	rdec_normalize(d);
}

/* A symbol that is 1 with probability 1/2^logp. */
static int rdec_bit_logp(rdec *d, unsigned logp)
{
	uint32_t s = d->rng >> logp;
	int ret = d->val < s;
	if (!ret)
		d->val -= s;
	d->rng = ret ? s : d->rng - s;
	rdec_normalize(d);
	return ret;
}

typedef enum {
	PKT_CELT,
	PKT_SILK_NO_LBRR,
	PKT_SILK_LBRR
} pkt_kind;

/* What one Opus packet of ours (mono, one 20 ms frame, TOC code 0) holds. */
static pkt_kind opus_pkt_kind(const uint8_t *pkt, size_t len)
{
	g_assert_cmpuint(len, >=, 1);
	unsigned config = pkt[0] >> 3;
	g_assert_cmpuint(pkt[0] & 0x4, ==, 0); /* mono */
	if (config >= 16)
		return PKT_CELT;
	/* SILK-only configs 0-11 give the frame size by config % 4 (10, 20, 40, 60 ms), hybrid
	 * 12-15 by config % 2 (10, 20 ms): ours must be 20 ms, one SILK frame. */
	g_assert_cmpuint(config < 12 ? config % 4 : config % 2, ==, 1);
	g_assert_cmpuint(pkt[0] & 0x3, ==, 0); /* one frame in the packet */
	/* an empty frame (DTX) has no header bits */
	if (len <= 2)
		return PKT_SILK_NO_LBRR;
	rdec d;
	rdec_init(&d, pkt + 1, len - 1);
	(void)rdec_bit_logp(&d, 1); /* VAD flag of the one SILK frame */
	return rdec_bit_logp(&d, 1) ? PKT_SILK_LBRR : PKT_SILK_NO_LBRR;
}

typedef struct kind_count {
	int celt, silk, lbrr; /* silk counts packets without and with LBRR */
} kind_count;

static void count_kind(kind_count *k, const uint8_t *pkt, size_t len)
{
	switch (opus_pkt_kind(pkt, len)) {
	case PKT_CELT: k->celt++; break;
	case PKT_SILK_NO_LBRR: k->silk++; break;
	case PKT_SILK_LBRR:
		k->silk++;
		k->lbrr++;
		break;
	}
}

/* --- A speech-like signal: a gliding pitch with harmonics, syllable-rate envelope --- */

static void speechish(int16_t *pcm, int n, long *t, double f_shift)
{
	for (int i = 0; i < n; i++, (*t)++) {
		double x = (double)*t / 48000.0;
		double env = 0.55 + 0.45 * sin(2 * G_PI * 3.0 * x);
		/* the integral of a pitch of 140 Hz (+ f_shift) +- 50 Hz at 0.7 Hz */
		double phase = 2 * G_PI * (140.0 + f_shift) * x
			- 50.0 / 0.7 * cos(2 * G_PI * 0.7 * x);
		double v = 0;
		for (int h = 1; h <= 6; h++)
			v += sin(h * phase) / h;
		pcm[i] = (int16_t)(5000.0 * env * v);
	}
}

/* The reader agrees with the encoder's setting, both ways. */
static void test_lbrr_flag_follows_encoder_setting(void)
{
	for (int fec = 0; fec < 2; fec++) {
		mcu_opus_enc *enc = NULL;
		g_assert_cmpint(mcu_opus_enc_new(BITRATE_BPS, &enc), ==, 0);
		g_assert_cmpint(mcu_opus_enc_set_fec(enc, fec), ==, 0);
		kind_count k = { 0 };
		long t = 0;
		for (int f = 0; f < 150; f++) {
			int16_t pcm[960];
			uint8_t pkt[1500];
			size_t len = 0;
			speechish(pcm, 960, &t, 0);
			g_assert_cmpint(
				mcu_opus_enc_encode(enc, pcm, pkt, sizeof(pkt), &len), ==, 0);
			count_kind(&k, pkt, len);
		}
		g_test_message("FEC %d: %d CELT, %d SILK/hybrid of which %d with LBRR", fec, k.celt,
			k.silk, k.lbrr);
		if (fec) {
			g_assert_cmpint(k.silk, >=, 100);
			g_assert_cmpint(k.lbrr, >=, k.silk / 2);
		} else {
			g_assert_cmpint(k.lbrr, ==, 0);
		}
		mcu_opus_enc_free(enc);
	}
	g_assert_cmpint(mcu_opus_enc_set_fec(NULL, true), ==, -EINVAL);
}

/* --- A room on the manual clock --- */

typedef struct peer {
	mcu_participant *p;
	GMutex lock;
	GPtrArray *audio; /* GBytes: RTP packets received */
	bool talks;
	double f_shift;
	mcu_opus_enc *enc;
	long t;
	uint16_t seq;
	uint32_t ts;
} peer;

static void peer_send_rtp(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	peer *pe = opaque;
	if (is_video)
		return;
	g_mutex_lock(&pe->lock);
	g_ptr_array_add(pe->audio, g_bytes_new(pkt, len));
	g_mutex_unlock(&pe->lock);
}

static void peer_pli(void *opaque)
{
	(void)opaque;
}

static void peer_join(mcu_room *room, peer *pe, bool opus_fec, bool talks, double f_shift)
{
	memset(pe, 0, sizeof(*pe));
	g_mutex_init(&pe->lock);
	pe->audio = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	pe->talks = talks;
	pe->f_shift = f_shift;
	g_assert_cmpint(mcu_opus_enc_new(32000, &pe->enc), ==, 0);
	mcu_participant_io io = {
		.opaque = pe, .send_rtp = peer_send_rtp, .request_keyframe = peer_pli
	};
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	g_assert_false(o.opus_fec); /* RFC 7587 §6.1: useinbandfec defaults to 0 */
	o.opus_fec = opus_fec;
	pe->p = mcu_room_join(room, &o, &io);
	g_assert_nonnull(pe->p);
}

static void peer_send(peer *pe)
{
	int16_t pcm[960];
	uint8_t rtp[12 + 1500];
	size_t len = 0;
	if (pe->talks)
		speechish(pcm, 960, &pe->t, pe->f_shift);
	else
		memset(pcm, 0, sizeof(pcm));
	g_assert_cmpint(mcu_opus_enc_encode(pe->enc, pcm, rtp + 12, 1500, &len), ==, 0);
	mcu_rtp_write_header(rtp, 12, false, 111, pe->seq++, pe->ts, 0x5150);
	pe->ts += 960;
	mcu_participant_incoming_rtp(pe->p, 0, rtp, len + 12, -1);
}

static void peer_leave(mcu_room *room, peer *pe)
{
	mcu_room_leave(room, pe->p);
	mcu_participant_unref(pe->p);
	mcu_opus_enc_free(pe->enc);
	g_ptr_array_free(pe->audio, TRUE);
	g_mutex_clear(&pe->lock);
}

static void run(mcu_room *room, peer *pe, int n, int ticks)
{
	for (int f = 0; f < ticks; f++) {
		for (int i = 0; i < n; i++)
			peer_send(&pe[i]);
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
	}
}

/* What a peer received from packet `from` on: the kinds of its packets, and the RMS of the
 * decoded audio (decoding from the first packet, with one RTP stream's continuity checked). */
static void received(peer *pe, guint from, kind_count *k, double *rms)
{
	mcu_opus_dec *dec = NULL;
	g_assert_cmpint(mcu_opus_dec_new(&dec), ==, 0);
	memset(k, 0, sizeof(*k));
	double sum = 0;
	long n = 0;
	g_mutex_lock(&pe->lock);
	g_assert_cmpuint(pe->audio->len, >, from);
	for (guint i = 0; i < pe->audio->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(pe->audio, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &h, &pl, &plen), ==, 0);
		int16_t pcm[5760];
		int got = 0;
		g_assert_cmpint(mcu_opus_dec_decode(dec, pl, plen, pcm, 5760, &got), ==, 0);
		if (i < from)
			continue;
		count_kind(k, pl, plen);
		for (int s = 0; s < got; s++, n++)
			sum += (double)pcm[s] * pcm[s];
	}
	g_mutex_unlock(&pe->lock);
	mcu_opus_dec_free(dec);
	*rms = n ? sqrt(sum / (double)n) : 0;
}

/* A room on the manual clock with a tiny picture, at audio_kbps (0: the rooms' default). */
static mcu_room *quiet_room(int audio_kbps)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = 64; /* video is not the point here */
	cfg.height = 36;
	cfg.fps = 2;
	cfg.manual_clock = true;
	if (audio_kbps)
		cfg.audio_kbps = audio_kbps;
	return mcu_room_new("fec", &cfg);
}

/* Two talkers (pe[0], pe[1]) and two listeners (pe[2], pe[3]), with Opus FEC as fec[i] says,
 * run for half a second. */
static void four_peers(mcu_room *room, peer *pe, const bool fec[4])
{
	for (int i = 0; i < 4; i++)
		peer_join(room, &pe[i], fec[i], i < 2, i == 1 ? 37 : 0);
	run(room, pe, 4, 25);
}

/* Two talkers (private encoders) and two listeners (shared encodes), each pair one with FEC
 * and one without: the packets of those with FEC carry LBRR, the others' never; everyone
 * hears audio; the non-talkers take one shared encode per FEC setting. */
static void test_fec_only_for_receivers_that_asked(void)
{
	mcu_room *room = quiet_room(BITRATE_BPS / 1000);
	enum {
		TALK_FEC,
		TALK_PLAIN,
		LISTEN_FEC,
		LISTEN_PLAIN,
		N
	};
	peer pe[N];
	four_peers(room, pe, (const bool[4]){ true, false, true, false });
	mcu_room_reset_stats(room);
	run(room, pe, N, 150);
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	g_assert_cmpuint(st.audio_ticks, ==, 150);
	/* both talkers talk all along: two private encodes, and two shared ones (with FEC for
	 * LISTEN_FEC, without for LISTEN_PLAIN) per tick */
	g_assert_cmpuint(st.audio_encodes_private, ==, 2 * st.audio_ticks);
	g_assert_cmpuint(st.audio_encodes_shared, ==, 2 * st.audio_ticks);
	for (int i = 0; i < N; i++) {
		kind_count k;
		double rms;
		received(&pe[i], 25, &k, &rms);
		bool fec = i == TALK_FEC || i == LISTEN_FEC;
		g_test_message("peer %d (FEC %d): %d CELT, %d SILK/hybrid, %d with LBRR; rms %.0f",
			i, fec, k.celt, k.silk, k.lbrr, rms);
		g_assert_cmpfloat(rms, >, 300.0); /* hears the other talker(s) */
		if (fec) {
			g_assert_cmpint(k.silk, >=, 100);
			g_assert_cmpint(k.lbrr, >=, k.silk / 2);
		} else {
			g_assert_cmpint(k.lbrr, ==, 0);
		}
	}
	for (int i = 0; i < N; i++)
		peer_leave(room, &pe[i]);
	mcu_room_unref(room);
}

/* Everyone negotiated FEC: the non-talkers still share one encode per tick, as before. */
static void test_all_fec_room_one_shared_encode(void)
{
	mcu_room *room = quiet_room(BITRATE_BPS / 1000);
	enum {
		N = 4
	};
	peer pe[N];
	for (int i = 0; i < N; i++)
		peer_join(room, &pe[i], true, i == 0, 0);
	run(room, pe, N, 25);
	mcu_room_reset_stats(room);
	run(room, pe, N, 50);
	mcu_room_stats st;
	mcu_room_get_stats(room, &st);
	g_assert_cmpuint(st.audio_ticks, ==, 50);
	g_assert_cmpuint(st.audio_encodes_private, ==, st.audio_ticks);
	g_assert_cmpuint(st.audio_encodes_shared, ==, st.audio_ticks);
	for (int i = 1; i < N; i++) {
		kind_count k;
		double rms;
		received(&pe[i], 25, &k, &rms);
		g_assert_cmpfloat(rms, >, 300.0);
		g_assert_cmpint(k.lbrr, >=, k.silk / 2);
		g_assert_cmpint(k.silk, >=, 25);
	}
	for (int i = 0; i < N; i++)
		peer_leave(room, &pe[i]);
	mcu_room_unref(room);
}

static guint received_count(peer *pe)
{
	g_mutex_lock(&pe->lock);
	guint n = pe->audio->len;
	g_mutex_unlock(&pe->lock);
	return n;
}

/* LBRR packets among what pe received from packet `from` on. */
static int lbrr_since(peer *pe, guint from, int *silk)
{
	kind_count k;
	double rms;
	received(pe, from, &k, &rms);
	g_assert_cmpfloat(rms, >, 300.0);
	*silk = k.silk;
	return k.lbrr;
}

/* At the rooms' own 32 kbps: no redundancy until a receiver with FEC reports loss of our audio;
 * then its encoder (the shared one of the listeners, or a talker's own) adds it; once the
 * reports say no loss for a few in a row, it stops again. */
static void test_fec_follows_reported_loss(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	g_assert_cmpint(cfg.audio_kbps, ==, 32);
	mcu_room *room = quiet_room(0);
	enum {
		TALK_PLAIN,
		TALK_FEC,
		LISTEN_A,
		LISTEN_B,
		N
	};
	peer pe[N];
	four_peers(room, pe, (const bool[4]){ false, true, true, true });
	int silk;
	/* no report yet: libopus at 32 kbps and its fixed 5 % codes none */
	guint from = received_count(&pe[LISTEN_A]);
	run(room, pe, N, 100);
	g_assert_cmpint(lbrr_since(&pe[LISTEN_A], from, &silk), ==, 0);
	g_assert_cmpint(silk, >=, 80);

	/* A reports 5 % (13/256): the listeners' shared encoder adds FEC, for B as well; the
	 * talker, who reported nothing, still gets none */
	mcu_participant_set_audio_loss(pe[LISTEN_A].p, 13);
	guint fa = received_count(&pe[LISTEN_A]), fb = received_count(&pe[LISTEN_B]);
	guint ft = received_count(&pe[TALK_FEC]);
	run(room, pe, N, 100);
	g_assert_cmpint(lbrr_since(&pe[LISTEN_A], fa + 2, &silk), >=, silk / 2);
	g_assert_cmpint(silk, >=, 80);
	g_assert_cmpint(lbrr_since(&pe[LISTEN_B], fb + 2, &silk), >=, silk / 2);
	g_assert_cmpint(lbrr_since(&pe[TALK_FEC], ft, &silk), ==, 0);

	/* the talker reports 2 %: its own mix-minus gets FEC too */
	mcu_participant_set_audio_loss(pe[TALK_FEC].p, 5);
	ft = received_count(&pe[TALK_FEC]);
	run(room, pe, N, 100);
	g_assert_cmpint(lbrr_since(&pe[TALK_FEC], ft + 2, &silk), >=, silk / 2);
	g_assert_cmpint(silk, >=, 80);

	/* one good report after a bad one keeps the redundancy (the loss comes down half way per
	 * report: 6 % -> 3 %); three in a row end it (-> 1 % -> 0) */
	mcu_participant_set_audio_loss(pe[LISTEN_A].p, 0);
	fa = received_count(&pe[LISTEN_A]);
	run(room, pe, N, 50);
	g_assert_cmpint(lbrr_since(&pe[LISTEN_A], fa + 2, &silk), >=, silk / 2);
	for (int i = 0; i < 2; i++)
		mcu_participant_set_audio_loss(pe[LISTEN_A].p, 0);
	fa = received_count(&pe[LISTEN_A]);
	run(room, pe, N, 100);
	g_assert_cmpint(lbrr_since(&pe[LISTEN_A], fa + 2, &silk), ==, 0);
	g_assert_cmpint(silk, >=, 80);

	/* a report block is taken as about our audio only by its sequence number: one about what
	 * A's page receives on video (a sequence number far from ours), or from the future, is not */
	guint na = received_count(&pe[LISTEN_A]);
	g_mutex_lock(&pe[LISTEN_A].lock);
	gsize blen;
	const uint8_t *last = g_bytes_get_data(
		g_ptr_array_index(pe[LISTEN_A].audio, na - 1), &blen);
	uint16_t seq = (uint16_t)(last[2] << 8 | last[3]);
	g_mutex_unlock(&pe[LISTEN_A].lock);
	mcu_participant_audio_report(pe[LISTEN_A].p, (uint32_t)(uint16_t)(seq + 20000), 26);
	mcu_participant_audio_report(pe[LISTEN_A].p, (uint32_t)(uint16_t)(seq + 5), 26);
	g_assert_cmpint(mcu_participant_audio_loss(pe[LISTEN_A].p), ==, 0);
	mcu_participant_audio_report(pe[LISTEN_A].p, 0x10000u + (uint16_t)(seq - 40), 26);
	g_assert_cmpint(mcu_participant_audio_loss(pe[LISTEN_A].p), ==, 11);
	mcu_participant_set_audio_loss(pe[LISTEN_A].p, 0);
	mcu_participant_set_audio_loss(pe[LISTEN_A].p, 0);
	mcu_participant_set_audio_loss(pe[LISTEN_A].p, 0);
	mcu_participant_set_audio_loss(pe[LISTEN_A].p, 0);
	g_assert_cmpint(mcu_participant_audio_loss(pe[LISTEN_A].p), ==, 0);

	/* nonsense reports change nothing */
	mcu_participant_set_audio_loss(pe[LISTEN_A].p, -1);
	mcu_participant_set_audio_loss(pe[LISTEN_A].p, 256);
	mcu_participant_set_audio_loss(NULL, 13);
	fa = received_count(&pe[LISTEN_A]);
	run(room, pe, N, 50);
	g_assert_cmpint(lbrr_since(&pe[LISTEN_A], fa, &silk), ==, 0);
	for (int i = 0; i < N; i++)
		peer_leave(room, &pe[i]);
	mcu_room_unref(room);
}

/* The encoder's own contract: the loss is taken only with FEC on, in range. */
static void test_expected_loss_setter(void)
{
	mcu_opus_enc *enc = NULL;
	g_assert_cmpint(mcu_opus_enc_new(32000, &enc), ==, 0);
	g_assert_cmpint(mcu_opus_enc_set_expected_loss(enc, 101), ==, -EINVAL);
	g_assert_cmpint(mcu_opus_enc_set_expected_loss(enc, -2), ==, -EINVAL);
	g_assert_cmpint(mcu_opus_enc_set_expected_loss(NULL, 5), ==, -EINVAL);
	for (int fec = 1; fec >= 0; fec--) {
		g_assert_cmpint(mcu_opus_enc_set_fec(enc, fec), ==, 0);
		g_assert_cmpint(mcu_opus_enc_set_expected_loss(enc, 5), ==, 0);
		kind_count k = { 0 };
		long t = 0;
		for (int f = 0; f < 100; f++) {
			int16_t pcm[960];
			uint8_t pkt[1500];
			size_t len = 0;
			speechish(pcm, 960, &t, 0);
			g_assert_cmpint(
				mcu_opus_enc_encode(enc, pcm, pkt, sizeof(pkt), &len), ==, 0);
			if (f >= 2) /* (a frame's redundancy rides in the next packet) */
				count_kind(&k, pkt, len);
		}
		if (fec)
			g_assert_cmpint(k.lbrr, >=, k.silk / 2);
		else
			g_assert_cmpint(k.lbrr, ==, 0);
	}
	mcu_opus_enc_free(enc);
}

/* The fmtp reader the VMR plugin and the SIP bridge use. */
static void test_fmtp_useinbandfec(void)
{
	g_assert_true(mcu_opus_fmtp_inband_fec("minptime=10;useinbandfec=1"));
	g_assert_true(mcu_opus_fmtp_inband_fec("useinbandfec=1"));
	g_assert_true(mcu_opus_fmtp_inband_fec("maxplaybackrate=16000; UseInbandFEC = 1 ;x=2"));
	g_assert_false(mcu_opus_fmtp_inband_fec(NULL));
	g_assert_false(mcu_opus_fmtp_inband_fec(""));
	g_assert_false(mcu_opus_fmtp_inband_fec("minptime=10"));
	g_assert_false(mcu_opus_fmtp_inband_fec("useinbandfec=0"));
	g_assert_false(mcu_opus_fmtp_inband_fec("useinbandfec=10"));
	g_assert_false(mcu_opus_fmtp_inband_fec("useinbandfecx=1"));
	g_assert_false(mcu_opus_fmtp_inband_fec("useinbandfec=1;useinbandfec=0"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/fec/lbrr-flag-follows-encoder-setting",
		test_lbrr_flag_follows_encoder_setting);
	g_test_add_func(
		"/mcu/fec/only-for-receivers-that-asked", test_fec_only_for_receivers_that_asked);
	g_test_add_func(
		"/mcu/fec/all-fec-room-one-shared-encode", test_all_fec_room_one_shared_encode);
	g_test_add_func("/mcu/fec/follows-reported-loss", test_fec_follows_reported_loss);
	g_test_add_func("/mcu/fec/expected-loss-setter", test_expected_loss_setter);
	g_test_add_func("/mcu/fec/fmtp-useinbandfec", test_fmtp_useinbandfec);
	return g_test_run();
}
