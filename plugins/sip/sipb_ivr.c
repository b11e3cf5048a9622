/*
 * sipb_ivr.c - see sipb_ivr.h.
 */
#include "sipb_ivr.h"

#include <stdint.h>
#include <string.h>
#include <glib.h>

void sipb_ivr_reset(sipb_ivr *ivr)
{
	memset(ivr, 0, sizeof(*ivr));
}

void sipb_ivr_set_length(sipb_ivr *ivr, size_t length)
{
	ivr->length = length <= SIPB_IVR_MAX_DIGITS ? length : 0;
	ivr->base_length = 0;
}

void sipb_ivr_extend(sipb_ivr *ivr, size_t length)
{
	if (length > SIPB_IVR_MAX_DIGITS)
		length = SIPB_IVR_MAX_DIGITS;
	ivr->n = strlen(ivr->digits);
	if (ivr->base_length == 0)
		ivr->base_length = ivr->length ? ivr->length : SIZE_MAX;
	ivr->length = length;
}

/* An entry completed or was cleared: an extension ends. */
static void end_extension(sipb_ivr *ivr)
{
	ivr->extended = ivr->base_length != 0;
	if (ivr->base_length != 0)
		ivr->length = ivr->base_length == SIZE_MAX ? 0 : ivr->base_length;
	ivr->base_length = 0;
}

int sipb_ivr_key(sipb_ivr *ivr, char key, const char **entry)
{
	if (key == '#') {
		if (ivr->n == 0 && !ivr->overflow)
			return 0; /* nothing typed, or the entry was complete at its last digit */
		*entry = ivr->overflow ? "" : ivr->digits;
		ivr->n = 0;
		ivr->overflow = 0;
		end_extension(ivr);
		/* digits[] keeps the entry until the next key */
		return 1;
	}
	if (ivr->n == 0)
		ivr->digits[0] = '\0';
	if (key == '*') {
		ivr->n = 0;
		ivr->overflow = 0;
		ivr->digits[0] = '\0';
		end_extension(ivr);
		ivr->extended = 0;
		return 0;
	}
	if (key < '0' || key > '9')
		return 0;
	if (ivr->n >= SIPB_IVR_MAX_DIGITS) {
		ivr->overflow = 1;
		return 0;
	}
	ivr->digits[ivr->n++] = key;
	ivr->digits[ivr->n] = '\0';
	if (ivr->length > 0 && ivr->n == ivr->length) {
		*entry = ivr->digits;
		ivr->n = 0;
		end_extension(ivr);
		return 1;
	}
	return 0;
}

int sipb_ivr_wrong(sipb_ivr *ivr)
{
	ivr->tries++;
	return ivr->tries >= SIPB_IVR_MAX_TRIES;
}

static char key_of(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end)
		return 0;
	/* RFC 4733 event codes 10 and 11 are '*' and '#'; some phones send them as numbers */
	if (p + 1 < end && p[0] == '1' && (p[1] == '0' || p[1] == '1')
		&& (p + 2 == end || !g_ascii_isdigit(p[2])))
		return p[1] == '0' ? '*' : '#';
	char c = g_ascii_toupper(*p);
	if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D'))
		return c;
	return 0;
}

char sipb_ivr_key_from_info(const char *content_type, const char *body, size_t len)
{
	if (content_type == NULL || body == NULL || len == 0 || len > 4096)
		return 0;
	const char *end = body + len;
	if (!g_ascii_strncasecmp(content_type, "application/dtmf-relay", 22)) {
		/* "Signal=5\r\nDuration=160\r\n": find "Signal" at a line start */
		for (const char *p = body; p < end;) {
			const char *eol = memchr(p, '\n', (size_t)(end - p));
			const char *le = eol ? eol : end;
			while (p < le && (*p == ' ' || *p == '\t'))
				p++;
			if (le - p >= 6 && !g_ascii_strncasecmp(p, "signal", 6)) {
				const char *q = p + 6;
				while (q < le && (*q == ' ' || *q == '\t'))
					q++;
				if (q < le && *q == '=') {
					const char *v = q + 1, *ve = le;
					while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
						ve--;
					return key_of(v, ve);
				}
			}
			p = eol ? eol + 1 : end;
		}
		return 0;
	}
	if (!g_ascii_strncasecmp(content_type, "application/dtmf", 16)) {
		const char *ve = end;
		while (ve > body && (ve[-1] == '\r' || ve[-1] == '\n' || ve[-1] == ' '))
			ve--;
		return key_of(body, ve);
	}
	return 0;
}
