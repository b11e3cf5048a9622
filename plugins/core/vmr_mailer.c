/*
 * vmr_mailer.c - sends mail over SMTP with libcurl, synchronously (vmr_mail_send) or from
 * a thread of its own (vmr_mailer). See vmr_mail.h.
 *
 * One easy handle per message: invitations are rare, and a fresh connection never carries
 * a half-broken SMTP session from the previous message. libcurl does the dot-stuffing of
 * the DATA section (RFC 5321 §4.5.2) and turns the upload into the DATA command.
 */
#include <errno.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>

#include "vmr_mail.h"
#include "vmr_metrics.h"

#define DEFAULT_TIMEOUT_S 60
#define CONNECT_TIMEOUT_S 15

int vmr_mail_global_init(void)
{
	static gsize done = 0;
	static int result = 0;
	if (g_once_init_enter(&done)) {
		result = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
		g_once_init_leave(&done, 1);
	}
	return result;
}

/* The READFUNCTION's view of the message. */
typedef struct upload {
	const char *data;
	size_t len, sent;
} upload;

static size_t upload_read(char *buffer, size_t size, size_t nitems, void *userdata)
{
	upload *u = userdata;
	size_t room = size * nitems, left = u->len - u->sent;
	size_t n = left < room ? left : room;
	memcpy(buffer, u->data + u->sent, n);
	u->sent += n;
	return n;
}

static int fail(char **error_out, int rc, char *text)
{
	if (error_out)
		*error_out = text;
	else
		g_free(text);
	return rc;
}

int vmr_mail_send(const vmr_mail_config *cfg, const char *to, const char *message, char **error_out)
{
	if (error_out)
		*error_out = NULL;
	if (cfg == NULL || cfg->smtp_url == NULL
		|| (g_ascii_strncasecmp(cfg->smtp_url, "smtp://", 7) != 0
			&& g_ascii_strncasecmp(cfg->smtp_url, "smtps://", 8) != 0))
		return fail(error_out, -EINVAL,
			g_strdup("smtp_url must be smtp://host:port or smtps://host:port"));
	if (!vmr_mail_address_is_valid(cfg->from_address))
		return fail(error_out, -EINVAL,
			g_strdup("from_address is missing or not a plain address"));
	if (!vmr_mail_address_is_valid(to))
		return fail(error_out, -EINVAL,
			g_strdup("recipient is missing or not a plain address"));
	if (message == NULL || *message == '\0')
		return fail(error_out, -EINVAL, g_strdup("no message"));
	if (vmr_mail_global_init() < 0)
		return fail(error_out, -EIO, g_strdup("curl_global_init failed"));

	CURL *curl = curl_easy_init();
	if (curl == NULL)
		return fail(error_out, -EIO, g_strdup("curl_easy_init failed"));
	char errbuf[CURL_ERROR_SIZE] = "";
	char *mail_from = g_strdup_printf("<%s>", cfg->from_address);
	char *rcpt = g_strdup_printf("<%s>", to);
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	upload u = { .data = message, .len = strlen(message), .sent = 0 };
	long timeout = cfg->timeout_s > 0 ? cfg->timeout_s : DEFAULT_TIMEOUT_S;
	long use_ssl = cfg->starttls >= 2
		? (long)CURLUSESSL_ALL
		: (cfg->starttls == 1 ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE);

	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	/* Never follow the URL anywhere but SMTP, whatever a configuration file says. */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
		timeout < CONNECT_TIMEOUT_S ? timeout : (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
	if (cfg->username != NULL) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->username);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
	}
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.len);

	CURLcode res = curl_easy_perform(curl);
	int rc = 0;
	if (res != CURLE_OK) {
		long code = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		char *why = code > 0 ? g_strdup_printf("%s (%s; last SMTP response %ld)",
				    errbuf[0] ? errbuf : curl_easy_strerror(res),
				    curl_easy_strerror(res), code)
				     : g_strdup_printf("%s (%s; no SMTP response)",
					     errbuf[0] ? errbuf : curl_easy_strerror(res),
					     curl_easy_strerror(res));
		rc = fail(error_out, -EIO, why);
	}
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(curl);
	g_free(rcpt);
	g_free(mail_from);
	return rc;
}

/* ---- the sender thread ---- */

typedef struct mail_job {
	char *to, *message;
	vmr_mail_done done;
	void *user_data;
	GDestroyNotify free_user_data;
	int result; /* preset for jobs refused at the door (-ENOBUFS) */
} mail_job;

struct vmr_mailer {
	vmr_mail_config cfg; /* strings below are owned copies */
	char *smtp_url, *username, *password, *from_address, *from_name;
	GThread *thread;
	GMutex mutex;
	GCond cond;
	GQueue pending; /* mail_job, to send in order */
	GQueue refused; /* mail_job, answered -ENOBUFS before anything else */
	gboolean stopping;
};

static void job_finish(mail_job *job, int result, const char *error)
{
	vmr_metrics_inc(result == 0 ? VMR_METRIC_MAIL_SENT : VMR_METRIC_MAIL_FAILED);
	if (job->done)
		job->done(job->user_data, result, error);
	if (job->free_user_data)
		job->free_user_data(job->user_data);
	g_free(job->to);
	g_free(job->message);
	g_free(job);
}

static gpointer mailer_thread(gpointer data)
{
	vmr_mailer *m = data;
	g_mutex_lock(&m->mutex);
	for (;;) {
		while (!m->stopping && g_queue_is_empty(&m->pending)
			&& g_queue_is_empty(&m->refused))
			g_cond_wait(&m->cond, &m->mutex);
		mail_job *job = g_queue_pop_head(&m->refused);
		if (job != NULL) {
			g_mutex_unlock(&m->mutex);
			job_finish(job, job->result, "mail queue is full");
			g_mutex_lock(&m->mutex);
			continue;
		}
		if (m->stopping)
			break;
		job = g_queue_pop_head(&m->pending);
		vmr_metrics_gauge_add(VMR_GAUGE_MAIL_QUEUE, -1);
		g_mutex_unlock(&m->mutex);
		char *error = NULL;
		int rc = vmr_mail_send(&m->cfg, job->to, job->message, &error);
		job_finish(job, rc, error);
		g_free(error);
		g_mutex_lock(&m->mutex);
	}
	/* Stopping: what is still queued is dropped, each owner told so. */
	GQueue dropped = m->pending;
	vmr_metrics_gauge_add(VMR_GAUGE_MAIL_QUEUE, -(gint)g_queue_get_length(&dropped));
	g_queue_init(&m->pending);
	g_mutex_unlock(&m->mutex);
	mail_job *job;
	while ((job = g_queue_pop_head(&dropped)) != NULL)
		job_finish(job, -ECANCELED, "mailer stopped before sending");
	return NULL;
}

vmr_mailer *vmr_mailer_new(const vmr_mail_config *cfg)
{
	if (cfg == NULL || cfg->smtp_url == NULL || cfg->from_address == NULL)
		return NULL;
	vmr_mail_global_init();
	vmr_mailer *m = g_new0(vmr_mailer, 1);
	m->smtp_url = g_strdup(cfg->smtp_url);
	m->username = g_strdup(cfg->username);
	m->password = g_strdup(cfg->password);
	m->from_address = g_strdup(cfg->from_address);
	m->from_name = g_strdup(cfg->from_name);
	m->cfg = *cfg;
	m->cfg.smtp_url = m->smtp_url;
	m->cfg.username = m->username;
	m->cfg.password = m->password;
	m->cfg.from_address = m->from_address;
	m->cfg.from_name = m->from_name;
	g_mutex_init(&m->mutex);
	g_cond_init(&m->cond);
	g_queue_init(&m->pending);
	g_queue_init(&m->refused);
	m->thread = g_thread_new("vmr-mailer", mailer_thread, m);
	return m;
}

void vmr_mailer_send(vmr_mailer *m, const char *to, const char *message, vmr_mail_done done,
	void *user_data, GDestroyNotify free_user_data)
{
	if (m == NULL) {
		if (free_user_data)
			free_user_data(user_data);
		g_return_if_fail(m != NULL);
	}
	mail_job *job = g_new0(mail_job, 1);
	job->to = g_strdup(to);
	job->message = g_strdup(message);
	job->done = done;
	job->user_data = user_data;
	job->free_user_data = free_user_data;
	g_mutex_lock(&m->mutex);
	if (g_queue_get_length(&m->pending) >= VMR_MAILER_QUEUE_MAX) {
		/* Answered from the mailer's thread like every other result; the copy of the
		 * message is not needed for that. */
		job->result = -ENOBUFS;
		g_clear_pointer(&job->message, g_free);
		g_queue_push_tail(&m->refused, job);
	} else {
		g_queue_push_tail(&m->pending, job);
		vmr_metrics_gauge_add(VMR_GAUGE_MAIL_QUEUE, 1);
	}
	g_cond_signal(&m->cond);
	g_mutex_unlock(&m->mutex);
}

void vmr_mailer_free(vmr_mailer *m)
{
	if (m == NULL)
		return;
	g_mutex_lock(&m->mutex);
	m->stopping = TRUE;
	g_cond_signal(&m->cond);
	g_mutex_unlock(&m->mutex);
	g_thread_join(m->thread);
	g_mutex_clear(&m->mutex);
	g_cond_clear(&m->cond);
	if (m->password)
		memset(m->password, 0, strlen(m->password));
	g_free(m->smtp_url);
	g_free(m->username);
	g_free(m->password);
	g_free(m->from_address);
	g_free(m->from_name);
	g_free(m);
}
