/*
 * domain.c - domain names: lowercase, no trailing dot, IDNs as A-labels.
 *
 * An ASCII name is checked and lowercased in one pass: one trailing dot is
 * dropped, then every label is 1..63 bytes of [a-z0-9-_] (underscores occur
 * in SRV and DKIM names) that neither starts nor ends with '-', and the
 * whole name is at most 253 bytes. A name whose labels are all digits
 * ("1.2.3.4", "42") is never a domain: it is a mangled address or a number.
 * Auto-detection also wants two labels and a top-level label that is
 * alphabetic or an A-label ("xn--..."), so "foo" and "1.2.3" stay out.
 *
 * A name with any byte >= 0x80 is handed to libidn2 (IDNA2008 with UTS #46
 * non-transitional mapping, NFC input), whose ASCII answer then goes
 * through the same checks. That is the only allocation in the module, and
 * only for non-ASCII input.
 */
#include <idn2.h>
#include <string.h>

#include "observable/observable_int.h"

/* Label classes for the checks on the whole name. */
struct label_scan {
	size_t labels;     /* labels seen */
	bool all_numeric;  /* every label so far is all digits */
	bool last_alpha;   /* the current (finally: top-level) label is letters only */
	bool last_digits;  /* the current label is digits only */
	size_t last_start; /* offset of the current label */
};

static int domain_ascii(const char *s, size_t n, bool detect, char *out, size_t cap, size_t *len)
{
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > OBS_DOMAIN_MAX || n >= cap)
		return -1;
	struct label_scan ls = {.labels = 1,
				.all_numeric = true,
				.last_alpha = true,
				.last_digits = true,
				.last_start = 0};
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			size_t start = ls.last_start, llen = i - start;
			if (llen == 0 || llen > OBS_LABEL_MAX || out[start] == '-' ||
			    out[i - 1] == '-')
				return -1;
			ls.all_numeric = ls.all_numeric && ls.last_digits;
			if (i == n)
				break;
			out[i] = '.';
			ls.labels++;
			ls.last_start = i + 1;
			ls.last_alpha = ls.last_digits = true;
			continue;
		}
		char c = obs_lower((unsigned char)s[i]);
		if (obs_is_alpha((unsigned char)c))
			ls.last_digits = false;
		else if (obs_is_digit((unsigned char)c))
			ls.last_alpha = false;
		else if (c == '-' || c == '_')
			ls.last_alpha = ls.last_digits = false;
		else
			return -1;
		out[i] = c;
	}
	if (ls.all_numeric)
		return -1;
	if (detect) {
		const char *tld = out + ls.last_start;
		bool alabel = n - ls.last_start > 4 && memcmp(tld, "xn--", 4) == 0;
		if (ls.labels < 2 || !(ls.last_alpha || alabel))
			return -1;
	}
	out[n] = '\0';
	*len = n;
	return 0;
}

/* A name with non-ASCII bytes: to A-labels with libidn2, then as ASCII. */
static int domain_idn(const char *s, size_t n, bool detect, char *out, size_t cap, size_t *len)
{
	char text[OBS_DOMAIN_UTF8_MAX + 1];
	if (n > OBS_DOMAIN_UTF8_MAX || memchr(s, '\0', n))
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	char *ascii = NULL;
	if (idn2_to_ascii_8z(text, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK)
		return -1;
	int rc = domain_ascii(ascii, strlen(ascii), detect, out, cap, len);
	idn2_free(ascii);
	return rc;
}

int obs_domain_normalise(const char *s, size_t n, bool detect, char *out, size_t cap, size_t *len)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return domain_idn(s, n, detect, out, cap, len);
	return domain_ascii(s, n, detect, out, cap, len);
}
