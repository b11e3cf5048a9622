/*
 * tpaas_admin.c - tpaas-admin: the administrator's command line. It runs the same admin
 * requests as the Janus Admin API (create_account, delete_account, create_room, list_rooms)
 * through vmr_service, directly on the store (SQLite file or PostgreSQL URI), so it works
 * whether or not the service is running.
 *
 *   tpaas-admin --db <uri> [--domain <d>] [--url <public url>] create-account <user> <password> [display name] [email]
 *   tpaas-admin --db <uri> create-room <name> [pin] [layout]
 *   tpaas-admin --db <uri> reset-sip-password <user>
 *   tpaas-admin --db <uri> delete-account <user>
 *   tpaas-admin --db <uri> list-rooms <owner>
 *   tpaas-admin --db <uri> request '<JSON admin request>'
 *
 * Prints the JSON answer; exit status 0 on success, 1 on an error answer, 2 on bad usage.
 * Single-threaded; owns everything it creates.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "vmr_request.h"
#include "vmr_service.h"
#include "vmr_store.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: tpaas-admin --db <sqlite file or postgresql:// URI> [--domain D] [--url U] "
		"COMMAND\n"
		"  create-account <user> <password> [display name] [email]\n"
		"  delete-account <user>\n"
		"  create-room <name> [pin] [layout]\n"
		"  reset-sip-password <user>   (a new SIP password for the user's devices)\n"
		"  list-rooms <owner>\n"
		"  request '<JSON admin request>'\n");
	return 2;
}

/* Builds the admin request for a command; NULL on bad usage. */
static json_t *build_request(int argc, char **argv)
{
	if (argc < 1)
		return NULL;
	const char *cmd = argv[0];
	if (strcmp(cmd, "create-account") == 0 && argc >= 3 && argc <= 5) {
		json_t *r = json_pack("{ssssss}", "request", "create_account", "username", argv[1],
			"password", argv[2]);
		if (argc >= 4)
			json_object_set_new(r, "display_name", json_string(argv[3]));
		if (argc >= 5)
			json_object_set_new(r, "email", json_string(argv[4]));
		return r;
	}
	if (strcmp(cmd, "reset-sip-password") == 0 && argc == 2)
		return json_pack("{ssss}", "request", "reset_sip_password", "username", argv[1]);
	if (strcmp(cmd, "delete-account") == 0 && argc == 2)
		return json_pack("{ssss}", "request", "delete_account", "username", argv[1]);
	if (strcmp(cmd, "create-room") == 0 && argc >= 2 && argc <= 4) {
		json_t *r = json_pack("{ssss}", "request", "create_room", "name", argv[1]);
		if (argc >= 3 && argv[2][0])
			json_object_set_new(r, "pin", json_string(argv[2]));
		if (argc >= 4)
			json_object_set_new(r, "layout", json_string(argv[3]));
		return r;
	}
	if (strcmp(cmd, "list-rooms") == 0 && argc == 2)
		return json_pack("{ssss}", "request", "list_rooms", "owner", argv[1]);
	if (strcmp(cmd, "request") == 0 && argc == 2)
		return json_loads(argv[1], 0, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *db = NULL, *domain = "localhost", *url = NULL;
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			db = argv[i + 1];
		else if (strcmp(argv[i], "--domain") == 0)
			domain = argv[i + 1];
		else if (strcmp(argv[i], "--url") == 0)
			url = argv[i + 1];
		else
			return usage();
	}
	if (db == NULL)
		return usage();
	json_t *message = build_request(argc - i, argv + i);
	if (message == NULL)
		return usage();
	vmr_request req;
	char reason[128];
	int code = vmr_request_parse(message, 1, &req, reason, sizeof(reason));
	if (code != VMR_OK) {
		fprintf(stderr, "tpaas-admin: %s (%d)\n", reason, code);
		json_decref(message);
		return 1;
	}
	vmr_store *store = NULL;
	int rc = vmr_store_open(db, &store);
	if (rc < 0) {
		fprintf(stderr, "tpaas-admin: cannot open the store %s: %s\n", db, g_strerror(-rc));
		json_decref(message);
		return 1;
	}
	vmr_service_config cfg = { .domain = domain, .public_url = url };
	vmr_service *svc = NULL;
	if (vmr_service_new(store, &cfg, &svc) < 0) {
		fprintf(stderr, "tpaas-admin: cannot start the service logic\n");
		vmr_store_close(store);
		json_decref(message);
		return 1;
	}
	vmr_client admin = { .source = g_strdup("cli") };
	json_t *reply = vmr_service_handle(svc, &admin, &req, NULL);
	char *text = json_dumps(reply, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("%s\n", text);
	int status = json_object_get(reply, "error_code") ? 1 : 0;
	free(text);
	json_decref(reply);
	vmr_client_clear(&admin);
	vmr_service_free(svc);
	json_decref(message);
	return status;
}
