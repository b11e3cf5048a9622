/*
 * fuzz_sip_msg.c - libFuzzer harness of the SIP message class the bridge's stack parses with
 * (sipb_mclass.c: Sofia's SIP parser with our request-line parser that keeps a request whose
 * Request-URI does not parse, so nta can answer it 400).
 *
 * Input: one datagram, parsed as Sofia parses what arrives on UDP (the whole buffer, end of
 * stream).
 *
 * Checks: a request line our parser kept with an invalid URI has its method and version (so
 * nta can answer it), and nta's sanity check refuses it; a request line that parsed normally
 * has a URI that prints; nothing crashes, leaks or reads past the input.
 */
#include "sipb_mclass.h"
#include "fuzz_records.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/url.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static msg_mclass_t *mclass;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (mclass == NULL)
		mclass = sipb_mclass_new(); /* one for the process, as in the bridge */
	FUZZ_ASSERT(mclass != NULL);
	msg_t *msg = msg_create(mclass, 0);
	if (msg == NULL)
		return 0;
	void *buf = msg_buf_alloc(msg, size + 1);
	if (buf == NULL) {
		msg_destroy(msg);
		return 0;
	}
	memcpy(buf, data, size);
	msg_buf_commit(msg, size, 1);
	if (msg_extract(msg) > 0) {
		sip_t *sip = sip_object(msg);
		if (sip != NULL && sip->sip_request != NULL) {
			const sip_request_t *rq = sip->sip_request;
			FUZZ_ASSERT(rq->rq_method_name != NULL && rq->rq_version != NULL);
			if (rq->rq_url->url_type == url_invalid) {
				FUZZ_ASSERT(sip_sanity_check(sip) < 0);
			} else {
				char *u = url_as_string(NULL, rq->rq_url);
				su_free(NULL, u);
			}
		}
	}
	msg_destroy(msg);
	return 0;
}
