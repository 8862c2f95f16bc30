/*
 * batch.c - ingest_object() outside ingest_path/ingest_buffer, for callers
 * that own the transaction themselves (see ingest.h). All it does is aim
 * the context at the caller's report, which ingest_object counts into.
 */
#include <assert.h>

#include "ingest/ingest_int.h"

void ingest_batch_begin(ingest_ctx *cx, ingest_report *rep)
{
	assert(!cx->rep);
	cx->rep = rep;
}

void ingest_batch_end(ingest_ctx *cx)
{
	cx->rep = NULL;
}
