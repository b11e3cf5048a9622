/*
 * fuzz_sip_sdp.c - libFuzzer harness of the SIP bridge's SDP offer/answer (sipb_sdp.c on
 * Sofia-SIP's SDP parser): the input is an INVITE body (an SDP offer) as a caller sends it,
 * in an exact-size heap copy without a terminating NUL.
 *
 * Checks: the result's indexes and strings are sane (NUL-terminated, in range); an accepted
 * line has a port, an address, a codec we do and the right clock; SAVP lines carry a crypto
 * with "inline:"; the answer we write parses as SDP again, has one m-line per offered one,
 * and, negotiated as if it were an offer, picks the same audio codec and payload type.
 * The same input is also read as the answer to our own offer with content (dial-out, delayed
 * offer: sipb_sdp_negotiate_answer, bfcp_sdp_answer_accepted): the content lines are where we
 * offered them or refused, and an accepted BFCP answer is TCP/BFCP with a port at line 3.
 * And our re-offer for the negotiated session (a re-INVITE without SDP) keeps its m-lines in
 * place and puts the content lines where sipb_sdp_offer_places says.
 */
#include "sipb_sdp.h"
#include "bfcp_sdp.h"
#include "fuzz_records.h"

#include <errno.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void str_ok(const char *s, size_t cap)
{
	FUZZ_ASSERT(memchr(s, '\0', cap) != NULL);
}

static bool codec_ok(const sipb_sdp_mline *l)
{
	if (l->is_video)
		return (!strcmp(l->codec, "VP8") || !strcmp(l->codec, "H264"))
			&& l->clock_rate == 90000;
	if (!strcmp(l->codec, "opus"))
		return l->clock_rate == 48000;
	return (!strcmp(l->codec, "G722") || !strcmp(l->codec, "PCMU") || !strcmp(l->codec, "PCMA"))
		&& l->clock_rate == 8000;
}

static unsigned count_mlines(const char *s)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, "\nm=")) != NULL; p++)
		n++;
	return n;
}

/* The input as the answer to our offer (audio, video, slides at 2, BFCP at 3). */
static void as_answer_to_our_offer(const char *sdp, size_t size)
{
	sipb_sdp_result r;
	int rc = sipb_sdp_negotiate_answer(
		sdp, size, SIPB_SDP_OFFER_SLIDES_MLINE, SIPB_SDP_OFFER_BFCP_MLINE, &r);
	FUZZ_ASSERT(rc == 0 || rc == -EPROTO || rc == -ENOTSUP);
	if (rc == -EPROTO)
		return;
	FUZZ_ASSERT(r.slides < 0
		|| (r.slides == SIPB_SDP_OFFER_SLIDES_MLINE && r.m[r.slides].accepted
			&& r.m[r.slides].is_video));
	FUZZ_ASSERT(r.bfcp < 0 || (r.bfcp == SIPB_SDP_OFFER_BFCP_MLINE && !r.m[r.bfcp].accepted));
	/* an audio line where our BFCP line was is never taken as media */
	FUZZ_ASSERT(r.audio != SIPB_SDP_OFFER_BFCP_MLINE && r.video != SIPB_SDP_OFFER_BFCP_MLINE);
	bfcp_sdp_offer ans;
	const char *why = NULL;
	if (!bfcp_sdp_parse(sdp, size, &ans))
		return;
	bool ok = bfcp_sdp_answer_accepted(
		&ans, SIPB_SDP_OFFER_BFCP_MLINE, BFCP_PROTO_TCP, BFCP_SETUP_PASSIVE, &why);
	FUZZ_ASSERT(ok == (why == NULL));
	if (ok)
		FUZZ_ASSERT(ans.present && ans.mline == SIPB_SDP_OFFER_BFCP_MLINE && ans.port != 0
			&& ans.proto == BFCP_PROTO_TCP
			&& (ans.setup == BFCP_SETUP_NONE || ans.setup == BFCP_SETUP_ACTIVE));
}

/* Our re-offer for that session (a re-INVITE without SDP): its lines stay in their places,
 * ours where it had the same kind, and read back (as our offer) they are where we said. */
static void reoffer_of(const sipb_sdp_result *prev, sipb_sdp_local *local)
{
	local->prev = prev;
	local->bfcp_offer = local->bfcp_answer;
	int sl, bl;
	sipb_sdp_offer_places(local, &sl, &bl);
	FUZZ_ASSERT((sl < 0) == (bl < 0));
	FUZZ_ASSERT(sl < 0 || (sl != bl && sl != prev->audio && sl != prev->video));
	FUZZ_ASSERT(bl < 0 || (bl != prev->audio && bl != prev->video));
	FUZZ_ASSERT(bl < SIPB_SDP_MAX_MLINES && sl < SIPB_SDP_MAX_MLINES);
	char *o = sipb_sdp_offer(local);
	FUZZ_ASSERT(o != NULL);
	unsigned n = count_mlines(o);
	FUZZ_ASSERT(n >= (unsigned)prev->n && n <= SIPB_SDP_MAX_MLINES);
	FUZZ_ASSERT((int)n > MAX(sl, bl));
	sipb_sdp_result back;
	FUZZ_ASSERT(sipb_sdp_negotiate_answer(o, strlen(o), sl, bl, &back) == 0);
	FUZZ_ASSERT(back.n == (int)n);
	FUZZ_ASSERT(back.audio == prev->audio);
	FUZZ_ASSERT(prev->video < 0 || back.video == prev->video);
	FUZZ_ASSERT(sl < 0 || back.slides == sl);
	bfcp_sdp_offer b;
	FUZZ_ASSERT(bfcp_sdp_parse(o, strlen(o), &b));
	FUZZ_ASSERT(bl < 0 ? !b.present || b.port == 0 : (b.present && b.mline == bl));
	g_free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sdp = malloc(size ? size : 1);
	if (!sdp)
		abort();
	memcpy(sdp, data, size);
	sipb_sdp_result r;
	int rc = sipb_sdp_negotiate(sdp, size, &r);
	as_answer_to_our_offer(sdp, size);
	free(sdp);
	FUZZ_ASSERT(rc == 0 || rc == -EPROTO || rc == -ENOTSUP);
	if (rc == -EPROTO)
		return 0;
	FUZZ_ASSERT(r.n >= 0 && r.n <= SIPB_SDP_MAX_MLINES);
	FUZZ_ASSERT((rc == 0) == (r.audio >= 0));
	FUZZ_ASSERT(r.audio < r.n && r.video < r.n && r.slides < r.n && r.bfcp < r.n);
	/* content sharing: the slides line is never the main video, the BFCP line never media */
	FUZZ_ASSERT(r.slides < 0 || (r.slides != r.video && r.slides != r.audio));
	FUZZ_ASSERT(r.bfcp < 0 || (r.bfcp != r.video && r.bfcp != r.audio && r.bfcp != r.slides));
	FUZZ_ASSERT(r.bfcp < 0 || !r.m[r.bfcp].accepted);
	for (int i = 0; i < r.n; i++) {
		const sipb_sdp_mline *l = &r.m[i];
		str_ok(l->type, sizeof(l->type));
		str_ok(l->proto, sizeof(l->proto));
		str_ok(l->first_fmt, sizeof(l->first_fmt));
		str_ok(l->remote_ip, sizeof(l->remote_ip));
		str_ok(l->codec, sizeof(l->codec));
		str_ok(l->fmtp, sizeof(l->fmtp));
		str_ok(l->crypto, sizeof(l->crypto));
		FUZZ_ASSERT(l->dir >= SIPB_SDP_INACTIVE && l->dir <= SIPB_SDP_SENDRECV);
		if (l->accepted) {
			FUZZ_ASSERT(i == r.audio || i == r.video || i == r.slides);
			FUZZ_ASSERT(l->is_video == (i == r.video || i == r.slides));
			FUZZ_ASSERT(l->port > 0 && l->port <= 65535 && l->remote_ip[0] != '\0');
			FUZZ_ASSERT(codec_ok(l));
			FUZZ_ASSERT(l->pt >= 0 && l->pt <= 127);
			FUZZ_ASSERT(l->h264_mode == 0 || l->h264_mode == 1);
			if (l->is_video)
				FUZZ_ASSERT(l->dtmf_pt == 0);
			else
				FUZZ_ASSERT(l->dtmf_pt >= 0 && l->dtmf_pt <= 127);
			if (!g_ascii_strncasecmp(l->proto, "RTP/SAVP", 8))
				FUZZ_ASSERT(strstr(l->crypto, "inline:") != NULL);
		}
		sipb_media_stream st;
		sipb_sdp_to_stream(l, &st);
		FUZZ_ASSERT(st.enabled == (l->accepted ? 1 : 0));
	}
	(void)sipb_sdp_is_hold(&r);

	sipb_sdp_local local = {
		.ip = "192.0.2.10",
		.audio_port = 40000,
		.video_port = 40002,
		.audio_crypto =
			"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
		.video_crypto =
			"1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj",
		.session_id = 12345,
		.version = 2,
		.slides_port = 40004,
		.slides_label = 3,
		/* as bfcp_sdp_write_answer writes it: one m= line */
		.bfcp_answer = "m=application 40006 TCP/BFCP *\r\na=floorctrl:s-only\r\n"
			       "a=confid:1\r\na=userid:2\r\na=floorid:1 mstrm:3\r\n"
			       "a=setup:passive\r\na=connection:new\r\n",
	};
	char *answer = sipb_sdp_answer(&r, &local);
	FUZZ_ASSERT(answer != NULL);
	FUZZ_ASSERT(count_mlines(answer) == (unsigned)r.n);
	sipb_sdp_result back;
	int brc = sipb_sdp_negotiate(answer, strlen(answer), &back);
	FUZZ_ASSERT(brc != -EPROTO);
	FUZZ_ASSERT(back.n == r.n);
	if (rc == 0) {
		FUZZ_ASSERT(brc == 0);
		const sipb_sdp_mline *a = &r.m[r.audio], *b = &back.m[back.audio];
		FUZZ_ASSERT(back.audio == r.audio && b->pt == a->pt && !strcmp(b->codec, a->codec));
		FUZZ_ASSERT(b->dtmf_pt == a->dtmf_pt);
	}
	g_free(answer);
	if (rc == 0)
		reoffer_of(&r, &local);
	return 0;
}
