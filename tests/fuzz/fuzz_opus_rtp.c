/*
 * fuzz_opus_rtp.c - libFuzzer harness of the Opus RTP payload check (RFC 7587, RFC 6716
 * §3.2 TOC and frame lengths): the input is one RTP payload. A payload the check accepts
 * must decode (project decoder wrapper, as the mixer does) to the duration the check
 * announced, and must survive packetize + RTP parse unchanged.
 */
#include "mcu_opus_rtp.h"
#include "mcu_audio_codec.h"
#include "mcu_rtp.h"
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int samples = -1;
	if (mcu_opus_rtp_check(data, size, &samples) != 0)
		return 0;
	FUZZ_ASSERT(size > 0 && size <= MCU_OPUS_MAX_PACKET);
	FUZZ_ASSERT(samples > 0 && samples <= MCU_OPUS_MAX_SAMPLES);

	/* A fresh decoder per input keeps runs reproducible. */
	mcu_opus_dec *dec;
	FUZZ_ASSERT(mcu_opus_dec_new(&dec) == 0);
	static int16_t pcm[MCU_OPUS_MAX_SAMPLES];
	int got = 0;
	if (mcu_opus_dec_decode(dec, data, size, pcm, MCU_OPUS_MAX_SAMPLES, &got) == 0)
		FUZZ_ASSERT(got == samples);
	mcu_opus_dec_free(dec);

	uint8_t rtp[MCU_RTP_HEADER_LEN + MCU_OPUS_MAX_PACKET];
	size_t rlen = 0;
	FUZZ_ASSERT(
		mcu_opus_rtp_packetize(rtp, sizeof(rtp), 111, 7, 960, 0xabcdef01, data, size, &rlen)
		== 0);
	FUZZ_ASSERT(rlen == MCU_RTP_HEADER_LEN + size);
	mcu_rtp_header h;
	const uint8_t *payload;
	size_t plen;
	FUZZ_ASSERT(mcu_rtp_parse(rtp, rlen, &h, &payload, &plen) == 0);
	FUZZ_ASSERT(h.pt == 111 && h.seq == 7 && h.ts == 960 && h.ssrc == 0xabcdef01);
	FUZZ_ASSERT(plen == size && memcmp(payload, data, size) == 0);
	return 0;
}
