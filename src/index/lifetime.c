/*
 * lifetime.c - default lifetimes of indicators that carry no valid_until,
 * so that yesterday's scanner IP does not match forever. The table is per
 * observable kind; `solidarity compile --lifetime SPEC` changes it.
 */
#include <stdlib.h>
#include <string.h>

#include "index/index.h"

#define DAY_US ((int64_t)86400 * 1000000)

void index_lifetimes_init(index_lifetimes *l)
{
	memset(l, 0, sizeof *l);
	l->days[OBS_IPV4] = l->days[OBS_IPV6] = 30;
	l->days[OBS_CIDR4] = l->days[OBS_CIDR6] = 30;
	l->days[OBS_URL] = 90;
	l->days[OBS_DOMAIN] = l->days[OBS_EMAIL] = 180;
}

/* "30d", "2w", "never" -> days (0 = never); -1 if malformed. */
static int64_t parse_days(const char *s, size_t n)
{
	if (n == 5 && memcmp(s, "never", 5) == 0)
		return 0;
	int64_t v = 0;
	size_t i = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > 1000000)
			return -1;
	}
	if (i == 0 || i + 1 != n || v == 0)
		return -1;
	if (s[i] == 'd')
		return v;
	if (s[i] == 'w')
		return v * 7;
	return -1;
}

static void set_kinds(index_lifetimes *l, const char *name, size_t n, int64_t days, bool *ok)
{
	static const struct {
		const char *group;
		obs_kind kinds[4];
	} groups[] = {
	    {"ip", {OBS_IPV4, OBS_IPV6, OBS_CIDR4, OBS_CIDR6}},
	    {"hash", {OBS_MD5, OBS_SHA1, OBS_SHA256, OBS_SHA512}},
	};
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		if (strlen(groups[g].group) == n && memcmp(name, groups[g].group, n) == 0) {
			for (int i = 0; i < 4; i++)
				l->days[groups[g].kinds[i]] = days;
			*ok = true;
			return;
		}
	}
	char kind[16];
	if (n >= sizeof kind)
		return;
	memcpy(kind, name, n);
	kind[n] = '\0';
	obs_kind k = obs_kind_from_name(kind);
	if (k != OBS_NONE) {
		l->days[k] = days;
		*ok = true;
	}
}

int index_lifetimes_set(index_lifetimes *l, const char *spec, sol_err *err)
{
	const char *p = spec;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		bool ok = false;
		if (eq) {
			int64_t days = parse_days(eq + 1, len - (size_t)(eq + 1 - p));
			if (days >= 0)
				set_kinds(l, p, (size_t)(eq - p), days, &ok);
		}
		if (!ok)
			return sol_fail(err, SOL_EUSAGE, "--lifetime",
					"bad item '%.*s' (want KIND=Nd, KIND=Nw or KIND=never)",
					(int)len, p);
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

sol_time index_lifetime_end(const index_lifetimes *l, obs_kind k, sol_time from)
{
	if ((unsigned)k >= OBS_KIND_COUNT || l->days[k] == 0 || from == SOL_TIME_NONE)
		return SOL_TIME_NONE;
	return from + l->days[k] * DAY_US;
}
