/*
 * vmr_event_log.c - call event lines for operators (see vmr_event_log.h).
 */
#include "vmr_event_log.h"
#include "vmr_log.h"

#include <string.h>
#include <glib.h>

#define VALUE_MAX 200

static gboolean is_bare(const char *v)
{
	if (*v == '\0')
		return FALSE;
	for (const char *c = v; *c; c++)
		if (!g_ascii_isalnum(*c) && strchr("._:@/+-", *c) == NULL)
			return FALSE;
	return TRUE;
}

static void append_pair(GString *s, const char *key, const char *value)
{
	if (value == NULL)
		return;
	size_t n = strnlen(value, VALUE_MAX);
	char *v = g_strndup(value, n);
	g_string_append_printf(s, " %s=", key);
	if (is_bare(v)) {
		g_string_append(s, v);
	} else {
		gboolean utf8 = g_utf8_validate(v, -1, NULL);
		g_string_append_c(s, '"');
		for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
			if (*c == '\\' || *c == '"')
				g_string_append_printf(s, "\\%c", *c);
			else if (*c < 0x20 || *c == 0x7f || (*c >= 0x80 && !utf8))
				g_string_append_printf(s, "\\x%02X", *c);
			else
				g_string_append_c(s, (char)*c);
		}
		g_string_append_c(s, '"');
	}
	g_free(v);
}

char *vmr_event_format(const vmr_event *ev)
{
	GString *s = g_string_new("[event]");
	append_pair(s, "kind", ev->kind ? ev->kind : "unknown");
	append_pair(s, "room", ev->room);
	if (ev->participant != 0)
		g_string_append_printf(s, " participant=%" G_GUINT64_FORMAT, ev->participant);
	append_pair(s, "via", ev->via);
	append_pair(s, "source", ev->source);
	append_pair(s, "name", ev->name);
	append_pair(s, "call_id", ev->call_id);
	append_pair(s, "cause", ev->cause);
	return g_string_free(s, FALSE);
}

void vmr_event_log(const vmr_event *ev)
{
	char *line = vmr_event_format(ev);
	vmr_log(VMR_LOG_INFO, "%s", line);
	g_free(line);
}
