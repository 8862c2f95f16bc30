/*
 * taxii.h - the TAXII 2.1 server: partners pull and push STIX objects over
 * HTTP(S), node to node (OASIS TAXII Version 2.1, section 4 and 5).
 *
 * One API root, "/api/", served beside the discovery endpoint "/taxii2/":
 *
 *   GET    /taxii2/                                       discovery
 *   GET    /api/                                          API root information
 *   GET    /api/status/<id>/                              status of a POST
 *   GET    /api/collections/                              collections
 *   GET    /api/collections/<id>/                         one collection
 *   GET    /api/collections/<id>/manifest/                manifest records
 *   GET    /api/collections/<id>/objects/                 objects (envelope)
 *   POST   /api/collections/<id>/objects/                 add objects -> status
 *   GET    /api/collections/<id>/objects/<obj>/           one object's versions
 *   DELETE /api/collections/<id>/objects/<obj>/           remove from collection
 *   GET    /api/collections/<id>/objects/<obj>/versions/  version list
 *
 * Beside them, every export (export.h) of a collection, made for the
 * partner asking and cached until the store changes (exports.c,
 * docs/formats/exports.md "Served over HTTP"):
 *
 *   GET    /exports/{rpz,nft,zeek,csv,stix}?collection=<id>    one file
 *   GET    /exports/{suricata,misp}/<file>?collection=<id>     a file of the directory
 *
 * Partners authenticate with HTTP Basic or "Authorization: Bearer <key>"
 * (store.h's partner table); what each one may see is decided by
 * policy_visible() (policy.h) and nowhere here. The HTTP library is
 * libmicrohttpd (GnuTLS for TLS); requests are served by a small pool of
 * threads, each with its own read connection to the store.
 *
 * Ownership: taxii_options is _init'd by the caller and borrowed by
 * taxii_server_start for the call (strings are copied). taxii_server is
 * _start/_stop.
 */
#ifndef SOL_TAXII_H
#define SOL_TAXII_H

#include <stdio.h>

#include "core/core.h"

#define TAXII_DEFAULT_LISTEN "127.0.0.1:6900"
#define TAXII_MAX_CONTENT_DEFAULT (10u << 20) /* POST body cap, advertised */
#define TAXII_PAGE_MAX_DEFAULT 1000           /* largest `limit` honoured */

typedef struct taxii_options {
	const char *db_path;             /* the store (SQLite file) to serve */
	const char *listen;              /* "ADDR:PORT", "[v6]:PORT"; port 0 picks one */
	const char *cert_file;           /* PEM certificate: serve HTTPS; NULL = HTTP */
	const char *key_file;            /* PEM private key for cert_file */
	const char *client_ca_file;      /* PEM CAs whose client certificates are required */
	size_t max_content_length;       /* POST body cap in bytes (413 above it) */
	size_t page_max;                 /* server maximum for `limit` */
	const char *title;               /* discovery title */
	const char *description;         /* discovery and API root description */
	unsigned threads;                /* worker threads (each with a store connection) */
	unsigned timeout_s;              /* idle/slow connection timeout, seconds */
	unsigned per_ip_limit;           /* concurrent connections per client address */
	FILE *log;                       /* one line per request; NULL = stderr */
	const char *export_dir;          /* cache of built exports; NULL = "<db_path>.exports" */
	const char *export_warninglists; /* MISP warninglists exports leave out; NULL: none */
	const char *export_allow;        /* built-in warninglist categories exports do not apply
					  * ("documentation,reserved-names": tests, demos) */
	const char *export_rpz_zone;     /* RPZ zone name; NULL = EXPORT_RPZ_ZONE */
} taxii_options;

/* Defaults: listen TAXII_DEFAULT_LISTEN, caps above, 2 threads, 30 s. */
void taxii_options_init(taxii_options *o);

typedef struct taxii_server taxii_server;

/*
 * Open the store, bind, and serve in background threads. Returns 0 and
 * *out, SOL_EUSAGE for a bad listen address or option, SOL_EIO for
 * unreadable certificate files or a failed bind, SOL_EDB if the store
 * cannot be opened.
 */
int taxii_server_start(const taxii_options *o, taxii_server **out, sol_err *err);
/* The TCP port actually bound (useful with port 0). */
unsigned taxii_server_port(const taxii_server *s);
/*
 * Stop accepting, let the requests in flight finish (up to a few seconds),
 * close every connection and the store, and free s. NULL is a no-op.
 */
void taxii_server_stop(taxii_server *s);

#endif
