/*
 * stix_object.c - fuzz target: one object through stix_object_load,
 * stix_object_check and stix_object_dump.
 *
 * Whatever the bytes, nothing may crash or leak; a valid object keeps its
 * meta consistent (version is modified, else created, else 0), and the
 * canonical dump is a fixed point: loading it and dumping again gives the
 * same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sol_err err;
	json_t *obj = stix_object_load((const char *)data, size, "$", &err);
	if (!obj)
		return 0;
	stix_meta meta;
	if (stix_object_check(obj, "$.objects[0]", &meta, &err) == 0) {
		sol_time want = meta.modified != SOL_TIME_NONE  ? meta.modified
				: meta.created != SOL_TIME_NONE ? meta.created
								: 0;
		if (meta.version != want || !meta.type || !meta.id || meta.confidence > 100)
			abort();
		stix_meta_fini(&meta);
	} else if (meta.pattern || strncmp(err.where, "$.objects[0]", 12) != 0) {
		abort();
	}
	size_t len;
	char *dump = stix_object_dump(obj, &len);
	json_t *again = stix_object_load(dump, len, "dump", &err);
	if (!again)
		abort();
	char *dump2 = stix_object_dump(again, NULL);
	if (strcmp(dump, dump2) != 0)
		abort();
	free(dump);
	free(dump2);
	json_decref(again);
	json_decref(obj);
	return 0;
}
