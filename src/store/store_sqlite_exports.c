/*
 * store_sqlite_exports.c - the SQLite side of store_generation_get: how an
 * export server tells, without rebuilding an export, whether its input
 * may have changed.
 *
 * An export of a collection made for a partner reads the current versions
 * of indicators (any new version, revocations included, raises
 * max(versions.date_added), the INTEGER PRIMARY KEY: one b-tree step),
 * the collection's members (an addition raises its greatest date_added, a
 * removal lowers its count; both come from the members primary key) and
 * the partner's places on RED distribution lists (few rows, hashed in
 * object order). Grants are not part of it: the caller reads the grant on
 * every request anyway and keys its cache by it.
 *
 * The statements are prepared per call: the call is made once per export
 * request, and preparing costs microseconds.
 */
#include "store/store_sqlite_int.h"

static const char generation_sql[] =
    "SELECT (SELECT ifnull(max(date_added), 0) FROM versions),"
    " (SELECT ifnull(max(m.date_added), 0) FROM members m JOIN collections c"
    "   ON c.cid = m.collection WHERE c.id = ?1),"
    " (SELECT count(*) FROM members m JOIN collections c"
    "   ON c.cid = m.collection WHERE c.id = ?1)";

static const char red_sql[] = "SELECT d.object FROM distribution d JOIN partners p"
			      " ON p.pid = d.partner WHERE p.name = ?1 ORDER BY d.object";

/* Run sql (binding text to ?1); with per_row, feed each row's first
 * column into *h, else copy the one row into *out. */
static int generation_query(store_sqlite *s, const char *sql, const char *text,
			    store_generation *out, uint64_t *h, sol_err *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the export generation query");
	sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (h) {
			const void *obj = sqlite3_column_text(q, 0);
			uint64_t v = sol_hash64(obj, (size_t)sqlite3_column_bytes(q, 0));
			*h = (*h ^ v) * 0x100000001b3ull;
		} else {
			sol_time a = sqlite3_column_int64(q, 0), b = sqlite3_column_int64(q, 1);
			out->last_added = a > b ? a : b;
			out->members = sqlite3_column_int64(q, 2);
		}
	}
	int rc = step == SQLITE_DONE ? 0 : sqlite_fail(s, err, "reading the export generation");
	sqlite3_finalize(q);
	return rc;
}

int sqlite_generation_get(store *st, const char *collection, const char *partner,
			  store_generation *out, sol_err *err)
{
	store_sqlite *s = (store_sqlite *)st;
	*out = (store_generation){.red = 0xcbf29ce484222325ull};
	int rc = generation_query(s, generation_sql, collection, out, NULL, err);
	if (rc == 0)
		rc = generation_query(s, red_sql, partner, out, &out->red, err);
	return rc;
}
