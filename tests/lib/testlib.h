/*
 * testlib.h - what every cmocka test needs beyond cmocka: a private
 * temporary directory that is removed afterwards, whole-file reads, and the
 * paths of the repository and of ../shared/data (tests that need the shared
 * data call test_shared_path(), which skips the test with a clear message
 * when it is absent), and TAB-separated case tables.
 *
 * Ownership: strings returned are the caller's to free().
 */
#ifndef SOL_TESTLIB_H
#define SOL_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four includes above first. */
#include <cmocka.h>

/* A fresh directory under $TMPDIR; removed by test_tmpdir_remove. */
char *test_tmpdir(void);
void test_tmpdir_remove(char *dir);
/* dir + "/" + name. */
char *test_path(const char *dir, const char *name);
/* Whole file, NUL-terminated; fails the test if unreadable. */
char *test_read_file(const char *path, size_t *len);
/* Write len bytes to path; fails the test on error. */
void test_write_file(const char *path, const char *data, size_t len);
/* SOL_SOURCE_DIR + "/" + rel. */
char *test_source_path(const char *rel);
/* ../shared/data/rel, or skip() the current test if it does not exist. */
char *test_shared_path(const char *rel);
/* Split line at TABs, in place, into at most max fields; returns how many. */
int test_split_tabs(char *line, char **fields, int max);

#endif
