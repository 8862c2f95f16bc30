/*
 * stix.c - the STIX 2.1 comparison expression that matches a value, for
 * the indicators solidarity creates: the object path of the kind's cyber
 * observable, " = ", and the normal form as a quoted string with ' and \
 * escaped by a backslash (STIX 2.1 section 9.2).
 */
#include <string.h>

#include "observable/observable_int.h"

static const char *const stix_paths[OBS_KIND_COUNT] = {
    [OBS_IPV4] = "ipv4-addr:value",         [OBS_IPV6] = "ipv6-addr:value",
    [OBS_CIDR4] = "ipv4-addr:value",        [OBS_CIDR6] = "ipv6-addr:value",
    [OBS_DOMAIN] = "domain-name:value",     [OBS_URL] = "url:value",
    [OBS_EMAIL] = "email-addr:value",       [OBS_MD5] = "file:hashes.MD5",
    [OBS_SHA1] = "file:hashes.'SHA-1'",     [OBS_SHA256] = "file:hashes.'SHA-256'",
    [OBS_SHA512] = "file:hashes.'SHA-512'",
};

size_t obs_stix_comparison(const obs_value *v, char *out, size_t cap)
{
	if ((unsigned)v->kind >= OBS_KIND_COUNT || !stix_paths[v->kind])
		return (size_t)-1;
	const char *path = stix_paths[v->kind];
	size_t plen = strlen(path), len = plen + 4; /* path " = '" */
	for (size_t i = 0; i < v->len; i++)
		len += v->norm[i] == '\'' || v->norm[i] == '\\' ? 2 : 1;
	if (len + 1 >= cap) /* closing quote and NUL */
		return (size_t)-1;
	memcpy(out, path, plen);
	memcpy(out + plen, " = '", 4);
	char *p = out + plen + 4;
	for (size_t i = 0; i < v->len; i++) {
		if (v->norm[i] == '\'' || v->norm[i] == '\\')
			*p++ = '\\';
		*p++ = v->norm[i];
	}
	*p++ = '\'';
	*p = '\0';
	return (size_t)(p - out);
}
