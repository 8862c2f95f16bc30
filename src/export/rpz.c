/*
 * rpz.c - a DNS Response Policy Zone (draft-vixie-dnsop-dns-rpz) as BIND,
 * Unbound and Knot Resolver load it.
 *
 *   $ORIGIN rpz.solidarity.
 *   $TTL 300
 *   @ SOA localhost. hostmaster.localhost. 1767225600 3600 600 864000 60
 *   @ NS localhost.
 *   evil.example CNAME . ; indicator--1 (cert-xx)
 *   *.evil.example CNAME . ; indicator--1 (cert-xx)
 *   32.7.100.51.198.rpz-ip CNAME . ; indicator--2 (cert-xx)
 *   48.zz.db8.2001.rpz-ip CNAME . ; indicator--3 (cert-xx)
 *
 * Triggers. A domain is a QNAME trigger (relative to the origin); an atom
 * covering subdomains adds the wildcard "*.name". Addresses and CIDRs are
 * response-IP triggers "<prefix>.<address reversed>.rpz-ip": IPv4 octets
 * reversed, IPv6 16-bit words reversed in hex without leading zeros and
 * the longest run (two or more) of zero words written "zz". Names that
 * would exceed 255 bytes with the origin appended are left out (counted
 * as skipped), as are URLs, emails and hashes, which DNS cannot see.
 *
 * Every trigger appears once (atoms are sorted and equal values merged);
 * the comment after it names the indicators and sources behind it, so an
 * operator can trace a block. Comments are not zone data.
 *
 * Serial. The body (every line after NS) is hashed as it is written; the
 * SOA leaves a ten-character slot for the serial, filled in (pwrite) once
 * the hash is known, so the zone is formatted once. The store settings
 * "export.rpz.<zone>.hash" and ".serial" (or, for an export made for one
 * audience, "<rpz_state>.hash" and ".serial") remember the last export:
 * same hash, same serial; otherwise serial = max(last + 1, now in Unix
 * seconds), so secondaries transfer the zone exactly when it changed. A
 * serial of fewer than ten digits is followed by spaces (still one
 * field). The settings are updated after the file is in place.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

#define RPZ_TTL 300                  /* $TTL of every record */
#define RPZ_COMMENT_IDS 4            /* indicators named per trigger before "+N more" */
#define RPZ_WIRE_NAME_MAX 254        /* presentation length of a 255-byte wire name */
#define RPZ_SERIAL_SLOT "0000000000" /* the SOA serial's place, filled in last */

static const char *rpz_action(const export_opts *o)
{
	switch (o->rpz_policy) {
	case RPZ_NXDOMAIN: return ".";
	case RPZ_NODATA: return "*.";
	case RPZ_DROP: return "rpz-drop.";
	case RPZ_PASSTHRU: return "rpz-passthru.";
	case RPZ_REDIRECT: return o->rpz_redirect;
	}
	return ".";
}

static void put_str(sol_buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

static void put_uint(sol_buf *b, unsigned v)
{
	char d[24];
	buf_append(b, d, export_utoa(v, d));
}

/* The reversed rpz-ip label sequence of an address atom into out. */
static void rpz_ip_owner(const export_atom *a, sol_buf *out)
{
	put_uint(out, a->prefix);
	if (a->kind == OBS_IPV4 || a->kind == OBS_CIDR4) {
		for (int i = 3; i >= 0; i--) {
			put_str(out, ".");
			put_uint(out, a->addr[i]);
		}
	} else {
		unsigned w[8];
		int run = -1, run_len = 0;
		for (int i = 0; i < 8; i++)
			w[i] = (unsigned)a->addr[2 * i] << 8 | a->addr[2 * i + 1];
		for (int i = 0; i < 8;) { /* longest zero run, first on ties */
			int j = i;
			while (j < 8 && w[j] == 0)
				j++;
			if (j - i > run_len && j - i >= 2) {
				run = i;
				run_len = j - i;
			}
			i = j > i ? j : i + 1;
		}
		for (int i = 7; i >= 0; i--) {
			if (i >= run && i < run + run_len) {
				if (i == run)
					put_str(out, ".zz");
				continue;
			}
			static const char digits[] = "0123456789abcdef";
			char hex[6];
			size_t n = 0;
			hex[n++] = '.';
			for (int sh = 12; sh >= 0; sh -= 4) /* no leading zeros */
				if ((w[i] >> sh) || sh == 0 || n > 1)
					hex[n++] = digits[(w[i] >> sh) & 15];
			buf_append(out, hex, n);
		}
	}
	put_str(out, ".rpz-ip");
}

/* " ; indicator--a (src), indicator--b (src) +N more" for atoms [i, j). */
static void rpz_comment(const export_set *s, size_t i, size_t j, sol_buf *out)
{
	put_str(out, " ;");
	size_t named = 0;
	for (size_t k = i; k < j; k++) {
		if (k > i && s->atoms[k].ind == s->atoms[k - 1].ind)
			continue; /* the same indicator with and without subdomains */
		if (named == RPZ_COMMENT_IDS) {
			put_str(out, " +");
			put_uint(out, (unsigned)(j - k));
			put_str(out, " more");
			break;
		}
		const export_ind *ind = export_ind_of(s, &s->atoms[k]);
		put_str(out, named ? ", " : " ");
		put_str(out, export_str(s, ind->id));
		put_str(out, " (");
		put_str(out, export_str(s, ind->source));
		put_str(out, ")");
		named++;
	}
	put_str(out, "\n");
}

typedef int (*rpz_line_fn)(void *ctx, const sol_buf *line);

/* Produce the body lines in order; fn hears each. Returns records. */
static int64_t rpz_body(const export_set *s, const export_opts *o, size_t zone_len, rpz_line_fn fn,
			void *ctx, int64_t *skipped)
{
	const char *action = rpz_action(o);
	sol_buf line, owner;
	buf_init(&line, SIZE_MAX);
	buf_init(&owner, SIZE_MAX);
	int64_t records = 0;
	*skipped = 0;
	for (size_t i = 0; i < s->n;) {
		size_t j = i + 1;
		while (j < s->n && export_atom_dup(s, j))
			j++;
		const export_atom *a = &s->atoms[i];
		bool wildcard = s->atoms[j - 1].subdomains; /* sorted: true last */
		buf_reset(&owner);
		switch (a->kind) {
		case OBS_DOMAIN:
			if (a->len + 1 + zone_len + (wildcard ? 2 : 0) > RPZ_WIRE_NAME_MAX) {
				*skipped += (int64_t)(j - i);
				i = j;
				continue;
			}
			buf_append(&owner, export_value(s, a), a->len);
			break;
		case OBS_IPV4:
		case OBS_IPV6:
		case OBS_CIDR4:
		case OBS_CIDR6: rpz_ip_owner(a, &owner); break;
		default:
			*skipped += (int64_t)(j - i);
			i = j;
			continue;
		}
		for (int w = 0; w <= (wildcard ? 1 : 0); w++) {
			buf_reset(&line);
			put_str(&line, w ? "*." : "");
			buf_append(&line, owner.data, owner.len);
			put_str(&line, " CNAME ");
			put_str(&line, action);
			rpz_comment(s, i, j, &line);
			fn(ctx, &line);
			records++;
		}
		i = j;
	}
	buf_fini(&line);
	buf_fini(&owner);
	return records;
}

/* Each body line is written and hashed in the same pass. */
struct rpz_out {
	FILE *f;    /* the zone file */
	uint64_t h; /* hash of the body so far */
};

static int line_put(void *ctx, const sol_buf *line)
{
	struct rpz_out *out = ctx;
	out->h = (out->h ^ sol_hash64(line->data, line->len)) * 0x100000001b3ull;
	export_put(out->f, line->data, line->len);
	return 0;
}

/* The zone name with exactly one final dot, checked; 0 or SOL_EUSAGE. */
static int rpz_zone_name(const char *zone, char out[EXPORT_NAME_MAX + 2], sol_err *err)
{
	size_t n = strlen(zone);
	if (n && zone[n - 1] == '.')
		n--;
	if (n == 0 || n > EXPORT_NAME_MAX ||
	    strspn(zone, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") < n ||
	    zone[0] == '.' || strstr(zone, ".."))
		return sol_fail(err, SOL_EUSAGE, "--zone", "'%s' is not a zone name", zone);
	snprintf(out, EXPORT_NAME_MAX + 2, "%.*s.", (int)n, zone);
	return 0;
}

/* Last serial and hash from the settings (0 and "" if never exported). */
static int rpz_state_get(store *st, const char *key_base, uint32_t *serial, char hash[17],
			 sol_err *err)
{
	char key[EXPORT_NAME_MAX + 32], *v = NULL;
	*serial = 0;
	hash[0] = '\0';
	snprintf(key, sizeof key, "%s.serial", key_base);
	int rc = store_setting_get(st, key, &v, err);
	if (rc == 0)
		*serial = (uint32_t)strtoul(v, NULL, 10);
	free(v);
	if (rc && rc != SOL_ENOTFOUND)
		return rc;
	v = NULL;
	snprintf(key, sizeof key, "%s.hash", key_base);
	rc = store_setting_get(st, key, &v, err);
	if (rc == 0)
		snprintf(hash, 17, "%s", v);
	free(v);
	if (rc && rc != SOL_ENOTFOUND)
		return rc;
	sol_err_clear(err);
	return 0;
}

static int rpz_state_set(store *st, const char *key_base, uint32_t serial, const char *hash,
			 sol_err *err)
{
	char key[EXPORT_NAME_MAX + 32], val[24];
	int rc = store_begin(st, err);
	if (rc)
		return rc;
	snprintf(key, sizeof key, "%s.serial", key_base);
	snprintf(val, sizeof val, "%" PRIu32, serial);
	rc = store_setting_set(st, key, val, err);
	snprintf(key, sizeof key, "%s.hash", key_base);
	if (rc == 0)
		rc = store_setting_set(st, key, hash, err);
	if (rc == 0)
		return store_commit(st, err);
	store_rollback(st);
	return rc;
}

int export_rpz_write(store *st, const export_set *s, const export_opts *o, export_stats *stats,
		     sol_err *err)
{
	char zone[EXPORT_NAME_MAX + 2], key_base[EXPORT_NAME_MAX + 16], hash[17], last_hash[17];
	int rc = rpz_zone_name(o->rpz_zone, zone, err);
	if (rc)
		return rc;
	size_t zone_len = strlen(zone);
	if (o->rpz_state)
		snprintf(key_base, sizeof key_base, "%s", o->rpz_state);
	else
		snprintf(key_base, sizeof key_base, "export.rpz.%.*s", (int)(zone_len - 1), zone);

	export_file ef;
	rc = export_file_open(&ef, o->path, err);
	if (rc)
		return rc;
	char head[2 * EXPORT_NAME_MAX + 256];
	int at = snprintf(head, sizeof head,
			  "; DNS response policy zone written by solidarity export; every trigger\n"
			  "; answers CNAME %s and its comment names the indicators behind it.\n"
			  "$ORIGIN %s\n$TTL %d\n"
			  "@ SOA localhost. hostmaster.localhost. ",
			  rpz_action(o), zone, RPZ_TTL);
	export_puts(ef.f, head);
	export_puts(ef.f, RPZ_SERIAL_SLOT " 3600 600 864000 60\n@ NS localhost.\n");
	struct rpz_out out = {ef.f, 0xcbf29ce484222325ull};
	int64_t skipped;
	stats->records = rpz_body(s, o, zone_len, line_put, &out, &skipped);
	stats->skipped = skipped;
	snprintf(hash, sizeof hash, "%016" PRIx64, out.h);

	uint32_t serial;
	rc = rpz_state_get(st, key_base, &serial, last_hash, err);
	bool changed = strcmp(hash, last_hash) != 0 || serial == 0;
	if (rc == 0 && changed) {
		int64_t now = o->select.now / 1000000;
		uint32_t next = serial + 1;
		serial = now > (int64_t)next && now <= UINT32_MAX ? (uint32_t)now : next;
	}
	char slot[sizeof RPZ_SERIAL_SLOT];
	snprintf(slot, sizeof slot, "%-10" PRIu32, serial); /* spaces after a short serial */
	if (rc == 0)
		rc = export_file_pwrite(&ef, slot, 10, at, err);
	if (rc) {
		export_file_abort(&ef);
		return rc;
	}
	stats->rpz_serial = serial;
	rc = export_file_commit(&ef, err);
	if (rc == 0 && changed)
		rc = rpz_state_set(st, key_base, serial, hash, err);
	return rc;
}
