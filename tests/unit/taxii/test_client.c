/*
 * test_client.c - the TAXII client (src/taxii/client.c).
 *
 * The pieces without network first: envelope splitting, the paging rule
 * (a table of page sequences, including servers that omit `next` and
 * `more`), URL resolution. Then two and three nodes in one process: node A
 * runs the real server (taxii_server_start on 127.0.0.1:0) over its own
 * store with a collection, partners and grants made through the store API;
 * nodes B and C are peers that pull, and B pushes a sighting back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "taxii/client_int.h"
#include "taxii/taxii.h"
#include "testlib.h"

/* ---- envelopes ------------------------------------------------------------ */

static void test_batch_split(void **state)
{
	(void)state;
	taxii_batch b;
	/* {"objects":[ is 12 bytes, ]} is 2: 30 bytes leave 16 for objects. */
	taxii_batch_init(&b, 30, 3);
	assert_int_equal(taxii_batch_add(&b, "{\"a\":1}", 7), 0);
	assert_int_equal(taxii_batch_add(&b, "{\"b\":2}", 7), 0);    /* 12+7+1+7+2 = 29 */
	assert_int_equal(taxii_batch_add(&b, "{}", 2), SOL_ETOOBIG); /* 32 > 30 */
	size_t len;
	const char *env = taxii_batch_finish(&b, &len);
	assert_string_equal(env, "{\"objects\":[{\"a\":1},{\"b\":2}]}");
	assert_int_equal(len, strlen(env));
	assert_true(len <= 30);

	/* The object count cap. */
	taxii_batch_reset(&b);
	for (int i = 0; i < 3; i++)
		assert_int_equal(taxii_batch_add(&b, "1", 1), 0);
	assert_int_equal(taxii_batch_add(&b, "1", 1), SOL_ETOOBIG);
	assert_string_equal(taxii_batch_finish(&b, &len), "{\"objects\":[1,1,1]}");

	/* Alone too big: refused on an empty batch, which stays empty. */
	taxii_batch_reset(&b);
	char big[40];
	memset(big, 'x', sizeof big);
	assert_int_equal(taxii_batch_add(&b, big, sizeof big), SOL_ETOOBIG);
	assert_int_equal(b.n, 0);
	assert_string_equal(taxii_batch_finish(&b, &len), "{\"objects\":[]}");
	taxii_batch_fini(&b);
}

/* ---- paging ----------------------------------------------------------------- */

/*
 * One page and what must follow: the page (objects, more, next, date
 * header), then the request after it (added_after, next), done, the
 * cursor and the expected return code.
 */
typedef struct paging_case {
	const char *start;      /* cursor before, NULL for none */
	size_t n;               /* objects in the page */
	int more;               /* 1, 0, -1 absent */
	const char *next;       /* next or NULL */
	const char *date_last;  /* header or NULL */
	const char *want_after; /* added_after of the next request ("" none) */
	const char *want_next;  /* next of the next request (NULL none) */
	bool done;              /* no further request */
	const char *cursor;     /* cursor after, NULL for none */
	int rc;                 /* taxii_paging_advance's result */
} paging_case;

#define T1 "2026-01-01T00:00:01.000001Z"
#define T2 "2026-01-01T00:00:02.000002Z"

static const paging_case paging_cases[] = {
    /* Our server: more + next + header: follow next, added_after kept. */
    {NULL, 2, 1, "abc", T1, "", "abc", false, T1, 0},
    {T1, 2, 1, "abc", T2, T1, "abc", false, T2, 0},
    /* more: false ends, whatever else is said. */
    {NULL, 2, 0, "abc", T1, "", NULL, true, T1, 0},
    /* more without next: date-based paging from the header. */
    {NULL, 2, 1, NULL, T2, T2, NULL, false, T2, 0},
    /* Neither more nor next (capped or plain server): go on by date... */
    {T1, 5, -1, NULL, T2, T2, NULL, false, T2, 0},
    /* ...until a page is empty. */
    {T2, 0, -1, NULL, NULL, T2, NULL, true, T2, 0},
    /* A date that does not advance ends the loop instead of spinning. */
    {T2, 3, -1, NULL, T2, T2, NULL, true, T2, 0},
    {T2, 3, -1, NULL, T1, T2, NULL, true, T2, 0},
    /* No header and no next: nothing to go on with. */
    {NULL, 3, -1, NULL, NULL, "", NULL, true, NULL, 0},
    /* more: true and no way to ask for it. */
    {T1, 3, 1, NULL, NULL, T1, NULL, true, T1, SOL_EPARSE},
    {T1, 3, 1, NULL, T1, T1, NULL, true, T1, SOL_EPARSE},
    /* A bad header is an error. */
    {T1, 3, 1, "n", "yesterday", T1, NULL, false, T1, SOL_EPARSE},
    /* An empty next is no next. */
    {NULL, 1, 1, "", T1, T1, NULL, false, T1, 0},
};

static void test_paging_rule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof paging_cases / sizeof paging_cases[0]; i++) {
		const paging_case *c = &paging_cases[i];
		sol_time start = SOL_TIME_NONE, want = SOL_TIME_NONE;
		if (c->start)
			assert_int_equal(sol_time_parse(c->start, &start), 0);
		if (c->cursor)
			assert_int_equal(sol_time_parse(c->cursor, &want), 0);
		taxii_paging p;
		taxii_paging_init(&p, start);
		taxii_page pg = {c->n, c->more, c->next, c->date_last};
		sol_err err = {0};
		int rc = taxii_paging_advance(&p, &pg, &err);
		if (rc != c->rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc, c->rc, err.msg);
		if (rc == 0) {
			if (strcmp(p.added_after, c->want_after) != 0)
				fail_msg("case %zu: added_after '%s', want '%s'", i, p.added_after,
					 c->want_after);
			if (!!p.next != !!c->want_next ||
			    (p.next && strcmp(p.next, c->want_next) != 0))
				fail_msg("case %zu: next '%s'", i, p.next ? p.next : "(none)");
			if (p.done != c->done)
				fail_msg("case %zu: done %d", i, p.done);
		}
		if (p.cursor != want)
			fail_msg("case %zu: cursor %lld", i, (long long)p.cursor);
		taxii_paging_fini(&p);
	}
}

static void test_url_resolve(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
	    {"http://h:1/taxii2/", "http://o/api1/", "http://o/api1/"},
	    {"http://h:1/taxii2/", "/api1", "http://h:1/api1/"},
	    {"http://h:1/taxii2/", "api1/", "http://h:1/taxii2/api1/"},
	    {"http://h:1/taxii2", "", "http://h:1/taxii2/"},
	    {"https://h", "/api/", "https://h/api/"},
	    {"https://h", "", "https://h/"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *u = taxii_url_resolve(cases[i][0], cases[i][1]);
		assert_string_equal(u, cases[i][2]);
		free(u);
	}
}

/* ---- nodes ------------------------------------------------------------------- */

/* Node A: a store, a collection, partners B (amber) and C (green only). */
typedef struct node_a {
	char *dir;                      /* temp dir of all nodes */
	char *db;                       /* A's database */
	store *st;                      /* A's store, for the test's own writes */
	taxii_server *srv;              /* A's TAXII server */
	FILE *log;                      /* its request log (/dev/null) */
	char coll[37];                  /* the shared collection */
	char key_b[STORE_KEY_TEXT_MAX]; /* partner b's key */
	char key_c[STORE_KEY_TEXT_MAX]; /* partner c's key */
	char root[128];                 /* http://127.0.0.1:PORT/api/ */
	int seq;                        /* objects made so far */
} node_a;

static node_a A;

/* An indicator of TLP tlp, stored on A and put in the collection. */
static void a_indicator(stix_tlp tlp, char id[64])
{
	char uuid[37];
	sol_uuid4(uuid);
	snprintf(id, 64, "indicator--%s", uuid);
	char *json = xasprintf(
	    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
	    "\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"2026-01-01T00:00:00.000Z\","
	    "\"pattern\":\"[ipv4-addr:value = '198.51.100.%d']\",\"pattern_type\":\"stix\","
	    "\"valid_from\":\"2026-01-01T00:00:00Z\",\"object_marking_refs\":[\"%s\"]}",
	    id, ++A.seq % 250, stix_tlp_marking_id(tlp));
	ingest_opts io;
	ingest_opts_init(&io);
	io.format = INGEST_STIX;
	ingest_ctx *cx = ingest_ctx_new(A.st, &io);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	if (ingest_buffer(cx, "a", json, strlen(json), &rep, &err) != 0)
		fail_msg("ingest: %s: %s", err.where, err.msg);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	free(json);
	sol_time v, added;
	assert_int_equal(sol_time_parse("2026-01-01T00:00:00.000Z", &v), 0);
	if (store_collection_object_add(A.st, A.coll, id, v, &added, &err) != 0)
		fail_msg("collection add: %s", err.msg);
}

static int a_setup(size_t page_max, size_t max_content)
{
	memset(&A, 0, sizeof A);
	A.dir = test_tmpdir();
	A.db = test_path(A.dir, "a.db");
	sol_err err = {0};
	if (store_open(A.db, &A.st, &err) != 0)
		return -1;
	store_collection c = {.title = "shared", .description = ""};
	store_grant gb = {
	    .collection = A.coll, .partner = "b", .read = true, .write = true, .amber = true};
	store_grant gc = {.collection = A.coll, .partner = "c", .read = true};
	if (store_collection_add(A.st, &c, A.coll, &err) != 0 ||
	    store_partner_add(A.st, "b", A.key_b, &err) != 0 ||
	    store_partner_add(A.st, "c", A.key_c, &err) != 0 ||
	    store_grant_set(A.st, &gb, &err) != 0 || store_grant_set(A.st, &gc, &err) != 0) {
		fprintf(stderr, "setup: %s: %s\n", err.where, err.msg);
		return -1;
	}
	taxii_options o;
	taxii_options_init(&o);
	o.db_path = A.db;
	o.listen = "127.0.0.1:0";
	o.page_max = page_max;
	o.max_content_length = max_content;
	A.log = fopen("/dev/null", "w");
	o.log = A.log;
	if (taxii_server_start(&o, &A.srv, &err) != 0) {
		fprintf(stderr, "server: %s\n", err.msg);
		return -1;
	}
	snprintf(A.root, sizeof A.root, "http://127.0.0.1:%u/api/", taxii_server_port(A.srv));
	return 0;
}

static int setup_big_pages(void **state)
{
	(void)state;
	return a_setup(TAXII_PAGE_MAX_DEFAULT, TAXII_MAX_CONTENT_DEFAULT);
}

static int setup_small_pages(void **state)
{
	(void)state;
	return a_setup(2, 800); /* 2 sightings per POST */
}

static int a_teardown(void **state)
{
	(void)state;
	taxii_server_stop(A.srv);
	store_close(A.st);
	if (A.log)
		fclose(A.log);
	test_tmpdir_remove(A.dir);
	free(A.db);
	return 0;
}

/* A peer node: its own store, with A added as peer "nodeA". */
static store *peer_node(const char *file, const char *url, const char *partner, const char *key)
{
	char *db = test_path(A.dir, file);
	store *st = NULL;
	sol_err err = {0};
	assert_int_equal(store_open(db, &st, &err), 0);
	free(db);
	store_peer p = {.name = "nodeA", .url = url};
	if (key[0] && partner[0] == 'b') {
		p.auth = STORE_AUTH_KEY;
		p.key = key;
	} else {
		p.auth = STORE_AUTH_BASIC;
		p.user = partner;
		p.password = key;
	}
	taxii_client_opts o;
	taxii_client_opts_init(&o);
	if (taxii_peer_add(st, &p, NULL, TLP_AMBER, &o, &err) != 0)
		fail_msg("peer add: %s: %s", err.where, err.msg);
	return st;
}

static taxii_pull_report pull(store *st, size_t limit)
{
	taxii_client_opts o;
	taxii_client_opts_init(&o);
	o.page_limit = limit;
	taxii_pull_report rep;
	taxii_pull_report_init(&rep);
	sol_err err = {0};
	if (taxii_peer_pull(st, "nodeA", NULL, &o, &rep, &err) != 0)
		fail_msg("pull: %s: %s", err.where, err.msg);
	return rep;
}

/* 0 if st holds id with source `source`, else SOL_ENOTFOUND. */
typedef struct seen {
	char source[64]; /* source of the current version */
} seen;

static int seen_row(void *ctx, const store_row *r)
{
	snprintf(((seen *)ctx)->source, sizeof((seen *)ctx)->source, "%s", r->source);
	return 0;
}

static bool has_object(store *st, const char *id, const char *source)
{
	seen s = {{0}};
	if (store_object_current(st, id, seen_row, &s, NULL) != 0)
		return false;
	assert_string_equal(s.source, source);
	return true;
}

/* A sighting of indicator `of` recorded on node st (source "local"). */
static void b_sighting(store *st, const char *of, char sid[64])
{
	char uuid[37];
	sol_uuid4(uuid);
	snprintf(sid, 64, "sighting--%s", uuid);
	char *json = xasprintf("{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"%s\","
			       "\"created\":\"2026-02-01T00:00:00.000Z\","
			       "\"modified\":\"2026-02-01T00:00:00.000Z\",\"count\":1,"
			       "\"sighting_of_ref\":\"%s\",\"object_marking_refs\":[\"%s\"]}",
			       sid, of, stix_tlp_marking_id(TLP_GREEN));
	ingest_opts io;
	ingest_opts_init(&io);
	ingest_ctx *cx = ingest_ctx_new(st, &io);
	ingest_report ir;
	ingest_report_init(&ir);
	sol_err err = {0};
	if (ingest_buffer(cx, "sighting", json, strlen(json), &ir, &err) != 0)
		fail_msg("sighting: %s", err.msg);
	ingest_report_fini(&ir);
	ingest_ctx_free(cx);
	free(json);
}

static void test_exchange(void **state)
{
	(void)state;
	char green[64], amber[64], green2[64];
	a_indicator(TLP_GREEN, green);
	a_indicator(TLP_AMBER, amber);

	/* B (amber, Bearer key) sees both; C (Basic, green only) sees green. */
	store *b = peer_node("b.db", A.root, "b", A.key_b);
	store *c = peer_node("c.db", A.root, "c", A.key_c);
	taxii_pull_report r = pull(b, 0);
	assert_int_equal(r.collections, 1);
	assert_int_equal(r.received, 2);
	assert_int_equal(r.ingest.put[STORE_NEW], 2);
	taxii_pull_report_fini(&r);
	assert_true(has_object(b, green, "nodeA"));
	assert_true(has_object(b, amber, "nodeA"));
	r = pull(c, 0);
	assert_int_equal(r.received, 1);
	taxii_pull_report_fini(&r);
	assert_true(has_object(c, green, "nodeA"));
	assert_false(has_object(c, amber, "nodeA"));

	/* Again: nothing new. Then only what A added since. */
	r = pull(b, 0);
	assert_int_equal(r.received, 0);
	assert_int_equal(r.ingest.put[STORE_NEW], 0);
	taxii_pull_report_fini(&r);
	a_indicator(TLP_GREEN, green2);
	r = pull(b, 0);
	assert_int_equal(r.received, 1);
	assert_int_equal(r.ingest.put[STORE_NEW], 1);
	taxii_pull_report_fini(&r);
	assert_true(has_object(b, green2, "nodeA"));

	/* B records a sighting and pushes it; pulled intel stays home. */
	char sid[64];
	b_sighting(b, green, sid);
	sol_err err = {0};

	taxii_client_opts o;
	taxii_client_opts_init(&o);
	taxii_push_report pr;
	taxii_push_report_init(&pr);
	if (taxii_peer_push(b, "nodeA", NULL, SOL_TIME_NONE, &o, &pr, &err) != 0)
		fail_msg("push: %s: %s", err.where, err.msg);
	assert_int_equal(pr.sent, 1);
	assert_int_equal(pr.successes, 1);
	assert_int_equal(pr.failures, 0);
	taxii_push_report_fini(&pr);
	assert_true(has_object(A.st, sid, "b"));

	/* The push cursor: nothing new to send. --since sends it again. */
	taxii_push_report_init(&pr);
	assert_int_equal(taxii_peer_push(b, "nodeA", NULL, SOL_TIME_NONE, &o, &pr, &err), 0);
	assert_int_equal(pr.sent, 0);
	taxii_push_report_fini(&pr);
	taxii_push_report_init(&pr);
	assert_int_equal(taxii_peer_push(b, "nodeA", NULL, 0, &o, &pr, &err), 0);
	assert_int_equal(pr.sent, 1);
	assert_int_equal(pr.successes, 1);
	taxii_push_report_fini(&pr);

	/* C may not write: its push finds no writable collection. */
	taxii_push_report_init(&pr);
	assert_int_equal(taxii_peer_push(c, "nodeA", NULL, SOL_TIME_NONE, &o, &pr, &err),
			 SOL_EUSAGE);
	taxii_push_report_fini(&pr);

	/* peer info: stamps set; remove forgets the peer. */
	stix_tlp tlp;
	sol_time lp, lq;
	assert_int_equal(taxii_peer_info(b, "nodeA", &tlp, &lp, &lq, &err), 0);
	assert_int_equal(tlp, TLP_AMBER);
	assert_true(lp != SOL_TIME_NONE && lq != SOL_TIME_NONE);
	assert_int_equal(taxii_peer_remove(b, "nodeA", &err), 0);
	taxii_pull_report_init(&r);
	assert_int_equal(taxii_peer_pull(b, "nodeA", NULL, &o, &r, &err), SOL_ENOTFOUND);
	taxii_pull_report_fini(&r);
	store_close(b);
	store_close(c);
}

static void test_paging_small(void **state)
{
	(void)state;
	char ids[7][64];
	for (int i = 0; i < 7; i++)
		a_indicator(i % 2 ? TLP_AMBER : TLP_GREEN, ids[i]);
	store *b = peer_node("b.db", A.root, "b", A.key_b);
	/* We ask for 100, the server caps at 2: four pages, 7 objects. */
	taxii_pull_report r = pull(b, 100);
	assert_int_equal(r.received, 7);
	assert_int_equal(r.ingest.put[STORE_NEW], 7);
	assert_true(r.pages >= 4);
	taxii_pull_report_fini(&r);
	for (int i = 0; i < 7; i++)
		assert_true(has_object(b, ids[i], "nodeA"));
	/* C, green only, pages over hidden rows: 4 green objects. */
	store *c = peer_node("c.db", A.root, "c", A.key_c);
	r = pull(c, 0);
	assert_int_equal(r.received, 4);
	taxii_pull_report_fini(&r);
	r = pull(c, 1);
	assert_int_equal(r.received, 0);
	taxii_pull_report_fini(&r);

	/* Five sightings under an 800-byte max_content_length: several POSTs,
	 * each accounted for by its status, then nothing left to send. */
	char sids[5][64];
	for (int i = 0; i < 5; i++)
		b_sighting(b, ids[i], sids[i]);
	taxii_client_opts o;
	taxii_client_opts_init(&o);
	taxii_push_report pr;
	taxii_push_report_init(&pr);
	sol_err err = {0};
	if (taxii_peer_push(b, "nodeA", NULL, SOL_TIME_NONE, &o, &pr, &err) != 0)
		fail_msg("push: %s: %s", err.where, err.msg);
	assert_int_equal(pr.sent, 5);
	assert_int_equal(pr.successes, 5);
	assert_true(pr.envelopes >= 3);
	taxii_push_report_fini(&pr);
	for (int i = 0; i < 5; i++)
		assert_true(has_object(A.st, sids[i], "b"));
	taxii_push_report_init(&pr);
	assert_int_equal(taxii_peer_push(b, "nodeA", NULL, SOL_TIME_NONE, &o, &pr, &err), 0);
	assert_int_equal(pr.sent, 0);
	taxii_push_report_fini(&pr);
	store_close(b);
	store_close(c);
}

static void test_discovery(void **state)
{
	(void)state;
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/taxii2/", taxii_server_port(A.srv));
	store *b = peer_node("d.db", url, "b", A.key_b);
	char green[64];
	a_indicator(TLP_GREEN, green);
	taxii_pull_report r = pull(b, 0);
	assert_true(has_object(b, green, "nodeA"));
	taxii_pull_report_fini(&r);
	store_close(b);
}

static int peer_seen(void *ctx, const store_peer *p)
{
	(void)ctx;
	(void)p;
	return 0;
}

/* peer add must fail with code and a message that contains `needle`. */
static void add_fails(const char *url, const char *key, int code, const char *needle)
{
	char *db = test_path(A.dir, "e.db");
	store *st = NULL;
	sol_err err = {0};
	assert_int_equal(store_open(db, &st, &err), 0);
	store_peer p = {.name = "x", .url = url, .auth = STORE_AUTH_KEY, .key = key};
	taxii_client_opts o;
	taxii_client_opts_init(&o);
	o.connect_timeout_s = 5;
	int rc = taxii_peer_add(st, &p, NULL, TLP_AMBER, &o, &err);
	if (rc != code || !strstr(err.msg, needle))
		fail_msg("%s: rc %d (%s: %s), want %d and '%s'", url, rc, err.where, err.msg, code,
			 needle);
	assert_int_equal(store_peer_get(st, "x", peer_seen, NULL, NULL), SOL_ENOTFOUND);
	store_close(st);
	free(db);
}

static void test_errors(void **state)
{
	(void)state;
	add_fails(A.root, "sol_wrongwrongwrongwrongwrongwrongwrongwrongwro", SOL_EIO, "HTTP 401");
	add_fails("http://127.0.0.1:1/api/", "k", SOL_EIO, "onnect");
	add_fails("ftp://127.0.0.1/api/", "k", SOL_EUSAGE, "http://");
	char url[160];
	snprintf(url, sizeof url, "%scollections/nope/", A.root);
	add_fails(url, A.key_b, SOL_ENOTFOUND, "HTTP 404");
	add_fails(A.root, "bad\r\nX-Injected: 1", SOL_EINVALID, "control");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_split),
	    cmocka_unit_test(test_paging_rule),
	    cmocka_unit_test(test_url_resolve),
	    cmocka_unit_test_setup_teardown(test_exchange, setup_big_pages, a_teardown),
	    cmocka_unit_test_setup_teardown(test_paging_small, setup_small_pages, a_teardown),
	    cmocka_unit_test_setup_teardown(test_discovery, setup_big_pages, a_teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup_big_pages, a_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
