/*
 * vmr_service.c - see vmr_service.h.
 */
#include "vmr_service.h"
#include "vmr_service_priv.h"
#include "vmr_admission.h"
#include "vmr_auth.h"
#include "vmr_ratelimit.h"
#include "vmr_pinguard.h"
#include "vmr_metrics.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

/* 5 failures lock a key for 60 s, doubling up to a day. */
#define LIMIT_FAILURES 5
#define LIMIT_BASE_US  (60 * G_USEC_PER_SEC)
#define LIMIT_MAX_US   ((int64_t)24 * 3600 * G_USEC_PER_SEC)

void vmr_client_clear(vmr_client *c)
{
	if (c == NULL)
		return;
	g_free(c->token_hash);
	g_free(c->source);
	memset(c, 0, sizeof(*c));
}

void vmr_join_grant_clear(vmr_join_grant *g)
{
	if (g == NULL)
		return;
	vmr_room_clear(&g->room);
	g_free(g->guest_name);
	memset(g, 0, sizeof(*g));
}

int vmr_service_new(vmr_store *store, const vmr_service_config *cfg, vmr_service **out)
{
	if (store == NULL || cfg == NULL || out == NULL)
		return -EINVAL;
	if (vmr_auth_init() < 0 || vmr_mail_global_init() < 0)
		return -EIO;
	vmr_service *svc = g_new0(vmr_service, 1);
	svc->store = store;
	svc->domain = g_strdup(cfg->domain ? cfg->domain : "localhost");
	svc->public_url = g_strdup(cfg->public_url ? cfg->public_url : "http://127.0.0.1:8088");
	svc->dial_ip = g_strdup(cfg->dial_ip ? cfg->dial_ip : "127.0.0.1");
	svc->session_ttl_s = cfg->session_ttl_s > 0 ? cfg->session_ttl_s : 8 * 3600;
	svc->mail = cfg->mail;
	svc->mail_strings[0] = g_strdup(cfg->mail.smtp_url);
	svc->mail_strings[1] = g_strdup(cfg->mail.username);
	svc->mail_strings[2] = g_strdup(cfg->mail.password);
	svc->mail_strings[3] = g_strdup(
		cfg->mail.from_address ? cfg->mail.from_address : "vmr@localhost");
	svc->mail_strings[4] = g_strdup(
		cfg->mail.from_name ? cfg->mail.from_name : "tpaas meetings");
	svc->mail.smtp_url = svc->mail_strings[0];
	svc->mail.username = svc->mail_strings[1];
	svc->mail.password = svc->mail_strings[2];
	svc->mail.from_address = svc->mail_strings[3];
	svc->mail.from_name = svc->mail_strings[4];
	if (svc->mail.timeout_s <= 0)
		svc->mail.timeout_s = 30;
	if (svc->mail.smtp_url != NULL && svc->mail.smtp_url[0] != '\0')
		svc->mailer = vmr_mailer_new(&svc->mail);
	svc->by_client = vmr_ratelimit_new(LIMIT_FAILURES, LIMIT_BASE_US, LIMIT_MAX_US);
	svc->login_by_client = vmr_ratelimit_new(LIMIT_FAILURES, LIMIT_BASE_US, LIMIT_MAX_US);
	svc->login_by_user = vmr_ratelimit_new(LIMIT_FAILURES, LIMIT_BASE_US, LIMIT_MAX_US);
	svc->mail_result = cfg->mail_result;
	svc->opaque = cfg->opaque;
	/* A login for a name that does not exist does the same argon2 work as a wrong password,
	 * so the answer's timing does not tell which names exist. */
	char *random_password = vmr_random_hex(16);
	int rc = random_password ? vmr_password_hash(random_password, &svc->dummy_hash) : -EIO;
	g_free(random_password);
	if (rc < 0) {
		svc->store = NULL; /* the caller keeps it on failure */
		vmr_service_free(svc);
		return rc;
	}
	vmr_store_session_purge_expired(store, g_get_real_time() / G_USEC_PER_SEC);
	*out = svc;
	return 0;
}

void vmr_service_free(vmr_service *svc)
{
	if (svc == NULL)
		return;
	if (svc->mailer)
		vmr_mailer_free(svc->mailer);
	vmr_ratelimit_free(svc->by_client);
	vmr_ratelimit_free(svc->login_by_client);
	vmr_ratelimit_free(svc->login_by_user);
	g_free(svc->dummy_hash);
	if (svc->store)
		vmr_store_close(svc->store);
	for (size_t i = 0; i < G_N_ELEMENTS(svc->mail_strings); i++)
		g_free(svc->mail_strings[i]);
	g_free(svc->domain);
	g_free(svc->public_url);
	g_free(svc->dial_ip);
	g_free(svc);
}

vmr_store *vmr_service_store(vmr_service *svc)
{
	return svc->store;
}

/* ---- JSON views ----------------------------------------------------------------------- */

json_t *vmr_service_room_json(vmr_service *svc, const vmr_room *room)
{
	json_t *j = json_object();
	char *sip = g_strdup_printf("%s@%s", room->address, svc->domain);
	char *url = g_strdup_printf("%s/?room=%s", svc->public_url, room->address);
	json_object_set_new(j, "id", json_integer(room->id));
	json_object_set_new(j, "kind",
		json_string(room->kind == VMR_ROOM_PERSONAL ? "personal" : "enterprise"));
	json_object_set_new(j, "name", json_string(room->name));
	json_object_set_new(j, "address", json_string(room->address));
	json_object_set_new(j, "sip_address", json_string(sip));
	json_object_set_new(j, "meeting_number", json_integer(room->meeting_number));
	json_object_set_new(j, "dial_ip", json_string(svc->dial_ip));
	json_object_set_new(j, "pin", room->pin ? json_string(room->pin) : json_null());
	json_object_set_new(j, "layout", json_string(room->layout));
	json_object_set_new(j, "receive_call", json_boolean(room->receive_call));
	json_object_set_new(
		j, "host_pin", room->host_pin ? json_string(room->host_pin) : json_null());
	json_object_set_new(j, "wait_for_host", json_boolean(room->wait_for_host));
	json_object_set_new(j, "end_after_host_min", json_integer(room->end_after_host_min));
	json_object_set_new(j, "join_url", json_string(url));
	g_free(sip);
	g_free(url);
	return j;
}

/* ---- accounts and login ------------------------------------------------------------- */

static json_t *login_reply(
	vmr_service *svc, const vmr_account *acc, const char *token, int64_t expires)
{
	json_t *j = ok_json("login");
	if (token) {
		json_object_set_new(j, "token", json_string(token));
		json_object_set_new(j, "expires_at", json_integer(expires));
	}
	json_t *a = json_object();
	json_object_set_new(a, "username", json_string(acc->username));
	json_object_set_new(a, "display_name",
		json_string(acc->display_name ? acc->display_name : acc->username));
	json_object_set_new(a, "email", acc->email ? json_string(acc->email) : json_null());
	/* The owner's own SIP password, for the devices that REGISTER as this account. */
	json_object_set_new(a, "sip_password",
		acc->sip_password ? json_string(acc->sip_password) : json_null());
	json_object_set(j, "account", a);
	json_decref(a);
	vmr_room room;
	if (vmr_store_room_get_personal(svc->store, acc->id, &room) == 0) {
		json_object_set_new(j, "room", vmr_service_room_json(svc, &room));
		vmr_room_clear(&room);
	}
	return j;
}

/* After a successful login: a hash made with other limits than today's (older defaults,
 * an imported account) is replaced by a fresh one while the password is at hand. A failure
 * leaves the old hash, which still verifies: the next login tries again. */
static void login_rehash_if_outdated(vmr_service *svc, const vmr_account *acc, const char *password)
{
	if (vmr_password_needs_rehash(acc->password_hash) != 1)
		return;
	char *fresh = NULL;
	if (vmr_password_hash(password, &fresh) == 0)
		(void)vmr_store_account_set_password(svc->store, acc->id, fresh);
	g_free(fresh);
}

static json_t *do_login(vmr_service *svc, vmr_client *client, const vmr_request *req)
{
	const char *user = vmr_request_string(req, "username"),
		   *password = vmr_request_string(req, "password");
	int64_t now = g_get_monotonic_time();
	int retry = 0;
	char *ukey = g_strdup_printf("login:%s", user);
	if (vmr_ratelimit_check(svc->login_by_user, ukey, now, &retry) < 0
		|| vmr_ratelimit_check(svc->login_by_client, client->source, now, &retry) < 0) {
		g_free(ukey);
		return too_many(retry);
	}
	vmr_account acc;
	int rc = vmr_store_account_get_by_username(svc->store, user, &acc);
	if (rc == 0 && vmr_password_verify(acc.password_hash, password) == 0) {
		vmr_ratelimit_success(svc->login_by_user, ukey);
		g_free(ukey);
		login_rehash_if_outdated(svc, &acc, password);
		char *token = vmr_random_hex(24);
		char *hash = vmr_sha256_hex(token);
		int64_t expires = now_s() + svc->session_ttl_s;
		/* Logins are rare next to everything else: the moment to forget expired ones. */
		vmr_store_session_purge_expired(svc->store, now_s());
		rc = vmr_store_session_create(svc->store, hash, acc.id, expires);
		json_t *reply;
		if (rc == 0) {
			g_free(client->token_hash);
			client->token_hash = hash;
			client->account_id = acc.id;
			reply = login_reply(svc, &acc, token, expires);
		} else {
			g_free(hash);
			reply = store_error(rc, NULL);
		}
		g_free(token);
		vmr_account_clear(&acc);
		return reply;
	}
	if (rc == 0)
		vmr_account_clear(&acc);
	else if (rc != -ENOENT) {
		g_free(ukey);
		return store_error(rc, NULL);
	} else {
		(void)vmr_password_verify(svc->dummy_hash, password);
	}
	vmr_metrics_inc(VMR_METRIC_LOGIN_FAILURES);
	vmr_ratelimit_failure(svc->login_by_user, ukey, now);
	vmr_ratelimit_failure(svc->login_by_client, client->source, now);
	g_free(ukey);
	return vmr_error_json(VMR_ERROR_LOGIN_FAILED, "wrong user name or password");
}

static json_t *do_resume(vmr_service *svc, vmr_client *client, const vmr_request *req)
{
	char *hash = vmr_sha256_hex(vmr_request_string(req, "token"));
	int64_t account_id = 0;
	int rc = vmr_store_session_get(svc->store, hash, now_s(), &account_id);
	vmr_account acc;
	if (rc == 0)
		rc = vmr_store_account_get(svc->store, account_id, &acc);
	if (rc != 0) {
		g_free(hash);
		return rc == -ENOENT
			? vmr_error_json(VMR_ERROR_NOT_LOGGED_IN, "session expired: log in again")
			: store_error(rc, NULL);
	}
	g_free(client->token_hash);
	client->token_hash = hash;
	client->account_id = account_id;
	json_t *reply = login_reply(svc, &acc, NULL, 0);
	vmr_account_clear(&acc);
	return reply;
}

/* A logged-in client whose session is still valid; else an error reply in *err. */
static int require_login(vmr_service *svc, vmr_client *client, json_t **err)
{
	int64_t account_id = 0;
	if (client->token_hash == NULL
		|| vmr_store_session_get(svc->store, client->token_hash, now_s(), &account_id) != 0
		|| account_id != client->account_id) {
		client->account_id = 0;
		*err = vmr_error_json(
			VMR_ERROR_NOT_LOGGED_IN, "log in first (or the session expired)");
		return -1;
	}
	return 0;
}

/* ---- rooms -------------------------------------------------------------------------- */

static json_t *do_update_room(
	vmr_service *svc, vmr_client *client, const vmr_request *req, vmr_effects *fx)
{
	const char *name = vmr_request_string(req, "name"), *pin = vmr_request_string(req, "pin");
	const char *layout = vmr_request_string(req, "layout");
	int receive_call = vmr_request_has(req, "receive_call")
		? vmr_request_bool(req, "receive_call", 0)
		: -1;
	if (name && !vmr_room_name_is_valid(name))
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "name: 3-32 of a-z, 0-9, '.', '-'");
	if (pin && !vmr_room_pin_is_valid(pin))
		return vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "pin: none or exactly 4 digits");
	if (layout && !vmr_room_layout_is_valid(layout))
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "layout: speaker, 1+7, 2x2 or 3x3");
	const char *host_pin = vmr_request_string(req, "host_pin");
	int wait_for_host = vmr_request_has(req, "wait_for_host")
		? vmr_request_bool(req, "wait_for_host", 0)
		: -1;
	int64_t end_after = vmr_request_int(req, "end_after_host_min", -1);
	if (host_pin && !vmr_room_pin_is_valid(host_pin))
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "host_pin: none or exactly 4 digits");
	if (end_after > 1440)
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "end_after_host_min: 0 (never) to 1440");
	vmr_room room;
	int rc = vmr_store_room_get_personal(svc->store, client->account_id, &room);
	if (rc != 0)
		return store_error(rc, "no personal room");
	/* The two PINs differ: the PIN typed decides the role. */
	const char *new_pin = pin ? pin : room.pin, *new_host = host_pin ? host_pin : room.host_pin;
	if (new_pin && new_host && new_pin[0] && strcmp(new_pin, new_host) == 0) {
		vmr_room_clear(&room);
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "host_pin: must differ from the guest PIN");
	}
	if (host_pin && host_pin[0] && pin) /* (the guest PIN first, so the two never collide) */
		rc = vmr_store_room_update(svc->store, room.id, NULL, pin, NULL, -1);
	if (rc == 0 && (host_pin || wait_for_host >= 0 || end_after >= 0))
		rc = vmr_store_room_set_hosts(
			svc->store, room.id, host_pin, wait_for_host, (int)end_after);
	if (rc == 0)
		rc = vmr_store_room_update(svc->store, room.id, name, pin, layout, receive_call);
	int64_t id = room.id;
	char *old_address = room.address;
	room.address = NULL;
	vmr_room_clear(&room);
	if (rc != 0) {
		g_free(old_address);
		return store_error(rc, NULL);
	}
	if (vmr_store_room_get(svc->store, id, &room) != 0) {
		g_free(old_address);
		return store_error(-EIO, NULL);
	}
	fx->room_changed = id;
	if (old_address && room.address && strcmp(old_address, room.address) != 0)
		g_strlcpy(fx->renamed_from, old_address, sizeof(fx->renamed_from));
	g_free(old_address);
	json_t *j = ok_json("room");
	json_object_set_new(j, "room", vmr_service_room_json(svc, &room));
	vmr_room_clear(&room);
	return j;
}

/* ---- SIP password ------------------------------------------------------------------- */

/* SIP digest needs the password (or its MD5 HA1) on the server, so a stolen store gives it
 * away: it must open nothing but SIP registration.  Hence a password of its own per account,
 * made here from the kernel's randomness (128 bits), never chosen by a person nor reused. */
#define SIP_PASSWORD_BYTES 16

/* Gives account id a new SIP password; the reply carries it. */
static json_t *new_sip_password(vmr_service *svc, int64_t id)
{
	char *pw = vmr_random_hex(SIP_PASSWORD_BYTES);
	if (pw == NULL)
		return vmr_error_json(VMR_ERROR_INTERNAL, "no randomness");
	int rc = vmr_store_account_set_sip_password(svc->store, id, pw);
	json_t *j = rc == 0 ? ok_json("sip_password") : store_error(rc, NULL);
	if (rc == 0)
		json_object_set_new(j, "sip_password", json_string(pw));
	memset(pw, 0, strlen(pw));
	g_free(pw);
	return j;
}

static json_t *do_reset_sip_password(vmr_service *svc, const vmr_request *req)
{
	vmr_account acc;
	int rc = vmr_store_account_get_by_username(
		svc->store, vmr_request_string(req, "username"), &acc);
	if (rc != 0)
		return store_error(rc, "no such account");
	json_t *j = new_sip_password(svc, acc.id);
	vmr_account_clear(&acc);
	return j;
}

/* ---- admin -------------------------------------------------------------------------- */

static json_t *do_create_account(vmr_service *svc, const vmr_request *req)
{
	const char *user = vmr_request_string(req, "username"),
		   *password = vmr_request_string(req, "password");
	const char *display = vmr_request_string(req, "display_name"),
		   *email = vmr_request_string(req, "email");
	const char *pin = vmr_request_string(req, "pin");
	if (!vmr_account_username_is_valid(user) || !vmr_room_name_is_valid(user))
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "username: 3-32 of a-z, 0-9, '.', '-'");
	if (strlen(password) < 8)
		return vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "password: at least 8 characters");
	if (display && !vmr_display_is_valid(display))
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "display_name: 1-64 printable characters");
	if (email && !vmr_email_is_valid(email))
		return vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "email: one valid address");
	if (pin && !vmr_room_pin_is_valid(pin))
		return vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "pin: none or exactly 4 digits");
	char *hash = NULL;
	if (vmr_password_hash(password, &hash) < 0)
		return vmr_error_json(VMR_ERROR_INTERNAL, "cannot hash the password");
	int64_t id = 0;
	int rc = vmr_store_account_create(svc->store, user, display ? display : user, email, hash,
		vmr_request_bool(req, "admin", 0), &id);
	g_free(hash);
	if (rc != 0)
		return store_error(rc, NULL);
	json_t *sip = new_sip_password(svc, id);
	json_t *sip_password = json_object_get(sip, "sip_password");
	if (sip_password == NULL) {
		vmr_store_account_delete(svc->store, id);
		return sip;
	}
	json_incref(sip_password);
	json_decref(sip);
	vmr_room room;
	rc = vmr_store_room_create(svc->store, VMR_ROOM_PERSONAL, user, id, pin, NULL, 0, &room);
	if (rc != 0) {
		json_decref(sip_password);
		vmr_store_account_delete(svc->store, id);
		return store_error(rc, NULL);
	}
	json_t *j = ok_json("account");
	json_object_set_new(j, "username", json_string(user));
	json_object_set_new(j, "id", json_integer(id));
	json_object_set_new(j, "sip_password", sip_password);
	json_object_set_new(j, "room", vmr_service_room_json(svc, &room));
	vmr_room_clear(&room);
	return j;
}

static json_t *do_delete_account(vmr_service *svc, const vmr_request *req)
{
	vmr_account acc;
	int rc = vmr_store_account_get_by_username(
		svc->store, vmr_request_string(req, "username"), &acc);
	if (rc != 0)
		return store_error(rc, "no such account");
	rc = vmr_store_account_delete(svc->store, acc.id);
	vmr_account_clear(&acc);
	return rc == 0 ? ok_json("deleted") : store_error(rc, NULL);
}

static json_t *do_create_room(vmr_service *svc, const vmr_request *req)
{
	const char *name = vmr_request_string(req, "name"), *pin = vmr_request_string(req, "pin");
	const char *layout = vmr_request_string(req, "layout"),
		   *owner = vmr_request_string(req, "owner");
	if (!vmr_room_name_is_valid(name))
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "name: 3-32 of a-z, 0-9, '.', '-'");
	if (pin && !vmr_room_pin_is_valid(pin))
		return vmr_error_json(VMR_ERROR_INVALID_ELEMENT, "pin: none or exactly 4 digits");
	if (layout && !vmr_room_layout_is_valid(layout))
		return vmr_error_json(
			VMR_ERROR_INVALID_ELEMENT, "layout: speaker, 1+7, 2x2 or 3x3");
	int64_t owner_id = 0;
	if (owner) {
		vmr_account acc;
		int rc = vmr_store_account_get_by_username(svc->store, owner, &acc);
		if (rc != 0)
			return store_error(rc, "no such owner");
		owner_id = acc.id;
		vmr_account_clear(&acc);
	}
	vmr_room room;
	int rc = vmr_store_room_create(
		svc->store, VMR_ROOM_ENTERPRISE, name, owner_id, pin, layout, 0, &room);
	if (rc != 0)
		return store_error(rc, NULL);
	json_t *j = ok_json("room");
	json_object_set_new(j, "room", vmr_service_room_json(svc, &room));
	vmr_room_clear(&room);
	return j;
}

/* What the node runs and its budget (vmr_admission.h): what a cluster places rooms by. */
static json_t *do_node_load(void)
{
	vmr_node_load l;
	vmr_admission_budget b;
	vmr_admission_measure(NULL, &l);
	vmr_admission_get_budget(&b);
	json_t *j = ok_json("node_load");
	json_object_set_new(j, "load", json_real(l.load));
	json_object_set_new(j, "rooms", json_integer(l.rooms));
	json_object_set_new(j, "participants", json_integer(l.participants));
	json_object_set_new(j, "max_load", json_real(b.max_load));
	json_object_set_new(j, "max_participants", json_integer(b.max_participants));
	return j;
}

static json_t *do_list_rooms(vmr_service *svc, const vmr_request *req)
{
	vmr_account acc;
	int rc = vmr_store_account_get_by_username(
		svc->store, vmr_request_string(req, "owner"), &acc);
	if (rc != 0)
		return store_error(rc, "no such account");
	GPtrArray *rooms = vmr_store_room_list_by_owner(svc->store, acc.id);
	vmr_account_clear(&acc);
	if (rooms == NULL)
		return store_error(-EIO, NULL);
	json_t *arr = json_array();
	for (guint i = 0; i < rooms->len; i++)
		json_array_append_new(arr, vmr_service_room_json(svc, g_ptr_array_index(rooms, i)));
	g_ptr_array_unref(rooms);
	json_t *j = ok_json("rooms");
	json_object_set_new(j, "rooms", arr);
	return j;
}

/* ---- dispatch ----------------------------------------------------------------------- */

json_t *vmr_service_handle(
	vmr_service *svc, vmr_client *client, const vmr_request *req, vmr_effects *fx)
{
	vmr_effects unused;
	if (fx == NULL)
		fx = &unused;
	memset(fx, 0, sizeof(*fx));
	json_t *err = NULL;
	switch (req->type) {
	case VMR_REQ_LOGIN: return do_login(svc, client, req);
	case VMR_REQ_RESUME: return do_resume(svc, client, req);
	case VMR_REQ_INVITATION_INFO: return vmr_invitations_info(svc, client, req);
	case VMR_REQ_CREATE_ACCOUNT: return do_create_account(svc, req);
	case VMR_REQ_DELETE_ACCOUNT: return do_delete_account(svc, req);
	case VMR_REQ_CREATE_ROOM: return do_create_room(svc, req);
	case VMR_REQ_LIST_ROOMS: return do_list_rooms(svc, req);
	case VMR_REQ_RESET_SIP_PASSWORD: return do_reset_sip_password(svc, req);
	case VMR_REQ_NODE_LOAD: return do_node_load();
	default: break;
	}
	if (require_login(svc, client, &err) < 0)
		return err;
	switch (req->type) {
	case VMR_REQ_LOGOUT:
		vmr_store_session_delete(svc->store, client->token_hash);
		g_free(client->token_hash);
		client->token_hash = NULL;
		client->account_id = 0;
		return ok_json("logout");
	case VMR_REQ_GET_ROOM: {
		vmr_room room;
		int rc = vmr_store_room_get_personal(svc->store, client->account_id, &room);
		if (rc != 0)
			return store_error(rc, "no personal room");
		json_t *j = ok_json("room");
		json_object_set_new(j, "room", vmr_service_room_json(svc, &room));
		vmr_room_clear(&room);
		return j;
	}
	case VMR_REQ_UPDATE_ROOM: return do_update_room(svc, client, req, fx);
	case VMR_REQ_NEW_SIP_PASSWORD: return new_sip_password(svc, client->account_id);
	case VMR_REQ_INVITE: return vmr_invitations_invite(svc, client, req);
	case VMR_REQ_LIST_INVITATIONS: return vmr_invitations_list(svc, client);
	case VMR_REQ_DELETE_INVITATION:
	case VMR_REQ_REVOKE_INVITATION: return vmr_invitations_change(svc, client, req, fx);
	default: return vmr_error_json(VMR_ERROR_UNKNOWN_REQUEST, "unknown request");
	}
}

/* ---- joining ------------------------------------------------------------------------ */

/* The client is logged in as owner_id now: its login session still exists and has not expired
 * (a handle keeps its account id after a logout elsewhere or an expiry: never trust it alone). */
static gboolean client_owns(vmr_service *svc, const vmr_client *client, int64_t owner_id)
{
	int64_t account_id = 0;
	return client->account_id != 0 && client->account_id == owner_id
		&& client->token_hash != NULL
		&& vmr_store_session_get(svc->store, client->token_hash, now_s(), &account_id) == 0
		&& account_id == client->account_id;
}

int vmr_service_client_is(vmr_service *svc, const vmr_client *client, int64_t account_id)
{
	return client_owns(svc, client, account_id);
}

int vmr_service_authorize_join(vmr_service *svc, const vmr_client *client, const vmr_request *req,
	vmr_join_grant *out, const char **reason)
{
	memset(out, 0, sizeof(*out));
	int64_t now = g_get_monotonic_time();
	int retry = 0;
	if (vmr_request_has(req, "id")) {
		vmr_invitation inv;
		int code = vmr_invitations_check(svc, client, vmr_request_int(req, "id", 0),
			vmr_request_string(req, "secret"), &inv, &retry);
		if (code != VMR_OK) {
			out->retry_after_s = retry;
			*reason = code == VMR_ERROR_TOO_MANY_ATTEMPTS
				? "too many failed attempts, try again later"
				: code == VMR_ERROR_INVALID_INVITATION
				? "this invitation link is not valid (or was revoked)"
				: "store unavailable";
			return code;
		}
		int rc = vmr_store_room_get(svc->store, inv.room_id, &out->room);
		if (rc != 0) {
			vmr_invitation_clear(&inv);
			*reason = "store unavailable";
			return VMR_ERROR_INTERNAL;
		}
		vmr_store_invitation_touch(svc->store, inv.id, now_s());
		out->invitation_id = inv.id;
		out->guest_name = g_strdup(inv.guest_name);
		out->is_owner = client_owns(svc, client, out->room.owner_id);
		vmr_invitation_clear(&inv);
		return VMR_OK;
	}
	const char *address = vmr_request_string(req, "room"),
		   *pin = vmr_request_string(req, "pin");
	int rc = vmr_store_room_get_by_address(svc->store, address, &out->room);
	if (rc != 0 && rc != -ENOENT) {
		*reason = "store unavailable";
		return VMR_ERROR_INTERNAL;
	}
	gboolean found = rc == 0;
	gboolean is_owner = found && client_owns(svc, client, out->room.owner_id);
	gboolean no_pin = pin == NULL || pin[0] == '\0';
	if (found
		&& (is_owner || (out->room.pin == NULL && out->room.host_pin == NULL)
			|| (out->room.pin == NULL && no_pin))) {
		/* No PIN to guess: the owner gets in even while PIN entry to the room is locked. */
		out->is_owner = is_owner;
		out->is_host = is_owner;
		return VMR_OK;
	}
	/* PIN guesses count in the process's one guard, shared with the SIP bridge's keypad:
	 * per source over all rooms, and per room over all sources (vmr_pinguard.h). The room
	 * part is keyed by its address only when it exists, so the answers for a missing room
	 * and a wrong PIN stay the same. The invitation-guessing limit applies too. */
	vmr_pinguard *guard = vmr_pinguard_shared();
	const char *room_key = found ? out->room.address : NULL;
	if (vmr_pinguard_check(guard, room_key, client->source, now, &retry, NULL) < 0
		|| vmr_ratelimit_check(svc->by_client, client->source, now, &retry) < 0) {
		vmr_join_grant_clear(out);
		out->retry_after_s = retry;
		*reason = "too many failed attempts, try again later";
		return VMR_ERROR_TOO_MANY_ATTEMPTS;
	}
	if (found && !no_pin && out->room.host_pin != NULL
		&& vmr_secure_streq(out->room.host_pin, pin)) {
		out->is_host = TRUE;
		return VMR_OK;
	}
	if (!found || no_pin || out->room.pin == NULL || !vmr_secure_streq(out->room.pin, pin)) {
		/* A wrong PIN and a missing room look the same from outside, and both count. */
		vmr_pinguard_failure(guard, room_key, client->source, now);
		vmr_join_grant_clear(out);
		*reason = "no such room, or wrong PIN";
		return VMR_ERROR_NO_SUCH_ROOM;
	}
	out->is_owner = FALSE;
	return VMR_OK;
}
