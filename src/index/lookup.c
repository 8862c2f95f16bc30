/*
 * lookup.c - open a snapshot (mmap + header checks) and look values up in
 * it.
 *
 * index_open maps the file read-only and checks only what is constant in
 * size: header, header checksum (which covers SUMS), section bounds, the
 * small SOURCES and PREFIXES sections. Everything else is checked where it
 * is read, so opening a 10-million-indicator snapshot costs what opening
 * a small one does, and only the pages a run touches are ever read:
 *
 *   bounds   every offset and count read from the file is compared with
 *            its section before use (a probe never leaves SLOTS, a key
 *            record never leaves KEYS, an indicator number is below the
 *            indicator count);
 *   content  the first read of each 1 KiB block hashes it and compares
 *            with SUMS; a bit in `verified` remembers the result. A block
 *            that fails makes the read fail (the lookup finds nothing
 *            there) and sets `damaged`, which index_error reports.
 *
 * Threads share a snapshot, so `verified` and `damaged` are atomics with
 * relaxed order: verifying a block twice is harmless, the file is
 * immutable.
 *
 * A lookup hashes the key (XXH3, the file's seed + class) into a 32-bit
 * tag, starts at the tag's home slot and walks while the slots hold
 * smaller tags; on an equal tag it compares the key record's class and
 * bytes. Addresses try each prefix length present in the file, longest
 * first (an address is a /32 or /128 key); a domain tries the exact-name
 * key and the subdomain key of the name and then of each parent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "index/format.h"

/* Mutable state behind a shared, read-only snapshot. */
typedef struct ix_state {
	_Atomic int64_t damaged;     /* first damaged block + 1, or 0 */
	_Atomic uint64_t verified[]; /* bit per block: checksum matched */
} ix_state;

struct index_snapshot {
	const uint8_t *base;      /* the file's bytes */
	size_t len;               /* file size */
	void *map;                /* mmap to undo at close, or NULL */
	char *path;               /* file name for errors, or NULL */
	const ix_header *h;       /* header, at base */
	const ix_indicator *inds; /* INDICATORS */
	const uint32_t *sources;  /* SOURCES */
	const char *strings;      /* STRINGS */
	const ix_slot *slots;     /* SLOTS */
	const uint32_t *post;     /* POSTINGS */
	const uint8_t *keys;      /* KEYS */
	const uint64_t *sums;     /* SUMS, or NULL when not checked */
	ix_state *state;          /* what lookups learnt about the blocks */
	uint32_t nstrings;        /* bytes of STRINGS */
	uint32_t npost;           /* u32s in POSTINGS */
	uint32_t keys_size;       /* bytes of KEYS */
	uint32_t nslots;          /* slots */
	uint32_t nbase;           /* home slots */
	uint32_t ninds;           /* indicators */
	uint64_t seed;            /* key hash seed */
	uint8_t n4, n6;           /* prefix lengths present per family */
	uint8_t p4[33];           /* IPv4 prefix lengths, longest first */
	uint8_t p6[129];          /* IPv6 prefix lengths, longest first */
};

static int corrupt(sol_err *err, const char *where, const char *what)
{
	return sol_fail(err, SOL_EINVALID, where, "corrupt index snapshot: %s", what);
}

/* Hash block k and compare with SUMS; remember a match. */
static bool block_verify(const index_snapshot *ix, size_t k)
{
	size_t start = IX_HEADER_SIZE + k * (size_t)IX_BLOCK;
	size_t end = ix->h->sec[IX_SEC_SUMS].off;
	size_t n = end - start < IX_BLOCK ? end - start : IX_BLOCK;
	if (XXH3_64bits(ix->base + start, n) != ix->sums[k]) {
		int64_t expected = 0;
		atomic_compare_exchange_strong(&ix->state->damaged, &expected, (int64_t)k + 1);
		return false;
	}
	atomic_fetch_or_explicit(&ix->state->verified[k / 64], (uint64_t)1 << k % 64,
				 memory_order_relaxed);
	return true;
}

/* Whether the n bytes at p (inside the data blocks) may be trusted. */
static inline bool bytes_ok(const index_snapshot *ix, const void *p, size_t n)
{
	if (!ix->sums)
		return true;
	size_t a = ((size_t)((const uint8_t *)p - ix->base) - IX_HEADER_SIZE) / IX_BLOCK;
	size_t b = ((size_t)((const uint8_t *)p - ix->base) + n - 1 - IX_HEADER_SIZE) / IX_BLOCK;
	for (size_t k = a; k <= b; k++)
		if (!(atomic_load_explicit(&ix->state->verified[k / 64], memory_order_relaxed) >>
			  k % 64 &
		      1) &&
		    !block_verify(ix, k))
			return false;
	return true;
}

static int check_header(index_snapshot *ix, bool check_sum, sol_err *err)
{
	const ix_header *h = ix->h;
	char where[64];
	if (ix->len < IX_HEADER_SIZE)
		return sol_fail(err, SOL_EINVALID, "offset 0",
				"truncated index snapshot: %zu bytes, the header alone is %u",
				ix->len, IX_HEADER_SIZE);
	if (memcmp(h->magic, IX_MAGIC, sizeof h->magic) != 0)
		return sol_fail(err, SOL_EINVALID, "offset 0",
				"not an index snapshot (bad magic number)");
	if (h->version != IX_VERSION)
		return sol_fail(err, SOL_EINVALID, "offset 8",
				"index format version %u, this build reads version %u: "
				"run solidarity compile again",
				h->version, IX_VERSION);
	if (h->size != ix->len)
		return sol_fail(err, SOL_EINVALID, "offset 24",
				"truncated index snapshot: %zu bytes, the header says %llu",
				ix->len, (unsigned long long)h->size);
	static const uint32_t unit[IX_SEC_COUNT] = {[IX_SEC_INDICATORS] = sizeof(ix_indicator),
						    [IX_SEC_SOURCES] = 4,
						    [IX_SEC_STRINGS] = 1,
						    [IX_SEC_PREFIXES] = 1,
						    [IX_SEC_SLOTS] = sizeof(ix_slot),
						    [IX_SEC_POSTINGS] = 4,
						    [IX_SEC_KEYS] = 1,
						    [IX_SEC_SUMS] = 8};
	for (int s = 0; s < IX_SEC_COUNT; s++) {
		snprintf(where, sizeof where, "section %d", s);
		uint64_t off = h->sec[s].off, size = h->sec[s].size;
		if (off < IX_HEADER_SIZE || off % IX_ALIGN || off + size > ix->len ||
		    size % unit[s])
			return corrupt(err, where, "section out of bounds");
	}
	uint64_t data = h->sec[IX_SEC_SUMS].off - IX_HEADER_SIZE;
	if (h->sec[IX_SEC_SUMS].off + (uint64_t)h->sec[IX_SEC_SUMS].size != ix->len ||
	    h->sec[IX_SEC_SUMS].size / 8 != (data + IX_BLOCK - 1) / IX_BLOCK)
		return corrupt(err, "section 7", "block checksums do not cover the file");
	for (int s = 0; s < IX_SEC_SUMS; s++)
		if ((uint64_t)h->sec[s].off + h->sec[s].size > h->sec[IX_SEC_SUMS].off)
			return corrupt(err, "section 7", "a section overlaps the block checksums");
	if (check_sum) {
		XXH3_state_t *st = XXH3_createState();
		XXH3_64bits_reset(st);
		XXH3_64bits_update(st, h, IX_HEADER_SUMMED);
		XXH3_64bits_update(st, ix->base + h->sec[IX_SEC_SUMS].off,
				   h->sec[IX_SEC_SUMS].size);
		bool ok = XXH3_64bits_digest(st) == h->checksum;
		XXH3_freeState(st);
		if (!ok)
			return sol_fail(err, SOL_EINVALID, "offset 120",
					"corrupt index snapshot: header checksum mismatch");
	}
	if (h->sec[IX_SEC_INDICATORS].size != (uint64_t)h->indicators * sizeof(ix_indicator) ||
	    h->sec[IX_SEC_SOURCES].size != (uint64_t)h->sources * 4 ||
	    h->sec[IX_SEC_PREFIXES].size != IX_PREFIXES_SIZE ||
	    h->sec[IX_SEC_SLOTS].size != (uint64_t)h->slots * sizeof(ix_slot) ||
	    h->indicators > IX_MAX_INDICATORS || h->sources > IX_MAX_SOURCES ||
	    h->slots < h->base || h->base == 0 || h->keys > h->slots)
		return corrupt(err, "offset 40", "counts do not match the sections");
	if (h->sec[IX_SEC_STRINGS].size == 0 || h->sec[IX_SEC_KEYS].size == 0)
		return corrupt(err, "section 2", "empty string pool");
	return 0;
}

/* The checks of the small sections, which index_open reads at once. */
static int check_small(index_snapshot *ix, sol_err *err)
{
	const ix_header *h = ix->h;
	const uint8_t *last_string = ix->base + h->sec[IX_SEC_STRINGS].off + ix->nstrings - 1;
	const uint8_t *last_key = ix->keys + ix->keys_size - 1;
	const uint8_t *bits = ix->base + h->sec[IX_SEC_PREFIXES].off;
	if (!bytes_ok(ix, last_string, 1) || !bytes_ok(ix, last_key, 1) ||
	    !bytes_ok(ix, bits, IX_PREFIXES_SIZE) ||
	    (h->sources && !bytes_ok(ix, ix->sources, h->sources * 4u)))
		return index_error(ix, err);
	if (*last_string != 0 || *last_key != 0)
		return corrupt(err, "section 2", "string pool not NUL-terminated");
	for (uint32_t s = 0; s < h->sources; s++)
		if (ix->sources[s] >= ix->nstrings)
			return corrupt(err, "section 1", "source name out of bounds");
	for (int p = 128; p >= 0; p--) {
		if (p <= 32 && (bits[p / 8] >> p % 8 & 1))
			ix->p4[ix->n4++] = (uint8_t)p;
		if (bits[8 + p / 8] >> p % 8 & 1)
			ix->p6[ix->n6++] = (uint8_t)p;
	}
	return 0;
}

int index_open_mem(const void *p, size_t len, bool check_sum, index_snapshot **out, sol_err *err)
{
	*out = NULL;
	index_snapshot *ix = xcalloc(1, sizeof *ix);
	ix->base = p;
	ix->len = len;
	ix->h = p;
	int rc = check_header(ix, check_sum, err);
	if (rc == 0) {
		const ix_header *h = ix->h;
		ix->inds = (const ix_indicator *)(ix->base + h->sec[IX_SEC_INDICATORS].off);
		ix->sources = (const uint32_t *)(ix->base + h->sec[IX_SEC_SOURCES].off);
		ix->strings = (const char *)ix->base + h->sec[IX_SEC_STRINGS].off;
		ix->slots = (const ix_slot *)(ix->base + h->sec[IX_SEC_SLOTS].off);
		ix->post = (const uint32_t *)(ix->base + h->sec[IX_SEC_POSTINGS].off);
		ix->keys = ix->base + h->sec[IX_SEC_KEYS].off;
		ix->nstrings = h->sec[IX_SEC_STRINGS].size;
		ix->npost = h->sec[IX_SEC_POSTINGS].size / 4;
		ix->keys_size = h->sec[IX_SEC_KEYS].size;
		ix->nslots = h->slots;
		ix->nbase = h->base;
		ix->ninds = h->indicators;
		ix->seed = h->seed;
		size_t blocks = h->sec[IX_SEC_SUMS].size / 8;
		ix->state = xcalloc(1, sizeof *ix->state + (blocks / 64 + 1) * sizeof(uint64_t));
		if (check_sum)
			ix->sums = (const uint64_t *)(ix->base + h->sec[IX_SEC_SUMS].off);
		rc = check_small(ix, err);
	}
	if (rc != 0) {
		index_close(ix);
		return rc;
	}
	*out = ix;
	return 0;
}

int index_open(const char *path, index_snapshot **out, sol_err *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return sol_fail(err, e == ENOENT ? SOL_ENOTFOUND : SOL_EIO, path,
				"cannot open the index snapshot: %s", strerror(e));
	}
	if ((size_t)st.st_size < IX_HEADER_SIZE) {
		close(fd);
		sol_fail(err, SOL_EINVALID, "offset 0",
			 "truncated index snapshot: %lld bytes, the header alone is %u",
			 (long long)st.st_size, IX_HEADER_SIZE);
		sol_err_prefix(err, "%s", path);
		return SOL_EINVALID;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return sol_fail(err, SOL_EIO, path, "cannot map the index snapshot: %s",
				strerror(e));
	int rc = index_open_mem(map, (size_t)st.st_size, true, out, err);
	if (rc != 0) {
		munmap(map, (size_t)st.st_size);
		sol_err_prefix(err, "%s", path);
		return rc;
	}
	(*out)->map = map;
	(*out)->path = xstrdup(path);
	return 0;
}

void index_close(index_snapshot *ix)
{
	if (!ix)
		return;
	if (ix->map)
		munmap(ix->map, ix->len);
	free(ix->state);
	free(ix->path);
	free(ix);
}

int index_verify(const index_snapshot *ix, sol_err *err)
{
	size_t blocks = ix->h->sec[IX_SEC_SUMS].size / 8;
	for (size_t k = 0; ix->sums && k < blocks; k++)
		if (!block_verify(ix, k))
			break;
	return index_error(ix, err);
}

int index_error(const index_snapshot *ix, sol_err *err)
{
	int64_t k = atomic_load(&ix->state->damaged);
	if (k == 0)
		return 0;
	char where[64];
	snprintf(where, sizeof where, "offset %llu",
		 (unsigned long long)(IX_HEADER_SIZE + (uint64_t)(k - 1) * IX_BLOCK));
	sol_fail(err, SOL_EINVALID, where,
		 "corrupt index snapshot: checksum mismatch in block %lld: "
		 "run solidarity compile again",
		 (long long)(k - 1));
	if (ix->path)
		sol_err_prefix(err, "%s", ix->path);
	return SOL_EINVALID;
}

/* The key record at offset off of KEYS if it holds class cls and key
 * key[0..len) (fixed: binary key of that length; else text + NUL). */
static const uint8_t *record_match(const index_snapshot *ix, uint32_t off, unsigned cls,
				   const void *key, size_t len, bool fixed)
{
	size_t need = IX_REC_HEAD + len + !fixed;
	if (off >= ix->keys_size || ix->keys_size - off < need)
		return NULL;
	const uint8_t *rec = ix->keys + off;
	if (!bytes_ok(ix, rec, need))
		return NULL;
	if (rec[0] != cls || memcmp(rec + IX_REC_HEAD, key, len) != 0 ||
	    (!fixed && rec[IX_REC_HEAD + len] != 0))
		return NULL;
	return rec;
}

/* The key record of (cls, key[0..len)), or NULL. The hot path. */
static const uint8_t *probe(const index_snapshot *ix, unsigned cls, const void *key, size_t len)
{
	uint32_t tag = ix_tag(XXH3_64bits_withSeed(key, len, ix->seed + cls));
	bool fixed = ix_class_keylen(cls) != 0;
	for (uint32_t i = ix_home(tag, ix->nbase); i < ix->nslots; i++) {
		const ix_slot *s = &ix->slots[i];
		if (!bytes_ok(ix, s, sizeof *s) || s->tag == 0 || s->tag > tag)
			return NULL;
		if (s->tag != tag)
			continue;
		const uint8_t *rec = record_match(ix, s->key, cls, key, len, fixed);
		if (rec)
			return rec;
	}
	return NULL;
}

/* Whether indicator ind is among hits[0..n). */
static bool hit_has(const index_hit *hits, size_t n, uint32_t ind)
{
	for (size_t i = 0; i < n; i++)
		if (hits[i].ind == ind)
			return true;
	return false;
}

/* The indicators of key record rec: a run in POSTINGS or one inline word
 * (*one); count 0 if the run is out of bounds or damaged. */
static const uint32_t *record_postings(const index_snapshot *ix, const uint8_t *rec, uint32_t *one,
				       uint32_t *count)
{
	uint32_t word;
	memcpy(&word, rec + 1, 4);
	*count = 0;
	if (word & IX_INLINE) {
		*one = word & ~IX_INLINE;
		*count = 1;
		return one;
	}
	if (word >= ix->npost || !bytes_ok(ix, ix->post + word, 4))
		return one;
	uint32_t n = ix->post[word];
	if (n > ix->npost - word - 1 || (n && !bytes_ok(ix, ix->post + word + 1, n * 4u)))
		return one;
	*count = n;
	return ix->post + word + 1;
}

/*
 * Append key record rec's indicators to hits (up to max); returns the new
 * count. Indicators already among the first `seen` hits are not added
 * again (a name that is both an exact and an "and below" atom of one
 * indicator is one hit, the exact one). whole: the looked-up name is the
 * record's own, so an indicator flagged IX_EXACT is reported as exact.
 */
static size_t add_hits(const index_snapshot *ix, const uint8_t *rec, bool whole, index_hit *hits,
		       size_t max, size_t n, size_t seen)
{
	unsigned cls = rec[0];
	obs_kind kind;
	if (cls < IX_CLASS_V6)
		kind = cls == IX_CLASS_V4 + 32 ? OBS_IPV4 : OBS_CIDR4;
	else if (cls < IX_CLASS_DOMAIN)
		kind = cls == IX_CLASS_V6 + 128 ? OBS_IPV6 : OBS_CIDR6;
	else
		kind = cls <= IX_CLASS_SUBDOMAINS ? OBS_DOMAIN
						  : (obs_kind)(cls - IX_CLASS_URL + OBS_URL);
	uint32_t one, count;
	const uint32_t *run = record_postings(ix, rec, &one, &count);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t ind = run[i] & IX_IND_MASK;
		bool exact = whole && (run[i] & IX_EXACT);
		if (ind >= ix->ninds || (seen && hit_has(hits, seen < max ? seen : max, ind)))
			continue;
		if (n++ >= max)
			continue;
		hits[n - 1] = (index_hit){
		    .ind = ind,
		    .kind = kind,
		    .subdomains = cls == IX_CLASS_SUBDOMAINS && !exact,
		    .atom = rec,
		};
	}
	return n;
}

/* Longest prefix of a[0..bytes) at most `prefix` long among lens[0..n). */
static size_t lookup_net(const index_snapshot *ix, unsigned base, const uint8_t *a, size_t bytes,
			 unsigned prefix, const uint8_t *lens, unsigned n, index_hit *hits,
			 size_t max)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned p = lens[i];
		if (p > prefix)
			continue;
		uint8_t net[16];
		memcpy(net, a, bytes);
		if (p % 8)
			net[p / 8] &= (uint8_t)(0xff00u >> p % 8);
		for (size_t j = (p + 7) / 8; j < bytes; j++)
			net[j] = 0;
		const uint8_t *rec = probe(ix, base + p, net, bytes);
		if (rec)
			return add_hits(ix, rec, true, hits, max, 0, 0);
	}
	return 0;
}

static size_t lookup_domain(const index_snapshot *ix, const char *name, size_t len, index_hit *hits,
			    size_t max)
{
	size_t n = 0;
	const uint8_t *rec = probe(ix, IX_CLASS_DOMAIN, name, len);
	if (rec)
		n = add_hits(ix, rec, true, hits, max, n, 0);
	rec = probe(ix, IX_CLASS_SUBDOMAINS, name, len);
	if (rec)
		n = add_hits(ix, rec, true, hits, max, n, n);
	for (size_t i = 0; n == 0 && i < len; i++) {
		if (name[i] != '.')
			continue;
		rec = probe(ix, IX_CLASS_SUBDOMAINS, name + i + 1, len - i - 1);
		if (rec)
			n = add_hits(ix, rec, false, hits, max, n, 0);
	}
	return n;
}

size_t index_lookup(const index_snapshot *ix, const obs_value *v, index_hit *hits, size_t max)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *rec;
	uint8_t raw[64];
	switch (v->kind) {
	case OBS_IPV4:
	case OBS_CIDR4:
		return lookup_net(ix, IX_CLASS_V4, v->addr, 4, v->prefix, ix->p4, ix->n4, hits,
				  max);
	case OBS_IPV6:
	case OBS_CIDR6:
		if (v->prefix >= 96 && memcmp(v->addr, mapped, 12) == 0)
			return lookup_net(ix, IX_CLASS_V4, v->addr + 12, 4, v->prefix - 96u, ix->p4,
					  ix->n4, hits, max);
		return lookup_net(ix, IX_CLASS_V6, v->addr, 16, v->prefix, ix->p6, ix->n6, hits,
				  max);
	case OBS_DOMAIN: return lookup_domain(ix, v->norm, v->len, hits, max);
	case OBS_URL: rec = probe(ix, IX_CLASS_URL, v->norm, v->len); break;
	case OBS_EMAIL: rec = probe(ix, IX_CLASS_EMAIL, v->norm, v->len); break;
	case OBS_MD5:
	case OBS_SHA1:
	case OBS_SHA256:
	case OBS_SHA512: {
		unsigned cls = IX_CLASS_MD5 + (unsigned)(v->kind - OBS_MD5);
		size_t n = ix_class_keylen(cls);
		if (v->len != 2 * n || ix_unhex(v->norm, n, raw) != 0)
			return 0;
		rec = probe(ix, cls, raw, n);
		break;
	}
	default: return 0;
	}
	return rec ? add_hits(ix, rec, true, hits, max, 0, 0) : 0;
}

const char *index_hit_value(const index_hit *h, char buf[INDEX_VALUE_BUF], size_t *len)
{
	const uint8_t *rec = h->atom, *key = rec + IX_REC_HEAD;
	unsigned cls = rec[0];
	size_t n = 0;
	if (cls < IX_CLASS_V6) {
		n = (size_t)snprintf(buf, INDEX_VALUE_BUF, "%u.%u.%u.%u", key[0], key[1], key[2],
				     key[3]);
		if (cls != IX_CLASS_V4 + 32)
			n += (size_t)snprintf(buf + n, INDEX_VALUE_BUF - n, "/%u",
					      cls - IX_CLASS_V4);
	} else if (cls < IX_CLASS_DOMAIN) {
		inet_ntop(AF_INET6, key, buf, INDEX_VALUE_BUF);
		n = strlen(buf);
		if (cls != IX_CLASS_V6 + 128)
			n += (size_t)snprintf(buf + n, INDEX_VALUE_BUF - n, "/%u",
					      cls - IX_CLASS_V6);
	} else if (cls >= IX_CLASS_MD5) {
		static const char hex[] = "0123456789abcdef";
		for (size_t i = 0; i < ix_class_keylen(cls); i++) {
			buf[n++] = hex[key[i] >> 4];
			buf[n++] = hex[key[i] & 15];
		}
		buf[n] = '\0';
	} else {
		*len = strlen((const char *)key);
		return (const char *)key;
	}
	*len = n;
	return buf;
}

/* The string at offset off of STRINGS, or "" if out of bounds or damaged
 * (STRINGS ends in a NUL, so strlen stays inside). */
static const char *string_at(const index_snapshot *ix, uint32_t off)
{
	if (off >= ix->nstrings)
		return "";
	const char *s = ix->strings + off;
	return bytes_ok(ix, s, strlen(s) + 1) ? s : "";
}

void index_indicator_get(const index_snapshot *ix, uint32_t ind, index_indicator *out)
{
	static const ix_indicator none = {.source = IX_ID_TEXT, .confidence = -1};
	const ix_indicator *r = ind < ix->ninds ? &ix->inds[ind] : &none;
	if (r != &none && !bytes_ok(ix, r, sizeof *r))
		r = &none; /* a damaged record reads as an empty one */
	uint32_t src = r->source & ~IX_ID_TEXT, off;
	memcpy(&off, r->id, sizeof off);
	if (r->source & IX_ID_TEXT) {
		out->id = string_at(ix, off);
	} else {
		static const char hex[] = "0123456789abcdef";
		char *p = out->id_buf + sprintf(out->id_buf, "indicator--");
		for (int i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				*p++ = '-';
			*p++ = hex[r->id[i] >> 4];
			*p++ = hex[r->id[i] & 15];
		}
		*p = '\0';
		out->id = out->id_buf;
	}
	out->source = src < ix->h->sources ? string_at(ix, ix->sources[src]) : "";
	out->tlp = r->tlp <= TLP_RED ? (stix_tlp)r->tlp : TLP_RED;
	out->confidence = r->confidence >= 0 && r->confidence <= 100 ? r->confidence : -1;
	memcpy(&out->valid_until, r->valid_until, sizeof out->valid_until);
}

void index_info_get(const index_snapshot *ix, index_info *out)
{
	out->version = ix->h->version;
	out->created = ix->h->created;
	out->indicators = ix->h->indicators;
	out->atoms = ix->h->keys;
	out->bytes = ix->len;
}
