/*
 * id.c - UUIDs (random v4 from getrandom(2), name-based v5 with OpenSSL's
 * SHA-1 as RFC 9562 requires; STIX 2.1 uses v5 for SCO ids) and the 64-bit
 * content hash used to tell identical versions from conflicting ones.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <xxhash.h>

#include "core/core.h"

static void uuid_format(const uint8_t b[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
	}
	*p = '\0';
}

/*
 * SHA-1 for UUIDv5 is on the import hot path (one per list value): the
 * algorithm is fetched once per process and each thread keeps its digest
 * context, freed when the thread exits.
 */
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha1_md;
static pthread_key_t sha1_key;

static void sha1_ctx_free(void *c)
{
	EVP_MD_CTX_free(c);
}

static void sha1_init(void)
{
	sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
	if (!sha1_md || pthread_key_create(&sha1_key, sha1_ctx_free) != 0)
		abort();
}

static EVP_MD_CTX *sha1_ctx(void)
{
	pthread_once(&sha1_once, sha1_init);
	EVP_MD_CTX *c = pthread_getspecific(sha1_key);
	if (!c) {
		c = EVP_MD_CTX_new();
		if (!c || pthread_setspecific(sha1_key, c) != 0)
			abort();
	}
	return c;
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
	EVP_MD_CTX *c = sha1_ctx();
	if (!EVP_DigestInit_ex2(c, sha1_md, NULL) || !EVP_DigestUpdate(c, nsb, sizeof nsb) ||
	    !EVP_DigestUpdate(c, name, len) || !EVP_DigestFinal_ex(c, md, &mdlen))
		abort();
	md[6] = (uint8_t)((md[6] & 0x0f) | 0x50);
	md[8] = (uint8_t)((md[8] & 0x3f) | 0x80);
	uuid_format(md, out);
}

uint64_t sol_hash64(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}
