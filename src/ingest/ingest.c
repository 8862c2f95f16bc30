/*
 * ingest.c - the import pipeline: choose the importer for an input, wrap
 * it in one transaction, and pass every object through ingest_object().
 *
 * An input is a path (file, "-" for stdin, or a MISP feed directory) or a
 * buffer. Unless the caller names the format, we look at the first
 * DETECT_MAX bytes (after a UTF-8 BOM and whitespace): '{' or '[' is JSON,
 * and the earliest of the keys "Event"/"response"/"Attribute" (MISP) or
 * "type"/"objects" (STIX) decides which; anything else is CSV when every
 * sampled data line holds the same delimiter (',' ';' or TAB), else text.
 * STIX, CSV and text are streamed; a file's head, already read for the
 * detection, is replayed in front of the rest through a fopencookie
 * stream, so stdin works as well as a file. MISP documents are read whole.
 *
 * The transaction: the importer counts into a scratch report while the
 * store holds an open transaction. Success commits and merges the scratch
 * report into the caller's; any error rolls back, so the store and the
 * caller's report are as they were, and err->where gets the input's name
 * in front ("feed.csv:12", "bundle.json:$.objects[3].pattern"). Rejections
 * (skip_invalid) get the same prefix when merged, unless an importer
 * already wrote it.
 *
 * Ids of the indicators we create from list values are name-based UUIDs
 * (version 5) in the namespace INGEST_UUID_NS below, of "source NUL
 * pattern": the same value from the same source is always the same object.
 * CSV/text values take ingest_value(), which writes an indicator's
 * canonical JSON and its atoms directly instead of building a json_t,
 * dumping it with sorted keys and parsing its pattern back (jansson's
 * sorted dump alone costs more than the store); test_lines.c checks that
 * both paths store the same bytes and atoms.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest_int.h"

/* The UUIDv5 namespace of solidarity's generated indicators. Fixed
 * forever: changing it would give every list value a new id. */
#define INGEST_UUID_NS "8f7d3c2a-5b61-4e0f-9a4d-2c7e1b6f0d93"

#define DETECT_MAX 65536 /* bytes read to detect a format */
#define DETECT_LINES 64  /* data lines sampled for a CSV delimiter */
#define STREAM_BUF 65536 /* stdio buffer of a streamed file */

/* ---- the single entry for objects ---------------------------------- */

void ingest_reject_add(ingest_ctx *cx, const char *where, const char *msg)
{
	ingest_report *r = cx->rep;
	r->rejected++;
	if (r->n_rejects >= INGEST_MAX_REJECTS)
		return;
	if ((r->n_rejects & (r->n_rejects - 1)) == 0) /* 0, 1, 2, 4...: grow */
		r->rejects = xrealloc(r->rejects,
				      (r->n_rejects ? r->n_rejects * 2 : 1) * sizeof *r->rejects);
	r->rejects[r->n_rejects].where = xstrdup(where ? where : "");
	r->rejects[r->n_rejects].msg = xstrdup(msg);
	r->n_rejects++;
}

/* Fill atoms for an indicator: the pattern's matchable values, or the
 * reason it has none (which ingest_object_store tallies). */
static void indicator_atoms(ingest_ctx *cx, const json_t *obj, const stix_meta *meta,
			    stix_atoms *atoms)
{
	if (meta->pattern) {
		stix_pattern_atoms(meta->pattern, atoms);
	} else {
		const char *pt = json_string_value(json_object_get(obj, "pattern_type"));
		snprintf(atoms->reason, sizeof atoms->reason, "pattern_type %s", pt ? pt : "?");
	}
	if (atoms->n == 0) {
		if (!atoms->reason[0])
			snprintf(atoms->reason, sizeof atoms->reason, "no matchable comparison");
		return; /* tallied when stored */
	}
	if (!cx->opts.subdomains)
		return;
	bool flipped = false;
	for (size_t i = 0; i < atoms->n; i++) {
		if (atoms->v[i].kind == OBS_DOMAIN && !atoms->v[i].subdomains)
			atoms->v[i].subdomains = flipped = true;
	}
	if (flipped)
		stix_atoms_dedup(atoms);
}

/* Put version `version` of id in the import's collection, if it has one
 * (joining again is a no-op). */
static int collection_join(ingest_ctx *cx, const char *id, sol_time version, sol_err *err)
{
	if (!cx->opts.collection)
		return 0;
	sol_time added;
	return store_collection_object_add(cx->st, cx->opts.collection, id, version, &added, err);
}

int ingest_object_store(ingest_ctx *cx, const stix_meta *meta, const char *json, size_t len,
			const stix_atoms *atoms, bool if_absent, const store_packed *packed,
			sol_err *err)
{
	assert(!if_absent || !cx->opts.collection);
	store_object o = {
	    .meta = meta,
	    .json = json,
	    .json_len = len,
	    .source = cx->opts.source,
	    .tlp = meta->tlp != TLP_NONE ? meta->tlp : cx->opts.default_tlp,
	    .atoms = atoms,
	    .if_absent = if_absent,
	    .packed = packed,
	};
	if (cx->st) {
		store_put_result res;
		int rc = store_object_put(cx->st, &o, &res, err);
		if (rc == 0 && res != STORE_CONFLICT)
			rc = collection_join(cx, meta->id, meta->version, err);
		if (rc != 0)
			return rc;
		cx->rep->put[res]++;
	}
	cx->rep->objects++;
	ingest_tally_add(&cx->rep->types, meta->type, 1);
	if (atoms && atoms->n == 0)
		ingest_tally_add(&cx->rep->unmatchable, atoms->reason, 1);
	return 0;
}

ingest_scratch *ingest_scratch_new(void)
{
	ingest_scratch *sc = xcalloc(1, sizeof *sc);
	buf_init(&sc->text, STIX_MAX_OBJECT);
	return sc;
}

void ingest_scratch_free(ingest_scratch *sc)
{
	if (!sc)
		return;
	free(sc->dump);
	buf_fini(&sc->text);
	free(sc);
}

/* The canonical JSON of obj (stix_object_dump) into sc->dump, which is
 * kept from object to object; its length. */
static size_t object_dump(ingest_scratch *sc, const json_t *obj)
{
	size_t n = stix_object_dumpb(obj, sc->dump, sc->dump_cap);
	if (n >= sc->dump_cap) {
		sc->dump_cap = n + 1 > 2 * sc->dump_cap ? n + 1 : 2 * sc->dump_cap;
		sc->dump = xrealloc(sc->dump, sc->dump_cap);
		n = stix_object_dumpb(obj, sc->dump, sc->dump_cap);
	}
	sc->dump[n] = '\0';
	return n;
}

int ingest_object_with(ingest_ctx *cx, ingest_scratch *sc, ingest_pipe *pipe, json_t *obj,
		       const char *where, sol_err *err)
{
	assert(cx->rep);
	stix_meta meta;
	sol_err e = {0};
	int rc = stix_object_check(obj, where, &meta, &e);
	if (rc != 0) {
		if (cx->opts.skip_invalid && (rc == SOL_EINVALID || rc == SOL_EPARSE)) {
			/* The store thread may be recording the rejections of
			 * elements it reads: ours come after theirs. */
			if (pipe && (rc = ingest_pipe_drain(pipe, err)) != 0)
				return rc;
			ingest_reject_add(cx, e.where, e.msg);
			return 0;
		}
		if (err)
			*err = e;
		return rc;
	}
	bool indicator = strcmp(meta.type, "indicator") == 0;
	stix_atoms atoms;
	stix_atoms_init(&atoms);
	if (indicator)
		indicator_atoms(cx, obj, &meta, &atoms);

	size_t len = object_dump(sc, obj);
	if (pipe)
		rc = ingest_pipe_put(pipe, &meta, sc->dump, len, indicator ? &atoms : NULL, false,
				     err);
	else
		rc = ingest_object_store(cx, &meta, sc->dump, len, indicator ? &atoms : NULL, false,
					 NULL, err);
	stix_atoms_fini(&atoms);
	stix_meta_fini(&meta);
	return rc;
}

/*
 * Validate, decide the TLP, extract atoms, store, count. Must be called
 * inside an import (cx->rep set by ingest_path/ingest_buffer).
 */
int ingest_object(ingest_ctx *cx, json_t *obj, const char *where, sol_err *err)
{
	return ingest_object_with(cx, cx->scratch, cx->pipe, obj, where, err);
}

static int row_found(void *ctx, const store_row *row)
{
	*(sol_time *)ctx = row->version;
	return 0;
}

/* 1 if id is stored (count it unchanged), 0 if not, or an error. */
static int generated_known(ingest_ctx *cx, const char *id, sol_err *err)
{
	if (!cx->st)
		return 0;
	sol_err e = {0};
	sol_time version = 0;
	int rc = store_object_current(cx->st, id, row_found, &version, &e);
	if (rc == SOL_ENOTFOUND)
		return 0;
	if (rc == 0)
		rc = collection_join(cx, id, version, &e);
	if (rc != 0) {
		if (err)
			*err = e;
		return rc;
	}
	cx->rep->objects++;
	cx->rep->put[STORE_UNCHANGED]++;
	char type[STIX_TYPE_NAME_MAX + 1];
	const char *dash = strstr(id, "--");
	size_t tlen = dash && (size_t)(dash - id) <= STIX_TYPE_NAME_MAX ? (size_t)(dash - id) : 0;
	memcpy(type, id, tlen);
	type[tlen] = '\0';
	ingest_tally_add(&cx->rep->types, type, 1);
	return 1;
}

int ingest_generated(ingest_ctx *cx, json_t *obj, const char *where, sol_err *err)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	int rc = id ? generated_known(cx, id, err) : 0;
	if (rc != 0)
		return rc < 0 ? rc : 0;
	return ingest_object(cx, obj, where, err);
}

/* Escaping at most doubles a value; the object paths are short. */
#define PATTERN_MAX (5 * OBS_VALUE_MAX + 128)

/* The pattern of an indicator for v; its length, or -1 if it does not fit. */
static int value_pattern(const obs_value *v, bool subdomains, char pattern[PATTERN_MAX])
{
	char cmp[2 * OBS_VALUE_MAX + 64];
	if (obs_stix_comparison(v, cmp, sizeof cmp) == (size_t)-1)
		return -1;
	if (subdomains && v->kind == OBS_DOMAIN)
		return snprintf(pattern, PATTERN_MAX, "[%s OR domain-name:value LIKE '%%.%s']", cmp,
				v->norm);
	return snprintf(pattern, PATTERN_MAX, "[%s]", cmp);
}

/* "indicator--" + uuid5(INGEST_UUID_NS, source NUL pattern). */
static void value_id(ingest_ctx *cx, const char *pattern, size_t plen, char id[64])
{
	size_t slen = strlen(cx->opts.source);
	char *key = xmalloc(slen + 1 + plen);
	memcpy(key, cx->opts.source, slen + 1);
	memcpy(key + slen + 1, pattern, plen);
	memcpy(id, "indicator--", 11);
	sol_uuid5(INGEST_UUID_NS, key, slen + 1 + plen, id + 11);
	free(key);
}

/* t truncated to the milliseconds STIX timestamps are written with. */
static sol_time to_ms(sol_time t)
{
	return t == SOL_TIME_NONE ? t : t - ((t % 1000) + 1000) % 1000;
}

json_t *ingest_indicator_new(ingest_ctx *cx, const obs_value *v, bool subdomains, const char *uuid,
			     const char *name, stix_tlp tlp, const char *created_by, sol_time when)
{
	char pattern[PATTERN_MAX], id[64];
	int plen = value_pattern(v, subdomains, pattern);
	if (plen < 0)
		return NULL;
	if (uuid)
		snprintf(id, sizeof id, "indicator--%s", uuid);
	else
		value_id(cx, pattern, (size_t)plen, id);

	char ts[32];
	sol_time_format(when, ts, sizeof ts);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator",
			      "spec_version", "2.1", "id", id, "created", ts, "modified", ts,
			      "pattern", pattern, "pattern_type", "stix", "valid_from", ts);
	if (!o) /* the value is not valid UTF-8 */
		return NULL;
	if (name && json_object_set_new(o, "name", json_string(name)) != 0) {
		json_decref(o);
		return NULL;
	}
	if (cx->opts.valid_until != SOL_TIME_NONE) {
		char vu[32];
		sol_time_format(cx->opts.valid_until, vu, sizeof vu);
		json_object_set_new(o, "valid_until", json_string(vu));
	}
	if (tlp != TLP_NONE)
		json_object_set_new(o, "object_marking_refs",
				    json_pack("[s]", stix_tlp_marking_id(tlp)));
	if (created_by)
		json_object_set_new(o, "created_by_ref", json_string(created_by));
	return o;
}

/* Append the strings of a NULL-terminated list. */
static void put_all(sol_buf *b, ...)
{
	va_list ap;
	va_start(ap, b);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
		buf_puts(b, s);
	va_end(ap);
}

/* ,"key":"s", with the escapes jansson writes for '"' and '\\' (the fast
 * path only takes printable ASCII, which needs no others). */
static void put_str(sol_buf *b, const char *key, const char *s)
{
	put_all(b, ",\"", key, "\":\"", NULL);
	for (const char *p; (p = strpbrk(s, "\"\\")) != NULL; s = p + 1) {
		buf_append(b, s, (size_t)(p - s));
		buf_append(b, "\\", 1);
		buf_append(b, p, 1);
	}
	buf_puts(b, s);
	buf_puts(b, "\"");
}

static bool printable_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/*
 * The indicator of ingest_indicator_new(cx, v, subdomains, NULL, v->norm,
 * opts.default_tlp, NULL, when) through ingest_generated, without jansson:
 * the canonical bytes (keys sorted, compact, as stix_object_dump writes
 * them) and the facts the store needs are written directly, and the atoms
 * are v itself, as stix_pattern_atoms would find them in the pattern.
 * Values that are not printable ASCII take the json_t path.
 */
int ingest_value(ingest_ctx *cx, const obs_value *v, bool subdomains, sol_time when,
		 const char *where, sol_err *err)
{
	when = to_ms(when);
	if (!printable_ascii(v->norm, v->len)) {
		json_t *o = ingest_indicator_new(cx, v, subdomains, NULL, v->norm,
						 cx->opts.default_tlp, NULL, when);
		if (!o) {
			if (!cx->opts.skip_invalid)
				return sol_fail(err, SOL_EINVALID, where,
						"the value is not valid UTF-8");
			ingest_reject_add(cx, where, "the value is not valid UTF-8");
			return 0;
		}
		int rc = cx->pipe ? ingest_pipe_drain(cx->pipe, err) : 0; /* the store is ours */
		if (rc == 0)
			rc = ingest_generated(cx, o, where, err);
		json_decref(o);
		return rc;
	}
	char pattern[PATTERN_MAX], id[64];
	int plen = value_pattern(v, subdomains, pattern);
	assert(plen > 0);
	value_id(cx, pattern, (size_t)plen, id);
	/* With a collection, a known id still joins it with its stored
	 * version, which the existence check reads; otherwise the put itself
	 * tells a known id (if_absent). */
	bool join = cx->st && cx->opts.collection;
	int rc = join ? generated_known(cx, id, err) : 0;
	if (rc != 0)
		return rc < 0 ? rc : 0;

	stix_tlp tlp = cx->opts.default_tlp;
	sol_time until = to_ms(cx->opts.valid_until);
	if (!cx->ts[0] || cx->ts_time != when) { /* one per input: format it once */
		sol_time_format(when, cx->ts, sizeof cx->ts);
		cx->ts_time = when;
	}
	const char *ts = cx->ts;
	char vu[32];
	sol_buf *b = &cx->json;
	buf_reset(b);
	put_all(b, "{\"created\":\"", ts, "\",\"id\":\"", id, "\",\"modified\":\"", ts, "\"", NULL);
	put_str(b, "name", v->norm);
	if (tlp != TLP_NONE)
		put_all(b, ",\"object_marking_refs\":[\"", stix_tlp_marking_id(tlp), "\"]", NULL);
	put_str(b, "pattern", pattern);
	put_all(b,
		",\"pattern_type\":\"stix\",\"spec_version\":\"2.1\",\"type\":\"indicator\","
		"\"valid_from\":\"",
		ts, "\"", NULL);
	if (until != SOL_TIME_NONE)
		put_all(b, ",\"valid_until\":\"", sol_time_format(until, vu, sizeof vu), "\"",
			NULL);
	buf_puts(b, "}");

	stix_meta meta = {
	    .type = "indicator",
	    .id = id,
	    .category = STIX_SDO,
	    .created = when,
	    .modified = when,
	    .version = when,
	    .confidence = -1,
	    .tlp = tlp,
	    .valid_until = until,
	};
	stix_atom atom[2] = {{v->kind, false, (char *)v->norm}, {v->kind, true, (char *)v->norm}};
	stix_atoms atoms = {.v = atom, .n = 1, .cap = 2};
	if (subdomains && v->kind == OBS_DOMAIN) {
		if (cx->opts.subdomains) /* both become "and below": one atom */
			atom[0].subdomains = true;
		else
			atoms.n = 2;
	} else if (cx->opts.subdomains && v->kind == OBS_DOMAIN) {
		atom[0].subdomains = true;
	}
	if (cx->pipe)
		return ingest_pipe_put(cx->pipe, &meta, b->data, b->len, &atoms, !join, err);
	return ingest_object_store(cx, &meta, b->data, b->len, &atoms, !join, NULL, err);
}

/* ---- format detection ---------------------------------------------- */

/* Offset of the first `"key"` in p[0..n) used as an object key (followed
 * by optional whitespace and ':'), or n if none. */
static size_t key_offset(const char *p, size_t n, const char *key)
{
	size_t klen = strlen(key);
	const char *s = p, *end = p + n;
	while ((s = memmem(s, (size_t)(end - s), key, klen)) != NULL) {
		const char *q = s + klen;
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q < end && *q == ':' && (s == p || s[-1] != '\\'))
			return (size_t)(s - p);
		s++;
	}
	return n;
}

static size_t keys_offset(const char *p, size_t n, const char *const *keys)
{
	size_t best = n;
	for (; *keys; keys++) {
		size_t o = key_offset(p, best, *keys);
		if (o < best)
			best = o;
	}
	return best;
}

static int detect_json(const char *p, size_t n, const char *name, ingest_format *out, sol_err *err)
{
	static const char *const misp[] = {"\"Event\"", "\"response\"", "\"Attribute\"", NULL};
	static const char *const stix[] = {"\"type\"", "\"objects\"", NULL};
	size_t m = keys_offset(p, n, misp), s = keys_offset(p, n, stix);
	if (m == n && s == n)
		return sol_fail(err, SOL_EPARSE, name,
				"JSON that is neither STIX (no \"type\" or \"objects\") nor MISP "
				"(no \"Event\" or \"response\"); name the format with --format");
	*out = m < s ? INGEST_MISP : INGEST_STIX;
	return 0;
}

/* CSV if every sampled data line (not blank, not a comment, not cut off
 * by the end of the head) holds one same delimiter. */
static bool detect_csv(const char *p, size_t n, bool whole)
{
	static const char delims[] = {',', ';', '\t'};
	bool all[3] = {true, true, true};
	int lines = 0;
	const char *end = p + n;
	while (p < end && lines < DETECT_LINES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl && !whole)
			break;
		const char *le = nl ? nl : end;
		while (p < le && isspace((unsigned char)*p))
			p++;
		size_t len = (size_t)(le - p);
		if (len && *p != '#' && !(len > 1 && p[0] == '/' && p[1] == '/')) {
			lines++;
			for (int d = 0; d < 3; d++)
				all[d] = all[d] && memchr(p, delims[d], len);
		}
		p = nl ? nl + 1 : end;
	}
	return lines > 0 && (all[0] || all[1] || all[2]);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* p[0..n) is the head of the input (after any BOM); whole if it is all. */
static int format_detect(const char *p, size_t n, bool whole, const char *name, ingest_format *out,
			 sol_err *err)
{
	size_t i = 0;
	while (i < n && isspace((unsigned char)p[i]))
		i++;
	if (i < n && (p[i] == '{' || p[i] == '['))
		return detect_json(p + i, n - i, name, out, err);
	if (ends_with(name, ".json"))
		return sol_fail(err, SOL_EPARSE, name,
				"a .json file that does not start with '{' or '['");
	*out = detect_csv(p, n, whole) ? INGEST_CSV : INGEST_TEXT;
	return 0;
}

/* ---- inputs --------------------------------------------------------- */

/* A stream that yields head[0..len) and then the rest of f. */
typedef struct replay {
	const char *head; /* bytes already read from f */
	size_t len;       /* bytes in head */
	size_t off;       /* bytes of head already served */
	FILE *f;          /* the rest of the input */
} replay;

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
	replay *r = cookie;
	if (r->off < r->len) {
		size_t n = r->len - r->off < size ? r->len - r->off : size;
		memcpy(buf, r->head + r->off, n);
		r->off += n;
		return (ssize_t)n;
	}
	size_t n = fread(buf, 1, size, r->f);
	return n == 0 && ferror(r->f) ? -1 : (ssize_t)n;
}

/* One input to import. */
typedef struct input {
	const char *name; /* used in error places: the path, "stdin", a buffer's name */
	const char *path; /* file, "-" or directory; NULL for memory */
	const char *data; /* the head read from path, or the whole memory input */
	size_t len;       /* bytes in data */
	bool whole;       /* data is the whole input */
	bool dir;         /* path is a MISP feed directory (no data) */
	FILE *rest;       /* path: where the bytes after data come from */
} input;

static int stream_import(ingest_ctx *cx, ingest_format fmt, FILE *f, const char *name, sol_err *err)
{
	if (fmt == INGEST_STIX)
		return ingest_stix_stream(cx, f, name, err);
	return ingest_lines(cx, f, name, fmt, err);
}

static const char *skip_bom(const char *p, size_t *n)
{
	if (*n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		*n -= 3;
		return p + 3;
	}
	return p;
}

/* A MISP document from a path: the whole file, or for stdin the head
 * already read plus the rest. */
static int misp_import_path(ingest_ctx *cx, const input *in, sol_err *err)
{
	sol_buf b;
	buf_init(&b, INGEST_MAX_DOC);
	bool is_stdin = strcmp(in->path, "-") == 0;
	int rc = 0;
	if (is_stdin && buf_append(&b, in->data, in->len) != 0)
		rc = sol_fail(err, SOL_ETOOBIG, in->name, "larger than %u bytes", INGEST_MAX_DOC);
	if (rc == 0)
		rc = sol_file_read(in->path, &b, err);
	if (rc == 0) {
		size_t n = b.len;
		const char *p = skip_bom(b.data, &n);
		rc = ingest_misp_json(cx, p, n, in->name, err);
	}
	buf_fini(&b);
	return rc;
}

static int input_import(ingest_ctx *cx, const input *in, sol_err *err)
{
	size_t i = 0;
	while (i < in->len && isspace((unsigned char)in->data[i]))
		i++;
	if (in->whole && i == in->len)
		return sol_fail(err, SOL_EINVALID, in->name, "empty input");

	ingest_format fmt = cx->opts.format;
	int rc = 0;
	if (fmt == INGEST_AUTO)
		rc = format_detect(in->data, in->len, in->whole, in->name, &fmt, err);
	if (rc != 0)
		return rc;
	cx->rep->format = fmt;

	if (fmt == INGEST_MISP) {
		if (!in->path)
			return ingest_misp_json(cx, in->data, in->len, in->name, err);
		return misp_import_path(cx, in, err);
	}
	FILE *f;
	replay r = {.head = in->data, .len = in->len, .f = in->rest};
	if (in->path)
		f = fopencookie(&r, "r", (cookie_io_functions_t){.read = replay_read});
	else
		f = fmemopen((void *)in->data, in->len, "r");
	if (!f)
		return sol_fail(err, SOL_EIO, in->name, "cannot open a stream: %s",
				strerror(errno));
	/* The importers read 64 KiB at a time; stdio's default buffer would
	 * cut each into eight reads of the file. (glibc ignores the size
	 * unless it is given the buffer.) */
	char *sbuf = in->path ? xmalloc(STREAM_BUF) : NULL;
	if (sbuf)
		setvbuf(f, sbuf, _IOFBF, STREAM_BUF);
	rc = stream_import(cx, fmt, f, in->name, err);
	fclose(f);
	free(sbuf);
	return rc;
}

/* Where already starts with the input's name (an importer wrote it). */
static bool has_name(const char *where, const char *name)
{
	size_t n = strlen(name);
	return strncmp(where, name, n) == 0 && (where[n] == ':' || where[n] == '\0');
}

static void report_merge(ingest_report *to, const ingest_report *from, const char *name)
{
	to->format = from->format;
	to->objects += from->objects;
	for (size_t i = 0; i < sizeof to->put / sizeof to->put[0]; i++)
		to->put[i] += from->put[i];
	to->skipped_lines += from->skipped_lines;
	for (size_t i = 0; i < from->types.n; i++)
		ingest_tally_add(&to->types, from->types.v[i].key, from->types.v[i].n);
	for (size_t i = 0; i < from->unmatchable.n; i++)
		ingest_tally_add(&to->unmatchable, from->unmatchable.v[i].key,
				 from->unmatchable.v[i].n);
	for (size_t i = 0; i < from->unknown.n; i++)
		ingest_tally_add(&to->unknown, from->unknown.v[i].key, from->unknown.v[i].n);

	/* Rejections, through ingest_reject_add on a context aimed at `to`. */
	ingest_ctx tmp = {.rep = to};
	int64_t unlisted = from->rejected - (int64_t)from->n_rejects;
	for (size_t i = 0; i < from->n_rejects; i++) {
		const ingest_reject *j = &from->rejects[i];
		if (has_name(j->where, name)) {
			ingest_reject_add(&tmp, j->where, j->msg);
		} else {
			char *w = xasprintf("%s:%s", name, j->where);
			ingest_reject_add(&tmp, w, j->msg);
			free(w);
		}
	}
	to->rejected += unlisted;
}

/* Import `in` as one transaction; see the file comment. */
static int transaction(ingest_ctx *cx, const input *in, ingest_report *rep, sol_err *err)
{
	ingest_report scratch;
	ingest_report_init(&scratch);
	cx->rep = &scratch;
	int rc = cx->st ? store_begin(cx->st, err) : 0;
	bool began = rc == 0 && cx->st;
	if (rc == 0 && in->dir) {
		scratch.format = INGEST_MISP;
		rc = ingest_misp_feed(cx, in->path, err);
	} else if (rc == 0) {
		rc = input_import(cx, in, err);
	}
	if (rc == 0 && scratch.objects == 0 && scratch.rejected == 0)
		rc = sol_fail(err, SOL_EINVALID, NULL, "empty input: no objects or values");
	if (rc == 0 && began)
		rc = store_commit(cx->st, err);
	if (rc != 0) {
		if (began)
			store_rollback(cx->st);
		if (err && !has_name(err->where, in->name))
			sol_err_prefix(err, "%s", in->name);
	} else {
		report_merge(rep, &scratch, in->name);
	}
	ingest_report_fini(&scratch);
	cx->rep = NULL;
	return rc;
}

ingest_ctx *ingest_ctx_new(store *st, const ingest_opts *opts)
{
	ingest_ctx *cx = xcalloc(1, sizeof *cx);
	cx->st = st;
	buf_init(&cx->json, SIZE_MAX);
	cx->scratch = ingest_scratch_new();
	if (opts)
		cx->opts = *opts;
	else
		ingest_opts_init(&cx->opts);
	return cx;
}

void ingest_ctx_free(ingest_ctx *cx)
{
	if (cx) {
		buf_fini(&cx->json);
		ingest_scratch_free(cx->scratch);
	}
	free(cx);
}

int ingest_path(ingest_ctx *cx, const char *path, ingest_report *rep, sol_err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	input in = {.name = is_stdin ? "stdin" : path, .path = path};
	struct stat sb;
	in.dir = !is_stdin && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (in.dir) {
		ingest_format want = cx->opts.format;
		if (want != INGEST_AUTO && want != INGEST_MISP)
			return sol_fail(err, SOL_EUSAGE, path,
					"a directory can only be a MISP feed");
		return transaction(cx, &in, rep, err);
	}
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f)
		return sol_fail(err, SOL_EIO, path, "cannot open: %s", strerror(errno));
	char *head = xmalloc(DETECT_MAX);
	size_t n = fread(head, 1, DETECT_MAX, f);
	int rc = 0;
	if (ferror(f))
		rc = sol_fail(err, SOL_EIO, in.name, "read failed: %s", strerror(errno));
	if (rc == 0) {
		in.whole = n < DETECT_MAX;
		in.len = n;
		in.data = skip_bom(head, &in.len);
		in.rest = f;
		rc = transaction(cx, &in, rep, err);
	}
	free(head);
	if (!is_stdin)
		fclose(f);
	return rc;
}

int ingest_buffer(ingest_ctx *cx, const char *name, const char *data, size_t len,
		  ingest_report *rep, sol_err *err)
{
	input in = {.name = name, .whole = true, .len = len};
	in.data = skip_bom(data, &in.len);
	return transaction(cx, &in, rep, err);
}
