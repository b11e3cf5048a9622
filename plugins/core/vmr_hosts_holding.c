/*
 * vmr_hosts_holding.c - the holding picture: those who wait for a host, or at a locked room,
 * are held in a room of their own with a placard. See vmr_hosts.h.
 */
#include "vmr_hosts_priv.h"

#include "vmr_rooms.h"

typedef struct holding {
	mcu_room *room; /* borrowed: every user holds it (vmr_rooms_acquire) */
	mcu_participant *placard;
	unsigned users;
} holding;

static GMutex holding_lock;  /* leaf; never held into the MCU's blocking calls */
static GHashTable *holdings; /* mcu_room* -> holding* */

static void placard_send(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	(void)opaque;
	(void)is_video;
	(void)pkt;
	(void)len;
}

static void placard_keyframe(void *opaque)
{
	(void)opaque;
}

mcu_room *vmr_hosts_holding_acquire(const char *address, const char *text)
{
	if (address == NULL)
		return NULL;
	char *name = g_strconcat(address, "+waiting", NULL);
	mcu_room *room = vmr_rooms_acquire(name, "speaker");
	g_free(name);
	if (room == NULL)
		return NULL;
	g_mutex_lock(&holding_lock);
	if (holdings == NULL)
		holdings = g_hash_table_new(NULL, NULL);
	holding *h = g_hash_table_lookup(holdings, room);
	if (h == NULL) {
		h = g_new0(holding, 1);
		h->room = room;
		mcu_participant_opts o;
		mcu_participant_opts_defaults(&o);
		o.display = text ? text : "Waiting for the host";
		o.video_codec = MCU_VIDEO_NONE;
		mcu_participant_io io = { .send_rtp = placard_send,
			.request_keyframe = placard_keyframe };
		h->placard = mcu_room_join(room, &o, &io);
		mcu_participant_set_muted(h->placard, true);
		g_hash_table_insert(holdings, room, h);
	}
	h->users++;
	g_mutex_unlock(&holding_lock);
	return room;
}

void vmr_hosts_holding_release(mcu_room *room)
{
	if (room == NULL)
		return;
	holding *gone = NULL;
	g_mutex_lock(&holding_lock);
	holding *h = holdings ? g_hash_table_lookup(holdings, room) : NULL;
	if (h != NULL && --h->users == 0) {
		g_hash_table_remove(holdings, room);
		gone = h;
	}
	g_mutex_unlock(&holding_lock);
	if (gone != NULL) {
		if (gone->placard) {
			mcu_room_leave(gone->room, gone->placard);
			mcu_participant_unref(gone->placard);
		}
		g_free(gone);
	}
	vmr_rooms_release(room); /* (each acquire's hold: the last one stops the room) */
}
