/*
 * mcu_content.c - the room's content (mcu_content.h). Stub: the API links; the
 * implementation follows.
 */
#include "mcu_content.h"

#include <errno.h>
#include <string.h>

int mcu_participant_present(mcu_participant *p, mcu_video_codec_id codec, uint8_t pt)
{
	(void)pt;
	if (!p || (codec != MCU_VIDEO_VP8 && codec != MCU_VIDEO_H264))
		return -EINVAL;
	return 0;
}

void mcu_participant_stop_presenting(mcu_participant *p)
{
	(void)p;
}

void mcu_participant_incoming_content_rtp(mcu_participant *p, const uint8_t *buf, size_t len)
{
	(void)p;
	(void)buf;
	(void)len;
}

int mcu_participant_receive_content(
	mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, int h264_packetization_mode)
{
	(void)pt;
	if (!p || (unsigned)codec > MCU_VIDEO_NONE
		|| (h264_packetization_mode != 0 && h264_packetization_mode != 1))
		return -EINVAL;
	return 0;
}

void mcu_participant_content_keyframe_request(mcu_participant *p)
{
	(void)p;
}

void *mcu_room_content_presenter(mcu_room *room)
{
	(void)room;
	return NULL;
}

void mcu_participant_get_content_stats(mcu_participant *p, mcu_content_part_stats *out)
{
	(void)p;
	if (out)
		memset(out, 0, sizeof(*out));
}

void mcu_room_get_content_stats(mcu_room *room, mcu_content_room_stats *out)
{
	(void)room;
	if (out)
		memset(out, 0, sizeof(*out));
}
