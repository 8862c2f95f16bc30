/*
 * lines.c - CSV and plain-text lists: one value per line becomes one STIX
 * indicator.
 *
 * Reading. Lines come from a fixed buffer of INGEST_MAX_LINE + READ_CHUNK
 * bytes filled with fread: a line is found with memchr and used in place,
 * so a line costs no allocation and no copy, and a line longer than
 * INGEST_MAX_LINE is skipped up to its newline and reported at its
 * "file:line" (an error, or a rejection with skip_invalid). A trailing CR
 * (CRLF files) and surrounding whitespace are dropped; blank lines and
 * lines starting with '#' or '//' are comments (report->skipped_lines).
 *
 * Text. The value is the first whitespace-separated token, so
 * "198.51.100.7<TAB>5" and "evil.example # seen twice" both work.
 *
 * CSV. The delimiter is the most frequent of TAB, ';' and ',' outside
 * quotes in the first data line. Fields follow RFC 4180 quoting ("a,b",
 * "" for a quote) and are used in place unless quoted. If no field of the
 * first data line parses as a value, that line is a header and skipped.
 * opts.column (1-based) picks the field; otherwise the first field that
 * parses is the value.
 *
 * Values are refanged (obs_refang) and parsed with auto-detection
 * (obs_parse); one that does not parse is a rejection at "file:line".
 * Plain domains from lists mean "this domain and below". Each value goes
 * to ingest_value (ingest_indicator_new + ingest_generated without the
 * JSON round trip), with one timestamp for the whole input, so importing
 * the same list again changes nothing.
 *
 * Two threads. Reading, parsing, writing and compressing the indicators
 * run here while a second thread (pipe.c) runs the SQLite statements of
 * the puts, in the same order and the same transaction. Imports into a
 * collection stay on one thread: their puts read the store first.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_int.h"

#define READ_CHUNK 65536                        /* bytes asked of fread at once */
#define READ_BUF (INGEST_MAX_LINE + READ_CHUNK) /* a longest line plus a chunk */
#define BAD_SHOWN 60                            /* bytes of a bad value quoted */

typedef struct lines {
	ingest_ctx *cx;          /* the import */
	const char *name;        /* input name, for places */
	ingest_format fmt;       /* INGEST_CSV or INGEST_TEXT */
	sol_err *err;            /* the caller's error */
	FILE *f;                 /* input */
	char *buf;               /* READ_BUF bytes; unread input is buf[start..end) */
	size_t start, end;       /* see buf */
	bool eof;                /* f has no more bytes */
	int64_t lineno;          /* 1-based number of the current line */
	char delim;              /* CSV: field delimiter, 0 until the first data line */
	char *field;             /* CSV: a quoted field unquoted, INGEST_MAX_LINE + 1 */
	char *refanged;          /* the candidate value refanged, INGEST_MAX_LINE + 1 */
	obs_value v;             /* the value parsed */
	char bad[BAD_SHOWN + 8]; /* printable excerpt of a value that did not parse */
	sol_time when;           /* created/modified/valid_from of every indicator */
} lines;

/* ---- reading lines -------------------------------------------------- */

static int read_more(lines *L, size_t at)
{
	size_t got = fread(L->buf + at, 1, READ_BUF - at, L->f);
	if (got == 0) {
		if (ferror(L->f))
			return sol_fail(L->err, SOL_EIO, L->name, "read failed");
		L->eof = true;
	}
	L->end = at + got;
	return 0;
}

/* Discard the rest of an overlong line, through its newline. */
static int line_skip(lines *L)
{
	for (;;) {
		char *nl = memchr(L->buf + L->start, '\n', L->end - L->start);
		if (nl) {
			L->start = (size_t)(nl - L->buf) + 1;
			return SOL_ETOOBIG;
		}
		L->start = 0;
		int rc = read_more(L, 0);
		if (rc != 0)
			return rc;
		if (L->eof)
			return SOL_ETOOBIG;
	}
}

/*
 * The next line, without its newline and trailing CR, in place in L->buf
 * (valid until the next call). Returns 1, 0 at the end, SOL_ETOOBIG for a
 * line over INGEST_MAX_LINE (consumed) or SOL_EIO.
 */
static int line_next(lines *L, const char **s, size_t *n)
{
	for (;;) {
		char *p = L->buf + L->start;
		size_t avail = L->end - L->start;
		char *nl = memchr(p, '\n', avail);
		if (nl || (L->eof && avail)) {
			size_t len = nl ? (size_t)(nl - p) : avail;
			L->start += nl ? len + 1 : len;
			L->lineno++;
			if (len && p[len - 1] == '\r')
				len--;
			if (len > INGEST_MAX_LINE)
				return SOL_ETOOBIG;
			*s = p;
			*n = len;
			return 1;
		}
		if (L->eof)
			return 0;
		if (avail > INGEST_MAX_LINE) {
			L->lineno++;
			return line_skip(L);
		}
		memmove(L->buf, p, avail);
		L->start = 0;
		int rc = read_more(L, avail);
		if (rc != 0)
			return rc;
	}
}

/* ---- values --------------------------------------------------------- */

/* A rejection (skip_invalid) or an error at "file:line". */
static int line_reject(lines *L, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int line_reject(lines *L, int code, const char *fmt, ...)
{
	char where[sizeof L->err->where], msg[sizeof L->err->msg];
	snprintf(where, sizeof where, "%s:%lld", L->name, (long long)L->lineno);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (L->cx->opts.skip_invalid) {
		ingest_reject_add(L->cx, where, msg);
		return 0;
	}
	return sol_fail(L->err, code, where, "%s", msg);
}

/* Keep a printable excerpt of s[0..n) for a message (first one wins). */
static void bad_set(lines *L, const char *s, size_t n)
{
	if (L->bad[0])
		return;
	size_t k = n < BAD_SHOWN ? n : BAD_SHOWN;
	for (size_t i = 0; i < k; i++)
		L->bad[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(L->bad + k, n > k ? "..." : "");
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* Refang and parse s[0..n) into L->v; false (and L->bad) if it is no value. */
static bool value_parse(lines *L, const char *s, size_t n)
{
	trim(&s, &n);
	size_t m = n ? obs_refang(s, n, L->refanged, INGEST_MAX_LINE + 1) : (size_t)-1;
	if (m != (size_t)-1 && obs_parse(L->refanged, m, OBS_NONE, &L->v) == 0)
		return true;
	bad_set(L, s, n);
	return false;
}

/* "name:lineno" into where (sizeof L->err->where bytes), without the
 * printf machinery: this runs once per value. */
static void where_format(const lines *L, char *where)
{
	size_t cap = sizeof L->err->where, n = strlen(L->name);
	char digits[24];
	size_t d = 0;
	for (uint64_t k = (uint64_t)L->lineno; d == 0 || k; k /= 10)
		digits[d++] = (char)('0' + k % 10);
	if (n + 1 + d >= cap) { /* a very long name: cut like snprintf */
		snprintf(where, cap, "%s:%lld", L->name, (long long)L->lineno);
		return;
	}
	memcpy(where, L->name, n);
	where[n++] = ':';
	while (d)
		where[n++] = digits[--d];
	where[n] = '\0';
}

/* One indicator for L->v. */
static int value_emit(lines *L)
{
	char where[sizeof L->err->where];
	where_format(L, where);
	return ingest_value(L->cx, &L->v, L->v.kind == OBS_DOMAIN, L->when, where, L->err);
}

static int value_reject(lines *L)
{
	return line_reject(L, SOL_EINVALID, "'%s' is not an IP, domain, URL, hash or email",
			   L->bad);
}

/* ---- CSV ------------------------------------------------------------ */

/* The delimiter of a data line: the most frequent of TAB ; , outside quotes. */
static char csv_delim(const char *s, size_t n)
{
	static const char cand[] = {'\t', ';', ','};
	size_t count[3] = {0};
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted)
			for (int d = 0; d < 3; d++)
				count[d] += s[i] == cand[d];
	}
	char best = ',';
	size_t most = 0;
	for (int d = 0; d < 3; d++) {
		if (count[d] > most) {
			most = count[d];
			best = cand[d];
		}
	}
	return best;
}

/*
 * The field of s[0..n) starting at *i: *f and *fn (in place, or unquoted
 * into L->field). *i moves past the delimiter, to n + 1 after the last
 * field. Returns 0, or -1 for an unterminated quote.
 */
static int csv_field(lines *L, const char *s, size_t n, size_t *i, const char **f, size_t *fn)
{
	size_t j = *i;
	while (j < n && s[j] == ' ')
		j++;
	if (j < n && s[j] == '"') {
		size_t o = 0;
		for (j++;; j++) {
			if (j >= n)
				return -1;
			if (s[j] == '"') {
				if (j + 1 < n && s[j + 1] == '"')
					j++;
				else
					break;
			}
			L->field[o++] = s[j];
		}
		for (j++; j < n && s[j] != L->delim; j++) /* text after the quote: kept */
			L->field[o++] = s[j];
		*f = L->field;
		*fn = o;
	} else {
		const char *d = memchr(s + *i, L->delim, n - *i);
		j = d ? (size_t)(d - s) : n;
		*f = s + *i;
		*fn = j - *i;
	}
	*i = j + 1;
	return 0;
}

enum { PICK_NONE = 0, PICK_QUOTE = -1, PICK_NOCOLUMN = -2 };

/*
 * Parse field `want` (1-based) of the row into L->v, or with want 0 the
 * first field that parses. Returns the field's number, PICK_NONE (L->bad
 * quotes the field tried first), PICK_QUOTE or PICK_NOCOLUMN.
 */
static int csv_pick(lines *L, const char *s, size_t n, int want)
{
	L->bad[0] = '\0';
	int col = 0;
	for (size_t i = 0; i <= n;) {
		const char *f;
		size_t fn;
		if (csv_field(L, s, n, &i, &f, &fn) != 0)
			return PICK_QUOTE;
		col++;
		if (want && col != want)
			continue;
		if (value_parse(L, f, fn))
			return col;
		if (want)
			return PICK_NONE;
	}
	return want ? PICK_NOCOLUMN : PICK_NONE;
}

static int csv_row(lines *L, const char *s, size_t n)
{
	int want = L->cx->opts.column, col;
	if (!L->delim) {
		L->delim = csv_delim(s, n);
		col = csv_pick(L, s, n, 0);
		if (col == PICK_NONE) { /* a header */
			L->cx->rep->skipped_lines++;
			return 0;
		}
		if (col > 0 && want && col != want)
			col = csv_pick(L, s, n, want);
	} else {
		col = csv_pick(L, s, n, want);
	}
	switch (col) {
	case PICK_QUOTE: return line_reject(L, SOL_EPARSE, "unterminated quote");
	case PICK_NOCOLUMN: return line_reject(L, SOL_EINVALID, "no column %d", want);
	case PICK_NONE: return value_reject(L);
	default: return value_emit(L);
	}
}

/* ---- lines ---------------------------------------------------------- */

static int line_import(lines *L, const char *s, size_t n)
{
	if (L->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	trim(&s, &n);
	if (n == 0 || s[0] == '#' || (n > 1 && s[0] == '/' && s[1] == '/')) {
		L->cx->rep->skipped_lines++;
		return 0;
	}
	if (L->fmt == INGEST_CSV)
		return csv_row(L, s, n);
	size_t t = 0;
	while (t < n && !isspace((unsigned char)s[t]))
		t++;
	L->bad[0] = '\0';
	return value_parse(L, s, t) ? value_emit(L) : value_reject(L);
}

int ingest_lines(ingest_ctx *cx, FILE *f, const char *name, ingest_format fmt, sol_err *err)
{
	lines *L = xcalloc(1, sizeof *L);
	L->cx = cx;
	L->name = name;
	L->fmt = fmt;
	L->err = err;
	L->f = f;
	L->buf = xmalloc(READ_BUF);
	L->field = xmalloc(INGEST_MAX_LINE + 1);
	L->refanged = xmalloc(INGEST_MAX_LINE + 1);
	L->when = sol_time_now();
	if (cx->st && !cx->opts.collection) /* a collection's puts read the store */
		cx->pipe = ingest_pipe_start(cx, true);
	int rc;
	const char *s = NULL;
	size_t n = 0;
	while ((rc = line_next(L, &s, &n)) != 0) {
		if (rc == 1)
			rc = line_import(L, s, n);
		else if (rc == SOL_ETOOBIG)
			rc = line_reject(L, SOL_ETOOBIG, "line longer than %d bytes",
					 INGEST_MAX_LINE);
		if (rc != 0)
			break;
	}
	int stopped = ingest_pipe_stop(cx->pipe, rc != 0, err);
	cx->pipe = NULL;
	if (stopped != 0) /* a put before our failure, if we failed too */
		rc = stopped;
	free(L->refanged);
	free(L->field);
	free(L->buf);
	free(L);
	return rc;
}
