/*
 * envelope.c - the documents the TAXII server reads and writes by hand:
 * POSTed envelopes and TAXII error messages.
 *
 * A POST body is read whole (server.c caps it at max_content_length before
 * it gets here), then checked in two passes: a scan that rejects nesting
 * deeper than TAXII_MAX_DEPTH without building anything (jansson's own
 * limit is 2048 levels, far more than any STIX object needs and enough to
 * cost memory), then jansson with JSON_REJECT_DUPLICATES, which also
 * rejects invalid UTF-8 and NUL bytes in strings. Duplicate keys are
 * refused because parsers disagree on which one wins: a second "id" or
 * "object_marking_refs" must never let one component see a different
 * object than another.
 */
#include <string.h>

#include "taxii/taxii_int.h"

/* Deepest nesting of [ and { outside strings; stops counting past max. */
static bool depth_ok(const char *s, size_t len, int max)
{
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				return false;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return true;
}

int taxii_envelope_parse(const char *body, size_t len, json_t **objects, sol_err *err)
{
	*objects = NULL;
	if (!depth_ok(body, len, TAXII_MAX_DEPTH))
		return sol_fail(err, SOL_EPARSE, "$", "JSON nested deeper than %d levels",
				TAXII_MAX_DEPTH);
	json_error_t je;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return sol_fail(err, SOL_EPARSE, NULL, "line %d column %d: %s", je.line, je.column,
				je.text);
	int rc = 0;
	json_t *arr = json_object_get(doc, "objects");
	if (!json_is_object(doc))
		rc = sol_fail(err, SOL_EPARSE, "$", "an envelope must be a JSON object");
	else if (!json_is_array(arr))
		rc = sol_fail(err, SOL_EPARSE, "$.objects", "an envelope needs an objects array");
	else
		*objects = json_incref(arr);
	json_decref(doc);
	return rc;
}

void taxii_error_write(sol_buf *out, int http_status, const char *title, const char *description)
{
	char code[8];
	snprintf(code, sizeof code, "%d", http_status);
	jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "title");
	jsonw_cstr(&w, title);
	if (description) {
		jsonw_key(&w, "description");
		jsonw_cstr(&w, description);
	}
	jsonw_key(&w, "http_status");
	jsonw_cstr(&w, code);
	jsonw_object_end(&w);
}
