/*
 * pattern_atoms.c - the values a line matcher can look up for a pattern.
 *
 * A log line matcher sees one value at a time (an address, a name, a
 * hash) and can only ask "is this value an indicator?". A pattern can be
 * answered that way when it is an OR - inside one observation, across
 * observations, or both - of matchable comparisons:
 *
 *   =, IN        ipv4-addr:value ipv6-addr:value (address or CIDR),
 *                domain-name:value url:value email-addr:value,
 *                email-message:from_ref.value (email),
 *                network-traffic:src_ref.value / dst_ref.value (an IP,
 *                CIDR or domain, whichever the value is),
 *                file:hashes.X and x509-certificate:hashes.X with X one
 *                of MD5, SHA-1, SHA-256, SHA-512 (SHA1.. spellings, any case)
 *   ISSUBSET     the IP paths above, with a CIDR
 *   LIKE '%.d'   domain-name:value: d and every name below it
 *
 * Inside one observation an AND is matchable when a conjunct identifies
 * the content by hash (MISP's filename|md5 becomes [file:name = 'x' AND
 * file:hashes.MD5 = 'y']); its hashes are the atoms and the other
 * conjuncts are ignored. Everything else - NOT, FOLLOWEDBY, AND across
 * observations, qualifiers, other paths and operators, values that do not
 * parse as their kind - makes the whole pattern unmatchable, and the first
 * such thing met, in pattern order, is the reason given.
 *
 * Every value is normalised with obs_parse, so atoms compare equal to what
 * the matcher extracts from lines. Duplicates are dropped at the end by
 * sorting pointers to the atoms, keeping the first of each run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stix/pattern_int.h"

/* What kind of value a matchable path holds. */
typedef enum target {
	TG_NONE,    /* not a matchable path */
	TG_KIND,    /* a value of one obs_kind */
	TG_NETWORK, /* an IP, CIDR or domain: the value decides */
} target;

void stix_atoms_init(stix_atoms *a)
{
	memset(a, 0, sizeof *a);
}

void stix_atoms_fini(stix_atoms *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].value);
	free(a->v);
	stix_atoms_init(a);
}

/* Record why p is not matchable; always returns false. */
static bool unmatchable(stix_atoms *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool unmatchable(stix_atoms *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->reason, sizeof a->reason, fmt, ap);
	va_end(ap);
	return false;
}

static void atoms_push(stix_atoms *a, const obs_value *v, bool subdomains)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 8;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = (stix_atom){
	    .kind = v->kind, .subdomains = subdomains, .value = xstrndup(v->norm, v->len)};
}

/* Is the path made of n property names, the first ones as given? */
static bool path_is(const ppath *p, const char *type, size_t n, const char *k0, const char *k1)
{
	if (strcmp(p->type, type) != 0 || p->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!p->steps[i].key)
			return false;
	return strcmp(p->steps[0].key, k0) == 0 &&
	       (n < 2 || !k1 || strcmp(p->steps[1].key, k1) == 0);
}

/* The hash kind a hashes key names ("SHA-256", "sha256"), or OBS_NONE. */
static obs_kind hash_kind(const char *key)
{
	static const struct {
		const char *name;
		obs_kind kind;
	} names[] = {
	    {"MD5", OBS_MD5},        {"SHA-1", OBS_SHA1},    {"SHA1", OBS_SHA1},
	    {"SHA-256", OBS_SHA256}, {"SHA256", OBS_SHA256}, {"SHA-512", OBS_SHA512},
	    {"SHA512", OBS_SHA512},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(key, names[i].name) == 0)
			return names[i].kind;
	return OBS_NONE;
}

/* The hash kind of file:hashes.X or x509-certificate:hashes.X, else OBS_NONE. */
static obs_kind hash_path(const ppath *p)
{
	if (path_is(p, "file", 2, "hashes", NULL) ||
	    path_is(p, "x509-certificate", 2, "hashes", NULL))
		return hash_kind(p->steps[1].key);
	return OBS_NONE;
}

static target path_target(const ppath *p, obs_kind *want)
{
	static const struct {
		const char *type;
		obs_kind kind;
	} values[] = {
	    {"ipv4-addr", OBS_IPV4}, {"ipv6-addr", OBS_IPV6},   {"domain-name", OBS_DOMAIN},
	    {"url", OBS_URL},        {"email-addr", OBS_EMAIL},
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		if (path_is(p, values[i].type, 1, "value", NULL)) {
			*want = values[i].kind;
			return TG_KIND;
		}
	}
	if (path_is(p, "email-message", 2, "from_ref", "value")) {
		*want = OBS_EMAIL;
		return TG_KIND;
	}
	if (path_is(p, "network-traffic", 2, "src_ref", "value") ||
	    path_is(p, "network-traffic", 2, "dst_ref", "value")) {
		*want = OBS_NONE;
		return TG_NETWORK;
	}
	*want = hash_path(p);
	return *want != OBS_NONE ? TG_KIND : TG_NONE;
}

/* The path as reasons name it: "ipv4-addr" for ipv4-addr:value, the
 * pattern text otherwise. Caller frees. */
static char *path_name(const ppath *p, bool short_form)
{
	if (short_form && p->n == 1 && p->steps[0].key && strcmp(p->steps[0].key, "value") == 0)
		return xstrdup(p->type);
	sol_buf b;
	buf_init(&b, SIZE_MAX);
	pattern_path_format(p, &b);
	return buf_take(&b);
}

/* Normalise one literal of comparison n and add it. */
static bool add_value(stix_atoms *a, const pnode *n, const plit *l, target tg, obs_kind want,
		      bool subdomains)
{
	obs_value v;
	bool ok = l->kind == PL_STRING && obs_parse(l->s, l->len, want, &v) == 0;
	if (ok && tg == TG_NETWORK)
		ok = v.kind == OBS_IPV4 || v.kind == OBS_IPV6 || v.kind == OBS_CIDR4 ||
		     v.kind == OBS_CIDR6 || (v.kind == OBS_DOMAIN && n->op != OP_ISSUBSET);
	if (!ok) {
		char *name = path_name(&n->path, true);
		if (l->kind == PL_STRING)
			unmatchable(a, "invalid %.60s value '%.60s%s'", name, l->s,
				    l->len > 60 ? "..." : "");
		else
			unmatchable(a, "non-string value for %.60s", name);
		free(name);
		return false;
	}
	atoms_push(a, &v, subdomains);
	return true;
}

/* LIKE '%.example.com' on domain-name:value: the domain and below. */
static bool add_like(stix_atoms *a, const pnode *n)
{
	const plit *l = &n->value;
	if (l->len < 3 || memcmp(l->s, "%.", 2) != 0 || strpbrk(l->s + 2, "%_"))
		return unmatchable(a, "LIKE '%.60s' is not of the form '%%.domain'", l->s);
	plit rest = *l;
	rest.s = l->s + 2;
	rest.len = l->len - 2;
	return add_value(a, n, &rest, TG_KIND, OBS_DOMAIN, true);
}

static bool atoms_comparison(stix_atoms *a, const pnode *n)
{
	if (n->kind == PN_EXISTS)
		return unmatchable(a, "operator EXISTS");
	if (n->negated)
		return unmatchable(a, "NOT comparison");
	obs_kind want;
	target tg = path_target(&n->path, &want);
	if (tg == TG_NONE) {
		char *name = path_name(&n->path, false);
		unmatchable(a, "comparison on %.100s", name);
		free(name);
		return false;
	}
	bool ip = tg == TG_NETWORK || want == OBS_IPV4 || want == OBS_IPV6;
	switch (n->op) {
	case OP_EQ: return add_value(a, n, &n->value, tg, want, false);
	case OP_IN:
		if (n->value.nitems == 0)
			return unmatchable(a, "empty IN list");
		for (size_t i = 0; i < n->value.nitems; i++)
			if (!add_value(a, n, &n->value.items[i], tg, want, false))
				return false;
		return true;
	case OP_ISSUBSET:
		if (ip)
			return add_value(a, n, &n->value, tg, want, false);
		break;
	case OP_LIKE:
		if (want == OBS_DOMAIN && tg == TG_KIND)
			return add_like(a, n);
		break;
	default: break;
	}
	char *name = path_name(&n->path, false);
	unmatchable(a, "operator %s on %.100s", pattern_op_name(n->op), name);
	free(name);
	return false;
}

/* Does comparison expression n pin the content down by hash: a hash
 * equality, an OR of such, or an AND with such a conjunct? */
static bool hash_identified(const pnode *n)
{
	switch (n->kind) {
	case PN_COMPARISON:
		return !n->negated && (n->op == OP_EQ || n->op == OP_IN) &&
		       hash_path(&n->path) != OBS_NONE;
	case PN_GROUP: return hash_identified(n->kids[0]);
	case PN_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (!hash_identified(n->kids[i]))
				return false;
		return true;
	case PN_AND:
		for (size_t i = 0; i < n->nkids; i++)
			if (hash_identified(n->kids[i]))
				return true;
		return false;
	default: return false;
	}
}

/* Atoms of a comparison expression (below an observation's brackets). */
static bool atoms_cmp(stix_atoms *a, const pnode *n)
{
	switch (n->kind) {
	case PN_GROUP: return atoms_cmp(a, n->kids[0]);
	case PN_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (!atoms_cmp(a, n->kids[i]))
				return false;
		return true;
	case PN_AND: {
		bool any = false;
		for (size_t i = 0; i < n->nkids; i++) {
			if (!hash_identified(n->kids[i]))
				continue;
			if (!atoms_cmp(a, n->kids[i]))
				return false;
			any = true;
		}
		return any || unmatchable(a, "AND without a hash comparison");
	}
	default: return atoms_comparison(a, n);
	}
}

/* Atoms of an observation expression. */
static bool atoms_obs(stix_atoms *a, const pnode *n)
{
	static const char *const quals[] = {
	    [PQ_WITHIN] = "WITHIN", [PQ_REPEATS] = "REPEATS", [PQ_STARTSTOP] = "START/STOP"};
	switch (n->kind) {
	case PN_FOLLOWEDBY: return unmatchable(a, "FOLLOWEDBY");
	case PN_AND: return unmatchable(a, "AND across observations");
	case PN_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (!atoms_obs(a, n->kids[i]))
				return false;
		return true;
	default: break;
	}
	if (n->nquals)
		return unmatchable(a, "qualifier %s", quals[n->quals[0].kind]);
	return n->kind == PN_GROUP ? atoms_obs(a, n->kids[0]) : atoms_cmp(a, n->kids[0]);
}

/* Order atoms by content, then by position, so the first of equals leads. */
static int atom_cmp(const void *x, const void *y)
{
	const stix_atom *p = *(const stix_atom *const *)x, *q = *(const stix_atom *const *)y;
	if (p->kind != q->kind)
		return p->kind < q->kind ? -1 : 1;
	if (p->subdomains != q->subdomains)
		return p->subdomains ? 1 : -1;
	int c = strcmp(p->value, q->value);
	return c ? c : p < q ? -1 : p > q;
}

void stix_atoms_dedup(stix_atoms *a)
{
	if (a->n < 2)
		return;
	stix_atom **by = xmalloc(a->n * sizeof *by);
	for (size_t i = 0; i < a->n; i++)
		by[i] = &a->v[i];
	qsort(by, a->n, sizeof *by, atom_cmp);
	for (size_t i = 1; i < a->n; i++) {
		const stix_atom *p = by[i - 1], *q = by[i];
		if (q->kind == p->kind && q->subdomains == p->subdomains &&
		    strcmp(q->value, p->value) == 0) {
			free(by[i]->value);
			by[i]->value = NULL;
			by[i] = by[i - 1]; /* compare the next one with the kept atom */
		}
	}
	free(by);
	size_t k = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].value)
			a->v[k++] = a->v[i];
	a->n = k;
}

size_t stix_pattern_atoms(const stix_pattern *p, stix_atoms *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].value);
	a->n = 0;
	a->reason[0] = 0;
	if (!atoms_obs(a, p->root)) {
		for (size_t i = 0; i < a->n; i++)
			free(a->v[i].value);
		a->n = 0;
		return 0;
	}
	stix_atoms_dedup(a);
	return a->n;
}
