/*
 * fuzz_vp8_desc.c - libFuzzer harness of the RFC 7741 payload descriptor parser and of the
 * packetizer/assembler round trip.
 *
 * The whole input is first parsed as one RTP payload (descriptor + VP8 data). Then byte 0
 * picks a payload size and a starting sequence number, the rest is taken as a VP8 frame:
 * it is packetized, the packets are pushed into a fresh assembler in order and into another
 * one in reverse order, and both must give back exactly the frame, with no loss counted.
 */
#include "mcu_vp8_rtp.h"
#include "mcu_rtp.h"
#include "fuzz_records.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The assembler holds at most 1024 packets; stay well below. */
#define MAX_PACKETS 256

static void check_desc(const uint8_t *data, size_t size)
{
	mcu_vp8_desc d;
	if (mcu_vp8_desc_parse(data, size, &d) != 0)
		return;
	/* At most 1 + X + 2 (PictureID) + TL0PICIDX + TID/KEYIDX, and data must follow. */
	FUZZ_ASSERT(d.len >= 1 && d.len <= 6 && d.len < size);
	FUZZ_ASSERT(d.partition_id <= 7 && d.tid <= 3 && d.keyidx <= 31);
	FUZZ_ASSERT(d.picture_id_15bit ? d.picture_id <= 0x7fff : d.picture_id <= 0x7f);
	(void)mcu_vp8_is_keyframe(data + d.len, size - d.len);
}

static void check_frame(mcu_vp8_assembler *a, const uint8_t *frame, size_t len, uint32_t ts)
{
	mcu_vp8_frame f;
	FUZZ_ASSERT(mcu_vp8_assembler_pop(a, &f) == 0);
	FUZZ_ASSERT(f.len == len && memcmp(f.data, frame, len) == 0 && f.ts == ts);
	FUZZ_ASSERT(f.keyframe == mcu_vp8_is_keyframe(frame, len));
	FUZZ_ASSERT(mcu_vp8_assembler_pop(a, &f) == -EAGAIN);
	FUZZ_ASSERT(mcu_vp8_assembler_take_lost(a) == 0);
}

static void round_trip(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	size_t max_payload = MCU_VP8_DESC_LEN + 1 + data[0];
	/* Start near the 16-bit wrap for some inputs. */
	uint16_t seq0 = (uint16_t)(0xfff0 + (data[0] & 0x1f));
	const uint32_t ts = 0x12345678;
	const uint8_t *frame = data + 1;
	size_t len = size - 1;
	size_t n = mcu_vp8_packet_count(len, max_payload);
	FUZZ_ASSERT(n >= 1);
	if (n > MAX_PACKETS)
		return;

	uint8_t *pkt[MAX_PACKETS];
	size_t plen[MAX_PACKETS];
	bool mark[MAX_PACKETS];
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		pkt[i] = malloc(max_payload);
		FUZZ_ASSERT(pkt[i]);
		int rc = mcu_vp8_packetize(frame, len, 0x1234, max_payload, i, pkt[i], max_payload,
			&plen[i], &mark[i]);
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(plen[i] > MCU_VP8_DESC_LEN && plen[i] <= max_payload);
		FUZZ_ASSERT(mark[i] == (i == n - 1));
		mcu_vp8_desc d;
		FUZZ_ASSERT(mcu_vp8_desc_parse(pkt[i], plen[i], &d) == 0);
		FUZZ_ASSERT(
			d.len == MCU_VP8_DESC_LEN && d.start == (i == 0) && d.partition_id == 0);
		FUZZ_ASSERT(d.has_picture_id && d.picture_id_15bit && d.picture_id == 0x1234);
		total += plen[i] - MCU_VP8_DESC_LEN;
	}
	FUZZ_ASSERT(total == len);
	uint8_t scratch[1];
	size_t sl;
	bool sm;
	FUZZ_ASSERT(
		mcu_vp8_packetize(frame, len, 0, max_payload, n, scratch, sizeof(scratch), &sl, &sm)
		== -EINVAL);

	mcu_vp8_assembler *fwd, *rev;
	FUZZ_ASSERT(mcu_vp8_assembler_new(&fwd) == 0 && mcu_vp8_assembler_new(&rev) == 0);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(mcu_vp8_assembler_push(
				    fwd, (uint16_t)(seq0 + i), ts, mark[i], pkt[i], plen[i])
			== 0);
		size_t j = n - 1 - i;
		FUZZ_ASSERT(mcu_vp8_assembler_push(
				    rev, (uint16_t)(seq0 + j), ts, mark[j], pkt[j], plen[j])
			== 0);
	}
	check_frame(fwd, frame, len, ts);
	check_frame(rev, frame, len, ts);
	mcu_vp8_assembler_free(fwd);
	mcu_vp8_assembler_free(rev);
	for (size_t i = 0; i < n; i++)
		free(pkt[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_desc(data, size);
	(void)mcu_vp8_is_keyframe(data, size);
	round_trip(data, size);
	return 0;
}
