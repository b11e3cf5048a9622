/*
 * vmr_metrics.h - the process's operator figures: counters and gauges the libraries and
 * plugins update, rendered in the Prometheus text format (version 0.0.4) for the transport's
 * admin listener (/metrics), and the health checks behind /healthz.
 *
 * Counters and gauges are fixed slots (an enum), updated with atomics: any thread, any lock
 * held, never blocks.  Figures a module can only compute when asked (the running rooms, SIP
 * registrations) come from collectors and health checks the module registers under a name and
 * removes before it goes away.
 *
 * Threads: vmr_metrics_inc/_gauge_add from anywhere.  vmr_metrics_render and
 * vmr_metrics_health (the transport's lws thread) call the collectors and checks under the
 * registry's mutex; vmr_metrics_register/_unregister take it too, so after _unregister
 * returns the module's callbacks are not running and are not called again.  A callback must
 * not call vmr_metrics_register/_unregister/_render/_health.
 * Ownership: strings returned are new (g_free); names and help texts are static.
 */
#ifndef TPAAS_VMR_METRICS_H
#define TPAAS_VMR_METRICS_H

#include <stdint.h>
#include <glib.h>

/* Counters (only go up; _total in the output). */
typedef enum vmr_metric_counter {
	VMR_METRIC_PIN_FAILURES = 0, /* wrong PINs, browsers and keypads alike */
	VMR_METRIC_LOGIN_FAILURES,   /* wrong user name or password on the owner's page */
	VMR_METRIC_JOINS_BROWSER,    /* joins by kind */
	VMR_METRIC_JOINS_APP,
	VMR_METRIC_JOINS_SIP,
	VMR_METRIC_KICKED,                /* participants put out (revoked invitation) */
	VMR_METRIC_SIP_REGISTERS,         /* REGISTER accepted */
	VMR_METRIC_SIP_REGISTER_FAILURES, /* REGISTER refused (digest) */
	VMR_METRIC_SIP_CALLS,             /* SIP calls set up (answered, both directions) */
	VMR_METRIC_MAIL_SENT,
	VMR_METRIC_MAIL_FAILED, /* SMTP errors, full queue, stopped mailer */
	VMR_METRIC_COUNTER_COUNT
} vmr_metric_counter;

/* Gauges (up and down). */
typedef enum vmr_metric_gauge {
	VMR_GAUGE_PARTICIPANTS_BROWSER = 0, /* in a room now, by kind (SIP: from the rooms) */
	VMR_GAUGE_PARTICIPANTS_APP,
	VMR_GAUGE_MAIL_QUEUE, /* mails waiting for the SMTP server */
	VMR_GAUGE_COUNT
} vmr_metric_gauge;

/* Media quality, by direction (in: what we receive; out: what the peer receives from us, as
 * its reports say), participant kind and media (vmr_media_quality.h feeds them). */
typedef enum vmr_media_dir {
	VMR_MEDIA_IN = 0,
	VMR_MEDIA_OUT,
	VMR_MEDIA_DIR_COUNT
} vmr_media_dir;
typedef enum vmr_metric_kind {
	VMR_KIND_BROWSER = 0,
	VMR_KIND_APP,
	VMR_KIND_SIP,
	VMR_KIND_COUNT
} vmr_metric_kind;
void vmr_metrics_media_loss(
	vmr_media_dir dir, vmr_metric_kind kind, int is_video, uint32_t expected, uint32_t lost);
void vmr_metrics_media_jitter(
	vmr_media_dir dir, vmr_metric_kind kind, int is_video, double seconds);

void vmr_metrics_inc(vmr_metric_counter c);
void vmr_metrics_gauge_add(vmr_metric_gauge g, gint delta);
/* The current value (tests, health). */
guint64 vmr_metrics_counter_get(vmr_metric_counter c);
gint64 vmr_metrics_gauge_get(vmr_metric_gauge g);

/* Output under construction, handed to collectors. */
typedef struct vmr_metrics_out vmr_metrics_out;
/* Starts a family: its # HELP and # TYPE lines ("counter", "gauge"). Call once per name: the
 * format wants all samples of a family together. */
void vmr_metrics_family(vmr_metrics_out *out, const char *name, const char *type, const char *help);
/* One sample: name{label_name="label_value"} value; label_name NULL for none.  The label
 * value is escaped (backslash, quote, new line), whatever bytes it holds. */
void vmr_metrics_sample(vmr_metrics_out *out, const char *name, const char *label_name,
	const char *label_value, double value);
/* Two labels. */
void vmr_metrics_sample2(vmr_metrics_out *out, const char *name, const char *l1, const char *v1,
	const char *l2, const char *v2, double value);

/* A module's part: collect appends its families (names unique to it); health returns TRUE
 * when its part works and may append a short reason to why (one line, no new line). Either
 * may be NULL. 0, or -EEXIST when the name is taken. */
typedef void (*vmr_metrics_collect_fn)(void *opaque, vmr_metrics_out *out);
typedef gboolean (*vmr_metrics_health_fn)(void *opaque, GString *why);
int vmr_metrics_register(const char *name, vmr_metrics_collect_fn collect,
	vmr_metrics_health_fn health, void *opaque);
void vmr_metrics_unregister(const char *name);

/* The whole text: the library's own families (counters, gauges, running rooms and their
 * participants and CPU), then each registered module's. */
char *vmr_metrics_render(void);
/* Runs every health check: TRUE when all pass (or none is registered). *text (new) lists
 * each check as "name ok" or "name FAIL: reason", one a line. */
gboolean vmr_metrics_health(char **text);

#endif
