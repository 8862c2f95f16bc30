/*
 * core.h - errors, memory, byte buffers, time and ids shared by every module.
 *
 * Errors. A function that can fail returns 0 or a negative SOL_E* code and,
 * when given a non-NULL sol_err, fills it with the code, the place the
 * problem was found ("feed.json:4:16", "$.objects[12].pattern", "column 7")
 * and one sentence for a person. Only src/cli/ prints errors. The table of
 * codes and their exit statuses is docs/errors.md.
 *
 * Memory. Out of memory aborts (xmalloc and friends); input size never
 * does: every buffer fed from outside is a sol_buf with a named cap, and
 * going past it is SOL_ETOOBIG.
 *
 * Ownership: sol_buf is _init/_fini (caller-owned struct); buf_take moves
 * the bytes out and the caller frees them. Strings returned by x* functions
 * are the caller's to free().
 */
#ifndef SOL_CORE_H
#define SOL_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes: 0 is success, every failure is negative. */
enum {
	SOL_OK = 0,
	SOL_EUSAGE = -1,    /* bad command line or option value       (exit 2) */
	SOL_EPARSE = -2,    /* malformed input: JSON, CSV, pattern     (exit 2) */
	SOL_EINVALID = -3,  /* well-formed but invalid (STIX rules)    (exit 2) */
	SOL_ETOOBIG = -4,   /* input over a named cap                  (exit 2) */
	SOL_ENOTFOUND = -5, /* no such object, file or record          (exit 1) */
	SOL_ECONFLICT = -6, /* same version, different content         (exit 2) */
	SOL_EIO = -7,       /* read/write/open failure                 (exit 3) */
	SOL_EDB = -8,       /* database failure                        (exit 3) */
	SOL_EINTERNAL = -9, /* a bug: should not happen                (exit 3) */
};

/* Exit statuses of the solidarity command (docs/errors.md). */
enum { SOL_EXIT_OK = 0, SOL_EXIT_NONE = 1, SOL_EXIT_INPUT = 2, SOL_EXIT_FAIL = 3 };

typedef struct sol_err {
	int code;        /* SOL_E* (< 0); 0 when no error */
	char where[160]; /* place of the problem, "" if none */
	char msg[256];   /* one sentence for a person */
} sol_err;

/* Fill err (if not NULL) and return code. where may be NULL. */
int sol_fail(sol_err *err, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prefix err->where with "prefix" (e.g. a file name before ":line"). */
void sol_err_prefix(sol_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sol_err_clear(sol_err *err);
int sol_exit_status(int code); /* SOL_EXIT_* for a SOL_E* code */

/* Allocation that never returns NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable byte buffer with a cap. data is always NUL-terminated. */
typedef struct sol_buf {
	char *data; /* bytes, NUL after len; NULL until first append */
	size_t len; /* bytes used */
	size_t cap; /* bytes allocated */
	size_t max; /* cap on len; appending past it fails with SOL_ETOOBIG */
} sol_buf;

void buf_init(sol_buf *b, size_t max);
void buf_fini(sol_buf *b);
void buf_reset(sol_buf *b);
int buf_append(sol_buf *b, const void *p, size_t n);
int buf_puts(sol_buf *b, const char *s);
int buf_printf(sol_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_take(sol_buf *b); /* caller frees; b is empty afterwards */

/* Read a whole file (or stdin for "-") into b, up to b->max bytes. */
int sol_file_read(const char *path, sol_buf *b, sol_err *err);

/*
 * Time. solidarity keeps instants as int64 microseconds since the Unix epoch
 * (UTC), which covers years 0001 to 9999 and orders versions exactly enough
 * for STIX, whose timestamps are milliseconds in practice.
 */
typedef int64_t sol_time;
#define SOL_TIME_NONE INT64_MIN

/*
 * Parse an RFC 3339 STIX timestamp "YYYY-MM-DDTHH:MM:SS[.fraction]Z".
 * STIX requires the Z and uppercase T; fractions beyond microseconds are
 * truncated. Returns 0 or SOL_EPARSE.
 */
int sol_time_parse(const char *s, sol_time *out);
/* Format as STIX with milliseconds, "2026-11-23T15:20:12.000Z". buf >= 32. */
char *sol_time_format(sol_time t, char *buf, size_t size);
sol_time sol_time_now(void);

/* A random (version 4) UUID, lowercase, 36 chars + NUL. */
void sol_uuid4(char out[37]);
/* A name-based (version 5, SHA-1) UUID in namespace ns (a UUID string). */
void sol_uuid5(const char *ns, const void *name, size_t len, char out[37]);
/* True if s is a UUID in canonical 8-4-4-4-12 lowercase-or-uppercase hex. */
bool sol_uuid_valid(const char *s, size_t len);

/* "ADDR:PORT" or "[ADDR]:PORT" (numeric IPv4/IPv6, port 0..65535) into
 * *ss and its length; SOL_EUSAGE if it is not one. */
struct sockaddr_storage;
int sol_sockaddr_parse(const char *spec, struct sockaddr_storage *ss, unsigned *len);

/* 64-bit content hash (XXH3) for equality checks, not for security. */
uint64_t sol_hash64(const void *p, size_t n);

/*
 * jsonw - a streaming JSON writer into a sol_buf, for line-oriented output
 * on hot paths (sightings), where building a document per line would cost
 * more than the scan. Commas are placed automatically; strings are escaped
 * (control characters, quotes, backslashes; invalid UTF-8 bytes become
 * U+FFFD so the output is always valid JSON). Write errors (the buffer's
 * cap) are sticky in `rc`.
 */
#define JSONW_MAX_DEPTH 32

typedef struct jsonw {
	sol_buf *out;                /* borrowed destination */
	int depth;                   /* open objects/arrays */
	bool first[JSONW_MAX_DEPTH]; /* no member written yet at this depth */
	bool after_key;              /* a key was written, its value is next */
	int rc;                      /* first buffer error, 0 if none */
} jsonw;

void jsonw_init(jsonw *w, sol_buf *out);
void jsonw_object_begin(jsonw *w);
void jsonw_object_end(jsonw *w);
void jsonw_array_begin(jsonw *w);
void jsonw_array_end(jsonw *w);
void jsonw_key(jsonw *w, const char *key);
void jsonw_string(jsonw *w, const char *s, size_t len);
void jsonw_cstr(jsonw *w, const char *s); /* NULL writes null */
void jsonw_int(jsonw *w, int64_t v);
void jsonw_bool(jsonw *w, bool v);
void jsonw_null(jsonw *w);
void jsonw_time(jsonw *w, sol_time t); /* STIX timestamp, null for NONE */

#endif
