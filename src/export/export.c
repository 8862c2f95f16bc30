/*
 * export.c - the part every export shares: options, the selection (one
 * index_select walk, filtered by TLP, source, kind and audience, copied
 * into an export_set), and files that appear all at once.
 *
 * Selection. index_select calls us once per kept atom, indicator after
 * indicator (date_added order). The per-indicator filters (tlp_max,
 * source, visible) are decided on the indicator's first atom and
 * remembered until the id changes; the kind filter is per atom. Kept
 * atoms are appended to a flat array whose strings live in one pool
 * (export_int.h). STIX needs no sorted atoms but every body, so stix.c
 * makes the same selection itself in its one walk over the bodies.
 *
 * Atomic output. A file is written to "<path>.tmp.<pid>" with a 1 MiB
 * stdio buffer (a fopencookie stream whose full buffers a writer thread
 * of the file's own writes while the export goes on, starting the
 * writeback of every EXPORT_WRITEBACK bytes, sync_file_range), fsync'd
 * and renamed over path. A directory is built at
 * "<path>.tmp.<pid>" and then renamed to path; if path already exists the
 * two are exchanged in one renameat2(RENAME_EXCHANGE) and the old tree,
 * now at the temporary name, is removed. Either way a reader sees the old
 * export or the new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/export_int.h"

#define EXPORT_STDIO_BUF (1u << 20)  /* bytes buffered per output file */
#define EXPORT_WRITEBACK (16u << 20) /* bytes written between writeback starts */
#define EXPORT_SLOTS 4               /* stdio buffers queued for a file's writer thread */
#define EXPORT_SORT_AHEAD 16         /* atoms prefetched ahead when moving them into order */
#define EXPORT_SORT_SMALL 32         /* runs of equal keys this short are sorted by qsort */
#define EXPORT_HUGE_MIN (2u << 20)   /* arrays from this size on ask for huge pages */

void export_opts_init(export_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = EXPORT_RPZ;
	index_lifetimes_init(&o->select.lifetimes);
	o->select.now = sol_time_now();
	o->tlp_max = TLP_RED;
	o->rpz_zone = EXPORT_RPZ_ZONE;
	o->rpz_policy = RPZ_NXDOMAIN;
}

/* ---- option parsing --------------------------------------------------- */

static uint32_t kind_bit(obs_kind k)
{
	return 1u << k;
}

static uint32_t kinds_of_word(const char *w, size_t n)
{
	if (n == 2 && memcmp(w, "ip", 2) == 0)
		return kind_bit(OBS_IPV4) | kind_bit(OBS_IPV6) | kind_bit(OBS_CIDR4) |
		       kind_bit(OBS_CIDR6);
	if (n == 4 && memcmp(w, "hash", 4) == 0)
		return kind_bit(OBS_MD5) | kind_bit(OBS_SHA1) | kind_bit(OBS_SHA256) |
		       kind_bit(OBS_SHA512);
	for (int k = OBS_NONE + 1; k < OBS_KIND_COUNT; k++) {
		const char *name = obs_kind_name((obs_kind)k);
		if (strlen(name) == n && memcmp(name, w, n) == 0)
			return kind_bit((obs_kind)k);
	}
	return 0;
}

int export_kinds_parse(const char *spec, uint32_t *kinds, sol_err *err)
{
	uint32_t mask = 0;
	const char *p = spec;
	for (;;) {
		size_t n = strcspn(p, ",");
		uint32_t bits = kinds_of_word(p, n);
		if (!bits)
			return sol_fail(err, SOL_EUSAGE, "--type",
					"unknown type '%.*s' (ip, domain, url, hash, email or a "
					"kind such as ipv4, cidr6, sha256)",
					(int)n, p);
		mask |= bits;
		if (!p[n])
			break;
		p += n + 1;
	}
	*kinds = mask;
	return 0;
}

int export_rpz_policy_parse(const char *spec, export_opts *o, sol_err *err)
{
	static const struct {
		const char *name;
		export_rpz_policy policy;
	} names[] = {{"nxdomain", RPZ_NXDOMAIN},
		     {"nodata", RPZ_NODATA},
		     {"drop", RPZ_DROP},
		     {"passthru", RPZ_PASSTHRU}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(spec, names[i].name) == 0) {
			o->rpz_policy = names[i].policy;
			return 0;
		}
	}
	if (strncmp(spec, "redirect=", 9) != 0)
		return sol_fail(err, SOL_EUSAGE, "--policy",
				"unknown RPZ policy '%s' (nxdomain, nodata, drop, passthru, "
				"redirect=NAME)",
				spec);
	const char *name = spec + 9;
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	obs_value v;
	if (n == 0 || n > EXPORT_NAME_MAX - 1 || obs_parse(name, n, OBS_DOMAIN, &v) != 0)
		return sol_fail(err, SOL_EUSAGE, "--policy",
				"redirect target '%s' is not a domain name", name);
	snprintf(o->rpz_redirect, sizeof o->rpz_redirect, "%s.", v.norm);
	o->rpz_policy = RPZ_REDIRECT;
	return 0;
}

/* ---- the selected set --------------------------------------------------- */

void export_set_init(export_set *s)
{
	memset(s, 0, sizeof *s);
	buf_init(&s->pool, SIZE_MAX);
}

void export_set_fini(export_set *s)
{
	free(s->atoms);
	free(s->inds);
	buf_fini(&s->pool);
}

/*
 * Ask for transparent huge pages under the large arrays of a selection
 * (atoms, indicators, the string pool, the sort's), which are filled
 * right after they grow. The first touch of each 4 KiB page is a fault,
 * and on this VM a fault traps to the hypervisor: the ~80,000 of a
 * million-atom export took a fifth of its time. The advice is kept when
 * glibc grows an mmap'd block with mremap; the kernel's THP mode here is
 * "madvise", so nothing else gets huge pages. Failure changes nothing.
 */
static void huge_advise(void *p, size_t n)
{
	if (n < EXPORT_HUGE_MIN)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)p & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + n + page - 1) & ~(page - 1);
	madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

/* xmalloc/xrealloc of an array that may be large (huge_advise). */
static void *big_realloc(void *p, size_t n)
{
	p = xrealloc(p, n);
	huge_advise(p, n);
	return p;
}

static size_t pool_add(export_set *s, const char *str, size_t n)
{
	size_t off = s->pool.len, cap = s->pool.cap;
	buf_append(&s->pool, str, n + 1); /* with its NUL; the cap is SIZE_MAX */
	if (s->pool.cap != cap)
		huge_advise(s->pool.data, s->pool.cap);
	return off;
}

size_t export_utoa(uint64_t v, char *out)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

/* Most comparisons end at the key, without touching the pool. */
static int atom_cmp(const void *pa, const void *pb, void *ctx)
{
	const export_set *s = ctx;
	const export_atom *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	int c = strcmp(export_value(s, a), export_value(s, b));
	if (c)
		return c;
	if (a->subdomains != b->subdomains)
		return a->subdomains ? 1 : -1;
	return strcmp(export_str(s, s->inds[a->ind].id), export_str(s, s->inds[b->ind].id));
}

/* A sort entry: an atom's key and its number. */
typedef struct sort_ent {
	uint64_t key; /* export_atom.key */
	uint32_t i;   /* index in export_set.atoms */
} sort_ent;

static int ent_cmp(const void *pa, const void *pb, void *ctx)
{
	const export_set *s = ctx;
	return atom_cmp(&s->atoms[((const sort_ent *)pa)->i], &s->atoms[((const sort_ent *)pb)->i],
			ctx);
}

/* Bytes depth .. depth + 7 of the atom's value, big-endian, 0 past its end. */
static uint64_t value_key(const export_set *s, const export_atom *x, size_t depth)
{
	const unsigned char *v = (const unsigned char *)export_value(s, x);
	uint64_t k = 0;
	for (size_t i = 0; i < 8; i++)
		k = k << 8 | (depth + i < x->len ? v[depth + i] : 0);
	return k;
}

/* LSD radix sort of a[0..n) by key, one byte per pass (a pass where every
 * key has the same byte is skipped), b as scratch; the result is in a. */
static void radix_sort(sort_ent *a, sort_ent *b, size_t n)
{
	size_t(*count)[256] = xcalloc(8, sizeof *count); /* 16 KiB: not on the stack */
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			count[d][(a[i].key >> (8 * d)) & 255]++;
	sort_ent *from = a, *to = b;
	for (int d = 0; d < 8; d++) {
		if (count[d][(from[0].key >> (8 * d)) & 255] == n)
			continue;
		size_t pos = 0;
		for (int v = 0; v < 256; v++) {
			size_t c = count[d][v];
			count[d][v] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[d][(from[i].key >> (8 * d)) & 255]++] = from[i];
		sort_ent *t = from;
		from = to;
		to = t;
	}
	if (from != a)
		memcpy(a, from, n * sizeof *a);
	free(count);
}

/* a[0..n) is in key order, the key holding the value's bytes before
 * depth: order each run of equal keys by the next eight bytes, and so on
 * (URLs share "http://"), and by atom_cmp once the values have ended
 * (equal values) or a run is short. */
static void sort_runs(const export_set *s, sort_ent *a, sort_ent *b, size_t n, size_t depth)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && a[j].key == a[i].key; j++)
			;
		size_t len = j - i;
		if (len < 2)
			continue;
		if (len <= EXPORT_SORT_SMALL || (a[i].key & 255) == 0) {
			qsort_r(a + i, len, sizeof *a, ent_cmp, (void *)s);
			continue;
		}
		for (size_t k = i; k < j; k++)
			a[k].key = value_key(s, &s->atoms[a[k].i], depth);
		radix_sort(a + i, b + i, len);
		sort_runs(s, a + i, b + i, len, depth + 8);
	}
}

/*
 * Radix sorts of (key, number) pairs: by export_atom.key (kind and the
 * first seven bytes of the value), then each run of equal keys by the
 * next eight bytes, and so on, finishing with atom_cmp on short runs and
 * equal values; then one gather moves the atoms into order, prefetching
 * ahead (permuting in place is a chain of dependent cache misses).
 * Sorting the 48-byte atoms themselves with qsort cost a tenth of an
 * export; qsort on the runs, a tenth of that again (every URL starts
 * "http").
 */
void export_set_sort(export_set *s)
{
	size_t n = s->n;
	if (n < 2)
		return;
	sort_ent *a = big_realloc(NULL, n * sizeof *a), *b = big_realloc(NULL, n * sizeof *b);
	for (size_t i = 0; i < n; i++)
		a[i] = (sort_ent){s->atoms[i].key, (uint32_t)i};
	radix_sort(a, b, n);
	sort_runs(s, a, b, n, 7);
	free(b);
	export_atom *sorted = big_realloc(NULL, n * sizeof *sorted);
	for (size_t i = 0; i < n; i++) {
		if (i + EXPORT_SORT_AHEAD < n) /* independent loads overlap: start them early */
			__builtin_prefetch(&s->atoms[a[i + EXPORT_SORT_AHEAD].i]);
		sorted[i] = s->atoms[a[i].i];
	}
	free(s->atoms);
	s->atoms = sorted;
	s->cap = n;
	free(a);
}

bool export_atom_dup(const export_set *s, size_t i)
{
	if (i == 0)
		return false;
	const export_atom *a = &s->atoms[i - 1], *b = &s->atoms[i];
	return a->kind == b->kind && a->len == b->len &&
	       memcmp(export_value(s, a), export_value(s, b), a->len) == 0;
}

struct collect {
	export_set *s;        /* destination */
	const export_opts *o; /* filters */
	export_stats *stats;  /* counters */
	char last_id[128];    /* indicator decided last */
	bool keep;            /* its verdict */
	uint32_t ind;         /* its index in s->inds when kept */
};

bool export_kind_kept(const export_opts *o, obs_kind k)
{
	return !o->kinds || (o->kinds & kind_bit(k));
}

bool export_indicator_kept(const export_opts *o, const store_indicator *ind)
{
	if (ind->tlp > o->tlp_max)
		return false;
	if (o->source && strcmp(o->source, ind->source) != 0)
		return false;
	return !o->visible || o->visible(o->visible_ctx, ind);
}

static uint32_t indicator_add(export_set *s, const store_indicator *ind)
{
	if (s->n_inds == s->cap_inds) {
		s->cap_inds = s->cap_inds ? s->cap_inds * 2 : 1024;
		s->inds = big_realloc(s->inds, s->cap_inds * sizeof *s->inds);
	}
	export_ind *e = &s->inds[s->n_inds];
	e->id = pool_add(s, ind->id, strlen(ind->id));
	/* a few sources for a million indicators: share the previous one's copy */
	const export_ind *prev = s->n_inds ? e - 1 : NULL;
	e->source = prev && strcmp(export_str(s, prev->source), ind->source) == 0
			? prev->source
			: pool_add(s, ind->source, strlen(ind->source));
	e->tlp = ind->tlp;
	e->confidence = ind->confidence;
	e->valid_until = ind->valid_until;
	return (uint32_t)s->n_inds++;
}

static int collect_atom(void *ctx, const index_selected *sel)
{
	struct collect *c = ctx;
	export_set *s = c->s;
	if (strcmp(c->last_id, sel->ind->id) != 0) {
		snprintf(c->last_id, sizeof c->last_id, "%s", sel->ind->id);
		c->keep = export_indicator_kept(c->o, sel->ind);
		if (c->keep)
			c->ind = indicator_add(s, sel->ind);
	}
	const obs_value *v = sel->value;
	if (!c->keep || !export_kind_kept(c->o, v->kind)) {
		c->stats->filtered++;
		return 0;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->atoms = big_realloc(s->atoms, s->cap * sizeof *s->atoms);
	}
	export_atom *a = &s->atoms[s->n++];
	a->key = (uint64_t)v->kind << 56;
	for (size_t i = 0; i < 7 && i < v->len; i++)
		a->key |= (uint64_t)(uint8_t)v->norm[i] << (48 - 8 * i);
	a->value = pool_add(s, v->norm, v->len);
	a->len = (uint32_t)v->len;
	a->ind = c->ind;
	a->kind = v->kind;
	a->subdomains = sel->atom->subdomains;
	a->prefix = v->prefix;
	memcpy(a->addr, v->addr, sizeof a->addr);
	c->stats->atoms++;
	return 0;
}

int export_write(store *st, const export_opts *o, export_stats *stats, sol_err *err)
{
	export_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	if (!o->path || !*o->path)
		return sol_fail(err, SOL_EUSAGE, "--output", "an export needs an output path");
	if ((unsigned)o->format >= EXPORT_FORMAT_COUNT)
		return sol_fail(err, SOL_EUSAGE, NULL, "unknown export format %d", (int)o->format);

	if (o->format == EXPORT_STIX)
		return export_stix_write(st, o, stats, err);

	export_set s;
	export_set_init(&s);
	struct collect c = {.s = &s, .o = o, .stats = stats};
	int rc = index_select(st, &o->select, collect_atom, &c, NULL, NULL, &stats->select, err);
	if (rc == 0) {
		export_set_sort(&s);
		switch (o->format) {
		case EXPORT_RPZ: rc = export_rpz_write(st, &s, o, stats, err); break;
		case EXPORT_NFT: rc = export_nft_write(&s, o, stats, err); break;
		case EXPORT_SURICATA: rc = export_suricata_write(&s, o, stats, err); break;
		case EXPORT_ZEEK: rc = export_zeek_write(&s, o, stats, err); break;
		case EXPORT_CSV: rc = export_csv_write(&s, o, stats, err); break;
		case EXPORT_MISP: rc = export_misp_write(st, &s, o, stats, err); break;
		case EXPORT_STIX:
		case EXPORT_FORMAT_COUNT: rc = SOL_EINTERNAL; break;
		}
	}
	export_set_fini(&s);
	return rc;
}

/* ---- files and directories that appear complete --------------------- */

static int io_fail(sol_err *err, const char *path, const char *what)
{
	return sol_fail(err, SOL_EIO, path, "%s failed: %s", what, strerror(errno));
}

/*
 * The stream's sink: a ring of EXPORT_SLOTS buffers that the export's
 * thread fills (stdio calls sink_write with its full buffer) and a writer
 * thread of the file's own empties with write(2), starting the writeback
 * of every EXPORT_WRITEBACK bytes. The kernel's copy into the page cache
 * is a fifth of a large export's time; this way it runs on the other core
 * while the export formats what comes next. A write error is kept and
 * returned by every later sink_write and by sink_drain.
 */
typedef struct export_sink {
	int fd;                   /* the temporary file */
	pthread_t thread;         /* the writer */
	pthread_mutex_t lock;     /* guards the fields below */
	pthread_cond_t moved;     /* a slot was filled or emptied, or closing was set */
	char *slot[EXPORT_SLOTS]; /* EXPORT_STDIO_BUF bytes each, allocated on first use */
	size_t len[EXPORT_SLOTS]; /* bytes in each */
	uint64_t filled;          /* slots filled so far; the next is filled % EXPORT_SLOTS */
	uint64_t emptied;         /* slots written so far */
	bool closing;             /* no slot will be filled again */
	int error;                /* errno of the first failed write; 0 */
	off_t written;            /* bytes written (writer thread only) */
	off_t started;            /* bytes whose writeback was started (writer thread only) */
} export_sink;

/* Write p[0..n) to the file; 0 or an errno. */
static int sink_out(export_sink *k, const char *p, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(k->fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		done += (size_t)w;
	}
	k->written += (off_t)n;
	if (k->written - k->started >= EXPORT_WRITEBACK) {
		sync_file_range(k->fd, k->started, k->written - k->started, SYNC_FILE_RANGE_WRITE);
		k->started = k->written;
	}
	return 0;
}

/* The writer thread: empty the slots in order until closing. After an
 * error the slots are emptied unwritten, so the export never waits. */
static void *sink_main(void *arg)
{
	export_sink *k = arg;
	pthread_mutex_lock(&k->lock);
	for (;;) {
		while (k->emptied == k->filled && !k->closing)
			pthread_cond_wait(&k->moved, &k->lock);
		if (k->emptied == k->filled)
			break;
		size_t i = k->emptied % EXPORT_SLOTS;
		bool failed = k->error != 0;
		pthread_mutex_unlock(&k->lock);
		int e = failed ? 0 : sink_out(k, k->slot[i], k->len[i]);
		pthread_mutex_lock(&k->lock);
		if (e)
			k->error = e;
		k->emptied++;
		pthread_cond_broadcast(&k->moved);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/* stdio's write: copy p into the free slots, waiting for the writer when
 * all are queued. */
static ssize_t sink_write(void *cookie, const char *p, size_t n)
{
	export_sink *k = cookie;
	size_t done = 0;
	pthread_mutex_lock(&k->lock);
	while (done < n && !k->error) {
		while (k->filled - k->emptied == EXPORT_SLOTS)
			pthread_cond_wait(&k->moved, &k->lock);
		size_t i = k->filled % EXPORT_SLOTS, c = n - done;
		pthread_mutex_unlock(&k->lock);
		if (c > EXPORT_STDIO_BUF)
			c = EXPORT_STDIO_BUF;
		if (!k->slot[i])
			k->slot[i] = xmalloc(EXPORT_STDIO_BUF);
		memcpy(k->slot[i], p + done, c);
		k->len[i] = c;
		done += c;
		pthread_mutex_lock(&k->lock);
		k->filled++;
		pthread_cond_broadcast(&k->moved);
	}
	int e = k->error;
	pthread_mutex_unlock(&k->lock);
	if (e) {
		errno = e;
		return -1;
	}
	return (ssize_t)n;
}

/* Wait until every filled slot is written; 0 or the errno of a failed
 * write. */
static int sink_drain(export_sink *k)
{
	pthread_mutex_lock(&k->lock);
	while (k->emptied != k->filled)
		pthread_cond_wait(&k->moved, &k->lock);
	int e = k->error;
	pthread_mutex_unlock(&k->lock);
	return e;
}

static int sink_close(void *cookie)
{
	export_sink *k = cookie;
	pthread_mutex_lock(&k->lock);
	k->closing = true;
	pthread_cond_broadcast(&k->moved);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	int rc = close(k->fd);
	for (size_t i = 0; i < EXPORT_SLOTS; i++)
		free(k->slot[i]);
	pthread_cond_destroy(&k->moved);
	pthread_mutex_destroy(&k->lock);
	free(k);
	return rc;
}

int export_file_open(export_file *ef, const char *path, sol_err *err)
{
	memset(ef, 0, sizeof *ef);
	ef->path = path;
	ef->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	ef->fd = open(ef->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (ef->fd < 0) {
		int rc = io_fail(err, ef->tmp, "create");
		free(ef->tmp);
		ef->tmp = NULL;
		return rc;
	}
	export_sink *k = xcalloc(1, sizeof *k);
	k->fd = ef->fd;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->moved, NULL);
	if (pthread_create(&k->thread, NULL, sink_main, k) != 0)
		abort(); /* only for want of memory or threads */
	ef->sink = k;
	ef->f =
	    fopencookie(k, "w", (cookie_io_functions_t){.write = sink_write, .close = sink_close});
	if (!ef->f)
		abort(); /* fopencookie fails only for want of memory */
	ef->vbuf = xmalloc(EXPORT_STDIO_BUF);
	setvbuf(ef->f, ef->vbuf, _IOFBF, EXPORT_STDIO_BUF);
	return 0;
}

static void file_release(export_file *ef)
{
	free(ef->tmp);
	free(ef->vbuf);
	memset(ef, 0, sizeof *ef);
}

int export_file_pwrite(export_file *ef, const void *p, size_t n, off_t at, sol_err *err)
{
	int e;
	if (fflush(ef->f) != 0 || ferror(ef->f))
		return io_fail(err, ef->tmp, "write");
	if ((e = sink_drain(ef->sink)) != 0) {
		errno = e;
		return io_fail(err, ef->tmp, "write");
	}
	if (pwrite(ef->fd, p, n, at) != (ssize_t)n)
		return io_fail(err, ef->tmp, "write");
	return 0;
}

int export_file_commit(export_file *ef, sol_err *err)
{
	int rc = 0, e;
	if (fflush(ef->f) != 0 || ferror(ef->f)) {
		rc = io_fail(err, ef->tmp, "write");
	} else if ((e = sink_drain(ef->sink)) != 0) {
		errno = e;
		rc = io_fail(err, ef->tmp, "write");
	} else if (fsync(ef->fd) != 0) {
		rc = io_fail(err, ef->tmp, "fsync");
	}
	if (fclose(ef->f) != 0 && rc == 0)
		rc = io_fail(err, ef->tmp, "close");
	if (rc == 0 && rename(ef->tmp, ef->path) != 0)
		rc = io_fail(err, ef->path, "rename");
	if (rc)
		unlink(ef->tmp);
	file_release(ef);
	return rc;
}

void export_file_abort(export_file *ef)
{
	if (ef->f) {
		fclose(ef->f);
		unlink(ef->tmp);
	}
	file_release(ef);
}

int export_dir_open(export_dir *ed, const char *path, sol_err *err)
{
	ed->path = path;
	ed->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	if (mkdir(ed->tmp, 0755) != 0) {
		int rc = io_fail(err, ed->tmp, "mkdir");
		free(ed->tmp);
		ed->tmp = NULL;
		return rc;
	}
	return 0;
}

char *export_dir_file(const export_dir *ed, const char *name)
{
	return xasprintf("%s/%s", ed->tmp, name);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tree_remove(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int export_dir_commit(export_dir *ed, sol_err *err)
{
	int rc = 0;
	if (rename(ed->tmp, ed->path) != 0) {
		if (errno != ENOTEMPTY && errno != EEXIST)
			rc = io_fail(err, ed->path, "rename");
		else if (renameat2(AT_FDCWD, ed->tmp, AT_FDCWD, ed->path, RENAME_EXCHANGE) != 0)
			rc = io_fail(err, ed->path, "rename (exchange)");
	}
	tree_remove(ed->tmp); /* the old export, or the new one after a failure */
	free(ed->tmp);
	ed->tmp = NULL;
	return rc;
}

void export_dir_abort(export_dir *ed)
{
	if (ed->tmp)
		tree_remove(ed->tmp);
	free(ed->tmp);
	ed->tmp = NULL;
}
