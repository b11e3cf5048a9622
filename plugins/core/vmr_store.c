/*
 * vmr_store.c - opening a store by URI, the field validators every writer shares, the
 * record *_clear functions and the locking/transaction helpers the record code uses
 * (see vmr_store.h for the interface, vmr_store_priv.h for the driver design).
 *
 * Errors: the drivers do not log; every driver call goes through driver_rc here, which logs
 * the engine's text behind an -EIO once, through vmr_log.
 *
 * Threads: any; the validators are pure, the helpers take vmr_store.lock; the last error is
 * per thread.
 */
#include "vmr_store_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "vmr_log.h"

/* ---- errors ---------------------------------------------------------------------------- */

static GPrivate last_error = G_PRIVATE_INIT(g_free);

void vmr_store_set_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* A second failure in the same call (a failed ROLLBACK after a failed statement) is
	 * appended: each one used to be logged. */
	const char *prev = g_private_get(&last_error);
	if (prev != NULL && prev[0] != '\0') {
		char *both = g_strdup_printf("%s; %s", prev, text);
		g_free(text);
		text = both;
	}
	g_private_replace(&last_error, text);
}

const char *vmr_store_last_error(void)
{
	const char *e = g_private_get(&last_error);
	return e ? e : "";
}

/* Called before each driver call: an -EIO without a text of its own must not show an old one. */
static void error_clear(void)
{
	g_private_replace(&last_error, NULL);
}

/* Logs a driver's -EIO once, with the engine's text, if it gave one. */
static int driver_rc(int rc)
{
	const char *e = vmr_store_last_error();
	if (rc == -EIO && e[0] != '\0')
		vmr_log(VMR_LOG_ERR, "vmr_store: %s", e);
	return rc;
}

/* ---- open/close ------------------------------------------------------------------------ */

int vmr_store_open(const char *uri, vmr_store **out)
{
	if (uri == NULL || uri[0] == '\0' || out == NULL)
		return -EINVAL;
	*out = NULL;
	vmr_store *store = NULL;
	int rc;
	error_clear();
	if (g_str_has_prefix(uri, "postgresql://") || g_str_has_prefix(uri, "postgres://"))
		rc = vmr_store_pg_open(uri, &store);
	else if (g_str_has_prefix(uri, "postgres"))
		rc = -EINVAL; /* a mistyped PostgreSQL URI must not silently become a SQLite file */
	else if (g_str_has_prefix(uri, "sqlite:"))
		rc = uri[7] != '\0' ? vmr_store_sqlite_open(uri + 7, &store) : -EINVAL;
	else
		rc = vmr_store_sqlite_open(uri, &store);
	if (rc < 0)
		return driver_rc(rc);
	g_mutex_init(&store->lock);
	*out = store;
	return 0;
}

void vmr_store_close(vmr_store *store)
{
	if (store == NULL)
		return;
	g_mutex_clear(&store->lock);
	store->drv->close(store);
}

const char *vmr_store_backend(const vmr_store *store)
{
	return store ? store->drv->name : NULL;
}

/* ---- locking and transactions ----------------------------------------------------------- */

int vmr_store_exec(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams,
	vmr_sql_rows *rows)
{
	g_mutex_lock(&store->lock);
	error_clear();
	int rc = driver_rc(store->drv->query(store, sql, params, nparams, rows));
	g_mutex_unlock(&store->lock);
	return rc;
}

int vmr_store_exec_one(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams)
{
	vmr_sql_rows rows = { 0 };
	int rc = vmr_store_exec(store, sql, params, nparams, &rows);
	if (rc == 0 && rows.changes == 0)
		rc = -ENOENT;
	vmr_sql_rows_clear(&rows);
	return rc;
}

int vmr_store_txn_begin(vmr_store *store)
{
	g_mutex_lock(&store->lock);
	error_clear();
	int rc = driver_rc(store->drv->begin(store));
	if (rc < 0)
		g_mutex_unlock(&store->lock);
	return rc;
}

int vmr_store_txn_query(vmr_store *store, const char *sql, const vmr_sql_param *params, int nparams,
	vmr_sql_rows *rows)
{
	error_clear();
	return driver_rc(store->drv->query(store, sql, params, nparams, rows));
}

int vmr_store_txn_end(vmr_store *store, int rc)
{
	if (rc == 0) {
		error_clear();
		rc = driver_rc(store->drv->commit(store));
	}
	if (rc < 0) {
		/* The commit's (or the caller's statement's) text stays this thread's last error,
		 * unless the rollback fails too: that is logged on its own. */
		char *prev = g_strdup(vmr_store_last_error());
		error_clear();
		store->drv->rollback(store);
		driver_rc(-EIO);
		if (vmr_store_last_error()[0] == '\0')
			g_private_replace(&last_error, prev);
		else
			g_free(prev);
	}
	g_mutex_unlock(&store->lock);
	return rc;
}

/* ---- result rows ----------------------------------------------------------------------- */

void vmr_sql_rows_clear(vmr_sql_rows *rows)
{
	if (rows == NULL)
		return;
	if (rows->cells != NULL) {
		for (int i = 0; i < rows->nrows * rows->ncols; i++)
			g_free(rows->cells[i]);
		g_free(rows->cells);
	}
	g_free(rows->error);
	memset(rows, 0, sizeof(*rows));
}

const char *vmr_sql_text(const vmr_sql_rows *rows, int row, int col)
{
	if (row < 0 || row >= rows->nrows || col < 0 || col >= rows->ncols)
		return NULL;
	return rows->cells[row * rows->ncols + col];
}

int64_t vmr_sql_int(const vmr_sql_rows *rows, int row, int col)
{
	const char *t = vmr_sql_text(rows, row, col);
	return t ? g_ascii_strtoll(t, NULL, 10) : 0;
}

int64_t vmr_store_now(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

/* ---- validation ------------------------------------------------------------------------ */

int vmr_store_text_is_valid(const char *s, size_t max)
{
	if (s == NULL || s[0] == '\0')
		return 0;
	size_t n = strlen(s);
	if (n > max || !g_utf8_validate(s, (gssize)n, NULL))
		return 0;
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		/* Control characters (CR/LF above all) would let a value inject lines into a SIP
		 * header or an e-mail. */
		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029)
			return 0;
	}
	return 1;
}

int vmr_store_hex_is_valid(const char *s, size_t min, size_t max)
{
	if (s == NULL)
		return 0;
	size_t n = strlen(s);
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int name_is_valid(const char *name)
{
	if (name == NULL)
		return 0;
	size_t n = strlen(name);
	if (n < 3 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int vmr_room_name_is_valid(const char *name)
{
	return name_is_valid(name);
}

int vmr_account_username_is_valid(const char *username)
{
	return name_is_valid(username);
}

int vmr_room_pin_is_valid(const char *pin)
{
	if (pin == NULL || pin[0] == '\0')
		return 1;
	if (strlen(pin) != 4)
		return 0;
	for (int i = 0; i < 4; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	return 1;
}

int vmr_room_layout_is_valid(const char *layout)
{
	static const char *const layouts[] = { "speaker", "1+7", "2x2", "3x3" };
	if (layout == NULL)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(layouts); i++)
		if (strcmp(layout, layouts[i]) == 0)
			return 1;
	return 0;
}

/* RFC 5322 atext, plus '.' between atoms. No quoted local parts, no comments, no
 * internationalized addresses: what we accept must be safe in a To: header unquoted. */
static int local_char_is_valid(char c)
{
	return g_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

int vmr_email_is_valid(const char *email)
{
	if (email == NULL)
		return 0;
	size_t n = strlen(email);
	if (n < 3 || n > 254)
		return 0;
	const char *at = strchr(email, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	size_t local_len = (size_t)(at - email);
	if (local_len == 0 || local_len > 64 || email[0] == '.' || at[-1] == '.')
		return 0;
	for (size_t i = 0; i < local_len; i++) {
		if (!local_char_is_valid(email[i]) || (email[i] == '.' && email[i + 1] == '.'))
			return 0;
	}
	const char *domain = at + 1;
	size_t dlen = strlen(domain);
	if (dlen == 0 || domain[0] == '.' || domain[0] == '-' || domain[dlen - 1] == '.'
		|| strchr(domain, '.') == NULL)
		return 0;
	for (size_t i = 0; i < dlen; i++) {
		char c = domain[i];
		if (!(g_ascii_isalnum(c) || c == '-' || c == '.'))
			return 0;
		if (c == '.' && domain[i + 1] == '.')
			return 0;
	}
	return 1;
}

/* ---- records ---------------------------------------------------------------------------- */

void vmr_account_clear(vmr_account *a)
{
	if (a == NULL)
		return;
	g_free(a->username);
	g_free(a->display_name);
	g_free(a->email);
	g_free(a->password_hash);
	if (a->sip_password != NULL)
		memset(a->sip_password, 0, strlen(a->sip_password));
	g_free(a->sip_password);
	memset(a, 0, sizeof(*a));
}

void vmr_room_clear(vmr_room *room)
{
	if (room == NULL)
		return;
	g_free(room->name);
	g_free(room->address);
	g_free(room->pin);
	g_free(room->host_pin);
	g_free(room->layout);
	memset(room, 0, sizeof(*room));
}

void vmr_invitation_clear(vmr_invitation *inv)
{
	if (inv == NULL)
		return;
	g_free(inv->email);
	g_free(inv->guest_name);
	g_free(inv->secret);
	g_free(inv->mail_status);
	g_free(inv->guest_code);
	memset(inv, 0, sizeof(*inv));
}

const char *vmr_store_printable_uri(const char *uri)
{
	if (uri != NULL && g_ascii_strncasecmp(uri, "postgres", 8) == 0)
		return "postgresql://… (credentials not logged)";
	return uri ? uri : "(none)";
}
