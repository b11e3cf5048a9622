/*
 * sipb_log.c - the log hook of libtpaas_sip (see sipb_log.h).
 *
 * Threads: any; the handler pointer is read and written atomically.
 */
#include "sipb_log.h"

#include <stdio.h>

static sipb_log_handler handler; /* g_atomic_pointer_* */

void sipb_log_set_handler(sipb_log_handler fn)
{
	g_atomic_pointer_set(&handler, fn);
}

void sipb_log(sipb_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	sipb_log_handler fn = g_atomic_pointer_get(&handler);
	if (fn != NULL)
		fn(level, line);
	else
		fprintf(stderr, "%s\n", line);
	g_free(line);
}
