/*
 * ingest.h - import intel into the store: STIX 2.1 bundles (streamed), MISP
 * events, event lists and feed directories, CSV and plain-text lists.
 *
 * Every input becomes STIX 2.1 objects that pass through one function,
 * ingest_object(): validate (stix_object_check), decide the effective TLP
 * (the object's own marking, else the source default), extract matchable
 * atoms from indicators, and store the version. One input (a file, stdin or
 * a MISP feed directory) is one transaction: if it fails half way, nothing
 * of it is kept, and the error names the file and line or JSON path.
 *
 * Ownership: ingest_ctx is _new/_free and borrows the store (which may be
 * NULL: validate and count only, as the fuzz targets do). ingest_report is
 * _init/_fini and owns its strings.
 */
#ifndef SOL_INGEST_H
#define SOL_INGEST_H

#include "core/core.h"
#include "stix/stix.h"
#include "store/store.h"

typedef enum ingest_format {
	INGEST_AUTO = 0, /* detect from the path and the first bytes */
	INGEST_STIX,     /* bundle, envelope, array or single object */
	INGEST_MISP,     /* event, list of events, or feed directory */
	INGEST_CSV,      /* delimited columns, one value per row */
	INGEST_TEXT,     /* one value per line */
} ingest_format;

#define INGEST_MAX_LINE 65536       /* CSV/text: longest line */
#define INGEST_MAX_DOC (512u << 20) /* MISP: largest event document */
#define INGEST_MAX_REJECTS 1000     /* rejections kept in a report */

typedef struct ingest_opts {
	ingest_format format;   /* INGEST_AUTO by default */
	const char *source;     /* source name recorded with each version */
	stix_tlp default_tlp;   /* for objects without a TLP marking (AMBER) */
	sol_time valid_until;   /* indicators we create; SOL_TIME_NONE = none */
	bool skip_invalid;      /* store the good objects, report the bad */
	bool subdomains;        /* STIX/MISP domain '=' also matches subdomains */
	int column;             /* CSV: 1-based column of the value; 0 = detect */
	const char *collection; /* TAXII collection id the objects join; NULL: none */
} ingest_opts;

void ingest_opts_init(ingest_opts *o); /* defaults: AUTO, "local", AMBER */

/* A (key, count) tally, used for types, reasons and unknown MISP types. */
typedef struct ingest_tally {
	char *key; /* owned */
	int64_t n; /* count */
} ingest_tally;

typedef struct ingest_tallies {
	ingest_tally *v;
	size_t n, cap;
} ingest_tallies;

typedef struct ingest_reject {
	char *where; /* "feed.csv:12", "$.objects[3].pattern" */
	char *msg;   /* why */
} ingest_reject;

typedef struct ingest_report {
	ingest_format format;       /* what the input turned out to be */
	int64_t objects;            /* objects read and valid */
	int64_t put[5];             /* by store_put_result */
	int64_t rejected;           /* invalid objects or values */
	ingest_tallies types;       /* valid objects by STIX type */
	ingest_tallies unmatchable; /* indicators not line-matchable, by reason */
	ingest_tallies unknown;     /* MISP attribute types we do not map */
	ingest_reject *rejects;     /* first INGEST_MAX_REJECTS rejections */
	size_t n_rejects;
	int64_t skipped_lines; /* CSV/text: comments and blank lines */
} ingest_report;

void ingest_report_init(ingest_report *r);
void ingest_report_fini(ingest_report *r);
void ingest_tally_add(ingest_tallies *t, const char *key, int64_t n);
/* The report as a JSON object (new reference), for --json output. */
json_t *ingest_report_json(const ingest_report *r);
const char *ingest_format_name(ingest_format f);
int ingest_format_parse(const char *name, ingest_format *out);

typedef struct ingest_ctx ingest_ctx;

ingest_ctx *ingest_ctx_new(store *st, const ingest_opts *opts);
void ingest_ctx_free(ingest_ctx *cx);

/*
 * Import one input: a file path, "-" for standard input, or a MISP feed
 * directory. One transaction; on failure nothing is kept and err names the
 * place ("feed.json:4:16", "bundle.json:$.objects[3].id"). Counts are added
 * to *rep (which is left as it was on failure).
 */
int ingest_path(ingest_ctx *cx, const char *path, ingest_report *rep, sol_err *err);

/* The same for bytes already in memory; name is used in error places. */
int ingest_buffer(ingest_ctx *cx, const char *name, const char *data, size_t len,
		  ingest_report *rep, sol_err *err);

/*
 * The single entry every importer feeds: validate obj, decide its TLP,
 * extract atoms, store it, count it. obj is borrowed. Invalid objects are
 * an error, or with skip_invalid a recorded rejection (return 0).
 */
int ingest_object(ingest_ctx *cx, json_t *obj, const char *where, sol_err *err);

/*
 * For a caller that owns the transaction (the TAXII server's POST, which
 * also adds each object to a collection): between ingest_batch_begin and
 * ingest_batch_end, ingest_object() may be called directly and counts into
 * rep. The caller brackets the calls with store_begin/store_commit.
 */
void ingest_batch_begin(ingest_ctx *cx, ingest_report *rep);
void ingest_batch_end(ingest_ctx *cx);

#endif
