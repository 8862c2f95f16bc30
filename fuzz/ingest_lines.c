/*
 * ingest_lines.c - fuzz CSV and text lists (src/ingest/lines.c) through
 * ingest_buffer with a validate-only context (no store).
 *
 * The first byte chooses the options: bit 0 CSV or text, bit 1
 * skip_invalid, bit 2 subdomains, bits 3-4 the CSV column (0 = detect).
 * The rest is the list. Anything may fail; nothing may crash or leak.
 */
#include <stdint.h>

#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	ingest_opts opts;
	ingest_opts_init(&opts);
	opts.format = data[0] & 1 ? INGEST_CSV : INGEST_TEXT;
	opts.skip_invalid = data[0] & 2;
	opts.subdomains = data[0] & 4;
	opts.column = (data[0] >> 3) & 3;
	ingest_ctx *cx = ingest_ctx_new(NULL, &opts);
	ingest_report rep;
	ingest_report_init(&rep);
	sol_err err;
	ingest_buffer(cx, "fuzz", (const char *)data + 1, size - 1, &rep, &err);
	ingest_report_fini(&rep);
	ingest_ctx_free(cx);
	return 0;
}
