/*
 * vmr_log.h - the log hook of our libraries: libtpaas_vmr_core and libtpaas_sip (which links it)
 * log through it. They have no Janus headers, so they cannot call JANUS_LOG themselves: the VMR
 * plugin installs a handler at init (vmr_plugin_log.c) that forwards each line to JANUS_LOG at
 * the matching level (so Janus's debug_level and log file apply); one copy of the library
 * serves both plugins. Without a handler (unit tests, tools) lines go to stderr.
 *
 * What the library logs: only events known deep inside it and nowhere else (a refusal with
 * the source address, a call's end); errors a caller can see are returned, not logged.
 *
 * Threads: vmr_log may be called from any thread; vmr_log_set_handler is called once at
 * init and once at destroy (the handler must then stay valid until it is replaced).
 */
#ifndef TPAAS_VMR_LOG_H
#define TPAAS_VMR_LOG_H

#include <glib.h>

typedef enum vmr_log_level {
	VMR_LOG_ERR = 0,
	VMR_LOG_WARN,
	VMR_LOG_INFO,
	VMR_LOG_VERB,
} vmr_log_level;

/* Receives one line, without a trailing newline; borrows it for the call. */
typedef void (*vmr_log_handler)(vmr_log_level level, const char *line);

/* Installs fn (NULL: back to stderr). */
void vmr_log_set_handler(vmr_log_handler fn);

void vmr_log(vmr_log_level level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
