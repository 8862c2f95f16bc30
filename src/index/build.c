/*
 * build.c - index_builder: collect indicators and their atoms, then write
 * one snapshot file (layout in format.h) atomically.
 *
 * Adding an atom parses it back with obs_parse to check it is a normal
 * form, turns it into a key (class + bytes, see format.h) and appends the
 * key record to the KEYS pool unless the same key was seen before: a
 * power-of-two hash map of key numbers finds duplicates, so a value
 * shared by many indicators is stored once. Each (key, indicator) pair is
 * remembered in arrival order.
 *
 * Writing is linear in the atoms: a counting sort groups the pairs by key
 * into postings runs (a key with one indicator keeps it inline in its
 * slot), every key is placed in a table of keys / 0.7 slots by linear
 * probing, and the sections stream to "<path>.tmp.<pid>" under an XXH3
 * checksum that is patched into the header before fsync and rename.
 * Memory is about 60 bytes per atom plus the value bytes.
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
	uint32_t rec;   /* offset of the key record in the pool */
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
	sol_buf pool;                              /* KEYS section */
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
	buf_init(&b->pool, IX_MAX_SECTION);
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
	buf_fini(&b->pool);
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
		b->overflow = "more than 2^31 - 1 indicators";
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

/* Key number of (cls, key[0..len)), adding it with text when new; -1 if full. */
static int64_t key_number(index_builder *b, unsigned cls, const void *key, uint32_t len,
			  const char *text, size_t textlen, bool binary)
{
	uint64_t h = XXH3_64bits_withSeed(key, len, b->seed + cls);
	uint32_t i = (uint32_t)h & b->mapmask;
	for (; b->map[i]; i = (i + 1) & b->mapmask) {
		const bkey *k = &b->keys[b->map[i] - 1];
		if (k->hash == h && k->cls == cls && k->len == len &&
		    memcmp(b->pool.data + k->rec, key, len) == 0)
			return b->map[i] - 1;
	}
	size_t rec = b->pool.len;
	if ((binary && buf_append(&b->pool, key, len) != 0) ||
	    buf_append(&b->pool, text, textlen + 1) != 0 || b->nkeys == IX_MAX_INDICATORS) {
		b->pool.len = rec;
		return -1;
	}
	if (b->nkeys == b->capkeys) {
		b->capkeys = b->capkeys ? b->capkeys * 2 : 1024;
		b->keys = xrealloc(b->keys, b->capkeys * sizeof *b->keys);
	}
	b->keys[b->nkeys] =
	    (bkey){.hash = h, .rec = (uint32_t)rec, .len = len, .cls = (uint8_t)cls};
	b->map[i] = ++b->nkeys;
	if (b->nkeys > (b->mapmask + 1) / 2)
		map_grow(b);
	return b->nkeys - 1;
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
	int64_t k = keylen ? key_number(b, cls, key, keylen, value, n, true)
			   : key_number(b, cls, value, (uint32_t)n, value, n, false);
	if (k < 0) {
		b->overflow = "the key pool is over 4 GiB";
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

/*
 * Group the pairs by key into POSTINGS runs and give each key its slot
 * word: IX_INLINE | indicator for one, else the run's offset. Returns the
 * POSTINGS array (*npost u32s); post[k] is key k's slot word.
 */
static uint32_t *build_postings(index_builder *b, uint32_t *post, size_t *npost)
{
	size_t *start = xmalloc((b->nkeys + 1) * sizeof *start);
	size_t total = 0;
	for (uint32_t k = 0; k < b->nkeys; k++) {
		start[k] = total;
		total += b->keys[k].count;
	}
	start[b->nkeys] = total;
	uint32_t *inds = xmalloc((total ? total : 1) * sizeof *inds);
	size_t *fill = xmalloc((b->nkeys + 1) * sizeof *fill);
	memcpy(fill, start, (b->nkeys + 1) * sizeof *fill);
	for (size_t i = 0; i < b->npairs; i++)
		inds[fill[b->pairs[i].key]++] = b->pairs[i].ind;
	free(fill);

	uint32_t *runs = xmalloc((total + b->nkeys + 1) * sizeof *runs);
	size_t nruns = 0;
	for (uint32_t k = 0; k < b->nkeys; k++) {
		uint32_t *run = inds + start[k];
		size_t n = start[k + 1] - start[k], m = 0;
		qsort(run, n, sizeof *run, cmp_u32);
		for (size_t i = 0; i < n; i++)
			if (m == 0 || run[i] != run[m - 1])
				run[m++] = run[i];
		if (m == 1) {
			post[k] = IX_INLINE | run[0];
			continue;
		}
		post[k] = (uint32_t)nruns;
		runs[nruns++] = (uint32_t)m;
		memcpy(runs + nruns, run, m * sizeof *run);
		nruns += m;
	}
	free(inds);
	free(start);
	*npost = nruns;
	return runs;
}

typedef struct writer {
	FILE *f;           /* the temporary file */
	XXH3_state_t *sum; /* checksum of everything after the header */
	uint64_t off;      /* bytes written */
	bool failed;       /* a write failed */
} writer;

static void w_bytes(writer *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		w->failed = true;
	XXH3_64bits_update(w->sum, p, n);
	w->off += n;
}

/* Write one section, 8-byte aligned, and record it in the header. */
static void w_section(writer *w, ix_header *h, int sec, const void *p, size_t n)
{
	static const uint8_t zero[IX_ALIGN];
	w_bytes(w, zero, (IX_ALIGN - w->off % IX_ALIGN) % IX_ALIGN);
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

static int write_file(index_builder *b, const char *path, const ix_header *h0, const ix_slot *slots,
		      const uint32_t *runs, size_t nruns, sol_err *err)
{
	ix_header h = *h0;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	writer w = {.f = fopen(tmp, "wb"), .sum = XXH3_createState()};
	if (!w.f || !w.sum) {
		int e = errno;
		if (w.f)
			fclose(w.f);
		XXH3_freeState(w.sum);
		sol_fail(err, SOL_EIO, tmp, "cannot create the snapshot: %s", strerror(e));
		free(tmp);
		return SOL_EIO;
	}
	XXH3_64bits_reset(w.sum);
	static const uint8_t blank[IX_HEADER_SIZE];
	if (fwrite(blank, 1, sizeof blank, w.f) != sizeof blank)
		w.failed = true;
	w.off = IX_HEADER_SIZE;
	w_section(&w, &h, IX_SEC_INDICATORS, b->inds, (size_t)b->ninds * sizeof *b->inds);
	w_section(&w, &h, IX_SEC_SOURCES, b->sources, (size_t)b->nsources * sizeof *b->sources);
	w_section(&w, &h, IX_SEC_STRINGS, b->strings.data, b->strings.len);
	w_section(&w, &h, IX_SEC_PREFIXES, b->prefixes, sizeof b->prefixes);
	w_section(&w, &h, IX_SEC_SLOTS, slots, (size_t)h.slots * sizeof *slots);
	w_section(&w, &h, IX_SEC_POSTINGS, runs, nruns * sizeof *runs);
	w_section(&w, &h, IX_SEC_KEYS, b->pool.len ? b->pool.data : "", b->pool.len + !b->pool.len);
	h.size = w.off;
	h.checksum = XXH3_64bits_digest(w.sum);
	XXH3_freeState(w.sum);
	if (fseek(w.f, 0, SEEK_SET) != 0 || fwrite(&h, 1, sizeof h, w.f) != sizeof h)
		w.failed = true;
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
	uint64_t nslots = (uint64_t)b->nkeys + (uint64_t)b->nkeys * 3 / 7 + 1;
	if (nslots * sizeof(ix_slot) > IX_MAX_SECTION ||
	    (uint64_t)b->ninds * sizeof(ix_indicator) > IX_MAX_SECTION)
		return sol_fail(err, SOL_ETOOBIG, path, "index too big: %u keys", b->nkeys);

	uint32_t *post = xmalloc(((size_t)b->nkeys + 1) * sizeof *post);
	size_t nruns;
	uint32_t *runs = build_postings(b, post, &nruns);
	uint64_t total = IX_HEADER_SIZE + IX_SEC_COUNT * IX_ALIGN + (uint64_t)b->ninds * 28 +
			 b->nsources * 4u + b->strings.len + IX_PREFIXES_SIZE + nslots * 12 +
			 nruns * 4 + b->pool.len + 1;
	if (total > IX_MAX_SECTION) {
		free(post);
		free(runs);
		return sol_fail(err, SOL_ETOOBIG, path, "index too big: over 4 GiB");
	}
	ix_slot *slots = xcalloc(nslots, sizeof *slots);
	for (uint32_t k = 0; k < b->nkeys; k++) {
		const bkey *bk = &b->keys[k];
		uint32_t i = ix_home(bk->hash, (uint32_t)nslots);
		while (slots[i].tag)
			i = i + 1 == nslots ? 0 : i + 1;
		slots[i] =
		    (ix_slot){.tag = ix_tag(bk->hash, bk->cls), .key = bk->rec, .post = post[k]};
	}
	free(post);

	ix_header h = {
	    .version = IX_VERSION,
	    .created = sol_time_now(),
	    .seed = b->seed,
	    .indicators = b->ninds,
	    .keys = b->nkeys,
	    .slots = (uint32_t)nslots,
	    .sources = b->nsources,
	};
	memcpy(h.magic, IX_MAGIC, sizeof h.magic);
	int rc = write_file(b, path, &h, slots, runs, nruns, err);
	free(slots);
	free(runs);
	return rc;
}
