/*
 * test_exports.c - every export served over HTTP by the TAXII server, on
 * 127.0.0.1 against a real store in a temporary directory, with libcurl.
 *
 * The fixture: collection C holds three indicators, one IPv4 address each
 * from the documentation range (so the server's export_allow lets the
 * built-in "documentation" warninglist category through):
 *   GREEN 192.0.2.10   AMBER 192.0.2.20   RED 192.0.2.30 (distributed to ruth)
 * Partners: gus reads C (no AMBER), amy reads C with AMBER, ruth reads C
 * with AMBER and is on the RED indicator's list, wes may only write to C,
 * and nobody may read collection P.
 *
 * For each format the test checks that nothing is public (401), that a
 * collection one cannot read does not exist (404), that each partner
 * gets exactly what policy_visible allows, and the validators: the same
 * ETag twice, 304 for If-None-Match and If-Modified-Since, and after a
 * new indicator joins C a new ETag and the new value in the body.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "store/store.h"
#include "taxii/taxii.h"
#include "taxii/taxii_int.h"
#include "testlib.h"

#define COLL "5b0c2a34-55a1-4d0e-9f6e-1a2b3c4d5e6f"
#define PRIV "7d1e3f50-0c2b-4b7a-8e9d-6f5a4b3c2d1e"
#define GREEN_ID "indicator--a1111111-1111-4111-8111-111111111111"
#define AMBER_ID "indicator--a2222222-2222-4222-8222-222222222222"
#define RED_ID "indicator--a3333333-3333-4333-8333-333333333333"
#define NEW_ID "indicator--a4444444-4444-4444-8444-444444444444"

enum { GUS, AMY, RUTH, WES, N_PARTNERS };
static const char *const names[N_PARTNERS] = {"gus", "amy", "ruth", "wes"};
static char keys[N_PARTNERS][STORE_KEY_TEXT_MAX];
static char *dir, *db;
static taxii_server *srv;
static FILE *reqlog;
static char base[64];
static char misp_event[64]; /* "/exports/misp/<uuid>.json" */

/* The exports and how each writes the address a.b.c.d. */
static const struct {
	const char *path;  /* after base, before "?collection=" */
	const char *ctype; /* expected Content-Type */
	bool rpz;          /* written as an rpz-ip trigger */
} formats[] = {
    {"/exports/rpz", "text/plain; charset=utf-8", true},
    {"/exports/nft", "text/plain; charset=utf-8", false},
    {"/exports/zeek", "text/plain; charset=utf-8", false},
    {"/exports/csv", "text/plain; charset=utf-8", false},
    {"/exports/stix", "application/stix+json;version=2.1", false},
    {"/exports/suricata/solidarity-iprep.list", "text/plain; charset=utf-8", false},
    {misp_event, "application/json", false},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

/* ---- fixture ------------------------------------------------------------ */

static void put(const char *id, stix_tlp tlp, const char *ip)
{
	store *st;
	sol_err e = {0};
	assert_int_equal(store_open(db, &st, &e), 0);
	char now[40];
	sol_time t = sol_time_now() / 1000 * 1000;
	sol_time_format(t, now, sizeof now);
	char *json = xasprintf(
	    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":\"%s\","
	    "\"modified\":\"%s\",\"pattern\":\"[ipv4-addr:value = '%s']\",\"pattern_type\":"
	    "\"stix\",\"valid_from\":\"%s\",\"object_marking_refs\":[\"%s\"]}",
	    id, now, now, ip, now, stix_tlp_marking_id(tlp));
	ingest_ctx *cx = ingest_ctx_new(st, NULL);
	ingest_report rep;
	ingest_report_init(&rep);
	if (ingest_buffer(cx, "fixture", json, strlen(json), &rep, &e) != 0)
		fail_msg("ingest: %s: %s", e.where, e.msg);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	sol_time added;
	assert_int_equal(store_collection_object_add(st, COLL, id, t, &added, &e), 0);
	free(json);
	store_close(st);
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
	for (int i = 0; i < N_PARTNERS; i++)
		assert_int_equal(store_partner_add(st, names[i], keys[i], &e), 0);
	char id[37];
	store_collection c = {COLL, "shared", "", 0}, p = {PRIV, "private", "", 0};
	assert_int_equal(store_collection_add(st, &c, id, &e), 0);
	assert_int_equal(store_collection_add(st, &p, id, &e), 0);
	const store_grant grants[] = {
	    {COLL, "gus", true, false, false},
	    {COLL, "amy", true, false, true},
	    {COLL, "ruth", true, false, true},
	    {COLL, "wes", false, true, true},
	};
	for (size_t i = 0; i < sizeof grants / sizeof grants[0]; i++)
		assert_int_equal(store_grant_set(st, &grants[i], &e), 0);
	store_close(st);
	put(GREEN_ID, TLP_GREEN, "192.0.2.10");
	put(AMBER_ID, TLP_AMBER, "192.0.2.20");
	put(RED_ID, TLP_RED, "192.0.2.30");
	assert_int_equal(store_open(db, &st, &e), 0);
	const char *ruth = "ruth";
	assert_int_equal(store_distribution_set(st, RED_ID, &ruth, 1, &e), 0);
	store_close(st);

	char *logpath = test_path(dir, "requests.log");
	reqlog = fopen(logpath, "w+");
	free(logpath);
	taxii_options o;
	taxii_options_init(&o);
	o.db_path = db;
	o.listen = "127.0.0.1:0";
	o.timeout_s = 5;
	o.log = reqlog;
	o.export_allow = "documentation,reserved-names";
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

/* ---- HTTP ------------------------------------------------------------------- */

typedef struct reply {
	long status;            /* HTTP status */
	sol_buf body;           /* body */
	char ctype[128];        /* Content-Type */
	char etag[64];          /* ETag */
	char last_modified[64]; /* Last-Modified */
	char cache[64];         /* Cache-Control */
	bool challenge;         /* WWW-Authenticate present */
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
	size_t vn = len - n;
	while (vn && (line[n + vn - 1] == '\r' || line[n + vn - 1] == '\n'))
		vn--;
	snprintf(out, size, "%.*s", (int)vn, line + n);
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	reply *r = ctx;
	size_t len = size * n;
	header_value(p, len, "Content-Type: ", r->ctype, sizeof r->ctype);
	header_value(p, len, "ETag: ", r->etag, sizeof r->etag);
	header_value(p, len, "Last-Modified: ", r->last_modified, sizeof r->last_modified);
	header_value(p, len, "Cache-Control: ", r->cache, sizeof r->cache);
	if (len > 17 && strncasecmp(p, "WWW-Authenticate:", 17) == 0)
		r->challenge = true;
	return len;
}

/* GET path (plus "?collection=" coll when coll) as partner who (-1: no
 * credentials, -2: a wrong key), with an extra header when given. */
static void get(int who, const char *path, const char *coll, const char *header, reply *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body, 1u << 24);
	CURL *h = curl_easy_init();
	char *url = coll ? xasprintf("%s%s?collection=%s", base, path, coll)
			 : xasprintf("%s%s", base, path);
	struct curl_slist *hl = NULL;
	char *auth = NULL;
	if (who >= 0 || who == -2) {
		auth = xasprintf("Authorization: Bearer %s",
				 who >= 0 ? keys[who] : "sol_not-a-key-of-anyone");
		hl = curl_slist_append(hl, auth);
	}
	if (header)
		hl = curl_slist_append(hl, header);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	CURLcode cc = curl_easy_perform(h);
	if (cc != CURLE_OK)
		fail_msg("GET %s: %s", url, curl_easy_strerror(cc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	free(url);
	free(auth);
	curl_easy_cleanup(h);
}

static void reply_fini(reply *r)
{
	buf_fini(&r->body);
}

static void assert_status(const reply *r, long status, const char *path)
{
	if (r->status != status)
		fail_msg("%s: expected %ld, got %ld: %s", path, status, r->status,
			 r->body.data ? r->body.data : "");
}

/* Does the export body list the address? */
static bool lists(const reply *r, size_t f, const char *ip)
{
	char want[64];
	if (formats[f].rpz) {
		unsigned a, b, c, d;
		sscanf(ip, "%u.%u.%u.%u", &a, &b, &c, &d);
		snprintf(want, sizeof want, "32.%u.%u.%u.%u.rpz-ip", d, c, b, a);
	} else {
		snprintf(want, sizeof want, "%s", ip);
	}
	return r->body.data && strstr(r->body.data, want);
}

/* The MISP event file's path, from the manifest. */
static void misp_event_path(void)
{
	if (misp_event[0])
		return;
	reply r;
	get(GUS, "/exports/misp/manifest.json", COLL, NULL, &r);
	assert_status(&r, 200, "manifest.json");
	assert_string_equal(r.ctype, "application/json");
	json_t *m = json_loadb(r.body.data, r.body.len, 0, NULL);
	assert_non_null(m);
	const char *uuid = json_object_iter_key(json_object_iter(m));
	assert_non_null(uuid);
	snprintf(misp_event, sizeof misp_event, "/exports/misp/%s.json", uuid);
	json_decref(m);
	reply_fini(&r);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_nothing_public(void **state)
{
	(void)state;
	misp_event_path();
	for (size_t f = 0; f < N_FORMATS; f++) {
		for (int who = -2; who < 0; who++) {
			reply r;
			get(who, formats[f].path, COLL, NULL, &r);
			assert_status(&r, 401, formats[f].path);
			assert_true(r.challenge);
			assert_false(lists(&r, f, "192.0.2.10"));
			reply_fini(&r);
		}
	}
}

static void test_unreadable_is_absent(void **state)
{
	(void)state;
	misp_event_path();
	for (size_t f = 0; f < N_FORMATS; f++) {
		reply r;
		get(GUS, formats[f].path, PRIV, NULL, &r); /* no grant */
		assert_status(&r, 404, formats[f].path);
		reply_fini(&r);
		get(WES, formats[f].path, COLL, NULL, &r); /* write only */
		assert_status(&r, 404, formats[f].path);
		reply_fini(&r);
		get(GUS, formats[f].path, "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f", NULL, &r);
		assert_status(&r, 404, formats[f].path);
		reply_fini(&r);
	}
}

/* Bad paths, methods and parameters, from a text table: method, path, status. */
static void test_bad_requests(void **state)
{
	(void)state;
	char *table = test_source_path("tests/unit/taxii/exports_bad.txt");
	FILE *t = fopen(table, "r");
	assert_non_null(t);
	char line[512];
	int cases = 0;
	while (fgets(line, sizeof line, t)) {
		char method[16], path[400];
		long status;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%15s %399s %ld", method, path, &status), 3);
		reply r;
		memset(&r, 0, sizeof r);
		buf_init(&r.body, 1u << 20);
		CURL *h = curl_easy_init();
		char *url = xasprintf("%s%s", base, path);
		char *auth = xasprintf("Authorization: Bearer %s", keys[AMY]);
		struct curl_slist *hl = curl_slist_append(NULL, auth);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
		assert_int_equal(curl_easy_perform(h), CURLE_OK);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
		assert_status(&r, status, line);
		curl_slist_free_all(hl);
		curl_easy_cleanup(h);
		free(url);
		free(auth);
		reply_fini(&r);
		cases++;
	}
	fclose(t);
	free(table);
	assert_true(cases >= 10);
}

static void test_audience(void **state)
{
	(void)state;
	misp_event_path();
	static const struct {
		int who;
		bool green, amber, red;
	} want[] = {{GUS, true, false, false}, {AMY, true, true, false}, {RUTH, true, true, true}};
	for (size_t f = 0; f < N_FORMATS; f++) {
		for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
			reply r;
			get(want[w].who, formats[f].path, COLL, NULL, &r);
			assert_status(&r, 200, formats[f].path);
			assert_string_equal(r.ctype, formats[f].ctype);
			assert_string_equal(r.cache, "no-cache");
			if (lists(&r, f, "192.0.2.10") != want[w].green ||
			    lists(&r, f, "192.0.2.20") != want[w].amber ||
			    lists(&r, f, "192.0.2.30") != want[w].red)
				fail_msg("%s for %s:\n%s", formats[f].path, names[want[w].who],
					 r.body.data);
			reply_fini(&r);
		}
	}
	/* tlp-max narrows further; it never widens. */
	reply r;
	get(RUTH, "/exports/csv?tlp-max=green&collection=" COLL, NULL, NULL, &r);
	assert_status(&r, 200, "csv tlp-max=green");
	assert_true(lists(&r, 3, "192.0.2.10"));
	assert_false(lists(&r, 3, "192.0.2.20") || lists(&r, 3, "192.0.2.30"));
	reply_fini(&r);
	get(GUS, "/exports/csv?tlp-max=red&type=ip&collection=" COLL, NULL, NULL, &r);
	assert_status(&r, 200, "csv tlp-max=red");
	assert_false(lists(&r, 3, "192.0.2.20") || lists(&r, 3, "192.0.2.30"));
	reply_fini(&r);
	get(GUS, "/exports/csv?type=domain&collection=" COLL, NULL, NULL, &r);
	assert_status(&r, 200, "csv type=domain");
	assert_false(lists(&r, 3, "192.0.2.10"));
	reply_fini(&r);
}

static void test_validators(void **state)
{
	(void)state;
	misp_event_path();
	char etags[N_FORMATS][64];
	for (size_t f = 0; f < N_FORMATS; f++) {
		reply a, b, c, d;
		get(AMY, formats[f].path, COLL, NULL, &a);
		get(AMY, formats[f].path, COLL, NULL, &b);
		assert_status(&a, 200, formats[f].path);
		assert_int_equal(strlen(a.etag), 34); /* quoted 128-bit hex */
		assert_string_equal(a.etag, b.etag);
		assert_string_equal(a.last_modified, b.last_modified);
		assert_int_equal(a.body.len, b.body.len);
		assert_memory_equal(a.body.data, b.body.data, a.body.len);
		assert_true(strstr(a.last_modified, " GMT") != NULL);
		char *inm = xasprintf("If-None-Match: W/\"x\", %s", a.etag);
		get(AMY, formats[f].path, COLL, inm, &c);
		assert_status(&c, 304, formats[f].path);
		assert_int_equal(c.body.len, 0);
		assert_string_equal(c.etag, a.etag);
		char *ims = xasprintf("If-Modified-Since: %s", a.last_modified);
		get(AMY, formats[f].path, COLL, ims, &d);
		assert_status(&d, 304, formats[f].path);
		/* Another partner's export is another file. */
		reply_fini(&c);
		get(GUS, formats[f].path, COLL, inm, &c);
		assert_status(&c, 200, formats[f].path);
		assert_string_not_equal(c.etag, a.etag);
		snprintf(etags[f], sizeof etags[f], "%s", a.etag);
		free(inm);
		free(ims);
		reply_fini(&a);
		reply_fini(&b);
		reply_fini(&c);
		reply_fini(&d);
	}

	put(NEW_ID, TLP_GREEN, "192.0.2.40");
	for (size_t f = 0; f < N_FORMATS; f++) {
		char *inm = xasprintf("If-None-Match: %s", etags[f]);
		reply r;
		get(AMY, formats[f].path, COLL, inm, &r);
		assert_status(&r, 200, formats[f].path);
		assert_string_not_equal(r.etag, etags[f]);
		if (!lists(&r, f, "192.0.2.40"))
			fail_msg("%s lacks the new indicator:\n%s", formats[f].path, r.body.data);
		assert_true(lists(&r, f, "192.0.2.20"));
		free(inm);
		reply_fini(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nothing_public), cmocka_unit_test(test_unreadable_is_absent),
	    cmocka_unit_test(test_bad_requests),   cmocka_unit_test(test_audience),
	    cmocka_unit_test(test_validators),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
