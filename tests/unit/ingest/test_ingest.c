/*
 * test_ingest.c - the pipeline (src/ingest/ingest.c) with STIX input
 * (src/ingest/stix_import.c) into a real SQLite store: one transaction per
 * input, errors with the file and JSON path or line:col, skip_invalid
 * rejections, versions (unchanged, conflict, updated), the effective TLP,
 * indicators that are not line-matchable, --subdomains, format detection
 * and the indicators ingest_indicator_new builds.
 */
#include <ctype.h>
#include <stdio.h>

#include "ingest/ingest_int.h"
#include "ingest_test.h"

#define GOOD_OBJECTS 6

static void test_bundle(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "good.json", &rep, &err), 0);
	assert_int_equal(rep.format, INGEST_STIX);
	assert_int_equal(rep.objects, GOOD_OBJECTS);
	assert_int_equal(rep.put[STORE_NEW], GOOD_OBJECTS);
	assert_int_equal(fx_tally(&rep.types, "indicator"), 3);
	assert_int_equal(fx_tally(&rep.types, "identity"), 1);
	assert_int_equal(fx_tally(&rep.types, "relationship"), 1);
	assert_int_equal(fx_tally(&rep.unmatchable, "pattern_type sigma"), 1);
	assert_int_equal(fx_count(fx->st, NULL), GOOD_OBJECTS);
	char *before = fx_snapshot(fx->st);

	/* The same versions again: unchanged, nothing written. */
	ingest_report again;
	ingest_report_init(&again);
	assert_int_equal(fx_import(fx->st, &opts, "good.json", &again, &err), 0);
	assert_int_equal(again.put[STORE_UNCHANGED], GOOD_OBJECTS);
	char *after = fx_snapshot(fx->st);
	assert_string_equal(before, after);
	free(after);

	/* Same (id, modified), other content: a conflict, the first is kept. */
	ingest_report conflict;
	ingest_report_init(&conflict);
	assert_int_equal(fx_import(fx->st, &opts, "conflict.json", &conflict, &err), 0);
	assert_int_equal(conflict.put[STORE_CONFLICT], 1);
	after = fx_snapshot(fx->st);
	assert_string_equal(before, after);
	assert_null(strstr(after, "renamed"));
	free(after);

	/* A newer version becomes current. */
	ingest_report newer;
	ingest_report_init(&newer);
	assert_int_equal(fx_import(fx->st, &opts, "newer.json", &newer, &err), 0);
	assert_int_equal(newer.put[STORE_UPDATED], 1);
	after = fx_snapshot(fx->st);
	assert_non_null(strstr(after, "Phishing domain v2"));
	assert_int_equal(fx_count(fx->st, NULL), GOOD_OBJECTS);

	free(before);
	free(after);
	ingest_report_fini(&rep);
	ingest_report_fini(&again);
	ingest_report_fini(&conflict);
	ingest_report_fini(&newer);
	test_store_close(fx);
}

/* One bad object fails the whole bundle; skip_invalid keeps the others. */
static void test_bad_object(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "envelope.json", &rep, &err), 0);
	char *before = fx_snapshot(fx->st);
	char *path = fx_data("one_bad.json");
	char *where = xasprintf("%s:$.objects[3].pattern", path);

	assert_true(fx_import(fx->st, &opts, "one_bad.json", &rep, &err) < 0);
	print_message("one_bad: %s %s\n", err.where, err.msg);
	assert_string_equal(err.where, where);
	char *after = fx_snapshot(fx->st);
	assert_string_equal(before, after);
	assert_int_equal(rep.objects, 1); /* envelope.json only */

	opts.skip_invalid = true;
	assert_int_equal(fx_import(fx->st, &opts, "one_bad.json", &rep, &err), 0);
	assert_int_equal(rep.objects, 1 + GOOD_OBJECTS - 1);
	assert_int_equal(rep.rejected, 1);
	assert_string_equal(rep.rejects[0].where, where);
	assert_int_equal(fx_count(fx->st, NULL), GOOD_OBJECTS - 1);
	free(before);
	free(after);
	free(where);
	free(path);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* A truncated bundle: an error at line:col, and nothing stored. */
static void test_truncated(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.skip_invalid = true; /* malformed JSON is never skipped */
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "truncated.json", &rep, &err), SOL_EPARSE);
	print_message("truncated: %s %s\n", err.where, err.msg);
	char *path = fx_data("truncated.json");
	size_t n = strlen(path);
	assert_true(strncmp(err.where, path, n) == 0 && err.where[n] == ':');
	int line = 0, col = 0;
	assert_int_equal(sscanf(err.where + n, ":%d:%d", &line, &col), 2);
	assert_true(line > 1 && col > 0);
	assert_int_equal(fx_count(fx->st, NULL), 0);
	assert_int_equal(rep.objects, 0);
	free(path);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

static int tlp_row(void *ctx, const store_row *row)
{
	(void)ctx;
	if (strcmp(row->id, "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f") == 0)
		assert_int_equal(row->tlp, TLP_GREEN); /* its own marking */
	else
		assert_int_equal(row->tlp, TLP_RED); /* the default */
	if (strcmp(row->type, "indicator") == 0)
		assert_null(strstr(row->json, stix_tlp_marking_id(TLP_RED))); /* JSON untouched */
	return 0;
}

static int domain_row(void *ctx, const store_row *row)
{
	int *seen = ctx;
	if (strcmp(row->id, "indicator--1f6b0ad4-95a8-4b8a-a4b0-9d2b1f0a6c11") != 0)
		return 0;
	assert_non_null(row->atoms);
	assert_int_equal(row->atoms->n, 1);
	assert_int_equal(row->atoms->v[0].kind, OBS_DOMAIN);
	assert_true(row->atoms->v[0].subdomains);
	assert_string_equal(row->atoms->v[0].value, "login.evil.example");
	(*seen)++;
	return 0;
}

/* The default TLP for objects without one; --subdomains on domain atoms. */
static void test_tlp_subdomains(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.default_tlp = TLP_RED;
	opts.subdomains = true;
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "good.json", &rep, &err), 0);
	store_filter f;
	store_filter_init(&f);
	assert_int_equal(store_object_list(fx->st, &f, tlp_row, NULL, &err), 0);
	int seen = 0;
	assert_int_equal(store_object_list(fx->st, &f, domain_row, &seen, &err), 0);
	assert_int_equal(seen, 1);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* Objects given as a JSON array and a lone object; a bundle with none. */
static void test_shapes(void **state)
{
	(void)state;
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_ctx *cx = ingest_ctx_new(NULL, &opts);
	char *path = fx_data("good.json");
	json_t *b = json_load_file(path, 0, NULL);
	assert_non_null(b);
	json_t *objects = json_object_get(b, "objects");
	char *array = json_dumps(objects, 0);
	char *one = json_dumps(json_array_get(objects, 1), JSON_INDENT(1));
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(ingest_buffer(cx, "array", array, strlen(array), &rep, &err), 0);
	assert_int_equal(rep.objects, GOOD_OBJECTS);
	assert_int_equal(rep.put[STORE_NEW], 0); /* no store: counted, not put */
	assert_int_equal(ingest_buffer(cx, "one", one, strlen(one), &rep, &err), 0);
	assert_int_equal(rep.objects, GOOD_OBJECTS + 1);
	assert_int_equal(rep.format, INGEST_STIX);
	const char *none = "{\"type\": \"bundle\", \"id\": "
			   "\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": []}";
	assert_int_equal(ingest_buffer(cx, "none.json", none, strlen(none), &rep, &err),
			 SOL_EINVALID);
	assert_string_equal(err.where, "none.json");
	assert_non_null(strstr(err.msg, "empty input"));
	/* A BOM and whitespace before the document. */
	char *bom = xasprintf("\xEF\xBB\xBF \n%s", one);
	assert_int_equal(ingest_buffer(cx, "bom.json", bom, strlen(bom), &rep, &err), 0);
	assert_int_equal(rep.objects, GOOD_OBJECTS + 2);
	free(bom);
	free(array);
	free(one);
	free(path);
	json_decref(b);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
}

/* The indicators importers create from values. */
static void test_indicator_new(void **state)
{
	(void)state;
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_ctx *cx = ingest_ctx_new(NULL, &opts);
	sol_time when;
	assert_int_equal(sol_time_parse("2026-01-02T03:04:05.678Z", &when), 0);
	obs_value v;
	assert_int_equal(obs_parse("evil.example", 12, OBS_NONE, &v), 0);

	json_t *a = ingest_indicator_new(cx, &v, true, NULL, "n", TLP_GREEN, NULL, when);
	json_t *b = ingest_indicator_new(cx, &v, true, NULL, "other name", TLP_RED, NULL, when);
	assert_string_equal(json_string_value(json_object_get(a, "pattern")),
			    "[domain-name:value = 'evil.example' OR domain-name:value LIKE "
			    "'%.evil.example']");
	assert_string_equal(json_string_value(json_object_get(a, "valid_from")),
			    "2026-01-02T03:04:05.678Z");
	/* The id depends on source and pattern only. */
	const char *id = json_string_value(json_object_get(a, "id"));
	assert_string_equal(id, json_string_value(json_object_get(b, "id")));
	assert_true(starts_with(id, "indicator--"));
	assert_true(sol_uuid_valid(id + 11, strlen(id + 11)));
	assert_int_equal(id[11 + 14], '5'); /* version 5 */
	stix_meta meta;
	sol_err err = {0};
	assert_int_equal(stix_object_check(a, "$", &meta, &err), 0);
	assert_int_equal(meta.tlp, TLP_GREEN);
	stix_meta_fini(&meta);

	json_t *c =
	    ingest_indicator_new(cx, &v, false, "0b6f1a55-8d7e-4c2a-9f3b-1e5d7c9a2b40", NULL,
				 TLP_NONE, "identity--023d105b-752e-4e3c-941c-7d3f3cb15e9e", when);
	assert_string_equal(json_string_value(json_object_get(c, "id")),
			    "indicator--0b6f1a55-8d7e-4c2a-9f3b-1e5d7c9a2b40");
	assert_string_equal(json_string_value(json_object_get(c, "pattern")),
			    "[domain-name:value = 'evil.example']");
	assert_null(json_object_get(c, "object_marking_refs"));
	assert_null(json_object_get(c, "name"));
	assert_non_null(json_object_get(c, "created_by_ref"));
	assert_int_equal(stix_object_check(c, "$", &meta, &err), 0);
	stix_meta_fini(&meta);

	ingest_opts_init(&opts);
	opts.source = "elsewhere";
	ingest_ctx *cx2 = ingest_ctx_new(NULL, &opts);
	json_t *d = ingest_indicator_new(cx2, &v, true, NULL, NULL, TLP_GREEN, NULL, when);
	assert_string_not_equal(id, json_string_value(json_object_get(d, "id")));

	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
	ingest_ctx_free(cx);
	ingest_ctx_free(cx2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bundle),    cmocka_unit_test(test_bad_object),
	    cmocka_unit_test(test_truncated), cmocka_unit_test(test_tlp_subdomains),
	    cmocka_unit_test(test_shapes),    cmocka_unit_test(test_indicator_new),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
