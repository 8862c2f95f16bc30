/*
 * paging.c - URL parameters, `next` tokens and timestamps of the TAXII
 * server.
 *
 * Paging. Every row of a collection has a date_added that the store makes
 * strictly increasing within the collection, so "the rows after the last
 * one I saw" is exact: a page that ends at date_added D continues with
 * date_added > D, whether the client sends our opaque `next` token (which
 * is D, in hex) or `added_after=D` copied from X-TAXII-Date-Added-Last. For
 * that to hold, every timestamp we print carries all the precision we
 * store (microseconds): a millisecond rounding would make two rows added
 * in the same millisecond indistinguishable, and paging would skip one.
 *
 * Parameters are parsed strictly: limit is a positive decimal integer
 * (0, a sign or a non-number is a 400; a huge number clamps to the server
 * maximum), timestamps are STIX timestamps, match[...] values are
 * comma-separated lists checked one by one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taxii/taxii_int.h"

char *taxii_time_format(sol_time t, char buf[40])
{
	int64_t secs = t / 1000000, us = t % 1000000;
	if (us < 0) {
		us += 1000000;
		secs--;
	}
	time_t tt = (time_t)secs;
	struct tm tm;
	gmtime_r(&tt, &tm);
	snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
	return buf;
}

char *taxii_next_format(sol_time last, char buf[24])
{
	snprintf(buf, 24, "%016" PRIx64, (uint64_t)last);
	return buf;
}

int taxii_next_parse(const char *s, sol_time *last)
{
	if (strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16)
		return SOL_EPARSE;
	*last = (sol_time)strtoull(s, NULL, 16);
	return 0;
}

/* limit: digits only, >= 1; values past page_max (even past 2^64) clamp. */
static int limit_parse(const char *v, size_t page_max, size_t *out)
{
	size_t n = strlen(v);
	if (n == 0 || strspn(v, "0123456789") != n)
		return SOL_EUSAGE;
	while (*v == '0' && v[1])
		v++;
	if (strcmp(v, "0") == 0)
		return SOL_EUSAGE;
	if (strlen(v) > 18) {
		*out = page_max;
		return 0;
	}
	unsigned long long x = strtoull(v, NULL, 10);
	*out = x > page_max ? page_max : (size_t)x;
	return 0;
}

/* STIX type name: 1-250 of [a-z0-9-]. */
static bool type_valid(const char *s, size_t n)
{
	return n >= 1 && n <= 250 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") >= n;
}

/* Split v on commas and check/store each item; kind selects the field. */
static int match_parse(taxii_query *q, const char *key, const char *v, sol_err *err)
{
	const char *p = v;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char item[TAXII_ID_MAX + 1];
		if (n == 0 || n > TAXII_ID_MAX)
			return sol_fail(err, SOL_EUSAGE, key, "empty or overlong value in %s", key);
		memcpy(item, p, n);
		item[n] = '\0';
		if (strcmp(key, "match[id]") == 0) {
			if (!taxii_stix_id_valid(item))
				return sol_fail(err, SOL_EUSAGE, key, "%s: not a STIX id", key);
			if (q->n_ids == TAXII_MAX_MATCH)
				goto too_many;
			q->ids[q->n_ids++] = xstrdup(item);
		} else if (strcmp(key, "match[type]") == 0) {
			if (!type_valid(item, n))
				return sol_fail(err, SOL_EUSAGE, key, "%s: not a STIX type", key);
			if (q->n_types == TAXII_MAX_MATCH)
				goto too_many;
			q->types[q->n_types++] = xstrdup(item);
		} else if (strcmp(key, "match[version]") == 0) {
			sol_time t;
			if (strcmp(item, "last") == 0) {
				q->version_sel |= TAXII_VERSION_LAST;
			} else if (strcmp(item, "first") == 0) {
				q->version_sel |= TAXII_VERSION_FIRST;
			} else if (strcmp(item, "all") == 0) {
				q->version_sel |= TAXII_VERSION_ALL;
			} else if (sol_time_parse(item, &t) == 0) {
				if (q->n_versions == TAXII_MAX_MATCH)
					goto too_many;
				q->versions[q->n_versions++] = t;
			} else {
				return sol_fail(err, SOL_EUSAGE, key,
						"%s: expected first, last, all or a timestamp",
						key);
			}
		} else {
			/* match[spec_version]: "2.1" is the only version we hold. */
			if (strspn(item, "0123456789.") != n)
				return sol_fail(err, SOL_EUSAGE, key, "%s: not a version", key);
			if (strcmp(item, "2.1") == 0)
				q->spec_ok = true;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
too_many:
	return sol_fail(err, SOL_EUSAGE, key, "%s: more than %d values", key, TAXII_MAX_MATCH);
}

int taxii_query_parse(const taxii_param *p, size_t n, size_t page_max, taxii_query *q, sol_err *err)
{
	memset(q, 0, sizeof *q);
	q->added_after = SOL_TIME_NONE;
	q->next_after = SOL_TIME_NONE;
	q->limit = page_max;
	q->spec_ok = true;
	bool seen_spec = false, seen_after = false, seen_limit = false;
	if (n > TAXII_MAX_PARAMS)
		return sol_fail(err, SOL_EUSAGE, NULL, "more than %d URL parameters",
				TAXII_MAX_PARAMS);
	for (size_t i = 0; i < n; i++) {
		const char *k = p[i].key, *v = p[i].value ? p[i].value : "";
		int rc = 0;
		if (strcmp(k, "added_after") == 0) {
			if (seen_after || sol_time_parse(v, &q->added_after) != 0)
				return sol_fail(err, SOL_EUSAGE, k,
						"added_after: expected one timestamp such as "
						"2026-01-02T03:04:05.000000Z");
			seen_after = true;
		} else if (strcmp(k, "limit") == 0) {
			if (seen_limit || limit_parse(v, page_max, &q->limit) != 0)
				return sol_fail(err, SOL_EUSAGE, k,
						"limit: expected one positive integer");
			seen_limit = true;
		} else if (strcmp(k, "next") == 0) {
			if (q->has_next || taxii_next_parse(v, &q->next_after) != 0)
				return sol_fail(err, SOL_EUSAGE, k,
						"next: not a token this server issued");
			q->has_next = true;
		} else if (strcmp(k, "match[spec_version]") == 0) {
			if (!seen_spec)
				q->spec_ok = false;
			seen_spec = true;
			rc = match_parse(q, k, v, err);
		} else if (strcmp(k, "match[id]") == 0 || strcmp(k, "match[type]") == 0 ||
			   strcmp(k, "match[version]") == 0) {
			rc = match_parse(q, k, v, err);
		}
		if (rc != 0)
			return rc;
	}
	if (q->version_sel == 0 && q->n_versions == 0)
		q->version_sel = TAXII_VERSION_LAST;
	return 0;
}

void taxii_query_fini(taxii_query *q)
{
	for (size_t i = 0; i < q->n_ids; i++)
		free(q->ids[i]);
	for (size_t i = 0; i < q->n_types; i++)
		free(q->types[i]);
	q->n_ids = q->n_types = 0;
}
