/*
 * taxii_client.h - the TAXII 2.1 client: remember a partner's server (a
 * peer), pull what is new from its collections, push our own indicators
 * and sightings to it (OASIS TAXII Version 2.1, sections 4 and 5).
 *
 * Peers live in the store (store.h, "peers"); what the store has no column
 * for is kept in node settings under "peer.<name>.":
 *
 *   peer.<name>.tlp        TLP given to pulled objects without a marking
 *   peer.<name>.last_pull  local time the last pull finished ("" = never)
 *   peer.<name>.last_push  local time the last push finished ("" = never)
 *
 * Pull cursors are the store's per-(peer, collection) cursors: the
 * greatest date_added (server time) imported. The push cursor is the
 * cursor of (peer, "push:" + collection): the date_added (our time) of the
 * last local object the server accounted for.
 *
 * Pull. For each collection (the peer's, else every collection the peer
 * lets us read): GET objects with added_after = cursor, page after page,
 * each page imported by ingest_buffer (one transaction, source = the peer
 * name, the peer's default TLP, invalid objects skipped and reported),
 * then the cursor saved. Killed between the two, the next run imports the
 * page again, which changes nothing (a version already stored is
 * STORE_UNCHANGED). Pulled objects are not added to any local collection.
 *
 * Push. The current versions of local indicators and sightings, i.e. whose
 * source is not the name of a peer (so pulled intel never echoes back) and
 * whose TLP is not RED, in date_added order after the push cursor (or
 * from --since), as envelopes of at most max_content_length bytes and
 * TAXII_CLIENT_MAX_OBJECTS objects; each POST's status resource is polled
 * until nothing is pending, then the cursor moves past the envelope.
 *
 * Ownership: taxii_client_opts is _init'd by the caller and borrowed. The
 * reports are _init/_fini and own their strings.
 */
#ifndef SOL_TAXII_CLIENT_H
#define SOL_TAXII_CLIENT_H

#include "core/core.h"
#include "ingest/ingest.h"
#include "store/store.h"

#define TAXII_CLIENT_MAX_BODY (100u << 20) /* largest response accepted */
#define TAXII_CLIENT_MAX_OBJECTS 1000      /* objects in one POSTed envelope */
#define TAXII_CLIENT_PAGE_LIMIT 1000       /* `limit` asked for by default */
#define TAXII_CLIENT_MAX_FAILURES 100      /* push failures kept in a report */
#define TAXII_CLIENT_MAX_CREDENTIAL 1024   /* bytes of a key or password */

typedef struct taxii_client_opts {
	const char *ca_file;        /* PEM CAs to trust; NULL: the system's */
	bool insecure;              /* skip TLS verification (tests only) */
	unsigned connect_timeout_s; /* TCP + TLS connection, seconds */
	unsigned timeout_s;         /* one whole request, seconds */
	unsigned low_speed_time_s;  /* abort below 1 KiB/s for this long */
	size_t page_limit;          /* `limit` sent with each GET; 0: none */
	size_t max_body;            /* response cap (SOL_ETOOBIG past it) */
	unsigned status_wait_s;     /* how long to poll a POST's status */
} taxii_client_opts;

/* Defaults: system CAs, verification on, 10 s / 300 s / 30 s, limit
 * TAXII_CLIENT_PAGE_LIMIT, TAXII_CLIENT_MAX_BODY, 60 s of polling. */
void taxii_client_opts_init(taxii_client_opts *o);

/*
 * Check and remember a peer. p->url is an API root, or a discovery
 * document (".../taxii2/") from which api_root picks one (a URL or path as
 * listed there; NULL: the default, else the only one). The chosen API root
 * is fetched (and p->collection, if set), with p's credentials; errors name
 * the URL, the HTTP status and the server's error title. Then p is stored
 * (p->api_root is ignored and replaced by the chosen one) with
 * default_tlp for pulled objects that carry no TLP. SOL_EUSAGE for an
 * unusable discovery choice, SOL_EIO for network and HTTP failures, and
 * whatever store_peer_add returns.
 */
int taxii_peer_add(store *st, const store_peer *p, const char *api_root, stix_tlp default_tlp,
		   const taxii_client_opts *o, sol_err *err);

/* Forget peer `name`: its record, cursors and settings. */
int taxii_peer_remove(store *st, const char *name, sol_err *err);

/* The settings of peer `name` (see above): *default_tlp, and the local
 * times of the last pull and push (SOL_TIME_NONE if never). */
int taxii_peer_info(store *st, const char *name, stix_tlp *default_tlp, sol_time *last_pull,
		    sol_time *last_push, sol_err *err);

typedef struct taxii_pull_report {
	int64_t collections;  /* collections pulled */
	int64_t pages;        /* pages fetched */
	int64_t received;     /* objects received */
	ingest_report ingest; /* what the imports did */
} taxii_pull_report;

void taxii_pull_report_init(taxii_pull_report *r);
void taxii_pull_report_fini(taxii_pull_report *r);

/*
 * Pull from peer `name`: collection, else the peer's, else every readable
 * one. Everything imported before an error stays imported and its cursor
 * saved, so running again continues. SOL_ENOTFOUND (unknown peer),
 * SOL_EIO (network, HTTP), SOL_EPARSE (a page is not a TAXII envelope),
 * SOL_ETOOBIG (a page over o->max_body), SOL_EDB.
 */
int taxii_peer_pull(store *st, const char *name, const char *collection, const taxii_client_opts *o,
		    taxii_pull_report *rep, sol_err *err);

typedef struct taxii_push_failure {
	char *id;      /* STIX id */
	char *message; /* the server's reason */
} taxii_push_failure;

typedef struct taxii_push_report {
	int64_t envelopes;           /* POSTs made */
	int64_t sent;                /* objects sent */
	int64_t successes;           /* accounted as success */
	int64_t failures;            /* accounted as failure (incl. too big) */
	taxii_push_failure *failure; /* the first TAXII_CLIENT_MAX_FAILURES */
	size_t n_failure;            /* how many listed */
} taxii_push_report;

void taxii_push_report_init(taxii_push_report *r);
void taxii_push_report_fini(taxii_push_report *r);

/*
 * Push to peer `name` (see above): collection, else the peer's, else the
 * only collection it lets us write. since != SOL_TIME_NONE sends the
 * objects added at or after since instead of those after the cursor.
 * SOL_EUSAGE (no single writable collection), SOL_EIO (network, HTTP, or
 * objects still pending after o->status_wait_s), SOL_EDB.
 */
int taxii_peer_push(store *st, const char *name, const char *collection, sol_time since,
		    const taxii_client_opts *o, taxii_push_report *rep, sol_err *err);

#endif
