/*
 * ip.c - IPv4 and IPv6 addresses and CIDR blocks.
 *
 * IPv4 is read by hand: exactly four decimal octets 0..255 separated by
 * dots, no leading zeros ("010.1.1.1" is octal to some resolvers, so it is
 * refused rather than guessed), nothing before or after.
 *
 * IPv6 is first screened to hold only hex digits, ':' and '.', which keeps
 * out zone ids ("fe80::1%eth0"), blanks and NULs; then it is copied to a
 * NUL-terminated stack buffer for glibc's inet_pton, which takes every
 * RFC 4291 form (compressed, mixed case, embedded IPv4). glibc's inet_ntop
 * writes the RFC 5952 form: lowercase, no leading zeros, the longest run of
 * two or more zero groups as "::", and "::ffff:1.2.3.4" for mapped IPv4.
 *
 * A CIDR is "address/len" with len in decimal, no leading zeros. Host bits
 * are cleared, so the normal form is the network; a /32 or /128 is the
 * plain address and gets kind IPV4 or IPV6.
 */
#include <arpa/inet.h>
#include <string.h>

#include "observable/observable_int.h"

int obs_ipv4_scan(const char *s, size_t n, uint8_t a[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		size_t start = i;
		unsigned v = 0;
		while (i < n && i - start < 3 && obs_is_digit((unsigned char)s[i]))
			v = v * 10 + (unsigned)(s[i++] - '0');
		size_t digits = i - start;
		if (digits == 0 || v > 255 || (digits > 1 && s[start] == '0'))
			return -1;
		a[part] = (uint8_t)v;
	}
	return i == n ? 0 : -1;
}

int obs_ipv6_scan(const char *s, size_t n, uint8_t a[16])
{
	char text[OBS_IP_TEXT_MAX];
	if (n < 2 || n >= sizeof text)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (obs_hex_value((unsigned char)s[i]) < 0 && s[i] != ':' && s[i] != '.')
			return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	return inet_pton(AF_INET6, text, a) == 1 ? 0 : -1;
}

/* v (< 1000) in decimal at p, no NUL; returns the digits written. */
static size_t ip_decimal_put(char *p, unsigned v)
{
	size_t len = 0;
	if (v >= 100)
		p[len++] = (char)('0' + v / 100);
	if (v >= 10)
		p[len++] = (char)('0' + v / 10 % 10);
	p[len++] = (char)('0' + v % 10);
	return len;
}

size_t obs_ip_format(int family, const uint8_t *a, char *out)
{
	if (family == 6) {
		inet_ntop(AF_INET6, a, out, OBS_IP_TEXT_MAX);
		return strlen(out);
	}
	size_t len = 0;
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			out[len++] = '.';
		len += ip_decimal_put(out + len, a[i]);
	}
	out[len] = '\0';
	return len;
}

/* The prefix length after the '/': 0..max in decimal, no leading zeros. */
static int ip_prefix_scan(const char *s, size_t n, unsigned max, unsigned *prefix)
{
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!obs_is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*prefix = v;
	return 0;
}

int obs_ip_parse(const char *s, size_t n, int family, obs_value *out)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	int fam;
	memset(out->addr, 0, sizeof out->addr);
	if (family != 6 && obs_ipv4_scan(s, alen, out->addr) == 0)
		fam = 4;
	else if (family != 4 && obs_ipv6_scan(s, alen, out->addr) == 0)
		fam = 6;
	else
		return -1;

	unsigned bits = fam == 4 ? 32 : 128, prefix = bits;
	if (slash && ip_prefix_scan(slash + 1, n - alen - 1, bits, &prefix) != 0)
		return -1;
	for (unsigned i = prefix / 8; i < bits / 8; i++) {
		unsigned keep = prefix > i * 8 ? prefix - i * 8 : 0;
		out->addr[i] &= (uint8_t)(0xff00u >> keep);
	}

	out->prefix = (uint8_t)prefix;
	out->len = obs_ip_format(fam, out->addr, out->norm);
	if (prefix == bits) {
		out->kind = fam == 4 ? OBS_IPV4 : OBS_IPV6;
		return 0;
	}
	out->norm[out->len++] = '/';
	out->len += ip_decimal_put(out->norm + out->len, prefix);
	out->norm[out->len] = '\0';
	out->kind = fam == 4 ? OBS_CIDR4 : OBS_CIDR6;
	return 0;
}
