/*
 * email.c - email addresses: local "@" domain.
 *
 * The local part must be an RFC 5322 dot-atom (runs of atext separated by
 * single dots, at most 64 bytes, RFC 5321) and is kept exactly as given:
 * only the receiving server may decide that "Alice" and "alice" are the
 * same mailbox. Quoted local parts and address literals ("[192.0.2.1]")
 * are not accepted. The domain is normalised by domain.c.
 */
#include <string.h>

#include "observable/observable_int.h"

enum { EMAIL_LOCAL_MAX = 64 }; /* RFC 5321 4.5.3.1.1 */

/* RFC 5322 atext: letters, digits and !#$%&'*+-/=?^_`{|}~ */
static bool email_atext(unsigned char c)
{
	return obs_is_alpha(c) || obs_is_digit(c) ||
	       (c != 0 && c < 0x80 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

int obs_email_parse(const char *s, size_t n, bool detect, obs_value *out)
{
	const char *at = memchr(s, '@', n);
	if (!at)
		return -1;
	size_t local = (size_t)(at - s);
	if (local == 0 || local > EMAIL_LOCAL_MAX || s[0] == '.' || s[local - 1] == '.')
		return -1;
	for (size_t i = 0; i < local; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !email_atext((unsigned char)s[i]))
			return -1;
		out->norm[i] = s[i];
	}
	out->norm[local] = '@';
	size_t dlen;
	if (obs_domain_normalise(at + 1, n - local - 1, detect, out->norm + local + 1,
				 OBS_VALUE_MAX - local - 1, &dlen) != 0)
		return -1;
	out->len = local + 1 + dlen;
	out->kind = OBS_EMAIL;
	return 0;
}
