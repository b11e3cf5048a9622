/*
 * sipb_mclass.h - the SIP message class the bridge's Sofia-SIP stack parses with: Sofia's
 * default one, except for the request line. Sofia drops a request whose Request-URI does not
 * parse (`INVITE sip:%zz%@@example.org:99999 SIP/2.0`) as garbage, without an answer; RFC 3261
 * §8.2 wants a 400 for a request that is otherwise answerable. With this class such a request
 * line parses (method and version as usual) with its URI marked url_invalid, which nta's own
 * sanity check answers with 400 Bad Request (nta.c, agent_recv_request). A first line whose
 * method or version does not parse stays garbage.
 *
 * Threads: create and free from one thread; the class is read-only while a stack uses it.
 * Ownership: sipb_mclass_new returns a class the caller frees with sipb_mclass_free after the
 * stack that used it (NTATAG_MCLASS) is destroyed.
 */
#ifndef TPAAS_SIPB_MCLASS_H
#define TPAAS_SIPB_MCLASS_H

#include <sofia-sip/msg_types.h>

msg_mclass_t *sipb_mclass_new(void);
void sipb_mclass_free(msg_mclass_t *mc);

#endif
