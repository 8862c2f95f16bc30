/*
 * cmd_peer.c - the TAXII client commands: `solidarity peer add|list|remove`,
 * `solidarity pull` and `solidarity push` (src/taxii/taxii_client.h).
 *
 * Secrets go in, never out: a key or password is read from a file (first
 * line) or taken from the command line, stored in the database (mode
 * 0600), and no command prints it back; `peer list` shows only the kind of
 * credentials. Network options (--ca-file, --insecure, --limit) belong to
 * each invocation, not to the peer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "taxii/taxii_client.h"

enum {
	OPT_DB = 256,
	OPT_JSON,
	OPT_COLLECTION,
	OPT_API_ROOT,
	OPT_KEY_FILE,
	OPT_USER,
	OPT_PASSWORD_FILE,
	OPT_PASSWORD,
	OPT_TLP,
	OPT_CA_FILE,
	OPT_INSECURE,
	OPT_SINCE,
	OPT_LIMIT,
};

/* Apply a network option to o; false if c is not one. */
static bool net_option(int c, taxii_client_opts *o)
{
	switch (c) {
	case OPT_CA_FILE: o->ca_file = optarg; return true;
	case OPT_INSECURE: o->insecure = true; return true;
	default: return false;
	}
}

/* The first line of file `path` (a key or a password), owned by caller. */
static int secret_read(const char *path, char **out, sol_err *err)
{
	sol_buf b;
	buf_init(&b, TAXII_CLIENT_MAX_CREDENTIAL);
	int rc = sol_file_read(path, &b, err);
	if (rc == 0) {
		size_t n = strcspn(b.data ? b.data : "", "\r\n");
		if (n == 0)
			rc = sol_fail(err, SOL_EINVALID, path, "the first line is empty");
		else
			*out = xstrndup(b.data, n);
	}
	buf_fini(&b);
	return rc;
}

static int peer_add(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"api-root", required_argument, NULL, OPT_API_ROOT},
	    {"key-file", required_argument, NULL, OPT_KEY_FILE},
	    {"user", required_argument, NULL, OPT_USER},
	    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
	    {"password", required_argument, NULL, OPT_PASSWORD},
	    {"tlp", required_argument, NULL, OPT_TLP},
	    {"db", required_argument, NULL, OPT_DB},
	    {"collection", required_argument, NULL, OPT_COLLECTION},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {NULL, 0, NULL, 0},
	};
	taxii_client_opts o;
	taxii_client_opts_init(&o);
	store_peer p = {.auth = STORE_AUTH_NONE};
	const char *db = NULL, *api_root = NULL, *key_file = NULL, *pw_file = NULL;
	char *key = NULL, *password = NULL;
	stix_tlp tlp = TLP_AMBER;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (net_option(c, &o))
			continue;
		switch (c) {
		case OPT_DB: db = optarg; break;
		case OPT_COLLECTION: p.collection = optarg; break;
		case OPT_API_ROOT: api_root = optarg; break;
		case OPT_KEY_FILE: key_file = optarg; break;
		case OPT_USER: p.user = optarg; break;
		case OPT_PASSWORD_FILE: pw_file = optarg; break;
		case OPT_PASSWORD: password = xstrdup(optarg); break;
		case OPT_TLP:
			if (stix_tlp_parse(optarg, &tlp) != 0 || tlp == TLP_NONE)
				return cli_usage_error("peer add", "unknown TLP level '%s'",
						       optarg);
			break;
		default: return cli_usage_error("peer add", "bad option");
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("peer add", "give a NAME and a URL");
	if (key_file && (p.user || pw_file || password))
		return cli_usage_error("peer add", "--key-file excludes --user and passwords");
	if (!!p.user != (pw_file || password) || (pw_file && password))
		return cli_usage_error("peer add",
				       "--user needs exactly one of --password-file, --password");
	p.name = argv[optind];
	p.url = argv[optind + 1];
	sol_err err = {0};
	int rc = 0;
	if (key_file && (rc = secret_read(key_file, &key, &err)) == 0) {
		p.auth = STORE_AUTH_KEY;
		p.key = key;
	}
	if (rc == 0 && pw_file)
		rc = secret_read(pw_file, &password, &err);
	if (rc == 0 && p.user) {
		p.auth = STORE_AUTH_BASIC;
		p.password = password;
	}
	store *st = rc == 0 ? cli_store_open(db) : NULL;
	if (rc == 0 && !st)
		rc = SOL_EDB;
	else if (rc == 0 && (rc = taxii_peer_add(st, &p, api_root, tlp, &o, &err)) == 0)
		printf("peer %s added\n", p.name);
	int status = rc == 0 ? SOL_EXIT_OK : err.code ? cli_error(&err) : SOL_EXIT_FAIL;
	store_close(st);
	free(key);
	free(password);
	return status;
}

/* peer list: one line (or JSON object) per peer. */
typedef struct list_ctx {
	store *st;    /* to read each peer's settings */
	bool json;    /* JSON output */
	int64_t n;    /* peers listed */
	sol_err *err; /* where a settings error goes */
} list_ctx;

static const char *auth_name(store_auth a)
{
	return a == STORE_AUTH_KEY ? "key" : a == STORE_AUTH_BASIC ? "basic" : "none";
}

static int list_peer(void *ctx, const store_peer *p)
{
	list_ctx *lc = ctx;
	stix_tlp tlp;
	sol_time pulled, pushed;
	int rc = taxii_peer_info(lc->st, p->name, &tlp, &pulled, &pushed, lc->err);
	if (rc != 0)
		return rc;
	char t1[40], t2[40];
	const char *url = p->api_root ? p->api_root : p->url;
	const char *lp = pulled == SOL_TIME_NONE ? NULL : sol_time_format(pulled, t1, sizeof t1);
	const char *lq = pushed == SOL_TIME_NONE ? NULL : sol_time_format(pushed, t2, sizeof t2);
	if (lc->json) {
		json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:s?}", "name",
				      p->name, "url", p->url, "api_root", p->api_root, "collection",
				      p->collection, "auth", auth_name(p->auth), "tlp",
				      stix_tlp_name(tlp), "last_pull", lp, "last_push", lq);
		cli_json_print(o, false);
		json_decref(o);
	} else {
		printf("%s\t%s\t%s\t%s\t%s\tpull %s\tpush %s\n", p->name, url,
		       p->collection ? p->collection : "(all readable)", auth_name(p->auth),
		       stix_tlp_name(tlp), lp ? lp : "never", lq ? lq : "never");
	}
	lc->n++;
	return 0;
}

static int peer_list(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {"db", required_argument, NULL, OPT_DB},
	    {NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	sol_err err = {0};
	list_ctx lc = {.err = &err};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: lc.json = true; break;
		case OPT_DB: db = optarg; break;
		default: return cli_usage_error("peer list", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("peer list", "unexpected argument '%s'", argv[optind]);
	if (!(lc.st = cli_store_open(db)))
		return SOL_EXIT_FAIL;
	int rc = store_peer_list(lc.st, list_peer, &lc, &err);
	store_close(lc.st);
	if (rc != 0)
		return cli_error(&err);
	return lc.n ? SOL_EXIT_OK : SOL_EXIT_NONE;
}

static int peer_remove(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, OPT_DB},
	    {NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != OPT_DB)
			return cli_usage_error("peer remove", "bad option");
		db = optarg;
	}
	if (argc - optind != 1)
		return cli_usage_error("peer remove", "give exactly one peer NAME");
	store *st = cli_store_open(db);
	if (!st)
		return SOL_EXIT_FAIL;
	sol_err err = {0};
	int rc = taxii_peer_remove(st, argv[optind], &err);
	store_close(st);
	if (rc != 0)
		return cli_error(&err);
	printf("peer %s removed\n", argv[optind]);
	return SOL_EXIT_OK;
}

int cmd_peer(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("peer", "give a subcommand: add, list or remove");
	if (strcmp(argv[1], "add") == 0)
		return peer_add(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return peer_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "remove") == 0)
		return peer_remove(argc - 1, argv + 1);
	return cli_usage_error("peer", "unknown subcommand '%s'", argv[1]);
}

/* Options of pull and push: which peer and collection, network, output. */
typedef struct xfer_args {
	const char *db;         /* --db */
	const char *peer;       /* NAME */
	const char *collection; /* --collection or NULL */
	sol_time since;         /* push --since; SOL_TIME_NONE */
	bool json;              /* --json */
	taxii_client_opts o;    /* network options */
} xfer_args;

static int xfer_parse(const char *cmd, int argc, char **argv, xfer_args *a)
{
	static const struct option longopts[] = {
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"limit", required_argument, NULL, OPT_LIMIT},
	    {"db", required_argument, NULL, OPT_DB},
	    {"collection", required_argument, NULL, OPT_COLLECTION},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"json", no_argument, NULL, OPT_JSON},
	    {NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof *a);
	a->since = SOL_TIME_NONE;
	taxii_client_opts_init(&a->o);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (net_option(c, &a->o))
			continue;
		switch (c) {
		case OPT_DB: a->db = optarg; break;
		case OPT_COLLECTION: a->collection = optarg; break;
		case OPT_JSON: a->json = true; break;
		case OPT_SINCE:
			if (strcmp(cmd, "push") != 0 || sol_time_parse(optarg, &a->since) != 0)
				return cli_usage_error(cmd,
						       "--since takes a STIX timestamp (push)");
			break;
		case OPT_LIMIT: {
			char *end;
			unsigned long long n = strtoull(optarg, &end, 10);
			if (*end || !*optarg || optarg[0] == '-' || n > 1000000)
				return cli_usage_error(cmd, "--limit takes 0 to 1000000");
			a->o.page_limit = (size_t)n;
			break;
		}
		default: return cli_usage_error(cmd, "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cmd, "give exactly one peer NAME");
	a->peer = argv[optind];
	return 0;
}

int cmd_pull(int argc, char **argv)
{
	xfer_args a;
	int rc = xfer_parse("pull", argc, argv, &a);
	if (rc != 0)
		return rc;
	store *st = cli_store_open(a.db);
	if (!st)
		return SOL_EXIT_FAIL;
	sol_err err = {0};
	taxii_pull_report rep;
	taxii_pull_report_init(&rep);
	rc = taxii_peer_pull(st, a.peer, a.collection, &a.o, &rep, &err);
	const ingest_report *ir = &rep.ingest;
	if (rc != 0 && rep.pages == 0) {
		/* nothing happened: the error says it all */
	} else if (a.json) {
		json_t *o =
		    json_pack("{s:I, s:I, s:I, s:o}", "collections", (json_int_t)rep.collections,
			      "pages", (json_int_t)rep.pages, "received", (json_int_t)rep.received,
			      "import", ingest_report_json(ir));
		cli_json_print(o, false);
		json_decref(o);
	} else {
		printf("%s: %" PRId64 " objects in %" PRId64 " pages from %" PRId64
		       " collections: %" PRId64 " new, %" PRId64 " updated, %" PRId64
		       " unchanged, %" PRId64 " rejected\n",
		       a.peer, rep.received, rep.pages, rep.collections, ir->put[STORE_NEW],
		       ir->put[STORE_UPDATED], ir->put[STORE_UNCHANGED], ir->rejected);
		for (size_t i = 0; i < ir->n_rejects; i++)
			printf("rejected\t%s\t%s\n", ir->rejects[i].where, ir->rejects[i].msg);
	}
	taxii_pull_report_fini(&rep);
	store_close(st);
	return rc == 0 ? SOL_EXIT_OK : cli_error(&err);
}

int cmd_push(int argc, char **argv)
{
	xfer_args a;
	int rc = xfer_parse("push", argc, argv, &a);
	if (rc != 0)
		return rc;
	store *st = cli_store_open(a.db);
	if (!st)
		return SOL_EXIT_FAIL;
	sol_err err = {0};
	taxii_push_report rep;
	taxii_push_report_init(&rep);
	rc = taxii_peer_push(st, a.peer, a.collection, a.since, &a.o, &rep, &err);
	if (rc != 0 && rep.envelopes == 0 && rep.failures == 0) {
		/* nothing happened: the error says it all */
	} else if (a.json) {
		json_t *fails = json_array();
		for (size_t i = 0; i < rep.n_failure; i++)
			json_array_append_new(fails,
					      json_pack("{s:s, s:s}", "id", rep.failure[i].id,
							"message", rep.failure[i].message));
		json_t *o =
		    json_pack("{s:I, s:I, s:I, s:I, s:o}", "envelopes", (json_int_t)rep.envelopes,
			      "sent", (json_int_t)rep.sent, "successes", (json_int_t)rep.successes,
			      "failures", (json_int_t)rep.failures, "failed", fails);
		cli_json_print(o, false);
		json_decref(o);
	} else {
		printf("%s: %" PRId64 " objects sent in %" PRId64 " envelopes: %" PRId64
		       " succeeded, %" PRId64 " failed\n",
		       a.peer, rep.sent, rep.envelopes, rep.successes, rep.failures);
		for (size_t i = 0; i < rep.n_failure; i++)
			printf("failed\t%s\t%s\n", rep.failure[i].id, rep.failure[i].message);
	}
	int status = rc != 0 ? cli_error(&err) : rep.failures ? SOL_EXIT_INPUT : SOL_EXIT_OK;
	taxii_push_report_fini(&rep);
	store_close(st);
	return status;
}
