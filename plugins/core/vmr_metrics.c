/*
 * vmr_metrics.c - counters, gauges, collectors and health checks (see vmr_metrics.h).
 */
#include "vmr_metrics.h"
#include "vmr_rooms.h"

#include <errno.h>
#include <string.h>

struct vmr_metrics_out {
	GString *text;
};

typedef struct module {
	char *name;
	vmr_metrics_collect_fn collect;
	vmr_metrics_health_fn health;
	void *opaque;
} module;

static guint64 counters[VMR_METRIC_COUNTER_COUNT];
static gint64 gauges[VMR_GAUGE_COUNT];
/* Jitter histogram bounds, seconds (+Inf last). */
static const double jitter_le[] = { 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32 };
#define JITTER_BUCKETS (G_N_ELEMENTS(jitter_le) + 1)
typedef struct media_slot {
	guint64 expected, lost;
	guint64 jitter_bucket[JITTER_BUCKETS]; /* not cumulative; rendered cumulative */
	guint64 jitter_sum_us, jitter_count;
} media_slot;
static media_slot media[VMR_MEDIA_DIR_COUNT][VMR_KIND_COUNT][2];
static GMutex modules_lock;
static GPtrArray *modules; /* module (owned), in registration order */

void vmr_metrics_inc(vmr_metric_counter c)
{
	if ((unsigned)c < VMR_METRIC_COUNTER_COUNT)
		__atomic_add_fetch(&counters[c], 1, __ATOMIC_RELAXED);
}

void vmr_metrics_gauge_add(vmr_metric_gauge g, gint delta)
{
	if ((unsigned)g < VMR_GAUGE_COUNT)
		__atomic_add_fetch(&gauges[g], (gint64)delta, __ATOMIC_RELAXED);
}

guint64 vmr_metrics_counter_get(vmr_metric_counter c)
{
	return (unsigned)c < VMR_METRIC_COUNTER_COUNT
		? __atomic_load_n(&counters[c], __ATOMIC_RELAXED)
		: 0;
}

gint64 vmr_metrics_gauge_get(vmr_metric_gauge g)
{
	return (unsigned)g < VMR_GAUGE_COUNT ? __atomic_load_n(&gauges[g], __ATOMIC_RELAXED) : 0;
}

static media_slot *media_at(vmr_media_dir dir, vmr_metric_kind kind, int is_video)
{
	if ((unsigned)dir >= VMR_MEDIA_DIR_COUNT || (unsigned)kind >= VMR_KIND_COUNT)
		return NULL;
	return &media[dir][kind][is_video ? 1 : 0];
}

void vmr_metrics_media_loss(
	vmr_media_dir dir, vmr_metric_kind kind, int is_video, uint32_t expected, uint32_t lost)
{
	media_slot *m = media_at(dir, kind, is_video);
	if (m == NULL)
		return;
	__atomic_add_fetch(&m->expected, expected, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->lost, lost, __ATOMIC_RELAXED);
}

void vmr_metrics_media_jitter(vmr_media_dir dir, vmr_metric_kind kind, int is_video, double seconds)
{
	media_slot *m = media_at(dir, kind, is_video);
	if (m == NULL || !(seconds >= 0) || seconds > 3600)
		return;
	size_t b = 0;
	while (b < G_N_ELEMENTS(jitter_le) && seconds > jitter_le[b])
		b++;
	__atomic_add_fetch(&m->jitter_bucket[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->jitter_sum_us, (guint64)(seconds * 1e6), __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->jitter_count, 1, __ATOMIC_RELAXED);
}

/* ---- the text format ------------------------------------------------------------------ */

void vmr_metrics_family(vmr_metrics_out *out, const char *name, const char *type, const char *help)
{
	g_string_append_printf(out->text, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void append_label_value(GString *s, const char *v)
{
	for (const char *c = v ? v : ""; *c; c++) {
		if (*c == '\\')
			g_string_append(s, "\\\\");
		else if (*c == '"')
			g_string_append(s, "\\\"");
		else if (*c == '\n')
			g_string_append(s, "\\n");
		else
			g_string_append_c(s, *c);
	}
}

static void append_value(GString *s, double value)
{
	if (value == (double)(gint64)value)
		g_string_append_printf(s, " %" G_GINT64_FORMAT "\n", (gint64)value);
	else {
		char buf[G_ASCII_DTOSTR_BUF_SIZE];
		g_string_append_printf(
			s, " %s\n", g_ascii_formatd(buf, sizeof(buf), "%.9g", value));
	}
}

void vmr_metrics_sample2(vmr_metrics_out *out, const char *name, const char *l1, const char *v1,
	const char *l2, const char *v2, double value)
{
	GString *s = out->text;
	g_string_append(s, name);
	if (l1 != NULL) {
		g_string_append_printf(s, "{%s=\"", l1);
		append_label_value(s, v1);
		g_string_append_c(s, '"');
		if (l2 != NULL) {
			g_string_append_printf(s, ",%s=\"", l2);
			append_label_value(s, v2);
			g_string_append_c(s, '"');
		}
		g_string_append_c(s, '}');
	}
	append_value(s, value);
}

void vmr_metrics_sample(vmr_metrics_out *out, const char *name, const char *label_name,
	const char *label_value, double value)
{
	vmr_metrics_sample2(out, name, label_name, label_value, NULL, NULL, value);
}

/* ---- the library's own figures -------------------------------------------------------- */

typedef struct room_row {
	char *address;
	unsigned mcu_participants;
	mcu_room_stats stats;
} room_row;

static void room_row_free(gpointer p)
{
	room_row *r = p;
	g_free(r->address);
	g_free(r);
}

static void collect_room(void *opaque, const char *address, mcu_room *room)
{
	room_row *r = g_new0(room_row, 1);
	r->address = g_strdup(address);
	r->mcu_participants = mcu_room_count(room);
	mcu_room_get_stats(room, &r->stats);
	g_ptr_array_add(opaque, r);
}

static void count_sip(void *opaque, uint64_t id, const char *display, int is_sip)
{
	(void)id;
	(void)display;
	if (is_sip)
		(*(unsigned *)opaque)++;
}

static void collect_counter(
	vmr_metrics_out *out, const char *name, const char *help, vmr_metric_counter c)
{
	vmr_metrics_family(out, name, "counter", help);
	vmr_metrics_sample(out, name, NULL, NULL, (double)vmr_metrics_counter_get(c));
}

static const char *const dir_names[] = { "in", "out" };
static const char *const kind_names[] = { "browser", "app", "sip" };
static const char *const media_names[] = { "audio", "video" };

static void media_labels(GString *s, int d, int k, int v)
{
	g_string_printf(s, "direction=\"%s\",kind=\"%s\",media=\"%s\"", dir_names[d], kind_names[k],
		media_names[v]);
}

static void collect_media(vmr_metrics_out *out)
{
	GString *l = g_string_new(NULL);
	vmr_metrics_family(out, "tpaas_media_packets_expected_total", "counter",
		"RTP packets expected (in: we received or missed; out: the peers' reports).");
	for (int d = 0; d < VMR_MEDIA_DIR_COUNT; d++)
		for (int k = 0; k < VMR_KIND_COUNT; k++)
			for (int v = 0; v < 2; v++) {
				media_labels(l, d, k, v);
				g_string_append_printf(out->text,
					"tpaas_media_packets_expected_total{%s} %" G_GUINT64_FORMAT
					"\n",
					l->str,
					__atomic_load_n(
						&media[d][k][v].expected, __ATOMIC_RELAXED));
			}
	vmr_metrics_family(out, "tpaas_media_packets_lost_total", "counter",
		"RTP packets lost (in: gaps in what we received; out: the peers' reports).");
	for (int d = 0; d < VMR_MEDIA_DIR_COUNT; d++)
		for (int k = 0; k < VMR_KIND_COUNT; k++)
			for (int v = 0; v < 2; v++) {
				media_labels(l, d, k, v);
				g_string_append_printf(out->text,
					"tpaas_media_packets_lost_total{%s} %" G_GUINT64_FORMAT
					"\n",
					l->str,
					__atomic_load_n(&media[d][k][v].lost, __ATOMIC_RELAXED));
			}
	vmr_metrics_family(out, "tpaas_media_jitter_seconds", "histogram",
		"Interarrival jitter (RFC 3550), sampled about once a second per stream.");
	for (int d = 0; d < VMR_MEDIA_DIR_COUNT; d++)
		for (int k = 0; k < VMR_KIND_COUNT; k++)
			for (int v = 0; v < 2; v++) {
				media_slot *m = &media[d][k][v];
				media_labels(l, d, k, v);
				guint64 cum = 0;
				for (size_t b = 0; b < JITTER_BUCKETS; b++) {
					cum += __atomic_load_n(
						&m->jitter_bucket[b], __ATOMIC_RELAXED);
					char le[G_ASCII_DTOSTR_BUF_SIZE];
					if (b < G_N_ELEMENTS(jitter_le))
						g_ascii_formatd(le, sizeof(le), "%g", jitter_le[b]);
					else
						g_strlcpy(le, "+Inf", sizeof(le));
					g_string_append_printf(out->text,
						"tpaas_media_jitter_seconds_bucket{%s,le=\"%s\"} "
						"%" G_GUINT64_FORMAT "\n",
						l->str, le, cum);
				}
				char sum[G_ASCII_DTOSTR_BUF_SIZE];
				g_ascii_formatd(sum, sizeof(sum), "%.6f",
					(double)__atomic_load_n(&m->jitter_sum_us, __ATOMIC_RELAXED)
						/ 1e6);
				g_string_append_printf(out->text,
					"tpaas_media_jitter_seconds_sum{%s} %s\n", l->str, sum);
				g_string_append_printf(out->text,
					"tpaas_media_jitter_seconds_count{%s} %" G_GUINT64_FORMAT
					"\n",
					l->str,
					__atomic_load_n(&m->jitter_count, __ATOMIC_RELAXED));
			}
	g_string_free(l, TRUE);
}

static void collect_own(vmr_metrics_out *out)
{
	GPtrArray *rooms = g_ptr_array_new_with_free_func(room_row_free);
	vmr_rooms_foreach(collect_room, rooms);
	unsigned sip = 0;
	for (guint i = 0; i < rooms->len; i++)
		vmr_rooms_members(((room_row *)rooms->pdata[i])->address, count_sip, &sip);

	vmr_metrics_family(out, "tpaas_rooms", "gauge", "Rooms running now.");
	vmr_metrics_sample(out, "tpaas_rooms", NULL, NULL, rooms->len);
	vmr_metrics_family(
		out, "tpaas_participants", "gauge", "Participants in a room now, by kind.");
	vmr_metrics_sample(out, "tpaas_participants", "kind", "browser",
		(double)vmr_metrics_gauge_get(VMR_GAUGE_PARTICIPANTS_BROWSER));
	vmr_metrics_sample(out, "tpaas_participants", "kind", "app",
		(double)vmr_metrics_gauge_get(VMR_GAUGE_PARTICIPANTS_APP));
	vmr_metrics_sample(out, "tpaas_participants", "kind", "sip", sip);
	vmr_metrics_family(out, "tpaas_joins_total", "counter", "Joins into a room, by kind.");
	vmr_metrics_sample(out, "tpaas_joins_total", "kind", "browser",
		(double)vmr_metrics_counter_get(VMR_METRIC_JOINS_BROWSER));
	vmr_metrics_sample(out, "tpaas_joins_total", "kind", "app",
		(double)vmr_metrics_counter_get(VMR_METRIC_JOINS_APP));
	vmr_metrics_sample(out, "tpaas_joins_total", "kind", "sip",
		(double)vmr_metrics_counter_get(VMR_METRIC_JOINS_SIP));

	vmr_metrics_family(out, "tpaas_room_participants", "gauge",
		"Participants in the room's MCU (every kind).");
	for (guint i = 0; i < rooms->len; i++) {
		room_row *r = rooms->pdata[i];
		vmr_metrics_sample(
			out, "tpaas_room_participants", "room", r->address, r->mcu_participants);
	}
	vmr_metrics_family(out, "tpaas_room_cpu_seconds_total", "counter",
		"CPU time of the room's MCU threads (audio mixing, video compose and encode).");
	for (guint i = 0; i < rooms->len; i++) {
		room_row *r = rooms->pdata[i];
		vmr_metrics_sample2(out, "tpaas_room_cpu_seconds_total", "room", r->address,
			"thread", "audio", (double)r->stats.audio_cpu_us / 1e6);
		vmr_metrics_sample2(out, "tpaas_room_cpu_seconds_total", "room", r->address,
			"thread", "video", (double)r->stats.video_cpu_us / 1e6);
	}
	vmr_metrics_family(out, "tpaas_room_audio_encodes_total", "counter",
		"Audio encodes: one shared per codec and tick for the listeners, one private "
		"(mix-minus) per talker and tick.");
	for (guint i = 0; i < rooms->len; i++) {
		room_row *r = rooms->pdata[i];
		vmr_metrics_sample2(out, "tpaas_room_audio_encodes_total", "room", r->address,
			"group", "shared", (double)r->stats.audio_encodes_shared);
		vmr_metrics_sample2(out, "tpaas_room_audio_encodes_total", "room", r->address,
			"group", "private", (double)r->stats.audio_encodes_private);
	}
	vmr_metrics_family(out, "tpaas_room_video_frames_encoded_total", "counter",
		"Composed frames encoded, once per video codec that has receivers.");
	for (guint i = 0; i < rooms->len; i++) {
		room_row *r = rooms->pdata[i];
		/* video_frames_out counts frames encoded by one codec or both: VP8 is the rest */
		guint64 h264 = r->stats.video_frames_out_h264;
		vmr_metrics_sample2(out, "tpaas_room_video_frames_encoded_total", "room",
			r->address, "codec", "h264", (double)h264);
		vmr_metrics_sample2(out, "tpaas_room_video_frames_encoded_total", "room",
			r->address, "codec", "any", (double)r->stats.video_frames_out);
	}
	g_ptr_array_free(rooms, TRUE);

	collect_counter(out, "tpaas_pin_failures_total", "Wrong PINs (browsers and keypads alike).",
		VMR_METRIC_PIN_FAILURES);
	collect_counter(out, "tpaas_login_failures_total",
		"Failed logins to the owner's page (wrong user name or password).",
		VMR_METRIC_LOGIN_FAILURES);
	collect_counter(
		out, "tpaas_kicked_total", "Participants put out of a room.", VMR_METRIC_KICKED);
	collect_counter(out, "tpaas_sip_registers_total", "SIP REGISTER requests accepted.",
		VMR_METRIC_SIP_REGISTERS);
	collect_counter(out, "tpaas_sip_register_failures_total",
		"SIP REGISTER requests refused (authentication).",
		VMR_METRIC_SIP_REGISTER_FAILURES);
	collect_counter(out, "tpaas_sip_calls_total", "SIP calls set up (dial-in and dial-out).",
		VMR_METRIC_SIP_CALLS);
	collect_counter(
		out, "tpaas_mail_sent_total", "Invitation mails sent.", VMR_METRIC_MAIL_SENT);
	collect_counter(out, "tpaas_mail_failures_total",
		"Invitation mails not sent (SMTP error, full queue, shutdown).",
		VMR_METRIC_MAIL_FAILED);
	collect_media(out);
	vmr_metrics_family(out, "tpaas_mail_queue", "gauge", "Mails waiting to be sent.");
	vmr_metrics_sample(out, "tpaas_mail_queue", NULL, NULL,
		(double)vmr_metrics_gauge_get(VMR_GAUGE_MAIL_QUEUE));
}

/* ---- modules -------------------------------------------------------------------------- */

static void module_free(gpointer p)
{
	module *m = p;
	g_free(m->name);
	g_free(m);
}

int vmr_metrics_register(const char *name, vmr_metrics_collect_fn collect,
	vmr_metrics_health_fn health, void *opaque)
{
	g_return_val_if_fail(name != NULL, -EINVAL);
	g_mutex_lock(&modules_lock);
	if (modules == NULL)
		modules = g_ptr_array_new_with_free_func(module_free);
	for (guint i = 0; i < modules->len; i++) {
		if (strcmp(((module *)modules->pdata[i])->name, name) == 0) {
			g_mutex_unlock(&modules_lock);
			return -EEXIST;
		}
	}
	module *m = g_new0(module, 1);
	m->name = g_strdup(name);
	m->collect = collect;
	m->health = health;
	m->opaque = opaque;
	g_ptr_array_add(modules, m);
	g_mutex_unlock(&modules_lock);
	return 0;
}

void vmr_metrics_unregister(const char *name)
{
	g_mutex_lock(&modules_lock);
	for (guint i = 0; modules != NULL && i < modules->len; i++) {
		if (strcmp(((module *)modules->pdata[i])->name, name) == 0) {
			g_ptr_array_remove_index(modules, i);
			break;
		}
	}
	g_mutex_unlock(&modules_lock);
}

char *vmr_metrics_render(void)
{
	vmr_metrics_out out = { .text = g_string_sized_new(4096) };
	collect_own(&out);
	g_mutex_lock(&modules_lock);
	for (guint i = 0; modules != NULL && i < modules->len; i++) {
		module *m = modules->pdata[i];
		if (m->collect)
			m->collect(m->opaque, &out);
	}
	g_mutex_unlock(&modules_lock);
	return g_string_free(out.text, FALSE);
}

gboolean vmr_metrics_health(char **text)
{
	GString *s = g_string_new(NULL);
	gboolean ok = TRUE;
	g_mutex_lock(&modules_lock);
	for (guint i = 0; modules != NULL && i < modules->len; i++) {
		module *m = modules->pdata[i];
		if (m->health == NULL)
			continue;
		GString *why = g_string_new(NULL);
		gboolean pass = m->health(m->opaque, why);
		/* one line per check, whatever the reason holds */
		g_strdelimit(why->str, "\r\n", ' ');
		g_string_append_printf(s, "%s %s%s%s\n", m->name, pass ? "ok" : "FAIL",
			why->len ? ": " : "", why->str);
		g_string_free(why, TRUE);
		ok = ok && pass;
	}
	g_mutex_unlock(&modules_lock);
	if (text)
		*text = g_string_free(s, FALSE);
	else
		g_string_free(s, TRUE);
	return ok;
}
