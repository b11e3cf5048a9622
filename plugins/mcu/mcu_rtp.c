/*
 * mcu_rtp.c - RTP header parse/write (see mcu_rtp.h). Every length field read from the
 * packet is checked against the bytes actually present before it is used.
 */
#include "mcu_rtp.h"

#include <errno.h>

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int mcu_rtp_parse(const uint8_t *buf, size_t len, mcu_rtp_header *hdr, const uint8_t **payload,
	size_t *payload_len)
{
	if (!buf || !hdr || !payload || !payload_len || len < MCU_RTP_HEADER_LEN)
		return -EPROTO;
	if ((buf[0] >> 6) != 2)
		return -EPROTO;
	hdr->padding = (buf[0] & 0x20) != 0;
	hdr->extension = (buf[0] & 0x10) != 0;
	hdr->csrc_count = buf[0] & 0x0f;
	hdr->marker = (buf[1] & 0x80) != 0;
	hdr->pt = buf[1] & 0x7f;
	hdr->seq = rd16(buf + 2);
	hdr->ts = rd32(buf + 4);
	hdr->ssrc = rd32(buf + 8);

	size_t off = MCU_RTP_HEADER_LEN + 4u * hdr->csrc_count;
	if (off > len)
		return -EPROTO;
	if (hdr->extension) {
		/* RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then data. */
		if (len - off < 4)
			return -EPROTO;
		size_t ext_words = rd16(buf + off + 2);
		off += 4;
		if (ext_words * 4 > len - off)
			return -EPROTO;
		off += ext_words * 4;
	}
	size_t end = len;
	if (hdr->padding) {
		/* The last byte counts the padding bytes, itself included. */
		uint8_t pad = buf[len - 1];
		if (pad == 0 || pad > end - off)
			return -EPROTO;
		end -= pad;
	}
	if (end <= off)
		return -EPROTO;
	*payload = buf + off;
	*payload_len = end - off;
	return 0;
}

int mcu_rtp_write_header(
	uint8_t *buf, size_t cap, bool marker, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	if (!buf || cap < MCU_RTP_HEADER_LEN)
		return -ENOSPC;
	buf[0] = 0x80;
	buf[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[4] = (uint8_t)(ts >> 24);
	buf[5] = (uint8_t)(ts >> 16);
	buf[6] = (uint8_t)(ts >> 8);
	buf[7] = (uint8_t)ts;
	buf[8] = (uint8_t)(ssrc >> 24);
	buf[9] = (uint8_t)(ssrc >> 16);
	buf[10] = (uint8_t)(ssrc >> 8);
	buf[11] = (uint8_t)ssrc;
	return 0;
}

int mcu_rtp_audio_level(const uint8_t *buf, size_t len, int ext_id)
{
	if (!buf || len < MCU_RTP_HEADER_LEN || ext_id < 1 || ext_id > 14 || (buf[0] >> 6) != 2
		|| !(buf[0] & 0x10))
		return -1;
	size_t off = MCU_RTP_HEADER_LEN + 4u * (buf[0] & 0x0f);
	if (off > len || len - off < 4 || rd16(buf + off) != 0xBEDE)
		return -1; /* only RFC 8285 one-byte headers carry it in practice */
	size_t end = off + 4 + 4u * rd16(buf + off + 2);
	if (end > len)
		return -1;
	for (size_t i = off + 4; i < end;) {
		uint8_t b = buf[i];
		if (b == 0) { /* padding between elements */
			i++;
			continue;
		}
		int id = b >> 4, elen = (b & 0x0f) + 1;
		if (id == 15)
			break; /* RFC 8285 §4.2: stop parsing */
		if (i + 1 + (size_t)elen > end)
			return -1;
		if (id == ext_id)
			return buf[i + 1] & 0x7f; /* RFC 6464: V bit, then the level in -dBov */
		i += 1 + (size_t)elen;
	}
	return -1;
}
