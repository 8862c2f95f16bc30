/*
 * test_index.c - the compiled index: every lookup rule from the table
 * lookups.txt, indicator metadata round trips, many indicators per key and
 * the INDEX_MAX_HITS overflow, atoms that are not normal forms, snapshots
 * that are truncated, flipped, of the wrong magic or version, and the size
 * and speed of a snapshot of 1M IPv4 indicators (printed; the size is
 * asserted against the budget of format.h). Runs with tests/unit/index/
 * as the working directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "index/format.h"
#include "testlib.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Indicator i of the test tables: a v5 UUID id, one of three sources. */
static uint32_t add_indicator(index_builder *b, int i)
{
	char uuid[37], id[64], src[16];
	sol_uuid5("2b2b9e3c-6a6f-4b2c-9b0e-5f2d1f2d9b11", &i, sizeof i, uuid);
	snprintf(id, sizeof id, "indicator--%s", uuid);
	snprintf(src, sizeof src, "source-%d", i % 3);
	return index_builder_indicator(b, id, src, (stix_tlp)(i % 6), i % 101, SOL_TIME_NONE);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Hits as "value=ind value=ind", sorted; "none" when there are none. */
static void hits_text(const index_hit *hits, size_t n, char *out, size_t cap)
{
	char *items[INDEX_MAX_HITS], buf[INDEX_VALUE_BUF];
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *value = index_hit_value(&hits[i], buf, &len);
		assert_int_equal(strlen(value), len);
		items[i] = xasprintf("%s=%u", value, hits[i].ind);
	}
	qsort(items, n, sizeof *items, cmp_str);
	snprintf(out, cap, "%s", n ? "" : "none");
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", i ? " " : "", items[i]);
		free(items[i]);
	}
}

static void test_lookup_table(void **state)
{
	(void)state;
	char *text = test_read_file("lookups.txt", NULL);
	char *dir = test_tmpdir(), *path = test_path(dir, "index.snap");
	index_builder *b = index_builder_new();
	for (int i = 0; i < 25; i++)
		assert_int_equal(add_indicator(b, i), i);
	/* pass 1: atoms; pass 2: lookups against the written snapshot */
	char *copy = xstrdup(text);
	for (char *line = copy, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *f[5] = {NULL, NULL, NULL, NULL, NULL};
		if (line[0] == '#' || test_split_tabs(line, f, 5) != 5 || strcmp(f[0], "atom") != 0)
			continue;
		obs_kind k = obs_kind_from_name(f[2]);
		int rc =
		    index_builder_atom(b, (uint32_t)atoi(f[1]), k, strcmp(f[3], "sub") == 0, f[4]);
		if (rc != 0)
			fail_msg("atom %s %s rejected", f[2], f[4]);
	}
	free(copy);
	sol_err err;
	assert_int_equal(index_builder_write(b, path, &err), 0);
	index_builder_free(b);

	index_snapshot *ix;
	assert_int_equal(index_open(path, &ix, &err), 0);
	int failures = 0, rows = 0;
	static obs_value v;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *f[4] = {NULL, NULL, NULL, NULL};
		if (line[0] == '#' || test_split_tabs(line, f, 4) != 4 ||
		    strcmp(f[0], "lookup") != 0)
			continue;
		rows++;
		obs_kind want = strcmp(f[2], "auto") == 0 ? OBS_NONE : obs_kind_from_name(f[2]);
		if (obs_parse(f[1], strlen(f[1]), want, &v) != 0) {
			printf("lookups.txt: %s does not parse\n", f[1]);
			failures++;
			continue;
		}
		index_hit hits[INDEX_MAX_HITS];
		char got[2048];
		size_t n = index_lookup(ix, &v, hits, INDEX_MAX_HITS);
		hits_text(hits, n, got, sizeof got);
		if (strcmp(got, f[3]) != 0) {
			printf("lookups.txt: %s: got \"%s\", want \"%s\"\n", f[1], got, f[3]);
			failures++;
		}
	}
	assert_true(rows >= 30);
	assert_int_equal(failures, 0);
	index_close(ix);
	free(text);
	free(path);
	test_tmpdir_remove(dir);
}

static void test_hit_fields(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *path = test_path(dir, "i.snap");
	index_builder *b = index_builder_new();
	add_indicator(b, 0);
	assert_int_equal(index_builder_atom(b, 0, OBS_CIDR4, false, "10.0.0.0/8"), 0);
	assert_int_equal(index_builder_atom(b, 0, OBS_DOMAIN, true, "evil.example"), 0);
	assert_int_equal(index_builder_atom(b, 0, OBS_CIDR6, false, "2001:db8::/32"), 0);
	/* the exact atom of a name the indicator also covers "and below" folds
	 * into that key: three keys, and the name itself is an exact hit */
	assert_int_equal(index_builder_atom(b, 0, OBS_DOMAIN, false, "evil.example"), 0);
	assert_int_equal(index_builder_write(b, path, NULL), 0);
	index_builder_free(b);
	index_snapshot *ix;
	assert_int_equal(index_open(path, &ix, NULL), 0);
	index_info info;
	index_info_get(ix, &info);
	assert_int_equal(info.atoms, 3);
	static obs_value v;
	index_hit h[4];
	assert_int_equal(obs_parse("evil.example", 12, OBS_NONE, &v), 0);
	assert_int_equal(index_lookup(ix, &v, h, 4), 1);
	assert_int_equal(h[0].kind, OBS_DOMAIN);
	assert_false(h[0].subdomains);
	assert_int_equal(obs_parse("10.2.3.4", 8, OBS_NONE, &v), 0);
	assert_int_equal(index_lookup(ix, &v, h, 4), 1);
	assert_int_equal(h[0].kind, OBS_CIDR4);
	assert_false(h[0].subdomains);
	char buf[INDEX_VALUE_BUF];
	size_t len;
	assert_string_equal(index_hit_value(&h[0], buf, &len), "10.0.0.0/8");
	assert_int_equal(len, 10);
	assert_int_equal(obs_parse("x.evil.example", 14, OBS_NONE, &v), 0);
	assert_int_equal(index_lookup(ix, &v, h, 4), 1);
	assert_int_equal(h[0].kind, OBS_DOMAIN);
	assert_true(h[0].subdomains);
	assert_int_equal(obs_parse("2001:db8::5", 11, OBS_NONE, &v), 0);
	assert_int_equal(index_lookup(ix, &v, h, 4), 1);
	assert_int_equal(h[0].kind, OBS_CIDR6);
	/* max 0: counted, nothing written */
	assert_int_equal(index_lookup(ix, &v, NULL, 0), 1);
	index_close(ix);
	free(path);
	test_tmpdir_remove(dir);
}

static void test_metadata(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *path = test_path(dir, "m.snap");
	index_builder *b = index_builder_new();
	sol_time until;
	assert_int_equal(sol_time_parse("2031-02-03T04:05:06.789Z", &until), 0);
	const char *uuid_id = "indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
	const char *text_id = "misp-attribute-42";
	const char *upper_id = "indicator--0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D";
	assert_int_equal(index_builder_indicator(b, uuid_id, "partner-a", TLP_AMBER, 77, until), 0);
	assert_int_equal(
	    index_builder_indicator(b, text_id, "partner-b", TLP_NONE, -1, SOL_TIME_NONE), 1);
	assert_int_equal(index_builder_indicator(b, upper_id, "partner-a", TLP_RED, 100, 0), 2);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(index_builder_atom(b, i, OBS_IPV4, false, "198.51.100.1"), 0);
	assert_int_equal(index_builder_write(b, path, NULL), 0);
	index_builder_free(b);

	index_snapshot *ix;
	assert_int_equal(index_open(path, &ix, NULL), 0);
	index_info info;
	index_info_get(ix, &info);
	assert_int_equal(info.version, IX_VERSION);
	assert_int_equal(info.indicators, 3);
	assert_int_equal(info.atoms, 1);
	assert_true(info.created > 0 && info.created <= sol_time_now());
	size_t flen;
	free(test_read_file(path, &flen));
	assert_int_equal(info.bytes, flen);

	index_indicator r;
	index_indicator_get(ix, 0, &r);
	assert_string_equal(r.id, uuid_id);
	assert_string_equal(r.source, "partner-a");
	assert_int_equal(r.tlp, TLP_AMBER);
	assert_int_equal(r.confidence, 77);
	assert_true(r.valid_until == until);
	index_indicator_get(ix, 1, &r);
	assert_string_equal(r.id, text_id);
	assert_string_equal(r.source, "partner-b");
	assert_int_equal(r.tlp, TLP_NONE);
	assert_int_equal(r.confidence, -1);
	assert_true(r.valid_until == SOL_TIME_NONE);
	index_indicator_get(ix, 2, &r);
	assert_string_equal(r.id, upper_id);
	assert_int_equal(r.tlp, TLP_RED);
	assert_int_equal(r.confidence, 100);
	assert_true(r.valid_until == 0);
	index_close(ix);
	free(path);
	test_tmpdir_remove(dir);
}

static void test_many_per_key(void **state)
{
	(void)state;
	enum { N = 100 };
	char *dir = test_tmpdir(), *path = test_path(dir, "s.snap");
	index_builder *b = index_builder_new();
	for (int i = 0; i < N; i++) {
		add_indicator(b, i);
		assert_int_equal(
		    index_builder_atom(b, (uint32_t)i, OBS_DOMAIN, false, "shared.example"), 0);
		/* a repeated atom of the same indicator counts once */
		assert_int_equal(
		    index_builder_atom(b, (uint32_t)i, OBS_DOMAIN, false, "shared.example"), 0);
	}
	assert_int_equal(index_builder_write(b, path, NULL), 0);
	index_builder_free(b);
	index_snapshot *ix;
	assert_int_equal(index_open(path, &ix, NULL), 0);
	static obs_value v;
	assert_int_equal(obs_parse("shared.example", 14, OBS_NONE, &v), 0);
	index_hit hits[INDEX_MAX_HITS];
	assert_int_equal(index_lookup(ix, &v, hits, INDEX_MAX_HITS), N);
	bool seen[N] = {false};
	for (int i = 0; i < INDEX_MAX_HITS; i++) {
		assert_true(hits[i].ind < N);
		assert_false(seen[hits[i].ind]);
		seen[hits[i].ind] = true;
		char buf[INDEX_VALUE_BUF];
		size_t len;
		assert_string_equal(index_hit_value(&hits[i], buf, &len), "shared.example");
	}
	assert_int_equal(index_lookup(ix, &v, hits, 3), N);
	index_close(ix);
	free(path);
	test_tmpdir_remove(dir);
}

static void test_bad_atoms(void **state)
{
	(void)state;
	static const struct {
		obs_kind kind;
		const char *value;
	} bad[] = {
	    {OBS_IPV4, "198.051.100.7"},
	    {OBS_IPV4, "10.0.0.0/8"},
	    {OBS_CIDR4, "10.0.0.1/8"},
	    {OBS_CIDR4, "10.0.0.1"},
	    {OBS_IPV6, "2001:DB8::1"},
	    {OBS_IPV6, "2001:db8:0::1"},
	    {OBS_DOMAIN, "Evil.example"},
	    {OBS_DOMAIN, "evil.example."},
	    {OBS_URL, "evil.example"},
	    {OBS_EMAIL, "nobody"},
	    {OBS_MD5, "D41D8CD98F00B204E9800998ECF8427E"},
	    {OBS_SHA1, "d41d8cd98f00b204e9800998ecf8427e"},
	    {OBS_NONE, "x"},
	    {OBS_DOMAIN, ""},
	};
	index_builder *b = index_builder_new();
	add_indicator(b, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (index_builder_atom(b, 0, bad[i].kind, false, bad[i].value) != SOL_EINVALID)
			fail_msg("%s %s accepted", obs_kind_name(bad[i].kind), bad[i].value);
	assert_int_equal(index_builder_atom(b, 1, OBS_IPV4, false, "198.51.100.7"), SOL_EINVALID);
	index_builder_free(b);
}

/* A small snapshot of every key class, for the corruption tests. */
static char *small_snapshot(const char *dir, size_t *len)
{
	char *path = test_path(dir, "small.snap");
	index_builder *b = index_builder_new();
	for (int i = 0; i < 4; i++)
		add_indicator(b, i);
	index_builder_indicator(b, "custom-id", "other", TLP_GREEN, 5, 1234);
	assert_int_equal(index_builder_atom(b, 0, OBS_IPV4, false, "198.51.100.7"), 0);
	assert_int_equal(index_builder_atom(b, 1, OBS_IPV4, false, "198.51.100.7"), 0);
	assert_int_equal(index_builder_atom(b, 1, OBS_CIDR6, false, "2001:db8::/32"), 0);
	assert_int_equal(index_builder_atom(b, 2, OBS_DOMAIN, true, "evil.example"), 0);
	assert_int_equal(index_builder_atom(b, 3, OBS_URL, false, "http://evil.example/"), 0);
	assert_int_equal(
	    index_builder_atom(b, 4, OBS_MD5, false, "d41d8cd98f00b204e9800998ecf8427e"), 0);
	assert_int_equal(index_builder_write(b, path, NULL), 0);
	index_builder_free(b);
	char *bytes = test_read_file(path, len);
	free(path);
	return bytes;
}

/* Look up a few values and read every hit's indicator: must not crash.
 * The hits, as text, go to out. */
static void exercise(const index_snapshot *ix, sol_buf *out)
{
	static const char *const values[] = {"198.51.100.7",
					     "2001:db8::9",
					     "a.evil.example",
					     "http://evil.example/",
					     "d41d8cd98f00b204e9800998ecf8427e",
					     "::ffff:1.2.3.4"};
	static obs_value v;
	buf_reset(out);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		index_hit hits[INDEX_MAX_HITS];
		assert_int_equal(obs_parse(values[i], strlen(values[i]), OBS_NONE, &v), 0);
		size_t n = index_lookup(ix, &v, hits, INDEX_MAX_HITS);
		for (size_t j = 0; j < n && j < INDEX_MAX_HITS; j++) {
			index_indicator r;
			index_indicator_get(ix, hits[j].ind, &r);
			char buf[INDEX_VALUE_BUF];
			size_t len;
			const char *value = index_hit_value(&hits[j], buf, &len);
			assert_true(strlen(value) == len);
			buf_printf(out, "%s %s %s %d\n", value, r.id, r.source, r.tlp);
		}
	}
}

static void test_corrupt(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *path = test_path(dir, "bad.snap");
	size_t len;
	char *good = small_snapshot(dir, &len);
	index_snapshot *ix;
	sol_err err;

	/* truncated anywhere: SOL_EINVALID naming the truncation */
	for (size_t cut = 0; cut < len; cut++) {
		test_write_file(path, good, cut);
		int rc = index_open(path, &ix, &err);
		if (rc != SOL_EINVALID)
			fail_msg("truncated at %zu: %d", cut, rc);
		assert_null(ix);
		assert_non_null(strstr(err.msg, "truncated"));
	}
	/* a flipped bit in the header or SUMS fails the header checksum at
	 * open; elsewhere the open may succeed, but a lookup never returns a
	 * wrong hit: it finds what the good file finds, or the snapshot
	 * reports the damage; index_verify always does */
	sol_buf want, got;
	buf_init(&want, 1 << 20);
	buf_init(&got, 1 << 20);
	assert_int_equal(index_open_mem(good, len, true, &ix, NULL), 0);
	exercise(ix, &want);
	assert_true(want.len > 0);
	index_close(ix);
	char *bad = xmalloc(len);
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, good, len);
		bad[i] ^= (char)(1 << i % 8);
		test_write_file(path, bad, len);
		int rc = index_open(path, &ix, &err);
		if (rc != 0) {
			assert_int_equal(rc, SOL_EINVALID);
			continue;
		}
		assert_true(i >= IX_HEADER_SIZE);
		exercise(ix, &got);
		if (index_error(ix, NULL) == 0 &&
		    (got.len != want.len || memcmp(got.data, want.data, got.len) != 0))
			fail_msg("flipped byte %zu: wrong hits without an error", i);
		assert_int_equal(index_verify(ix, &err), SOL_EINVALID);
		assert_non_null(strstr(err.msg, "checksum"));
		index_close(ix);
	}
	/* without the checksums the bounds checks stand alone: every flipped
	 * byte either is refused or gives a snapshot safe to use */
	void *aligned = xmalloc(len);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			memcpy(aligned, good, len);
			((char *)aligned)[i] ^= (char)(1 << bit);
			if (index_open_mem(aligned, len, false, &ix, NULL) == 0) {
				exercise(ix, &got);
				index_close(ix);
			}
		}
	}
	free(aligned);

	memcpy(bad, good, len);
	bad[0] = 'X';
	test_write_file(path, bad, len);
	assert_int_equal(index_open(path, &ix, &err), SOL_EINVALID);
	assert_non_null(strstr(err.msg, "magic"));
	assert_non_null(strstr(err.where, "bad.snap"));

	memcpy(bad, good, len);
	uint32_t version = IX_VERSION + 1;
	memcpy(bad + 8, &version, 4);
	test_write_file(path, bad, len);
	assert_int_equal(index_open(path, &ix, &err), SOL_EINVALID);
	char reads[64];
	snprintf(reads, sizeof reads, "version %u, this build reads version %u", version,
		 IX_VERSION);
	assert_non_null(strstr(err.msg, reads));

	test_write_file(path, good, len);
	assert_int_equal(index_open(path, &ix, &err), 0);
	assert_int_equal(index_verify(ix, &err), 0);
	exercise(ix, &got);
	assert_int_equal(got.len, want.len);
	index_close(ix);
	buf_fini(&want);
	buf_fini(&got);

	assert_int_equal(index_open("/nonexistent/index.snap", &ix, &err), SOL_ENOTFOUND);
	free(bad);
	free(good);
	free(path);
	test_tmpdir_remove(dir);
}

/*
 * Damage in a snapshot of many blocks: 5,000 indicators (about 400 blocks).
 * Flipping one byte anywhere after the header never gives a hit the good
 * file does not have; lookups that would need the damaged block find
 * nothing there, and index_error names it.
 */
static void test_damage_blocks(void **state)
{
	(void)state;
	enum { N = 5000 };
	char *dir = test_tmpdir(), *path = test_path(dir, "d.snap");
	index_builder *b = index_builder_new();
	char value[64];
	for (uint32_t i = 0; i < N; i++) {
		add_indicator(b, (int)i);
		snprintf(value, sizeof value, "198.18.%u.%u", i >> 8, i & 255);
		assert_int_equal(index_builder_atom(b, i, OBS_IPV4, false, value), 0);
		snprintf(value, sizeof value, "host%u.evil.example", i);
		assert_int_equal(index_builder_atom(b, i, OBS_DOMAIN, true, value), 0);
	}
	assert_int_equal(index_builder_write(b, path, NULL), 0);
	index_builder_free(b);
	size_t len;
	char *good = test_read_file(path, &len);
	uint64_t *copy = xmalloc(len + 8);
	static obs_value v;
	for (int round = 0; round < 400; round++) {
		size_t at = IX_HEADER_SIZE + (size_t)round * 7919 % (len - IX_HEADER_SIZE);
		memcpy(copy, good, len);
		((char *)copy)[at] ^= (char)(1 << round % 8);
		index_snapshot *ix;
		if (index_open_mem(copy, len, true, &ix, NULL) != 0)
			continue;
		size_t found = 0;
		for (uint32_t i = 0; i < N; i += 7) {
			index_hit hits[INDEX_MAX_HITS];
			snprintf(value, sizeof value, "a.host%u.evil.example", i);
			assert_int_equal(obs_parse(value, strlen(value), OBS_NONE, &v), 0);
			size_t n = index_lookup(ix, &v, hits, INDEX_MAX_HITS);
			for (size_t j = 0; j < n && j < INDEX_MAX_HITS; j++)
				if (hits[j].ind != i)
					fail_msg("flip at %zu: %s found indicator %u", at, value,
						 hits[j].ind);
			found += n;
		}
		if (found < (N + 6) / 7)
			assert_int_equal(index_error(ix, NULL), SOL_EINVALID);
		assert_int_equal(index_verify(ix, NULL), SOL_EINVALID);
		index_close(ix);
	}
	free(copy);
	free(good);
	free(path);
	test_tmpdir_remove(dir);
}

static void test_write_errors(void **state)
{
	(void)state;
	index_builder *b = index_builder_new();
	sol_err err;
	assert_int_equal(index_builder_write(b, "/nonexistent/dir/x.snap", &err), SOL_EIO);
	assert_non_null(strstr(err.where, "/nonexistent/dir/x.snap"));
	index_builder_free(b);

	/* an empty index is valid and finds nothing */
	char *dir = test_tmpdir(), *path = test_path(dir, "empty.snap");
	b = index_builder_new();
	assert_int_equal(index_builder_write(b, path, NULL), 0);
	index_builder_free(b);
	index_snapshot *ix;
	assert_int_equal(index_open(path, &ix, NULL), 0);
	sol_buf got;
	buf_init(&got, 1 << 20);
	exercise(ix, &got);
	assert_int_equal(got.len, 0);
	buf_fini(&got);
	index_close(ix);
	/* no temporary file is left behind */
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	assert_int_not_equal(access(tmp, F_OK), 0);
	free(tmp);
	free(path);
	test_tmpdir_remove(dir);
}

/* 1M indicators with one IPv4 address each: bytes per indicator beyond
 * the value itself (its text), build time and lookup speed. */
static void test_million(void **state)
{
	(void)state;
	enum { N = 1000000 };
	char *dir = test_tmpdir(), *path = test_path(dir, "m.snap");
	double t0 = now_s();
	index_builder *b = index_builder_new();
	uint64_t value_bytes = 0;
	char ip[32];
	for (uint32_t i = 0; i < N; i++) {
		char id[64];
		snprintf(id, sizeof id, "indicator--%08x-0000-4000-8000-%012x", i, i * 7u);
		index_builder_indicator(b, id, "bench", TLP_GREEN, 50, SOL_TIME_NONE);
		int n = snprintf(ip, sizeof ip, "%u.%u.%u.%u", 11 + (i >> 16), (i >> 8) & 255,
				 i & 255, 1 + i % 200);
		value_bytes += (uint64_t)n;
		assert_int_equal(index_builder_atom(b, i, OBS_IPV4, false, ip), 0);
	}
	assert_int_equal(index_builder_write(b, path, NULL), 0);
	double build = now_s() - t0;
	index_builder_free(b);

	index_snapshot *ix;
	assert_int_equal(index_open(path, &ix, NULL), 0);
	index_info info;
	index_info_get(ix, &info);
	double per = (double)(info.bytes - value_bytes) / N;
	printf("1M IPv4 indicators: %.1f bytes/indicator + %.1f value bytes, build %.2f s\n", per,
	       (double)value_bytes / N, build);
	assert_true(per < 48);

	static obs_value v[1024];
	for (uint32_t i = 0; i < 1024; i++) {
		uint32_t k = i * 977; /* odd i: 10.x.y.z, absent */
		int n = snprintf(ip, sizeof ip, "%u.%u.%u.%u", i & 1 ? 10 : 11 + (k >> 16),
				 (k >> 8) & 255, k & 255, 1 + k % 200);
		assert_int_equal(obs_parse(ip, (size_t)n, OBS_IPV4, &v[i]), 0);
	}
	index_hit hits[INDEX_MAX_HITS];
	size_t found = 0, rounds = 1000;
	t0 = now_s();
	for (size_t r = 0; r < rounds; r++)
		for (int i = 0; i < 1024; i++)
			found += index_lookup(ix, &v[i], hits, INDEX_MAX_HITS);
	double ns = (now_s() - t0) * 1e9 / (double)(rounds * 1024);
	printf("lookup: %.0f ns/op (%zu hits in %zu lookups)\n", ns, found, rounds * 1024);
	assert_int_equal(found, rounds * 512);
	index_close(ix);
	free(path);
	test_tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup_table),  cmocka_unit_test(test_hit_fields),
	    cmocka_unit_test(test_metadata),      cmocka_unit_test(test_many_per_key),
	    cmocka_unit_test(test_bad_atoms),     cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_damage_blocks), cmocka_unit_test(test_write_errors),
	    cmocka_unit_test(test_million),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
