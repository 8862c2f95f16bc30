/*
 * test_lines.c - CSV and text lists (src/ingest/lines.c) through
 * ingest_path/ingest_buffer into a real SQLite store: the value table
 * data/text_values.txt, comments, BOM, CRLF, quoting, headers, --column,
 * defanged values, re-import, one bad line failing the whole file, the
 * skip_invalid report, overlong lines, format detection, and the shared
 * IOC lists with their expected counts.
 */
#include <stdio.h>
#include <time.h>

#include "ingest/ingest_int.h"
#include "ingest_test.h"

/* The pattern of the one indicator in st, or NULL; caller frees. */
static int pattern_row(void *ctx, const store_row *row)
{
	json_t *o = json_loads(row->json, 0, NULL);
	assert_non_null(o);
	*(char **)ctx = strdup(json_string_value(json_object_get(o, "pattern")));
	json_decref(o);
	return 0;
}

static char *only_pattern(store *st)
{
	assert_int_equal(fx_count(st, "indicator"), 1);
	store_filter f;
	store_filter_init(&f);
	char *pattern = NULL;
	sol_err err = {0};
	assert_int_equal(store_object_list(st, &f, pattern_row, &pattern, &err), 0);
	return pattern;
}

/*
 * The fast path (ingest_value) stores what the json_t path would: the
 * canonical bytes of ingest_indicator_new's object, and the atoms
 * stix_pattern_atoms finds in its pattern.
 */
static int fast_path_row(void *ctx, const store_row *row)
{
	(void)ctx;
	sol_err err = {0};
	json_t *o = stix_object_load(row->json, row->json_len, "$", &err);
	assert_non_null(o);
	char *canon = stix_object_dump(o, NULL);
	assert_string_equal(canon, row->json);

	sol_time when;
	assert_int_equal(sol_time_parse(json_string_value(json_object_get(o, "created")), &when),
			 0);
	const char *name = json_string_value(json_object_get(o, "name"));
	obs_value v;
	assert_int_equal(obs_parse(name, strlen(name), OBS_NONE, &v), 0);
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_ctx *cx = ingest_ctx_new(NULL, &opts);
	json_t *slow =
	    ingest_indicator_new(cx, &v, v.kind == OBS_DOMAIN, NULL, v.norm, TLP_AMBER, NULL, when);
	char *slow_json = stix_object_dump(slow, NULL);
	assert_string_equal(slow_json, row->json);

	stix_meta meta;
	assert_int_equal(stix_object_check(o, "$", &meta, &err), 0);
	assert_int_equal(meta.version, row->version);
	assert_int_equal(row->tlp, TLP_AMBER);
	stix_atoms atoms;
	stix_atoms_init(&atoms);
	assert_true(stix_pattern_atoms(meta.pattern, &atoms) > 0);
	assert_non_null(row->atoms);
	assert_int_equal(row->atoms->n, atoms.n);
	for (size_t i = 0; i < atoms.n; i++) {
		assert_int_equal(row->atoms->v[i].kind, atoms.v[i].kind);
		assert_int_equal(row->atoms->v[i].subdomains, atoms.v[i].subdomains);
		assert_string_equal(row->atoms->v[i].value, atoms.v[i].value);
	}
	stix_atoms_fini(&atoms);
	stix_meta_fini(&meta);
	free(slow_json);
	json_decref(slow);
	ingest_ctx_free(cx);
	free(canon);
	json_decref(o);
	return 0;
}

/* "\t", "\r", "\\" in a table line. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'r' ? '\r' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static void test_text_values(void **state)
{
	(void)state;
	char *path = fx_data("text_values.txt");
	char *table = test_read_file(path, NULL);
	char *dir = test_tmpdir();
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.format = INGEST_TEXT;
	int cases = 0;
	for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' && !strstr(line, " => "))
			continue;
		char *sep = NULL;
		for (char *p = strstr(line, " => "); p; p = strstr(p + 1, " => "))
			sep = p;
		assert_non_null(sep);
		*sep = '\0';
		const char *want = sep + 4;
		unescape(line);

		char db[32];
		snprintf(db, sizeof db, "case%d.db", cases++);
		char *dbpath = test_path(dir, db);
		store *st;
		sol_err err = {0};
		assert_int_equal(store_open(dbpath, &st, &err), 0);
		ingest_report rep;
		ingest_report_init(&rep);
		int rc = fx_import_text(st, &opts, "case", line, &rep, &err);
		print_message("case '%s' => %s: rc %d %s %s\n", line, want, rc, err.where, err.msg);
		if (strcmp(want, "skip") == 0) {
			assert_int_equal(rc, SOL_EINVALID);
			assert_non_null(strstr(err.msg, "empty input"));
		} else if (strcmp(want, "reject") == 0) {
			assert_int_equal(rc, SOL_EINVALID);
			assert_string_equal(err.where, "case:1");
			assert_non_null(
			    strstr(err.msg, "is not an IP, domain, URL, hash or email"));
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(rep.put[STORE_NEW], 1);
			char *pattern = only_pattern(st);
			assert_string_equal(pattern, want);
			free(pattern);
			store_filter f;
			store_filter_init(&f);
			assert_int_equal(store_object_list(st, &f, fast_path_row, NULL, &err), 0);
		}
		ingest_report_fini(&rep);
		store_close(st);
		free(dbpath);
	}
	assert_true(cases > 20);
	test_tmpdir_remove(dir);
	free(table);
	free(path);
}

/* BOM, CRLF, comments, blank lines, every kind, defanged; then again. */
static void test_text_file(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "list.txt", &rep, &err), 0);
	assert_int_equal(rep.format, INGEST_TEXT);
	assert_int_equal(rep.objects, 13);
	assert_int_equal(rep.put[STORE_NEW], 13);
	assert_int_equal(rep.skipped_lines, 5);
	assert_int_equal(rep.rejected, 0);
	assert_int_equal(fx_tally(&rep.types, "indicator"), 13);
	assert_int_equal(rep.unmatchable.n, 0);
	assert_int_equal(fx_count(fx->st, "indicator"), 13);
	char *before = fx_snapshot(fx->st);

	/* The same list again changes nothing. */
	ingest_report again;
	ingest_report_init(&again);
	assert_int_equal(fx_import(fx->st, &opts, "list.txt", &again, &err), 0);
	assert_int_equal(again.put[STORE_UNCHANGED], 13);
	assert_int_equal(again.put[STORE_NEW], 0);
	char *after = fx_snapshot(fx->st);
	assert_string_equal(before, after);

	/* Another source is another set of objects. */
	opts.source = "other";
	ingest_report other;
	ingest_report_init(&other);
	assert_int_equal(fx_import(fx->st, &opts, "list.txt", &other, &err), 0);
	assert_int_equal(other.put[STORE_NEW], 13);
	assert_int_equal(fx_count(fx->st, "indicator"), 26);

	free(before);
	free(after);
	ingest_report_fini(&rep);
	ingest_report_fini(&again);
	ingest_report_fini(&other);
	test_store_close(fx);
}

static int tlp_row(void *ctx, const store_row *row)
{
	const char *gre = stix_tlp_marking_id(TLP_GREEN);
	json_t *o = json_loads(row->json, 0, NULL);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(o, "object_marking_refs"), 0)), gre);
	assert_string_equal(json_string_value(json_object_get(o, "valid_until")),
			    "2030-01-01T00:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(o, "name")), "198.51.100.7");
	assert_int_equal(row->tlp, TLP_GREEN);
	assert_int_equal(row->valid_until, *(sol_time *)ctx);
	json_decref(o);
	return 0;
}

/* The indicator carries the default TLP, valid_until and the value as name. */
static void test_indicator_fields(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.default_tlp = TLP_GREEN;
	assert_int_equal(sol_time_parse("2030-01-01T00:00:00Z", &opts.valid_until), 0);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import_text(fx->st, &opts, "one.txt", "198.51.100.7\n", &rep, &err), 0);
	store_filter f;
	store_filter_init(&f);
	assert_int_equal(store_object_list(fx->st, &f, tlp_row, &opts.valid_until, &err), 0);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* Header, RFC 4180 quoting, the first field that parses. */
static void test_csv_file(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "list.csv", &rep, &err), 0);
	assert_int_equal(rep.format, INGEST_CSV);
	assert_int_equal(rep.objects, 3);
	assert_int_equal(rep.skipped_lines, 1); /* the header */
	store_filter f;
	store_filter_init(&f);
	f.value = "http://bad2.example/a,b";
	assert_int_equal(store_object_list(fx->st, &f, count_row, &(int64_t){0}, &err), 0);
	int64_t n = 0;
	assert_int_equal(store_object_list(fx->st, &f, count_row, &n, &err), 0);
	assert_int_equal(n, 1);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

/* --column picks the field; ';' is detected; a quoted ';' stays inside. */
static void test_csv_column(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.column = 3;
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "columns.csv", &rep, &err), 0);
	assert_int_equal(rep.objects, 2);
	assert_int_equal(rep.skipped_lines, 1);

	/* A column the rows do not have. */
	opts.column = 9;
	ingest_report bad;
	ingest_report_init(&bad);
	assert_int_equal(fx_import(fx->st, &opts, "columns.csv", &bad, &err), SOL_EINVALID);
	assert_true(strstr(err.where, "columns.csv:2") != NULL);
	assert_string_equal(err.msg, "no column 9");
	ingest_report_fini(&bad);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

static void test_csv_bad(void **state)
{
	(void)state;
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.format = INGEST_CSV;
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	ingest_ctx *cx = ingest_ctx_new(NULL, &opts);
	const char *quote = "198.51.100.1,a\n\"198.51.100.2,b\n";
	assert_int_equal(ingest_buffer(cx, "q.csv", quote, strlen(quote), &rep, &err), SOL_EPARSE);
	assert_string_equal(err.where, "q.csv:2");
	assert_string_equal(err.msg, "unterminated quote");
	const char *none = "198.51.100.1,a\nfoo,bar\n";
	assert_int_equal(ingest_buffer(cx, "n.csv", none, strlen(none), &rep, &err), SOL_EINVALID);
	assert_string_equal(err.where, "n.csv:2");
	assert_string_equal(err.msg, "'foo' is not an IP, domain, URL, hash or email");
	assert_int_equal(rep.objects, 0); /* failures leave the report alone */
	ingest_ctx_free(cx);
	ingest_report_fini(&rep);
}

/* A bad line fails the whole file; skip_invalid keeps the good ones. */
static void test_bad_line(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "list.txt", &rep, &err), 0);
	char *before = fx_snapshot(fx->st);

	assert_int_equal(fx_import(fx->st, &opts, "bad.txt", &rep, &err), SOL_EINVALID);
	char *path = fx_data("bad.txt");
	char *where = xasprintf("%s:3", path);
	assert_string_equal(err.where, where);
	assert_string_equal(err.msg, "'badvalue' is not an IP, domain, URL, hash or email");
	char *after = fx_snapshot(fx->st);
	assert_string_equal(before, after);
	assert_int_equal(rep.objects, 13); /* the report of list.txt only */
	assert_int_equal(rep.rejected, 0);

	opts.skip_invalid = true;
	assert_int_equal(fx_import(fx->st, &opts, "bad.txt", &rep, &err), 0);
	assert_int_equal(rep.objects, 16);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(rep.n_rejects, 1);
	assert_string_equal(rep.rejects[0].where, where);
	assert_string_equal(rep.rejects[0].msg,
			    "'badvalue' is not an IP, domain, URL, hash or email");
	assert_int_equal(fx_count(fx->st, "indicator"), 16);
	free(before);
	free(after);
	free(where);
	free(path);
	ingest_report_fini(&rep);
	test_store_close(fx);
}

static void test_empty(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	static const char *const inputs[] = {
	    "", "\n\n", "  \t\r\n", "\xEF\xBB\xBF", "# only\n// comments\n", "a,b,c\n"};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		ingest_report rep;
		ingest_report_init(&rep);
		sol_err err = {0};
		assert_int_equal(fx_import_text(fx->st, &opts, "empty.txt", inputs[i], &rep, &err),
				 SOL_EINVALID);
		assert_string_equal(err.where, "empty.txt");
		assert_non_null(strstr(err.msg, "empty input"));
		assert_int_equal(rep.objects + rep.skipped_lines, 0);
		ingest_report_fini(&rep);
	}
	char *p = test_path(fx->dir, "empty.csv");
	test_write_file(p, "", 0);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, p, &rep, &err), SOL_EINVALID);
	assert_string_equal(err.where, p);
	assert_int_equal(fx_import(fx->st, &opts, "/nonexistent/x.txt", &rep, &err), SOL_EIO);
	ingest_report_fini(&rep);
	free(p);
	test_store_close(fx);
}

/* A line over INGEST_MAX_LINE is an error at its line, or a rejection. */
static void test_overlong(void **state)
{
	(void)state;
	size_t big = INGEST_MAX_LINE + 10;
	char *text = malloc(big + 64);
	strcpy(text, "198.51.100.1\n");
	size_t n = strlen(text);
	memset(text + n, 'a', big);
	n += big;
	strcpy(text + n, "\n198.51.100.2\n");
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_ctx *cx = ingest_ctx_new(NULL, &opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(ingest_buffer(cx, "long.txt", text, strlen(text), &rep, &err),
			 SOL_ETOOBIG);
	assert_string_equal(err.where, "long.txt:2");
	ingest_ctx_free(cx);
	opts.skip_invalid = true;
	cx = ingest_ctx_new(NULL, &opts);
	assert_int_equal(ingest_buffer(cx, "long.txt", text, strlen(text), &rep, &err), 0);
	assert_int_equal(rep.objects, 2);
	assert_int_equal(rep.rejected, 1);
	assert_string_equal(rep.rejects[0].where, "long.txt:2");
	/* The same line last, without a newline. */
	text[n] = '\0';
	assert_int_equal(ingest_buffer(cx, "end.txt", text, n, &rep, &err), 0);
	assert_int_equal(rep.rejected, 2);
	assert_string_equal(rep.rejects[1].where, "end.txt:2");
	ingest_ctx_free(cx);
	ingest_report_fini(&rep);
	free(text);
}

static void test_detect(void **state)
{
	(void)state;
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_ctx *cx = ingest_ctx_new(NULL, &opts);
	static const struct {
		const char *name, *text;
		int rc;
		ingest_format fmt;
	} cases[] = {
	    {"a.txt", "198.51.100.1\nevil.example\n", 0, INGEST_TEXT},
	    {"a.txt", "198.51.100.1,x\n198.51.100.2,y\n", 0, INGEST_CSV},
	    {"a.txt", "198.51.100.1\tx\n# c\n198.51.100.2\ty\n", 0, INGEST_CSV},
	    {"a.txt", "http://evil.example/a,b\n198.51.100.2\n", 0, INGEST_TEXT},
	    {"a.csv", "http://evil.example/a;b\n", 0, INGEST_CSV},
	    {"a.json", "{\"name\": \"x\"}", SOL_EPARSE, INGEST_AUTO},
	    {"a", "[1, 2]", SOL_EPARSE, INGEST_AUTO},
	    {"a.json", "198.51.100.1\n", SOL_EPARSE, INGEST_AUTO},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ingest_report rep;
		ingest_report_init(&rep);
		sol_err err = {0};
		int rc = ingest_buffer(cx, cases[i].name, cases[i].text, strlen(cases[i].text),
				       &rep, &err);
		print_message("detect %zu: %d %s %s\n", i, rc, err.where, err.msg);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0)
			assert_int_equal(rep.format, cases[i].fmt);
		else
			assert_string_equal(err.where, cases[i].name);
		ingest_report_fini(&rep);
	}
	ingest_ctx_free(cx);
}

/* "-" reads standard input; errors name it "stdin". */
static void test_stdin(void **state)
{
	(void)state;
	fixture *fx = test_store_open();
	char *p = test_path(fx->dir, "in.txt");
	const char *text = "198.51.100.1\n198.51.100.2\nnope\n";
	test_write_file(p, text, strlen(text));
	assert_non_null(freopen(p, "r", stdin));
	ingest_opts opts;
	ingest_opts_init(&opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	assert_int_equal(fx_import(fx->st, &opts, "-", &rep, &err), SOL_EINVALID);
	assert_string_equal(err.where, "stdin:3");
	assert_non_null(freopen(p, "r", stdin));
	opts.skip_invalid = true;
	assert_int_equal(fx_import(fx->st, &opts, "-", &rep, &err), 0);
	assert_int_equal(rep.objects, 2);
	assert_string_equal(rep.rejects[0].where, "stdin:3");
	ingest_report_fini(&rep);
	free(p);
	test_store_close(fx);
}

/* The shared IOC lists, with counts worked out from the files. */
static void shared_list(const char *rel, int64_t objects, int64_t fresh, int64_t skipped,
			int64_t rejected, ingest_format fmt)
{
	char *path = test_shared_path(rel);
	fixture *fx = test_store_open();
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.skip_invalid = rejected > 0;
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = fx_import(fx->st, &opts, path, &rep, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("%s: rc %d %s %s; %lld objects, %lld new, %lld skipped lines in %.2f s "
		      "(%.0f lines/s)\n",
		      rel, rc, err.where, err.msg, (long long)rep.objects,
		      (long long)rep.put[STORE_NEW], (long long)rep.skipped_lines, s,
		      (double)(rep.objects + rep.skipped_lines) / s);
	assert_int_equal(rc, 0);
	assert_int_equal(rep.format, fmt);
	assert_int_equal(rep.objects, objects);
	assert_int_equal(rep.put[STORE_NEW], fresh);
	assert_int_equal(rep.put[STORE_UNCHANGED], objects - fresh);
	assert_int_equal(rep.skipped_lines, skipped);
	assert_int_equal(rep.rejected, rejected);
	assert_int_equal(fx_count(fx->st, "indicator"), fresh);
	ingest_report_fini(&rep);
	test_store_close(fx);
	free(path);
}

static void test_shared_ipsum(void **state)
{
	(void)state;
	shared_list("iocs/ipsum.txt", 120430, 120430, 7, 0, INGEST_CSV);
}

static void test_shared_blp(void **state)
{
	(void)state;
	shared_list("iocs/blp-phishing.txt", 190193, 190193, 13, 22, INGEST_TEXT);
}

static void test_shared_sigbase(void **state)
{
	(void)state;
	shared_list("iocs/sigbase-hash-iocs.txt", 3224, 3053, 133, 0, INGEST_CSV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_values),
	    cmocka_unit_test(test_text_file),
	    cmocka_unit_test(test_indicator_fields),
	    cmocka_unit_test(test_csv_file),
	    cmocka_unit_test(test_csv_column),
	    cmocka_unit_test(test_csv_bad),
	    cmocka_unit_test(test_bad_line),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_overlong),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_stdin),
	    cmocka_unit_test(test_shared_ipsum),
	    cmocka_unit_test(test_shared_blp),
	    cmocka_unit_test(test_shared_sigbase),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
