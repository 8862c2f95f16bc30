/*
 * index.h - the compiled snapshot of line-matchable atoms, and the
 * warninglists that keep known-benign values out of it.
 *
 * `solidarity compile` feeds every current, non-revoked, still-valid atom
 * to an index_builder, which writes one immutable file (layout in
 * format.h) to a temporary name and renames it into place. The matcher
 * maps it with index_open() (an index_snapshot) and looks values up
 * without allocating; every lookup costs the same whatever the number of
 * indicators.
 *
 * Lookup rules (all keys are observable.h normal forms):
 *   ipv4/ipv6   exact address, else the longest CIDR containing it; an
 *               IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as
 *               the IPv4 address
 *   domain      the exact name (indicators without `subdomains`), then the
 *               name and each parent (indicators with `subdomains`); the
 *               most specific match wins
 *   url, email, md5, sha1, sha256, sha512: exact (hashes stored as bytes)
 * A value may belong to several indicators (partners share the same IP):
 * a lookup returns all of them for the winning key.
 *
 * Ownership: index_builder is _new/_free. index_snapshot is _open/_close;
 * the sources and values it returns point into the mapping and are valid
 * until index_close; an indicator's id is either in the mapping or in the
 * caller's index_indicator (id_buf). A snapshot is read-only and may be
 * shared by threads. warninglist is _new/_free.
 */
#ifndef SOL_INDEX_H
#define SOL_INDEX_H

#include "core/core.h"
#include "observable/observable.h"
#include "stix/stix.h"
#include "store/store.h"

/* ---- building --------------------------------------------------------- */

typedef struct index_builder index_builder;

index_builder *index_builder_new(void);
void index_builder_free(index_builder *b);

/* Add an indicator; returns its number for index_builder_atom. Strings are
 * copied. valid_until is SOL_TIME_NONE when the indicator has none. */
uint32_t index_builder_indicator(index_builder *b, const char *id, const char *source, stix_tlp tlp,
				 int confidence, sol_time valid_until);

/* Add one atom (value in normal form) of indicator ind. Returns 0, or
 * SOL_EINVALID if value is not a valid normal form of kind. */
int index_builder_atom(index_builder *b, uint32_t ind, obs_kind kind, bool subdomains,
		       const char *value);

/* Write the snapshot to path atomically (path.tmp.PID, fsync, rename). */
int index_builder_write(index_builder *b, const char *path, sol_err *err);

/* ---- matching --------------------------------------------------------- */

typedef struct index_snapshot index_snapshot;

/*
 * Map a snapshot and check its header (magic, version, sizes, header
 * checksum, section bounds): constant time whatever its size. A truncated
 * or foreign file is SOL_EINVALID with a message, never a crash. The data
 * is verified lazily against its block checksums as lookups touch it; see
 * index_error and index_verify.
 */
int index_open(const char *path, index_snapshot **out, sol_err *err);
void index_close(index_snapshot *ix);

/* Verify every block now (reads the whole file). 0, or SOL_EINVALID
 * naming the first damaged block. */
int index_verify(const index_snapshot *ix, sol_err *err);

/* 0, or SOL_EINVALID if some lookup met a damaged block (those lookups
 * found nothing from it): the run that used ix must fail. */
int index_error(const index_snapshot *ix, sol_err *err);

typedef struct index_hit {
	uint32_t ind;     /* indicator number, for index_indicator_get */
	obs_kind kind;    /* kind of the indicator's atom (cidr4 for a CIDR hit) */
	bool subdomains;  /* the atom covers subdomains */
	const void *atom; /* the atom's key record, for index_hit_value */
} index_hit;

#define INDEX_MAX_HITS 64   /* hits returned per lookup; more are counted only */
#define INDEX_VALUE_BUF 160 /* room for any address or hash value's text */

/*
 * The atom's value as compiled ("10.0.0.0/8", "evil.example"), in its
 * observable.h normal form: addresses and hashes are written into buf,
 * other values point into the mapping. Sets *len.
 */
const char *index_hit_value(const index_hit *h, char buf[INDEX_VALUE_BUF], size_t *len);

/*
 * Look up one normalised value. Fills up to max hits and returns how many
 * indicators matched (which may exceed max). Never allocates.
 */
size_t index_lookup(const index_snapshot *ix, const obs_value *v, index_hit *hits, size_t max);

typedef struct index_indicator {
	const char *id;       /* "indicator--..." */
	const char *source;   /* source name */
	stix_tlp tlp;         /* effective TLP */
	int confidence;       /* -1 if none */
	sol_time valid_until; /* SOL_TIME_NONE if none */
	char id_buf[48];      /* id text when the file keeps only its UUID */
} index_indicator;

/* Fill out for indicator ind (< index_info.indicators). out->id points
 * into out->id_buf or into the mapping; the other strings into the mapping. */
void index_indicator_get(const index_snapshot *ix, uint32_t ind, index_indicator *out);

typedef struct index_info {
	uint32_t version;    /* format version */
	sol_time created;    /* when compiled */
	uint64_t indicators; /* indicator records */
	uint64_t atoms;      /* atoms (keys) */
	uint64_t bytes;      /* file size */
} index_info;

void index_info_get(const index_snapshot *ix, index_info *out);

/* ---- lifetimes -------------------------------------------------------- */

/*
 * How long an indicator without valid_until keeps matching, per kind of
 * atom, counted from its valid_from (else its version time). Addresses
 * churn fast, hashes never change meaning. Defaults (docs/matching.md):
 *   ipv4, ipv6, cidr4, cidr6   30 days
 *   url                        90 days
 *   domain, email             180 days
 *   md5, sha1, sha256, sha512  never expire
 */
typedef struct index_lifetimes {
	int64_t days[OBS_KIND_COUNT]; /* per obs_kind; 0 = never expires */
} index_lifetimes;

void index_lifetimes_init(index_lifetimes *l);
/* Apply "ipv4=14d,domain=never,url=2w" (units d, w; "never"); kinds are
 * obs_kind_name()s, "ip" means all four address kinds and "hash" all four
 * hashes. SOL_EUSAGE with the offending item in err. */
int index_lifetimes_set(index_lifetimes *l, const char *spec, sol_err *err);
/* When an atom of kind k valid from `from` stops matching by default;
 * SOL_TIME_NONE if never. */
sol_time index_lifetime_end(const index_lifetimes *l, obs_kind k, sol_time from);

/* ---- compiling from the store ----------------------------------------- */

typedef struct warninglist warninglist;

typedef struct index_compile_opts {
	const warninglist *benign; /* known-benign values to leave out (NULL: none) */
	index_lifetimes lifetimes; /* default lifetimes */
	sol_time now;              /* what "still valid" is measured against */
} index_compile_opts;

typedef struct index_compile_stats {
	int64_t indicators;    /* indicators compiled */
	int64_t atoms;         /* atoms compiled */
	int64_t expired;       /* atoms left out: valid_until or lifetime passed */
	int64_t warninglisted; /* atoms left out: flagged known-benign */
	int64_t invalid;       /* atoms left out: not a valid normal form */
} index_compile_stats;

/* Told about every atom left out and why ("expired 2026-10-01T00:00:00.000Z",
 * "warninglist: List of known IPv4 public DNS resolvers"). */
typedef int (*index_explain_fn)(void *ctx, const char *indicator_id, obs_kind kind,
				const char *value, const char *why);

/* An atom that survived selection, with its indicator; borrowed. */
typedef struct index_selected {
	const store_indicator *ind; /* the indicator (id, source, tlp, ...) */
	const stix_atom *atom;      /* the atom as stored */
	const obs_value *value;     /* the atom parsed: kind, normal form, address */
} index_selected;

typedef int (*index_select_fn)(void *ctx, const index_selected *sel);

/*
 * The atoms that are enforceable now: of current, non-revoked indicators,
 * not past their valid_until or default lifetime, not flagged by the
 * warninglist. fn hears each kept atom, explain (may be NULL) each one
 * left out and why. Compile and every export select through this one
 * function, so they always agree. stats counts as index_compile does
 * (indicators = indicators with at least one atom kept). The store is
 * walked in a thread of its own while fn and explain run in the caller's,
 * so they must not use the store.
 */
int index_select(store *st, const index_compile_opts *o, index_select_fn fn, void *fn_ctx,
		 index_explain_fn explain, void *explain_ctx, index_compile_stats *stats,
		 sol_err *err);

/*
 * The same selection for one indicator the caller already holds (a
 * changed or expiring indicator, when a consumer keeps its own state up
 * to date instead of walking the store again): fn hears each kept atom,
 * explain each one left out; stats is added to, not reset.
 */
int index_select_indicator(const store_indicator *ind, const index_compile_opts *o,
			   index_select_fn fn, void *fn_ctx, index_explain_fn explain,
			   void *explain_ctx, index_compile_stats *stats);

/*
 * Compile the current, non-revoked indicators of the store into a snapshot
 * at path: atoms past their valid_until or default lifetime and atoms
 * flagged by the warninglist are left out (explain, if not NULL, hears of
 * each). The file is replaced atomically.
 */
int index_compile(store *st, const char *path, const index_compile_opts *o,
		  index_explain_fn explain, void *ctx, index_compile_stats *stats, sol_err *err);

/* ---- warninglists ----------------------------------------------------- */

/*
 * Known-benign values: built-in facts in named categories
 *   special-purpose   IANA IPv4/IPv6 special-purpose registries (private,
 *                     shared, link-local, this-network, reserved, ...)
 *   loopback          127.0.0.0/8, ::1, localhost
 *   multicast         224.0.0.0/4, ff00::/8, broadcast
 *   documentation     192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
 *                     2001:db8::/32, RFC 2606 example names (.example,
 *                     example.com/.net/.org)
 *   public-resolvers  the big public DNS resolvers' addresses
 *   reserved-names    RFC 2606/6761 TLDs: test, invalid, localhost, local
 * plus MISP warninglists read from a checkout of misp-warninglists
 * (<dir>/<name>/list.json or <dir>/lists/<name>/list.json; types string,
 * substring, hostname, cidr, regex).
 */

/* allow: comma-separated built-in categories to leave out (NULL: none),
 * e.g. "documentation" for demos and tests that use documentation ranges.
 * dir NULL: built-in facts only. Errors name the list file and JSON path. */
int warninglist_new(const char *dir, const char *allow, warninglist **out, sol_err *err);
void warninglist_free(warninglist *wl);

/* The name of the first list that flags v ("builtin: documentation range
 * 192.0.2.0/24", "List of known IPv4 public DNS resolvers"), or NULL. An
 * atom with subdomains is flagged only by lists that cover all of it. */
const char *warninglist_match(const warninglist *wl, const obs_value *v, bool subdomains);

#endif
