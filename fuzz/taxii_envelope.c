/*
 * taxii_envelope.c - fuzz target: the parser of POSTed TAXII envelopes.
 *
 * Whatever the bytes, nothing may crash or leak; an accepted body is a
 * JSON object whose "objects" is an array, and it is accepted only if it
 * is valid UTF-8 JSON nested at most TAXII_MAX_DEPTH deep.
 */
#include <stdint.h>
#include <stdlib.h>

#include "taxii/taxii_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *objs;
	sol_err err;
	int rc = taxii_envelope_parse((const char *)data, size, &objs, &err);
	if (rc == 0) {
		if (!json_is_array(objs))
			abort();
		json_decref(objs);
	} else if (rc != SOL_EPARSE || objs) {
		abort();
	}
	return 0;
}
