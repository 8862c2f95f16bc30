/*
 * exports.c - every export of export.h served over HTTP, made for the
 * partner asking, cached on disk and rebuilt only when the store changed,
 * so that a cron job or a sensor's rule updater polling with If-None-Match
 * costs a few index lookups and a 304.
 *
 *   GET /exports/{rpz,nft,zeek,csv,stix}?collection=<id>[&tlp-max=L][&type=T]
 *   GET /exports/{suricata,misp}/<file>?collection=<id>[&tlp-max=L][&type=T]
 *
 * Checks, in the TAXII order: route (404), method GET or HEAD (405),
 * partner (401 with WWW-Authenticate), parameters (400), read grant on the
 * collection (404, the same answer as for a collection that does not
 * exist). Error bodies are one line of text.
 *
 * Audience. An indicator is in the export only if its current version is
 * the newest version of it in the collection that the partner may see:
 * the TAXII read (store_collection_objects with match[version]=last and
 * policy_member_visible under the partner's grant) lists the visible
 * members, and the export's `visible` callback looks the indicator up in
 * that sorted list. An indicator whose newest version was not shared in
 * the collection is left out (fail closed).
 *
 * Cache. An entry is named "<partner>.<collection>.<format>.<tlp-max>.
 * <type mask>.<amber|no-amber>" (the grant is part of the name, so a
 * changed grant never serves an old audience's file) and its export lives
 * under that name in the cache directory. The entry remembers the
 * store_generation it was built from. A request takes the cache lock,
 * reads the store's generation, and rebuilds if it differs or if the
 * build is older than TAXII_EXPORT_RECHECK_S (indicators expire without
 * any store change). A rebuild writes "<name>.new" with export_write and
 * compares it with the export in place: a file whose XXH3-128 hash is
 * unchanged keeps its modification time, and a recheck that selected
 * exactly the same atoms keeps the old export whole (STIX bundles and
 * MISP events carry the export time, which would otherwise change their
 * bytes every recheck). The file is then opened, still under the lock:
 * the descriptor keeps its bytes even if a later rebuild replaces it.
 *
 * Validators. ETag is the quoted hex XXH3-128 of the file (strong);
 * Last-Modified its modification time, i.e. when its bytes last changed.
 * If-None-Match (weak comparison, "*" matches) takes precedence over
 * If-Modified-Since (RFC 9110 13.2.2). Cache-Control: no-cache makes
 * caches revalidate every time.
 *
 * RPZ. The zone name is the server's (export_rpz_zone, by default the
 * DNS server's); the serial is export's rpz writer's, with its state in
 * the settings under "export.http.<entry name>", so each audience's zone
 * has a serial that grows exactly when its own content changes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "export/export.h"
#include "policy/policy.h"
#include "taxii/taxii_int.h"

#define HASH_CHUNK (256u << 10) /* bytes read at a time while hashing a file */
#define ENTRY_NAME_MAX 200      /* bytes of a cache entry name */
#define TEXT "text/plain; charset=utf-8"
#define FILE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

typedef struct cache_file {
	char name[TAXII_EXPORT_FILE_MAX + 1]; /* file of a directory export; "" for a file */
	char etag[36];                        /* "\"<32 hex digits>\"" */
} cache_file;

typedef struct cache_entry {
	char name[ENTRY_NAME_MAX]; /* its file or directory in the cache directory */
	store_generation gen;      /* the store generation it was built from */
	sol_time built;            /* when it was built or last rechecked */
	export_stats stats;        /* what that build selected */
	cache_file *files;         /* every file with its ETag */
	size_t n_files;
} cache_entry;

struct taxii_exports {
	char *dir;             /* the cache directory */
	char *rpz_zone;        /* zone name of the rpz export */
	warninglist *benign;   /* left out of every export */
	pthread_mutex_t lock;  /* one build at a time; guards entries and the directory */
	cache_entry **entries; /* least recently used first */
	size_t n;              /* entries used, at most TAXII_EXPORT_CACHE_MAX */
};

/* ---- setup ---------------------------------------------------------------- */

int taxii_exports_new(const taxii_options *o, taxii_exports **out, sol_err *err)
{
	*out = NULL;
	taxii_exports *x = xcalloc(1, sizeof *x);
	x->dir = o->export_dir ? xstrdup(o->export_dir) : xasprintf("%s.exports", o->db_path);
	x->rpz_zone = xstrdup(o->export_rpz_zone ? o->export_rpz_zone : EXPORT_RPZ_ZONE);
	pthread_mutex_init(&x->lock, NULL);
	int rc = 0;
	if (mkdir(x->dir, 0700) != 0 && errno != EEXIST)
		rc = sol_fail(err, SOL_EIO, x->dir, "cannot create the export cache: %s",
			      strerror(errno));
	if (rc == 0)
		rc = warninglist_new(o->export_warninglists, o->export_allow, &x->benign, err);
	if (rc != 0) {
		taxii_exports_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

static void entry_free(cache_entry *e)
{
	free(e->files);
	free(e);
}

void taxii_exports_free(taxii_exports *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		entry_free(x->entries[i]);
	free(x->entries);
	warninglist_free(x->benign);
	pthread_mutex_destroy(&x->lock);
	free(x->rpz_zone);
	free(x->dir);
	free(x);
}

/* ---- the request -------------------------------------------------------------- */

typedef struct export_call {
	const taxii_site *site;               /* server settings and store */
	const taxii_request *req;             /* the request */
	taxii_response *res;                  /* the answer */
	export_format format;                 /* from the path */
	bool is_dir;                          /* suricata, misp: a file of a directory */
	char file[TAXII_EXPORT_FILE_MAX + 1]; /* that file ("" for file formats) */
	char collection[37];                  /* ?collection= */
	stix_tlp tlp_max;                     /* ?tlp-max=, TLP_RED if absent */
	uint32_t kinds;                       /* ?type=, 0 (all) if absent */
	store_grant grant;                    /* the partner's rights on collection */
} export_call;

static void fail(export_call *c, int status, const char *msg)
{
	c->res->status = status;
	c->res->content_type = TEXT;
	buf_reset(&c->res->body);
	buf_printf(&c->res->body, "%s\n", msg);
}

/* Path -> format (and file of a directory export); false if no such path. */
static bool route_parse(export_call *c, const char *path)
{
	const char *p = path + strlen(TAXII_EXPORTS_PREFIX);
	size_t n = strcspn(p, "/");
	char name[16];
	if (n == 0 || n >= sizeof name)
		return false;
	memcpy(name, p, n);
	name[n] = '\0';
	if (export_format_parse(name, &c->format) != 0)
		return false;
	p += n;
	c->is_dir = c->format == EXPORT_SURICATA || c->format == EXPORT_MISP;
	if (!c->is_dir)
		return *p == '\0';
	if (*p++ != '/')
		return false;
	n = strlen(p);
	if (n == 0 || n > TAXII_EXPORT_FILE_MAX || p[0] == '.' || strspn(p, FILE_CHARS) != n)
		return false;
	memcpy(c->file, p, n + 1);
	return true;
}

/* URL parameters; false (response set to 400) if one is wrong. */
static bool params_parse(export_call *c)
{
	const taxii_request *req = c->req;
	c->tlp_max = TLP_RED;
	c->kinds = 0;
	if (req->n_params > TAXII_MAX_PARAMS) {
		fail(c, 400, "too many parameters");
		return false;
	}
	bool seen[3] = {false, false, false};
	static const char *const keys[3] = {"collection", "tlp-max", "type"};
	sol_err e = {0};
	for (size_t i = 0; i < req->n_params; i++) {
		const char *k = req->params[i].key,
			   *v = req->params[i].value ? req->params[i].value : "";
		int which = -1;
		for (int j = 0; j < 3; j++)
			if (strcmp(k, keys[j]) == 0)
				which = j;
		if (which < 0)
			continue; /* unknown parameters are ignored, as in TAXII */
		if (seen[which]) {
			char msg[64];
			snprintf(msg, sizeof msg, "%s given twice", k);
			fail(c, 400, msg);
			return false;
		}
		seen[which] = true;
		if (which == 0 && (strlen(v) != 36 || !sol_uuid_valid(v, 36))) {
			fail(c, 400, "collection: expected a collection id (a UUID)");
			return false;
		}
		if (which == 0)
			memcpy(c->collection, v, 37);
		if (which == 1 && (stix_tlp_parse(v, &c->tlp_max) != 0 || c->tlp_max == TLP_NONE)) {
			fail(c, 400, "tlp-max: expected clear, green, amber, amber+strict or red");
			return false;
		}
		if (which == 2 && export_kinds_parse(v, &c->kinds, &e) != 0) {
			fail(c, 400, e.msg);
			return false;
		}
	}
	if (!seen[0]) {
		fail(c, 400, "collection: required (the id of a collection you can read)");
		return false;
	}
	return true;
}

/* ---- the audience: visible members of the collection ------------------------------ */

typedef struct member_ref {
	size_t id;        /* pool offset of the STIX id */
	sol_time version; /* the newest visible version in the collection */
} member_ref;

typedef struct member_set {
	sol_buf pool;  /* ids, NUL-terminated */
	member_ref *v; /* sorted by id after member_set_load */
	size_t n, cap;
} member_set;

static int member_add(void *ctx, const store_member *m)
{
	member_set *s = ctx;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = (member_ref){s->pool.len, m->row->version};
	buf_append(&s->pool, m->row->id, strlen(m->row->id) + 1); /* cap SIZE_MAX */
	return 0;
}

static int member_cmp(const void *a, const void *b, void *ctx)
{
	const char *pool = ctx;
	return strcmp(pool + ((const member_ref *)a)->id, pool + ((const member_ref *)b)->id);
}

/* The indicators of the collection the grant's partner may see. */
static int member_set_load(member_set *s, store *st, const char *collection, const store_grant *g,
			   sol_err *err)
{
	memset(s, 0, sizeof *s);
	buf_init(&s->pool, SIZE_MAX);
	static const char *const types[1] = {"indicator"};
	store_member_filter f;
	store_member_filter_init(&f);
	f.types = types;
	f.n_types = 1;
	f.version = (store_version_match){.last = true};
	f.visible = policy_member_visible;
	f.visible_ctx = (void *)g;
	bool more;
	int rc = store_collection_objects(st, collection, &f, member_add, s, &more, err);
	if (rc == 0 && s->n > 1)
		qsort_r(s->v, s->n, sizeof *s->v, member_cmp, s->pool.data);
	return rc;
}

static void member_set_fini(member_set *s)
{
	free(s->v);
	buf_fini(&s->pool);
}

/* export_visible_fn: is this current version a visible member? */
static bool member_visible(void *ctx, const store_indicator *ind)
{
	const member_set *s = ctx;
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ind->id, s->pool.data + s->v[mid].id);
		if (c == 0)
			return s->v[mid].version == ind->version;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* ---- files ------------------------------------------------------------------------- */

/* The quoted hex XXH3-128 of the file at path, and its stat. */
static int file_hash(const char *path, char etag[36], struct stat *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fstat(fd, sb);
	XXH3_state_t *h = XXH3_createState();
	if (!h)
		abort();
	XXH3_128bits_reset(h);
	char *chunk = xmalloc(HASH_CHUNK);
	ssize_t n;
	while (rc == 0 && (n = read(fd, chunk, HASH_CHUNK)) != 0) {
		if (n < 0 && errno != EINTR)
			rc = -1;
		else if (n > 0)
			XXH3_128bits_update(h, chunk, (size_t)n);
	}
	XXH128_canonical_t canon;
	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(h));
	etag[0] = '"';
	for (int i = 0; i < 16; i++)
		snprintf(etag + 1 + 2 * i, 3, "%02x", canon.digest[i]);
	etag[33] = '"';
	etag[34] = '\0';
	free(chunk);
	XXH3_freeState(h);
	close(fd);
	return rc;
}

/* Remove an export: a file, or a directory of files (exports are flat). */
static void export_remove(const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		unlink(path);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(path);
}

/* The files of a freshly built export at path: one "" for a file, or every
 * entry of the directory. */
static cache_file *files_list(const char *path, bool is_dir, size_t *n)
{
	*n = 0;
	if (!is_dir) {
		*n = 1;
		return xcalloc(1, sizeof(cache_file));
	}
	cache_file *v = NULL;
	size_t cap = 0;
	DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len > TAXII_EXPORT_FILE_MAX)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		memset(&v[*n], 0, sizeof *v);
		memcpy(v[(*n)++].name, de->d_name, len + 1);
	}
	if (d)
		closedir(d);
	return v;
}

static char *file_path(const char *base, const char *name)
{
	return name[0] ? xasprintf("%s/%s", base, name) : xstrdup(base);
}

/*
 * Hash every new file; a file identical to the one it replaces takes over
 * its modification time. Returns true if all files are identical (and as
 * many as before), so the old export can simply stay.
 */
static bool files_compare(const char *fresh, const char *final, cache_file *files, size_t n)
{
	bool same = true;
	for (size_t i = 0; i < n; i++) {
		char *np = file_path(fresh, files[i].name), *op = file_path(final, files[i].name);
		char old_tag[36];
		struct stat nsb, osb;
		file_hash(np, files[i].etag, &nsb);
		if (file_hash(op, old_tag, &osb) == 0 && strcmp(old_tag, files[i].etag) == 0) {
			struct timespec t[2] = {osb.st_atim, osb.st_mtim};
			utimensat(AT_FDCWD, np, t, 0);
		} else {
			same = false;
		}
		free(np);
		free(op);
	}
	if (same && files[0].name[0]) {
		size_t old_n = 0;
		free(files_list(final, true, &old_n));
		same = old_n == n;
	}
	return same;
}

/* Put the fresh export in place of the old one. */
static int export_swap(const char *fresh, const char *final, bool is_dir, sol_err *err)
{
	if (rename(fresh, final) == 0)
		return 0;
	if (is_dir && (errno == ENOTEMPTY || errno == EEXIST) &&
	    renameat2(AT_FDCWD, fresh, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
		export_remove(fresh); /* now the old export */
		return 0;
	}
	return sol_fail(err, SOL_EIO, final, "cannot replace the cached export: %s",
			strerror(errno));
}

/* ---- the cache ------------------------------------------------------------------------ */

/* The entry called name, most recently used now; a new empty one if absent. */
static cache_entry *entry_get(taxii_exports *x, const char *name)
{
	cache_entry *e = NULL;
	size_t i = 0;
	for (; i < x->n && !e; i++)
		if (strcmp(x->entries[i]->name, name) == 0)
			e = x->entries[i];
	if (e) {
		memmove(&x->entries[i - 1], &x->entries[i], (x->n - i) * sizeof *x->entries);
		x->entries[x->n - 1] = e;
		return e;
	}
	if (x->n == TAXII_EXPORT_CACHE_MAX) {
		entry_free(x->entries[0]); /* its files stay; a rebuild compares with them */
		memmove(&x->entries[0], &x->entries[1], (x->n - 1) * sizeof *x->entries);
		x->n--;
	}
	if (!x->entries)
		x->entries = xcalloc(TAXII_EXPORT_CACHE_MAX, sizeof *x->entries);
	e = xcalloc(1, sizeof *e);
	snprintf(e->name, sizeof e->name, "%s", name);
	e->built = SOL_TIME_NONE;
	x->entries[x->n++] = e;
	return e;
}

static bool generation_equal(const store_generation *a, const store_generation *b)
{
	return a->last_added == b->last_added && a->members == b->members && a->red == b->red;
}

/* Same atoms selected: nothing expired or became valid since. */
static bool selection_equal(const export_stats *a, const export_stats *b)
{
	return a->select.indicators == b->select.indicators && a->select.atoms == b->select.atoms &&
	       a->select.expired == b->select.expired && a->atoms == b->atoms &&
	       a->records == b->records && a->filtered == b->filtered;
}

/* Build (or recheck) entry e for the call; on failure e is left unbuilt. */
static int entry_build(taxii_exports *x, export_call *c, cache_entry *e,
		       const store_generation *gen, sol_time now, sol_err *err)
{
	store *st = c->site->st;
	bool recheck = e->built != SOL_TIME_NONE && generation_equal(&e->gen, gen);
	member_set ms;
	int rc = member_set_load(&ms, st, c->collection, &c->grant, err);
	char *final = xasprintf("%s/%s", x->dir, e->name);
	char *fresh = xasprintf("%s.new", final);
	char *state = xasprintf("export.http.%s", e->name);
	export_stats stats;
	export_remove(fresh); /* left by a crash */
	if (rc == 0) {
		export_opts o;
		export_opts_init(&o);
		o.format = c->format;
		o.select.benign = x->benign;
		o.select.now = now;
		o.tlp_max = c->tlp_max;
		o.kinds = c->kinds;
		o.visible = member_visible;
		o.visible_ctx = &ms;
		o.rpz_zone = x->rpz_zone;
		o.rpz_state = state;
		o.path = fresh;
		rc = export_write(st, &o, &stats, err);
	}
	member_set_fini(&ms);
	if (rc == 0 && recheck && selection_equal(&e->stats, &stats)) {
		export_remove(fresh);
	} else if (rc == 0) {
		size_t n;
		cache_file *files = files_list(fresh, c->is_dir, &n);
		if (n && files_compare(fresh, final, files, n))
			export_remove(fresh);
		else
			rc = export_swap(fresh, final, c->is_dir, err);
		if (rc == 0) {
			free(e->files);
			e->files = files;
			e->n_files = n;
			e->stats = stats;
		} else {
			free(files);
			export_remove(fresh);
		}
	}
	if (rc == 0) {
		e->gen = *gen;
		e->built = now;
	} else {
		e->built = SOL_TIME_NONE;
	}
	free(state);
	free(fresh);
	free(final);
	return rc;
}

/* ---- validators -------------------------------------------------------------------------- */

static const char *const days[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (no locale). */
static void http_date(time_t t, char out[40])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Parse an IMF-fixdate; false for anything else (the header is then
 * ignored, as RFC 9110 says for an invalid date). */
static bool http_date_parse(const char *s, time_t *out)
{
	char wd[4], mon[4];
	struct tm tm = {0};
	int used = 0;
	if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &tm.tm_mday, mon, &tm.tm_year,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 7 ||
	    used == 0 || s[used] != '\0')
		return false;
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(mon, months[i]) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0 || tm.tm_year < 1970)
		return false;
	tm.tm_year -= 1900;
	*out = timegm(&tm);
	return true;
}

/* If-None-Match: "*" or a list of entity tags, compared weakly. */
static bool etag_matches(const char *h, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = h;
	for (;;) {
		p += strspn(p, " \t,");
		if (!*p)
			return false;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '"') {
			const char *q = strchr(p + 1, '"');
			if (!q)
				return false;
			if ((size_t)(q + 1 - p) == n && memcmp(p, etag, n) == 0)
				return true;
			p = q + 1;
		} else {
			p += strcspn(p, ",");
		}
	}
}

static bool not_modified(const taxii_request *req, const char *etag, time_t mtime)
{
	if (req->if_none_match)
		return etag_matches(req->if_none_match, etag);
	time_t since;
	return req->if_modified_since && http_date_parse(req->if_modified_since, &since) &&
	       mtime <= since;
}

static const char *content_type(export_format f, const char *file)
{
	switch (f) {
	case EXPORT_STIX: return "application/stix+json;version=2.1";
	case EXPORT_MISP: {
		size_t n = strlen(file);
		return n > 5 && strcmp(file + n - 5, ".json") == 0 ? "application/json" : TEXT;
	}
	default: return TEXT;
	}
}

/* ---- the entry point ---------------------------------------------------------------------- */

/* Under the lock: bring the entry up to date, open the file asked for. */
static void answer(taxii_exports *x, export_call *c)
{
	char name[ENTRY_NAME_MAX];
	snprintf(name, sizeof name, "%s.%s.%s.%s.%x.%s", c->res->partner, c->collection,
		 export_format_name(c->format), stix_tlp_name(c->tlp_max), c->kinds,
		 c->grant.amber ? "amber" : "no-amber");
	sol_err e = {0};
	store_generation gen;
	int rc = store_generation_get(c->site->st, c->collection, c->res->partner, &gen, &e);
	if (rc != 0) {
		fail(c, 500, e.msg[0] ? e.msg : "the store failed");
		return;
	}
	cache_entry *en = entry_get(x, name);
	sol_time now = sol_time_now();
	if (en->built == SOL_TIME_NONE || !generation_equal(&en->gen, &gen) ||
	    now - en->built >= (sol_time)TAXII_EXPORT_RECHECK_S * 1000000) {
		rc = entry_build(x, c, en, &gen, now, &e);
		if (rc != 0) {
			fail(c, 500, e.msg[0] ? e.msg : "the export failed");
			return;
		}
	}
	const cache_file *f = NULL;
	for (size_t i = 0; i < en->n_files && !f; i++)
		if (strcmp(en->files[i].name, c->file) == 0)
			f = &en->files[i];
	if (!f) {
		fail(c, 404, "no such file in this export");
		return;
	}
	char *path = file_path(name, f->name);
	char *full = xasprintf("%s/%s", x->dir, path);
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	free(full);
	free(path);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0)
			close(fd);
		fail(c, 500, "the cached export cannot be read");
		return;
	}
	taxii_response *res = c->res;
	snprintf(res->etag, sizeof res->etag, "%s", f->etag);
	http_date(sb.st_mtim.tv_sec, res->last_modified);
	res->no_cache = true;
	if (not_modified(c->req, f->etag, sb.st_mtim.tv_sec)) {
		close(fd);
		res->status = 304;
		return;
	}
	res->status = 200;
	res->content_type = content_type(c->format, c->file);
	res->fd = fd;
	res->fd_size = (uint64_t)sb.st_size;
}

void taxii_exports_handle(const taxii_site *site, const taxii_request *req, taxii_response *res)
{
	export_call c = {.site = site, .req = req, .res = res};
	if (!route_parse(&c, req->path)) {
		fail(&c, 404, "no such export");
		return;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		fail(&c, 405, "exports are read with GET or HEAD");
		return;
	}
	int rc = taxii_partner_authenticate(site->st, req->authorization, res->partner);
	if (rc != 0) {
		res->partner[0] = '\0';
		fail(&c, rc == SOL_ENOTFOUND ? 401 : 500,
		     rc == SOL_ENOTFOUND ? "send a partner key (Bearer) or name and key (Basic)"
					 : "authentication failed");
		res->challenge = rc == SOL_ENOTFOUND;
		return;
	}
	if (!params_parse(&c))
		return;
	sol_err e = {0};
	rc = store_grant_get(site->st, c.collection, res->partner, &c.grant, &e);
	if (rc == SOL_ENOTFOUND || (rc == 0 && !c.grant.read)) {
		fail(&c, 404, "no such collection");
		return;
	}
	if (rc != 0) {
		fail(&c, 500, e.msg[0] ? e.msg : "the store failed");
		return;
	}
	if (!site->exports) {
		fail(&c, 503, "exports are not served");
		return;
	}
	pthread_mutex_lock(&site->exports->lock);
	answer(site->exports, &c);
	pthread_mutex_unlock(&site->exports->lock);
}
