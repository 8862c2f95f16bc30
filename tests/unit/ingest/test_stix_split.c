/*
 * test_stix_split.c - STIX imports whose elements are parsed on both
 * threads (src/ingest/stix_import.c and pipe.c): bundles large enough
 * that the store thread takes elements store exactly the canonical bytes
 * of every object, in input order, with conflicts detected and counted as
 * the serial path counts them; a bad object deep inside fails the whole
 * import with its JSON path, and with skip_invalid the rejections come in
 * input order; malformed JSON deep inside gets the line:col the serial
 * reader (stix_bundle_next) gives. The pipe is also driven directly: an
 * element queued before the reader's own failure is the error reported.
 */
#include <stdio.h>

#include "ingest/ingest_int.h"
#include "ingest_test.h"

#define SPLIT_OBJECTS 3000 /* several times PIPE_AHEAD of elements */
#define SPLIT_BIG_EVERY 50 /* every 50th object carries a large description */

/* Object i of the test bundle, a new reference: an indicator named
 * "obj-<i>", every 7th a sigma one (not line-matchable). */
static json_t *split_object(int i)
{
	char id[64], name[32], pattern[64];
	snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", i);
	snprintf(name, sizeof name, "obj-%05d", i);
	snprintf(pattern, sizeof pattern, "[ipv4-addr:value = '10.%d.%d.%d']", i >> 16,
		 (i >> 8) & 255, i & 255);
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator", "spec_version",
	    "2.1", "id", id, "created", "2024-01-01T00:00:00.000Z", "modified",
	    "2024-01-01T00:00:00.000Z", "name", name, "pattern", i % 7 == 6 ? "title: x" : pattern,
	    "pattern_type", i % 7 == 6 ? "sigma" : "stix", "valid_from", "2024-01-01T00:00:00Z");
	if (i % SPLIT_BIG_EVERY == 0) { /* about 20 KiB, with escapes and UTF-8 */
		static const char phrase[] = "desc \"quoted\" \\ and \xc3\xa9 text\n";
		sol_buf d;
		buf_init(&d, SIZE_MAX);
		while (d.len < 20000)
			buf_puts(&d, phrase);
		json_object_set_new(o, "description", json_string(d.data));
		buf_fini(&d);
	}
	return o;
}

/* The bundle text: objects 0..n-1, pretty-printed, where `edit` (if not
 * NULL) may replace object i; caller frees. */
static char *split_bundle(int n, json_t *(*edit)(int i, json_t *o))
{
	json_t *objects = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = split_object(i);
		json_array_append_new(objects, edit ? edit(i, o) : o);
	}
	json_t *b = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id",
			      "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects", objects);
	char *text = json_dumps(b, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(b);
	return text;
}

/* Write text to dir/name; the path, which the caller frees. */
static char *split_write(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

typedef struct seen {
	int next;     /* the object number the next row must have */
	bool sorted;  /* every row so far came in input order */
	bool same;    /* every row's JSON is the object's canonical dump */
	int skip_mod; /* numbers i with i % skip_mod == skip_mod - 1 are absent (0: none) */
} seen;

/* Rows in date_added order: object numbers count up, bytes are canonical. */
static int seen_row(void *ctx, const store_row *row)
{
	seen *s = ctx;
	while (s->skip_mod && s->next % s->skip_mod == s->skip_mod - 1)
		s->next++;
	int i = -1;
	const char *name = strstr(row->json, "\"name\":\"obj-");
	assert_non_null(name);
	assert_int_equal(sscanf(name + 12, "%d", &i), 1);
	s->sorted = s->sorted && i == s->next;
	json_t *o = split_object(i);
	char *canon = stix_object_dump(o, NULL);
	s->same = s->same && strcmp(canon, row->json) == 0;
	free(canon);
	json_decref(o);
	s->next++;
	return 0;
}

/* Object 2 again, renamed: same id and modified, other content. */
static json_t *edit_twin(int i, json_t *o)
{
	if (i != SPLIT_OBJECTS - 1)
		return o;
	json_decref(o);
	json_t *t = split_object(2);
	json_object_set_new(t, "name", json_string("obj-00002 renamed"));
	return t;
}

static void test_split_order_and_bytes(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *text = split_bundle(SPLIT_OBJECTS, edit_twin);
	char *path = split_write(fx->dir, "big.json", text);
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, path, &rep, &err), 0);
	assert_int_equal(rep.objects, SPLIT_OBJECTS);
	assert_int_equal(rep.put[STORE_NEW], SPLIT_OBJECTS - 1);
	assert_int_equal(rep.put[STORE_CONFLICT], 1);
	int sigma = 0;
	for (int i = 0; i < SPLIT_OBJECTS - 1; i++)
		sigma += i % 7 == 6;
	assert_int_equal(fx_tally(&rep.unmatchable, "pattern_type sigma"), sigma);

	seen s = {0, true, true, 0};
	store_filter f;
	store_filter_init(&f);
	assert_int_equal(store_object_list(fx->st, &f, seen_row, &s, &err), 0);
	assert_int_equal(s.next, SPLIT_OBJECTS - 1);
	assert_true(s.sorted);
	assert_true(s.same);
	char *snap = fx_snapshot(fx->st);
	assert_null(strstr(snap, "renamed")); /* the first version is kept */
	free(snap);

	ingest_report_fini(&rep);
	free(path);
	free(text);
	test_store_close(fx);
}

/* Every 997th object gets a pattern that does not parse. */
static json_t *edit_bad(int i, json_t *o)
{
	if (i % 997 == 996)
		json_object_set_new(o, "pattern", json_string("[ipv4-addr:value = "));
	if (i % 997 == 996)
		json_object_set_new(o, "pattern_type", json_string("stix"));
	return o;
}

static void test_split_bad_deep(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *text = split_bundle(SPLIT_OBJECTS, edit_bad);
	char *path = split_write(fx->dir, "bad.json", text);
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_true(fx_import(fx->st, &opts, path, &rep, &err) < 0);
	char *where = xasprintf("%s:$.objects[996].pattern", path);
	assert_string_equal(err.where, where);
	free(where);
	assert_int_equal(fx_count(fx->st, NULL), 0);
	assert_int_equal(rep.objects, 0);

	opts.skip_invalid = true;
	assert_int_equal(fx_import(fx->st, &opts, path, &rep, &err), 0);
	int bad = SPLIT_OBJECTS / 997;
	assert_int_equal(rep.rejected, bad);
	assert_int_equal(rep.objects, SPLIT_OBJECTS - bad);
	for (int k = 0; k < bad; k++) { /* in input order, whichever thread read them */
		where = xasprintf("%s:$.objects[%d].pattern", path, 997 * k + 996);
		assert_string_equal(rep.rejects[k].where, where);
		free(where);
	}
	seen s = {0, true, true, 997};
	store_filter f;
	store_filter_init(&f);
	assert_int_equal(store_object_list(fx->st, &f, seen_row, &s, &err), 0);
	assert_true(s.sorted);
	assert_true(s.same);
	assert_int_equal(fx_count(fx->st, NULL), SPLIT_OBJECTS - bad);

	ingest_report_fini(&rep);
	free(path);
	free(text);
	test_store_close(fx);
}

/* The error the serial reader gives for the document at path. */
static int serial_error(const char *path, sol_err *err)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	stix_bundle_reader *r = stix_bundle_reader_new(f);
	json_t *obj;
	const char *at;
	int rc;
	while ((rc = stix_bundle_next(r, &obj, &at, err)) == 1)
		json_decref(obj);
	stix_bundle_reader_free(r);
	fclose(f);
	return rc;
}

static void test_split_malformed_deep(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *text = split_bundle(SPLIT_OBJECTS, NULL);
	/* A doubled comma inside object 2500 (after its "name" member). */
	char *name = strstr(text, "\"obj-02500\",");
	assert_non_null(name);
	size_t at = (size_t)(name - text) + strlen("\"obj-02500\",");
	char *bad = xasprintf("%.*s,%s", (int)at, text, text + at);
	char *path = split_write(fx->dir, "malformed.json", bad);
	sol_err want = {0};
	assert_int_equal(serial_error(path, &want), SOL_EPARSE);
	assert_non_null(strstr(want.msg, "in $.objects[2500]: "));

	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.skip_invalid = true; /* malformed JSON is never skipped */
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, path, &rep, &err), SOL_EPARSE);
	char *where = xasprintf("%s:%s", path, want.where);
	assert_string_equal(err.where, where);
	assert_string_equal(err.msg, want.msg);
	assert_int_equal(fx_count(fx->st, NULL), 0);

	free(where);
	ingest_report_fini(&rep);
	free(path);
	free(bad);
	free(text);
	test_store_close(fx);
}

/* The reader fails after handing over an element that fails first: the
 * element's error is the one reported, cancel or not. */
static void test_split_element_error_wins(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_ctx *cx = ingest_ctx_new(fx->st, &opts);
	ingest_report rep;
	ingest_report_init(&rep);
	cx->rep = &rep;
	sol_err err = {0};
	assert_int_equal(store_begin(fx->st, &err), 0);
	ingest_pipe *p = ingest_pipe_start(cx, false);
	assert_non_null(p);
	json_t *o = split_object(1);
	json_object_set_new(o, "pattern", json_string("[ipv4-addr:value = "));
	char *text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	stix_element el = {text, strlen(text), 40, 5, "$.objects[7]"};
	assert_int_equal(ingest_pipe_put_element(p, &el, &err), 1); /* an idle store thread */
	assert_int_equal(ingest_pipe_stop(p, true, &err), SOL_EPARSE);
	assert_string_equal(err.where, "$.objects[7].pattern");

	/* Malformed: line:col in the document, with the path in the message. */
	p = ingest_pipe_start(cx, false);
	el.len = strlen(text) - 3;
	assert_int_equal(ingest_pipe_put_element(p, &el, &err), 1);
	assert_int_equal(ingest_pipe_stop(p, true, &err), SOL_EPARSE);
	assert_true(starts_with(err.msg, "in $.objects[7]: "));
	long line = 0, col = 0;
	assert_int_equal(sscanf(err.where, "%ld:%ld", &line, &col), 2);
	assert_true(line > 40); /* counted from the element's place */

	store_rollback(fx->st);
	assert_int_equal(fx_count(fx->st, NULL), 0);
	free(text);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	test_store_close(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_order_and_bytes),
	    cmocka_unit_test(test_split_bad_deep),
	    cmocka_unit_test(test_split_malformed_deep),
	    cmocka_unit_test(test_split_element_error_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
