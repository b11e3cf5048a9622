/*
 * vmr_turn.c - TURN REST credentials (see vmr_turn.h).
 */
#include "vmr_turn.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

static GMutex lock;
static char **turn_urls; /* NULL: off */
static char *turn_secret;
static unsigned turn_ttl_s;

void vmr_turn_configure(const char *const *urls, const char *secret, unsigned ttl_s)
{
	g_mutex_lock(&lock);
	g_strfreev(turn_urls);
	if (turn_secret != NULL)
		memset(turn_secret, 0, strlen(turn_secret));
	g_free(turn_secret);
	turn_urls = NULL;
	turn_secret = NULL;
	turn_ttl_s = 0;
	if (urls != NULL && urls[0] != NULL && secret != NULL && *secret != '\0') {
		turn_urls = g_strdupv((char **)urls);
		turn_secret = g_strdup(secret);
		turn_ttl_s = ttl_s < 60 ? 60 : ttl_s;
	}
	g_mutex_unlock(&lock);
}

int vmr_turn_enabled(void)
{
	g_mutex_lock(&lock);
	int on = turn_urls != NULL;
	g_mutex_unlock(&lock);
	return on;
}

unsigned vmr_turn_ttl(void)
{
	g_mutex_lock(&lock);
	unsigned ttl = turn_ttl_s;
	g_mutex_unlock(&lock);
	return ttl;
}

int vmr_turn_credential(
	const char *secret, int64_t expiry_s, const char *tag, char **username, char **password)
{
	if (secret == NULL || *secret == '\0' || username == NULL || password == NULL)
		return -EINVAL;
	char *user = tag && *tag ? g_strdup_printf("%" G_GINT64_FORMAT ":%s", expiry_s, tag)
				 : g_strdup_printf("%" G_GINT64_FORMAT, expiry_s);
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)secret, strlen(secret));
	g_hmac_update(h, (const guchar *)user, (gssize)strlen(user));
	guint8 digest[20];
	gsize len = sizeof(digest);
	g_hmac_get_digest(h, digest, &len);
	g_hmac_unref(h);
	*username = user;
	*password = g_base64_encode(digest, len);
	return 0;
}

/* A credential for tag valid ttl from now, with a copy of the urls; -ENOENT when off. */
static int current(const char *tag, char **user, char **pass, char ***urls, unsigned *ttl)
{
	g_mutex_lock(&lock);
	if (turn_urls == NULL) {
		g_mutex_unlock(&lock);
		return -ENOENT;
	}
	int64_t expiry = g_get_real_time() / G_USEC_PER_SEC + turn_ttl_s;
	int rc = vmr_turn_credential(turn_secret, expiry, tag, user, pass);
	*urls = g_strdupv(turn_urls);
	*ttl = turn_ttl_s;
	g_mutex_unlock(&lock);
	return rc;
}

static json_t *urls_json(char **urls)
{
	json_t *a = json_array();
	for (char **u = urls; *u; u++)
		json_array_append_new(a, json_string(*u));
	return a;
}

json_t *vmr_turn_ice_servers(const char *tag)
{
	char *user = NULL, *pass = NULL, **urls = NULL;
	unsigned ttl = 0;
	if (current(tag, &user, &pass, &urls, &ttl) < 0)
		return NULL;
	json_t *server = json_object();
	json_object_set_new(server, "urls", urls_json(urls));
	json_object_set_new(server, "username", json_string(user));
	json_object_set_new(server, "credential", json_string(pass));
	json_t *list = json_array();
	json_array_append_new(list, server);
	g_strfreev(urls);
	g_free(user);
	g_free(pass);
	return list;
}

json_t *vmr_turn_rest_response(const char *tag)
{
	char *user = NULL, *pass = NULL, **urls = NULL;
	unsigned ttl = 0;
	if (current(tag, &user, &pass, &urls, &ttl) < 0)
		return NULL;
	json_t *j = json_object();
	json_object_set_new(j, "username", json_string(user));
	json_object_set_new(j, "password", json_string(pass));
	json_object_set_new(j, "ttl", json_integer(ttl));
	json_object_set_new(j, "uris", urls_json(urls));
	g_strfreev(urls);
	g_free(user);
	g_free(pass);
	return j;
}
