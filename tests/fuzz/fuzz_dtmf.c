/*
 * fuzz_dtmf.c - libFuzzer harness of the SIP bridge's keypad input: RFC 4733 telephone-event
 * payloads (sipb_dtmf_rx_packet, a stream of them as one caller sends them) and SIP INFO
 * DTMF bodies (sipb_ivr_key_from_info: application/dtmf-relay "Signal=5", application/dtmf),
 * with every key fed to the IVR entry collector (sipb_ivr_key), and the same INFO bodies as
 * RFC 5168 key frame requests (sipb_media_control_is_fast_update).
 *
 * Input: fuzz_records.h records. Flags bit 7 clear: an RTP telephone-event packet, the
 * record is a 4-byte big-endian RTP timestamp then the payload (exact-size copy). Bit 7 set:
 * a SIP INFO, the record is the Content-Type (up to the first NUL) then the body (exact-size
 * copy, not NUL-terminated); bits 0-1 of the flags pick a prefix for the Content-Type so the
 * fuzzer reaches both body formats.
 *
 * The input's length picks the IVR's entry length (none, a 4-digit PIN, a 6-digit number). With
 * the PIN's length, a 4-digit entry starting with '7' is extended as the start of an invitation's
 * code (sipb_ivr_extend), which then ends at its 10th digit or at '#'.
 *
 * Checks: at most two presses per packet, each a key; an event's timestamp reports at most
 * once while it is current; INFO keys are keys; IVR entries are digits only, at most
 * SIPB_IVR_MAX_DIGITS, end at '#' or at the entry length's last digit, and the try counter
 * ends the call after SIPB_IVR_MAX_TRIES.
 */
#include "sipb_dtmf.h"
#include "sipb_ivr.h"
#include "sipb_media_control.h"
#include "fuzz_records.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_key(char c)
{
	return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

/* What an invitation's code looks like to the IVR: a 4-digit entry starting with '7' is "the
 * start of a code" (the call's sipb_ivr_extend), which then runs to CODE_LEN digits or '#'. */
#define CODE_LEN 10

static void feed_ivr(sipb_ivr *ivr, char key)
{
	const char *entry = NULL;
	size_t base = ivr->base_length; /* nonzero while extended */
	int done = sipb_ivr_key(ivr, key, &entry);
	FUZZ_ASSERT(done == 0 || done == 1);
	FUZZ_ASSERT(ivr->n <= SIPB_IVR_MAX_DIGITS);
	if (!done)
		return;
	FUZZ_ASSERT(entry != NULL);
	size_t n = strlen(entry);
	FUZZ_ASSERT(ivr->extended == (base != 0));
	if (ivr->extended) /* the length before the extension is back */
		FUZZ_ASSERT(key == '#' ? n >= base && n < CODE_LEN : n == CODE_LEN);
	else
		FUZZ_ASSERT(key == '#' ? n != ivr->length || n == 0
				       : (ivr->length > 0 && n == ivr->length));
	FUZZ_ASSERT(n <= SIPB_IVR_MAX_DIGITS);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(entry[i] >= '0' && entry[i] <= '9');
	if (!ivr->extended && ivr->length == 4 && n == 4 && entry[0] == '7') {
		sipb_ivr_extend(ivr, CODE_LEN);
		FUZZ_ASSERT(ivr->n == 4 && ivr->length == CODE_LEN);
		return;
	}
	if (n == 0 || entry[0] == '9') { /* "wrong": count tries */
		int was = ivr->tries;
		int out = sipb_ivr_wrong(ivr);
		FUZZ_ASSERT(out == (was + 1 >= SIPB_IVR_MAX_TRIES));
	}
}

static const char *const ctype_prefix[] = {
	"",
	"application/dtmf-relay",
	"application/dtmf",
	"Application/DTMF-Relay;charset=x",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sipb_dtmf_rx rx;
	sipb_dtmf_rx_init(&rx);
	sipb_ivr ivr;
	sipb_ivr_reset(&ivr);
	sipb_ivr_set_length(&ivr, size % 3 == 0 ? 0 : size % 3 == 1 ? 4 : 6);
	fuzz_reader r;
	fuzz_reader_init(&r, data, size);
	uint8_t flags;
	uint8_t *rec;
	size_t len;
	int records = 0;
	while (records++ < 256 && fuzz_record_next(&r, &flags, &rec, &len)) {
		if (!(flags & 0x80)) {
			uint32_t ts = 0;
			size_t skip = len < 4 ? len : 4;
			for (size_t i = 0; i < skip; i++)
				ts = ts << 8 | rec[i];
			uint8_t *payload = malloc(len - skip ? len - skip : 1);
			if (!payload)
				abort();
			memcpy(payload, rec + skip, len - skip);
			char out[2] = { 0, 0 };
			bool was_active = rx.active, was_reported = rx.reported;
			uint32_t was_ts = rx.ts;
			int n = sipb_dtmf_rx_packet(&rx, ts, payload, len - skip, out);
			if (len - skip < 4) {
				FUZZ_ASSERT(n == -EPROTO);
			} else {
				FUZZ_ASSERT(n >= 0 && n <= 2);
				for (int i = 0; i < n; i++) {
					FUZZ_ASSERT(is_key(out[i]));
					feed_ivr(&ivr, out[i]);
				}
				/* the same current event never reports twice */
				if (was_active && was_reported && ts == was_ts)
					FUZZ_ASSERT(n == 0);
				FUZZ_ASSERT(!rx.active || is_key(rx.digit));
			}
			free(payload);
		} else {
			size_t cl = 0;
			while (cl < len && rec[cl] != '\0')
				cl++;
			const char *pre = ctype_prefix[flags & 3];
			size_t pl = strlen(pre);
			char *ctype = malloc(pl + cl + 1);
			if (!ctype)
				abort();
			memcpy(ctype, pre, pl);
			memcpy(ctype + pl, rec, cl);
			ctype[pl + cl] = '\0';
			size_t blen = cl < len ? len - cl - 1 : 0;
			char *body = malloc(blen ? blen : 1);
			if (!body)
				abort();
			memcpy(body, rec + len - blen, blen);
			char key = sipb_ivr_key_from_info(
				ctype, (flags & 0x40) ? NULL : body, blen);
			FUZZ_ASSERT(key == 0 || is_key(key));
			if (blen == 0 || (flags & 0x40))
				FUZZ_ASSERT(key == 0);
			if (key)
				feed_ivr(&ivr, key);
			/* The same INFO may be a key frame request (RFC 5168): never both. */
			bool pfu = sipb_media_control_is_fast_update(
				ctype, (flags & 0x40) ? NULL : body, blen);
			FUZZ_ASSERT(!(pfu && key));
			free(body);
			free(ctype);
		}
		free(rec);
	}
	for (int e = -2; e < 260; e++) {
		char c = sipb_dtmf_event_char(e);
		FUZZ_ASSERT((e >= 0 && e <= 15) ? is_key(c) : c == 0);
	}
	return 0;
}
