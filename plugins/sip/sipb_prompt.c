/*
 * sipb_prompt.c - IVR prompt files encoded frame by frame. See sipb_prompt.h.
 */
#include "sipb_prompt.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#include "mcu_audio_xcode.h"

struct sipb_prompt {
	char *name;
	bool loop;
	int16_t *pcm;
	size_t samples, pos;
	mcu_aenc *enc;
};

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

int sipb_prompt_new(
	const char *dir, const char *name, mcu_audio_codec_id codec, bool loop, sipb_prompt **out)
{
	if (!out || !dir || !name_ok(name))
		return -EINVAL;
	*out = NULL;
	char *file = g_strdup_printf("%s.s16", name);
	char *path = g_build_filename(dir, file, NULL);
	g_free(file);
	gchar *data = NULL;
	gsize size = 0;
	GError *err = NULL;
	gboolean ok = g_file_get_contents(path, &data, &size, &err);
	g_free(path);
	if (!ok) {
		int e = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? -ENOENT : -EIO;
		g_error_free(err);
		return e;
	}
	if (size > SIPB_PROMPT_MAX_BYTES) {
		g_free(data);
		return -EFBIG;
	}
	if (size < 2) {
		g_free(data);
		return -EIO;
	}
	sipb_prompt *p = g_new0(sipb_prompt, 1);
	p->samples = size / 2;
	p->pcm = g_new(int16_t, p->samples);
	for (size_t i = 0; i < p->samples; i++) {
		const uint8_t *b = (const uint8_t *)data + 2 * i;
		p->pcm[i] = (int16_t)(uint16_t)(b[0] | b[1] << 8); /* s16le whatever the host */
	}
	g_free(data);
	p->name = g_strdup(name);
	p->loop = loop;
	if (mcu_aenc_new(codec, 32000, &p->enc) < 0) {
		sipb_prompt_free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void sipb_prompt_free(sipb_prompt *p)
{
	if (!p)
		return;
	mcu_aenc_free(p->enc);
	g_free(p->pcm);
	g_free(p->name);
	g_free(p);
}

const char *sipb_prompt_name(const sipb_prompt *p)
{
	return p->name;
}

int sipb_prompt_next(sipb_prompt *p, uint8_t *out, size_t cap, size_t *len)
{
	if (p->pos >= p->samples) {
		if (!p->loop)
			return 0;
		p->pos = 0;
	}
	int16_t frame[MCU_MIX_FRAME];
	size_t n = p->samples - p->pos;
	if (n > MCU_MIX_FRAME)
		n = MCU_MIX_FRAME;
	memcpy(frame, p->pcm + p->pos, n * sizeof(int16_t));
	memset(frame + n, 0, (MCU_MIX_FRAME - n) * sizeof(int16_t));
	p->pos += n;
	int r = mcu_aenc_encode(p->enc, frame, out, cap, len);
	return r < 0 ? r : 1;
}
