/*
 * stix_pattern.c - fuzz the STIX pattern parser, printer, JSON tree and
 * atoms.
 *
 * The input is parsed as a pattern. When it parses, beyond "no crash" the
 * target aborts when a property fails:
 *   - the canonical text parses again and prints identically (the printer
 *     writes only what the parser reads, and formatting is a fixed point);
 *   - the JSON tree exists and serialises (every string is valid UTF-8);
 *   - atoms are either some values and no reason, or none and a reason.
 * When it does not parse, the error is SOL_EPARSE or SOL_ETOOBIG with a
 * column inside the input (or just past its end).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

static void check_error(const sol_err *err, size_t size)
{
	unsigned long col;
	if (err->code != SOL_EPARSE && err->code != SOL_ETOOBIG)
		abort();
	if (sscanf(err->where, "column %lu", &col) != 1 || col < 1 || col > size + 1)
		abort();
	if (err->msg[0] == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stix_pattern *p, *q;
	sol_err err;
	if (stix_pattern_parse((const char *)data, size, &p, &err) != 0) {
		check_error(&err, size);
		return 0;
	}
	char *text = stix_pattern_format(p);
	if (stix_pattern_parse(text, strlen(text), &q, &err) != 0)
		abort();
	char *again = stix_pattern_format(q);
	if (strcmp(text, again) != 0)
		abort();
	json_t *tree = stix_pattern_to_json(p);
	char *dump = tree ? json_dumps(tree, JSON_COMPACT) : NULL;
	if (!dump)
		abort();
	stix_atoms a;
	stix_atoms_init(&a);
	size_t n = stix_pattern_atoms(p, &a);
	if (n != a.n || (n > 0) == (a.reason[0] != 0))
		abort();
	stix_atoms_fini(&a);
	free(dump);
	json_decref(tree);
	free(again);
	free(text);
	stix_pattern_free(q);
	stix_pattern_free(p);
	return 0;
}
