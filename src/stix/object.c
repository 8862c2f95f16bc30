/*
 * object.c - loading, checking and dumping one STIX 2.1 object.
 *
 * stix_object_check runs in the order a reader of the specification would:
 *
 *   1. every top-level property: its name uses only a-z, 0-9 and '_'
 *      (section 3.1; the "at least 3 characters" rule is a SHOULD for
 *      custom properties and "id" itself has two), no value anywhere is
 *      JSON null (STIX has no null: omit the property), and, except in
 *      custom x_ properties, a *_ref is an identifier and a *_refs a
 *      non-empty array of them;
 *   2. type, id (whose prefix must be the type) and spec_version;
 *   3. the properties the type requires (types.c holds that table);
 *   4. the common properties of section 3.2 that are present: created,
 *      modified, revoked, created_by_ref, markings, external references,
 *      confidence, labels, extensions, kill chain phases, first/last seen;
 *   5. the type's own rules (types.c), e.g. an indicator's pattern.
 *
 * The first failure stops the walk: one error, with the JSON path of the
 * property and a sentence that quotes the offending value.
 *
 * TLP. meta->tlp is the most restrictive TLP marking among
 * object_marking_refs and the marking_refs of granular_markings: we share
 * whole objects, so a description marked RED makes the object RED.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "stix/object_int.h"

const stix_ref_rule stix_ref_any = {STIX_CAT(STIX_SDO) | STIX_CAT(STIX_SRO) | STIX_CAT(STIX_SCO) |
					STIX_CAT(STIX_META) | STIX_CAT(STIX_CUSTOM),
				    {NULL},
				    "a STIX object"};
const stix_ref_rule stix_ref_identity = {0, {"identity", NULL}, "an identity"};
const stix_ref_rule stix_ref_marking = {0, {"marking-definition", NULL}, "a marking-definition"};
const stix_ref_rule stix_ref_sdo = {
    STIX_CAT(STIX_SDO) | STIX_CAT(STIX_CUSTOM), {NULL}, "a STIX domain object"};
const stix_ref_rule stix_ref_observable = {STIX_CAT(STIX_SCO) | STIX_CAT(STIX_SRO) |
					       STIX_CAT(STIX_CUSTOM),
					   {NULL},
					   "a cyber-observable or relationship"};

/* ---- property checkers (object_int.h) -------------------------------- */

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

int stix_chk_fail(stix_chk *c, const char *prop, const char *fmt, ...)
{
	char where[160], msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(where, sizeof where, "%s.%s", c->where, prop);
	return sol_fail(c->err, SOL_EINVALID, where, "%s", msg);
}

bool stix_chk_has(const stix_chk *c, const char *prop)
{
	return json_object_get(c->obj, prop) != NULL;
}

/* The value of prop, or NULL; fails (rc < 0) if required and absent. */
static const json_t *property(stix_chk *c, const char *prop, bool required, int *rc)
{
	const json_t *v = json_object_get(c->obj, prop);
	*rc = 0;
	if (!v && required)
		*rc = stix_chk_fail(c, prop, "%s is required", prop);
	return v;
}

int stix_chk_string(stix_chk *c, const char *prop, bool required, const char **out)
{
	int rc;
	const json_t *v = property(c, prop, required, &rc);
	if (out)
		*out = NULL;
	if (!v)
		return rc;
	if (!json_is_string(v))
		return stix_chk_fail(c, prop, "%s must be a string, not %s", prop, json_kind(v));
	if (required && json_string_length(v) == 0)
		return stix_chk_fail(c, prop, "%s must not be empty", prop);
	if (out)
		*out = json_string_value(v);
	return 0;
}

int stix_chk_bool(stix_chk *c, const char *prop, bool required, bool *out)
{
	int rc;
	const json_t *v = property(c, prop, required, &rc);
	if (!v)
		return rc;
	if (!json_is_boolean(v))
		return stix_chk_fail(c, prop, "%s must be true or false, not %s", prop,
				     json_kind(v));
	if (out)
		*out = json_is_true(v);
	return 0;
}

int stix_chk_int(stix_chk *c, const char *prop, bool required, json_int_t lo, json_int_t hi,
		 json_int_t *out)
{
	int rc;
	const json_t *v = property(c, prop, required, &rc);
	if (!v)
		return rc;
	if (!json_is_integer(v))
		return stix_chk_fail(c, prop, "%s must be an integer, not %s", prop, json_kind(v));
	json_int_t n = json_integer_value(v);
	if (n < lo || n > hi)
		return stix_chk_fail(c, prop,
				     "%s %" JSON_INTEGER_FORMAT " is outside %" JSON_INTEGER_FORMAT
				     "..%" JSON_INTEGER_FORMAT,
				     prop, n, lo, hi);
	if (out)
		*out = n;
	return 0;
}

int stix_chk_time(stix_chk *c, const char *prop, bool required, sol_time *out)
{
	const char *s;
	*out = SOL_TIME_NONE;
	int rc = stix_chk_string(c, prop, required, &s);
	if (rc < 0 || !s)
		return rc;
	if (sol_time_parse(s, out) < 0)
		return stix_chk_fail(c, prop,
				     "%s \"%.40s\" is not a STIX timestamp like "
				     "2016-05-12T08:17:27.000Z",
				     prop, s);
	return 0;
}

int stix_chk_order(stix_chk *c, const char *first, sol_time a, const char *second, sol_time b,
		   bool strict)
{
	if (a == SOL_TIME_NONE || b == SOL_TIME_NONE || b > a || (b == a && !strict))
		return 0;
	const char *sa = json_string_value(json_object_get(c->obj, first));
	const char *sb = json_string_value(json_object_get(c->obj, second));
	return stix_chk_fail(c, second, "%s %s is %s %s %s", second, sb,
			     b == a ? "the same as" : "before", first, sa);
}

size_t stix_id_type_len(const char *id)
{
	const char *sep = strstr(id, "--");
	if (!sep)
		return 0;
	size_t n = (size_t)(sep - id);
	if (!stix_type_name_valid(id, n) || strlen(sep + 2) != 36 || !sol_uuid_valid(sep + 2, 36))
		return 0;
	return n;
}

/* Check one identifier v at path prop ("source_ref", "object_refs[2]"). */
static int check_id(stix_chk *c, const char *prop, const json_t *v, const stix_ref_rule *rule)
{
	if (!json_is_string(v))
		return stix_chk_fail(c, prop, "%s must be an identifier string, not %s", prop,
				     json_kind(v));
	const char *id = json_string_value(v);
	size_t n = stix_id_type_len(id);
	if (n == 0)
		return stix_chk_fail(c, prop, "\"%.80s\" is not a STIX identifier <type>--<uuid>",
				     id);
	if (rule->cats & STIX_CAT(stix_type_category(id, n)))
		return 0;
	for (size_t i = 0; rule->types[i]; i++)
		if (strlen(rule->types[i]) == n && memcmp(rule->types[i], id, n) == 0)
			return 0;
	return stix_chk_fail(c, prop, "%s must refer to %s, not %.*s", prop, rule->what, (int)n,
			     id);
}

int stix_chk_ref(stix_chk *c, const char *prop, bool required, const stix_ref_rule *rule)
{
	int rc;
	const json_t *v = property(c, prop, required, &rc);
	return v ? check_id(c, prop, v, rule) : rc;
}

int stix_chk_refs(stix_chk *c, const char *prop, bool required, const stix_ref_rule *rule)
{
	int rc;
	const json_t *v = property(c, prop, required, &rc);
	if (!v)
		return rc;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return stix_chk_fail(c, prop, "%s must be a non-empty array of identifiers", prop);
	size_t i;
	const json_t *e;
	json_array_foreach(v, i, e)
	{
		char path[80];
		snprintf(path, sizeof path, "%s[%zu]", prop, i);
		if ((rc = check_id(c, path, e, rule)) < 0)
			return rc;
	}
	return 0;
}

int stix_chk_strings(stix_chk *c, const char *prop, bool required)
{
	int rc;
	const json_t *v = property(c, prop, required, &rc);
	if (!v)
		return rc;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return stix_chk_fail(c, prop, "%s must be a non-empty array of strings", prop);
	size_t i;
	const json_t *e;
	json_array_foreach(v, i, e)
	{
		if (json_is_string(e))
			continue;
		char path[80];
		snprintf(path, sizeof path, "%s[%zu]", prop, i);
		return stix_chk_fail(c, path, "%s must hold strings, not %s", prop, json_kind(e));
	}
	return 0;
}

/* Hash algorithms with a fixed hex length (section 10.3 hashing-algorithm-ov). */
static const struct {
	const char *name; /* as the vocabulary spells it */
	size_t hex;       /* digest length in hex digits */
} hash_algos[] = {
    {"MD5", 32},      {"SHA-1", 40},    {"SHA-256", 64},
    {"SHA-512", 128}, {"SHA3-256", 64}, {"SHA3-512", 128},
};

/* Match "SHA-256" also as "sha256" or "SHA256": feeds spell them freely. */
static bool hash_name_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-')
			a++;
		while (*b == '-')
			b++;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		if (!*a)
			return true;
		a++, b++;
	}
}

int stix_chk_hashes(stix_chk *c, const char *prop, bool required)
{
	int rc;
	const json_t *v = property(c, prop, required, &rc);
	if (!v)
		return rc;
	if (!json_is_object(v) || json_object_size(v) == 0)
		return stix_chk_fail(c, prop, "%s must be a non-empty object of algorithm: value",
				     prop);
	const char *algo;
	const json_t *h;
	json_object_foreach((json_t *)v, algo, h)
	{
		char path[120];
		snprintf(path, sizeof path, "%s['%.60s']", prop, algo);
		if (!json_is_string(h) || json_string_length(h) == 0)
			return stix_chk_fail(c, path, "a hash must be a non-empty string");
		const char *s = json_string_value(h);
		size_t n = json_string_length(h);
		for (size_t i = 0; i < sizeof hash_algos / sizeof hash_algos[0]; i++) {
			if (!hash_name_eq(algo, hash_algos[i].name))
				continue;
			size_t hex = 0;
			while (hex < n && isxdigit((unsigned char)s[hex]))
				hex++;
			if (n != hash_algos[i].hex || hex != n)
				return stix_chk_fail(c, path,
						     "%s \"%.80s\" is not %zu hexadecimal digits",
						     hash_algos[i].name, s, hash_algos[i].hex);
		}
	}
	return 0;
}

/* ---- the walk ---------------------------------------------------------- */

static bool contains_null(const json_t *v)
{
	size_t i;
	const char *k;
	const json_t *e;
	if (json_is_null(v))
		return true;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			if (contains_null(e))
				return true;
		}
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e)
		{
			if (contains_null(e))
				return true;
		}
	}
	return false;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n > m && memcmp(s + n - m, suffix, m) == 0;
}

/* a-z, 0-9 or '_' (strspn with that set cost more than the rest of the
 * property checks). */
static bool property_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Step 1: property names, nulls, and the shape of every *_ref(s). */
static int check_properties(stix_chk *c)
{
	const char *k;
	const json_t *v;
	int rc;
	json_object_foreach((json_t *)c->obj, k, v)
	{
		size_t n = 0;
		while (property_char(k[n]))
			n++;
		if (n == 0 || n > STIX_PROPERTY_MAX || k[n])
			return sol_fail(c->err, SOL_EINVALID, c->where,
					"property name \"%.60s\" must be 1 to %d characters of "
					"a-z, 0-9 and '_'",
					k, STIX_PROPERTY_MAX);
		if (contains_null(v))
			return stix_chk_fail(c, k,
					     "%s holds null, which STIX does not allow: omit the "
					     "property instead",
					     k);
		if (strncmp(k, "x_", 2) == 0)
			continue; /* a custom property's shape is its producer's business */
		if (ends_with(k, n, "_ref") && (rc = check_id(c, k, v, &stix_ref_any)) < 0)
			return rc;
		if (ends_with(k, n, "_refs") && (rc = stix_chk_refs(c, k, true, &stix_ref_any)) < 0)
			return rc;
	}
	return 0;
}

/* Step 2: type, id and spec_version. */
static int check_identity(stix_chk *c, const stix_type **def)
{
	const char *type, *id, *ver;
	int rc;
	if ((rc = stix_chk_string(c, "type", true, &type)) < 0)
		return rc;
	size_t tn = strlen(type);
	if (!stix_type_name_valid(type, tn))
		return stix_chk_fail(c, "type",
				     "type \"%.60s\" must be 3 to 250 characters of a-z, 0-9 and "
				     "single '-' inside",
				     type);
	*def = stix_type_find(type, tn);
	c->meta->type = type;
	c->meta->category = *def ? (*def)->category : STIX_CUSTOM;
	if ((rc = stix_chk_string(c, "id", true, &id)) < 0)
		return rc;
	size_t n = stix_id_type_len(id);
	if (n == 0)
		return stix_chk_fail(c, "id", "id \"%.80s\" is not <type>--<uuid>", id);
	if (n != tn || memcmp(id, type, n) != 0)
		return stix_chk_fail(c, "id", "id %.80s does not match type %s", id, type);
	c->meta->id = id;
	bool sco = c->meta->category == STIX_SCO;
	if ((rc = stix_chk_string(c, "spec_version", !sco, &ver)) < 0)
		return rc;
	if (ver && strcmp(ver, "2.1") != 0)
		return stix_chk_fail(c, "spec_version",
				     "spec_version must be \"2.1\", not \"%.20s\"", ver);
	return 0;
}

/* Check one granular marking, c being the marking object itself. */
static int check_granular(stix_chk *c)
{
	const char *lang;
	int rc;
	if ((rc = stix_chk_strings(c, "selectors", true)) < 0 ||
	    (rc = stix_chk_ref(c, "marking_ref", false, &stix_ref_marking)) < 0 ||
	    (rc = stix_chk_string(c, "lang", false, &lang)) < 0)
		return rc;
	if (stix_chk_has(c, "marking_ref") == (lang != NULL))
		return stix_chk_fail(c, "marking_ref",
				     "a granular marking needs exactly one of "
				     "marking_ref and lang");
	return 0;
}

static int check_external_reference(stix_chk *c)
{
	int rc;
	if ((rc = stix_chk_string(c, "source_name", true, NULL)) < 0 ||
	    (rc = stix_chk_string(c, "description", false, NULL)) < 0 ||
	    (rc = stix_chk_string(c, "url", false, NULL)) < 0 ||
	    (rc = stix_chk_string(c, "external_id", false, NULL)) < 0 ||
	    (rc = stix_chk_hashes(c, "hashes", false)) < 0)
		return rc;
	if (!stix_chk_has(c, "description") && !stix_chk_has(c, "url") &&
	    !stix_chk_has(c, "external_id"))
		return stix_chk_fail(c, "source_name",
				     "an external reference needs a "
				     "description, url or external_id too");
	return 0;
}

static int check_kill_chain_phase(stix_chk *c)
{
	int rc = stix_chk_string(c, "kill_chain_name", true, NULL);
	return rc < 0 ? rc : stix_chk_string(c, "phase_name", true, NULL);
}

/* Run fn on every element of the array prop, each one an object. */
static int check_each(stix_chk *c, const char *prop, int (*fn)(stix_chk *))
{
	const json_t *v = json_object_get(c->obj, prop), *e;
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return stix_chk_fail(c, prop, "%s must be a non-empty array of objects", prop);
	size_t i;
	json_array_foreach(v, i, e)
	{
		char where[160];
		snprintf(where, sizeof where, "%s.%s[%zu]", c->where, prop, i);
		if (!json_is_object(e))
			return sol_fail(c->err, SOL_EINVALID, where, "%s must hold objects, not %s",
					prop, json_kind(e));
		stix_chk sub = {e, where, c->meta, c->err};
		int rc = fn(&sub);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The most restrictive TLP among the marking refs in object_marking_refs
 * and granular_markings (both already checked). */
static stix_tlp marking_tlp(const json_t *obj)
{
	stix_tlp tlp = TLP_NONE;
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(obj, "object_marking_refs"), i, e)
	{
		stix_tlp t = stix_tlp_from_marking_id(json_string_value(e));
		if (t > tlp)
			tlp = t;
	}
	json_array_foreach(json_object_get(obj, "granular_markings"), i, e)
	{
		const char *ref = json_string_value(json_object_get(e, "marking_ref"));
		stix_tlp t = ref ? stix_tlp_from_marking_id(ref) : TLP_NONE;
		if (t > tlp)
			tlp = t;
	}
	return tlp;
}

static int check_extensions(stix_chk *c)
{
	const json_t *v = json_object_get(c->obj, "extensions"), *e;
	const char *k;
	if (!v)
		return 0;
	if (!json_is_object(v) || json_object_size(v) == 0)
		return stix_chk_fail(c, "extensions", "extensions must be a non-empty object");
	json_object_foreach((json_t *)v, k, e)
	{
		char path[120];
		snprintf(path, sizeof path, "extensions['%.80s']", k);
		if (!json_is_object(e))
			return stix_chk_fail(c, path, "an extension must be an object, not %s",
					     json_kind(e));
		if (strncmp(k, "extension-definition--", 22) == 0 && stix_id_type_len(k) == 0)
			return stix_chk_fail(c, path, "\"%.80s\" is not an extension-definition id",
					     k);
	}
	return 0;
}

/* Step 4: the common properties of section 3.2 that are present. */
static int check_common(stix_chk *c)
{
	stix_meta *m = c->meta;
	sol_time first, last;
	json_int_t conf = -1;
	int rc;
	if ((rc = stix_chk_time(c, "created", false, &m->created)) < 0 ||
	    (rc = stix_chk_time(c, "modified", false, &m->modified)) < 0 ||
	    (rc = stix_chk_order(c, "created", m->created, "modified", m->modified, false)) < 0 ||
	    (rc = stix_chk_bool(c, "revoked", false, &m->revoked)) < 0 ||
	    (rc = stix_chk_ref(c, "created_by_ref", false, &stix_ref_identity)) < 0 ||
	    (rc = stix_chk_refs(c, "object_marking_refs", false, &stix_ref_marking)) < 0 ||
	    (rc = check_each(c, "granular_markings", check_granular)) < 0 ||
	    (rc = check_each(c, "external_references", check_external_reference)) < 0 ||
	    (rc = stix_chk_int(c, "confidence", false, 0, 100, &conf)) < 0 ||
	    (rc = check_extensions(c)) < 0 ||
	    (rc = check_each(c, "kill_chain_phases", check_kill_chain_phase)) < 0 ||
	    (rc = stix_chk_string(c, "name", false, NULL)) < 0 ||
	    (rc = stix_chk_string(c, "description", false, NULL)) < 0 ||
	    (rc = stix_chk_string(c, "lang", false, NULL)) < 0 ||
	    (rc = stix_chk_time(c, "first_seen", false, &first)) < 0 ||
	    (rc = stix_chk_time(c, "last_seen", false, &last)) < 0 ||
	    (rc = stix_chk_order(c, "first_seen", first, "last_seen", last, false)) < 0)
		return rc;
	const json_t *labels = json_object_get(c->obj, "labels");
	if (labels && !json_is_array(labels))
		return stix_chk_fail(c, "labels", "labels must be an array of strings, not %s",
				     json_kind(labels));
	if (labels && json_array_size(labels) > 0 &&
	    (rc = stix_chk_strings(c, "labels", false)) < 0)
		return rc;
	m->confidence = (int)conf;
	m->created_by_ref = json_string_value(json_object_get(c->obj, "created_by_ref"));
	m->tlp = marking_tlp(c->obj);
	return 0;
}

static void meta_init(stix_meta *meta)
{
	memset(meta, 0, sizeof *meta);
	meta->created = meta->modified = meta->valid_until = SOL_TIME_NONE;
	meta->confidence = -1;
}

static int check_object(stix_chk *c)
{
	const stix_type *def = NULL;
	int rc;
	if (!json_is_object(c->obj))
		return sol_fail(c->err, SOL_EINVALID, c->where,
				"a STIX object must be a JSON object, not %s", json_kind(c->obj));
	if ((rc = check_properties(c)) < 0 || (rc = check_identity(c, &def)) < 0)
		return rc;
	for (size_t i = 0; def && def->required[i]; i++)
		if (!stix_chk_has(c, def->required[i]))
			return stix_chk_fail(c, def->required[i], "%s is required on %s",
					     def->required[i], def->name);
	if ((rc = check_common(c)) < 0)
		return rc;
	if (def && def->check && (rc = def->check(c)) < 0)
		return rc;
	stix_meta *m = c->meta;
	m->version = m->modified != SOL_TIME_NONE  ? m->modified
		     : m->created != SOL_TIME_NONE ? m->created
						   : 0;
	return 0;
}

int stix_object_check(const json_t *obj, const char *where, stix_meta *meta, sol_err *err)
{
	meta_init(meta);
	stix_chk c = {obj, where ? where : "$", meta, err};
	int rc = check_object(&c);
	if (rc < 0) {
		stix_meta_fini(meta);
		meta_init(meta);
	}
	return rc;
}

void stix_meta_fini(stix_meta *meta)
{
	stix_pattern_free(meta->pattern);
	meta->pattern = NULL;
}

/* ---- load and dump ----------------------------------------------------- */

/* The canonical serialisation's jansson flags (stix.h). */
#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

char *stix_object_dump(const json_t *obj, size_t *len)
{
	char *s = json_dumps(obj, DUMP_FLAGS);
	if (!s)
		abort(); /* only fails when out of memory */
	if (len)
		*len = strlen(s);
	return s;
}

size_t stix_object_dumpb(const json_t *obj, char *buf, size_t size)
{
	size_t n = json_dumpb(obj, buf, size, DUMP_FLAGS);
	if (n == 0)
		abort(); /* an object is never empty: only fails when out of memory */
	return n;
}

json_t *stix_object_load(const char *data, size_t len, const char *where, sol_err *err)
{
	return stix_object_load_at(data, len, where, 1, 1, err);
}

json_t *stix_object_load_at(const char *data, size_t len, const char *where, long line, long col,
			    sol_err *err)
{
	char at[160];
	const char *sep = where && *where ? ":" : "";
	where = where ? where : "";
	if (len > STIX_MAX_OBJECT) {
		snprintf(at, sizeof at, "%s%s%ld:%ld", where, sep, line, col);
		sol_fail(err, SOL_ETOOBIG, at, "object is larger than %u bytes",
			 (unsigned)STIX_MAX_OBJECT);
		return NULL;
	}
	json_error_t je;
	json_t *obj = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (obj && json_is_object(obj))
		return obj;
	if (obj) {
		json_decref(obj);
		snprintf(at, sizeof at, "%s%s%ld:%ld", where, sep, line, col);
		sol_fail(err, SOL_EPARSE, at, "expected a JSON object");
		return NULL;
	}
	/* jansson counts from 1:1 at data[0], which sits at line:col. */
	if (je.line > 1)
		line += je.line - 1, col = je.column;
	else if (je.line == 1 && je.column > 0)
		col += je.column - 1;
	snprintf(at, sizeof at, "%s%s%ld:%ld", where, sep, line, col);
	sol_fail(err, SOL_EPARSE, at, "%s", je.text);
	return NULL;
}
