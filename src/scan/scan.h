/*
 * scan.h - log scanners: Zeek TSV and JSON logs, Suricata EVE JSON and free
 * text, matched line by line against a compiled index.
 *
 * A scan_reader is the state of one input: its format (detected from the
 * first bytes unless forced), the Zeek header it has seen, the partial line
 * carried between chunks, the line number and the counters. Feed it bytes
 * in chunks of any size; it splits lines, pulls the fields that carry
 * observables (using Zeek's and Suricata's own field names), normalises
 * them, looks them up, and calls back once per hit. The JSON formats are
 * scanned without building a tree and nothing is allocated per line.
 *
 * Ownership: scan_reader is _new/_free; it borrows the index, which must
 * outlive it. A scan_hit and everything it points to is borrowed for the
 * duration of the callback only.
 */
#ifndef SOL_SCAN_H
#define SOL_SCAN_H

#include "core/core.h"
#include "index/index.h"

typedef enum scan_format {
	SCAN_AUTO = 0,  /* detect from the first bytes */
	SCAN_ZEEK_TSV,  /* "#separator \x09" header, #fields, #types */
	SCAN_ZEEK_JSON, /* one JSON object per line with Zeek field names */
	SCAN_EVE,       /* Suricata EVE JSON: "event_type" */
	SCAN_TEXT,      /* anything else: every token in the line */
} scan_format;

#define SCAN_MAX_LINE (1u << 20) /* longer lines are skipped and counted */

typedef struct scan_hit {
	const char *input;         /* input name as given */
	uint64_t line;             /* 1-based line number in the input */
	sol_time ts;               /* record time (Zeek ts, EVE timestamp); NONE if absent */
	const char *field;         /* "id.resp_h", "dns.rrname", "tls.sni", "text" */
	const obs_value *observed; /* the value seen, normalised */
	const index_hit *hit;      /* the indicator atom it matched */
} scan_hit;

/* Called once per (value, indicator) hit; nonzero stops the scan. */
typedef int (*scan_hit_fn)(void *ctx, const scan_hit *h);

typedef struct scan_stats {
	uint64_t lines;   /* lines scanned */
	uint64_t bytes;   /* bytes scanned */
	uint64_t values;  /* values looked up */
	uint64_t hits;    /* hits reported */
	uint64_t skipped; /* malformed, truncated or overlong lines skipped */
} scan_stats;

const char *scan_format_name(scan_format f); /* "zeek", "zeek-json", "eve", "text" */
int scan_format_parse(const char *name, scan_format *out);
/* Guess the format from the first bytes of an input. */
scan_format scan_detect(const char *data, size_t len);

typedef struct scan_reader scan_reader;

scan_reader *scan_reader_new(const index_snapshot *ix, scan_format fmt, const char *input);
void scan_reader_free(scan_reader *r);

/*
 * Scan the next len bytes of the input. A line may span calls; the tail
 * after the last newline is kept until the next call. With final set, the
 * input ends here: an unterminated last line is scanned only if it is
 * complete for its format (a JSON record that closes; a Zeek row with all
 * its fields; any text), else counted as skipped. Returns 0, or the
 * callback's nonzero value.
 */
int scan_reader_feed(scan_reader *r, const char *data, size_t len, bool final, scan_hit_fn fn,
		     void *ctx);

/* The format in use (after detection) and the counters so far. */
scan_format scan_reader_format(const scan_reader *r);
const scan_stats *scan_reader_stats(const scan_reader *r);

/*
 * Zeek TSV state travels with a chunk: a reader for a later chunk of the
 * same file starts with the header of the earlier one (for -j N), at line
 * number first_line.
 */
void scan_reader_inherit(scan_reader *r, const scan_reader *from, uint64_t first_line);

/* Point the reader at another snapshot (follow mode picked up a newly
 * compiled one); the partial line and header state are kept. */
void scan_reader_set_index(scan_reader *r, const index_snapshot *ix);

/* ---- inputs (input.c) ------------------------------------------------ */

/*
 * scan_run reads inputs and feeds scan_readers: regular files,
 * directories (their regular files, recursively, in name order), "-" for
 * standard input, and gzip or zstd streams (recognised by their magic
 * bytes, not their names). With threads > 1, inputs and large plain files
 * (in chunks cut at line boundaries, Zeek headers carried over) are
 * scanned in parallel, and hits are delivered to fn from the calling
 * thread in input order, so the output does not depend on the thread
 * count. With follow, the single input is read as it grows, across
 * rotation (the path now names a new file: the old one is read to its end
 * first) and truncation; when index_path is replaced by a newly compiled
 * snapshot, it is opened and used from the next byte on.
 */
typedef struct scan_opts {
	scan_format format;     /* SCAN_AUTO: detect per input */
	int threads;            /* worker threads (>= 1) */
	size_t chunk;           /* threads > 1: bytes per chunk of a file; 0 picks */
	bool follow;            /* tail one growing input */
	const char *index_path; /* follow: watch this snapshot for replacement */
	volatile int *stop;     /* follow: stop when *stop becomes nonzero */
	/* follow: told before *ix is replaced by a new snapshot (the old one is
	 * closed right after); may be NULL. */
	int (*on_swap)(void *ctx, const index_snapshot *old_ix);
} scan_opts;

void scan_opts_init(scan_opts *o);

/* With threads > 1, regular files are split in chunks of a quarter of
 * their size per thread, within these bounds. */
#define SCAN_CHUNK (32u << 20)
#define SCAN_CHUNK_MIN (1u << 20)

/*
 * Scan every input; *ix may be replaced in follow mode (see above). Hits go
 * to fn(ctx, hit); totals are added to *total. An input that cannot be
 * read is an error naming it (SOL_EIO); a corrupt compressed stream is
 * SOL_EPARSE at its byte offset.
 */
int scan_run(index_snapshot **ix, char *const *paths, size_t n, const scan_opts *o, scan_hit_fn fn,
	     void *ctx, scan_stats *total, sol_err *err);

#endif
