/*
 * live.c - the RPZ zone kept current from the store's changes, so that an
 * indicator arriving in a store of millions reaches the secondaries in
 * milliseconds instead of after a walk of the whole store: a pass yields
 * what changed, never the whole zone (a merge of a million-record zone
 * alone costs a third of a second), except after a build.
 *
 * State. Every record string the zone holds is interned once (rec[]),
 * with the number of indicators whose atoms make it; every indicator that
 * makes records (ind[]) keeps the list of their numbers (a slice of
 * lists[]) and the time its next kept atom expires. Both are found by
 * open-addressed hash tables of item numbers keyed by sol_hash64 of the
 * string (the string is compared on a hash match). Nothing is ever taken
 * out of rec[] or ind[]: a record with no indicator is simply absent from
 * the zone, and comes back cheaply.
 *
 * A pass. Inside one read transaction: the store's greatest date_added is
 * read, then the current versions of indicators added after the last
 * pass's (store_object_list, date_added order; revocations included) and
 * the indicators whose next atom has expired (store_object_current) go
 * through index_select_indicator, the selection every export uses. Each
 * indicator's old records lose a reference and its new ones gain one;
 * a record whose count crosses zero is marked dirty. At the end the dirty
 * records whose presence changed become the sorted "removed" and "added"
 * sets handed to the caller. The first pass (dns_live_new) is the same
 * with an index_select walk of the whole store as its input, and every
 * record it finds is "added": that is the whole zone. The store assigns
 * date_added in commit order, so "added after the last pass" misses
 * nothing.
 *
 * lists[] is append-only: an indicator's new list goes to its end and the
 * old slice becomes garbage, compacted once it outweighs the live part.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"

#define LIVE_TABLE_MIN 1024         /* initial hash table slots */
#define LIVE_COMPACT_MIN (1u << 20) /* garbage list entries tolerated before compacting */

typedef struct live_rec {
	uint64_t key;  /* sol_hash64 of the record string */
	size_t off;    /* its offset in pool */
	uint32_t len;  /* its length */
	uint32_t refs; /* indicators that make it */
	bool present;  /* in the zone as of the last pass */
	bool dirty;    /* on l->dirty */
} live_rec;

typedef struct live_ind {
	uint64_t key;     /* sol_hash64 of the id */
	size_t id;        /* offset of the id in pool */
	size_t first;     /* its records: lists[first .. first + n) */
	uint32_t n;       /* how many */
	sol_time expires; /* its next kept atom's end; SOL_TIME_NONE: never */
} live_ind;

/* Item numbers + 1 (0: empty slot), linear probing, at most half full. */
typedef struct live_table {
	uint32_t *slot; /* slots */
	size_t mask;    /* slots - 1 (a power of two) */
	size_t used;    /* items in it */
} live_table;

struct dns_live {
	dns_zone_opts o;           /* what goes into the zone (select.now set per pass) */
	size_t origin_len;         /* strlen(origin), with its dot */
	sol_buf pool;              /* record strings and ids, NUL-terminated */
	live_rec *rec;             /* interned records */
	size_t n_rec, cap_rec;     /* used, allocated */
	live_table recs;           /* record string -> rec number */
	live_ind *ind;             /* indicators that make records */
	size_t n_ind, cap_ind;     /* used, allocated */
	live_table inds;           /* indicator id -> ind number */
	uint32_t *lists;           /* record numbers of each indicator */
	size_t n_lists, cap_lists; /* used, allocated */
	size_t garbage;            /* entries of lists no indicator points at */
	uint32_t *cur;             /* records of the indicator being read */
	size_t n_cur, cap_cur;     /* used, allocated */
	sol_time cur_expires;      /* its next kept atom's end */
	uint32_t *dirty;           /* records whose count crossed zero this pass */
	size_t n_dirty, cap_dirty; /* used, allocated */
	sol_time next_expiry;      /* earliest ind[].expires; SOL_TIME_NONE if none */
	sol_time seen;             /* greatest date_added read */
	bool broken;               /* a pass failed midway: rebuild on the next */
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 1024;
	while (c < need)
		c *= 2;
	*cap = c;
	return xrealloc(p, c * size);
}

/* ---- hash tables ----------------------------------------------------------- */

static void table_init(live_table *t)
{
	t->slot = xcalloc(LIVE_TABLE_MIN, sizeof *t->slot);
	t->mask = LIVE_TABLE_MIN - 1;
	t->used = 0;
}

static void table_fini(live_table *t)
{
	free(t->slot);
}

static const char *rec_str(const dns_live *l, uint32_t r)
{
	return l->pool.data + l->rec[r].off;
}

/* The slot of the item with this key and string (s, len bytes; an id is
 * compared whole), or the empty slot where it goes. is_rec picks the
 * table's items: rec[] or ind[]. */
static size_t table_find(const dns_live *l, const live_table *t, bool is_rec, uint64_t key,
			 const char *s, size_t len)
{
	size_t i = (size_t)key & t->mask;
	for (;; i = (i + 1) & t->mask) {
		uint32_t it = t->slot[i];
		if (!it)
			return i;
		it--;
		if (is_rec) {
			const live_rec *r = &l->rec[it];
			if (r->key == key && r->len == len && memcmp(rec_str(l, it), s, len) == 0)
				return i;
		} else {
			const live_ind *d = &l->ind[it];
			if (d->key == key && strcmp(l->pool.data + d->id, s) == 0)
				return i;
		}
	}
}

/* Put item (whose key is key) in slot i, doubling the table past half. */
static void table_put(dns_live *l, live_table *t, bool is_rec, size_t i, uint32_t item)
{
	t->slot[i] = item + 1;
	if (++t->used * 2 <= t->mask + 1)
		return;
	size_t slots = (t->mask + 1) * 2;
	free(t->slot);
	t->slot = xcalloc(slots, sizeof *t->slot);
	t->mask = slots - 1;
	size_t n = is_rec ? l->n_rec : l->n_ind;
	for (size_t k = 0; k < n; k++) {
		uint64_t key = is_rec ? l->rec[k].key : l->ind[k].key;
		size_t j = (size_t)key & t->mask;
		while (t->slot[j])
			j = (j + 1) & t->mask;
		t->slot[j] = (uint32_t)k + 1;
	}
}

static size_t pool_add(dns_live *l, const char *s, size_t len)
{
	size_t off = l->pool.len;
	buf_append(&l->pool, s, len);
	buf_append(&l->pool, "", 1);
	return off;
}

/* ---- one indicator ----------------------------------------------------------- */

static uint32_t rec_intern(dns_live *l, const char *s, size_t len)
{
	uint64_t key = sol_hash64(s, len);
	size_t i = table_find(l, &l->recs, true, key, s, len);
	if (l->recs.slot[i])
		return l->recs.slot[i] - 1;
	l->rec = grow(l->rec, &l->cap_rec, l->n_rec + 1, sizeof *l->rec);
	uint32_t r = (uint32_t)l->n_rec++;
	l->rec[r] = (live_rec){.key = key, .off = pool_add(l, s, len), .len = (uint32_t)len};
	table_put(l, &l->recs, true, i, r);
	return r;
}

static void rec_count(dns_live *l, uint32_t r, int delta)
{
	live_rec *x = &l->rec[r];
	x->refs = (uint32_t)((int64_t)x->refs + delta);
	if (!x->dirty) {
		x->dirty = true;
		l->dirty = grow(l->dirty, &l->cap_dirty, l->n_dirty + 1, sizeof *l->dirty);
		l->dirty[l->n_dirty++] = r;
	}
}

/* index_select_fn: the triggers of one kept atom join the current list. */
static int live_atom(void *ctx, const index_selected *sel)
{
	dns_live *l = ctx;
	char rec[DNS_TRIGGERS_MAX][DNS_RECORD_MAX];
	size_t n = dns_triggers(&l->o, l->origin_len, sel, rec);
	if (n == 0)
		return 0;
	sol_time end = sel->ind->valid_until;
	if (end == SOL_TIME_NONE)
		end =
		    index_lifetime_end(&l->o.select.lifetimes, sel->atom->kind, sel->ind->version);
	if (end != SOL_TIME_NONE && (l->cur_expires == SOL_TIME_NONE || end < l->cur_expires))
		l->cur_expires = end;
	l->cur = grow(l->cur, &l->cap_cur, l->n_cur + n, sizeof *l->cur);
	for (size_t i = 0; i < n; i++)
		l->cur[l->n_cur++] = rec_intern(l, rec[i], strlen(rec[i]));
	return 0;
}

static void lists_compact(dns_live *l)
{
	uint32_t *to = xmalloc((l->n_lists - l->garbage + 1) * sizeof *to);
	size_t n = 0;
	for (size_t i = 0; i < l->n_ind; i++) {
		live_ind *d = &l->ind[i];
		memcpy(to + n, l->lists + d->first, d->n * sizeof *to);
		d->first = n;
		n += d->n;
	}
	free(l->lists);
	l->lists = to;
	l->n_lists = l->cap_lists = n;
	l->garbage = 0;
}

/* Indicator id now makes the records of l->cur: move the references. */
static void ind_set(dns_live *l, const char *id)
{
	size_t len = strlen(id);
	uint64_t key = sol_hash64(id, len);
	size_t i = table_find(l, &l->inds, false, key, id, len);
	live_ind *d;
	if (l->inds.slot[i]) {
		d = &l->ind[l->inds.slot[i] - 1];
		for (size_t k = 0; k < d->n; k++)
			rec_count(l, l->lists[d->first + k], -1);
		l->garbage += d->n;
	} else if (l->n_cur == 0) {
		return;
	} else {
		l->ind = grow(l->ind, &l->cap_ind, l->n_ind + 1, sizeof *l->ind);
		uint32_t num = (uint32_t)l->n_ind++;
		l->ind[num] = (live_ind){.key = key, .id = pool_add(l, id, len)};
		table_put(l, &l->inds, false, i, num);
		d = &l->ind[num];
	}
	l->lists = grow(l->lists, &l->cap_lists, l->n_lists + l->n_cur, sizeof *l->lists);
	memcpy(l->lists + l->n_lists, l->cur, l->n_cur * sizeof *l->cur);
	d->first = l->n_lists;
	d->n = (uint32_t)l->n_cur;
	d->expires = l->cur_expires;
	l->n_lists += l->n_cur;
	for (size_t k = 0; k < l->n_cur; k++)
		rec_count(l, l->cur[k], +1);
	if (d->expires != SOL_TIME_NONE &&
	    (l->next_expiry == SOL_TIME_NONE || d->expires < l->next_expiry))
		l->next_expiry = d->expires;
	l->n_cur = 0;
	l->cur_expires = SOL_TIME_NONE;
	if (l->garbage > LIVE_COMPACT_MIN && l->garbage > l->n_lists - l->garbage)
		lists_compact(l);
}

/* store_row_fn: a changed or expiring indicator, as it is now. */
static int live_row(void *ctx, const store_row *row)
{
	dns_live *l = ctx;
	if (!row->revoked && row->atoms && row->atoms->n) {
		store_indicator ind = store_row_indicator(row);
		index_compile_stats stats = {0};
		index_select_indicator(&ind, &l->o.select, live_atom, l, NULL, NULL, &stats);
	}
	ind_set(l, row->id);
	return 0;
}

/* ---- passes ------------------------------------------------------------------ */

/* The walk of dns_live_new: atoms arrive indicator after indicator. */
struct walk {
	dns_live *l;  /* being filled */
	char id[128]; /* indicator of the atoms in l->cur */
};

static int walk_atom(void *ctx, const index_selected *sel)
{
	struct walk *w = ctx;
	if (strcmp(w->id, sel->ind->id) != 0) {
		if (*w->id)
			ind_set(w->l, w->id);
		snprintf(w->id, sizeof w->id, "%s", sel->ind->id);
	}
	return live_atom(w->l, sel);
}

/* Turn the dirty records into the outcome of a pass: after a build the
 * whole zone into *zone (every record is new then), else what changed
 * into *change (left NULL when nothing did). */
static void live_commit(dns_live *l, bool built, dns_zone **zone, dns_change **change)
{
	dns_change *c = dns_change_new(0, 0);
	for (size_t i = 0; i < l->n_dirty; i++) {
		live_rec *r = &l->rec[l->dirty[i]];
		r->dirty = false;
		bool want = r->refs > 0;
		if (want == r->present)
			continue;
		r->present = want;
		dns_zone_add_record(want ? c->added : c->removed, l->pool.data + r->off, r->len);
	}
	l->n_dirty = 0;
	dns_zone_finish(c->removed);
	dns_zone_finish(c->added);
	if (built)
		*zone = dns_zone_ref(c->added);
	else if (dns_zone_count(c->removed) || dns_zone_count(c->added))
		*change = dns_change_ref(c);
	dns_change_unref(c);
}

static void live_reset(dns_live *l)
{
	buf_reset(&l->pool);
	l->n_rec = l->n_ind = l->n_lists = l->garbage = l->n_cur = l->n_dirty = 0;
	table_fini(&l->recs);
	table_fini(&l->inds);
	table_init(&l->recs);
	table_init(&l->inds);
	l->cur_expires = l->next_expiry = SOL_TIME_NONE;
}

/* The whole store, from scratch, in the caller's read transaction. */
static int live_build(dns_live *l, store *st, sol_err *err)
{
	live_reset(l);
	struct walk w = {.l = l};
	index_compile_stats stats;
	int rc = index_select(st, &l->o.select, walk_atom, &w, NULL, NULL, &stats, err);
	if (rc == 0 && *w.id)
		ind_set(l, w.id);
	return rc;
}

/* Indicators whose next atom expired by now: read again. */
static int live_expire(dns_live *l, store *st, sol_err *err)
{
	sol_time now = l->o.select.now;
	if (l->next_expiry == SOL_TIME_NONE || l->next_expiry > now)
		return 0;
	size_t n = 0;
	uint32_t *due = NULL;
	size_t cap = 0;
	l->next_expiry = SOL_TIME_NONE;
	for (size_t i = 0; i < l->n_ind; i++) {
		sol_time e = l->ind[i].expires;
		if (e == SOL_TIME_NONE)
			continue;
		if (e <= now) {
			due = grow(due, &cap, n + 1, sizeof *due);
			due[n++] = (uint32_t)i;
		} else if (l->next_expiry == SOL_TIME_NONE || e < l->next_expiry) {
			l->next_expiry = e;
		}
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *id = xstrdup(l->pool.data + l->ind[due[i]].id);
		rc = store_object_current(st, id, live_row, l, err);
		free(id);
	}
	free(due);
	return rc;
}

static int live_pass(dns_live *l, store *st, sol_time now, dns_zone **zone, dns_change **change,
		     sol_err *err)
{
	*zone = NULL;
	*change = NULL;
	l->o.select.now = now;
	bool rebuild = l->broken;
	store_generation g;
	int rc = store_read_begin(st, err);
	if (rc == 0)
		rc = store_generation_get(st, NULL, NULL, &g, err);
	bool touched = rc == 0; /* from here a failure leaves the state half-updated */
	if (rc == 0 && rebuild) {
		rc = live_build(l, st, err);
	} else if (rc == 0) {
		store_filter f;
		store_filter_init(&f);
		f.type = "indicator";
		f.added_since = l->seen + 1;
		f.include_revoked = true;
		rc = store_object_list(st, &f, live_row, l, err);
		if (rc == 0)
			rc = live_expire(l, st, err);
	}
	store_read_end(st);
	l->broken = rc != 0 && (rebuild || touched);
	if (rc == 0) {
		l->seen = g.last_added;
		live_commit(l, rebuild, zone, change);
	}
	return rc;
}

int dns_live_new(store *st, const char *origin, const dns_zone_opts *o, dns_live **out,
		 dns_zone **zone, sol_err *err)
{
	dns_live *l = xcalloc(1, sizeof *l);
	l->o = *o;
	l->origin_len = strlen(origin);
	buf_init(&l->pool, SIZE_MAX);
	table_init(&l->recs);
	table_init(&l->inds);
	l->broken = true; /* the first pass is a build */
	dns_change *none;
	int rc = live_pass(l, st, o->select.now, zone, &none, err);
	if (rc) {
		dns_live_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int dns_live_update(dns_live *l, store *st, sol_time now, dns_zone **zone, dns_change **change,
		    sol_err *err)
{
	return live_pass(l, st, now, zone, change, err);
}

void dns_live_free(dns_live *l)
{
	if (!l)
		return;
	buf_fini(&l->pool);
	table_fini(&l->recs);
	table_fini(&l->inds);
	free(l->rec);
	free(l->ind);
	free(l->lists);
	free(l->cur);
	free(l->dirty);
	free(l);
}
