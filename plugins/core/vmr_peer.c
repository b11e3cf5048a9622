/*
 * vmr_peer.c - the sender's address from our transport to our plugins under a secret key
 * (design in vmr_peer.h).
 *
 * Threads: any.  The key is written once under g_once and only read afterwards.
 */
#include <string.h>

#include <glib.h>

#include "vmr_peer.h"
#include "vmr_auth.h"

static char peer_key[sizeof(VMR_PEER_PREFIX) + 1 + 32];

static gpointer vmr_peer_key_make(gpointer data)
{
	(void)data;
	/* 128 bits from the kernel (libsodium). Without them there is no secret: refuse to run
	 * with a guessable one. */
	char *hex = vmr_random_hex(16);
	if (hex == NULL)
		g_error("vmr_peer: no randomness for the peer key");
	g_snprintf(peer_key, sizeof(peer_key), "%s.%s", VMR_PEER_PREFIX, hex);
	g_free(hex);
	return peer_key;
}

const char *vmr_peer_key(void)
{
	static GOnce once = G_ONCE_INIT;
	return g_once(&once, vmr_peer_key_make, NULL);
}

/* Deletes every VMR_PEER_PREFIX key; returns how many of them were not the secret one. */
static int vmr_peer_strip(json_t *body, const char *keep)
{
	int foreign = 0;
	const char *key;
	json_t *value;
	void *tmp;
	json_object_foreach_safe(body, tmp, key, value)
	{
		(void)value;
		if (strncmp(key, VMR_PEER_PREFIX, strlen(VMR_PEER_PREFIX)) != 0)
			continue;
		if (keep == NULL || strcmp(key, keep) != 0) {
			foreign++;
			json_object_del(body, key);
		}
	}
	return foreign;
}

void vmr_peer_stamp(json_t *body, const char *addr)
{
	if (!json_is_object(body))
		return;
	vmr_peer_strip(body, NULL);
	if (addr != NULL)
		json_object_set_new(body, vmr_peer_key(), json_string(addr));
}

int vmr_peer_take(json_t *body, char **addr)
{
	*addr = NULL;
	if (!json_is_object(body))
		return 0;
	const char *key = vmr_peer_key();
	int foreign = vmr_peer_strip(body, key);
	json_t *v = json_object_get(body, key);
	const char *s = json_string_value(v);
	int ret = 0;
	if (v != NULL && (s == NULL || !g_hostname_is_ip_address(s)))
		ret = -EINVAL;
	else if (s != NULL)
		*addr = g_strdup(s);
	if (v != NULL)
		json_object_del(body, key);
	if (foreign > 0) {
		g_free(*addr);
		*addr = NULL;
		ret = -EPERM;
	}
	return ret;
}
