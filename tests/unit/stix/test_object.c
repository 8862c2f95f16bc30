/*
 * test_object.c - stix_object_check, _load and _dump (src/stix/object.c,
 * types.c).
 *
 * The published STIX 2.1 examples (../shared/data/stix) must all pass,
 * except the three artifacts of sco-examples-bundle.json whose payload_bin
 * is not base64. object_bad.txt lists objects that must fail, with the
 * failing property and part of the message; object_good.txt edge cases
 * that must pass. The rest checks what meta holds: TLP, times, pattern.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "testlib.h"

#define UUID "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
#define VERSIONED                                                                                  \
	"\"spec_version\":\"2.1\",\"created\":\"2016-04-06T20:03:48.000Z\","                       \
	"\"modified\":\"2016-04-06T20:03:48.000Z\""

/* line with {{v}} and {{u}} expanded; caller frees. */
static char *expand(const char *line)
{
	sol_buf b;
	buf_init(&b, 1 << 20);
	while (*line) {
		if (strncmp(line, "{{v}}", 5) == 0) {
			buf_puts(&b, VERSIONED);
			line += 5;
		} else if (strncmp(line, "{{u}}", 5) == 0) {
			buf_puts(&b, UUID);
			line += 5;
		} else {
			buf_append(&b, line++, 1);
		}
	}
	return buf_take(&b);
}

/* Load and check one object; 0 or the error code, *err filled. */
static int load_check(const char *json, const char *where, stix_meta *meta, sol_err *err)
{
	memset(meta, 0, sizeof *meta);
	json_t *obj = stix_object_load(json, strlen(json), where, err);
	if (!obj)
		return err->code;
	int rc = stix_object_check(obj, where, meta, err);
	stix_meta_fini(meta);
	json_decref(obj);
	return rc;
}

/* Every object of a shared document through the bundle reader; the paths
 * of rejected objects are appended to rejected ("file:$[6] "). */
static size_t check_document(const char *path, const char *name, sol_buf *rejected)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	stix_bundle_reader *r = stix_bundle_reader_new(f);
	json_t *obj;
	const char *at;
	sol_err err;
	size_t n = 0;
	int rc;
	while ((rc = stix_bundle_next(r, &obj, &at, &err)) == 1) {
		stix_meta meta;
		if (stix_object_check(obj, at, &meta, &err) < 0) {
			buf_printf(rejected, "%s:%s ", name, err.where);
			print_message("rejected %s: %s: %s\n", name, err.where, err.msg);
		}
		stix_meta_fini(&meta);
		json_decref(obj);
		n++;
	}
	if (rc < 0)
		print_message("%s: %s: %s\n", path, err.where, err.msg);
	assert_int_equal(rc, 0);
	stix_bundle_reader_free(r);
	fclose(f);
	return n;
}

/* Every *.json file in the shared directory rel; returns objects seen. */
static size_t check_directory(const char *rel, sol_buf *rejected)
{
	char *dir = test_shared_path(rel);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	size_t n = 0, files = 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		char *path = test_path(dir, e->d_name);
		n += check_document(path, e->d_name, rejected);
		files++;
		free(path);
	}
	closedir(d);
	free(dir);
	assert_true(files > 0);
	return n;
}

static void test_shared_examples(void **state)
{
	(void)state;
	sol_buf rejected;
	buf_init(&rejected, 1 << 20);
	size_t n = check_directory("stix/cti-documentation", &rejected);
	n += check_directory("stix/json-schemas-examples", &rejected);
	n += check_directory("stix/json-schemas-examples/threat-reports", &rejected);
	n += check_directory("stix/tlp2", &rejected);
	assert_true(n > 300);
	assert_string_equal(rejected.data ? rejected.data : "", "");
	buf_fini(&rejected);
}

static void test_shared_mitre(void **state)
{
	(void)state;
	char *path = test_shared_path("stix/mitre-attack/ics-attack.json");
	sol_buf rejected;
	buf_init(&rejected, 1 << 20);
	assert_true(check_document(path, "ics-attack.json", &rejected) > 1000);
	assert_null(rejected.data);
	buf_fini(&rejected);
	free(path);
}

static void test_shared_sco_examples(void **state)
{
	(void)state;
	char *path = test_shared_path("stix/sco-examples-bundle.json");
	sol_buf rejected;
	buf_init(&rejected, 1 << 20);
	assert_int_equal(check_document(path, "sco", &rejected), 82);
	assert_string_equal(rejected.data, "sco:$[6].payload_bin sco:$[7].payload_bin "
					   "sco:$[20].payload_bin ");
	buf_fini(&rejected);
	free(path);
}

/* Split "a | b | c | d" in place into its four fields. */
static bool split4(char *line, char *f[4])
{
	f[0] = line;
	for (int i = 1; i < 4; i++) {
		char *sep = strstr(f[i - 1], " | ");
		if (!sep)
			return false;
		*sep = '\0';
		f[i] = sep + 3;
	}
	return true;
}

static void test_bad_table(void **state)
{
	(void)state;
	char *text = test_read_file("object_bad.txt", NULL), *save = NULL;
	int cases = 0, failed = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4] = {NULL, NULL, NULL, NULL};
		if (line[0] == '#' || line[0] == '\0')
			continue;
		assert_true(split4(line, f));
		int want = strcmp(f[0], "invalid") == 0 ? SOL_EINVALID
			   : strcmp(f[0], "parse") == 0 ? SOL_EPARSE
							: SOL_ETOOBIG;
		char *json = expand(f[3]), where[200];
		snprintf(where, sizeof where, "$.objects[7]%s", f[1]);
		stix_meta meta;
		sol_err err;
		sol_err_clear(&err);
		int rc = load_check(json, "$.objects[7]", &meta, &err);
		if (rc != want || strcmp(err.where, where) != 0 || !strstr(err.msg, f[2])) {
			print_message("case %s\n  want %d %s: ...%s...\n  got  %d %s: %s\n", json,
				      want, where, f[2], rc, err.where, err.msg);
			failed++;
		}
		assert_null(meta.pattern);
		cases++;
		free(json);
	}
	free(text);
	assert_true(cases > 100);
	assert_int_equal(failed, 0);
}

static void test_good_table(void **state)
{
	(void)state;
	char *text = test_read_file("object_good.txt", NULL), *save = NULL;
	int cases = 0, failed = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char *json = expand(line);
		stix_meta meta;
		sol_err err;
		if (load_check(json, "$", &meta, &err) != 0) {
			print_message("case %s\n  got %s: %s\n", json, err.where, err.msg);
			failed++;
		}
		cases++;
		free(json);
	}
	free(text);
	assert_true(cases >= 20);
	assert_int_equal(failed, 0);
}

/* An indicator: what meta borrows, parses and computes. */
static void test_meta_indicator(void **state)
{
	(void)state;
	const char *json =
	    "{\"type\":\"indicator\",\"id\":\"indicator--" UUID "\",\"spec_version\":\"2.1\","
	    "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2017-01-01T00:00:00.000Z\","
	    "\"created_by_ref\":\"identity--" UUID "\",\"confidence\":85,\"revoked\":true,"
	    "\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\",\"pattern_type\":\"stix\","
	    "\"valid_from\":\"2016-01-01T00:00:00Z\",\"valid_until\":\"2018-01-01T00:00:00Z\"}";
	sol_err err;
	json_t *obj = stix_object_load(json, strlen(json), "$", &err);
	assert_non_null(obj);
	stix_meta m;
	assert_int_equal(stix_object_check(obj, "$", &m, &err), 0);
	sol_time t;
	assert_string_equal(m.type, "indicator");
	assert_ptr_equal(m.id, json_string_value(json_object_get(obj, "id")));
	assert_int_equal(m.category, STIX_SDO);
	assert_int_equal(sol_time_parse("2016-04-06T20:03:48.000Z", &t), 0);
	assert_int_equal(m.created, t);
	assert_int_equal(sol_time_parse("2017-01-01T00:00:00.000Z", &t), 0);
	assert_int_equal(m.modified, t);
	assert_int_equal(m.version, t);
	assert_int_equal(sol_time_parse("2018-01-01T00:00:00Z", &t), 0);
	assert_int_equal(m.valid_until, t);
	assert_true(m.revoked);
	assert_int_equal(m.confidence, 85);
	assert_string_equal(m.created_by_ref, "identity--" UUID);
	assert_int_equal(m.tlp, TLP_NONE);
	assert_non_null(m.pattern);
	char *s = stix_pattern_format(m.pattern);
	assert_non_null(strstr(s, "198.51.100.1"));
	free(s);
	stix_meta_fini(&m);
	assert_null(m.pattern);
	json_decref(obj);
}

/* A cyber-observable has no timestamps: version 0, no confidence. */
static void test_meta_observable(void **state)
{
	(void)state;
	const char *json = "{\"type\":\"domain-name\",\"id\":\"domain-name--" UUID "\","
			   "\"value\":\"example.com\"}";
	sol_err err;
	json_t *obj = stix_object_load(json, strlen(json), "$", &err);
	stix_meta m;
	assert_int_equal(stix_object_check(obj, "$", &m, &err), 0);
	assert_int_equal(m.category, STIX_SCO);
	assert_int_equal(m.created, SOL_TIME_NONE);
	assert_int_equal(m.modified, SOL_TIME_NONE);
	assert_int_equal(m.version, 0);
	assert_int_equal(m.confidence, -1);
	assert_int_equal(m.valid_until, SOL_TIME_NONE);
	assert_null(m.created_by_ref);
	assert_null(m.pattern);
	stix_meta_fini(&m);
	json_decref(obj);

	/* marking-definition: created only, so version = created */
	json = "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-"
	       "definition--" UUID "\",\"created\":\"2017-01-20T00:00:00.000Z\","
	       "\"definition_type\":\"statement\",\"definition\":{\"statement\":\"x\"}}";
	obj = stix_object_load(json, strlen(json), "$", &err);
	assert_int_equal(stix_object_check(obj, "$", &m, &err), 0);
	sol_time t;
	sol_time_parse("2017-01-20T00:00:00.000Z", &t);
	assert_int_equal(m.category, STIX_META);
	assert_int_equal(m.version, t);
	stix_meta_fini(&m);
	json_decref(obj);

	/* unknown types are custom */
	json =
	    "{\"type\":\"x-mitre-tactic\",\"spec_version\":\"2.1\",\"id\":\"x-mitre-tactic--" UUID
	    "\"}";
	obj = stix_object_load(json, strlen(json), "$", &err);
	assert_int_equal(stix_object_check(obj, "$", &m, &err), 0);
	assert_int_equal(m.category, STIX_CUSTOM);
	stix_meta_fini(&m);
	json_decref(obj);
}

/* After a failure meta is reset: nothing to free, nothing borrowed. */
static void test_meta_after_failure(void **state)
{
	(void)state;
	const char *json = "{\"type\":\"indicator\",\"id\":\"indicator--" UUID "\"," VERSIONED
			   ",\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\","
			   "\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\","
			   "\"valid_until\":\"2015-01-01T00:00:00Z\"}";
	sol_err err;
	json_t *obj = stix_object_load(json, strlen(json), "$", &err);
	stix_meta m;
	assert_int_equal(stix_object_check(obj, "$", &m, &err), SOL_EINVALID);
	assert_null(m.pattern);
	assert_null(m.id);
	assert_int_equal(m.confidence, -1);
	assert_int_equal(stix_object_check(json_object_get(obj, "type"), "$.x", &m, &err),
			 SOL_EINVALID);
	assert_string_equal(err.where, "$.x");
	json_decref(obj);
}

/* object_marking_refs (and granular marking_refs) -> most restrictive TLP. */
static void test_tlp(void **state)
{
	(void)state;
	static const struct {
		const char *refs; /* marking ids, TLP 1.0 (v1) and 2.0 (v2) */
		stix_tlp want;
	} cases[] = {
	    {"\"marking-definition--" UUID "\"", TLP_NONE},
	    {"\"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9\"", TLP_CLEAR},
	    {"\"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487\"", TLP_CLEAR},
	    {"\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"", TLP_GREEN},
	    {"\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\","
	     "\"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421\"",
	     TLP_AMBER},
	    {"\"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\","
	     "\"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003\","
	     "\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"",
	     TLP_AMBER_STRICT},
	    {"\"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed\","
	     "\"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9\"",
	     TLP_RED},
	    {"\"marking-definition--" UUID "\","
	     "\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\"",
	     TLP_RED},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *json =
		    xasprintf("{\"type\":\"campaign\",\"id\":\"campaign--" UUID "\"," VERSIONED
			      ",\"name\":\"c\",\"object_marking_refs\":[%s]}",
			      cases[i].refs);
		sol_err err;
		json_t *obj = stix_object_load(json, strlen(json), "$", &err);
		stix_meta m;
		assert_int_equal(stix_object_check(obj, "$", &m, &err), 0);
		if (m.tlp != cases[i].want)
			fail_msg("%s: got %s", json, stix_tlp_name(m.tlp));
		stix_meta_fini(&m);
		json_decref(obj);
		free(json);
	}

	/* a RED part makes the object RED */
	const char *json =
	    "{\"type\":\"campaign\",\"id\":\"campaign--" UUID "\"," VERSIONED ",\"name\":\"c\","
	    "\"object_marking_refs\":[\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"]"
	    ","
	    "\"granular_markings\":[{\"lang\":\"en\",\"selectors\":[\"name\"]},"
	    "{\"marking_ref\":\"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed\","
	    "\"selectors\":[\"description\"]}]}";
	sol_err err;
	json_t *obj = stix_object_load(json, strlen(json), "$", &err);
	stix_meta m;
	assert_int_equal(stix_object_check(obj, "$", &m, &err), 0);
	assert_int_equal(m.tlp, TLP_RED);
	stix_meta_fini(&m);
	json_decref(obj);

	/* the official TLP 2.0 marking objects themselves are valid */
	for (stix_tlp t = TLP_CLEAR; t <= TLP_RED; t++) {
		obj = stix_tlp_marking_object(t);
		assert_int_equal(stix_object_check(obj, "$", &m, &err), 0);
		assert_int_equal(m.category, STIX_META);
		stix_meta_fini(&m);
		json_decref(obj);
	}
}

/* The same content in any key order and spacing dumps to the same bytes. */
static void test_dump_canonical(void **state)
{
	(void)state;
	const char *a =
	    "{\"type\":\"identity\",\"name\":\"Caf\xc3\xa9 \\u00e9\",\"id\":\"identity--" UUID
	    "\",\"x_n\":[1,2.5,{\"b\":true,\"a\":false}]}";
	const char *b = "{ \"x_n\" : [ 1, 2.5, { \"a\": false, \"b\": true } ],\n \"id\": "
			"\"identity--" UUID "\", \"name\": \"Caf\\u00e9 \xc3\xa9\", \"type\": "
			"\"identity\" }";
	sol_err err;
	json_t *ja = stix_object_load(a, strlen(a), "$", &err);
	json_t *jb = stix_object_load(b, strlen(b), "$", &err);
	assert_non_null(ja);
	assert_non_null(jb);
	size_t la, lb;
	char *da = stix_object_dump(ja, &la), *db = stix_object_dump(jb, &lb);
	assert_string_equal(da, db);
	assert_int_equal(la, strlen(da));
	assert_int_equal(la, lb);
	assert_string_equal(da, "{\"id\":\"identity--" UUID "\",\"name\":\"Caf\xc3\xa9 \xc3\xa9\","
				"\"type\":\"identity\",\"x_n\":[1,2.5,{\"a\":false,\"b\":true}]}");
	/* dumping what was loaded from a dump is a fixed point */
	json_t *jc = stix_object_load(da, la, "$", &err);
	char *dc = stix_object_dump(jc, NULL);
	assert_string_equal(da, dc);
	free(da);
	free(db);
	free(dc);
	json_decref(ja);
	json_decref(jb);
	json_decref(jc);
}

static void test_load_errors(void **state)
{
	(void)state;
	sol_err err;
	const char *dup = "{\"type\":\"x-a\",\n \"id\":1,\n \"type\":\"x-b\"}";
	assert_null(stix_object_load(dup, strlen(dup), "feed.json", &err));
	assert_int_equal(err.code, SOL_EPARSE);
	assert_string_equal(err.where, "feed.json:3:7"); /* jansson: the key's last column */
	assert_non_null(strstr(err.msg, "duplicate"));

	assert_null(stix_object_load("\"x\"", 3, "", &err));
	assert_int_equal(err.code, SOL_EPARSE);
	assert_string_equal(err.where, "1:3");
	assert_null(stix_object_load("{} {}", 5, NULL, &err));
	assert_int_equal(err.code, SOL_EPARSE);
	assert_null(stix_object_load("", 0, "$", &err));
	assert_int_equal(err.code, SOL_EPARSE);
	assert_null(stix_object_load("{\"a\":\"\\u0000\"}", 14, "$", &err));
	assert_int_equal(err.code, SOL_EPARSE);
	assert_null(stix_object_load("{\"a\":\"\xff\"}", 9, "$", &err));
	assert_int_equal(err.code, SOL_EPARSE);

	size_t big = STIX_MAX_OBJECT + 1;
	char *data = xmalloc(big);
	memset(data, ' ', big);
	data[0] = '{';
	data[big - 1] = '}';
	assert_null(stix_object_load(data, big, "$", &err));
	assert_int_equal(err.code, SOL_ETOOBIG);
	data[big - 2] = '}'; /* exactly STIX_MAX_OBJECT bytes */
	json_t *obj = stix_object_load(data, big - 1, "$", &err);
	assert_non_null(obj);
	json_decref(obj);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shared_examples),
	    cmocka_unit_test(test_shared_mitre),
	    cmocka_unit_test(test_shared_sco_examples),
	    cmocka_unit_test(test_bad_table),
	    cmocka_unit_test(test_good_table),
	    cmocka_unit_test(test_meta_indicator),
	    cmocka_unit_test(test_meta_observable),
	    cmocka_unit_test(test_meta_after_failure),
	    cmocka_unit_test(test_tlp),
	    cmocka_unit_test(test_dump_canonical),
	    cmocka_unit_test(test_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
