/*
 * bfcp_libre_side.c - libre's BFCP codec (Debian libre-dev, re_bfcp.h) for the interop test
 * (see bfcp_libre_side.h). Only libre's public API is used.
 *
 * Threading: none. Ownership: see the header.
 */
/* re.h expects the C headers first (its build defines HAVE_* for them) */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <re.h>

#include "bfcp_libre_side.h"

#include <glib.h>
#include <string.h>

static uint8_t *take(struct mbuf *mb, int err, size_t *len)
{
	uint8_t *out = NULL;
	*len = 0;
	if (err == 0) {
		*len = mb->end;
		out = g_memdup2(mb->buf, mb->end);
	}
	mem_deref(mb);
	return out;
}

uint8_t *libre_encode_floor_request(
	uint8_t ver, uint32_t confid, uint16_t tid, uint16_t userid, uint16_t floor_id, size_t *len)
{
	struct mbuf *mb = mbuf_alloc(64);
	enum bfcp_priority prio = BFCP_PRIO_NORMAL;
	int err = bfcp_msg_encode(mb, ver, false, BFCP_FLOOR_REQUEST, confid, tid, userid, 2,
		BFCP_FLOOR_ID | BFCP_MANDATORY, 0, &floor_id, BFCP_PRIORITY, 0, &prio);
	return take(mb, err, len);
}

uint8_t *libre_encode_floor_release(uint8_t ver, uint32_t confid, uint16_t tid, uint16_t userid,
	uint16_t request_id, size_t *len)
{
	struct mbuf *mb = mbuf_alloc(64);
	int err = bfcp_msg_encode(mb, ver, false, BFCP_FLOOR_RELEASE, confid, tid, userid, 1,
		BFCP_FLOOR_REQUEST_ID | BFCP_MANDATORY, 0, &request_id);
	return take(mb, err, len);
}

uint8_t *libre_encode_hello(
	uint8_t ver, uint32_t confid, uint16_t tid, uint16_t userid, size_t *len)
{
	struct mbuf *mb = mbuf_alloc(64);
	int err = bfcp_msg_encode(mb, ver, false, BFCP_HELLO, confid, tid, userid, 0);
	return take(mb, err, len);
}

uint8_t *libre_encode_floor_status(uint8_t ver, uint32_t confid, uint16_t tid, uint16_t userid,
	uint16_t floor_id, uint16_t request_id, uint16_t beneficiary, const char *name,
	const char *uri, size_t *len)
{
	struct mbuf *mb = mbuf_alloc(256);
	struct bfcp_reqstatus rs = { BFCP_GRANTED, 0 };
	enum bfcp_priority prio = BFCP_PRIO_HIGH;
	/* grouped: (type, number of sub-attributes, value), the sub-attributes follow */
	int err = bfcp_msg_encode(mb, ver, ver == 2, BFCP_FLOOR_STATUS, confid, tid, userid, 2,
		BFCP_FLOOR_ID, 0, &floor_id, BFCP_FLOOR_REQ_INFO, 4, &request_id,
		BFCP_OVERALL_REQ_STATUS, 2, &request_id, BFCP_REQUEST_STATUS, 0, &rs,
		BFCP_STATUS_INFO, 0, "ok", BFCP_FLOOR_REQ_STATUS, 0, &floor_id,
		BFCP_BENEFICIARY_INFO, 2, &beneficiary, BFCP_USER_DISP_NAME, 0, name, BFCP_USER_URI,
		0, uri, BFCP_PRIORITY, 0, &prio);
	return take(mb, err, len);
}

bool libre_decode(const uint8_t *buf, size_t len, libre_view *v)
{
	memset(v, 0, sizeof(*v));
	v->floor_id = v->fri_id = v->ors_status = v->frs_floor = v->beneficiary = v->error_code =
		-1;
	struct mbuf *mb = mbuf_alloc(len);
	mbuf_write_mem(mb, buf, len);
	mb->pos = 0;
	struct bfcp_msg *msg = NULL;
	int err = bfcp_msg_decode(&msg, mb);
	mem_deref(mb);
	if (err != 0)
		return false;
	v->ver = msg->ver;
	v->r = msg->r;
	v->prim = (uint8_t)msg->prim;
	v->confid = msg->confid;
	v->tid = msg->tid;
	v->userid = msg->userid;
	v->n_attrs = list_count(&msg->attrl);
	struct bfcp_attr *a = bfcp_msg_attr(msg, BFCP_FLOOR_ID);
	if (a != NULL)
		v->floor_id = a->v.floorid;
	a = bfcp_msg_attr(msg, BFCP_FLOOR_REQ_INFO);
	if (a != NULL) {
		v->fri_id = a->v.floorreqid;
		struct bfcp_attr *ors = bfcp_attr_subattr(a, BFCP_OVERALL_REQ_STATUS);
		struct bfcp_attr *rs = bfcp_attr_subattr(ors, BFCP_REQUEST_STATUS);
		if (rs != NULL)
			v->ors_status = rs->v.reqstatus.status;
		struct bfcp_attr *frs = bfcp_attr_subattr(a, BFCP_FLOOR_REQ_STATUS);
		if (frs != NULL)
			v->frs_floor = frs->v.floorid;
		struct bfcp_attr *bi = bfcp_attr_subattr(a, BFCP_BENEFICIARY_INFO);
		if (bi != NULL)
			v->beneficiary = bi->v.beneficiaryid;
		struct bfcp_attr *dn = bi ? bfcp_attr_subattr(bi, BFCP_USER_DISP_NAME) : NULL;
		if (dn != NULL && dn->v.userdname)
			g_strlcpy(
				v->beneficiary_name, dn->v.userdname, sizeof(v->beneficiary_name));
	}
	a = bfcp_msg_attr(msg, BFCP_ERROR_CODE);
	if (a != NULL) {
		v->error_code = a->v.errcode.code;
		v->n_error_details = MIN(a->v.errcode.len, sizeof(v->error_details));
		if (v->n_error_details > 0)
			memcpy(v->error_details, a->v.errcode.details, v->n_error_details);
	}
	a = bfcp_msg_attr(msg, BFCP_SUPPORTED_PRIMS);
	if (a != NULL) {
		v->n_supported_prims = a->v.supprim.primc;
		for (size_t i = 0; i < a->v.supprim.primc; i++)
			if (a->v.supprim.primv[i] == BFCP_FLOOR_REQUEST)
				v->supports_floor_request = true;
	}
	mem_deref(msg);
	return true;
}
