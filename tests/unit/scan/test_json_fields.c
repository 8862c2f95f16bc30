/*
 * test_json_fields.c - the JSON line walker, string unescaping and key
 * tables of json_fields.c, without an index.
 *
 * data/json_walk.txt holds pairs of lines: an input and the scalars the
 * walker must report (or "error"). Runs with tests/unit/scan/ as the
 * working directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/scan_int.h"
#include "testlib.h"

static void report(void *ctx, const char *path, size_t plen, const char *val, size_t vlen, int type,
		   bool esc)
{
	sol_buf *out = ctx;
	char tag = type == SCAN_JSON_NUMBER ? 'n' : esc ? 'e' : 's';
	buf_printf(out, "%s%c:%.*s=%.*s", out->len ? " ; " : "", tag, (int)plen, path, (int)vlen,
		   val);
}

static void test_walk_table(void **state)
{
	(void)state;
	char *text = test_read_file("data/json_walk.txt", NULL);
	char *lines[256];
	int n = 0;
	for (char *line = text, *next; line && *line && n < 256; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] != '#')
			lines[n++] = line;
	}
	assert_int_equal(n % 2, 0);
	assert_true(n >= 30);
	for (int i = 0; i < n; i += 2) {
		sol_buf out;
		buf_init(&out, 1 << 16);
		int rc = scan_json_walk(lines[i], strlen(lines[i]), NULL, report, &out);
		const char *got = rc != 0 ? "error" : out.len ? out.data : "(none)";
		if (strcmp(got, lines[i + 1]) != 0)
			fail_msg("%s\n  want %s\n  got  %s", lines[i], lines[i + 1], got);
		buf_fini(&out);
	}
	free(text);
}

/* Every prefix of a whole record is an error, never a crash or overread. */
static void test_walk_prefixes(void **state)
{
	(void)state;
	const char *line = "{\"a\":\"x\\\"y\",\"b\":[1,{\"c\":\"d\"}],\"e\":true}";
	size_t len = strlen(line);
	for (size_t n = 0; n < len; n++) {
		char *copy = xmalloc(n + 1);
		memcpy(copy, line, n);
		sol_buf out;
		buf_init(&out, 1 << 16);
		assert_int_equal(scan_json_walk(copy, n, NULL, report, &out), -1);
		buf_fini(&out);
		free(copy);
	}
	sol_buf out;
	buf_init(&out, 1 << 16);
	assert_int_equal(scan_json_walk(line, len, NULL, report, &out), 0);
	buf_fini(&out);
}

static void test_unescape(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} ok[] = {
	    {"plain", "plain"},
	    {"a\\\"b\\\\c\\/d", "a\"b\\c/d"},
	    {"\\n\\t\\r\\b\\f", "\n\t\r\b\f"},
	    {"\\u0041\\u00e9\\u20ac", "A\xc3\xa9\xe2\x82\xac"},
	    {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
	    {"evil\\u002eexample", "evil.example"},
	};
	char out[64];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		size_t n = scan_json_unescape(ok[i].in, strlen(ok[i].in), out, sizeof out);
		assert_int_equal(n, strlen(ok[i].out));
		assert_memory_equal(out, ok[i].out, n);
	}
	static const char *bad[] = {"\\", "\\x41", "\\u12", "\\u12g4", "\\udc00", "\\ud83dx"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(scan_json_unescape(bad[i], strlen(bad[i]), out, sizeof out),
				 (size_t)-1);
	/* Capacity: the output and its NUL must fit. */
	assert_int_equal(scan_json_unescape("abcd", 4, out, 5), 4);
	assert_int_equal(scan_json_unescape("abcd", 4, out, 4), (size_t)-1);
	assert_int_equal(scan_json_unescape("\\u20ac", 6, out, 3), (size_t)-1);
}

static void test_keys(void **state)
{
	(void)state;
	static const scan_rule rules[] = {
	    {"src_ip", "src_ip", SCAN_C_IP},
	    {"dest_ip", "dest_ip", SCAN_C_IP},
	    {"dns.rrname", "dns.rrname", SCAN_C_NAME},
	    {"dns.grouped.*", "dns.rdata", SCAN_C_NAME},
	};
	scan_keys k;
	scan_keys_init(&k, rules, sizeof rules / sizeof rules[0]);
	assert_ptr_equal(scan_keys_find(&k, "src_ip", 6), &rules[0]);
	assert_ptr_equal(scan_keys_find(&k, "dest_ip", 7), &rules[1]);
	assert_ptr_equal(scan_keys_find(&k, "dns.rrname", 10), &rules[2]);
	assert_ptr_equal(scan_keys_find(&k, "dns.grouped.A", 13), &rules[3]);
	assert_ptr_equal(scan_keys_find(&k, "dns.grouped.SOA.mname", 21), &rules[3]);
	assert_null(scan_keys_find(&k, "dns.grouped", 11));
	assert_null(scan_keys_find(&k, "dns.grouped.", 12));
	assert_null(scan_keys_find(&k, "src_ipx", 7));
	assert_null(scan_keys_find(&k, "src_i", 5));
	assert_null(scan_keys_find(&k, "", 0));
	assert_true(scan_keys_head(&k, "dns", 3));
	assert_false(scan_keys_head(&k, "src_ip", 6));
	assert_false(scan_keys_head(&k, "dn", 2));
	assert_false(scan_keys_head(&k, "flow", 4));
	/* With the table as a filter, objects under other heads are skipped,
	 * and so are scalars that no rule could take by length or prefix
	 * ("n", "dns.type"; "event_type" has the length of "dns.rrname"),
	 * but a flat key under the prefix rule is one it takes. */
	const char *line = "{\"flow\":{\"src_ip\":\"x\"},\"dns\":{\"rrname\":\"y\",\"grouped\":"
			   "{\"A\":[\"192.0.2.1\"]},\"type\":\"answer\"},\"src_ip\":\"z\",\"n\":1,"
			   "\"event_type\":\"dns\",\"dns.grouped.MX\":\"m.example\"}";
	sol_buf out;
	buf_init(&out, 1 << 16);
	assert_int_equal(scan_json_walk(line, strlen(line), &k, report, &out), 0);
	assert_string_equal(out.data, "s:dns.rrname=y ; s:dns.grouped.A=192.0.2.1 ; s:src_ip=z ; "
				      "s:event_type=dns ; s:dns.grouped.MX=m.example");
	buf_fini(&out);
	char longkey[200];
	memset(longkey, 'a', sizeof longkey);
	assert_null(scan_keys_find(&k, longkey, sizeof longkey));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walk_table),
	    cmocka_unit_test(test_walk_prefixes),
	    cmocka_unit_test(test_unescape),
	    cmocka_unit_test(test_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
