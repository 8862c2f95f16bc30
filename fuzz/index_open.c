/*
 * index_open.c - fuzz the index snapshot reader: the input is a snapshot
 * file. It is opened from memory twice, with the checksums (what
 * index_open does with a file) and without them, so that mutations reach
 * the bounds checks behind the checksums. Whenever a snapshot opens, the
 * target looks up one value of every kind, reads every hit's indicator,
 * the first indicators and the info: a snapshot that passes index_open
 * must never make a lookup read out of bounds (ASan aborts if it does).
 * Beyond that it aborts when a property fails: a hit's value length is
 * its strlen and its indicator number is below the indicator count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/format.h"

enum { FUZZ_INDICATORS_READ = 64 }; /* indicator records read per snapshot */

static void exercise(const index_snapshot *ix)
{
	static const char *const values[] = {
	    "198.51.100.7",
	    "10.1.2.3",
	    "2001:db8::1",
	    "::ffff:192.0.2.1",
	    "10.0.0.0/8",
	    "a.b.evil.example",
	    "evil.example",
	    "http://evil.example/",
	    "bad@evil.example",
	    "d41d8cd98f00b204e9800998ecf8427e",
	    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	static obs_value v;
	index_info info;
	index_info_get(ix, &info);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		index_hit hits[INDEX_MAX_HITS];
		if (obs_parse(values[i], strlen(values[i]), OBS_NONE, &v) != 0)
			abort();
		size_t n = index_lookup(ix, &v, hits, INDEX_MAX_HITS);
		for (size_t j = 0; j < n && j < INDEX_MAX_HITS; j++) {
			index_indicator r;
			char buf[INDEX_VALUE_BUF];
			size_t len;
			const char *value = index_hit_value(&hits[j], buf, &len);
			if (hits[j].ind >= info.indicators || strlen(value) != len)
				abort();
			index_indicator_get(ix, hits[j].ind, &r);
			if (strlen(r.id) + strlen(r.source) == (size_t)-1)
				abort();
		}
	}
	for (uint32_t i = 0; i < info.indicators && i < FUZZ_INDICATORS_READ; i++) {
		index_indicator r;
		index_indicator_get(ix, i, &r);
		if (strlen(r.id) + strlen(r.source) == (size_t)-1)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t *copy = malloc(size + 8); /* 8-byte aligned, as a mapping is */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (int sum = 0; sum < 2; sum++) {
		index_snapshot *ix;
		if (index_open_mem(copy, size, sum == 0, &ix, NULL) == 0) {
			exercise(ix);
			index_close(ix);
		}
	}
	free(copy);
	return 0;
}
