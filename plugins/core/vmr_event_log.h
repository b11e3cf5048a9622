/*
 * vmr_event_log.h - one log line per call event for operators and log shippers:
 *
 *   [event] kind=join room=demo participant=4711 via=sip source=10.0.0.7:5060 name="Ann B."
 *
 * key=value pairs separated by one space, keys fixed by us, values bare when they hold only
 * [A-Za-z0-9._:@/+-] and else in double quotes with \\, \" and every control byte (and, in
 * text that is not UTF-8, every byte >= 0x80) written as \xNN: no client string can end the
 * line or forge another pair.  Values are cut at 200 bytes.  Kinds: join, leave, pin_failure,
 * kicked, call_setup, call_end (docs/operations.md lists the keys of each).
 *
 * Threads: any; the line goes out through vmr_log at INFO level.
 * Ownership: everything borrowed; vmr_event_format returns a new string.
 */
#ifndef TPAAS_VMR_EVENT_LOG_H
#define TPAAS_VMR_EVENT_LOG_H

#include <stdint.h>

typedef struct vmr_event {
	const char *kind;     /* required */
	const char *room;     /* room address, NULL: unknown */
	uint64_t participant; /* 0: none */
	const char *via;      /* browser, app, sip */
	const char *source;   /* the peer's address ("1.2.3.4:5060", or "ip:1.2.3.4") */
	const char *name;     /* display name (client text) */
	const char *call_id;  /* SIP Call-ID (client text) */
	const char *cause;    /* why: "bye", "486 Busy Here", "invitation revoked", ... */
} vmr_event;

char *vmr_event_format(const vmr_event *ev);
void vmr_event_log(const vmr_event *ev);

#endif
