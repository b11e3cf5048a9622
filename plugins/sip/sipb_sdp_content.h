/*
 * sipb_sdp_content.h - which m= lines of a SIP endpoint's offer carry content sharing: the
 * video line marked a=content:slides (RFC 4796), the one marked a=content:main, and the
 * m=application BFCP line (RFC 8856). Lines are picked by their attributes, never by
 * position (room systems offer main and slides in either order). A thin layer over
 * plugins/bfcp's bfcp_sdp parser, so sipb_sdp.c needs no BFCP types.
 *
 * Threads: any; pure. Ownership: the result is plain data of the caller's.
 */
#ifndef TPAAS_SIPB_SDP_CONTENT_H
#define TPAAS_SIPB_SDP_CONTENT_H

#include <stddef.h>

typedef struct sipb_sdp_content {
	int slides_mline; /* the video line with a=content:slides (and a port), -1 when none */
	int main_mline;   /* a video line with a=content:main, -1 when none */
	int bfcp_mline;   /* the m=application ... BFCP line, -1 when none */
} sipb_sdp_content;

/* Never fails: an SDP without such lines gives -1 everywhere. */
void sipb_sdp_content_lines(const char *sdp, size_t len, sipb_sdp_content *out);

#endif
