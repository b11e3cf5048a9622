/*
 * sipb_media_content.h - the MCU's content API (plugins/mcu/mcu_content.h, issue #13) as the
 * SIP call's media uses it: present / stop, the slides line's RTP in, the room's content
 * out to the slides line, key frame requests both ways, and the room's presenter. Built
 * without mcu_content.h (an MCU without content sharing) these do nothing and say so.
 *
 * Threads: any (the MCU's own locks); never called with sipb_media's `lock` held.
 */
#ifndef TPAAS_SIPB_MEDIA_CONTENT_H
#define TPAAS_SIPB_MEDIA_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcu_room.h"

/* 1 when the MCU has content sharing. */
int sipb_media_content_available(void);
/* Sets io's request_content_keyframe (when the MCU has it). */
void sipb_media_content_io(mcu_participant_io *io, void (*request_content_keyframe)(void *));
int sipb_media_content_present(mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, bool on);
void sipb_media_content_incoming_rtp(mcu_participant *p, const uint8_t *buf, size_t len);
int sipb_media_content_receive(
	mcu_participant *p, mcu_video_codec_id codec, uint8_t pt, int h264_mode);
void sipb_media_content_keyframe_request(mcu_participant *p);
/* The io.opaque of the room's presenter, or NULL. */
void *sipb_media_content_presenter(mcu_room *room);
/* That presenter's display name (g_free it), or NULL. */
char *sipb_media_content_presenter_name(mcu_room *room);

#endif
