/*
 * bfcp_floor.c - the floor control server of one conference (see bfcp_floor.h).
 *
 * Threading: none; the caller's lock protects the struct. Ownership: the server owns its
 * tables; the outbox owns the encoded buffers it is given.
 */
#include "bfcp_floor.h"

#include <glib.h>
#include <string.h>

typedef struct {
	uint16_t user_id;
	uint8_t version;                    /* 0: not a BFCP client */
	char name[BFCP_FLOOR_NAME_MAX + 1]; /* its USER-DISPLAY-NAME, "" none */
} client;

typedef struct {
	uint16_t floor_id;
	uint16_t holder;     /* user id, 0 when free */
	uint16_t request_id; /* the holder's floor request id */
} floor_state;

struct bfcp_floor_server {
	uint32_t conference_id;
	client clients[BFCP_FLOOR_MAX_CLIENTS];
	size_t n_clients;
	floor_state floors[BFCP_FLOOR_MAX_FLOORS];
	size_t n_floors;
	uint16_t next_request_id;
	uint16_t next_transaction_id;
};

void bfcp_outbox_clear(bfcp_outbox *o)
{
	for (size_t i = 0; i < o->n; i++)
		g_free(o->v[i].data);
	g_free(o->v);
	o->v = NULL;
	o->n = 0;
}

static void outbox_push(bfcp_outbox *o, uint16_t user_id, uint8_t *data, size_t len)
{
	if (data == NULL)
		return;
	o->v = g_renew(bfcp_out_msg, o->v, o->n + 1);
	o->v[o->n++] = (bfcp_out_msg){ .user_id = user_id, .data = data, .len = len };
}

bfcp_floor_server *bfcp_floor_server_new(uint32_t conference_id)
{
	bfcp_floor_server *s = g_new0(bfcp_floor_server, 1);
	s->conference_id = conference_id;
	s->next_request_id = 1;
	s->next_transaction_id = 1;
	return s;
}

void bfcp_floor_server_free(bfcp_floor_server *s)
{
	g_free(s);
}

static client *find_client(bfcp_floor_server *s, uint16_t user_id)
{
	for (size_t i = 0; i < s->n_clients; i++)
		if (s->clients[i].user_id == user_id)
			return &s->clients[i];
	return NULL;
}

static floor_state *find_floor(bfcp_floor_server *s, uint16_t floor_id)
{
	for (size_t i = 0; i < s->n_floors; i++)
		if (s->floors[i].floor_id == floor_id)
			return &s->floors[i];
	return NULL;
}

bool bfcp_floor_add(bfcp_floor_server *s, uint16_t floor_id)
{
	if (floor_id == 0 || find_floor(s, floor_id) != NULL
		|| s->n_floors >= BFCP_FLOOR_MAX_FLOORS)
		return false;
	s->floors[s->n_floors++] = (floor_state){ .floor_id = floor_id };
	return true;
}

bool bfcp_floor_client_add(bfcp_floor_server *s, uint16_t user_id, uint8_t version)
{
	if (user_id == 0 || version > 2 || find_client(s, user_id) != NULL
		|| s->n_clients >= BFCP_FLOOR_MAX_CLIENTS)
		return false;
	s->clients[s->n_clients++] = (client){ .user_id = user_id, .version = version };
	return true;
}

bool bfcp_floor_client_set_name(bfcp_floor_server *s, uint16_t user_id, const char *name)
{
	client *c = find_client(s, user_id);
	if (c == NULL)
		return false;
	c->name[0] = '\0';
	if (name == NULL)
		return true;
	char *valid = g_utf8_make_valid(name, -1);
	size_t n = 0;
	for (const char *p = valid; *p;) {
		const char *next = g_utf8_next_char(p);
		size_t len = (size_t)(next - p);
		if (n + len > BFCP_FLOOR_NAME_MAX)
			break;
		memcpy(c->name + n, p, len);
		if (len == 1 && ((unsigned char)*p < 0x20 || *p == 0x7f))
			c->name[n] = ' ';
		n += len;
		p = next;
	}
	c->name[n] = '\0';
	g_free(valid);
	return true;
}

uint16_t bfcp_floor_holder(const bfcp_floor_server *s, uint16_t floor_id)
{
	for (size_t i = 0; i < s->n_floors; i++)
		if (s->floors[i].floor_id == floor_id)
			return s->floors[i].holder;
	return 0;
}

/* ---- messages ------------------------------------------------------------------------- */

/* The header of a message to c: a response (tid of the request, R bit) or server-initiated. */
static void msg_to(bfcp_floor_server *s, bfcp_msg *m, const client *c, uint8_t primitive,
	const bfcp_msg *request)
{
	uint16_t tid = 0;
	if (request != NULL)
		tid = request->transaction_id;
	else if (c->version == 2) {
		tid = s->next_transaction_id++;
		if (s->next_transaction_id == 0)
			s->next_transaction_id = 1;
	}
	bfcp_msg_init(m, c->version, primitive, s->conference_id, tid, c->user_id);
	m->responder = request != NULL;
}

static void send_msg(bfcp_outbox *out, bfcp_msg *m)
{
	uint8_t *data = NULL;
	size_t len = 0;
	if (bfcp_msg_pack(m, &data, &len))
		outbox_push(out, m->user_id, data, len);
	bfcp_msg_clear(m);
}

/* FLOOR-REQUEST-INFORMATION of one request on one floor; the beneficiary with its name. */
static void add_request_info(bfcp_attrs *l, uint16_t request_id, uint16_t floor_id,
	const client *beneficiary, uint8_t status)
{
	bfcp_attr *fri = bfcp_attrs_add_group(l, BFCP_A_FLOOR_REQUEST_INFORMATION, request_id);
	bfcp_attrs children = { 0 };
	bfcp_attr *ors = bfcp_attrs_add_group(&children, BFCP_A_OVERALL_REQUEST_STATUS, request_id);
	bfcp_attrs_add_request_status(&ors->children, status, 0);
	bfcp_attrs_add_group(&children, BFCP_A_FLOOR_REQUEST_STATUS, floor_id);
	if (beneficiary != NULL) {
		bfcp_attr *bi = bfcp_attrs_add_group(
			&children, BFCP_A_BENEFICIARY_INFORMATION, beneficiary->user_id);
		if (beneficiary->name[0])
			bfcp_attrs_add_string(
				&bi->children, BFCP_A_USER_DISPLAY_NAME, beneficiary->name);
	}
	fri->children = children;
}

static void send_request_status(bfcp_floor_server *s, bfcp_outbox *out, const client *c,
	const bfcp_msg *request, uint16_t request_id, uint16_t floor_id, uint8_t status)
{
	if (c == NULL || c->version == 0)
		return;
	bfcp_msg m;
	msg_to(s, &m, c, BFCP_FLOOR_REQUEST_STATUS, request);
	add_request_info(&m.attrs, request_id, floor_id, c, status);
	send_msg(out, &m);
}

static void send_floor_status(bfcp_floor_server *s, bfcp_outbox *out, const client *c,
	const floor_state *f, const bfcp_msg *request)
{
	if (c->version == 0)
		return;
	bfcp_msg m;
	msg_to(s, &m, c, BFCP_FLOOR_STATUS, request);
	bfcp_attrs_add_u16(&m.attrs, BFCP_A_FLOOR_ID, f->floor_id);
	if (f->holder != 0) {
		const client *h = find_client(s, f->holder);
		client anon = { .user_id = f->holder };
		add_request_info(
			&m.attrs, f->request_id, f->floor_id, h ? h : &anon, BFCP_STATUS_GRANTED);
	}
	send_msg(out, &m);
}

static void broadcast_floor_status(bfcp_floor_server *s, bfcp_outbox *out, const floor_state *f)
{
	for (size_t i = 0; i < s->n_clients; i++)
		send_floor_status(s, out, &s->clients[i], f, NULL);
}

static void send_error(bfcp_floor_server *s, bfcp_outbox *out, const client *c,
	const bfcp_msg *request, uint8_t code, const char *info)
{
	if (c->version == 0)
		return;
	bfcp_msg m;
	msg_to(s, &m, c, BFCP_ERROR, request);
	bfcp_attrs_add_error_code(&m.attrs, code, NULL, 0)->mandatory = true;
	if (info != NULL)
		bfcp_attrs_add_string(&m.attrs, BFCP_A_ERROR_INFO, info);
	send_msg(out, &m);
}

/* ---- floor changes --------------------------------------------------------------------- */

static uint16_t new_request_id(bfcp_floor_server *s)
{
	uint16_t id = s->next_request_id++;
	if (s->next_request_id == 0)
		s->next_request_id = 1;
	return id;
}

/* Grants f to c (request answered with request, or NULL); the old holder is revoked. */
static void grant(
	bfcp_floor_server *s, bfcp_outbox *out, client *c, floor_state *f, const bfcp_msg *request)
{
	if (f->holder != 0 && f->holder != c->user_id) {
		client *old = find_client(s, f->holder);
		send_request_status(
			s, out, old, NULL, f->request_id, f->floor_id, BFCP_STATUS_REVOKED);
	} else if (f->holder == c->user_id) {
		/* the holder asks again: its old request ends, the new one is granted */
		send_request_status(
			s, out, c, NULL, f->request_id, f->floor_id, BFCP_STATUS_RELEASED);
	}
	f->holder = c->user_id;
	f->request_id = new_request_id(s);
	send_request_status(s, out, c, request, f->request_id, f->floor_id, BFCP_STATUS_GRANTED);
	broadcast_floor_status(s, out, f);
}

static void release(
	bfcp_floor_server *s, bfcp_outbox *out, client *c, floor_state *f, const bfcp_msg *request)
{
	uint16_t request_id = f->request_id;
	f->holder = 0;
	f->request_id = 0;
	if (c != NULL)
		send_request_status(
			s, out, c, request, request_id, f->floor_id, BFCP_STATUS_RELEASED);
	broadcast_floor_status(s, out, f);
}

bool bfcp_floor_take(bfcp_floor_server *s, uint16_t user_id, uint16_t floor_id, bfcp_outbox *out)
{
	client *c = find_client(s, user_id);
	floor_state *f = find_floor(s, floor_id);
	if (c == NULL || f == NULL)
		return false;
	grant(s, out, c, f, NULL);
	return true;
}

bool bfcp_floor_drop(bfcp_floor_server *s, uint16_t user_id, uint16_t floor_id, bfcp_outbox *out)
{
	client *c = find_client(s, user_id);
	floor_state *f = find_floor(s, floor_id);
	if (c == NULL || f == NULL || f->holder != user_id)
		return false;
	release(s, out, c, f, NULL);
	return true;
}

void bfcp_floor_client_remove(bfcp_floor_server *s, uint16_t user_id, bfcp_outbox *out)
{
	client *c = find_client(s, user_id);
	if (c == NULL)
		return;
	*c = s->clients[--s->n_clients]; /* gone before the FloorStatus goes out */
	for (size_t i = 0; i < s->n_floors; i++)
		if (s->floors[i].holder == user_id)
			release(s, out, NULL, &s->floors[i], NULL);
}

/* ---- receiving ------------------------------------------------------------------------- */

static void hello_ack(bfcp_floor_server *s, bfcp_outbox *out, const client *c, const bfcp_msg *req)
{
	static const uint8_t prims[] = {
		BFCP_FLOOR_REQUEST,
		BFCP_FLOOR_RELEASE,
		BFCP_FLOOR_REQUEST_QUERY,
		BFCP_FLOOR_REQUEST_STATUS,
		BFCP_FLOOR_QUERY,
		BFCP_FLOOR_STATUS,
		BFCP_HELLO,
		BFCP_HELLO_ACK,
		BFCP_ERROR,
		BFCP_FLOOR_REQUEST_STATUS_ACK,
		BFCP_FLOOR_STATUS_ACK,
		BFCP_GOODBYE,
		BFCP_GOODBYE_ACK,
	};
	uint8_t attrs[BFCP_A_OVERALL_REQUEST_STATUS];
	for (size_t i = 0; i < sizeof(attrs); i++)
		attrs[i] = (uint8_t)((i + 1) << 1);
	bfcp_msg m;
	msg_to(s, &m, c, BFCP_HELLO_ACK, req);
	bfcp_attrs_add_bytes(&m.attrs, BFCP_A_SUPPORTED_PRIMITIVES, prims, sizeof(prims));
	bfcp_attrs_add_bytes(&m.attrs, BFCP_A_SUPPORTED_ATTRIBUTES, attrs, sizeof(attrs));
	send_msg(out, &m);
}

static bool on_floor_request(bfcp_floor_server *s, bfcp_outbox *out, client *c, const bfcp_msg *m)
{
	const bfcp_attr *fid = NULL;
	size_t n_floors = 0;
	for (size_t i = 0; i < m->attrs.n; i++) {
		const bfcp_attr *a = &m->attrs.v[i];
		if (a->type == BFCP_A_FLOOR_ID) {
			fid = a;
			n_floors++;
		} else if (a->type == BFCP_A_BENEFICIARY_ID && a->u16 != c->user_id) {
			send_error(s, out, c, m, BFCP_ERR_UNAUTHORIZED,
				"third-party floor requests are not allowed");
			return false;
		}
	}
	if (n_floors != 1) {
		send_error(s, out, c, m, n_floors == 0 ? BFCP_ERR_PARSE : BFCP_ERR_GENERIC,
			"a floor request names exactly one floor");
		return false;
	}
	floor_state *f = find_floor(s, fid->u16);
	if (f == NULL) {
		send_error(s, out, c, m, BFCP_ERR_INVALID_FLOOR_ID, NULL);
		return false;
	}
	grant(s, out, c, f, m);
	return true;
}

static floor_state *floor_of_request(bfcp_floor_server *s, const client *c, const bfcp_msg *m)
{
	const bfcp_attr *rid = bfcp_attrs_first(&m->attrs, BFCP_A_FLOOR_REQUEST_ID);
	if (rid == NULL)
		return NULL;
	for (size_t i = 0; i < s->n_floors; i++)
		if (s->floors[i].holder == c->user_id && s->floors[i].request_id == rid->u16)
			return &s->floors[i];
	return NULL;
}

bool bfcp_floor_receive(
	bfcp_floor_server *s, uint16_t user_id, const uint8_t *buf, size_t len, bfcp_outbox *out)
{
	client *c = find_client(s, user_id);
	if (c == NULL || c->version == 0)
		return false;
	bfcp_msg m;
	bfcp_decode_error err;
	if (!bfcp_msg_parse(buf, len, &m, &err)) {
		/* the transport fixes the version (1 over TCP, 2 over UDP), not the header */
		err.version = c->version;
		size_t n = 0;
		uint8_t *reply = bfcp_error_reply(&err, c->version, &n);
		if (reply != NULL) {
			/* addressed as the transport knows the client, whatever the header said */
			if (n >= BFCP_HEADER_LEN) {
				reply[10] = (uint8_t)(user_id >> 8);
				reply[11] = (uint8_t)user_id;
			}
			outbox_push(out, user_id, reply, n);
		}
		return false;
	}
	bool ok = true;
	bool answer = m.primitive != BFCP_ERROR && m.primitive != BFCP_HELLO_ACK
		&& m.primitive != BFCP_GOODBYE_ACK && m.primitive != BFCP_FLOOR_STATUS_ACK
		&& m.primitive != BFCP_FLOOR_REQUEST_STATUS_ACK
		&& m.primitive != BFCP_CHAIR_ACTION_ACK;
	if (m.conference_id != s->conference_id) {
		if (answer)
			send_error(s, out, c, &m, BFCP_ERR_CONF_NOT_EXIST, NULL);
		ok = false;
	} else if (m.user_id != user_id) {
		if (answer)
			send_error(s, out, c, &m, BFCP_ERR_USER_NOT_EXIST, NULL);
		ok = false;
	} else if (m.version != c->version) {
		if (answer)
			send_error(s, out, c, &m, BFCP_ERR_UNSUPPORTED_VERSION, NULL);
		ok = false;
	} else {
		floor_state *f;
		const bfcp_attr *fid;
		switch (m.primitive) {
		case BFCP_HELLO: hello_ack(s, out, c, &m); break;
		case BFCP_FLOOR_REQUEST: ok = on_floor_request(s, out, c, &m); break;
		case BFCP_FLOOR_RELEASE:
		case BFCP_FLOOR_REQUEST_QUERY:
			f = floor_of_request(s, c, &m);
			if (f == NULL) {
				send_error(
					s, out, c, &m, BFCP_ERR_FLOOR_REQUEST_ID_NOT_EXIST, NULL);
				ok = false;
			} else if (m.primitive == BFCP_FLOOR_RELEASE)
				release(s, out, c, f, &m);
			else
				send_request_status(s, out, c, &m, f->request_id, f->floor_id,
					BFCP_STATUS_GRANTED);
			break;
		case BFCP_FLOOR_QUERY:
			fid = bfcp_attrs_first(&m.attrs, BFCP_A_FLOOR_ID);
			f = fid != NULL ? find_floor(s, fid->u16) : NULL;
			if (f == NULL) {
				send_error(s, out, c, &m, BFCP_ERR_INVALID_FLOOR_ID, NULL);
				ok = false;
			} else
				send_floor_status(s, out, c, f, &m);
			break;
		case BFCP_GOODBYE: {
			bfcp_msg ack;
			msg_to(s, &ack, c, BFCP_GOODBYE_ACK, &m);
			send_msg(out, &ack);
			bfcp_floor_client_remove(s, user_id, out);
			break;
		}
		case BFCP_ERROR:
		case BFCP_HELLO_ACK:
		case BFCP_GOODBYE_ACK:
		case BFCP_FLOOR_STATUS_ACK:
		case BFCP_FLOOR_REQUEST_STATUS_ACK: break;
		default: /* a primitive a client does not send to a server (or chair ones) */
			send_error(s, out, c, &m, BFCP_ERR_UNAUTHORIZED, NULL);
			ok = false;
			break;
		}
	}
	bfcp_msg_clear(&m);
	return ok;
}
