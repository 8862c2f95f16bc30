/*
 * taxii_router.c - fuzz target: the TAXII server's request router and URL
 * parameter parser, without sockets.
 *
 * Input: "METHOD\nPATH\nkey=value\nkey=value..." (the path and parameters
 * as libmicrohttpd hands them over, already percent-decoded). Whatever the
 * bytes, nothing may crash or leak, and a route that parses carries only
 * strictly valid ids: a UUID collection, a "type--uuid" object, and never
 * "..", "/" or a byte outside their alphabets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taxii/taxii_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	char *lines[2 + TAXII_MAX_PARAMS + 1] = {0};
	size_t n = 0;
	for (char *p = text, *nl; n < sizeof lines / sizeof lines[0] && p; p = nl) {
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		lines[n++] = p;
	}
	taxii_route r;
	int rc = taxii_route_parse(lines[0] ? lines[0] : "", lines[1] ? lines[1] : "", &r);
	if (rc != 0 && rc != 404 && rc != 405)
		abort();
	if (rc != 404) {
		if (r.collection[0] && !sol_uuid_valid(r.collection, strlen(r.collection)))
			abort();
		if (r.object[0] && (!taxii_stix_id_valid(r.object) || strchr(r.object, '/') ||
				    strstr(r.object, "..")))
			abort();
	}
	taxii_param params[TAXII_MAX_PARAMS + 1];
	size_t np = 0;
	for (size_t i = 2; i < n; i++) {
		char *eq = strchr(lines[i], '=');
		if (eq)
			*eq++ = '\0';
		params[np++] = (taxii_param){lines[i], eq};
	}
	taxii_query q;
	sol_err err;
	if (taxii_query_parse(params, np, 100, &q, &err) == 0 && (q.limit < 1 || q.limit > 100))
		abort();
	taxii_query_fini(&q);
	free(text);
	return 0;
}
