/*
 * build.c - index_builder: collect indicators and their atoms, then write
 * one snapshot file (layout in format.h) atomically.
 *
 * Adding an atom parses it back with obs_parse to check it is a normal
 * form and turns it into a key (class + bytes, see format.h): a
 * power-of-two hash map of key numbers finds keys seen before, so a value
 * shared by many indicators is kept once. Each (key, indicator) pair is
 * remembered in arrival order.
 *
 * Writing is a few linear passes and one radix sort: a counting sort
 * groups the pairs by key into sorted runs; an indicator's exact-domain
 * atom folds into its "and below" atom of the same name (IX_EXACT), so
 * list domains, which carry both, cost one key; the live keys are sorted
 * by tag and placed in tag order at 85% load; the key records are laid
 * out in slot order, so a probe and its record are near each other; and
 * the sections stream to "<path>.tmp.<pid>" while each 1 KiB block's
 * XXH3 is collected for SUMS. The header checksum is patched in before
 * fsync and rename. Memory is about 50 bytes per atom plus the keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "index/format.h"

typedef struct bkey {
	uint64_t hash;  /* XXH3 of the key bytes, seeded with seed + class */
	uint32_t off;   /* offset of the key bytes in the arena */
	uint32_t len;   /* key bytes (binary key or text) */
	uint32_t count; /* pairs of this key */
	uint32_t last;  /* last indicator added + 1, to drop repeats */
	uint8_t cls;    /* key class */
} bkey;

typedef struct bpair {
	uint32_t key; /* key number */
	uint32_t ind; /* indicator number */
} bpair;

struct index_builder {
	uint64_t seed;                             /* hash seed of the file */
	ix_indicator *inds;                        /* indicator records */
	uint32_t ninds, capinds;                   /* used, allocated */
	sol_buf strings;                           /* STRINGS section */
	uint32_t *sources;                         /* STRINGS offset per source number */
	uint32_t nsources;                         /* sources */
	uint32_t srcmap[2 * (IX_MAX_SOURCES + 1)]; /* source number + 1 by name hash; 0 empty */
	sol_buf arena;                             /* key bytes, back to back */
	bkey *keys;                                /* distinct keys */
	uint32_t nkeys, capkeys;                   /* used, allocated */
	uint32_t *map;                             /* key number + 1 by hash; 0 empty */
	uint32_t mapmask;                          /* map size - 1 */
	bpair *pairs;                              /* (key, indicator) in arrival order */
	size_t npairs, cappairs;                   /* used, allocated */
	uint8_t prefixes[IX_PREFIXES_SIZE];        /* PREFIXES bitmap */
	const char *overflow;                      /* first cap exceeded, reported by _write */
	obs_value v;                               /* scratch for parsing atoms */
};

#define SRCMAP_SIZE (2 * (IX_MAX_SOURCES + 1))

index_builder *index_builder_new(void)
{
	index_builder *b = xcalloc(1, sizeof *b);
	if (getentropy(&b->seed, sizeof b->seed) != 0)
		b->seed = (uint64_t)sol_time_now() ^ (uint64_t)getpid() << 32;
	buf_init(&b->strings, IX_MAX_SECTION);
	buf_init(&b->arena, IX_MAX_SECTION);
	buf_append(&b->strings, "", 1); /* offset 0 is the empty string */
	b->mapmask = 1023;
	b->map = xcalloc(b->mapmask + 1, sizeof *b->map);
	return b;
}

void index_builder_free(index_builder *b)
{
	if (!b)
		return;
	free(b->inds);
	free(b->sources);
	buf_fini(&b->strings);
	buf_fini(&b->arena);
	free(b->keys);
	free(b->map);
	free(b->pairs);
	free(b);
}

/* Append s and its NUL to STRINGS; returns its offset, or 0 when full. */
static uint32_t add_string(index_builder *b, const char *s)
{
	size_t off = b->strings.len;
	if (buf_append(&b->strings, s, strlen(s) + 1) != 0) {
		b->overflow = "the string table is over 4 GiB";
		return 0;
	}
	return (uint32_t)off;
}

static uint16_t source_number(index_builder *b, const char *name)
{
	uint32_t i = (uint32_t)sol_hash64(name, strlen(name)) % SRCMAP_SIZE;
	for (; b->srcmap[i]; i = (i + 1) % SRCMAP_SIZE) {
		uint32_t s = b->srcmap[i] - 1;
		if (strcmp(b->strings.data + b->sources[s], name) == 0)
			return (uint16_t)s;
	}
	if (b->nsources == IX_MAX_SOURCES) {
		b->overflow = "more than 32767 sources";
		return 0;
	}
	b->sources = xrealloc(b->sources, (b->nsources + 1) * sizeof *b->sources);
	b->sources[b->nsources] = add_string(b, name);
	b->srcmap[i] = ++b->nsources;
	return (uint16_t)(b->nsources - 1);
}

/* "indicator--<lowercase uuid>" into 16 bytes; false for any other id. */
static bool id_to_uuid(const char *id, uint8_t out[16])
{
	static const char prefix[] = "indicator--";
	size_t n = strlen(id);
	if (n != sizeof prefix - 1 + 36 || memcmp(id, prefix, sizeof prefix - 1) != 0)
		return false;
	const char *u = id + sizeof prefix - 1;
	if (!sol_uuid_valid(u, 36))
		return false;
	char hex[32];
	size_t k = 0;
	for (size_t i = 0; i < 36; i++) {
		if (u[i] == '-')
			continue;
		if (u[i] >= 'A' && u[i] <= 'F')
			return false; /* would not round-trip */
		hex[k++] = u[i];
	}
	return ix_unhex(hex, 16, out) == 0;
}

uint32_t index_builder_indicator(index_builder *b, const char *id, const char *source, stix_tlp tlp,
				 int confidence, sol_time valid_until)
{
	if (b->ninds == IX_MAX_INDICATORS) {
		b->overflow = "more than 2^30 - 1 indicators";
		return b->ninds - 1;
	}
	if (b->ninds == b->capinds) {
		b->capinds = b->capinds ? b->capinds * 2 : 1024;
		b->inds = xrealloc(b->inds, b->capinds * sizeof *b->inds);
	}
	ix_indicator *r = &b->inds[b->ninds];
	memset(r, 0, sizeof *r);
	r->source = source_number(b, source);
	if (!id_to_uuid(id, r->id)) {
		uint32_t off = add_string(b, id);
		memcpy(r->id, &off, sizeof off);
		r->source |= IX_ID_TEXT;
	}
	r->tlp = (uint8_t)tlp;
	r->confidence = (int8_t)(confidence >= 0 && confidence <= 100 ? confidence : -1);
	memcpy(r->valid_until, &valid_until, sizeof valid_until);
	return b->ninds++;
}

/* Class and binary key of a parsed atom; *keylen 0 means the text is the key. */
static unsigned atom_key(const obs_value *v, bool subdomains, uint8_t key[64], uint32_t *keylen)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	*keylen = 0;
	switch (v->kind) {
	case OBS_IPV6:
	case OBS_CIDR6:
		if (v->prefix >= 96 && memcmp(v->addr, mapped, 12) == 0) {
			memcpy(key, v->addr + 12, 4); /* looked up as the IPv4 address */
			*keylen = 4;
			return IX_CLASS_V4 + v->prefix - 96u;
		}
		memcpy(key, v->addr, 16);
		*keylen = 16;
		return IX_CLASS_V6 + v->prefix;
	case OBS_IPV4:
	case OBS_CIDR4:
		memcpy(key, v->addr, 4);
		*keylen = 4;
		return IX_CLASS_V4 + v->prefix;
	case OBS_DOMAIN: return subdomains ? IX_CLASS_SUBDOMAINS : IX_CLASS_DOMAIN;
	case OBS_URL: return IX_CLASS_URL;
	case OBS_EMAIL: return IX_CLASS_EMAIL;
	case OBS_MD5:
	case OBS_SHA1:
	case OBS_SHA256:
	case OBS_SHA512: {
		unsigned c = v->kind == OBS_MD5      ? IX_CLASS_MD5
			     : v->kind == OBS_SHA1   ? IX_CLASS_SHA1
			     : v->kind == OBS_SHA256 ? IX_CLASS_SHA256
						     : IX_CLASS_SHA512;
		*keylen = ix_class_keylen(c);
		ix_unhex(v->norm, *keylen, key);
		return c;
	}
	default: return 0;
	}
}

static void map_grow(index_builder *b)
{
	uint32_t size = (b->mapmask + 1) * 2;
	uint32_t *map = xcalloc(size, sizeof *map);
	for (uint32_t k = 0; k < b->nkeys; k++) {
		uint32_t i = (uint32_t)b->keys[k].hash & (size - 1);
		while (map[i])
			i = (i + 1) & (size - 1);
		map[i] = k + 1;
	}
	free(b->map);
	b->map = map;
	b->mapmask = size - 1;
}

/* The map entry of (cls, key[0..len)): its key number + 1, or the empty
 * entry where it would go (0). *h gets the key's hash. */
static uint32_t *key_entry(const index_builder *b, unsigned cls, const void *key, uint32_t len,
			   uint64_t *h)
{
	*h = XXH3_64bits_withSeed(key, len, b->seed + cls);
	uint32_t i = (uint32_t)*h & b->mapmask;
	for (; b->map[i]; i = (i + 1) & b->mapmask) {
		const bkey *k = &b->keys[b->map[i] - 1];
		if (k->hash == *h && k->cls == cls && k->len == len &&
		    memcmp(b->arena.data + k->off, key, len) == 0)
			break;
	}
	return &b->map[i];
}

/* Key number of (cls, key[0..len)), adding it when new; -1 if full. */
static int64_t key_number(index_builder *b, unsigned cls, const void *key, uint32_t len)
{
	uint64_t h;
	uint32_t *e = key_entry(b, cls, key, len, &h);
	if (*e)
		return *e - 1;
	size_t off = b->arena.len;
	if (b->nkeys == IX_MAX_INDICATORS || buf_append(&b->arena, key, len) != 0)
		return -1;
	if (b->nkeys == b->capkeys) {
		b->capkeys = b->capkeys ? b->capkeys * 2 : 1024;
		b->keys = xrealloc(b->keys, b->capkeys * sizeof *b->keys);
	}
	b->keys[b->nkeys] =
	    (bkey){.hash = h, .off = (uint32_t)off, .len = len, .cls = (uint8_t)cls};
	*e = ++b->nkeys;
	if (b->nkeys > (b->mapmask + 1) / 2)
		map_grow(b);
	return b->nkeys - 1;
}

/* Key number of (cls, key[0..len)) if present, else -1. */
static int64_t key_find(const index_builder *b, unsigned cls, const void *key, uint32_t len)
{
	uint64_t h;
	const uint32_t *e = key_entry(b, cls, key, len, &h);
	return *e ? (int64_t)*e - 1 : -1;
}

int index_builder_atom(index_builder *b, uint32_t ind, obs_kind kind, bool subdomains,
		       const char *value)
{
	size_t n = strlen(value);
	if (ind >= b->ninds || obs_parse(value, n, kind, &b->v) != 0 || b->v.kind != kind ||
	    b->v.len != n || memcmp(b->v.norm, value, n) != 0)
		return SOL_EINVALID;
	uint8_t key[64];
	uint32_t keylen;
	unsigned cls = atom_key(&b->v, subdomains && kind == OBS_DOMAIN, key, &keylen);
	if (cls == 0)
		return SOL_EINVALID;
	int64_t k =
	    keylen ? key_number(b, cls, key, keylen) : key_number(b, cls, value, (uint32_t)n);
	if (k < 0) {
		b->overflow = "the keys are over 4 GiB";
		return SOL_ETOOBIG;
	}
	if (cls < IX_CLASS_DOMAIN) {
		unsigned bit = cls < IX_CLASS_V6 ? cls - IX_CLASS_V4 : 64 + cls - IX_CLASS_V6;
		b->prefixes[bit / 8] |= (uint8_t)(1u << bit % 8);
	}
	bkey *bk = &b->keys[k];
	if (bk->last == ind + 1)
		return 0;
	bk->last = ind + 1;
	bk->count++;
	if (b->npairs == b->cappairs) {
		b->cappairs = b->cappairs ? b->cappairs * 2 : 1024;
		b->pairs = xrealloc(b->pairs, b->cappairs * sizeof *b->pairs);
	}
	b->pairs[b->npairs++] = (bpair){.key = (uint32_t)k, .ind = ind};
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Each key's indicators, sorted and unique: run k is inds[start[k] ..
 * start[k] + len[k]). */
typedef struct runs {
	uint32_t *inds; /* all runs, back to back */
	size_t *start;  /* per key */
	uint32_t *len;  /* per key; 0 once folded away */
} runs;

static void runs_build(const index_builder *b, runs *r)
{
	r->start = xmalloc(((size_t)b->nkeys + 1) * sizeof *r->start);
	r->len = xcalloc((size_t)b->nkeys + 1, sizeof *r->len);
	size_t total = 0;
	for (uint32_t k = 0; k < b->nkeys; k++) {
		r->start[k] = total;
		total += b->keys[k].count;
	}
	r->inds = xmalloc((total ? total : 1) * sizeof *r->inds);
	for (size_t i = 0; i < b->npairs; i++) {
		uint32_t k = b->pairs[i].key;
		r->inds[r->start[k] + r->len[k]++] = b->pairs[i].ind;
	}
	for (uint32_t k = 0; k < b->nkeys; k++) {
		uint32_t *run = r->inds + r->start[k], m = 0;
		qsort(run, r->len[k], sizeof *run, cmp_u32);
		for (uint32_t i = 0; i < r->len[k]; i++)
			if (m == 0 || run[i] != run[m - 1])
				run[m++] = run[i];
		r->len[k] = m;
	}
}

/*
 * Fold exact-domain atoms into the "and below" atom of the same name and
 * indicator: the indicator leaves the exact key's run and is flagged
 * IX_EXACT in the other's. Both runs are sorted, so one merge pass each.
 */
static void runs_fold_exact(const index_builder *b, runs *r)
{
	for (uint32_t k = 0; k < b->nkeys; k++) {
		const bkey *bk = &b->keys[k];
		if (bk->cls != IX_CLASS_DOMAIN)
			continue;
		int64_t sub = key_find(b, IX_CLASS_SUBDOMAINS, b->arena.data + bk->off, bk->len);
		if (sub < 0)
			continue;
		uint32_t *ex = r->inds + r->start[k], *sb = r->inds + r->start[sub];
		uint32_t i = 0, j = 0, keep = 0;
		while (i < r->len[k]) {
			while (j < r->len[sub] && (sb[j] & IX_IND_MASK) < ex[i])
				j++;
			if (j < r->len[sub] && (sb[j] & IX_IND_MASK) == ex[i])
				sb[j] |= IX_EXACT;
			else
				ex[keep++] = ex[i];
			i++;
		}
		r->len[k] = keep;
	}
}

static void runs_free(runs *r)
{
	free(r->inds);
	free(r->start);
	free(r->len);
}

/* Sort v[0..n) by the high 32 bits (LSD radix, stable): tag << 32 | key. */
static void sort_by_tag(uint64_t *v, size_t n)
{
	uint64_t *tmp = xmalloc((n ? n : 1) * sizeof *tmp);
	for (int shift = 32; shift < 64; shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[(v[i] >> shift & 0xff) + 1]++;
		for (int d = 0; d < 256; d++)
			count[d + 1] += count[d];
		for (size_t i = 0; i < n; i++)
			tmp[count[v[i] >> shift & 0xff]++] = v[i];
		memcpy(v, tmp, n * sizeof *v);
	}
	free(tmp);
}

/* The sections built from the keys: SLOTS, POSTINGS and KEYS. */
typedef struct table {
	ix_slot *slots;  /* the table */
	uint32_t base;   /* home slots */
	uint32_t nslots; /* base + tail */
	uint32_t nkeys;  /* live keys */
	sol_buf post;    /* POSTINGS */
	sol_buf recs;    /* KEYS */
} table;

/* Append key k's record (class, postings word, key bytes, NUL for text)
 * to t->recs; its run goes to POSTINGS when it has several indicators. */
static int table_record(const index_builder *b, const runs *r, uint32_t k, table *t, uint32_t *off)
{
	const bkey *bk = &b->keys[k];
	const uint32_t *run = r->inds + r->start[k];
	uint32_t word = IX_INLINE | run[0];
	if (r->len[k] > 1) {
		if (t->post.len / 4 >= IX_INLINE)
			return -1;
		word = (uint32_t)(t->post.len / 4);
		if (buf_append(&t->post, &r->len[k], 4) != 0 ||
		    buf_append(&t->post, run, (size_t)r->len[k] * 4) != 0)
			return -1;
	}
	uint8_t head[IX_REC_HEAD] = {bk->cls};
	memcpy(head + 1, &word, 4);
	*off = (uint32_t)t->recs.len;
	bool text = ix_class_keylen(bk->cls) == 0;
	if (buf_append(&t->recs, head, sizeof head) != 0 ||
	    buf_append(&t->recs, b->arena.data + bk->off, bk->len) != 0 ||
	    (text && buf_append(&t->recs, "", 1) != 0))
		return -1;
	return 0;
}

/* Place the live keys in tag order and lay out their records. */
static int table_build(const index_builder *b, const runs *r, table *t)
{
	memset(t, 0, sizeof *t);
	buf_init(&t->post, IX_MAX_SECTION);
	buf_init(&t->recs, IX_MAX_SECTION);
	uint64_t *order = xmalloc(((size_t)b->nkeys + 1) * sizeof *order);
	for (uint32_t k = 0; k < b->nkeys; k++)
		if (r->len[k] > 0)
			order[t->nkeys++] = (uint64_t)ix_tag(b->keys[k].hash) << 32 | k;
	sort_by_tag(order, t->nkeys);
	uint64_t base = (uint64_t)t->nkeys * 100 / IX_LOAD_PERCENT + 1;
	if (base * sizeof(ix_slot) * 2 > IX_MAX_SECTION) {
		free(order);
		return -1;
	}
	t->base = (uint32_t)base;
	uint32_t *pos = xmalloc(((size_t)t->nkeys + 1) * sizeof *pos);
	uint32_t next = 0;
	for (uint32_t i = 0; i < t->nkeys; i++) {
		uint32_t home = ix_home((uint32_t)(order[i] >> 32), t->base);
		pos[i] = home > next ? home : next;
		next = pos[i] + 1;
	}
	t->nslots = next > t->base ? next : t->base;
	t->slots = xcalloc(t->nslots, sizeof *t->slots);
	int rc = 0;
	for (uint32_t i = 0; i < t->nkeys && rc == 0; i++) {
		uint32_t k = (uint32_t)order[i], off = 0;
		rc = table_record(b, r, k, t, &off);
		t->slots[pos[i]] = (ix_slot){.tag = (uint32_t)(order[i] >> 32), .key = off};
	}
	if (rc == 0 && buf_append(&t->recs, "", 1) != 0) /* KEYS ends in a NUL */
		rc = -1;
	free(pos);
	free(order);
	return rc;
}

static void table_free(table *t)
{
	free(t->slots);
	buf_fini(&t->post);
	buf_fini(&t->recs);
}

typedef struct writer {
	FILE *f;             /* the temporary file */
	XXH3_state_t *block; /* checksum of the block being written */
	uint32_t fill;       /* bytes of that block written */
	sol_buf sums;        /* SUMS, one u64 per finished block */
	uint64_t off;        /* bytes written */
	bool failed;         /* a write failed */
} writer;

static void w_block_end(writer *w)
{
	uint64_t sum = XXH3_64bits_digest(w->block);
	if (buf_append(&w->sums, &sum, sizeof sum) != 0)
		w->failed = true;
	XXH3_64bits_reset(w->block);
	w->fill = 0;
}

static void w_bytes(writer *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		w->failed = true;
	w->off += n;
	for (const uint8_t *q = p; n > 0;) {
		size_t take = IX_BLOCK - w->fill < n ? IX_BLOCK - w->fill : n;
		XXH3_64bits_update(w->block, q, take);
		w->fill += (uint32_t)take;
		q += take;
		n -= take;
		if (w->fill == IX_BLOCK)
			w_block_end(w);
	}
}

static void w_align(writer *w)
{
	static const uint8_t zero[IX_ALIGN];
	w_bytes(w, zero, (IX_ALIGN - w->off % IX_ALIGN) % IX_ALIGN);
}

/* Write one section, 8-byte aligned, and record it in the header. */
static void w_section(writer *w, ix_header *h, int sec, const void *p, size_t n)
{
	w_align(w);
	h->sec[sec].off = (uint32_t)w->off;
	h->sec[sec].size = (uint32_t)n;
	w_bytes(w, p, n);
}

/* fsync the directory holding path so the rename is durable. */
static void sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* Finish the data blocks, append SUMS and patch the header in. */
static void w_finish(writer *w, ix_header *h)
{
	w_align(w);
	if (w->fill > 0)
		w_block_end(w);
	h->sec[IX_SEC_SUMS].off = (uint32_t)w->off;
	h->sec[IX_SEC_SUMS].size = (uint32_t)w->sums.len;
	if (w->sums.len && fwrite(w->sums.data, 1, w->sums.len, w->f) != w->sums.len)
		w->failed = true;
	w->off += w->sums.len;
	h->size = w->off;
	XXH3_state_t *st = XXH3_createState();
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, h, IX_HEADER_SUMMED);
	XXH3_64bits_update(st, w->sums.len ? w->sums.data : "", w->sums.len);
	h->checksum = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof *h, w->f) != sizeof *h)
		w->failed = true;
}

static int write_file(const index_builder *b, const char *path, ix_header *h, const table *t,
		      sol_err *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	writer w = {.f = fopen(tmp, "wb"), .block = XXH3_createState()};
	if (!w.f || !w.block) {
		int e = errno;
		if (w.f)
			fclose(w.f);
		XXH3_freeState(w.block);
		sol_fail(err, SOL_EIO, tmp, "cannot create the snapshot: %s", strerror(e));
		free(tmp);
		return SOL_EIO;
	}
	XXH3_64bits_reset(w.block);
	buf_init(&w.sums, IX_MAX_SECTION);
	static const uint8_t blank[IX_HEADER_SIZE];
	if (fwrite(blank, 1, sizeof blank, w.f) != sizeof blank)
		w.failed = true;
	w.off = IX_HEADER_SIZE;
	w_section(&w, h, IX_SEC_INDICATORS, b->inds, (size_t)b->ninds * sizeof *b->inds);
	w_section(&w, h, IX_SEC_SOURCES, b->sources, (size_t)b->nsources * sizeof *b->sources);
	w_section(&w, h, IX_SEC_STRINGS, b->strings.data, b->strings.len);
	w_section(&w, h, IX_SEC_PREFIXES, b->prefixes, sizeof b->prefixes);
	w_section(&w, h, IX_SEC_SLOTS, t->slots, (size_t)t->nslots * sizeof *t->slots);
	w_section(&w, h, IX_SEC_POSTINGS, t->post.data, t->post.len);
	w_section(&w, h, IX_SEC_KEYS, t->recs.data, t->recs.len);
	w_finish(&w, h);
	XXH3_freeState(w.block);
	buf_fini(&w.sums);
	if (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0)
		w.failed = true;
	int e = errno;
	if (fclose(w.f) != 0)
		w.failed = true;
	if (!w.failed && rename(tmp, path) != 0) {
		e = errno;
		w.failed = true;
	}
	if (w.failed) {
		unlink(tmp);
		sol_fail(err, SOL_EIO, path, "cannot write the snapshot: %s", strerror(e));
		free(tmp);
		return SOL_EIO;
	}
	sync_dir(path);
	free(tmp);
	return 0;
}

int index_builder_write(index_builder *b, const char *path, sol_err *err)
{
	if (b->overflow)
		return sol_fail(err, SOL_ETOOBIG, path, "index too big: %s", b->overflow);
	if ((uint64_t)b->ninds * sizeof(ix_indicator) > IX_MAX_SECTION)
		return sol_fail(err, SOL_ETOOBIG, path, "index too big: %u indicators", b->ninds);
	runs r;
	runs_build(b, &r);
	runs_fold_exact(b, &r);
	table t;
	int rc = table_build(b, &r, &t);
	runs_free(&r);
	uint64_t total = IX_HEADER_SIZE + IX_SEC_COUNT * IX_ALIGN + (uint64_t)b->ninds * 28 +
			 b->nsources * 4u + b->strings.len + IX_PREFIXES_SIZE +
			 (uint64_t)t.nslots * sizeof(ix_slot) + t.post.len + t.recs.len;
	if (rc != 0 || total + total / IX_BLOCK * 8 + 8 > IX_MAX_SECTION) {
		table_free(&t);
		return sol_fail(err, SOL_ETOOBIG, path, "index too big: over 4 GiB");
	}
	ix_header h = {
	    .version = IX_VERSION,
	    .base = t.base,
	    .created = sol_time_now(),
	    .seed = b->seed,
	    .indicators = b->ninds,
	    .keys = t.nkeys,
	    .slots = t.nslots,
	    .sources = b->nsources,
	};
	memcpy(h.magic, IX_MAGIC, sizeof h.magic);
	rc = write_file(b, path, &h, &t, err);
	table_free(&t);
	return rc;
}
