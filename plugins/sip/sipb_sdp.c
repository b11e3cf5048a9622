/*
 * sipb_sdp.c - see sipb_sdp.h.
 */
#include "sipb_sdp.h"
#include "sipb_sdp_content.h"
#include "sipb_sdp_limits.h"
#include "mcu_opus_rtp.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/sdp.h>

static const char *const audio_codecs[] = { "opus", "G722", "PCMU", "PCMA" };

static int audio_codec_ok(const sdp_rtpmap_t *rm)
{
	for (size_t i = 0; i < G_N_ELEMENTS(audio_codecs); i++) {
		if (g_ascii_strcasecmp(rm->rm_encoding, audio_codecs[i]) != 0)
			continue;
		if (i == 0)
			return rm->rm_rate == 48000;
		return rm->rm_rate == 8000; /* G.722's RTP clock is 8000 (RFC 3551 §4.5.2) */
	}
	return 0;
}

/* profile-level-id is 6 hex digits: profile_idc, profile-iop, level_idc. Constrained
 * baseline is profile_idc 0x42 with constraint_set1 (0x40) set (RFC 6184 §8.1). */
/* *mode is written only when the format is taken: a refused H.264 format listed before the
 * one chosen must not leave its mode behind (found by tests/fuzz/fuzz_sip_sdp: a VP8 line
 * with a packetization-mode=5 H.264 format in front kept mode 5). */
static int h264_fmtp_ok(const char *fmtp, int *mode)
{
	int m = 0;
	if (fmtp == NULL) {
		*mode = 0;
		return 1;
	}
	const char *pm = strstr(fmtp, "packetization-mode=");
	if (pm != NULL) {
		m = atoi(pm + strlen("packetization-mode="));
		if (m != 0 && m != 1)
			return 0;
	}
	const char *pl = strstr(fmtp, "profile-level-id=");
	if (pl != NULL) {
		pl += strlen("profile-level-id=");
		char hex[7] = { 0 };
		for (int i = 0; i < 6; i++) {
			if (!g_ascii_isxdigit(pl[i]))
				return 0;
			hex[i] = pl[i];
		}
		unsigned long v = strtoul(hex, NULL, 16);
		unsigned profile = (v >> 16) & 0xff, iop = (v >> 8) & 0xff;
		if (!((profile == 0x42 && (iop & 0x40)) || (profile == 0x4d && (iop & 0x80))))
			return 0;
	}
	*mode = m;
	return 1;
}

static int crypto_pick(const sdp_attribute_t *a, char *out, size_t outlen, int *tag)
{
	for (; a != NULL; a = a->a_next) {
		if (a->a_name == NULL || g_ascii_strcasecmp(a->a_name, "crypto") != 0
			|| a->a_value == NULL)
			continue;
		char suite[64];
		int t = 0;
		if (sscanf(a->a_value, "%d %63s", &t, suite) != 2 || t < 0 || t > 999999999)
			continue;
		if (strcmp(suite, "AES_CM_128_HMAC_SHA1_80") != 0
			&& strcmp(suite, "AES_CM_128_HMAC_SHA1_32") != 0)
			continue;
		if (strstr(a->a_value, "inline:") == NULL || strlen(a->a_value) >= outlen)
			continue;
		g_strlcpy(out, a->a_value, outlen);
		*tag = t;
		return 1;
	}
	return 0;
}

/* A media type or proto we may write back in the answer: a name of letters, digits and the
 * characters in extra, starting with a letter; with slash, parts like that joined by single
 * '/' (RFC 4566 §5.14). Copied only when it fits whole. */
static int take_name(char *out, size_t cap, const char *name, const char *extra, int slash)
{
	if (name == NULL || !g_ascii_isalpha(name[0]) || strlen(name) >= cap)
		return 0;
	for (const char *c = name; *c; c++) {
		if (slash && *c == '/' && g_ascii_isalpha(c[1]))
			continue;
		if (!g_ascii_isalnum(*c) && strchr(extra, *c) == NULL)
			return 0;
	}
	g_strlcpy(out, name, cap);
	return 1;
}

/* The format a refused line is answered with: the first offered one when it is a payload type
 * (RTP) or a short token, else a placeholder (formats of a refused line are ignored,
 * RFC 3264 §6, but one must be there). After a proto with "RTP/" in it (UDP/TLS/RTP/SAVPF,
 * which Sofia does not count as RTP) our own m= check takes numbers only: so do we. */
static void take_first_fmt(const sdp_media_t *m, sipb_sdp_mline *l)
{
	const char *f = m->m_format != NULL ? m->m_format->l_text : NULL;
	if (sdp_media_has_rtp(m) || strstr(l->proto, "RTP/") != NULL) {
		unsigned pt = m->m_rtpmaps != NULL ? m->m_rtpmaps->rm_pt : 0;
		if (m->m_rtpmaps == NULL && f != NULL && strlen(f) <= 3 && g_ascii_isdigit(f[0]))
			pt = (unsigned)atoi(f);
		g_snprintf(l->first_fmt, sizeof(l->first_fmt), "%u", pt <= 127 ? pt : 0);
		return;
	}
	if (f == NULL || f[0] == '\0' || strlen(f) >= sizeof(l->first_fmt)) {
		g_strlcpy(l->first_fmt, "*", sizeof(l->first_fmt));
		return;
	}
	for (const char *c = f; *c; c++)
		if (!g_ascii_isalnum(*c) && strchr("-._*", *c) == NULL) {
			g_strlcpy(l->first_fmt, "*", sizeof(l->first_fmt));
			return;
		}
	g_strlcpy(l->first_fmt, f, sizeof(l->first_fmt));
}

/* Fills l from one offered m= line; -EPROTO when the line cannot be answered as offered
 * (its media type or proto is no name we can write back). */
/* The feedback an a=rtcp-fb list names for payload type pt or "*" (RFC 4585 §4.2):
 * SIPB_RTCP_FB_* bits. */
static int rtcp_fb_of(const sdp_attribute_t *a, int pt)
{
	int fb = 0;
	for (; a != NULL; a = a->a_next) {
		if (a->a_name == NULL || a->a_value == NULL
			|| g_ascii_strcasecmp(a->a_name, "rtcp-fb"))
			continue;
		char **w = g_strsplit_set(a->a_value, " \t", 4);
		guint n = g_strv_length(w);
		if (n >= 2
			&& (!strcmp(w[0], "*") || (g_ascii_isdigit(w[0][0]) && atoi(w[0]) == pt))) {
			if (!g_ascii_strcasecmp(w[1], "nack") && n == 2)
				fb |= SIPB_RTCP_FB_NACK;
			else if (!g_ascii_strcasecmp(w[1], "nack")
				&& !g_ascii_strcasecmp(w[2], "pli"))
				fb |= SIPB_RTCP_FB_PLI;
			else if (!g_ascii_strcasecmp(w[1], "ccm") && n >= 3
				&& !g_ascii_strcasecmp(w[2], "fir"))
				fb |= SIPB_RTCP_FB_FIR;
			else if (!g_ascii_strcasecmp(w[1], "ccm") && n >= 3
				&& !g_ascii_strcasecmp(w[2], "tmmbr"))
				fb |= SIPB_RTCP_FB_TMMBR;
		}
		g_strfreev(w);
	}
	return fb;
}

static int take_line(const sdp_session_t *s, const sdp_media_t *m, sipb_sdp_mline *l)
{
	if (!take_name(l->type, sizeof(l->type), m->m_type_name, "-", 0)
		|| !take_name(l->proto, sizeof(l->proto), m->m_proto_name, "-._", 1))
		return -EPROTO;
	take_first_fmt(m, l);
	l->dir = (sipb_sdp_dir)m->m_mode;
	l->port = (int)m->m_port;
	int is_audio = m->m_type == sdp_media_audio, is_video = m->m_type == sdp_media_video;
	int avp = !g_ascii_strcasecmp(l->proto, "RTP/AVP")
		|| !g_ascii_strcasecmp(l->proto, "RTP/AVPF");
	int savp = !g_ascii_strcasecmp(l->proto, "RTP/SAVP")
		|| !g_ascii_strcasecmp(l->proto, "RTP/SAVPF");
	if ((!is_audio && !is_video) || (!avp && !savp) || m->m_port == 0 || m->m_port > 65535
		|| m->m_rejected)
		return 0;
	/* an IP address: media is sent to numeric hosts only (sipb_addr_set); "c=IN IP4 /0" once
	 * left an accepted line with an empty one (tests/fuzz/fuzz_sip_sdp) */
	const sdp_connection_t *c = m->m_connections ? m->m_connections : s->sdp_connection;
	if (c == NULL || c->c_address == NULL || strlen(c->c_address) >= sizeof(l->remote_ip)
		|| !g_hostname_is_ip_address(c->c_address))
		return 0;
	g_strlcpy(l->remote_ip, c->c_address, sizeof(l->remote_ip));
	if (savp && !crypto_pick(m->m_attributes, l->crypto, sizeof(l->crypto), &l->crypto_tag))
		return 0;
	l->is_video = is_video;
	const sdp_rtpmap_t *chosen = NULL;
	for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm != NULL && chosen == NULL;
		rm = rm->rm_next) {
		if (rm->rm_encoding == NULL)
			continue;
		if (is_audio && audio_codec_ok(rm))
			chosen = rm;
		else if (is_video && !g_ascii_strcasecmp(rm->rm_encoding, "VP8")
			&& rm->rm_rate == 90000)
			chosen = rm;
		else if (is_video && !g_ascii_strcasecmp(rm->rm_encoding, "H264")
			&& rm->rm_rate == 90000 && h264_fmtp_ok(rm->rm_fmtp, &l->h264_mode))
			chosen = rm;
	}
	if (chosen == NULL)
		return 0;
	l->pt = chosen->rm_pt;
	l->clock_rate = (int)chosen->rm_rate;
	l->channels = chosen->rm_params ? atoi(chosen->rm_params) : 1;
	g_strlcpy(l->codec, chosen->rm_encoding, sizeof(l->codec));
	if (!g_ascii_strcasecmp(l->codec, "opus"))
		g_strlcpy(l->codec, "opus", sizeof(l->codec));
	else
		for (char *p = l->codec; *p; p++)
			*p = g_ascii_toupper(*p);
	if (is_video) {
		l->rtcp_fb = rtcp_fb_of(m->m_attributes, l->pt);
		sipb_sdp_video_limits(m, l->pt, chosen->rm_fmtp,
			!g_ascii_strcasecmp(l->codec, "H264"), &l->video_limits);
	}
	if (chosen->rm_fmtp && strlen(chosen->rm_fmtp) < sizeof(l->fmtp))
		g_strlcpy(l->fmtp, chosen->rm_fmtp, sizeof(l->fmtp));
	l->opus_fec = !strcmp(l->codec, "opus") && mcu_opus_fmtp_inband_fec(chosen->rm_fmtp);
	if (is_audio) {
		/* telephone-event at the codec's clock rate, else at 8000 */
		for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm != NULL; rm = rm->rm_next) {
			if (rm->rm_encoding == NULL
				|| g_ascii_strcasecmp(rm->rm_encoding, "telephone-event") != 0)
				continue;
			if (rm->rm_rate == chosen->rm_rate
				|| (l->dtmf_pt == 0 && rm->rm_rate == 8000))
				l->dtmf_pt = rm->rm_pt;
		}
	}
	l->accepted = 1;
	return 0;
}

static int is_token_char(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		|| strchr(extra, c) != NULL;
}

/* Checks every m= line against RFC 4566 §5.14 before Sofia sees it: Sofia's sdp_parse can be
 * driven to allocate gigabytes by odd proto/format tokens (found by tests/fuzz/fuzz_sip_sdp,
 * e.g. "m=image 1 udptlinline:=video 1 RTP/AVP 31"). Also refuses a CR not followed by LF.
 * Sofia skips spaces and tabs in front of a line: so does this check (found by the fuzzer:
 * "\t\tm=ShdeoP4 198.51.100.7" escaped it). */
static int m_lines_are_sane(const char *sdp, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (sdp[i] == '\r' && (i + 1 >= len || sdp[i + 1] != '\n'))
			return 0;
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && sdp[e] != '\n')
			e++;
		size_t end = (e > i && sdp[e - 1] == '\r') ? e - 1 : e;
		while (i < end && (sdp[i] == ' ' || sdp[i] == '\t'))
			i++;
		if (end - i >= 2 && sdp[i] == 'm' && sdp[i + 1] == '=') {
			char line[512];
			if (end - i >= sizeof(line))
				return 0;
			memcpy(line, sdp + i + 2, end - i - 2);
			line[end - i - 2] = '\0';
			char *save = NULL;
			const char *media = strtok_r(line, " ", &save),
				   *port = strtok_r(NULL, " ", &save);
			const char *proto = strtok_r(NULL, " ", &save);
			if (media == NULL || port == NULL || proto == NULL)
				return 0;
			for (const char *c = media; *c; c++)
				if (!is_token_char(*c, "-"))
					return 0;
			/* <port>[/<number of ports>]: digits, and digits after a slash */
			const char *c = port;
			while (*c >= '0' && *c <= '9')
				c++;
			if (c == port || c - port > 5)
				return 0;
			if (*c == '/') {
				const char *d = ++c;
				while (*c >= '0' && *c <= '9')
					c++;
				if (c == d)
					return 0;
			}
			if (*c != '\0')
				return 0;
			for (const char *p = proto; *p; p++)
				if (!is_token_char(*p, "/._-"))
					return 0;
			int rtp = strstr(proto, "RTP/") != NULL, fmts = 0;
			for (const char *f = strtok_r(NULL, " ", &save); f;
				f = strtok_r(NULL, " ", &save), fmts++) {
				if (strlen(f) > 32)
					return 0;
				for (const char *c = f; *c; c++)
					if (rtp ? (*c < '0' || *c > '9')
						: !is_token_char(*c, "._-*"))
						return 0;
			}
			if (fmts == 0 || fmts > 64)
				return 0;
		}
		i = e + 1;
	}
	return 1;
}

/* Sofia-SIP 1.12 knows RTP/AVP and RTP/SAVP but not the feedback profiles RTP/AVPF and
 * RTP/SAVPF (RFC 4585, 5124): it leaves their formats unparsed, so such an offer had no
 * codec. Returns a copy of the SDP with those m= line protos spelled without the F, and sets
 * bit i of *avpf for the i-th m= line that had it (the answer names the offered profile). */
static char *strip_feedback_profiles(const char *sdp, size_t len, size_t *out_len, unsigned *avpf)
{
	GString *g = g_string_sized_new(len);
	unsigned mline = 0;
	*avpf = 0;
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && sdp[e] != '\n')
			e++;
		if (e < len)
			e++; /* the line with its end */
		size_t b = i;
		while (b < e && (sdp[b] == ' ' || sdp[b] == '\t'))
			b++;
		if (e - b >= 2 && sdp[b] == 'm' && sdp[b + 1] == '=') {
			/* m=<media> <port> <proto> ...: the third token (Sofia takes spaces
			 * before the first one too) */
			size_t t = b + 2;
			while (t < e && sdp[t] == ' ')
				t++;
			for (int tok = 0; tok < 2 && t < e; tok++) {
				while (t < e && sdp[t] != ' ')
					t++;
				while (t < e && sdp[t] == ' ')
					t++;
			}
			size_t te = t;
			while (te < e && sdp[te] != ' ' && sdp[te] != '\r' && sdp[te] != '\n')
				te++;
			bool fb = (te - t == 8 && !g_ascii_strncasecmp(sdp + t, "RTP/AVPF", 8))
				|| (te - t == 9 && !g_ascii_strncasecmp(sdp + t, "RTP/SAVPF", 9));
			if (fb && mline < 32) {
				*avpf |= 1u << mline;
				g_string_append_len(g, sdp + i, (gssize)(te - 1 - i));
				g_string_append_len(g, sdp + te, (gssize)(e - te));
			} else {
				g_string_append_len(g, sdp + i, (gssize)(e - i));
			}
			mline++;
		} else {
			g_string_append_len(g, sdp + i, (gssize)(e - i));
		}
		i = e;
	}
	*out_len = g->len;
	return g_string_free(g, FALSE);
}

static int negotiate(
	const char *sdp, size_t len, const sipb_sdp_content *given, sipb_sdp_result *out);

int sipb_sdp_negotiate(const char *sdp, size_t len, sipb_sdp_result *out)
{
	return negotiate(sdp, len, NULL, out);
}

int sipb_sdp_negotiate_answer(
	const char *sdp, size_t len, int slides_mline, int bfcp_mline, sipb_sdp_result *out)
{
	sipb_sdp_content c = {
		.slides_mline = slides_mline, .main_mline = -1, .bfcp_mline = bfcp_mline
	};
	return negotiate(sdp, len, &c, out);
}

/* given: where the content lines are (the answer to our offer), NULL: by their attributes. */
static int negotiate(
	const char *sdp, size_t len, const sipb_sdp_content *given, sipb_sdp_result *out)
{
	memset(out, 0, sizeof(*out));
	out->audio = out->video = out->slides = out->bfcp = -1;
	if (sdp == NULL || len == 0 || len > 65536)
		return -EPROTO;
	/* Sofia's sdp_parse can be driven to allocate gigabytes by non-ASCII bytes in an m= line
	 * (found by tests/fuzz/fuzz_sip_sdp): SDP from SIP endpoints is ASCII, so take only
	 * printable ASCII, tabs and line ends. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)sdp[i];
		if (c >= 0x7f || (c < 0x20 && c != '\r' && c != '\n' && c != '\t'))
			return -EPROTO;
	}
	if (!m_lines_are_sane(sdp, len))
		return -EPROTO;
	sipb_sdp_content content;
	if (given)
		content = *given;
	else
		sipb_sdp_content_lines(sdp, len, &content);
	unsigned avpf = 0;
	size_t plen = 0;
	char *plain = strip_feedback_profiles(sdp, len, &plen, &avpf);
	su_home_t home[1] = { SU_HOME_INIT(home) };
	sdp_parser_t *p = sdp_parse(home, plain, (issize_t)plen, sdp_f_mode_0000);
	sdp_session_t *s = sdp_session(p);
	int rc = 0;
	if (s == NULL) {
		rc = -EPROTO;
		goto done;
	}
	for (sdp_media_t *m = s->sdp_media; m != NULL; m = m->m_next) {
		if (out->n == SIPB_SDP_MAX_MLINES) {
			rc = -EPROTO;
			goto done;
		}
		sipb_sdp_mline *l = &out->m[out->n];
		rc = take_line(s, m, l);
		if (rc < 0)
			goto done;
		if ((avpf >> out->n) & 1) /* answered in the profile offered (RFC 5124 §5) */
			g_strlcat(l->proto, "F", sizeof(l->proto));
		if (l->accepted && l->is_video)
			l->video_limits.max_kbps = sipb_sdp_text_bandwidth(sdp, len, out->n);
		/* One stream of each kind: further ones are rejected; the slides line is picked
		 * by its a=content, never by position. */
		if (l->accepted && l->is_video && out->n == content.slides_mline)
			out->slides = out->n;
		else if (out->n == content.bfcp_mline) {
			/* never media, even when an answer puts an audio line where our BFCP
			 * line was */
			out->bfcp = out->n;
			l->accepted = 0;
		} else if (l->accepted && !l->is_video && out->audio < 0)
			out->audio = out->n;
		else if (l->accepted && l->is_video && out->video < 0)
			out->video = out->n;
		else
			l->accepted = 0;
		out->n++;
	}
	if (out->audio < 0)
		rc = -ENOTSUP;
	out->main_marked = out->video >= 0 && out->video == content.main_mline;
done:
	sdp_parser_free(p);
	g_free(plain);
	su_home_deinit(home);
	return rc;
}

int sipb_sdp_is_hold(const sipb_sdp_result *r)
{
	if (r->audio < 0)
		return 0;
	const sipb_sdp_mline *a = &r->m[r->audio];
	return a->dir == SIPB_SDP_SENDONLY || a->dir == SIPB_SDP_INACTIVE
		|| !strcmp(a->remote_ip, "0.0.0.0");
}

void sipb_sdp_to_stream(const sipb_sdp_mline *m, sipb_media_stream *out)
{
	memset(out, 0, sizeof(*out));
	if (m == NULL || !m->accepted)
		return;
	out->enabled = 1;
	out->remote_ip = m->remote_ip;
	out->remote_port = m->port;
	out->payload_type = m->pt;
	out->codec = m->codec;
	out->clock_rate = m->clock_rate;
	out->dtmf_pt = m->dtmf_pt;
	out->h264_packetization_mode = m->h264_mode;
	out->remote_crypto = m->crypto[0] ? m->crypto : NULL;
	out->rtcp_fb = m->rtcp_fb;
	out->video_limits = m->video_limits;
	out->opus_fec = m->opus_fec;
}

static const char *dir_answer(sipb_sdp_dir offered)
{
	switch (offered) {
	case SIPB_SDP_SENDONLY: return "recvonly";
	case SIPB_SDP_RECVONLY: return "sendonly";
	case SIPB_SDP_INACTIVE: return "inactive";
	default: return "sendrecv";
	}
}

/* The crypto tag must be the offerer's (RFC 4568 §5.1.2): our value comes from sipb_media
 * as "<tag> <suite> inline:..."; put the offered tag in front of the rest. */
static void append_crypto(GString *s, int tag, const char *ours)
{
	const char *rest = ours ? strchr(ours, ' ') : NULL;
	if (rest != NULL)
		g_string_append_printf(s, "a=crypto:%d%s\r\n", tag, rest);
}

static void append_session(GString *s, const sipb_sdp_local *local)
{
	g_string_append_printf(s,
		"v=0\r\no=tpaas %llu %llu IN IP4 %s\r\ns=tpaas-vmr\r\nc=IN IP4 %s\r\nt=0 0\r\n",
		local->session_id, local->version, local->ip, local->ip);
}

char *sipb_sdp_answer(const sipb_sdp_result *r, const sipb_sdp_local *local)
{
	GString *s = g_string_new(NULL);
	append_session(s, local);
	for (int i = 0; i < r->n; i++) {
		const sipb_sdp_mline *l = &r->m[i];
		int slides = i == r->slides;
		int port = !l->accepted ? 0
			: slides        ? local->slides_port
			: l->is_video   ? local->video_port
					: local->audio_port;
		if (i == r->bfcp && local->bfcp_answer != NULL) {
			g_string_append(s, local->bfcp_answer);
			continue;
		}
		if (port <= 0) {
			g_string_append_printf(
				s, "m=%s 0 %s %s\r\n", l->type, l->proto, l->first_fmt);
			continue;
		}
		g_string_append_printf(s, "m=%s %d %s %d", l->type, port, l->proto, l->pt);
		if (l->dtmf_pt)
			g_string_append_printf(s, " %d", l->dtmf_pt);
		g_string_append(s, "\r\n");
		if (!strcmp(l->codec, "opus"))
			g_string_append_printf(s,
				"a=rtpmap:%d opus/48000/2\r\na=fmtp:%d useinbandfec=1\r\n", l->pt,
				l->pt);
		else
			g_string_append_printf(
				s, "a=rtpmap:%d %s/%d\r\n", l->pt, l->codec, l->clock_rate);
		if (!strcmp(l->codec, "H264"))
			g_string_append_printf(s,
				"a=fmtp:%d profile-level-id=42e01f;packetization-mode=%d\r\n",
				l->pt, l->h264_mode);
		if (l->dtmf_pt)
			g_string_append_printf(s,
				"a=rtpmap:%d telephone-event/%d\r\na=fmtp:%d 0-15\r\n", l->dtmf_pt,
				!strcmp(l->codec, "opus") && l->clock_rate == 48000 ? 48000 : 8000,
				l->dtmf_pt);
		/* RTCP feedback: only what the offer named (RFC 4585 §4.2) and we do. */
		if (l->is_video && (l->rtcp_fb & SIPB_RTCP_FB_NACK))
			g_string_append_printf(s, "a=rtcp-fb:%d nack\r\n", l->pt);
		if (l->is_video && (l->rtcp_fb & SIPB_RTCP_FB_PLI))
			g_string_append_printf(s, "a=rtcp-fb:%d nack pli\r\n", l->pt);
		if (l->is_video && (l->rtcp_fb & SIPB_RTCP_FB_FIR))
			g_string_append_printf(s, "a=rtcp-fb:%d ccm fir\r\n", l->pt);
		if (l->is_video && (l->rtcp_fb & SIPB_RTCP_FB_TMMBR))
			g_string_append_printf(s, "a=rtcp-fb:%d ccm tmmbr\r\n", l->pt);
		if (l->crypto[0])
			append_crypto(s, l->crypto_tag,
				slides                ? local->slides_crypto
					: l->is_video ? local->video_crypto
						      : local->audio_crypto);
		if (slides)
			g_string_append_printf(
				s, "a=content:slides\r\na=label:%u\r\n", local->slides_label);
		else if (i == r->video && r->main_marked)
			g_string_append(s, "a=content:main\r\n");
		g_string_append_printf(s, "a=%s\r\n", dir_answer(l->dir));
	}
	return g_string_free(s, FALSE);
}

/* A video line of our offer: every video codec we do; extra: its content attributes. */
static void append_offer_video(GString *s, int port, const char *crypto, const char *extra)
{
	g_string_append_printf(s,
		"m=video %d %s 96 97 98\r\n"
		"a=rtpmap:96 VP8/90000\r\n"
		"a=rtpmap:97 H264/90000\r\na=fmtp:97 "
		"profile-level-id=42e01f;packetization-mode=1\r\n"
		"a=rtpmap:98 H264/90000\r\na=fmtp:98 "
		"profile-level-id=42e01f;packetization-mode=0\r\n"
		"a=rtcp-fb:* nack\r\na=rtcp-fb:* nack pli\r\na=rtcp-fb:* ccm fir\r\n"
		"a=rtcp-fb:* ccm tmmbr\r\n",
		port, crypto ? "RTP/SAVP" : "RTP/AVP");
	if (crypto)
		append_crypto(s, 1, crypto);
	g_string_append_printf(s, "%sa=sendrecv\r\n", extra);
}

static int offers_content(const sipb_sdp_local *local)
{
	return local->video_port > 0 && local->slides_port > 0 && local->bfcp_offer;
}

/* Where a re-offer (local->prev) puts its lines: the session's own places, then a main video
 * line when the session never had one, then content lines it did not have; n: the lines in
 * all. -1: not offered. */
typedef struct reoffer_places {
	int video, slides, bfcp, n;
} reoffer_places;

static reoffer_places reoffer_layout(const sipb_sdp_local *local)
{
	const sipb_sdp_result *p = local->prev;
	reoffer_places pl = { .video = p->video, .slides = -1, .bfcp = -1, .n = p->n };
	bool had_video = false;
	for (int i = 0; i < p->n; i++)
		had_video = had_video || !strcmp(p->m[i].type, "video");
	if (pl.video < 0 && !had_video && local->video_port > 0 && pl.n < SIPB_SDP_MAX_MLINES)
		pl.video = pl.n++;
	if (pl.video < 0 || !offers_content(local))
		return pl;
	/* our BFCP line takes the place of the session's first BFCP-like line (its copy with
	 * port 0 would otherwise be the BFCP line a reader finds first) */
	int bfcp_at = -1;
	for (int i = 0; i < p->n && bfcp_at < 0; i++) {
		size_t len = strlen(p->m[i].proto);
		if (!strcmp(p->m[i].type, "application") && len >= 4
			&& !g_ascii_strcasecmp(p->m[i].proto + len - 4, "BFCP"))
			bfcp_at = i;
	}
	if (p->bfcp >= 0 && (bfcp_at < 0 || p->bfcp < bfcp_at))
		bfcp_at = p->bfcp;
	int next = pl.n;
	int sl = p->slides >= 0 ? p->slides : next++;
	int bl = bfcp_at >= 0 ? bfcp_at : next++;
	if (next <= SIPB_SDP_MAX_MLINES) {
		pl.slides = sl;
		pl.bfcp = bl;
		pl.n = next;
	}
	return pl;
}

void sipb_sdp_offer_places(const sipb_sdp_local *local, int *slides_mline, int *bfcp_mline)
{
	*slides_mline = *bfcp_mline = -1;
	if (local->prev != NULL && local->prev->audio >= 0) {
		reoffer_places pl = reoffer_layout(local);
		*slides_mline = pl.slides;
		*bfcp_mline = pl.bfcp;
	} else if (offers_content(local)) {
		*slides_mline = SIPB_SDP_OFFER_SLIDES_MLINE;
		*bfcp_mline = SIPB_SDP_OFFER_BFCP_MLINE;
	}
}

static void append_offer_audio(GString *s, const sipb_sdp_local *local)
{
	/* SDES (RFC 4568) when our keys are given: RTP/SAVP with tag 1 */
	g_string_append_printf(s,
		"m=audio %d %s 111 9 0 8 101\r\n"
		"a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"
		"a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n",
		local->audio_port, local->audio_crypto ? "RTP/SAVP" : "RTP/AVP");
	if (local->audio_crypto)
		append_crypto(s, 1, local->audio_crypto);
	g_string_append(s, "a=sendrecv\r\n");
}

static void append_offer_slides(GString *s, const sipb_sdp_local *local)
{
	char extra[48];
	g_snprintf(extra, sizeof(extra), "a=content:slides\r\na=label:%u\r\n", local->slides_label);
	append_offer_video(s, local->slides_port, local->slides_crypto, extra);
}

/* A re-offer: the previous session's m-lines in their places (RFC 3264 §8). */
static void append_reoffer(GString *s, const sipb_sdp_local *local)
{
	const sipb_sdp_result *p = local->prev;
	reoffer_places pl = reoffer_layout(local);
	for (int i = 0; i < pl.n; i++) {
		if (i == p->audio) {
			append_offer_audio(s, local);
		} else if (i == pl.video && local->video_port > 0) {
			append_offer_video(s, local->video_port, local->video_crypto,
				pl.slides >= 0 ? "a=content:main\r\n" : "");
		} else if (i == pl.slides) {
			append_offer_slides(s, local);
		} else if (i == pl.bfcp) {
			g_string_append(s, local->bfcp_offer);
		} else if (i < p->n) {
			const sipb_sdp_mline *l = &p->m[i];
			g_string_append_printf(
				s, "m=%s 0 %s %s\r\n", l->type, l->proto, l->first_fmt);
		}
	}
}

char *sipb_sdp_offer(const sipb_sdp_local *local)
{
	GString *s = g_string_new(NULL);
	append_session(s, local);
	if (local->prev != NULL && local->prev->audio >= 0) {
		append_reoffer(s, local);
		return g_string_free(s, FALSE);
	}
	append_offer_audio(s, local);
	int content = offers_content(local);
	if (local->video_port > 0)
		append_offer_video(s, local->video_port, local->video_crypto,
			content ? "a=content:main\r\n" : "");
	if (content) {
		append_offer_slides(s, local);
		g_string_append(s, local->bfcp_offer);
	}
	return g_string_free(s, FALSE);
}
