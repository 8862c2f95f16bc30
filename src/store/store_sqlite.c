/*
 * store_sqlite.c - the SQLite backend of the store (store.h).
 *
 * One database file, opened in WAL mode (synchronous=NORMAL: a commit
 * costs no fsync, only checkpoints do), with a 64 MiB page cache and a
 * busy timeout so an importer and a server can share the file. We create
 * the file ourselves, mode 0600, before SQLite opens it: it will hold
 * partner credentials, and SQLite gives the -wal and -shm files the mode
 * of the database. Creating the directory is the caller's business.
 *
 * ON-DISK FORMAT (PRAGMA user_version = the last migration step applied)
 *
 * Version 1 made the tables below; version 2 added `settings`; version 3
 * added the TAXII tables, whose format table heads store_sqlite_taxii.c.
 *
 *   TABLE / COLUMN        TYPE     MEANING
 *   sources               rowid    one row per importing source
 *     sid                 INTEGER  rowid; versions.source points here
 *     name                TEXT     "cert-xx", unique
 *   objects               rowid    one row per STIX id, whatever its versions
 *     oid                 INTEGER  rowid; versions.object points here
 *     id                  TEXT     "indicator--<uuid>", unique; the type is
 *                                  the part before "--" (STIX requires it),
 *                                  so no type column is kept
 *     cur                 INTEGER  date_added of the current version (the
 *                                  greatest version); updated by every put
 *                                  that adds a newer version
 *   versions              rowid    one row per stored (id, version)
 *     date_added          INTEGER  rowid: microseconds since the epoch when
 *                                  this node stored the version; strictly
 *                                  increasing across the file, so rowid order
 *                                  is date_added order (TAXII paging)
 *     object              INTEGER  objects.oid
 *     version             INTEGER  modified (else created, else 0), us
 *     source              INTEGER  sources.sid
 *     tlp                 INTEGER  effective TLP, stix_tlp value (0 none ..
 *                                  5 red; the enum's values are fixed)
 *     revoked             INTEGER  1 if this version says "revoked": true
 *     confidence          INTEGER  0..100, NULL if absent
 *     valid_until         INTEGER  us, NULL if absent
 *     hash                INTEGER  sol_hash64 (XXH3-64) of the canonical JSON
 *                                  as a signed 64-bit value: tells an
 *                                  unchanged version from a conflicting one
 *                                  without decompressing the body
 *     unmatchable         TEXT     indicators with no line-matchable atom:
 *                                  why; NULL for every other version
 *     codec               INTEGER  how body is stored: 0 raw canonical JSON,
 *                                  1 a zstd frame made with dict_v1 (read,
 *                                  no longer written), 2 the JSON with the
 *                                  id cut out: a varint (7 bits a byte,
 *                                  low first, at most 3 bytes) giving the
 *                                  offset of the cut, then a zstd frame
 *                                  made with dict_v2, magicless, without
 *                                  dictionary id, with the content size;
 *                                  the id (objects.id) goes back at the
 *                                  offset
 *     body                BLOB     the canonical JSON (stix_object_dump)
 *   versions_object       index    UNIQUE (object, version): one row per
 *                                  version, and every version of an object
 *                                  in order
 *   atoms                 no rowid the matchable atoms of indicator versions
 *     version             INTEGER  versions.date_added
 *     seq                 INTEGER  in pattern order: the index of the
 *                                  row's (last) atom
 *     kind                TEXT     obs_kind_name(): "ipv4", "domain", ...
 *     subdomains          INTEGER  1 if a domain also matches names below it;
 *                                  2: two atoms in one row, the value exact
 *                                  (0) then "and below" (1), as a list
 *                                  domain's pattern gives them
 *     value               TEXT     normal form (observable.h)
 *                         PRIMARY KEY (version, seq)
 *   settings              no rowid node settings (version 2)
 *     key                 TEXT     "node.identity", "export.rpz...", ...;
 *                                  PRIMARY KEY
 *     value               TEXT     whatever the owner of the key keeps
 *
 * Nothing is ever deleted. Foreign keys are declared but not enforced:
 * objects.cur and versions.object point at each other, which SQLite could
 * only check at commit, and a put outside a transaction has none; this
 * file is the only writer and inserts parents first.
 *
 * THE BODY DICTIONARY. Bodies of a few hundred bytes compress badly on
 * their own, so codec 1 compresses against `dict_v1`, a raw-content zstd
 * dictionary made of the bytes STIX objects repeat: key names in canonical
 * (sorted) order, common values, pattern prefixes and the TLP marking ids.
 * Codec 2 compresses against `dict_v2`: the same content, finalised with
 * entropy tables (scripts/make-dict-v2), so frames reuse its tables
 * instead of building their own per body, and stores the body less its
 * id, which the row already holds (47 bytes of JSON of each indicator).
 * The dictionaries are part of the on-disk format: every body of a codec
 * needs exactly its bytes to decompress, so neither dict_v1 nor dict_v2
 * may ever change. A better dictionary gets a new codec number and lives
 * beside the old ones; every codec a released solidarity wrote is read
 * forever.
 *
 * Migrations: `migrations[]` holds one step per schema version, applied in
 * order on open, each in its own transaction that also sets user_version.
 * A file whose user_version is newer than we know is refused.
 *
 * Statements are prepared once at open (stmts[]). The read calls take a
 * fresh copy of a statement if the cached one is busy, so a callback may
 * call back into the store; their bodies and atoms live in per-call
 * buffers for the same reason. A walk reads its rows' atoms with one
 * statement that moves forward with it (atoms_load), not a query per row.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "store/store_sqlite_int.h"

#define STORE_BUSY_MS 5000            /* wait this long for another writer */
#define STORE_CACHE_KIB "65536"       /* page cache: PRAGMA cache_size = -this */
#define STORE_MMAP_BYTES "2147418112" /* reads through mmap, up to Debian's 2 GiB cap */
#define STORE_CACHE_MIN_KIB 64        /* smallest page cache store_cache_set takes */
#define STORE_PAGE_SIZE "8192"        /* new files: half the pages (and writes) of 4 KiB */
#define STORE_ZSTD_LEVEL 1            /* bodies are small: speed over ratio */
#define STORE_ZSTD_LEVEL_LARGE (-3)   /* ... and text-heavy large ones: speed first */
#define STORE_ZSTD_LARGE 1024         /* bodies from this size on are large */
#define CODEC_RAW 0                   /* versions.codec: body is the JSON itself */
#define CODEC_ZSTD_DICT1 1            /* versions.codec: zstd frame, dict_v1 */
#define CODEC_ZSTD_NOID 2             /* versions.codec: id cut out, zstd frame, dict_v2 */
#define VARINT_MAX 3                  /* bytes of codec 2's offset (< 2^21 > STIX_MAX_OBJECT) */
#define STORE_ATOMS_SKIP 64           /* atoms stepped over before a seek instead */
#define ATOM_PAIR 2                   /* atoms.subdomains: the value exact, then and below */
#define UNMATCHABLE_DEFAULT "no line-matchable comparison"

/* ---- schema and migrations ------------------------------------------- */

static const char schema_v1[] =
    "CREATE TABLE sources(\n"
    "  sid INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE\n"
    ");\n"
    "CREATE TABLE objects(\n"
    "  oid INTEGER PRIMARY KEY,\n"
    "  id TEXT NOT NULL UNIQUE,\n"
    "  cur INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE versions(\n"
    "  date_added INTEGER PRIMARY KEY,\n"
    "  object INTEGER NOT NULL REFERENCES objects(oid),\n"
    "  version INTEGER NOT NULL,\n"
    "  source INTEGER NOT NULL REFERENCES sources(sid),\n"
    "  tlp INTEGER NOT NULL,\n"
    "  revoked INTEGER NOT NULL,\n"
    "  confidence INTEGER,\n"
    "  valid_until INTEGER,\n"
    "  hash INTEGER NOT NULL,\n"
    "  unmatchable TEXT,\n"
    "  codec INTEGER NOT NULL,\n"
    "  body BLOB NOT NULL\n"
    ");\n"
    "CREATE UNIQUE INDEX versions_object ON versions(object, version);\n"
    "CREATE TABLE atoms(\n"
    "  version INTEGER NOT NULL REFERENCES versions(date_added),\n"
    "  seq INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  subdomains INTEGER NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  PRIMARY KEY(version, seq)\n"
    ") WITHOUT ROWID;\n";

static const char schema_v2[] = "CREATE TABLE settings(\n"
				"  key TEXT PRIMARY KEY,\n"
				"  value TEXT NOT NULL\n"
				") WITHOUT ROWID;\n";

static const struct migration {
	int version;     /* user_version after this step */
	const char *sql; /* statements that take the file there */
} migrations[] = {
    {1, schema_v1},
    {2, schema_v2},
    {3, store_sqlite_schema_v3},
};

#define SCHEMA_VERSION (migrations[sizeof migrations / sizeof migrations[0] - 1].version)

/* ---- the body dictionary (on-disk format: never change) -------------- */

/*
 * Raw content: zstd finds matches anywhere in it, and the bytes nearest
 * the end are the cheapest to refer to, so the rarest fragments come
 * first and the skeleton of a simple TLP-marked indicator comes last.
 */
static const char dict_v1[] =
    "\"x_mitre_version\":\"\",\"x_misp_category\":\"\",\"x_misp_type\":\""
    "\"definition_type\":\"statement\",\"definition\":{\"statement\":\""
    "\"opinion\":\"strongly-agree\",\"explanation\":\"\",\"authors\":[\""
    "\"abstract\":\"\",\"content\":\"\",\"context\":\"suspicious-activity\""
    "\"tool_types\":[\"\"],\"vulnerability\",\"course-of-action\",\"infrastructure\","
    "\"infrastructure_types\":[\"command-and-control\"],\"location\",\"region\":\""
    "\"country\":\"\",\"latitude\":,\"longitude\":,\"grouping\",\"note\",\"opinion\","
    "\"threat_actor_types\":[\"\"],\"roles\":[\"\"],\"goals\":[\"\"],"
    "\"sophistication\":\"\",\"resource_level\":\"\",\"primary_motivation\":\""
    "\"malware_types\":[\"ransomware\",\"trojan\",\"backdoor\"],\"is_family\":true,"
    "\"is_family\":false,\"implementation_languages\":[\"\"],\"architecture_execution_envs"
    "\"first_observed\":\"\",\"last_observed\":\"\",\"number_observed\":1,"
    "\"observed-data\",\"objects\":{\"0\":{\"type\":\"\",\"value\":\"\"}},"
    "\"sighting_of_ref\":\"indicator--\",\"where_sighted_refs\":[\"identity--\"],"
    "\"count\":1,\"first_seen\":\"\",\"last_seen\":\"\",\"summary\":false,"
    "\"relationship_type\":\"indicates\",\"relationship_type\":\"uses\","
    "\"relationship_type\":\"attributed-to\",\"relationship_type\":\"targets\","
    "\"source_ref\":\"indicator--\",\"target_ref\":\"malware--\",\"target_ref\":\""
    "\"identity_class\":\"organization\",\"sectors\":[\"\"],\"contact_information\":\""
    "\"report_types\":[\"threat-report\"],\"published\":\"\",\"object_refs\":[\""
    "\"aliases\":[\"\"],\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\","
    "\"phase_name\":\"\"}],\"kill_chain_name\":\"lockheed-martin-cyber-kill-chain\","
    "\"external_references\":[{\"external_id\":\"\",\"source_name\":\"mitre-attack\","
    "\"url\":\"https://\"}],\"source_name\":\"\",\"description\":\"\",\"labels\":[\"\"],"
    "\"lang\":\"en\",\"name\":\"\",\"revoked\":true,\"revoked\":false,"
    "\"granular_markings\":[{\"marking_ref\":\"\",\"selectors\":[\"\"]}],"
    "\"extensions\":{\"extension-definition--\":{\"extension_type\":\"property-extension\","
    "\"tlp_2_0\":\"\"}},\"marking-definition\",\"TLP:CLEAR\",\"TLP:GREEN\",\"TLP:AMBER\","
    "\"TLP:RED\",\"TLP:AMBER+STRICT\",\"definition_type\":\"tlp\",\"definition\":{\"tlp\":\""
    "\"type\":\"attack-pattern\",\"type\":\"campaign\",\"type\":\"intrusion-set\","
    "\"type\":\"threat-actor\",\"type\":\"tool\",\"type\":\"malware\",\"type\":\"report\","
    "\"type\":\"identity\",\"type\":\"sighting\",\"type\":\"relationship\","
    "\"type\":\"ipv4-addr\",\"type\":\"ipv6-addr\",\"type\":\"domain-name\","
    "\"type\":\"url\",\"type\":\"file\",\"type\":\"email-addr\","
    "\"value\":\"\",\"hashes\":{\"MD5\":\"\",\"SHA-1\":\"\",\"SHA-256\":\"\"},"
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9\","
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\","
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\","
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed\","
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003\","
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\","
    "[email-addr:value = '[url:value = 'http://[url:value = 'https://"
    "[file:hashes.MD5 = '[file:hashes.'SHA-1' = '[file:hashes.'SHA-256' = '"
    "[ipv6-addr:value = '[domain-name:value = '"
    "[ipv4-addr:value = '' OR ipv4-addr:value = '"
    "\"indicator_types\":[\"malicious-activity\"],\"indicator_types\":[\"anomalous-activity\"],"
    "\"valid_until\":\"\",\"confidence\":50,\"confidence\":75,\"confidence\":100,"
    "\"created_by_ref\":\"identity--\",\"created\":\"2024-01-01T00:00:00.000Z\","
    "\"created\":\"2025-01-01T00:00:00.000Z\",\"id\":\"indicator--\",\"modified\":\""
    "\"object_marking_refs\":[\"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421\"],"
    "\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"],"
    "\"object_marking_refs\":[\"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487\"],"
    "{\"created\":\"2026-01-01T00:00:00.000Z\",\"id\":\"indicator--\",\"modified\":\"2026-"
    "\"object_marking_refs\":[\"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421\"],"
    "\"pattern\":\"[ipv4-addr:value = '']\",\"pattern_type\":\"stix\",\"spec_version\":\"2.1\","
    "\"type\":\"indicator\",\"valid_from\":\"2026-";

/*
 * dict_v2, codec 2's dictionary: dict_v1's bytes as content plus entropy
 * tables fitted to synthetic indicator bodies (scripts/make-dict-v2 says
 * how; it is reproducible). With the tables every frame reuses them
 * instead of building its own, which was most of the cost of compressing
 * a body of a few hundred bytes, and literals get Huffman coding for free.
 */
static const unsigned char dict_v2[] = {
    /* dict_v2: made by scripts/make-dict-v2 (zstd 10504); never edit. */
    0x37, 0xa4, 0x30, 0xec, 0x32, 0x4c, 0x4f, 0x53, 0x2d, 0x10, 0xc8, 0x0a, 0x9b, 0x0e, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0x97, 0x20, 0x88, 0xcc, 0xbe, 0xdf, 0xda, 0x63, 0x93, 0xd9, 0xff, 0xff,
    0x77, 0xa3, 0xc5, 0x8b, 0x1f, 0xca, 0xbd, 0xe9, 0xa0, 0x93, 0x94, 0x52, 0xca, 0x24, 0x53, 0xba,
    0xcf, 0xad, 0x92, 0xab, 0x2a, 0x98, 0x53, 0x01, 0x00, 0x00, 0x00, 0x2a, 0x04, 0xce, 0x16, 0xa2,
    0x72, 0x00, 0x00, 0x04, 0x80, 0x80, 0x06, 0x81, 0x13, 0x03, 0x32, 0x15, 0x11, 0x0e, 0x0a, 0x09,
    0x06, 0x05, 0x0e, 0x2f, 0x28, 0x28, 0x10, 0x55, 0x01, 0x00, 0x00, 0x00, 0x00, 0x92, 0x42, 0x00,
    0x00, 0x20, 0xaa, 0x80, 0x01, 0x00, 0xf1, 0xd0, 0x00, 0x00, 0x00, 0x00, 0xa4, 0xf8, 0x00, 0x18,
    0x00, 0x00, 0x08, 0x15, 0x31, 0x10, 0xc6, 0x81, 0x18, 0x5b, 0x02, 0x00, 0x10, 0x81, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x22, 0x78,
    0x5f, 0x6d, 0x69, 0x74, 0x72, 0x65, 0x5f, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x22, 0x3a,
    0x22, 0x22, 0x2c, 0x22, 0x78, 0x5f, 0x6d, 0x69, 0x73, 0x70, 0x5f, 0x63, 0x61, 0x74, 0x65, 0x67,
    0x6f, 0x72, 0x79, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x78, 0x5f, 0x6d, 0x69, 0x73, 0x70, 0x5f,
    0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x22, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69,
    0x6f, 0x6e, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x73, 0x74, 0x61, 0x74, 0x65, 0x6d,
    0x65, 0x6e, 0x74, 0x22, 0x2c, 0x22, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e,
    0x22, 0x3a, 0x7b, 0x22, 0x73, 0x74, 0x61, 0x74, 0x65, 0x6d, 0x65, 0x6e, 0x74, 0x22, 0x3a, 0x22,
    0x22, 0x6f, 0x70, 0x69, 0x6e, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0x73, 0x74, 0x72, 0x6f, 0x6e,
    0x67, 0x6c, 0x79, 0x2d, 0x61, 0x67, 0x72, 0x65, 0x65, 0x22, 0x2c, 0x22, 0x65, 0x78, 0x70, 0x6c,
    0x61, 0x6e, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x61, 0x75, 0x74,
    0x68, 0x6f, 0x72, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x22, 0x61, 0x62, 0x73, 0x74, 0x72, 0x61, 0x63,
    0x74, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x22, 0x3a,
    0x22, 0x22, 0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0x73, 0x75,
    0x73, 0x70, 0x69, 0x63, 0x69, 0x6f, 0x75, 0x73, 0x2d, 0x61, 0x63, 0x74, 0x69, 0x76, 0x69, 0x74,
    0x79, 0x22, 0x22, 0x74, 0x6f, 0x6f, 0x6c, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x73, 0x22, 0x3a, 0x5b,
    0x22, 0x22, 0x5d, 0x2c, 0x22, 0x76, 0x75, 0x6c, 0x6e, 0x65, 0x72, 0x61, 0x62, 0x69, 0x6c, 0x69,
    0x74, 0x79, 0x22, 0x2c, 0x22, 0x63, 0x6f, 0x75, 0x72, 0x73, 0x65, 0x2d, 0x6f, 0x66, 0x2d, 0x61,
    0x63, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x2c, 0x22, 0x69, 0x6e, 0x66, 0x72, 0x61, 0x73, 0x74, 0x72,
    0x75, 0x63, 0x74, 0x75, 0x72, 0x65, 0x22, 0x2c, 0x22, 0x69, 0x6e, 0x66, 0x72, 0x61, 0x73, 0x74,
    0x72, 0x75, 0x63, 0x74, 0x75, 0x72, 0x65, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x73, 0x22, 0x3a, 0x5b,
    0x22, 0x63, 0x6f, 0x6d, 0x6d, 0x61, 0x6e, 0x64, 0x2d, 0x61, 0x6e, 0x64, 0x2d, 0x63, 0x6f, 0x6e,
    0x74, 0x72, 0x6f, 0x6c, 0x22, 0x5d, 0x2c, 0x22, 0x6c, 0x6f, 0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e,
    0x22, 0x2c, 0x22, 0x72, 0x65, 0x67, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0x22, 0x63, 0x6f, 0x75,
    0x6e, 0x74, 0x72, 0x79, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x6c, 0x61, 0x74, 0x69, 0x74, 0x75,
    0x64, 0x65, 0x22, 0x3a, 0x2c, 0x22, 0x6c, 0x6f, 0x6e, 0x67, 0x69, 0x74, 0x75, 0x64, 0x65, 0x22,
    0x3a, 0x2c, 0x22, 0x67, 0x72, 0x6f, 0x75, 0x70, 0x69, 0x6e, 0x67, 0x22, 0x2c, 0x22, 0x6e, 0x6f,
    0x74, 0x65, 0x22, 0x2c, 0x22, 0x6f, 0x70, 0x69, 0x6e, 0x69, 0x6f, 0x6e, 0x22, 0x2c, 0x22, 0x74,
    0x68, 0x72, 0x65, 0x61, 0x74, 0x5f, 0x61, 0x63, 0x74, 0x6f, 0x72, 0x5f, 0x74, 0x79, 0x70, 0x65,
    0x73, 0x22, 0x3a, 0x5b, 0x22, 0x22, 0x5d, 0x2c, 0x22, 0x72, 0x6f, 0x6c, 0x65, 0x73, 0x22, 0x3a,
    0x5b, 0x22, 0x22, 0x5d, 0x2c, 0x22, 0x67, 0x6f, 0x61, 0x6c, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x22,
    0x5d, 0x2c, 0x22, 0x73, 0x6f, 0x70, 0x68, 0x69, 0x73, 0x74, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6f,
    0x6e, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x72, 0x65, 0x73, 0x6f, 0x75, 0x72, 0x63, 0x65, 0x5f,
    0x6c, 0x65, 0x76, 0x65, 0x6c, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x70, 0x72, 0x69, 0x6d, 0x61,
    0x72, 0x79, 0x5f, 0x6d, 0x6f, 0x74, 0x69, 0x76, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22,
    0x22, 0x6d, 0x61, 0x6c, 0x77, 0x61, 0x72, 0x65, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x73, 0x22, 0x3a,
    0x5b, 0x22, 0x72, 0x61, 0x6e, 0x73, 0x6f, 0x6d, 0x77, 0x61, 0x72, 0x65, 0x22, 0x2c, 0x22, 0x74,
    0x72, 0x6f, 0x6a, 0x61, 0x6e, 0x22, 0x2c, 0x22, 0x62, 0x61, 0x63, 0x6b, 0x64, 0x6f, 0x6f, 0x72,
    0x22, 0x5d, 0x2c, 0x22, 0x69, 0x73, 0x5f, 0x66, 0x61, 0x6d, 0x69, 0x6c, 0x79, 0x22, 0x3a, 0x74,
    0x72, 0x75, 0x65, 0x2c, 0x22, 0x69, 0x73, 0x5f, 0x66, 0x61, 0x6d, 0x69, 0x6c, 0x79, 0x22, 0x3a,
    0x66, 0x61, 0x6c, 0x73, 0x65, 0x2c, 0x22, 0x69, 0x6d, 0x70, 0x6c, 0x65, 0x6d, 0x65, 0x6e, 0x74,
    0x61, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x6c, 0x61, 0x6e, 0x67, 0x75, 0x61, 0x67, 0x65, 0x73, 0x22,
    0x3a, 0x5b, 0x22, 0x22, 0x5d, 0x2c, 0x22, 0x61, 0x72, 0x63, 0x68, 0x69, 0x74, 0x65, 0x63, 0x74,
    0x75, 0x72, 0x65, 0x5f, 0x65, 0x78, 0x65, 0x63, 0x75, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x65, 0x6e,
    0x76, 0x73, 0x22, 0x66, 0x69, 0x72, 0x73, 0x74, 0x5f, 0x6f, 0x62, 0x73, 0x65, 0x72, 0x76, 0x65,
    0x64, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x6c, 0x61, 0x73, 0x74, 0x5f, 0x6f, 0x62, 0x73, 0x65,
    0x72, 0x76, 0x65, 0x64, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72,
    0x5f, 0x6f, 0x62, 0x73, 0x65, 0x72, 0x76, 0x65, 0x64, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0x6f, 0x62,
    0x73, 0x65, 0x72, 0x76, 0x65, 0x64, 0x2d, 0x64, 0x61, 0x74, 0x61, 0x22, 0x2c, 0x22, 0x6f, 0x62,
    0x6a, 0x65, 0x63, 0x74, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x30, 0x22, 0x3a, 0x7b, 0x22, 0x74, 0x79,
    0x70, 0x65, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x22, 0x3a, 0x22,
    0x22, 0x7d, 0x7d, 0x2c, 0x22, 0x73, 0x69, 0x67, 0x68, 0x74, 0x69, 0x6e, 0x67, 0x5f, 0x6f, 0x66,
    0x5f, 0x72, 0x65, 0x66, 0x22, 0x3a, 0x22, 0x69, 0x6e, 0x64, 0x69, 0x63, 0x61, 0x74, 0x6f, 0x72,
    0x2d, 0x2d, 0x22, 0x2c, 0x22, 0x77, 0x68, 0x65, 0x72, 0x65, 0x5f, 0x73, 0x69, 0x67, 0x68, 0x74,
    0x65, 0x64, 0x5f, 0x72, 0x65, 0x66, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x69, 0x64, 0x65, 0x6e, 0x74,
    0x69, 0x74, 0x79, 0x2d, 0x2d, 0x22, 0x5d, 0x2c, 0x22, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x22, 0x3a,
    0x31, 0x2c, 0x22, 0x66, 0x69, 0x72, 0x73, 0x74, 0x5f, 0x73, 0x65, 0x65, 0x6e, 0x22, 0x3a, 0x22,
    0x22, 0x2c, 0x22, 0x6c, 0x61, 0x73, 0x74, 0x5f, 0x73, 0x65, 0x65, 0x6e, 0x22, 0x3a, 0x22, 0x22,
    0x2c, 0x22, 0x73, 0x75, 0x6d, 0x6d, 0x61, 0x72, 0x79, 0x22, 0x3a, 0x66, 0x61, 0x6c, 0x73, 0x65,
    0x2c, 0x22, 0x72, 0x65, 0x6c, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x73, 0x68, 0x69, 0x70, 0x5f, 0x74,
    0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x69, 0x6e, 0x64, 0x69, 0x63, 0x61, 0x74, 0x65, 0x73, 0x22,
    0x2c, 0x22, 0x72, 0x65, 0x6c, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x73, 0x68, 0x69, 0x70, 0x5f, 0x74,
    0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x75, 0x73, 0x65, 0x73, 0x22, 0x2c, 0x22, 0x72, 0x65, 0x6c,
    0x61, 0x74, 0x69, 0x6f, 0x6e, 0x73, 0x68, 0x69, 0x70, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a,
    0x22, 0x61, 0x74, 0x74, 0x72, 0x69, 0x62, 0x75, 0x74, 0x65, 0x64, 0x2d, 0x74, 0x6f, 0x22, 0x2c,
    0x22, 0x72, 0x65, 0x6c, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x73, 0x68, 0x69, 0x70, 0x5f, 0x74, 0x79,
    0x70, 0x65, 0x22, 0x3a, 0x22, 0x74, 0x61, 0x72, 0x67, 0x65, 0x74, 0x73, 0x22, 0x2c, 0x22, 0x73,
    0x6f, 0x75, 0x72, 0x63, 0x65, 0x5f, 0x72, 0x65, 0x66, 0x22, 0x3a, 0x22, 0x69, 0x6e, 0x64, 0x69,
    0x63, 0x61, 0x74, 0x6f, 0x72, 0x2d, 0x2d, 0x22, 0x2c, 0x22, 0x74, 0x61, 0x72, 0x67, 0x65, 0x74,
    0x5f, 0x72, 0x65, 0x66, 0x22, 0x3a, 0x22, 0x6d, 0x61, 0x6c, 0x77, 0x61, 0x72, 0x65, 0x2d, 0x2d,
    0x22, 0x2c, 0x22, 0x74, 0x61, 0x72, 0x67, 0x65, 0x74, 0x5f, 0x72, 0x65, 0x66, 0x22, 0x3a, 0x22,
    0x22, 0x69, 0x64, 0x65, 0x6e, 0x74, 0x69, 0x74, 0x79, 0x5f, 0x63, 0x6c, 0x61, 0x73, 0x73, 0x22,
    0x3a, 0x22, 0x6f, 0x72, 0x67, 0x61, 0x6e, 0x69, 0x7a, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x2c,
    0x22, 0x73, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x22, 0x5d, 0x2c, 0x22,
    0x63, 0x6f, 0x6e, 0x74, 0x61, 0x63, 0x74, 0x5f, 0x69, 0x6e, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74,
    0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0x22, 0x72, 0x65, 0x70, 0x6f, 0x72, 0x74, 0x5f, 0x74, 0x79,
    0x70, 0x65, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x74, 0x68, 0x72, 0x65, 0x61, 0x74, 0x2d, 0x72, 0x65,
    0x70, 0x6f, 0x72, 0x74, 0x22, 0x5d, 0x2c, 0x22, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x73, 0x68, 0x65,
    0x64, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x6f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x5f, 0x72, 0x65,
    0x66, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x22, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x65, 0x73, 0x22, 0x3a,
    0x5b, 0x22, 0x22, 0x5d, 0x2c, 0x22, 0x6b, 0x69, 0x6c, 0x6c, 0x5f, 0x63, 0x68, 0x61, 0x69, 0x6e,
    0x5f, 0x70, 0x68, 0x61, 0x73, 0x65, 0x73, 0x22, 0x3a, 0x5b, 0x7b, 0x22, 0x6b, 0x69, 0x6c, 0x6c,
    0x5f, 0x63, 0x68, 0x61, 0x69, 0x6e, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0x6d, 0x69,
    0x74, 0x72, 0x65, 0x2d, 0x61, 0x74, 0x74, 0x61, 0x63, 0x6b, 0x22, 0x2c, 0x22, 0x70, 0x68, 0x61,
    0x73, 0x65, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0x22, 0x7d, 0x5d, 0x2c, 0x22, 0x6b,
    0x69, 0x6c, 0x6c, 0x5f, 0x63, 0x68, 0x61, 0x69, 0x6e, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a,
    0x22, 0x6c, 0x6f, 0x63, 0x6b, 0x68, 0x65, 0x65, 0x64, 0x2d, 0x6d, 0x61, 0x72, 0x74, 0x69, 0x6e,
    0x2d, 0x63, 0x79, 0x62, 0x65, 0x72, 0x2d, 0x6b, 0x69, 0x6c, 0x6c, 0x2d, 0x63, 0x68, 0x61, 0x69,
    0x6e, 0x22, 0x2c, 0x22, 0x65, 0x78, 0x74, 0x65, 0x72, 0x6e, 0x61, 0x6c, 0x5f, 0x72, 0x65, 0x66,
    0x65, 0x72, 0x65, 0x6e, 0x63, 0x65, 0x73, 0x22, 0x3a, 0x5b, 0x7b, 0x22, 0x65, 0x78, 0x74, 0x65,
    0x72, 0x6e, 0x61, 0x6c, 0x5f, 0x69, 0x64, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x73, 0x6f, 0x75,
    0x72, 0x63, 0x65, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0x6d, 0x69, 0x74, 0x72, 0x65,
    0x2d, 0x61, 0x74, 0x74, 0x61, 0x63, 0x6b, 0x22, 0x2c, 0x22, 0x75, 0x72, 0x6c, 0x22, 0x3a, 0x22,
    0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f, 0x2f, 0x22, 0x7d, 0x5d, 0x2c, 0x22, 0x73, 0x6f, 0x75,
    0x72, 0x63, 0x65, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x64, 0x65,
    0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x6c,
    0x61, 0x62, 0x65, 0x6c, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x22, 0x5d, 0x2c, 0x22, 0x6c, 0x61, 0x6e,
    0x67, 0x22, 0x3a, 0x22, 0x65, 0x6e, 0x22, 0x2c, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22,
    0x22, 0x2c, 0x22, 0x72, 0x65, 0x76, 0x6f, 0x6b, 0x65, 0x64, 0x22, 0x3a, 0x74, 0x72, 0x75, 0x65,
    0x2c, 0x22, 0x72, 0x65, 0x76, 0x6f, 0x6b, 0x65, 0x64, 0x22, 0x3a, 0x66, 0x61, 0x6c, 0x73, 0x65,
    0x2c, 0x22, 0x67, 0x72, 0x61, 0x6e, 0x75, 0x6c, 0x61, 0x72, 0x5f, 0x6d, 0x61, 0x72, 0x6b, 0x69,
    0x6e, 0x67, 0x73, 0x22, 0x3a, 0x5b, 0x7b, 0x22, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e, 0x67, 0x5f,
    0x72, 0x65, 0x66, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x73, 0x65, 0x6c, 0x65, 0x63, 0x74, 0x6f,
    0x72, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x22, 0x5d, 0x7d, 0x5d, 0x2c, 0x22, 0x65, 0x78, 0x74, 0x65,
    0x6e, 0x73, 0x69, 0x6f, 0x6e, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x65, 0x78, 0x74, 0x65, 0x6e, 0x73,
    0x69, 0x6f, 0x6e, 0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d, 0x2d,
    0x22, 0x3a, 0x7b, 0x22, 0x65, 0x78, 0x74, 0x65, 0x6e, 0x73, 0x69, 0x6f, 0x6e, 0x5f, 0x74, 0x79,
    0x70, 0x65, 0x22, 0x3a, 0x22, 0x70, 0x72, 0x6f, 0x70, 0x65, 0x72, 0x74, 0x79, 0x2d, 0x65, 0x78,
    0x74, 0x65, 0x6e, 0x73, 0x69, 0x6f, 0x6e, 0x22, 0x2c, 0x22, 0x74, 0x6c, 0x70, 0x5f, 0x32, 0x5f,
    0x30, 0x22, 0x3a, 0x22, 0x22, 0x7d, 0x7d, 0x2c, 0x22, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e, 0x67,
    0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x2c, 0x22, 0x54, 0x4c,
    0x50, 0x3a, 0x43, 0x4c, 0x45, 0x41, 0x52, 0x22, 0x2c, 0x22, 0x54, 0x4c, 0x50, 0x3a, 0x47, 0x52,
    0x45, 0x45, 0x4e, 0x22, 0x2c, 0x22, 0x54, 0x4c, 0x50, 0x3a, 0x41, 0x4d, 0x42, 0x45, 0x52, 0x22,
    0x2c, 0x22, 0x54, 0x4c, 0x50, 0x3a, 0x52, 0x45, 0x44, 0x22, 0x2c, 0x22, 0x54, 0x4c, 0x50, 0x3a,
    0x41, 0x4d, 0x42, 0x45, 0x52, 0x2b, 0x53, 0x54, 0x52, 0x49, 0x43, 0x54, 0x22, 0x2c, 0x22, 0x64,
    0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a,
    0x22, 0x74, 0x6c, 0x70, 0x22, 0x2c, 0x22, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f,
    0x6e, 0x22, 0x3a, 0x7b, 0x22, 0x74, 0x6c, 0x70, 0x22, 0x3a, 0x22, 0x22, 0x74, 0x79, 0x70, 0x65,
    0x22, 0x3a, 0x22, 0x61, 0x74, 0x74, 0x61, 0x63, 0x6b, 0x2d, 0x70, 0x61, 0x74, 0x74, 0x65, 0x72,
    0x6e, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x63, 0x61, 0x6d, 0x70, 0x61,
    0x69, 0x67, 0x6e, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x69, 0x6e, 0x74,
    0x72, 0x75, 0x73, 0x69, 0x6f, 0x6e, 0x2d, 0x73, 0x65, 0x74, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70,
    0x65, 0x22, 0x3a, 0x22, 0x74, 0x68, 0x72, 0x65, 0x61, 0x74, 0x2d, 0x61, 0x63, 0x74, 0x6f, 0x72,
    0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x74, 0x6f, 0x6f, 0x6c, 0x22, 0x2c,
    0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x6d, 0x61, 0x6c, 0x77, 0x61, 0x72, 0x65, 0x22,
    0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x72, 0x65, 0x70, 0x6f, 0x72, 0x74, 0x22,
    0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x69, 0x64, 0x65, 0x6e, 0x74, 0x69, 0x74,
    0x79, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x73, 0x69, 0x67, 0x68, 0x74,
    0x69, 0x6e, 0x67, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x72, 0x65, 0x6c,
    0x61, 0x74, 0x69, 0x6f, 0x6e, 0x73, 0x68, 0x69, 0x70, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65,
    0x22, 0x3a, 0x22, 0x69, 0x70, 0x76, 0x34, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x22, 0x2c, 0x22, 0x74,
    0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x69, 0x70, 0x76, 0x36, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x22,
    0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x64, 0x6f, 0x6d, 0x61, 0x69, 0x6e, 0x2d,
    0x6e, 0x61, 0x6d, 0x65, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x75, 0x72,
    0x6c, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x66, 0x69, 0x6c, 0x65, 0x22,
    0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x65, 0x6d, 0x61, 0x69, 0x6c, 0x2d, 0x61,
    0x64, 0x64, 0x72, 0x22, 0x2c, 0x22, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x22, 0x3a, 0x22, 0x22, 0x2c,
    0x22, 0x68, 0x61, 0x73, 0x68, 0x65, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x4d, 0x44, 0x35, 0x22, 0x3a,
    0x22, 0x22, 0x2c, 0x22, 0x53, 0x48, 0x41, 0x2d, 0x31, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x53,
    0x48, 0x41, 0x2d, 0x32, 0x35, 0x36, 0x22, 0x3a, 0x22, 0x22, 0x7d, 0x2c, 0x6d, 0x61, 0x72, 0x6b,
    0x69, 0x6e, 0x67, 0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d, 0x2d,
    0x36, 0x31, 0x33, 0x66, 0x32, 0x65, 0x32, 0x36, 0x2d, 0x34, 0x30, 0x37, 0x64, 0x2d, 0x34, 0x38,
    0x63, 0x37, 0x2d, 0x39, 0x65, 0x63, 0x61, 0x2d, 0x62, 0x38, 0x65, 0x39, 0x31, 0x64, 0x66, 0x39,
    0x39, 0x64, 0x63, 0x39, 0x22, 0x2c, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e, 0x67, 0x2d, 0x64, 0x65,
    0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d, 0x2d, 0x33, 0x34, 0x30, 0x39, 0x38, 0x66,
    0x63, 0x65, 0x2d, 0x38, 0x36, 0x30, 0x66, 0x2d, 0x34, 0x38, 0x61, 0x65, 0x2d, 0x38, 0x65, 0x35,
    0x30, 0x2d, 0x65, 0x62, 0x64, 0x33, 0x63, 0x63, 0x35, 0x65, 0x34, 0x31, 0x64, 0x61, 0x22, 0x2c,
    0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e, 0x67, 0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69,
    0x6f, 0x6e, 0x2d, 0x2d, 0x66, 0x38, 0x38, 0x64, 0x33, 0x31, 0x66, 0x36, 0x2d, 0x34, 0x38, 0x36,
    0x66, 0x2d, 0x34, 0x34, 0x64, 0x61, 0x2d, 0x62, 0x33, 0x31, 0x37, 0x2d, 0x30, 0x31, 0x33, 0x33,
    0x33, 0x62, 0x64, 0x65, 0x30, 0x62, 0x38, 0x32, 0x22, 0x2c, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e,
    0x67, 0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d, 0x2d, 0x35, 0x65,
    0x35, 0x37, 0x63, 0x37, 0x33, 0x39, 0x2d, 0x33, 0x39, 0x31, 0x61, 0x2d, 0x34, 0x65, 0x62, 0x33,
    0x2d, 0x62, 0x36, 0x62, 0x65, 0x2d, 0x37, 0x64, 0x31, 0x35, 0x63, 0x61, 0x39, 0x32, 0x64, 0x35,
    0x65, 0x64, 0x22, 0x2c, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e, 0x67, 0x2d, 0x64, 0x65, 0x66, 0x69,
    0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d, 0x2d, 0x39, 0x33, 0x39, 0x61, 0x39, 0x34, 0x31, 0x34,
    0x2d, 0x32, 0x64, 0x64, 0x64, 0x2d, 0x34, 0x64, 0x33, 0x32, 0x2d, 0x61, 0x30, 0x63, 0x64, 0x2d,
    0x33, 0x37, 0x35, 0x65, 0x61, 0x34, 0x30, 0x32, 0x62, 0x30, 0x30, 0x33, 0x22, 0x2c, 0x6d, 0x61,
    0x72, 0x6b, 0x69, 0x6e, 0x67, 0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e,
    0x2d, 0x2d, 0x65, 0x38, 0x32, 0x38, 0x62, 0x33, 0x37, 0x39, 0x2d, 0x34, 0x65, 0x30, 0x33, 0x2d,
    0x34, 0x39, 0x37, 0x34, 0x2d, 0x39, 0x61, 0x63, 0x34, 0x2d, 0x65, 0x35, 0x33, 0x61, 0x38, 0x38,
    0x34, 0x63, 0x39, 0x37, 0x63, 0x31, 0x22, 0x2c, 0x5b, 0x65, 0x6d, 0x61, 0x69, 0x6c, 0x2d, 0x61,
    0x64, 0x64, 0x72, 0x3a, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x20, 0x3d, 0x20, 0x27, 0x5b, 0x75, 0x72,
    0x6c, 0x3a, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x20, 0x3d, 0x20, 0x27, 0x68, 0x74, 0x74, 0x70, 0x3a,
    0x2f, 0x2f, 0x5b, 0x75, 0x72, 0x6c, 0x3a, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x20, 0x3d, 0x20, 0x27,
    0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f, 0x2f, 0x5b, 0x66, 0x69, 0x6c, 0x65, 0x3a, 0x68, 0x61,
    0x73, 0x68, 0x65, 0x73, 0x2e, 0x4d, 0x44, 0x35, 0x20, 0x3d, 0x20, 0x27, 0x5b, 0x66, 0x69, 0x6c,
    0x65, 0x3a, 0x68, 0x61, 0x73, 0x68, 0x65, 0x73, 0x2e, 0x27, 0x53, 0x48, 0x41, 0x2d, 0x31, 0x27,
    0x20, 0x3d, 0x20, 0x27, 0x5b, 0x66, 0x69, 0x6c, 0x65, 0x3a, 0x68, 0x61, 0x73, 0x68, 0x65, 0x73,
    0x2e, 0x27, 0x53, 0x48, 0x41, 0x2d, 0x32, 0x35, 0x36, 0x27, 0x20, 0x3d, 0x20, 0x27, 0x5b, 0x69,
    0x70, 0x76, 0x36, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x3a, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x20, 0x3d,
    0x20, 0x27, 0x5b, 0x64, 0x6f, 0x6d, 0x61, 0x69, 0x6e, 0x2d, 0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x76,
    0x61, 0x6c, 0x75, 0x65, 0x20, 0x3d, 0x20, 0x27, 0x5b, 0x69, 0x70, 0x76, 0x34, 0x2d, 0x61, 0x64,
    0x64, 0x72, 0x3a, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x20, 0x3d, 0x20, 0x27, 0x27, 0x20, 0x4f, 0x52,
    0x20, 0x69, 0x70, 0x76, 0x34, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x3a, 0x76, 0x61, 0x6c, 0x75, 0x65,
    0x20, 0x3d, 0x20, 0x27, 0x22, 0x69, 0x6e, 0x64, 0x69, 0x63, 0x61, 0x74, 0x6f, 0x72, 0x5f, 0x74,
    0x79, 0x70, 0x65, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x6d, 0x61, 0x6c, 0x69, 0x63, 0x69, 0x6f, 0x75,
    0x73, 0x2d, 0x61, 0x63, 0x74, 0x69, 0x76, 0x69, 0x74, 0x79, 0x22, 0x5d, 0x2c, 0x22, 0x69, 0x6e,
    0x64, 0x69, 0x63, 0x61, 0x74, 0x6f, 0x72, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x73, 0x22, 0x3a, 0x5b,
    0x22, 0x61, 0x6e, 0x6f, 0x6d, 0x61, 0x6c, 0x6f, 0x75, 0x73, 0x2d, 0x61, 0x63, 0x74, 0x69, 0x76,
    0x69, 0x74, 0x79, 0x22, 0x5d, 0x2c, 0x22, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x5f, 0x75, 0x6e, 0x74,
    0x69, 0x6c, 0x22, 0x3a, 0x22, 0x22, 0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x66, 0x69, 0x64, 0x65, 0x6e,
    0x63, 0x65, 0x22, 0x3a, 0x35, 0x30, 0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x66, 0x69, 0x64, 0x65, 0x6e,
    0x63, 0x65, 0x22, 0x3a, 0x37, 0x35, 0x2c, 0x22, 0x63, 0x6f, 0x6e, 0x66, 0x69, 0x64, 0x65, 0x6e,
    0x63, 0x65, 0x22, 0x3a, 0x31, 0x30, 0x30, 0x2c, 0x22, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x64,
    0x5f, 0x62, 0x79, 0x5f, 0x72, 0x65, 0x66, 0x22, 0x3a, 0x22, 0x69, 0x64, 0x65, 0x6e, 0x74, 0x69,
    0x74, 0x79, 0x2d, 0x2d, 0x22, 0x2c, 0x22, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65, 0x64, 0x22, 0x3a,
    0x22, 0x32, 0x30, 0x32, 0x34, 0x2d, 0x30, 0x31, 0x2d, 0x30, 0x31, 0x54, 0x30, 0x30, 0x3a, 0x30,
    0x30, 0x3a, 0x30, 0x30, 0x2e, 0x30, 0x30, 0x30, 0x5a, 0x22, 0x2c, 0x22, 0x63, 0x72, 0x65, 0x61,
    0x74, 0x65, 0x64, 0x22, 0x3a, 0x22, 0x32, 0x30, 0x32, 0x35, 0x2d, 0x30, 0x31, 0x2d, 0x30, 0x31,
    0x54, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x2e, 0x30, 0x30, 0x30, 0x5a, 0x22, 0x2c,
    0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0x69, 0x6e, 0x64, 0x69, 0x63, 0x61, 0x74, 0x6f, 0x72, 0x2d,
    0x2d, 0x22, 0x2c, 0x22, 0x6d, 0x6f, 0x64, 0x69, 0x66, 0x69, 0x65, 0x64, 0x22, 0x3a, 0x22, 0x22,
    0x6f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x5f, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e, 0x67, 0x5f, 0x72,
    0x65, 0x66, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e, 0x67, 0x2d, 0x64,
    0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d, 0x2d, 0x35, 0x35, 0x64, 0x39, 0x32,
    0x30, 0x62, 0x30, 0x2d, 0x35, 0x65, 0x38, 0x62, 0x2d, 0x34, 0x66, 0x37, 0x39, 0x2d, 0x39, 0x65,
    0x65, 0x39, 0x2d, 0x39, 0x31, 0x66, 0x38, 0x36, 0x38, 0x64, 0x39, 0x62, 0x34, 0x32, 0x31, 0x22,
    0x5d, 0x2c, 0x22, 0x6f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x5f, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e,
    0x67, 0x5f, 0x72, 0x65, 0x66, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e,
    0x67, 0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d, 0x2d, 0x62, 0x61,
    0x62, 0x34, 0x61, 0x36, 0x33, 0x63, 0x2d, 0x61, 0x65, 0x64, 0x39, 0x2d, 0x34, 0x63, 0x66, 0x35,
    0x2d, 0x61, 0x37, 0x36, 0x36, 0x2d, 0x64, 0x66, 0x63, 0x61, 0x35, 0x61, 0x62, 0x61, 0x63, 0x32,
    0x62, 0x62, 0x22, 0x5d, 0x2c, 0x22, 0x6f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x5f, 0x6d, 0x61, 0x72,
    0x6b, 0x69, 0x6e, 0x67, 0x5f, 0x72, 0x65, 0x66, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x6d, 0x61, 0x72,
    0x6b, 0x69, 0x6e, 0x67, 0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d,
    0x2d, 0x39, 0x34, 0x38, 0x36, 0x38, 0x63, 0x38, 0x39, 0x2d, 0x38, 0x33, 0x63, 0x32, 0x2d, 0x34,
    0x36, 0x34, 0x62, 0x2d, 0x39, 0x32, 0x39, 0x62, 0x2d, 0x61, 0x31, 0x61, 0x38, 0x61, 0x61, 0x33,
    0x63, 0x38, 0x34, 0x38, 0x37, 0x22, 0x5d, 0x2c, 0x7b, 0x22, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65,
    0x64, 0x22, 0x3a, 0x22, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x31, 0x2d, 0x30, 0x31, 0x54, 0x30,
    0x30, 0x3a, 0x30, 0x30, 0x3a, 0x30, 0x30, 0x2e, 0x30, 0x30, 0x30, 0x5a, 0x22, 0x2c, 0x22, 0x69,
    0x64, 0x22, 0x3a, 0x22, 0x69, 0x6e, 0x64, 0x69, 0x63, 0x61, 0x74, 0x6f, 0x72, 0x2d, 0x2d, 0x22,
    0x2c, 0x22, 0x6d, 0x6f, 0x64, 0x69, 0x66, 0x69, 0x65, 0x64, 0x22, 0x3a, 0x22, 0x32, 0x30, 0x32,
    0x36, 0x2d, 0x22, 0x6f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x5f, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e,
    0x67, 0x5f, 0x72, 0x65, 0x66, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0x6d, 0x61, 0x72, 0x6b, 0x69, 0x6e,
    0x67, 0x2d, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x69, 0x74, 0x69, 0x6f, 0x6e, 0x2d, 0x2d, 0x35, 0x35,
    0x64, 0x39, 0x32, 0x30, 0x62, 0x30, 0x2d, 0x35, 0x65, 0x38, 0x62, 0x2d, 0x34, 0x66, 0x37, 0x39,
    0x2d, 0x39, 0x65, 0x65, 0x39, 0x2d, 0x39, 0x31, 0x66, 0x38, 0x36, 0x38, 0x64, 0x39, 0x62, 0x34,
    0x32, 0x31, 0x22, 0x5d, 0x2c, 0x22, 0x70, 0x61, 0x74, 0x74, 0x65, 0x72, 0x6e, 0x22, 0x3a, 0x22,
    0x5b, 0x69, 0x70, 0x76, 0x34, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x3a, 0x76, 0x61, 0x6c, 0x75, 0x65,
    0x20, 0x3d, 0x20, 0x27, 0x27, 0x5d, 0x22, 0x2c, 0x22, 0x70, 0x61, 0x74, 0x74, 0x65, 0x72, 0x6e,
    0x5f, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x73, 0x74, 0x69, 0x78, 0x22, 0x2c, 0x22, 0x73,
    0x70, 0x65, 0x63, 0x5f, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0x32, 0x2e,
    0x31, 0x22, 0x2c, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x69, 0x6e, 0x64, 0x69, 0x63,
    0x61, 0x74, 0x6f, 0x72, 0x22, 0x2c, 0x22, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x5f, 0x66, 0x72, 0x6f,
    0x6d, 0x22, 0x3a, 0x22, 0x32, 0x30, 0x32, 0x36, 0x2d,
};

/* ---- the store -------------------------------------------------------- */

static const char *const stmt_sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_READ_BEGIN] = "BEGIN DEFERRED",
    [Q_LAST_ADDED] = "SELECT max(date_added) FROM versions",
    [Q_FIND] = "SELECT o.oid, v.version, v.hash FROM objects o "
	       "JOIN versions v ON v.date_added = o.cur WHERE o.id = ?1",
    [Q_VERSION_HASH] = "SELECT hash FROM versions WHERE object = ?1 AND version = ?2",
    [Q_SOURCE_FIND] = "SELECT sid FROM sources WHERE name = ?1",
    [Q_SOURCE_ADD] = "INSERT INTO sources(name) VALUES(?1)",
    [Q_OBJECT_ADD] = "INSERT INTO objects(id, cur) VALUES(?1, ?2) ON CONFLICT(id) DO NOTHING",
    [Q_OBJECT_CUR] = "UPDATE objects SET cur = ?2 WHERE oid = ?1",
    [Q_VERSION_ADD] = "INSERT INTO versions(date_added, object, version, source, tlp, revoked, "
		      "confidence, valid_until, hash, unmatchable, codec, body) "
		      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_ATOM_ADD] = "INSERT INTO atoms(version, seq, kind, subdomains, value) "
		   "VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_ATOMS] = "SELECT version, kind, subdomains, value FROM atoms WHERE version >= ?1 "
		"ORDER BY version, seq",
    [Q_CURRENT] = "SELECT " ROW_COLUMNS "FROM objects o "
		  "JOIN versions v ON v.date_added = o.cur "
		  "JOIN sources s ON s.sid = v.source WHERE o.id = ?1",
    [Q_VERSIONS] = "SELECT " ROW_COLUMNS "FROM objects o "
		   "JOIN versions v ON v.object = o.oid "
		   "JOIN sources s ON s.sid = v.source WHERE o.id = ?1 "
		   "ORDER BY v.version, v.date_added",
    /* CROSS JOIN keeps versions as the outer loop: a rowid scan, which is
     * date_added order with no sort. */
    [Q_LIST] = "SELECT " ROW_COLUMNS "FROM versions v "
	       "CROSS JOIN objects o CROSS JOIN sources s "
	       "WHERE v.date_added >= ?1 AND o.oid = v.object AND o.cur = v.date_added "
	       "AND s.sid = v.source "
	       "AND (?2 IS NULL OR substr(o.id, 1, length(?2)) = ?2) "
	       "AND (?3 < 0 OR v.tlp = ?3) "
	       "AND (?4 IS NULL OR s.name = ?4) "
	       "AND (?5 OR v.revoked = 0) "
	       "ORDER BY v.date_added",
    /* One row per atom of each current, non-revoked, matchable indicator,
     * in date_added order: the outer loop is a sequential scan of atoms
     * (keyed by version, seq), and versions and objects are reached by
     * rowid in nearly the same order, so a walk of millions of indicators
     * reads the file front to back instead of descending the id index
     * once per indicator. Atoms of superseded versions are skipped by
     * o.cur. */
    [Q_INDICATORS] = "SELECT v.date_added, o.id, s.name, v.tlp, v.confidence, v.version, "
		     "v.valid_until, a.kind, a.subdomains, a.value "
		     "FROM atoms a CROSS JOIN versions v CROSS JOIN objects o "
		     "CROSS JOIN sources s "
		     "WHERE v.date_added = a.version AND o.oid = v.object "
		     "AND o.cur = v.date_added AND v.revoked = 0 AND s.sid = v.source "
		     "ORDER BY a.version, a.seq",
    [Q_SETTING_GET] = "SELECT value FROM settings WHERE key = ?1",
    [Q_SETTING_SET] = "INSERT INTO settings(key, value) VALUES(?1, ?2) "
		      "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
};

static const struct store_ops sqlite_ops;
static store_packer *sqlite_packer_new(store *base);
static void sqlite_packer_free(store_packer *pk);

/* Grow *p to hold at least need bytes. */
void sqlite_reserve(char **p, size_t *cap, size_t need)
{
	if (*cap >= need)
		return;
	*p = xrealloc(*p, need);
	*cap = need;
}

/* SQLite's last error as a sol_err naming the database path and what we
 * were doing: file trouble is SOL_EIO, the rest SOL_EDB. */
int sqlite_fail(store_sqlite *s, sol_err *err, const char *what)
{
	int code = sqlite3_errcode(s->db) & 0xff;
	bool io = code == SQLITE_CANTOPEN || code == SQLITE_IOERR || code == SQLITE_FULL ||
		  code == SQLITE_READONLY || code == SQLITE_PERM;
	return sol_fail(err, io ? SOL_EIO : SOL_EDB, s->base.location, "%s: %s", what,
			sqlite3_errmsg(s->db));
}

/* Run a statement that returns no rows, then reset it. */
int sqlite_run(store_sqlite *s, sqlite3_stmt *q, sol_err *err, const char *what)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sqlite_fail(s, err, what);
	return 0;
}

static int exec_sql(store_sqlite *s, const char *sql, sol_err *err, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, what);
	return 0;
}

/* ---- open, migrate, close --------------------------------------------- */

/* Create path with mode 0600 unless it exists (*created says which);
 * SQLite then opens the empty file as a new database and gives -wal/-shm
 * the same mode. */
static int file_create(const char *path, bool *created, sol_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	*created = fd >= 0;
	if (fd >= 0)
		return close(fd) == 0
			   ? 0
			   : sol_fail(err, SOL_EIO, path, "cannot create: %s", strerror(errno));
	if (errno == EEXIST)
		return 0;
	return sol_fail(err, SOL_EIO, path, "cannot create the database: %s", strerror(errno));
}

static int schema_version(store_sqlite *s, int *out, sol_err *err)
{
	sqlite3_stmt *q;
	*out = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "reading the schema version");
	int rc = sqlite3_step(q);
	*out = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : sqlite_fail(s, err, "reading the schema version");
}

/* One migration step in its own transaction. The version is read again
 * under the write lock: another process may have migrated meanwhile. */
static int migrate_step(store_sqlite *s, const struct migration *m, sol_err *err)
{
	int have, rc = exec_sql(s, "BEGIN IMMEDIATE", err, "migrating the schema");
	if (rc != 0)
		return rc;
	if ((rc = schema_version(s, &have, err)) == 0 && have < m->version) {
		char *sql = xasprintf("%s PRAGMA user_version = %d;", m->sql, m->version);
		rc = exec_sql(s, sql, err, "migrating the schema");
		free(sql);
	}
	if (rc == 0)
		rc = exec_sql(s, "COMMIT", err, "migrating the schema");
	if (rc != 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Apply every migration step newer than the file, in order; refuse a file
 * from a newer solidarity. */
static int schema_migrate(store_sqlite *s, sol_err *err)
{
	int have, rc;
	if ((rc = schema_version(s, &have, err)) != 0)
		return rc;
	if (have > SCHEMA_VERSION)
		return sol_fail(err, SOL_EDB, s->base.location,
				"database schema version %d is newer than this solidarity "
				"understands (%d)",
				have, SCHEMA_VERSION);
	for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++)
		if (migrations[i].version > have &&
		    (rc = migrate_step(s, &migrations[i], err)) != 0)
			return rc;
	return 0;
}

static void sqlite_close(store *base)
{
	store_sqlite *s = (store_sqlite *)base;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	for (int i = 0; i < STORE_TAXII_STMTS; i++)
		sqlite3_finalize(s->taxii[i]);
	sodium_memzero(s->hash_key, sizeof s->hash_key);
	sqlite3_close(s->db);
	sqlite_packer_free(s->packer);
	ZSTD_freeCDict(s->cdict2);
	ZSTD_freeCDict(s->cdict2_large);
	ZSTD_freeDDict(s->ddict2);
	ZSTD_freeDCtx(s->dctx);
	ZSTD_freeDCtx(s->dctx2);
	ZSTD_freeDDict(s->ddict);
	free(s->src_name);
	free(s->base.location);
	free(s);
}

/*
 * Connection settings. A file we have just created holds nothing yet, so
 * it is made (switched to WAL, then migrated) with synchronous = OFF:
 * the rollback journal of the switch and the new files' directory entries
 * would cost six fsyncs, a third of a small import's wall time, to protect
 * an empty database. sqlite_durable() then sets NORMAL before any data.
 * A new file also gets STORE_PAGE_SIZE pages, which halve the WAL and
 * checkpoint writes of an import (a file keeps the page size it was
 * made with).
 */
static int sqlite_configure(store_sqlite *s, bool created, sol_err *err)
{
	static const char pragmas[] = "PRAGMA journal_mode = WAL;"
				      "PRAGMA foreign_keys = OFF;"
				      "PRAGMA cache_size = -" STORE_CACHE_KIB ";"
				      "PRAGMA mmap_size = " STORE_MMAP_BYTES ";";
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	int rc = exec_sql(s,
			  created ? "PRAGMA synchronous = OFF; PRAGMA page_size = " STORE_PAGE_SIZE
				  : "PRAGMA synchronous = NORMAL",
			  err, "opening");
	if (rc == 0)
		rc = exec_sql(s, pragmas, err, "opening");
	if (rc != 0)
		return rc;
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return sol_fail(err, SOL_EIO, s->base.location, "the database is not writable");
	return 0;
}

/* WAL with synchronous = NORMAL: a commit costs no fsync, checkpoints do. */
static int sqlite_durable(store_sqlite *s, sol_err *err)
{
	return exec_sql(s, "PRAGMA synchronous = NORMAL", err, "opening");
}

static int sqlite_prepare_all(store_sqlite *s, sol_err *err)
{
	for (int i = 0; i < Q_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->stmts[i], NULL) != SQLITE_OK)
			return sqlite_fail(s, err, "preparing statements");
	return 0;
}

/* Process-wide SQLite settings, made before any other SQLite call: we
 * are its only user in the process, and nobody reads its memory
 * statistics, whose upkeep costs a mutex per allocation. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_global_config(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The zstd contexts and the dictionaries' compiled forms: dict_v1 to read
 * codec 1, dict_v2 to write and read codec 2, whose frames carry neither
 * magic number nor dictionary id (the codec says both). dict_v2 is
 * compiled twice: at STORE_ZSTD_LEVEL for the small bodies the dictionary
 * is for, and at STORE_ZSTD_LEVEL_LARGE for large ones (ATT&CK objects,
 * reports), which level 1 compressed a quarter smaller for three times
 * the CPU, the largest cost of importing them. The level is the
 * compressor's choice: frames of either decompress alike. Compression
 * contexts live in packers (sqlite_packer_new). Nonzero: out of memory. */
static int codec_setup(store_sqlite *s)
{
	s->dctx = ZSTD_createDCtx();
	s->dctx2 = ZSTD_createDCtx();
	s->ddict = ZSTD_createDDict(dict_v1, sizeof dict_v1 - 1);
	s->cdict2 = ZSTD_createCDict(dict_v2, sizeof dict_v2, STORE_ZSTD_LEVEL);
	s->cdict2_large = ZSTD_createCDict(dict_v2, sizeof dict_v2, STORE_ZSTD_LEVEL_LARGE);
	s->ddict2 = ZSTD_createDDict(dict_v2, sizeof dict_v2);
	if (!s->dctx || !s->dctx2 || !s->ddict || !s->cdict2 || !s->cdict2_large || !s->ddict2)
		return -1;
	s->packer = sqlite_packer_new(&s->base);
	size_t e = ZSTD_DCtx_setParameter(s->dctx2, ZSTD_d_format, ZSTD_f_zstd1_magicless);
	if (!ZSTD_isError(e))
		e = ZSTD_DCtx_refDDict(s->dctx2, s->ddict2);
	return ZSTD_isError(e) ? -1 : 0;
}

int store_sqlite_open(const char *path, store **out, sol_err *err)
{
	*out = NULL;
	bool created;
	int rc = file_create(path, &created, err);
	if (rc != 0)
		return rc;
	store_sqlite *s = xcalloc(1, sizeof *s);
	s->base.ops = &sqlite_ops;
	s->base.location = xstrdup(path);
	pthread_once(&sqlite_once, sqlite_global_config);
	if (codec_setup(s) != 0)
		abort(); /* zstd fails here only when out of memory */
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
			    NULL) != SQLITE_OK) {
		rc = s->db ? sqlite_fail(s, err, "opening")
			   : sol_fail(err, SOL_EIO, path, "cannot open the database");
		goto fail;
	}
	if ((rc = sqlite_configure(s, created, err)) != 0 || (rc = schema_migrate(s, err)) != 0 ||
	    (rc = sqlite_durable(s, err)) != 0 || (rc = sqlite_prepare_all(s, err)) != 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	sqlite_close(&s->base);
	return rc;
}

/* ---- transactions ----------------------------------------------------- */

/* BEGIN IMMEDIATE takes the write lock, so the greatest date_added read
 * now stays the greatest until commit. */
int sqlite_begin(store *base, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	int rc = sqlite_run(s, s->stmts[Q_BEGIN], err, "beginning a transaction");
	if (rc != 0)
		return rc;
	sqlite3_stmt *q = s->stmts[Q_LAST_ADDED];
	int step = sqlite3_step(q);
	s->last_added = sqlite3_column_type(q, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (step != SQLITE_ROW) {
		rc = sqlite_fail(s, err, "reading date_added");
		sqlite_run(s, s->stmts[Q_ROLLBACK], NULL, "");
	}
	return rc;
}

int sqlite_commit(store *base, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	return sqlite_run(s, s->stmts[Q_COMMIT], err, "committing");
}

/* Undo the open transaction, if any, and forget the cached source id,
 * whose row may have been undone with it. */
void sqlite_rollback(store *base)
{
	store_sqlite *s = (store_sqlite *)base;
	if (!sqlite3_get_autocommit(s->db))
		sqlite_run(s, s->stmts[Q_ROLLBACK], NULL, "rolling back");
	free(s->src_name);
	s->src_name = NULL;
	s->have_hash_key = false; /* it may have been made in the undone transaction */
}

/* A deferred BEGIN takes no lock: the first read takes the snapshot that
 * every later statement of the transaction shares. */
static int sqlite_read_begin(store *base, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	return sqlite_run(s, s->stmts[Q_READ_BEGIN], err, "beginning a read transaction");
}

static void sqlite_read_end(store *base)
{
	store_sqlite *s = (store_sqlite *)base;
	if (!sqlite3_get_autocommit(s->db))
		sqlite_run(s, s->stmts[Q_COMMIT], NULL, "ending a read transaction");
}

static int sqlite_cache_set(store *base, int64_t kib, int64_t mmap_bytes, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	if (kib < STORE_CACHE_MIN_KIB)
		return sol_fail(err, SOL_EINVALID, s->base.location,
				"page cache of %" PRId64 " KiB: at least %d KiB expected", kib,
				STORE_CACHE_MIN_KIB);
	if (mmap_bytes < 0)
		return sol_fail(err, SOL_EINVALID, s->base.location,
				"mmap size of %" PRId64 " bytes: 0 or more expected", mmap_bytes);
	char sql[96];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%" PRId64 "; PRAGMA mmap_size = %" PRId64,
		 kib, mmap_bytes);
	return exec_sql(s, sql, err, "sizing the page cache");
}

/* ---- put ---------------------------------------------------------------- */

/* max(now, last + 1): strictly increasing even if the clock steps back. */
static sol_time next_date_added(store_sqlite *s)
{
	sol_time now = sol_time_now();
	s->last_added = now > s->last_added ? now : s->last_added + 1;
	return s->last_added;
}

static int source_id(store_sqlite *s, const char *name, int64_t *out, sol_err *err)
{
	if (s->src_name && strcmp(s->src_name, name) == 0) {
		*out = s->src_id;
		return 0;
	}
	sqlite3_stmt *q = s->stmts[Q_SOURCE_FIND];
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (rc == SQLITE_DONE) {
		q = s->stmts[Q_SOURCE_ADD];
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		if ((rc = sqlite_run(s, q, err, "adding a source")) != 0)
			return rc;
		*out = sqlite3_last_insert_rowid(s->db);
	} else if (rc != SQLITE_ROW) {
		return sqlite_fail(s, err, "looking up a source");
	}
	free(s->src_name);
	s->src_name = xstrdup(name);
	s->src_id = *out;
	return 0;
}

/* Write v as a little-endian base-128 varint; its length. */
static size_t varint_put(unsigned char *p, size_t v)
{
	size_t n = 0;
	for (; v >= 0x80; v >>= 7)
		p[n++] = (unsigned char)(v | 0x80);
	p[n++] = (unsigned char)v;
	return n;
}

/* Read a varint of at most VARINT_MAX bytes from p[0..n); its length, or
 * 0 if there is none. */
static size_t varint_get(const unsigned char *p, size_t n, size_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n && i < VARINT_MAX; i++) {
		*v |= (size_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			return i + 1;
	}
	return 0;
}

/* One thread's compression state (store.h, "Packing ahead"): the store's
 * own for plain puts, and one per thread that packs ahead. */
struct store_packer {
	const store_sqlite *s; /* whose dictionaries it compresses with (read only) */
	ZSTD_CCtx *cctx;       /* codec 2 compression, tables of dict_v2 attached */
	char *zbuf;            /* the packed body */
	size_t zcap;           /* bytes allocated at zbuf */
	char *text;            /* the JSON with its id cut out */
	size_t tcap;           /* bytes allocated at text */
};

/* A compression context that always refers to the dictionary's tables
 * in place: by default zstd copies them into the context for bodies over
 * a few KiB, which costs more than compressing one. */
static store_packer *sqlite_packer_new(store *base)
{
	store_packer *pk = xcalloc(1, sizeof *pk);
	pk->s = (const store_sqlite *)base;
	pk->cctx = ZSTD_createCCtx();
	size_t e = pk->cctx ? ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_dictIDFlag, 0) : 0;
	if (pk->cctx && !ZSTD_isError(e))
		e = ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
	if (pk->cctx && !ZSTD_isError(e))
		e = ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_format, ZSTD_f_zstd1_magicless);
	if (!pk->cctx || ZSTD_isError(e))
		abort(); /* zstd fails here only when out of memory */
	return pk;
}

static void sqlite_packer_free(store_packer *pk)
{
	if (!pk)
		return;
	ZSTD_freeCCtx(pk->cctx);
	free(pk->zbuf);
	free(pk->text);
	free(pk);
}

/*
 * Codec 2 of o->json into pk->zbuf: the offset of the first occurrence of
 * the id as a varint, then a magicless zstd frame (dict_v2) of the JSON
 * without those bytes; the id is in objects.id, and putting it back at
 * the offset gives the original bytes whichever occurrence was cut.
 * out->codec says whether that or the raw JSON (when compression does not
 * pay) is to be stored. Reads nothing of the store but its dictionaries.
 */
static int sqlite_pack(store_packer *pk, const store_object *o, store_packed *out, sol_err *err)
{
	const char *id = o->meta->id, *json = o->json;
	size_t len = o->json_len;
	*out = (store_packed){json, len, CODEC_RAW};
	size_t idlen = strlen(id);
	const char *at = memmem(json, len, id, idlen);
	if (!at)
		return 0;
	size_t off = (size_t)(at - json), rest = len - off - idlen;
	sqlite_reserve(&pk->text, &pk->tcap, len - idlen + 1);
	memcpy(pk->text, json, off);
	memcpy(pk->text + off, at + idlen, rest);
	sqlite_reserve(&pk->zbuf, &pk->zcap, VARINT_MAX + ZSTD_compressBound(len));
	size_t h = varint_put((unsigned char *)pk->zbuf, off);
	const ZSTD_CDict *dict = len < STORE_ZSTD_LARGE ? pk->s->cdict2 : pk->s->cdict2_large;
	size_t n = ZSTD_CCtx_refCDict(pk->cctx, dict);
	if (!ZSTD_isError(n))
		n = ZSTD_compress2(pk->cctx, pk->zbuf + h, pk->zcap - h, pk->text, len - idlen);
	if (ZSTD_isError(n))
		return sol_fail(err, SOL_EINTERNAL, pk->s->base.location, "zstd: %s",
				ZSTD_getErrorName(n));
	if (h + n < len)
		*out = (store_packed){pk->zbuf, h + n, CODEC_ZSTD_NOID};
	return 0;
}

void sqlite_bind_time(sqlite3_stmt *q, int i, sol_time t)
{
	if (t == SOL_TIME_NONE)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_int64(q, i, t);
}

static bool is_indicator(const stix_meta *m)
{
	return strcmp(m->type, "indicator") == 0;
}

/* Atoms i and i + 1 are one value exact then "and below": one row. */
static bool atom_pair(const stix_atoms *a, size_t i)
{
	return i + 1 < a->n && !a->v[i].subdomains && a->v[i + 1].subdomains &&
	       a->v[i].kind == a->v[i + 1].kind && strcmp(a->v[i].value, a->v[i + 1].value) == 0;
}

static int version_add(store_sqlite *s, const store_object *o, int64_t oid, sol_time added,
		       uint64_t hash, sol_err *err)
{
	const stix_meta *m = o->meta;
	int64_t sid = 0;
	store_packed own;
	const store_packed *packed = o->packed ? o->packed : &own;
	int rc = source_id(s, o->source, &sid, err);
	if (rc == 0 && !o->packed)
		rc = sqlite_pack(s->packer, o, &own, err);
	if (rc != 0)
		return rc;
	const char *unmatchable = NULL;
	if (is_indicator(m) && (!o->atoms || o->atoms->n == 0))
		unmatchable =
		    o->atoms && o->atoms->reason[0] ? o->atoms->reason : UNMATCHABLE_DEFAULT;
	sqlite3_stmt *q = s->stmts[Q_VERSION_ADD];
	sqlite3_bind_int64(q, 1, added);
	sqlite3_bind_int64(q, 2, oid);
	sqlite3_bind_int64(q, 3, m->version);
	sqlite3_bind_int64(q, 4, sid);
	sqlite3_bind_int(q, 5, (int)o->tlp);
	sqlite3_bind_int(q, 6, m->revoked);
	if (m->confidence >= 0)
		sqlite3_bind_int(q, 7, m->confidence);
	else
		sqlite3_bind_null(q, 7);
	sqlite_bind_time(q, 8, m->valid_until);
	sqlite3_bind_int64(q, 9, (int64_t)hash);
	sqlite3_bind_text(q, 10, unmatchable, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 11, packed->codec);
	sqlite3_bind_blob(q, 12, packed->body, (int)packed->len, SQLITE_STATIC);
	if ((rc = sqlite_run(s, q, err, "storing a version")) != 0)
		return rc;
	if (!is_indicator(m) || !o->atoms)
		return 0;
	q = s->stmts[Q_ATOM_ADD];
	for (size_t i = 0; i < o->atoms->n; i++) {
		const stix_atom *a = &o->atoms->v[i];
		int sub = a->subdomains;
		if (atom_pair(o->atoms, i)) {
			sub = ATOM_PAIR;
			i++; /* seq keeps the order; gaps are harmless */
		}
		sqlite3_bind_int64(q, 1, added);
		sqlite3_bind_int64(q, 2, (int64_t)i);
		sqlite3_bind_text(q, 3, obs_kind_name(a->kind), -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 4, sub);
		sqlite3_bind_text(q, 5, a->value, -1, SQLITE_STATIC);
		if ((rc = sqlite_run(s, q, err, "storing an atom")) != 0)
			return rc;
	}
	return 0;
}

/* The hash of version `version` of object oid; *found says if it exists. */
static int version_hash(store_sqlite *s, int64_t oid, sol_time version, uint64_t *hash, bool *found,
			sol_err *err)
{
	sqlite3_stmt *q = s->stmts[Q_VERSION_HASH];
	sqlite3_bind_int64(q, 1, oid);
	sqlite3_bind_int64(q, 2, version);
	int step = sqlite3_step(q);
	*found = step == SQLITE_ROW;
	if (*found)
		*hash = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return step == SQLITE_ROW || step == SQLITE_DONE
		   ? 0
		   : sqlite_fail(s, err, "looking up a version");
}

/* Decide NEW/UPDATED/OLDER/UNCHANGED/CONFLICT from the version keys and
 * content hashes alone, and write what is new. Imports are mostly new
 * objects, so we try to add the object row first (one statement when it
 * is new) and look the current version up only when the id was known. A
 * date_added taken but not used leaves a gap, which is harmless. */
static int put_locked(store_sqlite *s, const store_object *o, store_put_result *res, sol_err *err)
{
	const stix_meta *m = o->meta;
	sol_time added = next_date_added(s);
	sqlite3_stmt *q = s->stmts[Q_OBJECT_ADD];
	sqlite3_bind_text(q, 1, m->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, added);
	int rc = sqlite_run(s, q, err, "storing an object");
	if (rc != 0)
		return rc;
	bool added_object = sqlite3_changes(s->db) == 1;
	if (!added_object && o->if_absent) {
		*res = STORE_UNCHANGED;
		return 0;
	}
	uint64_t hash = sol_hash64(o->json, o->json_len);
	if (added_object) {
		*res = STORE_NEW;
		return version_add(s, o, sqlite3_last_insert_rowid(s->db), added, hash, err);
	}

	q = s->stmts[Q_FIND];
	sqlite3_bind_text(q, 1, m->id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		rc = sqlite_fail(s, err, "looking up an object");
		sqlite3_reset(q);
		return rc;
	}
	int64_t oid = sqlite3_column_int64(q, 0);
	sol_time cur_version = sqlite3_column_int64(q, 1);
	uint64_t old_hash = (uint64_t)sqlite3_column_int64(q, 2);
	sqlite3_reset(q);

	bool found = false;
	if (m->version > cur_version) {
		*res = STORE_UPDATED;
	} else if (m->version == cur_version) {
		found = true;
	} else {
		if ((rc = version_hash(s, oid, m->version, &old_hash, &found, err)) != 0)
			return rc;
		*res = STORE_OLDER;
	}
	if (found) {
		*res = hash == old_hash ? STORE_UNCHANGED : STORE_CONFLICT;
		return 0;
	}
	if ((rc = version_add(s, o, oid, added, hash, err)) != 0 || *res != STORE_UPDATED)
		return rc;
	q = s->stmts[Q_OBJECT_CUR];
	sqlite3_bind_int64(q, 1, oid);
	sqlite3_bind_int64(q, 2, added);
	return sqlite_run(s, q, err, "updating an object");
}

static int put_check(const store_object *o, sol_err *err)
{
	const stix_meta *m = o->meta;
	size_t tlen = strlen(m->type);
	if (tlen == 0 || tlen >= STORE_TYPE_MAX || strncmp(m->id, m->type, tlen) != 0 ||
	    strncmp(m->id + tlen, "--", 2) != 0)
		return sol_fail(err, SOL_EINVALID, m->id,
				"the id does not start with its type \"%.64s--\"", m->type);
	if (o->json_len > STIX_MAX_OBJECT)
		return sol_fail(err, SOL_ETOOBIG, m->id, "object is larger than %u bytes",
				STIX_MAX_OBJECT);
	if ((unsigned)o->tlp > TLP_RED)
		return sol_fail(err, SOL_EINVALID, m->id, "no such TLP level %d", (int)o->tlp);
	return 0;
}

/* A put outside begin/commit runs in a transaction of its own. After a
 * failed put inside one, the caller rolls back. */
static int sqlite_object_put(store *base, const store_object *o, store_put_result *res,
			     sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	assert(o->meta && o->meta->id && o->meta->type && o->json && o->source);
	int rc = put_check(o, err);
	if (rc != 0)
		return rc;
	bool own_txn = sqlite3_get_autocommit(s->db);
	if (own_txn && (rc = sqlite_begin(base, err)) != 0)
		return rc;
	rc = put_locked(s, o, res, err);
	if (own_txn && rc == 0)
		rc = sqlite_commit(base, err);
	if (own_txn && rc != 0)
		sqlite_rollback(base);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

/* The statement in *slot, prepared from sql on first use (persistent), or
 * a private copy when the cached one is in the middle of a walk (a
 * callback calling back into the store). */
int sqlite_stmt_take(store_sqlite *s, sqlite3_stmt **slot, const char *sql, sqlite3_stmt **q,
		     sol_err *err)
{
	if (!*slot &&
	    sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing a query");
	*q = *slot;
	if (!sqlite3_stmt_busy(*q))
		return 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing a query");
	return 0;
}

void sqlite_stmt_give(sqlite3_stmt *const *slot, sqlite3_stmt *q)
{
	if (q == *slot) {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	} else {
		sqlite3_finalize(q);
	}
}

static int stmt_take(store_sqlite *s, int which, sqlite3_stmt **q, sol_err *err)
{
	return sqlite_stmt_take(s, &s->stmts[which], stmt_sql[which], q, err);
}

static void stmt_give(store_sqlite *s, int which, sqlite3_stmt *q)
{
	sqlite_stmt_give(&s->stmts[which], q);
}

void sqlite_row_buf_fini(row_buf *b)
{
	stix_atoms_fini(&b->atoms);
	free(b->json);
	if (b->atoms_q)
		sqlite_stmt_give(b->atoms_slot, b->atoms_q);
}

/* Codec 2: the frame after the offset, with id put back at the offset. */
static int body_unpack_noid(store_sqlite *s, const char *id, const unsigned char *p, size_t n,
			    row_buf *b, sol_err *err)
{
	size_t off, h = varint_get(p, n, &off), idlen = strlen(id);
	ZSTD_frameHeader zfh;
	if (h == 0 ||
	    ZSTD_getFrameHeader_advanced(&zfh, p + h, n - h, ZSTD_f_zstd1_magicless) != 0 ||
	    zfh.frameContentSize > STIX_MAX_OBJECT || off > zfh.frameContentSize)
		return sol_fail(err, SOL_EDB, s->base.location, "corrupt object body");
	size_t len = (size_t)zfh.frameContentSize;
	sqlite_reserve(&b->json, &b->cap, len + idlen + 1);
	size_t got = ZSTD_decompressDCtx(s->dctx2, b->json, len, p + h, n - h);
	if (ZSTD_isError(got) || got != len)
		return sol_fail(err, SOL_EDB, s->base.location, "corrupt object body");
	memmove(b->json + off + idlen, b->json + off, len - off);
	memcpy(b->json + off, id, idlen);
	b->len = len + idlen;
	b->json[b->len] = '\0';
	return 0;
}

static int body_unpack(store_sqlite *s, int codec, const char *id, const void *p, size_t n,
		       row_buf *b, sol_err *err)
{
	size_t len = n;
	if (codec == CODEC_ZSTD_NOID)
		return body_unpack_noid(s, id, p, n, b, err);
	if (codec == CODEC_ZSTD_DICT1) {
		unsigned long long size = ZSTD_getFrameContentSize(p, n);
		if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
		    size > STIX_MAX_OBJECT)
			return sol_fail(err, SOL_EDB, s->base.location, "corrupt object body");
		len = (size_t)size;
	} else if (codec != CODEC_RAW) {
		return sol_fail(err, SOL_EDB, s->base.location,
				"object body in unknown codec %d (from a newer solidarity?)",
				codec);
	}
	sqlite_reserve(&b->json, &b->cap, len + 1);
	if (codec == CODEC_RAW) {
		memcpy(b->json, p, n);
	} else {
		size_t got = ZSTD_decompress_usingDDict(s->dctx, b->json, len, p, n, s->ddict);
		if (ZSTD_isError(got) || got != len)
			return sol_fail(err, SOL_EDB, s->base.location, "corrupt object body");
	}
	b->json[len] = '\0';
	b->len = len;
	return 0;
}

/* Append the atom, or the pair of atoms (subdomains 2), in columns col
 * (kind), col + 1 (subdomains) and col + 2 (value) of q's current row to
 * a. */
static void atom_push(stix_atoms *a, sqlite3_stmt *q, int col)
{
	int sub = sqlite3_column_int(q, col + 1);
	for (int i = 0; i < (sub == ATOM_PAIR ? 2 : 1); i++) {
		if (a->n == a->cap) {
			a->cap = a->cap ? 2 * a->cap : 4;
			a->v = xrealloc(a->v, a->cap * sizeof *a->v);
		}
		stix_atom *at = &a->v[a->n++];
		at->kind = obs_kind_from_name((const char *)sqlite3_column_text(q, col));
		at->subdomains = sub == ATOM_PAIR ? i == 1 : sub != 0;
		at->value = xstrdup((const char *)sqlite3_column_text(q, col + 2));
	}
}

/* Empty a, keeping its array for the next indicator. */
static void atoms_clear(stix_atoms *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].value);
	a->n = 0;
}

/* Step b->atoms_q to its next atom; 0 or a store error. */
static int atoms_step(store_sqlite *s, row_buf *b, sol_err *err)
{
	int step = sqlite3_step(b->atoms_q);
	if (step == SQLITE_ROW)
		b->atoms_at = sqlite3_column_int64(b->atoms_q, 0);
	else if (step == SQLITE_DONE)
		b->atoms_at = INT64_MAX;
	else
		return sqlite_fail(s, err, "reading atoms");
	return 0;
}

/* Start b->atoms_q over at the first atom of version added. */
static int atoms_seek(store_sqlite *s, row_buf *b, sol_time added, sol_err *err)
{
	sqlite3_reset(b->atoms_q);
	sqlite3_bind_int64(b->atoms_q, 1, added);
	b->atoms_from = added;
	return atoms_step(s, b, err);
}

/*
 * The atoms of the version date_added added into b->atoms. Q_ATOMS reads
 * every atom from a version on, in (version, seq) order, and stays on the
 * first atom not read yet, so a walk in date_added order (the long ones:
 * lists, exports) reads them in one pass, a step per atom, instead of a
 * query per row. A row behind what was read, or more than
 * STORE_ATOMS_SKIP atoms ahead, starts the statement over at its version.
 */
static int atoms_load(store_sqlite *s, sol_time added, row_buf *b, sol_err *err)
{
	int rc = 0;
	atoms_clear(&b->atoms);
	if (!b->atoms_q) {
		b->atoms_slot = &s->stmts[Q_ATOMS];
		if ((rc = stmt_take(s, Q_ATOMS, &b->atoms_q, err)) != 0 ||
		    (rc = atoms_seek(s, b, added, err)) != 0)
			return rc;
	}
	if (added < b->atoms_from)
		rc = atoms_seek(s, b, added, err);
	for (int skip = 0; rc == 0 && b->atoms_at < added; skip++)
		rc = skip < STORE_ATOMS_SKIP ? atoms_step(s, b, err) : atoms_seek(s, b, added, err);
	while (rc == 0 && b->atoms_at == added) {
		atom_push(&b->atoms, b->atoms_q, 1);
		rc = atoms_step(s, b, err);
	}
	return rc;
}

/* Fill *row from the current result row of q (ROW_COLUMNS). type is a
 * buffer of STORE_TYPE_MAX bytes for the type taken from the id. */
int sqlite_row_read(store_sqlite *s, sqlite3_stmt *q, store_row *row, row_buf *b, char *type,
		    sol_err *err)
{
	memset(row, 0, sizeof *row);
	row->id = (const char *)sqlite3_column_text(q, 0);
	const char *dash = strstr(row->id, "--");
	size_t tlen = dash ? (size_t)(dash - row->id) : 0;
	if (tlen >= STORE_TYPE_MAX)
		tlen = 0;
	memcpy(type, row->id, tlen);
	type[tlen] = '\0';
	row->type = type;
	row->date_added = sqlite3_column_int64(q, 1);
	row->version = sqlite3_column_int64(q, 2);
	row->source = (const char *)sqlite3_column_text(q, 3);
	row->tlp = (stix_tlp)sqlite3_column_int(q, 4);
	row->revoked = sqlite3_column_int(q, 5) != 0;
	row->confidence = sqlite3_column_type(q, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 6);
	row->valid_until =
	    sqlite3_column_type(q, 7) == SQLITE_NULL ? SOL_TIME_NONE : sqlite3_column_int64(q, 7);
	row->unmatchable = (const char *)sqlite3_column_text(q, 8);
	row->current = sqlite3_column_int(q, 11) != 0;
	const void *body = sqlite3_column_blob(q, 10);
	int rc = body_unpack(s, sqlite3_column_int(q, 9), row->id, body,
			     (size_t)sqlite3_column_bytes(q, 10), b, err);
	if (rc != 0)
		return rc;
	row->json = b->json;
	row->json_len = b->len;
	if (strcmp(type, "indicator") == 0) {
		if ((rc = atoms_load(s, row->date_added, b, err)) != 0)
			return rc;
		snprintf(b->atoms.reason, sizeof b->atoms.reason, "%s",
			 row->unmatchable ? row->unmatchable : "");
		row->atoms = &b->atoms;
	}
	return 0;
}

/* True if row passes the value filter: a substring of an atom value or of
 * the JSON (case-sensitive). */
static bool row_has_value(const store_row *row, const char *value)
{
	size_t n = strlen(value);
	if (memmem(row->json, row->json_len, value, n))
		return true;
	for (size_t i = 0; row->atoms && i < row->atoms->n; i++)
		if (strstr(row->atoms->v[i].value, value))
			return true;
	return false;
}

/* Step q (already bound) and call fn for each row that passes f (NULL: no
 * C-side filtering); at most f->limit rows. Returns 0, a store error, or
 * what fn returned to stop. */
static int rows_walk(store_sqlite *s, sqlite3_stmt *q, const store_filter *f, store_row_fn fn,
		     void *ctx, size_t *n, sol_err *err)
{
	row_buf b = {0};
	stix_atoms_init(&b.atoms);
	char type[STORE_TYPE_MAX];
	store_row row;
	int rc = 0, step;
	*n = 0;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if ((rc = sqlite_row_read(s, q, &row, &b, type, err)) != 0)
			break;
		if (f && f->value && !row_has_value(&row, f->value))
			continue;
		++*n;
		if ((rc = fn(ctx, &row)) != 0)
			break;
		if (f && f->limit && *n == f->limit)
			break;
	}
	if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading objects");
	sqlite_row_buf_fini(&b);
	return rc;
}

static int rows_of_id(store_sqlite *s, int which, const char *id, store_row_fn fn, void *ctx,
		      sol_err *err)
{
	sqlite3_stmt *q;
	int rc = stmt_take(s, which, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	size_t n;
	rc = rows_walk(s, q, NULL, fn, ctx, &n, err);
	stmt_give(s, which, q);
	if (rc == 0 && n == 0)
		rc = sol_fail(err, SOL_ENOTFOUND, id, "no such object");
	return rc;
}

static int sqlite_object_current(store *base, const char *id, store_row_fn fn, void *ctx,
				 sol_err *err)
{
	return rows_of_id((store_sqlite *)base, Q_CURRENT, id, fn, ctx, err);
}

static int sqlite_object_versions(store *base, const char *id, store_row_fn fn, void *ctx,
				  sol_err *err)
{
	return rows_of_id((store_sqlite *)base, Q_VERSIONS, id, fn, ctx, err);
}

static int sqlite_object_list(store *base, const store_filter *f, store_row_fn fn, void *ctx,
			      sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	sqlite3_stmt *q;
	int rc = stmt_take(s, Q_LIST, &q, err);
	if (rc != 0)
		return rc;
	char *prefix = f->type ? xasprintf("%s--", f->type) : NULL;
	sqlite3_bind_int64(q, 1, f->added_since == SOL_TIME_NONE ? INT64_MIN : f->added_since);
	sqlite3_bind_text(q, 2, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, f->tlp);
	sqlite3_bind_text(q, 4, f->source, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, f->include_revoked);
	size_t n;
	rc = rows_walk(s, q, f, fn, ctx, &n, err);
	stmt_give(s, Q_LIST, q);
	free(prefix);
	return rc;
}

/* ---- indicators for the matcher ----------------------------------------- */

/* Copy src into the growable *dst (the walk's rows outlive the column). */
static const char *text_keep(char **dst, size_t *cap, const unsigned char *src)
{
	size_t n = strlen((const char *)src) + 1;
	sqlite_reserve(dst, cap, n);
	memcpy(*dst, src, n);
	return *dst;
}

/* Q_INDICATORS yields one row per atom; consecutive rows with the same
 * date_added are one indicator, handed to fn once its last atom is read.
 * id and source are copied because stepping on invalidates the columns. */
static int sqlite_indicators_walk(store *base, store_indicator_fn fn, void *ctx, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	sqlite3_stmt *q;
	int rc = stmt_take(s, Q_INDICATORS, &q, err);
	if (rc != 0)
		return rc;
	char *id = NULL, *source = NULL;
	size_t id_cap = 0, source_cap = 0;
	stix_atoms atoms;
	stix_atoms_init(&atoms);
	store_indicator ind = {.atoms = &atoms};
	sol_time added = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		sol_time row_added = sqlite3_column_int64(q, 0);
		if (atoms.n > 0 && row_added != added) {
			if ((rc = fn(ctx, &ind)) != 0)
				break;
			atoms_clear(&atoms);
		}
		if (atoms.n == 0) {
			added = row_added;
			ind.id = text_keep(&id, &id_cap, sqlite3_column_text(q, 1));
			ind.source = text_keep(&source, &source_cap, sqlite3_column_text(q, 2));
			ind.tlp = (stix_tlp)sqlite3_column_int(q, 3);
			ind.confidence = sqlite3_column_type(q, 4) == SQLITE_NULL
					     ? -1
					     : sqlite3_column_int(q, 4);
			ind.version = sqlite3_column_int64(q, 5);
			ind.valid_until = sqlite3_column_type(q, 6) == SQLITE_NULL
					      ? SOL_TIME_NONE
					      : sqlite3_column_int64(q, 6);
		}
		atom_push(&atoms, q, 7);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading indicators");
	stmt_give(s, Q_INDICATORS, q);
	if (rc == 0 && atoms.n > 0)
		rc = fn(ctx, &ind);
	stix_atoms_fini(&atoms);
	free(id);
	free(source);
	return rc;
}

/* ---- settings ----------------------------------------------------------- */

static int sqlite_setting_get(store *base, const char *key, char **value, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	sqlite3_stmt *q;
	*value = NULL;
	int rc = stmt_take(s, Q_SETTING_GET, &q, err);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*value = xstrdup((const char *)sqlite3_column_text(q, 0));
	else if (step == SQLITE_DONE)
		rc = sol_fail(err, SOL_ENOTFOUND, key, "no such setting");
	else
		rc = sqlite_fail(s, err, "reading a setting");
	stmt_give(s, Q_SETTING_GET, q);
	return rc;
}

/* One statement: atomic on its own, or part of the caller's transaction. */
static int sqlite_setting_set(store *base, const char *key, const char *value, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	sqlite3_stmt *q = s->stmts[Q_SETTING_SET];
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	return sqlite_run(s, q, err, "saving a setting");
}

/* ---- statistics and size ----------------------------------------------- */

/* Each query yields (key, count) rows for one dimension of store_stats. */
#define CURRENT "FROM objects o JOIN versions v ON v.date_added = o.cur "
#define INDICATORS CURRENT "WHERE o.id >= 'indicator--' AND o.id < 'indicator-.' "
static const struct stat_query {
	const char *dimension; /* store_stat_fn's dimension */
	bool tlp_key;          /* key is a stix_tlp number to name */
	const char *sql;       /* SELECT key, count */
} stat_queries[] = {
    {"objects", false, "SELECT 'all', count(*) FROM objects"},
    {"versions", false, "SELECT 'all', count(*) FROM versions"},
    {"type", false,
     "SELECT substr(o.id, 1, instr(o.id, '--') - 1) AS t, count(*) FROM objects o "
     "GROUP BY t ORDER BY t"},
    {"tlp", true, "SELECT v.tlp, count(*) " CURRENT "GROUP BY v.tlp ORDER BY v.tlp"},
    {"source", false,
     "SELECT s.name, count(*) " CURRENT "JOIN sources s ON s.sid = v.source "
     "GROUP BY s.name ORDER BY s.name"},
    {"revoked", false, "SELECT 'revoked', count(*) " CURRENT "WHERE v.revoked"},
    {"indicators", false,
     "SELECT CASE WHEN v.unmatchable IS NULL THEN 'line-matchable' "
     "ELSE 'not line-matchable' END AS k, count(*) " INDICATORS "GROUP BY k ORDER BY k"},
    {"reason", false,
     "SELECT v.unmatchable, count(*) " INDICATORS "AND v.unmatchable IS NOT NULL "
     "GROUP BY v.unmatchable ORDER BY v.unmatchable"},
};

static int sqlite_stats(store *base, store_stat_fn fn, void *ctx, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)base;
	for (size_t i = 0; i < sizeof stat_queries / sizeof stat_queries[0]; i++) {
		const struct stat_query *sq = &stat_queries[i];
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(s->db, sq->sql, -1, &q, NULL) != SQLITE_OK)
			return sqlite_fail(s, err, "counting");
		int rc = 0, step;
		while ((step = sqlite3_step(q)) == SQLITE_ROW) {
			const char *key = sq->tlp_key
					      ? stix_tlp_name((stix_tlp)sqlite3_column_int(q, 0))
					      : (const char *)sqlite3_column_text(q, 0);
			if ((rc = fn(ctx, sq->dimension, key, sqlite3_column_int64(q, 1))) != 0)
				break;
		}
		if (rc == 0 && step != SQLITE_DONE && step != SQLITE_ROW)
			rc = sqlite_fail(s, err, "counting");
		sqlite3_finalize(q);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static int64_t sqlite_size_bytes(store *base)
{
	char *wal = xasprintf("%s-wal", base->location);
	int64_t n = file_size(base->location) + file_size(wal);
	free(wal);
	return n;
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .read_begin = sqlite_read_begin,
    .read_end = sqlite_read_end,
    .cache_set = sqlite_cache_set,
    .object_put = sqlite_object_put,
    .packer_new = sqlite_packer_new,
    .packer_free = sqlite_packer_free,
    .pack = sqlite_pack,
    .object_current = sqlite_object_current,
    .object_versions = sqlite_object_versions,
    .object_list = sqlite_object_list,
    .stats = sqlite_stats,
    .size_bytes = sqlite_size_bytes,
    .close = sqlite_close,
    .indicators_walk = sqlite_indicators_walk,
    .setting_get = sqlite_setting_get,
    .setting_set = sqlite_setting_set,
    .partner_add = sqlite_partner_add,
    .partner_remove = sqlite_partner_remove,
    .partner_rotate_key = sqlite_partner_rotate_key,
    .partner_list = sqlite_partner_list,
    .partner_auth = sqlite_partner_auth,
    .partner_auth_basic = sqlite_partner_auth_basic,
    .collection_add = sqlite_collection_add,
    .collection_list = sqlite_collection_list,
    .collection_get = sqlite_collection_get,
    .collection_remove = sqlite_collection_remove,
    .grant_set = sqlite_grant_set,
    .grant_revoke = sqlite_grant_revoke,
    .grant_list = sqlite_grant_list,
    .grant_get = sqlite_grant_get,
    .collection_object_add = sqlite_collection_object_add,
    .collection_objects = sqlite_collection_objects,
    .collection_object_remove = sqlite_collection_object_remove,
    .distribution_set = sqlite_distribution_set,
    .distribution_get = sqlite_distribution_get,
    .status_create = sqlite_status_create,
    .status_update = sqlite_status_update,
    .status_get = sqlite_status_get,
    .peer_add = sqlite_peer_add,
    .peer_get = sqlite_peer_get,
    .peer_list = sqlite_peer_list,
    .peer_remove = sqlite_peer_remove,
    .peer_cursor_get = sqlite_peer_cursor_get,
    .peer_cursor_set = sqlite_peer_cursor_set,
    .generation_get = sqlite_generation_get,
};
