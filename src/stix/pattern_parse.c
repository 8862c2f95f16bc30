/*
 * pattern_parse.c - a recursive-descent parser for STIX 2.1 patterns
 * (specification section 9; the grammar STIXPattern.g4 of
 * oasis-open/cti-pattern-validator).
 *
 * One function per level of precedence, lowest first:
 *
 *   pattern     := obs_fby END
 *   obs_fby     := obs_or  (FOLLOWEDBY obs_or)*
 *   obs_or      := obs_and (OR obs_and)*
 *   obs_and     := obs     (AND obs)*
 *   obs         := ( '[' cmp_or ']' | '(' obs_fby ')' ) qualifier*
 *   qualifier   := WITHIN (int|float) SECONDS | REPEATS int TIMES
 *                | START t'..' STOP t'..'
 *   cmp_or      := cmp_and (OR cmp_and)*
 *   cmp_and     := cmp     (AND cmp)*
 *   cmp         := '(' cmp_or ')' | EXISTS path
 *                | path NOT? ( (= | !=) primitive | (< | <= | > | >=) orderable
 *                            | IN '(' [primitive (',' primitive)*] ')'
 *                            | (LIKE | MATCHES | ISSUBSET | ISSUPERSET) string )
 *   path        := type ':' (name | string) ( '.' (name | string)
 *                                           | '[' int ']' | '[' '*' ']' )*
 *
 * Each chain becomes one n-ary node (parse_chain) and each bracket or
 * parenthesis one node, so recursion depth is bounded by nesting, which
 * we cap at PATTERN_MAX_DEPTH. A function that fails has filled the error
 * (SOL_EPARSE, "column N", "expected X but found Y"), freed what it built
 * and returns NULL; its callers free their partial nodes and pass NULL up.
 * Regular expressions are compiled once with PCRE2 to check them, then
 * dropped: the tree keeps their text.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <assert.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/pattern_int.h"

typedef pnode *(*parse_fn)(plex *lx, int depth);

static pnode *parse_obs_fby(plex *lx, int depth);
static pnode *parse_cmp_or(plex *lx, int depth);

/* Grow v (n elements of size bytes in use) so that one more fits: arrays
 * here are sized in powers of two, so only n = 0, 1, 2, 4... reallocate. */
static void *grow(void *v, size_t n, size_t size)
{
	if (n & (n - 1))
		return v;
	return xrealloc(v, (n ? 2 * n : 1) * size);
}

static void lit_fini(plit *l)
{
	free(l->s);
	for (size_t i = 0; i < l->nitems; i++)
		lit_fini(&l->items[i]);
	free(l->items);
}

static void path_fini(ppath *p)
{
	free(p->type);
	for (size_t i = 0; i < p->n; i++)
		free(p->steps[i].key);
	free(p->steps);
}

static void node_free(pnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	for (size_t i = 0; i < n->nquals; i++) {
		lit_fini(&n->quals[i].a);
		lit_fini(&n->quals[i].b);
	}
	free(n->quals);
	path_fini(&n->path);
	lit_fini(&n->value);
	free(n);
}

static pnode *node_new(pnode_kind kind, size_t col)
{
	pnode *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->col = col;
	return n;
}

static void node_push(pnode *n, pnode *kid)
{
	n->kids = grow(n->kids, n->nkids, sizeof *n->kids);
	n->kids[n->nkids++] = kid;
}

/* The current token as error messages show it: "end of pattern", or its
 * text (quoted unless it is a quoted literal), cut at 40 bytes. */
static void tok_describe(const plex *lx, char *buf, size_t size)
{
	const ptok *t = &lx->tok;
	if (t->kind == TK_END) {
		snprintf(buf, size, "end of pattern");
		return;
	}
	const char *s = lx->src + t->off;
	size_t n = t->len;
	bool cut = n > 40;
	if (cut)
		for (n = 40; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
			;
	bool quoted = t->kind >= TK_STRING && t->kind <= TK_TIMESTAMP;
	snprintf(buf, size, "%s%.*s%s%s", quoted ? "" : "'", (int)n, s, cut ? "..." : "",
		 quoted ? "" : "'");
}

/* Fail at the current token: "expected <what> but found <token>", with a
 * hint when the token is a keyword written in lowercase. */
static pnode *fail_expected(plex *lx, const char *what)
{
	char found[64], upper[16] = "";
	tok_describe(lx, found, sizeof found);
	const ptok *t = &lx->tok;
	if (t->kind == TK_IDENT && t->len < sizeof upper) {
		for (size_t i = 0; i < t->len; i++) {
			char c = lx->src[t->off + i];
			upper[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
		}
		if (plex_keyword(upper, t->len) == TK_END)
			upper[0] = 0;
		else
			upper[t->len] = 0;
	}
	if (upper[0])
		plex_fail(lx, t->off, "expected %s but found %s (keywords are uppercase: %s)", what,
			  found, upper);
	else
		plex_fail(lx, t->off, "expected %s but found %s", what, found);
	return NULL;
}

/* Consume a token of kind k, or fail with "expected <what>". */
static bool expect(plex *lx, ptok_kind k, const char *what)
{
	if (lx->tok.kind != k) {
		fail_expected(lx, what);
		return false;
	}
	return plex_next(lx) == 0;
}

/* The literal of the current token (an INT ... BOOL token). */
static void lit_from_tok(const plex *lx, plit *l)
{
	const ptok *t = &lx->tok;
	const char *body = lx->src + t->off + 2; /* b'..', h'..', t'..' */
	memset(l, 0, sizeof *l);
	switch (t->kind) {
	case TK_INT:
		l->kind = PL_INT;
		l->i = t->i;
		break;
	case TK_FLOAT: {
		const char *s = lx->src + t->off;
		size_t n = t->len;
		bool neg = *s == '-';
		if (*s == '-' || *s == '+')
			s++, n--;
		l->kind = PL_FLOAT;
		l->f = t->f;
		l->s = xasprintf("%s%s%.*s", neg ? "-" : "", *s == '.' ? "0" : "", (int)n, s);
		l->len = strlen(l->s);
		break;
	}
	case TK_STRING:
		l->kind = PL_STRING;
		l->s = plex_string(lx, t, &l->len);
		break;
	case TK_BINARY:
	case TK_HEX:
	case TK_TIMESTAMP:
		l->kind = t->kind == TK_BINARY ? PL_BINARY
			  : t->kind == TK_HEX  ? PL_HEX
					       : PL_TIMESTAMP;
		l->len = t->len - 3;
		l->s = xstrndup(body, l->len);
		if (l->kind == PL_HEX)
			for (size_t i = 0; i < l->len; i++)
				if (l->s[i] >= 'A' && l->s[i] <= 'F')
					l->s[i] = (char)(l->s[i] + 32);
		l->t = t->t;
		break;
	case TK_BOOL:
		l->kind = PL_BOOL;
		l->i = t->i;
		break;
	default: assert(!"not a literal token");
	}
}

/* A literal after a comparison operator: any primitive for = and !=, no
 * booleans for the orderings. l is always left for its owner to lit_fini. */
static bool parse_literal(plex *lx, plit *l, bool orderable)
{
	memset(l, 0, sizeof *l);
	ptok_kind k = lx->tok.kind;
	if (k == TK_BOOL && orderable) {
		fail_expected(lx, "a number, string, binary, hex or timestamp (booleans are not "
				  "ordered)");
		return false;
	}
	if (k < TK_INT || k > TK_BOOL) {
		fail_expected(lx, "a literal value");
		return false;
	}
	lit_from_tok(lx, l);
	return plex_next(lx) == 0;
}

/* '(' [primitive (',' primitive)*] ')' after IN; l is left for its owner
 * to lit_fini, also on failure. */
static bool parse_list(plex *lx, plit *l)
{
	memset(l, 0, sizeof *l);
	l->kind = PL_LIST;
	if (!expect(lx, TK_LPAREN, "'(' and a list of values after IN"))
		return false;
	while (lx->tok.kind != TK_RPAREN) {
		if (l->nitems > 0 && !expect(lx, TK_COMMA, "',' or ')' in the list"))
			return false;
		l->items = grow(l->items, l->nitems, sizeof *l->items);
		if (!parse_literal(lx, &l->items[l->nitems++], false))
			return false;
	}
	return plex_next(lx) == 0;
}

/* A property name: an identifier without '-', or a quoted string. */
static bool parse_name(plex *lx, ppath *p)
{
	const ptok *t = &lx->tok;
	char *key;
	if (t->kind == TK_STRING) {
		size_t n;
		key = plex_string(lx, t, &n);
	} else if (t->kind == TK_IDENT) {
		if (memchr(lx->src + t->off, '-', t->len)) {
			plex_fail(lx, t->off,
				  "property name '%.*s' contains '-' and must be quoted",
				  (int)t->len, lx->src + t->off);
			return false;
		}
		key = xstrndup(lx->src + t->off, t->len);
	} else {
		fail_expected(lx, "a property name");
		return false;
	}
	p->steps = grow(p->steps, p->n, sizeof *p->steps);
	p->steps[p->n++] = (pstep){.key = key};
	return plex_next(lx) == 0;
}

/* type ':' name ( '.' name | '[' int ']' | '[' '*' ']' )* */
static bool parse_path(plex *lx, ppath *p)
{
	const ptok *t = &lx->tok;
	if (t->kind != TK_IDENT) {
		fail_expected(lx, "an object path");
		return false;
	}
	for (size_t i = 0; i < t->len; i++) {
		char c = lx->src[t->off + i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			plex_fail(lx, t->off,
				  "invalid object type '%.*s' (lowercase letters, digits and '-')",
				  (int)t->len, lx->src + t->off);
			return false;
		}
	}
	p->type = xstrndup(lx->src + t->off, t->len);
	if (plex_next(lx) || !expect(lx, TK_COLON, "':' after the object type") ||
	    !parse_name(lx, p))
		return false;
	for (;;) {
		if (t->kind == TK_DOT) {
			if (plex_next(lx) || !parse_name(lx, p))
				return false;
		} else if (t->kind == TK_LBRACK) {
			if (plex_next(lx))
				return false;
			pstep step = {.star = t->kind == TK_STAR, .index = t->i};
			if (t->kind != TK_STAR && t->kind != TK_INT) {
				fail_expected(lx, "a list index or '*'");
				return false;
			}
			if (plex_next(lx) || !expect(lx, TK_RBRACK, "']' after the list index"))
				return false;
			p->steps = grow(p->steps, p->n, sizeof *p->steps);
			p->steps[p->n++] = step;
		} else {
			return true;
		}
	}
}

/* Compile the pattern of MATCHES once, to refuse what PCRE2 refuses. */
static bool check_regex(plex *lx, size_t off, const plit *l)
{
	int code;
	PCRE2_SIZE at;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)l->s, l->len, PCRE2_UTF, &code, &at, NULL);
	if (re) {
		pcre2_code_free(re);
		return true;
	}
	PCRE2_UCHAR msg[160];
	pcre2_get_error_message(code, msg, sizeof msg);
	plex_fail(lx, off, "invalid regular expression: %s (at offset %zu of the regex)",
		  (const char *)msg, (size_t)at);
	return false;
}

/* path NOT? operator literal, once the path is parsed into n. */
static bool parse_test(plex *lx, pnode *n)
{
	if (lx->tok.kind == TK_NOT) {
		n->negated = true;
		if (plex_next(lx))
			return false;
	}
	static const struct {
		ptok_kind tok;
		pop op;
	} ops[] = {
	    {TK_EQ, OP_EQ},
	    {TK_NEQ, OP_NEQ},
	    {TK_LT, OP_LT},
	    {TK_LE, OP_LE},
	    {TK_GT, OP_GT},
	    {TK_GE, OP_GE},
	    {TK_IN, OP_IN},
	    {TK_LIKE, OP_LIKE},
	    {TK_MATCHES, OP_MATCHES},
	    {TK_ISSUBSET, OP_ISSUBSET},
	    {TK_ISSUPERSET, OP_ISSUPERSET},
	};
	size_t i = 0;
	while (i < sizeof ops / sizeof ops[0] && ops[i].tok != lx->tok.kind)
		i++;
	if (i == sizeof ops / sizeof ops[0]) {
		fail_expected(lx, "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, "
				  "MATCHES, ISSUBSET, ISSUPERSET)");
		return false;
	}
	n->op = ops[i].op;
	if (plex_next(lx))
		return false;
	switch (n->op) {
	case OP_EQ:
	case OP_NEQ: return parse_literal(lx, &n->value, false);
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE: return parse_literal(lx, &n->value, true);
	case OP_IN: return parse_list(lx, &n->value);
	default: break;
	}
	if (lx->tok.kind != TK_STRING) {
		char what[64];
		snprintf(what, sizeof what, "a string after %s", pattern_op_name(n->op));
		fail_expected(lx, what);
		return false;
	}
	size_t off = lx->tok.off;
	if (!parse_literal(lx, &n->value, false))
		return false;
	return n->op != OP_MATCHES || check_regex(lx, off, &n->value);
}

/* Fail if one more level of brackets or parentheses is too many. */
static bool depth_ok(plex *lx, int depth)
{
	if (depth < PATTERN_MAX_DEPTH)
		return true;
	plex_fail(lx, lx->tok.off, "brackets and parentheses nested deeper than %d",
		  PATTERN_MAX_DEPTH);
	return false;
}

/* '(' inner close, as a PN_OBSERVATION or PN_GROUP node. */
static pnode *parse_nested(plex *lx, int depth, pnode_kind kind, parse_fn inner, ptok_kind close,
			   const char *what)
{
	if (!depth_ok(lx, depth))
		return NULL;
	pnode *n = node_new(kind, lx->tok.off + 1);
	pnode *kid = plex_next(lx) ? NULL : inner(lx, depth + 1);
	if (!kid) {
		node_free(n);
		return NULL;
	}
	node_push(n, kid);
	if (!expect(lx, close, what)) {
		node_free(n);
		return NULL;
	}
	return n;
}

static pnode *parse_cmp(plex *lx, int depth)
{
	if (lx->tok.kind == TK_LPAREN)
		return parse_nested(lx, depth, PN_GROUP, parse_cmp_or, TK_RPAREN, "')'");
	pnode *n = node_new(PN_COMPARISON, lx->tok.off + 1);
	bool ok;
	if (lx->tok.kind == TK_EXISTS) {
		n->kind = PN_EXISTS;
		ok = plex_next(lx) == 0 && parse_path(lx, &n->path);
	} else if (lx->tok.kind == TK_IDENT) {
		ok = parse_path(lx, &n->path) && parse_test(lx, n);
	} else {
		fail_expected(lx, "an object path, EXISTS or '('");
		ok = false;
	}
	if (!ok) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* first (op next)*: one n-ary node of the given kind if op occurs. */
static pnode *parse_chain(plex *lx, int depth, parse_fn sub, ptok_kind op, pnode_kind kind)
{
	pnode *first = sub(lx, depth);
	if (!first || lx->tok.kind != op)
		return first;
	pnode *n = node_new(kind, first->col);
	node_push(n, first);
	while (lx->tok.kind == op) {
		pnode *kid = plex_next(lx) ? NULL : sub(lx, depth);
		if (!kid) {
			node_free(n);
			return NULL;
		}
		node_push(n, kid);
	}
	return n;
}

static pnode *parse_cmp_and(plex *lx, int depth)
{
	return parse_chain(lx, depth, parse_cmp, TK_AND, PN_AND);
}

static pnode *parse_cmp_or(plex *lx, int depth)
{
	return parse_chain(lx, depth, parse_cmp_and, TK_OR, PN_OR);
}

/* A positive number token for WITHIN or REPEATS, as a literal. */
static bool parse_count(plex *lx, plit *l, bool allow_float, const char *what)
{
	const ptok *t = &lx->tok;
	bool num = t->kind == TK_INT || (allow_float && t->kind == TK_FLOAT);
	if (!num || (t->kind == TK_INT ? t->i <= 0 : t->f <= 0)) {
		fail_expected(lx, what);
		return false;
	}
	return parse_literal(lx, l, true);
}

static bool parse_qualifier(plex *lx, pnode *n)
{
	n->quals = grow(n->quals, n->nquals, sizeof *n->quals);
	pqual *q = &n->quals[n->nquals++];
	memset(q, 0, sizeof *q);
	ptok_kind k = lx->tok.kind;
	if (plex_next(lx))
		return false;
	if (k == TK_WITHIN) {
		q->kind = PQ_WITHIN;
		return parse_count(lx, &q->a, true, "a positive number of seconds after WITHIN") &&
		       expect(lx, TK_SECONDS, "SECONDS");
	}
	if (k == TK_REPEATS) {
		q->kind = PQ_REPEATS;
		return parse_count(lx, &q->a, false, "a positive integer after REPEATS") &&
		       expect(lx, TK_TIMES, "TIMES");
	}
	q->kind = PQ_STARTSTOP;
	if (lx->tok.kind != TK_TIMESTAMP) {
		fail_expected(lx, "a timestamp t'...' after START");
		return false;
	}
	if (!parse_literal(lx, &q->a, true) || !expect(lx, TK_STOP, "STOP"))
		return false;
	if (lx->tok.kind != TK_TIMESTAMP) {
		fail_expected(lx, "a timestamp t'...' after STOP");
		return false;
	}
	size_t off = lx->tok.off;
	if (!parse_literal(lx, &q->b, true))
		return false;
	if (q->b.t <= q->a.t) {
		plex_fail(lx, off, "STOP must be later than START");
		return false;
	}
	return true;
}

static pnode *parse_obs(plex *lx, int depth)
{
	pnode *n;
	if (lx->tok.kind == TK_LBRACK)
		n = parse_nested(lx, depth, PN_OBSERVATION, parse_cmp_or, TK_RBRACK, "']'");
	else if (lx->tok.kind == TK_LPAREN)
		n = parse_nested(lx, depth, PN_GROUP, parse_obs_fby, TK_RPAREN, "')'");
	else
		return fail_expected(lx, "'[' or '('");
	while (n && (lx->tok.kind == TK_WITHIN || lx->tok.kind == TK_REPEATS ||
		     lx->tok.kind == TK_START)) {
		if (!parse_qualifier(lx, n)) {
			node_free(n);
			return NULL;
		}
	}
	return n;
}

static pnode *parse_obs_and(plex *lx, int depth)
{
	return parse_chain(lx, depth, parse_obs, TK_AND, PN_AND);
}

static pnode *parse_obs_or(plex *lx, int depth)
{
	return parse_chain(lx, depth, parse_obs_and, TK_OR, PN_OR);
}

static pnode *parse_obs_fby(plex *lx, int depth)
{
	return parse_chain(lx, depth, parse_obs_or, TK_FOLLOWEDBY, PN_FOLLOWEDBY);
}

int stix_pattern_parse(const char *src, size_t len, stix_pattern **out, sol_err *err)
{
	*out = NULL;
	if (len > STIX_PATTERN_MAX) {
		char where[32]; /* the first byte past the cap */
		snprintf(where, sizeof where, "column %d", STIX_PATTERN_MAX + 1);
		return sol_fail(err, SOL_ETOOBIG, where, "pattern longer than %d bytes",
				STIX_PATTERN_MAX);
	}
	plex lx;
	if (plex_init(&lx, src, len, err))
		return SOL_EPARSE;
	pnode *root = parse_obs_fby(&lx, 0);
	if (!root)
		return SOL_EPARSE;
	if (lx.tok.kind != TK_END) {
		node_free(root);
		fail_expected(&lx, "end of pattern");
		return SOL_EPARSE;
	}
	*out = xmalloc(sizeof **out);
	(*out)->root = root;
	return 0;
}

void stix_pattern_free(stix_pattern *p)
{
	if (!p)
		return;
	node_free(p->root);
	free(p);
}
