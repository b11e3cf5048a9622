/*
 * vmr_mail.c - composes the invitation mail (see vmr_mail.h).
 *
 * The output is 7-bit ASCII with CRLF line ends and no line over 78 characters except an
 * over-long quoted display name (still far below RFC 5322's 998): headers use RFC 2047
 * encoded-words ("B" encoding) for anything non-ASCII, bodies are quoted-printable
 * (RFC 2045 §6.7). The MIME boundary starts with "=_", which quoted-printable can never
 * produce, so no body can contain it.
 *
 * Every input is checked before use: a CR or LF in a header value would let a guest name
 * add headers (Bcc:) or a second message, so control characters are refused outright
 * rather than stripped, and everything placed in the HTML part is escaped.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "vmr_auth.h"
#include "vmr_mail.h"

/* RFC 5322 §2.1.1: lines SHOULD be no more than 78 characters. */
#define LINE_MAX_CHARS 78
/* RFC 2047 §2: an encoded-word is at most 75 characters; "=?UTF-8?B?" + "?=" take 12,
 * leaving 63, i.e. 60 base64 characters for 45 bytes of text. */
#define EW_MAX_BYTES 45

int vmr_mail_address_is_valid(const char *address)
{
	if (address == NULL)
		return 0;
	size_t len = strnlen(address, VMR_MAIL_ADDRESS_MAX + 1);
	if (len < 3 || len > VMR_MAIL_ADDRESS_MAX)
		return 0;
	const char *at = strrchr(address, '@');
	if (at == NULL || at == address || at[1] == '\0' || strchr(address, '@') != at)
		return 0;
	for (const char *p = address; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c) != NULL)
			return 0;
	}
	return 1;
}

/* True when s holds a C0 control character (CR, LF, TAB, NUL can't) or DEL. */
static gboolean has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return TRUE;
	return FALSE;
}

/* Free text (names): optional or required, bounded, UTF-8, no control characters. */
static gboolean text_ok(const char *s, gboolean required, size_t max)
{
	if (s == NULL || *s == '\0')
		return !required;
	size_t len = strnlen(s, max + 1);
	return len <= max && g_utf8_validate(s, len, NULL) && !has_control(s);
}

/* Tokens that must be printable ASCII without spaces (URL, SIP address, IP). */
static gboolean token_ok(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);
	if (len == 0 || len > max)
		return FALSE;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return FALSE;
	return TRUE;
}

static gboolean is_plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x7f || *p < 0x20)
			return FALSE;
	/* Text that looks like an encoded-word would be decoded by the reader: encode it. */
	return strstr(s, "=?") == NULL;
}

static gboolean is_set(const char *s)
{
	return s != NULL && *s != '\0';
}

/* ---- headers ---- */

/* A header being written: line_start is where its current physical line begins. */
typedef struct header {
	GString *out;
	gsize line_start;
} header;

static void header_begin(header *h, GString *out, const char *name)
{
	h->out = out;
	h->line_start = out->len;
	g_string_append(out, name);
	g_string_append_c(out, ':');
}

/* Appends " word", folding first (CRLF + the space) when the line would grow past 78. */
static void header_word(header *h, const char *word)
{
	gsize line_len = h->out->len - h->line_start;
	gboolean line_has_word = strchr(h->out->str + h->line_start, ' ') != NULL;
	if (line_has_word && line_len + 1 + strlen(word) > LINE_MAX_CHARS) {
		g_string_append(h->out, "\r\n");
		h->line_start = h->out->len;
	}
	g_string_append_c(h->out, ' ');
	g_string_append(h->out, word);
}

static void header_end(header *h)
{
	g_string_append(h->out, "\r\n");
}

/* RFC 2047 encoded-words for text, each cut at a UTF-8 character boundary. Adjacent
 * encoded-words separated only by folding white space decode as one run of text. */
static void header_encoded_words(header *h, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *end = p;
		while (*end) {
			const char *next = g_utf8_next_char(end);
			if ((gsize)(next - p) > EW_MAX_BYTES)
				break;
			end = next;
		}
		gchar *b64 = g_base64_encode((const guchar *)p, end - p);
		gchar *word = g_strdup_printf("=?UTF-8?B?%s?=", b64);
		header_word(h, word);
		g_free(word);
		g_free(b64);
		p = end;
	}
}

/* Unstructured text (Subject): ASCII as words folded at spaces, otherwise encoded. */
static void header_text(header *h, const char *text)
{
	if (!is_plain_ascii(text)) {
		header_encoded_words(h, text);
		return;
	}
	gchar **words = g_strsplit(text, " ", -1);
	for (gchar **w = words; *w; w++)
		if (**w)
			header_word(h, *w);
	g_strfreev(words);
}

/* A mailbox: display name (quoted-string if ASCII, else encoded-words) and <address>. */
static void header_mailbox(header *h, const char *display, const char *address)
{
	if (is_set(display)) {
		if (is_plain_ascii(display)) {
			GString *q = g_string_new("\"");
			for (const char *p = display; *p; p++) {
				if (*p == '"' || *p == '\\')
					g_string_append_c(q, '\\');
				g_string_append_c(q, *p);
			}
			g_string_append_c(q, '"');
			header_word(h, q->str);
			g_string_free(q, TRUE);
		} else {
			header_encoded_words(h, display);
		}
		gchar *angle = g_strdup_printf("<%s>", address);
		header_word(h, angle);
		g_free(angle);
	} else {
		header_word(h, address);
	}
}

/* RFC 5322 §3.3 date in UTC, with English names whatever the locale. */
static void header_date(GString *out, int64_t now_unix)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)now_unix;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	g_string_append_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
		days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
		tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- bodies ---- */

/* Quoted-printable (RFC 2045 §6.7) of text whose lines end in "\n": lines of at most 76
 * characters with soft breaks, '=' and 8-bit bytes encoded, no trailing white space, and
 * a '.' at the start of a line encoded too so no SMTP relay ever sees a lone dot. */
static void append_qp(GString *out, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)text;
	size_t col = 0;
	while (*p) {
		unsigned char c = *p;
		if (c == '\n') {
			g_string_append(out, "\r\n");
			col = 0;
			p++;
			continue;
		}
		gboolean at_line_end = p[1] == '\n' || p[1] == '\0';
		gboolean literal = (c >= 33 && c <= 126 && c != '=')
			|| ((c == ' ' || c == '\t') && !at_line_end);
		size_t need = literal ? 1 : 3;
		/* Keep one column for the soft break's '='. */
		if (col + need > 75) {
			g_string_append(out, "=\r\n");
			col = 0;
		}
		if (literal && c == '.' && col == 0)
			literal = FALSE;
		if (literal) {
			g_string_append_c(out, (char)c);
			col++;
		} else {
			g_string_append_c(out, '=');
			g_string_append_c(out, hex[c >> 4]);
			g_string_append_c(out, hex[c & 0x0f]);
			col += 3;
		}
		p++;
	}
	if (col > 0)
		g_string_append(out, "\r\n");
}

/* HTML escaping for both text and attribute values (double- or single-quoted). */
static void append_html(GString *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default: g_string_append_c(out, *s); break;
		}
	}
}

/* The content both parts say, decided once. */
typedef struct invitation_text {
	const char *inviter; /* NULL when not given */
	const char *guest;
	const char *room;
	gboolean has_sip, has_ip;
	const char *code; /* the keypad code, NULL when none */
} invitation_text;

static char *plain_body(const vmr_invitation_mail *m, const invitation_text *t)
{
	GString *s = g_string_new(NULL);
	if (t->guest)
		g_string_append_printf(s, "Hello %s,\n\n", t->guest);
	if (t->inviter)
		g_string_append_printf(s, "%s has invited you to join a video meeting", t->inviter);
	else
		g_string_append(s, "You have been invited to join a video meeting");
	if (t->room)
		g_string_append_printf(s, ": %s", t->room);
	g_string_append(s, ".\n\nHow to join this meeting\n\n");
	g_string_append_printf(s, "From your browser, open this link%s:\n%s\n\n",
		m->has_pin ? " (no PIN needed)" : "", m->join_url);
	if (t->has_sip)
		g_string_append_printf(s,
			"Join by video device\n"
			"If you have a video endpoint (H.323 or SIP) or a video client (PC, "
			"laptop, "
			"tablet or smartphone, iOS or Android), call the following "
			"address:\n%s\n\n",
			m->sip_address);
	if (t->has_ip && t->code && m->has_pin)
		g_string_append_printf(s,
			"If you can only dial IP addresses\n"
			"Call %s, enter meeting number %d #, then your code %s #\n\n",
			m->dial_ip, m->meeting_number, t->code);
	else if (t->has_ip)
		g_string_append_printf(s,
			"If you can only dial IP addresses\n"
			"Call %s, enter meeting number %d followed by #\n\n",
			m->dial_ip, m->meeting_number);
	if (t->code && (t->has_sip || t->has_ip))
		g_string_append_printf(s,
			"Your personal code is %s: when a call from a video device or an IP "
			"address asks for the meeting PIN, enter your code followed by # "
			"instead.\n\n",
			t->code);
	else if (m->has_pin && (t->has_sip || t->has_ip))
		g_string_append(s,
			"Calls from a video device or an IP address will be asked for "
			"the meeting PIN: ask the person who invited you for it.\n\n");
	g_string_append(s, "The link stops working if its owner deletes or revokes it.\n");
	return g_string_free(s, FALSE);
}

static char *html_body(const vmr_invitation_mail *m, const invitation_text *t, const char *subject)
{
	GString *s = g_string_new(
		"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>");
	append_html(s, subject);
	g_string_append(s,
		"</title>\n</head>\n"
		"<body style=\"font-family:Arial,Helvetica,sans-serif;color:#222222;\">\n");
	if (t->guest) {
		g_string_append(s, "<p>Hello ");
		append_html(s, t->guest);
		g_string_append(s, ",</p>\n");
	}
	g_string_append(s, "<p>");
	if (t->inviter) {
		append_html(s, t->inviter);
		g_string_append(s, " has invited you to join a video meeting");
	} else {
		g_string_append(s, "You have been invited to join a video meeting");
	}
	if (t->room) {
		g_string_append(s, ": <b>");
		append_html(s, t->room);
		g_string_append(s, "</b>");
	}
	g_string_append(s, ".</p>\n<h2 style=\"font-size:18px;\">How to join this meeting</h2>\n");
	g_string_append_printf(s, "<p>Just click the following button%s.</p>\n",
		m->has_pin ? " (no PIN needed)" : "");
	g_string_append(s, "<p><a href=\"");
	append_html(s, m->join_url);
	g_string_append(s,
		"\" style=\"display:inline-block;background:#1a73e8;color:#ffffff;"
		"padding:10px 28px;border-radius:4px;text-decoration:none;font-weight:bold;\">"
		"Join</a></p>\n<p style=\"font-size:12px;color:#555555;\">Or open this link: <a "
		"href=\"");
	append_html(s, m->join_url);
	g_string_append(s, "\">");
	append_html(s, m->join_url);
	g_string_append(s, "</a></p>\n");
	if (t->has_sip) {
		g_string_append(s,
			"<h3 style=\"font-size:15px;\">Join by video device</h3>\n"
			"<p>If you have a video endpoint (H.323 or SIP) or a video client (PC, "
			"laptop, "
			"tablet or smartphone, iOS or Android), call the following address:</p>\n"
			"<p><a href=\"sip:");
		append_html(s, m->sip_address);
		g_string_append(s, "\">");
		append_html(s, m->sip_address);
		g_string_append(s, "</a></p>\n");
	}
	if (t->has_ip) {
		g_string_append(s,
			"<h3 style=\"font-size:15px;\">If you can only dial IP "
			"addresses</h3>\n<p>Call ");
		append_html(s, m->dial_ip);
		if (t->code && m->has_pin)
			g_string_append_printf(s,
				", enter meeting number %d #, then your code <b>%s</b> #</p>\n",
				m->meeting_number, t->code);
		else
			g_string_append_printf(s, ", enter meeting number %d followed by #</p>\n",
				m->meeting_number);
	}
	if (t->code && (t->has_sip || t->has_ip))
		g_string_append_printf(s,
			"<p>Your personal code is <b>%s</b>: when a call from a video device or an "
			"IP address asks for the meeting PIN, enter your code followed by # "
			"instead.</p>\n",
			t->code);
	else if (m->has_pin && (t->has_sip || t->has_ip))
		g_string_append(s,
			"<p>Calls from a video device or an IP address will be asked for "
			"the meeting PIN: ask the person who invited you for it.</p>\n");
	g_string_append(s,
		"<p style=\"font-size:12px;color:#555555;\">The link stops working if "
		"its owner deletes or revokes it.</p>\n</body>\n</html>\n");
	return g_string_free(s, FALSE);
}

/* ---- the message ---- */

static const char *check_inputs(const vmr_mail_config *cfg, const vmr_invitation_mail *m)
{
	if (cfg == NULL || m == NULL)
		return "missing configuration or mail";
	if (!vmr_mail_address_is_valid(cfg->from_address))
		return "from_address is missing or not a plain address";
	if (!text_ok(cfg->from_name, FALSE, VMR_MAIL_NAME_MAX))
		return "from_name is too long, not UTF-8 or holds CR, LF or control characters";
	if (!vmr_mail_address_is_valid(m->to))
		return "to is missing or not a plain address (CR, LF, spaces and brackets are "
		       "refused)";
	if (!text_ok(m->guest_name, FALSE, VMR_MAIL_NAME_MAX))
		return "guest_name is too long, not UTF-8 or holds CR, LF or control characters";
	if (!text_ok(m->inviter_name, FALSE, VMR_MAIL_NAME_MAX))
		return "inviter_name is too long, not UTF-8 or holds CR, LF or control characters";
	if (!text_ok(m->room_name, FALSE, VMR_MAIL_NAME_MAX))
		return "room_name is too long, not UTF-8 or holds CR, LF or control characters";
	if (m->join_url == NULL || !token_ok(m->join_url, VMR_MAIL_URL_MAX))
		return "join_url is missing, too long, or holds spaces, control or non-ASCII "
		       "characters";
	if (g_ascii_strncasecmp(m->join_url, "https://", 8) != 0
		&& g_ascii_strncasecmp(m->join_url, "http://", 7) != 0)
		return "join_url is not an http(s) URL";
	if (m->sip_address != NULL && *m->sip_address
		&& !token_ok(m->sip_address, VMR_MAIL_NAME_MAX))
		return "sip_address is too long, or holds spaces, control or non-ASCII characters";
	if (m->dial_ip != NULL && *m->dial_ip && !token_ok(m->dial_ip, VMR_MAIL_NAME_MAX))
		return "dial_ip is too long, or holds spaces, control or non-ASCII characters";
	if (is_set(m->guest_code)
		&& (strnlen(m->guest_code, 33) > 32
			|| m->guest_code[strspn(m->guest_code, "0123456789")] != '\0'))
		return "guest_code is not a run of at most 32 digits";
	return NULL;
}

char *vmr_mail_compose_invitation(const vmr_mail_config *cfg, const vmr_invitation_mail *m,
	int64_t now_unix, const char **reason)
{
	const char *bad = check_inputs(cfg, m);
	if (reason)
		*reason = bad;
	if (bad != NULL)
		return NULL;

	invitation_text t = {
		.inviter = is_set(m->inviter_name) ? m->inviter_name : NULL,
		.guest = is_set(m->guest_name) ? m->guest_name : NULL,
		.room = is_set(m->room_name) ? m->room_name : NULL,
		.has_sip = is_set(m->sip_address),
		.has_ip = is_set(m->dial_ip) && m->meeting_number > 0,
		.code = is_set(m->guest_code) ? m->guest_code : NULL,
	};
	char *from_display = NULL;
	if (t.inviter && is_set(cfg->from_name))
		from_display = g_strdup_printf("%s via %s", t.inviter, cfg->from_name);
	else
		from_display = g_strdup(t.inviter ? t.inviter : cfg->from_name);
	char *subject = t.inviter ? g_strdup_printf("%s invites you to a video meeting", t.inviter)
				  : g_strdup("A call link has been shared with you");
	char *token = vmr_random_hex(16), *bound_token = vmr_random_hex(12);
	if (token == NULL || bound_token == NULL) {
		g_free(token);
		g_free(bound_token);
		g_free(from_display);
		g_free(subject);
		if (reason)
			*reason = "no random source for the Message-ID";
		return NULL;
	}
	const char *domain = strrchr(cfg->from_address, '@') + 1;
	char *boundary = g_strdup_printf("=_tpaas_%s", bound_token);

	GString *out = g_string_sized_new(8192);
	header h;
	header_date(out, now_unix);
	header_begin(&h, out, "From");
	header_mailbox(&h, from_display, cfg->from_address);
	header_end(&h);
	header_begin(&h, out, "To");
	header_mailbox(&h, t.guest, m->to);
	header_end(&h);
	header_begin(&h, out, "Subject");
	header_text(&h, subject);
	header_end(&h);
	g_string_append_printf(out, "Message-ID: <%s@%s>\r\n", token, domain);
	g_string_append(out, "MIME-Version: 1.0\r\n");
	g_string_append_printf(
		out, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n", boundary);
	/* RFC 3834: no vacation auto-replies to a machine-sent invitation. */
	g_string_append(out, "Auto-Submitted: auto-generated\r\n");
	g_string_append(out, "\r\nThis is a multi-part message in MIME format.\r\n");

	char *plain = plain_body(m, &t);
	char *html = html_body(m, &t, subject);
	g_string_append_printf(out,
		"\r\n--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		boundary);
	append_qp(out, plain);
	g_string_append_printf(out,
		"\r\n--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		boundary);
	append_qp(out, html);
	g_string_append_printf(out, "\r\n--%s--\r\n", boundary);

	g_free(plain);
	g_free(html);
	g_free(boundary);
	g_free(token);
	g_free(bound_token);
	g_free(subject);
	g_free(from_display);
	return g_string_free(out, FALSE);
}
