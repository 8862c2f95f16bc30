/*
 * cmd_import.c - `solidarity import`: options to ingest_opts, one
 * ingest_path() per input (each its own transaction), a summary per input.
 *
 * An input that fails is reported with its place and leaves the store as
 * it was; the other inputs are still imported, and the exit status is that
 * of the worst failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ingest/ingest.h"

static void print_tallies(const char *title, const ingest_tallies *t)
{
	if (t->n == 0)
		return;
	printf("  %s:", title);
	for (size_t i = 0; i < t->n; i++)
		printf("%s %s %lld", i ? "," : "", t->v[i].key, (long long)t->v[i].n);
	putchar('\n');
}

static void print_report(const char *path, const ingest_report *r)
{
	printf("%s (%s): %lld objects: %lld new, %lld updated, %lld older, %lld unchanged, "
	       "%lld conflicts, %lld rejected\n",
	       strcmp(path, "-") == 0 ? "stdin" : path, ingest_format_name(r->format),
	       (long long)r->objects, (long long)r->put[STORE_NEW],
	       (long long)r->put[STORE_UPDATED], (long long)r->put[STORE_OLDER],
	       (long long)r->put[STORE_UNCHANGED], (long long)r->put[STORE_CONFLICT],
	       (long long)r->rejected);
	print_tallies("by type", &r->types);
	print_tallies("not line-matchable", &r->unmatchable);
	print_tallies("unknown MISP types (skipped)", &r->unknown);
	for (size_t i = 0; i < r->n_rejects; i++)
		printf("  rejected %s: %s\n", r->rejects[i].where, r->rejects[i].msg);
	if ((size_t)r->rejected > r->n_rejects)
		printf("  ... and %lld more rejections\n",
		       (long long)(r->rejected - (int64_t)r->n_rejects));
}

int cmd_import(int argc, char **argv)
{
	enum { OPT_VALID_UNTIL = 256, OPT_SUBDOMAINS, OPT_SKIP, OPT_JSON, OPT_DB, OPT_COLLECTION };
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"source", required_argument, NULL, 's'},
	    {"tlp", required_argument, NULL, 't'},
	    {"column", required_argument, NULL, 'c'},
	    {"valid-until", required_argument, NULL, OPT_VALID_UNTIL},
	    {"subdomains", no_argument, NULL, OPT_SUBDOMAINS},
	    {"skip-invalid", no_argument, NULL, OPT_SKIP},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"db", required_argument, NULL, OPT_DB},
	    {"collection", required_argument, NULL, OPT_COLLECTION},
	    {NULL, 0, NULL, 0},
	};
	ingest_opts opts;
	ingest_opts_init(&opts);
	const char *db = NULL;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:s:t:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ingest_format_parse(optarg, &opts.format) != 0)
				return cli_usage_error("import", "unknown format '%s'", optarg);
			break;
		case 's':
			if (!*optarg)
				return cli_usage_error("import", "empty source name");
			opts.source = optarg;
			break;
		case 't':
			if (stix_tlp_parse(optarg, &opts.default_tlp) != 0 ||
			    opts.default_tlp == TLP_NONE)
				return cli_usage_error("import", "unknown TLP level '%s'", optarg);
			break;
		case 'c': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 1000)
				return cli_usage_error("import", "bad column '%s'", optarg);
			opts.column = (int)n;
			break;
		}
		case OPT_VALID_UNTIL:
			if (sol_time_parse(optarg, &opts.valid_until) != 0)
				return cli_usage_error("import",
						       "bad --valid-until '%s' (want "
						       "YYYY-MM-DDTHH:MM:SS[.sss]Z)",
						       optarg);
			break;
		case OPT_SUBDOMAINS: opts.subdomains = true; break;
		case OPT_SKIP: opts.skip_invalid = true; break;
		case OPT_JSON: json = true; break;
		case OPT_DB: db = optarg; break;
		case OPT_COLLECTION: opts.collection = optarg; break;
		default: return cli_usage_error("import", "bad option");
		}
	}
	if (optind == argc)
		return cli_usage_error("import", "no input (give files, directories or -)");

	store *st = cli_store_open(db);
	if (!st)
		return SOL_EXIT_FAIL;
	ingest_ctx *cx = ingest_ctx_new(st, &opts);
	int status = SOL_EXIT_OK;
	json_t *all = json ? json_array() : NULL;
	for (int i = optind; i < argc; i++) {
		ingest_report rep;
		ingest_report_init(&rep);
		sol_err err = {0};
		if (ingest_path(cx, argv[i], &rep, &err) != 0) {
			int s = cli_error(&err);
			fprintf(stderr, "solidarity: nothing imported from %s\n", argv[i]);
			if (s > status)
				status = s;
		} else if (json) {
			json_t *o = ingest_report_json(&rep);
			json_object_set_new(o, "input", json_string(argv[i]));
			json_array_append_new(all, o);
		} else {
			print_report(argv[i], &rep);
		}
		ingest_report_fini(&rep);
	}
	if (json) {
		cli_json_print(all, true);
		json_decref(all);
	}
	ingest_ctx_free(cx);
	store_close(st);
	return status;
}
