/*
 * test_live.c - the zone that follows the store's changes (src/dns/live.c)
 * against the zone built from the whole store, step by step.
 *
 * live_steps.txt holds the steps: at each, one STIX object is imported
 * into a real store (new indicators, a record two indicators share, a
 * revocation, an older version, a new version replacing the atoms,
 * valid_until and default lifetimes passing, kinds DNS cannot see, an
 * over-long name), the live zone is updated at the step's time and must
 * hold exactly the records of dns_zone_build at that time, and the
 * expected count: the zone is the previous one patched with the change
 * the update reports, which must be exactly the difference. An update
 * that changes nothing reports no change. Then a store of many
 * indicators changed in bulk, the way an import does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"
#include "testimport.h"

#define ZONE "rpz.solidarity."

static void import_stix(store *st, const char *json)
{
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = "cert-a";
	io.default_tlp = TLP_GREEN;
	io.format = INGEST_STIX;
	test_import(st, &io, "step.json", json, strlen(json));
}

static void import_text(store *st, const char *text, size_t len)
{
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = "cert-b";
	io.default_tlp = TLP_GREEN;
	io.format = INGEST_TEXT;
	io.subdomains = true;
	test_import(st, &io, "list.txt", text, len);
}

/* z must hold exactly the records of a zone built from the store at now. */
static void assert_same_as_build(store *st, const dns_zone *z, sol_time now, const char *step)
{
	dns_zone_opts o;
	dns_zone_opts_init(&o);
	o.select.now = now;
	dns_zone *b;
	sol_err err = {0};
	assert_int_equal(dns_zone_build(st, ZONE, &o, &b, &err), 0);
	if (dns_zone_count(z) != dns_zone_count(b))
		fail_msg("%s: live zone has %zu records, built %zu", step, dns_zone_count(z),
			 dns_zone_count(b));
	for (size_t i = 0; i < dns_zone_count(b); i++)
		if (strcmp(dns_zone_record(z, i), dns_zone_record(b, i)) != 0)
			fail_msg("%s: record %zu is '%s', built '%s'", step, i,
				 dns_zone_record(z, i), dns_zone_record(b, i));
	assert_true(dns_zone_hash(z) == dns_zone_hash(b));
	dns_zone_unref(b);
}

/* c must be exactly the difference from zone old to zone new: nothing
 * removed that old lacks, nothing added that it has. */
static void assert_change(const dns_zone *old, const dns_zone *new, const dns_change *c,
			  const char *step)
{
	dns_change *d = dns_change_diff(old, new, 0, 0);
	const dns_zone *got[2] = {c->removed, c->added}, *want[2] = {d->removed, d->added};
	for (int side = 0; side < 2; side++) {
		if (dns_zone_count(got[side]) != dns_zone_count(want[side]))
			fail_msg("%s: change %s %zu records, diff %zu", step,
				 side ? "adds" : "removes", dns_zone_count(got[side]),
				 dns_zone_count(want[side]));
		for (size_t i = 0; i < dns_zone_count(want[side]); i++)
			assert_string_equal(dns_zone_record(got[side], i),
					    dns_zone_record(want[side], i));
	}
	dns_change_unref(d);
}

static void test_live_steps(void **state)
{
	(void)state;
	test_store *ts = test_store_open();
	char *path = test_source_path("tests/unit/dns/live_steps.txt");
	char *text = test_read_file(path, NULL);
	sol_time t0;
	assert_int_equal(sol_time_parse("2026-11-20T00:00:00Z", &t0), 0);
	dns_zone_opts o;
	dns_zone_opts_init(&o);
	o.select.now = t0;
	dns_live *l;
	dns_zone *z;
	sol_err err = {0};
	assert_int_equal(dns_live_new(ts->st, ZONE, &o, &l, &z, &err), 0);
	assert_int_equal(dns_zone_count(z), 0);

	int steps = 0, line_no = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		line_no++;
		if (*line == '#')
			continue;
		char *f[3];
		assert_int_equal(test_split_tabs(line, f, 3), 3);
		char step[48];
		snprintf(step, sizeof step, "live_steps.txt:%d", line_no);
		sol_time now;
		assert_int_equal(sol_time_parse(f[0], &now), 0);
		if (strcmp(f[2], "-") != 0)
			import_stix(ts->st, f[2]);
		dns_zone *whole;
		dns_change *c;
		if (dns_live_update(l, ts->st, now, &whole, &c, &err) != 0)
			fail_msg("%s: %s: %s", step, err.where, err.msg);
		assert_null(whole); /* no error, no rebuild */
		if (c) {
			dns_zone *next = dns_zone_patch(z, c->removed, c->added);
			assert_true(dns_zone_hash(next) != dns_zone_hash(z));
			assert_change(z, next, c, step);
			dns_zone_unref(z);
			z = next;
		}
		dns_change_unref(c);
		assert_same_as_build(ts->st, z, now, step);
		if (dns_zone_count(z) != (size_t)atoi(f[1]))
			fail_msg("%s: %zu records, %s expected", step, dns_zone_count(z), f[1]);
		steps++;
	}
	assert_int_equal(steps, 13);
	dns_zone_unref(z);
	dns_live_free(l);
	free(text);
	free(path);
	test_store_close(ts);
}

/* Thousands of indicators, then a thousand more with some repeated: the
 * live zone keeps up, and a pass with nothing new returns no zone. */
static void test_live_bulk(void **state)
{
	(void)state;
	test_store *ts = test_store_open();
	sol_buf list;
	buf_init(&list, SIZE_MAX);
	for (int i = 0; i < 5000; i++)
		buf_printf(&list, "h%d.bulk.example\n10.%d.%d.1\n", i, i / 250, i % 250);
	import_text(ts->st, list.data, list.len);
	dns_zone_opts o;
	dns_zone_opts_init(&o);
	sol_time now = o.select.now;
	dns_live *l;
	dns_zone *z, *next, *whole;
	sol_err err = {0};
	assert_int_equal(dns_live_new(ts->st, ZONE, &o, &l, &z, &err), 0);
	assert_int_equal(dns_zone_count(z), 5000 * 3);

	buf_reset(&list);
	for (int i = 4500; i < 5500; i++)
		buf_printf(&list, "h%d.bulk.example\n", i);
	import_text(ts->st, list.data, list.len);
	dns_change *c;
	assert_int_equal(dns_live_update(l, ts->st, now, &whole, &c, &err), 0);
	assert_null(whole);
	assert_non_null(c);
	assert_int_equal(dns_zone_count(c->removed), 0);
	assert_int_equal(dns_zone_count(c->added), 500 * 2); /* h5000..h5499 and their "*." */
	next = dns_zone_patch(z, c->removed, c->added);
	dns_change_unref(c);
	assert_int_equal(dns_zone_count(next), 5500 * 2 + 5000);
	assert_same_as_build(ts->st, next, now, "bulk");
	dns_zone_unref(z);
	z = next;
	assert_int_equal(dns_live_update(l, ts->st, now, &whole, &c, &err), 0);
	assert_null(whole);
	assert_null(c);

	dns_zone_unref(z);
	dns_live_free(l);
	buf_fini(&list);
	test_store_close(ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_live_steps),
	    cmocka_unit_test(test_live_bulk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
