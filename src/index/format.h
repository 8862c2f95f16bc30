/*
 * format.h - the on-disk layout of a compiled index snapshot, shared by the
 * writer (build.c), the reader (lookup.c) and the fuzz target. Private to
 * the index module; users read docs/formats/index.md.
 *
 * A snapshot is one immutable little-endian file: a 128-byte header, then
 * seven sections, each starting on an 8-byte boundary. The header:
 *
 *   OFFSET SIZE DESCRIPTION
 *        0    8 magic "SOLIDX\r\n" (text-mode transfers break it visibly)
 *        8    4 format version, IX_VERSION
 *       12    4 flags, 0 (a reader refuses unknown flags)
 *       16    8 created, sol_time (microseconds since the epoch, UTC)
 *       24    8 file size in bytes
 *       32    8 checksum: XXH3-64 (seed 0) of bytes [128, file size)
 *       40    8 hash seed: random per file, seeds every key hash
 *       48    4 indicator records
 *       52    4 keys (distinct atoms; occupied slots)
 *       56    4 slots in the hash table (> keys: there is an empty slot)
 *       60    4 sources
 *       64   56 section table: 7 x (u32 offset, u32 size), in IX_SEC order
 *      120    8 zero
 *
 * Sections (sizes in bytes; u32 offsets are from the section's start):
 *
 *   INDICATORS  indicators x 28: ix_indicator below
 *   SOURCES     sources x 4: u32 offset of the source name in STRINGS
 *   STRINGS     NUL-terminated names and non-UUID ids; last byte is NUL
 *   PREFIXES    32: bitmap of prefix lengths present: bit p of bytes
 *               0..7 for IPv4 /p (p <= 32), of bytes 8..31 for IPv6 /p
 *   SLOTS       slots x 12: ix_slot below, open addressing
 *   POSTINGS    u32 runs [count, ind, ind, ...] for keys shared by
 *               several indicators
 *   KEYS        key records, byte-aligned, last byte is NUL:
 *                 addresses  key bytes (4 or 16, masked network) + text + NUL
 *                 hashes     key bytes (16/20/32/64 raw) + hex text + NUL
 *                 others     text + NUL (the key is the text)
 *
 * A key is a class and bytes. The class says what the bytes are: 1 + p
 * for an IPv4 network /p (an address is /32), 34 + p for IPv6 /p, then
 * domain exact, domain with subdomains, url, email and the four hashes.
 * Its hash is XXH3-64 of the bytes with seed (file seed + class); the
 * slot's home is the high 32 bits scaled to the table size (Lemire's
 * multiply-shift), and the slot keeps 24 more bits as a tag so a probe
 * rarely has to touch KEYS. Collisions probe linearly; the load is at most
 * 0.7, so a miss reads about six slots.
 *
 * Invariants index_open checks before any lookup, so that lookups need no
 * bounds checks: every section lies inside the file and is aligned; each
 * occupied slot has a valid class, its key record (fixed bytes, then a
 * NUL-terminated text) lies inside KEYS; POSTINGS is a sequence of runs
 * (count >= 2) that fills it exactly, and each slot's postings word is an
 * inline indicator or the start of a run; every indicator number is <
 * indicators; each indicator's source is < sources and its text id (if
 * any) starts inside STRINGS; slots > keys = occupied slots, so a probe
 * always ends at an empty slot.
 */
#ifndef SOL_INDEX_FORMAT_H
#define SOL_INDEX_FORMAT_H

#include <stdint.h>
#include <string.h>

#include "index/index.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the index format is little-endian; this reader maps it as is"
#endif

#define IX_MAGIC "SOLIDX\r\n"
#define IX_VERSION 1u
#define IX_HEADER_SIZE 128u
#define IX_ALIGN 8u
#define IX_MAX_SOURCES 0x7fffu        /* source numbers are 15 bits */
#define IX_MAX_INDICATORS 0x7fffffffu /* indicator numbers are 31 bits */
#define IX_MAX_SECTION 0xfffffff8u    /* sections are addressed with u32 */

enum ix_section {
	IX_SEC_INDICATORS,
	IX_SEC_SOURCES,
	IX_SEC_STRINGS,
	IX_SEC_PREFIXES,
	IX_SEC_SLOTS,
	IX_SEC_POSTINGS,
	IX_SEC_KEYS,
	IX_SEC_COUNT
};

/* Key classes (see the table above); 0 marks an empty slot. */
enum {
	IX_CLASS_V4 = 1,  /* + prefix length 0..32 */
	IX_CLASS_V6 = 34, /* + prefix length 0..128 */
	IX_CLASS_DOMAIN = 163,
	IX_CLASS_SUBDOMAINS,
	IX_CLASS_URL,
	IX_CLASS_EMAIL,
	IX_CLASS_MD5,
	IX_CLASS_SHA1,
	IX_CLASS_SHA256,
	IX_CLASS_SHA512,
	IX_CLASS_END
};

#define IX_PREFIXES_SIZE 32u
#define IX_INLINE 0x80000000u /* ix_slot.post: a single indicator, inline */
#define IX_ID_TEXT 0x8000u    /* ix_indicator.source: id is text in STRINGS */

typedef struct ix_header {
	char magic[8];       /* IX_MAGIC */
	uint32_t version;    /* IX_VERSION */
	uint32_t flags;      /* 0 */
	int64_t created;     /* sol_time */
	uint64_t size;       /* file size */
	uint64_t checksum;   /* XXH3-64 of the bytes after the header */
	uint64_t seed;       /* key hash seed */
	uint32_t indicators; /* indicator records */
	uint32_t keys;       /* occupied slots */
	uint32_t slots;      /* table size */
	uint32_t sources;    /* source table entries */
	struct {
		uint32_t off;  /* from the start of the file */
		uint32_t size; /* bytes */
	} sec[IX_SEC_COUNT];
	uint64_t zero; /* reserved, 0 */
} ix_header;

_Static_assert(sizeof(ix_header) == IX_HEADER_SIZE, "header layout");

typedef struct ix_slot {
	uint32_t tag;  /* hash bits 0..23 << 8 | class; 0 if empty */
	uint32_t key;  /* offset of the key record in KEYS */
	uint32_t post; /* IX_INLINE | indicator, or offset of a run in POSTINGS (u32s) */
} ix_slot;

typedef struct ix_indicator {
	uint8_t id[16];          /* UUID of "indicator--<uuid>", or u32 STRINGS offset */
	uint32_t valid_until[2]; /* sol_time as two little-endian halves */
	uint16_t source;         /* source number, | IX_ID_TEXT if the id is text */
	uint8_t tlp;             /* stix_tlp */
	int8_t confidence;       /* 0..100, -1 if none */
} ix_indicator;

_Static_assert(sizeof(ix_slot) == 12, "slot layout");
_Static_assert(sizeof(ix_indicator) == 28, "indicator layout");

/* Bytes of the binary key before the text, by class (0: the text is the key). */
static inline uint32_t ix_class_keylen(unsigned c)
{
	if (c >= IX_CLASS_V4 && c < IX_CLASS_V6)
		return 4;
	if (c >= IX_CLASS_V6 && c < IX_CLASS_DOMAIN)
		return 16;
	switch (c) {
	case IX_CLASS_MD5: return 16;
	case IX_CLASS_SHA1: return 20;
	case IX_CLASS_SHA256: return 32;
	case IX_CLASS_SHA512: return 64;
	default: return 0;
	}
}

/* Home slot of hash h in a table of n slots. */
static inline uint32_t ix_home(uint64_t h, uint32_t n)
{
	return (uint32_t)(((h >> 32) * (uint64_t)n) >> 32);
}

/* The slot tag of hash h for class c (never 0: classes start at 1). */
static inline uint32_t ix_tag(uint64_t h, unsigned c)
{
	return (uint32_t)(h & 0xffffffu) << 8 | c;
}

/* Decode n bytes of lowercase-or-uppercase hex s into out; -1 if not hex. */
static inline int ix_unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			unsigned char c = (unsigned char)s[2 * i + j];
			int d = c >= '0' && c <= '9'                     ? c - '0'
				: (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
									 : -1;
			if (d < 0)
				return -1;
			v = v << 4 | d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/*
 * Open a snapshot held in memory (len bytes at p, which must stay valid
 * and 8-byte aligned until index_close). check_sum false skips the
 * checksum so the fuzz target reaches the structural checks; every other
 * check is the same as index_open's.
 */
int index_open_mem(const void *p, size_t len, bool check_sum, index_snapshot **out, sol_err *err);

#endif
