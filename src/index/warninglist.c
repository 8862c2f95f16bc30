/*
 * warninglist.c - known-benign values that `solidarity compile` keeps out
 * of the index: built-in facts (special-purpose, loopback, multicast,
 * documentation, public resolvers, reserved names) and MISP warninglists.
 *
 * Every list becomes a label (its name, which atom kinds it applies to,
 * and its priority: built-ins first, then MISP lists by directory name);
 * its values go into two shared structures:
 *   - a hash set of (type, bytes, label) for string, hostname and
 *     substring values, lowercased; several labels may hold the same bytes
 *     and a lookup keeps the first label whose kinds fit;
 *   - per address family, a table of (prefix, network, label) sorted for
 *     binary search; an address or CIDR atom looks up, for each prefix
 *     length present that is no longer than its own, its masked network,
 *     so it is flagged exactly when some listed range contains it.
 * Substring values are found by looking up every slice of the value whose
 * length is that of some needle; regex lists are compiled once with PCRE2.
 *
 * Applying lists to atoms (matching_attributes, when present, say which
 * kinds a list is for; otherwise its type does):
 *   address/CIDR  cidr ranges by containment; string values exactly
 *   domain        hostname values match the name and its parents; string
 *                 values and regexes only the name, so they never flag an
 *                 atom with subdomains; substrings flag it anywhere
 *   url, email    string values, substrings and regexes on the whole
 *                 value; a URL that is just a site ("https://host/") also
 *                 matches its host against hostname and string values.
 *                 Built-in facts also judge the host of any URL and the
 *                 domain of any email ("http://192.0.2.1/x" is fake).
 *   hashes        string values exactly (hex is lowercased)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include <xxhash.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "index/index.h"

enum { WL_STRING, WL_SUBSTRING, WL_HOSTNAME, WL_CIDR, WL_REGEX };

#define WL_IPS (1u << OBS_IPV4 | 1u << OBS_IPV6 | 1u << OBS_CIDR4 | 1u << OBS_CIDR6)
#define WL_HASHES (1u << OBS_MD5 | 1u << OBS_SHA1 | 1u << OBS_SHA256 | 1u << OBS_SHA512)
#define WL_HOSTOF (1u << OBS_KIND_COUNT) /* judges the host of URLs and emails */
#define WL_ALL ((1u << OBS_KIND_COUNT) - 2)
#define WL_MAX_LISTS 4096 /* list directories read */

typedef struct wl_label {
	char *name;     /* what warninglist_match returns */
	uint32_t kinds; /* bit per obs_kind it applies to, | WL_HOSTOF */
} wl_label;

typedef struct wl_entry {
	uint64_t hash;  /* XXH3 of the bytes, seeded with the type */
	uint32_t off;   /* bytes in the pool */
	uint32_t len;   /* their length */
	uint32_t label; /* owning list */
	uint8_t type;   /* WL_STRING, WL_SUBSTRING or WL_HOSTNAME */
} wl_entry;

typedef struct wl_net {
	uint8_t net[16]; /* masked network */
	uint8_t prefix;  /* prefix length */
	uint32_t label;  /* owning list */
} wl_net;

typedef struct wl_regex {
	pcre2_code *re; /* compiled once */
	uint32_t label; /* owning list */
} wl_regex;

struct warninglist {
	wl_label *labels;                /* by priority */
	uint32_t nlabels;                /* labels */
	wl_entry *set;                   /* open-addressing set; len 0 = empty */
	uint32_t setmask;                /* set size - 1 */
	uint32_t nset;                   /* entries */
	sol_buf pool;                    /* bytes of the set's entries */
	wl_net *nets[2];                 /* IPv4, IPv6 ranges, sorted */
	size_t nnets[2], capnets[2];     /* used, allocated */
	bool prefixes[2][129];           /* prefix lengths present per family */
	bool sublens[OBS_VALUE_MAX + 1]; /* substring lengths present */
	wl_regex *regexes;               /* regex values */
	size_t nregexes;                 /* count */
};

/* ---- built-in facts --------------------------------------------------- */

static const struct builtin {
	const char *category; /* name for `allow` */
	const char *value;    /* address, CIDR or domain (with its subdomains) */
} builtins[] = {
    /* IANA IPv4 and IPv6 special-purpose address registries (RFC 6890 and
     * later), the blocks that are not globally reachable; loopback and
     * documentation blocks are in their own categories, and IPv4-mapped
     * IPv6 addresses are judged as the IPv4 address they carry. */
    {"special-purpose", "0.0.0.0/8"},      /* this network */
    {"special-purpose", "10.0.0.0/8"},     /* private */
    {"special-purpose", "100.64.0.0/10"},  /* shared address space */
    {"special-purpose", "169.254.0.0/16"}, /* link local */
    {"special-purpose", "172.16.0.0/12"},  /* private */
    {"special-purpose", "192.0.0.0/24"},   /* IETF protocol assignments */
    {"special-purpose", "192.88.99.0/24"}, /* deprecated 6to4 relay anycast */
    {"special-purpose", "192.168.0.0/16"}, /* private */
    {"special-purpose", "198.18.0.0/15"},  /* benchmarking */
    {"special-purpose", "240.0.0.0/4"},    /* reserved */
    {"special-purpose", "::/128"},         /* unspecified */
    {"special-purpose", "64:ff9b:1::/48"}, /* local-use IPv4/IPv6 translation */
    {"special-purpose", "100::/64"},       /* discard-only */
    {"special-purpose", "2001:2::/48"},    /* benchmarking */
    {"special-purpose", "2001:10::/28"},   /* deprecated ORCHID */
    {"special-purpose", "5f00::/16"},      /* segment routing SIDs */
    {"special-purpose", "fc00::/7"},       /* unique local */
    {"special-purpose", "fe80::/10"},      /* link-local unicast */
    {"loopback", "127.0.0.0/8"},
    {"loopback", "::1"},
    {"loopback", "localhost"},
    {"multicast", "224.0.0.0/4"},
    {"multicast", "ff00::/8"},
    {"multicast", "255.255.255.255"}, /* limited broadcast */
    {"documentation", "192.0.2.0/24"},
    {"documentation", "198.51.100.0/24"},
    {"documentation", "203.0.113.0/24"},
    {"documentation", "2001:db8::/32"},
    {"documentation", "3fff::/20"}, /* RFC 9637 */
    {"documentation", "example"},
    {"documentation", "example.com"},
    {"documentation", "example.net"},
    {"documentation", "example.org"},
    {"public-resolvers", "8.8.8.8"}, /* Google */
    {"public-resolvers", "8.8.4.4"},
    {"public-resolvers", "2001:4860:4860::8888"},
    {"public-resolvers", "2001:4860:4860::8844"},
    {"public-resolvers", "1.1.1.1"}, /* Cloudflare */
    {"public-resolvers", "1.0.0.1"},
    {"public-resolvers", "2606:4700:4700::1111"},
    {"public-resolvers", "2606:4700:4700::1001"},
    {"public-resolvers", "9.9.9.9"}, /* Quad9 */
    {"public-resolvers", "149.112.112.112"},
    {"public-resolvers", "2620:fe::fe"},
    {"public-resolvers", "2620:fe::9"},
    {"public-resolvers", "208.67.222.222"}, /* OpenDNS */
    {"public-resolvers", "208.67.220.220"},
    {"public-resolvers", "2620:119:35::35"},
    {"public-resolvers", "2620:119:53::53"},
    {"reserved-names", "test"}, /* RFC 2606, RFC 6761 */
    {"reserved-names", "invalid"},
    {"reserved-names", "local"},     /* RFC 6762 */
    {"reserved-names", "home.arpa"}, /* RFC 8375 */
};

static const char *const categories[] = {"special-purpose", "loopback",         "multicast",
					 "documentation",   "public-resolvers", "reserved-names"};
#define NCATEGORIES (sizeof categories / sizeof categories[0])

/* ---- the shared structures -------------------------------------------- */

static uint32_t add_label(warninglist *wl, char *name, uint32_t kinds)
{
	wl->labels = xrealloc(wl->labels, (wl->nlabels + 1) * sizeof *wl->labels);
	wl->labels[wl->nlabels] = (wl_label){.name = name, .kinds = kinds};
	return wl->nlabels++;
}

static void set_grow(warninglist *wl)
{
	uint32_t size = wl->set ? (wl->setmask + 1) * 2 : 1024;
	wl_entry *set = xcalloc(size, sizeof *set);
	for (uint32_t i = 0; wl->set && i <= wl->setmask; i++) {
		if (wl->set[i].len == 0)
			continue;
		uint32_t j = (uint32_t)wl->set[i].hash & (size - 1);
		while (set[j].len)
			j = (j + 1) & (size - 1);
		set[j] = wl->set[i];
	}
	free(wl->set);
	wl->set = set;
	wl->setmask = size - 1;
}

/* Add (type, s[0..n) lowercased, label) unless present or empty/too long. */
static void set_add(warninglist *wl, int type, const char *s, size_t n, uint32_t label)
{
	char low[OBS_VALUE_MAX];
	if (n == 0 || n > OBS_VALUE_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]);
	if (!wl->set || wl->nset + 1 > (wl->setmask + 1) / 2)
		set_grow(wl);
	uint64_t h = XXH3_64bits_withSeed(low, n, (uint64_t)type);
	uint32_t i = (uint32_t)h & wl->setmask;
	for (; wl->set[i].len; i = (i + 1) & wl->setmask) {
		const wl_entry *e = &wl->set[i];
		if (e->hash == h && e->type == type && e->len == n && e->label == label &&
		    memcmp(wl->pool.data + e->off, low, n) == 0)
			return;
	}
	size_t off = wl->pool.len;
	buf_append(&wl->pool, low, n);
	wl->set[i] = (wl_entry){.hash = h,
				.off = (uint32_t)off,
				.len = (uint32_t)n,
				.label = label,
				.type = (uint8_t)type};
	wl->nset++;
	if (type == WL_SUBSTRING)
		wl->sublens[n] = true;
}

/* First label (lowest number) holding (type, s[0..n)) whose kinds have `kind`
 * bits, or best if that is lower. s is already lowercase. */
static uint32_t set_find(const warninglist *wl, int type, const char *s, size_t n, uint32_t kind,
			 uint32_t best)
{
	if (!wl->set || n == 0)
		return best;
	uint64_t h = XXH3_64bits_withSeed(s, n, (uint64_t)type);
	for (uint32_t i = (uint32_t)h & wl->setmask; wl->set[i].len; i = (i + 1) & wl->setmask) {
		const wl_entry *e = &wl->set[i];
		if (e->hash == h && e->type == type && e->len == n && e->label < best &&
		    (wl->labels[e->label].kinds & kind) &&
		    memcmp(wl->pool.data + e->off, s, n) == 0)
			best = e->label;
	}
	return best;
}

static void mask_net(uint8_t *a, size_t bytes, unsigned p)
{
	if (p / 8 < bytes && p % 8)
		a[p / 8] &= (uint8_t)(0xff00u >> p % 8);
	for (size_t j = (p + 7) / 8; j < bytes; j++)
		a[j] = 0;
}

/* Family index (0 IPv4, 1 IPv6), bytes and prefix of an address value,
 * with IPv4-mapped IPv6 turned into IPv4; -1 if v is not an address. */
static int net_of(const obs_value *v, uint8_t a[16], unsigned *prefix)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	memset(a, 0, 16);
	if (v->kind == OBS_IPV4 || v->kind == OBS_CIDR4) {
		memcpy(a, v->addr, 4);
		*prefix = v->prefix;
		return 0;
	}
	if (v->kind != OBS_IPV6 && v->kind != OBS_CIDR6)
		return -1;
	if (v->prefix >= 96 && memcmp(v->addr, mapped, 12) == 0) {
		memcpy(a, v->addr + 12, 4);
		*prefix = v->prefix - 96u;
		return 0;
	}
	memcpy(a, v->addr, 16);
	*prefix = v->prefix;
	return 1;
}

static void net_add(warninglist *wl, const obs_value *v, uint32_t label)
{
	wl_net n = {.label = label};
	unsigned prefix = 0;
	int fam = net_of(v, n.net, &prefix);
	if (fam < 0)
		return;
	n.prefix = (uint8_t)prefix;
	if (wl->nnets[fam] == wl->capnets[fam]) {
		wl->capnets[fam] = wl->capnets[fam] ? wl->capnets[fam] * 2 : 256;
		wl->nets[fam] = xrealloc(wl->nets[fam], wl->capnets[fam] * sizeof(wl_net));
	}
	wl->nets[fam][wl->nnets[fam]++] = n;
	wl->prefixes[fam][prefix] = true;
}

static int net_cmp(const void *pa, const void *pb)
{
	const wl_net *a = pa, *b = pb;
	if (a->prefix != b->prefix)
		return a->prefix - b->prefix;
	int c = memcmp(a->net, b->net, 16);
	if (c)
		return c;
	return (a->label > b->label) - (a->label < b->label);
}

/* Lowest label whose range contains address/CIDR v and whose kinds fit. */
static uint32_t net_find(const warninglist *wl, const obs_value *v, uint32_t kind, uint32_t best)
{
	wl_net key = {.label = 0};
	unsigned prefix = 0;
	uint8_t a[16];
	int fam = net_of(v, a, &prefix);
	if (fam < 0)
		return best;
	for (unsigned p = 0; p <= prefix; p++) {
		if (!wl->prefixes[fam][p])
			continue;
		memcpy(key.net, a, 16);
		mask_net(key.net, fam ? 16 : 4, p);
		key.prefix = (uint8_t)p;
		size_t lo = 0, hi = wl->nnets[fam];
		while (lo < hi) { /* first entry >= key */
			size_t mid = lo + (hi - lo) / 2;
			if (net_cmp(&wl->nets[fam][mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < wl->nnets[fam]; lo++) {
			const wl_net *n = &wl->nets[fam][lo];
			if (n->prefix != p || memcmp(n->net, key.net, 16) != 0 || n->label >= best)
				break;
			if (wl->labels[n->label].kinds & kind) {
				best = n->label;
				break;
			}
		}
	}
	return best;
}

/* ---- MISP lists --------------------------------------------------------- */

static const struct {
	const char *attr; /* MISP attribute type */
	uint32_t kinds;   /* atom kinds it stands for */
} attributes[] = {
    {"ip-src", WL_IPS},
    {"ip-dst", WL_IPS},
    {"ip-src|port", WL_IPS},
    {"ip-dst|port", WL_IPS},
    {"domain|ip", WL_IPS | 1u << OBS_DOMAIN},
    {"hostname", 1u << OBS_DOMAIN},
    {"domain", 1u << OBS_DOMAIN},
    {"hostname|port", 1u << OBS_DOMAIN},
    {"url", 1u << OBS_URL},
    {"uri", 1u << OBS_URL},
    {"link", 1u << OBS_URL},
    {"email", 1u << OBS_EMAIL},
    {"email-src", 1u << OBS_EMAIL},
    {"email-dst", 1u << OBS_EMAIL},
    {"target-email", 1u << OBS_EMAIL},
    {"whois-registrant-email", 1u << OBS_EMAIL},
    {"dns-soa-email", 1u << OBS_EMAIL},
    {"md5", 1u << OBS_MD5},
    {"filename|md5", 1u << OBS_MD5},
    {"x509-fingerprint-md5", 1u << OBS_MD5},
    {"sha1", 1u << OBS_SHA1},
    {"filename|sha1", 1u << OBS_SHA1},
    {"x509-fingerprint-sha1", 1u << OBS_SHA1},
    {"sha256", 1u << OBS_SHA256},
    {"filename|sha256", 1u << OBS_SHA256},
    {"x509-fingerprint-sha256", 1u << OBS_SHA256},
    {"sha512", 1u << OBS_SHA512},
    {"filename|sha512", 1u << OBS_SHA512},
};

static int list_type(const char *s)
{
	static const char *const names[] = {"string", "substring", "hostname", "cidr", "regex"};
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static uint32_t list_kinds(json_t *attrs, int type)
{
	if (!json_is_array(attrs))
		return type == WL_CIDR ? WL_IPS : type == WL_HOSTNAME ? 1u << OBS_DOMAIN : WL_ALL;
	uint32_t kinds = 0;
	size_t i;
	json_t *a;
	json_array_foreach(attrs, i, a)
	{
		for (size_t k = 0;
		     json_is_string(a) && k < sizeof attributes / sizeof attributes[0]; k++)
			if (strcmp(json_string_value(a), attributes[k].attr) == 0)
				kinds |= attributes[k].kinds;
	}
	return kinds;
}

/* A cidr list value: address, CIDR, or a CIDR with host bits set. */
static int parse_net(const char *s, size_t n, obs_value *v)
{
	if (obs_parse(s, n, OBS_IPV4, v) == 0 || obs_parse(s, n, OBS_IPV6, v) == 0)
		return 0;
	const char *slash = memchr(s, '/', n);
	if (!slash || obs_parse(s, (size_t)(slash - s), OBS_NONE, v) != 0 ||
	    (v->kind != OBS_IPV4 && v->kind != OBS_IPV6))
		return -1;
	char *end;
	long p = strtol(slash + 1, &end, 10);
	long max = v->kind == OBS_IPV4 ? 32 : 128;
	if (end != s + n || end == slash + 1 || p < 0 || p > max)
		return -1;
	mask_net(v->addr, v->kind == OBS_IPV4 ? 4 : 16, (unsigned)p);
	v->prefix = (uint8_t)p;
	v->kind = p == max ? v->kind : v->kind == OBS_IPV4 ? OBS_CIDR4 : OBS_CIDR6;
	return 0;
}

/* "/pattern/flags" (PHP style, as MISP writes them) or a bare pattern. */
static int add_regex(warninglist *wl, const char *s, uint32_t label, const char *where,
		     sol_err *err)
{
	size_t n = strlen(s);
	uint32_t opts = 0;
	const char *end = n > 1 && s[0] == '/' ? strrchr(s, '/') : NULL;
	if (end && end > s) {
		for (const char *f = end + 1; *f; f++) {
			if (*f == 'i')
				opts |= PCRE2_CASELESS;
			else if (*f == 'm')
				opts |= PCRE2_MULTILINE;
			else if (*f == 's')
				opts |= PCRE2_DOTALL;
			else if (*f == 'x')
				opts |= PCRE2_EXTENDED;
			else if (*f == 'u')
				opts |= PCRE2_UTF;
			else if (*f == 'g')
				continue; /* "global" means nothing for a yes/no match */
			else
				return sol_fail(err, SOL_EPARSE, where,
						"list \"%s\": unknown regex flag '%c'",
						wl->labels[label].name, *f);
		}
		s++;
		n = (size_t)(end - s);
	}
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, n, opts, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(code, msg, sizeof msg);
		return sol_fail(err, SOL_EPARSE, where, "list \"%s\": bad regex at offset %zu: %s",
				wl->labels[label].name, (size_t)off, (const char *)msg);
	}
	wl->regexes = xrealloc(wl->regexes, (wl->nregexes + 1) * sizeof *wl->regexes);
	wl->regexes[wl->nregexes++] = (wl_regex){.re = re, .label = label};
	return 0;
}

static int add_value(warninglist *wl, int type, const char *s, uint32_t label, const char *where,
		     sol_err *err)
{
	size_t n = strlen(s);
	obs_value v;
	switch (type) {
	case WL_CIDR:
		if (parse_net(s, n, &v) == 0)
			net_add(wl, &v, label);
		return 0; /* lists carry the odd non-address; it cannot match anyway */
	case WL_REGEX: return add_regex(wl, s, label, where, err);
	case WL_HOSTNAME:
		while (n && s[0] == '.') { /* ".example.com": the name and subdomains */
			s++;
			n--;
		}
		while (n && s[n - 1] == '.')
			n--;
		set_add(wl, type, s, n, label);
		return 0;
	default:
		if (type == WL_STRING && obs_parse(s, n, OBS_NONE, &v) == 0)
			set_add(wl, type, v.norm, v.len, label);
		set_add(wl, type, s, n, label);
		return 0;
	}
}

static int load_list(warninglist *wl, const char *path, sol_err *err)
{
	json_error_t je;
	char where[sizeof err->where];
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(where, sizeof where, "%s:%d:%d", path, je.line, je.column);
		return sol_fail(err, SOL_EPARSE, where, "bad warninglist JSON: %s", je.text);
	}
	const char *field = NULL;
	json_t *name = json_object_get(root, "name"), *type = json_object_get(root, "type");
	json_t *list = json_object_get(root, "list");
	if (!json_is_object(root))
		field = "$";
	else if (!json_is_string(name))
		field = "$.name";
	else if (!json_is_string(type) || list_type(json_string_value(type)) < 0)
		field = "$.type";
	else if (!json_is_array(list))
		field = "$.list";
	if (field) {
		snprintf(where, sizeof where, "%s:%s", path, field);
		json_decref(root);
		return sol_fail(err, SOL_EINVALID, where,
				"not a MISP warninglist: %s missing or of the wrong type", field);
	}
	int t = list_type(json_string_value(type));
	uint32_t label = add_label(wl, xstrdup(json_string_value(name)),
				   list_kinds(json_object_get(root, "matching_attributes"), t));
	size_t i;
	json_t *item;
	int rc = 0;
	json_array_foreach(list, i, item)
	{
		snprintf(where, sizeof where, "%s:$.list[%zu]", path, i);
		if (!json_is_string(item)) {
			rc = sol_fail(err, SOL_EINVALID, where, "list values must be strings");
			break;
		}
		if ((rc = add_value(wl, t, json_string_value(item), label, where, err)) != 0)
			break;
	}
	json_decref(root);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the list.json paths under dir/<name>/ to paths (sorted by name). */
static int scan_dir(const char *dir, char ***paths, size_t *n, sol_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return sol_fail(err, SOL_ENOTFOUND, dir, "cannot read the warninglist directory");
	size_t first = *n;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s/list.json", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || *n == WL_MAX_LISTS) {
			free(p);
			continue;
		}
		*paths = xrealloc(*paths, (*n + 1) * sizeof **paths);
		(*paths)[(*n)++] = p;
	}
	closedir(d);
	qsort(*paths + first, *n - first, sizeof **paths, cmp_str);
	return 0;
}

static int load_builtins(warninglist *wl, const char *allow, sol_err *err)
{
	bool skip[NCATEGORIES] = {false};
	for (const char *p = allow ? allow : ""; *p;) {
		size_t len = strcspn(p, ",");
		size_t c = 0;
		while (c < NCATEGORIES &&
		       (strlen(categories[c]) != len || memcmp(categories[c], p, len) != 0))
			c++;
		if (len && c == NCATEGORIES)
			return sol_fail(
			    err, SOL_EUSAGE, allow,
			    "unknown warninglist category \"%.*s\" (known: special-purpose, "
			    "loopback, multicast, documentation, public-resolvers, "
			    "reserved-names)",
			    (int)len, p);
		if (len)
			skip[c] = true;
		p += len + (p[len] == ',');
	}
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
		const struct builtin *b = &builtins[i];
		size_t c = 0;
		while (strcmp(categories[c], b->category) != 0)
			c++;
		if (skip[c])
			continue;
		obs_value v;
		uint32_t label =
		    add_label(wl, xasprintf("builtin %s: %s", b->category, b->value), 0);
		if (parse_net(b->value, strlen(b->value), &v) == 0) {
			wl->labels[label].kinds = WL_IPS | WL_HOSTOF;
			net_add(wl, &v, label);
		} else {
			wl->labels[label].kinds = 1u << OBS_DOMAIN | WL_HOSTOF;
			set_add(wl, WL_HOSTNAME, b->value, strlen(b->value), label);
		}
	}
	return 0;
}

int warninglist_new(const char *dir, const char *allow, warninglist **out, sol_err *err)
{
	*out = NULL;
	warninglist *wl = xcalloc(1, sizeof *wl);
	buf_init(&wl->pool, UINT32_MAX);
	int rc = load_builtins(wl, allow, err);
	char **paths = NULL;
	size_t npaths = 0;
	if (rc == 0 && dir) {
		char *sub = xasprintf("%s/lists", dir);
		struct stat st;
		rc = scan_dir(dir, &paths, &npaths, err);
		if (rc == 0 && stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			rc = scan_dir(sub, &paths, &npaths, err);
		free(sub);
	}
	for (size_t i = 0; rc == 0 && i < npaths; i++)
		rc = load_list(wl, paths[i], err);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	if (rc != 0) {
		warninglist_free(wl);
		return rc;
	}
	for (int f = 0; f < 2; f++)
		if (wl->nnets[f])
			qsort(wl->nets[f], wl->nnets[f], sizeof(wl_net), net_cmp);
	*out = wl;
	return 0;
}

void warninglist_free(warninglist *wl)
{
	if (!wl)
		return;
	for (uint32_t i = 0; i < wl->nlabels; i++)
		free(wl->labels[i].name);
	free(wl->labels);
	free(wl->set);
	buf_fini(&wl->pool);
	free(wl->nets[0]);
	free(wl->nets[1]);
	for (size_t i = 0; i < wl->nregexes; i++)
		pcre2_code_free(wl->regexes[i].re);
	free(wl->regexes);
	free(wl);
}

/* ---- matching ----------------------------------------------------------- */

/* Hostname values covering name or a parent of it. */
static uint32_t host_find(const warninglist *wl, const char *name, size_t n, uint32_t kind,
			  uint32_t best)
{
	best = set_find(wl, WL_HOSTNAME, name, n, kind, best);
	for (size_t i = 0; i < n; i++)
		if (name[i] == '.')
			best = set_find(wl, WL_HOSTNAME, name + i + 1, n - i - 1, kind, best);
	return best;
}

/* Substring values anywhere in s[0..n) (lowercase). */
static uint32_t sub_find(const warninglist *wl, const char *s, size_t n, uint32_t kind,
			 uint32_t best)
{
	for (size_t m = 1; m <= n; m++)
		for (size_t i = 0; wl->sublens[m] && i + m <= n; i++)
			best = set_find(wl, WL_SUBSTRING, s + i, m, kind, best);
	return best;
}

static uint32_t regex_find(const warninglist *wl, const char *s, size_t n, uint32_t kind,
			   uint32_t best)
{
	for (size_t i = 0; i < wl->nregexes && wl->regexes[i].label < best; i++) {
		const wl_regex *r = &wl->regexes[i];
		if (!(wl->labels[r->label].kinds & kind))
			continue;
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
		int rc = pcre2_match(r->re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		if (rc >= 0)
			best = r->label;
	}
	return best;
}

/* A host (URL authority or email domain), judged as address or name. */
static uint32_t hostof_find(const warninglist *wl, const char *host, size_t n, uint32_t kind,
			    uint32_t best)
{
	obs_value v;
	if (n && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (obs_parse(host, n, OBS_IPV4, &v) == 0 || obs_parse(host, n, OBS_IPV6, &v) == 0)
		return net_find(wl, &v, kind, best);
	if (obs_parse(host, n, OBS_DOMAIN, &v) != 0)
		return best;
	best = host_find(wl, v.norm, v.len, kind, best);
	return kind & WL_HOSTOF ? best : set_find(wl, WL_STRING, v.norm, v.len, kind, best);
}

static uint32_t url_find(const warninglist *wl, const obs_value *v, const char *low, uint32_t best)
{
	const char *p = strstr(v->norm, "://");
	if (!p)
		return best;
	p += 3;
	size_t auth = strcspn(p, "/?#");
	const char *at = memchr(p, '@', auth);
	const char *host = at ? at + 1 : p;
	size_t hn = (size_t)(p + auth - host);
	const char *colon = hn && host[0] == '[' ? memchr(host, ']', hn) : host;
	colon = colon ? memchr(colon, ':', (size_t)(host + hn - colon)) : NULL;
	if (colon)
		hn = (size_t)(colon - host);
	best = hostof_find(wl, host, hn, WL_HOSTOF, best);
	if (strcmp(p + auth, "/") == 0) /* just a site: judge it by its host */
		best = hostof_find(wl, host, hn, 1u << OBS_URL, best);
	best = set_find(wl, WL_STRING, low, v->len, 1u << OBS_URL, best);
	return best;
}

const char *warninglist_match(const warninglist *wl, const obs_value *v, bool subdomains)
{
	if (v->kind <= OBS_NONE || v->kind >= OBS_KIND_COUNT || v->len == 0)
		return NULL;
	uint32_t kind = 1u << v->kind, best = UINT32_MAX;
	char low[OBS_VALUE_MAX];
	for (size_t i = 0; i <= v->len && i < sizeof low; i++)
		low[i] =
		    (char)(v->norm[i] >= 'A' && v->norm[i] <= 'Z' ? v->norm[i] | 0x20 : v->norm[i]);
	switch (v->kind) {
	case OBS_IPV4:
	case OBS_IPV6:
	case OBS_CIDR4:
	case OBS_CIDR6: best = net_find(wl, v, kind, best); break;
	case OBS_DOMAIN: best = host_find(wl, low, v->len, kind, best); break;
	case OBS_URL: best = url_find(wl, v, low, best); break;
	case OBS_EMAIL: {
		const char *at = strrchr(v->norm, '@');
		if (at)
			best = hostof_find(wl, at + 1, strlen(at + 1), WL_HOSTOF, best);
		break;
	}
	default: break;
	}
	if (!subdomains || v->kind != OBS_DOMAIN) {
		if (v->kind != OBS_URL)
			best = set_find(wl, WL_STRING, low, v->len, kind, best);
		best = regex_find(wl, v->norm, v->len, kind, best);
	}
	best = sub_find(wl, low, v->len, kind, best);
	return best == UINT32_MAX ? NULL : wl->labels[best].name;
}
