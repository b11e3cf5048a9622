/*
 * sipb_call_refer.c - several nodes (vmr_cluster.h): a caller answered here whose room runs
 * on another live node (a lobby caller who dialled this node's IP and typed the meeting
 * number, or a call that raced a placement) is sent on with REFER (RFC 3515) to
 * sip:<room address>@<cluster_proxy>, Kamailio, which routes it to the room's node
 * (tpaas_route). Only when the INVITE's Allow lists REFER and cluster_proxy is set; the call
 * here ends once the REFER is answered. Otherwise the call ends with a cause in the log (no
 * media bridge between nodes: see docs/scale-out.md). The referred call is a new call to the
 * room: a room with a PIN asks for it again there.
 *
 * Threads: the UA's loop thread, as the rest of sipb_call.c.
 */
#include "sipb_ua_priv.h"

#include <errno.h>
#include <string.h>

int sipb_call_allows_refer(const sip_t *sip)
{
	if (sip == NULL || sip->sip_allow == NULL || sip->sip_allow->k_items == NULL)
		return 0;
	for (const char *const *m = sip->sip_allow->k_items; *m != NULL; m++)
		if (g_ascii_strcasecmp(*m, "REFER") == 0)
			return 1;
	return 0;
}

int sipb_call_refer_elsewhere(sipb_call *call)
{
	const char *proxy = call->ua->cfg.cluster_proxy;
	if (!call->allows_refer || proxy == NULL || call->outgoing || call->nh == NULL)
		return -ENOTSUP;
	char *target = g_strdup_printf("<sip:%s@%s>", call->room_address, proxy);
	nua_refer(call->nh, SIPTAG_REFER_TO_STR(target), TAG_END());
	vmr_log(VMR_LOG_INFO,
		"[sipbridge] call %" G_GUINT64_FORMAT " from %s: room %s runs on another node, "
		"REFER to %s",
		call->member.id, call->caller, call->room_address, target);
	g_free(target);
	call->referred = 1;
	return 0;
}

void sipb_call_refer_answered(sipb_call *call, int status)
{
	if (!call->referred || status < 200)
		return;
	call->referred = 0;
	sipb_call_hangup(call, status < 300 ? "referred to the room's node" : "REFER refused");
}
