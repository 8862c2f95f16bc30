/*
 * test_store.c - the SQLite store on real files in a temporary directory:
 * creating, reopening and migrating the file, every store_object_put
 * result, versions, revocation, transactions, list filters, statistics,
 * byte-exact bodies, and the on-disk size of simple indicators.
 *
 * stix_meta and stix_atoms are built by hand, as the importer would fill
 * them, so these tests need neither the validator nor the pattern parser.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "teststore.h"

#define TLP_CLEAR_ID "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
#define T0 1767225600000000LL /* 2026-01-01T00:00:00Z */
#define SEC 1000000LL
#define SCHEMA_LATEST 3 /* PRAGMA user_version after store_open */

/* ---- fixtures and helpers -------------------------------------------- */

typedef test_store fx; /* dir, path (dir/intel.db), st */

static int fx_setup(void **state)
{
	*state = test_store_open();
	return 0;
}

static int fx_teardown(void **state)
{
	test_store_close(*state);
	return 0;
}

/* A hand-made version: meta plus canonical-looking JSON. */
typedef struct obj {
	stix_meta meta;   /* what the validator would say */
	char json[1024];  /* the body */
	stix_atom atom;   /* one atom for indicators */
	stix_atoms atoms; /* {&atom, 1} or {NULL, 0, reason} */
	store_object o;   /* ready for store_object_put */
} obj;

/* An indicator for `value` (an IPv4 atom) at version v; extra goes into
 * the JSON so two bodies of one version can differ. */
static void make_indicator(obj *x, const char *id, sol_time v, const char *value, const char *extra)
{
	memset(x, 0, sizeof *x);
	char ts[32];
	sol_time_format(v, ts, sizeof ts);
	x->meta = (stix_meta){.type = "indicator",
			      .id = id,
			      .category = STIX_SDO,
			      .created = v,
			      .modified = v,
			      .version = v,
			      .confidence = -1,
			      .tlp = TLP_CLEAR,
			      .valid_until = SOL_TIME_NONE};
	snprintf(x->json, sizeof x->json,
		 "{\"created\":\"%s\",%s\"id\":\"%s\",\"modified\":\"%s\",\"object_marking_refs\":"
		 "[\"" TLP_CLEAR_ID "\"],\"pattern\":\"[ipv4-addr:value = '%s']\","
		 "\"pattern_type\":\"stix\",\"spec_version\":\"2.1\",\"type\":\"indicator\","
		 "\"valid_from\":\"%s\"}",
		 ts, extra ? extra : "", id, ts, value, ts);
	x->atom = (stix_atom){.kind = OBS_IPV4, .value = (char *)value};
	x->atoms = (stix_atoms){.v = &x->atom, .n = 1, .cap = 1};
	x->o = (store_object){.meta = &x->meta,
			      .json = x->json,
			      .json_len = strlen(x->json),
			      .source = "test",
			      .tlp = TLP_CLEAR,
			      .atoms = &x->atoms};
}

/* A non-indicator (malware, identity, ...) at version v. */
static void make_sdo(obj *x, const char *type, const char *id, sol_time v, const char *name)
{
	memset(x, 0, sizeof *x);
	x->meta = (stix_meta){.type = type,
			      .id = id,
			      .category = STIX_SDO,
			      .created = v,
			      .modified = v,
			      .version = v,
			      .confidence = -1,
			      .valid_until = SOL_TIME_NONE};
	snprintf(x->json, sizeof x->json,
		 "{\"id\":\"%s\",\"modified\":%lld,\"name\":\"%s\",\"type\":\"%s\"}", id,
		 (long long)v, name, type);
	x->o = (store_object){.meta = &x->meta,
			      .json = x->json,
			      .json_len = strlen(x->json),
			      .source = "test",
			      .tlp = TLP_NONE};
}

static store_put_result put(store *st, const store_object *o)
{
	store_put_result r;
	sol_err err;
	int rc = store_object_put(st, o, &r, &err);
	if (rc != 0)
		fail_msg("put %s: %s: %s", o->meta->id, err.where, err.msg);
	return r;
}

/* Rows collected from a walk, copied out of the callback. */
typedef struct got_row {
	char *id, *type, *source, *json, *unmatchable, *atom0;
	sol_time version, date_added, valid_until;
	stix_tlp tlp;
	int confidence;
	bool revoked, current, has_atoms;
	size_t json_len, n_atoms;
	bool atom0_subdomains;
} got_row;

typedef struct got {
	got_row r[64];
	size_t n;
	int stop_after; /* return 7 after this many rows; 0 = never */
} got;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect(void *ctx, const store_row *row)
{
	got *g = ctx;
	assert_true(g->n < 64);
	got_row *r = &g->r[g->n++];
	r->id = strdup(row->id);
	r->type = strdup(row->type);
	r->source = strdup(row->source);
	r->json = malloc(row->json_len + 1);
	memcpy(r->json, row->json, row->json_len + 1);
	r->json_len = row->json_len;
	r->unmatchable = dup_or_null(row->unmatchable);
	r->version = row->version;
	r->date_added = row->date_added;
	r->valid_until = row->valid_until;
	r->tlp = row->tlp;
	r->confidence = row->confidence;
	r->revoked = row->revoked;
	r->current = row->current;
	r->has_atoms = row->atoms != NULL;
	r->n_atoms = row->atoms ? row->atoms->n : 0;
	r->atom0 = row->atoms && row->atoms->n ? strdup(row->atoms->v[0].value) : NULL;
	r->atom0_subdomains = row->atoms && row->atoms->n && row->atoms->v[0].subdomains;
	return g->stop_after && g->n == (size_t)g->stop_after ? 7 : 0;
}

static void got_free(got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		got_row *r = &g->r[i];
		free(r->id), free(r->type), free(r->source), free(r->json);
		free(r->unmatchable), free(r->atom0);
	}
	memset(g, 0, sizeof *g);
}

static void list(store *st, const store_filter *flt, got *g)
{
	sol_err err;
	got_free(g);
	assert_int_equal(store_object_list(st, flt, collect, g, &err), 0);
}

static void current(store *st, const char *id, got *g)
{
	sol_err err;
	got_free(g);
	assert_int_equal(store_object_current(st, id, collect, g, &err), 0);
	assert_int_equal(g->n, 1);
}

static void versions(store *st, const char *id, got *g)
{
	sol_err err;
	got_free(g);
	assert_int_equal(store_object_versions(st, id, collect, g, &err), 0);
}

static int user_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* ---- open, reopen, migrate -------------------------------------------- */

static void test_create_reopen(void **state)
{
	fx *f = *state;
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(user_version(f->path), SCHEMA_LATEST);
	assert_string_equal(f->st->ops->name, "sqlite");
	assert_string_equal(f->st->location, f->path);

	obj x;
	make_indicator(&x, "indicator--00000000-0000-4000-8000-000000000001", T0, "198.51.100.7",
		       NULL);
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	char *wal = test_path(f->dir, "intel.db-wal");
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(wal);
	assert_true(store_size_bytes(f->st) > 0);

	test_store_reopen(f);
	got g = {0};
	current(f->st, x.meta.id, &g);
	assert_string_equal(g.r[0].json, x.json);
	assert_int_equal(user_version(f->path), SCHEMA_LATEST);
	got_free(&g);
}

static void test_open_errors(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	store *st = (store *)1;
	sol_err err;

	char *missing = test_path(dir, "no/such/dir/intel.db");
	assert_int_equal(store_open(missing, &st, &err), SOL_EIO);
	assert_null(st);
	assert_string_equal(err.where, missing);
	free(missing);

	/* A directory where the file should be. */
	assert_int_equal(store_open(dir, &st, &err), SOL_EIO);
	assert_string_equal(err.where, dir);

	/* Not a database: refused, and left as it was. */
	char *junk = test_path(dir, "junk.db");
	const char text[] = "this is a text file, not an SQLite database, even if it is long\n"
			    "enough to hold a database header of one hundred bytes........\n";
	test_write_file(junk, text, sizeof text - 1);
	assert_int_equal(store_open(junk, &st, &err), SOL_EDB);
	assert_string_equal(err.where, junk);
	size_t len;
	char *back = test_read_file(junk, &len);
	assert_int_equal(len, sizeof text - 1);
	assert_memory_equal(back, text, len);
	free(back);
	free(junk);

	/* From a newer solidarity: refused with both versions named. */
	char *future = test_path(dir, "future.db");
	sql_exec(future, "CREATE TABLE t(x); PRAGMA user_version = 99;");
	assert_int_equal(store_open(future, &st, &err), SOL_EDB);
	assert_string_equal(err.where, future);
	assert_non_null(strstr(err.msg, "99"));
	assert_non_null(strstr(err.msg, "newer"));
	assert_int_equal(user_version(future), 99);
	free(future);

	/* A migration that fails is rolled back whole: no half schema. */
	char *clash = test_path(dir, "clash.db");
	sql_exec(clash, "CREATE TABLE objects(x);");
	assert_int_equal(store_open(clash, &st, &err), SOL_EDB);
	assert_string_equal(err.where, clash);
	assert_int_equal(user_version(clash), 0);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(clash, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "SELECT * FROM sources", NULL, NULL, NULL), SQLITE_ERROR);
	sqlite3_close(db);
	free(clash);

	/* An SQLite file at version 0 with other tables is migrated. */
	char *old = test_path(dir, "old.db");
	sql_exec(old, "CREATE TABLE notes(x); INSERT INTO notes VALUES('kept');");
	assert_int_equal(store_open(old, &st, &err), 0);
	store_close(st);
	assert_int_equal(user_version(old), SCHEMA_LATEST);
	free(old);

	test_tmpdir_remove(dir);
}

static void test_readonly_file(void **state)
{
	(void)state;
	if (geteuid() == 0)
		skip(); /* root writes anyway */
	char *dir = test_tmpdir();
	char *path = test_path(dir, "ro.db");
	store *st;
	sol_err err;
	assert_int_equal(store_open(path, &st, &err), 0);
	store_close(st);
	assert_int_equal(chmod(path, 0400), 0);
	assert_true(store_open(path, &st, &err) == SOL_EIO);
	assert_string_equal(err.where, path);
	free(path);
	test_tmpdir_remove(dir);
}

/* ---- put --------------------------------------------------------------- */

static void test_put_results(void **state)
{
	fx *f = *state;
	const char *id = "indicator--00000000-0000-4000-8000-0000000000aa";
	obj v2, v2b, v3, v1, v1b;
	make_indicator(&v2, id, T0 + 2 * SEC, "198.51.100.2", NULL);
	make_indicator(&v2b, id, T0 + 2 * SEC, "198.51.100.2", "\"name\":\"changed\",");
	make_indicator(&v3, id, T0 + 3 * SEC, "198.51.100.3", NULL);
	make_indicator(&v1, id, T0 + 1 * SEC, "198.51.100.1", NULL);
	make_indicator(&v1b, id, T0 + 1 * SEC, "198.51.100.1", "\"name\":\"other\",");

	static const struct {
		int which; /* index into vs[] */
		store_put_result want;
	} steps[] = {
	    {0, STORE_NEW},       {0, STORE_UNCHANGED}, {1, STORE_CONFLICT}, {2, STORE_UPDATED},
	    {0, STORE_UNCHANGED}, {1, STORE_CONFLICT},  {3, STORE_OLDER},    {3, STORE_UNCHANGED},
	    {4, STORE_CONFLICT},  {2, STORE_UNCHANGED},
	};
	obj *vs[] = {&v2, &v2b, &v3, &v1, &v1b};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		store_put_result r = put(f->st, &vs[steps[i].which]->o);
		if (r != steps[i].want)
			fail_msg("step %zu: got %s, want %s", i, store_put_result_name(r),
				 store_put_result_name(steps[i].want));
	}

	got g = {0};
	versions(f->st, id, &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.r[0].json, v1.json); /* first body kept */
	assert_string_equal(g.r[1].json, v2.json);
	assert_string_equal(g.r[2].json, v3.json);
	assert_int_equal(g.r[0].version, T0 + SEC);
	assert_false(g.r[0].current);
	assert_false(g.r[1].current);
	assert_true(g.r[2].current);
	/* date_added is storage order (v2, v3, v1), not version order. */
	assert_true(g.r[1].date_added < g.r[2].date_added);
	assert_true(g.r[2].date_added < g.r[0].date_added);

	current(f->st, id, &g);
	assert_string_equal(g.r[0].json, v3.json);
	assert_string_equal(g.r[0].atom0, "198.51.100.3");
	got_free(&g);
	assert_string_equal(store_put_result_name(STORE_OLDER), "older");
}

static void test_put_bad_input(void **state)
{
	fx *f = *state;
	obj x;
	sol_err err;
	store_put_result r;
	make_sdo(&x, "malware", "indicator--00000000-0000-4000-8000-000000000001", T0, "m");
	assert_int_equal(store_object_put(f->st, &x.o, &r, &err), SOL_EINVALID);
	assert_string_equal(err.where, x.meta.id);
	make_sdo(&x, "malware", "malware-00000000-0000-4000-8000-000000000001", T0, "m");
	assert_int_equal(store_object_put(f->st, &x.o, &r, &err), SOL_EINVALID);
	make_sdo(&x, "malware", "malware--00000000-0000-4000-8000-000000000001", T0, "m");
	x.o.tlp = (stix_tlp)6;
	assert_int_equal(store_object_put(f->st, &x.o, &r, &err), SOL_EINVALID);
	x.o.json_len = (size_t)STIX_MAX_OBJECT + 1;
	x.o.tlp = TLP_RED;
	assert_int_equal(store_object_put(f->st, &x.o, &r, &err), SOL_ETOOBIG);
	/* Nothing of the refused puts was stored. */
	got g = {0};
	store_filter flt;
	store_filter_init(&flt);
	flt.include_revoked = true;
	list(f->st, &flt, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(store_object_current(f->st, x.meta.id, collect, &g, &err), SOL_ENOTFOUND);
	assert_string_equal(err.where, x.meta.id);
	assert_int_equal(store_object_versions(f->st, "malware--x", collect, &g, &err),
			 SOL_ENOTFOUND);
	assert_int_equal(g.n, 0);
}

static void test_revocation(void **state)
{
	fx *f = *state;
	const char *a = "malware--00000000-0000-4000-8000-00000000000a";
	const char *b = "malware--00000000-0000-4000-8000-00000000000b";
	obj a1, a2, b2, b1;
	make_sdo(&a1, "malware", a, T0 + SEC, "a");
	make_sdo(&a2, "malware", a, T0 + 2 * SEC, "a");
	a2.meta.revoked = true;
	make_sdo(&b2, "malware", b, T0 + 2 * SEC, "b");
	make_sdo(&b1, "malware", b, T0 + SEC, "b");
	b1.meta.revoked = true; /* an older revoked version does not revoke */
	assert_int_equal(put(f->st, &a1.o), STORE_NEW);
	assert_int_equal(put(f->st, &b2.o), STORE_NEW);
	assert_int_equal(put(f->st, &a2.o), STORE_UPDATED);
	assert_int_equal(put(f->st, &b1.o), STORE_OLDER);

	store_filter flt;
	store_filter_init(&flt);
	got g = {0};
	list(f->st, &flt, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.r[0].id, b);
	assert_false(g.r[0].revoked);

	flt.include_revoked = true;
	list(f->st, &flt, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.r[0].id, b); /* date_added order: a's current came later */
	assert_string_equal(g.r[1].id, a);
	assert_true(g.r[1].revoked);

	current(f->st, a, &g);
	assert_true(g.r[0].revoked);
	versions(f->st, b, &g);
	assert_int_equal(g.n, 2);
	assert_true(g.r[0].revoked);
	assert_false(g.r[1].revoked);
	got_free(&g);
}

/* Checks that rows come in date_added order with ids in put order. */
typedef struct walk {
	int n;         /* rows seen */
	sol_time last; /* previous date_added */
	bool ordered;  /* every row so far was in order */
} walk;

static int walk_row(void *ctx, const store_row *row)
{
	walk *w = ctx;
	char id[64];
	snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", w->n);
	w->ordered = (w->n == 0 || row->date_added > w->last) && strcmp(row->id, id) == 0 &&
		     (w->n == 0 || w->ordered);
	w->last = row->date_added;
	w->n++;
	return 0;
}

static void test_date_added_increasing(void **state)
{
	fx *f = *state;
	sol_err err;
	/* Two handles on one file: each reads the greatest date_added when it
	 * takes the write lock, so the order holds across writers. */
	store *other;
	assert_int_equal(store_open(f->path, &other, &err), 0);
	char id[64];
	obj x;
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", i);
		make_indicator(&x, id, T0, "198.51.100.9", NULL);
		assert_int_equal(put(i % 3 ? f->st : other, &x.o), STORE_NEW);
	}
	store_close(other);
	test_store_reopen(f);
	assert_int_equal(store_begin(f->st, &err), 0);
	for (int i = 300; i < 600; i++) {
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", i);
		make_indicator(&x, id, T0, "198.51.100.9", NULL);
		assert_int_equal(put(f->st, &x.o), STORE_NEW);
	}
	assert_int_equal(store_commit(f->st, &err), 0);

	/* Walk all 600 in list order: ids in put order, date_added rising. */
	walk w = {0};
	store_filter flt;
	store_filter_init(&flt);
	assert_int_equal(store_object_list(f->st, &flt, walk_row, &w, &err), 0);
	assert_int_equal(w.n, 600);
	assert_true(w.ordered);
}

/* ---- transactions ------------------------------------------------------ */

static void test_rollback(void **state)
{
	fx *f = *state;
	sol_err err;
	obj kept, gone;
	make_indicator(&kept, "indicator--00000000-0000-4000-8000-000000000001", T0, "198.51.100.1",
		       NULL);
	make_indicator(&gone, "indicator--00000000-0000-4000-8000-000000000002", T0, "198.51.100.2",
		       NULL);
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(put(f->st, &kept.o), STORE_NEW);
	assert_int_equal(store_commit(f->st, &err), 0);

	/* A transaction that adds an object, a version and a new source. */
	obj kept2;
	make_indicator(&kept2, kept.meta.id, T0 + SEC, "198.51.100.3", NULL);
	gone.o.source = "fresh-source";
	kept2.o.source = "fresh-source";
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(store_begin(f->st, &err), SOL_EDB); /* no nesting */
	assert_int_equal(put(f->st, &gone.o), STORE_NEW);
	assert_int_equal(put(f->st, &kept2.o), STORE_UPDATED);
	store_rollback(f->st);
	store_rollback(f->st); /* harmless without a transaction */

	got g = {0};
	assert_int_equal(store_object_current(f->st, gone.meta.id, collect, &g, &err),
			 SOL_ENOTFOUND);
	versions(f->st, kept.meta.id, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.r[0].json, kept.json);

	/* The rolled-back source is created again, not remembered. */
	assert_int_equal(put(f->st, &gone.o), STORE_NEW);
	store_filter flt;
	store_filter_init(&flt);
	flt.source = "fresh-source";
	list(f->st, &flt, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.r[0].id, gone.meta.id);
	assert_string_equal(g.r[0].source, "fresh-source");

	/* Committed work survives a reopen. */
	test_store_reopen(f);
	current(f->st, gone.meta.id, &g);
	got_free(&g);
}

/* ---- reading ----------------------------------------------------------- */

/* Six objects in a fixed put order, for the filter tests. */
static void put_fixture_set(store *st, obj x[6])
{
	make_indicator(&x[0], "indicator--00000000-0000-4000-8000-000000000001", T0, "198.51.100.1",
		       NULL);
	x[0].o.source = "alpha";
	x[0].o.tlp = TLP_GREEN;
	make_indicator(&x[1], "indicator--00000000-0000-4000-8000-000000000002", T0, "198.51.100.2",
		       NULL);
	x[1].o.source = "beta";
	x[1].o.tlp = TLP_AMBER;
	/* The atom's normal form is not in the JSON. */
	x[1].atom = (stix_atom){.kind = OBS_DOMAIN, .subdomains = true, .value = "evil.example"};
	make_sdo(&x[2], "malware", "malware--00000000-0000-4000-8000-000000000003", T0,
		 "Hidden Cobra");
	x[2].o.source = "alpha";
	x[2].o.tlp = TLP_AMBER;
	make_sdo(&x[3], "identity", "identity--00000000-0000-4000-8000-000000000004", T0, "CERT");
	x[3].o.source = "beta";
	x[3].o.tlp = TLP_CLEAR;
	make_indicator(&x[4], "indicator--00000000-0000-4000-8000-000000000005", T0, "198.51.100.5",
		       NULL);
	x[4].o.source = "alpha";
	x[4].o.tlp = TLP_RED;
	x[4].meta.revoked = true;
	make_indicator(&x[5], "indicator--00000000-0000-4000-8000-000000000006", T0, "198.51.100.6",
		       NULL);
	x[5].o.source = "beta";
	x[5].o.tlp = TLP_AMBER;
	x[5].atoms = (stix_atoms){.n = 0};
	snprintf(x[5].atoms.reason, sizeof x[5].atoms.reason, "uses AND across observations");
	for (int i = 0; i < 6; i++)
		assert_int_equal(put(st, &x[i].o), STORE_NEW);
}

static void test_list_filters(void **state)
{
	fx *f = *state;
	obj x[6];
	put_fixture_set(f->st, x);
	got g = {0};
	store_filter flt;

	/* Each case: a filter and the objects it lists, by index, in order. */
	static const struct {
		const char *type, *source, *value;
		int tlp;
		bool include_revoked;
		size_t limit;
		int since; /* list from the date_added of x[since]; -1 = any */
		const char *want;
	} cases[] = {
	    {NULL, NULL, NULL, -1, false, 0, -1, "01235"},
	    {NULL, NULL, NULL, -1, true, 0, -1, "012345"},
	    {"indicator", NULL, NULL, -1, false, 0, -1, "015"},
	    {"indicator", NULL, NULL, -1, true, 0, -1, "0145"},
	    {"indic", NULL, NULL, -1, true, 0, -1, ""},
	    {"malware", NULL, NULL, -1, false, 0, -1, "2"},
	    {NULL, "alpha", NULL, -1, true, 0, -1, "024"},
	    {NULL, "beta", NULL, -1, false, 0, -1, "135"},
	    {NULL, "nobody", NULL, -1, true, 0, -1, ""},
	    {NULL, NULL, NULL, TLP_AMBER, false, 0, -1, "125"},
	    {NULL, NULL, NULL, TLP_RED, false, 0, -1, ""},
	    {NULL, NULL, NULL, TLP_RED, true, 0, -1, "4"},
	    {NULL, NULL, NULL, TLP_NONE, true, 0, -1, ""},
	    {NULL, NULL, "evil.example", -1, false, 0, -1, "1"},
	    {NULL, NULL, "Hidden Cob", -1, false, 0, -1, "2"},
	    {NULL, NULL, "198.51.100.", -1, true, 0, -1, "0145"},
	    {NULL, NULL, "no such text", -1, true, 0, -1, ""},
	    {NULL, NULL, NULL, -1, false, 2, -1, "01"},
	    {NULL, NULL, "198.51.100.", -1, true, 3, -1, "014"},
	    {NULL, NULL, NULL, -1, false, 0, 3, "35"},
	    {"indicator", "beta", NULL, TLP_AMBER, false, 0, 1, "15"},
	};
	store_filter_init(&flt);
	flt.include_revoked = true;
	list(f->st, &flt, &g);
	sol_time added[6];
	for (int i = 0; i < 6; i++)
		added[i] = g.r[i].date_added;

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		store_filter_init(&flt);
		flt.type = cases[c].type;
		flt.source = cases[c].source;
		flt.value = cases[c].value;
		flt.tlp = cases[c].tlp;
		flt.include_revoked = cases[c].include_revoked;
		flt.limit = cases[c].limit;
		if (cases[c].since >= 0)
			flt.added_since = added[cases[c].since];
		list(f->st, &flt, &g);
		char have[8] = "";
		for (size_t i = 0; i < g.n && i < 7; i++)
			for (int k = 0; k < 6; k++)
				if (strcmp(g.r[i].id, x[k].meta.id) == 0)
					have[i] = (char)('0' + k);
		if (strcmp(have, cases[c].want) != 0)
			fail_msg("case %zu: listed \"%s\", want \"%s\"", c, have, cases[c].want);
	}

	/* Row contents: type from the id, source, TLP, atoms, reasons. */
	store_filter_init(&flt);
	flt.include_revoked = true;
	list(f->st, &flt, &g);
	assert_string_equal(g.r[0].type, "indicator");
	assert_string_equal(g.r[0].source, "alpha");
	assert_int_equal(g.r[0].tlp, TLP_GREEN);
	assert_int_equal(g.r[0].n_atoms, 1);
	assert_null(g.r[0].unmatchable);
	assert_string_equal(g.r[1].atom0, "evil.example");
	assert_true(g.r[1].atom0_subdomains);
	assert_string_equal(g.r[2].type, "malware");
	assert_false(g.r[2].has_atoms);
	assert_null(g.r[2].unmatchable);
	assert_true(g.r[4].revoked);
	assert_true(g.r[5].has_atoms);
	assert_int_equal(g.r[5].n_atoms, 0);
	assert_string_equal(g.r[5].unmatchable, "uses AND across observations");
	for (int i = 0; i < 6; i++)
		assert_true(g.r[i].current);
	got_free(&g);
}

static void test_row_fields(void **state)
{
	fx *f = *state;
	obj x;
	make_indicator(&x, "indicator--00000000-0000-4000-8000-000000000001", T0, "198.51.100.1",
		       NULL);
	x.meta.confidence = 85;
	x.meta.valid_until = T0 + 86400 * SEC;
	x.atoms = (stix_atoms){.n = 0}; /* unmatchable without a reason given */
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	got g = {0};
	current(f->st, x.meta.id, &g);
	assert_int_equal(g.r[0].confidence, 85);
	assert_int_equal(g.r[0].valid_until, T0 + 86400 * SEC);
	assert_int_equal(g.r[0].version, T0);
	assert_non_null(g.r[0].unmatchable);
	assert_true(g.r[0].date_added > 0);

	obj y;
	make_sdo(&y, "malware", "malware--00000000-0000-4000-8000-000000000002", T0, "m");
	assert_int_equal(put(f->st, &y.o), STORE_NEW);
	current(f->st, y.meta.id, &g);
	assert_int_equal(g.r[0].confidence, -1);
	assert_int_equal(g.r[0].valid_until, SOL_TIME_NONE);
	assert_int_equal(g.r[0].tlp, TLP_NONE);
	got_free(&g);
}

/* Bodies come back byte for byte: UTF-8, large, tiny (stored raw). */
static void test_body_roundtrip(void **state)
{
	fx *f = *state;
	obj x;
	make_sdo(&x, "identity", "identity--00000000-0000-4000-8000-000000000001", T0,
		 "Zürich \u6771\u4eac \xf0\x9f\x90\x89 \\\"quoted\\\" \\u0000");
	assert_int_equal(put(f->st, &x.o), STORE_NEW);

	/* 200 KB that compresses well, then 64 KB that does not. */
	size_t big_len = 200000;
	char *big = malloc(big_len + 1);
	int n = snprintf(big, big_len, "{\"description\":\"");
	for (size_t i = (size_t)n; i < big_len - 2; i++)
		big[i] = "abcdefgh"[i % 8];
	memcpy(big + big_len - 2, "\"}", 3);
	obj y;
	make_sdo(&y, "report", "report--00000000-0000-4000-8000-000000000002", T0, "r");
	y.o.json = big;
	y.o.json_len = big_len;
	assert_int_equal(put(f->st, &y.o), STORE_NEW);

	size_t rnd_len = 65536;
	char *rnd = malloc(rnd_len + 1);
	uint64_t h = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < rnd_len; i++) {
		h ^= h << 13, h ^= h >> 7, h ^= h << 17;
		rnd[i] = (char)(0x21 + h % 90);
	}
	rnd[rnd_len] = '\0';
	obj z;
	make_sdo(&z, "note", "note--00000000-0000-4000-8000-000000000003", T0, "n");
	z.o.json = rnd;
	z.o.json_len = rnd_len;
	assert_int_equal(put(f->st, &z.o), STORE_NEW);

	obj t;
	make_sdo(&t, "x-tiny", "x-tiny--00000000-0000-4000-8000-000000000004", T0, "t");
	t.o.json = "{}";
	t.o.json_len = 2;
	assert_int_equal(put(f->st, &t.o), STORE_NEW);

	test_store_reopen(f);
	got g = {0};
	current(f->st, x.meta.id, &g);
	assert_int_equal(g.r[0].json_len, strlen(x.json));
	assert_memory_equal(g.r[0].json, x.json, strlen(x.json));
	current(f->st, y.meta.id, &g);
	assert_int_equal(g.r[0].json_len, big_len);
	assert_memory_equal(g.r[0].json, big, big_len);
	current(f->st, z.meta.id, &g);
	assert_int_equal(g.r[0].json_len, rnd_len);
	assert_memory_equal(g.r[0].json, rnd, rnd_len);
	current(f->st, t.meta.id, &g);
	assert_string_equal(g.r[0].json, "{}");
	assert_string_equal(g.r[0].type, "x-tiny");
	got_free(&g);
	/* The same bytes again are unchanged; one byte different conflicts. */
	assert_int_equal(put(f->st, &y.o), STORE_UNCHANGED);
	big[100] = 'X';
	assert_int_equal(put(f->st, &y.o), STORE_CONFLICT);
	free(big);
	free(rnd);
}

typedef struct pack_job {
	store *st;             /* the store whose packer is used */
	const store_object *o; /* what to pack */
	store_packed out;      /* the result, copied to bytes */
	char *bytes;           /* owned copy of out.body */
	int rc;                /* store_packer_pack's result */
} pack_job;

/* On its own thread, as a list import's reader packs. */
static void *pack_thread(void *arg)
{
	pack_job *j = arg;
	store_packer *pk = store_packer_new(j->st);
	sol_err err = {0};
	j->rc = store_packer_pack(j->st, pk, j->o, &j->out, &err);
	j->bytes = malloc(j->out.len);
	memcpy(j->bytes, j->out.body, j->out.len);
	j->out.body = j->bytes;
	store_packer_free(j->st, pk);
	return NULL;
}

/* Bodies packed ahead on another thread, small and large (the two
 * compression levels), store and read back as plain puts do. */
static void test_packed_ahead(void **state)
{
	fx *f = *state;
	obj x, y;
	make_indicator(&x, "indicator--00000000-0000-4000-8000-000000000011", T0, "198.51.100.7",
		       NULL);
	make_sdo(&y, "report", "report--00000000-0000-4000-8000-000000000012", T0, "r");
	size_t big_len = 5000;
	char *big = malloc(big_len + 1);
	int n = snprintf(big, big_len, "{\"id\":\"%s\",\"description\":\"", y.meta.id);
	for (size_t i = (size_t)n; i < big_len - 2; i++)
		big[i] = "attack pattern "[i % 15];
	memcpy(big + big_len - 2, "\"}", 3);
	y.o.json = big;
	y.o.json_len = big_len;

	const obj *objs[] = {&x, &y};
	for (size_t k = 0; k < 2; k++) {
		pack_job j = {.st = f->st, .o = &objs[k]->o};
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, pack_thread, &j), 0);
		pthread_join(t, NULL);
		assert_int_equal(j.rc, 0);
		assert_true(j.out.len < objs[k]->o.json_len); /* compressed, id cut out */
		store_object o = objs[k]->o;
		o.packed = &j.out;
		assert_int_equal(put(f->st, &o), STORE_NEW);
		assert_int_equal(put(f->st, &objs[k]->o), STORE_UNCHANGED);
		free(j.bytes);
	}
	test_store_reopen(f);
	got g = {0};
	current(f->st, x.meta.id, &g);
	assert_string_equal(g.r[0].json, x.json);
	current(f->st, y.meta.id, &g);
	assert_int_equal(g.r[0].json_len, big_len);
	assert_memory_equal(g.r[0].json, big, big_len);
	got_free(&g);
	free(big);
}

/* Codec 2 cuts the id out of the body (objects.id holds it) and puts it
 * back at the same offset: exact even when the id occurs twice, first
 * inside a nested value. Bodies with damaged offsets are SOL_EDB. */
static void test_body_without_id(void **state)
{
	fx *f = *state;
	const char *id = "x-dup--00000000-0000-4000-8000-00000000000a";
	obj x;
	make_sdo(&x, "x-dup", id, T0, "n");
	snprintf(x.json, sizeof x.json,
		 "{\"a\":{\"id\":\"%s\",\"pad\":\"%s\"},\"id\":\"%s\",\"type\":\"x-dup\"}", id,
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", id);
	x.o.json_len = strlen(x.json);
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	obj y;
	make_indicator(&y, "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c8", T0, "198.51.100.9",
		       "");
	assert_int_equal(put(f->st, &y.o), STORE_NEW);
	test_store_reopen(f);
	got g = {0};
	current(f->st, id, &g);
	assert_int_equal(g.r[0].json_len, strlen(x.json));
	assert_string_equal(g.r[0].json, x.json);
	current(f->st, y.meta.id, &g);
	assert_string_equal(g.r[0].json, y.json);
	got_free(&g);

	/* On disk: both codec 2, and y's body does not hold its uuid. */
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT sum(codec = 2), sum(instr(body, CAST("
					    "'6ba7b810-9dad-41d1-80b4-00c04fd430c8' AS BLOB)) > 0) "
					    "FROM versions",
					    -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int codec2 = sqlite3_column_int(q, 0), with_uuid = sqlite3_column_int(q, 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_int_equal(codec2, 2);
	assert_int_equal(with_uuid, 0);

	static const char *const damaged[] = {
	    "X'ffffffff'", /* an offset with no end */
	    "X'05'",       /* an offset and no frame */
	    "X'7f00'",     /* an offset and a truncated frame */
	};
	for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
		store_close(f->st);
		char *sql = xasprintf("UPDATE versions SET body = %s WHERE codec = 2", damaged[i]);
		sql_exec(f->path, sql);
		free(sql);
		assert_int_equal(store_open(f->path, &f->st, &(sol_err){0}), 0);
		sol_err err;
		assert_int_equal(store_object_current(f->st, y.meta.id, collect, &g, &err),
				 SOL_EDB);
		assert_non_null(strstr(err.msg, "corrupt object body"));
		got_free(&g);
	}
}

/* if_absent: a known id is unchanged whatever the version and bytes, and
 * nothing is written; a new id is stored as usual. */
static void test_put_if_absent(void **state)
{
	fx *f = *state;
	obj x, y, z;
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000c1", T0, "192.0.2.1", "");
	x.o.if_absent = true;
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	assert_int_equal(put(f->st, &x.o), STORE_UNCHANGED);
	make_indicator(&y, x.meta.id, T0 + SEC, "192.0.2.2", "");
	y.o.if_absent = true;
	assert_int_equal(put(f->st, &y.o), STORE_UNCHANGED);
	make_indicator(&z, x.meta.id, T0, "192.0.2.1", "\"x\":1,");
	z.o.if_absent = true;
	assert_int_equal(put(f->st, &z.o), STORE_UNCHANGED);
	got g = {0};
	versions(f->st, x.meta.id, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.r[0].json, x.json);
	got_free(&g);
	/* Without the flag the same put is a newer version. */
	y.o.if_absent = false;
	assert_int_equal(put(f->st, &y.o), STORE_UPDATED);
}

/* A value exact then "and below" (a list domain's two atoms) shares one
 * atoms row; reads give both back, in order, beside other atoms. */
static int atoms_text(void *ctx, const store_row *row)
{
	char *out = ctx;
	for (size_t i = 0; i < row->atoms->n; i++) {
		const stix_atom *a = &row->atoms->v[i];
		size_t n = strlen(out);
		snprintf(out + n, 256 - n, "%s%s%s;", obs_kind_name(a->kind),
			 a->subdomains ? "+" : "=", a->value);
	}
	return 0;
}

static int atoms_walk_text(void *ctx, const store_indicator *ind)
{
	store_row row = {.atoms = ind->atoms};
	return atoms_text(ctx, &row);
}

static void test_atom_pairs(void **state)
{
	fx *f = *state;
	obj x;
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000d1", T0, "192.0.2.7", "");
	stix_atom v[5] = {
	    {OBS_DOMAIN, false, "evil.example"}, {OBS_DOMAIN, true, "evil.example"},
	    {OBS_IPV4, false, "192.0.2.7"},      {OBS_DOMAIN, true, "b.example"},
	    {OBS_DOMAIN, false, "b.example"}, /* below then exact: two rows */
	};
	x.atoms = (stix_atoms){.v = v, .n = 5, .cap = 5};
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	test_store_reopen(f);
	const char *want = "domain=evil.example;domain+evil.example;ipv4=192.0.2.7;"
			   "domain+b.example;domain=b.example;";
	char text[256] = "";
	sol_err err;
	assert_int_equal(store_object_current(f->st, x.meta.id, atoms_text, text, &err), 0);
	assert_string_equal(text, want);
	text[0] = '\0';
	assert_int_equal(store_indicators_walk(f->st, atoms_walk_text, text, &err), 0);
	assert_string_equal(text, want);

	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT count(*), sum(subdomains = 2) FROM atoms", -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int rows = sqlite3_column_int(q, 0), pairs = sqlite3_column_int(q, 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_int_equal(rows, 4);
	assert_int_equal(pairs, 1);
}

/* A callback may call back into the store; a non-zero return stops. */
typedef struct nested {
	store *st;    /* the store being walked */
	int rows;     /* rows seen by the outer walk */
	int versions; /* rows seen by the inner calls */
} nested;

static int count_row(void *ctx, const store_row *row)
{
	(void)row;
	++*(int *)ctx;
	return 0;
}

static int nested_row(void *ctx, const store_row *row)
{
	nested *n = ctx;
	sol_err err;
	char *id = strdup(row->id);
	char *json = strdup(row->json);
	assert_int_equal(store_object_versions(n->st, id, count_row, &n->versions, &err), 0);
	assert_int_equal(store_object_current(n->st, id, count_row, &n->versions, &err), 0);
	/* Our row is untouched by the nested calls. */
	assert_string_equal(row->id, id);
	assert_string_equal(row->json, json);
	free(id);
	free(json);
	return ++n->rows == 4 ? 42 : 0;
}

static void test_callbacks(void **state)
{
	fx *f = *state;
	obj x[6];
	put_fixture_set(f->st, x);
	sol_err err;
	store_filter flt;
	store_filter_init(&flt);
	flt.include_revoked = true;
	nested n = {f->st, 0, 0};
	assert_int_equal(store_object_list(f->st, &flt, nested_row, &n, &err), 42);
	assert_int_equal(n.rows, 4);
	assert_int_equal(n.versions, 8);

	got g = {.stop_after = 2};
	assert_int_equal(store_object_list(f->st, &flt, collect, &g, &err), 7);
	assert_int_equal(g.n, 2);
	got_free(&g);
	/* The walk that was stopped leaves no statement busy. */
	list(f->st, &flt, &g);
	assert_int_equal(g.n, 6);
	got_free(&g);
}

/* ---- statistics --------------------------------------------------------- */

typedef struct stat_seen {
	char text[2048]; /* "dimension/key=count;" for every callback */
} stat_seen;

static int stat_collect(void *ctx, const char *dimension, const char *key, int64_t count)
{
	stat_seen *s = ctx;
	size_t n = strlen(s->text);
	snprintf(s->text + n, sizeof s->text - n, "%s/%s=%lld;", dimension, key, (long long)count);
	return 0;
}

static void test_stats(void **state)
{
	fx *f = *state;
	obj x[6];
	put_fixture_set(f->st, x);
	obj again;
	make_indicator(&again, x[0].meta.id, T0 + SEC, "198.51.100.1", NULL);
	again.o.source = "alpha";
	again.o.tlp = TLP_RED;
	assert_int_equal(put(f->st, &again.o), STORE_UPDATED);

	stat_seen s = {""};
	sol_err err;
	assert_int_equal(store_stats(f->st, stat_collect, &s, &err), 0);
	assert_string_equal(s.text, "objects/all=6;"
				    "versions/all=7;"
				    "type/identity=1;type/indicator=4;type/malware=1;"
				    "tlp/clear=1;tlp/amber=3;tlp/red=2;"
				    "source/alpha=3;source/beta=3;"
				    "revoked/revoked=1;"
				    "indicators/line-matchable=3;indicators/not line-matchable=1;"
				    "reason/uses AND across observations=1;");

	store *empty;
	char *path = test_path(f->dir, "empty.db");
	assert_int_equal(store_open(path, &empty, &err), 0);
	s.text[0] = '\0';
	assert_int_equal(store_stats(empty, stat_collect, &s, &err), 0);
	assert_string_equal(s.text, "objects/all=0;versions/all=0;revoked/revoked=0;");
	store_close(empty);
	free(path);
}

/* ---- size and speed ----------------------------------------------------- */

#define SIZE_N 20000
#define SIZE_MAX_PER 400 /* bytes per simple indicator, the requirement */

/* One simple indicator as the CSV importer makes it. */
typedef struct simple {
	char id[64];    /* indicator--<uuid4> */
	char ip[16];    /* its one atom */
	char json[400]; /* canonical body */
	size_t len;     /* strlen(json) */
	sol_time t;     /* created = modified = valid_from */
} simple;

static void make_simple(simple *x, int i)
{
	char uuid[37], ts[32];
	sol_uuid4(uuid);
	snprintf(x->id, sizeof x->id, "indicator--%s", uuid);
	snprintf(x->ip, sizeof x->ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
	x->t = T0 + (sol_time)i * 1000;
	sol_time_format(x->t, ts, sizeof ts);
	x->len = (size_t)snprintf(
	    x->json, sizeof x->json,
	    "{\"created\":\"%s\",\"id\":\"%s\",\"modified\":\"%s\",\"object_marking_refs\":"
	    "[\"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421\"],\"pattern\":"
	    "\"[ipv4-addr:value = '%s']\",\"pattern_type\":\"stix\",\"spec_version\":\"2.1\","
	    "\"type\":\"indicator\",\"valid_from\":\"%s\"}",
	    ts, x->id, ts, x->ip, ts);
}

static void test_size(void **state)
{
	fx *f = *state;
	sol_err err;
	simple *all = calloc(SIZE_N, sizeof *all);
	size_t json_bytes = 0;
	for (int i = 0; i < SIZE_N; i++) {
		make_simple(&all[i], i);
		json_bytes += all[i].len;
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_begin(f->st, &err), 0);
	for (int i = 0; i < SIZE_N; i++) {
		simple *x = &all[i];
		stix_meta m = {.type = "indicator",
			       .id = x->id,
			       .category = STIX_SDO,
			       .created = x->t,
			       .modified = x->t,
			       .version = x->t,
			       .confidence = -1,
			       .tlp = TLP_AMBER,
			       .valid_until = SOL_TIME_NONE};
		stix_atom atom = {.kind = OBS_IPV4, .value = x->ip};
		stix_atoms atoms = {.v = &atom, .n = 1, .cap = 1};
		store_object o = {.meta = &m,
				  .json = x->json,
				  .json_len = x->len,
				  .source = "csv",
				  .tlp = TLP_AMBER,
				  .atoms = &atoms};
		store_put_result r;
		assert_int_equal(store_object_put(f->st, &o, &r, &err), 0);
		assert_int_equal(r, STORE_NEW);
	}
	assert_int_equal(store_commit(f->st, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(store_size_bytes(f->st) > 0);

	/* Closing the last connection checkpoints the WAL into the file. */
	store_close(f->st);
	f->st = NULL;
	char *wal = test_path(f->dir, "intel.db-wal");
	struct stat sb;
	assert_int_not_equal(stat(wal, &sb), 0);
	free(wal);
	assert_int_equal(stat(f->path, &sb), 0);
	double per = (double)sb.st_size / SIZE_N;
	print_message("size: %d indicators of %.0f bytes JSON: %.1f bytes/indicator on disk, "
		      "%.0f puts/second\n",
		      SIZE_N, (double)json_bytes / SIZE_N, per, SIZE_N / secs);
	assert_true(per < SIZE_MAX_PER);

	test_store_reopen(f);
	assert_true(store_size_bytes(f->st) >= sb.st_size);
	got g = {0};
	for (int i = 0; i < SIZE_N; i += SIZE_N / 7) {
		current(f->st, all[i].id, &g);
		assert_string_equal(g.r[0].json, all[i].json);
		assert_string_equal(g.r[0].atom0, all[i].ip);
		assert_int_equal(g.r[0].tlp, TLP_AMBER);
	}
	got_free(&g);
	free(all);
}

/* ---- indicators for the matcher ----------------------------------------- */

/* Indicators seen by a walk, flattened to "<id suffix>:<atom>,<atom>;". */
typedef struct ind_seen {
	char text[1024];      /* one entry per indicator, in walk order */
	store_indicator last; /* fields of the last one (pointers cleared) */
	char source[32];      /* its source */
	int calls;            /* callbacks so far */
	int stop_after;       /* return 9 after this many; 0 = never */
	store *reenter;       /* if set, read the indicator back from the callback */
} ind_seen;

static int ind_collect(void *ctx, const store_indicator *ind)
{
	ind_seen *s = ctx;
	size_t n = strlen(s->text);
	n +=
	    (size_t)snprintf(s->text + n, sizeof s->text - n, "%s:", ind->id + strlen(ind->id) - 2);
	for (size_t i = 0; i < ind->atoms->n; i++)
		n += (size_t)snprintf(s->text + n, sizeof s->text - n, "%s%s", i ? "," : "",
				      ind->atoms->v[i].value);
	snprintf(s->text + n, sizeof s->text - n, ";");
	snprintf(s->source, sizeof s->source, "%s", ind->source);
	s->last = *ind;
	s->last.id = s->last.source = NULL;
	s->last.atoms = NULL;
	if (s->reenter) {
		int rows = 0;
		sol_err err;
		char *id = strdup(ind->id);
		assert_int_equal(store_object_current(s->reenter, id, count_row, &rows, &err), 0);
		assert_int_equal(rows, 1);
		assert_string_equal(ind->id, id); /* untouched by the nested call */
		free(id);
	}
	return ++s->calls == s->stop_after ? 9 : 0;
}

static void test_indicators_walk(void **state)
{
	fx *f = *state;
	sol_err err;
	ind_seen seen = {0};
	assert_int_equal(store_indicators_walk(f->st, ind_collect, &seen, &err), 0);
	assert_int_equal(seen.calls, 0);

	/* Put in an order unlike id order. */
	obj x;
	stix_atom two[2] = {{.kind = OBS_IPV4, .value = "192.0.2.1"},
			    {.kind = OBS_DOMAIN, .subdomains = true, .value = "evil.example"}};
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a9", T0, "x", NULL);
	x.atoms = (stix_atoms){.v = two, .n = 2, .cap = 2};
	x.o.source = "alpha";
	x.o.tlp = TLP_AMBER;
	x.meta.confidence = 70;
	x.meta.valid_until = T0 + 3600 * SEC;
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	/* Superseded: only the newer version's atoms count, even when an older
	 * version arrives afterwards. */
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a2", T0, "198.51.100.1",
		       NULL);
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a2", T0 + SEC,
		       "198.51.100.2", NULL);
	assert_int_equal(put(f->st, &x.o), STORE_UPDATED);
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a2", T0 - SEC,
		       "198.51.100.0", NULL);
	assert_int_equal(put(f->st, &x.o), STORE_OLDER);
	/* Revoked by its current version: left out. */
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a3", T0, "198.51.100.3",
		       NULL);
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a3", T0 + SEC,
		       "198.51.100.3", NULL);
	x.meta.revoked = true;
	assert_int_equal(put(f->st, &x.o), STORE_UPDATED);
	/* Revoked only in an older version: kept. */
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a1", T0 + SEC,
		       "198.51.100.4", NULL);
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a1", T0, "198.51.100.4",
		       NULL);
	x.meta.revoked = true;
	assert_int_equal(put(f->st, &x.o), STORE_OLDER);
	/* No atoms, not an indicator, a type that merely starts alike: left out. */
	make_indicator(&x, "indicator--00000000-0000-4000-8000-0000000000a5", T0, "198.51.100.5",
		       NULL);
	x.atoms = (stix_atoms){.n = 0};
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	make_sdo(&x, "malware", "malware--00000000-0000-4000-8000-0000000000a6", T0, "m");
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	make_sdo(&x, "indicator-like", "indicator-like--00000000-0000-4000-8000-0000000000a7", T0,
		 "m");
	assert_int_equal(put(f->st, &x.o), STORE_NEW);

	assert_int_equal(store_indicators_walk(f->st, ind_collect, &seen, &err), 0);
	/* In date_added order of the current versions. */
	assert_string_equal(seen.text,
			    "a9:192.0.2.1,evil.example;a2:198.51.100.2;a1:198.51.100.4;");
	assert_int_equal(seen.calls, 3);
	assert_string_equal(seen.source, "test");
	assert_int_equal(seen.last.version, T0 + SEC);
	assert_int_equal(seen.last.confidence, -1);
	assert_int_equal(seen.last.valid_until, SOL_TIME_NONE);
	assert_int_equal(seen.last.tlp, TLP_CLEAR);

	/* Stopped after the first, whose fields are its current version's. */
	memset(&seen, 0, sizeof seen);
	seen.stop_after = 1;
	assert_int_equal(store_indicators_walk(f->st, ind_collect, &seen, &err), 9);
	assert_string_equal(seen.text, "a9:192.0.2.1,evil.example;");
	assert_string_equal(seen.source, "alpha");
	assert_int_equal(seen.last.tlp, TLP_AMBER);
	assert_int_equal(seen.last.confidence, 70);
	assert_int_equal(seen.last.version, T0);
	assert_int_equal(seen.last.valid_until, T0 + 3600 * SEC);

	/* Stopped on the last one while calling back into the store. */
	memset(&seen, 0, sizeof seen);
	seen.stop_after = 3;
	seen.reenter = f->st;
	assert_int_equal(store_indicators_walk(f->st, ind_collect, &seen, &err), 9);
	assert_int_equal(seen.calls, 3);
	/* Nothing was left busy: a full walk again sees all three. */
	memset(&seen, 0, sizeof seen);
	assert_int_equal(store_indicators_walk(f->st, ind_collect, &seen, &err), 0);
	assert_int_equal(seen.calls, 3);
}

/* Many indicators of 1..8 atoms each: every one once, in id order, its
 * atoms in pattern order; so are the rows of object lists, whose atoms
 * are read as the list goes (every MANY_SPARSE-th from another source,
 * far apart in the atoms table, for a filtered list). */
#define MANY_N 500
#define MANY_SPARSE 50

typedef struct many {
	int n;        /* indicators seen */
	int atoms;    /* atoms seen */
	int stride;   /* the walk sees every stride-th put; 0: every one */
	bool ordered; /* in the order put, atoms as put, so far */
} many;

static int many_row(void *ctx, const store_indicator *ind)
{
	many *m = ctx;
	int k = atoi(ind->id + strlen(ind->id) - 6);
	char want[32];
	/* Stored in the order i = 0, 1, ... of k = i * 7919 mod N: the walk
	 * follows date_added. */
	long put_at = (long)m->n * (m->stride ? m->stride : 1);
	m->ordered = m->ordered && k == (int)((put_at * 7919L) % MANY_N) &&
		     ind->atoms->n == (size_t)(k % 8 + 1);
	for (size_t i = 0; i < ind->atoms->n; i++) {
		snprintf(want, sizeof want, "10.%d.%d.%zu", k / 256, k % 256, i);
		m->ordered = m->ordered && strcmp(ind->atoms->v[i].value, want) == 0;
	}
	m->n++;
	m->atoms += (int)ind->atoms->n;
	return 0;
}

static int many_list_row(void *ctx, const store_row *row)
{
	store_indicator ind = store_row_indicator(row);
	return many_row(ctx, &ind);
}

/* An older version stored after the newer one: the versions walk (version
 * order) goes back in date_added order, and reads each version's atom. */
static int version_atoms(void *ctx, const store_row *row)
{
	char *s = ctx;
	snprintf(s + strlen(s), 64, "%s;", row->atoms->v[0].value);
	return 0;
}

static void test_indicators_walk_many(void **state)
{
	fx *f = *state;
	sol_err err;
	char id[64], vals[8][32];
	stix_atom at[8];
	int total = 0;
	assert_int_equal(store_begin(f->st, &err), 0);
	for (int i = 0; i < MANY_N; i++) {
		int k = (i * 7919) % MANY_N; /* a permutation of 0..N-1 */
		obj x;
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", k);
		make_indicator(&x, id, T0, "x", NULL);
		for (int a = 0; a < k % 8 + 1; a++) {
			snprintf(vals[a], sizeof vals[a], "10.%d.%d.%d", k / 256, k % 256, a);
			at[a] = (stix_atom){.kind = OBS_IPV4, .value = vals[a]};
		}
		x.atoms = (stix_atoms){.v = at, .n = (size_t)(k % 8 + 1), .cap = 8};
		total += k % 8 + 1;
		if (i % MANY_SPARSE == 0)
			x.o.source = "sparse";
		assert_int_equal(put(f->st, &x.o), STORE_NEW);
	}
	assert_int_equal(store_commit(f->st, &err), 0);
	many m = {.ordered = true};
	assert_int_equal(store_indicators_walk(f->st, many_row, &m, &err), 0);
	assert_int_equal(m.n, MANY_N);
	assert_int_equal(m.atoms, total);
	assert_true(m.ordered);

	store_filter flt;
	store_filter_init(&flt);
	flt.type = "indicator";
	m = (many){.ordered = true};
	assert_int_equal(store_object_list(f->st, &flt, many_list_row, &m, &err), 0);
	assert_int_equal(m.n, MANY_N);
	assert_int_equal(m.atoms, total);
	assert_true(m.ordered);
	flt.source = "sparse";
	m = (many){.stride = MANY_SPARSE, .ordered = true};
	assert_int_equal(store_object_list(f->st, &flt, many_list_row, &m, &err), 0);
	assert_int_equal(m.n, MANY_N / MANY_SPARSE);
	assert_true(m.ordered);

	obj x;
	const char *vid = "indicator--00000000-0000-4000-8000-100000000000";
	make_indicator(&x, vid, T0 + 2000000, "192.0.2.2", NULL);
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	make_indicator(&x, vid, T0 + 1000000, "192.0.2.1", NULL);
	assert_int_equal(put(f->st, &x.o), STORE_OLDER);
	char seen[256] = "";
	assert_int_equal(store_object_versions(f->st, vid, version_atoms, seen, &err), 0);
	assert_string_equal(seen, "192.0.2.1;192.0.2.2;");
}

/* ---- settings ------------------------------------------------------------ */

static void test_settings(void **state)
{
	fx *f = *state;
	sol_err err;
	char *v = (char *)1;
	assert_int_equal(store_setting_get(f->st, "node.identity", &v, &err), SOL_ENOTFOUND);
	assert_null(v);
	assert_string_equal(err.where, "node.identity");

	assert_int_equal(store_setting_set(f->st, "node.identity", "{\"a\":1}", &err), 0);
	assert_int_equal(store_setting_set(f->st, "empty", "", &err), 0);
	assert_int_equal(store_setting_set(f->st, "utf8", "Zürich \xf0\x9f\x90\x89", &err), 0);
	assert_int_equal(store_setting_get(f->st, "node.identity", &v, &err), 0);
	assert_string_equal(v, "{\"a\":1}");
	free(v);
	/* Overwritten, not duplicated; keys are exact (case matters). */
	assert_int_equal(store_setting_set(f->st, "node.identity", "second", &err), 0);
	assert_int_equal(store_setting_get(f->st, "node.identity", &v, &err), 0);
	assert_string_equal(v, "second");
	free(v);
	assert_int_equal(store_setting_get(f->st, "Node.Identity", &v, &err), SOL_ENOTFOUND);

	/* Inside a transaction: rolled back with it, or kept by commit. */
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(store_setting_set(f->st, "node.identity", "undone", &err), 0);
	assert_int_equal(store_setting_set(f->st, "new.key", "undone", &err), 0);
	assert_int_equal(store_setting_get(f->st, "node.identity", &v, &err), 0);
	assert_string_equal(v, "undone"); /* our own transaction sees it */
	free(v);
	store_rollback(f->st);
	assert_int_equal(store_setting_get(f->st, "new.key", &v, &err), SOL_ENOTFOUND);
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(store_setting_set(f->st, "new.key", "kept", &err), 0);
	assert_int_equal(store_commit(f->st, &err), 0);

	test_store_reopen(f);
	static const char *const want[][2] = {{"node.identity", "second"},
					      {"empty", ""},
					      {"utf8", "Zürich \xf0\x9f\x90\x89"},
					      {"new.key", "kept"}};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(store_setting_get(f->st, want[i][0], &v, &err), 0);
		assert_string_equal(v, want[i][1]);
		free(v);
	}
}

/* The value of setting k on st, which must exist; caller frees. */
static char *setting(store *st, const char *k)
{
	sol_err err;
	char *v = NULL;
	assert_int_equal(store_setting_get(st, k, &v, &err), 0);
	return v;
}

/* A read transaction sees one snapshot, refuses a nested store_begin, and
 * after read_end sees what other connections committed meanwhile. */
static void test_read_transaction(void **state)
{
	fx *f = *state;
	sol_err err;
	store *other;
	assert_int_equal(store_open(f->path, &other, &err), 0);
	assert_int_equal(store_setting_set(f->st, "k", "1", &err), 0);

	assert_int_equal(store_read_begin(other, &err), 0);
	char *v = setting(other, "k");
	assert_string_equal(v, "1");
	free(v);
	assert_int_equal(store_setting_set(f->st, "k", "2", &err), 0);
	v = setting(other, "k");
	assert_string_equal(v, "1"); /* still the snapshot of the first read */
	free(v);
	assert_int_not_equal(store_begin(other, &err), 0);
	store_read_end(other);
	v = setting(other, "k");
	assert_string_equal(v, "2");
	free(v);
	store_read_end(other); /* none open: nothing happens */

	/* Writes work again after it. */
	assert_int_equal(store_begin(other, &err), 0);
	assert_int_equal(store_setting_set(other, "k", "3", &err), 0);
	assert_int_equal(store_commit(other, &err), 0);
	v = setting(f->st, "k");
	assert_string_equal(v, "3");
	free(v);
	store_close(other);
}

/* The page cache can be made smaller, not below 64 KiB, and mmap turned
 * off; the store works the same with them. */
static void test_cache_set(void **state)
{
	fx *f = *state;
	sol_err err;
	static const int64_t bad[] = {-1, 0, 63};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sol_err_clear(&err);
		assert_int_equal(store_cache_set(f->st, bad[i], 0, &err), SOL_EINVALID);
		assert_non_null(strstr(err.msg, "at least 64 KiB"));
	}
	assert_int_equal(store_cache_set(f->st, 64, -1, &err), SOL_EINVALID);
	assert_non_null(strstr(err.msg, "0 or more"));
	assert_int_equal(store_cache_set(f->st, 64, 0, &err), 0);
	assert_int_equal(store_cache_set(f->st, 8192, 1 << 20, &err), 0);
	assert_int_equal(store_cache_set(f->st, 8192, 0, &err), 0);
	assert_int_equal(store_setting_set(f->st, "k", "small cache", &err), 0);
	char *v = setting(f->st, "k");
	assert_string_equal(v, "small cache");
	free(v);
}

/* A version-1 file (before settings existed) is migrated on open and keeps
 * its objects. */
static void test_migrate_from_v1(void **state)
{
	fx *f = *state;
	sol_err err;
	obj x;
	make_indicator(&x, "indicator--00000000-0000-4000-8000-000000000001", T0, "198.51.100.7",
		       NULL);
	assert_int_equal(put(f->st, &x.o), STORE_NEW);
	store_close(f->st);
	f->st = NULL;
	sql_exec(f->path, "DROP TABLE settings; DROP TABLE partners; DROP TABLE collections; "
			  "DROP TABLE grants; DROP TABLE members; DROP TABLE distribution; "
			  "DROP TABLE statuses; DROP TABLE status_entries; DROP TABLE peers; "
			  "DROP TABLE peer_cursors; PRAGMA user_version = 1;");
	assert_int_equal(user_version(f->path), 1);
	test_store_reopen(f);
	assert_int_equal(user_version(f->path), SCHEMA_LATEST);
	assert_int_equal(store_setting_set(f->st, "k", "v", &err), 0);
	got g = {0};
	current(f->st, x.meta.id, &g);
	assert_string_equal(g.r[0].json, x.json);
	got_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_reopen, fx_setup, fx_teardown),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_readonly_file),
	    cmocka_unit_test_setup_teardown(test_put_results, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_read_transaction, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_cache_set, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_put_bad_input, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_revocation, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_date_added_increasing, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rollback, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_list_filters, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_row_fields, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_body_roundtrip, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_body_without_id, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_packed_ahead, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_put_if_absent, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_atom_pairs, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_callbacks, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_stats, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_size, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_indicators_walk, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_indicators_walk_many, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_settings, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_migrate_from_v1, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
