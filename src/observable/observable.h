/*
 * observable.h - parse, classify and normalise the values indicators are
 * about: IPv4/IPv6 addresses and CIDRs, domain names, URLs, email addresses
 * and file hashes; and refang defanged text ("hxxp", "[.]", "[at]").
 *
 * Normal forms (what the store keeps and the index looks up):
 *   ipv4    dotted quad, no leading zeros            "198.51.100.7"
 *   ipv6    RFC 5952 text (lowercase, :: compressed) "2001:db8::1"
 *   cidr4/6 network address + "/len", host bits must be zero; a /32 or
 *           /128 is not a CIDR but the plain address
 *   domain  lowercase, no trailing dot, IDNs as punycode (A-labels)
 *   url     scheme and host lowercased, default port dropped, percent-
 *           encoded unreserved characters decoded, empty path -> "/"
 *   email   local part as given, domain normalised as above
 *   hashes  lowercase hex; the kind is chosen by length (32/40/64/128)
 *
 * Ownership: obs_value is a caller-owned struct filled in place; nothing
 * here allocates on the caller's behalf. Functions are pure and
 * thread-safe.
 */
#ifndef SOL_OBSERVABLE_H
#define SOL_OBSERVABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum obs_kind {
	OBS_NONE = 0,
	OBS_IPV4,
	OBS_IPV6,
	OBS_CIDR4,
	OBS_CIDR6,
	OBS_DOMAIN,
	OBS_URL,
	OBS_EMAIL,
	OBS_MD5,
	OBS_SHA1,
	OBS_SHA256,
	OBS_SHA512,
	OBS_KIND_COUNT
} obs_kind;

#define OBS_VALUE_MAX 2048 /* longest normalised value we keep (URLs) */

typedef struct obs_value {
	obs_kind kind;            /* what the value is */
	uint8_t addr[16];         /* IPv4 in addr[0..3], IPv6 in addr[0..15] */
	uint8_t prefix;           /* CIDR prefix length; 32/128 for addresses */
	size_t len;               /* strlen(norm) */
	char norm[OBS_VALUE_MAX]; /* normal form, NUL-terminated */
} obs_value;

/*
 * Parse s[0..n) as a value of kind `want`, or detect the kind when want is
 * OBS_NONE (IP, CIDR, URL with scheme, email, hash by length, domain).
 * Wanting OBS_IPV4 also accepts a CIDR4 (and OBS_IPV6 a CIDR6); the result's
 * kind says which. Returns 0, or -1 if s is not a valid value of that kind
 * (out->kind is then OBS_NONE). Does not refang: call obs_refang first.
 */
int obs_parse(const char *s, size_t n, obs_kind want, obs_value *out);

/*
 * Refang s[0..n) into out (NUL-terminated, at most cap-1 bytes): hxxp(s)
 * -> http(s), [.] (.) {.} [dot] -> ".", [:] -> ":", [at] (at) [@] -> "@",
 * [/] -> "/", fxp -> ftp. Returns the output length, or (size_t)-1 if it
 * does not fit.
 */
size_t obs_refang(const char *s, size_t n, char *out, size_t cap);

/* Stable lowercase names: "ipv4", "ipv6", "cidr4", "cidr6", "domain",
 * "url", "email", "md5", "sha1", "sha256", "sha512". */
const char *obs_kind_name(obs_kind k);
obs_kind obs_kind_from_name(const char *name);

/*
 * The STIX 2.1 comparison expression that matches v, for indicators we
 * create: "ipv4-addr:value = '198.51.100.7'", "file:hashes.'SHA-256' = '…'",
 * "domain-name:value = 'evil.example'". Quotes and backslashes in the value
 * are escaped. Returns the length written (NUL-terminated), or (size_t)-1
 * if it does not fit in cap.
 */
size_t obs_stix_comparison(const obs_value *v, char *out, size_t cap);

#endif
