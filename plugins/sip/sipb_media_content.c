/*
 * sipb_media_content.c - see sipb_media_content.h.
 */
#include "sipb_media_content.h"

#include <errno.h>

#if __has_include("mcu_content.h")
#include "mcu_content.h"
#define HAVE_MCU_CONTENT 1
#else
#define HAVE_MCU_CONTENT 0
#endif

int sipb_media_content_available(void)
{
	return HAVE_MCU_CONTENT;
}

#if HAVE_MCU_CONTENT
void sipb_media_content_io(mcu_participant_io *io, void (*request_content_keyframe)(void *))
{
	io->request_content_keyframe = request_content_keyframe;
}

int sipb_media_content_present(mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, bool on)
{
	if (!on) {
		mcu_participant_stop_presenting(p);
		return 0;
	}
	return mcu_participant_present(p, codec, pt);
}

void sipb_media_content_incoming_rtp(mcu_participant *p, const uint8_t *buf, size_t len)
{
	mcu_participant_incoming_content_rtp(p, buf, len);
}

int sipb_media_content_receive(
	mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, int h264_mode)
{
	return mcu_participant_receive_content(p, codec, pt, h264_mode);
}

void sipb_media_content_keyframe_request(mcu_participant *p)
{
	mcu_participant_content_keyframe_request(p);
}

void *sipb_media_content_presenter(mcu_room *room)
{
	return mcu_room_content_presenter(room);
}

char *sipb_media_content_presenter_name(mcu_room *room)
{
	return mcu_room_content_presenter_name(room);
}
#else
void sipb_media_content_io(mcu_participant_io *io, void (*request_content_keyframe)(void *))
{
	(void)io;
	(void)request_content_keyframe;
}

int sipb_media_content_present(mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, bool on)
{
	(void)p;
	(void)codec;
	(void)pt;
	return on ? -ENOTSUP : 0;
}

void sipb_media_content_incoming_rtp(mcu_participant *p, const uint8_t *buf, size_t len)
{
	(void)p;
	(void)buf;
	(void)len;
}

int sipb_media_content_receive(
	mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, int h264_mode)
{
	(void)p;
	(void)codec;
	(void)pt;
	(void)h264_mode;
	return -ENOTSUP;
}

void sipb_media_content_keyframe_request(mcu_participant *p)
{
	(void)p;
}

void *sipb_media_content_presenter(mcu_room *room)
{
	(void)room;
	return NULL;
}

char *sipb_media_content_presenter_name(mcu_room *room)
{
	(void)room;
	return NULL;
}
#endif
