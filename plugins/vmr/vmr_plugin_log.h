/*
 * vmr_plugin_log.h - the VMR plugin's handler for libtpaas_vmr_core's log hook (vmr_log.h):
 * the library's lines (e.g. a store's engine error) go to JANUS_LOG at the matching level,
 * so Janus's debug_level and log file apply.
 *
 * Threads: vmr_plugin_log_install is called from the plugin's init; the handler from any thread.
 * It stays installed (Janus destroys every plugin before it unloads any).
 */
#ifndef TPAAS_VMR_PLUGIN_LOG_H
#define TPAAS_VMR_PLUGIN_LOG_H

void vmr_plugin_log_install(void);

#endif
