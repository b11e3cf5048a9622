/*
 * sipb_sdp_limits.c - a SIP endpoint's video limits from its SDP (sipb_sdp_limits.h).
 * Threads: pure. Ownership: borrowed input, caller's output.
 */
#include "sipb_sdp_limits.h"

#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_MAX 1000000 /* no value above this is believed (kbit/s, macroblocks, pixels) */

/* A decimal number at *p (advanced past it), bounded; -1 when there is none. */
static long take_number(const char **p)
{
	const char *s = *p;
	long v = 0;
	if (!g_ascii_isdigit(*s))
		return -1;
	while (g_ascii_isdigit(*s)) {
		if (v <= LIMIT_MAX)
			v = v * 10 + (*s - '0');
		s++;
	}
	*p = s;
	return MIN(v, LIMIT_MAX);
}

/* One "b=" line's value in kbit/s (AS, TIAS), 0 for another modifier or no number. */
static long bandwidth_line(const char *p, const char *end)
{
	bool tias = false;
	if (end - p >= 5 && !g_ascii_strncasecmp(p, "TIAS:", 5)) {
		tias = true;
		p += 5;
	} else if (end - p >= 3 && !g_ascii_strncasecmp(p, "AS:", 3)) {
		p += 3;
	} else {
		return 0;
	}
	long v = 0;
	bool any = false;
	for (; p < end && g_ascii_isdigit(*p); p++) {
		any = true;
		if (v <= (long)LIMIT_MAX * 1000)
			v = v * 10 + (*p - '0');
	}
	if (!any)
		return 0;
	v = MIN(v, (long)LIMIT_MAX * 1000);
	return tias ? v / 1000 : MIN(v, LIMIT_MAX);
}

int sipb_sdp_text_bandwidth(const char *sdp, size_t len, int mline)
{
	long session = 0, media = 0;
	int section = -1; /* -1: session level */
	for (size_t i = 0; sdp && i < len;) {
		size_t e = i;
		while (e < len && sdp[e] != '\r' && sdp[e] != '\n')
			e++;
		if (e - i >= 2 && sdp[i] == 'm' && sdp[i + 1] == '=')
			section++;
		else if (e - i >= 2 && sdp[i] == 'b' && sdp[i + 1] == '='
			&& (section == -1 || section == mline)) {
			long v = bandwidth_line(sdp + i + 2, sdp + e);
			long *slot = section == -1 ? &session : &media;
			if (v > 0 && (*slot == 0 || v < *slot))
				*slot = v;
		}
		i = e;
		while (i < len && (sdp[i] == '\r' || sdp[i] == '\n'))
			i++;
	}
	return (int)(media ? media : session);
}

/* The value of a "name=" parameter of an fmtp, -1 when absent or not a number. */
static long fmtp_param(const char *fmtp, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = fmtp; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		if (!g_ascii_strncasecmp(p, name, n) && p[n] == '=') {
			const char *v = p + n + 1;
			return take_number(&v);
		}
		p = strchr(p, ';');
	}
	return -1;
}

/* The level_idc of a valid profile-level-id (6 hex digits), 0 otherwise. */
static int h264_level(const char *fmtp)
{
	const char *pl = fmtp ? strstr(fmtp, "profile-level-id=") : NULL;
	if (!pl)
		return 0;
	pl += strlen("profile-level-id=");
	for (int i = 0; i < 6; i++)
		if (!g_ascii_isxdigit(pl[i]))
			return 0;
	return g_ascii_xdigit_value(pl[4]) * 16 + g_ascii_xdigit_value(pl[5]);
}

/* The largest number of an imageattr axis value: "640", "[320:1280]", "[320:16:1280]"
 * (the step is not a size, but never larger than the maximum) or "[320,640]". */
static int axis_max(const char **p)
{
	const char *s = *p;
	long best = -1;
	if (*s != '[') {
		best = take_number(&s);
	} else {
		s++;
		while (*s && *s != ']') {
			long v = take_number(&s);
			if (v < 0)
				return -1;
			best = MAX(best, v);
			if (*s == ':' || *s == ',')
				s++;
			else if (*s != ']')
				return -1;
		}
		if (*s != ']')
			return -1;
		s++;
	}
	*p = s;
	return (int)best;
}

void sipb_sdp_imageattr_recv(const char *value, int pt, int *max_w, int *max_h)
{
	*max_w = *max_h = 0;
	if (!value)
		return;
	const char *p = value;
	while (*p == ' ')
		p++;
	if (*p == '*') {
		p++;
	} else {
		long v = take_number(&p);
		if (v != pt)
			return;
	}
	const char *r = strstr(p, "recv");
	if (!r)
		return;
	p = r + 4;
	while (*p == ' ')
		p++;
	if (*p != '[')
		return; /* "recv *": anything */
	p++;
	int w = -1, h = -1;
	while (*p && *p != ']') {
		if ((*p == 'x' || *p == 'y') && p[1] == '=') {
			bool is_x = *p == 'x';
			p += 2;
			int v = axis_max(&p);
			if (v < 0)
				return;
			if (is_x)
				w = v;
			else
				h = v;
		} else {
			p++; /* sar=, par=, q=: not sizes */
		}
	}
	if (w > 0 && h > 0) {
		*max_w = w;
		*max_h = h;
	}
}

void sipb_sdp_video_limits(
	const sdp_media_t *m, int pt, const char *fmtp, int is_h264, mcu_video_limits *out)
{
	memset(out, 0, sizeof(*out));
	if (is_h264)
		out->h264_level_idc = h264_level(fmtp);
	long fs = fmtp_param(fmtp, "max-fs");
	out->max_fs = fs > 0 ? (int)fs : 0;
	for (const sdp_attribute_t *a = m->m_attributes; a; a = a->a_next) {
		if (!a->a_name || g_ascii_strcasecmp(a->a_name, "imageattr") != 0)
			continue;
		int w, h;
		sipb_sdp_imageattr_recv(a->a_value, pt, &w, &h);
		if (w > 0) {
			out->max_width = w;
			out->max_height = h;
			break;
		}
	}
}
