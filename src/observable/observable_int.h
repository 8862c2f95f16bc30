/*
 * observable_int.h - what the files of the observable module share and
 * nobody else may call: one parser per family of kinds, which obs_parse
 * (parse.c) dispatches to, and the small byte classifiers they all use.
 *
 * Every parser reads s[0..n) (not NUL-terminated, any bytes), writes the
 * normal form into out->norm, sets out->kind and out->len and returns 0, or
 * returns -1 leaving out half-written (obs_parse resets it). None of them
 * allocates, except that a domain with non-ASCII bytes goes through libidn2.
 */
#ifndef SOL_OBSERVABLE_INT_H
#define SOL_OBSERVABLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "observable/observable.h"

enum {
	OBS_IP_TEXT_MAX = 46,       /* longest address text + NUL (INET6_ADDRSTRLEN) */
	OBS_DOMAIN_MAX = 253,       /* longest domain name, without the trailing dot */
	OBS_LABEL_MAX = 63,         /* longest label */
	OBS_DOMAIN_UTF8_MAX = 1024, /* longest UTF-8 domain handed to libidn2 */
};

/* Value of hex digit c (either case), or -1. Locale-free. */
static inline int obs_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static inline bool obs_is_alpha(unsigned char c)
{
	c |= 0x20;
	return c >= 'a' && c <= 'z';
}

static inline bool obs_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline char obs_lower(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
}

/* Strict dotted quad into a[0..3]: four octets 0..255, no leading zeros. */
int obs_ipv4_scan(const char *s, size_t n, uint8_t a[4]);
/* Any RFC 4291 IPv6 text form into a[0..15]; no zone id. */
int obs_ipv6_scan(const char *s, size_t n, uint8_t a[16]);
/* Normal text of an address (family 4 or 6) into out[OBS_IP_TEXT_MAX];
 * returns its length. */
size_t obs_ip_format(int family, const uint8_t *a, char *out);
/* Address or CIDR of family 4 or 6, or either when family is 0. */
int obs_ip_parse(const char *s, size_t n, int family, obs_value *out);

/*
 * Normalise a domain name into out (cap bytes, NUL-terminated) and set
 * *len. detect asks for what auto-detection needs: two labels at least and
 * an alphabetic or "xn--" top-level label.
 */
int obs_domain_normalise(const char *s, size_t n, bool detect, char *out, size_t cap, size_t *len);

int obs_url_parse(const char *s, size_t n, obs_value *out);
/* detect is passed on to the domain part. */
int obs_email_parse(const char *s, size_t n, bool detect, obs_value *out);
/* want is OBS_NONE (kind by length) or one of the four hash kinds. */
int obs_hash_parse(const char *s, size_t n, obs_kind want, obs_value *out);

#endif
