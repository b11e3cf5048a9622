/*
 * vmr_simulcast.c - a browser's simulcast video (vmr_simulcast.h). The offer is hostile
 * input: every attribute is read with bounded scans, unknown forms are ignored, and a
 * malformed list leaves the participant without simulcast (its packets then take the plain
 * path, as before simulcast).
 */
#include <stdio.h>
#include <string.h>

#include "debug.h"
#include "rtp.h"

#include "vmr_plugin_priv.h"
#include "vmr_simulcast.h"

gint vmr_simulcast_enabled = 1;

/* a=rid:<id> send [...]: the first token, if it is a send rid of a sane length. */
static gboolean rid_send(const char *value, char *rid)
{
	char dir[8];
	return sscanf(value, "%15s %7s", rid, dir) == 2 && strcmp(dir, "send") == 0;
}

static gboolean rid_known(const vmr_simulcast *sc, const char *rid)
{
	for (int i = 0; i < sc->layers; i++)
		if (strcmp(sc->rid[i], rid) == 0)
			return TRUE;
	return FALSE;
}

static void rid_add(vmr_simulcast *sc, const char *rid)
{
	size_t n = strlen(rid);
	if (n == 0 || n >= VMR_SIMULCAST_RID_LEN || sc->layers >= MCU_SIMULCAST_LAYERS
		|| rid_known(sc, rid))
		return;
	memcpy(sc->rid[sc->layers++], rid, n + 1);
}

/* a=simulcast:send q;h;f (RFC 8853; "~" paused, "," alternatives: the first is taken). */
static void simulcast_send_list(vmr_simulcast *sc, const char *value)
{
	const char *send = strstr(value, "send ");
	if (!send)
		return;
	gchar **streams = g_strsplit(send + 5, ";", 4);
	for (int i = 0; streams[i] && i < MCU_SIMULCAST_LAYERS; i++) {
		char rid[VMR_SIMULCAST_RID_LEN] = "";
		const char *s = streams[i];
		if (*s == '~')
			s++;
		size_t n = strcspn(s, ", ");
		if (n > 0 && n < sizeof(rid)) {
			memcpy(rid, s, n);
			rid[n] = '\0';
			rid_add(sc, rid);
		}
	}
	g_strfreev(streams);
}

void vmr_simulcast_from_offer(vmr_simulcast *sc, const janus_sdp_mline *m)
{
	memset(sc, 0, sizeof(*sc));
	if (!m)
		return;
	vmr_simulcast rids = { 0 };
	gboolean have_list = FALSE;
	for (GList *l = m->attributes; l; l = l->next) {
		const janus_sdp_attribute *a = l->data;
		if (!a->name || !a->value)
			continue;
		char rid[VMR_SIMULCAST_RID_LEN], uri[128];
		int id;
		if (strcmp(a->name, "simulcast") == 0 && !have_list) {
			simulcast_send_list(sc, a->value);
			have_list = sc->layers > 0;
		} else if (strcmp(a->name, "rid") == 0 && rid_send(a->value, rid)) {
			rid_add(&rids, rid);
		} else if (strcmp(a->name, "extmap") == 0
			&& sscanf(a->value, "%d %127s", &id, uri) == 2 && id > 0 && id < 256
			&& strcmp(uri, JANUS_RTP_EXTMAP_RID) == 0) {
			sc->rid_ext_id = id;
		} else if (strcmp(a->name, "ssrc-group") == 0 && strncmp(a->value, "SIM ", 4) == 0
			&& rids.layers == 0 && !have_list) {
			unsigned s0 = 0, s1 = 0, s2 = 0;
			int n = sscanf(a->value + 4, "%u %u %u", &s0, &s1, &s2);
			if (n >= 2) {
				sc->ssrc[0] = s0;
				sc->ssrc[1] = s1;
				sc->ssrc[2] = n == 3 ? s2 : 0;
				sc->layers = n;
			}
		}
	}
	if (have_list) {
		/* Every listed rid must be declared by a=rid ... send (RFC 8853 §5.2). */
		for (int i = 0; i < sc->layers; i++)
			if (!rid_known(&rids, sc->rid[i])) {
				memset(sc, 0, sizeof(*sc));
				return;
			}
		memset(sc->ssrc, 0, sizeof(sc->ssrc));
		if (sc->rid_ext_id == 0)
			sc->layers = 0; /* no way to tell the layers' packets apart */
	}
	int rid_id = sc->rid_ext_id;
	if (sc->layers < 2)
		memset(sc, 0, sizeof(*sc));
	else if (sc->rid[0][0] == '\0')
		sc->rid_ext_id = 0; /* SSRC-based */
	else
		sc->rid_ext_id = rid_id;
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
