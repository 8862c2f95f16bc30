/*
 * object_int.h - what object.c (common properties) and types.c (the table
 * of STIX 2.1 types and their own rules) share: the checking context, the
 * property checkers and the reference rules.
 *
 * Every checker looks up one property of c->obj, returns 0 when it is
 * absent-and-optional or valid, and otherwise fails through stix_chk_fail
 * with where = "<c->where>.<prop>". Values handed back (strings) are
 * borrowed from c->obj.
 */
#ifndef SOL_STIX_OBJECT_INT_H
#define SOL_STIX_OBJECT_INT_H

#include <string.h>

#include "stix/stix.h"

#define STIX_PROPERTY_MAX 250 /* longest property name (section 3.1) */

typedef struct stix_chk {
	const json_t *obj; /* the JSON object under check */
	const char *where; /* its JSON path, "$.objects[3]" */
	stix_meta *meta;   /* filled as properties are checked */
	sol_err *err;      /* receives the first failure */
} stix_chk;

/* One type STIX 2.1 defines: its category, required properties and rules. */
typedef struct stix_type {
	const char *name;          /* "indicator" */
	stix_category category;    /* SDO, SRO, SCO or META */
	const char *required[7];   /* properties that must be present, NULL-ended */
	int (*check)(stix_chk *c); /* type-specific rules, NULL if none */
} stix_type;

/* The STIX 2.1 definition of type name[0..len), or NULL (a custom type). */
const stix_type *stix_type_find(const char *name, size_t len);
/* The category of a type name: STIX_CUSTOM for types STIX does not define. */
stix_category stix_type_category(const char *name, size_t len);
/* 3..250 characters of a-z, 0-9 and '-', no '-' at either end nor "--". */
bool stix_type_name_valid(const char *name, size_t len);
/* Length of the type part if id is "<type>--<uuid>", else 0. */
size_t stix_id_type_len(const char *id);

/* Which objects a reference may point at. */
typedef struct stix_ref_rule {
	unsigned cats;        /* allowed categories, bit (1u << stix_category) */
	const char *types[3]; /* or one of these types; NULL-terminated */
	const char *what;     /* for messages: "an identity" */
} stix_ref_rule;

#define STIX_CAT(c) (1u << (c))

extern const stix_ref_rule stix_ref_any;        /* any STIX object */
extern const stix_ref_rule stix_ref_identity;   /* identity */
extern const stix_ref_rule stix_ref_marking;    /* marking-definition */
extern const stix_ref_rule stix_ref_sdo;        /* SDO or custom object */
extern const stix_ref_rule stix_ref_observable; /* SCO, SRO or custom object */

/* SOL_EINVALID at "<c->where>.<prop>" with a formatted message. */
int stix_chk_fail(stix_chk *c, const char *prop, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A string; *out is NULL when absent. Required strings must be non-empty. */
int stix_chk_string(stix_chk *c, const char *prop, bool required, const char **out);
int stix_chk_bool(stix_chk *c, const char *prop, bool required, bool *out);
/* An integer in lo..hi; *out untouched when absent. */
int stix_chk_int(stix_chk *c, const char *prop, bool required, json_int_t lo, json_int_t hi,
		 json_int_t *out);
/* A STIX timestamp; *out is SOL_TIME_NONE when absent. */
int stix_chk_time(stix_chk *c, const char *prop, bool required, sol_time *out);
/*
 * Timestamps `first` <= `second` (< when strict), either may be
 * SOL_TIME_NONE (no check); the failure names `second`.
 */
int stix_chk_order(stix_chk *c, const char *first, sol_time a, const char *second, sol_time b,
		   bool strict);
/* An identifier allowed by rule. */
int stix_chk_ref(stix_chk *c, const char *prop, bool required, const stix_ref_rule *rule);
/* A non-empty array of identifiers allowed by rule. */
int stix_chk_refs(stix_chk *c, const char *prop, bool required, const stix_ref_rule *rule);
/* A non-empty array of strings. */
int stix_chk_strings(stix_chk *c, const char *prop, bool required);
/* A hashes dictionary: known algorithms must be hex of the right length. */
int stix_chk_hashes(stix_chk *c, const char *prop, bool required);
/* True if obj has property prop. */
bool stix_chk_has(const stix_chk *c, const char *prop);

/*
 * stix_object_load for bytes that sit at line:col of a larger document
 * (the bundle reader): errors name that document's line and column,
 * after "<where>:" when where is not empty.
 */
json_t *stix_object_load_at(const char *data, size_t len, const char *where, long line, long col,
			    sol_err *err);

/*
 * Word-at-a-time byte tests for the bundle scanner (bundle.c), which
 * skips long strings 8 bytes per step: each returns x's bytes that
 * are in the class as their high bit. A borrow may also flag bytes above
 * the lowest true one, so only "is any byte flagged" is exact; callers
 * skip unflagged words and look at a flagged one byte by byte.
 */
#define STIX_SWAR_ONES 0x0101010101010101ull
#define STIX_SWAR_HIGHS 0x8080808080808080ull

static inline uint64_t stix_swar_load(const unsigned char *p)
{
	uint64_t x;
	memcpy(&x, p, sizeof x);
	return x;
}

/* Bytes equal to c. */
static inline uint64_t stix_swar_eq(uint64_t x, unsigned char c)
{
	uint64_t y = x ^ (STIX_SWAR_ONES * c);
	return (y - STIX_SWAR_ONES) & ~y & STIX_SWAR_HIGHS;
}

#endif
