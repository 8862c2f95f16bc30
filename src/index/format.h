/*
 * format.h - the on-disk layout of a compiled index snapshot, shared by the
 * writer (build.c), the reader (lookup.c) and the fuzz target. Private to
 * the index module; users read docs/formats/index.md.
 *
 * A snapshot is one immutable little-endian file: a 128-byte header, then
 * eight sections, each starting on an 8-byte boundary, SUMS last. The
 * header:
 *
 *   OFFSET SIZE DESCRIPTION
 *        0    8 magic "SOLIDX\r\n" (text-mode transfers break it visibly)
 *        8    4 format version, IX_VERSION
 *       12    4 base slots: the slots a key's hash can choose as home
 *       16    8 created, sol_time (microseconds since the epoch, UTC)
 *       24    8 file size in bytes
 *       32    8 hash seed: random per file, seeds every key hash
 *       40    4 indicator records
 *       44    4 keys (distinct atoms; occupied slots)
 *       48    4 slots in the table (>= base: the tail takes overflow)
 *       52    4 sources
 *       56   64 section table: 8 x (u32 offset, u32 size), in IX_SEC order
 *      120    8 checksum: XXH3-64 (seed 0) of bytes [0, 120), then SUMS
 *
 * Sections (sizes in bytes; u32 offsets are from the section's start):
 *
 *   INDICATORS  indicators x 28: ix_indicator below
 *   SOURCES     sources x 4: u32 offset of the source name in STRINGS
 *   STRINGS     NUL-terminated names and non-UUID ids; last byte is NUL
 *   PREFIXES    32: bitmap of prefix lengths present: bit p of bytes
 *               0..7 for IPv4 /p (p <= 32), of bytes 8..31 for IPv6 /p
 *   SLOTS       slots x 8: ix_slot below, ordered by tag
 *   POSTINGS    u32 runs [count, ind, ind, ...] for keys shared by
 *               several indicators
 *   KEYS        key records, byte-aligned, in slot order; last byte NUL:
 *                 u8 class, u32 postings word, then the key:
 *                 addresses  4 or 16 bytes (the masked network)
 *                 hashes     16/20/32/64 raw bytes
 *                 others     text + NUL (domain, URL, email)
 *   SUMS        XXH3-64 (seed 0) of each IX_BLOCK bytes from offset 128
 *               up to SUMS (the last block may be shorter)
 *
 * A key is a class and bytes. The class says what the bytes are: 1 + p
 * for an IPv4 network /p (an address is a /32), 34 + p for IPv6 /p, then
 * domain exact, domain with subdomains, url, email and the four hashes.
 * Its hash is XXH3-64 of the bytes with seed (file seed + class); the high
 * 32 bits are its tag (0 becomes 1: 0 marks an empty slot), and its home
 * slot is tag * base >> 32. Keys are placed in tag order, each at its home
 * or just after the key before it, so the table is sorted by tag with
 * gaps: a probe starts at the home slot and stops at an empty slot or a
 * greater tag, which at 85% load is about two slots for a miss, in one
 * cache line.
 *
 * A postings word (in a key record or a run) is IX_INLINE | indicator for
 * a key of one indicator, else the offset (in u32s) of the key's run in
 * POSTINGS. An indicator number in either may carry IX_EXACT: on a
 * "domain and below" key, the indicator also has the exact-domain atom of
 * the same name (stored once, reported as the exact match).
 *
 * What the reader trusts. index_open checks the header, its checksum
 * (which covers SUMS) and the section bounds, nothing proportional to the
 * file. Every other read is checked where it happens: offsets and counts
 * against their section, and the bytes themselves against SUMS the first
 * time their block is touched (a bitmap remembers verified blocks). A
 * damaged block makes the lookups that touch it find nothing and leaves a
 * sticky error for index_error, so a damaged file is never a crash and
 * never a wrong hit, and opening costs the same at any size.
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
#define IX_VERSION 3u
#define IX_HEADER_SIZE 128u
#define IX_ALIGN 8u
#define IX_BLOCK 1024u                /* bytes per SUMS checksum */
#define IX_MAX_SOURCES 0x7fffu        /* source numbers are 15 bits */
#define IX_MAX_INDICATORS 0x3fffffffu /* indicator numbers are 30 bits */
#define IX_MAX_SECTION 0xfffffff8u    /* sections are addressed with u32 */
#define IX_LOAD_PERCENT 85u           /* keys per 100 base slots, at most */

enum ix_section {
	IX_SEC_INDICATORS,
	IX_SEC_SOURCES,
	IX_SEC_STRINGS,
	IX_SEC_PREFIXES,
	IX_SEC_SLOTS,
	IX_SEC_POSTINGS,
	IX_SEC_KEYS,
	IX_SEC_SUMS,
	IX_SEC_COUNT
};

/* Key classes (see the table above). */
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
#define IX_REC_HEAD 5u        /* key record: class byte and postings word */
#define IX_INLINE 0x80000000u /* postings word: a single indicator, inline */
#define IX_EXACT 0x40000000u  /* indicator also has the exact-domain atom */
#define IX_IND_MASK 0x3fffffffu
#define IX_ID_TEXT 0x8000u /* ix_indicator.source: id is text in STRINGS */

typedef struct ix_header {
	char magic[8];       /* IX_MAGIC */
	uint32_t version;    /* IX_VERSION */
	uint32_t base;       /* slots a hash maps to */
	int64_t created;     /* sol_time */
	uint64_t size;       /* file size */
	uint64_t seed;       /* key hash seed */
	uint32_t indicators; /* indicator records */
	uint32_t keys;       /* occupied slots */
	uint32_t slots;      /* table size, base + overflow tail */
	uint32_t sources;    /* source table entries */
	struct {
		uint32_t off;  /* from the start of the file */
		uint32_t size; /* bytes */
	} sec[IX_SEC_COUNT];
	uint64_t checksum; /* XXH3-64 of bytes [0, 120) and SUMS */
} ix_header;

_Static_assert(sizeof(ix_header) == IX_HEADER_SIZE, "header layout");
#define IX_HEADER_SUMMED 120u /* header bytes under the checksum */

typedef struct ix_slot {
	uint32_t tag; /* high 32 bits of the key hash (0 -> 1); 0 if empty */
	uint32_t key; /* offset of the key record in KEYS */
} ix_slot;

typedef struct ix_indicator {
	uint8_t id[16];          /* UUID of "indicator--<uuid>", or u32 STRINGS offset */
	uint32_t valid_until[2]; /* sol_time as two little-endian halves */
	uint16_t source;         /* source number, | IX_ID_TEXT if the id is text */
	uint8_t tlp;             /* stix_tlp */
	int8_t confidence;       /* 0..100, -1 if none */
} ix_indicator;

_Static_assert(sizeof(ix_slot) == 8, "slot layout");
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

/* The slot tag of a key hash (never 0: 0 marks an empty slot). */
static inline uint32_t ix_tag(uint64_t h)
{
	uint32_t t = (uint32_t)(h >> 32);
	return t ? t : 1;
}

/* Home slot of tag t in a table of `base` home slots. */
static inline uint32_t ix_home(uint32_t t, uint32_t base)
{
	return (uint32_t)(((uint64_t)t * base) >> 32);
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
 * header checksum and SUMS, so the fuzz target reaches the bounds checks
 * of every read; everything else is the same as index_open's.
 */
int index_open_mem(const void *p, size_t len, bool check_sum, index_snapshot **out, sol_err *err);

#endif
