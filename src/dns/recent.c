/*
 * recent.c - the records served in the recent-additions zone, and when
 * they are folded into the bulk zone (dns.h, "Two zones").
 *
 * State. One entry per record held: the record, when it arrived and when
 * it was folded into the bulk zone (SOL_TIME_NONE while it waits). There
 * are few (the records of the last fold period and its grace), so they
 * sit in an unsorted array and every question about them is a pass over
 * it, with binary searches in the sorted zones they are checked against.
 *
 * A step. The change's removed records leave (whether waiting or folded:
 * the bulk zone loses them in the same refresh). Its added records wait,
 * unless there are f.records or more of them: a bulk import goes to the
 * bulk zone directly, or the recent zone would grow to the size whose
 * reload it is there to avoid. Then the waiting records are folded (all
 * handed to the bulk zone, marked with the time) when f.records wait,
 * the oldest has waited f.age, or the bulk zone changes in this refresh
 * anyway (a direct import, a removal of a record it holds): a secondary
 * reloads the bulk zone once for both. A folded entry leaves f.grace
 * after its fold.
 *
 * Persistence. The entries are the setting "dns.<recent zone>.entries",
 * one line "<arrived> <folded> <record>" each (microseconds; 0 for not
 * folded), written after every change, so a restarted server splits the
 * zone as before and the bulk zone keeps its serial (a split lost, e.g.
 * by a crash between the publish and the save, makes the bulk zone hold
 * the waiting records too: correct, only slower to reach secondaries).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"

typedef struct recent_entry {
	char *rec;        /* "owner TYPE rdata" */
	sol_time arrived; /* when it came */
	sol_time folded;  /* when it went into the bulk zone; SOL_TIME_NONE: waiting */
} recent_entry;

struct dns_recent {
	char *origin;    /* the recent zone's name, with its final dot */
	dns_fold f;      /* when to fold */
	recent_entry *e; /* entries */
	size_t n, cap;   /* used, allocated */
	bool changed;    /* entries changed since the last step's answer */
	bool unsaved;    /* entries changed since the last load or save */
};

dns_recent *dns_recent_new(const char *origin, const dns_fold *f)
{
	dns_recent *r = xcalloc(1, sizeof *r);
	r->origin = xstrdup(origin);
	r->f = *f;
	return r;
}

static void entries_clear(dns_recent *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->e[i].rec);
	r->n = 0;
}

void dns_recent_free(dns_recent *r)
{
	if (!r)
		return;
	entries_clear(r);
	free(r->e);
	free(r->origin);
	free(r);
}

static void entry_add(dns_recent *r, const char *rec, sol_time arrived, sol_time folded)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->e = xrealloc(r->e, r->cap * sizeof *r->e);
	}
	r->e[r->n++] = (recent_entry){xstrdup(rec), arrived, folded};
	r->changed = r->unsaved = true;
}

/* Keep only the entries for which keep(entry, ctx) is true. */
static void entries_filter(dns_recent *r, bool (*keep)(const recent_entry *, const void *),
			   const void *ctx)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (keep(&r->e[i], ctx)) {
			r->e[k++] = r->e[i];
			continue;
		}
		free(r->e[i].rec);
		r->changed = r->unsaved = true;
	}
	r->n = k;
}

int dns_recent_load(dns_recent *r, store *st, sol_err *err)
{
	char key[EXPORT_NAME_MAX + 48], *v;
	dns_setting_key(r->origin, "entries", key, sizeof key);
	int rc = dns_setting_get(st, key, &v, err);
	if (rc || !v)
		return rc;
	entries_clear(r);
	for (char *line = strtok(v, "\n"); line; line = strtok(NULL, "\n")) {
		long long arrived, folded;
		int used = 0;
		if (sscanf(line, "%lld %lld %n", &arrived, &folded, &used) == 2 && used &&
		    line[used] && strlen(line + used) < DNS_RECORD_MAX)
			entry_add(r, line + used, arrived, folded ? folded : SOL_TIME_NONE);
	}
	free(v);
	r->unsaved = false;
	return 0;
}

int dns_recent_save(dns_recent *r, store *st, sol_err *err)
{
	if (!r->unsaved)
		return 0;
	char key[EXPORT_NAME_MAX + 48];
	dns_setting_key(r->origin, "entries", key, sizeof key);
	sol_buf text;
	buf_init(&text, SIZE_MAX);
	for (size_t i = 0; i < r->n; i++) {
		const recent_entry *x = &r->e[i];
		buf_printf(&text, "%" PRId64 " %" PRId64 " %s\n", x->arrived,
			   x->folded == SOL_TIME_NONE ? 0 : x->folded, x->rec);
	}
	char *v = buf_take(&text);
	int rc = store_setting_set(st, key, v, err);
	free(v);
	if (rc == 0)
		r->unsaved = false;
	return rc;
}

static bool in_zone(const recent_entry *x, const void *z)
{
	return dns_zone_has(z, x->rec);
}

static bool not_in_zone(const recent_entry *x, const void *z)
{
	return !dns_zone_has(z, x->rec);
}

/* Entries selected by waiting (true: the waiting ones) as a finished zone. */
static dns_zone *entries_zone(const dns_recent *r, bool waiting_only)
{
	dns_zone *z = dns_zone_new();
	for (size_t i = 0; i < r->n; i++)
		if (!waiting_only || r->e[i].folded == SOL_TIME_NONE)
			dns_zone_add_record(z, r->e[i].rec, strlen(r->e[i].rec));
	dns_zone_finish(z);
	return z;
}

dns_zone *dns_recent_keep(dns_recent *r, const dns_zone *z)
{
	entries_filter(r, in_zone, z);
	return entries_zone(r, true);
}

struct expiry {
	sol_time now;   /* the step's time */
	sol_time grace; /* f.grace */
};

static bool in_grace(const recent_entry *x, const void *ctx)
{
	const struct expiry *e = ctx;
	return x->folded == SOL_TIME_NONE || e->now - x->folded < e->grace;
}

bool dns_recent_step(dns_recent *r, const dns_change *c, sol_time now, dns_zone **to_bulk)
{
	dns_zone *bulk = dns_zone_new();
	size_t n_removed = c ? dns_zone_count(c->removed) : 0, n_added = 0;
	bool direct = c && dns_zone_count(c->added) >= r->f.records;
	if (n_removed) {
		size_t waiting = 0; /* removed records that were waiting */
		for (size_t i = 0; i < r->n; i++)
			waiting += r->e[i].folded == SOL_TIME_NONE &&
				   dns_zone_has(c->removed, r->e[i].rec);
		entries_filter(r, not_in_zone, c->removed);
		n_removed -= waiting; /* the others are in the bulk zone */
	}
	for (size_t i = 0; c && i < dns_zone_count(c->added); i++, n_added++) {
		const char *rec = dns_zone_record(c->added, i);
		if (direct)
			dns_zone_add_record(bulk, rec, strlen(rec));
		else
			entry_add(r, rec, now, SOL_TIME_NONE);
	}
	size_t waiting = 0;
	sol_time oldest = now;
	for (size_t i = 0; i < r->n; i++) {
		const recent_entry *x = &r->e[i];
		if (x->folded == SOL_TIME_NONE) {
			waiting++;
			oldest = x->arrived < oldest ? x->arrived : oldest;
		}
	}
	bool bulk_changes = n_removed || (direct && n_added);
	if (waiting && (bulk_changes || waiting >= r->f.records || now - oldest >= r->f.age)) {
		for (size_t i = 0; i < r->n; i++) {
			recent_entry *x = &r->e[i];
			if (x->folded == SOL_TIME_NONE) {
				x->folded = now;
				dns_zone_add_record(bulk, x->rec, strlen(x->rec));
			}
		}
		r->unsaved = true; /* the recent zone keeps the same records */
	}
	struct expiry ex = {now, r->f.grace};
	entries_filter(r, in_grace, &ex);
	dns_zone_finish(bulk);
	*to_bulk = bulk;
	bool changed = r->changed;
	r->changed = false;
	return changed;
}

dns_zone *dns_recent_zone(const dns_recent *r)
{
	return entries_zone(r, false);
}
