/*
 * compile.c - from the store to what may be enforced: select the atoms of
 * current, non-revoked indicators that have not expired and are not known
 * to be benign, and compile them into a snapshot.
 *
 * An atom expires at the indicator's valid_until, else at the end of its
 * kind's default lifetime counted from the indicator's version time (the
 * last time its producer touched it). An indicator none of whose atoms
 * survive is left out entirely. index_select is shared with the exports.
 */
#include <stdio.h>
#include <string.h>

#include "index/index.h"

struct select_ctx {
	const index_compile_opts *o; /* options */
	index_select_fn fn;          /* hears kept atoms */
	void *fn_ctx;                /* its context */
	index_explain_fn explain;    /* hears dropped atoms; may be NULL */
	void *explain_ctx;           /* its context */
	index_compile_stats *stats;  /* counters */
	obs_value v;                 /* scratch for one atom */
};

/* Why atom a of ind is left out, or "" if it is kept (and parsed in cx->v). */
static const char *atom_verdict(struct select_ctx *cx, const store_indicator *ind,
				const stix_atom *a, char *why, size_t size)
{
	char t[40];
	sol_time end = ind->valid_until;
	if (end == SOL_TIME_NONE)
		end = index_lifetime_end(&cx->o->lifetimes, a->kind, ind->version);
	if (end != SOL_TIME_NONE && end <= cx->o->now) {
		cx->stats->expired++;
		snprintf(why, size, "expired %s%s", sol_time_format(end, t, sizeof t),
			 ind->valid_until == SOL_TIME_NONE ? " (default lifetime)" : "");
		return why;
	}
	if (obs_parse(a->value, strlen(a->value), a->kind, &cx->v) != 0) {
		cx->stats->invalid++;
		snprintf(why, size, "not a valid %s", obs_kind_name(a->kind));
		return why;
	}
	const char *list =
	    cx->o->benign ? warninglist_match(cx->o->benign, &cx->v, a->subdomains) : NULL;
	if (list) {
		cx->stats->warninglisted++;
		snprintf(why, size, "warninglist: %s", list);
		return why;
	}
	return "";
}

static int select_indicator(void *ctx, const store_indicator *ind)
{
	struct select_ctx *cx = ctx;
	bool counted = false;
	for (size_t i = 0; i < ind->atoms->n; i++) {
		const stix_atom *a = &ind->atoms->v[i];
		char why[200];
		int rc = 0;
		if (*atom_verdict(cx, ind, a, why, sizeof why)) {
			if (cx->explain)
				rc = cx->explain(cx->explain_ctx, ind->id, a->kind, a->value, why);
		} else {
			if (!counted) {
				cx->stats->indicators++;
				counted = true;
			}
			cx->stats->atoms++;
			index_selected sel = {ind, a, &cx->v};
			rc = cx->fn(cx->fn_ctx, &sel);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int index_select(store *st, const index_compile_opts *o, index_select_fn fn, void *fn_ctx,
		 index_explain_fn explain, void *explain_ctx, index_compile_stats *stats,
		 sol_err *err)
{
	memset(stats, 0, sizeof *stats);
	struct select_ctx cx = {.o = o,
				.fn = fn,
				.fn_ctx = fn_ctx,
				.explain = explain,
				.explain_ctx = explain_ctx,
				.stats = stats};
	return store_indicators_walk(st, select_indicator, &cx, err);
}

/* Compiling: each kept atom into the builder; indicators numbered once. */
struct compile_ctx {
	index_builder *b;  /* snapshot being built */
	char last_id[128]; /* indicator of the previous atom */
	uint32_t num;      /* its number in the builder */
};

static int compile_atom(void *ctx, const index_selected *sel)
{
	struct compile_ctx *cc = ctx;
	if (strcmp(cc->last_id, sel->ind->id) != 0) {
		cc->num =
		    index_builder_indicator(cc->b, sel->ind->id, sel->ind->source, sel->ind->tlp,
					    sel->ind->confidence, sel->ind->valid_until);
		snprintf(cc->last_id, sizeof cc->last_id, "%s", sel->ind->id);
	}
	return index_builder_atom(cc->b, cc->num, sel->value->kind, sel->atom->subdomains,
				  sel->value->norm);
}

int index_compile(store *st, const char *path, const index_compile_opts *o,
		  index_explain_fn explain, void *ctx, index_compile_stats *stats, sol_err *err)
{
	struct compile_ctx cc = {.b = index_builder_new()};
	int rc = index_select(st, o, compile_atom, &cc, explain, ctx, stats, err);
	if (rc > 0 || rc == SOL_EINVALID)
		rc = sol_fail(err, SOL_EINTERNAL, NULL,
			      "selected atom refused by the index builder");
	if (rc == 0)
		rc = index_builder_write(cc.b, path, err);
	index_builder_free(cc.b);
	return rc;
}
