/*
 * bfcp_sdp.c - RFC 8856 / RFC 4796 / RFC 4574 SDP attributes of content sharing (see
 * bfcp_sdp.h).
 *
 * Threading: none. Ownership: the caller's structs; the answer text is the caller's to g_free.
 */
#include "bfcp_sdp.h"

#include <glib.h>
#include <string.h>

#define LINE_MAX_LEN 1024

/* Strict decimal: digits only, no sign, at most max. */
static bool parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	if (n == 0 || n > 10)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* RFC 4566 token characters (what RFC 4574 labels are). */
static bool is_token(const char *s, size_t n)
{
	if (n == 0 || n > BFCP_SDP_LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(g_ascii_isalnum(c) || strchr("!#$%&'*+-.^_`{|}~", c) != NULL) || c == 0)
			return false;
	}
	return true;
}

/* Splits s into space-separated words; returns how many (at most max). */
static size_t split(const char *s, size_t n, const char **w, size_t *wl, size_t max)
{
	size_t k = 0, i = 0;
	while (i < n && k < max) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		size_t st = i;
		while (i < n && s[i] != ' ')
			i++;
		w[k] = s + st;
		wl[k] = i - st;
		k++;
	}
	return k;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && g_ascii_strncasecmp(w, lit, n) == 0;
}

static bfcp_sdp_proto parse_proto(const char *w, size_t n)
{
	if (word_is(w, n, "TCP/BFCP"))
		return BFCP_PROTO_TCP;
	if (word_is(w, n, "TCP/TLS/BFCP"))
		return BFCP_PROTO_TCP_TLS;
	if (word_is(w, n, "UDP/BFCP"))
		return BFCP_PROTO_UDP;
	if (word_is(w, n, "UDP/TLS/BFCP"))
		return BFCP_PROTO_UDP_TLS;
	return BFCP_PROTO_NONE;
}

typedef enum {
	IN_SESSION,
	IN_BFCP,
	IN_VIDEO,
	IN_OTHER
} section;

static void on_bfcp_attr(bfcp_sdp_offer *o, const char *name, size_t nl, const char *val, size_t vl)
{
	const char *w[2 + BFCP_SDP_MAX_LABELS];
	size_t wl[2 + BFCP_SDP_MAX_LABELS];
	uint64_t v;
	if (word_is(name, nl, "floorctrl")) {
		size_t k = split(val, vl, w, wl, 3);
		for (size_t i = 0; i < k; i++) {
			if (word_is(w[i], wl[i], "c-only"))
				o->floorctrl |= BFCP_ROLE_C_ONLY;
			else if (word_is(w[i], wl[i], "s-only"))
				o->floorctrl |= BFCP_ROLE_S_ONLY;
			else if (word_is(w[i], wl[i], "c-s"))
				o->floorctrl |= BFCP_ROLE_C_S;
		}
	} else if (word_is(name, nl, "confid")) {
		if (parse_uint(val, vl, UINT32_MAX, &v) && v > 0) {
			o->has_confid = true;
			o->confid = (uint32_t)v;
		}
	} else if (word_is(name, nl, "userid")) {
		if (parse_uint(val, vl, UINT16_MAX, &v) && v > 0) {
			o->has_userid = true;
			o->userid = (uint16_t)v;
		}
	} else if (word_is(name, nl, "floorid")) {
		size_t k = split(val, vl, w, wl, 2 + BFCP_SDP_MAX_LABELS);
		if (k < 1 || !parse_uint(w[0], wl[0], UINT16_MAX, &v) || v == 0
			|| o->n_floors >= BFCP_SDP_MAX_FLOORS)
			return;
		bfcp_sdp_floor *f = &o->floors[o->n_floors++];
		memset(f, 0, sizeof(*f));
		f->floor_id = (uint16_t)v;
		/* "mstrm:<label> [<label>...]" (RFC 8856) or "m-stream:<label> ..." (RFC 4583) */
		bool in_list = false;
		for (size_t i = 1; i < k; i++) {
			const char *lab = w[i];
			size_t ll = wl[i];
			if (ll >= 6 && g_ascii_strncasecmp(lab, "mstrm:", 6) == 0) {
				lab += 6;
				ll -= 6;
				in_list = true;
			} else if (ll >= 9 && g_ascii_strncasecmp(lab, "m-stream:", 9) == 0) {
				lab += 9;
				ll -= 9;
				in_list = true;
			}
			if (!in_list || !is_token(lab, ll) || f->n_labels >= BFCP_SDP_MAX_LABELS)
				continue;
			memcpy(f->labels[f->n_labels], lab, ll);
			f->labels[f->n_labels][ll] = 0;
			f->n_labels++;
		}
	} else if (word_is(name, nl, "setup")) {
		if (word_is(val, vl, "active"))
			o->setup = BFCP_SETUP_ACTIVE;
		else if (word_is(val, vl, "passive"))
			o->setup = BFCP_SETUP_PASSIVE;
		else if (word_is(val, vl, "actpass"))
			o->setup = BFCP_SETUP_ACTPASS;
		else if (word_is(val, vl, "holdconn"))
			o->setup = BFCP_SETUP_HOLDCONN;
	} else if (word_is(name, nl, "connection")) {
		o->connection_existing = word_is(val, vl, "existing");
	} else if (word_is(name, nl, "bfcpver")) {
		size_t k = split(val, vl, w, wl, 2 + BFCP_SDP_MAX_LABELS);
		for (size_t i = 0; i < k; i++)
			if (parse_uint(w[i], wl[i], 7, &v) && v >= 1)
				o->bfcpver |= 1u << v;
	}
}

static void on_video_attr(
	bfcp_sdp_video *vd, const char *name, size_t nl, const char *val, size_t vl)
{
	if (word_is(name, nl, "content")) {
		/* a comma-separated list */
		size_t i = 0;
		while (i <= vl) {
			size_t st = i;
			while (i < vl && val[i] != ',')
				i++;
			const char *t = val + st;
			size_t tl = i - st;
			if (word_is(t, tl, "slides"))
				vd->content |= BFCP_CONTENT_SLIDES;
			else if (word_is(t, tl, "speaker"))
				vd->content |= BFCP_CONTENT_SPEAKER;
			else if (word_is(t, tl, "sl"))
				vd->content |= BFCP_CONTENT_SL;
			else if (word_is(t, tl, "main"))
				vd->content |= BFCP_CONTENT_MAIN;
			else if (word_is(t, tl, "alt"))
				vd->content |= BFCP_CONTENT_ALT;
			else if (tl > 0)
				vd->content |= BFCP_CONTENT_OTHER;
			i++;
		}
	} else if (word_is(name, nl, "label")) {
		if (is_token(val, vl)) {
			memcpy(vd->label, val, vl);
			vd->label[vl] = 0;
		} else
			vd->label[0] = 0;
	}
}

bool bfcp_sdp_parse(const char *sdp, size_t len, bfcp_sdp_offer *o)
{
	memset(o, 0, sizeof(*o));
	o->mline = -1;
	if (sdp == NULL)
		return false;
	section sec = IN_SESSION;
	int mline = -1;
	bfcp_sdp_video *vd = NULL;
	size_t pos = 0;
	while (pos < len) {
		size_t st = pos;
		while (pos < len && sdp[pos] != '\n')
			pos++;
		size_t n = pos - st;
		pos++;
		const char *l = sdp + st;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n < 2 || n > LINE_MAX_LEN || l[1] != '=' || memchr(l, 0, n) != NULL)
			continue;
		const char *body = l + 2;
		size_t bl = n - 2;
		if (l[0] == 'm') {
			mline++;
			vd = NULL;
			const char *w[4];
			size_t wl[4];
			uint64_t port = 0;
			size_t k = split(body, bl, w, wl, 4);
			bool port_ok = k >= 3 && parse_uint(w[1], wl[1], 65535, &port);
			if (k >= 3 && word_is(w[0], wl[0], "application") && !o->present && port_ok
				&& parse_proto(w[2], wl[2]) != BFCP_PROTO_NONE) {
				o->present = true;
				o->mline = mline;
				o->port = (uint16_t)port;
				o->proto = parse_proto(w[2], wl[2]);
				sec = IN_BFCP;
			} else if (k >= 3 && word_is(w[0], wl[0], "video") && port_ok
				&& o->n_videos < BFCP_SDP_MAX_VIDEOS) {
				vd = &o->videos[o->n_videos++];
				memset(vd, 0, sizeof(*vd));
				vd->mline = mline;
				vd->port = (uint16_t)port;
				sec = IN_VIDEO;
			} else
				sec = IN_OTHER;
			continue;
		}
		if (l[0] != 'a' || sec == IN_SESSION || sec == IN_OTHER)
			continue;
		const char *colon = memchr(body, ':', bl);
		size_t nl = colon != NULL ? (size_t)(colon - body) : bl;
		const char *val = colon != NULL ? colon + 1 : body + bl;
		size_t vl = colon != NULL ? bl - nl - 1 : 0;
		while (vl > 0 && val[vl - 1] == ' ')
			vl--;
		if (sec == IN_BFCP)
			on_bfcp_attr(o, body, nl, val, vl);
		else if (vd != NULL)
			on_video_attr(vd, body, nl, val, vl);
	}
	return mline >= 0;
}

int bfcp_sdp_slides_video(const bfcp_sdp_offer *o)
{
	for (size_t i = 0; i < o->n_videos; i++)
		if ((o->videos[i].content & BFCP_CONTENT_SLIDES) && o->videos[i].port != 0)
			return (int)i;
	return -1;
}

bool bfcp_sdp_choose(const bfcp_sdp_offer *o, uint16_t port, uint32_t confid, uint16_t userid,
	uint16_t floor_id, uint32_t slides_label, bfcp_sdp_answer *a, const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	memset(a, 0, sizeof(*a));
	if (!o->present || o->port == 0) {
		*why = "no BFCP line offered";
		return false;
	}
	if (o->proto == BFCP_PROTO_TCP_TLS || o->proto == BFCP_PROTO_UDP_TLS) {
		*why = "BFCP over TLS/DTLS is not supported yet";
		return false;
	}
	if (o->floorctrl != 0 && !(o->floorctrl & (BFCP_ROLE_C_ONLY | BFCP_ROLE_C_S))) {
		*why = "the offerer cannot be a floor control client";
		return false;
	}
	if (confid == 0 || userid == 0 || floor_id == 0 || port == 0) {
		*why = "invalid ids";
		return false;
	}
	a->port = port;
	a->proto = o->proto;
	a->confid = confid;
	a->userid = userid;
	a->floor_id = floor_id;
	a->slides_label = slides_label;
	if (o->proto == BFCP_PROTO_UDP) {
		a->setup = BFCP_SETUP_NONE;
		a->bfcpver = 2;
		if (o->bfcpver != 0 && !(o->bfcpver & (1u << 2))) {
			*why = "BFCP over UDP needs version 2";
			return false;
		}
		return true;
	}
	a->bfcpver = 1;
	if (o->bfcpver != 0 && !(o->bfcpver & (1u << 1))) {
		if (o->bfcpver & (1u << 2))
			a->bfcpver = 2; /* RFC 8855 allows version 2 over TCP too */
		else {
			*why = "no common BFCP version";
			return false;
		}
	}
	switch (o->setup) {
	case BFCP_SETUP_ACTIVE:
	case BFCP_SETUP_ACTPASS:
	case BFCP_SETUP_NONE: /* RFC 8856: the offerer's default is active */
		a->setup = BFCP_SETUP_PASSIVE;
		break;
	case BFCP_SETUP_PASSIVE: a->setup = BFCP_SETUP_ACTIVE; break;
	case BFCP_SETUP_HOLDCONN:
	default: *why = "a=setup:holdconn"; return false;
	}
	return true;
}

char *bfcp_sdp_write_answer(const bfcp_sdp_answer *a)
{
	const char *proto = NULL;
	switch (a->proto) {
	case BFCP_PROTO_TCP: proto = "TCP/BFCP"; break;
	case BFCP_PROTO_UDP: proto = "UDP/BFCP"; break;
	default: return NULL;
	}
	if (a->port == 0 || a->confid == 0 || a->userid == 0 || a->floor_id == 0
		|| (a->bfcpver != 1 && a->bfcpver != 2))
		return NULL;
	const char *setup = NULL;
	if (a->proto == BFCP_PROTO_TCP) {
		if (a->setup == BFCP_SETUP_ACTIVE)
			setup = "active";
		else if (a->setup == BFCP_SETUP_PASSIVE)
			setup = "passive";
		else
			return NULL;
	}
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "m=application %u %s *\r\n", a->port, proto);
	g_string_append(s, "a=floorctrl:s-only\r\n");
	g_string_append_printf(s, "a=confid:%u\r\n", a->confid);
	g_string_append_printf(s, "a=userid:%u\r\n", a->userid);
	g_string_append_printf(s, "a=floorid:%u mstrm:%u\r\n", a->floor_id, a->slides_label);
	if (setup != NULL) {
		g_string_append_printf(s, "a=setup:%s\r\n", setup);
		g_string_append_printf(s, "a=connection:%s\r\n", a->existing ? "existing" : "new");
	}
	g_string_append_printf(s, "a=bfcpver:%u\r\n", a->bfcpver);
	return g_string_free(s, FALSE);
}

char *bfcp_sdp_write_offer(
	uint16_t port, uint32_t confid, uint16_t userid, uint16_t floor_id, uint32_t slides_label)
{
	bfcp_sdp_answer a = {
		.port = port,
		.proto = BFCP_PROTO_TCP,
		.setup = BFCP_SETUP_PASSIVE,
		.confid = confid,
		.userid = userid,
		.floor_id = floor_id,
		.slides_label = slides_label,
		.bfcpver = 1,
	};
	return bfcp_sdp_write_answer(&a);
}

bool bfcp_sdp_answer_accepted(const bfcp_sdp_offer *answer, int mline, bfcp_sdp_proto offered,
	bfcp_sdp_setup our_setup, const char **why)
{
	const char *w = NULL;
	if (!answer->present || answer->mline != mline)
		w = "no BFCP line in the answer where we offered it";
	else if (answer->port == 0)
		w = "refused (port 0)";
	else if (answer->proto != offered)
		w = "another transport than the one we offered";
	else if (answer->floorctrl != 0 && answer->floorctrl != BFCP_ROLE_C_ONLY)
		w = "the answerer is no floor control client (a=floorctrl must be c-only)";
	else if (offered == BFCP_PROTO_TCP && our_setup != BFCP_SETUP_ACTIVE
		&& answer->setup != BFCP_SETUP_NONE && answer->setup != BFCP_SETUP_ACTIVE)
		w = "a=setup must be active: we listen";
	else if (offered == BFCP_PROTO_TCP && our_setup == BFCP_SETUP_ACTIVE
		&& answer->setup != BFCP_SETUP_PASSIVE)
		w = "a=setup must be passive: we connected";
	if (why)
		*why = w;
	return w == NULL;
}
