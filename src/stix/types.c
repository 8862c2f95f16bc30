/*
 * types.c - the types STIX 2.1 defines and the rules each adds to the
 * common properties: one table row per type (name, category, required
 * properties) and, where a type has rules beyond "present", a check
 * function named after it.
 *
 * We check what the specification states as MUST for the properties we
 * act on (patterns, timestamps, references, observable values, hashes)
 * and leave open vocabularies (indicator_types, relationship_type values)
 * alone, so objects from any producer pass through unchanged. Types not
 * in the table are custom objects: they get the common checks only.
 */
#include <string.h>

#include "stix/object_int.h"

/* Versioned objects (SDOs, SROs) carry both timestamps. */
#define VERSIONED "created", "modified"

/* ---- SDOs -------------------------------------------------------------- */

static int check_indicator(stix_chk *c)
{
	const char *pattern, *ptype;
	sol_time from, until;
	int rc;
	if ((rc = stix_chk_string(c, "pattern", true, &pattern)) < 0 ||
	    (rc = stix_chk_string(c, "pattern_type", true, &ptype)) < 0 ||
	    (rc = stix_chk_time(c, "valid_from", true, &from)) < 0 ||
	    (rc = stix_chk_time(c, "valid_until", false, &until)) < 0 ||
	    (rc = stix_chk_order(c, "valid_from", from, "valid_until", until, true)) < 0)
		return rc;
	c->meta->valid_until = until;
	if (strcmp(ptype, "stix") != 0)
		return 0; /* snort, yara, sigma...: stored, not parsed */
	sol_err perr;
	sol_err_clear(&perr);
	size_t len = json_string_length(json_object_get(c->obj, "pattern"));
	if (stix_pattern_parse(pattern, len, &c->meta->pattern, &perr) == 0)
		return 0;
	char where[160];
	snprintf(where, sizeof where, "%s.pattern", c->where);
	return sol_fail(c->err, SOL_EPARSE, where, "bad pattern at %s: %s", perr.where, perr.msg);
}

static int check_malware(stix_chk *c)
{
	bool family = false;
	int rc = stix_chk_bool(c, "is_family", true, &family);
	if (rc < 0)
		return rc;
	return stix_chk_string(c, "name", family, NULL);
}

static int check_report(stix_chk *c)
{
	sol_time published;
	int rc = stix_chk_time(c, "published", true, &published);
	return rc < 0 ? rc : stix_chk_refs(c, "object_refs", true, &stix_ref_any);
}

static int check_grouping(stix_chk *c)
{
	int rc = stix_chk_string(c, "context", true, NULL);
	return rc < 0 ? rc : stix_chk_refs(c, "object_refs", true, &stix_ref_any);
}

static int check_observed_data(stix_chk *c)
{
	sol_time first, last;
	int rc;
	if ((rc = stix_chk_time(c, "first_observed", true, &first)) < 0 ||
	    (rc = stix_chk_time(c, "last_observed", true, &last)) < 0 ||
	    (rc = stix_chk_order(c, "first_observed", first, "last_observed", last, false)) < 0 ||
	    (rc = stix_chk_int(c, "number_observed", true, 1, 999999999, NULL)) < 0)
		return rc;
	bool refs = stix_chk_has(c, "object_refs");
	const json_t *objects = json_object_get(c->obj, "objects");
	if (refs == (objects != NULL))
		return stix_chk_fail(c, "object_refs",
				     "observed-data needs exactly one of "
				     "object_refs and objects");
	if (objects && (!json_is_object(objects) || json_object_size(objects) == 0))
		return stix_chk_fail(c, "objects", "objects must be a non-empty object");
	return refs ? stix_chk_refs(c, "object_refs", true, &stix_ref_observable) : 0;
}

static int check_location(stix_chk *c)
{
	static const struct {
		const char *name; /* coordinate property */
		double max;       /* |value| <= max */
	} coords[] = {{"latitude", 90}, {"longitude", 180}};
	const json_t *lat = json_object_get(c->obj, "latitude");
	const json_t *lon = json_object_get(c->obj, "longitude");
	if ((lat == NULL) != (lon == NULL))
		return stix_chk_fail(c, lat ? "longitude" : "latitude",
				     "latitude and longitude go together");
	for (size_t i = 0; lat && i < 2; i++) {
		const json_t *v = json_object_get(c->obj, coords[i].name);
		double d = json_number_value(v);
		if (!json_is_number(v) || d < -coords[i].max || d > coords[i].max)
			return stix_chk_fail(c, coords[i].name, "%s must be a number in -%g..%g",
					     coords[i].name, coords[i].max, coords[i].max);
	}
	if (!lat && !stix_chk_has(c, "region") && !stix_chk_has(c, "country"))
		return stix_chk_fail(c, "region",
				     "a location needs region, country, or latitude "
				     "and longitude");
	return 0;
}

static int check_malware_analysis(stix_chk *c)
{
	if (!stix_chk_has(c, "result") && !stix_chk_has(c, "analysis_sco_refs"))
		return stix_chk_fail(c, "result",
				     "malware-analysis needs result or analysis_sco_refs");
	return stix_chk_string(c, "product", true, NULL);
}

static int check_opinion(stix_chk *c)
{
	static const char *const values[] = {"strongly-disagree", "disagree", "neutral", "agree",
					     "strongly-agree"};
	const char *o;
	int rc = stix_chk_string(c, "opinion", true, &o);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		if (strcmp(o, values[i]) == 0)
			return stix_chk_refs(c, "object_refs", true, &stix_ref_any);
	return stix_chk_fail(c, "opinion",
			     "opinion \"%.40s\" is not one of strongly-disagree, "
			     "disagree, neutral, agree, strongly-agree",
			     o);
}

static int check_note(stix_chk *c)
{
	int rc = stix_chk_string(c, "content", true, NULL);
	return rc < 0 ? rc : stix_chk_refs(c, "object_refs", true, &stix_ref_any);
}

/* ---- SROs -------------------------------------------------------------- */

static int check_relationship(stix_chk *c)
{
	int rc;
	if ((rc = stix_chk_string(c, "relationship_type", true, NULL)) < 0 ||
	    (rc = stix_chk_ref(c, "source_ref", true, &stix_ref_any)) < 0)
		return rc;
	return stix_chk_ref(c, "target_ref", true, &stix_ref_any);
}

static int check_sighting(stix_chk *c)
{
	static const stix_ref_rule observed = {0, {"observed-data", NULL}, "an observed-data"};
	static const stix_ref_rule place = {
	    0, {"identity", "location", NULL}, "an identity or location"};
	int rc;
	if ((rc = stix_chk_ref(c, "sighting_of_ref", true, &stix_ref_sdo)) < 0 ||
	    (rc = stix_chk_int(c, "count", false, 0, 999999999, NULL)) < 0 ||
	    (rc = stix_chk_refs(c, "observed_data_refs", false, &observed)) < 0)
		return rc;
	return stix_chk_refs(c, "where_sighted_refs", false, &place);
}

/* ---- meta objects ------------------------------------------------------ */

/*
 * Either definition_type + definition (TLP 1.0 "tlp", "statement", or a
 * custom type) or, as TLP 2.0 markings do, an extension and no definition.
 * A marking whose id is one of the well-known TLP ids must say that level:
 * a "TLP:AMBER" id defined as white would leak amber data.
 */
static int check_marking_definition(stix_chk *c)
{
	static const char *const tlp1[] = {"white", "green", "amber", "red"};
	const json_t *def = json_object_get(c->obj, "definition");
	const char *dtype, *level = NULL;
	stix_tlp says = TLP_NONE;
	int rc = stix_chk_string(c, "definition_type", false, &dtype);
	if (rc < 0)
		return rc;
	if (!dtype && def)
		return stix_chk_fail(c, "definition_type", "definition needs a definition_type");
	if (dtype) {
		if (!json_is_object(def))
			return stix_chk_fail(c, "definition",
					     "definition_type %.40s needs a definition object",
					     dtype);
		char where[160];
		snprintf(where, sizeof where, "%s.definition", c->where);
		stix_chk sub = {def, where, c->meta, c->err};
		if (strcmp(dtype, "statement") == 0)
			return stix_chk_string(&sub, "statement", true, NULL);
		if (strcmp(dtype, "tlp") == 0) {
			if ((rc = stix_chk_string(&sub, "tlp", true, &level)) < 0)
				return rc;
			size_t i = 0;
			while (i < 4 && strcmp(level, tlp1[i]) != 0)
				i++;
			if (i == 4)
				return stix_chk_fail(
				    &sub, "tlp", "tlp \"%.20s\" is not white, green, amber or red",
				    level);
		}
	} else {
		const json_t *ext = json_object_get(c->obj, "extensions"), *e;
		const char *k;
		if (!ext)
			return stix_chk_fail(c, "definition_type",
					     "a marking-definition needs definition_type and "
					     "definition, or an extension");
		json_object_foreach((json_t *)ext, k, e)
		{
			const json_t *t = json_object_get(e, "tlp_2_0");
			if (json_is_string(t))
				level = json_string_value(t);
		}
	}
	if (level && stix_tlp_parse(level, &says) < 0)
		says = TLP_NONE;
	stix_tlp id_says = stix_tlp_from_marking_id(c->meta->id);
	if (id_says != TLP_NONE && says != id_says)
		return stix_chk_fail(c, "id", "%s is the TLP:%s marking but is defined as %s",
				     c->meta->id, stix_tlp_name(id_says), level ? level : "no TLP");
	return 0;
}

static int check_language_content(stix_chk *c)
{
	const json_t *contents = json_object_get(c->obj, "contents");
	if (!json_is_object(contents) || json_object_size(contents) == 0)
		return stix_chk_fail(c, "contents", "contents must be a non-empty object");
	return stix_chk_ref(c, "object_ref", true, &stix_ref_any);
}

static int check_extension_definition(stix_chk *c)
{
	int rc;
	if ((rc = stix_chk_ref(c, "created_by_ref", true, &stix_ref_identity)) < 0 ||
	    (rc = stix_chk_string(c, "name", true, NULL)) < 0 ||
	    (rc = stix_chk_string(c, "schema", true, NULL)) < 0 ||
	    (rc = stix_chk_string(c, "version", true, NULL)) < 0)
		return rc;
	return stix_chk_strings(c, "extension_types", true);
}

/* ---- SCOs -------------------------------------------------------------- */

/* value parses as an observable of kind want (obs_parse). */
static int check_value(stix_chk *c, obs_kind want, const char *what)
{
	const char *s;
	int rc = stix_chk_string(c, "value", true, &s);
	if (rc < 0)
		return rc;
	obs_value v;
	size_t n = json_string_length(json_object_get(c->obj, "value"));
	if (obs_parse(s, n, want, &v) < 0)
		return stix_chk_fail(c, "value", "value \"%.80s\" is not %s", s, what);
	return 0;
}

static int check_ipv4_addr(stix_chk *c)
{
	return check_value(c, OBS_IPV4, "an IPv4 address or CIDR");
}

static int check_ipv6_addr(stix_chk *c)
{
	return check_value(c, OBS_IPV6, "an IPv6 address or CIDR");
}

static int check_domain_name(stix_chk *c)
{
	return check_value(c, OBS_DOMAIN, "a domain name");
}

static int check_url(stix_chk *c)
{
	return check_value(c, OBS_URL, "a URL");
}

static int check_email_addr(stix_chk *c)
{
	return check_value(c, OBS_EMAIL, "an email address");
}

/* "a1:b2:c3:d4:e5:f6": colon-separated, lowercase, leading zeros kept. */
static int check_mac_addr(stix_chk *c)
{
	const char *s;
	int rc = stix_chk_string(c, "value", true, &s);
	if (rc < 0)
		return rc;
	bool ok = strlen(s) == 17;
	for (size_t i = 0; ok && i < 17; i++)
		ok = i % 3 == 2 ? s[i] == ':' : strchr("0123456789abcdef", s[i]) != NULL;
	return ok ? 0
		  : stix_chk_fail(
			c, "value",
			"value \"%.40s\" is not a lowercase MAC-48 like 00:1a:2b:3c:4d:5e", s);
}

static int check_file(stix_chk *c)
{
	int rc;
	if ((rc = stix_chk_hashes(c, "hashes", false)) < 0 ||
	    (rc = stix_chk_string(c, "name", false, NULL)) < 0)
		return rc;
	if (!stix_chk_has(c, "hashes") && !stix_chk_has(c, "name"))
		return stix_chk_fail(c, "hashes", "a file needs hashes or a name");
	return 0;
}

/* Standard base64 (RFC 4648 section 4) with padding, no whitespace. */
static bool base64_valid(const char *s, size_t n)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789+/";
	if (n % 4 != 0)
		return false;
	size_t pad = 0;
	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		if (!s[i] || !strchr(alphabet, s[i]))
			return false;
	return true;
}

static int check_artifact(stix_chk *c)
{
	const char *payload, *url;
	int rc;
	if ((rc = stix_chk_string(c, "payload_bin", false, &payload)) < 0 ||
	    (rc = stix_chk_string(c, "url", false, &url)) < 0 ||
	    (rc = stix_chk_hashes(c, "hashes", url != NULL)) < 0)
		return rc;
	if ((payload == NULL) == (url == NULL))
		return stix_chk_fail(c, "payload_bin",
				     "an artifact needs exactly one of payload_bin and url");
	if (payload &&
	    !base64_valid(payload, json_string_length(json_object_get(c->obj, "payload_bin"))))
		return stix_chk_fail(c, "payload_bin", "payload_bin \"%.40s\" is not base64",
				     payload);
	return 0;
}

static int check_network_traffic(stix_chk *c)
{
	int rc = stix_chk_strings(c, "protocols", true);
	if (rc < 0)
		return rc;
	if (!stix_chk_has(c, "src_ref") && !stix_chk_has(c, "dst_ref"))
		return stix_chk_fail(c, "src_ref", "network-traffic needs src_ref or dst_ref");
	return 0;
}

/* At least one property beyond those every SCO may have. */
static int check_x509_certificate(stix_chk *c)
{
	static const char common[] = " type id spec_version object_marking_refs "
				     "granular_markings defanged extensions ";
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)c->obj, k, v)
	{
		char word[STIX_PROPERTY_MAX + 3];
		snprintf(word, sizeof word, " %s ", k);
		if (!strstr(common, word))
			return 0;
	}
	return stix_chk_fail(c, "type",
			     "an x509-certificate needs at least one certificate "
			     "property");
}

/* ---- the table ----------------------------------------------------------- */

static const stix_type types[] = {
    {"artifact", STIX_SCO, {NULL}, check_artifact},
    {"attack-pattern", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"autonomous-system", STIX_SCO, {"number", NULL}, NULL},
    {"campaign", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"course-of-action", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"directory", STIX_SCO, {"path", NULL}, NULL},
    {"domain-name", STIX_SCO, {"value", NULL}, check_domain_name},
    {"email-addr", STIX_SCO, {"value", NULL}, check_email_addr},
    {"email-message", STIX_SCO, {"is_multipart", NULL}, NULL},
    {"extension-definition", STIX_META, {VERSIONED, NULL}, check_extension_definition},
    {"file", STIX_SCO, {NULL}, check_file},
    {"grouping", STIX_SDO, {VERSIONED, "context", "object_refs", NULL}, check_grouping},
    {"identity", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"incident", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"indicator",
     STIX_SDO,
     {VERSIONED, "pattern", "pattern_type", "valid_from", NULL},
     check_indicator},
    {"infrastructure", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"intrusion-set", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"ipv4-addr", STIX_SCO, {"value", NULL}, check_ipv4_addr},
    {"ipv6-addr", STIX_SCO, {"value", NULL}, check_ipv6_addr},
    {"language-content",
     STIX_META,
     {VERSIONED, "object_ref", "contents", NULL},
     check_language_content},
    {"location", STIX_SDO, {VERSIONED, NULL}, check_location},
    {"mac-addr", STIX_SCO, {"value", NULL}, check_mac_addr},
    {"malware", STIX_SDO, {VERSIONED, "is_family", NULL}, check_malware},
    {"malware-analysis", STIX_SDO, {VERSIONED, "product", NULL}, check_malware_analysis},
    {"marking-definition", STIX_META, {"created", NULL}, check_marking_definition},
    {"mutex", STIX_SCO, {"name", NULL}, NULL},
    {"network-traffic", STIX_SCO, {"protocols", NULL}, check_network_traffic},
    {"note", STIX_SDO, {VERSIONED, "content", "object_refs", NULL}, check_note},
    {"observed-data",
     STIX_SDO,
     {VERSIONED, "first_observed", "last_observed", "number_observed", NULL},
     check_observed_data},
    {"opinion", STIX_SDO, {VERSIONED, "opinion", "object_refs", NULL}, check_opinion},
    {"process", STIX_SCO, {NULL}, NULL},
    {"relationship",
     STIX_SRO,
     {VERSIONED, "relationship_type", "source_ref", "target_ref", NULL},
     check_relationship},
    {"report", STIX_SDO, {VERSIONED, "name", "published", "object_refs", NULL}, check_report},
    {"sighting", STIX_SRO, {VERSIONED, "sighting_of_ref", NULL}, check_sighting},
    {"software", STIX_SCO, {"name", NULL}, NULL},
    {"threat-actor", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"tool", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"url", STIX_SCO, {"value", NULL}, check_url},
    {"user-account", STIX_SCO, {NULL}, NULL},
    {"vulnerability", STIX_SDO, {VERSIONED, "name", NULL}, NULL},
    {"windows-registry-key", STIX_SCO, {NULL}, NULL},
    {"x509-certificate", STIX_SCO, {NULL}, check_x509_certificate},
};

const stix_type *stix_type_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (len && types[i].name[0] == name[0] && strlen(types[i].name) == len &&
		    memcmp(types[i].name, name, len) == 0)
			return &types[i];
	return NULL;
}

stix_category stix_type_category(const char *name, size_t len)
{
	const stix_type *t = stix_type_find(name, len);
	return t ? t->category : STIX_CUSTOM;
}

bool stix_type_name_valid(const char *name, size_t len)
{
	if (len < 3 || len > 250 || name[0] == '-' || name[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		if (ch == '-' && name[i + 1] == '-')
			return false;
		if (!(ch >= 'a' && ch <= 'z') && !(ch >= '0' && ch <= '9') && ch != '-')
			return false;
	}
	return true;
}
