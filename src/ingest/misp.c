/*
 * misp.c - MISP events, event lists and feed directories as STIX 2.1.
 *
 * A document is {"Event":{...}}, a bare event, {"response":[...]} or a JSON
 * array whose elements are {"Event":{...}} or bare events. It is parsed
 * whole with jansson (MISP events are documents, capped at INGEST_MAX_DOC)
 * and mapped the way MISP's own STIX 2.1 export (misp-stix) does:
 *
 *   Event       -> report--<event uuid>: name = info, published =
 *                  publish_timestamp (else date), created = modified = the
 *                  event timestamp (else date), labels = non-TLP tags,
 *                  object_refs = every object made from its attributes, or
 *                  the identity alone when there are none.
 *   Orgc        -> identity--<orgc uuid> (organization); created_by_ref of
 *                  everything made from the event. An Orgc without a uuid
 *                  gets uuid5(MISP_ORG_NS, name). Stored once (generated).
 *   tlp:* tags  -> object_marking_refs with the TLP 2.0 marking; the
 *                  attribute's tags win over its MISP object's, which win
 *                  over the event's; several at one level: the most
 *                  restrictive. The marking-definition objects used are
 *                  stored once per document. No tag, no marking: the
 *                  source default applies in ingest_object().
 *   Attribute   -> to_ids true: indicator--<attribute uuid> whose pattern
 *                  comes from the type table below; name "<type>: <value>",
 *                  description = comment, labels = non-TLP tags, valid_from
 *                  = first_seen (else timestamp), valid_until = last_seen
 *                  when the caller set no validity.
 *                  to_ids false: observed-data--<attribute uuid> (first/
 *                  last_observed from first_seen/last_seen, else timestamp)
 *                  and its SCOs, whose ids are deterministic (STIX 2.1
 *                  section 2.9: uuid5 of the canonical JSON of the type's
 *                  id-contributing properties, one hash chosen MD5 > SHA-1 >
 *                  SHA-256 > SHA-512), so the same value seen in many events
 *                  is one object.
 *   Object      -> each of its attributes as above. We do not merge a file
 *                  object's hashes and name into one indicator: each
 *                  attribute keeps its own uuid, tags and to_ids, which is
 *                  what a MISP user edits and what a sighting points at.
 *
 * Patterns follow misp-stix ("[network-traffic:dst_ref.type = 'ipv4-addr'
 * AND network-traffic:dst_ref.value = '198.51.100.7' AND
 * network-traffic:dst_port = 80]", "[file:name = 'x' AND file:hashes.MD5 =
 * 'y']", "[domain-name:value = 'd' AND domain-name:resolves_to_refs[*].value
 * = 'ip']") except that ports and AS numbers are integers, as the STIX
 * types of those properties require, and hostname|port uses dst_ref like
 * ip-dst|port. Values are refanged and normalised (observable.h) first.
 *
 * Attribute types outside the table ("text", "comment", "regkey|value",
 * "uri", whose paths are not the URLs a url SCO must hold...) are counted
 * in report->unknown by type and skipped; deleted attributes and objects,
 * and proposals (ShadowAttribute), are skipped. A value that does not parse as its type (after
 * refanging), or an attribute without type, value or uuid, is an error
 * naming its JSON path ("feed.json:$.Event.Attribute[3].value"), or with
 * skip_invalid a rejection. The document's own shape (Event not an object,
 * Attribute not an array) is always an error.
 *
 * A feed directory has manifest.json (event uuid -> metadata), one
 * <uuid>.json per event and optionally hashes.csv ("md5,event uuid" per
 * attribute value): every event listed is imported (a missing file is an
 * error naming it) and every hashes.csv line must name an event of the
 * manifest; lines that do not are counted as rejections.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ingest/ingest_int.h"

#define MISP_SCO_NS "00abedb4-aa42-466c-9c01-fed23315a9b7" /* STIX 2.1 SCO id namespace */
#define MISP_ORG_NS "0d059627-302d-485f-81ac-3a398e0514f1" /* ours: Orgc without uuid */
#define MISP_MAX_PATH 128                                  /* longest JSON path we build */
#define MISP_MAX_STRING 4096          /* longest file name, mutex, key... we map */
#define MISP_MAX_EPOCH 253402300799LL /* 9999-12-31T23:59:59Z in seconds */

/* ---- the attribute type table --------------------------------------- */

typedef enum misp_shape {
	MISP_VALUE,     /* one observable: IP/CIDR, domain, URL, email, hash */
	MISP_PORT,      /* "<ip or host>|<port>": network-traffic */
	MISP_DOMAIN_IP, /* "<domain>|<ip>": domain-name resolving to an address */
	MISP_NAME_HASH, /* "<file name>|<hash>": one file */
	MISP_STRING,    /* one string property of one SCO, kept as given */
	MISP_AS,        /* "AS174" or "174": autonomous-system */
	MISP_MAC,       /* MAC-48 address: mac-addr */
} misp_shape;

typedef struct misp_type {
	const char *name; /* MISP attribute type */
	misp_shape shape; /* how the value maps */
	obs_kind kind;    /* the observable wanted; OBS_IPV4 means any IP or CIDR */
	const char *sco;  /* MISP_STRING: SCO type; MISP_PORT: "src" or "dst" */
	const char *prop; /* MISP_STRING: the SCO property holding the value */
} misp_type;

static const misp_type misp_types[] = {
    {"ip-src", MISP_VALUE, OBS_IPV4, NULL, NULL},
    {"ip-dst", MISP_VALUE, OBS_IPV4, NULL, NULL},
    {"ip-src|port", MISP_PORT, OBS_IPV4, "src", NULL},
    {"ip-dst|port", MISP_PORT, OBS_IPV4, "dst", NULL},
    {"hostname|port", MISP_PORT, OBS_DOMAIN, "dst", NULL},
    {"domain", MISP_VALUE, OBS_DOMAIN, NULL, NULL},
    {"hostname", MISP_VALUE, OBS_DOMAIN, NULL, NULL},
    {"domain|ip", MISP_DOMAIN_IP, OBS_DOMAIN, NULL, NULL},
    {"url", MISP_VALUE, OBS_URL, NULL, NULL},
    {"link", MISP_VALUE, OBS_URL, NULL, NULL},
    {"md5", MISP_VALUE, OBS_MD5, NULL, NULL},
    {"sha1", MISP_VALUE, OBS_SHA1, NULL, NULL},
    {"sha256", MISP_VALUE, OBS_SHA256, NULL, NULL},
    {"sha512", MISP_VALUE, OBS_SHA512, NULL, NULL},
    {"filename|md5", MISP_NAME_HASH, OBS_MD5, NULL, NULL},
    {"filename|sha1", MISP_NAME_HASH, OBS_SHA1, NULL, NULL},
    {"filename|sha256", MISP_NAME_HASH, OBS_SHA256, NULL, NULL},
    {"filename|sha512", MISP_NAME_HASH, OBS_SHA512, NULL, NULL},
    {"filename", MISP_STRING, OBS_NONE, "file", "name"},
    {"email", MISP_VALUE, OBS_EMAIL, NULL, NULL},
    {"email-src", MISP_VALUE, OBS_EMAIL, NULL, NULL},
    {"email-dst", MISP_VALUE, OBS_EMAIL, NULL, NULL},
    {"email-subject", MISP_STRING, OBS_NONE, "email-message", "subject"},
    {"mutex", MISP_STRING, OBS_NONE, "mutex", "name"},
    {"regkey", MISP_STRING, OBS_NONE, "windows-registry-key", "key"},
    {"AS", MISP_AS, OBS_NONE, NULL, NULL},
    {"mac-address", MISP_MAC, OBS_NONE, NULL, NULL},
};

static const misp_type *misp_type_find(const char *name)
{
	for (size_t i = 0; i < sizeof misp_types / sizeof misp_types[0]; i++)
		if (strcmp(misp_types[i].name, name) == 0)
			return &misp_types[i];
	return NULL;
}

/* ---- state ------------------------------------------------------------ */

/* One input document (one event file of a feed). */
typedef struct misp_doc {
	ingest_ctx *cx;    /* the import */
	const char *name;  /* file name: first part of every error place */
	unsigned tlp_sent; /* bit (1 << tlp) set once its marking is stored */
} misp_doc;

/* The event being mapped. */
typedef struct misp_event {
	misp_doc *doc;     /* its document */
	const char *path;  /* "$.Event", "$.response[2].Event" */
	const char *uuid;  /* event uuid */
	char identity[64]; /* "identity--<uuid>", "" without Orgc */
	stix_tlp tlp;      /* from the event's tags; TLP_NONE if none */
	sol_time when;     /* event timestamp, else its date */
	json_t *refs;      /* object_refs of the report (owned) */
} misp_event;

/* One attribute being mapped. */
typedef struct misp_attr {
	const char *path;      /* "$.Event.Object[1].Attribute[0]" */
	const misp_type *type; /* its row of misp_types */
	const char *value;     /* as given */
	const char *uuid;      /* attribute uuid */
	const char *comment;   /* NULL if absent or empty */
	stix_tlp tlp;          /* attribute > object > event */
	json_t *labels;        /* non-TLP tag names (owned), NULL if none */
	sol_time when;         /* timestamp, else the event's */
	sol_time first, last;  /* first_seen, last_seen; SOL_TIME_NONE if absent */
} misp_attr;

/* What one attribute value maps to. */
typedef struct misp_obs {
	json_t *scos;    /* SCOs for observed-data, main first (owned) */
	sol_buf pattern; /* comparison expression(s) without brackets */
	obs_value v;     /* MISP_VALUE: the parsed value */
	bool single;     /* MISP_VALUE: ingest_indicator_new builds it */
	char why[160];   /* why the value is invalid */
} misp_obs;

/* ---- small helpers ---------------------------------------------------- */

static const char *str_get(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* MISP booleans come as true/false, 0/1 or "0"/"1"/"true"/"false". */
static bool misp_bool(const json_t *j)
{
	if (json_is_boolean(j))
		return json_is_true(j);
	if (json_is_integer(j))
		return json_integer_value(j) != 0;
	const char *s = json_string_value(j);
	return s && (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0);
}

/* Epoch seconds as a JSON integer or a string of digits. */
static int misp_epoch(const json_t *j, sol_time *out)
{
	long long s;
	if (json_is_integer(j)) {
		s = json_integer_value(j);
	} else {
		const char *p = json_string_value(j);
		if (!p || !*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 12)
			return -1;
		s = strtoll(p, NULL, 10);
	}
	if (s < 0 || s > MISP_MAX_EPOCH)
		return -1;
	*out = (sol_time)s * 1000000;
	return 0;
}

/* "YYYY-MM-DD" at midnight UTC. */
static int misp_date(const char *s, sol_time *out)
{
	char buf[32];
	if (!s || strlen(s) != 10)
		return -1;
	snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
	return sol_time_parse(buf, out) == 0 ? 0 : -1;
}

/* first_seen/last_seen: "2020-10-25T16:22:00.000000+00:00", an offset as
 * +HH:MM or +HHMM, or a STIX "...Z" timestamp. */
static int misp_iso(const char *s, sol_time *out)
{
	size_t n = strlen(s);
	int sign = 0;
	long off = 0;
	const char *z = NULL;
	if (n >= 6 && (s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':')
		z = s + n - 6;
	else if (n >= 5 && (s[n - 5] == '+' || s[n - 5] == '-') && s[n - 3] != '-')
		z = s + n - 5;
	if (z) {
		char d[5] = {0};
		size_t k = 0;
		for (const char *p = z + 1; *p && k < 4; p++)
			if (*p != ':')
				d[k++] = *p;
		if (k != 4 || strspn(d, "0123456789") != 4)
			return -1;
		sign = *z == '+' ? 1 : -1;
		off = ((d[0] - '0') * 10 + (d[1] - '0')) * 3600L +
		      ((d[2] - '0') * 10 + (d[3] - '0')) * 60L;
		n = (size_t)(z - s);
	} else if (n && s[n - 1] == 'Z') {
		n--;
	}
	char buf[64];
	if (n + 2 > sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 'Z';
	buf[n + 1] = '\0';
	if (sol_time_parse(buf, out) != 0)
		return -1;
	*out -= (sol_time)sign * off * 1000000;
	return 0;
}

static void set_time(json_t *o, const char *key, sol_time t)
{
	char buf[40];
	json_object_set_new(o, key, json_string(sol_time_format(t, buf, sizeof buf)));
}

/* "<name>:<path>[.<field>]" into where. */
static void place(char *where, size_t size, const misp_doc *doc, const char *path,
		  const char *field)
{
	snprintf(where, size, "%s:%s%s%s", doc->name, path, field ? "." : "", field ? field : "");
}

/*
 * Format a problem at <name>:<path>[.<field>]; with rejectable and
 * skip_invalid it becomes a rejection (0), otherwise an error.
 */
static int vfail(const misp_doc *doc, const char *path, const char *field, bool rejectable,
		 sol_err *err, const char *fmt, va_list ap)
{
	char where[sizeof err->where], msg[sizeof err->msg];
	vsnprintf(msg, sizeof msg, fmt, ap);
	place(where, sizeof where, doc, path, field);
	if (rejectable && doc->cx->opts.skip_invalid) {
		ingest_reject_add(doc->cx, where, msg);
		return 0;
	}
	return sol_fail(err, SOL_EINVALID, where, "%s", msg);
}

/* A problem with the document's shape: always an error. */
static int doc_fail(const misp_doc *doc, const char *path, const char *field, sol_err *err,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int doc_fail(const misp_doc *doc, const char *path, const char *field, sol_err *err,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(doc, path, field, false, err, fmt, ap);
	va_end(ap);
	return rc;
}

/* A bad attribute: an error, or with skip_invalid a rejection (0). */
static int attr_bad(const misp_doc *doc, const char *path, const char *field, sol_err *err,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int attr_bad(const misp_doc *doc, const char *path, const char *field, sol_err *err,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(doc, path, field, true, err, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * Tags of one level (a "Tag" array, or an event's "EventTag"[].Tag): the
 * most restrictive "tlp:" tag goes to *tlp (left alone if there is none),
 * every other name is appended to *labels (created on first use).
 */
static void misp_tags(const json_t *holder, stix_tlp *tlp, json_t **labels)
{
	const char *keys[] = {"Tag", "EventTag"};
	for (size_t k = 0; k < 2; k++) {
		const json_t *arr = json_object_get(holder, keys[k]);
		size_t i;
		const json_t *t;
		json_array_foreach(arr, i, t)
		{
			const json_t *tag = k == 1 ? json_object_get(t, "Tag") : t;
			const char *name = str_get(tag, "name");
			stix_tlp level;
			if (!name || !*name)
				continue;
			if (strncasecmp(name, "tlp:", 4) == 0 &&
			    stix_tlp_parse(name, &level) == 0) {
				if (level > *tlp)
					*tlp = level;
				continue;
			}
			if (!*labels)
				*labels = json_array();
			json_array_append_new(*labels, json_string(name));
		}
	}
}

/* ---- SCOs ------------------------------------------------------------- */

/* The id-contributing properties of the SCO types we create (2.1 §2.9). */
static const struct {
	const char *type;
	const char *props[8];
} sco_contrib[] = {
    {"file", {"hashes", "name", "extensions", "parent_directory_ref"}},
    {"network-traffic",
     {"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"}},
    {"mutex", {"name"}},
    {"windows-registry-key", {"key", "values"}},
    {"autonomous-system", {"number"}},
    {"email-message", {"from_ref", "subject", "body"}},
};

/* Complete sco (which has its type and properties) with spec_version and
 * its deterministic id; returns sco. */
static json_t *sco_finish(json_t *sco)
{
	static const char *const value_only[8] = {"value"};
	const char *type = str_get(sco, "type");
	const char *const *props = value_only;
	for (size_t i = 0; i < sizeof sco_contrib / sizeof sco_contrib[0]; i++)
		if (strcmp(sco_contrib[i].type, type) == 0)
			props = sco_contrib[i].props;
	json_t *contrib = json_object();
	for (size_t i = 0; i < 8 && props[i]; i++) {
		json_t *v = json_object_get(sco, props[i]);
		if (!v)
			continue;
		if (strcmp(props[i], "hashes") == 0) {
			static const char *const order[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};
			for (size_t h = 0; h < 4; h++) {
				json_t *hv = json_object_get(v, order[h]);
				if (hv) {
					v = json_pack("{sO}", order[h], hv);
					break;
				}
			}
			json_object_set_new(contrib, props[i], v);
		} else {
			json_object_set(contrib, props[i], v);
		}
	}
	size_t len;
	char *canon = stix_object_dump(contrib, &len);
	char uuid[37];
	sol_uuid5(MISP_SCO_NS, canon, len, uuid);
	free(canon);
	json_decref(contrib);
	char *id = xasprintf("%s--%s", type, uuid);
	json_object_set_new(sco, "spec_version", json_string("2.1"));
	json_object_set_new(sco, "id", json_string(id));
	free(id);
	return sco;
}

static const char *hash_name(obs_kind k)
{
	switch (k) {
	case OBS_MD5: return "MD5";
	case OBS_SHA1: return "SHA-1";
	case OBS_SHA256: return "SHA-256";
	default: return "SHA-512";
	}
}

/* The SCO of one observable value. */
static json_t *sco_of_value(const obs_value *v)
{
	const char *type = NULL;
	switch (v->kind) {
	case OBS_IPV4:
	case OBS_CIDR4: type = "ipv4-addr"; break;
	case OBS_IPV6:
	case OBS_CIDR6: type = "ipv6-addr"; break;
	case OBS_DOMAIN: type = "domain-name"; break;
	case OBS_URL: type = "url"; break;
	case OBS_EMAIL: type = "email-addr"; break;
	default:
		return sco_finish(
		    json_pack("{ss s{ss}}", "type", "file", "hashes", hash_name(v->kind), v->norm));
	}
	return sco_finish(json_pack("{ss ss}", "type", type, "value", v->norm));
}

/* ---- values and patterns ---------------------------------------------- */

/* Refang and parse s[0..n) as `want` (OBS_IPV4: any address or CIDR). */
static int value_parse(const char *s, size_t n, obs_kind want, obs_value *v)
{
	char buf[2 * OBS_VALUE_MAX];
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	size_t m = obs_refang(s, n, buf, sizeof buf);
	if (m == (size_t)-1)
		return -1;
	if (obs_parse(buf, m, want, v) == 0)
		return 0;
	return want == OBS_IPV4 ? obs_parse(buf, m, OBS_IPV6, v) : -1;
}

/*
 * Pattern pieces. Values are capped (OBS_VALUE_MAX, MISP_MAX_STRING) so a
 * pattern of three comparisons always fits STIX_PATTERN_MAX: the appends
 * below cannot fail.
 */
static void pat_and(sol_buf *b)
{
	if (b->len)
		buf_puts(b, " AND ");
}

static void pat_quoted(sol_buf *b, const char *s)
{
	buf_puts(b, "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			buf_puts(b, "\\");
		buf_append(b, s, 1);
	}
	buf_puts(b, "'");
}

static void pat_value(sol_buf *b, const obs_value *v)
{
	char cmp[2 * OBS_VALUE_MAX + 64];
	pat_and(b);
	if (obs_stix_comparison(v, cmp, sizeof cmp) != (size_t)-1)
		buf_puts(b, cmp);
}

/* Split "a|b" at the last '|' (first when `first`); -1 if there is none. */
static int split_pair(const char *s, bool first, size_t *alen, const char **b)
{
	const char *bar = first ? strchr(s, '|') : strrchr(s, '|');
	if (!bar)
		return -1;
	*alen = (size_t)(bar - s);
	*b = bar + 1;
	return 0;
}

static int port_parse(const char *s, long *out)
{
	if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return -1;
	*out = strtol(s, NULL, 10);
	return *out <= 65535 ? 0 : -1;
}

/* "aa:bb:cc:dd:ee:ff", "AA-BB-...", "aabb.ccdd.eeff" or 12 hex digits ->
 * lowercase colon-delimited (what STIX mac-addr requires). */
static int mac_parse(const char *s, char out[18])
{
	size_t digits = 0;
	bool sep_ok = false;
	for (; *s; s++) {
		if (isxdigit((unsigned char)*s)) {
			if (digits == 12)
				return -1;
			if (digits && digits % 2 == 0)
				out[digits / 2 * 3 - 1] = ':';
			out[digits / 2 * 3 + digits % 2] = (char)tolower((unsigned char)*s);
			digits++;
			sep_ok = true;
		} else if (strchr(":-.", *s) && sep_ok && s[1]) {
			sep_ok = false;
		} else {
			return -1;
		}
	}
	out[17] = '\0';
	return digits == 12 ? 0 : -1;
}

/*
 * Map the attribute's value to SCOs and a pattern (o is initialised by the
 * caller). Returns 0, or -1 with o->why.
 */
static int attr_value_map(const misp_attr *at, misp_obs *o)
{
	const misp_type *t = at->type;
	const char *s = at->value, *rest;
	size_t alen;
	obs_value v2;

	switch (t->shape) {
	case MISP_VALUE:
		if (value_parse(s, strlen(s), t->kind, &o->v) != 0)
			break;
		o->single = true;
		json_array_append_new(o->scos, sco_of_value(&o->v));
		return 0;

	case MISP_PORT: {
		long port;
		if (split_pair(s, false, &alen, &rest) != 0 ||
		    value_parse(s, alen, t->kind, &o->v) != 0)
			break;
		if (port_parse(rest, &port) != 0) {
			snprintf(o->why, sizeof o->why, "'%s' is not a port number", rest);
			return -1;
		}
		json_t *addr = sco_of_value(&o->v);
		char ref[16], portkey[16];
		snprintf(ref, sizeof ref, "%s_ref", t->sco);
		snprintf(portkey, sizeof portkey, "%s_port", t->sco);
		json_t *nt = json_pack("{ss sO sI s[s]}", "type", "network-traffic", ref,
				       json_object_get(addr, "id"), portkey, (json_int_t)port,
				       "protocols", "tcp");
		json_array_append_new(o->scos, sco_finish(nt));
		json_array_append_new(o->scos, addr);
		buf_printf(&o->pattern,
			   "network-traffic:%s.type = '%s' AND network-traffic:%s.value = ", ref,
			   str_get(addr, "type"), ref);
		pat_quoted(&o->pattern, o->v.norm);
		buf_printf(&o->pattern, " AND network-traffic:%s = %ld", portkey, port);
		return 0;
	}

	case MISP_DOMAIN_IP: {
		if (split_pair(s, true, &alen, &rest) != 0 ||
		    value_parse(s, alen, OBS_DOMAIN, &o->v) != 0 ||
		    value_parse(rest, strlen(rest), OBS_IPV4, &v2) != 0)
			break;
		json_t *ip = sco_of_value(&v2);
		json_t *dom = json_pack("{ss ss s[O]}", "type", "domain-name", "value", o->v.norm,
					"resolves_to_refs", json_object_get(ip, "id"));
		json_array_append_new(o->scos, sco_finish(dom));
		json_array_append_new(o->scos, ip);
		pat_value(&o->pattern, &o->v);
		buf_puts(&o->pattern, " AND domain-name:resolves_to_refs[*].value = ");
		pat_quoted(&o->pattern, v2.norm);
		return 0;
	}

	case MISP_NAME_HASH: {
		if (split_pair(s, false, &alen, &rest) != 0 || alen == 0 ||
		    alen > MISP_MAX_STRING || value_parse(rest, strlen(rest), t->kind, &o->v) != 0)
			break;
		char *name = xstrndup(s, alen);
		json_array_append_new(
		    o->scos, sco_finish(json_pack("{ss ss s{ss}}", "type", "file", "name", name,
						  "hashes", hash_name(t->kind), o->v.norm)));
		buf_puts(&o->pattern, "file:name = ");
		pat_quoted(&o->pattern, name);
		pat_value(&o->pattern, &o->v);
		free(name);
		return 0;
	}

	case MISP_STRING: {
		if (!*s || strlen(s) > MISP_MAX_STRING)
			break;
		json_t *sco = json_pack("{ss ss}", "type", t->sco, t->prop, s);
		if (strcmp(t->sco, "email-message") == 0)
			json_object_set_new(sco, "is_multipart", json_false());
		json_array_append_new(o->scos, sco_finish(sco));
		buf_printf(&o->pattern, "%s:%s = ", t->sco, t->prop);
		pat_quoted(&o->pattern, s);
		return 0;
	}

	case MISP_AS: {
		const char *d = strncasecmp(s, "AS", 2) == 0 ? s + 2 : s;
		if (!*d || strlen(d) > 10 || strspn(d, "0123456789") != strlen(d))
			break;
		long long asn = strtoll(d, NULL, 10);
		if (asn > 4294967295LL)
			break;
		json_array_append_new(o->scos,
				      sco_finish(json_pack("{ss sI}", "type", "autonomous-system",
							   "number", (json_int_t)asn)));
		buf_printf(&o->pattern, "autonomous-system:number = %lld", asn);
		return 0;
	}

	case MISP_MAC: {
		char mac[18];
		if (mac_parse(s, mac) != 0)
			break;
		json_array_append_new(
		    o->scos, sco_finish(json_pack("{ss ss}", "type", "mac-addr", "value", mac)));
		buf_puts(&o->pattern, "mac-addr:value = ");
		pat_quoted(&o->pattern, mac);
		return 0;
	}
	}
	snprintf(o->why, sizeof o->why, "not a valid %s value", t->name);
	return -1;
}

/* ---- emitting objects ------------------------------------------------- */

static void set_marking(json_t *obj, stix_tlp tlp)
{
	if (tlp != TLP_NONE)
		json_object_set_new(obj, "object_marking_refs",
				    json_pack("[s]", stix_tlp_marking_id(tlp)));
}

/*
 * Hand obj (borrowed) to the import, after the marking-definition of tlp
 * if this document has not stored it yet. Its id joins the report's
 * object_refs unless it was rejected (skip_invalid) or `ref` is false.
 */
static int emit(misp_event *ev, json_t *obj, stix_tlp tlp, const char *path, bool generated,
		bool ref, sol_err *err)
{
	misp_doc *doc = ev->doc;
	char where[sizeof err->where];
	int rc;
	place(where, sizeof where, doc, path, NULL);
	if (tlp != TLP_NONE && !(doc->tlp_sent & (1u << tlp))) {
		json_t *m = stix_tlp_marking_object(tlp);
		rc = ingest_generated(doc->cx, m, where, err);
		json_decref(m);
		if (rc != 0)
			return rc;
		doc->tlp_sent |= 1u << tlp;
	}
	int64_t rejected = doc->cx->rep->rejected;
	rc = generated ? ingest_generated(doc->cx, obj, where, err)
		       : ingest_object(doc->cx, obj, where, err);
	if (rc == 0 && ref && doc->cx->rep->rejected == rejected)
		json_array_append(ev->refs, json_object_get(obj, "id"));
	return rc;
}

/* The properties every SDO we make from an attribute shares. */
static void attr_common(const misp_event *ev, const misp_attr *at, json_t *o)
{
	if (ev->identity[0])
		json_object_set_new(o, "created_by_ref", json_string(ev->identity));
	if (at->labels)
		json_object_set(o, "labels", at->labels);
}

/* The indicator of an attribute (new reference); NULL if its value is not
 * valid UTF-8 (ingest_indicator_new refuses it). */
static json_t *attr_indicator(misp_event *ev, const misp_attr *at, misp_obs *o)
{
	ingest_ctx *cx = ev->doc->cx;
	char *name = xasprintf("%s: %s", at->type->name, at->value);
	json_t *ind;
	if (o->single) {
		bool sub = cx->opts.subdomains && o->v.kind == OBS_DOMAIN;
		ind = ingest_indicator_new(cx, &o->v, sub, at->uuid, name, at->tlp,
					   ev->identity[0] ? ev->identity : NULL, at->when);
		if (!ind) {
			free(name);
			return NULL;
		}
	} else {
		/* What ingest_indicator_new makes, for patterns of several parts. */
		char *id = xasprintf("indicator--%s", at->uuid);
		char *pattern = xasprintf("[%s]", o->pattern.data);
		ind = json_pack("{ss ss ss ss ss ss ss}", "type", "indicator", "spec_version",
				"2.1", "id", id, "pattern", pattern, "pattern_type", "stix",
				"pattern_version", "2.1", "name", name);
		free(id);
		free(pattern);
		set_time(ind, "created", at->when);
		set_time(ind, "modified", at->when);
		set_time(ind, "valid_from", at->when);
		if (cx->opts.valid_until != SOL_TIME_NONE)
			set_time(ind, "valid_until", cx->opts.valid_until);
		set_marking(ind, at->tlp);
		if (ev->identity[0])
			json_object_set_new(ind, "created_by_ref", json_string(ev->identity));
	}
	free(name);
	sol_time from = at->first != SOL_TIME_NONE ? at->first : at->when;
	set_time(ind, "valid_from", from);
	if (cx->opts.valid_until == SOL_TIME_NONE && at->last != SOL_TIME_NONE && at->last > from)
		set_time(ind, "valid_until", at->last);
	if (at->comment)
		json_object_set_new(ind, "description", json_string(at->comment));
	attr_common(ev, at, ind);
	return ind;
}

static int attr_observed(misp_event *ev, const misp_attr *at, misp_obs *o, sol_err *err)
{
	size_t i;
	json_t *sco;
	char *id = xasprintf("observed-data--%s", at->uuid);
	json_t *od = json_pack("{ss ss ss si s[]}", "type", "observed-data", "spec_version", "2.1",
			       "id", id, "number_observed", 1, "object_refs");
	free(id);
	sol_time first = at->first != SOL_TIME_NONE ? at->first : at->when;
	sol_time last = at->last != SOL_TIME_NONE && at->last >= first ? at->last : first;
	set_time(od, "created", at->when);
	set_time(od, "modified", at->when);
	set_time(od, "first_observed", first);
	set_time(od, "last_observed", last);
	set_marking(od, at->tlp);
	attr_common(ev, at, od);
	int rc = 0;
	json_array_foreach(o->scos, i, sco)
	{
		set_marking(sco, at->tlp);
		rc = emit(ev, sco, at->tlp, at->path, false, true, err);
		if (rc != 0)
			break;
		json_array_append(json_object_get(od, "object_refs"), json_object_get(sco, "id"));
	}
	if (rc == 0)
		rc = emit(ev, od, at->tlp, at->path, false, true, err);
	json_decref(od);
	return rc;
}

/* ---- attributes, objects, events -------------------------------------- */

/* Map one attribute (of the event, or of a MISP object whose TLP is
 * outer_tlp, TLP_NONE for the event's own attributes). */
static int attr_map(misp_event *ev, const json_t *a, const char *path, stix_tlp outer_tlp,
		    sol_err *err)
{
	misp_doc *doc = ev->doc;
	if (!json_is_object(a))
		return attr_bad(doc, path, NULL, err, "an attribute must be a JSON object");
	if (misp_bool(json_object_get(a, "deleted")))
		return 0;
	const char *type = str_get(a, "type");
	if (!type || !*type)
		return attr_bad(doc, path, "type", err, "missing or not a string");
	misp_attr at = {.path = path, .type = misp_type_find(type)};
	if (!at.type) {
		ingest_tally_add(&doc->cx->rep->unknown, type, 1);
		return 0;
	}
	at.value = str_get(a, "value");
	if (!at.value)
		return attr_bad(doc, path, "value", err, "missing or not a string");
	at.uuid = str_get(a, "uuid");
	if (!at.uuid || !sol_uuid_valid(at.uuid, strlen(at.uuid)))
		return attr_bad(doc, path, "uuid", err, "missing or not a UUID");
	at.comment = str_get(a, "comment");
	if (at.comment && !*at.comment)
		at.comment = NULL;

	at.when = ev->when;
	const json_t *ts = json_object_get(a, "timestamp");
	if (ts && misp_epoch(ts, &at.when) != 0)
		return attr_bad(doc, path, "timestamp", err, "not a Unix time in seconds");
	static const char *const seen[] = {"first_seen", "last_seen"};
	sol_time *slot[] = {&at.first, &at.last};
	for (size_t i = 0; i < 2; i++) {
		const json_t *j = json_object_get(a, seen[i]);
		*slot[i] = SOL_TIME_NONE;
		if (json_is_null(j) || !j || (json_is_string(j) && !*json_string_value(j)))
			continue;
		if (!json_is_string(j) || misp_iso(json_string_value(j), slot[i]) != 0)
			return attr_bad(doc, path, seen[i], err, "not an ISO 8601 timestamp");
	}

	at.tlp = TLP_NONE;
	misp_tags(a, &at.tlp, &at.labels);
	if (at.tlp == TLP_NONE)
		at.tlp = outer_tlp != TLP_NONE ? outer_tlp : ev->tlp;

	misp_obs o = {.scos = json_array()};
	buf_init(&o.pattern, STIX_PATTERN_MAX);
	int rc;
	if (attr_value_map(&at, &o) != 0) {
		rc = attr_bad(doc, path, "value", err, "%s", o.why);
	} else if (misp_bool(json_object_get(a, "to_ids"))) {
		json_t *ind = attr_indicator(ev, &at, &o);
		rc = ind ? emit(ev, ind, at.tlp, path, false, true, err)
			 : attr_bad(doc, path, "value", err, "not valid UTF-8 once normalised");
		json_decref(ind);
	} else {
		rc = attr_observed(ev, &at, &o, err);
	}
	json_decref(o.scos);
	buf_fini(&o.pattern);
	json_decref(at.labels);
	return rc;
}

/* Map every attribute of holder's "Attribute" array (absent: none). */
static int attrs_map(misp_event *ev, const json_t *holder, const char *path, stix_tlp outer_tlp,
		     sol_err *err)
{
	const json_t *arr = json_object_get(holder, "Attribute");
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return doc_fail(ev->doc, path, "Attribute", err, "must be an array");
	size_t i;
	const json_t *a;
	json_array_foreach(arr, i, a)
	{
		char p[MISP_MAX_PATH];
		snprintf(p, sizeof p, "%s.Attribute[%zu]", path, i);
		int rc = attr_map(ev, a, p, outer_tlp, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int objects_map(misp_event *ev, const json_t *evj, sol_err *err)
{
	const json_t *arr = json_object_get(evj, "Object");
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return doc_fail(ev->doc, ev->path, "Object", err, "must be an array");
	size_t i;
	const json_t *obj;
	json_array_foreach(arr, i, obj)
	{
		char p[MISP_MAX_PATH];
		snprintf(p, sizeof p, "%s.Object[%zu]", ev->path, i);
		if (!json_is_object(obj))
			return doc_fail(ev->doc, p, NULL, err,
					"a MISP object must be a JSON object");
		if (misp_bool(json_object_get(obj, "deleted")))
			continue;
		stix_tlp tlp = TLP_NONE;
		json_t *ignored = NULL;
		misp_tags(obj, &tlp, &ignored);
		json_decref(ignored);
		int rc = attrs_map(ev, obj, p, tlp, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The creator organisation as an identity (stored once); fills
 * ev->identity, or leaves it "" when the event has no usable Orgc. */
static int event_identity(misp_event *ev, const json_t *evj, sol_err *err)
{
	const json_t *orgc = json_object_get(evj, "Orgc");
	const char *name = str_get(orgc, "name");
	const char *uuid = str_get(orgc, "uuid");
	char u[37];
	if (!name || !*name)
		return 0;
	if (!uuid || !sol_uuid_valid(uuid, strlen(uuid))) {
		sol_uuid5(MISP_ORG_NS, name, strlen(name), u);
		uuid = u;
	}
	snprintf(ev->identity, sizeof ev->identity, "identity--%s", uuid);
	json_t *id = json_pack("{ss ss ss ss ss}", "type", "identity", "spec_version", "2.1", "id",
			       ev->identity, "name", name, "identity_class", "organization");
	set_time(id, "created", ev->when);
	set_time(id, "modified", ev->when);
	char p[MISP_MAX_PATH];
	snprintf(p, sizeof p, "%s.Orgc", ev->path);
	int rc = emit(ev, id, TLP_NONE, p, true, false, err);
	json_decref(id);
	return rc;
}

static int event_report(misp_event *ev, const json_t *evj, json_t *labels, sol_err *err)
{
	if (json_array_size(ev->refs) == 0) {
		if (!ev->identity[0]) {
			char where[sizeof err->where];
			place(where, sizeof where, ev->doc, ev->path, NULL);
			ingest_reject_add(ev->doc->cx, where,
					  "event has no attribute we map and no Orgc: nothing to "
					  "report");
			return 0;
		}
		json_array_append_new(ev->refs, json_string(ev->identity));
	}
	sol_time published = SOL_TIME_NONE;
	const json_t *pt = json_object_get(evj, "publish_timestamp");
	if (!pt || misp_epoch(pt, &published) != 0 || published == 0)
		if (misp_date(str_get(evj, "date"), &published) != 0)
			published = ev->when;
	const char *info = str_get(evj, "info");
	char *id = xasprintf("report--%s", ev->uuid);
	char *name = info && *info ? xstrdup(info) : xasprintf("MISP event %s", ev->uuid);
	json_t *r = json_pack("{ss ss ss ss sO}", "type", "report", "spec_version", "2.1", "id", id,
			      "name", name, "object_refs", ev->refs);
	free(id);
	free(name);
	set_time(r, "created", ev->when);
	set_time(r, "modified", ev->when);
	set_time(r, "published", published);
	set_marking(r, ev->tlp);
	if (ev->identity[0])
		json_object_set_new(r, "created_by_ref", json_string(ev->identity));
	if (labels)
		json_object_set(r, "labels", labels);
	int rc = emit(ev, r, ev->tlp, ev->path, false, false, err);
	json_decref(r);
	return rc;
}

static int event_map(misp_doc *doc, const json_t *evj, const char *path, sol_err *err)
{
	if (!json_is_object(evj))
		return doc_fail(doc, path, NULL, err, "an event must be a JSON object");
	misp_event ev = {.doc = doc, .path = path, .tlp = TLP_NONE};
	ev.uuid = str_get(evj, "uuid");
	if (!ev.uuid || !sol_uuid_valid(ev.uuid, strlen(ev.uuid)))
		return doc_fail(doc, path, "uuid", err, "missing or not a UUID");
	const json_t *ts = json_object_get(evj, "timestamp");
	if (ts ? misp_epoch(ts, &ev.when) != 0 : misp_date(str_get(evj, "date"), &ev.when) != 0)
		return doc_fail(doc, path, ts ? "timestamp" : "date", err,
				ts ? "not a Unix time in seconds" : "missing or not YYYY-MM-DD");
	json_t *labels = NULL;
	misp_tags(evj, &ev.tlp, &labels);
	ev.refs = json_array();
	int rc = event_identity(&ev, evj, err);
	if (rc == 0)
		rc = attrs_map(&ev, evj, path, TLP_NONE, err);
	if (rc == 0)
		rc = objects_map(&ev, evj, err);
	if (rc == 0)
		rc = event_report(&ev, evj, labels, err);
	json_decref(labels);
	json_decref(ev.refs);
	return rc;
}

/* A bare event has a uuid and at least one of the fields events have. */
static bool looks_like_event(const json_t *o)
{
	return json_is_string(json_object_get(o, "uuid")) &&
	       (json_object_get(o, "info") || json_object_get(o, "Attribute") ||
		json_object_get(o, "Object"));
}

static int list_map(misp_doc *doc, const json_t *arr, const char *path, sol_err *err)
{
	size_t i;
	const json_t *el;
	json_array_foreach(arr, i, el)
	{
		char p[MISP_MAX_PATH];
		const json_t *ev = json_object_get(el, "Event");
		int rc;
		if (ev) {
			snprintf(p, sizeof p, "%s[%zu].Event", path, i);
			rc = event_map(doc, ev, p, err);
		} else if (looks_like_event(el)) {
			snprintf(p, sizeof p, "%s[%zu]", path, i);
			rc = event_map(doc, el, p, err);
		} else {
			snprintf(p, sizeof p, "%s[%zu]", path, i);
			rc = doc_fail(doc, p, NULL, err, "expected {\"Event\": {...}} or an event");
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int ingest_misp_json(ingest_ctx *cx, const char *data, size_t len, const char *name, sol_err *err)
{
	misp_doc doc = {.cx = cx, .name = name};
	if (len > INGEST_MAX_DOC)
		return sol_fail(err, SOL_ETOOBIG, name, "MISP document larger than %u bytes",
				INGEST_MAX_DOC);
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char where[sizeof err->where];
		snprintf(where, sizeof where, "%s:%d:%d", name, je.line, je.column);
		return sol_fail(err, SOL_EPARSE, where, "%s", je.text);
	}
	int rc;
	const json_t *ev = json_object_get(root, "Event");
	const json_t *resp = json_object_get(root, "response");
	if (json_is_array(root))
		rc = list_map(&doc, root, "$", err);
	else if (!json_is_object(root))
		rc = doc_fail(&doc, "$", NULL, err, "a MISP document is a JSON object or array");
	else if (ev)
		rc = event_map(&doc, ev, "$.Event", err);
	else if (resp && !json_is_array(resp))
		rc = doc_fail(&doc, "$", "response", err, "must be an array of events");
	else if (resp)
		rc = list_map(&doc, resp, "$.response", err);
	else if (looks_like_event(root))
		rc = event_map(&doc, root, "$", err);
	else
		rc = doc_fail(&doc, "$", NULL, err,
			      "not a MISP event: no Event, response, or event uuid and info");
	json_decref(root);
	return rc;
}

/* ---- feed directories ------------------------------------------------- */

/* hashes.csv: "md5,event uuid" lines; a line naming no event of the
 * manifest, or malformed, is a rejection. */
static void feed_hashes(ingest_ctx *cx, const json_t *manifest, const char *path, const sol_buf *b)
{
	const char *line = b->data;
	for (size_t no = 1; *line; no++) {
		const char *nl = strchr(line, '\n');
		size_t raw = nl ? (size_t)(nl - line) : strlen(line), n = raw;
		if (n && line[n - 1] == '\r')
			n--;
		char uuid[37] = "";
		const char *why = NULL;
		if (n == 33 + 36 && line[32] == ',' &&
		    strspn(line, "0123456789abcdefABCDEF") == 32 && sol_uuid_valid(line + 33, 36))
			memcpy(uuid, line + 33, 36);
		else if (n != 0)
			why = "expected \"<md5>,<event uuid>\"";
		if (uuid[0] && !json_object_get(manifest, uuid))
			why = "event is not listed in manifest.json";
		if (why) {
			char where[sizeof((sol_err *)0)->where];
			snprintf(where, sizeof where, "%s:%zu", path, no);
			ingest_reject_add(cx, where, why);
		}
		line = nl ? nl + 1 : line + raw;
	}
}

/* Read dir/rel into b; errors are placed at rel (ingest_path puts the
 * directory in front). */
static int feed_read(const char *dir, const char *rel, sol_buf *b, sol_err *err)
{
	char *path = xasprintf("%s/%s", dir, rel);
	sol_err e = {0};
	buf_reset(b);
	int rc = sol_file_read(path, b, &e);
	free(path);
	return rc == 0 ? 0 : sol_fail(err, rc, rel, "%s", e.msg);
}

/* Import every event the manifest lists, from <dir>/<uuid>.json. */
static int feed_events(ingest_ctx *cx, const char *dir, const json_t *manifest, sol_buf *b,
		       sol_err *err)
{
	const char *uuid;
	const json_t *meta;
	json_object_foreach((json_t *)manifest, uuid, meta)
	{
		char rel[64];
		snprintf(rel, sizeof rel, "%.40s.json", uuid);
		char *path = xasprintf("%s/%s", dir, rel);
		bool present = access(path, F_OK) == 0;
		free(path);
		int rc = 0;
		if (!sol_uuid_valid(uuid, strlen(uuid)))
			rc = sol_fail(err, SOL_EINVALID, "manifest.json",
				      "key '%.60s' is not an event uuid", uuid);
		else if (!present)
			rc = sol_fail(err, SOL_ENOTFOUND, rel,
				      "event listed in manifest.json has no file");
		if (rc == 0)
			rc = feed_read(dir, rel, b, err);
		if (rc == 0)
			rc = ingest_misp_json(cx, b->data, b->len, rel, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Error and rejection places inside a feed name the file relative to the
 * directory ("<uuid>.json:$.Event.Attribute[2].value", "hashes.csv:7");
 * ingest_path() puts the directory in front.
 */
int ingest_misp_feed(ingest_ctx *cx, const char *dir, sol_err *err)
{
	char where[sizeof err->where];
	sol_buf b;
	buf_init(&b, INGEST_MAX_DOC);
	json_t *manifest = NULL;
	json_error_t je;
	int rc = feed_read(dir, "manifest.json", &b, err);
	if (rc == 0 && !(manifest = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &je))) {
		snprintf(where, sizeof where, "manifest.json:%d:%d", je.line, je.column);
		rc = sol_fail(err, SOL_EPARSE, where, "%s", je.text);
	} else if (rc == 0 && !json_is_object(manifest)) {
		rc = sol_fail(err, SOL_EINVALID, "manifest.json:$",
			      "must map event uuids to their metadata");
	}
	if (rc == 0)
		rc = feed_events(cx, dir, manifest, &b, err);
	char *path = xasprintf("%s/hashes.csv", dir);
	if (rc == 0 && access(path, F_OK) == 0) {
		rc = feed_read(dir, "hashes.csv", &b, err);
		if (rc == 0)
			feed_hashes(cx, manifest, "hashes.csv", &b);
	}
	free(path);
	buf_fini(&b);
	json_decref(manifest);
	return rc;
}
