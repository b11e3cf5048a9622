/*
 * vmr_plugin_log.c - libtpaas_vmr_core's log lines into Janus's log (see vmr_plugin_log.h).
 */
#include "vmr_plugin_log.h"

#include <glib.h>

#include "debug.h"
#include "vmr_log.h"

static void vmr_log_to_janus(vmr_log_level level, const char *line)
{
	int janus_level = level == VMR_LOG_ERR ? LOG_ERR
		: level == VMR_LOG_WARN        ? LOG_WARN
		: level == VMR_LOG_INFO        ? LOG_INFO
					       : LOG_VERB;
	JANUS_LOG(janus_level, "%s\n", line);
}

void vmr_plugin_log_install(void)
{
	vmr_log_set_handler(vmr_log_to_janus);
}
