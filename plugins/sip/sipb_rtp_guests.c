/*
 * sipb_rtp_guests.c - see sipb_rtp_guests.h.
 */
#include "sipb_rtp_guests.h"
#include "sipb_media.h"
#include "vmr_request.h"
#include "vmr_rooms.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

typedef struct rtp_guest {
	uint64_t id;
	char *room;
	char *display;
	sipb_media *media;
	mcu_room *mroom;
} rtp_guest;

static GMutex lock;
static GHashTable *guests; /* id (uint64 key) -> rtp_guest* */

static void guest_free(gpointer data)
{
	rtp_guest *g = data;
	sipb_media_free(g->media); /* leaves the room first */
	if (g->mroom) {
		vmr_rooms_member_remove(g->mroom, g->id);
		vmr_rooms_release(g->mroom);
	}
	g_free(g->room);
	g_free(g->display);
	g_free(g);
}

static json_t *error(int code, const char *reason)
{
	json_t *j = json_object();
	json_object_set_new(j, "sipbridge", json_string("event"));
	json_object_set_new(j, "error_code", json_integer(code));
	json_object_set_new(j, "error", json_string(reason));
	return j;
}

static json_t *add(const sipb_rtp_guests_config *cfg, vmr_store *store, json_t *request)
{
	const char *room = json_string_value(json_object_get(request, "room"));
	const char *display = json_string_value(json_object_get(request, "display"));
	const char *codec = json_string_value(json_object_get(request, "codec"));
	const char *ip = json_string_value(json_object_get(request, "ip"));
	json_t *jpt = json_object_get(request, "pt"), *jport = json_object_get(request, "port");
	if (room == NULL || codec == NULL || ip == NULL || !json_is_integer(jpt)
		|| !json_is_integer(jport))
		return error(VMR_ERROR_MISSING_ELEMENT, "needs room, codec, pt, ip and port");
	int pt = (int)json_integer_value(jpt), port = (int)json_integer_value(jport);
	const char *name = !g_ascii_strcasecmp(codec, "opus") ? "opus"
		: !g_ascii_strcasecmp(codec, "pcmu")          ? "PCMU"
		: !g_ascii_strcasecmp(codec, "pcma")          ? "PCMA"
							      : NULL;
	if (name == NULL || pt < 0 || pt > 127 || port <= 0 || port > 65535)
		return error(VMR_ERROR_INVALID_ELEMENT,
			"codec: opus, pcmu or pcma; pt 0-127; port 1-65535");
	if (display != NULL && !vmr_display_is_valid(display))
		return error(VMR_ERROR_INVALID_ELEMENT, "display: 1-64 printable characters");
	json_t *jfec = json_object_get(request, "fec");
	if (jfec != NULL && !json_is_boolean(jfec))
		return error(VMR_ERROR_INVALID_ELEMENT, "fec: true or false");
	vmr_room r;
	if (vmr_store_room_get_by_address(store, room, &r) != 0)
		return error(VMR_ERROR_NO_SUCH_ROOM, "no such room");
	rtp_guest *g = g_new0(rtp_guest, 1);
	g->room = g_strdup(room);
	g->display = g_strdup(display ? display : "RTP");
	sipb_media_config mc = { .local_ip = cfg->local_ip,
		.rtp_port_min = cfg->rtp_port_min,
		.rtp_port_max = cfg->rtp_port_max,
		.media_timeout_s = 3600,
		.display = g->display };
	sipb_media_events ev = { 0 };
	json_t *jext = json_object_get(request, "audiolevel_ext");
	sipb_media_stream audio = { .enabled = 1,
		.remote_ip = ip,
		.remote_port = port,
		.payload_type = pt,
		.codec = name,
		.clock_rate = strcmp(name, "opus") == 0 ? 48000 : 8000,
		.audio_level_ext = json_is_integer(jext) ? (int)json_integer_value(jext) : 0,
		/* like a receiver's useinbandfec=1 (RFC 7587 §6.1): the endpoint uses Opus FEC */
		.opus_fec = json_is_true(jfec) && strcmp(name, "opus") == 0 };
	int rc = sipb_media_new(&mc, &ev, &g->media);
	if (rc == 0)
		rc = sipb_media_set_streams(g->media, &audio, NULL);
	if (rc == 0) {
		g->mroom = vmr_rooms_acquire(room, r.layout);
		rc = g->mroom ? sipb_media_join(g->media, g->mroom) : -ENOMEM;
	}
	vmr_room_clear(&r);
	if (rc != 0) {
		if (g->media == NULL) {
			g_free(g->room);
			g_free(g->display);
			g_free(g);
		} else {
			guest_free(g);
		}
		return error(VMR_ERROR_INTERNAL, g_strerror(-rc));
	}
	g->id = sipb_media_member_id(g->media);
	vmr_rooms_member_add(g->mroom, g->id, g->display, 1);
	g_mutex_lock(&lock);
	if (guests == NULL)
		guests = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, guest_free);
	g_hash_table_insert(guests, &g->id, g);
	g_mutex_unlock(&lock);
	json_t *j = json_object();
	json_object_set_new(j, "sipbridge", json_string("rtp_participant"));
	json_object_set_new(j, "id", json_integer((json_int_t)g->id));
	json_object_set_new(j, "room", json_string(g->room));
	json_object_set_new(j, "local_port", json_integer(sipb_media_local_port(g->media, 0)));
	return j;
}

json_t *sipb_rtp_guests_handle(const sipb_rtp_guests_config *cfg, vmr_store *store, json_t *request)
{
	const char *name = json_string_value(json_object_get(request, "request"));
	if (name == NULL)
		return NULL;
	if (strcmp(name, "rtp_participant_add") == 0)
		return add(cfg, store, request);
	if (strcmp(name, "rtp_participant_remove") == 0) {
		json_t *jid = json_object_get(request, "id");
		if (!json_is_integer(jid))
			return error(VMR_ERROR_MISSING_ELEMENT, "missing element: id");
		uint64_t id = (uint64_t)json_integer_value(jid);
		g_mutex_lock(&lock);
		rtp_guest *g = guests ? g_hash_table_lookup(guests, &id) : NULL;
		if (g != NULL)
			g_hash_table_steal(guests, &id);
		g_mutex_unlock(&lock);
		if (g == NULL)
			return error(VMR_ERROR_NOT_FOUND, "no such participant");
		guest_free(g); /* outside the lock: leaving the room waits for the MCU */
		return json_pack("{ssss}", "sipbridge", "rtp_participant", "result", "removed");
	}
	if (strcmp(name, "rtp_participant_list") == 0) {
		json_t *list = json_array();
		g_mutex_lock(&lock);
		if (guests != NULL) {
			GHashTableIter it;
			gpointer value;
			g_hash_table_iter_init(&it, guests);
			while (g_hash_table_iter_next(&it, NULL, &value)) {
				rtp_guest *g = value;
				sipb_media_stats st;
				sipb_media_get_stats(g->media, &st);
				json_array_append_new(list,
					json_pack("{sIsssssIsI}", "id", (json_int_t)g->id, "room",
						g->room, "display", g->display, "rtp_in",
						(json_int_t)st.rtp_in, "rtp_out",
						(json_int_t)st.rtp_out));
			}
		}
		g_mutex_unlock(&lock);
		json_t *j = json_pack("{ss}", "sipbridge", "rtp_participants");
		json_object_set_new(j, "participants", list);
		return j;
	}
	return NULL;
}

void sipb_rtp_guests_clear(void)
{
	g_mutex_lock(&lock);
	GHashTable *old = guests;
	guests = NULL;
	g_mutex_unlock(&lock);
	if (old != NULL)
		g_hash_table_destroy(old);
}
