/*
 * fuzz_rtcp.c - libFuzzer harness of sipb_rtcp_parse() (the SIP bridge's walk over a
 * caller's RTCP compound packet, RFC 3550 §6 / RFC 4585 §6.3.1 / RFC 5104): the input is one
 * (SRTCP-decrypted) datagram as the network delivers it, in an exact-size heap copy.
 *
 * Checks: an accepted packet is all RTCP version 2 and its sub-packets tile the buffer
 * exactly (recomputed here), the SR and keyframe flags agree with what the packets hold;
 * a refused one leaves the result zeroed except for what was counted before the refusal.
 * Also runs our own RR/SDES/PLI builder fed from the input and parses its output back.
 */
#include "sipb_rtcp.h"
#include "fuzz_records.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	sipb_rtcp_info info;
	memset(&info, 0x5a, sizeof(info));
	int rc = sipb_rtcp_parse(buf, size, &info);
	FUZZ_ASSERT(rc == 0 || rc == -EPROTO);

	/* Independent walk. */
	size_t off = 0;
	unsigned n = 0;
	bool ok = size >= 4, sr = false, kf = false;
	uint32_t sr_ssrc = 0;
	while (ok && off < size) {
		if (size - off < 4 || (buf[off] >> 6) != 2) {
			ok = false;
			break;
		}
		size_t plen = ((size_t)buf[off + 2] << 8 | buf[off + 3]) * 4 + 4;
		if (plen > size - off) {
			ok = false;
			break;
		}
		if (buf[off + 1] == 200 && plen >= 28) {
			sr = true;
			sr_ssrc = be32(buf + off + 4);
		}
		if (buf[off + 1] == 206 && plen >= 12
			&& ((buf[off] & 0x1f) == 1 || (buf[off] & 0x1f) == 4))
			kf = true;
		n++;
		off += plen;
	}
	FUZZ_ASSERT((rc == 0) == ok);
	if (rc == 0) {
		FUZZ_ASSERT(off == size && info.packets == n && n >= 1);
		FUZZ_ASSERT(info.has_sr == sr && info.keyframe_request == kf);
		if (sr)
			FUZZ_ASSERT(info.sr_ssrc == sr_ssrc);
	} else {
		FUZZ_ASSERT(info.packets <= n);
	}
	if (size >= 2)
		(void)sipb_rtcp_looks_like(buf, size);

	/* The builder, driven by the input's first words, must produce what the parser takes. */
	if (size >= 12) {
		sipb_rtcp_rx rx;
		sipb_rtcp_rx_reset(&rx);
		int64_t t = 1000000;
		for (size_t i = 0; i + 12 <= size && i < 12 * 64; i += 12) {
			t += buf[i + 11] * 1000;
			sipb_rtcp_rx_packet(&rx, be32(buf + i) & 0x3,
				(uint16_t)(buf[i + 4] << 8 | buf[i + 5]), be32(buf + i + 6), 8000,
				t);
		}
		uint8_t out[256];
		size_t len = 0;
		FUZZ_ASSERT(sipb_rtcp_build(&rx, 0x12345678, "fuzz@tpaas", buf[0] & 1, t, out,
				    sizeof(out), &len)
			== 0);
		FUZZ_ASSERT(len > 0 && len <= sizeof(out) && len % 4 == 0);
		sipb_rtcp_info back;
		FUZZ_ASSERT(sipb_rtcp_parse(out, len, &back) == 0 && !back.has_sr);
		FUZZ_ASSERT(back.keyframe_request == ((buf[0] & 1) && rx.have));
		size_t small = 0;
		FUZZ_ASSERT(sipb_rtcp_build(&rx, 1, "x", true, t, out, 8, &small) == -ENOSPC);
	}
	free(buf);
	return 0;
}
