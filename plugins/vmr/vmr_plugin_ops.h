/*
 * vmr_plugin_ops.h - janus.plugin.vmr's operator hooks (TURN settings, health, metrics and
 * event lines); see vmr_plugin_ops.c.
 */
#ifndef TPAAS_VMR_PLUGIN_OPS_H
#define TPAAS_VMR_PLUGIN_OPS_H

#include <stddef.h>
#include <stdint.h>

struct vmr_session;

/* Plugin init (after the service is up) and destroy (before it goes). */
void vmr_ops_init(const char *config_path);
void vmr_ops_destroy(void);
/* The participant kind ("browser" for our page, else "app") for a join's "client" field;
 * static string. */
const char *vmr_ops_kind(const char *client);
/* A session entered / left a room: gauges, counters and the event line. */
void vmr_ops_joined(const struct vmr_session *s, const char *room);
void vmr_ops_left(const struct vmr_session *s, const char *room);
/* Any other event line about a session (pin_failure, kicked), cause may be NULL. */
void vmr_ops_event(
	const struct vmr_session *s, const char *kind, const char *room, const char *cause);

/* Media quality figures (vmr_media_quality.h), with the session's mutex held: one RTP packet
 * from the browser or app. (What it receives from us is not counted here: the Janus core
 * rewrites the media SSRC of the report blocks it hands plugins, so audio and video reports
 * cannot be told apart; the Admin API's handle_info has them per handle.) */
void vmr_ops_rtp_in(struct vmr_session *s, int is_video, const uint8_t *buf, size_t len);
/* The peer's RTCP for its audio or main video stream (s->mutex held): the loss it reports of
 * our audio, in whichever of its report blocks is about our audio, sets the redundancy of
 * the Opus it hears (mcu_participant_audio_report). */
void vmr_ops_rtcp_in(struct vmr_session *s, const uint8_t *buf, size_t len);

#endif
