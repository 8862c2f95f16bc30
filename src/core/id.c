/*
 * id.c - UUIDs (random v4 from getrandom(2), name-based v5 with OpenSSL's
 * SHA-1 as RFC 9562 requires; STIX 2.1 uses v5 for SCO ids) and the 64-bit
 * content hash used to tell identical versions from conflicting ones.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <xxhash.h>

#include "core/core.h"

static void uuid_format(const uint8_t b[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool sol_uuid_valid(const char *s, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (hexval(s[i]) < 0) {
			return false;
		}
	}
	return true;
}

void sol_uuid4(char out[37])
{
	uint8_t b[16];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	uuid_format(b, out);
}

void sol_uuid5(const char *ns, const void *name, size_t len, char out[37])
{
	uint8_t nsb[16] = {0};
	for (int i = 0, j = 0; ns[i] && j < 16; i++) {
		if (ns[i] == '-')
			continue;
		nsb[j] = (uint8_t)(hexval(ns[i]) << 4 | hexval(ns[i + 1]));
		i++;
		j++;
	}
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex(c, EVP_sha1(), NULL) ||
	    !EVP_DigestUpdate(c, nsb, sizeof nsb) || !EVP_DigestUpdate(c, name, len) ||
	    !EVP_DigestFinal_ex(c, md, &mdlen))
		abort();
	EVP_MD_CTX_free(c);
	md[6] = (uint8_t)((md[6] & 0x0f) | 0x50);
	md[8] = (uint8_t)((md[8] & 0x3f) | 0x80);
	uuid_format(md, out);
}

uint64_t sol_hash64(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}
