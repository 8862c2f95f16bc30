/*
 * zeek.c - a Zeek Intel framework file (base/frameworks/intel), loaded by
 * listing it in Intel::read_files:
 *
 *   #fields<TAB>indicator<TAB>indicator_type<TAB>meta.source<TAB>meta.desc<TAB>meta.url
 *   198.51.100.7<TAB>Intel::ADDR<TAB>cert-xx<TAB>indicator--…<TAB>-
 *
 * Types: ipv4/ipv6 -> Intel::ADDR, cidr4/cidr6 -> Intel::SUBNET, domain ->
 * Intel::DOMAIN, url -> Intel::URL, email -> Intel::EMAIL, hashes ->
 * Intel::FILE_HASH. Zeek compares Intel::URL against the HTTP host and
 * URI without a scheme, so "http://" and "https://" are stripped and URLs
 * of other schemes are skipped. Zeek has no wildcard domains: an atom
 * with subdomains is listed as its exact name.
 *
 * One row per distinct value; meta.source is the first indicator's
 * source and meta.desc lists the indicator ids (Zeek keeps one meta per
 * source, so one row per value avoids silently merged rows). Tabs, CR and
 * LF never appear inside a field (they become spaces); an empty field is
 * "(empty)" and meta.url, which we do not have, is "-" (unset).
 */
#include <string.h>

#include "export/export_int.h"

#define ZEEK_DESC_IDS 4 /* indicator ids in meta.desc before "+N more" */

static const char *zeek_type(obs_kind k)
{
	switch (k) {
	case OBS_IPV4:
	case OBS_IPV6: return "Intel::ADDR";
	case OBS_CIDR4:
	case OBS_CIDR6: return "Intel::SUBNET";
	case OBS_DOMAIN: return "Intel::DOMAIN";
	case OBS_URL: return "Intel::URL";
	case OBS_EMAIL: return "Intel::EMAIL";
	case OBS_MD5:
	case OBS_SHA1:
	case OBS_SHA256:
	case OBS_SHA512: return "Intel::FILE_HASH";
	default: return NULL;
	}
}

/* Write s[0..n) with TAB, CR and LF turned into spaces. */
static void zeek_field(FILE *f, const char *s, size_t n)
{
	if (n == 0) {
		fputs("(empty)", f);
		return;
	}
	for (size_t i = 0; i < n;) {
		size_t run = strcspn(s + i, "\t\r\n");
		if (run > n - i)
			run = n - i;
		export_put(f, s + i, run);
		i += run;
		if (i < n) {
			fputc(' ', f);
			i++;
		}
	}
}

int export_zeek_write(const export_set *s, const export_opts *o, export_stats *stats, sol_err *err)
{
	export_file ef;
	int rc = export_file_open(&ef, o->path, err);
	if (rc)
		return rc;
	FILE *f = ef.f;
	fputs("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n", f);
	for (size_t i = 0; i < s->n;) {
		size_t j = i + 1;
		while (j < s->n && export_atom_dup(s, j))
			j++;
		const export_atom *a = &s->atoms[i];
		const char *type = zeek_type(a->kind), *v = export_value(s, a);
		size_t n = a->len;
		if (a->kind == OBS_URL) {
			size_t scheme = strncmp(v, "http://", 7) == 0    ? 7
					: strncmp(v, "https://", 8) == 0 ? 8
									 : 0;
			if (!scheme)
				type = NULL;
			v += scheme;
			n -= scheme;
		}
		if (!type) {
			stats->skipped += (int64_t)(j - i);
			i = j;
			continue;
		}
		const export_ind *first = export_ind_of(s, a);
		const char *source = export_str(s, first->source);
		zeek_field(f, v, n);
		export_puts(f, "\t");
		export_puts(f, type);
		export_puts(f, "\t");
		zeek_field(f, source, strlen(source));
		fputc('\t', f);
		size_t named = 0;
		for (size_t k = i; k < j; k++) {
			if (k > i && s->atoms[k].ind == s->atoms[k - 1].ind)
				continue;
			if (named == ZEEK_DESC_IDS) {
				fprintf(f, " +%zu more", j - k);
				break;
			}
			export_puts(f, named ? "," : "");
			export_puts(f, export_str(s, export_ind_of(s, &s->atoms[k])->id));
			named++;
		}
		export_puts(f, "\t-\n");
		stats->records++;
		i = j;
	}
	return export_file_commit(&ef, err);
}
