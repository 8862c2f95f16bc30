/*
 * store_sqlite_taxii.c - the TAXII state of the SQLite store (store.h,
 * "TAXII state"): partners and their keys, collections, grants, which
 * object versions are in which collection, RED distribution lists, POST
 * status resources, and the peers the client pulls from.
 *
 * ON-DISK FORMAT, schema version 3 (the tables of versions 1 and 2 are in
 * store_sqlite.c). Times are microseconds since the epoch.
 *
 *   TABLE / COLUMN        TYPE     MEANING
 *   partners              rowid    who may authenticate to our TAXII server
 *     pid                 INTEGER  rowid; grants and distribution point here
 *     name                TEXT     [A-Za-z0-9._-]{1,64}, unique
 *     created, rotated    INTEGER  when added; when its key was last made
 *     key_hash            BLOB     32 bytes: keyed BLAKE2b of the 32 raw key
 *                                  bytes, keyed with the per-database secret
 *                                  in settings["taxii.key-hash-key"]
 *   partners_key          index    UNIQUE (key_hash): Bearer lookup
 *   collections           rowid    TAXII collections
 *     cid                 INTEGER  rowid; grants and members point here
 *     id                  TEXT     UUID, lowercase, unique
 *     title, description  TEXT     as given ("" for no description)
 *     created             INTEGER  when added
 *     last_added          INTEGER  greatest date_added ever given in this
 *                                  collection (kept when members leave, so
 *                                  date_added never goes back)
 *   grants                no rowid (collection, partner) PRIMARY KEY
 *     can_read, can_write, amber  INTEGER 0/1 (policy.h decides with them)
 *   members               no rowid one row per object version in a collection
 *     collection          INTEGER  collections.cid
 *     date_added          INTEGER  max(now, last_added + 1) under the write
 *                                  lock: strictly increasing per collection
 *     version             INTEGER  versions.date_added (the stored version)
 *                         PRIMARY KEY (collection, date_added): TAXII paging
 *   members_version       index    UNIQUE (collection, version)
 *   distribution          no rowid RED distribution lists
 *     object              TEXT     STIX id
 *     partner             INTEGER  partners.pid (a partner removed and added
 *                                  again is not on the old lists)
 *                         PRIMARY KEY (object, partner)
 *   statuses              no rowid TAXII status resources of POSTs
 *     id                  TEXT     UUID, PRIMARY KEY
 *     collection, partner TEXT     where to and by whom
 *     created, total      INTEGER  request time; objects in the POST
 *   status_entries        rowid    per-object outcomes, rowid = report order
 *     status, object, version      UNIQUE: the latest outcome wins
 *     result              INTEGER  store_status_result
 *     message             TEXT     why, or NULL
 *   peers                 no rowid TAXII servers we pull from / push to
 *     name                TEXT     PRIMARY KEY
 *     url, api_root, collection    TEXT as given (NULL: not given)
 *     auth                INTEGER  store_auth
 *     key, user, password TEXT     credentials as given: the file is 0600
 *     created             INTEGER  when added
 *   peer_cursors          no rowid (peer, collection) PRIMARY KEY
 *     added_after         INTEGER  greatest date_added pulled
 *     next                TEXT     last `next` token, or NULL
 *
 * Keys. A partner key is 32 random bytes shown once as "sol_" + unpadded
 * base64url. Only its keyed hash is stored, so a stolen database file
 * does not hold usable keys, and the hash is an index key, so Bearer
 * authentication is one lookup. The hashing key is made on first use.
 *
 * The TAXII read (collection_objects) composes its SQL from the filters
 * present (ids, types, first, last, explicit versions: 32 variants, each
 * cached once prepared) so each variant gets its own plan; list values
 * are bound as one JSON array and read back with json_each.
 */
#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_sqlite_int.h"

#define HASH_KEY_SETTING "taxii.key-hash-key"
#define KEY_PREFIX "sol_"
#define KEY_RAW 32                  /* random bytes in a key */
#define KEY_B64_LEN 43              /* unpadded base64url of KEY_RAW bytes */
#define KEY_HASH 32                 /* bytes of key_hash */
#define STATUS_JSON_MAX (64u << 20) /* cap on one status resource */
#define MATCH_JSON_MAX (1u << 20)   /* cap on one bound match list */
#define ALL_SPEC_VERSION "2.1"      /* the STIX version of every object */

const char store_sqlite_schema_v3[] =
    "CREATE TABLE partners(\n"
    "  pid INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  created INTEGER NOT NULL,\n"
    "  rotated INTEGER NOT NULL,\n"
    "  key_hash BLOB NOT NULL\n"
    ");\n"
    "CREATE UNIQUE INDEX partners_key ON partners(key_hash);\n"
    "CREATE TABLE collections(\n"
    "  cid INTEGER PRIMARY KEY,\n"
    "  id TEXT NOT NULL UNIQUE,\n"
    "  title TEXT NOT NULL,\n"
    "  description TEXT NOT NULL,\n"
    "  created INTEGER NOT NULL,\n"
    "  last_added INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE grants(\n"
    "  collection INTEGER NOT NULL REFERENCES collections(cid),\n"
    "  partner INTEGER NOT NULL REFERENCES partners(pid),\n"
    "  can_read INTEGER NOT NULL,\n"
    "  can_write INTEGER NOT NULL,\n"
    "  amber INTEGER NOT NULL,\n"
    "  PRIMARY KEY(collection, partner)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE members(\n"
    "  collection INTEGER NOT NULL REFERENCES collections(cid),\n"
    "  date_added INTEGER NOT NULL,\n"
    "  version INTEGER NOT NULL REFERENCES versions(date_added),\n"
    "  PRIMARY KEY(collection, date_added)\n"
    ") WITHOUT ROWID;\n"
    "CREATE UNIQUE INDEX members_version ON members(collection, version);\n"
    "CREATE TABLE distribution(\n"
    "  object TEXT NOT NULL,\n"
    "  partner INTEGER NOT NULL REFERENCES partners(pid),\n"
    "  PRIMARY KEY(object, partner)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX distribution_partner ON distribution(partner);\n"
    "CREATE TABLE statuses(\n"
    "  id TEXT PRIMARY KEY,\n"
    "  collection TEXT NOT NULL,\n"
    "  partner TEXT NOT NULL,\n"
    "  created INTEGER NOT NULL,\n"
    "  total INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE status_entries(\n"
    "  status TEXT NOT NULL,\n"
    "  object TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  result INTEGER NOT NULL,\n"
    "  message TEXT,\n"
    "  UNIQUE(status, object, version)\n"
    ");\n"
    "CREATE TABLE peers(\n"
    "  name TEXT PRIMARY KEY,\n"
    "  url TEXT NOT NULL,\n"
    "  api_root TEXT,\n"
    "  collection TEXT,\n"
    "  auth INTEGER NOT NULL,\n"
    "  key TEXT,\n"
    "  user TEXT,\n"
    "  password TEXT,\n"
    "  created INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE peer_cursors(\n"
    "  peer TEXT NOT NULL,\n"
    "  collection TEXT NOT NULL,\n"
    "  added_after INTEGER NOT NULL,\n"
    "  next TEXT,\n"
    "  PRIMARY KEY(peer, collection)\n"
    ") WITHOUT ROWID;\n";

/* Cached statements (in store_sqlite.taxii[]), then the TAXII read's
 * variants from T_MEMBERS on. */
enum {
	T_SETTING_ADD,
	T_PARTNER_ADD,
	T_PARTNER_PID,
	T_PARTNER_REKEY,
	T_PARTNER_DEL_GRANTS,
	T_PARTNER_DEL_DIST,
	T_PARTNER_DEL,
	T_PARTNER_LIST,
	T_PARTNER_BY_HASH,
	T_PARTNER_HASH,
	T_COLL_ADD,
	T_COLL_LIST,
	T_COLL_GET,
	T_COLL_CID,
	T_COLL_DEL_MEMBERS,
	T_COLL_DEL_GRANTS,
	T_COLL_DEL,
	T_GRANT_SET,
	T_GRANT_DEL,
	T_GRANT_LIST,
	T_VERSION_FIND,
	T_MEMBER_FIND,
	T_MEMBER_ADD,
	T_COLL_LAST,
	T_DIST_NAMES,
	T_OBJECT_EXISTS,
	T_DIST_CLEAR,
	T_DIST_ADD,
	T_STATUS_ADD,
	T_STATUS_GET,
	T_STATUS_ENTRY,
	T_STATUS_ENTRIES,
	T_PEER_ADD,
	T_PEER_GET,
	T_PEER_LIST,
	T_PEER_DEL_CURSORS,
	T_PEER_DEL,
	T_PEER_EXISTS,
	T_CURSOR_GET,
	T_CURSOR_SET,
	T_MEMBERS, /* first of the 32 variants of the TAXII read */
	T_END = T_MEMBERS + 32
};

_Static_assert(T_END <= STORE_TAXII_STMTS, "store_sqlite.taxii[] is too small");

#define PEER_COLUMNS "name, url, api_root, collection, auth, key, user, password, created "
#define COLL_COLUMNS "id, title, description, created "

static const char *const tx_sql[T_MEMBERS] = {
    [T_SETTING_ADD] = "INSERT INTO settings(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO NOTHING",
    [T_PARTNER_ADD] = "INSERT INTO partners(name, created, rotated, key_hash) "
		      "VALUES(?1, ?2, ?2, ?3) ON CONFLICT(name) DO NOTHING",
    [T_PARTNER_PID] = "SELECT pid FROM partners WHERE name = ?1",
    [T_PARTNER_REKEY] = "UPDATE partners SET key_hash = ?2, rotated = ?3 WHERE name = ?1",
    [T_PARTNER_DEL_GRANTS] = "DELETE FROM grants WHERE partner = ?1",
    [T_PARTNER_DEL_DIST] = "DELETE FROM distribution WHERE partner = ?1",
    [T_PARTNER_DEL] = "DELETE FROM partners WHERE pid = ?1",
    [T_PARTNER_LIST] = "SELECT name, created, rotated FROM partners ORDER BY name",
    [T_PARTNER_BY_HASH] = "SELECT name, key_hash FROM partners WHERE key_hash = ?1",
    [T_PARTNER_HASH] = "SELECT key_hash FROM partners WHERE name = ?1",
    [T_COLL_ADD] = "INSERT INTO collections(id, title, description, created, last_added) "
		   "VALUES(?1, ?2, ?3, ?4, 0) ON CONFLICT(id) DO NOTHING",
    [T_COLL_LIST] = "SELECT " COLL_COLUMNS "FROM collections ORDER BY cid",
    [T_COLL_GET] = "SELECT " COLL_COLUMNS "FROM collections WHERE id = ?1",
    [T_COLL_CID] = "SELECT cid, last_added FROM collections WHERE id = ?1",
    [T_COLL_DEL_MEMBERS] = "DELETE FROM members WHERE collection = ?1",
    [T_COLL_DEL_GRANTS] = "DELETE FROM grants WHERE collection = ?1",
    [T_COLL_DEL] = "DELETE FROM collections WHERE cid = ?1",
    [T_GRANT_SET] = "INSERT INTO grants(collection, partner, can_read, can_write, amber) "
		    "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(collection, partner) DO UPDATE SET "
		    "can_read = excluded.can_read, can_write = excluded.can_write, "
		    "amber = excluded.amber",
    [T_GRANT_DEL] = "DELETE FROM grants WHERE collection = ?1 AND partner = ?2",
    [T_GRANT_LIST] = "SELECT c.id, p.name, g.can_read, g.can_write, g.amber FROM grants g "
		     "JOIN collections c ON c.cid = g.collection "
		     "JOIN partners p ON p.pid = g.partner "
		     "WHERE (?1 IS NULL OR c.id = ?1) AND (?2 IS NULL OR p.name = ?2) "
		     "ORDER BY c.cid, p.name",
    [T_VERSION_FIND] = "SELECT v.date_added FROM objects o JOIN versions v ON v.object = o.oid "
		       "WHERE o.id = ?1 AND v.version = ?2",
    [T_MEMBER_FIND] = "SELECT date_added FROM members WHERE collection = ?1 AND version = ?2",
    [T_MEMBER_ADD] = "INSERT INTO members(collection, date_added, version) VALUES(?1, ?2, ?3)",
    [T_COLL_LAST] = "UPDATE collections SET last_added = ?2 WHERE cid = ?1",
    [T_DIST_NAMES] = "SELECT p.name FROM distribution d JOIN partners p ON p.pid = d.partner "
		     "WHERE d.object = ?1 ORDER BY p.name",
    [T_OBJECT_EXISTS] = "SELECT 1 FROM objects WHERE id = ?1",
    [T_DIST_CLEAR] = "DELETE FROM distribution WHERE object = ?1",
    [T_DIST_ADD] =
	"INSERT INTO distribution(object, partner) VALUES(?1, ?2) ON CONFLICT DO NOTHING",
    [T_STATUS_ADD] = "INSERT INTO statuses(id, collection, partner, created, total) "
		     "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO NOTHING",
    [T_STATUS_GET] = "SELECT collection, partner, created, total FROM statuses WHERE id = ?1",
    [T_STATUS_ENTRY] = "INSERT INTO status_entries(status, object, version, result, message) "
		       "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(status, object, version) DO UPDATE "
		       "SET result = excluded.result, message = excluded.message",
    [T_STATUS_ENTRIES] = "SELECT object, version, message FROM status_entries "
			 "WHERE status = ?1 AND result = ?2 ORDER BY rowid",
    [T_PEER_ADD] = "INSERT INTO peers(" PEER_COLUMNS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		   "ON CONFLICT(name) DO NOTHING",
    [T_PEER_GET] = "SELECT " PEER_COLUMNS "FROM peers WHERE name = ?1",
    [T_PEER_LIST] = "SELECT " PEER_COLUMNS "FROM peers ORDER BY name",
    [T_PEER_DEL_CURSORS] = "DELETE FROM peer_cursors WHERE peer = ?1",
    [T_PEER_DEL] = "DELETE FROM peers WHERE name = ?1",
    [T_PEER_EXISTS] = "SELECT 1 FROM peers WHERE name = ?1",
    [T_CURSOR_GET] =
	"SELECT added_after, next FROM peer_cursors WHERE peer = ?1 AND collection = ?2",
    [T_CURSOR_SET] = "INSERT INTO peer_cursors(peer, collection, added_after, next) "
		     "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(peer, collection) DO UPDATE SET "
		     "added_after = excluded.added_after, next = excluded.next",
};

/* ---- helpers -------------------------------------------------------------- */

static int take(store_sqlite *s, int which, sqlite3_stmt **q, sol_err *err)
{
	assert(which < T_MEMBERS);
	return sqlite_stmt_take(s, &s->taxii[which], tx_sql[which], q, err);
}

static void give(store_sqlite *s, int which, sqlite3_stmt *q)
{
	sqlite_stmt_give(&s->taxii[which], q);
}

/* Step q, which returns no rows, and give it back. */
static int run(store_sqlite *s, int which, sqlite3_stmt *q, sol_err *err, const char *what)
{
	int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : sqlite_fail(s, err, what);
	give(s, which, q);
	return rc;
}

/* Work in the caller's transaction, or in one of our own (*own). */
static int txn_begin(store_sqlite *s, bool *own, sol_err *err)
{
	*own = sqlite3_get_autocommit(s->db) != 0;
	return *own ? sqlite_begin(&s->base, err) : 0;
}

/* End our own transaction: commit if rc is 0, else roll back. */
static int txn_end(store_sqlite *s, bool own, int rc, sol_err *err)
{
	if (!own)
		return rc;
	if (rc == 0)
		rc = sqlite_commit(&s->base, err);
	if (rc != 0)
		sqlite_rollback(&s->base);
	return rc;
}

/* The first column of the one row that `which`, bound to text key, gives:
 * SOL_ENOTFOUND ("no such <what>") if there is none. */
static int lookup(store_sqlite *s, int which, const char *key, int64_t *out, const char *what,
		  sol_err *err)
{
	sqlite3_stmt *q;
	int rc = take(s, which, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	else if (step == SQLITE_DONE)
		rc = sol_fail(err, SOL_ENOTFOUND, key, "no such %s", what);
	else
		rc = sqlite_fail(s, err, what);
	give(s, which, q);
	return rc;
}

static int partner_pid(store_sqlite *s, const char *name, int64_t *pid, sol_err *err)
{
	return lookup(s, T_PARTNER_PID, name, pid, "partner", err);
}

static int collection_cid(store_sqlite *s, const char *id, int64_t *cid, sol_err *err)
{
	return lookup(s, T_COLL_CID, id, cid, "collection", err);
}

static const char *column_text(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

/* ---- partner keys -------------------------------------------------------- */

/* Load the database's key-hashing secret, making it on first use. Two
 * processes making it at once agree: the first insert wins, both read it. */
static int hash_key_load(store_sqlite *s, sol_err *err)
{
	if (s->have_hash_key)
		return 0;
	if (sodium_init() < 0)
		return sol_fail(err, SOL_EINTERNAL, s->base.location, "libsodium cannot start");
	char *text = NULL;
	int rc = s->base.ops->setting_get(&s->base, HASH_KEY_SETTING, &text, err);
	if (rc == SOL_ENOTFOUND) {
		unsigned char raw[KEY_HASH];
		char b64[sodium_base64_ENCODED_LEN(KEY_HASH, sodium_base64_VARIANT_ORIGINAL)];
		randombytes_buf(raw, sizeof raw);
		sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
		sodium_memzero(raw, sizeof raw);
		sqlite3_stmt *q;
		if ((rc = take(s, T_SETTING_ADD, &q, err)) != 0)
			return rc;
		sqlite3_bind_text(q, 1, HASH_KEY_SETTING, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, b64, -1, SQLITE_STATIC);
		rc = run(s, T_SETTING_ADD, q, err, "saving the key-hashing secret");
		sodium_memzero(b64, sizeof b64);
		if (rc == 0)
			rc = s->base.ops->setting_get(&s->base, HASH_KEY_SETTING, &text, err);
	}
	if (rc != 0)
		return rc;
	size_t n = 0;
	if (sodium_base642bin(s->hash_key, sizeof s->hash_key, text, strlen(text), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != KEY_HASH)
		rc = sol_fail(err, SOL_EDB, s->base.location, "setting %s is corrupt",
			      HASH_KEY_SETTING);
	sodium_memzero(text, strlen(text));
	free(text);
	s->have_hash_key = rc == 0;
	return rc;
}

static void key_hash(const store_sqlite *s, const unsigned char raw[KEY_RAW],
		     unsigned char out[KEY_HASH])
{
	crypto_generichash(out, KEY_HASH, raw, KEY_RAW, s->hash_key, sizeof s->hash_key);
}

/* A fresh key: its text into text, its hash into hash. */
static void key_new(const store_sqlite *s, char text[STORE_KEY_TEXT_MAX],
		    unsigned char hash[KEY_HASH])
{
	unsigned char raw[KEY_RAW];
	randombytes_buf(raw, sizeof raw);
	memcpy(text, KEY_PREFIX, sizeof KEY_PREFIX - 1);
	sodium_bin2base64(text + sizeof KEY_PREFIX - 1,
			  STORE_KEY_TEXT_MAX - (sizeof KEY_PREFIX - 1), raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	key_hash(s, raw, hash);
	sodium_memzero(raw, sizeof raw);
}

/* The hash of key text; false if it is not shaped like one of our keys. */
static bool key_parse(const store_sqlite *s, const char *text, unsigned char hash[KEY_HASH])
{
	size_t plen = sizeof KEY_PREFIX - 1;
	if (strncmp(text, KEY_PREFIX, plen) != 0 || strlen(text) != plen + KEY_B64_LEN)
		return false;
	unsigned char raw[KEY_RAW];
	size_t n = 0;
	const char *end = NULL;
	bool ok = sodium_base642bin(raw, sizeof raw, text + plen, KEY_B64_LEN, NULL, &n, &end,
				    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
		  n == KEY_RAW && end == text + plen + KEY_B64_LEN;
	if (ok)
		key_hash(s, raw, hash);
	sodium_memzero(raw, sizeof raw);
	return ok;
}

static int name_check(const char *name, const char *what, sol_err *err)
{
	if (store_name_valid(name))
		return 0;
	return sol_fail(err, SOL_EINVALID, what,
			"\"%.80s\" is not a valid name: use 1 to %d of A-Z a-z 0-9 . _ -", name,
			STORE_PARTNER_NAME_MAX);
}

/* ---- partners ------------------------------------------------------------ */

int sqlite_partner_add(store *st, const char *name, char key[STORE_KEY_TEXT_MAX], sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	unsigned char hash[KEY_HASH];
	bool own;
	key[0] = '\0';
	int rc = name_check(name, "partner name", err);
	if (rc != 0 || (rc = txn_begin(s, &own, err)) != 0)
		return rc;
	sqlite3_stmt *q;
	if ((rc = hash_key_load(s, err)) == 0 && (rc = take(s, T_PARTNER_ADD, &q, err)) == 0) {
		key_new(s, key, hash);
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, sol_time_now());
		sqlite3_bind_blob(q, 3, hash, sizeof hash, SQLITE_STATIC);
		rc = run(s, T_PARTNER_ADD, q, err, "adding a partner");
		if (rc == 0 && sqlite3_changes(s->db) == 0)
			rc = sol_fail(err, SOL_ECONFLICT, name, "partner already exists");
	}
	rc = txn_end(s, own, rc, err);
	if (rc != 0)
		sodium_memzero(key, STORE_KEY_TEXT_MAX);
	return rc;
}

int sqlite_partner_rotate_key(store *st, const char *name, char key[STORE_KEY_TEXT_MAX],
			      sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	unsigned char hash[KEY_HASH];
	bool own;
	key[0] = '\0';
	int rc = txn_begin(s, &own, err);
	if (rc != 0)
		return rc;
	sqlite3_stmt *q;
	if ((rc = hash_key_load(s, err)) == 0 && (rc = take(s, T_PARTNER_REKEY, &q, err)) == 0) {
		key_new(s, key, hash);
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 2, hash, sizeof hash, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, sol_time_now());
		rc = run(s, T_PARTNER_REKEY, q, err, "changing a partner key");
		if (rc == 0 && sqlite3_changes(s->db) == 0)
			rc = sol_fail(err, SOL_ENOTFOUND, name, "no such partner");
	}
	rc = txn_end(s, own, rc, err);
	if (rc != 0)
		sodium_memzero(key, STORE_KEY_TEXT_MAX);
	return rc;
}

/* Run statement `which` bound to one integer. */
static int run_int(store_sqlite *s, int which, int64_t v, sol_err *err, const char *what)
{
	sqlite3_stmt *q;
	int rc = take(s, which, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(q, 1, v);
	return run(s, which, q, err, what);
}

/* Run statement `which` bound to one text. */
static int run_text(store_sqlite *s, int which, const char *v, sol_err *err, const char *what)
{
	sqlite3_stmt *q;
	int rc = take(s, which, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, v, -1, SQLITE_STATIC);
	return run(s, which, q, err, what);
}

int sqlite_partner_remove(store *st, const char *name, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int64_t pid = 0;
	bool own;
	int rc = txn_begin(s, &own, err);
	if (rc != 0)
		return rc;
	if ((rc = partner_pid(s, name, &pid, err)) == 0 &&
	    (rc = run_int(s, T_PARTNER_DEL_GRANTS, pid, err, "removing grants")) == 0 &&
	    (rc = run_int(s, T_PARTNER_DEL_DIST, pid, err, "removing distribution")) == 0)
		rc = run_int(s, T_PARTNER_DEL, pid, err, "removing a partner");
	return txn_end(s, own, rc, err);
}

int sqlite_partner_list(store *st, store_partner_fn fn, void *ctx, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	sqlite3_stmt *q;
	int rc = take(s, T_PARTNER_LIST, &q, err), step;
	if (rc != 0)
		return rc;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		store_partner p = {column_text(q, 0), sqlite3_column_int64(q, 1),
				   sqlite3_column_int64(q, 2)};
		if ((rc = fn(ctx, &p)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "listing partners");
	give(s, T_PARTNER_LIST, q);
	return rc;
}

/* Refusals name neither the key nor whether the partner exists. */
static int auth_refused(sol_err *err)
{
	return sol_fail(err, SOL_ENOTFOUND, "partner key", "not a valid partner key");
}

int sqlite_partner_auth(store *st, const char *key, char name[STORE_PARTNER_NAME_MAX + 1],
			sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	unsigned char hash[KEY_HASH];
	name[0] = '\0';
	int rc = hash_key_load(s, err);
	if (rc != 0)
		return rc;
	if (!key_parse(s, key, hash))
		return auth_refused(err);
	sqlite3_stmt *q;
	if ((rc = take(s, T_PARTNER_BY_HASH, &q, err)) != 0)
		return rc;
	sqlite3_bind_blob(q, 1, hash, sizeof hash, SQLITE_STATIC);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW && sqlite3_column_bytes(q, 1) == KEY_HASH &&
	    sodium_memcmp(sqlite3_column_blob(q, 1), hash, KEY_HASH) == 0)
		snprintf(name, STORE_PARTNER_NAME_MAX + 1, "%s", column_text(q, 0));
	else if (step == SQLITE_ROW || step == SQLITE_DONE)
		rc = auth_refused(err);
	else
		rc = sqlite_fail(s, err, "checking a partner key");
	give(s, T_PARTNER_BY_HASH, q);
	return rc;
}

int sqlite_partner_auth_basic(store *st, const char *name, const char *password, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	unsigned char hash[KEY_HASH];
	int rc = hash_key_load(s, err);
	if (rc != 0)
		return rc;
	if (!key_parse(s, password, hash))
		return auth_refused(err);
	sqlite3_stmt *q;
	if ((rc = take(s, T_PARTNER_HASH, &q, err)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW && sqlite3_column_bytes(q, 0) == KEY_HASH &&
	    sodium_memcmp(sqlite3_column_blob(q, 0), hash, KEY_HASH) == 0)
		rc = 0;
	else if (step == SQLITE_ROW || step == SQLITE_DONE)
		rc = auth_refused(err);
	else
		rc = sqlite_fail(s, err, "checking a partner key");
	give(s, T_PARTNER_HASH, q);
	return rc;
}

/* ---- collections and grants ------------------------------------------------ */

int sqlite_collection_add(store *st, const store_collection *c, char id[37], sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	const char *desc = c->description ? c->description : "";
	id[0] = '\0';
	if (c->id && !sol_uuid_valid(c->id, strlen(c->id)))
		return sol_fail(err, SOL_EINVALID, "collection id", "\"%.64s\" is not a UUID",
				c->id);
	if (!c->title || !c->title[0] || strlen(c->title) >= STORE_TITLE_MAX)
		return sol_fail(err, SOL_EINVALID, "collection title", "a title is 1 to %d bytes",
				STORE_TITLE_MAX - 1);
	if (strlen(desc) >= STORE_DESCRIPTION_MAX)
		return sol_fail(err, SOL_ETOOBIG, "collection description",
				"a description is at most %d bytes", STORE_DESCRIPTION_MAX - 1);
	if (c->id)
		for (int i = 0; i < 37; i++)
			id[i] =
			    (char)(c->id[i] >= 'A' && c->id[i] <= 'F' ? c->id[i] + 32 : c->id[i]);
	else
		sol_uuid4(id);
	sqlite3_stmt *q;
	int rc = take(s, T_COLL_ADD, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, c->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, desc, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, sol_time_now());
	rc = run(s, T_COLL_ADD, q, err, "adding a collection");
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = sol_fail(err, SOL_ECONFLICT, id, "collection already exists");
	return rc;
}

/* Walk collections from `which` (bound to id unless NULL); *n counts them. */
static int collections_walk(store_sqlite *s, int which, const char *id, store_collection_fn fn,
			    void *ctx, size_t *n, sol_err *err)
{
	sqlite3_stmt *q;
	int rc = take(s, which, &q, err), step;
	if (rc != 0)
		return rc;
	if (id)
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	*n = 0;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		store_collection c = {column_text(q, 0), column_text(q, 1), column_text(q, 2),
				      sqlite3_column_int64(q, 3)};
		++*n;
		if ((rc = fn(ctx, &c)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading collections");
	give(s, which, q);
	return rc;
}

int sqlite_collection_list(store *st, store_collection_fn fn, void *ctx, sol_err *err)
{
	size_t n;
	return collections_walk((store_sqlite *)st, T_COLL_LIST, NULL, fn, ctx, &n, err);
}

int sqlite_collection_get(store *st, const char *id, store_collection_fn fn, void *ctx,
			  sol_err *err)
{
	size_t n;
	int rc = collections_walk((store_sqlite *)st, T_COLL_GET, id, fn, ctx, &n, err);
	if (rc == 0 && n == 0)
		rc = sol_fail(err, SOL_ENOTFOUND, id, "no such collection");
	return rc;
}

int sqlite_collection_remove(store *st, const char *id, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int64_t cid = 0;
	bool own;
	int rc = txn_begin(s, &own, err);
	if (rc != 0)
		return rc;
	if ((rc = collection_cid(s, id, &cid, err)) == 0 &&
	    (rc = run_int(s, T_COLL_DEL_MEMBERS, cid, err, "removing members")) == 0 &&
	    (rc = run_int(s, T_COLL_DEL_GRANTS, cid, err, "removing grants")) == 0)
		rc = run_int(s, T_COLL_DEL, cid, err, "removing a collection");
	return txn_end(s, own, rc, err);
}

int sqlite_grant_set(store *st, const store_grant *g, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int64_t cid = 0, pid = 0;
	int rc = collection_cid(s, g->collection, &cid, err);
	if (rc == 0)
		rc = partner_pid(s, g->partner, &pid, err);
	sqlite3_stmt *q;
	if (rc != 0 || (rc = take(s, T_GRANT_SET, &q, err)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, cid);
	sqlite3_bind_int64(q, 2, pid);
	sqlite3_bind_int(q, 3, g->read);
	sqlite3_bind_int(q, 4, g->write);
	sqlite3_bind_int(q, 5, g->amber);
	return run(s, T_GRANT_SET, q, err, "granting");
}

int sqlite_grant_revoke(store *st, const char *collection, const char *partner, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int64_t cid = 0, pid = 0;
	int rc = collection_cid(s, collection, &cid, err);
	if (rc == 0)
		rc = partner_pid(s, partner, &pid, err);
	sqlite3_stmt *q;
	if (rc != 0 || (rc = take(s, T_GRANT_DEL, &q, err)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, cid);
	sqlite3_bind_int64(q, 2, pid);
	rc = run(s, T_GRANT_DEL, q, err, "revoking");
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = sol_fail(err, SOL_ENOTFOUND, partner, "no grant on collection %s", collection);
	return rc;
}

static int grants_walk(store_sqlite *s, const char *collection, const char *partner,
		       store_grant_fn fn, void *ctx, size_t *n, sol_err *err)
{
	sqlite3_stmt *q;
	int rc = take(s, T_GRANT_LIST, &q, err), step;
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, partner, -1, SQLITE_STATIC);
	*n = 0;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		store_grant g = {column_text(q, 0), column_text(q, 1),
				 sqlite3_column_int(q, 2) != 0, sqlite3_column_int(q, 3) != 0,
				 sqlite3_column_int(q, 4) != 0};
		++*n;
		if ((rc = fn(ctx, &g)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading grants");
	give(s, T_GRANT_LIST, q);
	return rc;
}

int sqlite_grant_list(store *st, const char *collection, const char *partner, store_grant_fn fn,
		      void *ctx, sol_err *err)
{
	size_t n;
	return grants_walk((store_sqlite *)st, collection, partner, fn, ctx, &n, err);
}

static int grant_copy(void *ctx, const store_grant *g)
{
	store_grant *out = ctx;
	out->read = g->read, out->write = g->write, out->amber = g->amber;
	return 0;
}

int sqlite_grant_get(store *st, const char *collection, const char *partner, store_grant *out,
		     sol_err *err)
{
	*out = (store_grant){.collection = collection, .partner = partner};
	size_t n;
	int rc = grants_walk((store_sqlite *)st, collection, partner, grant_copy, out, &n, err);
	if (rc == 0 && n == 0)
		rc = sol_fail(err, SOL_ENOTFOUND, partner, "no grant on collection %s", collection);
	return rc;
}

/* ---- membership ------------------------------------------------------------ */

/* Add under the write lock: last_added is read and raised in the same
 * transaction, so two writers never hand out the same date_added. */
static int member_add_locked(store_sqlite *s, const char *collection, const char *id,
			     sol_time version, sol_time *date_added, sol_err *err)
{
	sqlite3_stmt *q;
	int64_t cid = 0, vid = 0, last = 0;
	int rc = take(s, T_COLL_CID, &q, err), step;
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, collection, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(q)) == SQLITE_ROW)
		cid = sqlite3_column_int64(q, 0), last = sqlite3_column_int64(q, 1);
	give(s, T_COLL_CID, q);
	if (step == SQLITE_DONE)
		return sol_fail(err, SOL_ENOTFOUND, collection, "no such collection");
	if (step != SQLITE_ROW)
		return sqlite_fail(s, err, "reading a collection");

	if ((rc = take(s, T_VERSION_FIND, &q, err)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, version);
	if ((step = sqlite3_step(q)) == SQLITE_ROW)
		vid = sqlite3_column_int64(q, 0);
	give(s, T_VERSION_FIND, q);
	if (step == SQLITE_DONE)
		return sol_fail(err, SOL_ENOTFOUND, id, "no such object version");
	if (step != SQLITE_ROW)
		return sqlite_fail(s, err, "looking up a version");

	if ((rc = take(s, T_MEMBER_FIND, &q, err)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, cid);
	sqlite3_bind_int64(q, 2, vid);
	if ((step = sqlite3_step(q)) == SQLITE_ROW)
		*date_added = sqlite3_column_int64(q, 0);
	give(s, T_MEMBER_FIND, q);
	if (step == SQLITE_ROW)
		return 0;
	if (step != SQLITE_DONE)
		return sqlite_fail(s, err, "looking up a member");

	sol_time now = sol_time_now();
	*date_added = now > last ? now : last + 1;
	if ((rc = take(s, T_MEMBER_ADD, &q, err)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, cid);
	sqlite3_bind_int64(q, 2, *date_added);
	sqlite3_bind_int64(q, 3, vid);
	if ((rc = run(s, T_MEMBER_ADD, q, err, "adding to a collection")) != 0 ||
	    (rc = take(s, T_COLL_LAST, &q, err)) != 0)
		return rc;
	sqlite3_bind_int64(q, 1, cid);
	sqlite3_bind_int64(q, 2, *date_added);
	return run(s, T_COLL_LAST, q, err, "adding to a collection");
}

int sqlite_collection_object_add(store *st, const char *collection, const char *id,
				 sol_time version, sol_time *date_added, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	bool own;
	*date_added = SOL_TIME_NONE;
	int rc = txn_begin(s, &own, err);
	if (rc != 0)
		return rc;
	rc = member_add_locked(s, collection, id, version, date_added, err);
	return txn_end(s, own, rc, err);
}

/* Variant bits of the TAXII read, and what each adds to its SQL. */
enum {
	V_IDS = 1,   /* ?3: JSON array of ids */
	V_TYPES = 2, /* ?4: JSON array of types */
	V_FIRST = 4, /* oldest version in the collection */
	V_LAST = 8,  /* newest version in the collection */
	V_AT = 16,   /* ?5: JSON array of versions */
};

static unsigned version_bits(const store_version_match *vm)
{
	if (!vm || vm->all)
		return 0;
	unsigned b = (vm->first ? V_FIRST : 0) | (vm->last ? V_LAST : 0) | (vm->n_at ? V_AT : 0);
	return b ? b : V_LAST;
}

/* " AND (...)" for the version bits of b, on member m / version v. */
static void version_sql(sol_buf *sql, unsigned b)
{
	static const char *const extreme =
	    "v.version = (SELECT %s(v2.version) FROM versions v2 JOIN members m2 "
	    "ON m2.collection = m.collection AND m2.version = v2.date_added "
	    "WHERE v2.object = v.object)";
	if (!(b & (V_FIRST | V_LAST | V_AT)))
		return;
	const char *sep = "";
	buf_puts(sql, " AND (");
	if (b & V_FIRST) {
		buf_printf(sql, extreme, "min");
		sep = " OR ";
	}
	if (b & V_LAST) {
		/* The object's current version is its newest of all, so if it
		 * is this member it is the newest in the collection too: the
		 * common case, answered without the subquery. */
		buf_printf(sql, "%sv.date_added = o.cur OR ", sep);
		buf_printf(sql, extreme, "max");
		sep = " OR ";
	}
	if (b & V_AT)
		buf_printf(sql, "%sv.version IN (SELECT value FROM json_each(?5))", sep);
	buf_puts(sql, ")");
}

/* The SQL of variant b. With ids the planner may start from the ids; else
 * members drive the loop, in date_added order with no sort. */
static char *members_sql(unsigned b)
{
	sol_buf sql;
	buf_init(&sql, 1 << 16);
	const char *join = b & V_IDS ? "JOIN" : "CROSS JOIN";
	buf_printf(&sql,
		   "SELECT " ROW_COLUMNS ", m.date_added FROM members m %s versions v "
		   "%s objects o %s sources s "
		   "WHERE m.collection = ?1 AND m.date_added > ?2 AND v.date_added = m.version "
		   "AND o.oid = v.object AND s.sid = v.source",
		   join, join, join);
	if (b & V_IDS)
		buf_puts(&sql, " AND o.id IN (SELECT value FROM json_each(?3))");
	if (b & V_TYPES)
		buf_puts(&sql, " AND substr(o.id, 1, instr(o.id, '--') - 1) IN "
			       "(SELECT value FROM json_each(?4))");
	version_sql(&sql, b);
	buf_puts(&sql, " ORDER BY m.date_added");
	return buf_take(&sql);
}

/* A JSON array of n strings (or of n times when strs is NULL) into out. */
static int json_list(sol_buf *out, const char *const *strs, const sol_time *times, size_t n,
		     const char *what, sol_err *err)
{
	if (n > STORE_MATCH_MAX)
		return sol_fail(err, SOL_ETOOBIG, what, "more than %d values", STORE_MATCH_MAX);
	jsonw w;
	jsonw_init(&w, out);
	jsonw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		if (strs)
			jsonw_cstr(&w, strs[i]);
		else
			jsonw_int(&w, times[i]);
	jsonw_array_end(&w);
	return w.rc ? sol_fail(err, SOL_ETOOBIG, what, "values too long") : 0;
}

/* Names copied out of a walk (a row's distribution list). */
typedef struct name_list {
	char **v;   /* names, owned */
	size_t n;   /* how many */
	size_t cap; /* allocated */
} name_list;

static void name_list_clear(name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static int name_push(void *ctx, const char *name)
{
	name_list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = xstrdup(name);
	return 0;
}

/* Step the bound TAXII read q: audience first, then limit, then fn. */
static int members_walk(store_sqlite *s, sqlite3_stmt *q, const store_member_filter *f,
			store_member_fn fn, void *ctx, bool *more, sol_err *err)
{
	row_buf b = {0};
	char type[STORE_TYPE_MAX];
	store_row row;
	name_list red = {0};
	size_t n = 0;
	int rc = 0, step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if ((rc = sqlite_row_read(s, q, &row, &b, type, err)) != 0)
			break;
		store_member m = {&row, sqlite3_column_int64(q, ROW_NCOLUMNS), NULL, 0};
		name_list_clear(&red);
		if (row.tlp == TLP_RED) {
			if ((rc = sqlite_distribution_get(&s->base, row.id, name_push, &red,
							  err)) != 0)
				break;
			m.red_to = (const char *const *)red.v, m.n_red_to = red.n;
		}
		if (f->visible && !f->visible(f->visible_ctx, &m))
			continue;
		if (f->limit && n == f->limit) {
			*more = true;
			break;
		}
		n++;
		if ((rc = fn(ctx, &m)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading a collection");
	name_list_clear(&red);
	free(red.v);
	sqlite_row_buf_fini(&b);
	return rc;
}

static bool spec_versions_match(const store_member_filter *f)
{
	for (size_t i = 0; i < f->n_spec_versions; i++)
		if (strcmp(f->spec_versions[i], ALL_SPEC_VERSION) == 0)
			return true;
	return f->n_spec_versions == 0;
}

int sqlite_collection_objects(store *st, const char *collection, const store_member_filter *f,
			      store_member_fn fn, void *ctx, bool *more, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int64_t cid = 0;
	*more = false;
	int rc = collection_cid(s, collection, &cid, err);
	if (rc != 0)
		return rc;
	if (f->n_spec_versions > STORE_MATCH_MAX)
		return sol_fail(err, SOL_ETOOBIG, "match[spec_version]", "more than %d values",
				STORE_MATCH_MAX);
	if (!spec_versions_match(f))
		return 0;
	unsigned b =
	    (f->n_ids ? V_IDS : 0) | (f->n_types ? V_TYPES : 0) | version_bits(&f->version);
	sol_buf ids, types, at;
	buf_init(&ids, MATCH_JSON_MAX);
	buf_init(&types, MATCH_JSON_MAX);
	buf_init(&at, MATCH_JSON_MAX);
	if (b & V_IDS)
		rc = json_list(&ids, f->ids, NULL, f->n_ids, "match[id]", err);
	if (rc == 0 && (b & V_TYPES))
		rc = json_list(&types, f->types, NULL, f->n_types, "match[type]", err);
	if (rc == 0 && (b & V_AT))
		rc = json_list(&at, NULL, f->version.at, f->version.n_at, "match[version]", err);
	sqlite3_stmt *q = NULL, **slot = &s->taxii[T_MEMBERS + b];
	char *sql = !*slot || sqlite3_stmt_busy(*slot) ? members_sql(b) : NULL;
	if (rc == 0)
		rc = sqlite_stmt_take(s, slot, sql, &q, err);
	if (rc == 0) {
		sqlite3_bind_int64(q, 1, cid);
		sqlite3_bind_int64(q, 2,
				   f->added_after == SOL_TIME_NONE ? INT64_MIN : f->added_after);
		if (b & V_IDS)
			sqlite3_bind_text(q, 3, ids.data, (int)ids.len, SQLITE_STATIC);
		if (b & V_TYPES)
			sqlite3_bind_text(q, 4, types.data, (int)types.len, SQLITE_STATIC);
		if (b & V_AT)
			sqlite3_bind_text(q, 5, at.data, (int)at.len, SQLITE_STATIC);
		rc = members_walk(s, q, f, fn, ctx, more, err);
		sqlite_stmt_give(slot, q);
	}
	free(sql);
	buf_fini(&ids);
	buf_fini(&types);
	buf_fini(&at);
	return rc;
}

int sqlite_collection_object_remove(store *st, const char *collection, const char *id,
				    const store_version_match *vm, size_t *removed, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int64_t cid = 0;
	*removed = 0;
	sol_buf sql, at;
	buf_init(&sql, 1 << 16);
	buf_init(&at, MATCH_JSON_MAX);
	unsigned b = version_bits(vm);
	int rc = collection_cid(s, collection, &cid, err);
	if (rc == 0 && (b & V_AT))
		rc = json_list(&at, NULL, vm->at, vm->n_at, "match[version]", err);
	buf_puts(&sql,
		 "DELETE FROM members WHERE collection = ?1 AND version IN ("
		 "SELECT m.version FROM members m JOIN versions v ON v.date_added = m.version "
		 "JOIN objects o ON o.oid = v.object WHERE m.collection = ?1 AND o.id = ?2");
	version_sql(&sql, b);
	buf_puts(&sql, ")");
	sqlite3_stmt *q = NULL;
	if (rc == 0 && sqlite3_prepare_v2(s->db, sql.data, -1, &q, NULL) != SQLITE_OK)
		rc = sqlite_fail(s, err, "preparing a delete");
	if (rc == 0) {
		sqlite3_bind_int64(q, 1, cid);
		sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
		if (b & V_AT)
			sqlite3_bind_text(q, 5, at.data, (int)at.len, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_DONE)
			*removed = (size_t)sqlite3_changes(s->db);
		else
			rc = sqlite_fail(s, err, "removing from a collection");
	}
	sqlite3_finalize(q);
	buf_fini(&sql);
	buf_fini(&at);
	return rc;
}

/* ---- distribution lists ----------------------------------------------------- */

int sqlite_distribution_set(store *st, const char *id, const char *const *names, size_t n,
			    sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int64_t one = 0, pid = 0;
	bool own;
	int rc = txn_begin(s, &own, err);
	if (rc != 0)
		return rc;
	if ((rc = lookup(s, T_OBJECT_EXISTS, id, &one, "object", err)) == 0)
		rc = run_text(s, T_DIST_CLEAR, id, err, "clearing a distribution list");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_stmt *q;
		if ((rc = partner_pid(s, names[i], &pid, err)) != 0 ||
		    (rc = take(s, T_DIST_ADD, &q, err)) != 0)
			break;
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, pid);
		rc = run(s, T_DIST_ADD, q, err, "adding to a distribution list");
	}
	return txn_end(s, own, rc, err);
}

int sqlite_distribution_get(store *st, const char *id, store_name_fn fn, void *ctx, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	sqlite3_stmt *q;
	int rc = take(s, T_DIST_NAMES, &q, err), step;
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		if ((rc = fn(ctx, column_text(q, 0))) != 0)
			break;
	if (rc == 0 && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading a distribution list");
	give(s, T_DIST_NAMES, q);
	return rc;
}

/* ---- status resources ---------------------------------------------------------- */

int sqlite_status_create(store *st, const char *id, const char *collection, const char *partner,
			 int64_t total, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	if (!sol_uuid_valid(id, strlen(id)))
		return sol_fail(err, SOL_EINVALID, "status id", "\"%.64s\" is not a UUID", id);
	if (total < 0)
		return sol_fail(err, SOL_EINVALID, id, "negative total %lld", (long long)total);
	sqlite3_stmt *q;
	int rc = take(s, T_STATUS_ADD, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, sol_time_now());
	sqlite3_bind_int64(q, 5, total);
	rc = run(s, T_STATUS_ADD, q, err, "creating a status");
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = sol_fail(err, SOL_ECONFLICT, id, "status already exists");
	return rc;
}

/* The status row: fills what is asked for (NULL to skip). */
typedef struct status_head {
	char *partner;    /* who made it, owned */
	sol_time created; /* request time */
	int64_t total;    /* objects in the POST */
} status_head;

static int status_head_get(store_sqlite *s, const char *id, status_head *h, sol_err *err)
{
	sqlite3_stmt *q;
	int rc = take(s, T_STATUS_GET, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		h->partner = xstrdup(column_text(q, 1));
		h->created = sqlite3_column_int64(q, 2);
		h->total = sqlite3_column_int64(q, 3);
	} else if (step == SQLITE_DONE) {
		rc = sol_fail(err, SOL_ENOTFOUND, id, "no such status");
	} else {
		rc = sqlite_fail(s, err, "reading a status");
	}
	give(s, T_STATUS_GET, q);
	return rc;
}

int sqlite_status_update(store *st, const char *id, const store_status_entry *e, size_t n,
			 sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	status_head h = {0};
	bool own;
	int rc = txn_begin(s, &own, err);
	if (rc != 0)
		return rc;
	rc = status_head_get(s, id, &h, err);
	free(h.partner);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if ((unsigned)e[i].result > STORE_STATUS_FAILURE) {
			rc = sol_fail(err, SOL_EINVALID, e[i].id, "no such status result %d",
				      (int)e[i].result);
			break;
		}
		sqlite3_stmt *q;
		if ((rc = take(s, T_STATUS_ENTRY, &q, err)) != 0)
			break;
		size_t mlen = e[i].message ? strnlen(e[i].message, STORE_STATUS_MESSAGE_MAX) : 0;
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, e[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, e[i].version);
		sqlite3_bind_int(q, 4, (int)e[i].result);
		sqlite3_bind_text(q, 5, e[i].message, e[i].message ? (int)mlen : -1, SQLITE_STATIC);
		rc = run(s, T_STATUS_ENTRY, q, err, "recording a status");
	}
	return txn_end(s, own, rc, err);
}

/* Write the entries of one result as "<name>": [...] (omitted if none);
 * *count is how many there were. */
static int status_list_write(store_sqlite *s, const char *id, store_status_result result,
			     const char *name, jsonw *w, int64_t *count, sol_err *err)
{
	sqlite3_stmt *q;
	int rc = take(s, T_STATUS_ENTRIES, &q, err), step;
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (int)result);
	*count = 0;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (++*count == 1) {
			jsonw_key(w, name);
			jsonw_array_begin(w);
		}
		jsonw_object_begin(w);
		jsonw_key(w, "id");
		jsonw_cstr(w, column_text(q, 0));
		if (sqlite3_column_int64(q, 1) != SOL_TIME_NONE) {
			jsonw_key(w, "version");
			jsonw_time(w, sqlite3_column_int64(q, 1));
		}
		if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
			jsonw_key(w, "message");
			jsonw_cstr(w, column_text(q, 2));
		}
		jsonw_object_end(w);
	}
	if (*count)
		jsonw_array_end(w);
	if (step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading a status");
	give(s, T_STATUS_ENTRIES, q);
	return rc;
}

/* The TAXII 2.1 status resource. JSON members are unordered, so the lists
 * are written first and the counts they give after them. Objects not
 * reported yet count as pending. */
int sqlite_status_get(store *st, const char *id, const char *partner, char **json, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	status_head h = {0};
	*json = NULL;
	int rc = status_head_get(s, id, &h, err);
	if (rc == 0 && partner && strcmp(partner, h.partner) != 0)
		rc = sol_fail(err, SOL_ENOTFOUND, id, "no such status");
	free(h.partner);
	if (rc != 0)
		return rc;
	sol_buf out;
	buf_init(&out, STATUS_JSON_MAX);
	jsonw w;
	jsonw_init(&w, &out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "id");
	jsonw_cstr(&w, id);
	jsonw_key(&w, "request_timestamp");
	jsonw_time(&w, h.created);
	jsonw_key(&w, "total_count");
	jsonw_int(&w, h.total);
	int64_t ok = 0, failed = 0, listed_pending = 0;
	if ((rc = status_list_write(s, id, STORE_STATUS_SUCCESS, "successes", &w, &ok, err)) == 0 &&
	    (rc = status_list_write(s, id, STORE_STATUS_FAILURE, "failures", &w, &failed, err)) ==
		0)
		rc = status_list_write(s, id, STORE_STATUS_PENDING, "pendings", &w, &listed_pending,
				       err);
	int64_t pending = h.total - ok - failed;
	if (pending < 0)
		pending = 0;
	jsonw_key(&w, "success_count");
	jsonw_int(&w, ok);
	jsonw_key(&w, "failure_count");
	jsonw_int(&w, failed);
	jsonw_key(&w, "pending_count");
	jsonw_int(&w, pending);
	jsonw_key(&w, "status");
	jsonw_cstr(&w, pending > 0 ? "pending" : "complete");
	jsonw_object_end(&w);
	if (rc == 0 && w.rc)
		rc = sol_fail(err, SOL_ETOOBIG, id, "status larger than %u bytes", STATUS_JSON_MAX);
	if (rc == 0)
		*json = buf_take(&out);
	buf_fini(&out);
	return rc;
}

/* ---- peers ----------------------------------------------------------------------- */

static bool url_valid(const char *url)
{
	return url && (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) &&
	       strlen(url) < 2048 && !strpbrk(url, " \t\r\n");
}

static int peer_check(const store_peer *p, sol_err *err)
{
	int rc = name_check(p->name, "peer name", err);
	if (rc != 0)
		return rc;
	if (!url_valid(p->url) || (p->api_root && !url_valid(p->api_root)))
		return sol_fail(err, SOL_EINVALID, p->name,
				"a peer URL is an http:// or https:// URL");
	bool key = p->key && p->key[0], basic = p->user && p->user[0] && p->password;
	if ((p->auth == STORE_AUTH_KEY && !key) || (p->auth == STORE_AUTH_BASIC && !basic) ||
	    (unsigned)p->auth > STORE_AUTH_BASIC)
		return sol_fail(err, SOL_EINVALID, p->name, "credentials missing for the peer");
	return 0;
}

int sqlite_peer_add(store *st, const store_peer *p, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int rc = peer_check(p, err);
	sqlite3_stmt *q;
	if (rc != 0 || (rc = take(s, T_PEER_ADD, &q, err)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, p->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, p->api_root, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, p->collection, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, (int)p->auth);
	sqlite3_bind_text(q, 6, p->auth == STORE_AUTH_KEY ? p->key : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, p->auth == STORE_AUTH_BASIC ? p->user : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, p->auth == STORE_AUTH_BASIC ? p->password : NULL, -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(q, 9, sol_time_now());
	rc = run(s, T_PEER_ADD, q, err, "adding a peer");
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = sol_fail(err, SOL_ECONFLICT, p->name, "peer already exists");
	return rc;
}

static int peers_walk(store_sqlite *s, int which, const char *name, store_peer_fn fn, void *ctx,
		      size_t *n, sol_err *err)
{
	sqlite3_stmt *q;
	int rc = take(s, which, &q, err), step;
	if (rc != 0)
		return rc;
	if (name)
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	*n = 0;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		store_peer p = {.name = column_text(q, 0),
				.url = column_text(q, 1),
				.api_root = column_text(q, 2),
				.collection = column_text(q, 3),
				.auth = (store_auth)sqlite3_column_int(q, 4),
				.key = column_text(q, 5),
				.user = column_text(q, 6),
				.password = column_text(q, 7),
				.created = sqlite3_column_int64(q, 8)};
		++*n;
		if ((rc = fn(ctx, &p)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading peers");
	give(s, which, q);
	return rc;
}

int sqlite_peer_get(store *st, const char *name, store_peer_fn fn, void *ctx, sol_err *err)
{
	size_t n;
	int rc = peers_walk((store_sqlite *)st, T_PEER_GET, name, fn, ctx, &n, err);
	if (rc == 0 && n == 0)
		rc = sol_fail(err, SOL_ENOTFOUND, name, "no such peer");
	return rc;
}

int sqlite_peer_list(store *st, store_peer_fn fn, void *ctx, sol_err *err)
{
	size_t n;
	return peers_walk((store_sqlite *)st, T_PEER_LIST, NULL, fn, ctx, &n, err);
}

int sqlite_peer_remove(store *st, const char *name, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	bool own;
	int rc = txn_begin(s, &own, err);
	if (rc != 0)
		return rc;
	if ((rc = run_text(s, T_PEER_DEL_CURSORS, name, err, "removing cursors")) == 0 &&
	    (rc = run_text(s, T_PEER_DEL, name, err, "removing a peer")) == 0 &&
	    sqlite3_changes(s->db) == 0)
		rc = sol_fail(err, SOL_ENOTFOUND, name, "no such peer");
	return txn_end(s, own, rc, err);
}

int sqlite_peer_cursor_get(store *st, const char *peer, const char *collection,
			   sol_time *added_after, char **next, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	sqlite3_stmt *q;
	*added_after = SOL_TIME_NONE;
	*next = NULL;
	int rc = take(s, T_CURSOR_GET, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, collection, -1, SQLITE_STATIC);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		*added_after = sqlite3_column_int64(q, 0);
		if (sqlite3_column_type(q, 1) != SQLITE_NULL)
			*next = xstrdup(column_text(q, 1));
	} else if (step == SQLITE_DONE) {
		rc = sol_fail(err, SOL_ENOTFOUND, peer, "never pulled collection %s", collection);
	} else {
		rc = sqlite_fail(s, err, "reading a cursor");
	}
	give(s, T_CURSOR_GET, q);
	return rc;
}

int sqlite_peer_cursor_set(store *st, const char *peer, const char *collection,
			   sol_time added_after, const char *next, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	int64_t one = 0;
	int rc = lookup(s, T_PEER_EXISTS, peer, &one, "peer", err);
	sqlite3_stmt *q;
	if (rc != 0 || (rc = take(s, T_CURSOR_SET, &q, err)) != 0)
		return rc;
	sqlite3_bind_text(q, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, collection, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, added_after);
	sqlite3_bind_text(q, 4, next, -1, SQLITE_STATIC);
	return run(s, T_CURSOR_SET, q, err, "saving a cursor");
}
