/*
 * client_int.h - the parts of the TAXII client that need no network,
 * shared by client.c and its unit tests: the envelope builder that splits
 * a push into POSTs, the paging rule that decides the next request of a
 * pull, and URL resolution for discovery documents.
 *
 * Ownership: taxii_batch and taxii_paging are _init/_fini.
 */
#ifndef SOL_TAXII_CLIENT_INT_H
#define SOL_TAXII_CLIENT_INT_H

#include "taxii/taxii_client.h"

/* An envelope {"objects":[...]} grown one object at a time. */
typedef struct taxii_batch {
	sol_buf buf;        /* the envelope so far, without the closing "]}" */
	size_t n;           /* objects in it */
	size_t max_bytes;   /* cap on the whole envelope (max_content_length) */
	size_t max_objects; /* cap on n */
} taxii_batch;

void taxii_batch_init(taxii_batch *b, size_t max_bytes, size_t max_objects);
void taxii_batch_fini(taxii_batch *b);
void taxii_batch_reset(taxii_batch *b);
/*
 * Append one object's JSON. Returns 0, or SOL_ETOOBIG when it does not fit
 * (the batch is unchanged): with b->n > 0 send the batch and try again;
 * with b->n == 0 the object alone is over max_bytes.
 */
int taxii_batch_add(taxii_batch *b, const char *json, size_t len);
/* Close and return the envelope (valid until the next call on b); add
 * nothing more before taxii_batch_reset. */
const char *taxii_batch_finish(taxii_batch *b, size_t *len);

/* What one page of GET objects said. */
typedef struct taxii_page {
	size_t n_objects;      /* objects in the envelope */
	int more;              /* "more": 1 true, 0 false, -1 absent */
	const char *next;      /* "next", NULL if absent */
	const char *date_last; /* X-TAXII-Date-Added-Last, NULL if absent */
} taxii_page;

/* Where a pull of one collection stands. */
typedef struct taxii_paging {
	char added_after[64]; /* added_after to send; "" for none */
	char *next;           /* next to send (owned); NULL for none */
	sol_time cursor;      /* greatest date_added imported; SOL_TIME_NONE */
	bool done;            /* no further page to ask for */
} taxii_paging;

/* Start after cursor (SOL_TIME_NONE: from the beginning). */
void taxii_paging_init(taxii_paging *p, sol_time cursor);
void taxii_paging_fini(taxii_paging *p);
/*
 * Account for a page that has been imported and decide the next request:
 * `next` when the server gives one; else added_after = the page's
 * X-TAXII-Date-Added-Last while the server says more (or says nothing and
 * the page was not empty); done on more: false, an empty page, or a date
 * that does not advance. p->cursor takes the page's last date. SOL_EPARSE
 * for a bad date header, or more: true with no way to ask for it.
 */
int taxii_paging_advance(taxii_paging *p, const taxii_page *pg, sol_err *err);

/*
 * Resolve `ref` (absolute URL, absolute path or relative path) against
 * `base` and end it with "/". Caller frees.
 */
char *taxii_url_resolve(const char *base, const char *ref);

#endif
