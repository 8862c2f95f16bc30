/*
 * compile.c - from the store to what may be enforced: select the atoms of
 * current, non-revoked indicators that have not expired and are not known
 * to be benign, and compile them into a snapshot.
 *
 * An atom expires at the indicator's valid_until, else at the end of its
 * kind's default lifetime counted from the indicator's version time (the
 * last time its producer touched it). An indicator none of whose atoms
 * survive is left out entirely. index_select is shared with the exports;
 * index_select_indicator applies the same verdicts to one indicator, for
 * the DNS zone that follows the store's changes and the STIX export that
 * reads each indicator with its body.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

int index_select_indicator(const store_indicator *ind, const index_compile_opts *o,
			   index_select_fn fn, void *fn_ctx, index_explain_fn explain,
			   void *explain_ctx, index_compile_stats *stats)
{
	struct select_ctx cx = {.o = o,
				.fn = fn,
				.fn_ctx = fn_ctx,
				.explain = explain,
				.explain_ctx = explain_ctx,
				.stats = stats};
	return select_indicator(&cx, ind);
}

/* ---- index_select: the walk and the verdicts on two cores ----------------- */

#define SELECT_BATCH_INDS 4096 /* indicators per batch handed from walk to verdicts */
#define SELECT_BATCHES 4       /* batches in flight (filled, being read, free) */

/* Indicators copied out of the walk: strings in one pool, by offset. */
typedef struct sel_ind {
	size_t id, source;    /* pool offsets */
	stix_tlp tlp;         /* as store_indicator */
	int confidence;       /* as store_indicator */
	sol_time version;     /* as store_indicator */
	sol_time valid_until; /* as store_indicator */
	size_t first, n;      /* its atoms: batch atoms[first .. first + n) */
} sel_ind;

typedef struct sel_atom {
	obs_kind kind;   /* as stix_atom */
	bool subdomains; /* as stix_atom */
	size_t value;    /* pool offset */
} sel_atom;

typedef struct sel_batch {
	sol_buf pool;                    /* every string */
	sel_ind inds[SELECT_BATCH_INDS]; /* indicators */
	size_t n_inds;                   /* used */
	sel_atom *atoms;                 /* their atoms */
	size_t n_atoms, cap_atoms;       /* used, allocated */
	struct sel_batch *next;          /* in its queue */
} sel_batch;

/* The hand-over: the walk thread fills batches from `spare` and appends
 * them to `ready`; the caller's thread reads them and gives them back. */
struct select_pipe {
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t moved; /* a batch changed queue, or the walk ended */
	sel_batch *ready;     /* filled, oldest first */
	sel_batch *spare;     /* free */
	bool done;            /* the walk ended (rc, err set) */
	bool stop;            /* the reader failed: end the walk */
	store *st;            /* the walk's store, used by its thread only */
	sel_batch *fill;      /* batch the walk is filling */
	int rc;               /* the walk's result */
	sol_err err;          /* its error */
};

static size_t batch_str(sel_batch *b, const char *s)
{
	size_t off = b->pool.len;
	buf_append(&b->pool, s, strlen(s) + 1); /* the pool's cap is SIZE_MAX */
	return off;
}

static void pipe_push(struct select_pipe *p, sel_batch *b)
{
	sel_batch **end = &p->ready;
	while (*end)
		end = &(*end)->next;
	b->next = NULL;
	*end = b;
	pthread_cond_broadcast(&p->moved);
}

/* A full batch goes to the reader; the next one to fill comes back, or
 * NULL when the reader has stopped. Called with the lock held. */
static sel_batch *pipe_swap(struct select_pipe *p)
{
	pipe_push(p, p->fill);
	while (!p->spare && !p->stop)
		pthread_cond_wait(&p->moved, &p->lock);
	if (p->stop)
		return NULL;
	sel_batch *b = p->spare;
	p->spare = b->next;
	buf_reset(&b->pool);
	b->n_inds = b->n_atoms = 0;
	return b;
}

/* store_indicator_fn of the walk thread: copy ind into the batch. */
static int walk_copy(void *ctx, const store_indicator *ind)
{
	struct select_pipe *p = ctx;
	sel_batch *b = p->fill;
	if (b->n_inds == SELECT_BATCH_INDS) {
		pthread_mutex_lock(&p->lock);
		b = p->fill = pipe_swap(p);
		pthread_mutex_unlock(&p->lock);
		if (!b)
			return 1; /* the reader stopped; index_select returns its rc */
	}
	if (b->n_atoms + ind->atoms->n > b->cap_atoms) {
		b->cap_atoms = (b->n_atoms + ind->atoms->n) * 2;
		b->atoms = xrealloc(b->atoms, b->cap_atoms * sizeof *b->atoms);
	}
	sel_ind *d = &b->inds[b->n_inds++];
	*d = (sel_ind){.id = batch_str(b, ind->id),
		       .source = batch_str(b, ind->source),
		       .tlp = ind->tlp,
		       .confidence = ind->confidence,
		       .version = ind->version,
		       .valid_until = ind->valid_until,
		       .first = b->n_atoms,
		       .n = ind->atoms->n};
	for (size_t i = 0; i < ind->atoms->n; i++) {
		const stix_atom *a = &ind->atoms->v[i];
		b->atoms[b->n_atoms++] = (sel_atom){a->kind, a->subdomains, batch_str(b, a->value)};
	}
	return 0;
}

static void *walk_thread(void *arg)
{
	struct select_pipe *p = arg;
	int rc = store_indicators_walk(p->st, walk_copy, p, &p->err);
	pthread_mutex_lock(&p->lock);
	if (p->fill)
		pipe_push(p, p->fill);
	p->fill = NULL;
	p->rc = rc;
	p->done = true;
	pthread_cond_broadcast(&p->moved);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The verdicts on one batch, in the caller's thread. */
static int batch_select(struct select_ctx *cx, const sel_batch *b, stix_atoms *view)
{
	for (size_t i = 0; i < b->n_inds; i++) {
		const sel_ind *d = &b->inds[i];
		if (d->n > view->cap) {
			view->cap = d->n;
			view->v = xrealloc(view->v, view->cap * sizeof *view->v);
		}
		for (size_t k = 0; k < d->n; k++) {
			const sel_atom *a = &b->atoms[d->first + k];
			view->v[k] = (stix_atom){a->kind, a->subdomains, b->pool.data + a->value};
		}
		view->n = d->n;
		store_indicator ind = {.id = b->pool.data + d->id,
				       .source = b->pool.data + d->source,
				       .tlp = d->tlp,
				       .confidence = d->confidence,
				       .version = d->version,
				       .valid_until = d->valid_until,
				       .atoms = view};
		int rc = select_indicator(cx, &ind);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The walk (SQLite's steps and row decoding) runs in a thread of its own
 * and hands the indicators over in batches of SELECT_BATCH_INDS, while
 * this thread parses, judges and passes on the atoms: the two halves cost
 * about the same, so on two cores the selection takes the time of one.
 * fn and explain are called in the caller's thread, in walk order. The
 * store is used by the walk thread alone until it ends.
 */
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
	struct select_pipe p = {.st = st};
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.moved, NULL);
	sel_batch *all = xcalloc(SELECT_BATCHES, sizeof *all);
	for (size_t i = 0; i < SELECT_BATCHES; i++)
		buf_init(&all[i].pool, SIZE_MAX);
	for (size_t i = 1; i + 1 < SELECT_BATCHES; i++)
		all[i].next = &all[i + 1];
	p.fill = &all[0];
	p.spare = SELECT_BATCHES > 1 ? &all[1] : NULL;
	pthread_t walker;
	if (pthread_create(&walker, NULL, walk_thread, &p) != 0)
		abort(); /* only for want of memory or threads */

	stix_atoms view = {0};
	int rc = 0;
	pthread_mutex_lock(&p.lock);
	for (;;) {
		while (!p.ready && !p.done)
			pthread_cond_wait(&p.moved, &p.lock);
		sel_batch *b = p.ready;
		if (!b)
			break;
		p.ready = b->next;
		pthread_mutex_unlock(&p.lock);
		rc = batch_select(&cx, b, &view);
		pthread_mutex_lock(&p.lock);
		b->next = p.spare;
		p.spare = b;
		pthread_cond_broadcast(&p.moved);
		if (rc) {
			p.stop = true;
			break;
		}
	}
	pthread_mutex_unlock(&p.lock);
	pthread_join(walker, NULL);
	if (rc == 0 && p.rc) {
		rc = p.rc;
		if (err)
			*err = p.err;
	}
	free(view.v);
	for (size_t i = 0; i < SELECT_BATCHES; i++) {
		buf_fini(&all[i].pool);
		free(all[i].atoms);
	}
	free(all);
	pthread_cond_destroy(&p.moved);
	pthread_mutex_destroy(&p.lock);
	return rc;
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
