/*
 * sipb_sdp_content.c - see sipb_sdp_content.h.
 */
#include "sipb_sdp_content.h"

#include "bfcp_sdp.h"

void sipb_sdp_content_lines(const char *sdp, size_t len, sipb_sdp_content *out)
{
	out->slides_mline = out->main_mline = out->bfcp_mline = -1;
	bfcp_sdp_offer o;
	if (sdp == NULL || !bfcp_sdp_parse(sdp, len, &o))
		return;
	int v = bfcp_sdp_slides_video(&o);
	if (v >= 0)
		out->slides_mline = o.videos[v].mline;
	for (size_t i = 0; i < o.n_videos; i++)
		if ((o.videos[i].content & BFCP_CONTENT_MAIN) && out->main_mline < 0
			&& o.videos[i].mline != out->slides_mline)
			out->main_mline = o.videos[i].mline;
	if (o.present)
		out->bfcp_mline = o.mline;
}
