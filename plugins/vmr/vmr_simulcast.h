/*
 * vmr_simulcast.h - a browser's simulcast video in janus.plugin.vmr: what the offer says
 * (RFC 8853 a=simulcast with RFC 8851 a=rid and the rtp-stream-id header extension, or the
 * older a=ssrc-group:SIM; the Janus core reads them, strips them from the SDP it gives
 * plugins and hands them over as the jsep's "simulcast" list, largest layer first for rids
 * in the order the page's "rid_order" names), which layer each incoming video packet belongs
 * to (the SSRC, learnt from the rid extension on a stream's first packets), and the MCU's
 * choice for the Admin API. Layer 0 is the smallest as far as the offer tells; the MCU
 * learns each layer's real size from its key frames anyway (mcu_simulcast.h).
 *
 * Key frames: Janus 1.x has no plugin call for a PLI to one simulcast SSRC (send_pli and a
 * relayed PLI go to every layer of the stream), so a layer's key frame request is a PLI for
 * the stream; the MCU rate-limits them.
 *
 * Threads: vmr_simulcast_from_jsep on the worker (before the state is published under the
 * session's mutex); vmr_simulcast_layer on the handle's loop thread under the session's
 * mutex. Ownership: plain values, no allocation.
 */
#ifndef TPAAS_VMR_SIMULCAST_H
#define TPAAS_VMR_SIMULCAST_H

#include <glib.h>
#include <jansson.h>
#include <stdint.h>

#include "mcu_simulcast.h"

#define VMR_SIMULCAST_RID_LEN 16

typedef struct vmr_simulcast {
	int layers; /* 0: the participant does not simulcast */
	char rid[MCU_SIMULCAST_LAYERS][VMR_SIMULCAST_RID_LEN]; /* rid-based; "" SSRC-based */
	uint32_t ssrc[MCU_SIMULCAST_LAYERS]; /* from a=ssrc-group:SIM, or learnt from the rid */
	int rid_ext_id;                      /* rtp-stream-id extension id, 0 none */
} vmr_simulcast;

/* janus.plugin.vmr.jcfg general.simulcast (default true): browsers are asked for simulcast. */
extern gint vmr_simulcast_enabled;

/* Reads the simulcast of an offer from its jsep (the core's "simulcast" list) into sc (zeroed
 * first; layers stays 0 when simulcast is off in the configuration, the offer has none or
 * only one layer, or the list is malformed). */
void vmr_simulcast_from_jsep(vmr_simulcast *sc, const json_t *jsep);
/* The layer of one incoming video RTP packet, -1 when unknown (not yet mapped, not ours). */
int vmr_simulcast_layer(vmr_simulcast *sc, const char *buf, int len);
/* The MCU's io callback for a layer's key frame (opaque: the vmr_session). */
void vmr_simulcast_request_keyframe(void *opaque, int layer);
/* The MCU's simulcast figures of p for the Admin API, NULL when p does not simulcast. */
json_t *vmr_simulcast_stats_json(mcu_participant *p);

#endif
