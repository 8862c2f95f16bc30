/*
 * scan_int.h - what the files of the scan module share: the reader's
 * state, the value classes, the candidate list every structured format
 * fills, and the small JSON walker.
 *
 * The shape of a scan. reader.c splits the input into lines and hands each
 * one to the scanner of the format (zeek_tsv.c, zeek_json.c, eve.c,
 * text.c). The structured scanners first walk the whole record and note
 * each interesting value as a candidate: a slice of the line, the field
 * name to report and a class saying how to read it. Only when the record
 * proved complete (all its Zeek columns, a JSON object that closes) are
 * the candidates emitted, with the record's time, which may come after
 * them in the line. Emitting decodes escapes, splits Zeek sets, builds the
 * http URL from its host and path, parses the value into its normal form
 * (obs_parse), looks it up (index_lookup) and calls back once per hit.
 * Nothing is allocated per line: every buffer lives in the reader.
 */
#ifndef SOL_SCAN_INT_H
#define SOL_SCAN_INT_H

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "scan/scan.h"

enum {
	SCAN_MAX_CANDS = 256,       /* candidates kept per record; more are dropped */
	SCAN_VALUE_MAX = 4096,      /* longest raw value looked at (decoded, refanged) */
	SCAN_TOKEN_MAX = 4096,      /* longest free-text token looked at */
	SCAN_ZEEK_MAX_FIELDS = 512, /* columns in a Zeek #fields line */
	SCAN_ZEEK_NAMES_MAX = 8192, /* bytes of Zeek field names kept */
	SCAN_JSON_PATH_MAX = 256,   /* longest dotted key path reported */
	SCAN_JSON_DEPTH = 32,       /* deepest JSON nesting accepted */
	SCAN_KEYS_MAX = 64,         /* rules in one key table */
	SCAN_KEY_LEN_MAX = 64,      /* keys of a rule table are shorter than this */
	SCAN_CACHE_SLOTS = 16384,   /* values remembered as "no hit" (a power of two) */
	SCAN_CACHE_KEY_MAX = 53,    /* longest value remembered */
	SCAN_SEEN_MAX = 64,         /* hits remembered per line, to report each once */
};

/* How a value is read. */
typedef enum scan_class {
	SCAN_C_NONE = 0,
	SCAN_C_IP,       /* an IPv4 or IPv6 address */
	SCAN_C_NAME,     /* a domain name or an address (DNS names, hosts, SNI) */
	SCAN_C_EMAIL,    /* an address, possibly "Name <addr>" */
	SCAN_C_HASH,     /* hex md5/sha1/sha256/sha512, colons allowed */
	SCAN_C_URL,      /* an absolute URL */
	SCAN_C_URL_HOST, /* a NAME that is also the host of the record's URL */
	SCAN_C_URL_PATH, /* the path of the record's URL (absolute URLs as they are) */
	SCAN_C_TIME,     /* the record time: epoch seconds or ISO 8601 */
	SCAN_C_ANY,      /* whatever obs_parse detects (free text) */
	SCAN_C_TOKEN,    /* a whole free-text token (negative cache only) */
} scan_class;

/* Candidate flags. */
enum {
	SCAN_F_JSON_ESC = 1, /* the slice holds JSON backslash escapes */
	SCAN_F_ZEEK_ESC = 2, /* the slice holds Zeek \xHH escapes */
	SCAN_F_SET = 4,      /* a Zeek set/vector: split on the set separator */
};

typedef struct scan_cand {
	const char *field; /* field name reported (lives as long as the reader) */
	const char *s;     /* raw bytes in the line */
	uint32_t n;        /* their length */
	uint8_t cls;       /* scan_class */
	uint8_t flags;     /* SCAN_F_* */
} scan_cand;

/* One entry of a field table: a key (Zeek name or dotted JSON path). */
typedef struct scan_rule {
	const char *key;   /* "id.orig_h", "dns.answers.rdata" */
	const char *field; /* name reported: "id.orig_h", "dns.rdata" */
	scan_class cls;    /* how its values are read */
} scan_rule;

/* A rule table indexed by key length, so most keys are refused at once. */
typedef struct scan_keys {
	uint64_t lens;                         /* bit n set: some key has length n */
	const scan_rule *prefix;               /* a rule whose key ends in ".*", or NULL */
	size_t prefix_len;                     /* its key's length without the '*' */
	uint8_t start[SCAN_KEY_LEN_MAX];       /* first slot in order[] of length n */
	uint8_t count[SCAN_KEY_LEN_MAX];       /* slots of length n */
	const scan_rule *order[SCAN_KEYS_MAX]; /* rules sorted by key length */
	char first[SCAN_KEYS_MAX];             /* first byte of each key in order[] */
	char final[SCAN_KEYS_MAX];             /* last byte of each key in order[] */
	uint32_t nheads;                       /* distinct first components of dotted keys */
	uint8_t head_len[SCAN_KEYS_MAX];       /* their lengths */
	const char *heads[SCAN_KEYS_MAX];      /* "dns" of "dns.rrname" (points into a key) */
} scan_keys;

/* Zeek TSV header state: what #separator ... #types said. */
typedef struct scan_zeek_col {
	uint8_t cls;       /* scan_class, SCAN_C_NONE for uninteresting columns */
	bool set;          /* set[...] or vector[...] type */
	uint16_t name_off; /* field name at names + name_off */
} scan_zeek_col;

typedef struct scan_zeek_header {
	char sep;                                 /* field separator, '\t' by default */
	char set_sep;                             /* set separator, ',' by default */
	char empty[32];                           /* #empty_field text, "(empty)" */
	char unset[32];                           /* #unset_field text, "-" */
	size_t empty_len;                         /* strlen(empty) */
	size_t unset_len;                         /* strlen(unset) */
	bool typed;                               /* a #types line was seen for these fields */
	uint32_t nfields;                         /* columns in #fields, 0 before any */
	uint32_t last;                            /* 1 + index of the last interesting column */
	uint16_t names_len;                       /* bytes used in names */
	char names[SCAN_ZEEK_NAMES_MAX];          /* NUL-separated field names */
	char types[SCAN_ZEEK_NAMES_MAX];          /* NUL-separated types */
	uint16_t type_off[SCAN_ZEEK_MAX_FIELDS];  /* type of column i at types + off */
	uint32_t ntypes;                          /* types in #types */
	scan_zeek_col cols[SCAN_ZEEK_MAX_FIELDS]; /* per column */
} scan_zeek_header;

/*
 * The negative cache. Logs repeat themselves: the same client address,
 * resolver and query name come back line after line. A value read as
 * class cls either never parses or parses and hits nothing, and as the
 * index does not change under a reader, remembering the raw bytes of such
 * values (direct-mapped by hash) saves the parse and the lookup the next
 * time. Free text remembers whole tokens too ("sshd[42]:", a path), which
 * saves cutting them into atoms. Values that hit are never remembered, so
 * every hit is reported.
 */
typedef struct scan_cache_slot {
	uint64_t hash;                /* hash of (bytes, class); 0 = empty */
	uint8_t len;                  /* bytes in key */
	uint8_t cls;                  /* scan_class the value was read as */
	uint8_t values;               /* values it looked up (counted again on reuse) */
	char key[SCAN_CACHE_KEY_MAX]; /* the raw bytes */
} scan_cache_slot;

/* A reader makes its own cache when it first needs one, or borrows one
 * (scan_reader_lend_cache) that outlives it: the readers one thread runs
 * in turn, chunk after chunk and file after file, then share what they
 * learnt, which a fresh 1 MiB table per chunk would learn again. */
typedef struct scan_cache {
	scan_cache_slot slot[SCAN_CACHE_SLOTS];
} scan_cache;

struct scan_reader {
	const index_snapshot *ix;       /* borrowed index */
	scan_format fmt;                /* format in use; AUTO until the first line */
	char *input;                    /* input name (copy) */
	scan_hit_fn fn;                 /* callback of the feed in progress */
	void *ctx;                      /* its context */
	sol_buf carry;                  /* partial line carried between feeds */
	bool overlong;                  /* the carried line went past SCAN_MAX_LINE */
	uint64_t line;                  /* number of the last line started */
	scan_stats stats;               /* counters */
	sol_time ts;                    /* time of the record being emitted */
	const char *ts_raw;             /* its text in the line, parsed at the first hit */
	size_t ts_len;                  /* bytes of ts_raw */
	scan_keys keys;                 /* JSON key table of the format */
	scan_zeek_header zh;            /* Zeek TSV header */
	size_t ncand;                   /* candidates of the current record */
	uint64_t seen[SCAN_SEEN_MAX];   /* (field, value, indicator) hits of seen_line */
	size_t nseen;                   /* entries in seen */
	uint64_t seen_line;             /* the line seen[] is about */
	uint64_t matches;               /* lookups that found indicators */
	uint64_t reset_line;            /* first "#separator" line fed, 0 if none */
	scan_stats at_reset;            /* the counters just before it */
	bool stop_at_reset;             /* end the feed there (SCAN_STOP_RESET) */
	scan_cand cand[SCAN_MAX_CANDS]; /* the candidates */
	obs_value val;                  /* value being looked up */
	index_hit hits[INDEX_MAX_HITS]; /* its hits */
	char tmp[SCAN_VALUE_MAX];       /* a decoded value */
	char url[SCAN_VALUE_MAX];       /* "http://" host path */
	char tok[SCAN_TOKEN_MAX + 1];   /* a refanged free-text token */
	scan_cache *cache;              /* values known to hit nothing, or NULL */
	bool cache_lent;                /* cache is borrowed, not owned */
};

/*
 * The first byte in p[0..e) equal to a or b, or e. Fields and strings in
 * logs are short, so rather than a libc call per field this compares
 * sixteen bytes at a time with SSE2 (one movemask and a count of trailing
 * zeros give the position), or, without SSE2, eight at a time in a
 * register: XOR with the wanted byte turns its copies to zero, and
 * (w - 0x01..) & ~w & 0x80.. is non-zero exactly when w holds a zero byte.
 */
static inline const char *scan_find(const char *p, const char *e, char a, char b)
{
#if defined(__SSE2__)
	const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
	for (; e - p >= 16; p += 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(w, va), _mm_cmpeq_epi8(w, vb)));
		if (m)
			return p + __builtin_ctz(m);
	}
#else
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	const uint64_t pa = ones * (unsigned char)a, pb = ones * (unsigned char)b;
	while (e - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t wa = w ^ pa, wb = w ^ pb;
		if (((wa - ones) & ~wa & highs) | ((wb - ones) & ~wb & highs))
			break;
		p += 8;
	}
#endif
	while (p < e && *p != a && *p != b)
		p++;
	return p;
}

/*
 * Bit i of the result is set when p[i] == c, for the first n bytes of p
 * (n <= 64; the other bits are clear). With SSE2 each 16 bytes cost one
 * compare and one movemask, so a scanner can walk a line 64 bytes at a
 * time and visit each separator with a count-trailing-zeros.
 */
static inline uint64_t scan_eq_mask(const char *p, size_t n, char c)
{
	char pad[64];
	if (n < 64) {
		memcpy(pad, p, n);
		memset(pad + n, 0, 64 - n);
		p = pad;
	}
	uint64_t m = 0;
#if defined(__SSE2__)
	const __m128i want = _mm_set1_epi8(c);
	for (int i = 0; i < 4; i++) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, want)) << (16 * i);
	}
#else
	for (int i = 0; i < 64; i++)
		m |= (uint64_t)(p[i] == c) << i;
#endif
	return n < 64 ? m & (((uint64_t)1 << n) - 1) : m;
}

/* ---- reader.c: emitting values --------------------------------------- */

/* Note a candidate of the current record (dropped past SCAN_MAX_CANDS). */
void scan_cand_add(scan_reader *r, const char *field, const char *s, size_t n, scan_class cls,
		   unsigned flags);
/* Emit the current record's candidates and clear them: decode, split,
 * build the URL, look up, call back. Returns 0 or the callback's value. */
int scan_cands_emit(scan_reader *r);
/* Read s[0..n) as class cls, look it up and call back per hit. */
int scan_value_emit(scan_reader *r, const char *field, const char *s, size_t n, scan_class cls);
/* A value about to be read, for the negative cache. */
typedef struct scan_memo {
	scan_cache_slot *slot; /* its slot, NULL if too long to remember */
	uint64_t hash;         /* its hash */
	uint64_t values;       /* r->stats.values before reading it */
	uint64_t matches;      /* r->matches before reading it */
} scan_memo;

/* Is s[0..n) read as cls known to hit nothing? Then the values it looked
 * up are counted again and true is returned; else m is readied for
 * scan_memo_end, to be called once s has been read. */
bool scan_memo_begin(scan_reader *r, const char *s, size_t n, scan_class cls, scan_memo *m);
/* s[0..n) has been read as cls: remember it if it hit nothing. */
void scan_memo_end(scan_reader *r, const char *s, size_t n, scan_class cls, const scan_memo *m);
/* Look up r->val, already parsed, and call back per hit. */
int scan_lookup(scan_reader *r, const char *field);
/* Epoch seconds "1521911720.865716" or ISO 8601 with Z or +hhmm; or NONE. */
sol_time scan_time_parse(const char *s, size_t n);
/* The current record's time is s[0..n): parsed only if the record hits. */
static inline void scan_time_note(scan_reader *r, const char *s, size_t n)
{
	r->ts_raw = s;
	r->ts_len = n;
}

/* ---- json_fields.c: the JSON line walker ----------------------------- */

enum { SCAN_JSON_STRING = 1, SCAN_JSON_NUMBER = 2 };

/* Called per scalar: path is the dotted key path ("dns.answers.rdata";
 * array elements share their array's path), val the raw bytes (a string
 * without its quotes), type SCAN_JSON_*, esc true if val holds escapes. */
typedef void (*scan_json_fn)(void *ctx, const char *path, size_t plen, const char *val, size_t vlen,
			     int type, bool esc);

/* Walk s[0..n), which must be exactly one JSON object (blanks around it
 * allowed). With a key table, objects under top-level keys that begin no
 * key of the table ("flow", "tcp"), and scalars at paths no key of the
 * table can be (by length or prefix), are checked but not reported.
 * Returns 0, or -1 if it is malformed or cut short; fn may have been
 * called before a -1. */
int scan_json_walk(const char *s, size_t n, const scan_keys *filter, scan_json_fn fn, void *ctx);
/* Decode JSON string escapes of s[0..n) into out; returns the length or
 * (size_t)-1 if malformed or over cap. */
size_t scan_json_unescape(const char *s, size_t n, char *out, size_t cap);

/* Index rules[0..n); a key "a.b.*" matches every path under "a.b." (one
 * such rule per table). */
void scan_keys_init(scan_keys *k, const scan_rule *rules, size_t n);
const scan_rule *scan_keys_find(const scan_keys *k, const char *key, size_t n);
/* Is key[0..n) the first component of some dotted key of the table? */
bool scan_keys_head(const scan_keys *k, const char *key, size_t n);
/* Scan one JSON record with the reader's key table: walk it, keep the
 * values of known keys, take the record time from TIME keys, and emit
 * them if the record is whole (else count it skipped). Blank lines are
 * nothing. Returns 0 or the callback's value. */
int scan_json_line(scan_reader *r, const char *s, size_t n);

/* ---- the formats -------------------------------------------------------- */

/* The Zeek field vocabulary shared by TSV and JSON (zeek_tsv.c). */
extern const scan_rule scan_zeek_rules[];
extern const size_t scan_zeek_nrules;

/*
 * A Zeek "#separator" line resets the whole header, so what follows it
 * does not depend on what came before. The reader notes the first one it
 * meets (reset_line, at_reset) and, with stop_at_reset, ends the feed
 * there, returning SCAN_STOP_RESET: input.c rescans only the part of a
 * chunk before it when the chunk was started with the wrong header.
 */
enum { SCAN_STOP_RESET = 1 };

/* Reset h to the defaults before any header line. */
void scan_zeek_tsv_init(scan_zeek_header *h);
/* The negative cache lent to readers (scan_reader_lend_cache): _new/_free. */
scan_cache *scan_cache_new(void);
void scan_cache_free(scan_cache *c);
/* Make r use c, borrowed (it must outlive r), instead of a cache of its
 * own; c must only ever have seen r's index. */
void scan_reader_lend_cache(scan_reader *r, scan_cache *c);
/* Do a and b read rows alike (separators, columns, their names and classes)? */
bool scan_reader_same_header(const scan_reader *a, const scan_reader *b);
/* Scan one line of each format; 0 or the callback's value. */
int scan_zeek_tsv_line(scan_reader *r, const char *s, size_t n);
int scan_zeek_json_line(scan_reader *r, const char *s, size_t n);
int scan_eve_line(scan_reader *r, const char *s, size_t n);
/* Fill the JSON key table of a format. */
void scan_zeek_json_keys(scan_keys *k);
void scan_eve_keys(scan_keys *k);
int scan_text_line(scan_reader *r, const char *s, size_t n);

#endif
