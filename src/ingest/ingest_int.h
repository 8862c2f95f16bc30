/*
 * ingest_int.h - what the importers inside src/ingest/ share; not for other
 * modules.
 *
 * Each importer turns its input into STIX objects and hands every one to
 * ingest_object() (ingest.h), which validates, counts and stores it. The
 * transaction around one input belongs to ingest_path()/ingest_buffer() in
 * ingest.c, never to an importer.
 */
#ifndef SOL_INGEST_INT_H
#define SOL_INGEST_INT_H

#include <stdio.h>

#include "ingest/ingest.h"

typedef struct ingest_pipe ingest_pipe;

/* The buffers a thread reuses from object to object (_new/_free). */
typedef struct ingest_scratch {
	char *dump;      /* the canonical JSON of the object being put */
	size_t dump_cap; /* bytes allocated at dump */
	sol_buf text;    /* stix_element_parse's scratch */
} ingest_scratch;

ingest_scratch *ingest_scratch_new(void);
void ingest_scratch_free(ingest_scratch *sc);

struct ingest_ctx {
	store *st;               /* NULL: validate and count only */
	ingest_opts opts;        /* copy of the caller's options (strings borrowed) */
	ingest_report *rep;      /* report of the input being imported */
	sol_time ts_time;        /* ingest_value: the time last formatted into ts */
	char ts[32];             /* ... as STIX writes it; "" until the first */
	sol_buf json;            /* ingest_value: the indicator being written, reused */
	ingest_scratch *scratch; /* ingest_object's buffers on the reading thread */
	ingest_pipe *pipe;       /* the store thread's queue (pipe.c), or NULL */
};

/*
 * ingest_object() with the buffers of the calling thread (sc), queueing
 * the put on pipe or, if pipe is NULL, storing here: the store thread
 * runs it for the elements it parses.
 */
int ingest_object_with(ingest_ctx *cx, ingest_scratch *sc, ingest_pipe *pipe, json_t *obj,
		       const char *where, sol_err *err);

/* STIX: stream a bundle/envelope/array/object from f (stix_bundle_reader). */
int ingest_stix_stream(ingest_ctx *cx, FILE *f, const char *name, sol_err *err);

/* MISP: one document already in memory: {"Event":{...}}, a bare event,
 * {"response":[{"Event":...}...]} or [{"Event":...}...]. */
int ingest_misp_json(ingest_ctx *cx, const char *data, size_t len, const char *name, sol_err *err);
/* MISP feed directory: manifest.json, <uuid>.json per event, hashes.csv. */
int ingest_misp_feed(ingest_ctx *cx, const char *dir, sol_err *err);

/* CSV (fmt INGEST_CSV) or one-value-per-line text (INGEST_TEXT), streamed. */
int ingest_lines(ingest_ctx *cx, FILE *f, const char *name, ingest_format fmt, sol_err *err);

/*
 * A new STIX indicator for one observable value, as the CSV/text and MISP
 * importers create them:
 *   id          indicator--<uuid5(solidarity ns, source NUL pattern)> unless
 *               `uuid` is given (MISP attribute uuids are kept)
 *   pattern     "[" obs_stix_comparison(v) "]"; plain domains from lists
 *               that mean "and below" (subdomains=true) get
 *               "[domain-name:value = 'x' OR domain-name:value LIKE '%.x']"
 *   created, modified, valid_from = when; valid_until = opts.valid_until
 *   object_marking_refs = TLP 2.0 id of tlp (none for TLP_NONE)
 *   created_by_ref = created_by (may be NULL)
 *   name = name (may be NULL), labels/description left out.
 * Returns a new reference, or NULL if the value is not valid UTF-8.
 */
json_t *ingest_indicator_new(ingest_ctx *cx, const obs_value *v, bool subdomains, const char *uuid,
			     const char *name, stix_tlp tlp, const char *created_by, sol_time when);

/*
 * Like ingest_object(), for objects we generated ourselves from a value
 * (CSV/text): if an object with this id is already stored, it is counted
 * as unchanged and not stored again, so importing the same list twice
 * changes nothing.
 */
int ingest_generated(ingest_ctx *cx, json_t *obj, const char *where, sol_err *err);

/*
 * CSV/text's fast path: exactly ingest_indicator_new(cx, v, subdomains,
 * NULL, v->norm, opts.default_tlp, NULL, when) passed to ingest_generated,
 * but with the canonical JSON and the atoms written directly instead of
 * built, dumped and parsed again. A value that is not valid UTF-8 is an
 * error at `where`, or a rejection with skip_invalid.
 */
int ingest_value(ingest_ctx *cx, const obs_value *v, bool subdomains, sol_time when,
		 const char *where, sol_err *err);

/*
 * Store one valid version with its effective TLP, and count it (objects,
 * put[], types); if_absent: only if the id is new (store_object.if_absent),
 * which never joins a collection with an existing version. packed: the
 * body packed ahead (store_packer_pack), or NULL.
 */
int ingest_object_store(ingest_ctx *cx, const stix_meta *meta, const char *json, size_t len,
			const stix_atoms *atoms, bool if_absent, const store_packed *packed,
			sol_err *err);

/*
 * pipe.c: the store puts of an import on a second thread. _start returns
 * NULL if no thread could be made (then put directly); with pack, the
 * reading thread also packs bodies (store_packer_pack), which pays when
 * reading is the lighter half (lists). _put queues
 * ingest_object_store(cx, ...) of a copy of what it reads (meta's type,
 * id and facts, not its pattern; the JSON; the atoms), or returns the
 * error of an earlier put. _drain waits until every queued put is done,
 * after which the caller may use the store and the report's rejections
 * until its next _put. _stop waits for the queue (or with cancel drops
 * its puts, though queued elements are still parsed, checked and put, as
 * one of them may hold the input's first error), ends the thread, frees
 * the pipe and returns the first error.
 */
ingest_pipe *ingest_pipe_start(ingest_ctx *cx, bool pack);
int ingest_pipe_put(ingest_pipe *p, const stix_meta *meta, const char *json, size_t len,
		    const stix_atoms *atoms, bool if_absent, sol_err *err);
/*
 * STIX: hand element el (copied) to the store thread, which parses it
 * (stix_element_parse) and runs ingest_object_with on it, if the store
 * thread is short of work; 1 if it took el, 0 if the reader is to parse
 * it, or the error of an earlier put.
 */
int ingest_pipe_put_element(ingest_pipe *p, const stix_element *el, sol_err *err);
int ingest_pipe_drain(ingest_pipe *p, sol_err *err);
int ingest_pipe_stop(ingest_pipe *p, bool cancel, sol_err *err);

/* Record a rejection in the report (where and msg copied). */
void ingest_reject_add(ingest_ctx *cx, const char *where, const char *msg);

#endif
