/*
 * url.c - URLs: scheme "://" [userinfo "@"] host [":" port] [path] ["?" query].
 *
 * The URL is read left to right and its normal form written as we go:
 *   scheme    a letter, then letters, digits, '+', '-', '.'; lowercased
 *   userinfo  everything before the first '@' of the authority, kept
 *   host      "[IPv6]" (RFC 5952 inside), a dotted quad, or a domain name
 *             normalised by domain.c (a single label such as "localhost"
 *             is fine here: the scheme already says this is a URL)
 *   port      decimal 0..65535, written without leading zeros and dropped
 *             when empty or the scheme's default (http 80, https 443, ftp 21)
 *   path      "/" when empty; path and query keep their bytes except that
 *             percent escapes of unreserved characters (ALPHA DIGIT - . _ ~)
 *             are decoded, other escapes get uppercase hex, and bytes >= 0x80
 *             are percent-encoded (an IRI becomes its URI)
 *   fragment  dropped: it never reaches the server
 * Blanks, control bytes and a '%' without two hex digits make it no URL.
 */
#include <string.h>

#include "observable/observable_int.h"

/* The normal form being written into out->norm; overflow fails the parse. */
struct url_out {
	obs_value *v; /* value whose norm is being filled */
	bool over;    /* something did not fit */
};

static void url_put(struct url_out *w, const char *p, size_t n)
{
	obs_value *v = w->v;
	if (n >= OBS_VALUE_MAX - v->len) {
		w->over = true;
		return;
	}
	memcpy(v->norm + v->len, p, n);
	v->len += n;
	v->norm[v->len] = '\0';
}

static bool url_unreserved(unsigned char c)
{
	return obs_is_alpha(c) || obs_is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static void url_put_escape(struct url_out *w, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = {'%', hex[c >> 4], hex[c & 15]};
	url_put(w, e, 3);
}

/* Userinfo, path or query, with percent escapes normalised. */
static int url_put_part(struct url_out *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f)
			return -1;
		if (c >= 0x80) {
			url_put_escape(w, c);
		} else if (c == '%') {
			int hi = i + 2 < n ? obs_hex_value((unsigned char)s[i + 1]) : -1;
			int lo = hi >= 0 ? obs_hex_value((unsigned char)s[i + 2]) : -1;
			if (lo < 0)
				return -1;
			unsigned char d = (unsigned char)(hi << 4 | lo);
			if (url_unreserved(d))
				url_put(w, (const char *)&d, 1);
			else
				url_put_escape(w, d);
			i += 2;
		} else {
			url_put(w, (const char *)&c, 1);
		}
	}
	return 0;
}

/* The host of the authority: "[IPv6]", dotted quad or domain name. */
static int url_put_host(struct url_out *w, const char *s, size_t n)
{
	uint8_t a[16];
	char text[OBS_IP_TEXT_MAX + 2];
	size_t len;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (obs_ipv6_scan(s + 1, n - 2, a) != 0)
			return -1;
		text[0] = '[';
		len = 1 + obs_ip_format(6, a, text + 1);
		text[len++] = ']';
		url_put(w, text, len);
		return 0;
	}
	if (obs_ipv4_scan(s, n, a) == 0) {
		len = obs_ip_format(4, a, text);
		url_put(w, text, len);
		return 0;
	}
	obs_value *v = w->v;
	if (obs_domain_normalise(s, n, false, v->norm + v->len, OBS_VALUE_MAX - v->len, &len) != 0)
		return -1;
	v->len += len;
	return 0;
}

/* The port after ':' (may be empty); *port is -1 when there is none. */
static int url_port_scan(const char *s, size_t n, long *port)
{
	*port = -1;
	if (n > 5)
		return -1;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!obs_is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -1;
	if (n > 0)
		*port = v;
	return 0;
}

static long url_default_port(const char *scheme, size_t n)
{
	static const struct {
		const char *scheme; /* lowercase scheme */
		long port;          /* its default port */
	} defaults[] = {{"http", 80}, {"https", 443}, {"ftp", 21}};
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (strlen(defaults[i].scheme) == n && memcmp(defaults[i].scheme, scheme, n) == 0)
			return defaults[i].port;
	return -1;
}

int obs_url_parse(const char *s, size_t n, obs_value *out)
{
	struct url_out w = {.v = out, .over = false};
	out->len = 0;

	size_t k = 0;
	while (k < n && (obs_is_alpha((unsigned char)s[k]) || obs_is_digit((unsigned char)s[k]) ||
			 s[k] == '+' || s[k] == '-' || s[k] == '.'))
		k++;
	if (k == 0 || !obs_is_alpha((unsigned char)s[0]) || n - k < 3 || memcmp(s + k, "://", 3))
		return -1;
	for (size_t i = 0; i < k; i++) {
		char c = obs_lower((unsigned char)s[i]);
		url_put(&w, &c, 1);
	}
	url_put(&w, "://", 3);

	const char *auth = s + k + 3, *end = s + n;
	const char *auth_end = auth;
	while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
		auth_end++;
	const char *host = auth;
	const char *at = memchr(auth, '@', (size_t)(auth_end - auth));
	if (at) {
		if (url_put_part(&w, auth, (size_t)(at - auth)) != 0)
			return -1;
		url_put(&w, "@", 1);
		host = at + 1;
	}
	const char *host_end = host;
	if (host < auth_end && *host == '[') {
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		host_end = host_end ? host_end + 1 : auth_end;
	} else {
		while (host_end < auth_end && *host_end != ':')
			host_end++;
	}
	if (w.over || url_put_host(&w, host, (size_t)(host_end - host)) != 0)
		return -1;

	long port = -1;
	if (host_end < auth_end) {
		if (*host_end != ':' ||
		    url_port_scan(host_end + 1, (size_t)(auth_end - host_end - 1), &port) != 0)
			return -1;
	}
	if (port >= 0 && port != url_default_port(out->norm, k)) {
		char text[8];
		size_t len = 0;
		text[len++] = ':';
		for (long div = 10000; div > 0; div /= 10)
			if (port >= div || div == 1)
				text[len++] = (char)('0' + port / div % 10);
		url_put(&w, text, len);
	}

	const char *frag = memchr(auth_end, '#', (size_t)(end - auth_end));
	if (frag)
		end = frag;
	if (auth_end == end || *auth_end == '?')
		url_put(&w, "/", 1);
	if (url_put_part(&w, auth_end, (size_t)(end - auth_end)) != 0 || w.over)
		return -1;
	out->kind = OBS_URL;
	return 0;
}
