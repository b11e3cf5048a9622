/*
 * sipb_log.h - the log hook of libtpaas_sip. The library has no Janus headers, so it cannot
 * call JANUS_LOG itself: the plugin glue installs a handler at init that forwards each line to
 * JANUS_LOG at the matching level (so Janus's debug_level and log file apply). Without a
 * handler (unit tests, tools) lines go to stderr.
 *
 * What the library logs: only events known deep inside it and nowhere else (a refusal with
 * the source address, a call's end); errors a caller can see are returned, not logged.
 *
 * Threads: sipb_log may be called from any thread; sipb_log_set_handler is called once at
 * init and once at destroy (the handler must then stay valid until it is replaced).
 */
#ifndef TPAAS_SIPB_LOG_H
#define TPAAS_SIPB_LOG_H

#include <glib.h>

typedef enum sipb_log_level {
	SIPB_LOG_ERR = 0,
	SIPB_LOG_WARN,
	SIPB_LOG_INFO,
	SIPB_LOG_VERB,
} sipb_log_level;

/* Receives one line, without a trailing newline; borrows it for the call. */
typedef void (*sipb_log_handler)(sipb_log_level level, const char *line);

/* Installs fn (NULL: back to stderr). */
void sipb_log_set_handler(sipb_log_handler fn);

void sipb_log(sipb_log_level level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
