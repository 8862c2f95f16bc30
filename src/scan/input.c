/*
 * input.c - where log bytes come from: files, directories, standard input,
 * gzip and zstd streams; in parallel when asked, and followed as they grow.
 *
 * Work is a list of jobs in input order. A plain file is mapped and cut into
 * SCAN_CHUNK-sized jobs at line boundaries; anything else (stdin, a
 * compressed stream) is one job read through a small decompressing source.
 * With one thread, jobs run in the caller and hits go straight to the
 * callback. With N threads, workers take jobs in order, keep each job's
 * hits as compact records in the job's own buffer, and the calling thread
 * replays them job by job, in order, adding the line count of the chunks
 * before (a worker numbers its chunk's lines from 1). So the output is
 * byte-identical whatever N is. At most 2N jobs are in flight, which bounds
 * the memory held by hits waiting for their turn.
 *
 * A chunk of a Zeek TSV file that does not start at a header is primed with
 * the last header block before it (found by one memmem pass over the file),
 * so every chunk knows the columns.
 *
 * Follow mode reads one input as it grows, sleeping briefly at its end;
 * it notices rotation (the path names another inode: the old file is read
 * to its end first), truncation (the file got shorter: start over), and a
 * newly compiled snapshot (index_path replaced: open it, swap it in).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "scan/scan.h"

#define INPUT_READ 65536       /* bytes read from a stream at a time */
#define INPUT_MAX_FILES 100000 /* files one run may expand to */
#define FOLLOW_SLEEP_MS 100    /* pause at the end of a followed file */

void scan_opts_init(scan_opts *o)
{
	memset(o, 0, sizeof *o);
	o->threads = 1;
}

/* ---- the list of files ---------------------------------------------- */

typedef struct file_list {
	char **v;   /* paths, owned */
	size_t n;   /* count */
	size_t cap; /* allocated */
} file_list;

static void files_add(file_list *l, const char *path)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = xstrdup(path);
}

static void files_free(file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add path, or the regular files under it in name order. */
static int files_expand(file_list *l, const char *path, int depth, sol_err *err)
{
	struct stat st;
	if (strcmp(path, "-") == 0) {
		files_add(l, path);
		return 0;
	}
	if (stat(path, &st) != 0)
		return sol_fail(err, SOL_EIO, path, "cannot open: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		files_add(l, path);
		return l->n > INPUT_MAX_FILES
			   ? sol_fail(err, SOL_ETOOBIG, path, "more than %d input files",
				      INPUT_MAX_FILES)
			   : 0;
	}
	if (depth > 32)
		return sol_fail(err, SOL_ETOOBIG, path, "directories nested too deep");
	DIR *d = opendir(path);
	if (!d)
		return sol_fail(err, SOL_EIO, path, "cannot open directory: %s", strerror(errno));
	file_list names = {0};
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			files_add(&names, e->d_name);
	closedir(d);
	qsort(names.v, names.n, sizeof *names.v, name_cmp);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		char *sub = xasprintf("%s/%s", path, names.v[i]);
		struct stat sst;
		if (stat(sub, &sst) == 0 && (S_ISREG(sst.st_mode) || S_ISDIR(sst.st_mode)))
			rc = files_expand(l, sub, depth + 1, err);
		free(sub);
	}
	files_free(&names);
	return rc;
}

/* ---- decompressing sources ------------------------------------------ */

typedef enum { SRC_PLAIN, SRC_GZIP, SRC_ZSTD } src_kind;

typedef struct src {
	int fd;                       /* input */
	src_kind kind;                /* compression */
	z_stream z;                   /* gzip state */
	ZSTD_DStream *zs;             /* zstd state */
	unsigned char in[INPUT_READ]; /* compressed bytes read, not yet used */
	size_t in_len;                /* bytes in `in` */
	size_t in_pos;                /* next byte of `in` to use */
	bool in_eof;                  /* fd is at its end */
	bool z_done;                  /* gzip: member ended, maybe another follows */
	uint64_t offset;              /* compressed bytes consumed, for errors */
} src;

static src_kind sniff(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return SRC_GZIP;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return SRC_ZSTD;
	return SRC_PLAIN;
}

static int src_fill(src *s, const char *name, sol_err *err)
{
	if (s->in_pos < s->in_len || s->in_eof)
		return 0;
	ssize_t n;
	do
		n = read(s->fd, s->in, sizeof s->in);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sol_fail(err, SOL_EIO, name, "read failed: %s", strerror(errno));
	s->in_len = (size_t)n;
	s->in_pos = 0;
	s->in_eof = n == 0;
	return 0;
}

/* Start reading fd: peek at the magic bytes and set up the decoder. */
static int src_open(src *s, int fd, const char *name, sol_err *err)
{
	memset(s, 0, offsetof(src, in));
	s->in_len = s->in_pos = 0;
	s->in_eof = false;
	s->fd = fd;
	int rc = src_fill(s, name, err);
	if (rc)
		return rc;
	s->kind = sniff(s->in, s->in_len);
	if (s->kind == SRC_GZIP && inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
		return sol_fail(err, SOL_EINTERNAL, name, "cannot start gzip decoder");
	if (s->kind == SRC_ZSTD && !(s->zs = ZSTD_createDStream()))
		return sol_fail(err, SOL_EINTERNAL, name, "cannot start zstd decoder");
	return 0;
}

static void src_close(src *s)
{
	if (s->kind == SRC_GZIP)
		inflateEnd(&s->z);
	if (s->zs)
		ZSTD_freeDStream(s->zs);
	s->zs = NULL;
}

/* Up to cap decompressed bytes into out; 0 at the end of the input. */
static int src_read(src *s, char *out, size_t cap, size_t *got, const char *name, sol_err *err)
{
	*got = 0;
	while (*got == 0) {
		int rc = src_fill(s, name, err);
		if (rc)
			return rc;
		size_t avail = s->in_len - s->in_pos;
		if (avail == 0 && s->in_eof) {
			if (s->kind == SRC_GZIP && !s->z_done && s->offset > 0)
				return sol_fail(err, SOL_EPARSE, name,
						"gzip stream truncated at byte %llu",
						(unsigned long long)s->offset);
			return 0;
		}
		if (s->kind == SRC_PLAIN) {
			size_t n = avail < cap ? avail : cap;
			memcpy(out, s->in + s->in_pos, n);
			s->in_pos += n;
			s->offset += n;
			*got = n;
		} else if (s->kind == SRC_GZIP) {
			if (s->z_done) {
				inflateReset(&s->z);
				s->z_done = false;
			}
			s->z.next_in = s->in + s->in_pos;
			s->z.avail_in = (uInt)avail;
			s->z.next_out = (Bytef *)out;
			s->z.avail_out = (uInt)cap;
			int zr = inflate(&s->z, Z_NO_FLUSH);
			size_t used = avail - s->z.avail_in;
			s->in_pos += used;
			s->offset += used;
			*got = cap - s->z.avail_out;
			if (zr == Z_STREAM_END)
				s->z_done = true;
			else if (zr != Z_OK && zr != Z_BUF_ERROR)
				return sol_fail(err, SOL_EPARSE, name,
						"corrupt gzip stream near byte %llu: %s",
						(unsigned long long)s->offset,
						s->z.msg ? s->z.msg : "inflate failed");
			else if (zr == Z_BUF_ERROR && used == 0 && *got == 0 && s->in_eof)
				return sol_fail(err, SOL_EPARSE, name,
						"gzip stream truncated at byte %llu",
						(unsigned long long)s->offset);
		} else {
			ZSTD_inBuffer ib = {s->in + s->in_pos, avail, 0};
			ZSTD_outBuffer ob = {out, cap, 0};
			size_t zr = ZSTD_decompressStream(s->zs, &ob, &ib);
			s->in_pos += ib.pos;
			s->offset += ib.pos;
			*got = ob.pos;
			if (ZSTD_isError(zr))
				return sol_fail(
				    err, SOL_EPARSE, name, "corrupt zstd stream near byte %llu: %s",
				    (unsigned long long)s->offset, ZSTD_getErrorName(zr));
			if (zr != 0 && ib.pos == 0 && ob.pos == 0 && s->in_eof)
				return sol_fail(err, SOL_EPARSE, name,
						"zstd stream truncated at byte %llu",
						(unsigned long long)s->offset);
		}
	}
	return 0;
}

/* ---- jobs ------------------------------------------------------------ */

typedef struct job {
	const char *name;       /* input name (borrowed from the file list) */
	const char *data;       /* mapped chunk, or NULL for a stream */
	size_t len;             /* chunk length */
	bool last;              /* last chunk of its file */
	const char *prime;      /* Zeek header block to prime with, or NULL */
	size_t prime_len;       /* its length */
	scan_format format;     /* format of the file */
	uint64_t lines;         /* lines the chunk had (set when done) */
	sol_buf hits;           /* threaded: hit records for replay */
	scan_stats stats;       /* counters of this job */
	int rc;                 /* job result */
	sol_err err;            /* job error */
	bool done;              /* worker finished it */
	struct job *next_chunk; /* next chunk of the same file, or NULL */
} job;

/* A hit record in job.hits: fixed part, then field and observed bytes. */
typedef struct hit_rec {
	uint64_t line;      /* chunk-relative line */
	sol_time ts;        /* record time */
	index_hit hit;      /* what matched (points into the snapshot) */
	obs_kind kind;      /* observed kind */
	uint16_t field_len; /* bytes of field that follow */
	uint16_t value_len; /* bytes of observed value after the field */
} hit_rec;

static int record_hit(void *ctx, const scan_hit *h)
{
	job *j = ctx;
	size_t flen = strlen(h->field);
	hit_rec r = {.line = h->line,
		     .ts = h->ts,
		     .hit = *h->hit,
		     .kind = h->observed->kind,
		     .field_len = (uint16_t)(flen > 255 ? 255 : flen),
		     .value_len = (uint16_t)h->observed->len};
	if (buf_append(&j->hits, &r, sizeof r) || buf_append(&j->hits, h->field, r.field_len) ||
	    buf_append(&j->hits, h->observed->norm, r.value_len))
		return SOL_ETOOBIG;
	return 0;
}

/* A direct callback, with the line numbers shifted by `base`. */
typedef struct direct {
	scan_hit_fn fn; /* the caller's */
	void *ctx;      /* its context */
	uint64_t base;  /* lines before this chunk */
} direct;

static int direct_hit(void *ctx, const scan_hit *h)
{
	direct *d = ctx;
	if (d->base == 0)
		return d->fn(d->ctx, h);
	scan_hit shifted = *h;
	shifted.line += d->base;
	return d->fn(d->ctx, &shifted);
}

static void stats_add(scan_stats *t, const scan_stats *s)
{
	t->lines += s->lines;
	t->bytes += s->bytes;
	t->values += s->values;
	t->hits += s->hits;
	t->skipped += s->skipped;
}

/* Run one job: to fn directly (fn != NULL) or into j->hits. */
static void job_run(job *j, const index_snapshot *ix, scan_hit_fn fn, void *ctx)
{
	scan_reader *r = scan_reader_new(ix, j->format, j->name);
	if (j->prime) {
		scan_reader *p = scan_reader_new(ix, SCAN_ZEEK_TSV, j->name);
		scan_reader_feed(p, j->prime, j->prime_len, false, NULL, NULL);
		scan_reader_inherit(r, p, 1);
		scan_reader_free(p);
	}
	scan_hit_fn f = fn ? fn : record_hit;
	void *c = fn ? ctx : j;
	if (j->data) {
		j->rc = scan_reader_feed(r, j->data, j->len, true, f, c);
	} else {
		src s;
		int fd = strcmp(j->name, "-") == 0 ? 0 : open(j->name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			j->rc =
			    sol_fail(&j->err, SOL_EIO, j->name, "cannot open: %s", strerror(errno));
		} else {
			char *out = xmalloc(INPUT_READ * 4);
			j->rc = src_open(&s, fd, j->name, &j->err);
			while (j->rc == 0) {
				size_t got;
				j->rc = src_read(&s, out, INPUT_READ * 4, &got, j->name, &j->err);
				if (j->rc == 0)
					j->rc = scan_reader_feed(r, out, got, got == 0, f, c);
				if (got == 0)
					break;
			}
			src_close(&s);
			free(out);
			if (fd > 0)
				close(fd);
		}
	}
	j->stats = *scan_reader_stats(r);
	j->lines = j->stats.lines;
	scan_reader_free(r);
}

/* ---- planning: files into jobs --------------------------------------- */

typedef struct mapping {
	void *addr; /* mmap of a plain file */
	size_t len; /* its length */
} mapping;

typedef struct plan {
	job *jobs;     /* in input order */
	size_t n, cap; /* jobs */
	mapping *maps; /* files mapped */
	size_t n_maps, cap_maps;
} plan;

static job *plan_add(plan *p)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->jobs = xrealloc(p->jobs, p->cap * sizeof *p->jobs);
	}
	job *j = &p->jobs[p->n++];
	memset(j, 0, sizeof *j);
	buf_init(&j->hits, (size_t)1 << 34);
	return j;
}

/* The Zeek header block starting at h: every line that starts with '#'. */
static size_t header_block(const char *h, const char *end)
{
	const char *p = h;
	while (p < end && *p == '#') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	return (size_t)(p - h);
}

/* Cut a mapped file into chunk jobs. */
static void plan_chunks(plan *p, const char *name, const char *data, size_t len, scan_format fmt,
			size_t chunk)
{
	const char *end = data + len;
	const char *last_hdr = NULL, *hdr_scan = data;
	if (len >= 10 && memcmp(data, "#separator", 10) == 0)
		last_hdr = data;
	size_t first = p->n;
	const char *s = data;
	do {
		const char *e = len - (size_t)(s - data) > chunk ? s + chunk : end;
		if (e < end) {
			const char *nl = memchr(e, '\n', (size_t)(end - e));
			e = nl ? nl + 1 : end;
		}
		job *j = plan_add(p);
		j->name = name;
		j->data = s;
		j->len = (size_t)(e - s);
		j->format = fmt;
		if (fmt == SCAN_ZEEK_TSV && s > data) {
			const char *q;
			while ((q = memmem(hdr_scan, (size_t)(s - hdr_scan), "\n#separator", 11))) {
				last_hdr = q + 1;
				hdr_scan = q + 1;
			}
			hdr_scan = s > data + 10 ? s - 10 : data;
			if (last_hdr && last_hdr != s) {
				j->prime = last_hdr;
				j->prime_len = header_block(last_hdr, end);
			}
		}
		s = e;
	} while (s < end);
	for (size_t i = first; i + 1 < p->n; i++)
		p->jobs[i].next_chunk = &p->jobs[i + 1];
	p->jobs[p->n - 1].last = true;
}

static int plan_file(plan *p, const char *name, const scan_opts *o, sol_err *err)
{
	job *j;
	if (strcmp(name, "-") != 0) {
		int fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return sol_fail(err, SOL_EIO, name, "cannot open: %s", strerror(errno));
		struct stat st;
		unsigned char magic[4] = {0};
		ssize_t n = pread(fd, magic, sizeof magic, 0);
		bool plain = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && n >= 0 &&
			     sniff(magic, (size_t)n) == SRC_PLAIN;
		if (plain && st.st_size > 0) {
			void *addr = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			close(fd);
			if (addr == MAP_FAILED)
				return sol_fail(err, SOL_EIO, name, "cannot map: %s",
						strerror(errno));
			madvise(addr, (size_t)st.st_size, MADV_SEQUENTIAL);
			if (p->n_maps == p->cap_maps) {
				p->cap_maps = p->cap_maps ? p->cap_maps * 2 : 8;
				p->maps = xrealloc(p->maps, p->cap_maps * sizeof *p->maps);
			}
			p->maps[p->n_maps++] = (mapping){addr, (size_t)st.st_size};
			size_t len = (size_t)st.st_size;
			scan_format fmt = o->format != SCAN_AUTO
					      ? o->format
					      : scan_detect(addr, len < 65536 ? len : 65536);
			plan_chunks(p, name, addr, len, fmt, o->threads > 1 ? SCAN_CHUNK : len);
			return 0;
		}
		close(fd);
		if (plain) {
			j = plan_add(p);
			j->name = name;
			j->data = "";
			j->last = true;
			j->format = o->format;
			return 0;
		}
	}
	j = plan_add(p);
	j->name = name;
	j->format = o->format;
	j->last = true;
	return 0;
}

static void plan_free(plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		buf_fini(&p->jobs[i].hits);
	free(p->jobs);
	for (size_t i = 0; i < p->n_maps; i++)
		munmap(p->maps[i].addr, p->maps[i].len);
	free(p->maps);
}

/* ---- running the plan ------------------------------------------------ */

typedef struct pool {
	plan *p;                  /* jobs */
	const index_snapshot *ix; /* shared, read-only */
	pthread_mutex_t mu;       /* guards next, replayed, done flags */
	pthread_cond_t cv;        /* signalled on job done and on replay progress */
	size_t next;              /* next job to take */
	size_t replayed;          /* jobs replayed by the caller */
	size_t window;            /* jobs allowed in flight past `replayed` */
	bool stop;                /* the caller gave up */
} pool;

static void *worker(void *arg)
{
	pool *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->stop && w->next < w->p->n && w->next >= w->replayed + w->window)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop || w->next >= w->p->n) {
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		job *j = &w->p->jobs[w->next++];
		pthread_mutex_unlock(&w->mu);
		job_run(j, w->ix, NULL, NULL);
		pthread_mutex_lock(&w->mu);
		j->done = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}

/* Deliver a job's recorded hits, lines shifted by base. */
static int replay(job *j, uint64_t base, scan_hit_fn fn, void *ctx)
{
	const char *p = j->hits.data, *end = p + j->hits.len;
	obs_value v;
	char field[256];
	while (p < end) {
		hit_rec r;
		memcpy(&r, p, sizeof r);
		p += sizeof r;
		memcpy(field, p, r.field_len);
		field[r.field_len] = '\0';
		p += r.field_len;
		v.kind = r.kind;
		v.len = r.value_len;
		memcpy(v.norm, p, r.value_len);
		v.norm[r.value_len] = '\0';
		p += r.value_len;
		scan_hit h = {.input = j->name,
			      .line = r.line + base,
			      .ts = r.ts,
			      .field = field,
			      .observed = &v,
			      .hit = &r.hit};
		int rc = fn(ctx, &h);
		if (rc)
			return rc;
	}
	return 0;
}

static int run_plan(plan *p, const index_snapshot *ix, int threads, scan_hit_fn fn, void *ctx,
		    scan_stats *total, sol_err *err)
{
	int rc = 0;
	uint64_t base = 0;
	if (threads <= 1) {
		for (size_t i = 0; rc == 0 && i < p->n; i++) {
			job *j = &p->jobs[i];
			direct d = {fn, ctx, base};
			job_run(j, ix, direct_hit, &d);
			stats_add(total, &j->stats);
			base = j->last ? 0 : base + j->lines;
			rc = j->rc;
			if (rc && j->err.code)
				*err = j->err;
		}
		return rc;
	}
	pool w = {.p = p, .ix = ix, .window = (size_t)threads * 2};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	pthread_t *tids = xmalloc((size_t)threads * sizeof *tids);
	for (int t = 0; t < threads; t++)
		pthread_create(&tids[t], NULL, worker, &w);
	for (size_t i = 0; i < p->n; i++) {
		job *j = &p->jobs[i];
		pthread_mutex_lock(&w.mu);
		while (!j->done)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		if (rc == 0) {
			rc = j->rc;
			if (rc && j->err.code)
				*err = j->err;
			if (rc == 0)
				rc = replay(j, base, fn, ctx);
			stats_add(total, &j->stats);
		}
		base = j->last ? 0 : base + j->lines;
		buf_fini(&j->hits);
		pthread_mutex_lock(&w.mu);
		w.replayed = i + 1;
		if (rc)
			w.stop = true;
		pthread_cond_broadcast(&w.cv);
		pthread_mutex_unlock(&w.mu);
	}
	for (int t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	free(tids);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return rc;
}

/* ---- follow mode ----------------------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Has the snapshot at path been replaced since we opened `seen`? */
static bool index_replaced(const char *path, struct stat *seen)
{
	struct stat st;
	if (!path || stat(path, &st) != 0)
		return false;
	return st.st_ino != seen->st_ino || st.st_mtim.tv_sec != seen->st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != seen->st_mtim.tv_nsec;
}

/* Read fd from its current offset to its end into r. */
static int follow_drain(int fd, scan_reader *r, char *buf, const char *name, scan_hit_fn fn,
			void *ctx, sol_err *err)
{
	for (;;) {
		ssize_t n = read(fd, buf, INPUT_READ);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sol_fail(err, SOL_EIO, name, "read failed: %s", strerror(errno));
		if (n == 0)
			return 0;
		int rc = scan_reader_feed(r, buf, (size_t)n, false, fn, ctx);
		if (rc)
			return rc;
	}
}

static int follow(index_snapshot **ix, const char *name, const scan_opts *o, scan_hit_fn fn,
		  void *ctx, scan_stats *total, sol_err *err)
{
	bool is_stdin = strcmp(name, "-") == 0;
	int fd = is_stdin ? 0 : open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sol_fail(err, SOL_EIO, name, "cannot open: %s", strerror(errno));
	struct stat ist = {0};
	if (o->index_path)
		stat(o->index_path, &ist);
	scan_reader *r = scan_reader_new(*ix, o->format, name);
	char *buf = xmalloc(INPUT_READ);
	int rc = 0;
	while (rc == 0) {
		rc = follow_drain(fd, r, buf, name, fn, ctx, err);
		if (rc || is_stdin || (o->stop && *o->stop))
			break;
		if (index_replaced(o->index_path, &ist)) {
			index_snapshot *nix;
			sol_err ierr = {0};
			if (index_open(o->index_path, &nix, &ierr) == 0) {
				if (o->on_swap)
					rc = o->on_swap(ctx, *ix);
				index_close(*ix);
				*ix = nix;
				scan_reader_set_index(r, nix);
			}
			stat(o->index_path, &ist);
		}
		struct stat now, cur;
		bool rotated = stat(name, &now) == 0 && fstat(fd, &cur) == 0 &&
			       (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev);
		off_t pos = lseek(fd, 0, SEEK_CUR);
		bool truncated = !rotated && fstat(fd, &cur) == 0 && cur.st_size < pos;
		if (rotated || truncated) {
			if (rotated)
				rc = follow_drain(fd, r, buf, name, fn, ctx, err);
			if (rc == 0)
				rc = scan_reader_feed(r, NULL, 0, true, fn, ctx);
			stats_add(total, scan_reader_stats(r));
			scan_reader_free(r);
			r = scan_reader_new(*ix, o->format, name);
			if (rotated) {
				int nfd = open(name, O_RDONLY | O_CLOEXEC);
				if (nfd >= 0) {
					close(fd);
					fd = nfd;
				}
			} else {
				lseek(fd, 0, SEEK_SET);
			}
			continue;
		}
		sleep_ms(FOLLOW_SLEEP_MS);
	}
	if (rc == 0)
		rc = scan_reader_feed(r, NULL, 0, true, fn, ctx);
	stats_add(total, scan_reader_stats(r));
	scan_reader_free(r);
	free(buf);
	if (!is_stdin)
		close(fd);
	return rc;
}

int scan_run(index_snapshot **ix, char *const *paths, size_t n, const scan_opts *o, scan_hit_fn fn,
	     void *ctx, scan_stats *total, sol_err *err)
{
	if (o->follow) {
		if (n != 1)
			return sol_fail(err, SOL_EUSAGE, "--follow",
					"follow takes exactly one input");
		return follow(ix, paths[0], o, fn, ctx, total, err);
	}
	file_list files = {0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = files_expand(&files, paths[i], 0, err);
	plan p = {0};
	for (size_t i = 0; rc == 0 && i < files.n; i++)
		rc = plan_file(&p, files.v[i], o, err);
	if (rc == 0)
		rc = run_plan(&p, *ix, o->threads, fn, ctx, total, err);
	plan_free(&p);
	files_free(&files);
	return rc;
}
