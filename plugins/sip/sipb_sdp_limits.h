/*
 * sipb_sdp_limits.h - what a SIP endpoint's video m-line says it can take, for its
 * bandwidth tier (mcu_tiers.h): b=AS / b=TIAS (media level, else session level), the chosen
 * H.264 format's level (profile-level-id) and max-fs, and the imageattr recv size
 * (RFC 6236) of the chosen format or "*". Hostile input: anything unparsable is ignored
 * (no limit from it), numbers are bounded.
 *
 * The b= lines are read from the SDP text: Sofia-SIP 1.12.11 (Debian) mixes up its
 * modifiers (b=AS comes out as "unknown, named AS", b=TIAS and any X- modifier as sdp_bw_as
 * without a name), so its parse cannot tell AS from TIAS.
 *
 * Threads: pure. Ownership: reads Sofia's parsed SDP, fills the caller's struct.
 */
#ifndef TPAAS_SIPB_SDP_LIMITS_H
#define TPAAS_SIPB_SDP_LIMITS_H

#include <sofia-sip/sdp.h>

#include "mcu_tiers.h"

/* out is zeroed first; max_kbps is left 0 (sipb_sdp_text_bandwidth gives it). pt and fmtp:
 * the chosen format (fmtp may be NULL); is_h264 whether it is H.264 (the level is read only
 * then). */
void sipb_sdp_video_limits(
	const sdp_media_t *m, int pt, const char *fmtp, int is_h264, mcu_video_limits *out);

/* The smallest b=AS (kbit/s) or b=TIAS (bit/s, in kbit/s) of the mline-th (0-based) m=
 * section of an SDP text, else of its session level; 0 when none. */
int sipb_sdp_text_bandwidth(const char *sdp, size_t len, int mline);

/* The largest x and y of the first recv set of an imageattr value for pt ("96 send [..]
 * recv [x=640,y=360]", "* recv [x=[320:1280],y=[180:720]]"); 0 and 0 when none. */
void sipb_sdp_imageattr_recv(const char *value, int pt, int *max_w, int *max_h);

#endif
