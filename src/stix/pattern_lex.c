/*
 * pattern_lex.c - the tokens of the STIX 2.1 patterning language.
 *
 * The lexer reads the pattern one token ahead of the parser: plex_next
 * skips white space and comments (/ * ... * / and // to the end of the
 * line, as the specification's grammar does) and leaves the next token in
 * lx->tok with its byte offset, so every error can name the column where
 * it starts.
 *
 * Literals are checked completely here, where the offending byte is known:
 * strings allow only the escapes \' and \\ and must be valid UTF-8 (so a
 * printed pattern or its JSON tree is always valid text); b'...' must be
 * well-formed base64, h'...' an even number of hex digits, t'...' a STIX
 * timestamp (sol_time_parse); integers must fit in 64 bits and floats be
 * finite. The parser only asks for decoded strings (plex_string).
 *
 * Keywords are the uppercase words of the specification; a word like
 * `and` is an identifier, which lets the parser say that keywords are
 * uppercase. Booleans are `true` and `false` in any case, as in the
 * specification's grammar.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stix/pattern_int.h"

static const char *const keywords[] = {
    [TK_AND - TK_FIRST_KEYWORD] = "AND",
    [TK_OR - TK_FIRST_KEYWORD] = "OR",
    [TK_NOT - TK_FIRST_KEYWORD] = "NOT",
    [TK_FOLLOWEDBY - TK_FIRST_KEYWORD] = "FOLLOWEDBY",
    [TK_LIKE - TK_FIRST_KEYWORD] = "LIKE",
    [TK_MATCHES - TK_FIRST_KEYWORD] = "MATCHES",
    [TK_ISSUBSET - TK_FIRST_KEYWORD] = "ISSUBSET",
    [TK_ISSUPERSET - TK_FIRST_KEYWORD] = "ISSUPERSET",
    [TK_IN - TK_FIRST_KEYWORD] = "IN",
    [TK_EXISTS - TK_FIRST_KEYWORD] = "EXISTS",
    [TK_START - TK_FIRST_KEYWORD] = "START",
    [TK_STOP - TK_FIRST_KEYWORD] = "STOP",
    [TK_WITHIN - TK_FIRST_KEYWORD] = "WITHIN",
    [TK_SECONDS - TK_FIRST_KEYWORD] = "SECONDS",
    [TK_REPEATS - TK_FIRST_KEYWORD] = "REPEATS",
    [TK_TIMES - TK_FIRST_KEYWORD] = "TIMES",
};

int plex_fail(const plex *lx, size_t off, const char *fmt, ...)
{
	char where[32], msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(where, sizeof where, "column %zu", off + 1);
	return sol_fail(lx->err, SOL_EPARSE, where, "%s", msg);
}

ptok_kind plex_keyword(const char *s, size_t n)
{
	for (int k = TK_FIRST_KEYWORD; k <= TK_LAST_KEYWORD; k++) {
		const char *name = keywords[k - TK_FIRST_KEYWORD];
		if (strlen(name) == n && memcmp(name, s, n) == 0)
			return (ptok_kind)k;
	}
	return TK_END;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_base64(unsigned char c)
{
	return (is_ident_start(c) && c != '_') || is_digit(c) || c == '+' || c == '/';
}

/* Length of the UTF-8 sequence at s[0..n) (1 to 4), or 0 if it is not a
 * valid one: overlong forms, surrogates and code points past U+10FFFF are
 * refused, as JSON text refuses them. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t k;
	uint32_t min;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		k = 3, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, min = 0x10000;
	else
		return 0;
	if (n < k)
		return 0;
	uint32_t cp = s[0] & (0x7fu >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* A byte that cannot start a token, described for a person. */
static int fail_byte(const plex *lx, size_t off)
{
	unsigned char c = (unsigned char)lx->src[off];
	if (c == 0)
		return plex_fail(lx, off, "unexpected NUL byte");
	if (c > 0x20 && c < 0x7f)
		return plex_fail(lx, off, "unexpected character '%c'", c);
	return plex_fail(lx, off, "unexpected byte 0x%02x", c);
}

/* Skip white space and comments; fails only on an unterminated comment. */
static int skip_space(plex *lx)
{
	const char *s = lx->src;
	for (;;) {
		while (lx->pos < lx->len && s[lx->pos] && strchr(" \t\r\n\v\f", s[lx->pos]))
			lx->pos++;
		if (lx->pos + 1 >= lx->len || s[lx->pos] != '/')
			return 0;
		if (s[lx->pos + 1] == '/') {
			while (lx->pos < lx->len && s[lx->pos] != '\n')
				lx->pos++;
		} else if (s[lx->pos + 1] == '*') {
			size_t start = lx->pos;
			const char *end = memmem(s + lx->pos + 2, lx->len - lx->pos - 2, "*/", 2);
			if (!end)
				return plex_fail(lx, start, "unterminated comment");
			lx->pos = (size_t)(end - s) + 2;
		} else {
			return 0;
		}
	}
}

/* A string literal whose opening quote is at lx->pos: \' and \\ are the
 * only escapes, and the text must be UTF-8. */
static int lex_string(plex *lx)
{
	const unsigned char *s = (const unsigned char *)lx->src;
	size_t start = lx->pos, p = start + 1;
	while (p < lx->len) {
		if (s[p] == '\'') {
			lx->tok.kind = TK_STRING;
			lx->pos = p + 1;
			return 0;
		}
		if (s[p] == '\\') {
			if (p + 1 >= lx->len)
				break;
			if (s[p + 1] != '\'' && s[p + 1] != '\\') {
				if (s[p + 1] > 0x20 && s[p + 1] < 0x7f)
					return plex_fail(
					    lx, p,
					    "invalid escape '\\%c' in string (only \\' "
					    "and \\\\ are allowed)",
					    s[p + 1]);
				return plex_fail(lx, p,
						 "invalid escape in string (only \\' and \\\\ are "
						 "allowed)");
			}
			p += 2;
			continue;
		}
		if (s[p] == 0)
			return plex_fail(lx, p, "unexpected NUL byte in string");
		size_t k = utf8_seq(s + p, lx->len - p);
		if (k == 0)
			return plex_fail(lx, p, "invalid UTF-8 in string");
		p += k;
	}
	return plex_fail(lx, start, "unterminated string");
}

/* b'...', h'...' or t'...': the prefix is at lx->pos, the quote after it.
 * The text has no escapes; each kind checks its own. */
static int lex_typed(plex *lx)
{
	const char *s = lx->src;
	size_t start = lx->pos, body = start + 2, p = body;
	char prefix = s[start];
	const char *what = prefix == 'b' ? "binary" : prefix == 'h' ? "hex" : "timestamp";
	while (p < lx->len && s[p] != '\'')
		p++;
	if (p >= lx->len)
		return plex_fail(lx, start, "unterminated %s literal", what);
	size_t n = p - body;
	lx->pos = p + 1;
	if (prefix == 'b') {
		size_t pad = 0; /* '=' seen; only padding may follow one */
		for (size_t i = body; i < p; i++) {
			if (s[i] == '=')
				pad++;
			else if (pad || !is_base64((unsigned char)s[i]))
				return plex_fail(lx, i,
						 "invalid base64 character in binary literal");
		}
		if (n % 4 != 0 || pad > 2)
			return plex_fail(
			    lx, start, "invalid base64 in binary literal (bad length or padding)");
		lx->tok.kind = TK_BINARY;
	} else if (prefix == 'h') {
		for (size_t i = body; i < p; i++)
			if (!is_hex((unsigned char)s[i]))
				return plex_fail(lx, i, "invalid hex digit in hex literal");
		if (n % 2 != 0)
			return plex_fail(lx, start, "odd number of hex digits in hex literal");
		lx->tok.kind = TK_HEX;
	} else {
		char text[64];
		if (n >= sizeof text || memchr(s + body, 0, n))
			return plex_fail(lx, start, "invalid timestamp");
		memcpy(text, s + body, n);
		text[n] = 0;
		if (sol_time_parse(text, &lx->tok.t) != 0)
			return plex_fail(lx, start,
					 "invalid timestamp '%s' (expected "
					 "YYYY-MM-DDTHH:MM:SS[.s]Z)",
					 text);
		lx->tok.kind = TK_TIMESTAMP;
	}
	return 0;
}

/* An integer or float starting at lx->pos (a sign, a digit or a '.'). */
static int lex_number(plex *lx)
{
	const char *s = lx->src;
	size_t start = lx->pos, p = start;
	bool neg = false;
	if (s[p] == '+' || s[p] == '-')
		neg = s[p++] == '-';
	size_t digits = p;
	while (p < lx->len && is_digit((unsigned char)s[p]))
		p++;
	size_t nd = p - digits;
	if (p + 1 < lx->len && s[p] == '.' && is_digit((unsigned char)s[p + 1])) {
		p++;
		while (p < lx->len && is_digit((unsigned char)s[p]))
			p++;
		char *text = xstrndup(s + start, p - start);
		lx->tok.f = strtod(text, NULL);
		free(text);
		if (!isfinite(lx->tok.f))
			return plex_fail(lx, start, "float out of range");
		lx->tok.kind = TK_FLOAT;
		lx->pos = p;
		return 0;
	}
	if (nd == 0)
		return fail_byte(lx, start);
	if (nd > 1 && s[digits] == '0')
		return plex_fail(lx, start, "integer with a leading zero");
	uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (size_t i = digits; i < p; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return plex_fail(lx, start, "integer out of range");
		v = v * 10 + d;
	}
	lx->tok.i = neg ? (int64_t)(0 - v) : (int64_t)v;
	lx->tok.kind = TK_INT;
	lx->pos = p;
	return 0;
}

/* One-byte and two-byte punctuation and comparison operators. */
static int lex_punct(plex *lx)
{
	const char *s = lx->src;
	char c = s[lx->pos], d = lx->pos + 1 < lx->len ? s[lx->pos + 1] : 0;
	size_t n = 1;
	ptok_kind k;
	switch (c) {
	case '[': k = TK_LBRACK; break;
	case ']': k = TK_RBRACK; break;
	case '(': k = TK_LPAREN; break;
	case ')': k = TK_RPAREN; break;
	case ',': k = TK_COMMA; break;
	case ':': k = TK_COLON; break;
	case '.': k = TK_DOT; break;
	case '*': k = TK_STAR; break;
	case '=':
		k = TK_EQ;
		n = d == '=' ? 2 : 1;
		break;
	case '!':
		if (d != '=')
			return fail_byte(lx, lx->pos);
		k = TK_NEQ;
		n = 2;
		break;
	case '<':
		k = d == '=' ? TK_LE : d == '>' ? TK_NEQ : TK_LT;
		n = k == TK_LT ? 1 : 2;
		break;
	case '>':
		k = d == '=' ? TK_GE : TK_GT;
		n = k == TK_GT ? 1 : 2;
		break;
	default: return fail_byte(lx, lx->pos);
	}
	lx->tok.kind = k;
	lx->pos += n;
	return 0;
}

int plex_next(plex *lx)
{
	int rc = skip_space(lx);
	if (rc)
		return rc;
	const char *s = lx->src;
	memset(&lx->tok, 0, sizeof lx->tok);
	lx->tok.off = lx->pos;
	if (lx->pos >= lx->len) {
		lx->tok.kind = TK_END;
		return 0;
	}
	unsigned char c = (unsigned char)s[lx->pos];
	unsigned char d = lx->pos + 1 < lx->len ? (unsigned char)s[lx->pos + 1] : 0;
	if (c == '\'') {
		rc = lex_string(lx);
	} else if (is_digit(c) || ((c == '+' || c == '-' || c == '.') &&
				   (is_digit(d) || (d == '.' && c != '.')))) {
		rc = lex_number(lx);
	} else if ((c == 'b' || c == 'h' || c == 't') && d == '\'') {
		rc = lex_typed(lx);
	} else if (is_ident_start(c)) {
		size_t p = lx->pos + 1;
		while (p < lx->len && (is_ident_start((unsigned char)s[p]) ||
				       is_digit((unsigned char)s[p]) || s[p] == '-'))
			p++;
		size_t n = p - lx->pos;
		lx->tok.kind = plex_keyword(s + lx->pos, n);
		if (lx->tok.kind == TK_END) {
			lx->tok.kind = TK_IDENT;
			if ((n == 4 && strncasecmp(s + lx->pos, "true", 4) == 0) ||
			    (n == 5 && strncasecmp(s + lx->pos, "false", 5) == 0)) {
				lx->tok.kind = TK_BOOL;
				lx->tok.i = n == 4;
			}
		}
		lx->pos = p;
	} else {
		rc = lex_punct(lx);
	}
	lx->tok.len = lx->pos - lx->tok.off;
	return rc;
}

int plex_init(plex *lx, const char *src, size_t len, sol_err *err)
{
	memset(lx, 0, sizeof *lx);
	lx->src = src;
	lx->len = len;
	lx->err = err;
	return plex_next(lx);
}

char *plex_string(const plex *lx, const ptok *tok, size_t *n)
{
	const char *s = lx->src + tok->off + 1, *end = lx->src + tok->off + tok->len - 1;
	char *out = xmalloc((size_t)(end - s) + 1), *o = out;
	while (s < end) {
		if (*s == '\\')
			s++;
		*o++ = *s++;
	}
	*o = 0;
	*n = (size_t)(o - out);
	return out;
}
