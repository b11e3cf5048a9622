/*
 * tpaas_export.h - the one export macro of our Janus modules (plugins/vmr, plugins/sipbridge,
 * transports). They build with -fvisibility=hidden and mark only create() with TPAAS_EXPORT:
 * Janus dlopens modules RTLD_GLOBAL, so any other exported name could override another
 * module's. The libraries (libtpaas_*) export their prefixed names without it.
 */
#ifndef TPAAS_EXPORT_H
#define TPAAS_EXPORT_H

#define TPAAS_EXPORT __attribute__((visibility("default")))

#endif
