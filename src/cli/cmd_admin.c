/*
 * cmd_admin.c - who may see what: `solidarity partner`, `collection` and
 * `share`. Partners are the identities that authenticate to `serve`;
 * collections hold the objects served; grants say which partner may read,
 * write and receive AMBER in which collection; `share` names the partners
 * a TLP:RED object may go to (docs/sharing.md).
 *
 * A partner's API key is printed once, when it is made; only a keyed hash
 * of it is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Parse the options common to these commands: --db, --json. Returns the
 * index of the first operand, or -1 after printing a usage error. */
static int admin_opts(int argc, char **argv, const char *cmd, const char **db, bool *json)
{
	enum { OPT_DB = 256, OPT_JSON };
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, OPT_DB},
	    {"json", no_argument, NULL, OPT_JSON},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == OPT_DB)
			*db = optarg;
		else if (c == OPT_JSON && json)
			*json = true;
		else {
			cli_usage_error(cmd, "bad option");
			return -1;
		}
	}
	return optind;
}

static int partner_row(void *ctx, const store_partner *p)
{
	json_t *all = ctx;
	char created[40], rotated[40];
	json_array_append_new(all, json_pack("{s:s, s:s, s:s}", "name", p->name, "created",
					     sol_time_format(p->created, created, sizeof created),
					     "key_made",
					     sol_time_format(p->rotated, rotated, sizeof rotated)));
	return 0;
}

static void print_key(const char *name, const char *key)
{
	printf("%s\n", key);
	fprintf(stderr,
		"solidarity: the API key of partner '%s' is above. It is shown only now: give it\n"
		"to the partner over a trusted channel (Authorization: Bearer KEY, or HTTP Basic\n"
		"with user '%s' and the key as password).\n",
		name, name);
}

int cmd_partner(int argc, char **argv)
{
	const char *db = NULL;
	bool json = false;
	int i = admin_opts(argc, argv, "partner", &db, &json);
	if (i < 0)
		return SOL_EXIT_INPUT;
	if (i == argc)
		return cli_usage_error("partner", "give add, list, remove or rotate-key");
	const char *verb = argv[i];
	bool is_list = strcmp(verb, "list") == 0;
	if (!is_list && argc - i != 2)
		return cli_usage_error("partner", "%s takes one partner name", verb);
	if (strcmp(verb, "add") && strcmp(verb, "remove") && strcmp(verb, "rotate-key") && !is_list)
		return cli_usage_error("partner", "unknown action '%s'", verb);
	store *st = cli_store_open(db);
	if (!st)
		return SOL_EXIT_FAIL;
	sol_err err = {0};
	char key[STORE_KEY_TEXT_MAX];
	int rc = 0;
	if (strcmp(verb, "add") == 0) {
		rc = store_partner_add(st, argv[i + 1], key, &err);
		if (rc == 0)
			print_key(argv[i + 1], key);
	} else if (strcmp(verb, "rotate-key") == 0) {
		rc = store_partner_rotate_key(st, argv[i + 1], key, &err);
		if (rc == 0)
			print_key(argv[i + 1], key);
	} else if (strcmp(verb, "remove") == 0) {
		rc = store_partner_remove(st, argv[i + 1], &err);
	} else {
		json_t *all = json_array();
		rc = store_partner_list(st, partner_row, all, &err);
		if (rc == 0 && json) {
			cli_json_print(all, true);
		} else if (rc == 0) {
			size_t k;
			json_t *p;
			json_array_foreach(all, k, p)
			{
				printf("%s\tadded %s\tkey made %s\n",
				       json_string_value(json_object_get(p, "name")),
				       json_string_value(json_object_get(p, "created")),
				       json_string_value(json_object_get(p, "key_made")));
			}
		}
		json_decref(all);
	}
	store_close(st);
	return rc ? cli_error(&err) : SOL_EXIT_OK;
}

static int grant_row(void *ctx, const store_grant *g)
{
	json_t *grants = ctx;
	json_array_append_new(grants,
			      json_pack("{s:s, s:b, s:b, s:b}", "partner", g->partner, "read",
					g->read, "write", g->write, "amber", g->amber));
	return 0;
}

struct collection_list {
	store *st;   /* to read grants */
	json_t *all; /* collections */
	sol_err *err;
};

static int collection_row(void *ctx, const store_collection *c)
{
	struct collection_list *cl = ctx;
	char created[40];
	json_t *grants = json_array();
	int rc = store_grant_list(cl->st, c->id, NULL, grant_row, grants, cl->err);
	json_array_append_new(cl->all,
			      json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", c->id, "title", c->title,
					"description", c->description, "created",
					sol_time_format(c->created, created, sizeof created),
					"grants", grants));
	return rc;
}

static void print_collections(const json_t *all)
{
	size_t k, g;
	json_t *c, *gr;
	json_array_foreach(all, k, c)
	{
		printf("%s\t%s\n", json_string_value(json_object_get(c, "id")),
		       json_string_value(json_object_get(c, "title")));
		json_array_foreach(json_object_get(c, "grants"), g, gr)
		{
			printf("  %s:%s%s%s\n", json_string_value(json_object_get(gr, "partner")),
			       json_is_true(json_object_get(gr, "read")) ? " read" : "",
			       json_is_true(json_object_get(gr, "write")) ? " write" : "",
			       json_is_true(json_object_get(gr, "amber")) ? " amber" : "");
		}
	}
}

/* collection add TITLE [--id UUID] [--description D] */
static int collection_add(store *st, int argc, char **argv, sol_err *err)
{
	static const struct option longopts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {"description", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	store_collection c = {.description = ""};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'i')
			c.id = optarg;
		else if (ch == 'd')
			c.description = optarg;
		else
			return sol_fail(err, SOL_EUSAGE, "collection add", "bad option");
	}
	if (argc - optind != 1)
		return sol_fail(err, SOL_EUSAGE, "collection add", "give one title");
	c.title = argv[optind];
	char id[37];
	int rc = store_collection_add(st, &c, id, err);
	if (rc == 0)
		printf("%s\n", id);
	return rc;
}

/* collection grant COLLECTION PARTNER [--read] [--write] [--amber] */
static int collection_grant(store *st, int argc, char **argv, sol_err *err)
{
	static const struct option longopts[] = {
	    {"read", no_argument, NULL, 'r'},
	    {"write", no_argument, NULL, 'w'},
	    {"amber", no_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	store_grant g = {0};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'r')
			g.read = true;
		else if (ch == 'w')
			g.write = true;
		else if (ch == 'a')
			g.amber = true;
		else
			return sol_fail(err, SOL_EUSAGE, "collection grant", "bad option");
	}
	if (argc - optind != 2)
		return sol_fail(err, SOL_EUSAGE, "collection grant", "give COLLECTION PARTNER");
	if (!g.read && !g.write)
		g.read = true;
	g.collection = argv[optind];
	g.partner = argv[optind + 1];
	return store_grant_set(st, &g, err);
}

int cmd_collection(int argc, char **argv)
{
	const char *db = NULL;
	bool json = false;
	int i = 1;
	/* Options before the action belong to us; after it, to the action. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else
			return cli_usage_error("collection", "bad option '%s'", argv[i]);
	}
	if (i == argc)
		return cli_usage_error("collection", "give add, list, grant, revoke or remove");
	const char *verb = argv[i];
	store *st = cli_store_open(db);
	if (!st)
		return SOL_EXIT_FAIL;
	sol_err err = {0};
	int rc;
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	if (strcmp(verb, "add") == 0) {
		rc = collection_add(st, sub_argc, sub_argv, &err);
	} else if (strcmp(verb, "grant") == 0) {
		rc = collection_grant(st, sub_argc, sub_argv, &err);
	} else if (strcmp(verb, "revoke") == 0 && sub_argc == 3) {
		rc = store_grant_revoke(st, sub_argv[1], sub_argv[2], &err);
	} else if (strcmp(verb, "remove") == 0 && sub_argc == 2) {
		rc = store_collection_remove(st, sub_argv[1], &err);
	} else if (strcmp(verb, "list") == 0 && sub_argc == 1) {
		struct collection_list cl = {st, json_array(), &err};
		rc = store_collection_list(st, collection_row, &cl, &err);
		if (rc == 0 && json)
			cli_json_print(cl.all, true);
		else if (rc == 0)
			print_collections(cl.all);
		json_decref(cl.all);
	} else {
		store_close(st);
		return cli_usage_error("collection", "bad action or operands for '%s'", verb);
	}
	store_close(st);
	if (rc == SOL_EUSAGE)
		return cli_usage_error("collection", "%s", err.msg);
	return rc ? cli_error(&err) : SOL_EXIT_OK;
}

int cmd_share(int argc, char **argv)
{
	const char *db = NULL;
	int i = admin_opts(argc, argv, "share", &db, NULL);
	if (i < 0)
		return SOL_EXIT_INPUT;
	if (argc - i < 1)
		return cli_usage_error("share", "give an object id and the partners");
	store *st = cli_store_open(db);
	if (!st)
		return SOL_EXIT_FAIL;
	sol_err err = {0};
	int rc = store_distribution_set(st, argv[i], (const char *const *)argv + i + 1,
					(size_t)(argc - i - 1), &err);
	store_close(st);
	return rc ? cli_error(&err) : SOL_EXIT_OK;
}
