/*
 * stix_import.c - STIX 2.1 input: a bundle, a TAXII envelope, an array of
 * objects or one object, streamed.
 *
 * stix_bundle_reader holds one object in memory at a time and yields it
 * with its JSON path ("$.objects[3]"); each goes to ingest_object(), which
 * validates it under that path, so a bad property is reported as
 * "bundle.json:$.objects[3].pattern" and malformed JSON as
 * "bundle.json:4:16". The transaction around the whole stream belongs to
 * ingest.c: an error here makes it roll back everything read so far.
 *
 * Two threads: reading, checking and writing each object canonically run
 * here while the store thread (pipe.c) compresses and puts the earlier
 * ones, in order. Imports into a collection stay on one thread.
 */
#include "ingest/ingest_int.h"

/* Import every object of the document in f; err->where starts with name. */
int ingest_stix_stream(ingest_ctx *cx, FILE *f, const char *name, sol_err *err)
{
	stix_bundle_reader *r = stix_bundle_reader_new(f);
	if (cx->st && !cx->opts.collection) /* a collection's puts read the store */
		cx->pipe = ingest_pipe_start(cx, false);
	json_t *obj;
	const char *path;
	int rc;
	while ((rc = stix_bundle_next(r, &obj, &path, err)) == 1) {
		rc = ingest_object(cx, obj, path, err);
		json_decref(obj);
		if (rc != 0)
			break;
	}
	int stopped = ingest_pipe_stop(cx->pipe, rc < 0, err);
	cx->pipe = NULL;
	if (rc == 0)
		rc = stopped;
	stix_bundle_reader_free(r);
	if (rc < 0)
		sol_err_prefix(err, "%s", name);
	return rc < 0 ? rc : 0;
}
