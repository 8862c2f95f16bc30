/*
 * client.c - the TAXII 2.1 client: peers, pull and push over libcurl.
 *
 * One peer, one connection. A `client` wraps a single curl easy handle
 * that every request to the peer reuses, so HTTP keep-alive (and the TLS
 * session) carries from page to page. Each request resets the response
 * body, a sol_buf capped at o->max_body (the write callback refuses past
 * it and the request fails with SOL_ETOOBIG), and the one header we read,
 * X-TAXII-Date-Added-Last. Every non-2xx answer becomes an error that
 * names the method and URL, the HTTP status and the TAXII error's title.
 *
 * Pull pages through a collection with the rule of taxii_paging_advance()
 * (below, pure and unit-tested): follow `next` when given, else ask again
 * with added_after = X-TAXII-Date-Added-Last while the server says `more`
 * (or says nothing and the page had objects), stop on `more: false`, an
 * empty page or a date that does not advance. Each object of the page,
 * already parsed to read more/next, goes to ingest_object() as an
 * envelope import would send it. A transaction spans pages until it holds
 * TAXII_PULL_COMMIT_OBJECTS objects (a commit per page cost more than the
 * page), and the cursor is saved inside it, so that a crash loses the
 * objects and the cursor together: the next pull asks for them again.
 *
 * Push walks the store's current versions in date_added order from the
 * push cursor, packs the ones it may send into a taxii_batch (an envelope
 * under the server's max_content_length and TAXII_CLIENT_MAX_OBJECTS),
 * POSTs it, polls the status resource with exponential backoff until
 * pending_count is 0, and only then moves the cursor past the envelope.
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "taxii/client_int.h"
#include "taxii/taxii_int.h"

#define CLIENT_DEFAULT_CONTENT (1u << 20) /* max_content_length if not advertised */
#define CLIENT_POLL_FIRST_MS 100          /* first wait before polling a status */
#define CLIENT_POLL_MAX_MS 2000           /* longest wait between polls */
#define CLIENT_LOW_SPEED 1024             /* bytes/s under which a transfer is slow */
#define PUSH_PREFIX "push:"               /* cursor key of a push: "push:<collection>" */
#define TAXII_PULL_COMMIT_OBJECTS 10000   /* pull: objects imported per transaction */

/* ---- envelopes ----------------------------------------------------------- */

static const char batch_head[] = "{\"objects\":[";
static const char batch_tail[] = "]}";

void taxii_batch_init(taxii_batch *b, size_t max_bytes, size_t max_objects)
{
	buf_init(&b->buf, max_bytes);
	b->max_bytes = max_bytes;
	b->max_objects = max_objects;
	taxii_batch_reset(b);
}

void taxii_batch_fini(taxii_batch *b)
{
	buf_fini(&b->buf);
}

void taxii_batch_reset(taxii_batch *b)
{
	buf_reset(&b->buf);
	buf_puts(&b->buf, batch_head);
	b->n = 0;
}

int taxii_batch_add(taxii_batch *b, const char *json, size_t len)
{
	size_t need = b->buf.len + (b->n > 0) + len + strlen(batch_tail);
	if (b->n >= b->max_objects || need > b->max_bytes || need < len)
		return SOL_ETOOBIG;
	if (b->n > 0)
		buf_append(&b->buf, ",", 1);
	buf_append(&b->buf, json, len);
	b->n++;
	return 0;
}

const char *taxii_batch_finish(taxii_batch *b, size_t *len)
{
	buf_puts(&b->buf, batch_tail); /* fits: taxii_batch_add counted it */
	*len = b->buf.len;
	return b->buf.data;
}

/* ---- paging ---------------------------------------------------------------- */

void taxii_paging_init(taxii_paging *p, sol_time cursor)
{
	memset(p, 0, sizeof *p);
	p->cursor = cursor;
	if (cursor != SOL_TIME_NONE)
		taxii_time_format(cursor, p->added_after);
}

void taxii_paging_fini(taxii_paging *p)
{
	free(p->next);
	p->next = NULL;
}

int taxii_paging_advance(taxii_paging *p, const taxii_page *pg, sol_err *err)
{
	sol_time last = SOL_TIME_NONE;
	if (pg->date_last && sol_time_parse(pg->date_last, &last) != 0)
		return sol_fail(err, SOL_EPARSE, "X-TAXII-Date-Added-Last",
				"not a timestamp: '%.64s'", pg->date_last);
	bool advanced = last != SOL_TIME_NONE && (p->cursor == SOL_TIME_NONE || last > p->cursor);
	if (advanced)
		p->cursor = last;
	free(p->next);
	p->next = NULL;
	if (pg->more == 0 || pg->n_objects == 0) {
		p->done = true;
		return 0;
	}
	if (pg->next && *pg->next) {
		p->next = xstrdup(pg->next);
		return 0;
	}
	if (!advanced) {
		p->done = true;
		if (pg->more == 1)
			return sol_fail(err, SOL_EPARSE, NULL,
					"the server says there is more but gives neither `next` "
					"nor a later X-TAXII-Date-Added-Last");
		return 0;
	}
	if (strlen(pg->date_last) < sizeof p->added_after)
		snprintf(p->added_after, sizeof p->added_after, "%s", pg->date_last);
	else
		taxii_time_format(last, p->added_after);
	return 0;
}

/* ---- URLs ------------------------------------------------------------------ */

static bool has_scheme(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

char *taxii_url_resolve(const char *base, const char *ref)
{
	sol_buf b;
	buf_init(&b, SIZE_MAX);
	if (has_scheme(ref)) {
		buf_puts(&b, ref);
	} else if (ref[0] == '/') {
		const char *host = strstr(base, "://");
		const char *path = host ? strchr(host + 3, '/') : NULL;
		buf_append(&b, base, path ? (size_t)(path - base) : strlen(base));
		buf_puts(&b, ref);
	} else {
		const char *slash = strrchr(base, '/');
		const char *host = strstr(base, "://");
		if (*ref == '\0' || !slash || (host && slash < host + 3)) {
			buf_puts(&b, base);
			if (*ref && (b.len == 0 || b.data[b.len - 1] != '/'))
				buf_puts(&b, "/");
		} else {
			buf_append(&b, base, (size_t)(slash - base) + 1);
		}
		buf_puts(&b, ref);
	}
	if (b.len == 0 || b.data[b.len - 1] != '/')
		buf_puts(&b, "/");
	return buf_take(&b);
}

/* ---- HTTP ------------------------------------------------------------------ */

/* A peer's connection. */
typedef struct client {
	CURL *h;                      /* the one easy handle, reused */
	char errbuf[CURL_ERROR_SIZE]; /* curl's last error */
	struct curl_slist *get_hdrs;  /* Accept (+ Authorization) */
	struct curl_slist *post_hdrs; /* the same + Content-Type */
	sol_buf body;                 /* last response body, capped */
	char date_last[64];           /* X-TAXII-Date-Added-Last, "" if none */
	bool toobig;                  /* the body hit its cap */
	json_t *doc;                  /* last response parsed (owned) */
	char *root;                   /* API root URL, "/"-terminated (owned) */
} client;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_global(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	client *c = ctx;
	if (buf_append(&c->body, p, size * n) != 0) {
		c->toobig = true;
		return 0;
	}
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	static const char name[] = "x-taxii-date-added-last:";
	client *c = ctx;
	size_t len = size * n, k = sizeof name - 1;
	if (len > k && strncasecmp(p, name, k) == 0) {
		const char *v = p + k, *end = p + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		size_t vl = (size_t)(end - v);
		if (vl < sizeof c->date_last) {
			memcpy(c->date_last, v, vl);
			c->date_last[vl] = '\0';
		}
	}
	return len;
}

/* True if s has a byte that would break a header line. */
static bool has_ctl(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void client_fini(client *c)
{
	if (c->h)
		curl_easy_cleanup(c->h);
	curl_slist_free_all(c->get_hdrs);
	curl_slist_free_all(c->post_hdrs);
	buf_fini(&c->body);
	json_decref(c->doc);
	free(c->root);
	memset(c, 0, sizeof *c);
}

static int client_init(client *c, const store_peer *p, const taxii_client_opts *o, sol_err *err)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->body, o->max_body);
	pthread_once(&curl_once, curl_global);
	if (has_ctl(p->key) || has_ctl(p->user) || has_ctl(p->password) ||
	    (p->user && strchr(p->user, ':')))
		return sol_fail(err, SOL_EINVALID, p->name,
				"credentials must not hold control characters (nor ':' in a "
				"user name)");
	c->h = curl_easy_init();
	if (!c->h)
		return sol_fail(err, SOL_EINTERNAL, NULL, "cannot create a curl handle");
	static const char accept[] = "Accept: " TAXII_MEDIA;
	c->get_hdrs = curl_slist_append(NULL, accept);
	c->post_hdrs = curl_slist_append(NULL, accept);
	c->post_hdrs = curl_slist_append(c->post_hdrs, "Content-Type: " TAXII_MEDIA);
	c->post_hdrs = curl_slist_append(c->post_hdrs, "Expect:");
	if (p->auth == STORE_AUTH_KEY && p->key) {
		char *h = xasprintf("Authorization: Bearer %s", p->key);
		c->get_hdrs = curl_slist_append(c->get_hdrs, h);
		c->post_hdrs = curl_slist_append(c->post_hdrs, h);
		free(h);
	} else if (p->auth == STORE_AUTH_BASIC && p->user && p->password) {
		curl_easy_setopt(c->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c->h, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(c->h, CURLOPT_PASSWORD, p->password);
	}
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_LIMIT, (long)CLIENT_LOW_SPEED);
	curl_easy_setopt(c->h, CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_time_s);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->h, CURLOPT_USERAGENT, "solidarity-taxii/2.1");
	if (o->ca_file)
		curl_easy_setopt(c->h, CURLOPT_CAINFO, o->ca_file);
	if (o->insecure) {
		curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return 0;
}

/* The error of a non-2xx answer: the TAXII error's title and description
 * when the body is one. */
static int http_fail(client *c, const char *method, const char *url, long status, sol_err *err)
{
	char where[160];
	snprintf(where, sizeof where, "%s %s", method, url);
	json_t *e = json_loadb(c->body.data ? c->body.data : "", c->body.len, 0, NULL);
	const char *title = json_string_value(json_object_get(e, "title"));
	const char *desc = json_string_value(json_object_get(e, "description"));
	int code = status == 404 ? SOL_ENOTFOUND : SOL_EIO;
	const char *hint = status == 401   ? " (check the peer's credentials)"
			   : status == 403 ? " (the peer does not grant us this)"
					   : "";
	sol_fail(err, code, where, "HTTP %ld%s%.80s%s%.100s%s", status, title ? ": " : "",
		 title ? title : "", desc ? " - " : "", desc ? desc : "", hint);
	json_decref(e);
	return code;
}

/*
 * One request; body != NULL makes it a POST. On 2xx the response is parsed
 * into c->doc (a JSON object), else an error names the URL.
 */
static int client_request(client *c, const char *url, const char *body, size_t len, sol_err *err)
{
	const char *method = body ? "POST" : "GET";
	buf_reset(&c->body);
	c->date_last[0] = '\0';
	c->errbuf[0] = '\0';
	c->toobig = false;
	json_decref(c->doc);
	c->doc = NULL;
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	if (body) {
		curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->post_hdrs);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
	} else {
		curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->get_hdrs);
		curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	}
	CURLcode cc = curl_easy_perform(c->h);
	char where[160];
	snprintf(where, sizeof where, "%s %s", method, url);
	if (c->toobig)
		return sol_fail(err, SOL_ETOOBIG, where, "response larger than %zu bytes",
				c->body.max);
	if (cc != CURLE_OK)
		return sol_fail(err, SOL_EIO, where, "%s",
				c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
	long status = 0;
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return http_fail(c, method, url, status, err);
	json_error_t je;
	c->doc = json_loadb(c->body.data ? c->body.data : "", c->body.len, 0, &je);
	if (!json_is_object(c->doc))
		return sol_fail(err, SOL_EPARSE, where, "not a TAXII JSON document: %s",
				c->doc ? "not an object" : je.text);
	return 0;
}

/* root + fmt, with each %s argument URL-escaped. Caller frees. */
static char *client_url(client *c, const char *path, const char *id, const char *tail)
{
	char *e = curl_easy_escape(c->h, id ? id : "", 0);
	char *u = xasprintf("%s%s%s%s", c->root, path, e ? e : "", tail);
	curl_free(e);
	return u;
}

/* ---- peers ----------------------------------------------------------------- */

void taxii_client_opts_init(taxii_client_opts *o)
{
	memset(o, 0, sizeof *o);
	o->connect_timeout_s = 10;
	o->timeout_s = 300;
	o->low_speed_time_s = 30;
	o->page_limit = TAXII_CLIENT_PAGE_LIMIT;
	o->max_body = TAXII_CLIENT_MAX_BODY;
	o->status_wait_s = 60;
}

/* A store_peer with owned strings. */
typedef struct peer_copy {
	store_peer p; /* borrowed view of the strings below */
	char *s[7];   /* name url api_root collection key user password */
} peer_copy;

static int peer_copy_cb(void *ctx, const store_peer *p)
{
	peer_copy *pc = ctx;
	const char *in[7] = {p->name, p->url,  p->api_root, p->collection,
			     p->key,  p->user, p->password};
	for (int i = 0; i < 7; i++)
		pc->s[i] = in[i] ? xstrdup(in[i]) : NULL;
	pc->p = *p;
	pc->p.name = pc->s[0];
	pc->p.url = pc->s[1];
	pc->p.api_root = pc->s[2];
	pc->p.collection = pc->s[3];
	pc->p.key = pc->s[4];
	pc->p.user = pc->s[5];
	pc->p.password = pc->s[6];
	return 0;
}

static void peer_copy_fini(peer_copy *pc)
{
	for (int i = 0; i < 7; i++)
		free(pc->s[i]);
	memset(pc, 0, sizeof *pc);
}

static char *setting_key(const char *peer, const char *what)
{
	return xasprintf("peer.%s.%s", peer, what);
}

/* A peer setting as a string; NULL when unset or "". */
static char *peer_setting(store *st, const char *peer, const char *what, sol_err *err, int *rc)
{
	char *key = setting_key(peer, what), *v = NULL;
	*rc = store_setting_get(st, key, &v, err);
	free(key);
	if (*rc == SOL_ENOTFOUND) {
		sol_err_clear(err);
		*rc = 0;
	}
	if (v && !*v) {
		free(v);
		v = NULL;
	}
	return v;
}

static int peer_setting_set(store *st, const char *peer, const char *what, const char *value,
			    sol_err *err)
{
	char *key = setting_key(peer, what);
	int rc = store_setting_set(st, key, value, err);
	free(key);
	return rc;
}

static int peer_stamp(store *st, const char *peer, const char *what, sol_err *err)
{
	char t[40];
	return peer_setting_set(st, peer, what, taxii_time_format(sol_time_now(), t), err);
}

int taxii_peer_info(store *st, const char *name, stix_tlp *default_tlp, sol_time *last_pull,
		    sol_time *last_push, sol_err *err)
{
	int rc = 0;
	char *v = peer_setting(st, name, "tlp", err, &rc);
	*default_tlp = TLP_AMBER;
	if (v && stix_tlp_parse(v, default_tlp) != 0)
		*default_tlp = TLP_AMBER;
	free(v);
	const char *what[2] = {"last_pull", "last_push"};
	sol_time *out[2] = {last_pull, last_push};
	for (int i = 0; i < 2 && rc == 0; i++) {
		*out[i] = SOL_TIME_NONE;
		v = peer_setting(st, name, what[i], err, &rc);
		if (v && sol_time_parse(v, out[i]) != 0)
			*out[i] = SOL_TIME_NONE;
		free(v);
	}
	return rc;
}

/* The API root a discovery document points to: `pick`, else default,
 * else the only one. */
static int discovery_pick(const json_t *doc, const char *url, const char *pick, char **root,
			  sol_err *err)
{
	const json_t *roots = json_object_get(doc, "api_roots");
	const char *def = json_string_value(json_object_get(doc, "default"));
	size_t n = json_is_array(roots) ? json_array_size(roots) : 0;
	char *want = pick ? taxii_url_resolve(url, pick) : NULL;
	if (!pick && def) {
		*root = taxii_url_resolve(url, def);
		return 0;
	}
	sol_buf listed;
	buf_init(&listed, 1024);
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(roots, i));
		if (!s)
			continue;
		char *r = taxii_url_resolve(url, s);
		if ((want && strcmp(r, want) == 0) || (!want && n == 1)) {
			*root = r;
			free(want);
			buf_fini(&listed);
			return 0;
		}
		buf_printf(&listed, "%s%s", listed.len ? ", " : "", r);
		free(r);
	}
	int rc;
	if (want)
		rc = sol_fail(err, SOL_EUSAGE, url,
			      "API root %.100s is not listed by the discovery document (it lists: "
			      "%.100s)",
			      want, listed.len ? listed.data : "none");
	else
		rc = sol_fail(err, SOL_EUSAGE, url,
			      "the discovery document lists %zu API roots and no default; choose "
			      "one with --api-root (%.100s)",
			      n, listed.len ? listed.data : "none");
	free(want);
	buf_fini(&listed);
	return rc;
}

/* True if an API root information document says it speaks TAXII 2.1. */
static bool speaks_21(const json_t *doc)
{
	const json_t *v = json_object_get(doc, "versions"), *e;
	size_t i;
	json_array_foreach(v, i, e)
	{
		const char *s = json_string_value(e);
		if (s && strncmp(s, "application/taxii+json;version=2.1", 34) == 0)
			return true;
	}
	return false;
}

/* Find the API root from c->root (a URL as given) and check it. */
static int resolve_root(client *c, const char *pick, sol_err *err)
{
	int rc = client_request(c, c->root, NULL, 0, err);
	if (rc != 0)
		return rc;
	bool discovery = json_object_get(c->doc, "api_roots") || json_object_get(c->doc, "default");
	if (discovery && !json_object_get(c->doc, "versions")) {
		char *root = NULL;
		if ((rc = discovery_pick(c->doc, c->root, pick, &root, err)) != 0)
			return rc;
		free(c->root);
		c->root = root;
		if ((rc = client_request(c, c->root, NULL, 0, err)) != 0)
			return rc;
	} else if (pick) {
		return sol_fail(err, SOL_EUSAGE, c->root,
				"--api-root needs a discovery URL, and this is not a discovery "
				"document");
	}
	if (!speaks_21(c->doc))
		return sol_fail(err, SOL_EINVALID, c->root,
				"not a TAXII 2.1 API root (no \"versions\" with "
				"application/taxii+json;version=2.1)");
	return 0;
}

int taxii_peer_add(store *st, const store_peer *p, const char *api_root, stix_tlp default_tlp,
		   const taxii_client_opts *o, sol_err *err)
{
	if (!store_name_valid(p->name))
		return sol_fail(err, SOL_EINVALID, p->name ? p->name : "",
				"a peer name is 1 to %d of [A-Za-z0-9._-]", STORE_PARTNER_NAME_MAX);
	if (!p->url || !has_scheme(p->url))
		return sol_fail(err, SOL_EUSAGE, p->url ? p->url : "",
				"the URL must start with http:// or https://");
	client c;
	int rc = client_init(&c, p, o, err);
	if (rc == 0) {
		c.root = taxii_url_resolve(p->url, "");
		rc = resolve_root(&c, api_root, err);
	}
	if (rc == 0 && p->collection) {
		char *u = client_url(&c, "collections/", p->collection, "/");
		rc = client_request(&c, u, NULL, 0, err);
		free(u);
	}
	if (rc == 0) {
		store_peer q = *p;
		char *given = taxii_url_resolve(p->url, "");
		q.api_root = strcmp(given, c.root) == 0 ? NULL : c.root;
		rc = store_begin(st, err);
		if (rc == 0)
			rc = store_peer_add(st, &q, err);
		if (rc == 0)
			rc = peer_setting_set(st, p->name, "tlp", stix_tlp_name(default_tlp), err);
		if (rc == 0)
			rc = peer_setting_set(st, p->name, "last_pull", "", err);
		if (rc == 0)
			rc = peer_setting_set(st, p->name, "last_push", "", err);
		if (rc == 0)
			rc = store_commit(st, err);
		else
			store_rollback(st);
		free(given);
	}
	client_fini(&c);
	return rc;
}

int taxii_peer_remove(store *st, const char *name, sol_err *err)
{
	int rc = store_begin(st, err);
	if (rc != 0)
		return rc;
	rc = store_peer_remove(st, name, err);
	static const char *const what[] = {"tlp", "last_pull", "last_push"};
	for (size_t i = 0; rc == 0 && i < 3; i++)
		rc = peer_setting_set(st, name, what[i], "", err);
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st);
	return rc;
}

/* Load peer `name` and open a connection to its API root. */
static int peer_open(store *st, const char *name, const taxii_client_opts *o, peer_copy *pc,
		     client *c, sol_err *err)
{
	memset(c, 0, sizeof *c);
	int rc = store_peer_get(st, name, peer_copy_cb, pc, err);
	if (rc == 0)
		rc = client_init(c, &pc->p, o, err);
	if (rc == 0)
		c->root = taxii_url_resolve(pc->p.api_root ? pc->p.api_root : pc->p.url, "");
	return rc;
}

/* The ids of the collections whose `flag` (can_read, can_write) is true. */
static int collections_with(client *c, const char *flag, json_t **ids, sol_err *err)
{
	char *u = xasprintf("%scollections/", c->root);
	int rc = client_request(c, u, NULL, 0, err);
	free(u);
	if (rc != 0)
		return rc;
	*ids = json_array();
	const json_t *cols = json_object_get(c->doc, "collections"), *e;
	size_t i;
	json_array_foreach(cols, i, e)
	{
		const json_t *id = json_object_get(e, "id");
		if (json_is_string(id) && json_is_true(json_object_get(e, flag)))
			json_array_append(*ids, (json_t *)id);
	}
	return 0;
}

/* ---- pull ------------------------------------------------------------------ */

void taxii_pull_report_init(taxii_pull_report *r)
{
	memset(r, 0, sizeof *r);
	ingest_report_init(&r->ingest);
}

void taxii_pull_report_fini(taxii_pull_report *r)
{
	ingest_report_fini(&r->ingest);
}

/* The URL of the next page of objects. */
static char *page_url(client *c, const char *base, const taxii_paging *pg, size_t limit)
{
	sol_buf u;
	buf_init(&u, SIZE_MAX);
	buf_printf(&u, "%s", base);
	char sep = '?';
	if (limit) {
		buf_printf(&u, "%climit=%zu", sep, limit);
		sep = '&';
	}
	if (pg->added_after[0]) {
		char *e = curl_easy_escape(c->h, pg->added_after, 0);
		buf_printf(&u, "%cadded_after=%s", sep, e);
		curl_free(e);
		sep = '&';
	}
	if (pg->next) {
		char *e = curl_easy_escape(c->h, pg->next, 0);
		buf_printf(&u, "%cnext=%s", sep, e);
		curl_free(e);
	}
	return buf_take(&u);
}

/* Read more/next of the envelope in c->doc into pg. */
static int envelope_read(client *c, const char *url, taxii_page *pg, sol_err *err)
{
	const json_t *objs = json_object_get(c->doc, "objects");
	const json_t *more = json_object_get(c->doc, "more");
	const json_t *next = json_object_get(c->doc, "next");
	if (objs && !json_is_array(objs))
		return sol_fail(err, SOL_EPARSE, url, "envelope: \"objects\" is not an array");
	if (more && !json_is_boolean(more))
		return sol_fail(err, SOL_EPARSE, url, "envelope: \"more\" is not a boolean");
	if (next && !json_is_string(next))
		return sol_fail(err, SOL_EPARSE, url, "envelope: \"next\" is not a string");
	pg->n_objects = objs ? json_array_size(objs) : 0;
	pg->more = more ? json_is_true(more) : -1;
	pg->next = json_string_value(next);
	pg->date_last = c->date_last[0] ? c->date_last : NULL;
	return 0;
}

/* Import the objects of the envelope in c->doc into the open transaction,
 * each under "NAME:$.objects[I]" as ingest_buffer would name it. */
static int page_ingest(client *c, ingest_ctx *cx, const char *name, sol_err *err)
{
	const json_t *objs = json_object_get(c->doc, "objects");
	size_t i;
	json_t *obj;
	json_array_foreach(objs, i, obj)
	{
		char *where = xasprintf("%s:$.objects[%zu]", name, i);
		int rc = ingest_object(cx, obj, where, err);
		free(where);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int pull_collection(client *c, store *st, const char *peer, const char *id, ingest_ctx *cx,
			   const taxii_client_opts *o, taxii_pull_report *rep, sol_err *err)
{
	sol_time cursor = SOL_TIME_NONE;
	char *stored_next = NULL;
	int rc = store_peer_cursor_get(st, peer, id, &cursor, &stored_next, err);
	free(stored_next);
	if (rc == SOL_ENOTFOUND) {
		sol_err_clear(err);
		cursor = SOL_TIME_NONE;
		rc = 0;
	}
	if (rc != 0)
		return rc;
	char *base = client_url(c, "collections/", id, "/objects/");
	taxii_paging pg;
	taxii_paging_init(&pg, cursor);
	bool open = false;   /* a transaction is open */
	int64_t pending = 0; /* objects in it */
	ingest_batch_begin(cx, &rep->ingest);
	rep->ingest.format = INGEST_STIX;
	while (rc == 0 && !pg.done) {
		char *url = page_url(c, base, &pg, o->page_limit);
		taxii_page page = {0};
		rc = client_request(c, url, NULL, 0, err);
		if (rc == 0)
			rc = envelope_read(c, url, &page, err);
		if (rc == 0 && !open)
			open = (rc = store_begin(st, err)) == 0;
		if (rc == 0 && page.n_objects > 0) {
			char *name = xasprintf("%s:%s:page %" PRId64, peer, id, rep->pages + 1);
			rc = page_ingest(c, cx, name, err);
			if (rc != 0 && err && strncmp(err->where, name, strlen(name)) != 0)
				sol_err_prefix(err, "%s", name);
			free(name);
			pending += (int64_t)page.n_objects;
		}
		sol_time before = pg.cursor;
		if (rc == 0)
			rc = taxii_paging_advance(&pg, &page, err);
		if (rc == 0 && pg.cursor != before)
			rc = store_peer_cursor_set(st, peer, id, pg.cursor, NULL, err);
		if (rc == 0 && (pending >= TAXII_PULL_COMMIT_OBJECTS || pg.done)) {
			open = false;
			pending = 0;
			rc = store_commit(st, err);
		}
		if (rc == 0) {
			rep->pages++;
			rep->received += (int64_t)page.n_objects;
		}
		free(url);
	}
	if (open)
		store_rollback(st);
	ingest_batch_end(cx);
	taxii_paging_fini(&pg);
	free(base);
	return rc;
}

int taxii_peer_pull(store *st, const char *name, const char *collection, const taxii_client_opts *o,
		    taxii_pull_report *rep, sol_err *err)
{
	peer_copy pc = {0};
	client c;
	json_t *ids = NULL;
	int rc = peer_open(st, name, o, &pc, &c, err);
	ingest_opts io;
	ingest_opts_init(&io);
	io.format = INGEST_STIX;
	io.source = name;
	io.skip_invalid = true;
	sol_time unused;
	if (rc == 0)
		rc = taxii_peer_info(st, name, &io.default_tlp, &unused, &unused, err);
	const char *coll = collection ? collection : pc.p.collection;
	if (rc == 0 && coll) {
		ids = json_pack("[s]", coll);
	} else if (rc == 0) {
		rc = collections_with(&c, "can_read", &ids, err);
	}
	ingest_ctx *cx = ingest_ctx_new(st, &io);
	size_t i;
	json_t *id;
	json_array_foreach(ids, i, id)
	{
		if (rc != 0)
			break;
		rc = pull_collection(&c, st, name, json_string_value(id), cx, o, rep, err);
		if (rc == 0)
			rep->collections++;
	}
	if (rc == 0)
		rc = peer_stamp(st, name, "last_pull", err);
	ingest_ctx_free(cx);
	json_decref(ids);
	client_fini(&c);
	peer_copy_fini(&pc);
	return rc;
}

/* ---- push ------------------------------------------------------------------ */

void taxii_push_report_init(taxii_push_report *r)
{
	memset(r, 0, sizeof *r);
}

void taxii_push_report_fini(taxii_push_report *r)
{
	for (size_t i = 0; i < r->n_failure; i++) {
		free(r->failure[i].id);
		free(r->failure[i].message);
	}
	free(r->failure);
	memset(r, 0, sizeof *r);
}

static void push_failed(taxii_push_report *r, const char *id, const char *msg)
{
	r->failures++;
	if (r->n_failure >= TAXII_CLIENT_MAX_FAILURES)
		return;
	if (r->n_failure == 0)
		r->failure = xcalloc(TAXII_CLIENT_MAX_FAILURES, sizeof *r->failure);
	r->failure[r->n_failure].id = xstrdup(id ? id : "?");
	r->failure[r->n_failure].message = xstrdup(msg ? msg : "no reason given");
	r->n_failure++;
}

/* Walk state: which rows go into the batch. */
typedef struct push_walk {
	taxii_batch *batch;     /* the envelope being filled */
	json_t *peers;          /* names of every peer (their intel stays home) */
	sol_time last;          /* date_added of the last row consumed */
	taxii_push_report *rep; /* for objects too big to send */
} push_walk;

#define WALK_FULL 1 /* push_row stopped the walk: the batch is full */

static bool is_peer(const json_t *peers, const char *source)
{
	size_t i;
	const json_t *v;
	json_array_foreach(peers, i, v) if (strcmp(json_string_value(v), source) == 0) return true;
	return false;
}

static int push_row(void *ctx, const store_row *r)
{
	push_walk *w = ctx;
	bool wanted = (strcmp(r->type, "indicator") == 0 || strcmp(r->type, "sighting") == 0) &&
		      r->tlp != TLP_RED && !is_peer(w->peers, r->source);
	if (wanted && taxii_batch_add(w->batch, r->json, r->json_len) != 0) {
		if (w->batch->n > 0)
			return WALK_FULL;
		push_failed(w->rep, r->id, "larger than the server's max_content_length");
	}
	w->last = r->date_added;
	return 0;
}

static int peer_names(void *ctx, const store_peer *p)
{
	json_array_append_new(ctx, json_string(p->name));
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* POST the batch and follow its status until nothing is pending. */
static int push_envelope(client *c, const char *coll, taxii_batch *b, const taxii_client_opts *o,
			 taxii_push_report *rep, sol_err *err)
{
	size_t len;
	const char *body = taxii_batch_finish(b, &len);
	char *url = client_url(c, "collections/", coll, "/objects/");
	int rc = client_request(c, url, body, len, err);
	free(url);
	rep->envelopes++;
	rep->sent += (int64_t)b->n;
	long waited = 0, delay = CLIENT_POLL_FIRST_MS;
	while (rc == 0 && json_integer_value(json_object_get(c->doc, "pending_count")) > 0) {
		const char *sid = json_string_value(json_object_get(c->doc, "id"));
		if (!sid)
			return sol_fail(err, SOL_EPARSE, coll, "status resource without an id");
		if (waited >= (long)o->status_wait_s * 1000)
			return sol_fail(
			    err, SOL_EIO, sid,
			    "%" JSON_INTEGER_FORMAT " objects still pending after %u s",
			    json_integer_value(json_object_get(c->doc, "pending_count")),
			    o->status_wait_s);
		sleep_ms(delay);
		waited += delay;
		delay = delay * 2 > CLIENT_POLL_MAX_MS ? CLIENT_POLL_MAX_MS : delay * 2;
		char *su = client_url(c, "status/", sid, "/");
		rc = client_request(c, su, NULL, 0, err);
		free(su);
	}
	if (rc != 0)
		return rc;
	rep->successes += json_integer_value(json_object_get(c->doc, "success_count"));
	const json_t *fails = json_object_get(c->doc, "failures"), *f;
	size_t i, listed = 0;
	json_array_foreach(fails, i, f)
	{
		push_failed(rep, json_string_value(json_object_get(f, "id")),
			    json_string_value(json_object_get(f, "message")));
		listed++;
	}
	int64_t count = json_integer_value(json_object_get(c->doc, "failure_count"));
	if (count > (int64_t)listed)
		rep->failures += count - (int64_t)listed;
	return 0;
}

int taxii_peer_push(store *st, const char *name, const char *collection, sol_time since,
		    const taxii_client_opts *o, taxii_push_report *rep, sol_err *err)
{
	peer_copy pc = {0};
	client c;
	json_t *ids = NULL, *peers = json_array();
	char *coll = NULL, *key = NULL;
	size_t max = CLIENT_DEFAULT_CONTENT;
	int rc = peer_open(st, name, o, &pc, &c, err);
	if (rc == 0)
		rc = client_request(&c, c.root, NULL, 0, err);
	if (rc == 0) {
		json_int_t m = json_integer_value(json_object_get(c.doc, "max_content_length"));
		if (m > 0)
			max =
			    (uint64_t)m > TAXII_CLIENT_MAX_BODY ? TAXII_CLIENT_MAX_BODY : (size_t)m;
	}
	if (rc == 0 && (collection || pc.p.collection)) {
		coll = xstrdup(collection ? collection : pc.p.collection);
	} else if (rc == 0 && (rc = collections_with(&c, "can_write", &ids, err)) == 0) {
		if (json_array_size(ids) != 1)
			rc = sol_fail(err, SOL_EUSAGE, name,
				      "the peer lets us write %zu collections; choose one with "
				      "--collection",
				      json_array_size(ids));
		else
			coll = xstrdup(json_string_value(json_array_get(ids, 0)));
	}
	if (rc == 0)
		rc = store_peer_list(st, peer_names, peers, err);
	sol_time cursor = SOL_TIME_NONE;
	if (rc == 0) {
		key = xasprintf(PUSH_PREFIX "%s", coll);
		char *unused = NULL;
		rc = store_peer_cursor_get(st, name, key, &cursor, &unused, err);
		free(unused);
		if (rc == SOL_ENOTFOUND) {
			sol_err_clear(err);
			rc = 0;
		}
	}
	taxii_batch b;
	taxii_batch_init(&b, max, TAXII_CLIENT_MAX_OBJECTS);
	push_walk w = {.batch = &b, .peers = peers, .rep = rep};
	sol_time start = since != SOL_TIME_NONE    ? since
			 : cursor == SOL_TIME_NONE ? SOL_TIME_NONE
						   : cursor + 1;
	for (int walk = WALK_FULL; rc == 0 && walk == WALK_FULL;) {
		store_filter f;
		store_filter_init(&f);
		f.added_since = start;
		f.include_revoked = true;
		w.last = SOL_TIME_NONE;
		taxii_batch_reset(&b);
		walk = store_object_list(st, &f, push_row, &w, err);
		if (walk != 0 && walk != WALK_FULL)
			rc = walk;
		if (rc == 0 && b.n > 0)
			rc = push_envelope(&c, coll, &b, o, rep, err);
		if (rc == 0 && w.last != SOL_TIME_NONE) {
			rc = store_peer_cursor_set(st, name, key, w.last, NULL, err);
			start = w.last + 1;
		}
	}
	if (rc == 0)
		rc = peer_stamp(st, name, "last_push", err);
	taxii_batch_fini(&b);
	free(key);
	free(coll);
	json_decref(ids);
	json_decref(peers);
	client_fini(&c);
	peer_copy_fini(&pc);
	return rc;
}
