/*
 * store_sqlite_int.h - what the files of the SQLite backend share:
 * store_sqlite.c (open, migrations, objects, settings) and
 * store_sqlite_taxii.c (partners, collections, membership, status, peers).
 * Not for other modules, nor for other backends.
 *
 * The connection, its cached statements and the row decoder live in
 * store_sqlite.c; store_sqlite_taxii.c keeps its own statements in
 * `taxii[]`, prepared on first use, and its state in `tx`.
 */
#ifndef SOL_STORE_SQLITE_INT_H
#define SOL_STORE_SQLITE_INT_H

#include <sqlite3.h>
#define ZSTD_STATIC_LINKING_ONLY /* magicless frames (the symbols are exported) */
#include <zstd.h>

#include "store/store_int.h"

#define STORE_TYPE_MAX 256   /* longest STIX type we store (spec: 250) */
#define STORE_TAXII_STMTS 96 /* statements store_sqlite_taxii.c may cache */

/* Cached statements of store_sqlite.c; their SQL is in its stmt_sql[]. */
enum {
	Q_BEGIN,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_READ_BEGIN,
	Q_LAST_ADDED,
	Q_FIND,
	Q_VERSION_HASH,
	Q_SOURCE_FIND,
	Q_SOURCE_ADD,
	Q_OBJECT_ADD,
	Q_OBJECT_CUR,
	Q_VERSION_ADD,
	Q_ATOM_ADD,
	Q_ATOMS,
	Q_CURRENT,
	Q_VERSIONS,
	Q_LIST,
	Q_INDICATORS,
	Q_SETTING_GET,
	Q_SETTING_SET,
	Q_COUNT
};

typedef struct store_sqlite {
	store base;                             /* ops and location; must be first */
	sqlite3 *db;                            /* the connection */
	sqlite3_stmt *stmts[Q_COUNT];           /* prepared once, reset after each use */
	sqlite3_stmt *taxii[STORE_TAXII_STMTS]; /* store_sqlite_taxii.c's, NULL until used */
	unsigned char hash_key[32];             /* partner key hashing key (settings) */
	bool have_hash_key;                     /* hash_key is loaded */
	sol_time last_added;                    /* greatest date_added; valid in a write txn */
	char *src_name;                         /* last source looked up, or NULL */
	int64_t src_id;                         /* its sources.sid */
	ZSTD_DCtx *dctx;                        /* decompression context, codec 1 */
	ZSTD_DCtx *dctx2;                       /* decompression context, codec 2 */
	ZSTD_DDict *ddict;                      /* dict_v1 for decompression */
	ZSTD_CDict *cdict2;                     /* dict_v2 for compression */
	ZSTD_CDict *cdict2_large;               /* dict_v2 for large bodies, a faster level */
	ZSTD_DDict *ddict2;                     /* dict_v2 for decompression */
	store_packer *packer;                   /* packs bodies of puts not packed ahead */
} store_sqlite;

/* Per-call buffers for one row: the decompressed body and the atoms, and
 * the statement the atoms are read with while the walk lasts (zeroed
 * until its first indicator). */
typedef struct row_buf {
	char *json;                      /* decompressed body, NUL-terminated */
	size_t len;                      /* strlen(json) */
	size_t cap;                      /* bytes allocated at json */
	stix_atoms atoms;                /* atoms of the row, owned */
	sqlite3_stmt *atoms_q;           /* Q_ATOMS, on the atom at atoms_at; NULL: not taken */
	sqlite3_stmt *const *atoms_slot; /* where atoms_q came from */
	sol_time atoms_from;             /* its ?1: every atom in [atoms_from, atoms_at) was read */
	sol_time atoms_at;               /* version of its current atom; INT64_MAX past the last */
} row_buf;

/* The columns every object read returns, in the order sqlite_row_read()
 * expects: o is objects, v versions, s sources. */
#define ROW_COLUMNS                                                                                \
	"o.id, v.date_added, v.version, s.name, v.tlp, v.revoked, v.confidence, v.valid_until, "   \
	"v.unmatchable, v.codec, v.body, o.cur = v.date_added "
#define ROW_NCOLUMNS 12

/* SQLite's last error as a sol_err (SOL_EIO for file trouble, else
 * SOL_EDB) naming the database and `what` we were doing. */
int sqlite_fail(store_sqlite *s, sol_err *err, const char *what);
/* Step a statement that returns no rows (or ignore its row), then reset. */
int sqlite_run(store_sqlite *s, sqlite3_stmt *q, sol_err *err, const char *what);
/* Bind t, or NULL for SOL_TIME_NONE. */
void sqlite_bind_time(sqlite3_stmt *q, int i, sol_time t);
/* Grow *p to hold at least need bytes. */
void sqlite_reserve(char **p, size_t *cap, size_t need);

/* The statement cached in *slot (prepared from sql on first use), or a
 * private copy when it is busy in a walk; give it back with _give. */
int sqlite_stmt_take(store_sqlite *s, sqlite3_stmt **slot, const char *sql, sqlite3_stmt **q,
		     sol_err *err);
void sqlite_stmt_give(sqlite3_stmt *const *slot, sqlite3_stmt *q);

/* Fill *row from q's current row, whose first columns are ROW_COLUMNS
 * (a query may add its own after them); b holds the body and atoms, type
 * is STORE_TYPE_MAX bytes. */
int sqlite_row_read(store_sqlite *s, sqlite3_stmt *q, store_row *row, row_buf *b, char *type,
		    sol_err *err);
void sqlite_row_buf_fini(row_buf *b);

/* Transactions (store.h contract). */
int sqlite_begin(store *base, sol_err *err);
int sqlite_commit(store *base, sol_err *err);
void sqlite_rollback(store *base);

/* store_sqlite_taxii.c: migration step 3, and the TAXII ops. */
extern const char store_sqlite_schema_v3[];
int sqlite_partner_add(store *st, const char *name, char key[STORE_KEY_TEXT_MAX], sol_err *err);
int sqlite_partner_remove(store *st, const char *name, sol_err *err);
int sqlite_partner_rotate_key(store *st, const char *name, char key[STORE_KEY_TEXT_MAX],
			      sol_err *err);
int sqlite_partner_list(store *st, store_partner_fn fn, void *ctx, sol_err *err);
int sqlite_partner_auth(store *st, const char *key, char name[STORE_PARTNER_NAME_MAX + 1],
			sol_err *err);
int sqlite_partner_auth_basic(store *st, const char *name, const char *password, sol_err *err);
int sqlite_collection_add(store *st, const store_collection *c, char id[37], sol_err *err);
int sqlite_collection_list(store *st, store_collection_fn fn, void *ctx, sol_err *err);
int sqlite_collection_get(store *st, const char *id, store_collection_fn fn, void *ctx,
			  sol_err *err);
int sqlite_collection_remove(store *st, const char *id, sol_err *err);
int sqlite_grant_set(store *st, const store_grant *g, sol_err *err);
int sqlite_grant_revoke(store *st, const char *collection, const char *partner, sol_err *err);
int sqlite_grant_list(store *st, const char *collection, const char *partner, store_grant_fn fn,
		      void *ctx, sol_err *err);
int sqlite_grant_get(store *st, const char *collection, const char *partner, store_grant *out,
		     sol_err *err);
int sqlite_collection_object_add(store *st, const char *collection, const char *id,
				 sol_time version, sol_time *date_added, sol_err *err);
int sqlite_collection_objects(store *st, const char *collection, const store_member_filter *f,
			      store_member_fn fn, void *ctx, bool *more, sol_err *err);
int sqlite_collection_object_remove(store *st, const char *collection, const char *id,
				    const store_version_match *vm, size_t *removed, sol_err *err);
int sqlite_distribution_set(store *st, const char *id, const char *const *names, size_t n,
			    sol_err *err);
int sqlite_distribution_get(store *st, const char *id, store_name_fn fn, void *ctx, sol_err *err);
int sqlite_status_create(store *st, const char *id, const char *collection, const char *partner,
			 int64_t total, sol_err *err);
int sqlite_status_update(store *st, const char *id, const store_status_entry *e, size_t n,
			 sol_err *err);
int sqlite_status_get(store *st, const char *id, const char *partner, char **json, sol_err *err);
int sqlite_peer_add(store *st, const store_peer *p, sol_err *err);
int sqlite_peer_get(store *st, const char *name, store_peer_fn fn, void *ctx, sol_err *err);
int sqlite_peer_list(store *st, store_peer_fn fn, void *ctx, sol_err *err);
int sqlite_peer_remove(store *st, const char *name, sol_err *err);
int sqlite_peer_cursor_get(store *st, const char *peer, const char *collection,
			   sol_time *added_after, char **next, sol_err *err);
int sqlite_peer_cursor_set(store *st, const char *peer, const char *collection,
			   sol_time added_after, const char *next, sol_err *err);
/* store_sqlite_exports.c */
int sqlite_generation_get(store *st, const char *collection, const char *partner,
			  store_generation *out, sol_err *err);

#endif
