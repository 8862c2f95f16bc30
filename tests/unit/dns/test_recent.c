/*
 * test_recent.c - the split between the bulk and the recent-additions
 * zone (src/dns/recent.c), step by step at chosen times: arrivals wait,
 * a fold by count, by age and because the bulk zone changes anyway, the
 * grace before folded records leave, a bulk import going to the bulk
 * zone directly, removals, a build's keep, and the split kept in a real
 * store across a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"
#include "testimport.h"

#define ORIGIN "rpz-recent.solidarity."
#define SEC 1000000 /* microseconds */
#define T0 ((sol_time)1800000000 * SEC)
#define AGE (600 * (sol_time)SEC)
#define GRACE (900 * (sol_time)SEC)

/* A finished zone of the space-separated owners, each "owner CNAME .". */
static dns_zone *zone_of(const char *owners)
{
	dns_zone *z = dns_zone_new();
	char *copy = xstrdup(owners);
	for (char *o = strtok(copy, " "); o; o = strtok(NULL, " "))
		dns_zone_add(z, o, "CNAME", ".");
	free(copy);
	dns_zone_finish(z);
	return z;
}

/* z holds exactly the records of owners. */
static void assert_zone(const dns_zone *z, const char *owners)
{
	dns_zone *want = zone_of(owners);
	if (dns_zone_count(z) != dns_zone_count(want))
		fail_msg("%zu records, want %zu (%s)", dns_zone_count(z), dns_zone_count(want),
			 owners);
	for (size_t i = 0; i < dns_zone_count(want); i++)
		assert_string_equal(dns_zone_record(z, i), dns_zone_record(want, i));
	dns_zone_unref(want);
}

/* One step at now with the change (owners removed, added; "" for none):
 * the records the bulk zone gains must be to_bulk, and whether the recent
 * zone changed. */
static void step(dns_recent *r, sol_time now, const char *removed, const char *added,
		 const char *to_bulk, bool changed)
{
	dns_change *c = dns_change_new(0, 0);
	dns_zone_unref(c->removed);
	dns_zone_unref(c->added);
	c->removed = zone_of(removed);
	c->added = zone_of(added);
	dns_zone *bulk;
	assert_int_equal(dns_recent_step(r, *removed || *added ? c : NULL, now, &bulk), changed);
	assert_zone(bulk, to_bulk);
	dns_zone_unref(bulk);
	dns_change_unref(c);
}

static void assert_recent(const dns_recent *r, const char *owners)
{
	dns_zone *z = dns_recent_zone(r);
	assert_zone(z, owners);
	dns_zone_unref(z);
}

/* Folding at `records` waiting, or after AGE unless age_too is false. */
static dns_recent *recent_new(size_t records, bool age_too)
{
	dns_fold f = {.records = records, .age = age_too ? AGE : 100 * GRACE, .grace = GRACE};
	return dns_recent_new(ORIGIN, &f);
}

static void test_fold_by_count_and_grace(void **state)
{
	(void)state;
	dns_recent *r = recent_new(3, false);
	step(r, T0, "", "a.example b.example", "", true); /* they wait */
	assert_recent(r, "a.example b.example");
	step(r, T0 + SEC, "", "", "", false); /* nothing due */
	step(r, T0 + 2 * SEC, "", "c.example", "a.example b.example c.example", true);
	assert_recent(r, "a.example b.example c.example"); /* folded, still here */
	step(r, T0 + 3 * SEC, "", "d.example", "", true);  /* a new one waits alone */
	step(r, T0 + 2 * SEC + GRACE - 1, "", "", "", false);
	step(r, T0 + 2 * SEC + GRACE, "", "", "", true); /* the grace is over */
	assert_recent(r, "d.example");
	dns_recent_free(r);
}

static void test_fold_by_age(void **state)
{
	(void)state;
	dns_recent *r = recent_new(100, true);
	step(r, T0, "", "a.example", "", true);
	step(r, T0 + AGE / 2, "", "b.example", "", true);
	step(r, T0 + AGE - 1, "", "", "", false);
	step(r, T0 + AGE, "", "", "a.example b.example", false); /* the oldest decides */
	assert_recent(r, "a.example b.example");
	step(r, T0 + AGE + GRACE, "", "", "", true);
	assert_recent(r, "");
	dns_recent_free(r);
}

/* An import of `records` or more goes to the bulk zone directly, and the
 * records waiting go with it. */
static void test_bulk_import(void **state)
{
	(void)state;
	dns_recent *r = recent_new(3, true);
	step(r, T0, "", "a.example", "", true);
	step(r, T0 + SEC, "", "b.example c.example d.example",
	     "a.example b.example c.example d.example", false);
	assert_recent(r, "a.example");
	step(r, T0 + SEC + GRACE, "", "", "", true);
	assert_recent(r, "");
	dns_recent_free(r);
}

/* A removal takes a record out wherever it is; one from the bulk zone
 * makes the waiting records fold with it, one of a waiting record does
 * not. */
static void test_removals(void **state)
{
	(void)state;
	dns_recent *r = recent_new(100, true);
	step(r, T0, "", "a.example b.example", "", true);
	step(r, T0 + SEC, "a.example", "", "", true); /* it was waiting */
	assert_recent(r, "b.example");
	step(r, T0 + 2 * SEC, "old.example", "", "b.example", false); /* old one in bulk */
	step(r, T0 + 3 * SEC, "b.example", "", "", true);             /* folded: leaves now */
	assert_recent(r, "");
	dns_recent_free(r);
}

/* After a build, records the zone lost are forgotten and the waiting
 * ones are what the bulk zone leaves out. */
static void test_keep(void **state)
{
	(void)state;
	dns_recent *r = recent_new(2, true);
	step(r, T0, "", "a.example b.example", "a.example b.example", false); /* direct */
	step(r, T0 + SEC, "", "c.example", "", true);
	step(r, T0 + 2 * SEC, "", "d.example", "c.example d.example", true);
	step(r, T0 + 3 * SEC, "", "e.example", "", true);
	dns_zone *z = zone_of("x.example c.example e.example");
	dns_zone *waiting = dns_recent_keep(r, z);
	assert_zone(waiting, "e.example");
	assert_recent(r, "c.example e.example");
	dns_zone_unref(waiting);
	dns_zone_unref(z);
	step(r, T0 + 4 * SEC, "", "", "", true); /* keep changed the zone */
	dns_recent_free(r);
}

static void test_saved(void **state)
{
	(void)state;
	test_store *ts = test_store_open();
	sol_err err = {0};
	dns_recent *r = recent_new(2, true);
	assert_int_equal(dns_recent_load(r, ts->st, &err), 0); /* nothing saved yet */
	assert_recent(r, "");
	step(r, T0, "", "c.example", "", true);
	step(r, T0 + SEC, "", "d.example", "c.example d.example", true);
	step(r, T0 + 2 * SEC, "", "e.example", "", true);
	assert_int_equal(dns_recent_save(r, ts->st, &err), 0);
	dns_recent_free(r);

	r = recent_new(2, true); /* a restarted server */
	assert_int_equal(dns_recent_load(r, ts->st, &err), 0);
	assert_recent(r, "c.example d.example e.example");
	dns_zone *all = zone_of("x.example c.example d.example e.example");
	dns_zone *waiting = dns_recent_keep(r, all);
	assert_zone(waiting, "e.example"); /* c and d were folded before the restart */
	dns_zone_unref(waiting);
	dns_zone_unref(all);
	/* c and d leave a grace after their fold; e, old enough, folds */
	step(r, T0 + SEC + GRACE, "", "", "e.example", true);
	assert_recent(r, "e.example");
	assert_int_equal(dns_recent_save(r, ts->st, &err), 0);
	dns_recent_free(r);
	r = recent_new(2, true);
	assert_int_equal(dns_recent_load(r, ts->st, &err), 0);
	assert_recent(r, "e.example");
	step(r, T0 + SEC + 2 * GRACE, "", "", "", true);
	assert_recent(r, "");
	dns_recent_free(r);
	test_store_close(ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fold_by_count_and_grace),
	    cmocka_unit_test(test_fold_by_age),
	    cmocka_unit_test(test_bulk_import),
	    cmocka_unit_test(test_removals),
	    cmocka_unit_test(test_keep),
	    cmocka_unit_test(test_saved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
