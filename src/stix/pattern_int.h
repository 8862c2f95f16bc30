/*
 * pattern_int.h - what the pattern files share and nobody else may call:
 * the tokens of the lexer (pattern_lex.c), the parse tree built by the
 * parser (pattern_parse.c), printed by pattern.c and searched for line-
 * matchable values by pattern_atoms.c.
 *
 * The tree. A pattern is a tree of pnode. Chains of one operator are kept
 * n-ary (`A OR B OR C` is one PN_OR with three operands) and every
 * parenthesis is a PN_GROUP node, so the depth of the tree is bounded by
 * the nesting of brackets and parentheses, which the parser caps at
 * PATTERN_MAX_DEPTH: everything that walks the tree may recurse. The
 * levels never mix: above a PN_OBSERVATION (`[...]`) the operands of
 * FOLLOWEDBY/OR/AND and groups are observation expressions; below it they
 * are comparison expressions, whose leaves are PN_COMPARISON and PN_EXISTS.
 *
 * Ownership: a stix_pattern owns its root, every node owns its operands,
 * qualifiers, path and literal, and every string in them.
 */
#ifndef SOL_STIX_PATTERN_INT_H
#define SOL_STIX_PATTERN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "stix/stix.h"

#define PATTERN_MAX_DEPTH 256 /* nested brackets and parentheses we accept */

/* ---- tokens (pattern_lex.c) ----------------------------------------- */

typedef enum ptok_kind {
	TK_END, /* end of the pattern */
	TK_LBRACK,
	TK_RBRACK,
	TK_LPAREN,
	TK_RPAREN,
	TK_COMMA,
	TK_COLON,
	TK_DOT,
	TK_STAR,
	TK_EQ,  /* = or == */
	TK_NEQ, /* != or <> */
	TK_LT,
	TK_LE,
	TK_GT,
	TK_GE,
	TK_INT,       /* [+-]?(0|[1-9][0-9]*) */
	TK_FLOAT,     /* [+-]?[0-9]*.[0-9]+ */
	TK_STRING,    /* '...' with \' and \\ escapes */
	TK_BINARY,    /* b'base64' */
	TK_HEX,       /* h'hex' */
	TK_TIMESTAMP, /* t'YYYY-MM-DDTHH:MM:SS[.s]Z' */
	TK_BOOL,      /* true, false (any case) */
	TK_IDENT,     /* [A-Za-z_][A-Za-z0-9_-]*, not a keyword */
	/* keywords, uppercase only, in the order of ptok_keywords[] */
	TK_AND,
	TK_OR,
	TK_NOT,
	TK_FOLLOWEDBY,
	TK_LIKE,
	TK_MATCHES,
	TK_ISSUBSET,
	TK_ISSUPERSET,
	TK_IN,
	TK_EXISTS,
	TK_START,
	TK_STOP,
	TK_WITHIN,
	TK_SECONDS,
	TK_REPEATS,
	TK_TIMES,
} ptok_kind;

#define TK_FIRST_KEYWORD TK_AND
#define TK_LAST_KEYWORD TK_TIMES

typedef struct ptok {
	ptok_kind kind; /* what it is */
	size_t off;     /* offset of its first byte in the source */
	size_t len;     /* bytes of source it spans, quotes and prefix included */
	int64_t i;      /* TK_INT: value; TK_BOOL: 0 or 1 */
	double f;       /* TK_FLOAT: value */
	sol_time t;     /* TK_TIMESTAMP: value */
} ptok;

/* A lexer over src[0..len); tok is the current token, read by plex_next. */
typedef struct plex {
	const char *src; /* the pattern, not NUL-terminated */
	size_t len;      /* its length, at most STIX_PATTERN_MAX */
	size_t pos;      /* offset of the next unread byte */
	ptok tok;        /* the current token */
	sol_err *err;    /* where errors go; may be NULL */
} plex;

/* Start lexing src[0..len) and read the first token. 0 or SOL_EPARSE. */
int plex_init(plex *lx, const char *src, size_t len, sol_err *err);
/* Read the next token into lx->tok. 0 or SOL_EPARSE (err says where). */
int plex_next(plex *lx);
/* The keyword spelled s[0..n) exactly, or TK_END if it is none. */
ptok_kind plex_keyword(const char *s, size_t n);
/* Decode the string literal tok (quotes and escapes, already checked by
 * the lexer) into a new NUL-terminated string; *n gets its length. */
char *plex_string(const plex *lx, const ptok *tok, size_t *n);
/* Fail with SOL_EPARSE at column off+1: "column N" and the message. */
int plex_fail(const plex *lx, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the tree (pattern_parse.c) ------------------------------------- */

typedef enum plit_kind {
	PL_INT,
	PL_FLOAT,
	PL_STRING,
	PL_BINARY,
	PL_HEX,
	PL_TIMESTAMP,
	PL_BOOL,
	PL_LIST,
} plit_kind;

typedef struct plit {
	plit_kind kind;     /* which of the fields below hold the value */
	int64_t i;          /* PL_INT; PL_BOOL (0 or 1) */
	double f;           /* PL_FLOAT */
	sol_time t;         /* PL_TIMESTAMP */
	char *s;            /* STRING: decoded; FLOAT: digits as written, no '+';
			       BINARY, TIMESTAMP: text inside the quotes; HEX:
			       the same, lowercased; NULL for the others */
	size_t len;         /* bytes in s */
	struct plit *items; /* PL_LIST: the members (never lists themselves) */
	size_t nitems;      /* PL_LIST: how many */
} plit;

typedef struct pstep {
	char *key;     /* property name (decoded if it was quoted); NULL for [i] */
	int64_t index; /* [i] when key is NULL and !star */
	bool star;     /* [*] */
} pstep;

typedef struct ppath {
	char *type;   /* object type, [a-z0-9-]+ ("x-usb-device") */
	pstep *steps; /* first component, then .key, [i] and [*] steps */
	size_t n;     /* how many steps, at least one */
} ppath;

typedef enum pqual_kind { PQ_WITHIN, PQ_REPEATS, PQ_STARTSTOP } pqual_kind;

typedef struct pqual {
	pqual_kind kind; /* which qualifier */
	plit a;          /* WITHIN: seconds (int or float); REPEATS: times (int);
			    START/STOP: the start timestamp */
	plit b;          /* START/STOP: the stop timestamp */
} pqual;

typedef enum pop {
	OP_EQ,
	OP_NEQ,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_IN,
	OP_LIKE,
	OP_MATCHES,
	OP_ISSUBSET,
	OP_ISSUPERSET,
} pop;

typedef enum pnode_kind {
	PN_FOLLOWEDBY,  /* observation level only */
	PN_OR,          /* either level */
	PN_AND,         /* either level */
	PN_OBSERVATION, /* [ comparison expression ] qualifiers... */
	PN_GROUP,       /* ( expression ), with qualifiers at observation level */
	PN_COMPARISON,  /* path [NOT] op value */
	PN_EXISTS,      /* EXISTS path */
} pnode_kind;

typedef struct pnode {
	pnode_kind kind;     /* what the node is */
	size_t col;          /* 1-based column of its first token */
	struct pnode **kids; /* FOLLOWEDBY/OR/AND: the operands (>= 2);
				OBSERVATION/GROUP: the one inner expression */
	size_t nkids;        /* how many */
	pqual *quals;        /* OBSERVATION/GROUP: qualifiers, in order */
	size_t nquals;       /* how many */
	bool negated;        /* COMPARISON: NOT */
	pop op;              /* COMPARISON: the operator */
	ppath path;          /* COMPARISON, EXISTS: the object path */
	plit value;          /* COMPARISON: the literal */
} pnode;

struct stix_pattern {
	pnode *root; /* the observation expression the pattern is */
};

/* The spelling of op in a pattern ("=", "ISSUBSET"). */
const char *pattern_op_name(pop op);
/* Append the pattern text of path to b ("file:hashes.'SHA-256'"). */
void pattern_path_format(const ppath *path, sol_buf *b);

#endif
