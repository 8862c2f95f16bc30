/*
 * ingest_test.h - what the ingest tests share: a real SQLite store in a
 * private temporary directory, imports with given options, and a snapshot
 * of everything stored (every version of every object, with its TLP) to
 * prove that a failed import left the store exactly as it was.
 *
 * Included by each tests/unit/ingest/test_*.c; the helpers are static.
 */
#ifndef SOL_INGEST_TEST_H
#define SOL_INGEST_TEST_H

#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "teststore.h"

typedef test_store fixture; /* a store in a temporary directory */

/* tests/unit/ingest/data/<name>; caller frees. */
static inline char *fx_data(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof rel, "tests/unit/ingest/data/%s", name);
	return test_source_path(rel);
}

/* Import path (a fixture name or an absolute path) with opts into st. */
static inline int fx_import(store *st, const ingest_opts *opts, const char *path,
			    ingest_report *rep, sol_err *err)
{
	char *p = path[0] == '/' || strcmp(path, "-") == 0 ? strdup(path) : fx_data(path);
	ingest_ctx *cx = ingest_ctx_new(st, opts);
	int rc = ingest_path(cx, p, rep, err);
	ingest_ctx_free(cx);
	free(p);
	return rc;
}

static inline int fx_import_text(store *st, const ingest_opts *opts, const char *name,
				 const char *text, ingest_report *rep, sol_err *err)
{
	ingest_ctx *cx = ingest_ctx_new(st, opts);
	int rc = ingest_buffer(cx, name, text, strlen(text), rep, err);
	ingest_ctx_free(cx);
	return rc;
}

static inline int snapshot_row(void *ctx, const store_row *row)
{
	buf_printf(ctx, "%s %lld %d %d %s\n", row->id, (long long)row->version, (int)row->tlp,
		   row->current, row->json);
	return 0;
}

static inline int snapshot_id(void *ctx, const store_row *row)
{
	buf_printf(ctx, "%s\n", row->id);
	return 0;
}

/* Every version of every object (revoked too), as text; caller frees. */
static inline char *fx_snapshot(store *st)
{
	sol_buf ids, out;
	buf_init(&ids, 1u << 30);
	buf_init(&out, 1u << 30);
	buf_puts(&ids, "");
	buf_puts(&out, "");
	store_filter f;
	store_filter_init(&f);
	f.include_revoked = true;
	sol_err err = {0};
	assert_int_equal(store_object_list(st, &f, snapshot_id, &ids, &err), 0);
	for (char *id = ids.data, *nl; (nl = strchr(id, '\n')) != NULL; id = nl + 1) {
		*nl = '\0';
		assert_int_equal(store_object_versions(st, id, snapshot_row, &out, &err), 0);
	}
	buf_fini(&ids);
	return buf_take(&out);
}

static inline int count_row(void *ctx, const store_row *row)
{
	(void)row;
	(*(int64_t *)ctx)++;
	return 0;
}

/* Current objects of a type (NULL: all). */
static inline int64_t fx_count(store *st, const char *type)
{
	store_filter f;
	store_filter_init(&f);
	f.type = type;
	int64_t n = 0;
	sol_err err = {0};
	assert_int_equal(store_object_list(st, &f, count_row, &n, &err), 0);
	return n;
}

/* The count of a tally key, 0 if absent. */
static inline int64_t fx_tally(const ingest_tallies *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return t->v[i].n;
	return 0;
}

static inline bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

#endif
