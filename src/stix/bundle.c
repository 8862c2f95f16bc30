/*
 * bundle.c - a STIX document read as a stream of objects.
 *
 * A bundle can be far larger than memory should hold, so we never build
 * its DOM. A byte-level state machine walks the document's outer layers
 * and hands each element of the objects array, as text, to jansson:
 *
 *   RD_START       first byte: '{' (bundle, envelope or one object) or '['
 *   RD_KEY_FIRST   in the top-level object, after '{': a key or '}'
 *   RD_KEY         after ',': a key
 *   RD_MEMBER_END  after a member's value: ',' or '}'
 *   RD_ELEM_FIRST  in the objects array, after '[': '{' or ']'
 *   RD_ELEM        after ',': '{'
 *   RD_ELEM_END    after an element: ',' or ']'
 *   RD_TRAILER     the document is over: only whitespace may follow
 *   RD_DONE, RD_FAILED
 *
 * Inside an element we only follow strings (with their escapes) and the
 * nesting depth to find the closing brace; jansson then parses the bytes
 * properly and its line:col is shifted to the element's place in the file.
 * Splitting and parsing are separate calls (stix_bundle_next_element,
 * stix_element_parse), so an importer can parse on another thread;
 * stix_bundle_next does both. Before parsing, the whitespace between
 * tokens is dropped (compact): jansson reads it a byte at a time, and a
 * pretty-printed bundle is a third whitespace. Only a failed parse is
 * repeated on the element as written, for the error's line:col.
 *
 * Bytes are "captured" by span: cap_start remembers where in the read
 * buffer a capture began, and each refill (or cap_stop) appends the span
 * to a capped sol_buf. Two buffers are captured:
 *   elem  the current element, capped at STIX_MAX_OBJECT;
 *   head  the top-level object with the elements of its objects array left
 *         out ({"type":"bundle","id":"...","objects":[]}). While we have not
 *         seen an objects array it may be a lone STIX object, capped at
 *         STIX_MAX_OBJECT; once we have, the rest is capped at
 *         BUNDLE_MAX_HEAD. jansson checks its syntax and duplicate keys
 *         when the objects array starts (to reject a non-bundle early) and
 *         again at the closing brace. Because the elements are cut out,
 *         positions after the gap are mapped back with (gap_line, gap_col).
 */
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "stix/object_int.h"

#define BUNDLE_CHUNK 65536     /* bytes read from the FILE at a time */
#define BUNDLE_MAX_HEAD 65536u /* a bundle's or envelope's members other than objects */
#define BUNDLE_MAX_DEPTH 100   /* nesting of arrays and objects, counted from the top */

enum rd_state {
	RD_START,
	RD_KEY_FIRST,
	RD_KEY,
	RD_MEMBER_END,
	RD_ELEM_FIRST,
	RD_ELEM,
	RD_ELEM_END,
	RD_TRAILER,
	RD_DONE,
	RD_FAILED,
};

struct stix_bundle_reader {
	FILE *f;                        /* the document; not ours to close */
	unsigned char in[BUNDLE_CHUNK]; /* read-ahead buffer */
	size_t pos;                     /* next byte in `in` */
	size_t end;                     /* bytes valid in `in` */
	bool eof;                       /* fread has returned 0 */
	int back;                       /* byte pushed back after a scalar, -1 if none */
	long line, col;                 /* position of the next character */
	long at_line, at_col;           /* position of the last character read */
	enum rd_state st;               /* where we are in the document */
	bool top_array;                 /* document is [obj, ...]: paths "$[N]" */
	bool has_objects;               /* top-level object has an objects array */
	size_t index;                   /* elements yielded so far */
	long top_line, top_col;         /* position of the top-level '{' */
	sol_buf *cap;                   /* buffer being captured into, or NULL */
	size_t cap_from;                /* start of the capture in `in` */
	bool cap_full;                  /* the capture went past its buffer's cap */
	sol_buf head;                   /* top-level object minus the elements */
	size_t head_gap;                /* offset in head where the text resumes after
					   the objects array (its ']'), 0 if none */
	long gap_line, gap_col;         /* document position of head[head_gap] */
	sol_buf elem;                   /* the current element */
	long elem_line, elem_col;       /* document position of its '{' */
	sol_buf text;                   /* stix_bundle_next's scratch (stix_element_parse) */
	json_t *single;                 /* a lone top-level object, yielded at the end */
	char path[48];                  /* path of the object last yielded */
	sol_err failure;                /* the error returned, repeated after it */
};

/* ---- bytes and positions ----------------------------------------------- */

/* Append the captured span in[cap_from..upto) to the capture buffer. */
static void cap_flush(stix_bundle_reader *r, size_t upto)
{
	if (!r->cap_full && buf_append(r->cap, r->in + r->cap_from, upto - r->cap_from) < 0)
		r->cap_full = true;
	r->cap_from = upto;
}

/* Start capturing into b with the byte just read. */
static void cap_start(stix_bundle_reader *r, sol_buf *b)
{
	assert(r->back < 0 && r->pos > 0);
	r->cap = b;
	r->cap_from = r->pos - 1;
	r->cap_full = false;
}

/* Stop capturing after the byte just read; SOL_ETOOBIG if it overflowed. */
static int cap_stop(stix_bundle_reader *r)
{
	cap_flush(r, r->pos);
	r->cap = NULL;
	return r->cap_full ? SOL_ETOOBIG : 0;
}

/* Read the next chunk into `in`, which is used up, after adding what it
 * held to the capture; false at the end of the input. */
static bool refill(stix_bundle_reader *r)
{
	if (r->cap)
		cap_flush(r, r->end);
	r->pos = r->end = r->cap_from = 0;
	if (r->eof || (r->end = fread(r->in, 1, sizeof r->in, r->f)) == 0) {
		r->eof = true;
		return false;
	}
	return true;
}

/* Next byte or EOF, keeping line:col in characters as jansson counts them. */
static int rd_getc(stix_bundle_reader *r)
{
	if (r->back >= 0) {
		int b = r->back;
		r->back = -1;
		return b;
	}
	if (r->pos == r->end && !refill(r))
		return EOF;
	int b = r->in[r->pos++];
	if ((b & 0xC0) != 0x80) { /* not a UTF-8 continuation byte */
		r->at_line = r->line;
		r->at_col = r->col++;
	}
	if (b == '\n')
		r->line++, r->col = 1;
	return b;
}

static int skip_ws(stix_bundle_reader *r)
{
	int c;
	do
		c = rd_getc(r);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	return c;
}

static int fail_at(stix_bundle_reader *r, int code, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail_at(stix_bundle_reader *r, int code, long line, long col, const char *fmt, ...)
{
	char where[48], msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(where, sizeof where, "%ld:%ld", line, col);
	return sol_fail(&r->failure, code, where, "%s", msg);
}

/* c is not what the grammar allows here: say what was expected. */
static int unexpected(stix_bundle_reader *r, int c, const char *expected)
{
	if (c == EOF && ferror(r->f))
		return fail_at(r, SOL_EIO, r->line, r->col, "read error");
	if (c == EOF)
		return fail_at(r, SOL_EPARSE, r->line, r->col,
			       "unexpected end of input, expected %s", expected);
	if (c > ' ' && c < 0x7f)
		return fail_at(r, SOL_EPARSE, r->at_line, r->at_col, "expected %s, found '%c'",
			       expected, c);
	return fail_at(r, SOL_EPARSE, r->at_line, r->at_col, "expected %s, found byte 0x%02x",
		       expected, c);
}

/* ---- skipping values ----------------------------------------------------- */

/* The rest of a string whose '"' was read; the first bytes go to key. */
static int scan_string(stix_bundle_reader *r, char *key, size_t keycap)
{
	size_t n = 0;
	for (;;) {
		int c = rd_getc(r);
		if (c == EOF)
			return unexpected(r, c, "the end of the string");
		if (c == '"')
			break;
		if (key && n + 1 < keycap)
			key[n] = (char)c;
		n++;
		if (c == '\\' && (c = rd_getc(r)) == EOF)
			return unexpected(r, c, "the end of the string");
	}
	if (key)
		key[n + 1 < keycap ? n : keycap - 1] = '\0';
	return 0;
}

/* Characters (bytes that are not UTF-8 continuation bytes) in p[0..end). */
static long characters(const unsigned char *p, const unsigned char *end)
{
	long n = 0;
	for (; end - p >= 8; p += 8) {
		uint64_t x = stix_swar_load(p);
		n += 8 - __builtin_popcountll(x & ~(x << 1) & STIX_SWAR_HIGHS); /* 10xxxxxx */
	}
	for (; p < end; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

/* Bytes of p[0..end) before the first '"', '\\' or newline. */
static size_t string_run(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p;
	for (; end - q >= 8; q += 8) {
		uint64_t x = stix_swar_load(q);
		if (stix_swar_eq(x, '"') | stix_swar_eq(x, '\\') | stix_swar_eq(x, '\n'))
			break;
	}
	while (q < end && *q != '"' && *q != '\\' && *q != '\n')
		q++;
	return (size_t)(q - p);
}

/* The bytes scan_nested stops at outside strings. */
static const bool structural[256] = {
    ['"'] = true, ['{'] = true, ['['] = true, ['}'] = true, [']'] = true, ['\n'] = true};

/* The bytes in[pos..upto) were walked: move pos there, and the column
 * over the characters between `mark` (where r->col was last right) and
 * upto; the last character read is then the one before. */
static void walked(stix_bundle_reader *r, const unsigned char *mark, const unsigned char *upto)
{
	r->pos = (size_t)(upto - r->in);
	r->col += characters(mark, upto);
	r->at_line = r->line;
	r->at_col = r->col - 1;
}

/*
 * The rest of an object or array whose first byte was read; it sits at
 * nesting level `level` of the document (1 for the top). This is where a
 * bundle's bytes are spent, so it walks the read buffer in place, skips
 * string contents 8 bytes at a time, and counts columns only where it
 * stops (a newline resets them): line:col end up as rd_getc would leave
 * them, byte by byte, after the closing bracket.
 */
static int scan_nested(stix_bundle_reader *r, int level)
{
	assert(r->back < 0);
	long open_line = r->at_line, open_col = r->at_col;
	int depth = level;
	bool in_string = false, escaped = false;
	while (depth >= level) {
		if (r->pos == r->end) {
			bool more = refill(r);
			if (r->cap_full)
				return fail_at(r, SOL_ETOOBIG, open_line, open_col,
					       "value is larger than %zu bytes", r->cap->max);
			if (!more)
				return unexpected(r, EOF,
						  in_string ? "the end of the string"
							    : "the closing bracket");
		}
		const unsigned char *p = r->in + r->pos, *end = r->in + r->end, *mark = p;
		while (p < end && depth >= level) {
			if (in_string && !escaped)
				p += string_run(p, end);
			else if (!in_string)
				while (p < end && !structural[*p])
					p++;
			if (p == end)
				break;
			unsigned b = *p++;
			if (b == '\n') {
				r->line++, r->col = 1;
				mark = p;
			}
			if (in_string) {
				if (escaped)
					escaped = false;
				else if (b == '\\')
					escaped = true;
				else if (b == '"')
					in_string = false;
			} else if (b == '"') {
				in_string = true;
			} else if (b == '{' || b == '[') {
				if (++depth > BUNDLE_MAX_DEPTH) {
					walked(r, mark, p);
					return fail_at(r, SOL_EPARSE, r->at_line, r->at_col,
						       "nested deeper than %d levels",
						       BUNDLE_MAX_DEPTH);
				}
			} else if (b == '}' || b == ']') {
				depth--;
			}
		}
		walked(r, mark, p);
	}
	return 0;
}

static bool one_of(int c, const char *set)
{
	return c > 0 && strchr(set, c) != NULL;
}

/* A member value starting with c; jansson checks its syntax later. */
static int scan_value(stix_bundle_reader *r, int c)
{
	if (c == '"')
		return scan_string(r, NULL, 0);
	if (c == '{' || c == '[')
		return scan_nested(r, 2);
	if (!one_of(c, "-0123456789tfn"))
		return unexpected(r, c, "a value");
	while (one_of(c, "+-.0123456789Eaeflnrstu"))
		c = rd_getc(r);
	r->back = c; /* EOF pushed back stays EOF: eof is sticky */
	return 0;
}

/* ---- the top-level object ------------------------------------------------ */

/* Document position of jansson's line:col in head (see the file comment). */
static void head_position(const stix_bundle_reader *r, int jline, int jcol, long *line, long *col)
{
	long gl = 1, gc = 1;
	for (size_t i = 0; r->head_gap && i < r->head_gap; i++) {
		unsigned char b = (unsigned char)r->head.data[i];
		if (b == '\n')
			gl++, gc = 1;
		else if ((b & 0xC0) != 0x80)
			gc++;
	}
	if (r->head_gap && (jline > gl || (jline == gl && jcol >= gc))) {
		*line = r->gap_line + (jline - gl);
		*col = jline == gl ? r->gap_col + (jcol - gc) : jcol;
	} else if (jline > 1) {
		*line = r->top_line + jline - 1;
		*col = jcol;
	} else {
		*line = r->top_line;
		*col = r->top_col + (jcol > 0 ? jcol - 1 : 0);
	}
}

/*
 * Parse head as a bundle or envelope and check its type and id. `open`:
 * head ends inside the objects array ("...,\"objects\":["), so close it
 * first, and do not yet require members that may follow the array.
 */
static int check_head(stix_bundle_reader *r, bool open)
{
	json_error_t je;
	sol_buf text;
	buf_init(&text, BUNDLE_MAX_HEAD + 3);
	buf_append(&text, r->head.data, r->head.len);
	if (open)
		buf_puts(&text, "]}");
	json_t *h = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &je);
	buf_fini(&text);
	if (!h) {
		long line, col;
		head_position(r, je.line, je.column, &line, &col);
		return fail_at(r, SOL_EPARSE, line, col, "%s", je.text);
	}
	const json_t *type = json_object_get(h, "type"), *id = json_object_get(h, "id");
	int rc = 0;
	if (type && !(json_is_string(type) && strcmp(json_string_value(type), "bundle") == 0))
		rc = sol_fail(&r->failure, SOL_EINVALID, "$.type",
			      "a document with an objects array must be a bundle or a TAXII "
			      "envelope, not type %.40s",
			      json_is_string(type) ? json_string_value(type) : "(not a string)");
	else if (id && !(json_is_string(id) && stix_id_type_len(json_string_value(id)) == 6 &&
			 strncmp(json_string_value(id), "bundle", 6) == 0))
		rc = sol_fail(&r->failure, SOL_EINVALID, "$.id",
			      "a bundle id must be bundle--<uuid>, not %.80s",
			      json_is_string(id) ? json_string_value(id) : "a non-string");
	else if (type && !id && !open)
		rc = sol_fail(&r->failure, SOL_EINVALID, "$.id", "a bundle needs an id");
	json_decref(h);
	return rc;
}

/* A top-level object without an objects array: one STIX object, or an
 * empty TAXII envelope ({} or {"more": false}) when it has no type. */
static int end_single(stix_bundle_reader *r)
{
	json_t *o = stix_object_load_at(r->head.data, r->head.len, "", r->top_line, r->top_col,
					&r->failure);
	if (!o)
		return r->failure.code;
	if (json_object_get(o, "type")) {
		r->single = o;
		return 0;
	}
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "more") == 0 || strcmp(k, "next") == 0)
			continue;
		char where[80];
		snprintf(where, sizeof where, "$.%.60s", k);
		json_decref(o);
		return sol_fail(&r->failure, SOL_EINVALID, where,
				"a top-level object needs a type (a STIX object or bundle) or "
				"an objects array (a TAXII envelope)");
	}
	json_decref(o);
	return 0;
}

/* The closing '}' of the top-level object was read. */
static int end_top(stix_bundle_reader *r)
{
	r->st = RD_TRAILER;
	if (cap_stop(r) < 0)
		return fail_at(r, SOL_ETOOBIG, r->top_line, r->top_col,
			       "the top-level object is larger than %u bytes",
			       r->has_objects ? BUNDLE_MAX_HEAD : (unsigned)STIX_MAX_OBJECT);
	return r->has_objects ? check_head(r, false) : end_single(r);
}

/* A member of the top-level object whose key's '"' was read. */
static int member(stix_bundle_reader *r)
{
	char key[9];
	int c, rc;
	if ((rc = scan_string(r, key, sizeof key)) < 0)
		return rc;
	if ((c = skip_ws(r)) != ':')
		return unexpected(r, c, "':'");
	c = skip_ws(r);
	if (strcmp(key, "objects") != 0 || c != '[') {
		r->st = RD_MEMBER_END;
		if ((rc = scan_value(r, c)) < 0)
			return rc;
		return 0;
	}
	if (r->has_objects)
		return fail_at(r, SOL_EPARSE, r->at_line, r->at_col, "a second objects array");
	r->has_objects = true;
	if (cap_stop(r) < 0 || r->head.len > BUNDLE_MAX_HEAD)
		return fail_at(r, SOL_ETOOBIG, r->top_line, r->top_col,
			       "the members before objects are larger than %u bytes",
			       BUNDLE_MAX_HEAD);
	r->head.max = BUNDLE_MAX_HEAD;
	r->st = RD_ELEM_FIRST;
	return check_head(r, true);
}

/* The ']' closing the array of objects was read. */
static void end_array(stix_bundle_reader *r)
{
	if (r->top_array) {
		r->st = RD_TRAILER;
		return;
	}
	r->head_gap = r->head.len;
	r->gap_line = r->at_line;
	r->gap_col = r->at_col;
	cap_start(r, &r->head);
	r->st = RD_MEMBER_END;
}

static bool json_space(unsigned char b)
{
	return b == ' ' || b == '\t' || b == '\n' || b == '\r';
}

/* b can be part of a number or literal: not a bracket, ',', ':' or '"'. */
static bool scalar_byte(unsigned char b)
{
	return !(b == '{' || b == '}' || b == '[' || b == ']' || b == ',' || b == ':' || b == '"');
}

/*
 * elem[0..n) into out without the whitespace between tokens, which is a
 * third of a pretty-printed bundle and which jansson reads a byte at a
 * time. A run between two scalar bytes ("1 2", "tr ue") stays, so the
 * tokens, and whether the text is JSON at all, do not change; jansson's
 * error positions do, so a failed parse is repeated on elem.
 */
static void compact(const unsigned char *p, size_t n, sol_buf *out)
{
	const unsigned char *end = p + n, *start = p, *run = p;
	buf_reset(out);
	while (p < end) {
		if (*p == '"') { /* a string: copied as it is */
			for (p++; p < end;) {
				p += string_run(p, end);
				if (p < end && *p == '\\')
					p += end - p > 1 ? 2 : 1;
				else if (p < end && *p++ == '"')
					break;
			}
		} else if (!json_space(*p)) {
			p++;
		} else {
			const unsigned char *q = p;
			while (q < end && json_space(*q))
				q++;
			if (p == start || q == end || !scalar_byte(p[-1]) || !scalar_byte(*q)) {
				buf_append(out, run, (size_t)(p - run));
				run = q;
			}
			p = q;
		}
	}
	buf_append(out, run, (size_t)(end - run));
}

/* An element whose '{' was read: capture it (stix_element_parse parses). */
static int element(stix_bundle_reader *r)
{
	long line = r->at_line, col = r->at_col;
	buf_reset(&r->elem);
	cap_start(r, &r->elem);
	int rc = scan_nested(r, r->top_array ? 2 : 3);
	if (cap_stop(r) < 0 && rc == 0)
		rc = fail_at(r, SOL_ETOOBIG, line, col, "object is larger than %u bytes",
			     (unsigned)STIX_MAX_OBJECT);
	if (rc < 0)
		return rc;
	snprintf(r->path, sizeof r->path, r->top_array ? "$[%zu]" : "$.objects[%zu]", r->index);
	r->elem_line = line;
	r->elem_col = col;
	r->index++;
	r->st = RD_ELEM_END;
	return 1;
}

json_t *stix_element_parse(const stix_element *el, sol_buf *scratch, sol_err *err)
{
	compact((const unsigned char *)el->text, el->len, scratch);
	json_t *obj = stix_object_load_at(scratch->data, scratch->len, "", el->line, el->col, err);
	if (!obj) /* the error as it is placed in the document */
		obj = stix_object_load_at(el->text, el->len, "", el->line, el->col, err);
	if (!obj && err) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "in %s: %s", el->path, err->msg);
		memcpy(err->msg, msg, sizeof msg);
	}
	return obj;
}

/* Skip a UTF-8 byte order mark; c is the first byte of the input. */
static int skip_bom(stix_bundle_reader *r, int c)
{
	if (c != 0xEF)
		return c;
	if (rd_getc(r) != 0xBB || rd_getc(r) != 0xBF)
		return unexpected(r, 0xEF, "a JSON object or array");
	r->col = 1;
	return skip_ws(r);
}

/* Run the state machine to the next object (1: an element in elem, or
 * a lone object in *obj), the end (0) or an error. */
static int step(stix_bundle_reader *r, json_t **obj)
{
	for (;;) {
		int c, rc = 0;
		enum rd_state st = r->st;
		switch (st) {
		case RD_START:
			c = skip_ws(r);
			if (c == EOF)
				return ferror(r->f) ? unexpected(r, c, "")
						    : fail_at(r, SOL_EPARSE, 1, 1, "empty input");
			if ((c = skip_bom(r, c)) < 0 && c != EOF)
				return c;
			if (c == '[') {
				r->top_array = true;
				r->st = RD_ELEM_FIRST;
			} else if (c == '{') {
				r->top_line = r->at_line;
				r->top_col = r->at_col;
				cap_start(r, &r->head);
				r->st = RD_KEY_FIRST;
			} else {
				return unexpected(r, c, "a JSON object or array");
			}
			break;
		case RD_KEY_FIRST:
		case RD_KEY:
			c = skip_ws(r);
			if (c == '}' && st == RD_KEY_FIRST)
				rc = end_top(r);
			else if (c == '"')
				rc = member(r);
			else
				rc =
				    unexpected(r, c, st == RD_KEY_FIRST ? "a key or '}'" : "a key");
			break;
		case RD_MEMBER_END:
			c = skip_ws(r);
			if (c == ',')
				r->st = RD_KEY;
			else if (c == '}')
				rc = end_top(r);
			else
				rc = unexpected(r, c, "',' or '}'");
			break;
		case RD_ELEM_FIRST:
		case RD_ELEM:
			c = skip_ws(r);
			if (c == ']' && st == RD_ELEM_FIRST)
				end_array(r);
			else if (c == '{')
				return element(r);
			else
				rc = unexpected(
				    r, c, st == RD_ELEM_FIRST ? "an object or ']'" : "an object");
			break;
		case RD_ELEM_END:
			c = skip_ws(r);
			if (c == ',')
				r->st = RD_ELEM;
			else if (c == ']')
				end_array(r);
			else
				rc = unexpected(r, c, "',' or ']'");
			break;
		case RD_TRAILER:
			c = skip_ws(r);
			if (c != EOF || ferror(r->f))
				return unexpected(r, c, "the end of the input");
			r->st = RD_DONE;
			if (!r->single)
				return 0;
			*obj = r->single;
			r->single = NULL;
			snprintf(r->path, sizeof r->path, "$");
			return 1;
		case RD_DONE:
		case RD_FAILED: return 0;
		}
		if (rc < 0)
			return rc;
	}
}

stix_bundle_reader *stix_bundle_reader_new(FILE *f)
{
	stix_bundle_reader *r = xcalloc(1, sizeof *r);
	r->f = f;
	r->back = -1;
	r->line = r->col = 1;
	r->st = RD_START;
	buf_init(&r->head, STIX_MAX_OBJECT);
	buf_init(&r->elem, STIX_MAX_OBJECT);
	buf_init(&r->text, STIX_MAX_OBJECT);
	return r;
}

int stix_bundle_next_element(stix_bundle_reader *r, json_t **obj, stix_element *el, sol_err *err)
{
	*obj = NULL;
	*el = (stix_element){0};
	if (r->st == RD_FAILED) {
		if (err)
			*err = r->failure;
		return r->failure.code;
	}
	int rc = step(r, obj);
	if (rc < 0) {
		r->st = RD_FAILED;
		if (err)
			*err = r->failure;
		return rc;
	}
	if (rc == 1) {
		el->path = r->path;
		if (!*obj) {
			el->text = r->elem.data;
			el->len = r->elem.len;
			el->line = r->elem_line;
			el->col = r->elem_col;
		}
	}
	return rc;
}

int stix_bundle_next(stix_bundle_reader *r, json_t **obj, const char **path, sol_err *err)
{
	stix_element el;
	*path = NULL;
	int rc = stix_bundle_next_element(r, obj, &el, err);
	if (rc == 1 && !*obj && !(*obj = stix_element_parse(&el, &r->text, &r->failure))) {
		r->st = RD_FAILED;
		if (err)
			*err = r->failure;
		return r->failure.code;
	}
	if (rc == 1)
		*path = el.path;
	return rc;
}

void stix_bundle_reader_free(stix_bundle_reader *r)
{
	if (!r)
		return;
	buf_fini(&r->head);
	buf_fini(&r->elem);
	buf_fini(&r->text);
	json_decref(r->single);
	free(r);
}
