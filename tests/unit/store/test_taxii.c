/*
 * test_taxii.c - the TAXII state of the SQLite store on real files:
 * partner keys (Bearer and Basic, rotation, removal, reopening), names,
 * collections, grants, membership with strictly increasing date_added
 * under interleaved writers, the TAXII read with every filter and the
 * audience applied before the limit, DELETE, RED distribution lists,
 * status resources and peers with their cursors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "teststore.h"

#define T0 1767225600000000LL /* 2026-01-01T00:00:00Z */
#define SEC 1000000LL
#define CID "3f0c2a6e-9a1b-4c3d-8e5f-0123456789ab"

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

/* Store version v of id (type from the id) with the given TLP. */
static void put(store *st, const char *id, sol_time v, stix_tlp tlp)
{
	char type[64], json[256];
	snprintf(type, sizeof type, "%.*s", (int)(strstr(id, "--") - id), id);
	snprintf(json, sizeof json, "{\"id\":\"%s\",\"modified\":%lld,\"type\":\"%s\"}", id,
		 (long long)v, type);
	stix_meta m = {.type = type,
		       .id = id,
		       .category = STIX_SDO,
		       .created = v,
		       .modified = v,
		       .version = v,
		       .confidence = -1,
		       .tlp = tlp,
		       .valid_until = SOL_TIME_NONE};
	store_object o = {
	    .meta = &m, .json = json, .json_len = strlen(json), .source = "t", .tlp = tlp};
	store_put_result r;
	sol_err err;
	if (store_object_put(st, &o, &r, &err) != 0)
		fail_msg("put %s: %s", id, err.msg);
}

static sol_time add(store *st, const char *coll, const char *id, sol_time v)
{
	sol_time t;
	sol_err err;
	if (store_collection_object_add(st, coll, id, v, &t, &err) != 0)
		fail_msg("add %s: %s: %s", id, err.where, err.msg);
	return t;
}

/* ---- partners ------------------------------------------------------------- */

static int count_partner(void *ctx, const store_partner *p)
{
	char *names = ctx;
	strcat(names, p->name);
	strcat(names, ";");
	assert_true(p->created > 0 && p->rotated >= p->created);
	return 0;
}

static void test_partners(void **state)
{
	fx *f = *state;
	sol_err err;
	char ka[STORE_KEY_TEXT_MAX], kb[STORE_KEY_TEXT_MAX], name[STORE_PARTNER_NAME_MAX + 1];
	assert_int_equal(store_partner_add(f->st, "cert-b", kb, &err), 0);
	assert_int_equal(store_partner_add(f->st, "Alpha.1_x", ka, &err), 0);
	assert_int_equal(strlen(ka), 47);
	assert_memory_equal(ka, "sol_", 4);
	assert_int_equal(
	    strspn(ka + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
	assert_string_not_equal(ka, kb);

	/* Bad and duplicate names. */
	static const char *const bad[] = {
	    "",  "a b", "a/b",
	    "ü", "x\n", "12345678901234567890123456789012345678901234567890123456789012345"};
	char k2[STORE_KEY_TEXT_MAX];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(store_partner_add(f->st, bad[i], k2, &err), SOL_EINVALID);
		assert_string_equal(err.where, "partner name");
	}
	assert_int_equal(store_partner_add(f->st, "cert-b", k2, &err), SOL_ECONFLICT);
	assert_string_equal(k2, "");
	assert_true(
	    store_name_valid("1234567890123456789012345678901234567890123456789012345678901234"));

	char names[256] = "";
	assert_int_equal(store_partner_list(f->st, count_partner, names, &err), 0);
	assert_string_equal(names, "Alpha.1_x;cert-b;");

	/* Bearer keys. */
	assert_int_equal(store_partner_auth(f->st, kb, name, &err), 0);
	assert_string_equal(name, "cert-b");
	static const char *const wrong[] = {"",
					    "sol_",
					    "sol_x",
					    "Bearer x",
					    "sol_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
					    "sol_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
					    "sol_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		assert_int_equal(store_partner_auth(f->st, wrong[i], name, &err), SOL_ENOTFOUND);
		assert_string_equal(name, "");
		assert_string_equal(err.where, "partner key"); /* never the key itself */
	}
	char flipped[STORE_KEY_TEXT_MAX];
	strcpy(flipped, kb);
	flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
	assert_int_equal(store_partner_auth(f->st, flipped, name, &err), SOL_ENOTFOUND);

	/* Basic: the partner's own key only. */
	assert_int_equal(store_partner_auth_basic(f->st, "cert-b", kb, &err), 0);
	assert_int_equal(store_partner_auth_basic(f->st, "Alpha.1_x", kb, &err), SOL_ENOTFOUND);
	assert_int_equal(store_partner_auth_basic(f->st, "nobody", kb, &err), SOL_ENOTFOUND);
	assert_int_equal(store_partner_auth_basic(f->st, "cert-b", "password", &err),
			 SOL_ENOTFOUND);

	/* Keys survive reopening (the hashing secret is in the file). */
	test_store_reopen(f);
	assert_int_equal(store_partner_auth(f->st, kb, name, &err), 0);
	assert_string_equal(name, "cert-b");

	/* Rotation: new key works, old does not. */
	char kb2[STORE_KEY_TEXT_MAX];
	assert_int_equal(store_partner_rotate_key(f->st, "cert-b", kb2, &err), 0);
	assert_string_not_equal(kb2, kb);
	assert_int_equal(store_partner_auth(f->st, kb, name, &err), SOL_ENOTFOUND);
	assert_int_equal(store_partner_auth_basic(f->st, "cert-b", kb, &err), SOL_ENOTFOUND);
	assert_int_equal(store_partner_auth(f->st, kb2, name, &err), 0);
	assert_int_equal(store_partner_auth_basic(f->st, "cert-b", kb2, &err), 0);
	assert_int_equal(store_partner_rotate_key(f->st, "nobody", k2, &err), SOL_ENOTFOUND);
	assert_string_equal(k2, "");

	/* A rolled-back add leaves no partner and a usable store. */
	assert_int_equal(store_begin(f->st, &err), 0);
	assert_int_equal(store_partner_add(f->st, "gone", k2, &err), 0);
	store_rollback(f->st);
	assert_int_equal(store_partner_auth(f->st, k2, name, &err), SOL_ENOTFOUND);
	assert_int_equal(store_partner_auth(f->st, kb2, name, &err), 0);

	/* Removal: the key stops working; the name can be added again. */
	assert_int_equal(store_partner_remove(f->st, "cert-b", &err), 0);
	assert_int_equal(store_partner_auth(f->st, kb2, name, &err), SOL_ENOTFOUND);
	assert_int_equal(store_partner_remove(f->st, "cert-b", &err), SOL_ENOTFOUND);
	names[0] = '\0';
	assert_int_equal(store_partner_list(f->st, count_partner, names, &err), 0);
	assert_string_equal(names, "Alpha.1_x;");
	assert_int_equal(store_partner_auth(f->st, ka, name, &err), 0);
	assert_string_equal(name, "Alpha.1_x");
}

/* ---- collections and grants ------------------------------------------------ */

static int coll_seen(void *ctx, const store_collection *c)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%s|%s|%s;", c->id, c->title, c->description);
	return 0;
}

static int grant_seen(void *ctx, const store_grant *g)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%.8s/%s/%c%c%c;", g->collection, g->partner,
		 g->read ? 'r' : '-', g->write ? 'w' : '-', g->amber ? 'a' : '-');
	return 0;
}

static void test_collections_grants(void **state)
{
	fx *f = *state;
	sol_err err;
	char id[37], gen[37], out[512] = "", key[STORE_KEY_TEXT_MAX];
	store_collection c = {.id = "3F0C2A6E-9A1B-4C3D-8E5F-0123456789AB", .title = "Intel"};
	assert_int_equal(store_collection_add(f->st, &c, id, &err), 0);
	assert_string_equal(id, CID); /* lowercased */
	c.id = CID;
	assert_int_equal(store_collection_add(f->st, &c, id, &err), SOL_ECONFLICT);
	store_collection g = {.title = "Sightings", .description = "from partners"};
	assert_int_equal(store_collection_add(f->st, &g, gen, &err), 0);
	assert_true(sol_uuid_valid(gen, strlen(gen)));
	store_collection badc[] = {
	    {.id = "not-a-uuid", .title = "x"}, {.title = ""}, {.title = NULL}};
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(store_collection_add(f->st, &badc[i], id, &err), SOL_EINVALID);
	char *long_title = calloc(1, STORE_TITLE_MAX + 1);
	memset(long_title, 't', STORE_TITLE_MAX);
	store_collection lt = {.title = long_title};
	assert_int_equal(store_collection_add(f->st, &lt, id, &err), SOL_EINVALID);
	free(long_title);

	assert_int_equal(store_collection_list(f->st, coll_seen, out, &err), 0);
	char want[512];
	snprintf(want, sizeof want, CID "|Intel|;%s|Sightings|from partners;", gen);
	assert_string_equal(out, want);
	out[0] = '\0';
	assert_int_equal(store_collection_get(f->st, gen, coll_seen, out, &err), 0);
	assert_non_null(strstr(out, "Sightings"));
	assert_int_equal(store_collection_get(f->st, "nope", coll_seen, out, &err), SOL_ENOTFOUND);

	/* Grants. */
	assert_int_equal(store_partner_add(f->st, "b", key, &err), 0);
	assert_int_equal(store_partner_add(f->st, "a", key, &err), 0);
	store_grant gr = {CID, "b", true, false, true};
	assert_int_equal(store_grant_set(f->st, &gr, &err), 0);
	gr = (store_grant){CID, "a", true, true, false};
	assert_int_equal(store_grant_set(f->st, &gr, &err), 0);
	gr = (store_grant){gen, "a", false, true, false};
	assert_int_equal(store_grant_set(f->st, &gr, &err), 0);
	gr = (store_grant){CID, "nobody", true, false, false};
	assert_int_equal(store_grant_set(f->st, &gr, &err), SOL_ENOTFOUND);
	gr = (store_grant){"nope", "a", true, false, false};
	assert_int_equal(store_grant_set(f->st, &gr, &err), SOL_ENOTFOUND);
	/* Replacing, not adding. */
	gr = (store_grant){CID, "b", true, false, false};
	assert_int_equal(store_grant_set(f->st, &gr, &err), 0);
	out[0] = '\0';
	assert_int_equal(store_grant_list(f->st, NULL, NULL, grant_seen, out, &err), 0);
	snprintf(want, sizeof want, "3f0c2a6e/a/rw-;3f0c2a6e/b/r--;%.8s/a/-w-;", gen);
	assert_string_equal(out, want);
	out[0] = '\0';
	assert_int_equal(store_grant_list(f->st, NULL, "a", grant_seen, out, &err), 0);
	snprintf(want, sizeof want, "3f0c2a6e/a/rw-;%.8s/a/-w-;", gen);
	assert_string_equal(out, want);
	store_grant got;
	assert_int_equal(store_grant_get(f->st, CID, "a", &got, &err), 0);
	assert_true(got.read && got.write && !got.amber);
	assert_string_equal(got.partner, "a");
	assert_int_equal(store_grant_revoke(f->st, CID, "a", &err), 0);
	assert_int_equal(store_grant_get(f->st, CID, "a", &got, &err), SOL_ENOTFOUND);
	assert_int_equal(store_grant_revoke(f->st, CID, "a", &err), SOL_ENOTFOUND);

	/* Removing a partner removes its grants; removing a collection its own. */
	assert_int_equal(store_partner_remove(f->st, "b", &err), 0);
	assert_int_equal(store_partner_add(f->st, "b", key, &err), 0);
	assert_int_equal(store_grant_get(f->st, CID, "b", &got, &err), SOL_ENOTFOUND);
	assert_int_equal(store_collection_remove(f->st, gen, &err), 0);
	assert_int_equal(store_collection_remove(f->st, gen, &err), SOL_ENOTFOUND);
	out[0] = '\0';
	assert_int_equal(store_grant_list(f->st, NULL, NULL, grant_seen, out, &err), 0);
	assert_string_equal(out, "");
}

/* ---- membership and the TAXII read ------------------------------------------ */

typedef struct seen {
	char text[1024];    /* "<id suffix>@<version s>;" per row */
	sol_time added[64]; /* date_added of each row */
	int n;              /* rows */
	int asked;          /* times the audience was asked */
	const char *hide;   /* id suffix the audience hides */
	char red[64];       /* distribution list of the last RED row, "a,b" */
} seen;

static const char *suffix(const char *id)
{
	return id + strlen(id) - 2;
}

static bool audience(void *ctx, const store_member *m)
{
	seen *s = ctx;
	s->asked++;
	return !s->hide || !strstr(s->hide, suffix(m->row->id));
}

static int member_seen(void *ctx, const store_member *m)
{
	seen *s = ctx;
	size_t n = strlen(s->text);
	snprintf(s->text + n, sizeof s->text - n, "%s@%lld;", suffix(m->row->id),
		 (long long)((m->row->version - T0) / SEC));
	s->added[s->n++] = m->date_added;
	if (m->row->tlp == TLP_RED) {
		s->red[0] = '\0';
		for (size_t i = 0; i < m->n_red_to; i++) {
			strcat(s->red, i ? "," : "");
			strcat(s->red, m->red_to[i]);
		}
	} else {
		assert_null(m->red_to);
	}
	/* The body is the canonical JSON of that version. */
	json_t *j = json_loadb(m->row->json, m->row->json_len, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")), m->row->id);
	json_decref(j);
	return 0;
}

/* Read coll with f (audience from s) and return *more. */
static bool read_coll(store *st, const char *coll, store_member_filter *f, seen *s)
{
	memset(s->text, 0, sizeof s->text);
	s->n = s->asked = 0;
	f->visible = audience;
	f->visible_ctx = s;
	bool more = true;
	sol_err err;
	if (store_collection_objects(st, coll, f, member_seen, s, &more, &err) != 0)
		fail_msg("read: %s: %s", err.where, err.msg);
	return more;
}

#define ID(n) "indicator--00000000-0000-4000-8000-0000000000" n
#define MW(n) "malware--00000000-0000-4000-8000-0000000000" n

/* Collection CID holds: i1 versions 1,2,3 (added 1, 3, 2), m2 version 1,
 * i3 version 5 (RED). */
static void fill(store *st)
{
	sol_err err;
	char id[37];
	store_collection c = {.id = CID, .title = "t"};
	assert_int_equal(store_collection_add(st, &c, id, &err), 0);
	put(st, ID("01"), T0 + 1 * SEC, TLP_GREEN);
	put(st, ID("01"), T0 + 2 * SEC, TLP_GREEN);
	put(st, ID("01"), T0 + 3 * SEC, TLP_AMBER);
	put(st, MW("02"), T0 + 1 * SEC, TLP_CLEAR);
	put(st, ID("03"), T0 + 5 * SEC, TLP_RED);
	add(st, CID, ID("01"), T0 + 1 * SEC);
	add(st, CID, ID("01"), T0 + 3 * SEC);
	add(st, CID, MW("02"), T0 + 1 * SEC);
	add(st, CID, ID("01"), T0 + 2 * SEC);
	add(st, CID, ID("03"), T0 + 5 * SEC);
}

static void test_read_filters(void **state)
{
	fx *f = *state;
	fill(f->st);
	seen s = {0};
	store_member_filter flt;
	static const char *const m2[] = {MW("02")}, *const both[] = {ID("01"), MW("02")};
	static const char *const t_mal[] = {"malware"}, *const t_none[] = {"indic"};
	static const char *const sv21[] = {"2.0", "2.1"}, *const sv20[] = {"2.0"};
	static const sol_time at2[] = {T0 + 2 * SEC, T0 + 9 * SEC};
	static const struct {
		int version; /* 0 default, 1 first, 2 all, 3 first+last, 4 at2, 5 at2+last */
		const char *const *ids;
		size_t n_ids;
		const char *const *types;
		size_t n_types;
		const char *const *specs;
		size_t n_specs;
		const char *want;
	} cases[] = {
	    {0, NULL, 0, NULL, 0, NULL, 0, "01@3;02@1;03@5;"},
	    {1, NULL, 0, NULL, 0, NULL, 0, "01@1;02@1;03@5;"},
	    {2, NULL, 0, NULL, 0, NULL, 0, "01@1;01@3;02@1;01@2;03@5;"},
	    {3, NULL, 0, NULL, 0, NULL, 0, "01@1;01@3;02@1;03@5;"},
	    {4, NULL, 0, NULL, 0, NULL, 0, "01@2;"},
	    {5, NULL, 0, NULL, 0, NULL, 0, "01@3;02@1;01@2;03@5;"},
	    {0, m2, 1, NULL, 0, NULL, 0, "02@1;"},
	    {2, both, 2, NULL, 0, NULL, 0, "01@1;01@3;02@1;01@2;"},
	    {0, NULL, 0, t_mal, 1, NULL, 0, "02@1;"},
	    {0, NULL, 0, t_none, 1, NULL, 0, ""},
	    {0, both, 2, t_mal, 1, NULL, 0, "02@1;"},
	    {0, NULL, 0, NULL, 0, sv21, 2, "01@3;02@1;03@5;"},
	    {0, NULL, 0, NULL, 0, sv20, 1, ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		store_member_filter_init(&flt);
		int v = cases[i].version;
		flt.version = (store_version_match){
		    .first = v == 1 || v == 3, .all = v == 2, .last = v == 3 || v == 5};
		if (v >= 4)
			flt.version.at = at2, flt.version.n_at = 2;
		flt.ids = cases[i].ids, flt.n_ids = cases[i].n_ids;
		flt.types = cases[i].types, flt.n_types = cases[i].n_types;
		flt.spec_versions = cases[i].specs, flt.n_spec_versions = cases[i].n_specs;
		assert_false(read_coll(f->st, CID, &flt, &s));
		if (strcmp(s.text, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, s.text, cases[i].want);
	}

	/* added_after is exclusive; rows come in date_added order. */
	store_member_filter_init(&flt);
	flt.version.all = true;
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_int_equal(s.n, 5);
	for (int i = 1; i < 5; i++)
		assert_true(s.added[i] > s.added[i - 1]);
	sol_time third = s.added[2];
	flt.added_after = third;
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "01@2;03@5;");

	/* Limit and more, and resuming from the last date_added. */
	store_member_filter_init(&flt);
	flt.version.all = true;
	flt.limit = 2;
	assert_true(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "01@1;01@3;");
	flt.added_after = s.added[1];
	assert_true(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "02@1;01@2;");
	flt.added_after = s.added[1];
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "03@5;");
	flt.limit = 1;
	flt.added_after = third;
	assert_true(read_coll(f->st, CID, &flt, &s));

	/* Too many values, unknown collection. */
	sol_err err;
	bool more;
	const char *many[STORE_MATCH_MAX + 1];
	for (int i = 0; i <= STORE_MATCH_MAX; i++)
		many[i] = ID("01");
	store_member_filter_init(&flt);
	flt.ids = many, flt.n_ids = STORE_MATCH_MAX + 1;
	assert_int_equal(store_collection_objects(f->st, CID, &flt, member_seen, &s, &more, &err),
			 SOL_ETOOBIG);
	flt.n_ids = STORE_MATCH_MAX;
	assert_int_equal(store_collection_objects(f->st, CID, &flt, member_seen, &s, &more, &err),
			 0);
	assert_int_equal(
	    store_collection_objects(f->st, "nope", &flt, member_seen, &s, &more, &err),
	    SOL_ENOTFOUND);
}

/* Hidden rows are asked about first and never count toward the limit nor
 * set more. */
static void test_audience_before_limit(void **state)
{
	fx *f = *state;
	fill(f->st);
	seen s = {.hide = "01"};
	store_member_filter flt;
	store_member_filter_init(&flt);
	flt.version.all = true;
	flt.limit = 1;
	assert_true(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "02@1;");
	assert_int_equal(s.asked, 5); /* 01, 01 hidden, 02 shown, 01 hidden, 03 sets more */
	flt.limit = 2;
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "02@1;03@5;");
	/* Everything after the page hidden: no more. */
	s.hide = "01 03";
	flt.limit = 1;
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "02@1;");
	s.hide = "01 02 03";
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_int_equal(s.n, 0);
	assert_int_equal(s.asked, 5);
}

/* date_added strictly increases per collection with two handles and two
 * collections interleaved; adding again returns the first date_added. */
static void test_date_added_interleaved(void **state)
{
	fx *f = *state;
	sol_err err;
	store *other;
	assert_int_equal(store_open(f->path, &other, &err), 0);
	char id[37], c2[37];
	store_collection c = {.id = CID, .title = "one"}, d = {.title = "two"};
	assert_int_equal(store_collection_add(f->st, &c, id, &err), 0);
	assert_int_equal(store_collection_add(other, &d, c2, &err), 0);
	enum { N = 200 };
	sol_time last1 = 0, last2 = 0;
	char oid[64];
	for (int i = 0; i < N; i++) {
		snprintf(oid, sizeof oid, "indicator--00000000-0000-4000-8000-%012d", i);
		store *w = i % 3 ? f->st : other;
		put(w, oid, T0, TLP_GREEN);
		sol_time a = add(i % 2 ? f->st : other, CID, oid, T0);
		sol_time b = add(i % 5 ? other : f->st, c2, oid, T0);
		assert_true(a > last1);
		assert_true(b > last2);
		last1 = a, last2 = b;
	}
	/* Inside one transaction many adds in the same microsecond still rise. */
	assert_int_equal(store_begin(f->st, &err), 0);
	for (int i = 0; i < N; i++) {
		snprintf(oid, sizeof oid, "indicator--00000000-0000-4000-8000-%012d", i);
		put(f->st, oid, T0 + SEC, TLP_GREEN);
		sol_time a = add(f->st, CID, oid, T0 + SEC);
		assert_true(a > last1);
		last1 = a;
	}
	assert_int_equal(store_commit(f->st, &err), 0);
	snprintf(oid, sizeof oid, "indicator--00000000-0000-4000-8000-%012d", 7);
	sol_time again = add(other, CID, oid, T0 + SEC);
	assert_true(again < last1);
	store_close(other);

	seen s = {0};
	store_member_filter flt;
	store_member_filter_init(&flt);
	flt.version.all = true;
	memset(&s, 0, sizeof s);
	bool more;
	int n = 0;
	(void)more;
	/* Count through pages of 50, resuming by date_added. */
	flt.limit = 50;
	sol_time after = SOL_TIME_NONE;
	do {
		flt.added_after = after;
		more = read_coll(f->st, CID, &flt, &s);
		for (int i = 0; i < s.n; i++)
			assert_true(i == 0 || s.added[i] > s.added[i - 1]);
		n += s.n;
		if (s.n)
			after = s.added[s.n - 1];
	} while (more);
	assert_int_equal(n, 2 * N);

	/* Errors: unknown collection, object or version. */
	sol_time t;
	assert_int_equal(store_collection_object_add(f->st, "nope", oid, T0, &t, &err),
			 SOL_ENOTFOUND);
	assert_int_equal(store_collection_object_add(f->st, CID, MW("99"), T0, &t, &err),
			 SOL_ENOTFOUND);
	assert_int_equal(store_collection_object_add(f->st, CID, oid, T0 + 7 * SEC, &t, &err),
			 SOL_ENOTFOUND);
}

static void test_delete(void **state)
{
	fx *f = *state;
	fill(f->st);
	sol_err err;
	size_t removed;
	seen s = {0};
	store_member_filter flt;
	store_member_filter_init(&flt);
	flt.version.all = true;
	sol_time first = T0 + SEC;
	store_version_match vm = {.at = &first, .n_at = 1};
	assert_int_equal(store_collection_object_remove(f->st, CID, ID("01"), &vm, &removed, &err),
			 0);
	assert_int_equal(removed, 1);
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "01@3;02@1;01@2;03@5;");
	vm = (store_version_match){.last = true};
	assert_int_equal(store_collection_object_remove(f->st, CID, ID("01"), &vm, &removed, &err),
			 0);
	assert_int_equal(removed, 1);
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "02@1;01@2;03@5;");
	/* 01's current version (@3) left the collection: its newest member
	 * (@2) is now its "last". */
	store_member_filter last;
	store_member_filter_init(&last);
	assert_false(read_coll(f->st, CID, &last, &s));
	assert_string_equal(s.text, "02@1;01@2;03@5;");
	assert_int_equal(store_collection_object_remove(f->st, CID, ID("03"), NULL, &removed, &err),
			 0);
	assert_int_equal(removed, 1);
	assert_int_equal(store_collection_object_remove(f->st, CID, ID("03"), NULL, &removed, &err),
			 0);
	assert_int_equal(removed, 0);
	assert_int_equal(
	    store_collection_object_remove(f->st, "nope", ID("03"), NULL, &removed, &err),
	    SOL_ENOTFOUND);
	/* The object stays in the store; date_added keeps rising after deletes. */
	sol_time again = add(f->st, CID, ID("03"), T0 + 5 * SEC);
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.text, "02@1;01@2;03@5;");
	assert_int_equal(s.added[2], again);
	assert_true(again > s.added[1]);
}

/* ---- distribution lists ---------------------------------------------------- */

static int name_seen(void *ctx, const char *name)
{
	strcat(ctx, name);
	strcat(ctx, ";");
	return 0;
}

static void test_distribution(void **state)
{
	fx *f = *state;
	fill(f->st);
	sol_err err;
	char key[STORE_KEY_TEXT_MAX], out[256] = "";
	assert_int_equal(store_partner_add(f->st, "zulu", key, &err), 0);
	assert_int_equal(store_partner_add(f->st, "alpha", key, &err), 0);
	const char *names[] = {"zulu", "alpha", "zulu"};
	assert_int_equal(store_distribution_set(f->st, ID("03"), names, 3, &err), 0);
	assert_int_equal(store_distribution_get(f->st, ID("03"), name_seen, out, &err), 0);
	assert_string_equal(out, "alpha;zulu;");

	/* The TAXII read hands RED rows their list. */
	seen s = {0};
	store_member_filter flt;
	store_member_filter_init(&flt);
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.red, "alpha,zulu");

	/* Unknown partner or object: refused, the list unchanged. */
	const char *bad[] = {"alpha", "nobody"};
	assert_int_equal(store_distribution_set(f->st, ID("03"), bad, 2, &err), SOL_ENOTFOUND);
	assert_string_equal(err.where, "nobody");
	assert_int_equal(store_distribution_set(f->st, ID("77"), names, 1, &err), SOL_ENOTFOUND);
	out[0] = '\0';
	assert_int_equal(store_distribution_get(f->st, ID("03"), name_seen, out, &err), 0);
	assert_string_equal(out, "alpha;zulu;");

	/* A removed partner leaves every list; its name added again is not on them. */
	assert_int_equal(store_partner_remove(f->st, "zulu", &err), 0);
	assert_int_equal(store_partner_add(f->st, "zulu", key, &err), 0);
	out[0] = '\0';
	assert_int_equal(store_distribution_get(f->st, ID("03"), name_seen, out, &err), 0);
	assert_string_equal(out, "alpha;");
	assert_int_equal(store_distribution_set(f->st, ID("03"), NULL, 0, &err), 0);
	out[0] = '\0';
	assert_int_equal(store_distribution_get(f->st, ID("03"), name_seen, out, &err), 0);
	assert_string_equal(out, "");
	assert_false(read_coll(f->st, CID, &flt, &s));
	assert_string_equal(s.red, "");
}

/* ---- status resources --------------------------------------------------------- */

static void test_status(void **state)
{
	fx *f = *state;
	sol_err err;
	const char *sid = "00000000-0000-4000-8000-00000000abcd";
	char *json;
	assert_int_equal(store_status_create(f->st, sid, CID, "alpha", 3, &err), 0);
	assert_int_equal(store_status_create(f->st, sid, CID, "alpha", 3, &err), SOL_ECONFLICT);
	assert_int_equal(store_status_create(f->st, "x", CID, "alpha", 3, &err), SOL_EINVALID);
	assert_int_equal(store_status_create(f->st, "00000000-0000-4000-8000-00000000abce", CID,
					     "alpha", -1, &err),
			 SOL_EINVALID);

	assert_int_equal(store_status_get(f->st, sid, "alpha", &json, &err), 0);
	json_t *j = json_loads(json, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "pending");
	assert_int_equal(json_integer_value(json_object_get(j, "pending_count")), 3);
	assert_null(json_object_get(j, "successes"));
	json_decref(j);
	free(json);

	store_status_entry e[] = {
	    {ID("01"), T0 + SEC, STORE_STATUS_PENDING, NULL},
	    {ID("02"), T0, STORE_STATUS_FAILURE, "not valid \"STIX\" \xff"},
	    {ID("01"), T0 + SEC, STORE_STATUS_SUCCESS, NULL}, /* replaces the pending one */
	};
	assert_int_equal(store_status_update(f->st, sid, e, 3, &err), 0);
	assert_int_equal(store_status_get(f->st, sid, NULL, &json, &err), 0);
	j = json_loads(json, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")), sid);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "pending");
	assert_int_equal(json_integer_value(json_object_get(j, "total_count")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "success_count")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "failure_count")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "pending_count")), 1);
	json_t *succ = json_object_get(j, "successes");
	assert_int_equal(json_array_size(succ), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(succ, 0), "version")),
			    "2026-01-01T00:00:01.000Z");
	json_t *fail = json_array_get(json_object_get(j, "failures"), 0);
	assert_string_equal(json_string_value(json_object_get(fail, "id")), ID("02"));
	assert_non_null(strstr(json_string_value(json_object_get(fail, "message")), "\"STIX\""));
	assert_null(json_object_get(j, "pendings"));
	assert_non_null(json_object_get(j, "request_timestamp"));
	json_decref(j);
	free(json);

	store_status_entry last = {MW("03"), SOL_TIME_NONE, STORE_STATUS_SUCCESS, NULL};
	assert_int_equal(store_status_update(f->st, sid, &last, 1, &err), 0);
	assert_int_equal(store_status_get(f->st, sid, "alpha", &json, &err), 0);
	j = json_loads(json, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "complete");
	assert_int_equal(json_integer_value(json_object_get(j, "pending_count")), 0);
	json_decref(j);
	free(json);

	/* Another partner, or an unknown id: not found, nothing leaked. */
	assert_int_equal(store_status_get(f->st, sid, "bravo", &json, &err), SOL_ENOTFOUND);
	assert_null(json);
	assert_int_equal(
	    store_status_get(f->st, "00000000-0000-4000-8000-000000000000", NULL, &json, &err),
	    SOL_ENOTFOUND);
	assert_int_equal(store_status_update(f->st, "nope", &last, 1, &err), SOL_ENOTFOUND);
	store_status_entry bad = {MW("03"), T0, (store_status_result)7, NULL};
	assert_int_equal(store_status_update(f->st, sid, &bad, 1, &err), SOL_EINVALID);
}

/* ---- peers --------------------------------------------------------------------- */

static int peer_seen(void *ctx, const store_peer *p)
{
	char *out = ctx;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%s|%s|%s|%s|%d|%s|%s|%s;", p->name, p->url,
		 p->api_root ? p->api_root : "-", p->collection ? p->collection : "-", (int)p->auth,
		 p->key ? p->key : "-", p->user ? p->user : "-", p->password ? p->password : "-");
	return 0;
}

static void test_peers(void **state)
{
	fx *f = *state;
	sol_err err;
	store_peer a = {.name = "node-a",
			.url = "https://a.example/taxii2/",
			.api_root = "https://a.example/api1/",
			.auth = STORE_AUTH_KEY,
			.key = "sol_secret",
			.user = "ignored"};
	store_peer b = {.name = "node-b",
			.url = "http://127.0.0.1:6900/api1/",
			.collection = CID,
			.auth = STORE_AUTH_BASIC,
			.user = "me",
			.password = "pw"};
	assert_int_equal(store_peer_add(f->st, &b, &err), 0);
	assert_int_equal(store_peer_add(f->st, &a, &err), 0);
	assert_int_equal(store_peer_add(f->st, &a, &err), SOL_ECONFLICT);
	store_peer bad[] = {
	    {.name = "bad name", .url = "https://x/", .auth = STORE_AUTH_NONE},
	    {.name = "x", .url = "ftp://x/", .auth = STORE_AUTH_NONE},
	    {.name = "x", .url = NULL, .auth = STORE_AUTH_NONE},
	    {.name = "x", .url = "https://x/", .auth = STORE_AUTH_KEY},
	    {.name = "x", .url = "https://x/", .auth = STORE_AUTH_BASIC, .user = "u"},
	    {.name = "x", .url = "https://x/", .auth = (store_auth)9},
	    {.name = "x", .url = "https://x/", .api_root = "a b", .auth = STORE_AUTH_NONE},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (store_peer_add(f->st, &bad[i], &err) != SOL_EINVALID)
			fail_msg("bad peer %zu accepted", i);

	char out[512] = "";
	assert_int_equal(store_peer_list(f->st, peer_seen, out, &err), 0);
	assert_string_equal(out, "node-a|https://a.example/taxii2/|https://a.example/api1/|-|1|"
				 "sol_secret|-|-;"
				 "node-b|http://127.0.0.1:6900/api1/|-|" CID "|2|-|me|pw;");
	out[0] = '\0';
	assert_int_equal(store_peer_get(f->st, "node-b", peer_seen, out, &err), 0);
	assert_non_null(strstr(out, "|me|pw;"));
	assert_int_equal(store_peer_get(f->st, "node-c", peer_seen, out, &err), SOL_ENOTFOUND);

	/* Cursors. */
	sol_time after;
	char *next;
	assert_int_equal(store_peer_cursor_get(f->st, "node-a", CID, &after, &next, &err),
			 SOL_ENOTFOUND);
	assert_int_equal(store_peer_cursor_set(f->st, "node-a", CID, T0, "tok1", &err), 0);
	assert_int_equal(store_peer_cursor_set(f->st, "node-a", "other", T0 + 1, NULL, &err), 0);
	assert_int_equal(store_peer_cursor_set(f->st, "node-c", CID, T0, NULL, &err),
			 SOL_ENOTFOUND);
	assert_int_equal(store_peer_cursor_get(f->st, "node-a", CID, &after, &next, &err), 0);
	assert_int_equal(after, T0);
	assert_string_equal(next, "tok1");
	free(next);
	assert_int_equal(store_peer_cursor_set(f->st, "node-a", CID, T0 + 5, NULL, &err), 0);
	test_store_reopen(f);
	assert_int_equal(store_peer_cursor_get(f->st, "node-a", CID, &after, &next, &err), 0);
	assert_int_equal(after, T0 + 5);
	assert_null(next);
	assert_int_equal(store_peer_cursor_get(f->st, "node-a", "other", &after, &next, &err), 0);
	assert_int_equal(after, T0 + 1);

	assert_int_equal(store_peer_remove(f->st, "node-a", &err), 0);
	assert_int_equal(store_peer_remove(f->st, "node-a", &err), SOL_ENOTFOUND);
	assert_int_equal(store_peer_add(f->st, &a, &err), 0);
	assert_int_equal(store_peer_cursor_get(f->st, "node-a", CID, &after, &next, &err),
			 SOL_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_partners, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_collections_grants, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_read_filters, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_audience_before_limit, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_date_added_interleaved, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_delete, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_distribution, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_status, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_peers, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
