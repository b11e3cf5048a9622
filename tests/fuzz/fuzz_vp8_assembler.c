/*
 * fuzz_vp8_assembler.c - libFuzzer harness of the VP8 frame assembler fed with a stream of
 * RTP packets (fuzz_records.h framing; each record is one RTP packet). Flag bit 0 of a
 * record: pop the complete frames after pushing it (else let packets pile up).
 * Checks every popped frame: size bounds, key frame flag consistent with its data.
 */
#include "mcu_vp8_rtp.h"
#include "mcu_rtp.h"
#include "fuzz_records.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pop_all(mcu_vp8_assembler *a)
{
	mcu_vp8_frame f;
	int rc;
	while ((rc = mcu_vp8_assembler_pop(a, &f)) == 0) {
		FUZZ_ASSERT(f.data != NULL && f.len > 0 && f.len <= MCU_VP8_MAX_FRAME);
		volatile uint8_t sink = f.data[0] ^ f.data[f.len - 1];
		(void)sink;
		FUZZ_ASSERT(f.keyframe == mcu_vp8_is_keyframe(f.data, f.len));
	}
	FUZZ_ASSERT(rc == -EAGAIN);
	(void)mcu_vp8_assembler_take_lost(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mcu_vp8_assembler *a;
	FUZZ_ASSERT(mcu_vp8_assembler_new(&a) == 0);
	fuzz_reader r;
	fuzz_reader_init(&r, data, size);
	uint8_t flags;
	uint8_t *pkt;
	size_t len;
	while (fuzz_record_next(&r, &flags, &pkt, &len)) {
		mcu_rtp_header h;
		const uint8_t *payload;
		size_t plen;
		if (mcu_rtp_parse(pkt, len, &h, &payload, &plen) == 0) {
			int rc = mcu_vp8_assembler_push(a, h.seq, h.ts, h.marker, payload, plen);
			FUZZ_ASSERT(rc == 0 || rc == -EPROTO);
			if (flags & 1)
				pop_all(a);
		}
		free(pkt);
	}
	pop_all(a);
	mcu_vp8_assembler_free(a);
	return 0;
}
