/*
 * audience.c - the visibility rule of policy.h, written as one switch
 * over the TLP levels so the table in docs/sharing.md can be checked
 * against it line by line. Unknown levels fall to `default` and are
 * refused: a new level must be added here on purpose.
 */
#include <string.h>

#include "policy/policy.h"

/* True if partner is named on the distribution list. */
static bool listed(const char *const *red_to, size_t n, const char *partner)
{
	for (size_t i = 0; i < n; i++)
		if (red_to[i] && strcmp(red_to[i], partner) == 0)
			return true;
	return false;
}

bool policy_visible(const store_grant *g, stix_tlp tlp, const char *const *red_to, size_t n_red_to,
		    const char *partner)
{
	if (!g || !g->read || !partner)
		return false;
	switch (tlp) {
	case TLP_CLEAR:
	case TLP_GREEN: return true;
	case TLP_NONE: /* never stored (ingest applies a default): fail closed */
	case TLP_AMBER:
	case TLP_AMBER_STRICT: return g->amber;
	case TLP_RED: return listed(red_to, n_red_to, partner);
	default: return false;
	}
}

bool policy_member_visible(void *ctx, const store_member *m)
{
	const store_grant *g = ctx;
	return policy_visible(g, m->row->tlp, m->red_to, m->n_red_to, g ? g->partner : NULL);
}
