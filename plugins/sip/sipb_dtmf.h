/*
 * sipb_dtmf.h - RFC 4733 telephone-event receiver: turns the packets of one stream's
 * telephone-event payload type into key presses, each reported once.
 *
 * A key press is one event: every packet of it carries the same RTP timestamp (the event's
 * start, RFC 4733 §2.5.1.1) and the last three carry the E bit (§2.5.1.4). We report at the
 * first end packet and remember the timestamp, so the retransmitted ends are dropped; when
 * all ends were lost we report the press as soon as the next event starts. Events older
 * than the current one (reordered late ends) are ignored.
 *
 * Threads: pure; a sipb_dtmf_rx is used by one thread at a time (the media receive thread).
 * Ownership: plain value, no allocation.
 */
#ifndef TPAAS_SIPB_DTMF_H
#define TPAAS_SIPB_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sipb_dtmf_rx {
	bool active;   /* an event with timestamp ts was seen */
	bool reported; /* ...and its key press was reported */
	uint32_t ts;
	char digit;
} sipb_dtmf_rx;

void sipb_dtmf_rx_init(sipb_dtmf_rx *d);

/* '0'-'9', '*', '#', 'A'-'D' for events 0-15 (RFC 4733 §3.2), 0 for anything else. */
char sipb_dtmf_event_char(int event);

/* One telephone-event payload with its RTP timestamp. Writes the key presses completed by
 * this packet to out (at most 2: a previous press whose end was lost, then this one) and
 * returns their number, or -EPROTO for a payload shorter than 4 bytes. Events that are not
 * keys (flash, tones) are ignored (0). */
int sipb_dtmf_rx_packet(
	sipb_dtmf_rx *d, uint32_t ts, const uint8_t *payload, size_t len, char out[2]);

/* Writes one 4-byte event payload (for tests and for sending). */
void sipb_dtmf_write(uint8_t out[4], int event, bool end, int volume, uint16_t duration);

#endif
