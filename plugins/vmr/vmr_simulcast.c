/*
 * vmr_simulcast.c - a browser's simulcast video (vmr_simulcast.h). What Janus read from the
 * offer is still the client's word: every value is type- and range-checked, and anything
 * malformed leaves the participant without simulcast (its packets then take the plain path).
 */
#include <string.h>

#include "debug.h"
#include "rtp.h"

#include "vmr_plugin_priv.h"
#include "vmr_simulcast.h"

gint vmr_simulcast_enabled = 1;

void vmr_simulcast_from_jsep(vmr_simulcast *sc, const json_t *jsep)
{
	memset(sc, 0, sizeof(*sc));
	if (!g_atomic_int_get(&vmr_simulcast_enabled) || !json_is_object(jsep))
		return;
	/* Only video simulcasts: the first entry is the video stream's. */
	json_t *m = json_array_get(json_object_get(jsep, "simulcast"), 0);
	json_t *rids = json_object_get(m, "rids"), *ssrcs = json_object_get(m, "ssrcs");
	size_t n;
	if (json_is_array(rids) && (n = json_array_size(rids)) >= 2) {
		json_t *ext = json_object_get(m, "rid-ext");
		json_int_t id = json_is_integer(ext) ? json_integer_value(ext) : 0;
		if (id <= 0 || id > 255)
			return; /* no way to tell the layers' packets apart */
		n = MIN(n, (size_t)MCU_SIMULCAST_LAYERS);
		for (size_t i = 0; i < n; i++) {
			/* Janus lists the largest first: our layer 0 is the last. */
			const char *rid = json_string_value(json_array_get(rids, n - 1 - i));
			size_t len = rid ? strlen(rid) : 0;
			if (len == 0 || len >= VMR_SIMULCAST_RID_LEN) {
				memset(sc, 0, sizeof(*sc));
				return;
			}
			memcpy(sc->rid[i], rid, len + 1);
		}
		sc->rid_ext_id = (int)id;
		sc->layers = (int)n;
	} else if (json_is_array(ssrcs) && (n = json_array_size(ssrcs)) >= 2) {
		n = MIN(n, (size_t)MCU_SIMULCAST_LAYERS);
		for (size_t i = 0; i < n; i++) {
			json_t *v = json_array_get(ssrcs, i);
			json_int_t ssrc = json_is_integer(v) ? json_integer_value(v) : 0;
			if (ssrc <= 0 || ssrc > G_MAXUINT32) {
				memset(sc, 0, sizeof(*sc));
				return;
			}
			sc->ssrc[i] = (uint32_t)ssrc;
		}
		sc->layers = (int)n;
	}
}

int vmr_simulcast_layer(vmr_simulcast *sc, const char *buf, int len)
{
	if (sc->layers == 0 || len < 12)
		return -1;
	uint32_t ssrc = ntohl(((const janus_rtp_header *)buf)->ssrc);
	for (int i = 0; i < sc->layers; i++)
		if (sc->ssrc[i] && sc->ssrc[i] == ssrc)
			return i;
	if (sc->rid_ext_id <= 0)
		return -1;
	/* A new SSRC: its first packets name their rid (RFC 8852). */
	char rid[VMR_SIMULCAST_RID_LEN];
	if (janus_rtp_header_extension_parse_rid((char *)buf, len, sc->rid_ext_id, rid, sizeof(rid))
		!= 0)
		return -1;
	for (int i = 0; i < sc->layers; i++)
		if (strcmp(sc->rid[i], rid) == 0) {
			sc->ssrc[i] = ssrc;
			return i;
		}
	return -1;
}

void vmr_simulcast_request_keyframe(void *opaque, int layer)
{
	(void)layer; /* Janus 1.x: a PLI goes to every layer of the stream (see the header) */
	io_request_keyframe(opaque);
}

json_t *vmr_simulcast_stats_json(mcu_participant *p)
{
	mcu_simulcast_stats st;
	mcu_participant_get_simulcast_stats(p, &st);
	if (st.layers_seen == 0)
		return NULL;
	json_t *layers = json_array();
	for (int i = 0; i < MCU_SIMULCAST_LAYERS; i++)
		json_array_append_new(layers,
			json_pack("{sisisIsI}", "width", st.layer_width[i], "height",
				st.layer_height[i], "packets_in", (json_int_t)st.packets_in[i],
				"frames_decoded", (json_int_t)st.frames_decoded[i]));
	return json_pack("{sisisisisisIsIso}", "layers_seen", st.layers_seen, "layer", st.layer,
		"target", st.target, "width", st.width, "height", st.height, "switches",
		(json_int_t)st.switches, "keyframes_requested", (json_int_t)st.keyframes_requested,
		"per_layer", layers);
}
