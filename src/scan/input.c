/*
 * input.c - where log bytes come from: files, directories, standard input,
 * gzip and zstd streams; in parallel when asked, and followed as they grow.
 *
 * Work is a list of jobs in input order. A regular file is read with pread
 * into one INPUT_BLOCK buffer per thread, small enough to stay in the
 * cache while the scanner walks it (mapping the file cost a page fault per
 * 4 KiB and was slower). With N > 1 threads it is cut into chunks of a
 * nominal byte range each; a chunk owns the lines that start in its range,
 * so the cuts need no planning pass: each worker finds its own first and
 * last line (range_scan). Anything else (stdin, a compressed stream) is
 * one job read through a small decompressing source. With one thread,
 * jobs run in the caller and hits go straight to the callback. With N
 * threads, workers take jobs in order, keep each job's hits as compact
 * records in the job's own buffer, and the calling thread replays them job
 * by job, in order, adding the line count of the chunks before (a worker
 * numbers its chunk's lines from 1). So the output is byte-identical
 * whatever N is. At most 4N jobs are in flight, which bounds the memory
 * held by hits waiting for their turn.
 *
 * Each thread also keeps one negative cache (scan_int.h) that the readers
 * of its jobs share, so a file cut into chunks learns its repeated values
 * once per thread, not once per chunk.
 *
 * Zeek TSV chunks. A chunk after the first needs the header in force at
 * its start, which only the chunk before it knows for sure. A worker
 * takes the last header block in the INPUT_BLOCK bytes before the chunk,
 * else the file's first one unless the chunk's first row has another
 * column count, else the last header block before the chunk however far
 * back it is (job_head). The result is a guess. Once the chunk before is
 * done, a worker compares its reader's final header with the guess and,
 * in a file of concatenated logs where they differ, scans the lines of the
 * chunk up to its own first "#separator" line (which resets the header)
 * again with the right one. The calling thread replays only checked jobs.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "scan/scan_int.h"

#define INPUT_READ 65536           /* compressed bytes read from a stream at a time */
#define INPUT_BLOCK (256u << 10)   /* bytes scanned at a time: stays in the L2 cache */
#define INPUT_HEAD 65536           /* first bytes of a file read to detect its format */
#define HITS_MAX ((size_t)1 << 34) /* bytes of hit records one job may hold */
#define INPUT_MAX_FILES 100000     /* files one run may expand to */
#define FOLLOW_SLEEP_MS 100        /* pause at the end of a followed file */

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
	memset(s, 0, offsetof(src, in)); /* all but the buffer; the fields after it: */
	s->in_len = s->in_pos = 0;
	s->in_eof = s->z_done = false;
	s->offset = 0;
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
	if (s->kind == SRC_PLAIN && s->in_pos == s->in_len && !s->in_eof) {
		/* Past the sniffed bytes a plain stream is read straight into out. */
		ssize_t n;
		do
			n = read(s->fd, out, cap);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return sol_fail(err, SOL_EIO, name, "read failed: %s", strerror(errno));
		s->in_eof = n == 0;
		s->offset += (uint64_t)n;
		*got = (size_t)n;
		return 0;
	}
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
	const char *name;    /* input name (borrowed from the file list) */
	bool ranged;         /* lines of a byte range of a regular file, else a stream */
	uint64_t off;        /* ranged: nominal first byte */
	uint64_t end;        /* ranged: nominal end, UINT64_MAX for the end of the file */
	bool last;           /* last chunk of its file */
	bool chained;        /* a Zeek TSV chunk after the first: needs the header before it */
	char *prime;         /* chained: the file's first header block, or NULL (owned) */
	size_t prime_len;    /* its length */
	scan_format format;  /* format of the file */
	uint64_t lines;      /* lines the chunk had (set when done) */
	sol_buf hits;        /* threaded: hit records for replay */
	scan_stats stats;    /* counters of this job */
	int rc;              /* job result */
	sol_err err;         /* job error */
	bool done;           /* worker finished it */
	uint64_t reset_line; /* chained: line of its first "#separator", 0 if none */
	scan_stats at_reset; /* the counters just before that line */
	scan_reader *head;   /* chained: the header state the chunk was scanned with */
	scan_reader *tail;   /* the reader at the chunk's end, while a chained chunk follows */
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

/*
 * Feed r the lines that start in [j->off, j->end) of the file, read with
 * pread into buf. A chunk after the first starts after the first newline
 * at or past off - 1, and every chunk ends with the newline at or past
 * end - 1 (or the end of the file), so chunks cut at any offsets share out
 * the lines, and their bytes, exactly.
 */
static int range_scan(job *j, scan_reader *r, scan_hit_fn fn, void *ctx, char *buf)
{
	int fd = open(j->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sol_fail(&j->err, SOL_EIO, j->name, "cannot open: %s", strerror(errno));
	uint64_t at = j->off > 0 ? j->off - 1 : 0, stop = j->end - 1;
	bool started = j->off == 0;
	int rc = 0;
	for (;;) {
		ssize_t n;
		do
			n = pread(fd, buf, INPUT_BLOCK, (off_t)at);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			rc =
			    sol_fail(&j->err, SOL_EIO, j->name, "read failed: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			if (started)
				rc = scan_reader_feed(r, buf, 0, true, fn, ctx);
			break;
		}
		const char *p = buf, *e = buf + n;
		if (!started) {
			const char *nl = memchr(p, '\n', (size_t)n);
			if (nl && at + (uint64_t)(nl - buf) >= stop)
				break; /* the line running past end - 1 started before off */
			if (!nl) {
				at += (uint64_t)n;
				continue;
			}
			started = true;
			p = nl + 1;
		}
		if (stop < at + (uint64_t)n) {
			const char *from = stop > at ? buf + (stop - at) : buf;
			if (from < p)
				from = p;
			const char *nl = memchr(from, '\n', (size_t)(e - from));
			if (nl) {
				rc = scan_reader_feed(r, p, (size_t)(nl + 1 - p), true, fn, ctx);
				break;
			}
		}
		if ((rc = scan_reader_feed(r, p, (size_t)(e - p), false, fn, ctx)) != 0)
			break;
		at += (uint64_t)n;
	}
	close(fd);
	return rc;
}

/* Feed r a stream (standard input, a compressed file) read through src. */
static int stream_scan(job *j, scan_reader *r, scan_hit_fn fn, void *ctx, char *buf)
{
	bool is_stdin = strcmp(j->name, "-") == 0;
	int fd = is_stdin ? 0 : open(j->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sol_fail(&j->err, SOL_EIO, j->name, "cannot open: %s", strerror(errno));
	src s;
	int rc = src_open(&s, fd, j->name, &j->err);
	while (rc == 0) {
		size_t got;
		rc = src_read(&s, buf, INPUT_BLOCK, &got, j->name, &j->err);
		if (rc == 0)
			rc = scan_reader_feed(r, buf, got, got == 0, fn, ctx);
		if (got == 0)
			break;
	}
	src_close(&s);
	if (!is_stdin)
		close(fd);
	return rc;
}

/*
 * Run one job: hits to fn directly (fn != NULL) or into j->hits. The
 * reader starts with the Zeek header of `from` if not NULL. A Zeek TSV
 * chunk that a chained one follows keeps its reader in j->tail, so the
 * caller can check that the next chunk was scanned with the right header.
 */
/* What one thread keeps from job to job: its read buffer and the
 * negative cache its readers share. */
typedef struct scratch {
	char *buf;         /* INPUT_BLOCK bytes */
	scan_cache *cache; /* for the run's one index */
} scratch;

static void scratch_init(scratch *t)
{
	t->buf = xmalloc(INPUT_BLOCK);
	t->cache = scan_cache_new();
}

static void scratch_fini(scratch *t)
{
	free(t->buf);
	scan_cache_free(t->cache);
}

/* A reader for job j that uses the thread's cache. */
static scan_reader *job_reader(const job *j, const index_snapshot *ix, scratch *t)
{
	scan_reader *r = scan_reader_new(ix, j->format, j->name);
	scan_reader_lend_cache(r, t->cache);
	return r;
}

static void job_run(job *j, const index_snapshot *ix, const scan_reader *from, scan_hit_fn fn,
		    void *ctx, scratch *t)
{
	scan_reader *r = job_reader(j, ix, t);
	if (from)
		scan_reader_inherit(r, from, 1);
	scan_hit_fn f = fn ? fn : record_hit;
	void *c = fn ? ctx : j;
	sol_err_clear(&j->err);
	j->rc = j->ranged ? range_scan(j, r, f, c, t->buf) : stream_scan(j, r, f, c, t->buf);
	j->stats = *scan_reader_stats(r);
	j->lines = j->stats.lines;
	j->reset_line = r->reset_line;
	j->at_reset = r->at_reset;
	scan_reader_free(j->tail);
	j->tail = NULL;
	if (j->format == SCAN_ZEEK_TSV && !j->last)
		j->tail = r;
	else
		scan_reader_free(r);
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

/*
 * The offset of the last "#separator" line that starts in [at - back, at)
 * of fd, or -1: read backwards INPUT_BLOCK bytes at a time into buf (one
 * byte of each read overlaps the next, to tell whether a '#' starts a line).
 */
static int64_t header_find(int fd, uint64_t at, uint64_t back, char *buf)
{
	uint64_t stop = at > back ? at - back : 0;
	while (at > stop) {
		uint64_t from = at - stop > INPUT_BLOCK - 1 ? at - (INPUT_BLOCK - 1) : stop;
		uint64_t lead = from > 0; /* the byte before `from`, if any */
		ssize_t n = pread(fd, buf, (size_t)(at - from + lead), (off_t)(from - lead));
		if (n != (ssize_t)(at - from + lead))
			return -1;
		for (size_t len = (size_t)n; len > lead;) {
			const char *q = memrchr(buf + lead, '#', len - lead);
			if (!q)
				break;
			bool line_start = q > buf ? q[-1] == '\n' : true;
			if (line_start && buf + n - q >= 10 && memcmp(q, "#separator", 10) == 0)
				return (int64_t)(from - lead) + (q - buf);
			len = (size_t)(q - buf);
		}
		at = from;
	}
	return -1;
}

/* Feed h the header block that starts at offset `at` of fd (it ends by
 * `end`, the chunk's start). */
static void header_feed(scan_reader *h, int fd, uint64_t at, uint64_t end, char *buf)
{
	size_t want = end - at < INPUT_BLOCK ? (size_t)(end - at) : INPUT_BLOCK;
	ssize_t n = pread(fd, buf, want, (off_t)at);
	if (n > 0)
		scan_reader_feed(h, buf, header_block(buf, buf + n), false, NULL, NULL);
}

/* Whether the first whole line after offset `at` of fd has the number of
 * columns header h declares (true when there is no such line to judge). */
static bool header_fits(const scan_reader *h, int fd, uint64_t at, char *buf)
{
	ssize_t n = pread(fd, buf, INPUT_BLOCK, (off_t)at);
	const char *p = n > 0 ? memchr(buf, '\n', (size_t)n) : NULL;
	const char *nl = p ? memchr(p + 1, '\n', (size_t)(buf + n - p - 1)) : NULL;
	if (!nl || p[1] == '#')
		return true;
	uint32_t cols = 1;
	for (const char *c = p + 1; (c = memchr(c, h->zh.sep, (size_t)(nl - c))) != NULL; c++)
		cols++;
	return cols == h->zh.nfields;
}

/*
 * The header state a chained chunk starts with: the last header block
 * before the chunk. It is looked for in the INPUT_BLOCK bytes before the
 * chunk; if none is there, the file's first header is in force unless the
 * chunk's first line has another column count, in which case (a file of
 * concatenated logs) the search goes back as far as it takes. The result
 * is still a guess (a header line may be cut by the chunk's start, or two
 * logs have as many columns), checked when the chunk before is done.
 */
static scan_reader *job_head(const job *j, const index_snapshot *ix, char *buf)
{
	scan_reader *h = scan_reader_new(ix, SCAN_ZEEK_TSV, j->name);
	int fd = open(j->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (j->prime)
			scan_reader_feed(h, j->prime, j->prime_len, false, NULL, NULL);
		return h;
	}
	int64_t at = header_find(fd, j->off, INPUT_BLOCK, buf);
	if (at < 0 && j->prime) {
		scan_reader_feed(h, j->prime, j->prime_len, false, NULL, NULL);
		if (!header_fits(h, fd, j->off, buf)) {
			at = header_find(fd, j->off, j->off, buf);
			if (at >= 0) {
				scan_reader_free(h);
				h = scan_reader_new(ix, SCAN_ZEEK_TSV, j->name);
			}
		}
	}
	if (at >= 0)
		header_feed(h, fd, (uint64_t)at, j->off, buf);
	close(fd);
	return h;
}

/* Free what a job holds besides its hits. */
static void job_forget(job *j)
{
	scan_reader_free(j->head);
	scan_reader_free(j->tail);
	free(j->prime);
	j->head = j->tail = NULL;
	j->prime = NULL;
}

/* ---- planning: files into jobs --------------------------------------- */

typedef struct plan {
	job *jobs;     /* in input order */
	size_t n, cap; /* jobs */
} plan;

static job *plan_add(plan *p)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->jobs = xrealloc(p->jobs, p->cap * sizeof *p->jobs);
	}
	job *j = &p->jobs[p->n++];
	memset(j, 0, sizeof *j);
	buf_init(&j->hits, HITS_MAX);
	return j;
}

/* Bytes per chunk of a file of `size` bytes: enough chunks for every
 * thread to stay busy until the end, within [SCAN_CHUNK_MIN, SCAN_CHUNK]. */
static uint64_t chunk_size(uint64_t size, const scan_opts *o)
{
	if (o->threads <= 1)
		return size;
	if (o->chunk > 0)
		return o->chunk;
	uint64_t c = size / ((uint64_t)o->threads * 4);
	return c < SCAN_CHUNK_MIN ? SCAN_CHUNK_MIN : c > SCAN_CHUNK ? SCAN_CHUNK : c;
}

/* Cut a regular file of `size` bytes, whose first bytes are head[0..n),
 * into chunk jobs. */
static void plan_ranges(plan *p, const char *name, const char *head, size_t n, uint64_t size,
			const scan_opts *o)
{
	scan_format fmt = o->format != SCAN_AUTO ? o->format : scan_detect(head, n);
	size_t prime_len = 0;
	if (fmt == SCAN_ZEEK_TSV && n >= 10 && memcmp(head, "#separator", 10) == 0)
		prime_len = header_block(head, head + n);
	uint64_t chunk = chunk_size(size, o), off = 0;
	for (bool last = false; !last; off += chunk) {
		last = size - off <= chunk;
		job *j = plan_add(p);
		j->name = name;
		j->ranged = true;
		j->off = off;
		j->end = last ? UINT64_MAX : off + chunk;
		j->last = last;
		j->format = fmt;
		j->chained = fmt == SCAN_ZEEK_TSV && off > 0;
		if (j->chained && prime_len > 0) {
			j->prime = xstrndup(head, prime_len);
			j->prime_len = prime_len;
		}
	}
}

static int plan_file(plan *p, const char *name, const scan_opts *o, sol_err *err)
{
	if (strcmp(name, "-") != 0) {
		int fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return sol_fail(err, SOL_EIO, name, "cannot open: %s", strerror(errno));
		struct stat st;
		char *head = xmalloc(INPUT_HEAD);
		ssize_t n = pread(fd, head, INPUT_HEAD, 0);
		bool plain = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && n >= 0 &&
			     sniff((const unsigned char *)head, (size_t)n) == SRC_PLAIN;
		close(fd);
		if (plain)
			plan_ranges(p, name, head, (size_t)n, (uint64_t)st.st_size, o);
		free(head);
		if (plain)
			return 0;
	}
	job *j = plan_add(p);
	j->name = name;
	j->format = o->format;
	j->last = true;
	return 0;
}

static void plan_free(plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		buf_fini(&p->jobs[i].hits);
		job_forget(&p->jobs[i]);
	}
	free(p->jobs);
}

/* ---- running the plan ------------------------------------------------ */

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

/*
 * Scan again the part of chained chunk j before its first "#separator"
 * line, with the header `from`: its hits replace those of the first pass
 * (the hits after that line are right whatever the header was), and its
 * counters those of the first pass's part.
 */
static void job_rescan_prefix(job *j, const scan_reader *from, const index_snapshot *ix, scratch *t)
{
	sol_buf old = j->hits;
	buf_init(&j->hits, HITS_MAX);
	scan_reader *r = job_reader(j, ix, t);
	scan_reader_inherit(r, from, 1);
	r->stop_at_reset = true;
	j->rc = range_scan(j, r, record_hit, j, t->buf);
	if (j->rc == SCAN_STOP_RESET)
		j->rc = 0;
	const scan_stats *pre = scan_reader_stats(r);
	j->stats.values += pre->values - j->at_reset.values;
	j->stats.hits += pre->hits - j->at_reset.hits;
	j->stats.skipped += pre->skipped - j->at_reset.skipped;
	size_t keep = 0; /* offset of the first record at or past reset_line */
	while (keep < old.len) {
		hit_rec h;
		memcpy(&h, old.data + keep, sizeof h);
		if (h.line >= j->reset_line)
			break;
		keep += sizeof h + h.field_len + h.value_len;
	}
	if (keep < old.len && j->rc == 0 &&
	    buf_append(&j->hits, old.data + keep, old.len - keep) != 0)
		j->rc = SOL_ETOOBIG;
	buf_fini(&old);
	scan_reader_free(r);
}

/*
 * A threaded chained chunk was scanned with a guessed header; if the
 * chunk before it ended with another one (the file holds concatenated
 * logs), scan it again with that header: up to its own first "#separator"
 * line if it has one, else all of it.
 */
static void job_check_head(job *j, job *before, const index_snapshot *ix, scratch *t)
{
	if (!j->chained || !before->tail || j->rc != 0)
		return;
	if (!j->head || !scan_reader_same_header(j->head, before->tail)) {
		if (j->reset_line > 0) {
			job_rescan_prefix(j, before->tail, ix, t);
		} else {
			buf_reset(&j->hits);
			job_run(j, ix, before->tail, NULL, NULL, t);
		}
	}
	scan_reader_free(before->tail);
	before->tail = NULL;
}

static int run_serial(plan *p, const index_snapshot *ix, scan_hit_fn fn, void *ctx,
		      scan_stats *total, sol_err *err)
{
	scratch t;
	scratch_init(&t);
	uint64_t base = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->n; i++) {
		job *j = &p->jobs[i];
		direct d = {fn, ctx, base};
		job_run(j, ix, j->chained ? p->jobs[i - 1].tail : NULL, direct_hit, &d, &t);
		if (j->chained)
			job_forget(&p->jobs[i - 1]);
		stats_add(total, &j->stats);
		base = j->last ? 0 : base + j->lines;
		rc = j->rc;
		if (rc && j->err.code)
			*err = j->err;
	}
	scratch_fini(&t);
	return rc;
}

/*
 * The threaded run. Workers take jobs in order; a worker that finishes one
 * also checks, in order, every job whose chunk before it is checked
 * (job_check_head, rescanning a prefix if the header was guessed wrong),
 * so the calling thread only replays checked jobs and the repairs keep
 * the cores busy instead of stalling the replay.
 */
typedef struct pool {
	plan *p;                  /* jobs */
	const index_snapshot *ix; /* shared, read-only */
	pthread_mutex_t mu;       /* guards the counters below and the done flags */
	pthread_cond_t cv;        /* signalled on job done, checked, and on replay progress */
	size_t next;              /* next job to take */
	size_t checked;           /* jobs [0, checked) are checked and may be replayed */
	bool checking;            /* a worker is checking job `checked` */
	size_t replayed;          /* jobs replayed by the caller */
	size_t window;            /* jobs allowed in flight past `replayed` */
	bool stop;                /* the caller gave up */
} pool;

/* Check the jobs that are ready, in order, while no other worker does.
 * Called and returns with w->mu held. */
static void pool_check(pool *w, scratch *t)
{
	while (!w->checking && w->checked < w->p->n && w->p->jobs[w->checked].done) {
		size_t i = w->checked;
		w->checking = true;
		pthread_mutex_unlock(&w->mu);
		if (i > 0)
			job_check_head(&w->p->jobs[i], &w->p->jobs[i - 1], w->ix, t);
		pthread_mutex_lock(&w->mu);
		w->checking = false;
		w->checked = i + 1;
		pthread_cond_broadcast(&w->cv);
	}
}

static void *worker(void *arg)
{
	pool *w = arg;
	scratch t;
	scratch_init(&t);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && w->next < w->p->n && w->next >= w->replayed + w->window)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop || w->next >= w->p->n)
			break;
		job *j = &w->p->jobs[w->next++];
		pthread_mutex_unlock(&w->mu);
		if (j->chained)
			j->head = job_head(j, w->ix, t.buf);
		job_run(j, w->ix, j->head, NULL, NULL, &t);
		pthread_mutex_lock(&w->mu);
		j->done = true;
		pool_check(w, &t);
	}
	pthread_mutex_unlock(&w->mu);
	scratch_fini(&t);
	return NULL;
}

static int run_plan(plan *p, const index_snapshot *ix, int threads, scan_hit_fn fn, void *ctx,
		    scan_stats *total, sol_err *err)
{
	if (threads <= 1)
		return run_serial(p, ix, fn, ctx, total, err);
	int rc = 0;
	uint64_t base = 0;
	pool w = {.p = p, .ix = ix, .window = (size_t)threads * 4};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	pthread_t *tids = xmalloc((size_t)threads * sizeof *tids);
	for (int t = 0; t < threads; t++)
		pthread_create(&tids[t], NULL, worker, &w);
	for (size_t i = 0; i < p->n; i++) {
		job *j = &p->jobs[i];
		pthread_mutex_lock(&w.mu);
		while (w.checked <= i)
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
		if (i > 0)
			job_forget(&p->jobs[i - 1]);
		pthread_mutex_lock(&w.mu);
		w.replayed = i + 1;
		w.stop = rc != 0;
		pthread_cond_broadcast(&w.cv);
		pthread_mutex_unlock(&w.mu);
		if (rc)
			break; /* the workers take no more jobs: do not wait for them */
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
