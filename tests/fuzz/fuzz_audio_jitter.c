/*
 * fuzz_audio_jitter.c - libFuzzer harness of the audio jitter queue driven by a stream of
 * operations (fuzz_records.h framing). Flag bit 0 clear: put; the record is a 16-bit
 * big-endian sequence number then the packet bytes (any length, any content). Bit 0 set:
 * get, into a buffer of MCU_OPUS_MAX_PACKET bytes, or of (flags >> 2) bytes when bit 1 is
 * set. After each operation the queue's structure is checked.
 */
#include "mcu_audio_jitter.h"
#include "fuzz_records.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_queue(const mcu_audio_jitter *j)
{
	FUZZ_ASSERT(j->n <= MCU_JITTER_SLOTS);
	bool used[MCU_JITTER_SLOTS] = { false };
	for (unsigned i = 0; i < j->n; i++) {
		unsigned s = j->order[i];
		FUZZ_ASSERT(s < MCU_JITTER_SLOTS && !used[s]);
		used[s] = true;
		FUZZ_ASSERT(j->slot[s].len > 0 && j->slot[s].len <= MCU_OPUS_MAX_PACKET);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* On the heap, exactly sized: an index running off the slot arrays' end is caught. */
	mcu_audio_jitter *j = malloc(sizeof(*j));
	FUZZ_ASSERT(j);
	mcu_audio_jitter_init(j);
	fuzz_reader r;
	fuzz_reader_init(&r, data, size);
	uint8_t flags;
	uint8_t *rec;
	size_t len;
	while (fuzz_record_next(&r, &flags, &rec, &len)) {
		if (!(flags & 1)) {
			if (len >= 2) {
				uint16_t seq = (uint16_t)((rec[0] << 8) | rec[1]);
				int rc = mcu_audio_jitter_put(j, seq, rec + 2, len - 2);
				FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
				FUZZ_ASSERT(
					rc == 0 || len - 2 == 0 || len - 2 > MCU_OPUS_MAX_PACKET);
			}
		} else {
			size_t cap = (flags & 2) ? (size_t)(flags >> 2) : MCU_OPUS_MAX_PACKET;
			uint8_t *out = malloc(cap ? cap : 1);
			FUZZ_ASSERT(out);
			size_t got = 0;
			int rc = mcu_audio_jitter_get(j, out, cap, &got);
			FUZZ_ASSERT(rc == 1 || rc == 0 || rc == -EAGAIN || rc == -ENOSPC);
			if (rc == 1)
				FUZZ_ASSERT(got > 0 && got <= cap);
			free(out);
		}
		free(rec);
		check_queue(j);
	}
	free(j);
	return 0;
}
