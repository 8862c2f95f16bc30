/*
 * taxii_int.h - what the files of src/taxii/ share; not for other modules.
 *
 * The server is split so that everything that reads attacker-controlled
 * bytes is a pure function, testable and fuzzable without a socket:
 *
 *   server.c    libmicrohttpd glue: collects one request into a
 *               taxii_request, calls taxii_handle, sends the taxii_response.
 *   routes.c    taxii_route_parse (method + path -> endpoint and ids),
 *               taxii_handle (authentication, rights, each endpoint).
 *   paging.c    taxii_query_parse (URL parameters), `next` tokens,
 *               timestamps with microseconds.
 *   envelope.c  taxii_envelope_parse (POST bodies), error and status
 *               documents.
 *   exports.c   the /exports/ paths: exports built per partner and
 *               collection into a cache directory, served from a file.
 *
 * Ownership: taxii_request is filled by server.c and borrowed; a
 * taxii_response is _init/_fini and owns its body.
 */
#ifndef SOL_TAXII_INT_H
#define SOL_TAXII_INT_H

#include <jansson.h>

#include "store/store.h"
#include "taxii/taxii.h"

#define TAXII_MEDIA "application/taxii+json;version=2.1"
#define TAXII_API_ROOT "api" /* the one API root: "/api/" */
#define TAXII_MAX_PARAMS 16  /* URL parameters per request */
#define TAXII_MAX_MATCH 64   /* comma-separated values per match[...] */
#define TAXII_MAX_DEPTH 64   /* nesting of a POSTed JSON document */
#define TAXII_ID_MAX 300     /* longest STIX id: 250-byte type + "--" + uuid */

/* ---- routes ------------------------------------------------------- */

typedef enum taxii_endpoint {
	TAXII_DISCOVERY,   /* /taxii2/ */
	TAXII_API_ROOT_EP, /* /api/ */
	TAXII_STATUS,      /* /api/status/<id>/ */
	TAXII_COLLECTIONS, /* /api/collections/ */
	TAXII_COLLECTION,  /* /api/collections/<id>/ */
	TAXII_MANIFEST,    /* .../manifest/ */
	TAXII_OBJECTS,     /* .../objects/ (GET, POST) */
	TAXII_OBJECT,      /* .../objects/<id>/ (GET, DELETE) */
	TAXII_VERSIONS,    /* .../objects/<id>/versions/ */
} taxii_endpoint;

typedef enum taxii_method { TAXII_GET, TAXII_POST, TAXII_DELETE, TAXII_OTHER } taxii_method;

typedef struct taxii_route {
	taxii_endpoint ep;             /* which endpoint */
	taxii_method method;           /* GET, POST or DELETE */
	char status_id[37];            /* TAXII_STATUS: a UUID */
	char collection[37];           /* collection UUID, "" if none */
	char object[TAXII_ID_MAX + 1]; /* STIX id "type--uuid", "" if none */
} taxii_route;

/*
 * Map method and (already percent-decoded) path to an endpoint. Every id is
 * checked strictly (UUIDs; STIX "type--uuid"), so "..", "%2e", NUL or other
 * odd bytes never reach the store. Returns 0, 404 (no such resource) or
 * 405 (the resource exists but not with this method).
 */
int taxii_route_parse(const char *method, const char *path, taxii_route *r);
/* True if s is a STIX identifier: type (3-250 of [a-z0-9-]) "--" UUID. */
bool taxii_stix_id_valid(const char *s);

/* ---- URL parameters (paging.c) --------------------------------------- */

typedef struct taxii_param {
	const char *key;   /* decoded name, "match[type]" */
	const char *value; /* decoded value */
} taxii_param;

/* match[version] selectors. */
enum { TAXII_VERSION_LAST = 1, TAXII_VERSION_FIRST = 2, TAXII_VERSION_ALL = 4 };

typedef struct taxii_query {
	sol_time added_after;       /* SOL_TIME_NONE if absent */
	size_t limit;               /* 1..page_max (clamped); page_max if absent */
	bool has_next;              /* a `next` token was given */
	sol_time next_after;        /* decoded `next`: date_added of the last row */
	char *ids[TAXII_MAX_MATCH]; /* match[id] values (owned), n_ids of them */
	size_t n_ids;
	char *types[TAXII_MAX_MATCH]; /* match[type] values (owned) */
	size_t n_types;
	int version_sel;                    /* TAXII_VERSION_* bits; 0 with n_versions only */
	sol_time versions[TAXII_MAX_MATCH]; /* match[version] timestamps */
	size_t n_versions;
	bool spec_ok; /* match[spec_version] absent or lists "2.1" */
} taxii_query;

/*
 * Parse the URL parameters of a request. limit must be a positive decimal
 * integer (huge values clamp to page_max); added_after a STIX timestamp;
 * next a token from taxii_next_format; match[version] "first", "last",
 * "all" or timestamps. default_version is the match[version] default
 * (TAXII_VERSION_LAST). Unknown parameters are ignored, as the
 * specification allows. Returns 0, or SOL_EUSAGE with err->msg saying which
 * parameter is wrong (the caller answers 400). Free with taxii_query_fini,
 * after an error too.
 */
int taxii_query_parse(const taxii_param *p, size_t n, size_t page_max, taxii_query *q,
		      sol_err *err);
void taxii_query_fini(taxii_query *q);

/* STIX/TAXII timestamp with microseconds, "2026-01-02T03:04:05.123456Z". */
char *taxii_time_format(sol_time t, char buf[40]);
/* The opaque `next` token for a page ending at date_added `last`. */
char *taxii_next_format(sol_time last, char buf[24]);
/* Decode a `next` token; SOL_EPARSE if it is not one of ours. */
int taxii_next_parse(const char *s, sol_time *last);

/* ---- envelopes and documents (envelope.c) ---------------------------- */

/*
 * Parse a POSTed envelope {"objects": [...], ...}: valid UTF-8 JSON, at most
 * TAXII_MAX_DEPTH deep, no duplicate keys, an object whose "objects" is an
 * array. Returns 0 and *objects (a new reference to the array), or
 * SOL_EPARSE with err->where ("line 3 column 7") and err->msg.
 */
int taxii_envelope_parse(const char *body, size_t len, json_t **objects, sol_err *err);

/* A TAXII error message {title, description, http_status} into out. */
void taxii_error_write(sol_buf *out, int http_status, const char *title, const char *description);

/* ---- one request ------------------------------------------------------ */

typedef struct taxii_request {
	const char *method;            /* "GET" */
	const char *path;              /* percent-decoded path, "/api/collections/" */
	const char *accept;            /* Accept header or NULL */
	const char *content_type;      /* Content-Type header or NULL */
	const char *authorization;     /* Authorization header or NULL */
	const char *if_none_match;     /* If-None-Match header or NULL */
	const char *if_modified_since; /* If-Modified-Since header or NULL */
	const taxii_param *params;     /* URL parameters */
	size_t n_params;               /* how many (over TAXII_MAX_PARAMS is a 400) */
	const char *body;              /* request body (POST) */
	size_t body_len;               /* its length */
} taxii_request;

typedef struct taxii_response {
	int status;                               /* HTTP status */
	sol_buf body;                             /* the document */
	bool challenge;                           /* add WWW-Authenticate */
	char date_first[40];                      /* X-TAXII-Date-Added-First, "" if none */
	char date_last[40];                       /* X-TAXII-Date-Added-Last, "" if none */
	char partner[STORE_PARTNER_NAME_MAX + 1]; /* authenticated partner, for the log */
	const char *content_type;                 /* static string; NULL: TAXII_MEDIA */
	int fd;                                   /* send this file, not body; -1: none */
	uint64_t fd_size;                         /* bytes of fd to send */
	char etag[40];                            /* ETag, quoted; "" if none */
	char last_modified[40];                   /* Last-Modified, HTTP-date; "" if none */
	bool no_cache;                            /* Cache-Control: no-cache */
} taxii_response;

void taxii_response_init(taxii_response *r);
/* Frees the body and closes fd if the server did not take it. */
void taxii_response_fini(taxii_response *r);
/* Replace the response with a TAXII error message. */
void taxii_response_error(taxii_response *r, int status, const char *title,
			  const char *description);

/* What taxii_handle needs from the server. */
typedef struct taxii_site {
	store *st;                                /* this thread's store connection */
	const char *title;                        /* discovery title */
	const char *description;                  /* discovery/API root description */
	size_t max_content_length;                /* advertised and enforced */
	size_t page_max;                          /* cap on limit */
	void (*write_lock)(void *ctx, bool lock); /* serialise writers */
	void *lock_ctx;                           /* its argument */
	struct taxii_exports *exports;            /* the export cache (exports.c) */
} taxii_site;

/*
 * The partner behind an Authorization header (Bearer key or Basic
 * name:key) into name. Returns 0, SOL_ENOTFOUND for missing or wrong
 * credentials (the caller answers 401 with a challenge) or a store error.
 */
int taxii_partner_authenticate(store *st, const char *authorization,
			       char name[STORE_PARTNER_NAME_MAX + 1]);

/* ---- exports over HTTP (exports.c) ------------------------------------ */

#define TAXII_EXPORTS_PREFIX "/exports/" /* every export path starts so */
#define TAXII_EXPORT_RECHECK_S 60        /* rebuild at least this often, for expiry */
#define TAXII_EXPORT_CACHE_MAX 1024      /* cache entries kept in memory */
#define TAXII_EXPORT_FILE_MAX 128        /* bytes of a file name in a directory export */

typedef struct taxii_exports taxii_exports;

/*
 * The export cache of a server: creates the cache directory (mode 0700)
 * if needed and loads the warninglist exports leave out. SOL_EIO if the
 * directory cannot be made, or warninglist_new's error.
 */
int taxii_exports_new(const taxii_options *o, taxii_exports **out, sol_err *err);
void taxii_exports_free(taxii_exports *x); /* NULL is a no-op */

/*
 * Answer a request whose path starts with TAXII_EXPORTS_PREFIX: route,
 * authentication (as TAXII), rights (a collection the partner cannot read
 * is 404), parameters, then the cached export, rebuilt first if the store
 * changed; 304 on a matching If-None-Match or If-Modified-Since. A 200
 * response carries the file in res->fd. Never fails.
 */
void taxii_exports_handle(const taxii_site *site, const taxii_request *req, taxii_response *res);

/* Answer one request completely (status, body, headers). Never fails. */
void taxii_handle(const taxii_site *site, const taxii_request *req, taxii_response *res);

#endif
