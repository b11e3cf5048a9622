/*
 * bfcp_sdp.h - the SDP of content sharing: RFC 8856 attributes of an
 * `m=application <port> TCP/BFCP *` (or UDP/BFCP, TCP/TLS/BFCP, UDP/TLS/BFCP) line
 * (a=floorctrl, a=confid, a=userid, a=floorid:<id> mstrm:<label> and the older m-stream:
 * spelling, a=setup, a=connection, a=bfcpver) and, on video lines, a=content (RFC 4796) and
 * a=label (RFC 4574); and our answer's BFCP line, as the floor control server.
 *
 * Parsing reads an offer from outside: lines are bounded, numbers parsed strictly, labels
 * kept only when they are RFC 4574 tokens of at most BFCP_SDP_LABEL_MAX characters, at most
 * BFCP_SDP_MAX_FLOORS floor ids and BFCP_SDP_MAX_VIDEOS video lines are kept. The answer is
 * written only from values we chose and validated (bfcp_sdp_answer), never from echoed text.
 *
 * Threading: none; pure functions. Ownership: structs are the caller's; the answer text is
 * g_malloc'ed (g_free). No Janus headers.
 */
#ifndef TPAAS_BFCP_SDP_H
#define TPAAS_BFCP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFCP_SDP_MAX_FLOORS 8
#define BFCP_SDP_MAX_LABELS 4
#define BFCP_SDP_MAX_VIDEOS 8
#define BFCP_SDP_LABEL_MAX  32

typedef enum {
	BFCP_PROTO_NONE = 0,
	BFCP_PROTO_TCP,     /* TCP/BFCP */
	BFCP_PROTO_TCP_TLS, /* TCP/TLS/BFCP */
	BFCP_PROTO_UDP,     /* UDP/BFCP */
	BFCP_PROTO_UDP_TLS, /* UDP/TLS/BFCP (DTLS) */
} bfcp_sdp_proto;

/* a=floorctrl roles, as a bit set */
enum {
	BFCP_ROLE_C_ONLY = 1,
	BFCP_ROLE_S_ONLY = 2,
	BFCP_ROLE_C_S = 4
};

typedef enum {
	BFCP_SETUP_NONE = 0,
	BFCP_SETUP_ACTIVE,
	BFCP_SETUP_PASSIVE,
	BFCP_SETUP_ACTPASS,
	BFCP_SETUP_HOLDCONN,
} bfcp_sdp_setup;

/* a=content values (RFC 4796), as a bit set */
enum {
	BFCP_CONTENT_SLIDES = 1,
	BFCP_CONTENT_SPEAKER = 2,
	BFCP_CONTENT_SL = 4,
	BFCP_CONTENT_MAIN = 8,
	BFCP_CONTENT_ALT = 16,
	BFCP_CONTENT_OTHER = 32,
};

typedef struct {
	uint16_t floor_id;
	char labels[BFCP_SDP_MAX_LABELS][BFCP_SDP_LABEL_MAX + 1];
	size_t n_labels;
} bfcp_sdp_floor;

typedef struct {
	int mline;                          /* index of the m= line in the SDP (0 = first) */
	uint16_t port;                      /* 0: refused/disabled */
	unsigned content;                   /* BFCP_CONTENT_* bits */
	char label[BFCP_SDP_LABEL_MAX + 1]; /* "" when none (or not a valid token) */
} bfcp_sdp_video;

typedef struct {
	bool present; /* an m=application line with a BFCP protocol */
	int mline;
	uint16_t port;
	bfcp_sdp_proto proto;
	unsigned floorctrl; /* BFCP_ROLE_* bits; 0 when the line has none (RFC 8856: c-only) */
	bool has_confid, has_userid;
	uint32_t confid;
	uint16_t userid;
	bfcp_sdp_floor floors[BFCP_SDP_MAX_FLOORS];
	size_t n_floors;
	bfcp_sdp_setup setup;
	bool connection_existing; /* a=connection:existing (default new) */
	unsigned bfcpver;         /* bit (1 << v) for each version listed; 0 when none */
	bfcp_sdp_video videos[BFCP_SDP_MAX_VIDEOS];
	size_t n_videos;
} bfcp_sdp_offer;

/* Parses an offer (or answer) text of len bytes. Returns false only for a text that is not SDP
 * at all (no m= line); a BFCP line that is absent or unusable leaves offer->present false. */
bool bfcp_sdp_parse(const char *sdp, size_t len, bfcp_sdp_offer *offer);

/* The index of the video line marked a=content:slides, -1 if none (never by position). */
int bfcp_sdp_slides_video(const bfcp_sdp_offer *offer);

/* Our answer's BFCP line. */
typedef struct {
	uint16_t port;
	bfcp_sdp_proto proto;
	bfcp_sdp_setup setup; /* ours: NONE over UDP */
	uint32_t confid;
	uint16_t userid; /* the user id we give the offerer */
	uint16_t floor_id;
	uint32_t slides_label; /* a=label of our slides video line: a number we chose */
	uint8_t bfcpver;       /* 1 (TCP) or 2 (UDP) */
	bool existing;         /* TCP: a=connection:existing (a re-offer keeping it), else new */
} bfcp_sdp_answer;

/*
 * Chooses our answer to offer as the floor control server: the offerer must be able to be a
 * client (c-only or c-s, or no a=floorctrl), the protocol must be TCP/BFCP or UDP/BFCP (TLS
 * ones are refused for now: *why says so), setup answers active with passive, passive with
 * active, actpass with passive, and holdconn is refused. The ids and the label are the
 * caller's choice. false (and *why) when we cannot answer with a BFCP line (answer port 0).
 */
bool bfcp_sdp_choose(const bfcp_sdp_offer *offer, uint16_t port, uint32_t confid, uint16_t userid,
	uint16_t floor_id, uint32_t slides_label, bfcp_sdp_answer *answer, const char **why);

/* Writes the m=application line and its attributes (CRLF line ends; g_free it). NULL when the
 * answer's values are not valid. */
char *bfcp_sdp_write_answer(const bfcp_sdp_answer *answer);

/*
 * When WE offer (dial-out, a delayed offer): our BFCP line as the floor control server, TCP/BFCP
 * with a=setup:passive (we listen; room systems want to connect), a=connection:new,
 * a=floorctrl:s-only, our confid/userid and a=floorid:<floor_id> mstrm:<slides_label>. The same
 * attributes as an answer of ours to an active offerer, so bfcp_sdp_write_answer writes it.
 * NULL when a value is not valid.
 */
char *bfcp_sdp_write_offer(
	uint16_t port, uint32_t confid, uint16_t userid, uint16_t floor_id, uint32_t slides_label);

/*
 * Checks the answer to an offer of ours (answer parsed by bfcp_sdp_parse; mline: where our BFCP
 * line was in the offer, RFC 3264 keeps the order; offered and our_setup: that line's protocol
 * and, over TCP, our a=setup). Accepted only when the answer's line is there with a port, the
 * protocol we offered, a client role (a=floorctrl:c-only, or none: RFC 8856 §5.1, the answerer
 * of an s-only offer can only be a client) and, over TCP, the other end of the connection: to
 * our passive a=setup:active or none (RFC 4145 §4: active is the default), to our active (a
 * re-offer keeping a connection we made) a=setup:passive. false and *why otherwise: the call
 * goes on without BFCP.
 */
bool bfcp_sdp_answer_accepted(const bfcp_sdp_offer *answer, int mline, bfcp_sdp_proto offered,
	bfcp_sdp_setup our_setup, const char **why);

#endif
