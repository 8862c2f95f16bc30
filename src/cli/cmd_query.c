/*
 * cmd_query.c - looking at the store: `solidarity list`, `show` and
 * `stats`, each with a human form and a --json form.
 *
 * Human output is one line per object, tab-separated so that cut(1) and
 * awk(1) work: date_added, effective TLP, source, type, id, and a short
 * description (name, pattern or value). --json prints one JSON object per
 * line (list), a JSON array (show) or one JSON object (stats).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The metadata of a row plus the STIX object itself, as JSON. */
static json_t *row_json(const store_row *r)
{
	char added[40], version[40], until[40];
	json_t *obj = json_loadb(r->json, r->json_len, 0, NULL);
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o}", "id", r->id, "type", r->type,
		      "tlp", stix_tlp_name(r->tlp), "source", r->source, "date_added",
		      sol_time_format(r->date_added, added, sizeof added), "version",
		      sol_time_format(r->version, version, sizeof version), "current", r->current,
		      "revoked", r->revoked, "object", obj ? obj : json_null());
	if (r->valid_until != SOL_TIME_NONE)
		json_object_set_new(
		    o, "valid_until",
		    json_string(sol_time_format(r->valid_until, until, sizeof until)));
	if (r->unmatchable)
		json_object_set_new(o, "not_line_matchable", json_string(r->unmatchable));
	if (r->atoms && r->atoms->n) {
		json_t *atoms = json_array();
		for (size_t i = 0; i < r->atoms->n; i++)
			json_array_append_new(atoms,
					      json_pack("{s:s, s:s, s:b}", "kind",
							obs_kind_name(r->atoms->v[i].kind), "value",
							r->atoms->v[i].value, "subdomains",
							r->atoms->v[i].subdomains));
		json_object_set_new(o, "atoms", atoms);
	}
	return o;
}

/* A short description of the object: its name, else pattern, else value. */
static void print_row_line(const store_row *r)
{
	char added[40];
	json_t *obj = json_loadb(r->json, r->json_len, 0, NULL);
	const char *desc = NULL;
	static const char *const keys[] = {"name", "pattern", "value", "relationship_type",
					   "sighting_of_ref"};
	for (size_t i = 0; obj && !desc && i < sizeof keys / sizeof keys[0]; i++)
		desc = json_string_value(json_object_get(obj, keys[i]));
	printf("%s\t%s\t%s\t%s\t%s\t%s%s\n", sol_time_format(r->date_added, added, sizeof added),
	       stix_tlp_name(r->tlp), r->source, r->type, r->id, r->revoked ? "[revoked] " : "",
	       desc ? desc : "");
	json_decref(obj);
}

struct list_ctx {
	bool json;   /* --json */
	size_t rows; /* rows printed */
};

static int list_row(void *ctx, const store_row *r)
{
	struct list_ctx *lc = ctx;
	if (lc->json) {
		json_t *o = row_json(r);
		cli_json_print(o, false);
		json_decref(o);
	} else {
		print_row_line(r);
	}
	lc->rows++;
	return 0;
}

int cmd_list(int argc, char **argv)
{
	enum { OPT_SINCE = 256, OPT_REVOKED, OPT_JSON, OPT_DB };
	static const struct option longopts[] = {
	    {"type", required_argument, NULL, 'T'},
	    {"tlp", required_argument, NULL, 't'},
	    {"source", required_argument, NULL, 's'},
	    {"value", required_argument, NULL, 'v'},
	    {"limit", required_argument, NULL, 'n'},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"revoked", no_argument, NULL, OPT_REVOKED},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"db", required_argument, NULL, OPT_DB},
	    {NULL, 0, NULL, 0},
	};
	store_filter f;
	store_filter_init(&f);
	struct list_ctx lc = {0};
	const char *db = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "T:t:s:v:n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'T': f.type = optarg; break;
		case 't': {
			stix_tlp t;
			if (stix_tlp_parse(optarg, &t) != 0)
				return cli_usage_error("list", "unknown TLP level '%s'", optarg);
			f.tlp = (int)t;
			break;
		}
		case 's': f.source = optarg; break;
		case 'v': f.value = optarg; break;
		case 'n': {
			char *end;
			long long n = strtoll(optarg, &end, 10);
			if (*end || n < 1)
				return cli_usage_error("list", "bad limit '%s'", optarg);
			f.limit = (size_t)n;
			break;
		}
		case OPT_SINCE:
			if (sol_time_parse(optarg, &f.added_since) != 0)
				return cli_usage_error("list", "bad --since '%s'", optarg);
			break;
		case OPT_REVOKED: f.include_revoked = true; break;
		case OPT_JSON: lc.json = true; break;
		case OPT_DB: db = optarg; break;
		default: return cli_usage_error("list", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("list", "unexpected argument '%s'", argv[optind]);
	store *st = cli_store_open(db);
	if (!st)
		return SOL_EXIT_FAIL;
	sol_err err = {0};
	int rc = store_object_list(st, &f, list_row, &lc, &err);
	store_close(st);
	if (rc != 0)
		return cli_error(&err);
	return lc.rows ? SOL_EXIT_OK : SOL_EXIT_NONE;
}

struct show_ctx {
	bool json;   /* --json */
	json_t *all; /* --json: the versions */
	size_t n;    /* versions seen */
};

static int show_row(void *ctx, const store_row *r)
{
	struct show_ctx *sc = ctx;
	sc->n++;
	if (sc->json) {
		json_array_append_new(sc->all, row_json(r));
		return 0;
	}
	char version[40], added[40];
	printf("%s# version %zu: %s, added %s, source %s, TLP:%s%s%s\n", sc->n > 1 ? "\n" : "",
	       sc->n, sol_time_format(r->version, version, sizeof version),
	       sol_time_format(r->date_added, added, sizeof added), r->source,
	       stix_tlp_name(r->tlp), r->current ? ", current" : "", r->revoked ? ", revoked" : "");
	if (r->unmatchable)
		printf("# not line-matchable: %s\n", r->unmatchable);
	for (size_t i = 0; r->atoms && i < r->atoms->n; i++)
		printf("# atom: %s %s%s\n", obs_kind_name(r->atoms->v[i].kind),
		       r->atoms->v[i].value, r->atoms->v[i].subdomains ? " (and subdomains)" : "");
	json_t *obj = json_loadb(r->json, r->json_len, 0, NULL);
	if (obj)
		cli_json_print(obj, true);
	json_decref(obj);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_DB };
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {"db", required_argument, NULL, OPT_DB},
	    {NULL, 0, NULL, 0},
	};
	struct show_ctx sc = {0};
	const char *db = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: sc.json = true; break;
		case OPT_DB: db = optarg; break;
		default: return cli_usage_error("show", "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("show", "give exactly one object id");
	store *st = cli_store_open(db);
	if (!st)
		return SOL_EXIT_FAIL;
	sol_err err = {0};
	if (sc.json)
		sc.all = json_array();
	int rc = store_object_versions(st, argv[optind], show_row, &sc, &err);
	store_close(st);
	if (rc == 0 && sc.json)
		cli_json_print(sc.all, true);
	json_decref(sc.all);
	if (rc == SOL_ENOTFOUND) {
		fprintf(stderr, "solidarity: no object '%s'\n", argv[optind]);
		return SOL_EXIT_NONE;
	}
	return rc ? cli_error(&err) : SOL_EXIT_OK;
}

static int stat_collect(void *ctx, const char *dimension, const char *key, int64_t count)
{
	json_t *all = ctx;
	json_t *d = json_object_get(all, dimension);
	if (!d) {
		d = json_object();
		json_object_set_new(all, dimension, d);
	}
	json_object_set_new(d, key, json_integer(count));
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_DB };
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {"db", required_argument, NULL, OPT_DB},
	    {NULL, 0, NULL, 0},
	};
	bool json = false;
	const char *db = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: json = true; break;
		case OPT_DB: db = optarg; break;
		default: return cli_usage_error("stats", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
	store *st = cli_store_open(db);
	if (!st)
		return SOL_EXIT_FAIL;
	json_t *all = json_object();
	sol_err err = {0};
	int rc = store_stats(st, stat_collect, all, &err);
	int64_t bytes = store_size_bytes(st);
	store_close(st);
	if (rc != 0) {
		json_decref(all);
		return cli_error(&err);
	}
	json_object_set_new(
	    all, "database",
	    json_pack("{s:s, s:I}", "path", cli_db(db), "bytes", (json_int_t)bytes));
	if (json) {
		cli_json_print(all, true);
	} else {
		const char *dim;
		json_t *d;
		json_object_foreach(all, dim, d)
		{
			printf("%s:\n", dim);
			const char *key;
			json_t *v;
			json_object_foreach(d, key, v)
			{
				if (json_is_integer(v))
					printf("  %-24s %lld\n", key,
					       (long long)json_integer_value(v));
				else
					printf("  %-24s %s\n", key, json_string_value(v));
			}
		}
	}
	json_decref(all);
	return SOL_EXIT_OK;
}
