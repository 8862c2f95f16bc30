/*
 * sighting.c - hits as JSON lines, and hits folded into STIX Sightings.
 *
 * The aggregate is an open-addressing table keyed by indicator number (the
 * index snapshot's dense numbering), so counting a hit is one probe. Only
 * when the run ends do we turn numbers back into ids, build Sighting
 * objects with jansson, check them with stix_object_check like any other
 * object, and write or store them.
 */
#include <stdlib.h>
#include <string.h>

#include "sighting/sighting.h"

/* Namespace of this node's Sighting ids: uuid5(ns, identity "|" indicator). */
#define SIGHTING_NS "1d5ac2f4-60c8-4f7e-9d55-1b2f9b2c7e3a"

int sighting_hit_json(const index_snapshot *ix, const scan_hit *h, sol_buf *out)
{
	index_indicator ind;
	index_indicator_get(ix, h->hit->ind, &ind);
	jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "time");
	jsonw_time(&w, h->ts);
	jsonw_key(&w, "input");
	jsonw_cstr(&w, h->input);
	jsonw_key(&w, "line");
	jsonw_int(&w, (int64_t)h->line);
	jsonw_key(&w, "field");
	jsonw_cstr(&w, h->field);
	jsonw_key(&w, "observed");
	jsonw_string(&w, h->observed->norm, h->observed->len);
	jsonw_key(&w, "type");
	jsonw_cstr(&w, obs_kind_name(h->observed->kind));
	jsonw_key(&w, "indicator");
	jsonw_cstr(&w, ind.id);
	char buf[INDEX_VALUE_BUF];
	size_t vlen;
	const char *value = index_hit_value(h->hit, buf, &vlen);
	jsonw_key(&w, "match");
	jsonw_string(&w, value, vlen);
	jsonw_key(&w, "subdomains");
	jsonw_bool(&w, h->hit->subdomains);
	jsonw_key(&w, "source");
	jsonw_cstr(&w, ind.source);
	jsonw_key(&w, "tlp");
	jsonw_cstr(&w, stix_tlp_name(ind.tlp));
	jsonw_key(&w, "confidence");
	if (ind.confidence >= 0)
		jsonw_int(&w, ind.confidence);
	else
		jsonw_null(&w);
	jsonw_key(&w, "valid_until");
	jsonw_time(&w, ind.valid_until);
	jsonw_object_end(&w);
	if (w.rc == 0)
		w.rc = buf_append(out, "\n", 1);
	return w.rc;
}

typedef struct agg_slot {
	uint32_t ind;   /* indicator number + 1; 0 = empty */
	int64_t count;  /* hits */
	sol_time first; /* earliest record time, SOL_TIME_NONE if none known */
	sol_time last;  /* latest record time */
} agg_slot;

struct sighting_agg {
	const index_snapshot *ix; /* borrowed */
	agg_slot *slots;          /* open addressing, power-of-two size */
	size_t cap;               /* slots */
	size_t n;                 /* used */
};

sighting_agg *sighting_agg_new(const index_snapshot *ix)
{
	sighting_agg *a = xcalloc(1, sizeof *a);
	a->ix = ix;
	a->cap = 64;
	a->slots = xcalloc(a->cap, sizeof *a->slots);
	return a;
}

void sighting_agg_free(sighting_agg *a)
{
	if (!a)
		return;
	free(a->slots);
	free(a);
}

static agg_slot *agg_find(agg_slot *slots, size_t cap, uint32_t ind)
{
	size_t mask = cap - 1;
	size_t i = (ind * 2654435761u) & mask;
	while (slots[i].ind && slots[i].ind != ind + 1)
		i = (i + 1) & mask;
	return &slots[i];
}

static void agg_grow(sighting_agg *a)
{
	size_t cap = a->cap * 2;
	agg_slot *slots = xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < a->cap; i++)
		if (a->slots[i].ind)
			*agg_find(slots, cap, a->slots[i].ind - 1) = a->slots[i];
	free(a->slots);
	a->slots = slots;
	a->cap = cap;
}

void sighting_agg_add(sighting_agg *a, uint32_t ind, sol_time ts)
{
	if ((a->n + 1) * 4 > a->cap * 3)
		agg_grow(a);
	agg_slot *s = agg_find(a->slots, a->cap, ind);
	if (!s->ind) {
		s->ind = ind + 1;
		s->first = s->last = SOL_TIME_NONE;
		a->n++;
	}
	s->count++;
	if (ts != SOL_TIME_NONE) {
		if (s->first == SOL_TIME_NONE || ts < s->first)
			s->first = ts;
		if (s->last == SOL_TIME_NONE || ts > s->last)
			s->last = ts;
	}
}

void sighting_id(const char *identity_id, const char *indicator_id, char out[64])
{
	char name[256];
	int n = snprintf(name, sizeof name, "%s|%s", identity_id, indicator_id);
	char uuid[37];
	sol_uuid5(SIGHTING_NS, name, (size_t)n, uuid);
	snprintf(out, 64, "sighting--%s", uuid);
}

static int slot_cmp(const void *x, const void *y)
{
	const agg_slot *a = x, *b = y;
	return (a->ind > b->ind) - (a->ind < b->ind);
}

/* The used slots, sorted by indicator number so output is deterministic. */
static agg_slot *agg_sorted(const sighting_agg *a)
{
	agg_slot *v = xmalloc((a->n ? a->n : 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < a->cap; i++)
		if (a->slots[i].ind)
			v[k++] = a->slots[i];
	qsort(v, k, sizeof *v, slot_cmp);
	return v;
}

static void set_time(json_t *o, const char *key, sol_time t)
{
	char buf[40];
	if (t != SOL_TIME_NONE)
		json_object_set_new(o, key, json_string(sol_time_format(t, buf, sizeof buf)));
}

/* Milliseconds are what STIX timestamps carry; versions must differ there. */
static sol_time to_ms(sol_time t)
{
	return t - t % 1000;
}

/*
 * A Sighting of ind with count/first/last, as version `modified` of the
 * object created at `created`.
 */
static json_t *sighting_make(const sighting_agg *a, const agg_slot *s, const json_t *identity,
			     sol_time created, sol_time modified, int64_t count, sol_time first,
			     sol_time last)
{
	index_indicator ind;
	index_indicator_get(a->ix, s->ind - 1, &ind);
	const char *ident = json_string_value(json_object_get(identity, "id"));
	char id[64];
	sighting_id(ident, ind.id, id);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:[s], s:s}", "type", "sighting",
			      "spec_version", "2.1", "id", id, "sighting_of_ref", ind.id, "count",
			      (json_int_t)(count > 999999999 ? 999999999 : count),
			      "where_sighted_refs", ident, "created_by_ref", ident);
	set_time(o, "created", created);
	set_time(o, "modified", modified);
	set_time(o, "first_seen", first);
	set_time(o, "last_seen", last);
	const char *marking = stix_tlp_marking_id(ind.tlp);
	if (marking)
		json_object_set_new(o, "object_marking_refs", json_pack("[s]", marking));
	return o;
}

int sighting_agg_write_bundle(const sighting_agg *a, const json_t *identity, sol_time now,
			      FILE *out, sol_err *err)
{
	now = to_ms(now);
	char uuid[37];
	sol_uuid4(uuid);
	char bundle_id[64];
	snprintf(bundle_id, sizeof bundle_id, "bundle--%s", uuid);
	json_t *objects = json_array();
	json_array_append(objects, (json_t *)identity);
	bool used[TLP_RED + 1] = {false};
	agg_slot *v = agg_sorted(a);
	for (size_t i = 0; i < a->n; i++) {
		index_indicator ind;
		index_indicator_get(a->ix, v[i].ind - 1, &ind);
		if (ind.tlp != TLP_NONE && !used[ind.tlp]) {
			used[ind.tlp] = true;
			json_array_append_new(objects, stix_tlp_marking_object(ind.tlp));
		}
		json_array_append_new(objects, sighting_make(a, &v[i], identity, now, now,
							     v[i].count, v[i].first, v[i].last));
	}
	free(v);
	json_t *bundle =
	    json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", bundle_id, "objects", objects);
	int rc = json_dumpf(bundle, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF
		     ? 0
		     : sol_fail(err, SOL_EIO, NULL, "cannot write the sighting bundle");
	json_decref(bundle);
	return rc;
}

/* The current version of a stored Sighting: its counts and times. */
struct prior {
	bool found;        /* a version exists */
	sol_time created;  /* its created */
	sol_time modified; /* its modified */
	int64_t count;     /* its count */
	sol_time first;    /* its first_seen */
	sol_time last;     /* its last_seen */
};

static sol_time json_time(const json_t *o, const char *key)
{
	sol_time t;
	const char *s = json_string_value(json_object_get(o, key));
	return s && sol_time_parse(s, &t) == 0 ? t : SOL_TIME_NONE;
}

static int prior_read(void *ctx, const store_row *row)
{
	struct prior *p = ctx;
	json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
	if (!o)
		return SOL_EINTERNAL;
	p->found = true;
	p->created = json_time(o, "created");
	p->modified = json_time(o, "modified");
	p->count = json_integer_value(json_object_get(o, "count"));
	p->first = json_time(o, "first_seen");
	p->last = json_time(o, "last_seen");
	json_decref(o);
	return 0;
}

static sol_time time_min(sol_time a, sol_time b)
{
	return a == SOL_TIME_NONE ? b : b == SOL_TIME_NONE ? a : a < b ? a : b;
}

static sol_time time_max(sol_time a, sol_time b)
{
	return a == SOL_TIME_NONE ? b : b == SOL_TIME_NONE ? a : a > b ? a : b;
}

/* Check and store one object as this node's ("local") version. */
static int store_local(store *st, json_t *o, stix_tlp tlp, store_put_result *res, sol_err *err)
{
	stix_meta meta;
	int rc = stix_object_check(o, "$", &meta, err);
	if (rc != 0)
		return rc;
	size_t len;
	char *bytes = stix_object_dump(o, &len);
	store_object so = {.meta = &meta,
			   .json = bytes,
			   .json_len = len,
			   .source = "local",
			   .tlp = meta.tlp != TLP_NONE ? meta.tlp : tlp};
	rc = store_object_put(st, &so, res, err);
	free(bytes);
	stix_meta_fini(&meta);
	return rc;
}

int sighting_agg_record(const sighting_agg *a, store *st, const json_t *identity, sol_time now,
			sighting_record_stats *stats, sol_err *err)
{
	now = to_ms(now);
	memset(stats, 0, sizeof *stats);
	int rc = store_begin(st, err);
	if (rc != 0)
		return rc;
	store_put_result res;
	rc = store_local(st, (json_t *)identity, TLP_GREEN, &res, err);
	agg_slot *v = agg_sorted(a);
	const char *ident = json_string_value(json_object_get(identity, "id"));
	for (size_t i = 0; rc == 0 && i < a->n; i++) {
		index_indicator ind;
		index_indicator_get(a->ix, v[i].ind - 1, &ind);
		char id[64];
		sighting_id(ident, ind.id, id);
		struct prior p = {0};
		rc = store_object_current(st, id, prior_read, &p, err);
		if (rc == SOL_ENOTFOUND)
			rc = 0;
		if (rc != 0)
			break;
		sol_time modified = now;
		if (p.found && p.modified != SOL_TIME_NONE && modified <= p.modified)
			modified = p.modified + 1000;
		json_t *o =
		    sighting_make(a, &v[i], identity, p.found ? p.created : modified, modified,
				  p.count + v[i].count, time_min(p.first, v[i].first),
				  time_max(p.last, v[i].last));
		rc = store_local(st, o, ind.tlp, &res, err);
		json_decref(o);
		if (rc == 0)
			p.found ? stats->updated++ : stats->created++;
	}
	free(v);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}
