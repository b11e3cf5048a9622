/*
 * sipb_mclass.c - see sipb_mclass.h.
 */
#include "sipb_mclass.h"

#include <stdlib.h>
#include <string.h>
#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/msg_parser.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>

/* Sofia's request class with our parser (one per process: the class is static data). */
static struct msg_hclass_s request_class;

static issize_t request_line_d(su_home_t *home, msg_header_t *h, char *s, isize_t slen)
{
	/* sip_request_d writes into s: keep the line for a second look. */
	char *copy = su_strndup(home, s, (size_t)slen);
	if (copy == NULL)
		return -1;
	if (sip_request_class->hc_parse(home, h, s, slen) == 0) {
		su_free(home, copy);
		return 0;
	}
	sip_request_t *rq = (sip_request_t *)h;
	char *uri = NULL, *version = NULL, *m = copy;
	memset(rq->rq_url, 0, sizeof(rq->rq_url));
	rq->rq_method_name = NULL;
	rq->rq_version = NULL;
	if (msg_firstline_d(copy, &uri, &version) < 0 || uri == NULL || version == NULL
		|| (rq->rq_method = sip_method_d(&m, &rq->rq_method_name)) < 0 || *m
		|| sip_version_d(&version, &rq->rq_version) < 0 || *version)
		return -1;
	/* The method and version are fine, the URI is not: nta answers 400 (sip_sanity_check). */
	rq->rq_url->url_type = url_invalid;
	return 0;
}

msg_mclass_t *sipb_mclass_new(void)
{
	msg_mclass_t *mc = msg_mclass_clone(sip_default_mclass(), 0, 0);
	if (mc == NULL)
		return NULL;
	request_class = *sip_request_class;
	request_class.hc_parse = request_line_d;
	mc->mc_request->hr_class = &request_class;
	return mc;
}

void sipb_mclass_free(msg_mclass_t *mc)
{
	free(mc); /* msg_mclass_clone allocates with malloc */
}
