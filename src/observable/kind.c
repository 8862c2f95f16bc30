/*
 * kind.c - the stable names of observable kinds, as they appear in the
 * store, in `solidarity stats` and in sightings.
 */
#include <string.h>

#include "observable/observable.h"

static const char *const kind_names[OBS_KIND_COUNT] = {
    [OBS_NONE] = "none",   [OBS_IPV4] = "ipv4",     [OBS_IPV6] = "ipv6",
    [OBS_CIDR4] = "cidr4", [OBS_CIDR6] = "cidr6",   [OBS_DOMAIN] = "domain",
    [OBS_URL] = "url",     [OBS_EMAIL] = "email",   [OBS_MD5] = "md5",
    [OBS_SHA1] = "sha1",   [OBS_SHA256] = "sha256", [OBS_SHA512] = "sha512",
};

const char *obs_kind_name(obs_kind k)
{
	return (unsigned)k < OBS_KIND_COUNT ? kind_names[k] : "none";
}

obs_kind obs_kind_from_name(const char *name)
{
	for (int k = 1; k < OBS_KIND_COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return (obs_kind)k;
	return OBS_NONE;
}
