/*
 * bfcp_libre_side.h - the libre (re_bfcp.h) half of the BFCP interop test, behind names of its
 * own: libre's header defines the same BFCP_* enum names as ours, so the two never meet in one
 * file. bfcp_libre_side.c encodes with libre's bfcp_msg_encode and decodes with its
 * bfcp_msg_decode into the plain libre_view below.
 *
 * Threading: none. Ownership: encoded buffers are g_malloc'ed for the caller (g_free).
 */
#ifndef TPAAS_BFCP_LIBRE_SIDE_H
#define TPAAS_BFCP_LIBRE_SIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What libre's decoder read from a message. */
typedef struct {
	uint8_t ver, prim;
	bool r;
	uint32_t confid;
	uint16_t tid, userid;
	size_t n_attrs;            /* top-level */
	int floor_id;              /* FLOOR-ID, -1 if none */
	int fri_id;                /* FLOOR-REQUEST-INFORMATION's id, -1 if none */
	int ors_status;            /* its OVERALL-REQUEST-STATUS / REQUEST-STATUS, -1 if none */
	int frs_floor;             /* its FLOOR-REQUEST-STATUS floor id, -1 if none */
	int beneficiary;           /* its BENEFICIARY-INFORMATION id, -1 if none */
	char beneficiary_name[80]; /* that one's USER-DISPLAY-NAME, "" if none */
	int error_code;            /* ERROR-CODE, -1 if none */
	uint8_t error_details[8];  /* its details (the unknown attribute octets) */
	size_t n_error_details;
	size_t n_supported_prims; /* SUPPORTED-PRIMITIVES */
	bool supports_floor_request;
} libre_view;

uint8_t *libre_encode_floor_request(uint8_t ver, uint32_t confid, uint16_t tid, uint16_t userid,
	uint16_t floor_id, size_t *len);
uint8_t *libre_encode_floor_release(uint8_t ver, uint32_t confid, uint16_t tid, uint16_t userid,
	uint16_t request_id, size_t *len);
uint8_t *libre_encode_hello(
	uint8_t ver, uint32_t confid, uint16_t tid, uint16_t userid, size_t *len);
/* A FloorStatus with every attribute kind libre encodes: FLOOR-ID, then
 * FLOOR-REQUEST-INFORMATION(request_id){OVERALL-REQUEST-STATUS{REQUEST-STATUS granted,
 * STATUS-INFO "ok"}, FLOOR-REQUEST-STATUS(floor_id), BENEFICIARY-INFORMATION(beneficiary)
 * {USER-DISPLAY-NAME, USER-URI}, PRIORITY high}. */
uint8_t *libre_encode_floor_status(uint8_t ver, uint32_t confid, uint16_t tid, uint16_t userid,
	uint16_t floor_id, uint16_t request_id, uint16_t beneficiary, const char *name,
	const char *uri, size_t *len);
bool libre_decode(const uint8_t *buf, size_t len, libre_view *out);

#endif
