/*
 * teststore.c - a real store in a temporary directory for the unit tests
 * (teststore.h).
 */
#include <stdlib.h>

#include "teststore.h"

test_store *test_store_open(void)
{
	test_store *t = calloc(1, sizeof *t);
	assert_non_null(t);
	t->dir = test_tmpdir();
	t->path = test_path(t->dir, "intel.db");
	sol_err err = {0};
	if (store_open(t->path, &t->st, &err) != 0)
		fail_msg("store_open %s: %s: %s", t->path, err.where, err.msg);
	return t;
}

void test_store_reopen(test_store *t)
{
	sol_err err = {0};
	store_close(t->st);
	t->st = NULL;
	if (store_open(t->path, &t->st, &err) != 0)
		fail_msg("store_open %s: %s: %s", t->path, err.where, err.msg);
}

void test_store_close(test_store *t)
{
	if (!t)
		return;
	store_close(t->st);
	free(t->path);
	test_tmpdir_remove(t->dir);
	free(t);
}
