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
 * Two threads: the reader yields each element of the objects array as
 * text (stix_bundle_next_element), and this thread parses, checks and
 * writes it canonically while the store thread (pipe.c) compresses and
 * puts the earlier ones, in order. When the store thread runs short of
 * work it takes the next element whole (ingest_pipe_put_element), so both
 * cores parse. The first error in the input wins: when this thread
 * fails, an element still queued may have failed first, and
 * ingest_pipe_stop returns that one. Imports into a collection stay on
 * one thread.
 */
#include "ingest/ingest_int.h"

/* Import every object of the document in f; err->where starts with name. */
int ingest_stix_stream(ingest_ctx *cx, FILE *f, const char *name, sol_err *err)
{
	stix_bundle_reader *r = stix_bundle_reader_new(f);
	if (cx->st && !cx->opts.collection) /* a collection's puts read the store */
		cx->pipe = ingest_pipe_start(cx, false);
	json_t *obj;
	stix_element el;
	int rc;
	while ((rc = stix_bundle_next_element(r, &obj, &el, err)) == 1) {
		if (!obj && cx->pipe && (rc = ingest_pipe_put_element(cx->pipe, &el, err)) != 0) {
			if (rc < 0)
				break;
			continue; /* the store thread reads it */
		}
		sol_err pe = {0};
		if (!obj && !(obj = stix_element_parse(&el, &cx->scratch->text, &pe))) {
			rc = pe.code;
			if (err)
				*err = pe;
			break;
		}
		rc = ingest_object(cx, obj, el.path, err);
		json_decref(obj);
		if (rc != 0)
			break;
	}
	int stopped = ingest_pipe_stop(cx->pipe, rc < 0, err);
	cx->pipe = NULL;
	if (stopped != 0) /* earlier in the input than ours, if we failed too */
		rc = stopped;
	stix_bundle_reader_free(r);
	if (rc < 0)
		sol_err_prefix(err, "%s", name);
	return rc < 0 ? rc : 0;
}
