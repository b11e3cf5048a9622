/*
 * mcu_opus_rtp.c - RFC 7587 payload handling (see mcu_opus_rtp.h).
 */
#include "mcu_opus_rtp.h"
#include "mcu_rtp.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <opus/opus.h>

int mcu_opus_rtp_check(const uint8_t *payload, size_t len, int *samples)
{
	if (!payload || len == 0 || len > MCU_OPUS_MAX_PACKET)
		return -EPROTO;
	/* libopus walks the TOC and frame lengths within len and rejects inconsistencies. */
	int n = opus_packet_get_nb_samples(payload, (opus_int32)len, MCU_OPUS_CLOCK_HZ);
	if (n <= 0 || n > MCU_OPUS_MAX_SAMPLES)
		return -EPROTO;
	/* Full walk of the frame lengths (code 1/2/3 packets carry their own sizes). */
	unsigned char toc;
	const unsigned char *frames[48];
	opus_int16 sizes[48];
	if (opus_packet_parse(payload, (opus_int32)len, &toc, frames, sizes, NULL) <= 0)
		return -EPROTO;
	if (samples)
		*samples = n;
	return 0;
}

int mcu_opus_rtp_packetize(uint8_t *buf, size_t cap, uint8_t pt, uint16_t seq, uint32_t ts,
	uint32_t ssrc, const uint8_t *opus, size_t opus_len, size_t *out_len)
{
	if (!buf || !opus || !out_len || opus_len == 0 || opus_len > MCU_OPUS_MAX_PACKET)
		return -EINVAL;
	if (cap < MCU_RTP_HEADER_LEN || cap - MCU_RTP_HEADER_LEN < opus_len)
		return -ENOSPC;
	int rc = mcu_rtp_write_header(buf, cap, false, pt, seq, ts, ssrc);
	if (rc < 0)
		return rc;
	memcpy(buf + MCU_RTP_HEADER_LEN, opus, opus_len);
	*out_len = MCU_RTP_HEADER_LEN + opus_len;
	return 0;
}

bool mcu_opus_fmtp_inband_fec(const char *fmtp)
{
	static const char key[] = "useinbandfec";
	const size_t klen = sizeof(key) - 1;
	/* Parameters are "name=value" separated by ';' (RFC 7587 §7); names are case-insensitive
	 * (RFC 6838 §4.3), a later occurrence wins. */
	bool on = false;
	for (const char *p = fmtp; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > klen && strncasecmp(p, key, klen) == 0) {
			const char *v = p + klen;
			while (v < p + n && (*v == ' ' || *v == '\t'))
				v++;
			if (v < p + n && *v == '=') {
				v++;
				while (v < p + n && (*v == ' ' || *v == '\t'))
					v++;
				const char *ve = p + n;
				while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
					ve--;
				on = ve - v == 1 && *v == '1';
			}
		}
		p += n;
	}
	return on;
}
