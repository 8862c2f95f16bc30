/*
 * refang.c - undo the defanging people apply to indicators in reports so
 * that nobody clicks them: "hxxps://evil[.]example/x", "bob[at]evil(dot)org".
 *
 * One pass, byte by byte. Only at '[', '(', '{', 'h' and 'f' is the rule
 * table consulted; each rule matches case-insensitively ("[DOT]", "hXXp").
 * The scheme rules (hxxp, hxxps, fxp) apply only to a whole word followed
 * by ':' or '[', so "myfxp.com" and "shxxp" are left alone. Every other
 * byte is copied unchanged: refanging never rejects, it only rewrites.
 */
#include <string.h>

#include "observable/observable_int.h"

static const struct refang_rule {
	const char *from; /* lowercase defanged text */
	const char *to;   /* what it stands for */
	bool scheme;      /* a URL scheme word: needs a word start and ':' or '[' next */
} refang_rules[] = {
    {"[://]", "://", false}, {"[.]", ".", false},   {"(.)", ".", false}, {"{.}", ".", false},
    {"[dot]", ".", false},   {"(dot)", ".", false}, {"[:]", ":", false}, {"[at]", "@", false},
    {"(at)", "@", false},    {"[@]", "@", false},   {"[/]", "/", false}, {"hxxps", "https", true},
    {"hxxp", "http", true},  {"fxp", "ftp", true},
};

/* Does rule r match at s[i..n)? */
static bool refang_match(const struct refang_rule *r, const char *s, size_t i, size_t n)
{
	size_t len = strlen(r->from);
	if (n - i < len)
		return false;
	for (size_t j = 0; j < len; j++)
		if (obs_lower((unsigned char)s[i + j]) != r->from[j])
			return false;
	if (!r->scheme)
		return true;
	if (i > 0 &&
	    (obs_is_alpha((unsigned char)s[i - 1]) || obs_is_digit((unsigned char)s[i - 1])))
		return false;
	return n - i > len && (s[i + len] == ':' || s[i + len] == '[');
}

size_t obs_refang(const char *s, size_t n, char *out, size_t cap)
{
	size_t len = 0;
	if (cap == 0)
		return (size_t)-1;
	for (size_t i = 0; i < n;) {
		const char *to = &s[i];
		size_t from_len = 1, to_len = 1;
		char c = obs_lower((unsigned char)s[i]);
		if (c == '[' || c == '(' || c == '{' || c == 'h' || c == 'f') {
			for (size_t r = 0; r < sizeof refang_rules / sizeof refang_rules[0]; r++) {
				if (refang_match(&refang_rules[r], s, i, n)) {
					to = refang_rules[r].to;
					from_len = strlen(refang_rules[r].from);
					to_len = strlen(to);
					break;
				}
			}
		}
		if (to_len >= cap - len)
			return (size_t)-1;
		memcpy(out + len, to, to_len);
		len += to_len;
		i += from_len;
	}
	out[len] = '\0';
	return len;
}
