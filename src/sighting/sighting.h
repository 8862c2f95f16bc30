/*
 * sighting.h - what a hit becomes: a JSON line for the analyst, a STIX 2.1
 * Sighting for a partner, a stored Sighting version to push back.
 *
 * JSON lines (one per hit, documented in docs/matching.md):
 *   {"time","input","line","field","observed","type","indicator","match",
 *    "subdomains","source","tlp","confidence","valid_until"}
 * Aggregation folds hits per indicator into (count, first_seen, last_seen);
 * a run's aggregate is written as a bundle of Sighting objects, or recorded
 * in the store as a new version of one Sighting per (this node, indicator):
 * its id is a UUIDv5 of both, so later runs update it instead of adding
 * more.
 *
 * Ownership: sighting_agg is _new/_free and borrows the index snapshot it
 * was made for. Output goes to a caller-owned sol_buf or FILE.
 */
#ifndef SOL_SIGHTING_H
#define SOL_SIGHTING_H

#include <stdio.h>

#include "core/core.h"
#include "index/index.h"
#include "scan/scan.h"
#include "store/store.h"

/* Append the JSON line of one hit (with '\n') to out. */
int sighting_hit_json(const index_snapshot *ix, const scan_hit *h, sol_buf *out);

typedef struct sighting_agg sighting_agg;

sighting_agg *sighting_agg_new(const index_snapshot *ix);
void sighting_agg_free(sighting_agg *a);
/* Count one hit of indicator ind seen at ts (SOL_TIME_NONE: unknown). */
void sighting_agg_add(sighting_agg *a, uint32_t ind, sol_time ts);

/*
 * The Sighting objects of the aggregate, as a STIX 2.1 bundle written to
 * out: this node's identity, the TLP marking definitions used, and one
 * Sighting per indicator (sighting_of_ref, count, first_seen, last_seen,
 * where_sighted_refs = [identity], created_by_ref = identity, marked with
 * the indicator's TLP). identity is the node's identity object.
 */
int sighting_agg_write_bundle(const sighting_agg *a, const json_t *identity, sol_time now,
			      FILE *out, sol_err *err);

typedef struct sighting_record_stats {
	int64_t created; /* Sightings stored for the first time */
	int64_t updated; /* new versions of existing Sightings */
} sighting_record_stats;

/*
 * Record the aggregate in the store in one transaction: for each
 * indicator, the next version of its Sighting (count added, first_seen and
 * last_seen widened, modified = now). The node identity is stored too.
 */
int sighting_agg_record(const sighting_agg *a, store *st, const json_t *identity, sol_time now,
			sighting_record_stats *stats, sol_err *err);

/* The id of this node's Sighting of indicator_id (deterministic). */
void sighting_id(const char *identity_id, const char *indicator_id, char out[64]);

#endif
