/*
 * hash.c - file hashes as hex: the length says the algorithm (32 MD5,
 * 40 SHA-1, 64 SHA-256, 128 SHA-512) and the normal form is lowercase.
 */
#include "observable/observable_int.h"

int obs_hash_parse(const char *s, size_t n, obs_kind want, obs_value *out)
{
	obs_kind kind;
	switch (n) {
	case 32: kind = OBS_MD5; break;
	case 40: kind = OBS_SHA1; break;
	case 64: kind = OBS_SHA256; break;
	case 128: kind = OBS_SHA512; break;
	default: return -1;
	}
	if (want != OBS_NONE && want != kind)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (obs_hex_value((unsigned char)s[i]) < 0)
			return -1;
		out->norm[i] = obs_lower((unsigned char)s[i]);
	}
	out->norm[n] = '\0';
	out->len = n;
	out->kind = kind;
	return 0;
}
