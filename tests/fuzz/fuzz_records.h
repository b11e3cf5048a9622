/*
 * fuzz_records.h - what the fuzz harnesses share: an assertion that aborts (so libFuzzer
 * saves the input) and the framing of the harnesses that take a stream of packets.
 *
 * A stream input is a sequence of records: 1 flag byte, a 16-bit big-endian length, then
 * that many bytes; the last record is clipped to what is left. One input can so carry a
 * whole VP8 frame split over packets, or audio interleaved with video. make_seeds.c writes
 * records with fuzz_record_append().
 *
 * Ownership: fuzz_record_next() hands out a fresh heap copy of each record (free() it):
 * an exact-size buffer lets AddressSanitizer catch a parser reading past the end of one
 * packet, which it would not if the packet stayed inside the larger input.
 */
#ifndef TPAAS_FUZZ_RECORDS_H
#define TPAAS_FUZZ_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define FUZZ_RECORD_HDR 3

typedef struct fuzz_reader {
	const uint8_t *p;
	size_t left;
} fuzz_reader;

static inline void fuzz_reader_init(fuzz_reader *r, const uint8_t *data, size_t size)
{
	r->p = data;
	r->left = size;
}

/* Takes the next record: *flags, and a malloc'ed copy in *data (*len bytes, possibly 0;
 * *data is never NULL on success). Returns false at the end of the input. */
static inline bool fuzz_record_next(fuzz_reader *r, uint8_t *flags, uint8_t **data, size_t *len)
{
	if (r->left < FUZZ_RECORD_HDR)
		return false;
	*flags = r->p[0];
	size_t n = ((size_t)r->p[1] << 8) | r->p[2];
	r->p += FUZZ_RECORD_HDR;
	r->left -= FUZZ_RECORD_HDR;
	if (n > r->left)
		n = r->left;
	uint8_t *copy = malloc(n ? n : 1);
	if (!copy)
		abort();
	memcpy(copy, r->p, n);
	r->p += n;
	r->left -= n;
	*data = copy;
	*len = n;
	return true;
}

#endif
