/*
 * bfcp_msg.c - RFC 8855 message codec (see bfcp_msg.h): encoder, bounded decoder, Error reply.
 *
 * Threading: none. Ownership: a bfcp_msg owns its attribute arrays and their bytes.
 */
#include "bfcp_msg.h"

#include <glib.h>
#include <string.h>

static const char *const primitive_names[] = {
	NULL,
	"FloorRequest",
	"FloorRelease",
	"FloorRequestQuery",
	"FloorRequestStatus",
	"UserQuery",
	"UserStatus",
	"FloorQuery",
	"FloorStatus",
	"ChairAction",
	"ChairActionAck",
	"Hello",
	"HelloAck",
	"Error",
	"FloorRequestStatusAck",
	"FloorStatusAck",
	"Goodbye",
	"GoodbyeAck",
};

bool bfcp_primitive_known(uint8_t p)
{
	return p >= BFCP_FLOOR_REQUEST && p <= BFCP_GOODBYE_ACK;
}

const char *bfcp_primitive_name(uint8_t p)
{
	return bfcp_primitive_known(p) ? primitive_names[p] : "unknown";
}

/* The shape of each attribute type's value. */
typedef enum {
	SHAPE_NONE,
	SHAPE_U16,
	SHAPE_PRIORITY,
	SHAPE_STATUS,
	SHAPE_ERROR,
	SHAPE_BYTES,
	SHAPE_GROUP
} shape;

static shape attr_shape(uint8_t type)
{
	switch (type) {
	case BFCP_A_BENEFICIARY_ID:
	case BFCP_A_FLOOR_ID:
	case BFCP_A_FLOOR_REQUEST_ID: return SHAPE_U16;
	case BFCP_A_PRIORITY: return SHAPE_PRIORITY;
	case BFCP_A_REQUEST_STATUS: return SHAPE_STATUS;
	case BFCP_A_ERROR_CODE: return SHAPE_ERROR;
	case BFCP_A_ERROR_INFO:
	case BFCP_A_PARTICIPANT_PROVIDED_INFO:
	case BFCP_A_STATUS_INFO:
	case BFCP_A_SUPPORTED_ATTRIBUTES:
	case BFCP_A_SUPPORTED_PRIMITIVES:
	case BFCP_A_USER_DISPLAY_NAME:
	case BFCP_A_USER_URI: return SHAPE_BYTES;
	case BFCP_A_BENEFICIARY_INFORMATION:
	case BFCP_A_FLOOR_REQUEST_INFORMATION:
	case BFCP_A_REQUESTED_BY_INFORMATION:
	case BFCP_A_FLOOR_REQUEST_STATUS:
	case BFCP_A_OVERALL_REQUEST_STATUS: return SHAPE_GROUP;
	default: return SHAPE_NONE;
	}
}

/* ---- building ------------------------------------------------------------------------- */

void bfcp_msg_init(bfcp_msg *m, uint8_t version, uint8_t primitive, uint32_t conference_id,
	uint16_t transaction_id, uint16_t user_id)
{
	memset(m, 0, sizeof(*m));
	m->version = version;
	m->primitive = primitive;
	m->conference_id = conference_id;
	m->transaction_id = transaction_id;
	m->user_id = user_id;
}

static bfcp_attr *attrs_add(bfcp_attrs *l, uint8_t type)
{
	l->v = g_renew(bfcp_attr, l->v, l->n + 1);
	bfcp_attr *a = &l->v[l->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

bfcp_attr *bfcp_attrs_add_u16(bfcp_attrs *l, uint8_t type, uint16_t value)
{
	bfcp_attr *a = attrs_add(l, type);
	a->u16 = value;
	return a;
}

bfcp_attr *bfcp_attrs_add_bytes(bfcp_attrs *l, uint8_t type, const void *data, size_t len)
{
	bfcp_attr *a = attrs_add(l, type);
	a->data = g_malloc(len + 1);
	if (len > 0)
		memcpy(a->data, data, len);
	a->data[len] = 0;
	a->len = len;
	return a;
}

bfcp_attr *bfcp_attrs_add_string(bfcp_attrs *l, uint8_t type, const char *s)
{
	return bfcp_attrs_add_bytes(l, type, s, strlen(s));
}

bfcp_attr *bfcp_attrs_add_request_status(bfcp_attrs *l, uint8_t status, uint8_t queue_pos)
{
	bfcp_attr *a = attrs_add(l, BFCP_A_REQUEST_STATUS);
	a->status = status;
	a->queue_pos = queue_pos;
	return a;
}

bfcp_attr *bfcp_attrs_add_priority(bfcp_attrs *l, uint8_t priority)
{
	bfcp_attr *a = attrs_add(l, BFCP_A_PRIORITY);
	a->u16 = priority;
	return a;
}

bfcp_attr *bfcp_attrs_add_error_code(
	bfcp_attrs *l, uint8_t code, const uint8_t *details, size_t len)
{
	bfcp_attr *a = bfcp_attrs_add_bytes(l, BFCP_A_ERROR_CODE, details, len);
	a->error_code = code;
	return a;
}

bfcp_attr *bfcp_attrs_add_group(bfcp_attrs *l, uint8_t type, uint16_t id)
{
	return bfcp_attrs_add_u16(l, type, id);
}

const bfcp_attr *bfcp_attrs_first(const bfcp_attrs *l, uint8_t type)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].type == type)
			return &l->v[i];
	return NULL;
}

void bfcp_attrs_clear(bfcp_attrs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		g_free(l->v[i].data);
		bfcp_attrs_clear(&l->v[i].children);
	}
	g_free(l->v);
	l->v = NULL;
	l->n = 0;
}

void bfcp_msg_clear(bfcp_msg *m)
{
	bfcp_attrs_clear(&m->attrs);
}

/* ---- encoding ------------------------------------------------------------------------- */

static void put16(GByteArray *b, size_t at, uint16_t v)
{
	b->data[at] = (uint8_t)(v >> 8);
	b->data[at + 1] = (uint8_t)v;
}

static void append(GByteArray *b, const void *p, size_t n)
{
	if (n > 0)
		g_byte_array_append(b, p, (guint)n);
}

static void pad4(GByteArray *b, size_t start)
{
	static const uint8_t zero[3] = { 0 };
	size_t used = b->len - start;
	if (used % 4)
		append(b, zero, 4 - used % 4);
}

static bool encode_attrs(GByteArray *b, const bfcp_attrs *l, int depth);

static bool encode_attr(GByteArray *b, const bfcp_attr *a, int depth)
{
	if (a->type == 0 || a->type > 127)
		return false;
	size_t start = b->len;
	uint8_t hdr[2] = { (uint8_t)(a->type << 1 | (a->mandatory ? 1 : 0)), 0 };
	append(b, hdr, 2);
	uint8_t v[3];
	switch (attr_shape(a->type)) {
	case SHAPE_U16:
		v[0] = (uint8_t)(a->u16 >> 8);
		v[1] = (uint8_t)a->u16;
		append(b, v, 2);
		break;
	case SHAPE_PRIORITY:
		if (a->u16 > 7)
			return false;
		v[0] = (uint8_t)(a->u16 << 5);
		v[1] = 0;
		append(b, v, 2);
		break;
	case SHAPE_STATUS:
		v[0] = a->status;
		v[1] = a->queue_pos;
		append(b, v, 2);
		break;
	case SHAPE_ERROR:
		append(b, &a->error_code, 1);
		append(b, a->data, a->len);
		break;
	case SHAPE_BYTES: append(b, a->data, a->len); break;
	case SHAPE_GROUP:
		if (depth >= BFCP_MAX_DEPTH)
			return false;
		v[0] = (uint8_t)(a->u16 >> 8);
		v[1] = (uint8_t)a->u16;
		append(b, v, 2);
		if (!encode_attrs(b, &a->children, depth + 1))
			return false;
		break;
	case SHAPE_NONE: append(b, a->data, a->len); break;
	}
	size_t len = b->len - start;
	if (len > 255)
		return false;
	b->data[start + 1] = (uint8_t)len;
	pad4(b, start);
	return true;
}

static bool encode_attrs(GByteArray *b, const bfcp_attrs *l, int depth)
{
	for (size_t i = 0; i < l->n; i++)
		if (!encode_attr(b, &l->v[i], depth))
			return false;
	return true;
}

bool bfcp_msg_pack(const bfcp_msg *m, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (m->version != 1 && m->version != 2)
		return false;
	GByteArray *b = g_byte_array_new();
	uint8_t hdr[BFCP_HEADER_LEN] = { 0 };
	hdr[0] = (uint8_t)(m->version << 5 | (m->responder && m->version == 2 ? 0x10 : 0));
	hdr[1] = m->primitive;
	hdr[4] = (uint8_t)(m->conference_id >> 24);
	hdr[5] = (uint8_t)(m->conference_id >> 16);
	hdr[6] = (uint8_t)(m->conference_id >> 8);
	hdr[7] = (uint8_t)m->conference_id;
	hdr[8] = (uint8_t)(m->transaction_id >> 8);
	hdr[9] = (uint8_t)m->transaction_id;
	hdr[10] = (uint8_t)(m->user_id >> 8);
	hdr[11] = (uint8_t)m->user_id;
	append(b, hdr, sizeof(hdr));
	if (!encode_attrs(b, &m->attrs, 0) || (b->len - BFCP_HEADER_LEN) / 4 > 0xffff) {
		g_byte_array_free(b, TRUE);
		return false;
	}
	put16(b, 2, (uint16_t)((b->len - BFCP_HEADER_LEN) / 4));
	*out_len = b->len;
	*out = g_byte_array_free(b, FALSE);
	return true;
}

/* ---- decoding ------------------------------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

size_t bfcp_msg_frame_length(const uint8_t *buf, size_t len)
{
	if (len < 4)
		return 0;
	return BFCP_HEADER_LEN + 4 * (size_t)get16(buf + 2);
}

typedef struct {
	bfcp_decode_error *err;
	size_t n_attrs;
} decoder;

static bool fail(decoder *d, uint8_t code, const char *info)
{
	d->err->code = code;
	d->err->info = info;
	return false;
}

/* Decodes the attributes in buf[0, len) into l. Unknown optional attributes are skipped;
 * unknown mandatory ones are collected (and make the decode fail at the end). */
static bool decode_attrs(decoder *d, const uint8_t *buf, size_t len, bfcp_attrs *l, int depth)
{
	size_t off = 0;
	while (off < len) {
		if (len - off < 2)
			return fail(d, BFCP_ERR_PARSE, "truncated attribute");
		uint8_t type = buf[off] >> 1;
		bool mandatory = buf[off] & 1;
		size_t alen = buf[off + 1];
		size_t padded = (alen + 3) & ~(size_t)3;
		if (alen < 2 || padded > len - off)
			return fail(d, BFCP_ERR_PARSE, "attribute length");
		if (++d->n_attrs > BFCP_MAX_ATTRS)
			return fail(d, BFCP_ERR_PARSE, "too many attributes");
		const uint8_t *v = buf + off + 2;
		size_t vlen = alen - 2;
		off += padded;
		shape s = attr_shape(type);
		if (s == SHAPE_NONE) {
			if (mandatory && d->err->n_unknown < BFCP_MAX_UNKNOWN)
				d->err->unknown[d->err->n_unknown++] = type;
			continue;
		}
		bfcp_attr *a;
		switch (s) {
		case SHAPE_U16:
		case SHAPE_PRIORITY:
		case SHAPE_STATUS:
			if (vlen != 2)
				return fail(d, BFCP_ERR_PARSE, "attribute length");
			a = attrs_add(l, type);
			if (s == SHAPE_U16)
				a->u16 = get16(v);
			else if (s == SHAPE_PRIORITY)
				a->u16 = v[0] >> 5;
			else {
				a->status = v[0];
				a->queue_pos = v[1];
			}
			break;
		case SHAPE_ERROR:
			if (vlen < 1)
				return fail(d, BFCP_ERR_PARSE, "attribute length");
			a = bfcp_attrs_add_error_code(l, v[0], v + 1, vlen - 1);
			break;
		case SHAPE_BYTES: a = bfcp_attrs_add_bytes(l, type, v, vlen); break;
		case SHAPE_GROUP:
		default:
			if (vlen < 2)
				return fail(d, BFCP_ERR_PARSE, "attribute length");
			if (depth >= BFCP_MAX_DEPTH)
				return fail(
					d, BFCP_ERR_PARSE, "grouped attributes nested too deep");
			a = attrs_add(l, type);
			a->u16 = get16(v);
			/* a's address may move when the list grows: decode into a local list */
			{
				bfcp_attrs children = { 0 };
				bool ok = decode_attrs(d, v + 2, vlen - 2, &children, depth + 1);
				l->v[l->n - 1].children = children;
				if (!ok)
					return false;
			}
			a = &l->v[l->n - 1];
			break;
		}
		a->mandatory = mandatory;
	}
	return true;
}

bool bfcp_msg_parse(const uint8_t *buf, size_t len, bfcp_msg *m, bfcp_decode_error *err)
{
	memset(m, 0, sizeof(*m));
	memset(err, 0, sizeof(*err));
	decoder d = { .err = err };
	if (buf == NULL || len < BFCP_HEADER_LEN) {
		err->code = BFCP_ERR_PARSE;
		err->info = "shorter than the common header";
		return false;
	}
	err->have_header = true;
	err->version = buf[0] >> 5;
	err->primitive = buf[1];
	err->conference_id = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8
		| buf[7];
	err->transaction_id = get16(buf + 8);
	err->user_id = get16(buf + 10);
	/* never answer an Error or an Ack with an Error (two servers would ping-pong) */
	err->reply = buf[1] != BFCP_ERROR && buf[1] != BFCP_HELLO_ACK && buf[1] != BFCP_GOODBYE_ACK
		&& buf[1] != BFCP_FLOOR_STATUS_ACK && buf[1] != BFCP_FLOOR_REQUEST_STATUS_ACK
		&& buf[1] != BFCP_CHAIR_ACTION_ACK;
	if (err->version != 1 && err->version != 2)
		return fail(&d, BFCP_ERR_UNSUPPORTED_VERSION,
			"version 1 (TCP) and 2 (UDP) are supported");
	if (buf[0] & 0x08)
		return fail(&d, BFCP_ERR_PARSE, "fragmented messages are not supported");
	if (bfcp_msg_frame_length(buf, len) != len)
		return fail(&d, BFCP_ERR_BAD_LENGTH, "payload length does not match the message");
	if (!bfcp_primitive_known(buf[1]))
		return fail(&d, BFCP_ERR_UNKNOWN_PRIMITIVE, NULL);
	m->version = err->version;
	m->responder = err->version == 2 && (buf[0] & 0x10);
	m->primitive = buf[1];
	m->conference_id = err->conference_id;
	m->transaction_id = err->transaction_id;
	m->user_id = err->user_id;
	bool ok = decode_attrs(&d, buf + BFCP_HEADER_LEN, len - BFCP_HEADER_LEN, &m->attrs, 0);
	if (ok && err->n_unknown > 0)
		ok = fail(&d, BFCP_ERR_UNKNOWN_MANDATORY_ATTR, NULL);
	if (!ok) {
		bfcp_msg_clear(m);
		if (err->code != BFCP_ERR_UNKNOWN_MANDATORY_ATTR)
			err->n_unknown = 0;
		return false;
	}
	return true;
}

uint8_t *bfcp_error_reply(const bfcp_decode_error *err, uint8_t fallback_version, size_t *out_len)
{
	*out_len = 0;
	if (!err->have_header || !err->reply)
		return NULL;
	uint8_t version = (err->version == 1 || err->version == 2) ? err->version
								   : fallback_version;
	bfcp_msg m;
	bfcp_msg_init(
		&m, version, BFCP_ERROR, err->conference_id, err->transaction_id, err->user_id);
	m.responder = true;
	uint8_t details[BFCP_MAX_UNKNOWN];
	size_t n = 0;
	if (err->code == BFCP_ERR_UNKNOWN_MANDATORY_ATTR)
		for (; n < err->n_unknown; n++)
			details[n] = (uint8_t)(err->unknown[n] << 1);
	bfcp_attrs_add_error_code(&m.attrs, err->code, details, n)->mandatory = true;
	if (err->info != NULL)
		bfcp_attrs_add_string(&m.attrs, BFCP_A_ERROR_INFO, err->info);
	uint8_t *out = NULL;
	if (!bfcp_msg_pack(&m, &out, out_len))
		out = NULL;
	bfcp_msg_clear(&m);
	return out;
}
