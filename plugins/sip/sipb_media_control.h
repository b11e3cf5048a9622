/*
 * sipb_media_control.h - RFC 5168 XML schema for media control: the SIP INFO that asks for a
 * video key frame (`picture_fast_update`) from endpoints that do no RTCP feedback (many room
 * systems). We act on it when a caller sends it, and send it to a caller whose video input
 * broke (loss, decoder error) when it negotiated no RTCP feedback (sipb_sdp: rtcp-fb).
 *
 * Threads: pure. Ownership: the caller's buffers; the body is a static string.
 */
#ifndef TPAAS_SIPB_MEDIA_CONTROL_H
#define TPAAS_SIPB_MEDIA_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#define SIPB_MEDIA_CONTROL_TYPE "application/media_control+xml"

/* True when an INFO's body (content_type as in the header, parameters allowed) asks for a
 * key frame: application/media_control+xml with a picture_fast_update element inside
 * media_control. Hostile input: any bytes, len bounded (bodies over 4 KiB are refused). */
bool sipb_media_control_is_fast_update(const char *content_type, const char *body, size_t len);

/* The body of our own request (RFC 5168 §4, the whole stream, no stream id). */
const char *sipb_media_control_fast_update_body(void);

#endif
