/*
 * journal.c - the zone's serial and change history, kept in the store.
 *
 * Settings, per zone name Z (without its final dot):
 *
 *   dns.Z.serial          serial of the last published zone, decimal
 *   dns.Z.hash            its dns_zone_hash, 16 hex digits
 *   dns.Z.journal.<slot>  one change, slot = its `to` serial % DNS_JOURNAL_MAX:
 *                           "<from> <to>\n" then "-<record>\n" per record
 *                           removed and "+<record>\n" per record added
 *
 * Slots are a ring: a new change overwrites whatever older change had the
 * same slot, so nothing ever needs deleting (serials jump to the clock, so
 * a slot may be reused before DNS_JOURNAL_MAX changes: the chain is then
 * shorter and older secondaries get AXFR, which is always correct).
 * Loading walks back from the serial through changes whose `to` is the
 * previous `from`; a slot not on that chain (left before a change made
 * while the server was stopped) is ignored, because serials only grow.
 * Changes pruned for weight may be read again; the next publish prunes
 * them again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"

void dns_journal_init(dns_journal *j, const char *origin)
{
	memset(j, 0, sizeof *j);
	j->origin = xstrdup(origin);
	j->changes = xcalloc(DNS_JOURNAL_MAX + 1, sizeof *j->changes);
}

static void journal_clear(dns_journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		dns_change_unref(j->changes[i]);
	j->n = 0;
}

void dns_journal_fini(dns_journal *j)
{
	journal_clear(j);
	free(j->changes);
	free(j->origin);
}

void dns_setting_key(const char *origin, const char *what, char *key, size_t size)
{
	size_t n = strlen(origin);
	snprintf(key, size, "dns.%.*s.%s", (int)(n ? n - 1 : 0), origin, what);
}

int dns_setting_get(store *st, const char *key, char **v, sol_err *err)
{
	*v = NULL;
	int rc = store_setting_get(st, key, v, err);
	if (rc == SOL_ENOTFOUND) {
		sol_err_clear(err);
		return 0;
	}
	return rc;
}

/* Parse one slot's text into a change, or NULL if it is malformed. */
static dns_change *change_parse(const char *text)
{
	unsigned long from, to;
	int used = 0;
	if (sscanf(text, "%lu %lu\n%n", &from, &to, &used) != 2 || used == 0)
		return NULL;
	dns_change *c = dns_change_new((uint32_t)from, (uint32_t)to);
	for (const char *p = text + used; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);
		char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		int rc = SOL_EPARSE;
		if ((line[0] == '-' || line[0] == '+') && sp2) {
			*sp1 = *sp2 = '\0';
			rc = dns_zone_add(line[0] == '-' ? c->removed : c->added, line + 1, sp1 + 1,
					  sp2 + 1);
		}
		free(line);
		if (rc) {
			dns_change_unref(c);
			return NULL;
		}
		p = nl ? nl + 1 : p + len;
	}
	dns_zone_finish(c->removed);
	dns_zone_finish(c->added);
	return c;
}

int dns_journal_load(store *st, dns_journal *j, sol_err *err)
{
	char key[EXPORT_NAME_MAX + 48], *v;
	journal_clear(j);
	j->serial = 0;
	j->hash = 0;
	dns_setting_key(j->origin, "serial", key, sizeof key);
	int rc = dns_setting_get(st, key, &v, err);
	if (rc || !v)
		return rc;
	j->serial = (uint32_t)strtoul(v, NULL, 10);
	free(v);
	dns_setting_key(j->origin, "hash", key, sizeof key);
	if ((rc = dns_setting_get(st, key, &v, err)) != 0)
		return rc;
	j->hash = v ? strtoull(v, NULL, 16) : 0;
	free(v);

	dns_change *slot[DNS_JOURNAL_MAX] = {0};
	for (unsigned i = 0; i < DNS_JOURNAL_MAX && rc == 0; i++) {
		char what[32];
		snprintf(what, sizeof what, "journal.%u", i);
		dns_setting_key(j->origin, what, key, sizeof key);
		if ((rc = dns_setting_get(st, key, &v, err)) == 0 && v)
			slot[i] = change_parse(v);
		free(v);
	}
	/* Walk back from the serial: the change into `at` is in slot at % MAX. */
	uint32_t at = j->serial;
	size_t n = 0;
	dns_change *chain[DNS_JOURNAL_MAX];
	while (rc == 0 && n < DNS_JOURNAL_MAX) {
		dns_change *c = slot[at % DNS_JOURNAL_MAX];
		if (!c || c->to != at)
			break;
		chain[n++] = dns_change_ref(c);
		at = c->from;
	}
	for (size_t i = 0; i < n; i++)
		j->changes[i] = chain[n - 1 - i];
	j->n = n;
	for (unsigned i = 0; i < DNS_JOURNAL_MAX; i++)
		dns_change_unref(slot[i]);
	return rc;
}

/* Drop the oldest changes past DNS_JOURNAL_MAX, or while the journal holds
 * more records than the zone (AXFR would then be smaller); keep the last. */
static void journal_prune(dns_journal *j, const dns_zone *z)
{
	size_t weight = 0, drop = 0;
	for (size_t i = 0; i < j->n; i++)
		weight +=
		    dns_zone_count(j->changes[i]->removed) + dns_zone_count(j->changes[i]->added);
	while (j->n - drop > 1 && (j->n - drop > DNS_JOURNAL_MAX || weight > dns_zone_count(z))) {
		const dns_change *c = j->changes[drop++];
		weight -= dns_zone_count(c->removed) + dns_zone_count(c->added);
	}
	for (size_t i = 0; i < drop; i++)
		dns_change_unref(j->changes[i]);
	memmove(j->changes, j->changes + drop, (j->n - drop) * sizeof *j->changes);
	j->n -= drop;
}

static void change_text(const dns_change *c, sol_buf *out)
{
	buf_printf(out, "%" PRIu32 " %" PRIu32 "\n", c->from, c->to);
	for (size_t i = 0; i < dns_zone_count(c->removed); i++)
		buf_printf(out, "-%s\n", dns_zone_record(c->removed, i));
	for (size_t i = 0; i < dns_zone_count(c->added); i++)
		buf_printf(out, "+%s\n", dns_zone_record(c->added, i));
}

/* Write serial, hash and (if c) c's slot in one transaction. */
static int journal_save(store *st, const dns_journal *j, const dns_change *c, sol_err *err)
{
	char key[EXPORT_NAME_MAX + 48], val[32];
	int rc = store_begin(st, err);
	if (rc)
		return rc;
	dns_setting_key(j->origin, "serial", key, sizeof key);
	snprintf(val, sizeof val, "%" PRIu32, j->serial);
	rc = store_setting_set(st, key, val, err);
	dns_setting_key(j->origin, "hash", key, sizeof key);
	snprintf(val, sizeof val, "%016" PRIx64, j->hash);
	if (rc == 0)
		rc = store_setting_set(st, key, val, err);
	if (rc == 0 && c) {
		sol_buf text;
		buf_init(&text, SIZE_MAX);
		change_text(c, &text);
		snprintf(val, sizeof val, "journal.%u", (unsigned)(c->to % DNS_JOURNAL_MAX));
		dns_setting_key(j->origin, val, key, sizeof key);
		rc = store_setting_set(st, key, text.data, err);
		buf_fini(&text);
	}
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st);
	return rc;
}

int dns_journal_publish(store *st, dns_journal *j, const dns_zone *old, const dns_zone *z,
			sol_time now, bool *changed, sol_err *err)
{
	dns_change *c = NULL;
	*changed = false;
	if (old) {
		c = dns_change_diff(old, z, 0, 0);
		*changed = dns_zone_count(c->removed) || dns_zone_count(c->added);
	} else {
		*changed = j->serial == 0 || dns_zone_hash(z) != j->hash;
	}
	if (!*changed) {
		dns_change_unref(c);
		journal_prune(j, z);
		return 0;
	}
	int64_t secs = now / 1000000;
	uint32_t next = j->serial + 1;
	if (secs > (int64_t)next && secs <= UINT32_MAX)
		next = (uint32_t)secs;
	if (c) {
		c->from = j->serial;
		c->to = next;
		j->changes[j->n++] = c;
	} else {
		journal_clear(j);
	}
	j->serial = next;
	j->hash = dns_zone_hash(z);
	journal_prune(j, z);
	return journal_save(st, j, c, err);
}
