/*
 * stix.c - a STIX 2.1 bundle of the indicators behind the selected atoms,
 * for partners and tools that speak STIX:
 *
 *   {"type":"bundle","id":"bundle--<uuid5>","objects":[
 *   {...indicator, exactly as stored...},
 *   {...the TLP 2.0 marking-definitions those indicators reference...}
 *   ]}
 *
 * An indicator is exported if at least one of its atoms passed the
 * selection and the filters; it is written as its stored canonical JSON,
 * so ids, versions and every property are kept as the producer made them.
 * The objects are streamed from one store_object_list walk over current
 * indicators (one row in memory at a time), keeping those whose id is in
 * the sorted list of selected ids; the walk is in date_added order, which
 * is stable for a given store. The marking-definitions are the TLP 2.0
 * ones whose ids appear in the exported objects (stix_tlp_marking_object),
 * appended at the end. The bundle id is a UUIDv5 of the export time, so
 * the same store and time give the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

struct stix_walk {
	const char **ids;           /* selected indicator ids, sorted */
	size_t n;                   /* how many */
	FILE *f;                    /* output */
	bool tlp_used[TLP_RED + 1]; /* TLP 2.0 markings referenced */
	int64_t written;            /* objects written */
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int stix_row(void *ctx, const store_row *row)
{
	struct stix_walk *w = ctx;
	if (!bsearch(&row->id, w->ids, w->n, sizeof *w->ids, str_cmp))
		return 0;
	fputs(w->written++ ? ",\n" : "\n", w->f);
	fwrite(row->json, 1, row->json_len, w->f);
	for (int t = TLP_CLEAR; t <= TLP_RED; t++) {
		const char *mid = stix_tlp_marking_id((stix_tlp)t);
		if (!w->tlp_used[t] && memmem(row->json, row->json_len, mid, strlen(mid)))
			w->tlp_used[t] = true;
	}
	return 0;
}

int export_stix_write(store *st, const export_set *s, const export_opts *o, export_stats *stats,
		      sol_err *err)
{
	/* indicators with at least one atom left after the kind filter */
	bool *used = xcalloc(s->n_inds ? s->n_inds : 1, sizeof *used);
	for (size_t i = 0; i < s->n; i++)
		used[s->atoms[i].ind] = true;
	struct stix_walk w = {.ids = xmalloc((s->n_inds ? s->n_inds : 1) * sizeof *w.ids)};
	for (size_t i = 0; i < s->n_inds; i++)
		if (used[i])
			w.ids[w.n++] = export_str(s, s->inds[i].id);
	free(used);
	qsort(w.ids, w.n, sizeof *w.ids, str_cmp);

	char t[40], uuid[37];
	sol_time_format(o->select.now, t, sizeof t);
	sol_uuid5(EXPORT_UUID_NS, t, strlen(t), uuid);
	export_file ef;
	int rc = export_file_open(&ef, o->path, err);
	if (rc == 0) {
		w.f = ef.f;
		fprintf(ef.f, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", uuid);
		store_filter f;
		store_filter_init(&f);
		f.type = "indicator";
		f.source = o->source;
		rc = w.n ? store_object_list(st, &f, stix_row, &w, err) : 0;
		stats->records = w.written;
		for (int k = TLP_CLEAR; rc == 0 && k <= TLP_RED; k++) {
			if (!w.tlp_used[k])
				continue;
			json_t *m = stix_tlp_marking_object((stix_tlp)k);
			size_t len;
			char *d = stix_object_dump(m, &len);
			fputs(w.written++ ? ",\n" : "\n", ef.f);
			fwrite(d, 1, len, ef.f);
			free(d);
			json_decref(m);
		}
		fputs("\n]}\n", ef.f);
		if (rc == 0)
			rc = export_file_commit(&ef, err);
		else
			export_file_abort(&ef);
	}
	free(w.ids);
	return rc;
}
