/*
 * fuzz_h264_rtp.c - libFuzzer harness of the H.264 RTP depacketizer (RFC 6184 assembler)
 * fed with a stream of RTP packets (fuzz_records.h framing; each record is one RTP
 * packet). Flag bit 0 of a record: pop the complete frames after pushing it (else let
 * packets pile up).
 * Checks: push accepts exactly what mcu_h264_payload_check accepts; every popped frame is
 * within bounds, is Annex B, and its key frame flag matches its NAL units; the SPS reader
 * runs on every SPS in it; the packetizer cuts every popped frame (both modes) into
 * payloads that the checker accepts and that fit their size.
 */
#include "mcu_h264_rtp.h"
#include "mcu_h264_sps.h"
#include "mcu_rtp.h"
#include "fuzz_records.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PAYLOAD 1200

static void check_frame(const mcu_h264_frame *f)
{
	FUZZ_ASSERT(f->data != NULL && f->len > 4 && f->len <= MCU_H264_MAX_FRAME);
	FUZZ_ASSERT(f->data[0] == 0 && f->data[1] == 0 && f->data[2] == 0 && f->data[3] == 1);
	size_t pos = 0;
	const uint8_t *nal;
	size_t nlen;
	bool idr = false;
	while (mcu_h264_annexb_next(f->data, f->len, &pos, &nal, &nlen)) {
		FUZZ_ASSERT(nal >= f->data && nal + nlen <= f->data + f->len);
		unsigned type = nal[0] & 0x1f;
		idr = idr || type == MCU_H264_NAL_IDR;
		if (type == MCU_H264_NAL_SPS) {
			mcu_h264_sps sps;
			if (mcu_h264_sps_parse(nal, nlen, &sps) == 0)
				FUZZ_ASSERT(sps.width >= 16 && sps.height >= 16
					&& sps.width <= 16384 && sps.height <= 16384);
		}
	}
	/* A NAL unit hidden behind an emulated start code in hostile data can make the scan
	 * see an IDR the assembler did not; never the other way round. */
	FUZZ_ASSERT(!f->keyframe || idr);
	for (int mode = 0; mode < 2; mode++) {
		size_t count = 0;
		int rc = mcu_h264_packetize(
			f->data, f->len, mode, MAX_PAYLOAD, NULL, 0, SIZE_MAX, NULL, &count);
		FUZZ_ASSERT(rc == 0 || rc == -EMSGSIZE || rc == -EINVAL);
		if (rc < 0 || count == 0 || count > 4096)
			continue;
		uint8_t *out = malloc(count * MAX_PAYLOAD);
		size_t *lens = malloc(count * sizeof(size_t));
		FUZZ_ASSERT(out && lens);
		size_t got = 0;
		FUZZ_ASSERT(mcu_h264_packetize(f->data, f->len, mode, MAX_PAYLOAD, out, MAX_PAYLOAD,
				    count, lens, &got)
			== 0);
		FUZZ_ASSERT(got == count);
		for (size_t i = 0; i < got; i++) {
			FUZZ_ASSERT(lens[i] > 0 && lens[i] <= MAX_PAYLOAD);
			FUZZ_ASSERT(mcu_h264_payload_check(out + i * MAX_PAYLOAD, lens[i]) == 0);
			if (mode == 0)
				FUZZ_ASSERT((out[i * MAX_PAYLOAD] & 0x1f) <= 23);
		}
		free(out);
		free(lens);
	}
}

static void pop_all(mcu_h264_assembler *a)
{
	mcu_h264_frame f;
	int rc;
	while ((rc = mcu_h264_assembler_pop(a, &f)) == 0)
		check_frame(&f);
	FUZZ_ASSERT(rc == -EAGAIN);
	(void)mcu_h264_assembler_take_lost(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mcu_h264_assembler *a;
	FUZZ_ASSERT(mcu_h264_assembler_new(&a) == 0);
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
			int check = mcu_h264_payload_check(payload, plen);
			int rc = mcu_h264_assembler_push(a, h.seq, h.ts, h.marker, payload, plen);
			FUZZ_ASSERT(rc == check);
			if (flags & 1)
				pop_all(a);
		}
		free(pkt);
	}
	pop_all(a);
	mcu_h264_assembler_free(a);
	return 0;
}
