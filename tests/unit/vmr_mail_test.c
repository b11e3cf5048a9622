/*
 * vmr_mail_test.c - the invitation mail and SMTP sending.
 *
 * Composing: the message has the required headers, a text/plain and a text/html part
 * that both carry the link, the SIP address and "meeting number <n> followed by #",
 * hostile names are HTML-escaped, CR/LF (header injection) is refused, non-ASCII names
 * are RFC 2047-encoded, and the whole message is 7-bit with CRLF lines.
 *
 * Sending: a real SMTP server (smtp_sink.py, aiosmtpd, on a free loopback port) receives
 * what vmr_mail_send and a vmr_mailer send, and Python's email parser reads it back; a
 * closed port, a refused recipient and a stalled server give -EIO with a useful reason;
 * freeing a mailer finishes the message in flight and cancels the rest. The sending tests
 * are skipped only when no python3 with aiosmtpd is found (VMR_TEST_PYTHON overrides).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>

#include "vmr_mail.h"

#ifndef VMR_TEST_SRCDIR
#define VMR_TEST_SRCDIR "."
#endif

#define NOW_UNIX 1529664180 /* Fri, 22 Jun 2018 10:43:00 +0000, the seed mail's date */

static const vmr_mail_config base_cfg = {
	.smtp_url = "smtp://127.0.0.1:25",
	.from_address = "vmr@example.org",
	.from_name = "tpaas meetings",
	.timeout_s = 10,
};

static vmr_invitation_mail base_mail(void)
{
	return (vmr_invitation_mail){
		.to = "guest@example.net",
		.guest_name = "Bob Guest",
		.inviter_name = "Cliente Demo",
		.room_name = "Weekly sync",
		.join_url =
			"https://call.example.org/?id=917932&secret=CFb0RBMX07&name=Bob%20Guest",
		.sip_address = "vms.demo.1@call.example.org",
		.dial_ip = "62.82.98.16",
		.meeting_number = 125143,
		.has_pin = 1,
	};
}

/* ---- a small MIME reader, independent of the code under test ---- */

static char *qp_decode(const char *s, size_t len)
{
	GString *out = g_string_new(NULL);
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '=') {
			g_string_append_c(out, s[i]);
		} else if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2; /* soft line break */
		} else {
			g_assert_true(i + 2 < len && g_ascii_isxdigit(s[i + 1])
				&& g_ascii_isxdigit(s[i + 2]));
			g_assert_false(g_ascii_islower(s[i + 1]) || g_ascii_islower(s[i + 2]));
			g_string_append_c(out,
				(char)(g_ascii_xdigit_value(s[i + 1]) * 16
					+ g_ascii_xdigit_value(s[i + 2])));
			i += 2;
		}
	}
	return g_string_free(out, FALSE);
}

/* The header section, unfolded (CRLF + white space removed as RFC 5322 §2.2.3 says). */
static char *unfolded_headers(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	g_assert_nonnull(end);
	GString *out = g_string_new_len(msg, end - msg + 2);
	for (char *p; (p = strstr(out->str, "\r\n ")) != NULL;)
		g_string_erase(out, p - out->str, 2);
	return g_string_free(out, FALSE);
}

/* Value of header name (unfolded, first occurrence), or NULL. */
static char *header_value(const char *msg, const char *name)
{
	char *h = unfolded_headers(msg);
	char *needle = g_strdup_printf("\r\n%s: ", name), *value = NULL;
	GString *all = g_string_new("\r\n");
	g_string_append(all, h);
	char *p = strstr(all->str, needle);
	if (p) {
		p += strlen(needle);
		value = g_strndup(p, strstr(p, "\r\n") - p);
	}
	g_string_free(all, TRUE);
	g_free(needle);
	g_free(h);
	return value;
}

/* Decodes the RFC 2047 B-encoded words of a header value (white space between adjacent
 * encoded-words dropped, as §6.2 says). */
static char *decode_words(const char *value)
{
	GString *out = g_string_new(NULL);
	const char *p = value;
	gboolean last_was_word = FALSE;
	while (*p) {
		if (g_str_has_prefix(p, "=?UTF-8?B?")) {
			const char *start = p + 10, *end = strstr(start, "?=");
			g_assert_nonnull(end);
			g_assert_cmpint(end + 2 - p, <=, 75);
			if (last_was_word)
				while (out->len && out->str[out->len - 1] == ' ')
					g_string_truncate(out, out->len - 1);
			char *b64 = g_strndup(start, end - start);
			gsize n = 0;
			guchar *raw = g_base64_decode(b64, &n);
			g_string_append_len(out, (const char *)raw, n);
			g_free(raw);
			g_free(b64);
			p = end + 2;
			last_was_word = TRUE;
		} else {
			if (*p != ' ')
				last_was_word = FALSE;
			g_string_append_c(out, *p++);
		}
	}
	return g_string_free(out, FALSE);
}

/* Decoded body of the part with this content type (e.g. "text/html"), or NULL. */
static char *part_body(const char *msg, const char *type)
{
	char *ct = header_value(msg, "Content-Type");
	g_assert_nonnull(ct);
	char *b = strstr(ct, "boundary=\"");
	g_assert_nonnull(b);
	b += strlen("boundary=\"");
	char *delim = g_strdup_printf("\r\n--%.*s", (int)(strchr(b, '"') - b), b);
	char *result = NULL;
	const char *p = strstr(msg, delim);
	while (p != NULL && result == NULL) {
		p += strlen(delim);
		if (g_str_has_prefix(p, "--"))
			break;
		const char *next = strstr(p, delim);
		g_assert_nonnull(next);
		const char *body = strstr(p, "\r\n\r\n");
		g_assert_true(body != NULL && body < next);
		char *part_headers = g_strndup(p, body - p);
		char *want = g_strdup_printf("Content-Type: %s; charset=UTF-8", type);
		if (strstr(part_headers, want)) {
			g_assert_nonnull(strstr(
				part_headers, "Content-Transfer-Encoding: quoted-printable"));
			body += 4;
			result = qp_decode(body, next - body);
		}
		g_free(want);
		g_free(part_headers);
		p = next;
	}
	g_free(delim);
	g_free(ct);
	return result;
}

static char *compose_ok(const vmr_mail_config *cfg, const vmr_invitation_mail *m)
{
	const char *reason = "unset";
	char *msg = vmr_mail_compose_invitation(cfg, m, NOW_UNIX, &reason);
	if (msg == NULL)
		g_error("compose failed: %s", reason);
	g_assert_null(reason);
	return msg;
}

/* ---- composing ---- */

static void assert_wire_format(const char *msg)
{
	/* 7-bit, every line ends in CRLF, no line over 998 (RFC 5322 §2.1.1). */
	size_t col = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		g_assert_cmpuint(*p, <, 0x80);
		if (*p == '\n') {
			g_assert_true(p > (const unsigned char *)msg && p[-1] == '\r');
			col = 0;
		} else if (*p == '\r') {
			g_assert_cmpint(p[1], ==, '\n');
		} else {
			col++;
			g_assert_cmpuint(col, <=, 998);
		}
	}
	g_assert_true(g_str_has_suffix(msg, "\r\n"));
	/* Headers fold before 78 columns (RFC 5322's SHOULD). */
	const char *end = strstr(msg, "\r\n\r\n");
	g_assert_nonnull(end);
	for (const char *line = msg; line < end;) {
		const char *eol = strstr(line, "\r\n");
		g_assert_cmpint(eol - line, <=, 78);
		line = eol + 2;
	}
}

static void test_required_headers(void)
{
	vmr_invitation_mail m = base_mail();
	char *msg = compose_ok(&base_cfg, &m);
	assert_wire_format(msg);
	char *v = header_value(msg, "Date");
	g_assert_cmpstr(v, ==, "Fri, 22 Jun 2018 10:43:00 +0000");
	g_free(v);
	v = header_value(msg, "From");
	g_assert_cmpstr(v, ==, "\"Cliente Demo via tpaas meetings\" <vmr@example.org>");
	g_free(v);
	v = header_value(msg, "To");
	g_assert_cmpstr(v, ==, "\"Bob Guest\" <guest@example.net>");
	g_free(v);
	v = header_value(msg, "Subject");
	g_assert_cmpstr(v, ==, "Cliente Demo invites you to a video meeting");
	g_free(v);
	v = header_value(msg, "MIME-Version");
	g_assert_cmpstr(v, ==, "1.0");
	g_free(v);
	v = header_value(msg, "Message-ID");
	g_assert_true(g_str_has_prefix(v, "<") && g_str_has_suffix(v, "@example.org>"));
	g_assert_cmpuint(strlen(v), >, 20);
	char *again = compose_ok(&base_cfg, &m);
	char *v2 = header_value(again, "Message-ID");
	g_assert_cmpstr(v, !=, v2);
	g_free(v2);
	g_free(again);
	g_free(v);
	v = header_value(msg, "Content-Type");
	g_assert_true(g_str_has_prefix(v, "multipart/alternative; boundary=\"=_"));
	g_free(v);
	g_free(msg);
}

static void test_both_parts_carry_the_ways_to_join(void)
{
	vmr_invitation_mail m = base_mail();
	char *msg = compose_ok(&base_cfg, &m);
	char *plain = part_body(msg, "text/plain"), *html = part_body(msg, "text/html");
	g_assert_nonnull(plain);
	g_assert_nonnull(html);
	g_assert_nonnull(strstr(
		plain, "Cliente Demo has invited you to join a video meeting: Weekly sync."));
	g_assert_nonnull(strstr(plain, "Hello Bob Guest,"));
	g_assert_nonnull(strstr(plain, m.join_url));
	g_assert_nonnull(strstr(plain, "vms.demo.1@call.example.org"));
	g_assert_nonnull(
		strstr(plain, "Call 62.82.98.16, enter meeting number 125143 followed by #"));
	g_assert_nonnull(strstr(plain, "PIN"));
	/* In HTML the '&' of the link is escaped, inside the href and in the text. */
	char *url_html = g_strdup(
		"https://call.example.org/?id=917932&amp;secret=CFb0RBMX07&amp;name=Bob%20Guest");
	char *href = g_strdup_printf("<a href=\"%s\"", url_html);
	g_assert_nonnull(strstr(html, href));
	g_assert_null(strstr(html, "&secret"));
	g_assert_nonnull(strstr(html,
		"<a href=\"sip:vms.demo.1@call.example.org\">vms.demo.1@call.example.org</a>"));
	g_assert_nonnull(
		strstr(html, "Call 62.82.98.16, enter meeting number 125143 followed by #"));
	g_assert_nonnull(strstr(html, "<b>Weekly sync</b>"));
	g_assert_nonnull(strstr(html, "PIN"));
	g_assert_true(g_str_has_prefix(html, "<!DOCTYPE html>"));
	g_free(href);
	g_free(url_html);
	g_free(plain);
	g_free(html);
	g_free(msg);

	/* No PIN, no SIP address, no IP: those sections are left out, the link stays. */
	m.has_pin = 0;
	m.sip_address = NULL;
	m.dial_ip = NULL;
	msg = compose_ok(&base_cfg, &m);
	plain = part_body(msg, "text/plain");
	html = part_body(msg, "text/html");
	g_assert_null(strstr(plain, "PIN"));
	g_assert_null(strstr(plain, "meeting number"));
	g_assert_null(strstr(html, "sip:"));
	g_assert_nonnull(strstr(plain, m.join_url));
	g_free(plain);
	g_free(html);
	g_free(msg);
}

/* With the invitation's keypad code, a room system's guest is told to key it after the
 * meeting number instead of asking for the PIN; a code that is not digits is refused. */
static void test_the_keypad_code_is_next_to_the_meeting_number(void)
{
	vmr_invitation_mail m = base_mail();
	m.guest_code = "7315048296";
	char *msg = compose_ok(&base_cfg, &m);
	char *plain = part_body(msg, "text/plain"), *html = part_body(msg, "text/html");
	g_assert_nonnull(strstr(plain,
		"Call 62.82.98.16, enter meeting number 125143 #, then your code 7315048296 #"));
	g_assert_nonnull(strstr(html,
		"Call 62.82.98.16, enter meeting number 125143 #, then your code <b>7315048296</b> "
		"#"));
	g_assert_nonnull(strstr(plain, "Your personal code is 7315048296"));
	g_assert_null(strstr(plain, "ask the person who invited you"));
	g_assert_null(strstr(html, "ask the person who invited you"));
	g_free(plain);
	g_free(html);
	g_free(msg);
	const char *bad[] = { "7315 048296", "73150482<b>", "12345678901234567890123456789012345" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		m.guest_code = bad[i];
		const char *reason = NULL;
		g_assert_null(vmr_mail_compose_invitation(&base_cfg, &m, NOW_UNIX, &reason));
		g_assert_nonnull(strstr(reason, "guest_code"));
	}
}

static void test_hostile_guest_name_is_html_escaped(void)
{
	vmr_invitation_mail m = base_mail();
	m.guest_name = "<script>alert(\"x\")</script> & 'Co' <img src=x onerror=alert(1)>";
	m.room_name = "</b><iframe src=//evil>";
	m.inviter_name = "Eve <b>";
	m.join_url = "https://call.example.org/?id=1&secret=a\"onmouseover=\"alert(1)";
	char *msg = compose_ok(&base_cfg, &m);
	char *html = part_body(msg, "text/html");
	g_assert_null(strstr(html, "<script"));
	g_assert_null(strstr(html, "<img"));
	g_assert_null(strstr(html, "<iframe"));
	g_assert_null(strstr(html, "Eve <b>"));
	g_assert_null(strstr(html, "\"onmouseover"));
	g_assert_nonnull(strstr(html,
		"Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39; "
		"&lt;img src=x onerror=alert(1)&gt;,"));
	g_assert_nonnull(strstr(html, "&lt;/b&gt;&lt;iframe src=//evil&gt;"));
	g_assert_nonnull(strstr(html, "a&quot;onmouseover=&quot;alert(1)"));
	/* The plain part says the name as it is; the header quotes it. */
	char *plain = part_body(msg, "text/plain");
	g_assert_nonnull(strstr(plain, "Hello <script>"));
	char *to = header_value(msg, "To");
	g_assert_cmpstr(to, ==,
		"\"<script>alert(\\\"x\\\")</script> & 'Co' <img src=x onerror=alert(1)>\" "
		"<guest@example.net>");
	g_free(to);
	g_free(plain);
	g_free(html);
	g_free(msg);
}

static void expect_refused(
	const vmr_mail_config *cfg, const vmr_invitation_mail *m, const char *field)
{
	const char *reason = NULL;
	char *msg = vmr_mail_compose_invitation(cfg, m, NOW_UNIX, &reason);
	if (msg != NULL)
		g_error("%s: a bad value was accepted:\n%s", field, msg);
	g_assert_nonnull(reason);
	if (strstr(reason, field) == NULL)
		g_error("reason \"%s\" does not name %s", reason, field);
}

static void test_crlf_injection_refused(void)
{
	const char *evil[] = { "Bob\r\nBcc: victim@example.com", "Bob\nBcc: x@y", "Bob\rX",
		"Bob\tTab", "A\x7f" };
	for (size_t i = 0; i < G_N_ELEMENTS(evil); i++) {
		vmr_invitation_mail m = base_mail();
		vmr_mail_config cfg = base_cfg;
		m.guest_name = evil[i];
		expect_refused(&cfg, &m, "guest_name");
		m = base_mail();
		m.inviter_name = evil[i];
		expect_refused(&cfg, &m, "inviter_name");
		m = base_mail();
		m.room_name = evil[i];
		expect_refused(&cfg, &m, "room_name");
		m = base_mail();
		cfg.from_name = evil[i];
		expect_refused(&cfg, &m, "from_name");
	}
	vmr_invitation_mail m = base_mail();
	vmr_mail_config cfg = base_cfg;
	m.to = "guest@example.net\r\nBcc: victim@example.com";
	expect_refused(&cfg, &m, "to");
	m.to = "Guest <guest@example.net>";
	expect_refused(&cfg, &m, "to");
	m.to = "guest@example.net, victim@example.com";
	expect_refused(&cfg, &m, "to");
	m.to = NULL;
	expect_refused(&cfg, &m, "to");
	m = base_mail();
	cfg.from_address = "vmr@example.org\r\nX: y";
	expect_refused(&cfg, &m, "from_address");
	cfg = base_cfg;
	m.join_url = "https://call.example.org/?id=1\r\n";
	expect_refused(&cfg, &m, "join_url");
	m.join_url = "javascript:alert(1)";
	expect_refused(&cfg, &m, "join_url");
	m.join_url = NULL;
	expect_refused(&cfg, &m, "join_url");
	m = base_mail();
	m.sip_address = "a@b\r\n";
	expect_refused(&cfg, &m, "sip_address");
	m = base_mail();
	m.dial_ip = "1.2.3.4\n";
	expect_refused(&cfg, &m, "dial_ip");
	m = base_mail();
	m.guest_name = "\xc3\x28 not UTF-8";
	expect_refused(&cfg, &m, "guest_name");
	char *long_name = g_strnfill(VMR_MAIL_NAME_MAX + 1, 'a');
	m.guest_name = long_name;
	expect_refused(&cfg, &m, "guest_name");
	g_free(long_name);
	const char *reason = NULL;
	g_assert_null(vmr_mail_compose_invitation(NULL, &m, NOW_UNIX, &reason));
	g_assert_nonnull(reason);
}

static void test_non_ascii_names_encoded(void)
{
	vmr_invitation_mail m = base_mail();
	m.inviter_name = "Ana García";
	m.guest_name = "Jürgen Groß-Übermaß, Ελένη Παπαδοπούλου & 山田太郎";
	m.room_name = "Reunión semanal";
	char *msg = compose_ok(&base_cfg, &m);
	assert_wire_format(msg);
	char *from = header_value(msg, "From");
	g_assert_true(g_str_has_prefix(from, "=?UTF-8?B?"));
	char *decoded = decode_words(from);
	g_assert_cmpstr(decoded, ==, "Ana García via tpaas meetings <vmr@example.org>");
	g_free(decoded);
	g_free(from);
	char *to = header_value(msg, "To");
	decoded = decode_words(to);
	g_assert_cmpstr(decoded, ==,
		"Jürgen Groß-Übermaß, Ελένη Παπαδοπούλου & 山田太郎 <guest@example.net>");
	g_free(decoded);
	g_free(to);
	char *subject = header_value(msg, "Subject");
	decoded = decode_words(subject);
	g_assert_cmpstr(decoded, ==, "Ana García invites you to a video meeting");
	g_free(decoded);
	g_free(subject);
	char *plain = part_body(msg, "text/plain"), *html = part_body(msg, "text/html");
	g_assert_nonnull(
		strstr(plain, "Hello Jürgen Groß-Übermaß, Ελένη Παπαδοπούλου & 山田太郎,"));
	g_assert_nonnull(strstr(plain, "Ana García has invited you"));
	g_assert_nonnull(strstr(html, "Ana García has invited you"));
	g_assert_nonnull(strstr(html, "<b>Reunión semanal</b>"));
	g_assert_true(g_utf8_validate(plain, -1, NULL) && g_utf8_validate(html, -1, NULL));
	g_free(plain);
	g_free(html);
	g_free(msg);

	/* ASCII that looks like an encoded-word is encoded too, so no reader decodes it. */
	m = base_mail();
	m.guest_name = "=?UTF-8?B?QmNjOg==?=";
	msg = compose_ok(&base_cfg, &m);
	to = header_value(msg, "To");
	decoded = decode_words(to);
	g_assert_cmpstr(decoded, ==, "=?UTF-8?B?QmNjOg==?= <guest@example.net>");
	g_free(decoded);
	g_free(to);
	g_free(msg);
}

/* ---- a real SMTP server ---- */

typedef struct sink {
	GPid pid;
	int stdin_fd, stdout_fd;
	int port;
	char *dir;
	char *url;
} sink;

static const char *find_python(void)
{
	static const char *found = NULL;
	static gboolean looked = FALSE;
	if (looked)
		return found;
	looked = TRUE;
	const char *candidates[] = { g_getenv("VMR_TEST_PYTHON"), "/usr/bin/python3", "python3" };
	for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
		if (candidates[i] == NULL)
			continue;
		const char *argv[] = { candidates[i], "-c", "import aiosmtpd.smtp", NULL };
		int status = 0;
		if (g_spawn_sync(NULL, (char **)argv, NULL,
			    G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
				    | G_SPAWN_STDERR_TO_DEV_NULL,
			    NULL, NULL, NULL, NULL, &status, NULL)
			&& g_spawn_check_wait_status(status, NULL)) {
			found = candidates[i];
			break;
		}
	}
	return found;
}

static gboolean sink_start(sink *s)
{
	memset(s, 0, sizeof(*s));
	const char *python = find_python();
	if (python == NULL) {
		g_test_skip("no python3 with aiosmtpd (apt-get install python3-aiosmtpd, or set "
			    "VMR_TEST_PYTHON)");
		return FALSE;
	}
	s->dir = g_dir_make_tmp("vmr_mail_test.XXXXXX", NULL);
	g_assert_nonnull(s->dir);
	char *script = g_build_filename(VMR_TEST_SRCDIR, "smtp_sink.py", NULL);
	const char *argv[] = { python, script, s->dir, NULL };
	GError *err = NULL;
	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
		    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &s->pid,
		    &s->stdin_fd, &s->stdout_fd, NULL, &err))
		g_error("cannot start %s %s: %s", python, script, err->message);
	g_free(script);
	/* Wait (up to 20 s) for "PORT <n>\n". */
	char line[64] = "";
	size_t got = 0;
	while (got < sizeof(line) - 1 && strchr(line, '\n') == NULL) {
		struct pollfd pfd = { .fd = s->stdout_fd, .events = POLLIN };
		if (poll(&pfd, 1, 20000) <= 0)
			g_error("smtp_sink.py did not start");
		ssize_t n = read(s->stdout_fd, line + got, sizeof(line) - 1 - got);
		if (n <= 0)
			g_error("smtp_sink.py exited before listening");
		got += (size_t)n;
		line[got] = '\0';
	}
	g_assert_true(sscanf(line, "PORT %d", &s->port) == 1);
	s->url = g_strdup_printf("smtp://127.0.0.1:%d", s->port);
	return TRUE;
}

static void remove_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);
		g_unlink(path);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

static void sink_stop(sink *s)
{
	close(s->stdin_fd); /* the sink exits when its stdin closes */
	int status = 0;
	gboolean reaped = FALSE;
	for (int i = 0; i < 100 && !reaped; i++) {
		reaped = waitpid(s->pid, &status, WNOHANG) == s->pid;
		if (!reaped)
			g_usleep(50000);
	}
	if (!reaped) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
	}
	g_spawn_close_pid(s->pid);
	close(s->stdout_fd);
	remove_dir(s->dir);
	g_free(s->dir);
	g_free(s->url);
}

/* The n-th message the sink saved, as parsed by Python's email package. */
static json_t *sink_message(sink *s, int n)
{
	char *path = g_strdup_printf("%s/%d.json", s->dir, n);
	json_error_t error;
	json_t *j = json_load_file(path, 0, &error);
	if (j == NULL)
		g_error("%s: %s", path, error.text);
	g_free(path);
	return j;
}

static const char *json_header(json_t *msg, const char *name)
{
	size_t i;
	json_t *h;
	json_array_foreach(json_object_get(msg, "headers"), i,
		h) if (g_ascii_strcasecmp(json_string_value(json_array_get(h, 0)), name)
		== 0) return json_string_value(json_array_get(h, 1));
	return NULL;
}

static const char *json_part(json_t *msg, const char *type)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(msg, "parts"), i,
		p) if (g_strcmp0(json_string_value(json_object_get(p, "type")), type) == 0)
	{
		g_assert_cmpstr(json_string_value(json_object_get(p, "charset")), ==, "utf-8");
		return json_string_value(json_object_get(p, "text"));
	}
	return NULL;
}

static void assert_received_invitation(json_t *j, const vmr_invitation_mail *m)
{
	g_assert_cmpstr(json_string_value(json_object_get(j, "mail_from")), ==, "vmr@example.org");
	g_assert_cmpstr(
		json_string_value(json_array_get(json_object_get(j, "rcpt_tos"), 0)), ==, m->to);
	g_assert_cmpstr(
		json_string_value(json_object_get(j, "content_type")), ==, "multipart/alternative");
	if (json_array_size(json_object_get(j, "defects")) != 0)
		g_error("the email parser found defects: %s",
			json_dumps(json_object_get(j, "defects"), 0));
	g_assert_cmpuint(json_array_size(json_object_get(j, "parts")), ==, 2);
	const char *plain = json_part(j, "text/plain"), *html = json_part(j, "text/html");
	g_assert_nonnull(plain);
	g_assert_nonnull(html);
	g_assert_nonnull(strstr(plain, m->join_url));
	g_assert_nonnull(strstr(plain, m->sip_address));
	char *number = g_strdup_printf("meeting number %d followed by #", m->meeting_number);
	g_assert_nonnull(strstr(plain, number));
	g_assert_nonnull(strstr(html, number));
	g_free(number);
	g_assert_nonnull(json_header(j, "Date"));
	g_assert_nonnull(json_header(j, "Message-ID"));
}

static void test_send_to_real_smtp_server(void)
{
	sink s;
	if (!sink_start(&s))
		return;
	vmr_mail_config cfg = base_cfg;
	cfg.smtp_url = s.url;
	vmr_invitation_mail m = base_mail();
	m.inviter_name = "Ana García";
	m.guest_name = "Jürgen Groß";
	char *msg = compose_ok(&cfg, &m);
	char *error = NULL;
	int rc = vmr_mail_send(&cfg, m.to, msg, &error);
	if (rc != 0)
		g_error("vmr_mail_send: %d %s", rc, error);
	g_assert_null(error);

	json_t *j = sink_message(&s, 1);
	assert_received_invitation(j, &m);
	/* Python's parser decodes our encoded-words back to the very names. */
	g_assert_cmpstr(
		json_header(j, "From"), ==, "Ana García via tpaas meetings <vmr@example.org>");
	g_assert_cmpstr(json_header(j, "To"), ==, "Jürgen Groß <guest@example.net>");
	g_assert_cmpstr(json_header(j, "Subject"), ==, "Ana García invites you to a video meeting");
	g_assert_cmpstr(json_header(j, "Date"), ==, "Fri, 22 Jun 2018 10:43:00 +0000");
	g_assert_nonnull(strstr(json_part(j, "text/plain"), "Hello Jürgen Groß,"));
	json_decref(j);

	/* The bytes received are the bytes composed (dot-stuffing undone by the server). */
	char *eml_path = g_strdup_printf("%s/1.eml", s.dir), *eml = NULL;
	g_assert_true(g_file_get_contents(eml_path, &eml, NULL, NULL));
	g_assert_cmpstr(eml, ==, msg);
	g_free(eml);
	g_free(eml_path);
	g_free(msg);
	sink_stop(&s);
}

typedef struct outcome {
	GMutex mutex;
	GCond cond;
	int calls, frees;
	int results[8];
	char *errors[8];
	GThread *threads[8];
} outcome;

typedef struct job_ref {
	outcome *o;
	int index;
} job_ref;

static void on_done(void *user_data, int result, const char *error)
{
	job_ref *r = user_data;
	g_mutex_lock(&r->o->mutex);
	r->o->results[r->index] = result;
	r->o->errors[r->index] = g_strdup(error);
	r->o->threads[r->index] = g_thread_self();
	r->o->calls++;
	g_cond_broadcast(&r->o->cond);
	g_mutex_unlock(&r->o->mutex);
}

static void on_free(void *user_data)
{
	job_ref *r = user_data;
	g_mutex_lock(&r->o->mutex);
	r->o->frees++;
	g_cond_broadcast(&r->o->cond);
	g_mutex_unlock(&r->o->mutex);
	g_free(r);
}

static void outcome_wait(outcome *o, int calls)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_TIME_SPAN_SECOND;
	g_mutex_lock(&o->mutex);
	while (o->calls < calls)
		if (!g_cond_wait_until(&o->cond, &o->mutex, deadline))
			g_error("only %d of %d mails reported back", o->calls, calls);
	g_mutex_unlock(&o->mutex);
}

static void queue(vmr_mailer *mailer, outcome *o, int index, const char *to, const char *msg)
{
	job_ref *r = g_new0(job_ref, 1);
	r->o = o;
	r->index = index;
	vmr_mailer_send(mailer, to, msg, on_done, r, on_free);
}

static void test_mailer_thread_sends_and_reports(void)
{
	sink s;
	if (!sink_start(&s))
		return;
	vmr_mail_config cfg = base_cfg;
	/* The mailer copies its configuration: this buffer is gone before it sends. */
	char *url = g_strdup(s.url);
	cfg.smtp_url = url;
	vmr_mailer *mailer = vmr_mailer_new(&cfg);
	memset(url, 'x', strlen(url));
	g_free(url);
	outcome o = { 0 };
	g_mutex_init(&o.mutex);
	g_cond_init(&o.cond);
	const char *to[] = { "one@example.net", "reject@example.net", "three@example.net" };
	char *msgs[3];
	for (int i = 0; i < 3; i++) {
		vmr_invitation_mail m = base_mail();
		m.to = to[i];
		cfg.smtp_url = s.url;
		msgs[i] = compose_ok(&cfg, &m);
		queue(mailer, &o, i, to[i], msgs[i]);
	}
	outcome_wait(&o, 3);
	vmr_mailer_free(mailer);
	g_assert_cmpint(o.frees, ==, 3);
	g_assert_cmpint(o.results[0], ==, 0);
	g_assert_null(o.errors[0]);
	g_assert_cmpint(o.results[1], ==, -EIO);
	g_assert_nonnull(strstr(o.errors[1], "550"));
	g_assert_cmpint(o.results[2], ==, 0);
	for (int i = 0; i < 3; i++) {
		g_assert_true(o.threads[i] != g_thread_self());
		g_assert_true(o.threads[i] == o.threads[0]);
	}
	/* Sent in order; the refused one never reached DATA. */
	json_t *j = sink_message(&s, 1);
	vmr_invitation_mail m = base_mail();
	m.to = to[0];
	assert_received_invitation(j, &m);
	json_decref(j);
	j = sink_message(&s, 2);
	m.to = to[2];
	assert_received_invitation(j, &m);
	json_decref(j);
	for (int i = 0; i < 3; i++) {
		g_free(msgs[i]);
		g_free(o.errors[i]);
	}
	g_mutex_clear(&o.mutex);
	g_cond_clear(&o.cond);
	sink_stop(&s);
}

static void test_mailer_free_cancels_the_queue(void)
{
	sink s;
	if (!sink_start(&s))
		return;
	vmr_mail_config cfg = base_cfg;
	cfg.smtp_url = s.url;
	vmr_mailer *mailer = vmr_mailer_new(&cfg);
	outcome o = { 0 };
	g_mutex_init(&o.mutex);
	g_cond_init(&o.cond);
	vmr_invitation_mail m = base_mail();
	m.to = "slow@example.net";
	char *msg = compose_ok(&cfg, &m);
	queue(mailer, &o, 0, m.to, msg);
	for (int i = 1; i < 4; i++)
		queue(mailer, &o, i, "later@example.net", msg);
	/* Wait until the first is in flight (the sink holds its RCPT for 1 s), then free. */
	char *started = g_strdup_printf("%s/slow.started", s.dir);
	for (int i = 0; i < 400 && !g_file_test(started, G_FILE_TEST_EXISTS); i++)
		g_usleep(50000);
	g_assert_true(g_file_test(started, G_FILE_TEST_EXISTS));
	g_free(started);
	vmr_mailer_free(mailer);
	/* Everything was reported and freed by the time _free returned. */
	g_assert_cmpint(o.calls, ==, 4);
	g_assert_cmpint(o.frees, ==, 4);
	g_assert_cmpint(o.results[0], ==, 0);
	for (int i = 1; i < 4; i++) {
		g_assert_cmpint(o.results[i], ==, -ECANCELED);
		g_assert_nonnull(o.errors[i]);
	}
	for (int i = 0; i < 4; i++)
		g_free(o.errors[i]);
	g_free(msg);
	g_mutex_clear(&o.mutex);
	g_cond_clear(&o.cond);
	sink_stop(&s);
}

static int closed_port(void)
{
	/* A port the kernel just gave us, closed again: nothing listens there. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&a, &len), ==, 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_send_errors_say_why(void)
{
	vmr_mail_config cfg = base_cfg;
	vmr_invitation_mail m = base_mail();
	char *msg = compose_ok(&cfg, &m), *error = NULL;

	/* Closed port: connection refused. */
	char *url = g_strdup_printf("smtp://127.0.0.1:%d", closed_port());
	cfg.smtp_url = url;
	g_assert_cmpint(vmr_mail_send(&cfg, m.to, msg, &error), ==, -EIO);
	g_assert_nonnull(error);
	g_test_message("closed port: %s", error);
	g_assert_nonnull(strstr(error, "127.0.0.1"));
	g_assert_true(strstr(error, "connect") || strstr(error, "Connect"));
	g_clear_pointer(&error, g_free);
	g_free(url);

	/* Bad arguments are refused before any connection. */
	cfg.smtp_url = "file:///etc/passwd";
	g_assert_cmpint(vmr_mail_send(&cfg, m.to, msg, &error), ==, -EINVAL);
	g_assert_nonnull(strstr(error, "smtp_url"));
	g_clear_pointer(&error, g_free);
	cfg.smtp_url = "smtp://127.0.0.1:1";
	g_assert_cmpint(vmr_mail_send(&cfg, "a@b\r\nRCPT TO:<x@y>", msg, &error), ==, -EINVAL);
	g_clear_pointer(&error, g_free);
	g_assert_cmpint(vmr_mail_send(&cfg, m.to, NULL, NULL), ==, -EINVAL);
	g_free(msg);

	sink s;
	if (!sink_start(&s))
		return;
	cfg.smtp_url = s.url;
	vmr_invitation_mail r = base_mail();
	r.to = "reject@example.net";
	msg = compose_ok(&cfg, &r);
	/* Recipient refused: the SMTP code is in the reason. */
	g_assert_cmpint(vmr_mail_send(&cfg, r.to, msg, &error), ==, -EIO);
	g_test_message("refused recipient: %s", error);
	g_assert_nonnull(strstr(error, "550"));
	g_clear_pointer(&error, g_free);
	g_free(msg);

	/* A server that stalls longer than timeout_s. */
	cfg.timeout_s = 1;
	r.to = "stall@example.net";
	msg = compose_ok(&cfg, &r);
	gint64 t0 = g_get_monotonic_time();
	g_assert_cmpint(vmr_mail_send(&cfg, r.to, msg, &error), ==, -EIO);
	g_test_message("stalled server: %s", error);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 4 * G_TIME_SPAN_SECOND);
	g_assert_true(strstr(error, "imeout") || strstr(error, "timed out"));
	g_clear_pointer(&error, g_free);
	g_free(msg);
	sink_stop(&s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* A sink that dies must not kill the test with SIGPIPE on its stdin. */
	signal(SIGPIPE, SIG_IGN);
	g_assert_cmpint(vmr_mail_global_init(), ==, 0);
	g_test_add_func("/vmr/mail/compose/required-headers", test_required_headers);
	g_test_add_func("/vmr/mail/compose/both-parts-carry-the-ways-to-join",
		test_both_parts_carry_the_ways_to_join);
	g_test_add_func("/vmr/mail/compose/the-keypad-code-is-next-to-the-meeting-number",
		test_the_keypad_code_is_next_to_the_meeting_number);
	g_test_add_func("/vmr/mail/compose/hostile-guest-name-is-html-escaped",
		test_hostile_guest_name_is_html_escaped);
	g_test_add_func("/vmr/mail/compose/crlf-injection-refused", test_crlf_injection_refused);
	g_test_add_func("/vmr/mail/compose/non-ascii-names-encoded", test_non_ascii_names_encoded);
	g_test_add_func("/vmr/mail/send/to-real-smtp-server", test_send_to_real_smtp_server);
	g_test_add_func("/vmr/mail/send/mailer-thread-sends-and-reports",
		test_mailer_thread_sends_and_reports);
	g_test_add_func(
		"/vmr/mail/send/mailer-free-cancels-the-queue", test_mailer_free_cancels_the_queue);
	g_test_add_func("/vmr/mail/send/errors-say-why", test_send_errors_say_why);
	return g_test_run();
}
