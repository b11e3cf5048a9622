/*
 * bfcp_msg.h - RFC 8855 (BFCP) message codec: the common header (version 1 over TCP, version 2
 * over UDP; R and F bits), the attributes a floor control server needs, flat and grouped, and
 * the Error reply a server sends back when a message cannot be taken.
 *
 * Decoding reads an attacker's bytes: every length is checked against its container, grouped
 * attributes nest at most BFCP_MAX_DEPTH deep, a message holds at most BFCP_MAX_ATTRS
 * attributes, and nothing past the given buffer is read. A message that cannot be taken fills
 * a bfcp_decode_error with the Error code to answer (3 unknown primitive, 4 unknown mandatory
 * attribute with the attribute types, 10 unparsable, 12 unsupported version, 13 wrong
 * length). Fragmented messages (F bit, version 2 over UDP) are refused for now with Error 10
 * and the ERROR-INFO "fragmented messages are not supported": the messages a floor control
 * server exchanges fit one datagram.
 *
 * Names: libre (re_bfcp.h) exports bfcp_msg_encode, bfcp_msg_decode and bfcp_attrs_find;
 * ours are bfcp_msg_pack, bfcp_msg_parse and bfcp_attrs_first so both can live in one
 * process (the interop test links both).
 *
 * Threading: none; pure functions on the caller's data. Ownership: a bfcp_msg owns its
 * attributes and their bytes (bfcp_msg_free); encoded buffers are g_malloc'ed for the caller
 * (g_free). No Janus headers.
 */
#ifndef TPAAS_BFCP_MSG_H
#define TPAAS_BFCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFCP_HEADER_LEN  12
#define BFCP_MAX_DEPTH   3
#define BFCP_MAX_ATTRS   128
#define BFCP_MAX_UNKNOWN 16

typedef enum {
	BFCP_FLOOR_REQUEST = 1,
	BFCP_FLOOR_RELEASE = 2,
	BFCP_FLOOR_REQUEST_QUERY = 3,
	BFCP_FLOOR_REQUEST_STATUS = 4,
	BFCP_USER_QUERY = 5,
	BFCP_USER_STATUS = 6,
	BFCP_FLOOR_QUERY = 7,
	BFCP_FLOOR_STATUS = 8,
	BFCP_CHAIR_ACTION = 9,
	BFCP_CHAIR_ACTION_ACK = 10,
	BFCP_HELLO = 11,
	BFCP_HELLO_ACK = 12,
	BFCP_ERROR = 13,
	BFCP_FLOOR_REQUEST_STATUS_ACK = 14,
	BFCP_FLOOR_STATUS_ACK = 15,
	BFCP_GOODBYE = 16,
	BFCP_GOODBYE_ACK = 17,
} bfcp_primitive;

typedef enum {
	BFCP_A_BENEFICIARY_ID = 1,
	BFCP_A_FLOOR_ID = 2,
	BFCP_A_FLOOR_REQUEST_ID = 3,
	BFCP_A_PRIORITY = 4,
	BFCP_A_REQUEST_STATUS = 5,
	BFCP_A_ERROR_CODE = 6,
	BFCP_A_ERROR_INFO = 7,
	BFCP_A_PARTICIPANT_PROVIDED_INFO = 8,
	BFCP_A_STATUS_INFO = 9,
	BFCP_A_SUPPORTED_ATTRIBUTES = 10,
	BFCP_A_SUPPORTED_PRIMITIVES = 11,
	BFCP_A_USER_DISPLAY_NAME = 12,
	BFCP_A_USER_URI = 13,
	BFCP_A_BENEFICIARY_INFORMATION = 14,
	BFCP_A_FLOOR_REQUEST_INFORMATION = 15,
	BFCP_A_REQUESTED_BY_INFORMATION = 16,
	BFCP_A_FLOOR_REQUEST_STATUS = 17,
	BFCP_A_OVERALL_REQUEST_STATUS = 18,
} bfcp_attr_type;

typedef enum {
	BFCP_STATUS_PENDING = 1,
	BFCP_STATUS_ACCEPTED = 2,
	BFCP_STATUS_GRANTED = 3,
	BFCP_STATUS_DENIED = 4,
	BFCP_STATUS_CANCELLED = 5,
	BFCP_STATUS_RELEASED = 6,
	BFCP_STATUS_REVOKED = 7,
} bfcp_request_status;

typedef enum {
	BFCP_ERR_CONF_NOT_EXIST = 1,
	BFCP_ERR_USER_NOT_EXIST = 2,
	BFCP_ERR_UNKNOWN_PRIMITIVE = 3,
	BFCP_ERR_UNKNOWN_MANDATORY_ATTR = 4,
	BFCP_ERR_UNAUTHORIZED = 5,
	BFCP_ERR_INVALID_FLOOR_ID = 6,
	BFCP_ERR_FLOOR_REQUEST_ID_NOT_EXIST = 7,
	BFCP_ERR_MAX_FLOOR_REQUESTS = 8,
	BFCP_ERR_USE_TLS = 9,
	BFCP_ERR_PARSE = 10,
	BFCP_ERR_USE_DTLS = 11,
	BFCP_ERR_UNSUPPORTED_VERSION = 12,
	BFCP_ERR_BAD_LENGTH = 13,
	BFCP_ERR_GENERIC = 14,
} bfcp_error_code;

typedef struct bfcp_attr bfcp_attr;

/* A list of attributes: a message's, or the ones inside a grouped attribute. */
typedef struct {
	bfcp_attr *v;
	size_t n;
} bfcp_attrs;

/*
 * One attribute. Which fields hold its value depends on its type:
 * - BENEFICIARY-ID, FLOOR-ID, FLOOR-REQUEST-ID: u16;
 * - PRIORITY: u16 (the 3-bit priority, 0-4);
 * - REQUEST-STATUS: status, queue_pos;
 * - ERROR-CODE: error_code, and data/len its error-specific details;
 * - ERROR-INFO, PARTICIPANT-PROVIDED-INFO, STATUS-INFO, USER-DISPLAY-NAME, USER-URI,
 *   SUPPORTED-ATTRIBUTES, SUPPORTED-PRIMITIVES: data/len (not NUL-terminated by the wire;
 *   the decoder adds a NUL after the bytes for convenience);
 * - the grouped ones: u16 (their leading id) and children.
 */
struct bfcp_attr {
	uint8_t type;
	bool mandatory;
	uint16_t u16;
	uint8_t status, queue_pos;
	uint8_t error_code;
	uint8_t *data;
	size_t len;
	bfcp_attrs children;
};

typedef struct {
	uint8_t version; /* 1 (TCP) or 2 (UDP) */
	bool responder;  /* R bit (version 2): a response */
	uint8_t primitive;
	uint32_t conference_id;
	uint16_t transaction_id;
	uint16_t user_id;
	bfcp_attrs attrs;
} bfcp_msg;

/* What a decode that failed tells the caller, and what to answer. */
typedef struct {
	bool have_header; /* the common header was read: an Error reply can be addressed */
	bool reply;       /* an Error message should be sent back (never for an Error received) */
	uint8_t version, primitive;
	uint32_t conference_id;
	uint16_t transaction_id, user_id;
	uint8_t code;                      /* bfcp_error_code */
	const char *info;                  /* static text for ERROR-INFO, or NULL */
	uint8_t unknown[BFCP_MAX_UNKNOWN]; /* code 4: the unknown mandatory attribute types */
	size_t n_unknown;
} bfcp_decode_error;

bool bfcp_primitive_known(uint8_t primitive);
const char *bfcp_primitive_name(uint8_t primitive);

/* Building a message (the attrs lists grow; the returned pointer is valid until the next add
 * to the same list). */
void bfcp_msg_init(bfcp_msg *m, uint8_t version, uint8_t primitive, uint32_t conference_id,
	uint16_t transaction_id, uint16_t user_id);
bfcp_attr *bfcp_attrs_add_u16(bfcp_attrs *l, uint8_t type, uint16_t value);
bfcp_attr *bfcp_attrs_add_bytes(bfcp_attrs *l, uint8_t type, const void *data, size_t len);
bfcp_attr *bfcp_attrs_add_string(bfcp_attrs *l, uint8_t type, const char *s);
bfcp_attr *bfcp_attrs_add_request_status(bfcp_attrs *l, uint8_t status, uint8_t queue_pos);
bfcp_attr *bfcp_attrs_add_priority(bfcp_attrs *l, uint8_t priority);
bfcp_attr *bfcp_attrs_add_error_code(
	bfcp_attrs *l, uint8_t code, const uint8_t *details, size_t len);
bfcp_attr *bfcp_attrs_add_group(bfcp_attrs *l, uint8_t type, uint16_t id);
/* The first attribute of that type in the list (not inside groups), or NULL. */
const bfcp_attr *bfcp_attrs_first(const bfcp_attrs *l, uint8_t type);
void bfcp_attrs_clear(bfcp_attrs *l);
void bfcp_msg_clear(bfcp_msg *m);

/*
 * Encodes m into a new buffer (*out, *out_len; g_free it). Fails (false, *out NULL) when an
 * attribute or the message does not fit its length field or breaks the attribute's shape.
 * Every attribute is written mandatory (M bit) when its .mandatory is set.
 */
bool bfcp_msg_pack(const bfcp_msg *m, uint8_t **out, size_t *out_len);

/*
 * For a stream (TCP): how long the message starting at buf is in all, once its header is
 * there (0 while fewer than 4 bytes have arrived).
 */
size_t bfcp_msg_frame_length(const uint8_t *buf, size_t len);

/*
 * Decodes exactly one message of len bytes into *m (bfcp_msg_clear it after). Returns false
 * and fills *err when the message is not taken (then *m holds nothing to free).
 */
bool bfcp_msg_parse(const uint8_t *buf, size_t len, bfcp_msg *m, bfcp_decode_error *err);

/*
 * The Error message answering a failed decode (err->have_header and err->reply), in the
 * version received, or fallback_version when that version was not supported (1 over TCP,
 * 2 over UDP). NULL when no reply is due.
 */
uint8_t *bfcp_error_reply(const bfcp_decode_error *err, uint8_t fallback_version, size_t *out_len);

#endif
