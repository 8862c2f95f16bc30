/*
 * parse.c - obs_parse: hand a value to the parser of the wanted kind, or
 * find its kind.
 *
 * Detection makes one pass over the bytes to note which separators occur,
 * then asks at most two parsers, in an order where no two can both accept:
 *   "scheme://"             a URL, or nothing
 *   '@'                     an email address, or nothing
 *   32/40/64/128 hex digits a hash
 *   hex digits : . /        an IP address or CIDR, if it parses as one
 *   no ':' or '/'           a domain (two labels, alphabetic TLD)
 * Called for every token of every log line: no allocation (except libidn2
 * for non-ASCII domains), no locale, no copy of the value.
 */
#include <string.h>

#include "observable/observable_int.h"

static int parse_domain(const char *s, size_t n, bool detect, obs_value *out)
{
	if (obs_domain_normalise(s, n, detect, out->norm, sizeof out->norm, &out->len) != 0)
		return -1;
	out->kind = OBS_DOMAIN;
	return 0;
}

static int parse_detect(const char *s, size_t n, obs_value *out)
{
	bool scheme = false, at = false, sep = false, hex = true, ipchars = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (obs_hex_value(c) >= 0)
			continue;
		hex = false;
		if (c == ':') {
			sep = true;
			scheme = scheme || (n - i > 2 && s[i + 1] == '/' && s[i + 2] == '/');
		} else if (c == '/') {
			sep = true;
		} else if (c == '@') {
			at = true;
		} else if (c != '.') {
			ipchars = false;
		}
	}
	if (scheme)
		return obs_url_parse(s, n, out);
	if (at)
		return obs_email_parse(s, n, true, out);
	if (hex && obs_hash_parse(s, n, OBS_NONE, out) == 0)
		return 0;
	if (ipchars && obs_ip_parse(s, n, 0, out) == 0)
		return 0;
	return sep ? -1 : parse_domain(s, n, true, out);
}

int obs_parse(const char *s, size_t n, obs_kind want, obs_value *out)
{
	int rc = -1;
	out->kind = OBS_NONE;
	out->prefix = 0;
	out->len = 0;
	memset(out->addr, 0, sizeof out->addr);
	if (n == 0) {
		out->norm[0] = '\0';
		return -1;
	}
	switch (want) {
	case OBS_NONE: rc = parse_detect(s, n, out); break;
	case OBS_IPV4:
	case OBS_CIDR4: rc = obs_ip_parse(s, n, 4, out); break;
	case OBS_IPV6:
	case OBS_CIDR6: rc = obs_ip_parse(s, n, 6, out); break;
	case OBS_DOMAIN: rc = parse_domain(s, n, false, out); break;
	case OBS_URL: rc = obs_url_parse(s, n, out); break;
	case OBS_EMAIL: rc = obs_email_parse(s, n, false, out); break;
	case OBS_MD5:
	case OBS_SHA1:
	case OBS_SHA256:
	case OBS_SHA512: rc = obs_hash_parse(s, n, want, out); break;
	default: break;
	}
	if (rc != 0) {
		out->kind = OBS_NONE;
		out->prefix = 0;
		out->len = 0;
		out->norm[0] = '\0';
		return -1;
	}
	return 0;
}
