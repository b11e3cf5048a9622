/*
 * fuzz_rtp.c - libFuzzer harness of mcu_rtp_parse() (RFC 3550 §5.1 fixed header, CSRCs,
 * header extension, padding): the input is one packet as the network delivers it.
 * Checks that the payload lies inside the packet, after the header and CSRCs, and that a
 * header written back from the parsed fields parses to the same fields.
 */
#include "mcu_rtp.h"
#include "fuzz_records.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mcu_rtp_header h;
	const uint8_t *payload = NULL;
	size_t plen = 0;
	if (mcu_rtp_parse(data, size, &h, &payload, &plen) != 0)
		return 0;
	FUZZ_ASSERT(h.pt < 128 && h.csrc_count < 16);
	FUZZ_ASSERT(payload >= data + MCU_RTP_HEADER_LEN + 4u * h.csrc_count);
	FUZZ_ASSERT(plen > 0 && plen <= size && payload + plen <= data + size);
	/* Touch both ends: AddressSanitizer checks they are inside the input buffer. */
	volatile uint8_t sink = payload[0] ^ payload[plen - 1];
	(void)sink;

	uint8_t again[MCU_RTP_HEADER_LEN + 1];
	FUZZ_ASSERT(mcu_rtp_write_header(
			    again, MCU_RTP_HEADER_LEN - 1, h.marker, h.pt, h.seq, h.ts, h.ssrc)
		== -ENOSPC);
	FUZZ_ASSERT(
		mcu_rtp_write_header(again, MCU_RTP_HEADER_LEN, h.marker, h.pt, h.seq, h.ts, h.ssrc)
		== 0);
	again[MCU_RTP_HEADER_LEN] = payload[0];
	mcu_rtp_header h2;
	const uint8_t *p2;
	size_t l2;
	FUZZ_ASSERT(mcu_rtp_parse(again, sizeof(again), &h2, &p2, &l2) == 0);
	FUZZ_ASSERT(h2.marker == h.marker && h2.pt == h.pt && h2.seq == h.seq && h2.ts == h.ts
		&& h2.ssrc == h.ssrc && h2.csrc_count == 0 && !h2.extension);
	FUZZ_ASSERT(l2 == 1 && p2 == again + MCU_RTP_HEADER_LEN);
	return 0;
}
