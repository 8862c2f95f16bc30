/*
 * stix_bundle.c - fuzz target: the streamed bundle reader over the input
 * (fmemopen), checking every object it yields.
 *
 * Nothing may crash or leak; every yielded object is a JSON object with a
 * path; the reader stops with 0 or an error, and after an error keeps
 * returning it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "stix/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0; /* fmemopen refuses empty buffers */
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	stix_bundle_reader *r = stix_bundle_reader_new(f);
	json_t *obj;
	const char *path;
	sol_err err;
	int rc;
	while ((rc = stix_bundle_next(r, &obj, &path, &err)) == 1) {
		if (!json_is_object(obj) || !path || path[0] != '$')
			abort();
		stix_meta meta;
		if (stix_object_check(obj, path, &meta, &err) == 0)
			stix_meta_fini(&meta);
		json_decref(obj);
	}
	if (rc < 0 && stix_bundle_next(r, &obj, &path, NULL) != rc)
		abort();
	stix_bundle_reader_free(r);
	fclose(f);
	return 0;
}
