/*
 * test_pipe.c - the store thread of list imports (src/ingest/pipe.c),
 * driven directly: puts come out in input order and counted, a drain in
 * the middle hands the store back to the reading thread (the slow path
 * of ingest_value), a put that fails in the store thread is returned to
 * the reader, and a cancelled pipe stops without error. The imports
 * through ingest_path that start the pipe are in test_lines.c.
 */
#include <stdio.h>

#include "ingest/ingest_int.h"
#include "ingest_test.h"

#define PIPE_TEST_VALUES 3000 /* several rings' worth of puts */

typedef struct order {
	int64_t next; /* the value number the next row must have */
	bool sorted;  /* every row so far came in input order */
} order;

/* Rows in date_added order: their names, "10.0.x.y", count up. */
static int order_row(void *ctx, const store_row *row)
{
	order *o = ctx;
	const char *name = strstr(row->json, "\"name\":\"10.0.");
	if (!name)
		return 0; /* the non-ASCII ones */
	unsigned hi, lo;
	assert_int_equal(sscanf(name + 13, "%u.%u", &hi, &lo), 2);
	o->sorted = o->sorted && (int64_t)(hi * 256 + lo) == o->next;
	o->next++;
	return 0;
}

/* A context importing into st as ingest_path would, with its pipe. */
static ingest_ctx *import_begin(store *st, ingest_report *rep)
{
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.source = "pipe-test";
	ingest_ctx *cx = ingest_ctx_new(st, &opts);
	ingest_report_init(rep);
	cx->rep = rep;
	sol_err err = {0};
	assert_int_equal(store_begin(st, &err), 0);
	cx->pipe = ingest_pipe_start(cx, true);
	assert_non_null(cx->pipe);
	return cx;
}

static void value_put(ingest_ctx *cx, const char *text, sol_time when)
{
	obs_value v;
	sol_err err = {0};
	assert_int_equal(obs_parse(text, strlen(text), OBS_NONE, &v), 0);
	assert_int_equal(ingest_value(cx, &v, false, when, "t", &err), 0);
}

static void test_pipe_order_and_counts(void **state)
{
	(void)state;
	test_store *fx = test_store_open();
	ingest_report rep;
	ingest_ctx *cx = import_begin(fx->st, &rep);
	sol_time when = sol_time_now();
	for (int i = 0; i < PIPE_TEST_VALUES; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.0.%d.%d", i / 256, i % 256);
		value_put(cx, ip, when);
		if (i % 1000 == 999) { /* a value only the slow path takes: a drain */
			obs_value v = {.kind = OBS_DOMAIN};
			snprintf(v.norm, sizeof v.norm,
				 "b\xc3\xbc"
				 "cher%d.example",
				 i);
			v.len = strlen(v.norm);
			sol_err err = {0};
			assert_int_equal(ingest_value(cx, &v, false, when, "t", &err), 0);
		}
	}
	value_put(cx, "10.0.0.0", when); /* again: unchanged */
	sol_err err = {0};
	assert_int_equal(ingest_pipe_stop(cx->pipe, false, &err), 0);
	cx->pipe = NULL;
	assert_int_equal(store_commit(fx->st, &err), 0);

	int64_t n = PIPE_TEST_VALUES + PIPE_TEST_VALUES / 1000;
	assert_int_equal(rep.objects, n + 1);
	assert_int_equal(rep.put[STORE_NEW], n);
	assert_int_equal(rep.put[STORE_UNCHANGED], 1);
	assert_int_equal(fx_tally(&rep.types, "indicator"), n + 1);
	assert_int_equal(fx_count(fx->st, "indicator"), n);
	order o = {0, true};
	store_filter f;
	store_filter_init(&f);
	assert_int_equal(store_object_list(fx->st, &f, order_row, &o, &err), 0);
	assert_int_equal(o.next, PIPE_TEST_VALUES);
	assert_true(o.sorted);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	test_store_close(fx);
}

/* A put the store refuses, made in the store thread, reaches the reader. */
static void test_pipe_put_error(void **state)
{
	(void)state;
	test_store *fx = test_store_open();
	ingest_report rep;
	ingest_ctx *cx = import_begin(fx->st, &rep);
	stix_meta bad = {.type = "indicator",
			 .id = "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
			 .category = STIX_SDO,
			 .confidence = -1,
			 .tlp = TLP_AMBER,
			 .valid_until = SOL_TIME_NONE};
	stix_atoms none;
	stix_atoms_init(&none);
	sol_err err = {0};
	const char *json = "{\"type\":\"indicator\"}";
	assert_int_equal(ingest_pipe_put(cx->pipe, &bad, json, strlen(json), &none, true, &err), 0);
	int rc = 0;
	for (int i = 0; i < 4 * PIPE_TEST_VALUES && rc == 0; i++) /* until the reader sees it */
		rc = ingest_pipe_put(cx->pipe, &bad, json, strlen(json), &none, true, &err);
	assert_int_equal(rc, SOL_EINVALID);
	assert_string_equal(err.where, bad.id);
	sol_err again = {0};
	assert_int_equal(ingest_pipe_drain(cx->pipe, &again), SOL_EINVALID);
	assert_int_equal(ingest_pipe_stop(cx->pipe, false, &again), SOL_EINVALID);
	assert_string_equal(again.msg, err.msg);
	cx->pipe = NULL;
	store_rollback(fx->st);
	assert_int_equal(rep.objects, 0);
	assert_int_equal(fx_count(fx->st, NULL), 0);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	test_store_close(fx);
}

/* The reader failed: stop drops the queue and reports nothing. */
static void test_pipe_cancel(void **state)
{
	(void)state;
	test_store *fx = test_store_open();
	ingest_report rep;
	ingest_ctx *cx = import_begin(fx->st, &rep);
	sol_time when = sol_time_now();
	for (int i = 0; i < PIPE_TEST_VALUES; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.1.%d.%d", i / 256, i % 256);
		value_put(cx, ip, when);
	}
	sol_err err = {0};
	assert_int_equal(ingest_pipe_stop(cx->pipe, true, &err), 0);
	assert_int_equal(err.code, 0);
	cx->pipe = NULL;
	assert_true(rep.objects <= PIPE_TEST_VALUES);
	store_rollback(fx->st);
	assert_int_equal(fx_count(fx->st, NULL), 0);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	test_store_close(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pipe_order_and_counts),
	    cmocka_unit_test(test_pipe_put_error),
	    cmocka_unit_test(test_pipe_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
