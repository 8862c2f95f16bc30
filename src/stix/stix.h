/*
 * stix.h - STIX 2.1 objects, TLP markings, bundles read as a stream, and
 * the patterning language (parser, printer, matchable atoms).
 *
 * Objects are jansson documents (json_t). We validate the common properties
 * of every type as STIX 2.1 section 3 requires, and the type-specific
 * required properties of the objects we act on (see stix_object_check);
 * everything else passes through untouched, so any STIX 2.1 object can be
 * stored and served again.
 *
 * Ownership: stix_meta is _init by stix_object_check and _fini'd by
 * stix_meta_fini (it owns the parsed pattern); its const char * fields are
 * borrowed from the json_t that was checked and live as long as it does.
 * stix_pattern is _new (stix_pattern_parse) / _free. stix_atoms is
 * _init/_fini and owns its values. stix_bundle_reader is _new/_free; the
 * json_t it yields is a new reference the caller must json_decref.
 */
#ifndef SOL_STIX_H
#define SOL_STIX_H

#include <jansson.h>
#include <stdio.h>

#include "core/core.h"
#include "observable/observable.h"

/* ---- TLP ------------------------------------------------------------ */

/* Ordered from least to most restrictive; TLP_NONE means "no TLP marking". */
typedef enum stix_tlp {
	TLP_NONE = 0,
	TLP_CLEAR = 1, /* TLP 1.0 WHITE maps here */
	TLP_GREEN = 2,
	TLP_AMBER = 3,
	TLP_AMBER_STRICT = 4,
	TLP_RED = 5,
} stix_tlp;

/* "clear", "green", "amber", "amber+strict", "red" ("none" for TLP_NONE). */
const char *stix_tlp_name(stix_tlp t);
/* Accepts the names above, "white", any case, with or without "tlp:". */
int stix_tlp_parse(const char *name, stix_tlp *out);
/* The TLP 2.0 marking-definition id of t (NULL for TLP_NONE). */
const char *stix_tlp_marking_id(stix_tlp t);
/* TLP 1.0 or 2.0 marking-definition id -> level; TLP_NONE if not a TLP id. */
stix_tlp stix_tlp_from_marking_id(const char *id);
/* The official TLP 2.0 marking-definition object for t (new reference). */
json_t *stix_tlp_marking_object(stix_tlp t);

/* ---- objects -------------------------------------------------------- */

#define STIX_MAX_OBJECT (16u << 20) /* largest single object we accept */
#define STIX_TYPE_NAME_MAX 250      /* longest type name (section 3.1) */

typedef enum stix_category {
	STIX_SDO,    /* domain objects: indicator, malware, report, ... */
	STIX_SRO,    /* relationship, sighting */
	STIX_SCO,    /* cyber-observables: ipv4-addr, file, ... */
	STIX_META,   /* marking-definition, language-content, extension-definition */
	STIX_CUSTOM, /* a type STIX does not define (x-..., or unknown) */
} stix_category;

typedef struct stix_pattern stix_pattern;

typedef struct stix_meta {
	const char *type;           /* "indicator" */
	const char *id;             /* "indicator--<uuid>" */
	stix_category category;     /* SDO, SRO, SCO, ... */
	sol_time created;           /* SOL_TIME_NONE where absent (SCOs) */
	sol_time modified;          /* SOL_TIME_NONE where absent */
	sol_time version;           /* modified, else created, else 0 */
	bool revoked;               /* "revoked": true */
	int confidence;             /* 0..100, -1 if absent */
	stix_tlp tlp;               /* most restrictive TLP in object and granular markings */
	const char *created_by_ref; /* NULL if absent */
	sol_time valid_until;       /* indicators; SOL_TIME_NONE otherwise */
	stix_pattern *pattern;      /* indicators with pattern_type "stix"; owned */
} stix_meta;

/*
 * Validate obj as a STIX 2.1 object and fill meta. `where` is the JSON path
 * of obj in its document ("$.objects[12]", "$" for a lone object); errors
 * name the failing property under it ("$.objects[12].pattern") and a
 * pattern error adds its column to the message. Returns 0, SOL_EINVALID
 * (and meta is left _fini'd) or SOL_EPARSE for a bad pattern.
 */
int stix_object_check(const json_t *obj, const char *where, stix_meta *meta, sol_err *err);
void stix_meta_fini(stix_meta *meta);

/*
 * The canonical serialisation we store and serve: compact, keys sorted,
 * UTF-8 kept. Two objects are the same version content iff these bytes are
 * equal. Caller frees.
 */
char *stix_object_dump(const json_t *obj, size_t *len);
/*
 * The same bytes into buf[0..size), for a caller that reuses one buffer:
 * returns their length; if that is more than size, buf holds nothing
 * usable and the call must be repeated with a larger one. No NUL.
 */
size_t stix_object_dumpb(const json_t *obj, char *buf, size_t size);

/* Parse one object from bytes, rejecting duplicate keys; NULL + err. */
json_t *stix_object_load(const char *data, size_t len, const char *where, sol_err *err);

/* ---- bundles, streamed ---------------------------------------------- */

/*
 * Reads a JSON document from f and yields the STIX objects in it one at a
 * time, holding only one object in memory: a bundle ({"type":"bundle",
 * "objects":[...]}), a TAXII envelope ({"objects":[...]}), a JSON array of
 * objects, or a single object. Errors name "line:col" in the input or the
 * object's JSON path ("$.objects[3]").
 */
typedef struct stix_bundle_reader stix_bundle_reader;

stix_bundle_reader *stix_bundle_reader_new(FILE *f);
/*
 * Next object: returns 1 and sets *obj (new reference) and *path (borrowed,
 * "$.objects[3]", valid until the next call); 0 at the end of a well-formed
 * document; a negative SOL_E* on malformed input or an object over
 * STIX_MAX_OBJECT.
 */
int stix_bundle_next(stix_bundle_reader *r, json_t **obj, const char **path, sol_err *err);
void stix_bundle_reader_free(stix_bundle_reader *r);

/* An element of the objects array, not yet parsed; borrowed from the
 * reader until its next call, or from whoever copied it. */
typedef struct stix_element {
	const char *text; /* its bytes, as in the document */
	size_t len;       /* bytes at text */
	long line, col;   /* document position of its '{' */
	const char *path; /* "$.objects[3]" or "$[3]" */
} stix_element;

/*
 * stix_bundle_next, leaving the parsing to the caller (which may do it on
 * another thread): returns 1 and sets either *el (an element of the
 * objects array; *obj NULL) or *obj (a lone top-level object, parsed;
 * el->path "$"), 0 at the end, or the error. Called for every element of
 * a bundle: only follows strings and brackets.
 */
int stix_bundle_next_element(stix_bundle_reader *r, json_t **obj, stix_element *el, sol_err *err);
/*
 * Parse an element (a new reference), or NULL with the error
 * stix_bundle_next gives for it. scratch is the caller's, reused from
 * call to call (cap STIX_MAX_OBJECT).
 */
json_t *stix_element_parse(const stix_element *el, sol_buf *scratch, sol_err *err);

/* ---- patterns ------------------------------------------------------- */

#define STIX_PATTERN_MAX 65536 /* longest pattern we parse, in bytes */

/*
 * Parse a STIX 2.1 pattern (the complete grammar of the specification's
 * section 9). On error returns SOL_EPARSE with err->where = "column N"
 * (1-based, in bytes) and err->msg saying what was expected.
 */
int stix_pattern_parse(const char *src, size_t len, stix_pattern **out, sol_err *err);
void stix_pattern_free(stix_pattern *p);
/* The pattern printed back in canonical spacing. Caller frees. */
char *stix_pattern_format(const stix_pattern *p);
/* The parse tree as JSON (for `solidarity pattern --json`); new reference. */
json_t *stix_pattern_to_json(const stix_pattern *p);

typedef struct stix_atom {
	obs_kind kind;   /* normalised kind: ipv4, cidr4, domain, url, sha256... */
	bool subdomains; /* domains: also every name below (LIKE '%.x') */
	char *value;     /* normal form (observable.h), owned */
} stix_atom;

typedef struct stix_atoms {
	stix_atom *v;     /* atoms, deduplicated, in pattern order */
	size_t n;         /* how many */
	size_t cap;       /* allocated */
	char reason[160]; /* why the pattern is not line-matchable, "" if it is */
} stix_atoms;

void stix_atoms_init(stix_atoms *a);
void stix_atoms_fini(stix_atoms *a);
/*
 * Drop later duplicates (same kind, subdomains and value), keeping pattern
 * order; O(n log n). For callers that change atoms after
 * stix_pattern_atoms, e.g. widening domains to their subdomains.
 */
void stix_atoms_dedup(stix_atoms *a);

/*
 * The values a line matcher can look up for p: equality (= and IN) on
 * the matchable object paths, combined by OR. Returns the number of atoms;
 * 0 means "not line-matchable" and a->reason says why ("uses AND across
 * observations", "qualifier REPEATS", "comparison on process:name"...).
 */
size_t stix_pattern_atoms(const stix_pattern *p, stix_atoms *a);

#endif
