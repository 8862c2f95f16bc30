/*
 * test_scan.c - the scanners against a real compiled index.
 *
 * The index is built once from data/indicators.txt (id, kind, value,
 * "sub") in a temporary directory. Each input listed in data/cases.txt is
 * scanned with format detection and its hits, written one per line as
 * "line field observed atom indicator time", must equal data/<input>.hits
 * exactly - fed in one piece, byte by byte, and split in two at every
 * position. The line and skip counters must match the table too. Further
 * tests cover detection, overlong lines, CRLF, the final flag, a callback
 * that stops the scan, scan_reader_inherit, the time parser, and scan_run
 * over files cut into chunks for threads.
 * Runs with tests/unit/scan/ as the working directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scan/scan_int.h"
#include "testlib.h"

static char *tmpdir;
static index_snapshot *ix;

static int setup(void **state)
{
	(void)state;
	tmpdir = test_tmpdir();
	char *text = test_read_file("data/indicators.txt", NULL);
	index_builder *b = index_builder_new();
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char id[64], kind[16], value[256], sub[8] = "";
		int n = sscanf(line, "%63s %15s %255s %7s", id, kind, value, sub);
		assert_true(n >= 3);
		uint32_t ind = index_builder_indicator(b, id, "test", TLP_CLEAR, 80, SOL_TIME_NONE);
		assert_int_equal(index_builder_atom(b, ind, obs_kind_from_name(kind),
						    strcmp(sub, "sub") == 0, value),
				 0);
	}
	free(text);
	char *path = test_path(tmpdir, "test.index");
	sol_err err = {0};
	assert_int_equal(index_builder_write(b, path, &err), 0);
	index_builder_free(b);
	assert_int_equal(index_open(path, &ix, &err), 0);
	free(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	index_close(ix);
	test_tmpdir_remove(tmpdir);
	return 0;
}

/* Hits written as text, one per line. */
static int collect(void *ctx, const scan_hit *h)
{
	sol_buf *out = ctx;
	index_indicator ind;
	index_indicator_get(ix, h->hit->ind, &ind);
	char t[40] = "-", buf[INDEX_VALUE_BUF];
	if (h->ts != SOL_TIME_NONE)
		sol_time_format(h->ts, t, sizeof t);
	size_t vlen;
	const char *value = index_hit_value(h->hit, buf, &vlen);
	buf_printf(out, "%llu\t%s\t%s\t%.*s\t%s\t%s\n", (unsigned long long)h->line, h->field,
		   h->observed->norm, (int)vlen, value, ind.id, t);
	return 0;
}

/* Scan data fed as the chunks [0, cut1), [cut1, cut2), ... (step bytes
 * each, or in two pieces at cut when step is 0); hits into out. */
static scan_reader *scan_chunks(const char *data, size_t len, scan_format fmt, size_t step,
				size_t cut, sol_buf *out)
{
	scan_reader *r = scan_reader_new(ix, fmt, "input");
	buf_reset(out);
	if (step == 0) {
		assert_int_equal(scan_reader_feed(r, data, cut, false, collect, out), 0);
		assert_int_equal(scan_reader_feed(r, data + cut, len - cut, true, collect, out), 0);
		return r;
	}
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		assert_int_equal(scan_reader_feed(r, data + off, n, off + n == len, collect, out),
				 0);
	}
	if (len == 0)
		assert_int_equal(scan_reader_feed(r, data, 0, true, collect, out), 0);
	return r;
}

/* The expected hits file without its comment lines. */
static char *expected_hits(const char *input)
{
	char path[256];
	snprintf(path, sizeof path, "data/%s.hits", input);
	char *text = test_read_file(path, NULL);
	sol_buf b;
	buf_init(&b, 1 << 20);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] != '#' && line[0] != '\0')
			buf_printf(&b, "%s\n", line);
	}
	free(text);
	char *s = buf_take(&b);
	return s ? s : xstrdup("");
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void check_case(const char *input, const char *fmt_name, uint64_t lines, uint64_t skipped)
{
	char path[256];
	snprintf(path, sizeof path, "data/%s", input);
	size_t len;
	char *data = test_read_file(path, &len);
	char *want = expected_hits(input);
	scan_format fmt;
	assert_int_equal(scan_format_parse(fmt_name, &fmt), 0);
	sol_buf got;
	buf_init(&got, 1 << 20);

	scan_reader *r = scan_chunks(data, len, SCAN_AUTO, len ? len : 1, 0, &got);
	assert_int_equal(scan_reader_format(r), fmt);
	if (strcmp(got.data ? got.data : "", want) != 0)
		fail_msg("%s: want\n%sgot\n%s", input, want, got.data ? got.data : "");
	const scan_stats *st = scan_reader_stats(r);
	assert_int_equal(st->lines, lines);
	assert_int_equal(st->skipped, skipped);
	assert_int_equal(st->bytes, len);
	assert_int_equal(st->hits, count_lines(want));
	assert_true(st->values >= st->hits / 2);
	scan_reader_free(r);

	r = scan_chunks(data, len, SCAN_AUTO, 1, 0, &got);
	assert_string_equal(got.data ? got.data : "", want);
	assert_int_equal(scan_reader_stats(r)->skipped, skipped);
	scan_reader_free(r);

	for (size_t cut = 0; cut <= len; cut++) {
		r = scan_chunks(data, len, fmt, 0, cut, &got);
		if (strcmp(got.data ? got.data : "", want) != 0)
			fail_msg("%s split at %zu:\n%s", input, cut, got.data ? got.data : "");
		assert_int_equal(scan_reader_stats(r)->lines, lines);
		scan_reader_free(r);
	}
	buf_fini(&got);
	free(want);
	free(data);
}

static void test_cases(void **state)
{
	(void)state;
	char *text = test_read_file("data/cases.txt", NULL);
	int cases = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char input[64], fmt[16];
		unsigned long long lines, skipped;
		assert_int_equal(sscanf(line, "%63s %15s %llu %llu", input, fmt, &lines, &skipped),
				 4);
		check_case(input, fmt, lines, skipped);
		cases++;
	}
	free(text);
	assert_int_equal(cases, 4);
}

static void test_detect(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		scan_format fmt;
	} cases[] = {
	    {"#separator \\x09\n#set_separator\t,\n", SCAN_ZEEK_TSV},
	    {"{\"timestamp\":\"x\",\"event_type\":\"dns\"}\n", SCAN_EVE},
	    {" {\"ts\":1.5,\"uid\":\"C1\"}", SCAN_ZEEK_JSON},
	    {"{\"_path\":\"conn\"}\n", SCAN_ZEEK_JSON},
	    {"{\"id.orig_h\":\"192.0.2.1\"}\n", SCAN_ZEEK_JSON},
	    {"{\"a\":1}\n{\"ts\":1}\n", SCAN_TEXT},
	    {"hello #separator\n", SCAN_TEXT},
	    {"event_type ts\n", SCAN_TEXT},
	    {"", SCAN_TEXT},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(scan_detect(cases[i].text, strlen(cases[i].text)), cases[i].fmt);
	scan_format f;
	for (int k = SCAN_AUTO; k <= SCAN_TEXT; k++) {
		assert_int_equal(scan_format_parse(scan_format_name((scan_format)k), &f), 0);
		assert_int_equal(f, k);
	}
	assert_int_equal(scan_format_parse("csv", &f), SOL_EUSAGE);
}

/* Scan text with the given format in one piece; hits into out. */
static scan_reader *scan_text(const char *text, scan_format fmt, bool final, sol_buf *out)
{
	scan_reader *r = scan_reader_new(ix, fmt, "t");
	buf_reset(out);
	assert_int_equal(scan_reader_feed(r, text, strlen(text), final, collect, out), 0);
	return r;
}

static void test_overlong(void **state)
{
	(void)state;
	size_t big = SCAN_MAX_LINE + 100;
	char *data = xmalloc(big + 64);
	memset(data, 'a', big);
	memcpy(data + 10, " 198.51.100.7 ", 14);
	strcpy(data + big, "\n203.0.113.9\n");
	size_t len = strlen(data);
	const char *want = "2\ttext\t203.0.113.9\t203.0.113.9\tind-3\t-\n";
	sol_buf got;
	buf_init(&got, 1 << 20);
	for (size_t step = 4096; step <= len; step *= 64) {
		scan_reader *r = scan_chunks(data, len, SCAN_TEXT, step, 0, &got);
		assert_string_equal(got.data, want);
		assert_int_equal(scan_reader_stats(r)->lines, 2);
		assert_int_equal(scan_reader_stats(r)->skipped, 1);
		scan_reader_free(r);
	}
	scan_reader *r = scan_chunks(data, len, SCAN_TEXT, len, 0, &got);
	assert_string_equal(got.data, want);
	assert_int_equal(scan_reader_stats(r)->skipped, 1);
	scan_reader_free(r);
	/* An overlong unterminated last line is skipped too. */
	data[big] = '\0';
	r = scan_chunks(data, big, SCAN_TEXT, 65536, 0, &got);
	assert_null(got.data ? (*got.data ? got.data : NULL) : NULL);
	assert_int_equal(scan_reader_stats(r)->skipped, 1);
	scan_reader_free(r);
	buf_fini(&got);
	free(data);
}

static void test_crlf_and_final(void **state)
{
	(void)state;
	sol_buf got;
	buf_init(&got, 1 << 20);
	scan_reader *r = scan_text("198.51.100.7:22\r\nsee 203.0.113.9", SCAN_AUTO, false, &got);
	assert_int_equal(scan_reader_stats(r)->lines, 1);
	assert_int_equal(scan_reader_stats(r)->hits, 2);
	assert_int_equal(scan_reader_feed(r, "", 0, true, collect, &got), 0);
	assert_string_equal(got.data, "1\ttext\t198.51.100.7\t198.51.100.7\tind-1\t-\n"
				      "1\ttext\t198.51.100.7\t198.51.100.7\tind-2\t-\n"
				      "2\ttext\t203.0.113.9\t203.0.113.9\tind-3\t-\n");
	assert_int_equal(scan_reader_stats(r)->lines, 2);
	scan_reader_free(r);

	/* A Zeek row without its newline counts if it has all its columns. */
	const char *hdr = "#separator \\x09\n#fields\tts\tid.orig_h\tquery\n"
			  "#types\ttime\taddr\tstring\n";
	char text[512];
	snprintf(text, sizeof text, "%s1.5\t203.0.113.9\tget.com", hdr);
	r = scan_text(text, SCAN_AUTO, true, &got);
	assert_string_equal(
	    got.data, "4\tid.orig_h\t203.0.113.9\t203.0.113.9\tind-3\t1970-01-01T00:00:01.500Z\n"
		      "4\tquery\tget.com\tget.com\tind-7\t1970-01-01T00:00:01.500Z\n");
	scan_reader_free(r);
	snprintf(text, sizeof text, "%s1.5\t203.0.113.9", hdr);
	r = scan_text(text, SCAN_AUTO, true, &got);
	assert_int_equal(scan_reader_stats(r)->hits, 0);
	assert_int_equal(scan_reader_stats(r)->skipped, 1);
	scan_reader_free(r);
	/* Rows before any #fields are skipped; a lone blank line is not. */
	r = scan_text("\n203.0.113.9\t1\n", SCAN_ZEEK_TSV, true, &got);
	assert_int_equal(scan_reader_stats(r)->skipped, 1);
	assert_int_equal(scan_reader_stats(r)->hits, 0);
	scan_reader_free(r);
	buf_fini(&got);
}

static int stop_at_first(void *ctx, const scan_hit *h)
{
	(void)h;
	(*(int *)ctx)++;
	return 7;
}

static void test_callback_stops(void **state)
{
	(void)state;
	const char *text = "198.51.100.7 203.0.113.9\n203.0.113.9\n";
	scan_reader *r = scan_reader_new(ix, SCAN_TEXT, NULL);
	int calls = 0;
	assert_int_equal(scan_reader_feed(r, text, strlen(text), true, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	assert_int_equal(scan_reader_stats(r)->lines, 1);
	scan_reader_free(r);
}

static void test_inherit(void **state)
{
	(void)state;
	size_t len;
	char *data = test_read_file("data/zeek.log", &len);
	/* The first reader sees the header (8 lines); the second gets the rest
	 * of the dns part (lines 9-13) and must number and read them alike. */
	const char *p = data;
	for (int i = 0; i < 8; i++)
		p = strchr(p, '\n') + 1;
	const char *q = p;
	for (int i = 0; i < 5; i++)
		q = strchr(q, '\n') + 1;
	sol_buf got;
	buf_init(&got, 1 << 20);
	scan_reader *head = scan_reader_new(ix, SCAN_AUTO, "zeek.log");
	assert_int_equal(scan_reader_feed(head, data, (size_t)(p - data), true, collect, &got), 0);
	assert_int_equal(scan_reader_format(head), SCAN_ZEEK_TSV);
	scan_reader *r = scan_reader_new(ix, SCAN_AUTO, "zeek.log");
	scan_reader_inherit(r, head, 9);
	assert_int_equal(scan_reader_feed(r, p, (size_t)(q - p), true, collect, &got), 0);
	char *want = expected_hits("zeek.log");
	char *end = strstr(want, "\n22\t");
	assert_non_null(end);
	end[1] = '\0';
	assert_string_equal(got.data, want);
	assert_int_equal(scan_reader_stats(r)->skipped, 1);
	free(want);
	scan_reader_free(r);
	scan_reader_free(head);
	buf_fini(&got);
	free(data);
}

/* A new snapshot forgets the values remembered as misses. */
static void test_set_index(void **state)
{
	(void)state;
	char *path = test_path(tmpdir, "empty.index");
	index_builder *b = index_builder_new();
	assert_int_equal(index_builder_write(b, path, NULL), 0);
	index_builder_free(b);
	index_snapshot *empty;
	assert_int_equal(index_open(path, &empty, NULL), 0);
	free(path);
	sol_buf got;
	buf_init(&got, 1 << 20);
	scan_reader *r = scan_reader_new(empty, SCAN_TEXT, "t");
	const char *line = "to 203.0.113.9 and get.com\n";
	assert_int_equal(scan_reader_feed(r, line, strlen(line), false, collect, &got), 0);
	assert_int_equal(scan_reader_stats(r)->hits, 0);
	assert_int_equal(scan_reader_stats(r)->values, 2);
	scan_reader_set_index(r, ix);
	assert_int_equal(scan_reader_feed(r, line, strlen(line), true, collect, &got), 0);
	assert_string_equal(got.data, "2\ttext\t203.0.113.9\t203.0.113.9\tind-3\t-\n"
				      "2\ttext\tget.com\tget.com\tind-7\t-\n");
	assert_int_equal(scan_reader_stats(r)->values, 4);
	scan_reader_free(r);
	index_close(empty);
	buf_fini(&got);
}

static void test_forced_text(void **state)
{
	(void)state;
	sol_buf got;
	buf_init(&got, 1 << 20);
	scan_reader *r = scan_text("{\"ts\":1,\"note\":\"hxxp://evil[.]example/dropper.exe\"}\n",
				   SCAN_TEXT, true, &got);
	assert_string_equal(got.data, "1\ttext\thttp://evil.example/dropper.exe\t"
				      "http://evil.example/dropper.exe\tind-9\t-\n"
				      "1\ttext\tevil.example\tevil.example\tind-6\t-\n");
	scan_reader_free(r);
	/* The same line as Zeek JSON has no field of interest. */
	r = scan_text("{\"ts\":1,\"note\":\"hxxp://evil[.]example/dropper.exe\"}\n", SCAN_AUTO,
		      true, &got);
	assert_int_equal(scan_reader_format(r), SCAN_ZEEK_JSON);
	assert_int_equal(scan_reader_stats(r)->values, 0);
	scan_reader_free(r);
	buf_fini(&got);
}

static void test_time_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		sol_time want;
	} cases[] = {
	    {"1793607000.123456", 1793607000123456},
	    {"1793607000", 1793607000000000},
	    {"1793607000.5", 1793607000500000},
	    {"2026-11-02T08:10:00Z", 1793607000000000},
	    {"2026-11-02T08:10:00.123456Z", 1793607000123456},
	    {"2026-11-02T08:10:00.123456789Z", 1793607000123456},
	    {"2026-11-02T08:10:00.123456+0000", 1793607000123456},
	    {"2026-11-02T09:10:00.000000+0100", 1793607000000000},
	    {"2026-11-02T03:10:00-05:00", 1793607000000000},
	    {"2026-11-02 08:10:00", 1793607000000000},
	    {"2026-11-02T08:10:00+01", SOL_TIME_NONE},
	    {"2026-13-02T08:10:00Z", SOL_TIME_NONE},
	    {"2026-11-02T08:10:00Zjunk", SOL_TIME_NONE},
	    {"yesterday", SOL_TIME_NONE},
	    {"999999999999.999999", 999999999999999999},
	    {"179360793607101.5", SOL_TIME_NONE},
	    {"", SOL_TIME_NONE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sol_time t = scan_time_parse(cases[i].text, strlen(cases[i].text));
		if (t != cases[i].want)
			fail_msg("%s: got %lld", cases[i].text, (long long)t);
	}
}

/* scan_run over path with t threads and chunks of `chunk` bytes; hits
 * into out, counters into st. */
static void run_file(const char *path, int threads, size_t chunk, sol_buf *out, scan_stats *st)
{
	scan_opts o;
	scan_opts_init(&o);
	o.threads = threads;
	o.chunk = chunk;
	char *paths[] = {(char *)path};
	sol_err err = {0};
	buf_reset(out);
	memset(st, 0, sizeof *st);
	index_snapshot *x = ix;
	assert_int_equal(scan_run(&x, paths, 1, &o, collect, out, st, &err), 0);
	assert_ptr_equal(x, ix);
}

/*
 * A file cut into chunks scanned in parallel gives the hits and counters
 * of one pass, whatever the cuts: each input repeated (the Zeek log holds
 * three header blocks, so most chunks start under a header other than the
 * file's first and must be scanned again), its last line unterminated,
 * in chunks smaller than a line up to larger than the file.
 */
static void test_run_chunks(void **state)
{
	(void)state;
	static const char *const inputs[] = {"zeek.log", "zeek.json", "eve.json", "text.txt"};
	static const size_t chunks[] = {97, 1000, 4096, 1 << 20};
	enum { COPIES = 12 };
	sol_buf want, got;
	buf_init(&want, 1 << 24);
	buf_init(&got, 1 << 24);
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		char src[256];
		snprintf(src, sizeof src, "data/%s", inputs[i]);
		size_t len;
		char *data = test_read_file(src, &len);
		sol_buf file;
		buf_init(&file, 1 << 24);
		for (int c = 0; c < COPIES; c++)
			assert_int_equal(buf_append(&file, data, len), 0);
		if (file.len > 0 && file.data[file.len - 1] == '\n')
			file.len--;
		char *path = test_path(tmpdir, inputs[i]);
		test_write_file(path, file.data, file.len);

		scan_reader *r = scan_chunks(file.data, file.len, SCAN_AUTO, file.len, 0, &want);
		scan_stats one = *scan_reader_stats(r);
		scan_reader_free(r);
		scan_stats st;
		run_file(path, 1, 0, &got, &st);
		assert_string_equal(got.data ? got.data : "", want.data ? want.data : "");
		assert_memory_equal(&st, &one, sizeof st);
		assert_true(one.hits > 0);
		for (int t = 2; t <= 3; t++) {
			for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
				run_file(path, t, chunks[c], &got, &st);
				if (strcmp(got.data ? got.data : "", want.data) != 0)
					fail_msg("%s, %d threads, chunks of %zu: got\n%s",
						 inputs[i], t, chunks[c], got.data ? got.data : "");
				assert_memory_equal(&st, &one, sizeof st);
			}
		}
		free(path);
		buf_fini(&file);
		free(data);
	}
	buf_fini(&want);
	buf_fini(&got);
}

/*
 * Headers far before a chunk. data/zeek.log's first block, then one of its
 * other blocks (http has as many columns as the first block, files fewer)
 * with its rows repeated past 600 KiB, scanned in chunks of 64 KiB and
 * more: chunks that start more than INPUT_BLOCK after the header in force
 * give the hits of one pass, whether their guess is caught by its column
 * count or only by the check against the chunk before.
 */
static void test_run_far_header(void **state)
{
	(void)state;
	static const size_t chunks[] = {65536, 100000};
	size_t len;
	char *data = test_read_file("data/zeek.log", &len);
	const char *blocks[4];
	size_t nblocks = 0;
	for (const char *p = data; p && nblocks < 4; p = strstr(p + 1, "\n#separator")) {
		blocks[nblocks++] = p == data ? p : p + 1;
	}
	assert_int_equal(nblocks, 3);
	blocks[nblocks] = data + len;
	sol_buf file, want, got;
	buf_init(&file, 1 << 24);
	buf_init(&want, 1 << 24);
	buf_init(&got, 1 << 24);
	for (size_t b = 1; b < nblocks; b++) {
		buf_reset(&file);
		assert_int_equal(buf_append(&file, blocks[0], (size_t)(blocks[1] - blocks[0])), 0);
		const char *rows = blocks[b];
		while (*rows == '#')
			rows = strchr(rows, '\n') + 1;
		assert_int_equal(buf_append(&file, blocks[b], (size_t)(rows - blocks[b])), 0);
		while (file.len < 600u << 10)
			assert_int_equal(buf_append(&file, rows, (size_t)(blocks[b + 1] - rows)),
					 0);
		char *path = test_path(tmpdir, "far.log");
		test_write_file(path, file.data, file.len);
		scan_reader *r = scan_chunks(file.data, file.len, SCAN_AUTO, file.len, 0, &want);
		scan_stats one = *scan_reader_stats(r);
		scan_reader_free(r);
		assert_true(one.hits > 100);
		for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
			scan_stats st;
			run_file(path, 2, chunks[c], &got, &st);
			if (strcmp(got.data ? got.data : "", want.data) != 0)
				fail_msg("block %zu, chunks of %zu: got\n%.2000s", b, chunks[c],
					 got.data ? got.data : "");
			assert_memory_equal(&st, &one, sizeof st);
		}
		free(path);
	}
	buf_fini(&file);
	buf_fini(&want);
	buf_fini(&got);
	free(data);
}

/* Empty files, a directory in name order, and inputs that fail. */
static void test_run_inputs(void **state)
{
	(void)state;
	char *dir = test_path(tmpdir, "logs");
	assert_int_equal(mkdir(dir, 0700), 0);
	char *empty = test_path(dir, "a-empty.log");
	char *text = test_path(dir, "b.txt");
	test_write_file(empty, "", 0);
	test_write_file(text, "x 198.51.100.7\ny get.com", 24);
	sol_buf got;
	buf_init(&got, 1 << 20);
	scan_stats st;
	for (int t = 1; t <= 2; t++) {
		run_file(dir, t, 1, &got, &st);
		assert_string_equal(got.data, "1\ttext\t198.51.100.7\t198.51.100.7\tind-1\t-\n"
					      "1\ttext\t198.51.100.7\t198.51.100.7\tind-2\t-\n"
					      "2\ttext\tget.com\tget.com\tind-7\t-\n");
		assert_int_equal(st.lines, 2);
		assert_int_equal(st.bytes, 24);
	}

	/* A missing input fails before anything is scanned; a corrupt gzip
	 * stream fails while it is, followed by more work than the threads'
	 * window holds: the error stops the run and names the input. */
	char *missing = test_path(dir, "missing.log");
	char *bad = test_path(tmpdir, "bad.gz");
	static const char gz[] = "\x1f\x8b\x08\x00garbage, not deflate";
	test_write_file(bad, gz, sizeof gz - 1);
	char *paths[40] = {text, missing};
	for (size_t i = 2; i < 40; i++)
		paths[i] = text;
	for (int t = 1; t <= 2; t++) {
		scan_opts o;
		scan_opts_init(&o);
		o.threads = t;
		sol_err err = {0};
		index_snapshot *x = ix;
		assert_int_equal(scan_run(&x, paths, 40, &o, collect, &got, &st, &err), SOL_EIO);
		assert_string_equal(err.where, missing);
		paths[1] = bad;
		assert_int_equal(scan_run(&x, paths, 40, &o, collect, &got, &st, &err), SOL_EPARSE);
		assert_string_equal(err.where, bad);
		paths[1] = missing;
	}
	buf_fini(&got);
	free(bad);
	free(missing);
	free(text);
	free(empty);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),          cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_overlong),       cmocka_unit_test(test_crlf_and_final),
	    cmocka_unit_test(test_callback_stops), cmocka_unit_test(test_inherit),
	    cmocka_unit_test(test_forced_text),    cmocka_unit_test(test_time_parse),
	    cmocka_unit_test(test_set_index),      cmocka_unit_test(test_run_chunks),
	    cmocka_unit_test(test_run_far_header), cmocka_unit_test(test_run_inputs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
