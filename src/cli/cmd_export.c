/*
 * cmd_export.c - `solidarity export FORMAT`: what may be enforced, in the
 * formats resolvers, firewalls and sensors read. The selection is the
 * matcher's (index_select); the options narrow it by TLP, source and kind.
 *
 * File formats go to -o FILE (replaced atomically) or, without -o, to
 * standard output through a temporary file; suricata and misp write a
 * directory and need -o.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "export/export.h"

/* Copy the file at path to stdout. */
static int cat_file(const char *path, sol_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return sol_fail(err, SOL_EIO, path, "cannot reopen the export");
	char buf[65536];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			rc = sol_fail(err, SOL_EIO, "stdout", "write failed");
	fclose(f);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	enum {
		OPT_TLP_MAX = 256,
		OPT_ZONE,
		OPT_POLICY,
		OPT_WL,
		OPT_ALLOW,
		OPT_LIFETIME,
		OPT_NOW,
		OPT_DB
	};
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"tlp-max", required_argument, NULL, OPT_TLP_MAX},
	    {"source", required_argument, NULL, 's'},
	    {"type", required_argument, NULL, 'T'},
	    {"zone", required_argument, NULL, OPT_ZONE},
	    {"policy", required_argument, NULL, OPT_POLICY},
	    {"warninglists", required_argument, NULL, OPT_WL},
	    {"allow", required_argument, NULL, OPT_ALLOW},
	    {"lifetime", required_argument, NULL, OPT_LIFETIME},
	    {"now", required_argument, NULL, OPT_NOW},
	    {"db", required_argument, NULL, OPT_DB},
	    {NULL, 0, NULL, 0},
	};
	export_opts o;
	export_opts_init(&o);
	const char *out = NULL, *wl_dir = NULL, *allow = NULL, *db = NULL;
	sol_err err = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:s:T:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case OPT_TLP_MAX:
			if (stix_tlp_parse(optarg, &o.tlp_max) != 0 || o.tlp_max == TLP_NONE)
				return cli_usage_error("export", "unknown TLP level '%s'", optarg);
			break;
		case 's': o.source = optarg; break;
		case 'T':
			if (export_kinds_parse(optarg, &o.kinds, &err) != 0)
				return cli_usage_error("export", "%s", err.msg);
			break;
		case OPT_ZONE: o.rpz_zone = optarg; break;
		case OPT_POLICY:
			if (export_rpz_policy_parse(optarg, &o, &err) != 0)
				return cli_usage_error("export", "%s", err.msg);
			break;
		case OPT_WL: wl_dir = optarg; break;
		case OPT_ALLOW: allow = optarg; break;
		case OPT_LIFETIME:
			if (index_lifetimes_set(&o.select.lifetimes, optarg, &err) != 0)
				return cli_usage_error("export", "%s", err.msg);
			break;
		case OPT_NOW:
			if (sol_time_parse(optarg, &o.select.now) != 0)
				return cli_usage_error("export", "bad --now '%s'", optarg);
			break;
		case OPT_DB: db = optarg; break;
		default: return cli_usage_error("export", "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("export", "give one format: rpz, nft, suricata, zeek, csv, "
						 "stix or misp");
	if (export_format_parse(argv[optind], &o.format) != 0)
		return cli_usage_error("export", "unknown format '%s'", argv[optind]);
	bool is_dir = o.format == EXPORT_SURICATA || o.format == EXPORT_MISP;
	if (is_dir && (!out || strcmp(out, "-") == 0))
		return cli_usage_error("export", "%s writes a directory: give -o DIR",
				       export_format_name(o.format));
	char *tmp = NULL;
	if (!out || strcmp(out, "-") == 0) {
		tmp = xasprintf("%s/solidarity-export-%ld",
				getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
		o.path = tmp;
	} else {
		o.path = out;
	}
	warninglist *wl = NULL;
	if (warninglist_new(wl_dir, allow, &wl, &err) != 0) {
		free(tmp);
		return cli_error(&err);
	}
	o.select.benign = wl;
	store *st = cli_store_open(db);
	int rc = st ? 0 : SOL_EDB;
	export_stats s;
	if (rc == 0)
		rc = export_write(st, &o, &s, &err);
	if (rc == 0 && tmp)
		rc = cat_file(tmp, &err);
	if (tmp)
		unlink(tmp);
	if (rc == 0)
		fprintf(stderr,
			"export %s: %lld records from %lld atoms of %lld indicators; left out "
			"%lld expired, %lld warninglisted, %lld by filters, %lld not expressible\n",
			export_format_name(o.format), (long long)s.records, (long long)s.atoms,
			(long long)s.select.indicators, (long long)s.select.expired,
			(long long)s.select.warninglisted, (long long)s.filtered,
			(long long)s.skipped);
	store_close(st);
	warninglist_free(wl);
	free(tmp);
	if (rc == SOL_EDB && !err.code)
		return SOL_EXIT_FAIL;
	return rc ? cli_error(&err) : SOL_EXIT_OK;
}
