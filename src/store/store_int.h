/*
 * store_int.h - what backends share inside src/store/; not for other modules.
 */
#ifndef SOL_STORE_INT_H
#define SOL_STORE_INT_H

#include "store/store.h"

/* SQLite backend (store_sqlite.c). */
int store_sqlite_open(const char *path, store **out, sol_err *err);

#endif
