/*
 * test_warninglist.c - the built-in categories (table warninglist.txt),
 * leaving categories out with `allow`, MISP lists of every type written to
 * a temporary directory (matching_attributes, subdomains, containment,
 * regex flags), malformed lists, and the real misp-warninglists checkout
 * in ../shared/data/warninglists when it is present. Runs with
 * tests/unit/index/ as the working directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "index/index.h"
#include "testlib.h"

static obs_value v;

/* The list flagging text (parsed as want), or NULL. */
static const char *match(const warninglist *wl, const char *text, obs_kind want, bool sub)
{
	if (obs_parse(text, strlen(text), want, &v) != 0)
		fail_msg("%s does not parse", text);
	return warninglist_match(wl, &v, sub);
}

/*
 * warninglist.txt rows: <value> TAB <want kind or auto> TAB <exact|sub>
 * TAB <expected list name or "none">, checked with built-ins only.
 */
static void test_builtin_table(void **state)
{
	(void)state;
	warninglist *wl;
	sol_err err;
	assert_int_equal(warninglist_new(NULL, NULL, &wl, &err), 0);
	char *text = test_read_file("warninglist.txt", NULL);
	int rows = 0, failures = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *f[4] = {line, NULL, NULL, NULL};
		for (int i = 1; i < 4; i++) {
			f[i] = strchr(f[i - 1], '\t');
			if (!f[i])
				fail_msg("warninglist.txt: bad row %s", line);
			*f[i]++ = '\0';
		}
		rows++;
		obs_kind want = strcmp(f[1], "auto") == 0 ? OBS_NONE : obs_kind_from_name(f[1]);
		const char *got = match(wl, f[0], want, strcmp(f[2], "sub") == 0);
		const char *want_name = strcmp(f[3], "none") == 0 ? NULL : f[3];
		if ((got == NULL) != (want_name == NULL) || (got && strcmp(got, want_name) != 0)) {
			printf("warninglist.txt: %s: got \"%s\", want \"%s\"\n", f[0],
			       got ? got : "none", f[3]);
			failures++;
		}
	}
	assert_true(rows >= 30);
	assert_int_equal(failures, 0);
	free(text);
	warninglist_free(wl);
}

static void test_allow(void **state)
{
	(void)state;
	warninglist *wl;
	sol_err err;
	assert_int_equal(warninglist_new(NULL, "documentation,public-resolvers", &wl, &err), 0);
	assert_null(match(wl, "192.0.2.1", OBS_NONE, false));
	assert_null(match(wl, "evil.example", OBS_NONE, false));
	assert_null(match(wl, "8.8.8.8", OBS_NONE, false));
	assert_non_null(match(wl, "10.1.1.1", OBS_NONE, false));
	assert_non_null(match(wl, "127.0.0.1", OBS_NONE, false));
	warninglist_free(wl);
	assert_int_equal(warninglist_new(NULL, "loopback", &wl, &err), 0);
	assert_null(match(wl, "127.0.0.1", OBS_NONE, false));
	assert_null(match(wl, "localhost", OBS_DOMAIN, false));
	assert_non_null(match(wl, "192.0.2.1", OBS_NONE, false));
	warninglist_free(wl);
	assert_int_equal(warninglist_new(NULL, "", &wl, &err), 0);
	warninglist_free(wl);
	assert_int_equal(warninglist_new(NULL, "documentation,bogus", &wl, &err), SOL_EUSAGE);
	assert_null(wl);
	assert_non_null(strstr(err.msg, "bogus"));
}

static void write_list(const char *dir, const char *name, const char *json)
{
	char *sub = test_path(dir, name);
	mkdir(sub, 0755);
	char *path = test_path(sub, "list.json");
	test_write_file(path, json, strlen(json));
	free(path);
	free(sub);
}

static void test_misp_lists(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	write_list(dir, "a-cidr",
		   "{\"name\": \"cidrs\", \"type\": \"cidr\", \"list\": [\"45.100.0.0/16\", "
		   "\"45.101.0.1\", \"2a00:1450::/32\", \"45.102.3.4/24\", \"junk\"], "
		   "\"matching_attributes\": [\"ip-src\", \"ip-dst\"]}");
	write_list(dir, "b-hosts",
		   "{\"name\": \"hosts\", \"type\": \"hostname\", \"list\": [\".Benign.Zone.\", "
		   "\"cdn.bigcdn.zone\"], \"matching_attributes\": [\"hostname\", \"url\"]}");
	write_list(dir, "c-strings",
		   "{\"name\": \"strings\", \"type\": \"string\", \"list\": [\"Top.Site\", "
		   "\"D41D8CD98F00B204E9800998ECF8427E\"], \"matching_attributes\": [\"domain\", "
		   "\"md5\"]}");
	write_list(dir, "d-sub",
		   "{\"name\": \"subs\", \"type\": \"substring\", \"list\": [\"mailinator\"], "
		   "\"matching_attributes\": [\"email-src\", \"domain\"]}");
	char *lists = test_path(dir, "lists");
	mkdir(lists, 0755);
	write_list(lists, "e-regex",
		   "{\"name\": \"regexes\", \"type\": \"regex\", \"list\": "
		   "[\"/^(abuse|noc)@.*$/i\"], \"matching_attributes\": [\"email-dst\"]}");
	write_list(dir, "f-nomatch",
		   "{\"name\": \"phones\", \"type\": \"string\", \"list\": [\"only.phones\"], "
		   "\"matching_attributes\": [\"phone-number\"]}");
	warninglist *wl;
	sol_err err;
	assert_int_equal(warninglist_new(dir, NULL, &wl, &err), 0);

	/* cidr: containment; a wider CIDR atom is not contained */
	assert_string_equal(match(wl, "45.100.7.7", OBS_NONE, false), "cidrs");
	assert_string_equal(match(wl, "45.100.128.0/17", OBS_NONE, false), "cidrs");
	assert_null(match(wl, "45.100.0.0/15", OBS_NONE, false));
	assert_string_equal(match(wl, "45.101.0.1", OBS_NONE, false), "cidrs");
	assert_null(match(wl, "45.101.0.2", OBS_NONE, false));
	assert_string_equal(match(wl, "45.102.3.200", OBS_NONE, false), "cidrs");
	assert_string_equal(match(wl, "2A00:1450:4001::1", OBS_NONE, false), "cidrs");
	assert_string_equal(match(wl, "::ffff:45.100.1.1", OBS_NONE, false), "cidrs");
	/* hostname: the name and its subdomains, with or without `subdomains` */
	assert_string_equal(match(wl, "benign.zone", OBS_DOMAIN, false), "hosts");
	assert_string_equal(match(wl, "a.b.benign.zone", OBS_DOMAIN, true), "hosts");
	assert_null(match(wl, "notbenign.zone", OBS_DOMAIN, false));
	/* a URL is judged by its host only when it is just the site */
	assert_string_equal(match(wl, "https://cdn.bigcdn.zone/", OBS_URL, false), "hosts");
	assert_null(match(wl, "https://cdn.bigcdn.zone/payload.exe", OBS_URL, false));
	/* string: exact, case-insensitive, never for an atom with subdomains */
	assert_string_equal(match(wl, "top.site", OBS_DOMAIN, false), "strings");
	assert_null(match(wl, "top.site", OBS_DOMAIN, true));
	assert_null(match(wl, "www.top.site", OBS_DOMAIN, false));
	assert_string_equal(match(wl, "d41d8cd98f00b204e9800998ecf8427e", OBS_NONE, false),
			    "strings");
	/* substring, for the kinds of its attributes only */
	assert_string_equal(match(wl, "x@mailinator.com", OBS_EMAIL, false), "subs");
	assert_string_equal(match(wl, "mx.mailinator.com", OBS_DOMAIN, true), "subs");
	assert_null(match(wl, "http://mailinator.com/x", OBS_URL, false));
	/* regex with PHP-style flags, from dir/lists/ */
	assert_string_equal(match(wl, "NOC@corp.zone", OBS_EMAIL, false), "regexes");
	assert_null(match(wl, "ceo@corp.zone", OBS_EMAIL, false));
	/* a list for attributes we do not have flags nothing */
	assert_null(match(wl, "only.phones", OBS_DOMAIN, false));
	/* built-ins come first */
	assert_string_equal(match(wl, "10.0.0.1", OBS_NONE, false),
			    "builtin special-purpose: 10.0.0.0/8");
	warninglist_free(wl);
	free(lists);
	test_tmpdir_remove(dir);
}

static void test_bad_lists(void **state)
{
	(void)state;
	static const struct {
		const char *json;  /* list.json */
		int code;          /* expected error */
		const char *where; /* in err.where */
		const char *msg;   /* in err.msg */
	} cases[] = {
	    {"{\"name\": \"x\", \"type\": \"string\", \"list\": [", SOL_EPARSE, "list.json:1",
	     "JSON"},
	    {"{\"name\": \"x\", \"name\": \"y\", \"type\": \"string\", \"list\": []}", SOL_EPARSE,
	     "list.json", "duplicate"},
	    {"[]", SOL_EINVALID, "$", "MISP"},
	    {"{\"type\": \"string\", \"list\": []}", SOL_EINVALID, "$.name", "name"},
	    {"{\"name\": \"x\", \"type\": \"glob\", \"list\": []}", SOL_EINVALID, "$.type", "type"},
	    {"{\"name\": \"x\", \"type\": \"string\", \"list\": {}}", SOL_EINVALID, "$.list",
	     "list"},
	    {"{\"name\": \"x\", \"type\": \"string\", \"list\": [\"a\", 3]}", SOL_EINVALID,
	     "$.list[1]", "strings"},
	    {"{\"name\": \"bad-re\", \"type\": \"regex\", \"list\": [\"/(unclosed/\"]}", SOL_EPARSE,
	     "$.list[0]", "bad-re"},
	    {"{\"name\": \"bad-flag\", \"type\": \"regex\", \"list\": [\"/a/q\"]}", SOL_EPARSE,
	     "$.list[0]", "flag"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *dir = test_tmpdir();
		write_list(dir, "bad", cases[i].json);
		warninglist *wl;
		sol_err err;
		int rc = warninglist_new(dir, NULL, &wl, &err);
		if (rc != cases[i].code || !strstr(err.where, cases[i].where) ||
		    !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: %d %s: %s", i, rc, err.where, err.msg);
		assert_null(wl);
		test_tmpdir_remove(dir);
	}
	warninglist *wl;
	sol_err err;
	assert_int_equal(warninglist_new("/nonexistent/warninglists", NULL, &wl, &err),
			 SOL_ENOTFOUND);
}

static void test_real_lists(void **state)
{
	(void)state;
	char *dir = test_shared_path("warninglists");
	warninglist *wl;
	sol_err err;
	int rc = warninglist_new(dir, "public-resolvers,special-purpose,loopback", &wl, &err);
	if (rc != 0)
		fail_msg("%s: %s", err.where, err.msg);
	assert_string_equal(match(wl, "8.8.8.8", OBS_NONE, false),
			    "List of known IPv4 public DNS resolvers");
	assert_string_equal(match(wl, "2001:4860:4860::8888", OBS_NONE, false),
			    "List of known IPv6 public DNS resolvers");
	const char *top = match(wl, "google.com", OBS_DOMAIN, false);
	assert_non_null(top);
	printf("google.com: %s\n", top);
	assert_non_null(match(wl, "www.wikipedia.org", OBS_DOMAIN, false));
	assert_string_equal(match(wl, "192.168.10.1", OBS_NONE, false),
			    "List of RFC 1918 CIDR blocks");
	assert_non_null(match(wl, "d41d8cd98f00b204e9800998ecf8427e", OBS_NONE, false));
	assert_non_null(match(wl, "abuse@corp.zone", OBS_EMAIL, false));
	assert_null(match(wl, "qzxv-not-a-real-site-7781.invalid-tld-zz", OBS_DOMAIN, false));
	warninglist_free(wl);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_table), cmocka_unit_test(test_allow),
	    cmocka_unit_test(test_misp_lists),    cmocka_unit_test(test_bad_lists),
	    cmocka_unit_test(test_real_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
