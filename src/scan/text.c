/*
 * text.c - free text: every address, domain, URL, email address and hash
 * in a line, wherever it stands.
 *
 * Tokens. One pass over the line with a 256-entry class table cuts it
 * into tokens: runs of the bytes a URL may hold (letters, digits and
 * -._~:/?#[]@!$&()*+=%{}). Blanks, quotes, commas, semicolons, angle
 * brackets, control bytes and every byte >= 0x80 end a token, so binary
 * junk and invalid UTF-8 fall apart into short ASCII pieces. While
 * cutting, the classes of a token's bytes are OR-ed together; a token
 * shorter than a hash with no '.', ':', '@' or bracket cannot hold a
 * value and costs nothing more.
 *
 * Refanging. Only a token holding a bracket, or one that could be a URL,
 * is refanged (obs_refang into r->tok): "hxxp[:]//evil[.]example",
 * "bob[at]evil(.)example", "198.51.100[.]7".
 *
 * Tokens that hit nothing are remembered in the reader's negative cache
 * (scan_int.h), so a token seen before ("sshd[42]:", the resolver's
 * address) costs a hash and a compare.
 *
 * Values. A token with "://" after a scheme holds a URL running to the
 * token's end, less trailing punctuation and unbalanced ')' or ']'; it is
 * reported, and so is its host. The rest is cut into atoms, runs of
 * letters, digits and .-_:@ (so "md5=<hex>" or "sshd[42]:" give their
 * parts). "[v6]" and "[v6]:port" are read as addresses first. Each atom
 * loses leading and trailing dots, dashes and lone colons, then:
 *   '@'              an email address, and its domain
 *   no ':'           an IPv4 address, a domain or a hash (obs_parse detects)
 *   one ':'          "host:port" gives host; else both sides as atoms
 *   more ':'         an IPv6 address if it has "::" or seven colons; else
 *                    each piece as an atom ("10:12:01", MAC addresses)
 * Atoms are whole tokens of the line, so "get.com" is never found inside
 * "www.engadget.com" and a hash never inside a longer hex string (the
 * index still matches a subdomain indicator on its parent names). Every
 * value is reported with the field "text".
 */
#include <string.h>

#include "scan/scan_int.h"

enum {
	T_TOK = 0x01,   /* may be part of a token (a URL byte) */
	T_DOT = 0x02,   /* '.' */
	T_COLON = 0x04, /* ':' */
	T_AT = 0x08,    /* '@' */
	T_BRK = 0x10,   /* brackets, parentheses, braces: defanging */
	T_SLASH = 0x20, /* '/' */
	T_ATOM = 0x40,  /* letter, digit, . - _ : @ */
	T_HEX = 0x80,   /* hex digit */
};

/* Byte classes for the ASCII range; bytes >= 0x80 are 0 (delimiters). */
static const uint8_t text_class[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01, 0x00, 0x11, 0x11, 0x01, 0x01, 0x00, 0x41, 0x43, 0x21,
    0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0x45, 0x00, 0x00, 0x01, 0x00, 0x01,
    0x49, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x11, 0x00, 0x11, 0x00, 0x41,
    0x00, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x11, 0x00, 0x11, 0x01, 0x00,
};

static const char TEXT_FIELD[] = "text";

static uint8_t cls(char c)
{
	return text_class[(unsigned char)c];
}

/* Bytes trimmed from both ends of an atom (a lone ':' is handled apart). */
static bool is_edge(char c)
{
	return c == '.' || c == '-' || c == '_' || c == '@';
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Read s[0..n) as class cls and report its hits. */
static int text_emit(scan_reader *r, const char *s, size_t n, scan_class cls)
{
	return scan_value_emit(r, TEXT_FIELD, s, n, cls);
}

/*
 * Digits and dots but not four parts, like the epoch time "1521911720.61":
 * neither an IPv4 address nor a domain (whose top label is alphabetic), so
 * not worth a parse. Every line of many logs has a time that is unique.
 */
static bool numeric_not_ipv4(const char *a, size_t n)
{
	size_t dots = 0;
	for (size_t i = 0; i < n; i++) {
		if (a[i] == '.')
			dots++;
		else if (a[i] < '0' || a[i] > '9')
			return false;
	}
	return dots != 3;
}

/* An atom without colons: an IPv4 address, a domain or a hash. */
static int text_plain(scan_reader *r, const char *a, size_t n)
{
	if (n == 0)
		return 0;
	if (memchr(a, '.', n))
		return numeric_not_ipv4(a, n) ? 0 : text_emit(r, a, n, SCAN_C_ANY);
	if (n != 32 && n != 40 && n != 64 && n != 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(cls(a[i]) & T_HEX))
			return 0;
	return text_emit(r, a, n, SCAN_C_ANY);
}

/* Each ':'-separated piece of a[0..n) as a plain atom. */
static int text_pieces(scan_reader *r, const char *a, size_t n)
{
	for (const char *e = a + n, *q; a <= e; a = q + 1) {
		q = memchr(a, ':', (size_t)(e - a));
		if (!q)
			q = e;
		int rc = text_plain(r, a, (size_t)(q - a));
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int text_atom(scan_reader *r, const char *a, size_t n)
{
	while (n > 0 && (is_edge(a[0]) || (a[0] == ':' && !(n > 1 && a[1] == ':'))))
		a++, n--;
	while (n > 0 && (is_edge(a[n - 1]) || (a[n - 1] == ':' && !(n > 1 && a[n - 2] == ':'))))
		n--;
	if (n == 0)
		return 0;
	const char *at = memrchr(a, '@', n);
	if (at) {
		int rc = memchr(a, ':', n) ? 0 : text_emit(r, a, n, SCAN_C_EMAIL);
		size_t dn = n - (size_t)(at + 1 - a);
		return rc != 0 ? rc : text_pieces(r, at + 1, dn);
	}
	const char *colon = memchr(a, ':', n);
	if (!colon)
		return text_plain(r, a, n);
	if (!memchr(colon + 1, ':', n - (size_t)(colon + 1 - a))) {
		size_t pn = n - (size_t)(colon + 1 - a);
		if (pn <= 5 && all_digits(colon + 1, pn))
			return text_plain(r, a, (size_t)(colon - a));
		return text_pieces(r, a, n);
	}
	/* An IPv6 address has "::" or seven colons; "10:12:01" and MACs do not. */
	bool v6chars = true, pair = false;
	size_t colons = 0;
	for (size_t i = 0; i < n && v6chars; i++) {
		v6chars = (cls(a[i]) & T_HEX) || a[i] == ':' || a[i] == '.';
		colons += a[i] == ':';
		pair = pair || (a[i] == ':' && i > 0 && a[i - 1] == ':');
	}
	if (v6chars && (colons == 7 || pair))
		return text_emit(r, a, n, SCAN_C_IP);
	return text_pieces(r, a, n);
}

/* "[addr]" or "[addr]:port" at t[0..len): the address's length inside the
 * brackets, or 0 if t does not start with one. */
static size_t bracket_addr(const char *t, size_t len)
{
	size_t i = 1;
	while (i < len && i < 48 && ((cls(t[i]) & T_HEX) || t[i] == ':' || t[i] == '.'))
		i++;
	return i > 1 && i < len && t[i] == ']' ? i - 1 : 0;
}

/* Cut t[0..len) into atoms and read each. */
static int text_atoms(scan_reader *r, const char *t, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (t[i] == '[') {
			size_t an = bracket_addr(t + i, len - i);
			if (an > 0) {
				int rc = text_atom(r, t + i + 1, an);
				if (rc != 0)
					return rc;
				i += an + 2;
				if (i < len && t[i] == ':') {
					size_t p = i + 1;
					while (p < len && t[p] >= '0' && t[p] <= '9')
						p++;
					if (p > i + 1)
						i = p;
				}
				continue;
			}
		}
		if (!(cls(t[i]) & T_ATOM)) {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && (cls(t[i]) & T_ATOM))
			i++;
		int rc = text_atom(r, t + start, i - start);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Length of the URL at u[0..n) without trailing punctuation. */
static size_t url_trim(const char *u, size_t n)
{
	for (;;) {
		if (n == 0)
			return 0;
		char c = u[n - 1];
		if (c == '.' || c == ':' || c == '!' || c == '?' || c == '*') {
			n--;
		} else if (c == ')' || c == ']' || c == '}') {
			char open = c == ')' ? '(' : c == ']' ? '[' : '{';
			size_t opens = 0, closes = 0;
			for (size_t i = 0; i < n; i++) {
				opens += u[i] == open;
				closes += u[i] == c;
			}
			if (closes <= opens)
				return n;
			n--;
		} else {
			return n;
		}
	}
}

/* Report the URL u[0..n) and then its host. */
static int text_url(scan_reader *r, const char *u, size_t n)
{
	if (obs_parse(u, n, OBS_URL, &r->val) != 0)
		return text_atoms(r, u, n);
	int rc = scan_lookup(r, TEXT_FIELD);
	if (rc != 0)
		return rc;
	/* The normal form's authority: after "://", before '/', '?' or '#'. */
	const char *norm = r->val.norm, *h = strstr(norm, "://");
	if (!h)
		return 0;
	h += 3;
	size_t an = strcspn(h, "/?#");
	const char *at = memrchr(h, '@', an);
	if (at) {
		an -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	char host[OBS_VALUE_MAX];
	if (an == 0 || an >= sizeof host)
		return 0;
	memcpy(host, h, an);
	if (host[0] == '[') {
		const char *close = memchr(host, ']', an);
		return close ? text_emit(r, host + 1, (size_t)(close - host - 1), SCAN_C_IP) : 0;
	}
	const char *colon = memchr(host, ':', an);
	return text_plain(r, host, colon ? (size_t)(colon - host) : an);
}

/* One token t[0..len) whose classes OR to flags. */
static int text_token(scan_reader *r, const char *t, size_t len, unsigned flags)
{
	if (len > SCAN_TOKEN_MAX)
		return 0;
	if ((flags & T_BRK) || ((flags & T_COLON) && (flags & T_SLASH))) {
		len = obs_refang(t, len, r->tok, sizeof r->tok);
		if (len == (size_t)-1)
			return 0;
		t = r->tok;
	}
	const char *u = (flags & T_COLON) && (flags & T_SLASH) ? memmem(t, len, "://", 3) : NULL;
	if (u) {
		const char *b = u;
		while (b > t && ((cls(b[-1]) & T_ATOM) && b[-1] != ':' && b[-1] != '@'))
			b--;
		while (b < u && !((b[0] | 0x20) >= 'a' && (b[0] | 0x20) <= 'z'))
			b++;
		if (b < u) {
			int rc = text_atoms(r, t, (size_t)(b - t));
			if (rc != 0)
				return rc;
			size_t un = url_trim(b, len - (size_t)(b - t));
			return text_url(r, b, un);
		}
	}
	return text_atoms(r, t, len);
}

int scan_text_line(scan_reader *r, const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	while (p < e) {
		while (p < e && !(cls(*p) & T_TOK))
			p++;
		const char *start = p;
		unsigned flags = 0;
		for (uint8_t c; p < e && ((c = cls(*p)) & T_TOK); p++)
			flags |= c;
		size_t len = (size_t)(p - start);
		if (len == 0 || (len < 32 && !(flags & (T_DOT | T_COLON | T_AT | T_BRK))))
			continue;
		if (!(flags & ~(T_TOK | T_DOT | T_ATOM | T_HEX)) && numeric_not_ipv4(start, len))
			continue; /* not worth a place in the cache */
		scan_memo m;
		if (scan_memo_begin(r, start, len, SCAN_C_TOKEN, &m))
			continue;
		int rc = text_token(r, start, len, flags);
		if (rc != 0)
			return rc;
		scan_memo_end(r, start, len, SCAN_C_TOKEN, &m);
	}
	return 0;
}
