/*
 * testimport.c - imports through the real ingest pipeline for the unit
 * tests (testimport.h): any error fails the test with its place and message.
 */
#include <stdlib.h>
#include <string.h>

#include "testimport.h"

void test_import(store *st, const ingest_opts *opts, const char *name, const char *data, size_t len)
{
	ingest_report rep;
	ingest_report_init(&rep);
	ingest_ctx *cx = ingest_ctx_new(st, opts);
	sol_err err = {0};
	int rc = ingest_buffer(cx, name, data, len, &rep, &err);
	ingest_ctx_free(cx);
	ingest_report_fini(&rep);
	if (rc != 0)
		fail_msg("import %s: %s: %s", name, err.where, err.msg);
}

void test_import_file(store *st, const char *rel, const char *source, stix_tlp tlp,
		      ingest_format format)
{
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = source;
	io.default_tlp = tlp;
	io.format = format;
	char *path = test_source_path(rel);
	size_t len;
	char *data = test_read_file(path, &len);
	const char *slash = strrchr(path, '/');
	test_import(st, &io, slash ? slash + 1 : path, data, len);
	free(data);
	free(path);
}
