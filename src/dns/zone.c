/*
 * zone.c - the RPZ zone as a sorted set of record strings, its diff, and
 * its construction from the store.
 *
 * A zone keeps every "owner TYPE rdata" string, NUL-terminated, in one
 * pool and refers to them by offset, so a million records cost a few
 * reallocations. dns_zone_finish sorts the offsets by the strings
 * (strcmp) and drops duplicates; after that, equal zones have equal
 * arrays and the difference of two zones is one merge walk. The content
 * hash is the sum of the records' hashes, so dns_zone_patch (the next
 * zone from the previous one and the records that changed, live.c) keeps
 * it without rehashing the zone.
 *
 * Triggers follow rpz.c of the export module (the same rules, so the
 * zone served and the zone file written agree): a domain atom is "name",
 * plus "*.name" when it covers subdomains; an address or CIDR is
 * "<prefix>.<address reversed>.rpz-ip", IPv4 octets reversed, IPv6 words
 * reversed in hex with the longest run of two or more zero words as "zz".
 * rpz.c only writes text, so those rules are written once more here.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"

#define DNS_NAME_MAX 254 /* presentation length of a 255-byte wire name */

struct dns_zone {
	sol_buf pool;    /* record strings, each NUL-terminated */
	size_t *off;     /* pool offset of each record; sorted once finished */
	size_t n, cap;   /* records, allocated */
	uint64_t hash;   /* dns_zone_hash, set by finish */
	bool finished;   /* read-only from now on */
	atomic_int refs; /* references */
};

dns_zone *dns_zone_new(void)
{
	dns_zone *z = xcalloc(1, sizeof *z);
	buf_init(&z->pool, SIZE_MAX);
	atomic_init(&z->refs, 1);
	return z;
}

/* Room for one more offset. */
static void zone_reserve(dns_zone *z)
{
	if (z->n == z->cap) {
		z->cap = z->cap ? z->cap * 2 : 1024;
		z->off = xrealloc(z->off, z->cap * sizeof *z->off);
	}
}

int dns_zone_add(dns_zone *z, const char *owner, const char *type, const char *rdata)
{
	size_t lo = strlen(owner), lt = strlen(type), lr = strlen(rdata);
	if (lo + lt + lr + 2 > DNS_RECORD_MAX)
		return SOL_ETOOBIG;
	zone_reserve(z);
	z->off[z->n++] = z->pool.len;
	buf_append(&z->pool, owner, lo);
	buf_append(&z->pool, " ", 1);
	buf_append(&z->pool, type, lt);
	buf_append(&z->pool, " ", 1);
	buf_append(&z->pool, rdata, lr + 1); /* with its NUL */
	return 0;
}

void dns_zone_add_record(dns_zone *z, const char *rec, size_t len)
{
	zone_reserve(z);
	z->off[z->n++] = z->pool.len;
	buf_append(&z->pool, rec, len);
	buf_append(&z->pool, "", 1);
}

static int off_cmp(const void *a, const void *b, void *pool)
{
	const char *p = pool;
	return strcmp(p + *(const size_t *)a, p + *(const size_t *)b);
}

/* A record's share of the zone hash: the hash is the sum of its records'
 * shares, so a patch updates it with the changed records alone. */
static uint64_t record_hash(const char *r)
{
	return sol_hash64(r, strlen(r));
}

/* Drop adjacent duplicates of a sorted zone, hash it and seal it. */
static void zone_seal(dns_zone *z)
{
	size_t k = 0;
	uint64_t h = 0;
	for (size_t i = 0; i < z->n; i++) {
		const char *r = z->pool.data + z->off[i];
		if (k && strcmp(z->pool.data + z->off[k - 1], r) == 0)
			continue;
		z->off[k++] = z->off[i];
		h += record_hash(r);
	}
	z->n = k;
	z->hash = h;
	z->finished = true;
}

void dns_zone_finish(dns_zone *z)
{
	if (z->n)
		qsort_r(z->off, z->n, sizeof *z->off, off_cmp, z->pool.data);
	zone_seal(z);
}

/* The merge writes into a pool sized once (old's bytes plus added's bound
 * it) with plain copies, and keeps the hash up to date record by record:
 * at a million records this walk is the whole cost of a refresh. */
dns_zone *dns_zone_patch(const dns_zone *old, const dns_zone *removed, const dns_zone *added)
{
	dns_zone *z = dns_zone_new();
	z->cap = old->n + added->n + 1;
	z->off = xmalloc(z->cap * sizeof *z->off);
	z->pool.cap = old->pool.len + added->pool.len + 1;
	z->pool.data = xmalloc(z->pool.cap);
	uint64_t h = old->hash;
	size_t i = 0, j = 0, k = 0, used = 0;
	while (i < old->n || k < added->n) {
		const char *a = i < old->n ? dns_zone_record(old, i) : NULL;
		const char *b = k < added->n ? dns_zone_record(added, k) : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a, b);
		const char *r = cmp <= 0 ? a : b;
		i += cmp <= 0;
		k += cmp >= 0;
		if (cmp > 0) {
			h += record_hash(r);
		} else if (cmp < 0) {
			int gone = 1;
			while (j < removed->n &&
			       (gone = strcmp(dns_zone_record(removed, j), r)) < 0)
				j++;
			if (gone == 0) {
				h -= record_hash(r);
				continue;
			}
		}
		size_t len = strlen(r) + 1;
		z->off[z->n++] = used;
		memcpy(z->pool.data + used, r, len);
		used += len;
	}
	z->pool.len = used;
	z->hash = h;
	z->finished = true;
	return z;
}

size_t dns_zone_count(const dns_zone *z)
{
	return z->n;
}

const char *dns_zone_record(const dns_zone *z, size_t i)
{
	return z->pool.data + z->off[i];
}

bool dns_zone_has(const dns_zone *z, const char *rec)
{
	size_t lo = 0, hi = z->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(dns_zone_record(z, mid), rec);
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

uint64_t dns_zone_hash(const dns_zone *z)
{
	return z->hash;
}

dns_zone *dns_zone_ref(dns_zone *z)
{
	atomic_fetch_add(&z->refs, 1);
	return z;
}

void dns_zone_unref(dns_zone *z)
{
	if (!z || atomic_fetch_sub(&z->refs, 1) != 1)
		return;
	buf_fini(&z->pool);
	free(z->off);
	free(z);
}

/* ---- diff -------------------------------------------------------------- */

dns_change *dns_change_new(uint32_t from, uint32_t to)
{
	dns_change *c = xcalloc(1, sizeof *c);
	c->from = from;
	c->to = to;
	c->removed = dns_zone_new();
	c->added = dns_zone_new();
	c->refs = 1;
	return c;
}

dns_change *dns_change_diff(const dns_zone *old, const dns_zone *new, uint32_t from, uint32_t to)
{
	dns_change *c = dns_change_new(from, to);
	size_t i = 0, j = 0;
	while (i < old->n || j < new->n) {
		const char *a = i < old->n ? dns_zone_record(old, i) : NULL;
		const char *b = j < new->n ? dns_zone_record(new, j) : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a, b);
		if (cmp == 0) {
			i++;
			j++;
			continue;
		}
		dns_zone *side = cmp < 0 ? c->removed : c->added;
		const char *r = cmp < 0 ? a : b;
		if (side->n == side->cap) {
			side->cap = side->cap ? side->cap * 2 : 64;
			side->off = xrealloc(side->off, side->cap * sizeof *side->off);
		}
		side->off[side->n++] = side->pool.len;
		buf_append(&side->pool, r, strlen(r) + 1);
		*(cmp < 0 ? &i : &j) += 1;
	}
	dns_zone_finish(c->removed); /* already in order: the sort is a check */
	dns_zone_finish(c->added);
	return c;
}

dns_change *dns_change_ref(dns_change *c)
{
	__atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void dns_change_unref(dns_change *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	dns_zone_unref(c->removed);
	dns_zone_unref(c->added);
	free(c);
}

/* ---- building from the store ------------------------------------------ */

void dns_zone_opts_init(dns_zone_opts *o)
{
	memset(o, 0, sizeof *o);
	index_lifetimes_init(&o->select.lifetimes);
	o->select.now = sol_time_now();
	o->tlp_max = TLP_RED;
	o->policy = RPZ_NXDOMAIN;
}

static const char *policy_target(const dns_zone_opts *o)
{
	switch (o->policy) {
	case RPZ_NXDOMAIN: return ".";
	case RPZ_NODATA: return "*.";
	case RPZ_DROP: return "rpz-drop.";
	case RPZ_PASSTHRU: return "rpz-passthru.";
	case RPZ_REDIRECT: return o->redirect ? o->redirect : ".";
	}
	return ".";
}

/* "<prefix>.<reversed address>.rpz-ip" of v into out (>= 64 bytes). */
static void rpz_ip_owner(const obs_value *v, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "%u", v->prefix);
	if (v->kind == OBS_IPV4 || v->kind == OBS_CIDR4) {
		for (int i = 3; i >= 0; i--)
			n += (size_t)snprintf(out + n, size - n, ".%u", v->addr[i]);
	} else {
		unsigned w[8];
		int run = -1, run_len = 1;
		for (int i = 0; i < 8; i++)
			w[i] = (unsigned)v->addr[2 * i] << 8 | v->addr[2 * i + 1];
		for (int i = 0; i < 8; i++) { /* longest zero run, first on ties */
			int j = i;
			while (j < 8 && w[j] == 0)
				j++;
			if (j - i > run_len) {
				run = i;
				run_len = j - i;
			}
		}
		for (int i = 7; i >= 0; i--) {
			if (run >= 0 && i >= run && i < run + run_len) {
				if (i == run)
					n += (size_t)snprintf(out + n, size - n, ".zz");
				continue;
			}
			n += (size_t)snprintf(out + n, size - n, ".%x", w[i]);
		}
	}
	snprintf(out + n, size - n, ".rpz-ip");
}

size_t dns_triggers(const dns_zone_opts *o, size_t origin_len, const index_selected *sel,
		    char out[DNS_TRIGGERS_MAX][DNS_RECORD_MAX])
{
	const obs_value *v = sel->value;
	const char *target = policy_target(o);
	char owner[DNS_NAME_MAX + 2];
	if (sel->ind->tlp > o->tlp_max)
		return 0;
	switch (v->kind) {
	case OBS_DOMAIN: {
		bool wild = sel->atom->subdomains;
		if (v->len + 1 + origin_len + (wild ? 2 : 0) > DNS_NAME_MAX)
			return 0;
		snprintf(out[0], DNS_RECORD_MAX, "%s CNAME %s", v->norm, target);
		if (!wild)
			return 1;
		snprintf(out[1], DNS_RECORD_MAX, "*.%s CNAME %s", v->norm, target);
		return 2;
	}
	case OBS_IPV4:
	case OBS_IPV6:
	case OBS_CIDR4:
	case OBS_CIDR6:
		rpz_ip_owner(v, owner, sizeof owner);
		snprintf(out[0], DNS_RECORD_MAX, "%s CNAME %s", owner, target);
		return 1;
	default: return 0; /* URLs, emails, hashes: DNS cannot see them */
	}
}

struct build {
	dns_zone *z;            /* zone being filled */
	const dns_zone_opts *o; /* options */
	size_t origin_len;      /* strlen(origin), with its dot */
};

static int build_atom(void *ctx, const index_selected *sel)
{
	struct build *b = ctx;
	char rec[DNS_TRIGGERS_MAX][DNS_RECORD_MAX];
	size_t n = dns_triggers(b->o, b->origin_len, sel, rec);
	for (size_t i = 0; i < n; i++)
		dns_zone_add_record(b->z, rec[i], strlen(rec[i]));
	return 0;
}

int dns_zone_build(store *st, const char *origin, const dns_zone_opts *o, dns_zone **out,
		   sol_err *err)
{
	struct build b = {dns_zone_new(), o, strlen(origin)};
	index_compile_stats stats;
	int rc = index_select(st, &o->select, build_atom, &b, NULL, NULL, &stats, err);
	if (rc) {
		dns_zone_unref(b.z);
		return rc;
	}
	dns_zone_finish(b.z);
	*out = b.z;
	return 0;
}
