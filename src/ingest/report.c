/*
 * report.c - the summary every import prints: objects by type and by what
 * the store did with them, rejections with their place, indicators that
 * are not line-matchable by reason, and MISP types we do not map.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/ingest.h"

void ingest_opts_init(ingest_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = INGEST_AUTO;
	o->source = "local";
	o->default_tlp = TLP_AMBER;
	o->valid_until = SOL_TIME_NONE;
}

void ingest_report_init(ingest_report *r)
{
	memset(r, 0, sizeof *r);
}

static void tallies_fini(ingest_tallies *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
	memset(t, 0, sizeof *t);
}

void ingest_report_fini(ingest_report *r)
{
	tallies_fini(&r->types);
	tallies_fini(&r->unmatchable);
	tallies_fini(&r->unknown);
	for (size_t i = 0; i < r->n_rejects; i++) {
		free(r->rejects[i].where);
		free(r->rejects[i].msg);
	}
	free(r->rejects);
	memset(r, 0, sizeof *r);
}

void ingest_tally_add(ingest_tallies *t, const char *key, int64_t n)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].key, key) == 0) {
			t->v[i].n += n;
			return;
		}
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	t->v[t->n].key = xstrdup(key);
	t->v[t->n].n = n;
	t->n++;
}

static json_t *tallies_json(const ingest_tallies *t)
{
	json_t *o = json_object();
	for (size_t i = 0; i < t->n; i++)
		json_object_set_new(o, t->v[i].key, json_integer(t->v[i].n));
	return o;
}

json_t *ingest_report_json(const ingest_report *r)
{
	json_t *rejects = json_array();
	for (size_t i = 0; i < r->n_rejects; i++)
		json_array_append_new(rejects, json_pack("{s:s, s:s}", "where", r->rejects[i].where,
							 "error", r->rejects[i].msg));
	return json_pack(
	    "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "format",
	    ingest_format_name(r->format), "objects", (json_int_t)r->objects, "new",
	    (json_int_t)r->put[STORE_NEW], "updated", (json_int_t)r->put[STORE_UPDATED], "older",
	    (json_int_t)r->put[STORE_OLDER], "unchanged", (json_int_t)r->put[STORE_UNCHANGED],
	    "conflicts", (json_int_t)r->put[STORE_CONFLICT], "rejected", (json_int_t)r->rejected,
	    "skipped_lines", (json_int_t)r->skipped_lines, "types", tallies_json(&r->types),
	    "not_line_matchable", tallies_json(&r->unmatchable), "unknown_misp_types",
	    tallies_json(&r->unknown), "rejects", rejects);
}

static const char *const format_names[] = {"auto", "stix", "misp", "csv", "text"};

const char *ingest_format_name(ingest_format f)
{
	return (unsigned)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : "?";
}

int ingest_format_parse(const char *name, ingest_format *out)
{
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
		if (strcasecmp(name, format_names[i]) == 0) {
			*out = (ingest_format)i;
			return 0;
		}
	}
	return SOL_EUSAGE;
}
