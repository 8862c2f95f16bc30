/*
 * scan_fuzz.h - what the three scanner fuzz targets share: a small index
 * built once (in a temporary file, mapped and unlinked), and one run that
 * feeds the input whole and then in two chunks split at a place derived
 * from the input, aborting if the two scans disagree on lines, skips or
 * hits (chunking must never change what is found).
 */
#ifndef SOL_FUZZ_SCAN_FUZZ_H
#define SOL_FUZZ_SCAN_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan/scan.h"

static const struct {
	obs_kind kind;
	bool sub;
	const char *value;
} fuzz_atoms[] = {
    {OBS_IPV4, false, "198.51.100.7"},
    {OBS_CIDR4, false, "203.0.113.128/25"},
    {OBS_IPV6, false, "2001:db8::1"},
    {OBS_DOMAIN, true, "evil.example"},
    {OBS_DOMAIN, false, "get.com"},
    {OBS_URL, false, "http://evil.example/dropper.exe"},
    {OBS_EMAIL, false, "Bob@phish.example"},
    {OBS_MD5, false, "d41d8cd98f00b204e9800998ecf8427e"},
    {OBS_SHA1, false, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {OBS_SHA256, false, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
};

static const index_snapshot *fuzz_index(void)
{
	static index_snapshot *ix;
	if (ix)
		return ix;
	char path[] = "/tmp/sol-fuzz-scan-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	index_builder *b = index_builder_new();
	for (size_t i = 0; i < sizeof fuzz_atoms / sizeof fuzz_atoms[0]; i++) {
		uint32_t ind = index_builder_indicator(b, "indicator--fuzz", "fuzz", TLP_CLEAR, 50,
						       SOL_TIME_NONE);
		if (index_builder_atom(b, ind, fuzz_atoms[i].kind, fuzz_atoms[i].sub,
				       fuzz_atoms[i].value) != 0)
			abort();
	}
	if (index_builder_write(b, path, NULL) != 0 || index_open(path, &ix, NULL) != 0)
		abort();
	index_builder_free(b);
	unlink(path);
	return ix;
}

/* Every hit must point at sane data. */
static int fuzz_hit(void *ctx, const scan_hit *h)
{
	(*(uint64_t *)ctx)++;
	if (!h->field || !h->observed || h->observed->len != strlen(h->observed->norm) ||
	    h->observed->kind == OBS_NONE || !h->hit || h->line == 0)
		abort();
	return 0;
}

static void fuzz_scan(const uint8_t *data, size_t size, scan_format fmt)
{
	const index_snapshot *ix = fuzz_index();
	const char *s = (const char *)data;
	size_t cut = size ? (size_t)(sol_hash64(data, size) % (size + 1)) : 0;
	uint64_t hits[2] = {0, 0};
	scan_stats st[2];
	for (int run = 0; run < 2; run++) {
		scan_reader *r = scan_reader_new(ix, fmt, "fuzz");
		size_t first = run == 0 ? size : cut;
		scan_reader_feed(r, s, first, run == 0, fuzz_hit, &hits[run]);
		if (run == 1)
			scan_reader_feed(r, s + first, size - first, true, fuzz_hit, &hits[run]);
		st[run] = *scan_reader_stats(r);
		scan_reader_free(r);
	}
	if (hits[0] != hits[1] || st[0].lines != st[1].lines || st[0].skipped != st[1].skipped ||
	    st[0].hits != hits[0] || st[0].bytes != size || st[1].bytes != size)
		abort();
}

#endif
