/*
 * mcu_banner_test.c - "who is here" for room systems (mcu_banner.h): after a join, the composed
 * picture every participant receives (decoded here from the room's VP8) shows the banner at its
 * top for 4 s and then not any more; a participant with cues hears the rising chime (660 Hz,
 * then 880 Hz; energy measured with Goertzel on its decoded G.711), one without cues hears
 * nothing; a leave gives the falling chime; a join into an empty room announces nothing.
 * The room runs on its manual clock: the same picture and samples on any machine.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "mcu_banner.h"
#include "mcu_g711.h"
#include "mcu_image.h"
#include "mcu_room.h"
#include "mcu_rtp.h"
#include "mcu_video_codec.h"
#include "mcu_vp8_rtp.h"

#define W 320
#define H 180

/* What one participant receives: the room's VP8 (decoded on demand) and its G.711 audio. */
typedef struct rx {
	GMutex lock;
	GPtrArray *video; /* GBytes, not decoded yet */
	GArray *pcm;      /* int16_t at 8 kHz, decoded as it comes */
	mcu_vp8_assembler *as;
	mcu_vp8_dec *dec;
} rx;

static void rx_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	rx *r = opaque;
	g_mutex_lock(&r->lock);
	if (is_video) {
		g_ptr_array_add(r->video, g_bytes_new(pkt, len));
	} else if (len > 12) {
		int16_t s[400];
		size_t n = MIN(len - 12, G_N_ELEMENTS(s));
		mcu_g711_decode(0, pkt + 12, s, n);
		g_array_append_vals(r->pcm, s, (guint)n);
	}
	g_mutex_unlock(&r->lock);
}

static void rx_pli(void *opaque)
{
	(void)opaque;
}

static mcu_participant *rx_join(mcu_room *room, rx *r, const char *name, bool cues)
{
	memset(r, 0, sizeof(*r));
	g_mutex_init(&r->lock);
	r->video = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	r->pcm = g_array_new(FALSE, FALSE, sizeof(int16_t));
	g_assert_cmpint(mcu_vp8_assembler_new(&r->as), ==, 0);
	g_assert_cmpint(mcu_vp8_dec_new(&r->dec), ==, 0);
	mcu_participant_opts o;
	mcu_participant_opts_defaults(&o);
	o.display = name;
	o.audio_codec = MCU_AUDIO_PCMU;
	o.audio_pt = 0;
	mcu_participant_io io = { .opaque = r, .send_rtp = rx_send, .request_keyframe = rx_pli };
	mcu_participant *p = mcu_room_join(room, &o, &io);
	g_assert_nonnull(p);
	mcu_participant_set_cues(p, cues);
	return p;
}

static void rx_clear(rx *r)
{
	g_ptr_array_free(r->video, TRUE);
	g_array_free(r->pcm, TRUE);
	mcu_vp8_assembler_free(r->as);
	mcu_vp8_dec_free(r->dec);
	g_mutex_clear(&r->lock);
}

/* Decodes the video received since the last call into out (the last picture). */
static bool rx_picture(rx *r, mcu_image *out)
{
	bool got = false;
	g_mutex_lock(&r->lock);
	for (guint i = 0; i < r->video->len; i++) {
		gsize len;
		const uint8_t *pkt = g_bytes_get_data(g_ptr_array_index(r->video, i), &len);
		mcu_rtp_header h;
		const uint8_t *pl;
		size_t plen;
		g_assert_cmpint(mcu_rtp_parse(pkt, len, &h, &pl, &plen), ==, 0);
		g_assert_cmpint(
			mcu_vp8_assembler_push(r->as, h.seq, h.ts, h.marker, pl, plen), ==, 0);
		mcu_vp8_frame f;
		while (mcu_vp8_assembler_pop(r->as, &f) == 0) {
			mcu_image view;
			g_assert_cmpint(mcu_vp8_dec_decode(r->dec, f.data, f.len, &view), ==, 0);
			g_assert_cmpint(mcu_image_copy(out, &view), ==, 0);
			got = true;
		}
	}
	g_ptr_array_set_size(r->video, 0);
	g_mutex_unlock(&r->lock);
	return got;
}

/* Banner pixels: the band's blue chroma (U well above the neutral 128 of every tile here) in
 * the top tenth of the picture. */
static int banner_pixels(const mcu_image *img)
{
	int n = 0;
	for (int y = 0; y < img->height / 10 / 2; y++)
		for (int x = 0; x < img->width / 2; x++)
			n += img->planes[1][y * img->strides[1] + x] > 145;
	return n;
}

/* Light letters inside the band. */
static int banner_letters(const mcu_image *img)
{
	int n = 0;
	for (int y = 0; y < img->height / 10; y++)
		for (int x = img->width / 4; x < img->width * 3 / 4; x++)
			n += img->planes[0][y * img->strides[0] + x] > 180
				&& img->planes[1][(y / 2) * img->strides[1] + x / 2] > 140;
	return n;
}

/* Power of freq in pcm[from, from + n) at 8 kHz (Goertzel), normalized to a full-scale sine's 1. */
static double tone_power(const GArray *pcm, guint from, guint n, double freq)
{
	double coeff = 2 * cos(2 * G_PI * freq / 8000), s1 = 0, s2 = 0;
	for (guint i = from; i < from + n && i < pcm->len; i++) {
		double s0 = g_array_index(pcm, int16_t, i) / 32768.0 + coeff * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return (s1 * s1 + s2 * s2 - coeff * s1 * s2) * 4 / ((double)n * n);
}

static double rms(const GArray *pcm, guint from, guint n)
{
	double sum = 0;
	for (guint i = from; i < from + n && i < pcm->len; i++) {
		double v = g_array_index(pcm, int16_t, i) / 32768.0;
		sum += v * v;
	}
	return sqrt(sum / n);
}

/* A sender of a flat light-grey picture (luma 200, neutral chroma). */
typedef struct vsend {
	mcu_vp8_enc *enc;
	mcu_image pic;
	uint16_t seq;
	int n;
} vsend;

static void vsend_frame(vsend *v, mcu_participant *p)
{
	const uint8_t *data;
	size_t len;
	bool key;
	g_assert_cmpint(mcu_vp8_enc_encode(v->enc, &v->pic, v->n == 0, &data, &len, &key), ==, 0);
	for (size_t k = 0, n = mcu_vp8_packet_count(len, 1200); k < n; k++) {
		uint8_t pkt[1300];
		size_t plen;
		bool marker;
		mcu_vp8_packetize(data, len, (uint16_t)v->n, 1200, k, pkt + 12, sizeof(pkt) - 12,
			&plen, &marker);
		mcu_rtp_write_header(pkt, 12, marker, 96, v->seq++, (uint32_t)v->n * 6000, 0x99);
		mcu_participant_incoming_rtp(p, 1, pkt, plen + 12, -1);
	}
	v->n++;
}

/* ms of the room's clock with a picture from the sender every 60 ms (room at 15 fps). */
static void run(mcu_room *room, vsend *v, mcu_participant *sender, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		if (t % 60 == 0)
			vsend_frame(v, sender);
		g_assert_cmpint(mcu_room_advance(room, 20000), ==, 0);
	}
}

static void test_banner_shown_for_4s_and_chime_for_cue_listeners(void)
{
	mcu_room_config cfg;
	mcu_room_config_defaults(&cfg);
	cfg.width = W;
	cfg.height = H;
	cfg.fps = 15;
	cfg.layout = MCU_LAYOUT_2X2;
	cfg.manual_clock = true;
	mcu_room *room = mcu_room_new("banner", &cfg);
	rx rs, rb, rc;
	mcu_participant *s = rx_join(room, &rs, "Sender", false);
	/* alone in the room: nobody to tell */
	mcu_room_announce(room, "Sender", true);
	mcu_participant *b = rx_join(room, &rb, "Room system", true);
	mcu_participant *c = rx_join(room, &rc, "Browser", false);
	vsend v = { 0 };
	g_assert_cmpint(mcu_vp8_enc_new(W, H, 15, 500, &v.enc), ==, 0);
	g_assert_cmpint(mcu_image_alloc(&v.pic, W, H), ==, 0);
	memset(v.pic.planes[0], 200, (size_t)v.pic.strides[0] * H);
	memset(v.pic.planes[1], 128, (size_t)v.pic.strides[1] * (H / 2));
	memset(v.pic.planes[2], 128, (size_t)v.pic.strides[2] * (H / 2));

	mcu_image seen = { 0 };
	run(room, &v, s, 1000);
	g_assert_true(rx_picture(&rb, &seen));
	g_assert_cmpint(
		banner_pixels(&seen), ==, 0); /* the sender's join was announced to nobody */
	guint quiet_from = rb.pcm->len;
	g_assert_cmpuint(quiet_from, >, 0);
	g_assert_cmpfloat(rms(rb.pcm, 0, quiet_from), <, 0.001);

	/* Someone joins: the banner is on the next picture, for everyone. */
	guint b_at = rb.pcm->len, c_at = rc.pcm->len;
	mcu_room_announce(room, "María", true);
	run(room, &v, s, 300);
	g_assert_true(rx_picture(&rb, &seen));
	g_assert_cmpint(banner_pixels(&seen), >, 150);
	g_assert_cmpint(banner_letters(&seen), >, 40);
	g_assert_true(rx_picture(&rc, &seen));
	g_assert_cmpint(banner_pixels(&seen), >, 150);
	/* The room system heard the rising chime: 660 Hz in the first note, 880 Hz in the second;
	 * the browser heard nothing. */
	double low1 = tone_power(rb.pcm, b_at, 800, 660),
	       high1 = tone_power(rb.pcm, b_at, 800, 880);
	double low2 = tone_power(rb.pcm, b_at + 960, 800, 660),
	       high2 = tone_power(rb.pcm, b_at + 960, 800, 880);
	g_test_message("join chime: note 1 660 Hz %.5f 880 Hz %.5f; note 2 660 Hz %.5f 880 Hz %.5f",
		low1, high1, low2, high2);
	g_assert_cmpfloat(low1, >, 0.002);
	g_assert_cmpfloat(low1, >, 10 * high1);
	g_assert_cmpfloat(high2, >, 0.002);
	g_assert_cmpfloat(high2, >, 10 * low2);
	g_assert_cmpfloat(rms(rb.pcm, b_at, 1920), <, 0.1); /* soft */
	g_assert_cmpfloat(rms(rc.pcm, c_at, rc.pcm->len - c_at), <, 0.001);

	/* Still there at 3.9 s, gone after 4 s; the chime was over long before. */
	run(room, &v, s, 3540);
	g_assert_true(rx_picture(&rb, &seen));
	g_assert_cmpint(banner_pixels(&seen), >, 150);
	guint after = b_at + 2400;
	g_assert_cmpuint(rb.pcm->len, >, after + 8000);
	g_assert_cmpfloat(rms(rb.pcm, after, rb.pcm->len - after), <, 0.001);
	run(room, &v, s, 300);
	g_assert_true(rx_picture(&rb, &seen));
	g_assert_cmpint(banner_pixels(&seen), ==, 0);

	/* Someone leaves: the banner again, and the falling chime (880 Hz first). */
	b_at = rb.pcm->len;
	mcu_room_announce(room, "María", false);
	run(room, &v, s, 300);
	g_assert_true(rx_picture(&rb, &seen));
	g_assert_cmpint(banner_pixels(&seen), >, 150);
	high1 = tone_power(rb.pcm, b_at, 800, 880);
	low2 = tone_power(rb.pcm, b_at + 960, 800, 660);
	g_assert_cmpfloat(high1, >, 0.002);
	g_assert_cmpfloat(low2, >, 0.002);

	mcu_room_leave(room, s);
	mcu_room_leave(room, b);
	mcu_room_leave(room, c);
	mcu_participant_unref(s);
	mcu_participant_unref(b);
	mcu_participant_unref(c);
	mcu_room_unref(room);
	mcu_vp8_enc_free(v.enc);
	mcu_image_release(&v.pic);
	mcu_image_release(&seen);
	rx_clear(&rs);
	rx_clear(&rb);
	rx_clear(&rc);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mcu/banner/shown-for-4s-then-gone-and-a-chime-for-cue-listeners-only",
		test_banner_shown_for_4s_and_chime_for_cue_listeners);
	return g_test_run();
}
