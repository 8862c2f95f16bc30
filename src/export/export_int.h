/*
 * export_int.h - what the writers share: the selected atoms in one flat
 * array (export_set), and files that appear only when complete
 * (export_file, export_dir).
 *
 * export_set keeps every string (values, indicator ids, sources) in one
 * pool and refers to it by offset, so collecting a million atoms costs a
 * few reallocations, not a million mallocs. After export_set_sort the
 * atoms are ordered by kind, value, then indicator id, so duplicates of a
 * value are adjacent and every writer's output is deterministic.
 *
 * Ownership: export_set is _init/_fini. export_file and export_dir are
 * _open/_commit; _abort removes what was written.
 */
#ifndef SOL_EXPORT_INT_H
#define SOL_EXPORT_INT_H

#include <stdio.h>

#include "export/export.h"

/* Namespace of the name-based (v5) UUIDs exports make: bundle, MISP event
 * and attribute ids. Fixed forever, so re-exports keep their ids. */
#define EXPORT_UUID_NS "5c1a9e64-3f0b-4d8e-a7c2-9b41e06d2f75"

typedef struct export_ind {
	size_t id;            /* pool offset of "indicator--..." */
	size_t source;        /* pool offset of the source name */
	stix_tlp tlp;         /* effective TLP */
	int confidence;       /* -1 if none */
	sol_time valid_until; /* SOL_TIME_NONE if none */
} export_ind;

typedef struct export_atom {
	uint64_t key;     /* kind, then the first 7 value bytes, big-endian: sort key */
	size_t value;     /* pool offset of the normal form */
	uint32_t len;     /* its length */
	uint32_t ind;     /* index in export_set.inds */
	obs_kind kind;    /* kind of the value */
	bool subdomains;  /* domain atom covering every name below */
	uint8_t prefix;   /* addresses: prefix length (32/128 for one address) */
	uint8_t addr[16]; /* addresses: the bytes */
} export_atom;

typedef struct export_set {
	export_atom *atoms; /* selected atoms */
	size_t n, cap;      /* used, allocated */
	export_ind *inds;   /* their indicators, in walk (id) order */
	size_t n_inds, cap_inds;
	sol_buf pool; /* every string, NUL-terminated */
} export_set;

void export_set_init(export_set *s);
void export_set_fini(export_set *s);
/* Order atoms by kind, value, indicator id. */
void export_set_sort(export_set *s);

static inline const char *export_str(const export_set *s, size_t off)
{
	return s->pool.data + off;
}
static inline const char *export_value(const export_set *s, const export_atom *a)
{
	return s->pool.data + a->value;
}
static inline const export_ind *export_ind_of(const export_set *s, const export_atom *a)
{
	return &s->inds[a->ind];
}
/* True if atom i has the same kind and value as atom i-1 (sorted set). */
bool export_atom_dup(const export_set *s, size_t i);

/* A file written to "<path>.tmp.<pid>" and renamed into place by commit.
 * The stream's full buffers are written by a thread of the file's own,
 * which starts the kernel's writeback every EXPORT_WRITEBACK bytes, so
 * the copies into the page cache and the disk run while the export still
 * computes and the fsync of commit finds little left to do. */
typedef struct export_file {
	FILE *f;                  /* buffered stream; write with fputs/fprintf */
	int fd;                   /* its descriptor, for fsync */
	struct export_sink *sink; /* the writer thread behind f */
	char *tmp;                /* temporary name */
	const char *path;         /* final name (borrowed) */
	char *vbuf;               /* stdio buffer */
} export_file;

int export_file_open(export_file *ef, const char *path, sol_err *err);
/* Overwrite n bytes at offset at of what was written to ef->f so far (once
 * the stream's buffers are in the file): the RPZ serial, known last. 0 or
 * SOL_EIO. */
int export_file_pwrite(export_file *ef, const void *p, size_t n, off_t at, sol_err *err);
/* Flush, fsync, close and rename; on failure the temporary file is removed. */
int export_file_commit(export_file *ef, sol_err *err);
void export_file_abort(export_file *ef);

/* A directory built at "<path>.tmp.<pid>" and swapped in by commit. */
typedef struct export_dir {
	char *tmp;        /* temporary directory */
	const char *path; /* final name (borrowed) */
} export_dir;

int export_dir_open(export_dir *ed, const char *path, sol_err *err);
/* tmp + "/" + name, for export_file_open-less writing; caller frees. */
char *export_dir_file(const export_dir *ed, const char *name);
int export_dir_commit(export_dir *ed, sol_err *err);
void export_dir_abort(export_dir *ed);

/* The per-indicator filters (tlp_max, source, audience); the visible
 * callback is asked once per call. */
bool export_indicator_kept(const export_opts *o, const store_indicator *ind);
/* The kind filter (o->kinds). */
bool export_kind_kept(const export_opts *o, obs_kind k);

/* The writers: s is sorted; each writes o->path and counts into stats. */
int export_rpz_write(store *st, const export_set *s, const export_opts *o, export_stats *stats,
		     sol_err *err);
int export_nft_write(const export_set *s, const export_opts *o, export_stats *stats, sol_err *err);
int export_suricata_write(const export_set *s, const export_opts *o, export_stats *stats,
			  sol_err *err);
int export_zeek_write(const export_set *s, const export_opts *o, export_stats *stats, sol_err *err);
int export_csv_write(const export_set *s, const export_opts *o, export_stats *stats, sol_err *err);
/* STIX reads every indicator with its body in one walk of its own, so
 * it takes the store instead of a set, and selects and counts itself. */
int export_stix_write(store *st, const export_opts *o, export_stats *stats, sol_err *err);
int export_misp_write(store *st, const export_set *s, const export_opts *o, export_stats *stats,
		      sol_err *err);

/* Unlocked stdio for the hot loops: an export is one thread. */
static inline void export_put(FILE *f, const char *s, size_t n)
{
	fwrite_unlocked(s, 1, n, f);
}
static inline void export_puts(FILE *f, const char *s)
{
	fputs_unlocked(s, f);
}
/* v in decimal into out (at least 21 bytes, NUL-terminated); its length. */
size_t export_utoa(uint64_t v, char *out);
static inline void export_putu(FILE *f, uint64_t v)
{
	char d[24];
	export_put(f, d, export_utoa(v, d));
}

/* Write s[0..n) to f as an RFC 4180 field (quoted only when needed). */
void export_csv_field(FILE *f, const char *s, size_t n);

#endif
