/*
 * test_observable.c - obs_parse over the table values.txt (every kind,
 * normal forms, bad input) with the idempotence of each normal form;
 * obs_refang over refang.txt and at its capacity limits; the fields
 * obs_parse fills besides the text; obs_stix_comparison and its escaping.
 * Runs with tests/unit/observable/ as the working directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observable/observable.h"
#include "testlib.h"

/* Undo the table escapes \xHH and \\ in place; returns the new length. */
static size_t unescape(char *s)
{
	size_t out = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1] == '\\') {
			s[out++] = '\\';
			i++;
		} else if (s[i] == '\\' && s[i + 1] == 'x' && s[i + 2] && s[i + 3]) {
			char hex[3] = {s[i + 2], s[i + 3], '\0'};
			s[out++] = (char)strtoul(hex, NULL, 16);
			i += 3;
		} else {
			s[out++] = s[i];
		}
	}
	s[out] = '\0';
	return out;
}

/* Call fn on every non-comment, non-blank line of a table file. */
static int table_each(const char *path, int (*fn)(char *line, int lineno))
{
	char *text = test_read_file(path, NULL);
	int failures = 0, lineno = 0, rows = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		rows++;
		failures += fn(line, lineno);
	}
	free(text);
	assert_true(rows > 0);
	return failures;
}

static obs_kind want_of(const char *name)
{
	return strcmp(name, "none") == 0 ? OBS_NONE : obs_kind_from_name(name);
}

static int value_row(char *line, int lineno)
{
	char *f[4] = {NULL, NULL, NULL, NULL};
	int nf = test_split_tabs(line, f, 4);
	if (nf < 3 || (strcmp(f[0], "none") != 0 && want_of(f[0]) == OBS_NONE)) {
		print_error("values.txt:%d: malformed row\n", lineno);
		return 1;
	}
	obs_kind want = want_of(f[0]);
	size_t n = unescape(f[1]);
	obs_value v;
	int rc = obs_parse(f[1], n, want, &v);
	if (strcmp(f[2], "ERROR") == 0) {
		if (rc == 0 || v.kind != OBS_NONE || v.len != 0 || v.norm[0] != '\0') {
			print_error("values.txt:%d: accepted as %s \"%s\", want ERROR\n", lineno,
				    obs_kind_name(v.kind), v.norm);
			return 1;
		}
		return 0;
	}
	if (nf != 4) {
		print_error("values.txt:%d: malformed row\n", lineno);
		return 1;
	}
	if (rc != 0 || strcmp(obs_kind_name(v.kind), f[2]) != 0 || strcmp(v.norm, f[3]) != 0 ||
	    v.len != strlen(v.norm)) {
		print_error("values.txt:%d: got rc %d %s \"%s\", want %s \"%s\"\n", lineno, rc,
			    obs_kind_name(v.kind), v.norm, f[2], f[3]);
		return 1;
	}
	obs_value again;
	if (obs_parse(v.norm, v.len, want, &again) != 0 || again.kind != v.kind ||
	    strcmp(again.norm, v.norm) != 0) {
		print_error("values.txt:%d: normal form \"%s\" is not stable\n", lineno, v.norm);
		return 1;
	}
	return 0;
}

static void test_values_table(void **state)
{
	(void)state;
	assert_int_equal(table_each("values.txt", value_row), 0);
}

static int refang_row(char *line, int lineno)
{
	char *f[2] = {NULL, NULL}, out[256];
	if (test_split_tabs(line, f, 2) != 2) {
		print_error("refang.txt:%d: malformed row\n", lineno);
		return 1;
	}
	size_t n = unescape(f[0]), want = unescape(f[1]);
	size_t got = obs_refang(f[0], n, out, sizeof out);
	if (got != want || memcmp(out, f[1], want) != 0 || out[got] != '\0') {
		print_error("refang.txt:%d: got \"%s\"\n", lineno, got == (size_t)-1 ? "-1" : out);
		return 1;
	}
	return 0;
}

static void test_refang_table(void **state)
{
	(void)state;
	assert_int_equal(table_each("refang.txt", refang_row), 0);
}

static void test_refang_capacity(void **state)
{
	(void)state;
	char out[64];
	const char *s = "hxxp://a[.]bc"; /* refangs to "http://a.bc", 11 bytes */
	assert_int_equal(obs_refang(s, strlen(s), out, 12), 11);
	assert_string_equal(out, "http://a.bc");
	assert_true(obs_refang(s, strlen(s), out, 11) == (size_t)-1);
	assert_true(obs_refang(s, strlen(s), out, 0) == (size_t)-1);
	/* The replacement must fit whole, not only the bytes it replaces. */
	assert_true(obs_refang("a[://]", 6, out, 4) == (size_t)-1);
	assert_int_equal(obs_refang("a[://]", 6, out, 5), 4);
	assert_int_equal(obs_refang("", 0, out, 1), 0);
	assert_string_equal(out, "");
	assert_true(obs_refang("x", 1, out, 1) == (size_t)-1);
	/* Refanged text parses. */
	const char *d = "hXXps[://]Evil[.]Example[/]a";
	size_t n = obs_refang(d, strlen(d), out, sizeof out);
	assert_int_equal(n, 22);
	obs_value v;
	assert_int_equal(obs_parse(out, n, OBS_NONE, &v), 0);
	assert_int_equal(v.kind, OBS_URL);
	assert_string_equal(v.norm, "https://evil.example/a");
}

static void test_parse_fields(void **state)
{
	(void)state;
	obs_value v;
	assert_int_equal(obs_parse("10.1.2.3/8", 10, OBS_IPV4, &v), 0);
	assert_int_equal(v.kind, OBS_CIDR4);
	assert_int_equal(v.prefix, 8);
	static const uint8_t net4[16] = {10};
	assert_memory_equal(v.addr, net4, 16);
	assert_int_equal(obs_parse("198.51.100.7", 12, OBS_NONE, &v), 0);
	assert_int_equal(v.prefix, 32);
	static const uint8_t ip4[16] = {198, 51, 100, 7};
	assert_memory_equal(v.addr, ip4, 16);
	assert_int_equal(obs_parse("2001:db8::1:2/112", 17, OBS_NONE, &v), 0);
	assert_int_equal(v.kind, OBS_CIDR6);
	assert_int_equal(v.prefix, 112);
	static const uint8_t net6[16] = {0x20, 0x01, 0x0d, 0xb8, [13] = 1};
	assert_memory_equal(v.addr, net6, 16);
	assert_int_equal(obs_parse("::1", 3, OBS_IPV6, &v), 0);
	assert_int_equal(v.prefix, 128);
	assert_int_equal(v.addr[15], 1);
	/* Only the n bytes given are read. */
	assert_int_equal(obs_parse("1.2.3.45", 7, OBS_IPV4, &v), 0);
	assert_string_equal(v.norm, "1.2.3.4");
	assert_int_equal(obs_parse("example.com.evil", 11, OBS_NONE, &v), 0);
	assert_string_equal(v.norm, "example.com");
	/* A kind outside the enum is never parsed. */
	assert_int_equal(obs_parse("1.2.3.4", 7, OBS_KIND_COUNT, &v), -1);
	assert_int_equal(v.kind, OBS_NONE);
	assert_int_equal(obs_parse("1.2.3.4", 7, (obs_kind)-1, &v), -1);
}

/* Domains, labels and URLs at and over their length limits. */
static void test_parse_lengths(void **state)
{
	(void)state;
	obs_value v;
	char s[5000];
	/* Labels of 63, 63, 63 and 61 bytes: 253 in all, the longest name. */
	memset(s, 'a', 253);
	s[63] = s[127] = s[191] = '.';
	assert_int_equal(obs_parse(s, 253, OBS_DOMAIN, &v), 0);
	assert_int_equal(v.len, 253);
	s[253] = '.'; /* a trailing dot does not count */
	assert_int_equal(obs_parse(s, 254, OBS_DOMAIN, &v), 0);
	assert_int_equal(v.len, 253);
	s[253] = 'a';
	assert_int_equal(obs_parse(s, 254, OBS_DOMAIN, &v), -1);

	/* A URL whose normal form just fits OBS_VALUE_MAX - 1 bytes, and one over. */
	size_t pre = strlen("http://example.com/");
	memcpy(s, "http://example.com/", pre);
	memset(s + pre, 'p', OBS_VALUE_MAX - 1 - pre);
	assert_int_equal(obs_parse(s, OBS_VALUE_MAX - 1, OBS_URL, &v), 0);
	assert_int_equal(v.len, OBS_VALUE_MAX - 1);
	s[OBS_VALUE_MAX - 1] = 'p';
	assert_int_equal(obs_parse(s, OBS_VALUE_MAX, OBS_URL, &v), -1);
	assert_int_equal(v.kind, OBS_NONE);
	/* Decoding shortens: a long input can still fit. */
	for (size_t i = pre; i + 3 <= sizeof s; i += 3)
		memcpy(s + i, "%41", 3);
	size_t n = pre + (sizeof s - pre) / 3 * 3;
	assert_int_equal(obs_parse(s, n, OBS_URL, &v), 0);
	assert_int_equal(v.len, pre + (n - pre) / 3);
	/* Encoding lengthens: 700 two-byte characters become 4200 bytes. */
	for (size_t i = pre; i + 2 <= pre + 1400; i += 2)
		memcpy(s + i, "\xc3\xbc", 2);
	assert_int_equal(obs_parse(s, pre + 1400, OBS_URL, &v), -1);
	/* A long UTF-8 domain is refused before libidn2 sees it. */
	for (size_t i = 0; i + 2 <= 2000; i += 2)
		memcpy(s + i, "\xc3\xbc", 2);
	assert_int_equal(obs_parse(s, 2000, OBS_DOMAIN, &v), -1);
}

static void check_stix(obs_kind want, const char *value, const char *expected)
{
	obs_value v;
	char out[512];
	assert_int_equal(obs_parse(value, strlen(value), want, &v), 0);
	size_t n = obs_stix_comparison(&v, out, sizeof out);
	assert_int_equal(n, strlen(expected));
	assert_string_equal(out, expected);
	/* Exactly n + 1 bytes are enough, n are not. */
	assert_int_equal(obs_stix_comparison(&v, out, n + 1), n);
	assert_true(obs_stix_comparison(&v, out, n) == (size_t)-1);
}

static void test_stix_comparison(void **state)
{
	(void)state;
	check_stix(OBS_NONE, "198.51.100.7", "ipv4-addr:value = '198.51.100.7'");
	check_stix(OBS_NONE, "10.9.8.7/8", "ipv4-addr:value = '10.0.0.0/8'");
	check_stix(OBS_NONE, "2001:DB8::1", "ipv6-addr:value = '2001:db8::1'");
	check_stix(OBS_NONE, "2001:db8::/32", "ipv6-addr:value = '2001:db8::/32'");
	check_stix(OBS_NONE, "Evil.Example", "domain-name:value = 'evil.example'");
	check_stix(OBS_NONE, "http://evil.example/a", "url:value = 'http://evil.example/a'");
	check_stix(OBS_NONE, "bob@evil.example", "email-addr:value = 'bob@evil.example'");
	check_stix(OBS_NONE, "D41D8CD98F00B204E9800998ECF8427E",
		   "file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'");
	check_stix(OBS_NONE, "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		   "file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709'");
	check_stix(OBS_NONE, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		   "file:hashes.'SHA-256' = "
		   "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'");
	check_stix(OBS_SHA512,
		   "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
		   "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
		   "file:hashes.'SHA-512' = "
		   "'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
		   "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'");
	/* Quotes and backslashes in a value are escaped. */
	check_stix(OBS_URL, "http://evil.example/it's\\here",
		   "url:value = 'http://evil.example/it\\'s\\\\here'");
	check_stix(OBS_EMAIL, "o'brien@evil.example",
		   "email-addr:value = 'o\\'brien@evil.example'");
	/* No expression for no value. */
	obs_value v;
	char out[64];
	assert_int_equal(obs_parse("nonsense", 8, OBS_IPV4, &v), -1);
	assert_true(obs_stix_comparison(&v, out, sizeof out) == (size_t)-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_table),    cmocka_unit_test(test_refang_table),
	    cmocka_unit_test(test_refang_capacity), cmocka_unit_test(test_parse_fields),
	    cmocka_unit_test(test_parse_lengths),   cmocka_unit_test(test_stix_comparison),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
