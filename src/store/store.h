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
	const stix_meta *meta;             /* validated facts: type, id, times, revoked... */
	const char *json;                  /* canonical bytes (stix_object_dump) */
	size_t json_len;                   /* strlen(json) */
	const char *source;                /* importing source name, e.g. "cert-xx" */
	stix_tlp tlp;                      /* effective TLP: meta->tlp or the source default */
	const stix_atoms *atoms;           /* indicators: matchable atoms (n may be 0) */
	bool if_absent;                    /* only if the id is new: a known id, whatever
					    * its versions, is STORE_UNCHANGED untouched */
	const struct store_packed *packed; /* json as the backend keeps it, made
					    * ahead by store_packer_pack; NULL:
					    * the put makes it */
} store_object;

/*
 * Packing ahead. The CPU of a put that needs no database (compressing the
 * body) may run before it, on another thread: that thread makes its own
 * packer (store_packer_new; _free), packs each version with
 * store_packer_pack and hands the result to the put as
 * store_object.packed. A packer is used by one thread; the store may be
 * used by another meanwhile. out->body is valid until the packer's next
 * call.
 */
typedef struct store_packer store_packer;

typedef struct store_packed {
	const void *body; /* the bytes the backend stores for the JSON */
	size_t len;       /* bytes at body */
	int codec;        /* the backend's format of body */
} store_packed;

/* One version as read back; borrowed during the callback. */
typedef struct store_row {
	const char *id;          /* STIX id */
	const char *type;        /* STIX type */
	const char *source;      /* source of this version */
	sol_time version;        /* modified/created, the version key */
	sol_time date_added;     /* when this node stored it */
	sol_time valid_until;    /* SOL_TIME_NONE if none */
	stix_tlp tlp;            /* effective TLP */
	int confidence;          /* -1 if absent */
	bool revoked;            /* this version says revoked */
	bool current;            /* this is the object's current version */
	const char *json;        /* canonical STIX serialisation */
	size_t json_len;         /* strlen(json) */
	const char *unmatchable; /* indicators without atoms: the reason; else NULL */
	const stix_atoms *atoms; /* indicators: their atoms (reason unset) */
} store_row;

typedef int (*store_row_fn)(void *ctx, const store_row *row);

/* Filters for store_object_list; zero/NULL fields do not filter. */
typedef struct store_filter {
	const char *type;     /* exact STIX type */
	int tlp;              /* exact stix_tlp, or -1 for any */
	const char *source;   /* exact source name */
	sol_time added_since; /* date_added >= this; SOL_TIME_NONE for any */
	const char *value;    /* substring of an atom value or of the JSON */
	bool include_revoked; /* also list revoked objects */
	size_t limit;         /* at most this many rows; 0 = no limit */
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

/* The indicator a row of an indicator version describes (borrows row's
 * strings and atoms). */
static inline store_indicator store_row_indicator(const store_row *row)
{
	return (store_indicator){.id = row->id,
				 .source = row->source,
				 .tlp = row->tlp,
				 .confidence = row->confidence,
				 .version = row->version,
				 .valid_until = row->valid_until,
				 .atoms = row->atoms};
}

/*
 * TAXII state: the node's partners and the TAXII collections it serves
 * them (server side), RED distribution lists, POST status resources, and
 * the peers it pulls from and pushes to (client side). Names and ids are
 * borrowed for the call; strings in the structs handed to callbacks are
 * borrowed during the callback. A write op outside begin/commit is a
 * transaction of its own; inside one, it is part of the caller's.
 */
#define STORE_PARTNER_NAME_MAX 64    /* partner and peer names: [A-Za-z0-9._-]{1,64} */
#define STORE_KEY_TEXT_MAX 48        /* "sol_" + 43 base64url chars + NUL */
#define STORE_TITLE_MAX 256          /* collection title, bytes */
#define STORE_DESCRIPTION_MAX 4096   /* collection description, bytes */
#define STORE_MATCH_MAX 256          /* values in one match[...] filter */
#define STORE_STATUS_MESSAGE_MAX 512 /* bytes of one status entry's message */

/* A partner: an identity allowed to authenticate to our TAXII server. */
typedef struct store_partner {
	const char *name; /* [A-Za-z0-9._-]{1,64} */
	sol_time created; /* when it was added */
	sol_time rotated; /* when its current key was made */
} store_partner;

typedef int (*store_partner_fn)(void *ctx, const store_partner *p);

/* A TAXII collection. */
typedef struct store_collection {
	const char *id;          /* UUID, lowercase */
	const char *title;       /* non-empty, < STORE_TITLE_MAX bytes */
	const char *description; /* "" if none; < STORE_DESCRIPTION_MAX bytes */
	sol_time created;        /* when it was added (ignored by collection_add) */
} store_collection;

typedef int (*store_collection_fn)(void *ctx, const store_collection *c);

/* What a partner may do with a collection. */
typedef struct store_grant {
	const char *collection; /* collection id */
	const char *partner;    /* partner name */
	bool read;              /* may GET objects, manifest, versions */
	bool write;             /* may POST and DELETE objects */
	bool amber;             /* may receive TLP:AMBER and AMBER+STRICT (policy.h) */
} store_grant;

typedef int (*store_grant_fn)(void *ctx, const store_grant *g);
typedef int (*store_name_fn)(void *ctx, const char *name);

/* TAXII match[version]: any combination of first, last and explicit
 * versions (OR); all overrides the rest; nothing set means last. */
typedef struct store_version_match {
	bool first;         /* the oldest version in the collection */
	bool last;          /* the newest version in the collection */
	bool all;           /* every version */
	const sol_time *at; /* these exact versions */
	size_t n_at;        /* how many at (<= STORE_MATCH_MAX) */
} store_version_match;

/* One object version in a collection, as the TAXII server reads it. */
typedef struct store_member {
	const store_row *row;      /* the version (row->date_added is the store's) */
	sol_time date_added;       /* when it joined this collection */
	const char *const *red_to; /* effective TLP:RED: partners named on its
				    * distribution list; NULL otherwise */
	size_t n_red_to;           /* how many red_to */
} store_member;

typedef int (*store_member_fn)(void *ctx, const store_member *m);
/* May the requesting partner see m? Asked before a row counts toward the
 * limit, so hidden rows never count, never show, never set `more`. */
typedef bool (*store_member_visible_fn)(void *ctx, const store_member *m);

/* TAXII filters for collection_objects; store_member_filter_init sets
 * "no filter" everywhere (and version last). */
typedef struct store_member_filter {
	sol_time added_after;             /* exclusive; SOL_TIME_NONE for any */
	const char *const *ids;           /* match[id]: exact STIX ids */
	size_t n_ids;                     /* 0: any id */
	const char *const *types;         /* match[type]: exact STIX types */
	size_t n_types;                   /* 0: any type */
	store_version_match version;      /* match[version] */
	const char *const *spec_versions; /* match[spec_version]; we hold only "2.1" */
	size_t n_spec_versions;           /* 0: any */
	size_t limit;                     /* at most this many rows; 0 = no limit */
	store_member_visible_fn visible;  /* audience check; NULL shows every row */
	void *visible_ctx;                /* its context */
} store_member_filter;

void store_member_filter_init(store_member_filter *f);

/* One object of a POST, as its status resource reports it. */
typedef enum store_status_result {
	STORE_STATUS_PENDING,
	STORE_STATUS_SUCCESS,
	STORE_STATUS_FAILURE,
} store_status_result;

typedef struct store_status_entry {
	const char *id;             /* STIX id */
	sol_time version;           /* its version; SOL_TIME_NONE if unknown */
	store_status_result result; /* what happened */
	const char *message;        /* why (failures); NULL if none */
} store_status_entry;

/* How we authenticate to a peer's TAXII server. */
typedef enum store_auth {
	STORE_AUTH_NONE,  /* no credentials */
	STORE_AUTH_KEY,   /* Authorization: Bearer <key> */
	STORE_AUTH_BASIC, /* HTTP Basic user:password */
} store_auth;

/* A peer: a partner's TAXII server we pull from and push to. */
typedef struct store_peer {
	const char *name;       /* [A-Za-z0-9._-]{1,64} */
	const char *url;        /* API root or discovery URL, as given */
	const char *api_root;   /* chosen API root URL; NULL: url is the API root */
	const char *collection; /* collection id; NULL: every readable collection */
	store_auth auth;        /* which of the fields below is used */
	const char *key;        /* STORE_AUTH_KEY: the key, as given */
	const char *user;       /* STORE_AUTH_BASIC: user name */
	const char *password;   /* STORE_AUTH_BASIC: password, as given */
	sol_time created;       /* when it was added (ignored by peer_add) */
} store_peer;

typedef int (*store_peer_fn)(void *ctx, const store_peer *p);

/* What an export made for (collection, partner) depends on in the store;
 * equal generations mean the export's input did not change. */
typedef struct store_generation {
	sol_time last_added; /* greatest date_added of any version or member of the
			      * collection; 0 if none */
	int64_t members;     /* object versions in the collection */
	uint64_t red;        /* hash of the objects on the partner's distribution lists */
} store_generation;

/* The backend table. */
struct store_ops {
	const char *name;
	int (*begin)(store *st, sol_err *err);
	int (*commit)(store *st, sol_err *err);
	void (*rollback)(store *st);
	int (*read_begin)(store *st, sol_err *err);
	void (*read_end)(store *st);
	int (*cache_set)(store *st, int64_t kib, int64_t mmap_bytes, sol_err *err);
	int (*object_put)(store *st, const store_object *o, store_put_result *res, sol_err *err);
	store_packer *(*packer_new)(store *st);
	void (*packer_free)(store_packer *pk);
	int (*pack)(store_packer *pk, const store_object *o, store_packed *out, sol_err *err);
	int (*object_current)(store *st, const char *id, store_row_fn fn, void *ctx, sol_err *err);
	int (*object_versions)(store *st, const char *id, store_row_fn fn, void *ctx, sol_err *err);
	int (*object_list)(store *st, const store_filter *f, store_row_fn fn, void *ctx,
			   sol_err *err);
	int (*stats)(store *st, store_stat_fn fn, void *ctx, sol_err *err);
	int64_t (*size_bytes)(store *st);
	void (*close)(store *st);
	int (*indicators_walk)(store *st, store_indicator_fn fn, void *ctx, sol_err *err);
	int (*setting_get)(store *st, const char *key, char **value, sol_err *err);
	int (*setting_set)(store *st, const char *key, const char *value, sol_err *err);
	/* TAXII state (store_sqlite_taxii.c); see "TAXII state" below. */
	int (*partner_add)(store *st, const char *name, char key[STORE_KEY_TEXT_MAX], sol_err *err);
	int (*partner_remove)(store *st, const char *name, sol_err *err);
	int (*partner_rotate_key)(store *st, const char *name, char key[STORE_KEY_TEXT_MAX],
				  sol_err *err);
	int (*partner_list)(store *st, store_partner_fn fn, void *ctx, sol_err *err);
	int (*partner_auth)(store *st, const char *key, char name[STORE_PARTNER_NAME_MAX + 1],
			    sol_err *err);
	int (*partner_auth_basic)(store *st, const char *name, const char *password, sol_err *err);
	int (*collection_add)(store *st, const store_collection *c, char id[37], sol_err *err);
	int (*collection_list)(store *st, store_collection_fn fn, void *ctx, sol_err *err);
	int (*collection_get)(store *st, const char *id, store_collection_fn fn, void *ctx,
			      sol_err *err);
	int (*collection_remove)(store *st, const char *id, sol_err *err);
	int (*grant_set)(store *st, const store_grant *g, sol_err *err);
	int (*grant_revoke)(store *st, const char *collection, const char *partner, sol_err *err);
	int (*grant_list)(store *st, const char *collection, const char *partner, store_grant_fn fn,
			  void *ctx, sol_err *err);
	int (*grant_get)(store *st, const char *collection, const char *partner, store_grant *out,
			 sol_err *err);
	int (*collection_object_add)(store *st, const char *collection, const char *id,
				     sol_time version, sol_time *date_added, sol_err *err);
	int (*collection_objects)(store *st, const char *collection, const store_member_filter *f,
				  store_member_fn fn, void *ctx, bool *more, sol_err *err);
	int (*collection_object_remove)(store *st, const char *collection, const char *id,
					const store_version_match *vm, size_t *removed,
					sol_err *err);
	int (*distribution_set)(store *st, const char *id, const char *const *names, size_t n,
				sol_err *err);
	int (*distribution_get)(store *st, const char *id, store_name_fn fn, void *ctx,
				sol_err *err);
	int (*status_create)(store *st, const char *id, const char *collection, const char *partner,
			     int64_t total, sol_err *err);
	int (*status_update)(store *st, const char *id, const store_status_entry *e, size_t n,
			     sol_err *err);
	int (*status_get)(store *st, const char *id, const char *partner, char **json,
			  sol_err *err);
	int (*peer_add)(store *st, const store_peer *p, sol_err *err);
	int (*peer_get)(store *st, const char *name, store_peer_fn fn, void *ctx, sol_err *err);
	int (*peer_list)(store *st, store_peer_fn fn, void *ctx, sol_err *err);
	int (*peer_remove)(store *st, const char *name, sol_err *err);
	int (*peer_cursor_get)(store *st, const char *peer, const char *collection,
			       sol_time *added_after, char **next, sol_err *err);
	int (*peer_cursor_set)(store *st, const char *peer, const char *collection,
			       sol_time added_after, const char *next, sol_err *err);
	/* Exports (store_sqlite_exports.c). */
	int (*generation_get)(store *st, const char *collection, const char *partner,
			      store_generation *out, sol_err *err);
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
static inline int store_begin(store *st, sol_err *err)
{
	return st->ops->begin(st, err);
}
static inline int store_commit(store *st, sol_err *err)
{
	return st->ops->commit(st, err);
}
static inline void store_rollback(store *st)
{
	st->ops->rollback(st);
}

/* A read transaction: every read between read_begin and read_end sees
 * the same snapshot, and pays for taking it once. Only reads may run in
 * it (no store_begin, no write op); read_end does nothing when none is
 * open. */
static inline int store_read_begin(store *st, sol_err *err)
{
	return st->ops->read_begin(st, err);
}
static inline void store_read_end(store *st)
{
	st->ops->read_end(st);
}

/* Size this connection's memory: a page cache of kib KiB (64 MiB by
 * default, for imports) and up to mmap_bytes of the file read through
 * mmap (0: none; 2 GiB by default), whose pages count in the process's
 * RSS. A server with one connection per thread, whose file the OS caches
 * anyway, takes a few MiB and no mmap. SOL_EINVALID for a cache below
 * 64 KiB or a negative mmap_bytes. */
static inline int store_cache_set(store *st, int64_t kib, int64_t mmap_bytes, sol_err *err)
{
	return st->ops->cache_set(st, kib, mmap_bytes, err);
}

/* Store one version (see the model above); *res says what happened. */
static inline int store_object_put(store *st, const store_object *o, store_put_result *res,
				   sol_err *err)
{
	return st->ops->object_put(st, o, res, err);
}

/* A packer for the calling thread (see "Packing ahead"); never NULL. */
static inline store_packer *store_packer_new(store *st)
{
	return st->ops->packer_new(st);
}

static inline void store_packer_free(store *st, store_packer *pk)
{
	st->ops->packer_free(pk);
}

/* Pack o->json (o->meta->id and o->json are read) into *out. */
static inline int store_packer_pack(store *st, store_packer *pk, const store_object *o,
				    store_packed *out, sol_err *err)
{
	return st->ops->pack(pk, o, out, err);
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
static inline int64_t store_size_bytes(store *st)
{
	return st->ops->size_bytes(st);
}

/* Every current, non-revoked indicator that has atoms, in date_added order. */
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

/* ---- TAXII state: partners ---------------------------------------------- */

/* Add partner `name` ([A-Za-z0-9._-]{1,64}) with a fresh random key,
 * written to key as "sol_<base64url>": shown once, stored only as a keyed
 * hash. SOL_EINVALID for a bad name, SOL_ECONFLICT if it exists. */
static inline int store_partner_add(store *st, const char *name, char key[STORE_KEY_TEXT_MAX],
				    sol_err *err)
{
	return st->ops->partner_add(st, name, key, err);
}

/* Remove a partner with its grants and its places on distribution lists;
 * SOL_ENOTFOUND if unknown. */
static inline int store_partner_remove(store *st, const char *name, sol_err *err)
{
	return st->ops->partner_remove(st, name, err);
}

/* Give a partner a new key (written to key); the old one stops working. */
static inline int store_partner_rotate_key(store *st, const char *name,
					   char key[STORE_KEY_TEXT_MAX], sol_err *err)
{
	return st->ops->partner_rotate_key(st, name, key, err);
}

/* Every partner, by name. */
static inline int store_partner_list(store *st, store_partner_fn fn, void *ctx, sol_err *err)
{
	return st->ops->partner_list(st, fn, ctx, err);
}

/* The partner whose key is `key` (a Bearer token) into name;
 * SOL_ENOTFOUND for any key that is not a current partner key. */
static inline int store_partner_auth(store *st, const char *key,
				     char name[STORE_PARTNER_NAME_MAX + 1], sol_err *err)
{
	return st->ops->partner_auth(st, key, name, err);
}

/* HTTP Basic: 0 if password is the key of partner `name`, else
 * SOL_ENOTFOUND (unknown name and wrong key are not told apart). */
static inline int store_partner_auth_basic(store *st, const char *name, const char *password,
					   sol_err *err)
{
	return st->ops->partner_auth_basic(st, name, password, err);
}

/* ---- TAXII state: collections and grants ---------------------------------- */

/* Add collection c: c->id is a UUID or NULL for a new random one; the id
 * used is written to id. SOL_EINVALID (bad id, empty or long title),
 * SOL_ECONFLICT (id taken). */
static inline int store_collection_add(store *st, const store_collection *c, char id[37],
				       sol_err *err)
{
	return st->ops->collection_add(st, c, id, err);
}

/* Every collection, oldest first. */
static inline int store_collection_list(store *st, store_collection_fn fn, void *ctx, sol_err *err)
{
	return st->ops->collection_list(st, fn, ctx, err);
}

/* Collection id: fn called once; SOL_ENOTFOUND if unknown. */
static inline int store_collection_get(store *st, const char *id, store_collection_fn fn, void *ctx,
				       sol_err *err)
{
	return st->ops->collection_get(st, id, fn, ctx, err);
}

/* Remove a collection, its grants and its membership (not the objects). */
static inline int store_collection_remove(store *st, const char *id, sol_err *err)
{
	return st->ops->collection_remove(st, id, err);
}

/* Create or replace the grant (g->collection, g->partner); SOL_ENOTFOUND
 * if either is unknown. */
static inline int store_grant_set(store *st, const store_grant *g, sol_err *err)
{
	return st->ops->grant_set(st, g, err);
}

/* Remove a grant; SOL_ENOTFOUND if there was none. */
static inline int store_grant_revoke(store *st, const char *collection, const char *partner,
				     sol_err *err)
{
	return st->ops->grant_revoke(st, collection, partner, err);
}

/* Grants, by collection then partner; collection and/or partner NULL for
 * any. */
static inline int store_grant_list(store *st, const char *collection, const char *partner,
				   store_grant_fn fn, void *ctx, sol_err *err)
{
	return st->ops->grant_list(st, collection, partner, fn, ctx, err);
}

/* The grant of partner on collection into *out (its strings are the
 * arguments); SOL_ENOTFOUND if none (no rights at all). */
static inline int store_grant_get(store *st, const char *collection, const char *partner,
				  store_grant *out, sol_err *err)
{
	return st->ops->grant_get(st, collection, partner, out, err);
}

/* ---- TAXII state: collection membership ---------------------------------- */

/* Put version `version` of stored object id into collection; *date_added
 * is its date_added there: max(now, last + 1) in that collection, so
 * strictly increasing. Adding it again changes nothing and gives the
 * first date_added. SOL_ENOTFOUND: no such collection or version. */
static inline int store_collection_object_add(store *st, const char *collection, const char *id,
					      sol_time version, sol_time *date_added, sol_err *err)
{
	return st->ops->collection_object_add(st, collection, id, version, date_added, err);
}

/* The TAXII read: members of collection passing f, in date_added order;
 * f->visible is asked first and hidden rows are skipped as if absent;
 * fn gets at most f->limit rows and *more says whether a further visible
 * row follows. SOL_ENOTFOUND if the collection is unknown, SOL_ETOOBIG
 * for more than STORE_MATCH_MAX values in a filter. */
static inline int store_collection_objects(store *st, const char *collection,
					   const store_member_filter *f, store_member_fn fn,
					   void *ctx, bool *more, sol_err *err)
{
	return st->ops->collection_objects(st, collection, f, fn, ctx, more, err);
}

/* TAXII DELETE: take object id out of collection, the versions matching
 * vm (NULL: all); *removed says how many versions left it. The object
 * stays in the store. SOL_ENOTFOUND if the collection is unknown. */
static inline int store_collection_object_remove(store *st, const char *collection, const char *id,
						 const store_version_match *vm, size_t *removed,
						 sol_err *err)
{
	return st->ops->collection_object_remove(st, collection, id, vm, removed, err);
}

/* ---- TAXII state: RED distribution lists ---------------------------------- */

/* Replace the distribution list of stored object id with names (all known
 * partners; n == 0 empties it). SOL_ENOTFOUND: unknown object or partner. */
static inline int store_distribution_set(store *st, const char *id, const char *const *names,
					 size_t n, sol_err *err)
{
	return st->ops->distribution_set(st, id, names, n, err);
}

/* The partners on id's distribution list, by name (none: no call). */
static inline int store_distribution_get(store *st, const char *id, store_name_fn fn, void *ctx,
					 sol_err *err)
{
	return st->ops->distribution_get(st, id, fn, ctx, err);
}

/* ---- TAXII state: status resources ---------------------------------------- */

/* A new status resource `id` (UUID) for a POST of `total` objects by
 * partner to collection; every object is pending until updated.
 * SOL_ECONFLICT if id exists. */
static inline int store_status_create(store *st, const char *id, const char *collection,
				      const char *partner, int64_t total, sol_err *err)
{
	return st->ops->status_create(st, id, collection, partner, total, err);
}

/* Record the outcome of n objects (an entry per (id, version) replaces an
 * earlier one). SOL_ENOTFOUND if the status is unknown. */
static inline int store_status_update(store *st, const char *id, const store_status_entry *e,
				      size_t n, sol_err *err)
{
	return st->ops->status_update(st, id, e, n, err);
}

/* The TAXII status resource as JSON text into *json (caller frees).
 * partner non-NULL: SOL_ENOTFOUND unless that partner made it. */
static inline int store_status_get(store *st, const char *id, const char *partner, char **json,
				   sol_err *err)
{
	return st->ops->status_get(st, id, partner, json, err);
}

/* ---- TAXII state: peers (the client side) --------------------------------- */

/* Remember a peer. SOL_EINVALID (bad name, url, or credentials missing for
 * p->auth), SOL_ECONFLICT (name taken). Credentials are kept as given in
 * the database file, which is mode 0600. */
static inline int store_peer_add(store *st, const store_peer *p, sol_err *err)
{
	return st->ops->peer_add(st, p, err);
}

/* Peer `name`: fn called once; SOL_ENOTFOUND if unknown. */
static inline int store_peer_get(store *st, const char *name, store_peer_fn fn, void *ctx,
				 sol_err *err)
{
	return st->ops->peer_get(st, name, fn, ctx, err);
}

/* Every peer, by name. */
static inline int store_peer_list(store *st, store_peer_fn fn, void *ctx, sol_err *err)
{
	return st->ops->peer_list(st, fn, ctx, err);
}

/* Forget a peer and its cursors; SOL_ENOTFOUND if unknown. */
static inline int store_peer_remove(store *st, const char *name, sol_err *err)
{
	return st->ops->peer_remove(st, name, err);
}

/* Where the last pull of (peer, collection) ended: the greatest
 * date_added seen and the last `next` token (*next NULL if none; caller
 * frees). SOL_ENOTFOUND if never pulled. */
static inline int store_peer_cursor_get(store *st, const char *peer, const char *collection,
					sol_time *added_after, char **next, sol_err *err)
{
	return st->ops->peer_cursor_get(st, peer, collection, added_after, next, err);
}

/* Save the cursor of (peer, collection); next may be NULL. SOL_ENOTFOUND
 * if the peer is unknown. */
static inline int store_peer_cursor_set(store *st, const char *peer, const char *collection,
					sol_time added_after, const char *next, sol_err *err)
{
	return st->ops->peer_cursor_set(st, peer, collection, added_after, next, err);
}

/* ---- exports --------------------------------------------------------------- */

/* The generation of what an export of collection made for partner reads
 * (store_generation). Cheap: two index lookups, a count over the
 * collection's index and the partner's distribution entries. An unknown
 * collection or partner counts as empty. */
static inline int store_generation_get(store *st, const char *collection, const char *partner,
				       store_generation *out, sol_err *err)
{
	return st->ops->generation_get(st, collection, partner, out, err);
}

/* True if name is a valid partner or peer name ([A-Za-z0-9._-]{1,64}). */
bool store_name_valid(const char *name);

const char *store_put_result_name(store_put_result r); /* "new", "updated", ... */

#endif
