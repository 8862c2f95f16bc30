/*
 * cmd_pattern.c - `solidarity pattern 'PATTERN'`: check a STIX pattern
 * before sharing it. Prints the canonical form and the atoms a line matcher
 * would look up, or the error with a caret under the column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Print src with a caret under 1-based byte column col. */
static void print_caret(const char *src, int col)
{
	fprintf(stderr, "  %s\n  ", src);
	for (int i = 1; i < col && src[i - 1]; i++)
		fputc(src[i - 1] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

int cmd_pattern(int argc, char **argv)
{
	enum { OPT_JSON = 256 };
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, OPT_JSON},
	    {NULL, 0, NULL, 0},
	};
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c != OPT_JSON)
			return cli_usage_error("pattern", "bad option");
		json = true;
	}
	if (argc - optind != 1)
		return cli_usage_error("pattern", "give exactly one pattern (quote it)");
	const char *src = argv[optind];

	stix_pattern *p = NULL;
	sol_err err = {0};
	if (stix_pattern_parse(src, strlen(src), &p, &err) != 0) {
		int col = 0;
		if (sscanf(err.where, "column %d", &col) == 1 && strchr(src, '\n') == NULL) {
			fprintf(stderr, "solidarity: pattern error at %s: %s\n", err.where,
				err.msg);
			print_caret(src, col);
			return sol_exit_status(err.code);
		}
		return cli_error(&err);
	}
	stix_atoms atoms;
	stix_atoms_init(&atoms);
	size_t n = stix_pattern_atoms(p, &atoms);
	char *canon = stix_pattern_format(p);
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < atoms.n; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "kind",
							   obs_kind_name(atoms.v[i].kind), "value",
							   atoms.v[i].value, "subdomains",
							   atoms.v[i].subdomains));
		json_t *o = json_pack("{s:s, s:o, s:o, s:b}", "pattern", canon, "tree",
				      stix_pattern_to_json(p), "atoms", a, "line_matchable", n > 0);
		if (n == 0)
			json_object_set_new(o, "reason", json_string(atoms.reason));
		cli_json_print(o, true);
		json_decref(o);
	} else {
		printf("pattern: %s\n", canon);
		if (n == 0) {
			printf("not line-matchable: %s\n", atoms.reason);
		} else {
			printf("line-matchable: %zu atom%s\n", n, n == 1 ? "" : "s");
			for (size_t i = 0; i < atoms.n; i++)
				printf("  %-7s %s%s\n", obs_kind_name(atoms.v[i].kind),
				       atoms.v[i].value,
				       atoms.v[i].subdomains ? " (and subdomains)" : "");
		}
	}
	free(canon);
	stix_atoms_fini(&atoms);
	stix_pattern_free(p);
	return SOL_EXIT_OK;
}
