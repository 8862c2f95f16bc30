/*
 * test_server.c - the TAXII 2.1 server over real HTTP on 127.0.0.1, against
 * a real SQLite store in a temporary directory, with libcurl as the client.
 *
 * The fixture: one collection C holding indicators marked CLEAR, GREEN
 * (two versions), AMBER and RED (RED distributed to eve only), and five
 * partners:
 *   alice  read + write + AMBER      bob    read (no AMBER)
 *   carol  write only                dave   no grant at all
 *   eve    read + AMBER, on the RED object's distribution list
 * Every read endpoint is asked by each partner, and the test checks that
 * an object the partner may not see leaves no trace: not its id anywhere
 * in the body, not a count, not its date in X-TAXII-Date-Added-*.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "store/store.h"
#include "taxii/taxii.h"
#include "taxii/taxii_int.h"
#include "testlib.h"

#define PAGE_MAX 5 /* the test server's largest page */
#define MAX_BODY 4096

#define COLL "9a4cf1a4-7f55-4c0e-b1a7-0c7a0d3c2f10"
#define OTHER "0d8c1f6e-6a3b-4a4f-9d59-2e5f0a2d1b77" /* a collection nobody may read */
#define CLEAR_ID "indicator--11111111-1111-4111-8111-111111111111"
#define GREEN_ID "indicator--22222222-2222-4222-8222-222222222222"
#define AMBER_ID "indicator--33333333-3333-4333-8333-333333333333"
#define RED_ID "indicator--44444444-4444-4444-8444-444444444444"

static char *dir, *db;
static char keys[5][STORE_KEY_TEXT_MAX];
enum { ALICE, BOB, CAROL, DAVE, EVE };
static const char *const names[] = {"alice", "bob", "carol", "dave", "eve"};
static taxii_server *srv;
static FILE *reqlog;
static char base[64];

/* ---- fixture ------------------------------------------------------------ */

static char *indicator(const char *id, const char *modified, stix_tlp tlp, const char *value)
{
	return xasprintf("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
			 "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"%s\","
			 "\"pattern\":\"[ipv4-addr:value = '%s']\",\"pattern_type\":\"stix\","
			 "\"valid_from\":\"2026-01-01T00:00:00Z\","
			 "\"object_marking_refs\":[\"%s\"]}",
			 id, modified, value, stix_tlp_marking_id(tlp));
}

static void put(store *st, const char *json, const char *id, const char *modified)
{
	ingest_ctx *cx = ingest_ctx_new(st, NULL);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err e = {0};
	int rc = ingest_buffer(cx, "fixture", json, strlen(json), &rep, &e);
	if (rc != 0)
		fail_msg("ingest: %s: %s", e.where, e.msg);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	sol_time v, added;
	assert_int_equal(sol_time_parse(modified, &v), 0);
	assert_int_equal(store_collection_object_add(st, COLL, id, v, &added, &e), 0);
}

static void grant(store *st, const char *coll, int who, bool r, bool w, bool amber)
{
	store_grant g = {coll, names[who], r, w, amber};
	sol_err e = {0};
	assert_int_equal(store_grant_set(st, &g, &e), 0);
}

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	dir = test_tmpdir();
	db = test_path(dir, "node.db");
	store *st;
	sol_err e = {0};
	assert_int_equal(store_open(db, &st, &e), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_partner_add(st, names[i], keys[i], &e), 0);
	char id[37];
	store_collection c = {COLL, "shared", "intel we share", 0};
	assert_int_equal(store_collection_add(st, &c, id, &e), 0);
	store_collection priv = {OTHER, "private", "", 0};
	assert_int_equal(store_collection_add(st, &priv, id, &e), 0);
	grant(st, COLL, ALICE, true, true, true);
	grant(st, COLL, BOB, true, false, false);
	grant(st, COLL, CAROL, false, true, false);
	grant(st, COLL, EVE, true, false, true);

	const struct {
		const char *id, *mod;
		stix_tlp tlp;
		const char *ip;
	} objs[] = {
	    {CLEAR_ID, "2026-01-01T00:00:00.000Z", TLP_CLEAR, "192.0.2.1"},
	    {GREEN_ID, "2026-01-01T00:00:00.000Z", TLP_GREEN, "192.0.2.2"},
	    {AMBER_ID, "2026-01-01T00:00:00.000Z", TLP_AMBER, "192.0.2.3"},
	    {RED_ID, "2026-01-01T00:00:00.000Z", TLP_RED, "192.0.2.4"},
	    {GREEN_ID, "2026-02-01T00:00:00.000Z", TLP_GREEN, "192.0.2.5"},
	};
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		char *j = indicator(objs[i].id, objs[i].mod, objs[i].tlp, objs[i].ip);
		put(st, j, objs[i].id, objs[i].mod);
		free(j);
	}
	const char *eve = "eve";
	assert_int_equal(store_distribution_set(st, RED_ID, &eve, 1, &e), 0);
	store_close(st);

	char *logpath = test_path(dir, "requests.log");
	reqlog = fopen(logpath, "w+");
	free(logpath);
	taxii_options o;
	taxii_options_init(&o);
	o.db_path = db;
	o.listen = "127.0.0.1:0";
	o.page_max = PAGE_MAX;
	o.max_content_length = 64 * 1024;
	o.timeout_s = 2;
	o.log = reqlog;
	if (taxii_server_start(&o, &srv, &e) != 0)
		fail_msg("start: %s: %s", e.where, e.msg);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", taxii_server_port(srv));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	taxii_server_stop(srv);
	fclose(reqlog);
	test_tmpdir_remove(dir);
	free(db);
	curl_global_cleanup();
	return 0;
}

/* ---- HTTP helper --------------------------------------------------------- */

typedef struct reply {
	long status;              /* HTTP status */
	sol_buf body;             /* response body */
	char first[64], last[64]; /* X-TAXII-Date-Added-First/-Last, "" if absent */
	char ctype[128];          /* Content-Type */
	bool challenge;           /* WWW-Authenticate present */
	json_t *json;             /* parsed body, NULL if not JSON */
} reply;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	reply *r = ctx;
	return buf_append(&r->body, p, size * n) == 0 ? size * n : 0;
}

static void header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) != 0)
		return;
	const char *v = line + n;
	size_t vn = len - n;
	while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n'))
		vn--;
	snprintf(out, size, "%.*s", (int)vn, v);
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	reply *r = ctx;
	size_t len = size * n;
	header_value(p, len, "X-TAXII-Date-Added-First: ", r->first, sizeof r->first);
	header_value(p, len, "X-TAXII-Date-Added-Last: ", r->last, sizeof r->last);
	header_value(p, len, "Content-Type: ", r->ctype, sizeof r->ctype);
	if (len > 17 && strncasecmp(p, "WWW-Authenticate:", 17) == 0)
		r->challenge = true;
	return len;
}

typedef struct req {
	const char *method; /* NULL = GET */
	const char *path;   /* after base */
	int who;            /* partner index, -1 = no credentials */
	bool basic;         /* Basic instead of Bearer */
	const char *accept; /* NULL = TAXII media type */
	const char *ctype;  /* POST Content-Type; NULL = TAXII media type */
	const char *body;   /* POST body */
	size_t body_len;    /* its length (0 = strlen) */
	CURL *h;            /* reuse this handle; NULL = a fresh one */
} req;

static void http(const req *q, reply *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body, 1u << 24);
	CURL *h = q->h ? q->h : curl_easy_init();
	if (q->h)
		curl_easy_reset(h);
	char *url = xasprintf("%s%s", base, q->path);
	struct curl_slist *hl = NULL;
	char *accept = xasprintf("Accept: %s", q->accept ? q->accept : TAXII_MEDIA);
	hl = curl_slist_append(hl, accept);
	char *auth = NULL;
	if (q->who >= 0 && !q->basic) {
		auth = xasprintf("Authorization: Bearer %s", keys[q->who]);
		hl = curl_slist_append(hl, auth);
	} else if (q->who >= 0) {
		curl_easy_setopt(h, CURLOPT_USERNAME, names[q->who]);
		curl_easy_setopt(h, CURLOPT_PASSWORD, keys[q->who]);
	}
	char *ct = NULL;
	if (q->body) {
		ct = xasprintf("Content-Type: %s", q->ctype ? q->ctype : TAXII_MEDIA);
		hl = curl_slist_append(hl, ct);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(q->body_len ? q->body_len : strlen(q->body)));
	}
	if (q->method)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	CURLcode cc = curl_easy_perform(h);
	if (cc != CURLE_OK)
		fail_msg("%s %s: %s", q->method ? q->method : "GET", q->path,
			 curl_easy_strerror(cc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->body.len)
		r->json = json_loadb(r->body.data, r->body.len, 0, NULL);
	curl_slist_free_all(hl);
	free(url);
	free(accept);
	free(auth);
	free(ct);
	if (!q->h)
		curl_easy_cleanup(h);
}

static void reply_fini(reply *r)
{
	buf_fini(&r->body);
	json_decref(r->json);
}

static bool has(const reply *r, const char *s)
{
	return r->body.data && strstr(r->body.data, s);
}

/* A TAXII error message with this status. */
static void assert_error(const reply *r, long status)
{
	if (r->status != status)
		fail_msg("expected %ld, got %ld: %s", status, r->status,
			 r->body.data ? r->body.data : "");
	assert_non_null(r->json);
	assert_non_null(json_string_value(json_object_get(r->json, "title")));
	char code[8];
	snprintf(code, sizeof code, "%ld", status);
	assert_string_equal(json_string_value(json_object_get(r->json, "http_status")), code);
	assert_string_equal(r->ctype, TAXII_MEDIA);
}

static void get(int who, const char *path, reply *r)
{
	req q = {.path = path, .who = who};
	http(&q, r);
}

/* ---- discovery, authentication, API root, collections ---------------------- */

static void test_discovery_and_auth(void **state)
{
	(void)state;
	reply r;
	get(-1, "/taxii2/", &r);
	assert_error(&r, 401);
	assert_true(r.challenge);
	reply_fini(&r);

	get(ALICE, "/taxii2/", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, TAXII_MEDIA);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.json, "api_roots"), 0)), "/api/");
	reply_fini(&r);

	req basic = {.path = "/taxii2/", .who = BOB, .basic = true};
	http(&basic, &r);
	assert_int_equal(r.status, 200);
	reply_fini(&r);

	get(BOB, "/api/", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "max_content_length")),
			 64 * 1024);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.json, "versions"), 0)), TAXII_MEDIA);
	reply_fini(&r);
}

static void test_wrong_key(void **state)
{
	(void)state;
	CURL *h = curl_easy_init();
	char *url = xasprintf("%s/taxii2/", base);
	struct curl_slist *hl = curl_slist_append(NULL, "Authorization: Bearer sol_notakey");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	reply r;
	memset(&r, 0, sizeof r);
	buf_init(&r.body, 4096);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
	assert_int_equal(r.status, 401);
	/* Basic with a wrong password, and with an unknown name. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_USERPWD, "alice:wrong");
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
	assert_int_equal(r.status, 401);
	curl_easy_setopt(h, CURLOPT_USERPWD, "mallory:x");
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
	assert_int_equal(r.status, 401);
	buf_fini(&r.body);
	curl_slist_free_all(hl);
	free(url);
	curl_easy_cleanup(h);
}

static void test_collections(void **state)
{
	(void)state;
	reply r;
	get(ALICE, "/api/collections/", &r);
	assert_int_equal(r.status, 200);
	json_t *cs = json_object_get(r.json, "collections");
	assert_int_equal(json_array_size(cs), 1); /* not OTHER: no grant there */
	json_t *c = json_array_get(cs, 0);
	assert_string_equal(json_string_value(json_object_get(c, "id")), COLL);
	assert_true(json_is_true(json_object_get(c, "can_read")));
	assert_true(json_is_true(json_object_get(c, "can_write")));
	assert_false(has(&r, OTHER));
	reply_fini(&r);

	get(CAROL, "/api/collections/", &r);
	c = json_array_get(json_object_get(r.json, "collections"), 0);
	assert_true(json_is_false(json_object_get(c, "can_read")));
	assert_true(json_is_true(json_object_get(c, "can_write")));
	reply_fini(&r);

	get(DAVE, "/api/collections/", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "collections")), 0);
	assert_false(has(&r, COLL));
	reply_fini(&r);

	get(BOB, "/api/collections/" COLL "/", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "title")), "shared");
	reply_fini(&r);

	/* No grant and no such collection look the same. */
	get(DAVE, "/api/collections/" COLL "/", &r);
	assert_error(&r, 404);
	reply_fini(&r);
	get(ALICE, "/api/collections/" OTHER "/", &r);
	assert_error(&r, 404);
	reply_fini(&r);
	get(ALICE, "/api/collections/5b7c2f6a-1d3e-4f5a-8b9c-0d1e2f3a4b5c/objects/", &r);
	assert_error(&r, 404);
	reply_fini(&r);
	get(DAVE, "/api/collections/" COLL "/objects/", &r);
	assert_error(&r, 404);
	reply_fini(&r);
	get(CAROL, "/api/collections/" COLL "/objects/", &r); /* write-only */
	assert_error(&r, 403);
	reply_fini(&r);
}

/* ---- who sees what, endpoint by endpoint ------------------------------------ */

/* The hidden ids must not appear, and the date headers must be those of
 * rows the partner sees (checked against the manifest it gets). */
static void assert_hidden(const reply *r, const char *const *hidden, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (has(r, hidden[i]))
			fail_msg("%s leaked: %s", hidden[i], r->body.data);
}

static void test_audience_objects(void **state)
{
	(void)state;
	const char *amber_red[] = {AMBER_ID, RED_ID};
	const char *red[] = {RED_ID};
	reply r, m;
	/* bob: CLEAR and GREEN only, in every listing. */
	get(BOB, "/api/collections/" COLL "/objects/", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "objects")), 2);
	assert_hidden(&r, amber_red, 2);
	assert_true(has(&r, GREEN_ID) && has(&r, CLEAR_ID));
	get(BOB, "/api/collections/" COLL "/manifest/", &m);
	assert_int_equal(json_array_size(json_object_get(m.json, "objects")), 2);
	assert_hidden(&m, amber_red, 2);
	/* The headers are the first and last visible rows of the manifest. */
	json_t *mo = json_object_get(m.json, "objects");
	assert_string_equal(
	    r.first, json_string_value(json_object_get(json_array_get(mo, 0), "date_added")));
	assert_string_equal(
	    r.last, json_string_value(json_object_get(json_array_get(mo, 1), "date_added")));
	assert_string_equal(m.last, r.last);
	reply_fini(&r);
	reply_fini(&m);

	/* A page of one: `more` and `next` only while visible rows remain. */
	get(BOB, "/api/collections/" COLL "/objects/?limit=2", &r);
	assert_true(json_is_false(json_object_get(r.json, "more")));
	assert_null(json_object_get(r.json, "next"));
	reply_fini(&r);

	/* alice: AMBER too, never RED. */
	get(ALICE, "/api/collections/" COLL "/objects/", &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "objects")), 3);
	assert_hidden(&r, red, 1);
	assert_true(has(&r, AMBER_ID));
	reply_fini(&r);
	get(ALICE, "/api/collections/" COLL "/manifest/?match[version]=all", &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "objects")), 4);
	assert_hidden(&r, red, 1);
	reply_fini(&r);

	/* eve, on the distribution list: RED too. */
	get(EVE, "/api/collections/" COLL "/objects/", &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "objects")), 4);
	assert_true(has(&r, RED_ID));
	reply_fini(&r);

	/* The object, versions endpoints: 404 exactly like an absent id. */
	const struct {
		int who;
		const char *id;
	} denied[] = {{BOB, AMBER_ID}, {BOB, RED_ID}, {ALICE, RED_ID}};
	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("/api/collections/" COLL "/objects/%s/", denied[i].id);
		get(denied[i].who, p, &r);
		assert_error(&r, 404);
		assert_false(has(&r, denied[i].id));
		assert_string_equal(r.first, "");
		reply_fini(&r);
		char *pv = xasprintf("%sversions/", p);
		get(denied[i].who, pv, &r);
		assert_error(&r, 404);
		assert_string_equal(r.first, "");
		reply_fini(&r);
		char *pm =
		    xasprintf("/api/collections/" COLL "/manifest/?match[id]=%s", denied[i].id);
		get(denied[i].who, pm, &r);
		assert_int_equal(r.status, 200);
		assert_false(has(&r, denied[i].id));
		assert_null(json_object_get(r.json, "objects"));
		assert_string_equal(r.first, "");
		reply_fini(&r);
		free(p);
		free(pv);
		free(pm);
	}
	get(EVE, "/api/collections/" COLL "/objects/" RED_ID "/", &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, RED_ID));
	assert_string_not_equal(r.first, "");
	reply_fini(&r);
}

static void test_versions_and_filters(void **state)
{
	(void)state;
	reply r;
	get(BOB, "/api/collections/" COLL "/objects/" GREEN_ID "/versions/", &r);
	assert_int_equal(r.status, 200);
	json_t *v = json_object_get(r.json, "versions");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "2026-01-01T00:00:00.000Z");
	assert_string_equal(json_string_value(json_array_get(v, 1)), "2026-02-01T00:00:00.000Z");
	reply_fini(&r);

	struct {
		const char *query;
		size_t n;         /* objects bob gets */
		const char *must; /* an id or value that must appear, or NULL */
	} cases[] = {
	    {"match[type]=indicator", 2, NULL},
	    {"match[type]=malware", 0, NULL},
	    {"match[type]=malware,indicator", 2, NULL},
	    {"match[id]=" GREEN_ID, 1, "192.0.2.5"},
	    {"match[id]=" GREEN_ID "&match[version]=first", 1, "192.0.2.2"},
	    {"match[id]=" GREEN_ID "&match[version]=all", 2, NULL},
	    {"match[id]=" GREEN_ID "&match[version]=first,last", 2, NULL},
	    {"match[id]=" GREEN_ID "&match[version]=2026-02-01T00:00:00.000Z", 1, "192.0.2.5"},
	    {"match[id]=" GREEN_ID "&match[version]=2026-03-01T00:00:00Z", 0, NULL},
	    {"match[spec_version]=2.1", 2, NULL},
	    {"match[spec_version]=2.0", 0, NULL},
	    {"match[spec_version]=2.0,2.1", 2, NULL},
	    {"added_after=2000-01-01T00:00:00Z", 2, NULL},
	    {"added_after=2999-01-01T00:00:00Z", 0, NULL},
	    {"unknown=1", 2, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *p = xasprintf("/api/collections/" COLL "/objects/?%s", cases[i].query);
		get(BOB, p, &r);
		if (r.status != 200 ||
		    json_array_size(json_object_get(r.json, "objects")) != cases[i].n)
			fail_msg("%s: %ld %s", cases[i].query, r.status, r.body.data);
		if (cases[i].must)
			assert_true(has(&r, cases[i].must));
		reply_fini(&r);
		free(p);
	}

	/* added_after = the first row's date_added: exactly the rows after it. */
	get(ALICE, "/api/collections/" COLL "/manifest/", &r);
	json_t *mo = json_object_get(r.json, "objects");
	size_t all = json_array_size(mo);
	char *p =
	    xasprintf("/api/collections/" COLL "/manifest/?added_after=%s",
		      json_string_value(json_object_get(json_array_get(mo, 0), "date_added")));
	reply_fini(&r);
	get(ALICE, p, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "objects")), all - 1);
	reply_fini(&r);
	free(p);
}

/* ---- errors and hostile input ------------------------------------------------ */

static void test_bad_parameters(void **state)
{
	(void)state;
	const char *bad[] = {
	    "limit=0",
	    "limit=-1",
	    "limit=abc",
	    "limit=",
	    "limit=1&limit=2",
	    "added_after=yesterday",
	    "added_after=2026-01-01",
	    "added_after=2026-13-01T00:00:00Z",
	    "next=zzzz",
	    "match[version]=newest",
	    "match[id]=../../etc/passwd",
	    "match[type]=Indicator",
	    "match[spec_version]=two",
	};
	reply r;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *p = xasprintf("/api/collections/" COLL "/objects/?%s", bad[i]);
		get(BOB, p, &r);
		assert_error(&r, 400);
		reply_fini(&r);
		free(p);
	}
	/* A huge limit clamps to the server maximum. */
	get(ALICE,
	    "/api/collections/" COLL "/manifest/?match[version]=all&limit=99999999999999999999999",
	    &r);
	assert_int_equal(r.status, 200);
	assert_true(json_array_size(json_object_get(r.json, "objects")) <= PAGE_MAX);
	reply_fini(&r);
}

static void test_media_types(void **state)
{
	(void)state;
	const char *ok[] = {TAXII_MEDIA, "application/taxii+json", "*/*",
			    "application/taxii+json; version=2.1",
			    "text/html, application/taxii+json;version=2.1"};
	const char *no[] = {"text/html", "application/json", "application/taxii+json;version=2.0",
			    "application/stix+json;version=2.1"};
	reply r;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		req q = {.path = "/api/", .who = BOB, .accept = ok[i]};
		http(&q, &r);
		if (r.status != 200)
			fail_msg("Accept %s: %ld", ok[i], r.status);
		reply_fini(&r);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		req q = {.path = "/api/", .who = BOB, .accept = no[i]};
		http(&q, &r);
		assert_error(&r, 406);
		reply_fini(&r);
	}
	const char *body = "{\"objects\":[]}";
	const char *cts[] = {"application/json", "text/plain",
			     "application/taxii+json;version=2.0"};
	for (size_t i = 0; i < sizeof cts / sizeof cts[0]; i++) {
		req q = {.path = "/api/collections/" COLL "/objects/",
			 .who = ALICE,
			 .body = body,
			 .ctype = cts[i]};
		http(&q, &r);
		assert_error(&r, 415);
		reply_fini(&r);
	}
	req q = {.path = "/api/collections/" COLL "/objects/",
		 .who = ALICE,
		 .body = body,
		 .ctype = "application/taxii+json"};
	http(&q, &r);
	assert_int_equal(r.status, 202);
	reply_fini(&r);
}

static void test_paths(void **state)
{
	(void)state;
	const char *bad[] = {
	    "/api/collections/../../taxii2/",
	    "/api/collections/%2e%2e/%2e%2e/taxii2/",
	    "/api/collections/" COLL "/objects/..%2f..%2f/",
	    "/api/collections/" COLL "/objects/indicator--../",
	    "/api/collections/" COLL "/objects/Indicator--22222222-2222-4222-8222-222222222222/",
	    "/api/collections/" COLL "/objects/" GREEN_ID "%00/",
	    "/api/collections/" COLL "/objects/" GREEN_ID "/versions/x/",
	    "/api/collections/" COLL "x/",
	    "/api/status/not-a-uuid/",
	    "/api2/",
	    "/",
	    "//taxii2/",
	    "/taxii2/extra/",
	};
	reply r;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		get(ALICE, bad[i], &r);
		if (r.status != 404)
			fail_msg("%s: %ld", bad[i], r.status);
		assert_error(&r, 404);
		reply_fini(&r);
	}
	req put = {.method = "PUT", .path = "/api/collections/", .who = ALICE};
	http(&put, &r);
	assert_error(&r, 405);
	reply_fini(&r);
	req del = {.method = "DELETE", .path = "/api/collections/" COLL "/objects/", .who = ALICE};
	http(&del, &r);
	assert_error(&r, 405);
	reply_fini(&r);

	/* A URL longer than the connection's memory: refused, server fine. */
	size_t n = 100000;
	char *p = xmalloc(n + 32);
	strcpy(p, "/api/collections/?x=");
	memset(p + strlen(p), 'a', n);
	p[n + 20] = '\0';
	get(ALICE, p, &r);
	assert_true(r.status == 414 || r.status == 431 || r.status == 400);
	reply_fini(&r);
	free(p);
	get(ALICE, "/taxii2/", &r);
	assert_int_equal(r.status, 200);
	reply_fini(&r);
}

static void test_bodies(void **state)
{
	(void)state;
	reply r;
	const char *path = "/api/collections/" COLL "/objects/";
	/* Over max_content_length (64 KiB here). */
	size_t big = 70 * 1024;
	char *b = xmalloc(big + 1);
	memset(b, ' ', big);
	b[0] = '{';
	b[big - 1] = '}';
	b[big] = '\0';
	req q = {.path = path, .who = ALICE, .body = b};
	http(&q, &r);
	assert_error(&r, 413);
	reply_fini(&r);
	free(b);

	/* Deep nesting, invalid UTF-8, duplicate keys, not an envelope. */
	char deep[2 * 1000 + 32];
	strcpy(deep, "{\"objects\":[");
	size_t k = strlen(deep);
	for (int i = 0; i < 500; i++)
		deep[k++] = '[';
	for (int i = 0; i < 500; i++)
		deep[k++] = ']';
	strcpy(deep + k, "]}");
	const char *bad[] = {
	    deep,
	    "{\"objects\":[{\"type\":\"indicator\",\"name\":\"\xff\xfe\"}]}",
	    "{\"objects\":[],\"objects\":[]}",
	    "{\"objects\":{}}",
	    "[]",
	    "{\"objects\":[",
	    "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		req p = {.path = path, .who = ALICE, .body = bad[i], .body_len = strlen(bad[i])};
		if (!bad[i][0]) {
			p.body = " ";
			p.body_len = 1;
		}
		http(&p, &r);
		if (r.status != 400)
			fail_msg("body %zu: %ld %s", i, r.status, r.body.data);
		assert_error(&r, 400);
		reply_fini(&r);
	}
	get(ALICE, "/taxii2/", &r); /* still serving */
	assert_int_equal(r.status, 200);
	reply_fini(&r);
}

/* ---- POST, status, DELETE --------------------------------------------------- */

static void test_post_and_status(void **state)
{
	(void)state;
	char *good = indicator("indicator--55555555-5555-4555-8555-555555555555",
			       "2026-03-01T00:00:00.000Z", TLP_GREEN, "198.51.100.7");
	char *body = xasprintf("{\"objects\":[%s,{\"type\":\"indicator\",\"id\":\"indicator--"
			       "66666666-6666-4666-8666-666666666666\"},42]}",
			       good);
	reply r;
	req q = {.path = "/api/collections/" COLL "/objects/", .who = ALICE, .body = body};
	http(&q, &r);
	assert_int_equal(r.status, 202);
	assert_string_equal(r.ctype, TAXII_MEDIA);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "complete");
	assert_int_equal(json_integer_value(json_object_get(r.json, "total_count")), 3);
	assert_int_equal(json_integer_value(json_object_get(r.json, "success_count")), 1);
	assert_int_equal(json_integer_value(json_object_get(r.json, "failure_count")), 2);
	assert_int_equal(json_integer_value(json_object_get(r.json, "pending_count")), 0);
	json_t *f = json_array_get(json_object_get(r.json, "failures"), 0);
	assert_non_null(json_string_value(json_object_get(f, "message")));
	char *sp = xasprintf("/api/status/%s/", json_string_value(json_object_get(r.json, "id")));
	reply_fini(&r);

	get(ALICE, sp, &r); /* the status can be polled by its author... */
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "success_count")), 1);
	reply_fini(&r);
	get(BOB, sp, &r); /* ...and by nobody else */
	assert_error(&r, 404);
	reply_fini(&r);
	free(sp);

	/* Bob reads what alice pushed; bob and dave may not push. */
	get(BOB,
	    "/api/collections/" COLL "/objects/indicator--55555555-5555-4555-8555-"
	    "555555555555/",
	    &r);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "198.51.100.7"));
	reply_fini(&r);
	req qb = {.path = "/api/collections/" COLL "/objects/", .who = BOB, .body = body};
	http(&qb, &r);
	assert_error(&r, 403);
	reply_fini(&r);
	req qd = {.path = "/api/collections/" COLL "/objects/", .who = DAVE, .body = body};
	http(&qd, &r);
	assert_error(&r, 404);
	reply_fini(&r);
	free(body);
	free(good);
}

static void test_delete(void **state)
{
	(void)state;
	reply r;
	const char *p = "/api/collections/" COLL "/objects/indicator--55555555-5555-4555-8555-"
			"555555555555/";
	req d = {.method = "DELETE", .path = p, .who = BOB};
	http(&d, &r);
	assert_error(&r, 403);
	reply_fini(&r);
	/* carol may write but cannot see AMBER: deleting it is a 404. */
	req dc = {.method = "DELETE",
		  .path = "/api/collections/" COLL "/objects/" AMBER_ID "/",
		  .who = CAROL};
	http(&dc, &r);
	assert_error(&r, 404);
	reply_fini(&r);
	get(ALICE, "/api/collections/" COLL "/objects/" AMBER_ID "/", &r);
	assert_int_equal(r.status, 200);
	reply_fini(&r);

	req da = {.method = "DELETE", .path = p, .who = ALICE};
	http(&da, &r);
	assert_int_equal(r.status, 200);
	reply_fini(&r);
	get(ALICE, p, &r);
	assert_error(&r, 404);
	reply_fini(&r);
	http(&da, &r);
	assert_error(&r, 404);
	reply_fini(&r);
}

/* ---- paging while objects are added ---------------------------------------- */

#define ADDED 30

static void *pusher(void *arg)
{
	int run = *(int *)arg;
	for (int i = 0; i < ADDED; i++) {
		char id[64];
		snprintf(id, sizeof id, "indicator--77777777-7777-4777-8777-%06d%06d", run, i);
		char ip[32];
		snprintf(ip, sizeof ip, "203.0.%d.%d", 113 + run, i + 1);
		char *o = indicator(id, "2026-04-01T00:00:00.000Z", TLP_GREEN, ip);
		char *body = xasprintf("{\"objects\":[%s]}", o);
		reply r;
		req q = {.path = "/api/collections/" COLL "/objects/", .who = ALICE, .body = body};
		http(&q, &r);
		assert_int_equal(r.status, 202);
		reply_fini(&r);
		free(body);
		free(o);
	}
	return NULL;
}

/*
 * Page with limit=2 while another thread adds objects, as a client does:
 * follow `next` while `more` (or, by_header, always added_after from
 * X-TAXII-Date-Added-Last), then added_after=Last once `more` is false.
 * Every id bob may see must come exactly once.
 */
static void page_all(int run, bool by_header)
{
	pthread_t t;
	pthread_create(&t, NULL, pusher, &run);
	json_t *seen = json_object();
	char param[128] = "";
	bool joined = false;
	for (int rounds = 0;; rounds++) {
		assert_true(rounds < 1000);
		char *p = xasprintf("/api/collections/" COLL "/manifest/?limit=2%s", param);
		reply r;
		get(BOB, p, &r);
		free(p);
		assert_int_equal(r.status, 200);
		json_t *objs = json_object_get(r.json, "objects"), *o;
		size_t i;
		json_array_foreach(objs, i, o)
		{
			const char *id = json_string_value(json_object_get(o, "id"));
			if (json_object_get(seen, id))
				fail_msg("%s seen twice", id);
			json_object_set_new(seen, id, json_true());
		}
		bool more = json_is_true(json_object_get(r.json, "more"));
		const char *next = json_string_value(json_object_get(r.json, "next"));
		assert_true(more == (next != NULL));
		if (json_array_size(objs) && more && !by_header)
			snprintf(param, sizeof param, "&next=%s", next);
		else if (json_array_size(objs))
			snprintf(param, sizeof param, "&added_after=%s", r.last);
		reply_fini(&r);
		if (!more && joined)
			break;
		if (!more) {
			pthread_join(t, NULL);
			joined = true;
		}
	}
	/* Everything eve sees (all of it), paged quietly once the adds are over. */
	json_t *all = json_object();
	char after[128] = "";
	for (bool more = true; more;) {
		char *p = xasprintf("/api/collections/" COLL "/manifest/?limit=5%s", after);
		reply r;
		get(EVE, p, &r);
		free(p);
		json_t *o;
		size_t i;
		json_array_foreach(json_object_get(r.json, "objects"), i, o) json_object_set_new(
		    all, json_string_value(json_object_get(o, "id")), json_true());
		more = json_is_true(json_object_get(r.json, "more"));
		snprintf(after, sizeof after, "&added_after=%s", r.last);
		reply_fini(&r);
	}
	const char *id;
	json_t *v;
	size_t expect = 0;
	json_object_foreach(all, id, v)
	{
		if (strcmp(id, AMBER_ID) == 0 || strcmp(id, RED_ID) == 0)
			continue;
		expect++;
		if (!json_object_get(seen, id))
			fail_msg("%s missed", id);
	}
	assert_true(expect >= 2 + ADDED);
	assert_int_equal(json_object_size(seen), expect);
	json_decref(all);
	json_decref(seen);
}

static void test_paging_by_next(void **state)
{
	(void)state;
	page_all(1, false);
}

static void test_paging_by_added_after(void **state)
{
	(void)state;
	page_all(2, true);
}

/* ---- connections ------------------------------------------------------------ */

static void test_keep_alive(void **state)
{
	(void)state;
	CURL *h = curl_easy_init();
	for (int i = 0; i < 5; i++) {
		reply r;
		req q = {.path = i % 2 ? "/api/" : "/api/collections/" COLL "/objects/",
			 .who = BOB,
			 .h = h};
		http(&q, &r);
		assert_int_equal(r.status, 200);
		long conns = -1;
		curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
		if (i > 0 && conns != 0)
			fail_msg("request %d opened %ld new connections", i, conns);
		reply_fini(&r);
	}
	curl_easy_cleanup(h);
}

/* A client that sends half a request and stalls: others are served, and
 * the server drops it after its timeout (2 s here). */
static void test_slow_client(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)taxii_server_port(srv))};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	const char *half = "GET /taxii2/ HTTP/1.1\r\nHost: x\r\nAuthor";
	assert_int_equal(write(fd, half, strlen(half)), (ssize_t)strlen(half));
	reply r;
	get(BOB, "/taxii2/", &r);
	assert_int_equal(r.status, 200);
	reply_fini(&r);
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	time_t t0 = time(NULL);
	char buf[256];
	ssize_t n = read(fd, buf, sizeof buf);
	assert_true(n <= 0); /* closed, not answered */
	assert_true(time(NULL) - t0 <= 8);
	close(fd);
}

static void test_log(void **state)
{
	(void)state;
	reply r;
	get(EVE, "/api/?limit=1", &r);
	reply_fini(&r);
	fflush(reqlog);
	char *path = test_path(dir, "requests.log");
	size_t len;
	char *log = test_read_file(path, &len);
	assert_non_null(strstr(log, " 127.0.0.1 eve GET /api/ 200 "));
	assert_non_null(strstr(log, " 127.0.0.1 - GET /taxii2/ 401 "));
	free(log);
	free(path);
}

/* ---- TLS ---------------------------------------------------------------------- */

static void test_tls(void **state)
{
	(void)state;
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		skip(); /* package: openssl */
	char *cert = test_path(dir, "cert.pem"), *key = test_path(dir, "key.pem");
	char *cmd =
	    xasprintf("openssl req -x509 -newkey ed25519 -nodes -days 1 -subj /CN=localhost "
		      "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s 2>/dev/null",
		      key, cert);
	assert_int_equal(system(cmd), 0);
	taxii_options o;
	taxii_options_init(&o);
	o.db_path = db;
	o.listen = "127.0.0.1:0";
	o.cert_file = cert;
	o.key_file = key;
	o.log = reqlog;
	taxii_server *tls;
	sol_err e = {0};
	if (taxii_server_start(&o, &tls, &e) != 0)
		fail_msg("%s: %s", e.where, e.msg);
	char *url = xasprintf("https://127.0.0.1:%u/taxii2/", taxii_server_port(tls));
	CURL *h = curl_easy_init();
	char *auth = xasprintf("Authorization: Bearer %s", keys[BOB]);
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	reply r;
	memset(&r, 0, sizeof r);
	buf_init(&r.body, 1 << 16);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_CAINFO, cert);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	CURLcode cc = curl_easy_perform(h);
	if (cc != CURLE_OK)
		fail_msg("TLS: %s", curl_easy_strerror(cc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "/api/"));
	/* Plain HTTP to the TLS port does not get an answer. */
	char *plain = xasprintf("http://127.0.0.1:%u/taxii2/", taxii_server_port(tls));
	curl_easy_setopt(h, CURLOPT_URL, plain);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	buf_reset(&r.body);
	cc = curl_easy_perform(h);
	long st = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
	assert_true(cc != CURLE_OK || st != 200);
	buf_fini(&r.body);
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	taxii_server_stop(tls);
	free(plain);
	free(auth);
	free(url);
	free(cmd);
	free(cert);
	free(key);
}

static void test_options(void **state)
{
	(void)state;
	const char *bad[] = {"127.0.0.1", "localhost:80", "1.2.3.4:99999",
			     "[::1]",     ":80",          "1.2.3.4:x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		taxii_options o;
		taxii_options_init(&o);
		o.db_path = db;
		o.listen = bad[i];
		taxii_server *s;
		sol_err e = {0};
		assert_int_equal(taxii_server_start(&o, &s, &e), SOL_EUSAGE);
	}
	/* IPv6 loopback, if the machine has it. */
	taxii_options o;
	taxii_options_init(&o);
	o.db_path = db;
	o.listen = "[::1]:0";
	o.log = reqlog;
	taxii_server *s;
	sol_err e = {0};
	if (taxii_server_start(&o, &s, &e) == 0) {
		assert_true(taxii_server_port(s) > 0);
		taxii_server_stop(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_discovery_and_auth),
	    cmocka_unit_test(test_wrong_key),
	    cmocka_unit_test(test_collections),
	    cmocka_unit_test(test_audience_objects),
	    cmocka_unit_test(test_versions_and_filters),
	    cmocka_unit_test(test_bad_parameters),
	    cmocka_unit_test(test_media_types),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_bodies),
	    cmocka_unit_test(test_post_and_status),
	    cmocka_unit_test(test_delete),
	    cmocka_unit_test(test_paging_by_next),
	    cmocka_unit_test(test_paging_by_added_after),
	    cmocka_unit_test(test_keep_alive),
	    cmocka_unit_test(test_slow_client),
	    cmocka_unit_test(test_log),
	    cmocka_unit_test(test_tls),
	    cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
