/*
 * rtp_opus_load.c - the audio load of `make bench-audio`: N plain-RTP participants sending
 * 20 ms Opus packets (T of them a tone, the others silence, encoded before the run) to an
 * audio mixer, and draining what the mixer sends back.
 *
 *   rtp_opus_load --seconds S --talking T --pt PT --base-port P [--level-ext ID] [--spread] <ip:port> ...
 *   rtp_opus_load --codec-cost --talking T
 *
 * All participants send at the start of each 20 ms frame, back to back; with --spread,
 * participant k sends at k/N of it instead, as phones on clocks of their own do.
 *
 * With --level-ext, every packet carries its RFC 6464 audio level in an RFC 8285 one-byte
 * header extension with that id (as browsers send it): the tone's level, or 127 for silence.
 *
 * Participant i sends from 127.0.0.1:(P + 2i) to the i-th target (so the mixer can be told
 * where to send before the run). Prints one line: "sent=<n> received=<n> late_p99_ms=<f>".
 * Single-threaded; paced with absolute deadlines on CLOCK_MONOTONIC.
 *
 * --codec-cost prints what libopus costs on this machine at the settings both mixers run
 * (32 kbps, complexity 5, no FEC): "encode_us=<f> decode_us=<f> decode_silence_us=<f>", µs of
 * CPU per 20 ms frame to encode a mix of T-1 and T of the talkers' tones, to decode one
 * talker's packet and one silent packet. The bench turns them into the ratio a mixer doing
 * only its codec work would reach (its floor).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <opus/opus.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define COST_FRAMES 500

#define MAX_PARTS 64
#define FRAMES    50  /* one second of pre-encoded audio, looped */
#define SAMPLES   960 /* 20 ms at 48 kHz */

typedef struct part {
	int fd;
	struct sockaddr_in to;
	uint16_t seq;
	uint32_t ts, ssrc;
	unsigned char pkt[FRAMES][1500]; /* 12-byte header + 8-byte extension + payload */
	int len[FRAMES];
	int level; /* RFC 6464 level of every frame (-dBov) */
} part;

static part parts[MAX_PARTS];

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Encodes one second of a tone (freq > 0) or of silence into p's packets. */
static int encode(part *p, double freq)
{
	int err = 0;
	OpusEncoder *enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
	if (err != OPUS_OK)
		return -1;
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
	opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(5));
	int16_t pcm[SAMPLES];
	for (int f = 0; f < FRAMES; f++) {
		for (int i = 0; i < SAMPLES; i++) {
			double t = (double)(f * SAMPLES + i) / 48000.0;
			pcm[i] = freq > 0 ? (int16_t)(6000.0 * sin(2.0 * M_PI * freq * t)) : 0;
		}
		int n = opus_encode(
			enc, pcm, SAMPLES, p->pkt[f] + 20, (opus_int32)sizeof(p->pkt[f]) - 20);
		if (n < 0) {
			opus_encoder_destroy(enc);
			return -1;
		}
		p->len[f] = n + 20;
	}
	opus_encoder_destroy(enc);
	/* RMS of the sine (6000 peak) is about -18 dBov. */
	p->level = freq > 0 ? 18 : 127;
	return 0;
}

static double cpu_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double tone_sample(int k, long sample)
{
	return 6000.0 * sin(2.0 * M_PI * (300.0 + 110.0 * k) * (double)sample / 48000.0);
}

/* Encodes COST_FRAMES frames of the mix of tones [from, to) with enc; their CPU µs per frame. */
static double cost_encode(OpusEncoder *enc, int from, int to, unsigned char (*pkts)[400], int *lens)
{
	int16_t pcm[SAMPLES];
	double cpu = 0;
	for (int f = 0; f < COST_FRAMES; f++) {
		for (int i = 0; i < SAMPLES; i++) {
			double v = 0;
			for (int k = from; k < to; k++)
				v += tone_sample(k, (long)f * SAMPLES + i);
			pcm[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
		}
		double t0 = cpu_us();
		lens[f] = opus_encode(enc, pcm, SAMPLES, pkts[f], 400);
		cpu += cpu_us() - t0;
		if (lens[f] < 0)
			return -1;
	}
	return cpu / COST_FRAMES;
}

static double cost_decode(unsigned char (*pkts)[400], const int *lens)
{
	int err = 0;
	OpusDecoder *dec = opus_decoder_create(48000, 1, &err);
	if (err != OPUS_OK)
		return -1;
	int16_t pcm[SAMPLES];
	double t0 = cpu_us();
	for (int f = 0; f < COST_FRAMES; f++)
		if (opus_decode(dec, pkts[f], lens[f], pcm, SAMPLES, 0) < 0)
			t0 = -1e12;
	double us = (cpu_us() - t0) / COST_FRAMES;
	opus_decoder_destroy(dec);
	return us;
}

/* --codec-cost: libopus's price per frame at both mixers' settings (see the top). */
static int codec_cost(int talking)
{
	static unsigned char pkts[COST_FRAMES][400];
	static int lens[COST_FRAMES];
	if (talking < 1)
		talking = 1;
	int err = 0;
	OpusEncoder *enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
	if (err != OPUS_OK)
		return 1;
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
	opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(5));
	/* a listener's mix (every talker) and a talker's (the others), as the mixers encode */
	double e_all = cost_encode(enc, 0, talking, pkts, lens);
	double e_minus = cost_encode(enc, 1, talking, pkts, lens);
	double d_tone = -1, d_silence = -1;
	if (cost_encode(enc, 0, 1, pkts, lens) >= 0) /* one talker's own packets */
		d_tone = cost_decode(pkts, lens);
	if (cost_encode(enc, 0, 0, pkts, lens) >= 0)
		d_silence = cost_decode(pkts, lens);
	opus_encoder_destroy(enc);
	if (e_all < 0 || e_minus < 0 || d_tone < 0 || d_silence < 0)
		return 1;
	printf("encode_us=%.1f decode_us=%.1f decode_silence_us=%.1f\n",
		(e_all + (talking - 1) * e_minus) / talking, d_tone, d_silence);
	return 0;
}

int main(int argc, char **argv)
{
	int seconds = 20, talking = 3, pt = 111, base = 40000, n = 0, level_ext = 0;
	int i = 1;
	bool cost = false, spread = false;
	for (; i < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--codec-cost") || !strcmp(argv[i], "--spread")) {
			if (!strcmp(argv[i], "--spread"))
				spread = true;
			else
				cost = true;
			i--;
			continue;
		}
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "--seconds"))
			seconds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--talking"))
			talking = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--pt"))
			pt = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--base-port"))
			base = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--level-ext"))
			level_ext = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (cost)
		return codec_cost(talking);
	for (; i < argc && n < MAX_PARTS; i++, n++) {
		part *p = &parts[n];
		char host[64];
		int port = 0;
		if (sscanf(argv[i], "%63[^:]:%d", host, &port) != 2 || port <= 0 || port > 65535) {
			fprintf(stderr, "bad target %s\n", argv[i]);
			return 2;
		}
		p->to.sin_family = AF_INET;
		p->to.sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &p->to.sin_addr) != 1) {
			fprintf(stderr, "bad address %s\n", host);
			return 2;
		}
		p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		struct sockaddr_in me = { .sin_family = AF_INET,
			.sin_port = htons((uint16_t)(base + 2 * n)) };
		inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
		if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
			fprintf(stderr, "cannot bind port %d: %s\n", base + 2 * n, strerror(errno));
			return 1;
		}
		p->seq = (uint16_t)rand();
		p->ts = (uint32_t)rand();
		p->ssrc = (uint32_t)rand() | 1;
		if (encode(p, n < talking ? 300.0 + 110.0 * n : 0.0) < 0) {
			fprintf(stderr, "opus encode failed\n");
			return 1;
		}
	}
	if (n == 0) {
		fprintf(stderr,
			"usage: rtp_opus_load [--seconds S] [--talking T] [--pt PT] [--base-port "
			"P] [--spread] ip:port...\n");
		return 2;
	}
	long sent = 0, received = 0;
	int ticks = seconds * 50;
	int64_t *late = calloc((size_t)ticks, sizeof(int64_t));
	int64_t start = now_ns();
	unsigned char buf[2048];
	for (int t = 0; t < ticks; t++) {
		int64_t deadline = start + (int64_t)t * 20000000LL;
		struct timespec ts = { .tv_sec = deadline / 1000000000LL,
			.tv_nsec = deadline % 1000000000LL };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		late[t] = now_ns() - deadline;
		for (int k = 0; k < n; k++) {
			part *p = &parts[k];
			if (spread && k > 0) { /* participant k at k/n of the frame */
				int64_t at = deadline + (int64_t)k * 20000000LL / n;
				struct timespec ks = { .tv_sec = at / 1000000000LL,
					.tv_nsec = at % 1000000000LL };
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ks, NULL);
			}
			unsigned char *pkt = p->pkt[t % FRAMES];
			const unsigned char *send = pkt + 8; /* without the extension */
			size_t send_len = (size_t)p->len[t % FRAMES] - 8;
			if (level_ext >= 1 && level_ext <= 14) {
				/* RFC 8285 one-byte header: 0xBEDE, 1 word: id/len, level, 2 padding bytes */
				pkt[12] = 0xBE;
				pkt[13] = 0xDE;
				pkt[14] = 0;
				pkt[15] = 1;
				pkt[16] = (unsigned char)(level_ext << 4);
				pkt[17] = (unsigned char)p->level;
				pkt[18] = 0;
				pkt[19] = 0;
				send = pkt;
				send_len = (size_t)p->len[t % FRAMES];
			} /* else the 12-byte header goes right before the payload, at pkt + 8 */
			unsigned char *hdr = (unsigned char *)send;
			hdr[0] = (unsigned char)(level_ext ? 0x90 : 0x80);
			hdr[1] = (unsigned char)(pt & 0x7f);
			hdr[2] = (unsigned char)(p->seq >> 8);
			hdr[3] = (unsigned char)p->seq;
			uint32_t v = htonl(p->ts);
			memcpy(hdr + 4, &v, 4);
			v = htonl(p->ssrc);
			memcpy(hdr + 8, &v, 4);
			if (sendto(p->fd, send, send_len, 0, (struct sockaddr *)&p->to,
				    sizeof(p->to))
				> 0)
				sent++;
			p->seq++;
			p->ts += SAMPLES;
			while (recv(p->fd, buf, sizeof(buf), 0) > 0)
				received++;
		}
	}
	qsort(late, (size_t)ticks, sizeof(int64_t), cmp_i64);
	printf("sent=%ld received=%ld late_p99_ms=%.2f\n", sent, received,
		late[(ticks * 99) / 100] / 1e6);
	free(late);
	for (int k = 0; k < n; k++)
		close(parts[k].fd);
	return 0;
}
