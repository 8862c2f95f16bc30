/*
 * testimport.h - imports through the real ingest pipeline for the tests of
 * modules at or above ingest (library sol_testimport): any error fails the
 * test with its place and message, so a test's setup reads as data.
 */
#ifndef SOL_TESTIMPORT_H
#define SOL_TESTIMPORT_H

#include "ingest/ingest.h"
#include "teststore.h"

/* Import data[0..len), named name (errors, format by extension), with opts. */
void test_import(store *st, const ingest_opts *opts, const char *name, const char *data,
		 size_t len);
/* Import the file SOL_SOURCE_DIR/rel, named by its base name, as format
 * from source with default TLP tlp (other options at their defaults). */
void test_import_file(store *st, const char *rel, const char *source, stix_tlp tlp,
		      ingest_format format);

#endif
