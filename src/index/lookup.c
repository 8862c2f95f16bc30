/*
 * lookup.c - open a snapshot (mmap + verify) and look values up in it.
 *
 * index_open maps the file read-only and checks everything format.h
 * promises once, in one linear pass: header, section bounds, checksum,
 * every slot's class and key record, every posting and every indicator
 * record. After that a lookup trusts the file and does no bounds checks:
 * it hashes the key (XXH3, the file's seed + class), probes the slots
 * linearly from the home slot until an empty one, compares the 32-bit tag
 * first and the key bytes only on a tag match, and copies the winning
 * key's postings into the caller's hits. Nothing allocates, nothing locks.
 *
 * Addresses try each prefix length present in the file, longest first (an
 * address is a /32 or /128 key); a domain tries the exact-name key and the
 * subdomain key of the name and then of each parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "index/format.h"

struct index_snapshot {
	const uint8_t *base;      /* the file's bytes */
	size_t len;               /* file size */
	void *map;                /* mmap to undo at close, or NULL */
	const ix_header *h;       /* header, at base */
	const ix_indicator *inds; /* INDICATORS */
	const uint32_t *sources;  /* SOURCES */
	const char *strings;      /* STRINGS */
	const ix_slot *slots;     /* SLOTS */
	const uint32_t *post;     /* POSTINGS */
	const uint8_t *keys;      /* KEYS */
	uint32_t keys_size;       /* bytes of KEYS */
	uint32_t nslots;          /* slots */
	uint64_t seed;            /* key hash seed */
	uint8_t n4, n6;           /* prefix lengths present per family */
	uint8_t p4[33];           /* IPv4 prefix lengths, longest first */
	uint8_t p6[129];          /* IPv6 prefix lengths, longest first */
};

static int corrupt(sol_err *err, const char *where, const char *what)
{
	return sol_fail(err, SOL_EINVALID, where, "corrupt index snapshot: %s", what);
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
	if (h->flags != 0 || h->zero != 0)
		return corrupt(err, "offset 12", "unknown flags");
	if (h->size != ix->len)
		return sol_fail(err, SOL_EINVALID, "offset 24",
				"truncated index snapshot: %zu bytes, the header says %llu",
				ix->len, (unsigned long long)h->size);
	if (check_sum &&
	    XXH3_64bits(ix->base + IX_HEADER_SIZE, ix->len - IX_HEADER_SIZE) != h->checksum)
		return sol_fail(err, SOL_EINVALID, "offset 32",
				"corrupt index snapshot: checksum mismatch");
	static const uint32_t unit[IX_SEC_COUNT] = {[IX_SEC_INDICATORS] = sizeof(ix_indicator),
						    [IX_SEC_SOURCES] = 4,
						    [IX_SEC_STRINGS] = 1,
						    [IX_SEC_PREFIXES] = 1,
						    [IX_SEC_SLOTS] = sizeof(ix_slot),
						    [IX_SEC_POSTINGS] = 4,
						    [IX_SEC_KEYS] = 1};
	for (int s = 0; s < IX_SEC_COUNT; s++) {
		snprintf(where, sizeof where, "section %d", s);
		uint64_t off = h->sec[s].off, size = h->sec[s].size;
		if (off < IX_HEADER_SIZE || off % IX_ALIGN || off + size > ix->len ||
		    size % unit[s])
			return corrupt(err, where, "section out of bounds");
	}
	if (h->sec[IX_SEC_INDICATORS].size != (uint64_t)h->indicators * sizeof(ix_indicator) ||
	    h->sec[IX_SEC_SOURCES].size != (uint64_t)h->sources * 4 ||
	    h->sec[IX_SEC_PREFIXES].size != IX_PREFIXES_SIZE ||
	    h->sec[IX_SEC_SLOTS].size != (uint64_t)h->slots * sizeof(ix_slot) ||
	    h->indicators > IX_MAX_INDICATORS || h->sources > IX_MAX_SOURCES || h->slots <= h->keys)
		return corrupt(err, "offset 48", "counts do not match the sections");
	if (h->sec[IX_SEC_STRINGS].size == 0 ||
	    ix->base[h->sec[IX_SEC_STRINGS].off + h->sec[IX_SEC_STRINGS].size - 1] != 0 ||
	    h->sec[IX_SEC_KEYS].size == 0 ||
	    ix->base[h->sec[IX_SEC_KEYS].off + h->sec[IX_SEC_KEYS].size - 1] != 0)
		return corrupt(err, "section 2", "string pool not NUL-terminated");
	return 0;
}

/*
 * Walk POSTINGS once: it must be a sequence of runs [count >= 2, indicator
 * numbers < indicators] that fills the section exactly. Returns a bitmap
 * of the run starts (caller frees), or NULL if the walk fails.
 */
static uint8_t *check_runs(const index_snapshot *ix)
{
	uint32_t npost = ix->h->sec[IX_SEC_POSTINGS].size / 4, ninds = ix->h->indicators;
	uint8_t *starts = xcalloc(npost / 8 + 1, 1);
	for (uint32_t i = 0; i < npost;) {
		uint32_t count = ix->post[i];
		if (count < 2 || count > npost - i - 1)
			goto bad;
		starts[i / 8] |= (uint8_t)(1u << i % 8);
		for (uint32_t j = 1; j <= count; j++)
			if (ix->post[i + j] >= ninds)
				goto bad;
		i += count + 1;
	}
	return starts;
bad:
	free(starts);
	return NULL;
}

/* A slot's postings word: an inline indicator or the start of a run. */
static bool posting_ok(const index_snapshot *ix, const uint8_t *starts, uint32_t post)
{
	if (post & IX_INLINE)
		return (post & ~IX_INLINE) < ix->h->indicators;
	return post < ix->h->sec[IX_SEC_POSTINGS].size / 4 && (starts[post / 8] >> post % 8 & 1);
}

static int check_body(index_snapshot *ix, sol_err *err)
{
	const ix_header *h = ix->h;
	char where[64];
	uint32_t nstrings = h->sec[IX_SEC_STRINGS].size;
	for (uint32_t s = 0; s < h->sources; s++)
		if (ix->sources[s] >= nstrings)
			return corrupt(err, "section 1", "source name out of bounds");
	for (uint32_t i = 0; i < h->indicators; i++) {
		const ix_indicator *r = &ix->inds[i];
		uint32_t off;
		memcpy(&off, r->id, sizeof off);
		snprintf(where, sizeof where, "indicator %u", i);
		if ((r->source & ~IX_ID_TEXT) >= h->sources || r->tlp > TLP_RED ||
		    r->confidence < -1 || r->confidence > 100 ||
		    ((r->source & IX_ID_TEXT) && off >= nstrings))
			return corrupt(err, where, "bad indicator record");
	}
	uint8_t *starts = check_runs(ix);
	if (!starts)
		return corrupt(err, "section 5", "bad postings run");
	uint32_t used = 0;
	for (uint32_t i = 0; i < ix->nslots; i++) {
		const ix_slot *s = &ix->slots[i];
		if (s->tag == 0)
			continue;
		unsigned cls = s->tag & 0xff;
		snprintf(where, sizeof where, "slot %u", i);
		if (cls >= IX_CLASS_END ||
		    (uint64_t)s->key + ix_class_keylen(cls) >= ix->keys_size ||
		    !posting_ok(ix, starts, s->post)) {
			free(starts);
			return corrupt(err, where, "bad slot");
		}
		used++;
	}
	free(starts);
	if (used != h->keys)
		return corrupt(err, "offset 52", "key count does not match the slots");
	const uint8_t *bits = ix->base + h->sec[IX_SEC_PREFIXES].off;
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
		ix->keys_size = h->sec[IX_SEC_KEYS].size;
		ix->nslots = h->slots;
		ix->seed = h->seed;
		rc = check_body(ix, err);
	}
	if (rc != 0) {
		free(ix);
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
	return 0;
}

void index_close(index_snapshot *ix)
{
	if (!ix)
		return;
	if (ix->map)
		munmap(ix->map, ix->len);
	free(ix);
}

/* The slot of key (cls, key[0..len)), or NULL. The hot path. */
static const ix_slot *probe(const index_snapshot *ix, unsigned cls, const void *key, size_t len)
{
	uint64_t h = XXH3_64bits_withSeed(key, len, ix->seed + cls);
	uint32_t tag = ix_tag(h, cls), i = ix_home(h, ix->nslots);
	uint32_t fixed = ix_class_keylen(cls);
	for (;; i = i + 1 == ix->nslots ? 0 : i + 1) {
		const ix_slot *s = &ix->slots[i];
		if (s->tag == 0)
			return NULL;
		if (s->tag != tag)
			continue;
		const uint8_t *rec = ix->keys + s->key;
		if (fixed ? memcmp(rec, key, len) == 0
			  : len < ix->keys_size - s->key && memcmp(rec, key, len) == 0 &&
				rec[len] == 0)
			return s;
	}
}

/* Whether indicator ind is among hits[0..n). */
static bool hit_has(const index_hit *hits, size_t n, uint32_t ind)
{
	for (size_t i = 0; i < n; i++)
		if (hits[i].ind == ind)
			return true;
	return false;
}

/*
 * Append slot s's indicators to hits (up to max); returns the new count.
 * Indicators already among the first `seen` hits are not added again (a
 * name that is both an exact and an "and below" atom of one indicator is
 * one hit, the exact one).
 */
static size_t add_hits(const index_snapshot *ix, const ix_slot *s, index_hit *hits, size_t max,
		       size_t n, size_t seen)
{
	unsigned cls = s->tag & 0xff;
	const char *value = (const char *)ix->keys + s->key + ix_class_keylen(cls);
	obs_kind kind;
	if (cls < IX_CLASS_V6)
		kind = cls == IX_CLASS_V4 + 32 ? OBS_IPV4 : OBS_CIDR4;
	else if (cls < IX_CLASS_DOMAIN)
		kind = cls == IX_CLASS_V6 + 128 ? OBS_IPV6 : OBS_CIDR6;
	else
		kind = cls <= IX_CLASS_SUBDOMAINS ? OBS_DOMAIN
						  : (obs_kind)(cls - IX_CLASS_URL + OBS_URL);
	const uint32_t *run = &s->post, *one = &s->post;
	uint32_t count = 1;
	if (!(s->post & IX_INLINE)) {
		count = ix->post[s->post];
		run = ix->post + s->post + 1;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t ind = run == one ? run[i] & ~IX_INLINE : run[i];
		if (seen && hit_has(hits, seen < max ? seen : max, ind))
			continue;
		if (n++ >= max)
			continue;
		hits[n - 1] = (index_hit){
		    .ind = ind,
		    .kind = kind,
		    .subdomains = cls == IX_CLASS_SUBDOMAINS,
		    .value = value,
		    .value_len = (uint32_t)strlen(value),
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
		const ix_slot *s = probe(ix, base + p, net, bytes);
		if (s)
			return add_hits(ix, s, hits, max, 0, 0);
	}
	return 0;
}

static size_t lookup_domain(const index_snapshot *ix, const char *name, size_t len, index_hit *hits,
			    size_t max)
{
	size_t n = 0;
	const ix_slot *s = probe(ix, IX_CLASS_DOMAIN, name, len);
	if (s)
		n = add_hits(ix, s, hits, max, n, 0);
	s = probe(ix, IX_CLASS_SUBDOMAINS, name, len);
	if (s)
		n = add_hits(ix, s, hits, max, n, n);
	for (size_t i = 0; n == 0 && i < len; i++) {
		if (name[i] != '.')
			continue;
		s = probe(ix, IX_CLASS_SUBDOMAINS, name + i + 1, len - i - 1);
		if (s)
			n = add_hits(ix, s, hits, max, n, 0);
	}
	return n;
}

size_t index_lookup(const index_snapshot *ix, const obs_value *v, index_hit *hits, size_t max)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const ix_slot *s;
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
	case OBS_URL: s = probe(ix, IX_CLASS_URL, v->norm, v->len); break;
	case OBS_EMAIL: s = probe(ix, IX_CLASS_EMAIL, v->norm, v->len); break;
	case OBS_MD5:
	case OBS_SHA1:
	case OBS_SHA256:
	case OBS_SHA512: {
		unsigned cls = IX_CLASS_MD5 + (unsigned)(v->kind - OBS_MD5);
		size_t n = ix_class_keylen(cls);
		if (v->len != 2 * n || ix_unhex(v->norm, n, raw) != 0)
			return 0;
		s = probe(ix, cls, raw, n);
		break;
	}
	default: return 0;
	}
	return s ? add_hits(ix, s, hits, max, 0, 0) : 0;
}

void index_indicator_get(const index_snapshot *ix, uint32_t ind, index_indicator *out)
{
	const ix_indicator *r = &ix->inds[ind];
	uint32_t src = r->source & ~IX_ID_TEXT;
	if (r->source & IX_ID_TEXT) {
		uint32_t off;
		memcpy(&off, r->id, sizeof off);
		out->id = ix->strings + off;
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
	out->source = ix->strings + ix->sources[src];
	out->tlp = (stix_tlp)r->tlp;
	out->confidence = r->confidence;
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
