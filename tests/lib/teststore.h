/*
 * teststore.h - fixtures for the tests of modules at or above the store: a
 * real SQLite store in a private temporary directory (library
 * sol_teststore; imports into it are in testimport.h).
 *
 * Ownership: test_store_open's result is freed, with its directory, by
 * test_store_close.
 */
#ifndef SOL_TESTSTORE_H
#define SOL_TESTSTORE_H

#include "store/store.h"
#include "testlib.h"

typedef struct test_store {
	char *dir;  /* temporary directory, removed by test_store_close */
	char *path; /* dir/intel.db */
	store *st;  /* the open store */
} test_store;

/* A fresh store at <new temporary directory>/intel.db; fails the test on error. */
test_store *test_store_open(void);
/* Close and open t->path again (what a restart sees). */
void test_store_reopen(test_store *t);
/* Close the store (NULL: nothing) and remove its directory. */
void test_store_close(test_store *t);

#endif
