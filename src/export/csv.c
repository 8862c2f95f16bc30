/*
 * csv.c - every selected atom as one CSV row (RFC 4180), for spreadsheets
 * and scripts:
 *
 *   value,type,subdomains,indicator,source,tlp,confidence,valid_until
 *   evil.example,domain,true,indicator--…,cert-xx,green,80,2027-01-01T00:00:00.000Z
 *
 * One row per (atom, indicator): a value shared by two indicators appears
 * twice, once with each. type is obs_kind_name(); tlp is stix_tlp_name();
 * confidence and valid_until are empty when the indicator has none. A
 * field is quoted only if it holds a comma, quote, CR or LF, and quotes
 * inside are doubled. Lines end in CRLF as RFC 4180 says.
 */
#include <string.h>

#include "export/export_int.h"

void export_csv_field(FILE *f, const char *s, size_t n)
{
	if (strcspn(s, ",\"\r\n") >= n) {
		export_put(f, s, n);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

int export_csv_write(const export_set *s, const export_opts *o, export_stats *stats, sol_err *err)
{
	export_file ef;
	int rc = export_file_open(&ef, o->path, err);
	if (rc)
		return rc;
	FILE *f = ef.f;
	fputs("value,type,subdomains,indicator,source,tlp,confidence,valid_until\r\n", f);
	for (size_t i = 0; i < s->n; i++) {
		const export_atom *a = &s->atoms[i];
		const export_ind *ind = export_ind_of(s, a);
		const char *source = export_str(s, ind->source);
		export_csv_field(f, export_value(s, a), a->len);
		export_puts(f, ",");
		export_puts(f, obs_kind_name(a->kind));
		export_puts(f, a->subdomains ? ",true," : ",false,");
		export_puts(f, export_str(s, ind->id));
		export_puts(f, ",");
		export_csv_field(f, source, strlen(source));
		export_puts(f, ",");
		export_puts(f, stix_tlp_name(ind->tlp));
		export_puts(f, ",");
		if (ind->confidence >= 0)
			export_putu(f, (uint64_t)ind->confidence);
		export_puts(f, ",");
		if (ind->valid_until != SOL_TIME_NONE) {
			char t[40];
			export_puts(f, sol_time_format(ind->valid_until, t, sizeof t));
		}
		export_puts(f, "\r\n");
	}
	stats->records = (int64_t)s->n;
	return export_file_commit(&ef, err);
}
