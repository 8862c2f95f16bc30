/*
 * store.c - backend-independent part of the store: choosing a backend by
 * location, and small helpers every backend shares.
 */
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

int store_open(const char *location, store **out, sol_err *err)
{
	if (strncmp(location, "postgresql://", 13) == 0 ||
	    strncmp(location, "postgres://", 11) == 0)
		return sol_fail(err, SOL_EUSAGE, location,
				"the PostgreSQL backend is not built into this solidarity");
	return store_sqlite_open(location, out, err);
}

void store_close(store *st)
{
	if (st)
		st->ops->close(st);
}

void store_filter_init(store_filter *f)
{
	memset(f, 0, sizeof *f);
	f->tlp = -1;
	f->added_since = SOL_TIME_NONE;
}

const char *store_put_result_name(store_put_result r)
{
	static const char *const names[] = {"new", "updated", "older", "unchanged", "conflict"};
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

void store_member_filter_init(store_member_filter *f)
{
	memset(f, 0, sizeof *f);
	f->added_after = SOL_TIME_NONE;
	f->version.last = true;
}

bool store_name_valid(const char *name)
{
	size_t n =
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
	return n >= 1 && n <= STORE_PARTNER_NAME_MAX && name[n] == '\0';
}
