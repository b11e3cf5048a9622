/*
 * sipb_dtmf.c - RFC 4733 telephone-event parsing and de-duplication. See sipb_dtmf.h.
 */
#include "sipb_dtmf.h"

#include <errno.h>
#include <string.h>

void sipb_dtmf_rx_init(sipb_dtmf_rx *d)
{
	memset(d, 0, sizeof(*d));
}

char sipb_dtmf_event_char(int event)
{
	static const char keys[] = "0123456789*#ABCD";
	if (event < 0 || event > 15)
		return 0;
	return keys[event];
}

int sipb_dtmf_rx_packet(
	sipb_dtmf_rx *d, uint32_t ts, const uint8_t *payload, size_t len, char out[2])
{
	if (!payload || len < 4)
		return -EPROTO;
	/* §2.3: event(8) E(1) R(1) volume(6) duration(16). */
	char digit = sipb_dtmf_event_char(payload[0]);
	bool end = payload[1] & 0x80;
	if (!digit)
		return 0;
	int n = 0;
	if (d->active && ts != d->ts) {
		/* Serial-number comparison: a late packet of an older event is not a new press. */
		if ((int32_t)(ts - d->ts) < 0)
			return 0;
		if (!d->reported)
			out[n++] = d->digit; /* its end packets were all lost */
		d->active = false;
	}
	if (!d->active) {
		d->active = true;
		d->reported = false;
		d->ts = ts;
		d->digit = digit;
	}
	if (end && !d->reported) {
		d->reported = true;
		out[n++] = d->digit;
	}
	return n;
}

void sipb_dtmf_write(uint8_t out[4], int event, bool end, int volume, uint16_t duration)
{
	out[0] = (uint8_t)event;
	out[1] = (uint8_t)((end ? 0x80 : 0) | (volume & 0x3f));
	out[2] = (uint8_t)(duration >> 8);
	out[3] = (uint8_t)duration;
}
