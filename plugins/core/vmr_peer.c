/*
 * vmr_peer.c - the sender's address from our transport to our plugins under a secret key
 * (design in vmr_peer.h).
 *
 * Threads: any.  The key is written once under g_once and only read afterwards.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <glib.h>

#include "vmr_peer.h"

static char peer_key[sizeof(VMR_PEER_PREFIX) + 1 + 32];

static gpointer vmr_peer_key_make(gpointer data)
{
	(void)data;
	guint8 r[16];
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* Without the kernel's randomness there is no secret: refuse to run with a guessable one. */
		if (n <= 0)
			g_error("vmr_peer: getrandom failed: %s", g_strerror(errno));
		got += (size_t)n;
	}
	char *p = peer_key + g_strlcpy(peer_key, VMR_PEER_PREFIX ".", sizeof(peer_key));
	for (size_t i = 0; i < sizeof(r); i++, p += 2)
		g_snprintf(p, 3, "%02x", r[i]);
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
