/*
 * sipb_media_control.c - RFC 5168 picture_fast_update (see sipb_media_control.h). The body
 * is small XML; we do not parse it as a document: the element names are matched as tags
 * ("<media_control", then "<picture_fast_update" after it, each followed by a space, '/' or
 * '>' so that a longer name does not match), which is what the schema allows and what room
 * systems send.
 */
#include "sipb_media_control.h"

#include <string.h>
#include <glib.h>

#define BODY_MAX 4096

static const char fast_update_body[] = "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n"
				       "<media_control>\r\n"
				       "  <vc_primitive>\r\n"
				       "    <to_encoder>\r\n"
				       "      <picture_fast_update/>\r\n"
				       "    </to_encoder>\r\n"
				       "  </vc_primitive>\r\n"
				       "</media_control>\r\n";

const char *sipb_media_control_fast_update_body(void)
{
	return fast_update_body;
}

/* The first "<name" tag in [p, end) (a whole name), or NULL. */
static const char *find_tag(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	for (; p && end - p >= (ptrdiff_t)(n + 2); p++) {
		p = memchr(p, '<', (size_t)(end - p));
		if (p == NULL || end - p < (ptrdiff_t)(n + 2))
			return NULL;
		char after = p[1 + n];
		if (memcmp(p + 1, name, n) == 0
			&& (after == '>' || after == '/' || after == ' ' || after == '\t'
				|| after == '\r' || after == '\n'))
			return p + 1 + n;
	}
	return NULL;
}

bool sipb_media_control_is_fast_update(const char *content_type, const char *body, size_t len)
{
	size_t tl = strlen(SIPB_MEDIA_CONTROL_TYPE);
	if (content_type == NULL || body == NULL || len == 0 || len > BODY_MAX
		|| g_ascii_strncasecmp(content_type, SIPB_MEDIA_CONTROL_TYPE, tl) != 0
		|| (content_type[tl] != '\0' && content_type[tl] != ';' && content_type[tl] != ' '))
		return false;
	const char *end = body + len;
	const char *mc = find_tag(body, end, "media_control");
	return mc != NULL && find_tag(mc, end, "picture_fast_update") != NULL;
}
