/*
 * stix.c - a STIX 2.1 bundle of the indicators behind the selected atoms,
 * for partners and tools that speak STIX:
 *
 *   {"type":"bundle","id":"bundle--<uuid5>","objects":[
 *   {...indicator, exactly as stored...},
 *   {...the TLP 2.0 marking-definitions those indicators reference...}
 *   ]}
 *
 * An indicator is exported if at least one of its atoms passes the
 * selection and the filters; it is written as its stored canonical JSON,
 * so ids, versions and every property are kept as the producer made them
 * (never parsed and re-serialised).
 *
 * One walk. The other formats need every atom sorted; this one needs
 * each indicator's body, so it walks the current indicators once
 * (store_object_list, date_added order, one row in memory at a time) and
 * puts each through index_select_indicator, the selection of compile and
 * every export, and the export's filters (export_indicator_kept, decided
 * at its first kept atom as for the other formats, and the kind filter).
 * The marking-definitions are the TLP 2.0 ones whose ids appear in the
 * exported objects (stix_tlp_marking_object), appended at the end. The
 * bundle id is a UUIDv5 of the export time, so the same store and time
 * give the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

struct stix_walk {
	const export_opts *o;       /* filters, selection options */
	export_stats *stats;        /* counters */
	FILE *f;                    /* output */
	const store_indicator *ind; /* indicator being read */
	bool decided;               /* its filters were asked */
	bool shown;                 /* their verdict */
	int64_t kept;               /* its atoms that passed everything */
	bool tlp_used[TLP_RED + 1]; /* TLP 2.0 markings referenced */
	int64_t written;            /* objects written */
};

/* Note the TLP 2.0 markings body references: one scan for the marking
 * prefix, each hit compared with the four ids (four scans of every body
 * cost a tenth of the export). */
static void tlp_scan(struct stix_walk *w, const char *body, size_t len)
{
	static const char prefix[] = "marking-definition--";
	const char *p = body, *end = body + len;
	while ((p = memmem(p, (size_t)(end - p), prefix, sizeof prefix - 1))) {
		for (int t = TLP_CLEAR; t <= TLP_RED; t++) {
			const char *mid = stix_tlp_marking_id((stix_tlp)t);
			size_t n = strlen(mid);
			if ((size_t)(end - p) >= n && memcmp(p, mid, n) == 0)
				w->tlp_used[t] = true;
		}
		p += sizeof prefix - 1;
	}
}

static int stix_kept_atom(void *ctx, const index_selected *sel)
{
	struct stix_walk *w = ctx;
	if (!w->decided) {
		w->shown = export_indicator_kept(w->o, w->ind);
		w->decided = true;
	}
	if (!w->shown || !export_kind_kept(w->o, sel->value->kind)) {
		w->stats->filtered++;
		return 0;
	}
	w->stats->atoms++;
	w->kept++;
	return 0;
}

static int stix_row(void *ctx, const store_row *row)
{
	struct stix_walk *w = ctx;
	if (row->revoked || !row->atoms || row->atoms->n == 0)
		return 0;
	store_indicator ind = store_row_indicator(row);
	w->ind = &ind;
	w->decided = false;
	w->kept = 0;
	int rc = index_select_indicator(&ind, &w->o->select, stix_kept_atom, w, NULL, NULL,
					&w->stats->select);
	if (rc || !w->kept)
		return rc;
	export_puts(w->f, w->written++ ? ",\n" : "\n");
	export_put(w->f, row->json, row->json_len);
	tlp_scan(w, row->json, row->json_len);
	return 0;
}

int export_stix_write(store *st, const export_opts *o, export_stats *stats, sol_err *err)
{
	char t[40], uuid[37];
	sol_time_format(o->select.now, t, sizeof t);
	sol_uuid5(EXPORT_UUID_NS, t, strlen(t), uuid);
	export_file ef;
	int rc = export_file_open(&ef, o->path, err);
	if (rc)
		return rc;
	struct stix_walk w = {.o = o, .stats = stats, .f = ef.f};
	fprintf(ef.f, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", uuid);
	store_filter f;
	store_filter_init(&f);
	f.type = "indicator";
	rc = store_object_list(st, &f, stix_row, &w, err);
	stats->records = w.written;
	for (int k = TLP_CLEAR; rc == 0 && k <= TLP_RED; k++) {
		if (!w.tlp_used[k])
			continue;
		json_t *m = stix_tlp_marking_object((stix_tlp)k);
		size_t len;
		char *d = stix_object_dump(m, &len);
		export_puts(ef.f, w.written++ ? ",\n" : "\n");
		export_put(ef.f, d, len);
		free(d);
		json_decref(m);
	}
	export_puts(ef.f, "\n]}\n");
	if (rc == 0)
		return export_file_commit(&ef, err);
	export_file_abort(&ef);
	return rc;
}
