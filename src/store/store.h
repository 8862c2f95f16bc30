/*
 * store.h - the one narrow door to the intel database.
 *
 * Everything outside src/store/ reaches the database through these calls,
 * which dispatch through a table of function pointers (SQLite's sqlite3_vfs
 * pattern), so a PostgreSQL backend can be added by writing one more table.
 * Today there is one backend, SQLite (store_sqlite.c), chosen by
 * store_open() for any location that is not a "postgresql://" URI.
 *
 * Model. An object is identified by its STIX id; a version by (id,
 * version), where version is `modified` (or `created`, or 0 for SCOs).
 * Every version is kept; the greatest is current; a revoked current version
 * revokes the object. Putting a version already present with identical
 * canonical bytes is a no-op (STORE_UNCHANGED); with different bytes it is
 * STORE_CONFLICT and the first one is kept. Each stored version gets a
 * date_added that is strictly increasing across the whole store.
 *
 * Ownership: store is _open/_close. Every const char * in a store_row is
 * borrowed and valid only during the callback that receives it. Callbacks
 * return 0 to continue; anything else stops the walk and is returned.
 * A store is used by one thread at a time.
 */
#ifndef SOL_STORE_H
#define SOL_STORE_H

#include "core/core.h"
#include "stix/stix.h"

typedef struct store store;

/* What store_object_put did with a version. */
typedef enum store_put_result {
	STORE_NEW,       /* first version of a new object */
	STORE_UPDATED,   /* a newer version of a known object: now current */
	STORE_OLDER,     /* an older version of a known object: kept, not current */
	STORE_UNCHANGED, /* this exact version was already there */
	STORE_CONFLICT,  /* same (id, version), different content: first kept */
} store_put_result;

/* One version to store; everything is borrowed for the call. */
typedef struct store_object {
	const stix_meta *meta;   /* validated facts: type, id, times, revoked... */
	const char *json;        /* canonical bytes (stix_object_dump) */
	size_t json_len;         /* strlen(json) */
	const char *source;      /* importing source name, e.g. "cert-xx" */
	stix_tlp tlp;            /* effective TLP: meta->tlp or the source default */
	const stix_atoms *atoms; /* indicators: matchable atoms (n may be 0) */
} store_object;

/* One version as read back; borrowed during the callback. */
typedef struct store_row {
	const char *id;           /* STIX id */
	const char *type;         /* STIX type */
	const char *source;       /* source of this version */
	sol_time version;         /* modified/created, the version key */
	sol_time date_added;      /* when this node stored it */
	sol_time valid_until;     /* SOL_TIME_NONE if none */
	stix_tlp tlp;             /* effective TLP */
	int confidence;           /* -1 if absent */
	bool revoked;             /* this version says revoked */
	bool current;             /* this is the object's current version */
	const char *json;         /* canonical STIX serialisation */
	size_t json_len;          /* strlen(json) */
	const char *unmatchable;  /* indicators without atoms: the reason; else NULL */
	const stix_atoms *atoms;  /* indicators: their atoms (reason unset) */
} store_row;

typedef int (*store_row_fn)(void *ctx, const store_row *row);

/* Filters for store_object_list; zero/NULL fields do not filter. */
typedef struct store_filter {
	const char *type;         /* exact STIX type */
	int tlp;                  /* exact stix_tlp, or -1 for any */
	const char *source;       /* exact source name */
	sol_time added_since;     /* date_added >= this; SOL_TIME_NONE for any */
	const char *value;        /* substring of an atom value or of the JSON */
	bool include_revoked;     /* also list revoked objects */
	size_t limit;             /* at most this many rows; 0 = no limit */
} store_filter;

void store_filter_init(store_filter *f);

/* Statistics, one callback per (dimension, key): dimensions are "objects",
 * "versions", "type", "tlp", "source", "revoked", "indicators" (keys
 * "line-matchable", "not line-matchable") and "reason". Current versions
 * only, except "versions". */
typedef int (*store_stat_fn)(void *ctx, const char *dimension, const char *key, int64_t count);

/* A current, non-revoked indicator with its atoms, for compiling the
 * matcher's index; borrowed during the callback. */
typedef struct store_indicator {
	const char *id;          /* "indicator--..." */
	const char *source;      /* source of the current version */
	stix_tlp tlp;            /* effective TLP */
	int confidence;          /* -1 if absent */
	sol_time version;        /* modified of the current version */
	sol_time valid_until;    /* SOL_TIME_NONE if none */
	const stix_atoms *atoms; /* its atoms (n >= 1) */
} store_indicator;

typedef int (*store_indicator_fn)(void *ctx, const store_indicator *ind);

/* The backend table. */
struct store_ops {
	const char *name;
	int (*begin)(store *st, sol_err *err);
	int (*commit)(store *st, sol_err *err);
	void (*rollback)(store *st);
	int (*object_put)(store *st, const store_object *o, store_put_result *res, sol_err *err);
	int (*object_current)(store *st, const char *id, store_row_fn fn, void *ctx, sol_err *err);
	int (*object_versions)(store *st, const char *id, store_row_fn fn, void *ctx,
			       sol_err *err);
	int (*object_list)(store *st, const store_filter *f, store_row_fn fn, void *ctx,
			   sol_err *err);
	int (*stats)(store *st, store_stat_fn fn, void *ctx, sol_err *err);
	int64_t (*size_bytes)(store *st);
	void (*close)(store *st);
	int (*indicators_walk)(store *st, store_indicator_fn fn, void *ctx, sol_err *err);
	int (*setting_get)(store *st, const char *key, char **value, sol_err *err);
	int (*setting_set)(store *st, const char *key, const char *value, sol_err *err);
};

struct store {
	const struct store_ops *ops; /* backend */
	char *location;              /* path or URI it was opened with */
};

/*
 * Open (creating and migrating as needed) the store at `location`: a
 * SQLite file path. Returns 0 and *out, or SOL_EDB/SOL_EIO with err.
 */
int store_open(const char *location, store **out, sol_err *err);
void store_close(store *st);

/* Transactions: an import is one transaction; nothing is visible or kept
 * until commit, and rollback leaves the store as it was. */
static inline int store_begin(store *st, sol_err *err) { return st->ops->begin(st, err); }
static inline int store_commit(store *st, sol_err *err) { return st->ops->commit(st, err); }
static inline void store_rollback(store *st) { st->ops->rollback(st); }

/* Store one version (see the model above); *res says what happened. */
static inline int store_object_put(store *st, const store_object *o, store_put_result *res,
				   sol_err *err)
{
	return st->ops->object_put(st, o, res, err);
}

/* The current version of id: fn called once; SOL_ENOTFOUND if unknown. */
static inline int store_object_current(store *st, const char *id, store_row_fn fn, void *ctx,
				       sol_err *err)
{
	return st->ops->object_current(st, id, fn, ctx, err);
}

/* Every version of id, oldest first; SOL_ENOTFOUND if unknown. */
static inline int store_object_versions(store *st, const char *id, store_row_fn fn, void *ctx,
					sol_err *err)
{
	return st->ops->object_versions(st, id, fn, ctx, err);
}

/* Current versions matching f, in date_added order. */
static inline int store_object_list(store *st, const store_filter *f, store_row_fn fn, void *ctx,
				    sol_err *err)
{
	return st->ops->object_list(st, f, fn, ctx, err);
}

static inline int store_stats(store *st, store_stat_fn fn, void *ctx, sol_err *err)
{
	return st->ops->stats(st, fn, ctx, err);
}

/* Bytes the store occupies on disk (database plus WAL). */
static inline int64_t store_size_bytes(store *st) { return st->ops->size_bytes(st); }

/* Every current, non-revoked indicator that has atoms, in id order. */
static inline int store_indicators_walk(store *st, store_indicator_fn fn, void *ctx, sol_err *err)
{
	return st->ops->indicators_walk(st, fn, ctx, err);
}

/* Node settings (this node's identity, ...): *value is the caller's to
 * free; SOL_ENOTFOUND if the key was never set. */
static inline int store_setting_get(store *st, const char *key, char **value, sol_err *err)
{
	return st->ops->setting_get(st, key, value, err);
}

static inline int store_setting_set(store *st, const char *key, const char *value, sol_err *err)
{
	return st->ops->setting_set(st, key, value, err);
}

const char *store_put_result_name(store_put_result r); /* "new", "updated", ... */

#endif
