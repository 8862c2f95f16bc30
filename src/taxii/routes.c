/*
 * routes.c - the TAXII 2.1 endpoints: from a parsed request to a complete
 * response, with no socket in sight (server.c does the HTTP).
 *
 * Paths under /exports/ are handed to exports.c whole (the exports have
 * their own media types and validators); every other path is TAXII's.
 *
 * Order of checks for every request, each answering with a TAXII error
 * message when it fails:
 *   1. route      method + path -> endpoint and strictly validated ids
 *                 (404 unknown path or malformed id, 405 wrong method);
 *   2. Accept     application/taxii+json[;version=2.1], any type (star
 *                 slash star) or absent, else 406;
 *   3. partner    Basic or Bearer credentials -> a known partner, else 401
 *                 with WWW-Authenticate (discovery too: nothing is public);
 *   4. rights     a collection the partner can neither read nor write is
 *                 404, exactly as if it did not exist; one it can see but
 *                 not use this way is 403;
 *   5. parameters URL parameters parsed strictly (400);
 *   6. the endpoint itself.
 *
 * Who sees what is not decided here: every row goes through the store's
 * collection query with policy_visible() as its audience callback, applied
 * before the limit, so pages, counts, `more` and the X-TAXII-Date-Added
 * headers are computed over visible rows only.
 */
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "policy/policy.h"
#include "taxii/taxii_int.h"

/* ---- responses ------------------------------------------------------- */

void taxii_response_init(taxii_response *r)
{
	memset(r, 0, sizeof *r);
	r->status = 200;
	r->fd = -1;
	buf_init(&r->body, SIZE_MAX);
}

void taxii_response_fini(taxii_response *r)
{
	buf_fini(&r->body);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void taxii_response_error(taxii_response *r, int status, const char *title, const char *description)
{
	r->status = status;
	r->date_first[0] = r->date_last[0] = '\0';
	buf_reset(&r->body);
	taxii_error_write(&r->body, status, title, description);
}

/* ---- routes ---------------------------------------------------------- */

bool taxii_stix_id_valid(const char *s)
{
	const char *sep = strstr(s, "--");
	if (!sep)
		return false;
	size_t tn = (size_t)(sep - s);
	return tn >= 3 && tn <= 250 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") >= tn &&
	       s[0] != '-' && s[tn - 1] != '-' && strlen(sep + 2) == 36 &&
	       sol_uuid_valid(sep + 2, 36);
}

/* Next path segment of *p into seg (NUL-terminated); false if none/too long. */
static bool segment(const char **p, char *seg, size_t size)
{
	const char *s = *p;
	if (*s != '/')
		return false;
	s++;
	const char *e = strchr(s, '/');
	size_t n = e ? (size_t)(e - s) : strlen(s);
	if (n == 0 || n >= size)
		return false;
	memcpy(seg, s, n);
	seg[n] = '\0';
	*p = s + n;
	return true;
}

/* The rest of the path is "" or "/". */
static bool end_of_path(const char *p)
{
	return p[0] == '\0' || (p[0] == '/' && p[1] == '\0');
}

static bool uuid_copy(const char *seg, char out[37])
{
	if (strlen(seg) != 36 || !sol_uuid_valid(seg, 36))
		return false;
	memcpy(out, seg, 37);
	return true;
}

static int method_check(taxii_route *r, const char *method)
{
	static const char *const names[] = {
	    [TAXII_GET] = "GET", [TAXII_POST] = "POST", [TAXII_DELETE] = "DELETE"};
	r->method = TAXII_OTHER;
	for (int m = TAXII_GET; m <= TAXII_DELETE; m++)
		if (strcmp(method, names[m]) == 0)
			r->method = (taxii_method)m;
	bool ok = r->method == TAXII_GET || (r->method == TAXII_POST && r->ep == TAXII_OBJECTS) ||
		  (r->method == TAXII_DELETE && r->ep == TAXII_OBJECT);
	return ok ? 0 : 405;
}

int taxii_route_parse(const char *method, const char *path, taxii_route *r)
{
	memset(r, 0, sizeof *r);
	char seg[TAXII_ID_MAX + 2];
	const char *p = path;
	if (!segment(&p, seg, sizeof seg))
		return 404;
	if (strcmp(seg, "taxii2") == 0) {
		r->ep = TAXII_DISCOVERY;
		return end_of_path(p) ? method_check(r, method) : 404;
	}
	if (strcmp(seg, TAXII_API_ROOT) != 0)
		return 404;
	r->ep = TAXII_API_ROOT_EP;
	if (end_of_path(p))
		return method_check(r, method);
	if (!segment(&p, seg, sizeof seg))
		return 404;
	if (strcmp(seg, "status") == 0) {
		r->ep = TAXII_STATUS;
		if (!segment(&p, seg, sizeof seg) || !uuid_copy(seg, r->status_id) ||
		    !end_of_path(p))
			return 404;
		return method_check(r, method);
	}
	if (strcmp(seg, "collections") != 0)
		return 404;
	r->ep = TAXII_COLLECTIONS;
	if (end_of_path(p))
		return method_check(r, method);
	if (!segment(&p, seg, sizeof seg) || !uuid_copy(seg, r->collection))
		return 404;
	r->ep = TAXII_COLLECTION;
	if (end_of_path(p))
		return method_check(r, method);
	if (!segment(&p, seg, sizeof seg))
		return 404;
	if (strcmp(seg, "manifest") == 0) {
		r->ep = TAXII_MANIFEST;
		return end_of_path(p) ? method_check(r, method) : 404;
	}
	if (strcmp(seg, "objects") != 0)
		return 404;
	r->ep = TAXII_OBJECTS;
	if (end_of_path(p))
		return method_check(r, method);
	if (!segment(&p, seg, sizeof seg) || !taxii_stix_id_valid(seg))
		return 404;
	memcpy(r->object, seg, strlen(seg) + 1);
	r->ep = TAXII_OBJECT;
	if (end_of_path(p))
		return method_check(r, method);
	if (!segment(&p, seg, sizeof seg) || strcmp(seg, "versions") != 0 || !end_of_path(p))
		return 404;
	r->ep = TAXII_VERSIONS;
	return method_check(r, method);
}

/* ---- content negotiation ---------------------------------------------- */

/* Case-insensitive prefix test; returns the rest or NULL. */
static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncasecmp(s, prefix, n) == 0 ? s + n : NULL;
}

/*
 * One media range (n bytes): the TAXII type with no version or with
 * version=2.1; for Accept also the wildcards "star/star" and
 * "application/star", unless weighted q=0.
 */
static bool media_ok(const char *s, size_t n, bool accept)
{
	char m[128];
	size_t j = 0;
	for (size_t i = 0; i < n && j + 1 < sizeof m; i++)
		if (s[i] != ' ' && s[i] != '\t')
			m[j++] = s[i];
	m[j] = '\0';
	if (j + 1 >= sizeof m && n >= sizeof m)
		return false;
	const char *rest = after_prefix(m, "application/taxii+json");
	if (!rest && accept)
		rest = after_prefix(m, "*/*") ? after_prefix(m, "*/*")
					      : after_prefix(m, "application/*");
	if (!rest)
		return false;
	/* Parameters: version must be 2.1 when present; q and others pass. */
	while (*rest == ';') {
		rest++;
		const char *v = after_prefix(rest, "version=");
		const char *semi = strchr(rest, ';');
		size_t len = semi ? (size_t)(semi - rest) : strlen(rest);
		if (v && !(strncmp(v, "2.1", 3) == 0 && (v[3] == ';' || v[3] == '\0')))
			return false;
		if (accept && after_prefix(rest, "q=") && strncmp(rest, "q=0", 3) == 0 &&
		    strspn(rest + 3, ".0") == len - 3)
			return false;
		rest += len;
	}
	return *rest == '\0';
}

/* Accept: absent, or any comma-separated range media_ok accepts. */
static bool accept_ok(const char *h)
{
	if (!h || !*h)
		return true;
	for (;;) {
		const char *comma = strchr(h, ',');
		size_t n = comma ? (size_t)(comma - h) : strlen(h);
		if (media_ok(h, n, true))
			return true;
		if (!comma)
			return false;
		h = comma + 1;
	}
}

/* ---- partners --------------------------------------------------------- */

#define BASIC_MAX 512 /* decoded "user:password" */

int taxii_partner_authenticate(store *st, const char *h, char name[STORE_PARTNER_NAME_MAX + 1])
{
	if (!h)
		return SOL_ENOTFOUND;
	const char *v;
	if ((v = after_prefix(h, "Bearer ")) != NULL) {
		v += strspn(v, " ");
		return store_partner_auth(st, v, name, NULL);
	}
	if ((v = after_prefix(h, "Basic ")) == NULL)
		return SOL_ENOTFOUND;
	v += strspn(v, " ");
	unsigned char dec[BASIC_MAX + 1];
	size_t n;
	if (sodium_base642bin(dec, BASIC_MAX, v, strlen(v), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return SOL_ENOTFOUND;
	dec[n] = '\0';
	char *colon = memchr(dec, ':', n);
	if (!colon || strlen((char *)dec) != n || colon - (char *)dec > STORE_PARTNER_NAME_MAX)
		return SOL_ENOTFOUND;
	*colon = '\0';
	int rc = store_partner_auth_basic(st, (char *)dec, colon + 1, NULL);
	if (rc == 0)
		memcpy(name, dec, (size_t)(colon - (char *)dec) + 1);
	sodium_memzero(dec, sizeof dec);
	return rc;
}

/* ---- one request's state ---------------------------------------------- */

typedef struct call {
	const taxii_site *site;   /* server settings and store */
	const taxii_request *req; /* the request */
	taxii_response *res;      /* the answer being built */
	taxii_route route;        /* parsed path */
	const char *partner;      /* authenticated partner (res->partner) */
	store_grant grant;        /* its rights on route.collection */
	store_collection coll;    /* route.collection (strings in coll_*) */
	char coll_title[STORE_TITLE_MAX];
	char coll_desc[STORE_DESCRIPTION_MAX];
	taxii_query q; /* URL parameters */
} call;

static void fail(call *c, int status, const char *title, const char *description)
{
	taxii_response_error(c->res, status, title, description);
}

static void fail_store(call *c, const sol_err *e)
{
	fail(c, 500, "Internal error", e->msg[0] ? e->msg : "the store failed");
}

/* The STIX version as a timestamp: milliseconds unless it has more. */
static char *version_format(sol_time t, char buf[40])
{
	return t % 1000 == 0 ? sol_time_format(t, buf, 40) : taxii_time_format(t, buf);
}

/* A member filter from the URL parameters, audience included. */
static void filter_from_query(call *c, store_member_filter *f)
{
	store_member_filter_init(f);
	f->added_after = c->q.added_after;
	if (c->q.has_next && (f->added_after == SOL_TIME_NONE || c->q.next_after > f->added_after))
		f->added_after = c->q.next_after;
	f->ids = (const char *const *)c->q.ids;
	f->n_ids = c->q.n_ids;
	f->types = (const char *const *)c->q.types;
	f->n_types = c->q.n_types;
	f->version.first = c->q.version_sel & TAXII_VERSION_FIRST;
	f->version.last = c->q.version_sel & TAXII_VERSION_LAST;
	f->version.all = c->q.version_sel & TAXII_VERSION_ALL;
	f->version.at = c->q.versions;
	f->version.n_at = c->q.n_versions;
	f->limit = c->q.limit;
	f->visible = policy_member_visible;
	f->visible_ctx = &c->grant; /* its partner field names the requester */
}

/* ---- discovery, API root, collections --------------------------------- */

/* The "title" and optional "description" discovery and API root share. */
static void site_title(jsonw *w, const taxii_site *site)
{
	jsonw_key(w, "title");
	jsonw_cstr(w, site->title);
	if (site->description) {
		jsonw_key(w, "description");
		jsonw_cstr(w, site->description);
	}
}

static void discovery(call *c)
{
	jsonw w;
	jsonw_init(&w, &c->res->body);
	jsonw_object_begin(&w);
	site_title(&w, c->site);
	jsonw_key(&w, "default");
	jsonw_cstr(&w, "/" TAXII_API_ROOT "/");
	jsonw_key(&w, "api_roots");
	jsonw_array_begin(&w);
	jsonw_cstr(&w, "/" TAXII_API_ROOT "/");
	jsonw_array_end(&w);
	jsonw_object_end(&w);
}

static void api_root(call *c)
{
	jsonw w;
	jsonw_init(&w, &c->res->body);
	jsonw_object_begin(&w);
	site_title(&w, c->site);
	jsonw_key(&w, "versions");
	jsonw_array_begin(&w);
	jsonw_cstr(&w, TAXII_MEDIA);
	jsonw_array_end(&w);
	jsonw_key(&w, "max_content_length");
	jsonw_int(&w, (int64_t)c->site->max_content_length);
	jsonw_object_end(&w);
}

static void collection_write(jsonw *w, const store_collection *coll, const store_grant *g)
{
	jsonw_object_begin(w);
	jsonw_key(w, "id");
	jsonw_cstr(w, coll->id);
	jsonw_key(w, "title");
	jsonw_cstr(w, coll->title);
	if (coll->description && coll->description[0]) {
		jsonw_key(w, "description");
		jsonw_cstr(w, coll->description);
	}
	jsonw_key(w, "can_read");
	jsonw_bool(w, g->read);
	jsonw_key(w, "can_write");
	jsonw_bool(w, g->write);
	jsonw_key(w, "media_types");
	jsonw_array_begin(w);
	jsonw_cstr(w, "application/stix+json;version=2.1");
	jsonw_array_end(w);
	jsonw_object_end(w);
}

typedef struct listing {
	call *c;   /* the request */
	jsonw *w;  /* output */
	size_t n;  /* collections written */
	sol_err e; /* a grant lookup failure */
} listing;

static int listing_one(void *ctx, const store_collection *coll)
{
	listing *l = ctx;
	store_grant g;
	int rc = store_grant_get(l->c->site->st, coll->id, l->c->partner, &g, &l->e);
	if (rc == SOL_ENOTFOUND || (rc == 0 && !g.read && !g.write))
		return 0;
	if (rc != 0)
		return rc;
	if (l->n++ == 0) {
		jsonw_key(l->w, "collections");
		jsonw_array_begin(l->w);
	}
	collection_write(l->w, coll, &g);
	return 0;
}

static void collections(call *c)
{
	jsonw w;
	jsonw_init(&w, &c->res->body);
	listing l = {.c = c, .w = &w};
	jsonw_object_begin(&w);
	int rc = store_collection_list(c->site->st, listing_one, &l, &l.e);
	if (rc != 0) {
		fail_store(c, &l.e);
		return;
	}
	if (l.n)
		jsonw_array_end(&w);
	jsonw_object_end(&w);
}

static int collection_keep(void *ctx, const store_collection *coll)
{
	call *c = ctx;
	snprintf(c->coll_title, sizeof c->coll_title, "%s", coll->title);
	snprintf(c->coll_desc, sizeof c->coll_desc, "%s",
		 coll->description ? coll->description : "");
	c->coll =
	    (store_collection){c->route.collection, c->coll_title, c->coll_desc, coll->created};
	return 0;
}

/*
 * Load route.collection and the partner's grant. False (response set) if
 * the collection is unknown or the partner has no rights on it: both are
 * the same 404, so a partner cannot learn which collections exist.
 */
static bool collection_open(call *c)
{
	sol_err e = {0};
	int rc = store_collection_get(c->site->st, c->route.collection, collection_keep, c, &e);
	if (rc == 0) {
		rc = store_grant_get(c->site->st, c->route.collection, c->partner, &c->grant, &e);
		if (rc == 0 && !c->grant.read && !c->grant.write)
			rc = SOL_ENOTFOUND;
	}
	if (rc == SOL_ENOTFOUND) {
		fail(c, 404, "Not found", "no such collection");
		return false;
	}
	if (rc != 0) {
		fail_store(c, &e);
		return false;
	}
	return true;
}

/* ---- objects, manifest, versions -------------------------------------- */

typedef struct page {
	call *c;           /* the request */
	sol_buf *out;      /* body */
	size_t n;          /* rows written */
	sol_time first;    /* date_added of the first row */
	sol_time last;     /* ... and of the last */
	taxii_endpoint ep; /* which document */
} page;

static int page_row(void *ctx, const store_member *m)
{
	page *p = ctx;
	char t[40];
	if (p->n == 0)
		p->first = m->date_added;
	p->last = m->date_added;
	if (p->n++ > 0)
		buf_append(p->out, ",", 1);
	if (p->ep == TAXII_OBJECTS || p->ep == TAXII_OBJECT) {
		buf_append(p->out, m->row->json, m->row->json_len);
	} else if (p->ep == TAXII_VERSIONS) {
		buf_printf(p->out, "\"%s\"", version_format(m->row->version, t));
	} else {
		jsonw w;
		jsonw_init(&w, p->out);
		jsonw_object_begin(&w);
		jsonw_key(&w, "id");
		jsonw_cstr(&w, m->row->id);
		jsonw_key(&w, "date_added");
		jsonw_cstr(&w, taxii_time_format(m->date_added, t));
		jsonw_key(&w, "version");
		jsonw_cstr(&w, version_format(m->row->version, t));
		jsonw_key(&w, "media_type");
		jsonw_cstr(&w, "application/stix+json;version=2.1");
		jsonw_object_end(&w);
	}
	return 0;
}

/*
 * GET objects, object, manifest and versions: one query, one document.
 * Rows come from the store already filtered by the audience, so `more`,
 * `next` and both date headers describe visible rows only.
 */
static void listing_get(call *c)
{
	taxii_endpoint ep = c->route.ep;
	store_member_filter f;
	filter_from_query(c, &f);
	const char *one[1] = {c->route.object};
	if (ep == TAXII_OBJECT || ep == TAXII_VERSIONS) {
		f.ids = one;
		f.n_ids = 1;
	}
	if (ep == TAXII_VERSIONS)
		f.version = (store_version_match){.all = true};
	sol_buf rows;
	buf_init(&rows, SIZE_MAX);
	page p = {.c = c, .out = &rows, .ep = ep};
	bool more = false;
	sol_err e = {0};
	int rc = c->q.spec_ok ? store_collection_objects(c->site->st, c->route.collection, &f,
							 page_row, &p, &more, &e)
			      : 0;
	if (rc != 0) {
		buf_fini(&rows);
		fail_store(c, &e);
		return;
	}
	if (p.n == 0 && (ep == TAXII_OBJECT || ep == TAXII_VERSIONS)) {
		buf_fini(&rows);
		fail(c, 404, "Not found", "no such object in this collection");
		return;
	}
	sol_buf *out = &c->res->body;
	buf_puts(out, "{");
	if (p.n) {
		char tok[24];
		taxii_time_format(p.first, c->res->date_first);
		taxii_time_format(p.last, c->res->date_last);
		buf_printf(out, "\"more\":%s,", more ? "true" : "false");
		if (more && ep != TAXII_VERSIONS)
			buf_printf(out, "\"next\":\"%s\",", taxii_next_format(p.last, tok));
		buf_printf(out, "\"%s\":[", ep == TAXII_VERSIONS ? "versions" : "objects");
		buf_append(out, rows.data, rows.len);
		buf_puts(out, "]");
	}
	buf_puts(out, "}");
	buf_fini(&rows);
}

/* ---- DELETE ------------------------------------------------------------ */

typedef struct victims {
	sol_time v[STORE_MATCH_MAX]; /* visible versions to remove */
	size_t n;
} victims;

static int victim_add(void *ctx, const store_member *m)
{
	victims *vs = ctx;
	if (vs->n == STORE_MATCH_MAX)
		return 1;
	vs->v[vs->n++] = m->row->version;
	return 0;
}

/*
 * DELETE removes the versions the partner can see (all of them, or those
 * match[version] selects) from the collection; an object it cannot see
 * is a 404 like an absent one.
 */
static void object_delete(call *c)
{
	bool given = false;
	for (size_t i = 0; i < c->req->n_params; i++)
		given |= strcmp(c->req->params[i].key, "match[version]") == 0;
	store_member_filter f;
	filter_from_query(c, &f);
	const char *one[1] = {c->route.object};
	f.ids = one;
	f.n_ids = 1;
	f.added_after = SOL_TIME_NONE;
	f.limit = 0;
	if (!given)
		f.version = (store_version_match){.all = true};
	victims *vs = xcalloc(1, sizeof *vs);
	bool more;
	sol_err e = {0};
	c->site->write_lock(c->site->lock_ctx, true);
	int rc = c->q.spec_ok ? store_collection_objects(c->site->st, c->route.collection, &f,
							 victim_add, vs, &more, &e)
			      : 0;
	size_t removed = 0;
	if (rc == 0 && vs->n > 0) {
		store_version_match vm = {.at = vs->v, .n_at = vs->n};
		rc = store_collection_object_remove(c->site->st, c->route.collection,
						    c->route.object, &vm, &removed, &e);
	}
	c->site->write_lock(c->site->lock_ctx, false);
	if (rc == 1)
		fail(c, 400, "Too many versions", "select the versions with match[version]");
	else if (rc != 0)
		fail_store(c, &e);
	else if (vs->n == 0)
		fail(c, 404, "Not found", "no such object in this collection");
	free(vs);
}

/* ---- POST objects and status ------------------------------------------- */

static bool is_db_error(int rc)
{
	return rc == SOL_EDB || rc == SOL_EIO || rc == SOL_EINTERNAL;
}

/* The version key store.h uses: modified, else created, else 0. */
static sol_time object_version(const json_t *obj)
{
	sol_time t;
	const char *m = json_string_value(json_object_get(obj, "modified"));
	const char *cr = json_string_value(json_object_get(obj, "created"));
	if (m && sol_time_parse(m, &t) == 0)
		return t;
	if (cr && sol_time_parse(cr, &t) == 0)
		return t;
	return 0;
}

/*
 * Ingest one posted object exactly as an import would (ingest_object),
 * then add it to the collection. Fills the status entry; returns 0 or a
 * store failure that aborts the whole POST.
 */
static int post_one(call *c, ingest_ctx *cx, ingest_report *rep, json_t *obj, size_t i,
		    store_status_entry *en, char *msg, sol_err *e)
{
	char where[32];
	snprintf(where, sizeof where, "$.objects[%zu]", i);
	const char *id = json_string_value(json_object_get(obj, "id"));
	en->id = id && strlen(id) <= TAXII_ID_MAX ? id : "";
	en->version = json_is_object(obj) ? object_version(obj) : SOL_TIME_NONE;
	en->result = STORE_STATUS_FAILURE;
	en->message = msg;
	if (!json_is_object(obj)) {
		snprintf(msg, STORE_STATUS_MESSAGE_MAX, "%s: not a JSON object", where);
		return 0;
	}
	int64_t conflicts = rep->put[STORE_CONFLICT];
	sol_err oe = {0};
	int rc = ingest_object(cx, obj, where, &oe);
	if (is_db_error(rc)) {
		*e = oe;
		return rc;
	}
	if (rc != 0) {
		snprintf(msg, STORE_STATUS_MESSAGE_MAX, "%s: %s", oe.where, oe.msg);
		return 0;
	}
	if (rep->put[STORE_CONFLICT] != conflicts) {
		snprintf(msg, STORE_STATUS_MESSAGE_MAX,
			 "%s: another object with this id and version is already stored", where);
		return 0;
	}
	sol_time added;
	rc = store_collection_object_add(c->site->st, c->route.collection, id, en->version, &added,
					 e);
	if (rc != 0)
		return rc;
	en->result = STORE_STATUS_SUCCESS;
	en->message = NULL;
	return 0;
}

static void objects_post(call *c)
{
	const char *ct = c->req->content_type;
	if (!ct || !media_ok(ct, strlen(ct), false)) {
		fail(c, 415, "Unsupported media type", "POST bodies must be " TAXII_MEDIA);
		return;
	}
	json_t *objs;
	sol_err e = {0};
	if (taxii_envelope_parse(c->req->body, c->req->body_len, &objs, &e) != 0) {
		char d[sizeof e.where + sizeof e.msg + 2];
		snprintf(d, sizeof d, "%s%s%s", e.where, e.where[0] ? ": " : "", e.msg);
		fail(c, 400, "Bad envelope", d);
		return;
	}
	size_t n = json_array_size(objs);
	store_status_entry *en = xcalloc(n ? n : 1, sizeof *en);
	char *msgs = xcalloc(n ? n : 1, STORE_STATUS_MESSAGE_MAX);
	char sid[37];
	sol_uuid4(sid);
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = c->partner;
	ingest_ctx *cx = ingest_ctx_new(c->site->st, &io);
	ingest_report rep;
	ingest_report_init(&rep);

	c->site->write_lock(c->site->lock_ctx, true);
	int rc = store_begin(c->site->st, &e);
	bool began = rc == 0;
	if (rc == 0)
		rc = store_status_create(c->site->st, sid, c->route.collection, c->partner,
					 (int64_t)n, &e);
	ingest_batch_begin(cx, &rep);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = post_one(c, cx, &rep, json_array_get(objs, i), i, &en[i],
			      msgs + i * STORE_STATUS_MESSAGE_MAX, &e);
	ingest_batch_end(cx);
	if (rc == 0 && n)
		rc = store_status_update(c->site->st, sid, en, n, &e);
	if (rc == 0)
		rc = store_commit(c->site->st, &e);
	else if (began)
		store_rollback(c->site->st);
	c->site->write_lock(c->site->lock_ctx, false);

	char *json = NULL;
	if (rc == 0)
		rc = store_status_get(c->site->st, sid, c->partner, &json, &e);
	if (rc != 0) {
		fail_store(c, &e);
	} else {
		c->res->status = 202;
		buf_puts(&c->res->body, json);
	}
	free(json);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	free(msgs);
	free(en);
	json_decref(objs);
}

static void status_get(call *c)
{
	char *json = NULL;
	sol_err e = {0};
	int rc = store_status_get(c->site->st, c->route.status_id, c->partner, &json, &e);
	if (rc == SOL_ENOTFOUND)
		fail(c, 404, "Not found", "no such status resource");
	else if (rc != 0)
		fail_store(c, &e);
	else
		buf_puts(&c->res->body, json);
	free(json);
}

/* ---- the entry point ---------------------------------------------------- */

void taxii_handle(const taxii_site *site, const taxii_request *req, taxii_response *res)
{
	call c = {.site = site, .req = req, .res = res};
	if (strncmp(req->path, TAXII_EXPORTS_PREFIX, strlen(TAXII_EXPORTS_PREFIX)) == 0) {
		taxii_exports_handle(site, req, res);
		return;
	}
	int rc = taxii_route_parse(req->method, req->path, &c.route);
	if (rc == 404) {
		fail(&c, 404, "Not found", "no such TAXII resource");
		return;
	}
	if (rc == 405) {
		fail(&c, 405, "Method not allowed", "this resource does not support the method");
		return;
	}
	if (!accept_ok(req->accept)) {
		fail(&c, 406, "Not acceptable", "this server only produces " TAXII_MEDIA);
		return;
	}
	rc = taxii_partner_authenticate(site->st, req->authorization, res->partner);
	if (rc != 0) {
		res->partner[0] = '\0';
		if (rc == SOL_ENOTFOUND) {
			fail(&c, 401, "Unauthorized",
			     "send a partner key (Bearer) or name and key (Basic)");
			res->challenge = true;
		} else {
			fail(&c, 500, "Internal error", "authentication failed");
		}
		return;
	}
	c.partner = res->partner;
	sol_err e = {0};
	if (taxii_query_parse(req->params, req->n_params, site->page_max, &c.q, &e) != 0) {
		taxii_query_fini(&c.q);
		fail(&c, 400, "Bad parameter", e.msg);
		return;
	}
	taxii_endpoint ep = c.route.ep;
	if (ep == TAXII_DISCOVERY) {
		discovery(&c);
	} else if (ep == TAXII_API_ROOT_EP) {
		api_root(&c);
	} else if (ep == TAXII_STATUS) {
		status_get(&c);
	} else if (ep == TAXII_COLLECTIONS) {
		collections(&c);
	} else if (collection_open(&c)) {
		bool writes = c.route.method != TAXII_GET;
		if (ep == TAXII_COLLECTION) {
			jsonw w;
			jsonw_init(&w, &res->body);
			collection_write(&w, &c.coll, &c.grant);
		} else if (writes ? !c.grant.write : !c.grant.read) {
			fail(&c, 403, "Forbidden",
			     writes ? "no write access to this collection"
				    : "no read access to this collection");
		} else if (c.route.method == TAXII_POST) {
			objects_post(&c);
		} else if (c.route.method == TAXII_DELETE) {
			object_delete(&c);
		} else {
			listing_get(&c);
		}
	}
	taxii_query_fini(&c.q);
}
