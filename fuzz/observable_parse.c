/*
 * observable_parse.c - fuzz obs_refang, obs_parse and obs_stix_comparison.
 *
 * The input is refanged, then the raw and the refanged bytes are parsed
 * with every wanted kind. Beyond "no crash" the target aborts when a
 * property fails:
 *   - refanging never lengthens, so it always fits in size + 1 bytes;
 *   - a failed parse leaves kind OBS_NONE and an empty normal form;
 *   - a value's kind is the wanted one (or its CIDR/address sibling) and
 *     len is strlen(norm);
 *   - a normal form is a fixed point: parsed again with the same want it
 *     gives the same kind and the same text;
 *   - every value has a STIX comparison that fits 2 * OBS_VALUE_MAX + 64.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "observable/observable.h"

enum { FUZZ_INPUT_MAX = 8192 }; /* longer inputs are cut: nothing new past it */

static bool kind_fits(obs_kind want, obs_kind got)
{
	if (want == OBS_NONE || want == got)
		return true;
	if (want == OBS_IPV4 || want == OBS_CIDR4)
		return got == OBS_IPV4 || got == OBS_CIDR4;
	if (want == OBS_IPV6 || want == OBS_CIDR6)
		return got == OBS_IPV6 || got == OBS_CIDR6;
	return false;
}

static void check_parse(const char *s, size_t n, obs_kind want)
{
	static obs_value v, again;
	static char expr[2 * OBS_VALUE_MAX + 64];
	if (obs_parse(s, n, want, &v) != 0) {
		if (v.kind != OBS_NONE || v.len != 0 || v.norm[0] != '\0')
			abort();
		return;
	}
	if (v.kind <= OBS_NONE || v.kind >= OBS_KIND_COUNT || !kind_fits(want, v.kind) ||
	    v.len >= OBS_VALUE_MAX || v.len != strlen(v.norm))
		abort();
	if (obs_parse(v.norm, v.len, want, &again) != 0 || again.kind != v.kind ||
	    again.len != v.len || memcmp(again.norm, v.norm, v.len) != 0)
		abort();
	if (obs_stix_comparison(&v, expr, sizeof expr) == (size_t)-1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char refanged[FUZZ_INPUT_MAX + 1];
	const char *s = (const char *)data;
	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;
	size_t n = obs_refang(s, size, refanged, size + 1);
	if (n > size)
		abort();
	for (int want = OBS_NONE; want < OBS_KIND_COUNT; want++) {
		check_parse(s, size, (obs_kind)want);
		check_parse(refanged, n, (obs_kind)want);
	}
	return 0;
}
