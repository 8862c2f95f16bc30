/*
 * test_bundle.c - the streamed bundle reader (src/stix/bundle.c).
 *
 * Small documents in memory (fmemopen) cover the shapes the reader
 * accepts (bundle, TAXII envelope, array, single object) and the ways a
 * document can be malformed; every prefix of a document must end in an
 * error, never in a silently shorter list; caps are tested with real files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "testlib.h"

#define U1 "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
#define U2 "a2e1b6a4-5b5e-4c6f-9b4e-2e7f0b6c1d3a"
#define OBJ1 "{\"type\":\"x-a\",\"id\":\"x-a--" U1 "\"}"
#define OBJ2 "{\"type\":\"x-b\",\"id\":\"x-b--" U2 "\",\"n\":[1,{\"s\":\"]}\\\"\"}]}"
#define BUNDLE_ID "\"id\":\"bundle--" U2 "\""

typedef struct result {
	int rc;          /* last stix_bundle_next return */
	size_t n;        /* objects yielded */
	char paths[512]; /* their paths, space-separated */
	char types[512]; /* their types, space-separated */
	sol_err err;     /* the error, if rc < 0 */
} result;

/* Read every object of a stream; stop at the end or the first error. */
static void read_stream(FILE *f, result *res)
{
	memset(res, 0, sizeof *res);
	stix_bundle_reader *r = stix_bundle_reader_new(f);
	json_t *obj;
	const char *path;
	while ((res->rc = stix_bundle_next(r, &obj, &path, &res->err)) == 1) {
		assert_non_null(obj);
		assert_true(json_is_object(obj));
		size_t len = strlen(res->paths);
		snprintf(res->paths + len, sizeof res->paths - len, "%s%s", len ? " " : "", path);
		const char *type = json_string_value(json_object_get(obj, "type"));
		len = strlen(res->types);
		snprintf(res->types + len, sizeof res->types - len, "%s%s", len ? " " : "",
			 type ? type : "?");
		json_decref(obj);
		res->n++;
	}
	assert_null(obj);
	if (res->rc < 0) { /* errors are sticky */
		sol_err again;
		assert_int_equal(stix_bundle_next(r, &obj, &path, &again), res->rc);
		assert_string_equal(again.where, res->err.where);
	} else {
		assert_int_equal(stix_bundle_next(r, &obj, &path, NULL), 0);
	}
	stix_bundle_reader_free(r);
}

static void read_doc(const char *doc, size_t len, result *res)
{
	/* fmemopen of 0 bytes is refused: read an empty file instead */
	FILE *f = len ? fmemopen((void *)doc, len, "r") : fopen("/dev/null", "r");
	assert_non_null(f);
	read_stream(f, res);
	fclose(f);
}

static void read_str(const char *doc, result *res)
{
	read_doc(doc, strlen(doc), res);
}

/* The document must be read to the end with these paths and types. */
static void expect_ok(const char *doc, const char *paths, const char *types)
{
	result res;
	read_str(doc, &res);
	if (res.rc != 0)
		fail_msg("%s\n  error %s: %s", doc, res.err.where, res.err.msg);
	assert_string_equal(res.paths, paths);
	if (types)
		assert_string_equal(res.types, types);
}

/* The document must fail with code at where, msg containing part. */
static void expect_error(const char *doc, int code, const char *where, const char *part)
{
	result res;
	read_str(doc, &res);
	if (res.rc != code || strcmp(res.err.where, where) != 0 || !strstr(res.err.msg, part))
		fail_msg("%s\n  want %d %s: ...%s...\n  got  %d %s: %s", doc, code, where, part,
			 res.rc, res.err.where, res.err.msg);
}

static void test_shapes(void **state)
{
	(void)state;
	/* bundle, members in any order, spec_version (a STIX 2.0 leftover) accepted */
	expect_ok("{\"type\":\"bundle\"," BUNDLE_ID ",\"objects\":[" OBJ1 "," OBJ2 "," OBJ1 "]}",
		  "$.objects[0] $.objects[1] $.objects[2]", "x-a x-b x-a");
	expect_ok("{\"objects\":[" OBJ1 "],\"spec_version\":\"2.0\"," BUNDLE_ID
		  ",\"type\":\"bundle\"}",
		  "$.objects[0]", "x-a");
	expect_ok("\n\t{ \"type\" : \"bundle\" , " BUNDLE_ID " , \"objects\" : [ \n" OBJ2
		  " \r\n, " OBJ1 " ] }\n\n",
		  "$.objects[0] $.objects[1]", "x-b x-a");
	expect_ok("{\"type\":\"bundle\"," BUNDLE_ID ",\"objects\":[]}", "", NULL);
	/* TAXII envelopes */
	expect_ok("{\"more\":true,\"next\":\"abc\",\"objects\":[" OBJ1 "," OBJ2 "]}",
		  "$.objects[0] $.objects[1]", "x-a x-b");
	expect_ok("{\"objects\":[" OBJ1 "],\"more\":false}", "$.objects[0]", "x-a");
	expect_ok("{}", "", NULL);
	expect_ok("{\"more\":false}", "", NULL);
	expect_ok("{\"objects\":[]}", "", NULL);
	/* top-level arrays */
	expect_ok("[" OBJ1 "," OBJ2 "]", "$[0] $[1]", "x-a x-b");
	expect_ok("[]", "", NULL);
	expect_ok(" [ ] ", "", NULL);
	/* a single object, yielded whole, even with an "objects" dictionary */
	expect_ok(OBJ2, "$", "x-b");
	expect_ok(
	    "{\"type\":\"observed-data\",\"objects\":{\"0\":{\"type\":\"file\"}},\"n\":-1.5e3}\n",
	    "$", "observed-data");
	/* a UTF-8 byte order mark */
	expect_ok("\xef\xbb\xbf[" OBJ1 "]", "$[0]", "x-a");
}

static void test_values_kept(void **state)
{
	(void)state;
	const char *doc =
	    "{\"objects\":[{\"type\":\"x-a\",\"s\":\"a}]\\\\\",\"u\":\"\\u00e9\xc3\xa9\","
	    "\"n\":[[[]],{}],\"f\":1.5}]}";
	FILE *f = fmemopen((void *)doc, strlen(doc), "r");
	stix_bundle_reader *r = stix_bundle_reader_new(f);
	json_t *obj;
	const char *path;
	sol_err err;
	assert_int_equal(stix_bundle_next(r, &obj, &path, &err), 1);
	assert_string_equal(path, "$.objects[0]");
	assert_string_equal(json_string_value(json_object_get(obj, "s")), "a}]\\");
	assert_string_equal(json_string_value(json_object_get(obj, "u")), "\xc3\xa9\xc3\xa9");
	assert_int_equal(json_array_size(json_object_get(obj, "n")), 2);
	json_decref(obj);
	assert_int_equal(stix_bundle_next(r, &obj, &path, &err), 0);
	stix_bundle_reader_free(r);
	fclose(f);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error("", SOL_EPARSE, "1:1", "empty input");
	expect_error(" \n\t ", SOL_EPARSE, "1:1", "empty input");
	expect_error("\"bundle\"", SOL_EPARSE, "1:1", "expected a JSON object or array");
	expect_error("42", SOL_EPARSE, "1:1", "expected a JSON object or array");
	expect_error("\n  x", SOL_EPARSE, "2:3", "found 'x'");
	/* elements */
	expect_error("[1]", SOL_EPARSE, "1:2", "expected an object or ']'");
	expect_error("[" OBJ1 ",]", SOL_EPARSE, "1:66", "expected an object, found ']'");
	expect_error("[" OBJ1 " " OBJ1 "]", SOL_EPARSE, "1:66", "expected ',' or ']'");
	expect_error("[" OBJ1 "] x", SOL_EPARSE, "1:67", "expected the end of the input");
	expect_error("[" OBJ1 "][]", SOL_EPARSE, "1:66", "expected the end of the input");
	expect_error("{\"objects\":[" OBJ1 ",\"x\"]}", SOL_EPARSE, "1:77", "expected an object");
	expect_error("{\"objects\":[[" OBJ1 "]]}", SOL_EPARSE, "1:13", "expected an object or ']'");
	expect_error("{\"objects\":[" OBJ1 "] \"more\":true}", SOL_EPARSE, "1:78",
		     "expected ',' or '}'");
	/* an element jansson rejects: the position is in the document */
	expect_error("[\n  {\"a\": tru}\n]", SOL_EPARSE, "2:11", "in $[0]: invalid token");
	expect_error("{\"objects\":[" OBJ1 ",\n {\"a\":1,\"a\":2}]}", SOL_EPARSE, "2:11",
		     "in $.objects[1]: duplicate object key");
	expect_error("[{\"a\":\"\x01\"}]", SOL_EPARSE, "1:7", "control character");
	/* the top level */
	expect_error("{\"type\":\"bundle\",\"type\":\"bundle\"," BUNDLE_ID ",\"objects\":[]}",
		     SOL_EPARSE, "1:23", "duplicate object key");
	expect_error("{\"objects\":[]," BUNDLE_ID ",\"type\":\"bundle\",\"objects\":[]}",
		     SOL_EPARSE, "1:93", "a second objects array");
	expect_error("{\"objects\":[" OBJ1 "],\n \"more\": tru}", SOL_EPARSE, "2:12",
		     "invalid token");
	expect_error("{\"more\":tru,\"objects\":[" OBJ1 "]}", SOL_EPARSE, "1:11", "invalid token");
	expect_error("{\"type\" \"bundle\"}", SOL_EPARSE, "1:9", "expected ':'");
	expect_error("{\"type\":}", SOL_EPARSE, "1:9", "expected a value");
	expect_error("{,}", SOL_EPARSE, "1:2", "expected a key or '}'");
	expect_error("{\"a\":1,}", SOL_EPARSE, "1:8", "expected a key");
	expect_error("{\"type\":\"x-a\"} {}", SOL_EPARSE, "1:16", "expected the end of the input");
	expect_error("{\"type\":\"x-a\",\"type\":\"x-b\"}", SOL_EPARSE, "1:20",
		     "duplicate object key");
	expect_error("\xef\xbb", SOL_EPARSE, "1:1", "expected a JSON object or array");
	/* bundles and envelopes that are well-formed but not right */
	expect_error("{\"type\":\"report\",\"objects\":[" OBJ1 "]}", SOL_EINVALID, "$.type",
		     "must be a bundle or a TAXII envelope, not type report");
	expect_error("{\"type\":\"bundle\",\"id\":\"report--" U1 "\",\"objects\":[]}", SOL_EINVALID,
		     "$.id", "bundle--<uuid>");
	expect_error("{\"type\":\"bundle\",\"id\":7,\"objects\":[]}", SOL_EINVALID, "$.id",
		     "bundle--<uuid>");
	expect_error("{\"type\":\"bundle\",\"objects\":[]}", SOL_EINVALID, "$.id", "needs an id");
	expect_error("{\"id\":\"x\"}", SOL_EINVALID, "$.id", "needs a type");
}

/* Every proper prefix of a document is an error, never a short list. */
static void check_prefixes(const char *doc)
{
	size_t len = strlen(doc);
	while (len > 0 && doc[len - 1] == '\n')
		len--;
	result full;
	read_doc(doc, len, &full);
	assert_int_equal(full.rc, 0);
	for (size_t n = 0; n < len; n++) {
		result res;
		read_doc(doc, n, &res);
		if (res.rc >= 0)
			fail_msg("prefix of %zu bytes read without error (%zu objects): %.*s", n,
				 res.n, (int)n, doc);
		assert_int_equal(res.rc, SOL_EPARSE);
		assert_true(res.n <= full.n);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	check_prefixes("{\"type\":\"bundle\",\n \"id\":\"bundle--" U2 "\",\n \"objects\":[\n  " OBJ1
		       ",\n  " OBJ2 "\n ],\n \"x_note\": [1, \"]\", {\"o\": null}]\n}\n");
	check_prefixes("[" OBJ1 ", " OBJ2 "]");
	check_prefixes("{\"more\":false,\"objects\":[" OBJ2 "]}");
	check_prefixes(OBJ2);
	check_prefixes("{\"more\":false}");
}

static void test_depth_cap(void **state)
{
	(void)state;
	sol_buf b;
	buf_init(&b, 1 << 20);
	buf_puts(&b, "{\"objects\":[{\"a\":");
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "[");
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "]");
	buf_puts(&b, "}]}");
	result res;
	read_str(b.data, &res);
	assert_int_equal(res.rc, SOL_EPARSE);
	assert_non_null(strstr(res.err.msg, "nested deeper than"));
	assert_int_equal(res.n, 0);

	/* 90 levels inside an element is fine */
	buf_reset(&b);
	buf_puts(&b, "[{\"type\":\"x-a\",\"a\":");
	for (int i = 0; i < 90; i++)
		buf_puts(&b, "[");
	for (int i = 0; i < 90; i++)
		buf_puts(&b, "]");
	buf_puts(&b, "}]");
	read_str(b.data, &res);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 1);
	buf_fini(&b);
}

/* Write a bundle whose second object has a string of pad bytes. */
static char *write_big(const char *dir, const char *name, size_t pad)
{
	char *path = test_path(dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("{\"type\":\"bundle\"," BUNDLE_ID ",\"objects\":[" OBJ1
	      ",{\"type\":\"x-big\",\"s\":\"",
	      f);
	for (size_t i = 0; i < pad; i++)
		fputc('a', f);
	fputs("\"}," OBJ2 "]}", f);
	fclose(f);
	return path;
}

static void test_object_cap(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	size_t frame = strlen("{\"type\":\"x-big\",\"s\":\"\"}");
	/* exactly STIX_MAX_OBJECT bytes: read */
	char *path = write_big(dir, "fits.json", STIX_MAX_OBJECT - frame);
	FILE *f = fopen(path, "rb");
	result res;
	read_stream(f, &res);
	fclose(f);
	assert_int_equal(res.rc, 0);
	assert_string_equal(res.types, "x-a x-big x-b");
	free(path);
	/* one byte more: SOL_ETOOBIG at the object, after the first one */
	path = write_big(dir, "big.json", STIX_MAX_OBJECT - frame + 1);
	f = fopen(path, "rb");
	read_stream(f, &res);
	fclose(f);
	assert_int_equal(res.rc, SOL_ETOOBIG);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.err.where, "1:145");
	free(path);
	/* a lone top-level object over the cap */
	path = test_path(dir, "single.json");
	f = fopen(path, "wb");
	fputs("{\"type\":\"x-big\",\"s\":\"", f);
	for (size_t i = 0; i < STIX_MAX_OBJECT; i++)
		fputc('a', f);
	fputs("\"}", f);
	fclose(f);
	f = fopen(path, "rb");
	read_stream(f, &res);
	fclose(f);
	assert_int_equal(res.rc, SOL_ETOOBIG);
	assert_int_equal(res.n, 0);
	free(path);
	test_tmpdir_remove(dir);
}

/* Members of a bundle other than objects are capped small. */
static void test_head_cap(void **state)
{
	(void)state;
	sol_buf b;
	buf_init(&b, 1 << 20);
	buf_puts(&b, "{\"x_pad\":\"");
	for (int i = 0; i < 70000; i++)
		buf_puts(&b, "p");
	buf_puts(&b, "\",\"objects\":[" OBJ1 "]}");
	result res;
	read_str(b.data, &res);
	assert_int_equal(res.rc, SOL_ETOOBIG);
	assert_int_equal(res.n, 0);
	/* ... also after the objects array */
	buf_reset(&b);
	buf_puts(&b, "{\"objects\":[" OBJ1 "],\"x_pad\":\"");
	for (int i = 0; i < 70000; i++)
		buf_puts(&b, "p");
	buf_puts(&b, "\"}");
	read_str(b.data, &res);
	assert_int_equal(res.rc, SOL_ETOOBIG);
	assert_int_equal(res.n, 1);
	/* while it could still be a single object, it may be large */
	buf_reset(&b);
	buf_puts(&b, "{\"type\":\"x-a\",\"x_pad\":\"");
	for (int i = 0; i < 70000; i++)
		buf_puts(&b, "p");
	buf_puts(&b, "\"}");
	read_str(b.data, &res);
	assert_int_equal(res.rc, 0);
	assert_string_equal(res.paths, "$");
	buf_fini(&b);
}

/* Objects straddling the 64 KiB read buffer come out whole. */
static void test_chunk_boundaries(void **state)
{
	(void)state;
	sol_buf b;
	buf_init(&b, 1 << 22);
	buf_puts(&b, "{\"type\":\"bundle\"," BUNDLE_ID ",\"objects\":[");
	int n = 0;
	while (b.len < 300000) {
		buf_printf(&b, "%s{\"type\":\"x-n\",\"i\":%d,\"s\":\"%*s\"}", n ? ",\n" : "", n,
			   n % 977, "");
		n++;
	}
	buf_puts(&b, "]}");
	FILE *f = fmemopen(b.data, b.len, "r");
	stix_bundle_reader *r = stix_bundle_reader_new(f);
	json_t *obj;
	const char *path;
	sol_err err;
	int i = 0, rc;
	while ((rc = stix_bundle_next(r, &obj, &path, &err)) == 1) {
		assert_int_equal(json_integer_value(json_object_get(obj, "i")), i);
		assert_int_equal(json_string_length(json_object_get(obj, "s")), (size_t)(i % 977));
		json_decref(obj);
		i++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, n);
	stix_bundle_reader_free(r);
	fclose(f);
	buf_fini(&b);
}

/* Strings with escaped quotes, backslashes and multi-byte characters
 * across many read chunks: every object comes out whole, and an error
 * after them is placed at its line and its column in characters. */
static void test_positions_across_chunks(void **state)
{
	(void)state;
	sol_buf b;
	buf_init(&b, 1 << 22);
	buf_puts(&b, "[");
	int lines = 1;
	for (int n = 0; b.len < 200000; n++, lines++)
		buf_printf(&b, "{\"type\":\"x-n\",\"s\":\"%*s\\\"\\\\\xc3\xa9\\\"}\",\"i\":%d},\n",
			   n % 601, "", n);
	buf_puts(&b, "{\"\xc3\xa9\": tru}]"); /* jansson stops at the 'u', column 9 */
	char where[32];
	snprintf(where, sizeof where, "%d:9", lines);
	result res;
	read_str(b.data, &res);
	assert_int_equal(res.rc, SOL_EPARSE);
	assert_int_equal(res.n, (size_t)(lines - 1));
	assert_string_equal(res.err.where, where);
	buf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shapes),
	    cmocka_unit_test(test_values_kept),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_depth_cap),
	    cmocka_unit_test(test_object_cap),
	    cmocka_unit_test(test_head_cap),
	    cmocka_unit_test(test_chunk_boundaries),
	    cmocka_unit_test(test_positions_across_chunks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
