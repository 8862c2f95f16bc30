/*
 * export.h - turn what may be enforced into the files resolvers, firewalls
 * and sensors already read: DNS RPZ zones, nftables sets, Suricata datasets
 * and IP reputation, Zeek Intel files, CSV, STIX 2.1 bundles, MISP feeds.
 *
 * Every export starts from the same selection as `solidarity compile`:
 * index_select() yields the enforceable atoms (current, non-revoked,
 * unexpired, not warninglisted; STIX applies the same verdicts with
 * index_select_indicator in its own walk over the bodies, which it
 * needs), and export_opts narrows them further by
 * TLP, source, kind and audience. The writer for the format then sorts
 * and deduplicates the atoms so that the same store always gives the same
 * bytes, and writes them (docs/formats/exports.md):
 *
 *   rpz       one zone file           nft   one `nft -f` script
 *   zeek      one Intel file          csv   one CSV file
 *   stix      one bundle              suricata, misp: one directory
 *
 * Output is written to "<path>.tmp.<pid>" and renamed over path when it is
 * complete (a directory is swapped in with one rename), so a consumer
 * never reads half an export. On error nothing at path changes.
 *
 * Ownership: export_opts is a caller-owned struct filled by
 * export_opts_init; every pointer in it is borrowed for the export_write
 * call.
 */
#ifndef SOL_EXPORT_H
#define SOL_EXPORT_H

#include "core/core.h"
#include "index/index.h"
#include "store/store.h"

typedef enum export_format {
	EXPORT_RPZ,
	EXPORT_NFT,
	EXPORT_SURICATA,
	EXPORT_ZEEK,
	EXPORT_CSV,
	EXPORT_STIX,
	EXPORT_MISP,
	EXPORT_FORMAT_COUNT
} export_format;

const char *export_format_name(export_format f); /* "rpz", "nft", ... */
int export_format_parse(const char *name, export_format *out);

/* What an RPZ trigger does (the draft's policy actions). */
typedef enum export_rpz_policy {
	RPZ_NXDOMAIN, /* CNAME .              */
	RPZ_NODATA,   /* CNAME *.             */
	RPZ_DROP,     /* CNAME rpz-drop.      */
	RPZ_PASSTHRU, /* CNAME rpz-passthru.  */
	RPZ_REDIRECT, /* CNAME <rpz_redirect> */
} export_rpz_policy;

#define EXPORT_RPZ_ZONE "rpz.solidarity." /* default zone name */
#define EXPORT_NAME_MAX 253               /* longest zone or redirect name */

/* Tells whether an indicator may go to this export's audience. */
typedef bool (*export_visible_fn)(void *ctx, const store_indicator *ind);

typedef struct export_opts {
	export_format format;         /* what to write */
	index_compile_opts select;    /* warninglist, lifetimes, now (also the export time) */
	stix_tlp tlp_max;             /* leave out indicators above this TLP (TLP_RED: all) */
	const char *source;           /* only this source; NULL: all */
	uint32_t kinds;               /* bit (1u << obs_kind) per kind kept; 0: all */
	export_visible_fn visible;    /* audience filter; NULL: everyone may see all */
	void *visible_ctx;            /* its context */
	const char *rpz_zone;         /* zone origin, with or without the final dot */
	export_rpz_policy rpz_policy; /* action of every trigger */
	char rpz_redirect[EXPORT_NAME_MAX + 2]; /* RPZ_REDIRECT target, absolute ("x.") */
	const char *rpz_state;                  /* settings key prefix of the serial state; NULL:
						 * "export.rpz.<zone>" (one per audience) */
	const char *path;                       /* output file (or directory: suricata, misp) */
} export_opts;

/* Defaults: RPZ format, lifetimes from index_lifetimes_init, no
 * warninglist, now = sol_time_now(), tlp_max RED, every source and kind,
 * zone EXPORT_RPZ_ZONE, policy nxdomain, path NULL. */
void export_opts_init(export_opts *o);

/* Parse a --type list, comma-separated: "ip" (ipv4, ipv6, cidr4, cidr6),
 * "domain", "url", "hash" (md5, sha1, sha256, sha512), "email", or any
 * obs_kind_name(). Sets *kinds to the bit mask; SOL_EUSAGE naming the
 * unknown item. */
int export_kinds_parse(const char *spec, uint32_t *kinds, sol_err *err);

/* Parse an RPZ policy "nxdomain", "nodata", "drop", "passthru" or
 * "redirect=NAME" into o->rpz_policy (and o->rpz_redirect). SOL_EUSAGE
 * if unknown or NAME is not a valid domain name. */
int export_rpz_policy_parse(const char *spec, export_opts *o, sol_err *err);

/* What an export wrote. */
typedef struct export_stats {
	index_compile_stats select; /* index_select's counters */
	int64_t filtered;           /* atoms left out by tlp_max, source, kind or audience */
	int64_t atoms;              /* atoms handed to the writer */
	int64_t records;            /* lines/elements/attributes written after dedup */
	int64_t skipped;            /* atoms the format cannot express */
	uint32_t rpz_serial;        /* RPZ: the SOA serial written */
} export_stats;

/*
 * Select, filter and write the export o->format to o->path (replaced
 * atomically). stats may be NULL. RPZ reads and updates the store settings
 * "export.rpz.<zone>.hash" and ".serial" (o->rpz_state instead of
 * "export.rpz.<zone>" when set); MISP reads "export.misp.org".
 * SOL_EUSAGE for bad options, SOL_EIO (where = the path) for file errors,
 * or whatever the store returns.
 */
int export_write(store *st, const export_opts *o, export_stats *stats, sol_err *err);

#endif
