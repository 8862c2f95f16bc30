/*
 * ingest_misp.c - fuzz the MISP importer: any bytes, read as a MISP
 * document (format INGEST_MISP) without a store, must give 0 or an error,
 * never a crash, a leak or undefined behaviour. skip_invalid alternates
 * with the first byte so both the error and the rejection paths run.
 */
#include <stdint.h>

#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.format = INGEST_MISP;
	opts.skip_invalid = size > 0 && (data[0] & 1);
	opts.subdomains = size > 1 && (data[1] & 1);
	ingest_ctx *cx = ingest_ctx_new(NULL, &opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err = {0};
	ingest_buffer(cx, "fuzz.json", (const char *)data, size, &rep, &err);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	return 0;
}
