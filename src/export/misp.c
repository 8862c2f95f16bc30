/*
 * misp.c - a MISP feed directory, which a MISP instance subscribes to as a
 * feed of type "MISP Feed" (by URL or local path):
 *
 *   manifest.json   {"<event uuid>": {"info", "Orgc", "Tag", "date",
 *                    "timestamp", "analysis", "threat_level_id"}}
 *   <uuid>.json     {"Event": {..., "Attribute": [...]}}
 *   hashes.csv      "<md5 of attribute value>,<event uuid>" per attribute,
 *                   as MISP's feed generator writes it (for correlation)
 *
 * The whole export is one event, "solidarity export", by the organisation
 * named in the store setting "export.misp.org" (default "solidarity"),
 * whose uuid is the setting "export.misp.org_uuid" or a UUIDv5 of the
 * name. The event uuid is a UUIDv5 of the organisation name, so a feed
 * keeps one event across re-exports; its timestamp is the export time.
 *
 * Attributes: one per distinct value, with to_ids true and distribution 5
 * (inherit from the event). Types: ipv4/ipv6/cidr -> ip-dst, domain ->
 * domain if the atom covers subdomains else hostname, url, md5, sha1,
 * sha256, sha512, email -> email-src. The uuid is a UUIDv5 of "<first
 * indicator id> <value>", so re-exports give the same attribute the same
 * uuid; the comment lists the indicator ids; Tag holds the most
 * restrictive TLP of those indicators ("tlp:amber"). MISP refuses two
 * attributes of one type and value in an event, hence one per value.
 *
 * The event file is streamed through a buffer flushed every MISP_FLUSH
 * bytes: the event's head through jsonw, each attribute as fixed text
 * around its escaped value and comment.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

#define MISP_FLUSH (256u << 10) /* bytes of JSON buffered before writing */
#define MISP_COMMENT_IDS 4      /* indicator ids in a comment before "+N more" */

typedef struct misp_attr_type {
	const char *type;     /* MISP attribute type */
	const char *category; /* its default category */
} misp_attr_type;

static bool misp_type(const export_atom *a, bool subdomains, misp_attr_type *out)
{
	switch (a->kind) {
	case OBS_IPV4:
	case OBS_IPV6:
	case OBS_CIDR4:
	case OBS_CIDR6: *out = (misp_attr_type){"ip-dst", "Network activity"}; return true;
	case OBS_DOMAIN:
		*out = (misp_attr_type){subdomains ? "domain" : "hostname", "Network activity"};
		return true;
	case OBS_URL: *out = (misp_attr_type){"url", "Network activity"}; return true;
	case OBS_EMAIL: *out = (misp_attr_type){"email-src", "Payload delivery"}; return true;
	case OBS_MD5:
	case OBS_SHA1:
	case OBS_SHA256:
	case OBS_SHA512:
		*out = (misp_attr_type){obs_kind_name(a->kind), "Payload delivery"};
		return true;
	default: return false;
	}
}

/* The setting key, or fallback when it was never set (caller frees). */
static int setting_or(store *st, const char *key, const char *fallback, char **out, sol_err *err)
{
	*out = NULL;
	int rc = store_setting_get(st, key, out, err);
	if (rc == SOL_ENOTFOUND) {
		sol_err_clear(err);
		*out = xstrdup(fallback);
		return 0;
	}
	return rc;
}

struct misp_event {
	char uuid[37];     /* event uuid */
	char org[256];     /* Orgc name */
	char org_uuid[37]; /* Orgc uuid */
	char date[11];     /* YYYY-MM-DD of the export */
	char ts[24];       /* Unix seconds of the export, as MISP writes it */
};

static int misp_event_init(store *st, const export_opts *o, struct misp_event *ev, sol_err *err)
{
	char *org, *org_uuid, t[40];
	int rc = setting_or(st, "export.misp.org", "solidarity", &org, err);
	if (rc)
		return rc;
	snprintf(ev->org, sizeof ev->org, "%s", org);
	free(org);
	sol_uuid5(EXPORT_UUID_NS, ev->org, strlen(ev->org), ev->org_uuid);
	rc = setting_or(st, "export.misp.org_uuid", ev->org_uuid, &org_uuid, err);
	if (rc)
		return rc;
	if (!sol_uuid_valid(org_uuid, strlen(org_uuid)))
		rc = sol_fail(err, SOL_EINVALID, "export.misp.org_uuid", "'%s' is not a UUID",
			      org_uuid);
	else
		snprintf(ev->org_uuid, sizeof ev->org_uuid, "%s", org_uuid);
	free(org_uuid);
	char name[300];
	int n = snprintf(name, sizeof name, "event %s", ev->org);
	sol_uuid5(EXPORT_UUID_NS, name, (size_t)n, ev->uuid);
	snprintf(ev->date, sizeof ev->date, "%.10s", sol_time_format(o->select.now, t, sizeof t));
	snprintf(ev->ts, sizeof ev->ts, "%lld", (long long)(o->select.now / 1000000));
	return rc;
}

static void misp_orgc(jsonw *w, const struct misp_event *ev)
{
	jsonw_key(w, "Orgc");
	jsonw_object_begin(w);
	jsonw_key(w, "name");
	jsonw_cstr(w, ev->org);
	jsonw_key(w, "uuid");
	jsonw_cstr(w, ev->org_uuid);
	jsonw_object_end(w);
}

/* The fields manifest.json and the event share. */
static void misp_event_head(jsonw *w, const struct misp_event *ev)
{
	jsonw_key(w, "info");
	jsonw_cstr(w, "solidarity export");
	misp_orgc(w, ev);
	jsonw_key(w, "Tag");
	jsonw_array_begin(w);
	jsonw_array_end(w);
	jsonw_key(w, "date");
	jsonw_cstr(w, ev->date);
	jsonw_key(w, "timestamp");
	jsonw_cstr(w, ev->ts);
	jsonw_key(w, "analysis");
	jsonw_cstr(w, "2");
	jsonw_key(w, "threat_level_id");
	jsonw_cstr(w, "4");
}

static void flush_buf(sol_buf *b, FILE *f)
{
	export_put(f, b->data, b->len);
	buf_reset(b);
}

/* One attribute object into out (after a comma unless first). The fixed
 * parts are appended as they are (our own ASCII); only the value and the
 * comment, which come from outside, go through jsonw's escaping: at a
 * million attributes, building every key through jsonw cost a third of
 * the export. */
static void misp_attribute(sol_buf *out, bool first, const export_set *s, size_t i, size_t j,
			   const misp_attr_type *t, const struct misp_event *ev, sol_buf *scratch)
{
	const export_atom *a = &s->atoms[i];
	const char *v = export_value(s, a);
	char uuid[37];
	const char *first_id = export_str(s, export_ind_of(s, a)->id);
	buf_reset(scratch);
	buf_append(scratch, first_id, strlen(first_id));
	buf_append(scratch, " ", 1);
	buf_append(scratch, v, a->len);
	sol_uuid5(EXPORT_UUID_NS, scratch->data, scratch->len, uuid);

	stix_tlp tlp = TLP_NONE;
	buf_reset(scratch);
	size_t named = 0;
	for (size_t k = i; k < j; k++) {
		const export_ind *ind = export_ind_of(s, &s->atoms[k]);
		tlp = ind->tlp > tlp ? ind->tlp : tlp;
		if (k > i && s->atoms[k].ind == s->atoms[k - 1].ind)
			continue;
		if (named < MISP_COMMENT_IDS) {
			const char *id = export_str(s, ind->id);
			if (named)
				buf_append(scratch, " ", 1);
			buf_append(scratch, id, strlen(id));
		} else if (named == MISP_COMMENT_IDS)
			buf_printf(scratch, " +%zu more", j - k);
		named++;
	}
	jsonw str;
	buf_puts(out, first ? "{\"uuid\":\"" : ",{\"uuid\":\"");
	buf_puts(out, uuid);
	buf_puts(out, "\",\"type\":\"");
	buf_puts(out, t->type);
	buf_puts(out, "\",\"category\":\"");
	buf_puts(out, t->category);
	buf_puts(out, "\",\"value\":");
	jsonw_init(&str, out);
	jsonw_string(&str, v, a->len);
	buf_puts(out, ",\"to_ids\":true,\"distribution\":\"5\",\"timestamp\":\"");
	buf_puts(out, ev->ts);
	buf_puts(out, "\",\"comment\":");
	jsonw_init(&str, out);
	jsonw_string(&str, scratch->data, scratch->len);
	buf_puts(out, ",\"Tag\":[");
	if (tlp != TLP_NONE) {
		buf_puts(out, "{\"name\":\"tlp:");
		buf_puts(out, stix_tlp_name(tlp));
		buf_puts(out, "\"}");
	}
	buf_puts(out, "]}");
}

/* "<md5 hex of v>,<event uuid>\n" into hashes; ctx and md5 (fetched once:
 * a fetch per value costs as much as the digest) are reused. */
static void misp_hash_line(EVP_MD_CTX *ctx, const EVP_MD *md5, const char *v, size_t n,
			   const char *uuid, FILE *hashes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char line[33 + 37 + 2];
	if (!EVP_DigestInit_ex(ctx, md5, NULL) || !EVP_DigestUpdate(ctx, v, n) ||
	    !EVP_DigestFinal_ex(ctx, md, &len) || len != 16)
		abort(); /* cannot fail once MD5 was fetched */
	for (unsigned i = 0; i < 16; i++) {
		line[2 * i] = hex[md[i] >> 4];
		line[2 * i + 1] = hex[md[i] & 15];
	}
	line[32] = ',';
	memcpy(line + 33, uuid, 36);
	line[69] = '\n';
	export_put(hashes, line, 70);
}

/* <uuid>.json and hashes.csv. */
static void misp_event_write(const export_set *s, const struct misp_event *ev, FILE *evf,
			     FILE *hashes, export_stats *stats)
{
	sol_buf out, scratch;
	EVP_MD_CTX *md5 = EVP_MD_CTX_new();
	EVP_MD *md5_alg = EVP_MD_fetch(NULL, "MD5", NULL);
	if (!md5 || !md5_alg)
		abort(); /* MD5 is always there in libcrypto's default provider */
	buf_init(&out, SIZE_MAX);
	buf_init(&scratch, SIZE_MAX);
	jsonw w;
	jsonw_init(&w, &out);
	jsonw_object_begin(&w);
	jsonw_key(&w, "Event");
	jsonw_object_begin(&w);
	jsonw_key(&w, "uuid");
	jsonw_cstr(&w, ev->uuid);
	misp_event_head(&w, ev);
	jsonw_key(&w, "publish_timestamp");
	jsonw_cstr(&w, ev->ts);
	jsonw_key(&w, "published");
	jsonw_bool(&w, true);
	jsonw_key(&w, "distribution");
	jsonw_cstr(&w, "0");
	jsonw_key(&w, "Attribute");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < s->n;) {
		size_t j = i + 1;
		while (j < s->n && export_atom_dup(s, j))
			j++;
		misp_attr_type t;
		if (!misp_type(&s->atoms[i], s->atoms[j - 1].subdomains, &t)) {
			stats->skipped += (int64_t)(j - i);
			i = j;
			continue;
		}
		misp_attribute(&out, stats->records == 0, s, i, j, &t, ev, &scratch);
		misp_hash_line(md5, md5_alg, export_value(s, &s->atoms[i]), s->atoms[i].len,
			       ev->uuid, hashes);
		stats->records++;
		if (out.len > MISP_FLUSH)
			flush_buf(&out, evf);
		i = j;
	}
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
	buf_puts(&out, "\n");
	flush_buf(&out, evf);
	buf_fini(&out);
	buf_fini(&scratch);
	EVP_MD_CTX_free(md5);
	EVP_MD_free(md5_alg);
}

static void misp_manifest_write(const struct misp_event *ev, FILE *f)
{
	sol_buf out;
	buf_init(&out, SIZE_MAX);
	jsonw w;
	jsonw_init(&w, &out);
	jsonw_object_begin(&w);
	jsonw_key(&w, ev->uuid);
	jsonw_object_begin(&w);
	misp_event_head(&w, ev);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
	buf_puts(&out, "\n");
	flush_buf(&out, f);
	buf_fini(&out);
}

int export_misp_write(store *st, const export_set *s, const export_opts *o, export_stats *stats,
		      sol_err *err)
{
	struct misp_event ev;
	int rc = misp_event_init(st, o, &ev, err);
	if (rc)
		return rc;
	export_dir ed;
	rc = export_dir_open(&ed, o->path, err);
	if (rc)
		return rc;
	char name[48];
	snprintf(name, sizeof name, "%s.json", ev.uuid);
	char *paths[3] = {export_dir_file(&ed, name), export_dir_file(&ed, "hashes.csv"),
			  export_dir_file(&ed, "manifest.json")};
	export_file ef[3];
	int opened = 0;
	for (; opened < 3; opened++)
		if ((rc = export_file_open(&ef[opened], paths[opened], err)) != 0)
			break;
	if (rc == 0) {
		misp_event_write(s, &ev, ef[0].f, ef[1].f, stats);
		misp_manifest_write(&ev, ef[2].f);
	}
	for (int k = 0; k < opened; k++) {
		if (rc == 0)
			rc = export_file_commit(&ef[k], err);
		else
			export_file_abort(&ef[k]);
	}
	for (int k = 0; k < 3; k++)
		free(paths[k]);
	if (rc == 0)
		return export_dir_commit(&ed, err);
	export_dir_abort(&ed);
	return rc;
}
