/*
 * sipb_media.c - the media of one SIP call (see sipb_media.h): two sipb_rtp_socket pairs
 * (audio, video), what a media loop (sipb_media_loop.h, shared with other calls) does when
 * they have packets and when the timers are due (prompt frames every 20 ms, RTCP reports
 * every ~5 s, the media timeout), and the MCU participant's io
 * callbacks that send the room's packets to the caller. Video feedback as the SDP negotiated
 * it (a=rtcp-fb): the room's key frame requests go out as a PLI, a FIR, or (no feedback
 * negotiated) a PLI plus the fast_update event for a SIP INFO; with "nack", the last video
 * packets sent are kept and resent once when the caller NACKs them.
 *
 * Locks, in the only order they are taken:
 *   api_lock (sipb_media_* calls that join/leave) -> [mcu participant lock] -> lock.
 * `lock` guards the stream state (addresses, SRTP contexts, codecs, prompt); it is never
 * held while calling into the MCU or an event callback. The MCU calls send_rtp and
 * request_keyframe under its participant lock, and those only take `lock`, so the room may
 * call us at any moment without a cycle. The loop thread hands packets to the MCU after
 * releasing `lock`, holding its own reference to the participant. The loop calls us holding its
 * own lock, which comes before all of these.
 *
 * What the negotiated SDP means for a stream (codec, addresses, SRTP keys) is planned and
 * applied in sipb_media_plan.c; sipb_media_set_streams only takes the locks around it.
 */
#include "sipb_media_priv.h"
#include "sipb_media_content.h"
#include "sipb_media_loop.h"
#include "mcu_banner.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib.h>

#include "mcu_audio_xcode.h"
#include "mcu_rtp.h"
#include "vmr_rooms.h"
#include "sipb_dtmf.h"
#include "sipb_prompt.h"
#include "sipb_rtcp.h"
#include "sipb_rtp_socket.h"
#include "sipb_srtp.h"

#define PKT_MAX  2048 /* larger datagrams are not RTP we take */
#define FRAME_US 20000
#define TICK_MS  100

struct sipb_media {
	vmr_member member; /* FIRST: the MCU io.opaque (see vmr_rooms.h) */
	char *local_ip, *prompt_dir, *display;
	int media_timeout_s;
	sipb_media_events ev;
	char cname[40];

	GMutex api_lock;
	GMutex lock;
	sipb_stream s[3]; /* [0] audio, [1] video, [2] slides (sipb_media_content.c) */
	bool slides_receive;
	int rtp_port_min, rtp_port_max; /* the slides line takes the room's content from us */
	bool presenting;
	bool streams_set, on_hold;
	bool started;        /* media may leave (see sipb_media_start) */
	bool trust_sdp;      /* send to the SDP address before latching */
	sipb_addr peer_host; /* the signalling source (port 0), len 0: none */
	mcu_room *room;      /* while joined */
	mcu_participant *part;
	sipb_prompt *prompt;
	int64_t prompt_next_us;
	uint16_t prompt_seq;
	uint32_t prompt_ts;
	bool prompt_marker;
	int64_t last_rtp_us;
	bool timeout_fired;
	gint fast_update_due; /* atomic: the loop thread calls ev.fast_update */

	sipb_media_loop_member lm; /* the loop that receives and runs the timers */
	gint stop;                 /* sipb_media_free was called */

	struct {
		uint64_t rtp_in, rtp_out, rtcp_in, rtcp_out, dtmf_events, bad_packets;
		uint64_t retransmitted;
	} st;
};

#define STAT_INC(m, f) __atomic_add_fetch(&(m)->st.f, 1, __ATOMIC_RELAXED)

static void destroy(sipb_media *m);

/* Has the loop run our timers (prompt frames, a fast update) now. */
static void wake(sipb_media *m)
{
	sipb_media_loop_poke(&m->lm);
}

/* --- sending (any thread, `lock` held) ---------------------------------------------- */

/* May we send to the SDP's address before the peer has sent from it? Only when the SDP names
 * the host the signalling came from (or the SDP is trusted): else an INVITE could point our
 * media at any victim. */
static bool sdp_dest_ok(const sipb_media *m, const sipb_addr *sdp)
{
	if (sipb_addr_is_any(sdp))
		return false;
	return m->trust_sdp || (m->peer_host.len && sipb_addr_same_host(sdp, &m->peer_host));
}

static const sipb_addr *rtp_dest(const sipb_media *m, const sipb_stream *s)
{
	if (!m->started)
		return NULL;
	if (s->src_rtp.len)
		return &s->src_rtp;
	if (sdp_dest_ok(m, &s->sdp_rtp))
		return &s->sdp_rtp;
	return NULL;
}

static void send_rtp_locked(sipb_media *m, sipb_stream *s, const uint8_t *pkt, size_t len)
{
	const sipb_addr *to = rtp_dest(m, s);
	if (!to || len < MCU_RTP_HEADER_LEN || len > PKT_MAX)
		return;
	uint8_t buf[PKT_MAX + SIPB_SRTP_MAX_OVERHEAD];
	memcpy(buf, pkt, len);
	s->sent_ssrc = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8
		| buf[11];
	if (s->tx && sipb_srtp_protect(s->tx, false, buf, &len, sizeof(buf)) < 0)
		return;
	if (sendto(s->sock.rtp_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
		    (const struct sockaddr *)&to->ss, to->len)
		== (ssize_t)len)
		STAT_INC(m, rtp_out);
	if (s->hist && len <= SIPB_MEDIA_HISTORY_SLOT) {
		/* As it went out: a retransmission is the same packet (RFC 4585 §6.2.1 leaves
		 * the how to the sender; the same SRTP index needs no second protect). */
		uint16_t seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
		unsigned k = seq % SIPB_MEDIA_HISTORY;
		memcpy(s->hist->pkt[k], buf, len);
		s->hist->seq[k] = seq;
		s->hist->len[k] = (uint16_t)len;
		s->hist->resent[k] = false;
	}
}

/* Sends again the packets a NACK asked for that are still in the history (`lock` held). */
static void retransmit_locked(sipb_media *m, sipb_stream *s, const sipb_rtcp_info *info)
{
	const sipb_addr *to = rtp_dest(m, s);
	if (!to || !s->hist || m->on_hold)
		return;
	for (unsigned i = 0; i < info->nacks; i++) {
		unsigned k = info->nack_seq[i] % SIPB_MEDIA_HISTORY;
		if (s->hist->len[k] == 0 || s->hist->seq[k] != info->nack_seq[i]
			|| s->hist->resent[k])
			continue;
		s->hist->resent[k] = true;
		if (sendto(s->sock.rtp_fd, s->hist->pkt[k], s->hist->len[k],
			    MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&to->ss, to->len)
			== (ssize_t)s->hist->len[k])
			STAT_INC(m, retransmitted);
	}
}

static void send_rtcp_locked(sipb_media *m, sipb_stream *s, bool with_pli, int64_t now)
{
	sipb_addr rtcp_to;
	const sipb_addr *to = NULL;
	if (!m->started) {
		to = NULL;
	} else if (s->src_rtcp.len) {
		to = &s->src_rtcp;
	} else if (s->src_rtp.len) {
		sipb_addr_with_port(&rtcp_to, &s->src_rtp, sipb_addr_port(&s->src_rtp) + 1);
		to = &rtcp_to;
	} else if (sdp_dest_ok(m, &s->sdp_rtcp)) {
		to = &s->sdp_rtcp;
	}
	if (!to)
		return;
	uint8_t buf[512 + SIPB_SRTP_MAX_OVERHEAD];
	size_t len;
	uint32_t ssrc = s->sent_ssrc ? s->sent_ssrc : s->local_ssrc;
	/* A key frame request: a PLI, unless the peer negotiated FIR and not PLI (RFC 5104). */
	bool fir = with_pli && (s->rtcp_fb & SIPB_RTCP_FB_FIR) && !(s->rtcp_fb & SIPB_RTCP_FB_PLI);
	if (sipb_rtcp_build(&s->rxstats, ssrc, m->cname, with_pli && !fir, now, buf, 512, &len) < 0)
		return;
	if (fir && s->rxstats.have
		&& sipb_rtcp_append_fir(ssrc, s->rxstats.ssrc, ++s->fir_seq, buf, 512, &len) < 0)
		return;
	/* RFC 5104 §4.2.2: the TMMBR is acknowledged with the bound we now keep to */
	if (s->tmmbn_pending
		&& sipb_rtcp_append_tmmbn(ssrc, s->tmmbn_owner, s->tmmbn_fci, buf, 512, &len) < 0)
		return;
	s->tmmbn_pending = false;
	/* our own report block: loss and jitter of what we receive */
	vmr_media_rtcp_reports(
		&s->rr_in, buf, len, s->clock_hz, VMR_MEDIA_IN, VMR_KIND_SIP, s != &m->s[0]);
	if (s->tx && sipb_srtp_protect(s->tx, true, buf, &len, sizeof(buf)) < 0)
		return;
	int fd = s->rtcp_muxed ? s->sock.rtp_fd : s->sock.rtcp_fd;
	if (sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&to->ss,
		    to->len)
		== (ssize_t)len)
		STAT_INC(m, rtcp_out);
}

/* --- the MCU participant's io (room threads, under the participant's lock) ----------- */

static void io_send_rtp(void *opaque, int is_video, const uint8_t *pkt, size_t len)
{
	sipb_media *m = opaque;
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[is_video == SIPB_MEDIA_SLIDES ? 2 : is_video ? 1 : 0];
	/* (a prompt playing in the room takes the room's audio's place) */
	if (s->enabled && !m->on_hold && (is_video || m->prompt == NULL))
		send_rtp_locked(m, s, pkt, len);
	g_mutex_unlock(&m->lock);
}

/* The room wants a key frame of our slides (we present): a PLI on the slides line. */
static void io_request_content_keyframe(void *opaque)
{
	sipb_media *m = opaque;
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[2];
	if (s->enabled && s->rxstats.have)
		send_rtcp_locked(m, s, true, g_get_monotonic_time());
	g_mutex_unlock(&m->lock);
}

static void io_request_keyframe(void *opaque)
{
	sipb_media *m = opaque;
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[1];
	if (s->enabled && s->rxstats.have)
		send_rtcp_locked(m, s, true, g_get_monotonic_time());
	/* No RTCP feedback negotiated: many room systems only act on SIP INFO (RFC 5168).
	 * The signalling sends it; the loop thread tells it (events never come from here). */
	bool info = s->enabled && !(s->rtcp_fb & SIPB_RTCP_FB_KEYFRAME) && m->started;
	g_mutex_unlock(&m->lock);
	if (info) {
		g_atomic_int_set(&m->fast_update_due, 1);
		wake(m);
	}
}

/* --- receiving (loop thread) ---------------------------------------------------------- */

/*
 * Whose packets a stream takes (`lock` held). Media is tied to the signalled peer, as
 * rtpengine's strict-source learning and FreeSWITCH's RTP auto-adjust do it:
 *   - the RTP address the SDP names is always taken, and once it has sent it is the latched
 *     source (where we send);
 *   - else one other source, the first valid packet before learn_until_us (a phone behind NAT
 *     whose SDP names its private address), is latched once;
 *   - every other sender is dropped: its packets are not mixed, its DTMF is not heard, and it
 *     never becomes a destination. There is no re-latching after silence (that let anyone
 *     who sprayed the port take the call's media over).
 * RTCP: from the SDP's RTCP address, or once from the latched (or SDP) RTP host on any port
 * (NATs map RTCP to ports of their own, and phones send the first report after seconds);
 * RTCP on the RTP port (rtcp-mux) only from the RTP source. The verdict is applied with
 * source_commit only after the packet parsed (and authenticated, with SRTP).
 */
typedef enum {
	SRC_DROP,
	SRC_OK,
	SRC_LEARN
} src_verdict;

static src_verdict rtp_source(const sipb_stream *s, const sipb_addr *from, int64_t now)
{
	if (s->src_rtp.len && sipb_addr_equal(from, &s->src_rtp))
		return SRC_OK;
	if (!sipb_addr_is_any(&s->sdp_rtp) && sipb_addr_equal(from, &s->sdp_rtp))
		return SRC_LEARN; /* the signalled address replaces a learned one */
	if (s->src_rtp.len == 0 && now < s->learn_until_us)
		return SRC_LEARN;
	return SRC_DROP;
}

static src_verdict rtcp_source(const sipb_stream *s, const sipb_addr *from, bool on_rtp_port)
{
	if (on_rtp_port)
		return (s->src_rtp.len && sipb_addr_equal(from, &s->src_rtp)) ? SRC_OK : SRC_DROP;
	if (s->src_rtcp.len && sipb_addr_equal(from, &s->src_rtcp))
		return SRC_OK;
	if (!sipb_addr_is_any(&s->sdp_rtcp) && sipb_addr_equal(from, &s->sdp_rtcp))
		return SRC_LEARN;
	if (s->src_rtcp.len == 0
		&& ((s->src_rtp.len && sipb_addr_same_host(from, &s->src_rtp))
			|| (!sipb_addr_is_any(&s->sdp_rtp)
				&& sipb_addr_same_host(from, &s->sdp_rtp))))
		return SRC_LEARN;
	return SRC_DROP;
}

static void handle_rtcp(
	sipb_media *m, int idx, uint8_t *buf, size_t len, const sipb_addr *from, bool on_rtp_port)
{
	sipb_rtcp_info info;
	mcu_participant *p = NULL, *bw_p = NULL;
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[idx];
	src_verdict sv = rtcp_source(s, from, on_rtp_port);
	if (!s->enabled || sv == SRC_DROP || len < 8 || (buf[0] >> 6) != 2
		|| (s->rx && sipb_srtp_unprotect(s->rx, true, buf, &len) < 0)
		|| sipb_rtcp_parse(buf, len, &info) < 0) {
		g_mutex_unlock(&m->lock);
		STAT_INC(m, bad_packets);
		return;
	}
	STAT_INC(m, rtcp_in);
	/* the peer's report block: loss and jitter of what it receives from us; of our audio,
	 * it sets the Opus redundancy it gets (mcu_participant_set_audio_loss) */
	int loss = -1;
	if (vmr_media_rtcp_reports(
		    &s->rr_out, buf, len, s->clock_hz, VMR_MEDIA_OUT, VMR_KIND_SIP, idx != 0)
		&& idx == 0 && m->part)
		loss = s->rr_out.fraction_lost;
	if (sv == SRC_LEARN)
		s->src_rtcp = *from;
	s->rtcp_muxed = on_rtp_port;
	if (info.has_sr && s->rxstats.have && info.sr_ssrc == s->rxstats.ssrc) {
		s->rxstats.lsr = info.sr_ntp_mid;
		s->rxstats.lsr_at_us = g_get_monotonic_time();
	}
	if (info.keyframe_request && idx >= 1 && m->part)
		p = mcu_participant_ref(m->part);
	if (info.has_tmmbr && idx == 1) {
		/* The peer's maximum bitrate for our video: its bandwidth tier (mcu_tiers.h),
		 * acknowledged with a TMMBN at once. */
		if (m->part)
			bw_p = mcu_participant_ref(m->part);
		s->tmmbn_pending = true;
		s->tmmbn_owner = info.tmmbr_sender;
		s->tmmbn_fci = info.tmmbr_fci;
		send_rtcp_locked(m, s, false, g_get_monotonic_time());
	}
	if (info.nacks && idx >= 1)
		retransmit_locked(m, s, &info);
	if (loss >= 0)
		mcu_participant_set_audio_loss(m->part, loss);
	g_mutex_unlock(&m->lock);
	if (p) {
		if (idx == 2)
			sipb_media_content_keyframe_request(p);
		else
			mcu_participant_keyframe_request(p);
		mcu_participant_unref(p);
	}
	if (bw_p) {
		mcu_participant_set_bandwidth(
			bw_p, (int)MIN(MAX(info.tmmbr_bps / 1000, 1), (uint64_t)G_MAXINT));
		mcu_participant_unref(bw_p);
	}
}

static void handle_rtp(sipb_media *m, int idx, uint8_t *buf, size_t len, const sipb_addr *from)
{
	char digits[2];
	int ndigits = 0, level = -1;
	mcu_participant *p = NULL;
	mcu_rtp_header h;
	const uint8_t *payload;
	size_t plen;
	int64_t now = g_get_monotonic_time();
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[idx];
	src_verdict sv = rtp_source(s, from, now);
	if (!s->enabled || sv == SRC_DROP || len < MCU_RTP_HEADER_LEN || (buf[0] >> 6) != 2
		|| (s->rx && sipb_srtp_unprotect(s->rx, false, buf, &len) < 0)
		|| mcu_rtp_parse(buf, len, &h, &payload, &plen) < 0)
		goto bad;
	if (idx == 0 && s->dtmf_pt && h.pt == s->dtmf_pt) {
		/* Event timestamps only compare within one SSRC: a new one (sipp starts one per
		 * play_dtmf, a phone may after a re-INVITE) must not make its presses look late. */
		if (h.ssrc != s->dtmf_ssrc)
			sipb_dtmf_rx_init(&s->dtmf);
		s->dtmf_ssrc = h.ssrc;
		ndigits = sipb_dtmf_rx_packet(&s->dtmf, h.ts, payload, plen, digits);
		if (ndigits < 0)
			goto bad;
	} else if (h.pt == s->pt) {
		sipb_rtcp_rx_packet(&s->rxstats, h.ssrc, h.seq, h.ts, s->clock_hz, now);
		if (m->part)
			p = mcu_participant_ref(m->part);
		if (idx == 0 && s->level_ext > 0)
			level = mcu_rtp_audio_level(buf, len, s->level_ext);
	} else if (!(idx == 0 && h.pt == 13)) { /* comfort noise (RFC 3389): ignored */
		goto bad;
	}
	STAT_INC(m, rtp_in);
	if (sv == SRC_LEARN && !sipb_addr_equal(&s->src_rtp, from)) {
		s->src_rtp = *from;
		/* RTCP follows the RTP source: a report address learned from the old one is stale */
		if (s->src_rtcp.len && !sipb_addr_same_host(&s->src_rtcp, from))
			memset(&s->src_rtcp, 0, sizeof(s->src_rtcp));
	}
	m->last_rtp_us = now;
	m->timeout_fired = false;
	g_mutex_unlock(&m->lock);
	if (p) {
		if (idx == 2)
			sipb_media_content_incoming_rtp(p, buf, len);
		else
			mcu_participant_incoming_rtp(p, idx, buf, len, level);
		mcu_participant_unref(p);
	}
	for (int i = 0; i < ndigits; i++) {
		STAT_INC(m, dtmf_events);
		if (m->ev.dtmf)
			m->ev.dtmf(m->ev.opaque, digits[i]);
	}
	return;
bad:
	g_mutex_unlock(&m->lock);
	STAT_INC(m, bad_packets);
}

static void drain(sipb_media *m, int idx, int fd, bool is_rtcp_port)
{
	uint8_t buf[PKT_MAX];
	/* Bounded: a flood must not starve the timers, nor the loop's other calls. */
	for (int n = 0; n < 256 && !g_atomic_int_get(&m->stop); n++) {
		sipb_addr from;
		from.len = sizeof(from.ss);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			(struct sockaddr *)&from.ss, &from.len);
		if (r < 0)
			return;
		if ((size_t)r > sizeof(buf)) {
			STAT_INC(m, bad_packets);
			continue;
		}
		if (is_rtcp_port || sipb_rtcp_looks_like(buf, (size_t)r))
			handle_rtcp(m, idx, buf, (size_t)r, &from, !is_rtcp_port);
		else
			handle_rtp(m, idx, buf, (size_t)r, &from);
	}
}

/* --- timers (loop thread) ------------------------------------------------------------- */

/* Sends the prompt frames that are due; returns the name of a prompt that just ended
 * (g_malloc'd) or NULL. */
static char *prompt_tick(sipb_media *m, int64_t now)
{
	char *done = NULL;
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[0];
	/* Not started (no ACK yet): hold the prompt at its beginning. */
	if (m->prompt && !m->started)
		m->prompt_next_us = now;
	/* After a stall, do not burst more than 100 ms of audio; skip the rest. */
	if (m->prompt && now - m->prompt_next_us > 5 * FRAME_US)
		m->prompt_next_us = now - 5 * FRAME_US;
	while (m->prompt && m->prompt_next_us <= now) {
		uint8_t pkt[PKT_MAX];
		size_t plen;
		int r = sipb_prompt_next(m->prompt, pkt + MCU_RTP_HEADER_LEN,
			sizeof(pkt) - MCU_RTP_HEADER_LEN, &plen);
		if (r <= 0) {
			done = g_strdup(sipb_prompt_name(m->prompt));
			sipb_prompt_free(m->prompt);
			m->prompt = NULL;
			break;
		}
		mcu_rtp_write_header(pkt, sizeof(pkt), m->prompt_marker, (uint8_t)s->pt,
			m->prompt_seq++, m->prompt_ts, s->local_ssrc);
		m->prompt_marker = false;
		m->prompt_ts += mcu_audio_frame_ts(s->acodec);
		if (s->enabled && !m->on_hold)
			send_rtp_locked(m, s, pkt, MCU_RTP_HEADER_LEN + plen);
		m->prompt_next_us += FRAME_US;
	}
	g_mutex_unlock(&m->lock);
	return done;
}

static bool timers_tick(sipb_media *m, int64_t now)
{
	bool timed_out = false;
	g_mutex_lock(&m->lock);
	for (int i = 0; i < 3; i++) {
		sipb_stream *s = &m->s[i];
		if (!s->enabled || now < s->next_rtcp_us)
			continue;
		send_rtcp_locked(m, s, false, now);
		/* RFC 3550 §6.3.1: randomized interval, 0.5-1.5 x */
		s->next_rtcp_us = now + SIPB_MEDIA_RTCP_INTERVAL_US / 2
			+ g_random_int_range(0, SIPB_MEDIA_RTCP_INTERVAL_US);
	}
	if (m->streams_set && !m->on_hold && !m->timeout_fired && m->media_timeout_s > 0
		&& (m->s[0].enabled || m->s[1].enabled)
		&& now - m->last_rtp_us >= (int64_t)m->media_timeout_s * G_USEC_PER_SEC) {
		m->timeout_fired = true;
		timed_out = true;
	}
	g_mutex_unlock(&m->lock);
	return timed_out;
}

void sipb_media_loop_ready(sipb_media *m, int idx, int fd)
{
	drain(m, idx / 2, fd, idx % 2 == 1);
}

int64_t sipb_media_loop_timers(sipb_media *m, int64_t now)
{
	char *done = prompt_tick(m, now);
	if (done) {
		if (m->ev.prompt_done && !g_atomic_int_get(&m->stop))
			m->ev.prompt_done(m->ev.opaque, done);
		g_free(done);
	}
	if (timers_tick(m, now) && m->ev.timeout && !g_atomic_int_get(&m->stop))
		m->ev.timeout(m->ev.opaque);
	if (g_atomic_int_compare_and_exchange(&m->fast_update_due, 1, 0)
		&& !g_atomic_int_get(&m->stop) && m->ev.fast_update)
		m->ev.fast_update(m->ev.opaque);
	/* the next prompt frame; a prompt held until the call starts waits for its poke */
	g_mutex_lock(&m->lock);
	int64_t next = m->prompt && m->started ? m->prompt_next_us : now + TICK_MS * 1000;
	g_mutex_unlock(&m->lock);
	return next;
}

/* --- public ------------------------------------------------------------------------- */

static uint64_t random_member_id(void)
{
	uint64_t id;
	do
		id = ((uint64_t)g_random_int() << 32 | g_random_int()) & ((UINT64_C(1) << 53) - 1);
	while (id == 0);
	return id;
}

int sipb_media_new(const sipb_media_config *cfg, const sipb_media_events *ev, sipb_media **out)
{
	if (!cfg || !out || !cfg->local_ip)
		return -EINVAL;
	*out = NULL;
	sipb_media *m = g_new0(sipb_media, 1);
	m->member.id = cfg->member_id ? cfg->member_id : random_member_id();
	m->member.is_sip = 1;
	m->local_ip = g_strdup(cfg->local_ip);
	m->prompt_dir = g_strdup(cfg->prompt_dir ? cfg->prompt_dir : ".");
	m->display = g_strdup(cfg->display ? cfg->display : "");
	m->media_timeout_s = cfg->media_timeout_s > 0 ? cfg->media_timeout_s : 30;
	m->started = !cfg->wait_for_start;
	m->trust_sdp = !cfg->wait_for_start;
	if (ev)
		m->ev = *ev;
	g_snprintf(m->cname, sizeof(m->cname), "sipb-%08x%08x", g_random_int(), g_random_int());
	g_mutex_init(&m->api_lock);
	g_mutex_init(&m->lock);
	for (int i = 0; i < 3; i++) {
		m->s[i].sock.rtp_fd = m->s[i].sock.rtcp_fd = -1;
		m->s[i].local_ssrc = g_random_int();
	}
	m->rtp_port_min = cfg->rtp_port_min;
	m->rtp_port_max = cfg->rtp_port_max;
	m->prompt_seq = (uint16_t)g_random_int();
	m->prompt_ts = g_random_int();
	int r = 0;
	for (int i = 0; i < 2 && r == 0; i++)
		r = sipb_rtp_socket_open(
			&m->s[i].sock, cfg->local_ip, cfg->rtp_port_min, cfg->rtp_port_max);
	if (r == 0)
		r = sipb_media_loop_attach(m, &m->lm);
	for (int i = 0; i < 4 && r == 0; i++)
		r = sipb_media_loop_watch(
			&m->lm, i, i % 2 ? m->s[i / 2].sock.rtcp_fd : m->s[i / 2].sock.rtp_fd);
	if (r < 0) {
		sipb_media_loop_detach(&m->lm, m);
		destroy(m);
		return r;
	}
	*out = m;
	return 0;
}

static void leave_room(sipb_media *m)
{
	g_mutex_lock(&m->lock);
	mcu_participant *p = m->part;
	mcu_room *room = m->room;
	m->part = NULL;
	m->room = NULL;
	g_mutex_unlock(&m->lock);
	if (p) {
		mcu_room_leave(room, p);
		mcu_participant_unref(p);
	}
	if (room)
		mcu_room_unref(room);
}

static void destroy(sipb_media *m)
{
	leave_room(m);
	for (int i = 0; i < 3; i++) {
		sipb_stream *s = &m->s[i];
		sipb_rtp_socket_close(&s->sock);
		sipb_srtp_free(s->tx);
		sipb_srtp_free(s->rx);
		g_free(s->hist);
		g_free(s->remote_crypto);
		g_free(s->local_crypto);
		memset(&s->local_key, 0, sizeof(s->local_key));
	}
	sipb_prompt_free(m->prompt);
	g_mutex_clear(&m->api_lock);
	g_mutex_clear(&m->lock);
	g_free(m->local_ip);
	g_free(m->prompt_dir);
	g_free(m->display);
	g_free(m);
}

void sipb_media_free(sipb_media *m)
{
	if (!m)
		return;
	g_atomic_int_set(&m->stop, 1);
	/* Out of the room first: the room's threads call our io (a key frame request pokes the
	 * loop) until it returns, and the loop may end with this call. */
	leave_room(m);
	if (sipb_media_loop_detach(&m->lm, m))
		return; /* an event callback of ours: the loop destroys m after this wake-up */
	destroy(m);
}

void sipb_media_loop_destroy(sipb_media *m)
{
	destroy(m);
}

int sipb_media_local_port(sipb_media *m, int is_video)
{
	return m ? m->s[is_video == SIPB_MEDIA_SLIDES ? 2 : is_video ? 1 : 0].sock.port : 0;
}

const char *sipb_media_local_crypto(sipb_media *m, int is_video)
{
	if (!m)
		return NULL;
	g_mutex_lock(&m->lock);
	const char *c = m->s[is_video == SIPB_MEDIA_SLIDES ? 2 : is_video ? 1 : 0].local_crypto;
	g_mutex_unlock(&m->lock);
	return c;
}

const char *sipb_media_offer_crypto(sipb_media *m, int is_video)
{
	if (!m)
		return NULL;
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[is_video == SIPB_MEDIA_SLIDES ? 2 : is_video ? 1 : 0];
	if (!s->local_crypto) {
		sipb_crypto key;
		if (sipb_crypto_generate(1, SIPB_SRTP_AES_CM_128_HMAC_SHA1_80, &key) == 0) {
			s->local_key = key;
			s->local_crypto = sipb_crypto_format(&key);
		}
	}
	const char *c = s->local_crypto;
	g_mutex_unlock(&m->lock);
	return c;
}

int sipb_media_crypto_check(const char *remote_crypto)
{
	sipb_crypto c;
	return sipb_crypto_parse(remote_crypto, &c);
}

static int join_locked_api(sipb_media *m, mcu_room *room);
static void content_joined(sipb_media *m, mcu_participant *p);

int sipb_media_set_streams(
	sipb_media *m, const sipb_media_stream *audio, const sipb_media_stream *video)
{
	if (!m)
		return -EINVAL;
	sipb_media_plan pa, pv;
	int r = sipb_media_plan_stream(audio, false, m->s[0].sock.family, &pa);
	if (r == 0)
		r = sipb_media_plan_stream(video, true, m->s[1].sock.family, &pv);
	if (r < 0)
		return r;
	g_mutex_lock(&m->api_lock);
	bool rejoin = false;
	g_mutex_lock(&m->lock);
	r = sipb_media_plan_apply(&m->s[0], audio, &pa, &rejoin);
	if (r == 0)
		r = sipb_media_plan_apply(&m->s[1], video, &pv, &rejoin);
	if (!m->streams_set) {
		m->streams_set = true;
		m->last_rtp_us = g_get_monotonic_time(); /* the media timeout counts from here */
	}
	mcu_room *room = (rejoin && m->part) ? mcu_room_ref(m->room) : NULL;
	g_mutex_unlock(&m->lock);
	if (room) {
		/* The MCU fixes codec and payload types at join: a re-INVITE that changes them
		 * means leaving and joining again (same vmr_member id). */
		leave_room(m);
		int jr = join_locked_api(m, room);
		if (r == 0)
			r = jr;
		mcu_room_unref(room);
	}
	g_mutex_unlock(&m->api_lock);
	wake(m);
	return r;
}

int sipb_media_play_prompt(sipb_media *m, const char *name, int loop)
{
	if (!m || !name)
		return -EINVAL;
	g_mutex_lock(&m->lock);
	bool audio = m->s[0].enabled;
	mcu_audio_codec_id codec = m->s[0].acodec;
	g_mutex_unlock(&m->lock);
	if (!audio)
		return -ENOTCONN;
	sipb_prompt *p;
	int r = sipb_prompt_new(m->prompt_dir, name, codec, loop != 0, &p);
	if (r < 0)
		return r;
	g_mutex_lock(&m->lock);
	sipb_prompt *old = m->prompt;
	m->prompt = p;
	m->prompt_next_us = g_get_monotonic_time();
	m->prompt_marker = true;
	g_mutex_unlock(&m->lock);
	sipb_prompt_free(old);
	wake(m);
	return 0;
}

void sipb_media_stop_prompt(sipb_media *m)
{
	if (!m)
		return;
	g_mutex_lock(&m->lock);
	sipb_prompt *old = m->prompt;
	m->prompt = NULL;
	g_mutex_unlock(&m->lock);
	sipb_prompt_free(old);
}

/* api_lock held. */
static int join_locked_api(sipb_media *m, mcu_room *room)
{
	mcu_video_limits limits = { 0 };
	mcu_participant_opts opts;
	mcu_participant_opts_defaults(&opts);
	g_mutex_lock(&m->lock);
	if (!m->streams_set || (!m->s[0].enabled && !m->s[1].enabled)) {
		g_mutex_unlock(&m->lock);
		return -EINVAL;
	}
	opts.display = m->display;
	if (m->s[0].enabled) {
		opts.audio_codec = m->s[0].acodec;
		opts.audio_pt = (uint8_t)m->s[0].pt;
		opts.opus_fec = m->s[0].opus_fec;
	}
	if (m->s[1].enabled) {
		opts.video_pt = (uint8_t)m->s[1].pt;
		opts.video_codec = m->s[1].vcodec;
		opts.h264_packetization_mode = m->s[1].vcodec == MCU_VIDEO_H264 ? m->s[1].h264_mode
										: 1;
		limits = m->s[1].limits;
	} else {
		opts.video_codec =
			MCU_VIDEO_NONE; /* an audio-only phone: no picture to encode for it */
	}
	sipb_prompt *old = m->prompt;
	m->prompt = NULL;
	g_mutex_unlock(&m->lock);
	sipb_prompt_free(old);
	mcu_participant_io io = {
		.opaque = m, /* == &m->member */
		.send_rtp = io_send_rtp,
		.request_keyframe = io_request_keyframe,
	};
	sipb_media_content_io(&io, io_request_content_keyframe);
	mcu_participant *p = mcu_room_join(room, &opts, &io);
	if (!p)
		return -ENOMEM;
	content_joined(m, p);
	mcu_participant_set_cues(p, true); /* no participant list here: chimes say who comes */
	mcu_participant_set_video_limits(p, &limits); /* its bandwidth tier (mcu_tiers.h) */
	g_mutex_lock(&m->lock);
	m->part = p;
	m->room = mcu_room_ref(room);
	g_mutex_unlock(&m->lock);
	return 0;
}

void sipb_media_set_display(sipb_media *m, const char *display)
{
	if (!m)
		return;
	g_mutex_lock(&m->lock);
	g_free(m->display);
	m->display = g_strdup(display ? display : "");
	g_mutex_unlock(&m->lock);
}

int sipb_media_join(sipb_media *m, mcu_room *room)
{
	if (!m || !room)
		return -EINVAL;
	g_mutex_lock(&m->api_lock);
	g_mutex_lock(&m->lock);
	bool joined = m->part != NULL;
	g_mutex_unlock(&m->lock);
	int r = joined ? -EALREADY : join_locked_api(m, room);
	g_mutex_unlock(&m->api_lock);
	return r;
}

void sipb_media_leave(sipb_media *m)
{
	if (!m)
		return;
	g_mutex_lock(&m->api_lock);
	leave_room(m);
	g_mutex_unlock(&m->api_lock);
}

int sipb_media_start(sipb_media *m, const char *peer_ip)
{
	if (!m)
		return -EINVAL;
	sipb_addr host;
	if (peer_ip && sipb_addr_set(&host, peer_ip, 0) < 0)
		return -EINVAL;
	g_mutex_lock(&m->lock);
	if (!m->started) {
		m->started = true;
		m->trust_sdp = peer_ip == NULL;
		if (peer_ip)
			m->peer_host = host;
		int64_t now = g_get_monotonic_time();
		for (int i = 0; i < 3; i++)
			if (m->s[i].src_rtp.len == 0)
				m->s[i].learn_until_us = now + SIPB_MEDIA_LEARN_US;
		/* the media timeout counts from the ACK */
		m->last_rtp_us = now;
	}
	g_mutex_unlock(&m->lock);
	wake(m);
	return 0;
}

void sipb_media_hold(sipb_media *m, int on_hold)
{
	if (!m)
		return;
	g_mutex_lock(&m->lock);
	m->on_hold = on_hold != 0;
	if (!m->on_hold) {
		m->last_rtp_us = g_get_monotonic_time();
		m->timeout_fired = false;
	}
	g_mutex_unlock(&m->lock);
}

uint64_t sipb_media_member_id(sipb_media *m)
{
	return m ? m->member.id : 0;
}

mcu_participant *sipb_media_participant(sipb_media *m)
{
	if (!m)
		return NULL;
	g_mutex_lock(&m->lock);
	mcu_participant *p = m->part ? mcu_participant_ref(m->part) : NULL;
	g_mutex_unlock(&m->lock);
	return p;
}

void sipb_media_get_stats(sipb_media *m, sipb_media_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!m)
		return;
#define LOAD(f) out->f = __atomic_load_n(&m->st.f, __ATOMIC_RELAXED)
	LOAD(rtp_in);
	LOAD(rtp_out);
	LOAD(rtcp_in);
	LOAD(rtcp_out);
	LOAD(retransmitted);
	LOAD(dtmf_events);
	LOAD(bad_packets);
#undef LOAD
}

void sipb_media_keyframe_request(sipb_media *m)
{
	if (m == NULL)
		return;
	mcu_participant *p = NULL;
	g_mutex_lock(&m->api_lock);
	g_mutex_lock(&m->lock);
	if (m->part)
		p = mcu_participant_ref(m->part);
	g_mutex_unlock(&m->lock);
	g_mutex_unlock(&m->api_lock);
	if (p) {
		mcu_participant_keyframe_request(p);
		mcu_participant_unref(p);
	}
}

void sipb_media_room_stats(sipb_media *m, mcu_participant_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (m == NULL)
		return;
	mcu_participant *p = NULL;
	g_mutex_lock(&m->lock);
	if (m->part)
		p = mcu_participant_ref(m->part);
	g_mutex_unlock(&m->lock);
	if (p) {
		mcu_participant_get_stats(p, out);
		mcu_participant_unref(p);
	}
}

/* --- the slides line (content sharing, issue #13; the MCU side in sipb_media_content.c) --- */

int sipb_media_slides_port(sipb_media *m)
{
	if (!m)
		return 0;
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[2];
	int r = 0;
	if (s->sock.rtp_fd < 0)
		r = sipb_rtp_socket_open(&s->sock, m->local_ip, m->rtp_port_min, m->rtp_port_max);
	int port = r == 0 ? s->sock.port : 0;
	int rtp_fd = s->sock.rtp_fd, rtcp_fd = s->sock.rtcp_fd;
	g_mutex_unlock(&m->lock);
	/* (sockets close only in destroy: the loop's descriptors stay valid while watched) */
	if (port
		&& (sipb_media_loop_watch(&m->lm, 4, rtp_fd) < 0
			|| sipb_media_loop_watch(&m->lm, 5, rtcp_fd) < 0))
		port = 0;
	return port;
}

/* After a join (api_lock held, `lock` not): the room's content to the slides line, and our
 * presentation again after a rejoin. */
static void content_joined(sipb_media *m, mcu_participant *p)
{
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[2];
	bool on = s->enabled && s->sock.rtp_fd >= 0;
	bool recv = on && m->slides_receive, present = on && m->presenting;
	mcu_video_codec_id codec = s->vcodec;
	uint8_t pt = (uint8_t)s->pt;
	int mode = s->h264_mode;
	g_mutex_unlock(&m->lock);
	if (recv)
		sipb_media_content_receive(p, codec, pt, mode);
	if (present)
		sipb_media_content_present(p, codec, pt, true);
}

int sipb_media_set_slides(sipb_media *m, const sipb_media_stream *slides, int receive)
{
	if (!m)
		return -EINVAL;
	sipb_media_plan pl;
	int r = sipb_media_plan_stream(slides, true, m->s[2].sock.family, &pl);
	if (r < 0)
		return r;
	if (pl.enabled && m->s[2].sock.rtp_fd < 0)
		return -ENOTCONN; /* sipb_media_slides_port first */
	g_mutex_lock(&m->api_lock);
	bool rejoin = false;
	g_mutex_lock(&m->lock);
	bool was_recv = m->s[2].enabled && m->slides_receive;
	r = sipb_media_plan_apply(&m->s[2], slides, &pl, &rejoin);
	m->slides_receive = receive != 0;
	bool recv = m->s[2].enabled && m->slides_receive;
	mcu_participant *p = m->part ? mcu_participant_ref(m->part) : NULL;
	mcu_video_codec_id codec = m->s[2].vcodec;
	uint8_t pt = (uint8_t)m->s[2].pt;
	int mode = m->s[2].h264_mode;
	if (!m->s[2].enabled)
		m->presenting = false;
	g_mutex_unlock(&m->lock);
	if (p && (rejoin || recv != was_recv))
		sipb_media_content_receive(p, recv ? codec : MCU_VIDEO_NONE, pt, mode);
	if (p)
		mcu_participant_unref(p);
	g_mutex_unlock(&m->api_lock);
	wake(m);
	return r;
}

int sipb_media_present(sipb_media *m, int on)
{
	if (!m)
		return -EINVAL;
	g_mutex_lock(&m->api_lock);
	g_mutex_lock(&m->lock);
	sipb_stream *s = &m->s[2];
	int r = 0;
	if (on && !s->enabled)
		r = -ENOTCONN; /* no slides line: nothing to present */
	else
		m->presenting = on != 0;
	mcu_participant *p = m->part && r == 0 ? mcu_participant_ref(m->part) : NULL;
	mcu_video_codec_id codec = s->vcodec;
	uint8_t pt = (uint8_t)s->pt;
	g_mutex_unlock(&m->lock);
	if (p) {
		r = sipb_media_content_present(p, codec, pt, on != 0);
		mcu_participant_unref(p);
	}
	g_mutex_unlock(&m->api_lock);
	return r;
}
