/*
 * vmr_dialout.c - see vmr_dialout.h. Lives in libtpaas_vmr_core so both plugins share the
 * one handler (one copy of this state per process).
 */
#include "vmr_dialout.h"

#include <errno.h>
#include <glib.h>

static GMutex lock;
static vmr_dialout_fn handler;
static void *handler_opaque;

void vmr_dialout_set_handler(vmr_dialout_fn fn, void *opaque) {
	g_mutex_lock(&lock);
	handler = fn;
	handler_opaque = opaque;
	g_mutex_unlock(&lock);
}

int vmr_dialout_request(int64_t account_id, const char *username, const char *room_address) {
	g_mutex_lock(&lock);
	vmr_dialout_fn fn = handler;
	void *opaque = handler_opaque;
	g_mutex_unlock(&lock);
	if(fn == NULL)
		return -ENOTSUP;
	return fn(opaque, account_id, username, room_address);
}
