/*
 * test_misp.c - the MISP importer (src/ingest/misp.c) against a real SQLite
 * store: the pattern of every mapped attribute type (misp/types.txt), the
 * SCOs of observed attributes with independently computed ids
 * (misp/observed.txt), TLP tag precedence, errors naming line:col or the
 * JSON path (misp/errors.txt, misp/values.txt), feeds, and the real MISP
 * documents of ../shared/data/misp.
 */
#include <jansson.h>
#include <sys/stat.h>

#include "ingest/ingest_int.h"
#include "ingest_test.h"

#define ORG "identity--5e1c0000-0000-4000-8000-00000000000c"

/* tests/unit/ingest/misp/<name>; caller frees. */
static char *misp_fixture(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof rel, "tests/unit/ingest/misp/%s", name);
	return test_source_path(rel);
}

static int import_misp(store *st, const ingest_opts *o, const char *path, ingest_report *rep,
		       sol_err *err)
{
	ingest_opts opts;
	if (o)
		opts = *o;
	else
		ingest_opts_init(&opts);
	opts.format = INGEST_MISP;
	return fx_import(st, &opts, path, rep, err);
}

static int import_text(store *st, bool skip_invalid, const char *name, const char *text,
		       ingest_report *rep, sol_err *err)
{
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.format = INGEST_MISP;
	opts.skip_invalid = skip_invalid;
	return fx_import_text(st, &opts, name, text, rep, err);
}

typedef struct got {
	json_t *obj;  /* current version, parsed */
	stix_tlp tlp; /* effective TLP the store keeps */
} got;

static int got_row(void *ctx, const store_row *row)
{
	got *g = ctx;
	g->obj = json_loads(row->json, 0, NULL);
	g->tlp = row->tlp;
	return 0;
}

/* The current version of id (new reference), failing the test if absent. */
static json_t *get(store *st, const char *id, stix_tlp *tlp)
{
	got g = {0};
	sol_err err = {0};
	int rc = store_object_current(st, id, got_row, &g, &err);
	if (rc != 0)
		fail_msg("%s: not stored (%s)", id, err.msg);
	assert_non_null(g.obj);
	if (tlp)
		*tlp = g.tlp;
	return g.obj;
}

static bool stored(store *st, const char *id)
{
	got g = {0};
	sol_err err = {0};
	int rc = store_object_current(st, id, got_row, &g, &err);
	json_decref(g.obj);
	return rc == 0;
}

static const char *sget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The single marking of o, or NULL when it has none. */
static const char *marking(const json_t *o)
{
	const json_t *refs = json_object_get(o, "object_marking_refs");
	if (!refs)
		return NULL;
	assert_int_equal(json_array_size(refs), 1);
	return json_string_value(json_array_get(refs, 0));
}

/* Next data line of a table (comments and blank lines skipped), NUL-
 * terminated in place; NULL at the end. */
static char *next_line(char **cur)
{
	while (**cur) {
		char *line = *cur, *nl = strchr(line, '\n');
		*cur = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		if (*line && *line != '#')
			return line;
	}
	return NULL;
}

/* ---- every mapped type ---------------------------------------------- */

static void test_types_patterns(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *path = misp_fixture("types.json");
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(import_misp(fx->st, NULL, path, &rep, &err), 0);

	char *table_path = misp_fixture("types.txt");
	char *table = test_read_file(table_path, NULL), *cur = table, *line;
	int rows = 0;
	while ((line = next_line(&cur)) != NULL) {
		char *type = strchr(line, ' ');
		assert_non_null(type);
		*type++ = '\0';
		char *pattern = strchr(type, ' ');
		assert_non_null(pattern);
		*pattern++ = '\0';
		char id[64];
		snprintf(id, sizeof id, "indicator--%s", line);
		json_t *ind = get(fx->st, id, NULL);
		if (strcmp(sget(ind, "pattern"), pattern) != 0)
			fail_msg("%s (%s): pattern\n  got  %s\n  want %s", line, type,
				 sget(ind, "pattern"), pattern);
		assert_string_equal(sget(ind, "created_by_ref"), ORG);
		assert_string_equal(marking(ind), stix_tlp_marking_id(TLP_GREEN));
		assert_true(starts_with(sget(ind, "name"), type));
		json_decref(ind);
		rows++;
	}
	assert_int_equal(rows, 28);
	assert_int_equal(fx_tally(&rep.types, "indicator"), 28);
	assert_int_equal(fx_tally(&rep.types, "identity"), 1);
	assert_int_equal(fx_tally(&rep.types, "marking-definition"), 1);
	assert_int_equal(fx_tally(&rep.types, "report"), 1);
	assert_int_equal(rep.objects, 31);
	assert_int_equal(rep.rejected, 0);
	/* Unknown types are counted, the deleted attribute is skipped. */
	assert_int_equal(fx_tally(&rep.unknown, "text"), 2);
	assert_int_equal(fx_tally(&rep.unknown, "yara"), 1);
	assert_int_equal(fx_tally(&rep.unknown, "uri"), 1);
	assert_int_equal(rep.unknown.n, 3);
	assert_false(stored(fx->st, "indicator--5e1a0000-0000-4000-8000-000000000103"));

	/* Attribute details: comment -> description, timestamp -> valid_from. */
	json_t *ind = get(fx->st, "indicator--5e1a0000-0000-4000-8000-000000000001", NULL);
	assert_string_equal(sget(ind, "description"), "row 1");
	assert_string_equal(sget(ind, "name"), "ip-src: 198.51.100.7");
	assert_string_equal(sget(ind, "valid_from"), "2023-11-14T22:13:20.000Z");
	json_decref(ind);

	json_t *r = get(fx->st, "report--5e1a0000-0000-4000-8000-000000000000", NULL);
	assert_string_equal(sget(r, "name"), "every mapped type, to_ids True");
	assert_string_equal(sget(r, "published"), "2023-11-14T22:16:40.000Z");
	assert_string_equal(sget(r, "modified"), "2023-11-14T22:15:00.000Z");
	assert_string_equal(sget(r, "created_by_ref"), ORG);
	assert_string_equal(marking(r), stix_tlp_marking_id(TLP_GREEN));
	assert_int_equal(json_array_size(json_object_get(r, "object_refs")), 28);
	json_t *labels = json_object_get(r, "labels");
	assert_int_equal(json_array_size(labels), 1);
	assert_string_equal(json_string_value(json_array_get(labels, 0)), "type:OSINT");
	json_decref(r);

	json_t *org = get(fx->st, ORG, NULL);
	assert_string_equal(sget(org, "name"), "Example CERT");
	assert_string_equal(sget(org, "identity_class"), "organization");
	json_decref(org);

	/* The same document again changes nothing. */
	ingest_report again;
	ingest_report_init(&again);
	assert_int_equal(import_misp(fx->st, NULL, path, &again, &err), 0);
	assert_int_equal(again.put[STORE_NEW], 0);
	assert_int_equal(again.put[STORE_UNCHANGED], again.objects);
	ingest_report_fini(&again);

	free(table);
	free(table_path);
	free(path);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* to_ids false: observed-data and SCOs with deterministic ids. */
static void test_observed(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *path = misp_fixture("observed.json");
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	if (import_misp(fx->st, NULL, path, &rep, &err) != 0)
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(fx_count(fx->st, "indicator"), 0);
	assert_int_equal(fx_tally(&rep.types, "observed-data"), 28);

	char *table_path = misp_fixture("observed.txt");
	char *table = test_read_file(table_path, NULL), *cur = table, *line;
	while ((line = next_line(&cur)) != NULL) {
		char *type = strchr(line, ' ');
		*type++ = '\0';
		char *ids = strchr(type, ' ');
		*ids++ = '\0';
		char id[64];
		snprintf(id, sizeof id, "observed-data--%s", line);
		json_t *od = get(fx->st, id, NULL);
		assert_int_equal(json_integer_value(json_object_get(od, "number_observed")), 1);
		assert_string_equal(sget(od, "first_observed"), sget(od, "created"));
		assert_string_equal(sget(od, "last_observed"), sget(od, "created"));
		assert_string_equal(marking(od), stix_tlp_marking_id(TLP_GREEN));
		const json_t *refs = json_object_get(od, "object_refs");
		size_t i = 0;
		for (char *want = strtok(ids, " "); want; want = strtok(NULL, " "), i++) {
			if (i >= json_array_size(refs) ||
			    strcmp(json_string_value(json_array_get(refs, i)), want) != 0)
				fail_msg("%s (%s): object_refs[%zu] is %s, want %s", line, type, i,
					 json_string_value(json_array_get(refs, i)), want);
			json_t *sco = get(fx->st, want, NULL);
			assert_string_equal(marking(sco), stix_tlp_marking_id(TLP_GREEN));
			json_decref(sco);
		}
		assert_int_equal(i, json_array_size(refs));
		json_decref(od);
	}
	/* The network-traffic of "ip-dst|port 2001:db8::5|443". */
	json_t *od = get(fx->st, "observed-data--5e1b0000-0000-4000-8000-000000000005", NULL);
	const json_t *refs = json_object_get(od, "object_refs");
	json_t *nt = get(fx->st, json_string_value(json_array_get(refs, 0)), NULL);
	assert_int_equal(json_integer_value(json_object_get(nt, "dst_port")), 443);
	assert_string_equal(json_string_value(json_array_get(refs, 1)), sget(nt, "dst_ref"));
	json_decref(nt);
	json_decref(od);
	free(table);
	free(table_path);
	free(path);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* ---- TLP ------------------------------------------------------------ */

static void test_tlp_precedence(void **state)
{
	(void)state;
	static const struct {
		const char *id;
		stix_tlp want; /* TLP_NONE: no marking in the object */
	} cases[] = {
	    {"indicator--5e1d0000-0000-4000-8000-000000000001", TLP_RED},   /* attr tag */
	    {"indicator--5e1d0000-0000-4000-8000-000000000002", TLP_GREEN}, /* event tag */
	    {"indicator--5e1d0000-0000-4000-8000-000000000003", TLP_AMBER}, /* most restrictive */
	    {"indicator--5e1d0000-0000-4000-8000-000000000004", TLP_AMBER_STRICT}, /* object */
	    {"observed-data--5e1d0000-0000-4000-8000-000000000005", TLP_CLEAR},    /* white */
	    {"report--5e1d0000-0000-4000-8000-000000000000", TLP_GREEN},
	    {"indicator--5e1d0000-0000-4000-8000-000000000011", TLP_NONE},
	    {"report--5e1d0000-0000-4000-8000-000000000010", TLP_NONE},
	};
	fixture *fx = test_store_open();
	char *path = misp_fixture("tlp.json");
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.default_tlp = TLP_AMBER;
	assert_int_equal(import_misp(fx->st, &opts, path, &rep, &err), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		stix_tlp tlp;
		json_t *o = get(fx->st, cases[i].id, &tlp);
		const char *m = marking(o);
		if (cases[i].want == TLP_NONE) {
			assert_null(m);
			assert_int_equal(tlp, TLP_AMBER); /* the source default */
		} else {
			if (!m || strcmp(m, stix_tlp_marking_id(cases[i].want)) != 0)
				fail_msg("%s: marking %s, want %s", cases[i].id, m ? m : "none",
					 stix_tlp_name(cases[i].want));
			assert_int_equal(tlp, cases[i].want);
		}
		json_decref(o);
	}
	/* Each marking-definition used, once. */
	static const stix_tlp used[] = {TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT, TLP_RED};
	for (size_t i = 0; i < 5; i++)
		assert_true(stored(fx->st, stix_tlp_marking_id(used[i])));
	assert_int_equal(fx_tally(&rep.types, "marking-definition"), 5);
	/* The SCO of the observed attribute carries its marking too. */
	json_t *od = get(fx->st, "observed-data--5e1d0000-0000-4000-8000-000000000005", NULL);
	json_t *sco = get(
	    fx->st, json_string_value(json_array_get(json_object_get(od, "object_refs"), 0)), NULL);
	assert_string_equal(sget(sco, "value"), "b.example");
	assert_string_equal(marking(sco), stix_tlp_marking_id(TLP_CLEAR));
	json_decref(sco);
	json_decref(od);
	/* Non-TLP tags are labels; TLP tags are not. */
	json_t *ind = get(fx->st, "indicator--5e1d0000-0000-4000-8000-000000000003", NULL);
	json_t *labels = json_object_get(ind, "labels");
	assert_int_equal(json_array_size(labels), 1);
	assert_string_equal(json_string_value(json_array_get(labels, 0)), "kill-chain:Delivery");
	json_decref(ind);
	free(path);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* ---- times ---------------------------------------------------------- */

static void test_seen_times(void **state)
{
	(void)state;
	static const char doc[] =
	    "{\"Event\": {\"uuid\": \"5e1f0000-0000-4000-8000-000000000000\", \"info\": \"t\","
	    " \"date\": \"2024-01-01\", \"publish_timestamp\": \"0\", \"Orgc\": {\"name\": \"No "
	    "Uuid Org\"}, \"Attribute\": ["
	    "{\"uuid\": \"5e1f0000-0000-4000-8000-000000000001\", \"type\": \"ip-dst\", \"value\":"
	    " \"198.51.100.5\", \"to_ids\": \"1\", \"first_seen\": "
	    "\"2024-01-02T03:04:05.123456+02:00\", \"last_seen\": \"2024-03-01T00:00:00Z\"},"
	    "{\"uuid\": \"5e1f0000-0000-4000-8000-000000000002\", \"type\": \"ip-dst\", \"value\":"
	    " \"198.51.100.6\", \"to_ids\": 0, \"timestamp\": 1704153600, \"first_seen\": "
	    "\"2024-01-02T00:00:00.000000+0000\", \"last_seen\": "
	    "\"2024-01-03T00:00:00.000000-01:00\"}"
	    "]}}";
	fixture *fx = test_store_open();
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(import_text(fx->st, false, "t.json", doc, &rep, &err), 0);
	json_t *ind = get(fx->st, "indicator--5e1f0000-0000-4000-8000-000000000001", NULL);
	assert_string_equal(sget(ind, "valid_from"), "2024-01-02T01:04:05.123Z");
	assert_string_equal(sget(ind, "valid_until"), "2024-03-01T00:00:00.000Z");
	assert_string_equal(sget(ind, "created"), "2024-01-01T00:00:00.000Z"); /* the event date */
	/* An Orgc without uuid still gets a stable identity. */
	const char *org = sget(ind, "created_by_ref");
	assert_true(starts_with(org, "identity--"));
	json_t *id = get(fx->st, org, NULL);
	assert_string_equal(sget(id, "name"), "No Uuid Org");
	json_decref(id);
	json_decref(ind);
	json_t *od = get(fx->st, "observed-data--5e1f0000-0000-4000-8000-000000000002", NULL);
	assert_string_equal(sget(od, "created"), "2024-01-02T00:00:00.000Z");
	assert_string_equal(sget(od, "first_observed"), "2024-01-02T00:00:00.000Z");
	assert_string_equal(sget(od, "last_observed"), "2024-01-03T01:00:00.000Z");
	json_decref(od);
	/* Unpublished (publish_timestamp 0): published is the event date. */
	json_t *r = get(fx->st, "report--5e1f0000-0000-4000-8000-000000000000", NULL);
	assert_string_equal(sget(r, "published"), "2024-01-01T00:00:00.000Z");
	json_decref(r);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* subdomains: a domain attribute also matches the names below it. */
static void test_subdomains(void **state)
{
	(void)state;
	static const char doc[] =
	    "{\"Event\": {\"uuid\": \"5e220000-0000-4000-8000-000000000000\", \"info\": \"s\","
	    " \"timestamp\": 1700000000, \"Attribute\": [{\"uuid\": "
	    "\"5e220000-0000-4000-8000-000000000001\", \"type\": \"domain\", \"value\": "
	    "\"evil.example\", \"to_ids\": true}]}}";
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.format = INGEST_MISP;
	opts.subdomains = true;
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import_text(fx->st, &opts, "d.json", doc, &rep, &err), 0);
	json_t *ind = get(fx->st, "indicator--5e220000-0000-4000-8000-000000000001", NULL);
	assert_string_equal(sget(ind, "pattern"), "[domain-name:value = 'evil.example' OR "
						  "domain-name:value LIKE '%.evil.example']");
	assert_null(sget(ind, "created_by_ref")); /* no Orgc */
	json_decref(ind);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* ---- errors --------------------------------------------------------- */

static void test_bad_json(void **state)
{
	(void)state;
	static const struct {
		const char *doc;
		const char *where;
	} cases[] = {
	    {"{\"Event\": {\n  \"uuid\": oops\n}}", "bad.json:2:14"},
	    {"{\"Event\": {\"info\": \"a\",\n\"info\": \"b\"}}", "bad.json:2:6"},
	    {"[{\"Event\": {}}", "bad.json:1:14"},
	};
	fixture *fx = test_store_open();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ingest_report rep;
		ingest_report_init(&rep);
		sol_err err = {0};
		assert_int_equal(import_text(fx->st, false, "bad.json", cases[i].doc, &rep, &err),
				 SOL_EPARSE);
		if (strcmp(err.where, cases[i].where) != 0)
			fail_msg("case %zu: where %s (%s), want %s", i, err.where, err.msg,
				 cases[i].where);
		ingest_report_fini(&rep);
	}
	assert_int_equal(fx_count(fx->st, NULL), 0);
	test_store_close(fx);
}

static void test_wrong_structure(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *path = misp_fixture("errors.txt");
	char *table = test_read_file(path, NULL), *cur = table, *doc;
	int cases = 0;
	while ((doc = next_line(&cur)) != NULL) {
		char *where = next_line(&cur);
		assert_non_null(where);
		ingest_report rep;
		ingest_report_init(&rep);
		sol_err err = {0};
		int rc = import_text(fx->st, false, "s.json", doc, &rep, &err);
		if (rc != SOL_EINVALID || strcmp(err.where, where) != 0)
			fail_msg("%s\n  got %d at %s (%s)\n  want %s", doc, rc, err.where, err.msg,
				 where);
		assert_int_equal(rep.objects, 0); /* left as it was */
		ingest_report_fini(&rep);
		cases++;
	}
	assert_int_equal(cases, 19);
	assert_int_equal(fx_count(fx->st, NULL), 0); /* every import rolled back */
	free(table);
	free(path);
	test_store_close(fx);
}

static void test_bad_values(void **state)
{
	(void)state;
	char *path = misp_fixture("values.txt");
	char *table = test_read_file(path, NULL), *cur = table, *line;
	int cases = 0;
	while ((line = next_line(&cur)) != NULL) {
		char *value = strchr(line, ' ');
		*value++ = '\0';
		json_t *ev =
		    json_pack("{s{ss ss si s[{ss ss ss sb} {ss ss ss sb}]}}", "Event", "uuid",
			      "5e200000-0000-4000-8000-000000000000", "info", "bad values",
			      "timestamp", 1700000000, "Attribute", "uuid",
			      "5e200000-0000-4000-8000-000000000001", "type", line, "value", value,
			      "to_ids", cases % 2, "uuid", "5e200000-0000-4000-8000-000000000002",
			      "type", "ip-dst", "value", "192.0.2.1", "to_ids", 1);
		char *doc = json_dumps(ev, 0);
		json_decref(ev);

		fixture *fx = test_store_open();
		ingest_report rep;
		ingest_report_init(&rep);
		sol_err err = {0};
		int rc = import_text(fx->st, false, "v.json", doc, &rep, &err);
		if (rc != SOL_EINVALID ||
		    strcmp(err.where, "v.json:$.Event.Attribute[0].value") != 0)
			fail_msg("%s '%s': got %d at %s (%s)", line, value, rc, err.where, err.msg);
		assert_int_equal(fx_count(fx->st, NULL), 0);

		/* skip_invalid: one rejection at that place, the rest imported. */
		assert_int_equal(import_text(fx->st, true, "v.json", doc, &rep, &err), 0);
		assert_int_equal(rep.rejected, 1);
		assert_int_equal(rep.n_rejects, 1);
		assert_string_equal(rep.rejects[0].where, "v.json:$.Event.Attribute[0].value");
		assert_true(stored(fx->st, "indicator--5e200000-0000-4000-8000-000000000002"));
		assert_false(stored(fx->st, "indicator--5e200000-0000-4000-8000-000000000001"));
		assert_false(stored(fx->st, "observed-data--5e200000-0000-4000-8000-000000000001"));
		ingest_report_fini(&rep);
		test_store_close(fx);
		free(doc);
		cases++;
	}
	assert_int_equal(cases, 26);
	free(table);
	free(path);
}

static void test_empty_lists(void **state)
{
	(void)state;
	static const char *const docs[] = {"{\"response\": []}", "[]"};
	fixture *fx = test_store_open();
	for (size_t i = 0; i < 2; i++) {
		ingest_report rep;
		ingest_report_init(&rep);
		sol_err err = {0};
		/* The importer reads nothing and says so... */
		ingest_ctx *cx = ingest_ctx_new(fx->st, NULL);
		cx->rep = &rep;
		assert_int_equal(ingest_misp_json(cx, docs[i], strlen(docs[i]), "e.json", &err), 0);
		assert_int_equal(rep.objects, 0);
		assert_int_equal(rep.rejected, 0);
		ingest_ctx_free(cx);
		/* ...and an import of nothing is an error. */
		assert_int_equal(import_text(fx->st, false, "e.json", docs[i], &rep, &err),
				 SOL_EINVALID);
		ingest_report_fini(&rep);
	}
	test_store_close(fx);
}

/* ---- feeds ---------------------------------------------------------- */

#define FEED_EV1 "5e1a0000-0000-4000-8000-000000000000"
#define FEED_EV2 "5e210000-0000-4000-8000-000000000000"

/* A feed directory in dir: manifest listing both events, the first one's
 * file (types.json), and hashes.csv. */
static char *make_feed(const char *dir, const char *hashes)
{
	char *feed = test_path(dir, "feed");
	assert_int_equal(mkdir(feed, 0700), 0);
	char *mpath = test_path(feed, "manifest.json");
	static const char manifest[] =
	    "{\"" FEED_EV1 "\": {\"info\": \"one\"}, \"" FEED_EV2 "\": {\"info\": \"two\"}}";
	test_write_file(mpath, manifest, strlen(manifest));
	char *src = misp_fixture("types.json");
	size_t len;
	char *data = test_read_file(src, &len);
	char *epath = test_path(feed, FEED_EV1 ".json");
	test_write_file(epath, data, len);
	if (hashes) {
		char *hpath = test_path(feed, "hashes.csv");
		test_write_file(hpath, hashes, strlen(hashes));
		free(hpath);
	}
	free(epath);
	free(data);
	free(src);
	free(mpath);
	return feed;
}

static void test_feed_missing_event(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *feed = make_feed(fx->dir, NULL);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, NULL, feed, &rep, &err), SOL_ENOTFOUND);
	char want[512];
	snprintf(want, sizeof want, "%s:%s.json", feed, FEED_EV2);
	assert_string_equal(err.where, want);
	assert_int_equal(fx_count(fx->st, NULL), 0); /* the first event rolled back too */
	free(feed);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

static void test_feed_hashes(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *feed = make_feed(fx->dir, "0749bae92ca336a02c83d126e04ec628," FEED_EV1 "\n"
					"0749bae92ca336a02c83d126e04ec628,"
					"5e990000-0000-4000-8000-000000000000\r\n"
					"not a hash line\n\n"
					"last line, no newline\r");
	char *ev2 = test_path(feed, FEED_EV2 ".json");
	static const char doc[] = "{\"Event\": {\"uuid\": \"" FEED_EV2 "\", \"info\": \"two\", "
				  "\"timestamp\": \"1700000000\", \"Orgc\": {\"name\": \"O\", "
				  "\"uuid\": \"5e1c0000-0000-4000-8000-00000000000c\"}}}";
	test_write_file(ev2, doc, strlen(doc));
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, NULL, feed, &rep, &err), 0);
	assert_int_equal(fx_tally(&rep.types, "report"), 2);
	assert_int_equal(rep.rejected, 3);
	char want[512];
	snprintf(want, sizeof want, "%s:hashes.csv:2", feed);
	assert_string_equal(rep.rejects[0].where, want);
	snprintf(want, sizeof want, "%s:hashes.csv:3", feed);
	assert_string_equal(rep.rejects[1].where, want);
	snprintf(want, sizeof want, "%s:hashes.csv:5", feed);
	assert_string_equal(rep.rejects[2].where, want);
	assert_string_equal(rep.rejects[0].msg, "event is not listed in manifest.json");
	/* An event without attributes: a report of its identity. */
	json_t *r = get(fx->st, "report--" FEED_EV2, NULL);
	json_t *refs = json_object_get(r, "object_refs");
	assert_int_equal(json_array_size(refs), 1);
	assert_string_equal(json_string_value(json_array_get(refs, 0)), ORG);
	json_decref(r);
	free(ev2);
	free(feed);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* ---- the real MISP documents of ../shared/data ---------------------- */

/* Checked by hand: 57c4445b... has 9 attributes: 2 links (observed: an
 * observed-data and a url each), a comment, a text and a regkey|value
 * (unknown), and filename, md5, sha1, sha256 with to_ids (4 indicators);
 * plus its CIRCL identity, its report and the TLP:CLEAR marking (tlp:white). */
static void test_real_event(void **state)
{
	(void)state;
	char *path =
	    test_shared_path("misp/pymisp-tests/57c4445b-c548-4654-af0b-4be3950d210f.json");
	fixture *fx = test_store_open();
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, NULL, path, &rep, &err), 0);
	assert_int_equal(rep.format, INGEST_MISP);
	assert_int_equal(rep.objects, 11);
	assert_int_equal(fx_tally(&rep.types, "indicator"), 4);
	assert_int_equal(fx_tally(&rep.types, "observed-data"), 2);
	assert_int_equal(fx_tally(&rep.types, "url"), 2);
	assert_int_equal(fx_tally(&rep.types, "identity"), 1);
	assert_int_equal(fx_tally(&rep.types, "report"), 1);
	assert_int_equal(fx_tally(&rep.types, "marking-definition"), 1);
	assert_int_equal(fx_tally(&rep.unknown, "comment"), 1);
	assert_int_equal(fx_tally(&rep.unknown, "text"), 1);
	assert_int_equal(fx_tally(&rep.unknown, "regkey|value"), 1);
	json_t *ind = get(fx->st, "indicator--57c4448b-454c-4d17-90d1-4d2f950d210f", NULL);
	assert_string_equal(sget(ind, "pattern"),
			    "[file:hashes.MD5 = '0749bae92ca336a02c83d126e04ec628']");
	assert_string_equal(sget(ind, "created_by_ref"),
			    "identity--55f6ea5e-2c60-40e5-964f-47a8950d210f");
	assert_string_equal(marking(ind), stix_tlp_marking_id(TLP_CLEAR));
	assert_string_equal(sget(ind, "description"), "Imported via the Freetext Import Tool");
	json_decref(ind);
	json_t *r = get(fx->st, "report--57c4445b-c548-4654-af0b-4be3950d210f", NULL);
	assert_string_equal(sget(r, "name"), "Ransomware - Xorist");
	assert_int_equal(json_array_size(json_object_get(r, "object_refs")), 8);
	assert_int_equal(json_array_size(json_object_get(r, "labels")), 3);
	json_decref(r);
	ingest_report_fini(&rep);
	test_store_close(fx);
	free(path);
}

static void test_real_documents(void **state)
{
	(void)state;
	static const struct {
		const char *rel;
		int rc;            /* expected result */
		const char *where; /* expected error place after the path */
		int64_t indicators;
		const char *unknown; /* an unknown type it must count */
	} cases[] = {
	    {"misp/misp-core-tests/event.json", 0, NULL, 30, "text"},
	    {"misp/pymisp-tests/misp_event.json", 0, NULL, 0, "text"},
	    {"misp/pymisp-tests/new_misp_event.json", 0, NULL, 0, NULL},
	    {"misp/pymisp-tests/search_index_result.json", 0, NULL, 0, NULL},
	    {"misp/pymisp-tests/57c4445b-c548-4654-af0b-4be3950d210f.json", 0, NULL, 4, "text"},
	    /* Not MISP events: git commit metadata and sharing groups. */
	    {"misp/pymisp-tests/git-vuln-finder-quagga.json", SOL_EINVALID, ":$", 0, NULL},
	    {"misp/pymisp-tests/sharing_groups.json", SOL_EINVALID, ":$[0]", 0, NULL},
	};
	char *base = test_shared_path("misp");
	free(base);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = test_shared_path(cases[i].rel);
		fixture *fx = test_store_open();
		ingest_report rep;
		ingest_report_init(&rep);
		sol_err err = {0};
		int rc = import_misp(fx->st, NULL, path, &rep, &err);
		if (rc != cases[i].rc)
			fail_msg("%s: %d at %s: %s", cases[i].rel, rc, err.where, err.msg);
		if (rc == 0) {
			assert_int_equal(rep.rejected, 0);
			assert_int_equal(fx_tally(&rep.types, "report"),
					 fx_count(fx->st, "report"));
			assert_true(fx_count(fx->st, "report") >= 1);
			assert_int_equal(fx_tally(&rep.types, "indicator"), cases[i].indicators);
			if (cases[i].unknown)
				assert_true(fx_tally(&rep.unknown, cases[i].unknown) >= 1);
		} else {
			char want[512];
			snprintf(want, sizeof want, "%s%s", path, cases[i].where);
			assert_string_equal(err.where, want);
		}
		ingest_report_fini(&rep);
		test_store_close(fx);
		free(path);
	}
}

/* The real feed: one event, one link attribute (observed), tlp:white. Its
 * hashes.csv line names that event, so no rejection. */
static void test_real_feed(void **state)
{
	(void)state;
	char *feed = test_shared_path("misp/feeds/misp");
	fixture *fx = test_store_open();
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, NULL, feed, &rep, &err), 0);
	assert_int_equal(rep.objects, 5);
	assert_int_equal(rep.rejected, 0);
	json_t *od = get(fx->st, "observed-data--56bf39c9-c078-4368-9555-6cf802de0b81", NULL);
	json_t *url = get(
	    fx->st, json_string_value(json_array_get(json_object_get(od, "object_refs"), 0)), NULL);
	assert_string_equal(sget(url, "value"),
			    "http://blog.cylance.com/hunting-for-malware-with-machine-learning");
	json_decref(url);
	json_decref(od);
	ingest_report_fini(&rep);
	test_store_close(fx);
	free(feed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_types_patterns),  cmocka_unit_test(test_observed),
	    cmocka_unit_test(test_tlp_precedence),  cmocka_unit_test(test_seen_times),
	    cmocka_unit_test(test_subdomains),      cmocka_unit_test(test_bad_json),
	    cmocka_unit_test(test_wrong_structure), cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_empty_lists),     cmocka_unit_test(test_feed_missing_event),
	    cmocka_unit_test(test_feed_hashes),     cmocka_unit_test(test_real_event),
	    cmocka_unit_test(test_real_documents),  cmocka_unit_test(test_real_feed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
