/*
 * sipb_rtp_guests.h - plain-RTP participants without SIP: an administrator (Janus Admin API
 * only — this skips every PIN) puts an audio RTP endpoint into a room, e.g. a gateway, a
 * recorder, or the load of `make bench-audio`. Each is a sipb_media joined to the room's MCU.
 *
 * Threads: all functions are thread-safe (one mutex). Ownership: the module owns its
 * participants; sipb_rtp_guests_clear frees them all.
 */
#ifndef TPAAS_SIPB_RTP_GUESTS_H
#define TPAAS_SIPB_RTP_GUESTS_H

#include <jansson.h>
#include "vmr_store.h"

typedef struct sipb_rtp_guests_config {
	const char *local_ip;
	int rtp_port_min, rtp_port_max;
} sipb_rtp_guests_config;

/* Handles one admin request: "rtp_participant_add" {room, display?, codec ("opus"|"pcmu"|"pcma"),
 * pt, ip, port, audiolevel_ext? (RFC 6464 extension id), fec? (Opus: true when the endpoint
 * uses in-band FEC, as useinbandfec=1 would say; default false)} → {id, local_port}; "rtp_participant_remove" {id}; "rtp_participant_list".
 * Returns the reply (new reference), or NULL when the request is not one of these. */
json_t *sipb_rtp_guests_handle(
	const sipb_rtp_guests_config *cfg, vmr_store *store, json_t *request);
void sipb_rtp_guests_clear(void);

#endif
