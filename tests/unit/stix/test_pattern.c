/*
 * test_pattern.c - the STIX pattern parser, printer, JSON tree and atoms.
 *
 * Most cases live in two tables in this directory, so a case is added
 * without writing C: patterns.txt (pattern, then `ok <formatted>` or
 * `error <column> <message part>`) and atoms.txt (pattern, then `atoms
 * kind:value[/sub] ...` or `none <reason part>`). Every table case is run
 * and every mismatch printed with its line before the test fails. The C
 * tests cover what a line of text cannot hold: limits, NUL bytes, deep
 * nesting, the JSON tree, and the specification's examples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "testlib.h"

/* One group of a table: its two lines and where it starts. */
typedef struct group {
	char *pattern; /* line 1 */
	char *expect;  /* line 2 */
	int line;      /* line number of line 1 */
} group;

/* Split a table into groups of two lines separated by blank lines, with
 * '#' comment lines allowed before a group. Returns how many groups. */
static size_t table_read(const char *name, char **text, group **out)
{
	size_t len;
	*text = test_read_file(name, &len);
	size_t n = 0, cap = 0;
	group *g = NULL;
	char *p = *text;
	int line = 1;
	while (*p) {
		char *eol = strchr(p, '\n');
		if (eol)
			*eol = 0;
		if (*p == 0 || *p == '#') {
			p = eol ? eol + 1 : p + strlen(p);
			line++;
			continue;
		}
		char *second = eol ? eol + 1 : NULL;
		char *eol2 = second ? strchr(second, '\n') : NULL;
		if (!second || !*second) {
			print_error("%s:%d: group without an expectation line\n", name, line);
			fail();
		}
		if (eol2)
			*eol2 = 0;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			g = realloc(g, cap * sizeof *g);
			assert_non_null(g);
		}
		g[n++] = (group){.pattern = strcmp(p, "<empty>") == 0 ? p + 7 : p,
				 .expect = second,
				 .line = line};
		p = eol2 ? eol2 + 1 : second + strlen(second);
		line += 2;
		if (*p && *p != '\n') {
			print_error("%s:%d: expected a blank line after the group\n", name, line);
			fail();
		}
	}
	*out = g;
	return n;
}

/* Parse, format, reparse and format again: the two texts must agree, and
 * the JSON tree must exist. Returns the formatted text or NULL. */
static char *roundtrip(const char *src, size_t len, sol_err *err)
{
	stix_pattern *p;
	if (stix_pattern_parse(src, len, &p, err) != 0)
		return NULL;
	char *text = stix_pattern_format(p);
	json_t *tree = stix_pattern_to_json(p);
	assert_non_null(tree);
	json_decref(tree);
	stix_pattern_free(p);
	sol_err err2;
	stix_pattern *q;
	assert_int_equal(stix_pattern_parse(text, strlen(text), &q, &err2), 0);
	char *again = stix_pattern_format(q);
	assert_string_equal(again, text);
	free(again);
	stix_pattern_free(q);
	return text;
}

static void test_pattern_table(void **state)
{
	(void)state;
	char *text;
	group *g;
	size_t n = table_read("patterns.txt", &text, &g);
	int bad = 0;
	assert_true(n > 100);
	for (size_t i = 0; i < n; i++) {
		sol_err err;
		sol_err_clear(&err);
		char *got = roundtrip(g[i].pattern, strlen(g[i].pattern), &err);
		if (strncmp(g[i].expect, "ok ", 3) == 0) {
			if (!got || strcmp(got, g[i].expect + 3) != 0) {
				print_error("patterns.txt:%d: %s\n  want %s\n  got  %s (%s: %s)\n",
					    g[i].line, g[i].pattern, g[i].expect + 3,
					    got ? got : "error", err.where, err.msg);
				bad++;
			}
		} else {
			int col = 0, off = 0;
			char where[32];
			assert_int_equal(sscanf(g[i].expect, "error %d %n", &col, &off), 1);
			snprintf(where, sizeof where, "column %d", col);
			if (got || err.code != SOL_EPARSE || strcmp(err.where, where) != 0 ||
			    !strstr(err.msg, g[i].expect + off)) {
				print_error("patterns.txt:%d: %s\n  want %s: %s\n  got  %s: %s%s\n",
					    g[i].line, g[i].pattern, where, g[i].expect + off,
					    err.where, err.msg, got ? got : "");
				bad++;
			}
		}
		free(got);
	}
	free(g);
	free(text);
	assert_int_equal(bad, 0);
}

/* "kind:value[/sub] ..." for the atoms of a. */
static char *atoms_text(const stix_atoms *a)
{
	sol_buf b;
	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < a->n; i++)
		buf_printf(&b, "%s%s:%s%s", i ? " " : "", obs_kind_name(a->v[i].kind),
			   a->v[i].value, a->v[i].subdomains ? "/sub" : "");
	buf_puts(&b, "");
	return buf_take(&b);
}

static void test_atoms_table(void **state)
{
	(void)state;
	char *text;
	group *g;
	size_t n = table_read("atoms.txt", &text, &g);
	int bad = 0;
	assert_true(n > 40);
	stix_atoms a;
	stix_atoms_init(&a);
	for (size_t i = 0; i < n; i++) {
		stix_pattern *p;
		sol_err err;
		if (stix_pattern_parse(g[i].pattern, strlen(g[i].pattern), &p, &err) != 0) {
			print_error("atoms.txt:%d: %s: %s %s\n", g[i].line, g[i].pattern, err.where,
				    err.msg);
			bad++;
			continue;
		}
		size_t k = stix_pattern_atoms(p, &a);
		char *got = atoms_text(&a);
		bool ok;
		if (strncmp(g[i].expect, "atoms ", 6) == 0)
			ok = k > 0 && k == a.n && a.reason[0] == 0 &&
			     strcmp(got, g[i].expect + 6) == 0;
		else
			ok = strncmp(g[i].expect, "none ", 5) == 0 && k == 0 && a.n == 0 &&
			     strstr(a.reason, g[i].expect + 5);
		if (!ok) {
			print_error("atoms.txt:%d: %s\n  want %s\n  got  %s | reason: %s\n",
				    g[i].line, g[i].pattern, g[i].expect, got, a.reason);
			bad++;
		}
		free(got);
		stix_pattern_free(p);
	}
	stix_atoms_fini(&a);
	free(g);
	free(text);
	assert_int_equal(bad, 0);
}

/* The 23 examples of the specification parse and survive formatting. */
static void test_spec_examples(void **state)
{
	(void)state;
	char *path = test_shared_path("patterns/spec-examples.txt");
	size_t len;
	char *text = test_read_file(path, &len);
	int count = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		sol_err err;
		char *got = roundtrip(line, strlen(line), &err);
		if (!got)
			print_error("%s: %s: %s\n", line, err.where, err.msg);
		assert_non_null(got);
		free(got);
		count++;
	}
	assert_int_equal(count, 23);
	free(text);
	free(path);
}

static void test_json_tree(void **state)
{
	(void)state;
	const char *src = "([file:hashes.'SHA-256' = 'ab' AND file:x[*].y[2] NOT IN (1, 2.5)] "
			  "OR [EXISTS a:b]) REPEATS 2 TIMES WITHIN 1.5 SECONDS";
	stix_pattern *p;
	assert_int_equal(stix_pattern_parse(src, strlen(src), &p, NULL), 0);
	json_t *tree = stix_pattern_to_json(p);
	char *dump = json_dumps(tree, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(
	    dump,
	    "{\"expression\":{\"operands\":[{\"expression\":{\"operands\":["
	    "{\"negated\":false,\"object_type\":\"file\",\"operator\":\"=\",\"path\":"
	    "[\"hashes\",\"SHA-256\"],\"type\":\"comparison\",\"value\":{\"type\":\"string\","
	    "\"value\":\"ab\"}},"
	    "{\"negated\":true,\"object_type\":\"file\",\"operator\":\"IN\",\"path\":"
	    "[\"x\",{\"index\":\"*\"},\"y\",{\"index\":2}],\"type\":\"comparison\",\"value\":"
	    "{\"type\":\"list\",\"value\":[{\"type\":\"int\",\"value\":1},{\"type\":\"float\","
	    "\"value\":2.5}]}}],\"type\":\"and\"},\"type\":\"observation\"},"
	    "{\"expression\":{\"object_type\":\"a\",\"path\":[\"b\"],\"type\":\"exists\"},"
	    "\"type\":\"observation\"}],\"type\":\"or\"},"
	    "\"qualifiers\":[{\"times\":2,\"type\":\"repeats\"},{\"seconds\":1.5,\"type\":"
	    "\"within\"}],\"type\":\"group\"}");
	free(dump);
	json_decref(tree);
	stix_pattern_free(p);

	src = "[a:t = t'2020-01-01T00:00:00.5Z'] START t'2020-01-01T00:00:00Z' STOP "
	      "t'2020-01-02T00:00:00Z'";
	assert_int_equal(stix_pattern_parse(src, strlen(src), &p, NULL), 0);
	tree = stix_pattern_to_json(p);
	json_t *q = json_array_get(json_object_get(tree, "qualifiers"), 0);
	assert_string_equal(json_string_value(json_object_get(q, "type")), "start_stop");
	assert_string_equal(json_string_value(json_object_get(q, "stop")), "2020-01-02T00:00:00Z");
	json_t *v = json_object_get(json_object_get(tree, "expression"), "value");
	assert_string_equal(json_string_value(json_object_get(v, "type")), "timestamp");
	assert_string_equal(json_string_value(json_object_get(v, "value")),
			    "2020-01-01T00:00:00.5Z");
	json_decref(tree);
	stix_pattern_free(p);
}

/* Nesting up to PATTERN_MAX_DEPTH (256) parses; one more level is refused
 * at the bracket that goes too deep. */
static void test_nesting(void **state)
{
	(void)state;
	for (int depth = 255; depth <= 257; depth++) {
		sol_buf b;
		buf_init(&b, STIX_PATTERN_MAX);
		for (int i = 0; i < depth; i++)
			buf_puts(&b, "(");
		buf_puts(&b, "[a:b = 1]");
		for (int i = 0; i < depth; i++)
			buf_puts(&b, ")");
		stix_pattern *p;
		sol_err err;
		int rc = stix_pattern_parse(b.data, b.len, &p, &err);
		if (depth < 256) {
			assert_int_equal(rc, 0);
			stix_atoms a;
			stix_atoms_init(&a);
			assert_int_equal(stix_pattern_atoms(p, &a), 0);
			assert_string_equal(a.reason, "comparison on a:b");
			stix_atoms_fini(&a);
			char *s = stix_pattern_format(p);
			assert_string_equal(s, b.data);
			free(s);
			stix_pattern_free(p);
		} else {
			assert_int_equal(rc, SOL_EPARSE);
			assert_null(p);
			assert_string_equal(err.where, "column 257");
			assert_non_null(strstr(err.msg, "nested deeper than 256"));
		}
		buf_fini(&b);
	}
	/* The same inside an observation, with parentheses of comparisons. */
	char deep[600] = "[";
	for (int i = 0; i < 300; i++)
		strcat(deep, "(");
	sol_err err;
	stix_pattern *p;
	assert_int_equal(stix_pattern_parse(deep, strlen(deep), &p, &err), SOL_EPARSE);
	assert_string_equal(err.where, "column 257");
}

/* Long chains are n-ary, not deep: 1700 observations OR'd together parse,
 * print and yield 1700 atoms; one byte over the cap is refused. */
static void test_limits(void **state)
{
	(void)state;
	sol_buf b;
	buf_init(&b, STIX_PATTERN_MAX + 1);
	for (int i = 0; i < 1700; i++)
		assert_int_equal(buf_printf(&b, "%s[ipv4-addr:value = '10.%d.%d.1']",
					    i ? " OR " : "", i / 256, i % 256),
				 0);
	assert_true(b.len <= STIX_PATTERN_MAX);
	char *text = roundtrip(b.data, b.len, NULL);
	assert_string_equal(text, b.data);
	free(text);
	stix_pattern *p;
	assert_int_equal(stix_pattern_parse(b.data, b.len, &p, NULL), 0);
	stix_atoms a;
	stix_atoms_init(&a);
	assert_int_equal(stix_pattern_atoms(p, &a), 1700);
	assert_string_equal(a.v[1699].value, "10.6.163.1");
	/* Reusing the same stix_atoms replaces what it held. */
	assert_int_equal(stix_pattern_atoms(p, &a), 1700);
	stix_atoms_fini(&a);
	stix_pattern_free(p);

	buf_reset(&b);
	buf_puts(&b, "[a:b = '");
	while (b.len < STIX_PATTERN_MAX - 2)
		buf_puts(&b, "x");
	buf_puts(&b, "']");
	assert_int_equal(b.len, STIX_PATTERN_MAX);
	assert_int_equal(stix_pattern_parse(b.data, b.len, &p, NULL), 0);
	stix_pattern_free(p);
	buf_puts(&b, " ");
	sol_err err;
	assert_int_equal(stix_pattern_parse(b.data, b.len, &p, &err), SOL_ETOOBIG);
	assert_null(p);
	assert_string_equal(err.where, "column 65537");
	buf_fini(&b);
}

/* Bytes a text table cannot hold: NUL, and a length shorter than the
 * string (the parser must not read past len). */
static void test_bytes(void **state)
{
	(void)state;
	stix_pattern *p;
	sol_err err;
	const char nul[] = "[a:b = 'x\0y']";
	assert_int_equal(stix_pattern_parse(nul, sizeof nul - 1, &p, &err), SOL_EPARSE);
	assert_string_equal(err.where, "column 10");
	assert_non_null(strstr(err.msg, "NUL"));
	const char nul2[] = "[a:b = 1]\0";
	assert_int_equal(stix_pattern_parse(nul2, sizeof nul2 - 1, &p, &err), SOL_EPARSE);
	assert_string_equal(err.where, "column 10");
	/* Only the first 9 bytes are the pattern. */
	const char *s = "[a:b = 1] garbage";
	assert_int_equal(stix_pattern_parse(s, 9, &p, &err), 0);
	stix_pattern_free(p);
	assert_int_equal(stix_pattern_parse(s, 8, &p, &err), SOL_EPARSE);
	assert_string_equal(err.where, "column 9");
	/* Newlines and tabs are kept inside strings and printed back as is. */
	s = "[a:b = 'two\n\tlines']";
	char *text = roundtrip(s, strlen(s), NULL);
	assert_string_equal(text, s);
	free(text);
	/* A quoted property name with every awkward byte survives printing. */
	s = "[a:'it\\'s \\\\ '.'[*]'.'1x' = 1]";
	text = roundtrip(s, strlen(s), NULL);
	assert_string_equal(text, s);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pattern_table), cmocka_unit_test(test_atoms_table),
	    cmocka_unit_test(test_spec_examples), cmocka_unit_test(test_json_tree),
	    cmocka_unit_test(test_nesting),       cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
