/*
 * policy.h - who sees what: the one place that decides whether a partner
 * may receive an object. Every read path of the TAXII server (objects,
 * object, versions, manifest, status) and every export made for a
 * partner asks policy_visible; nothing else looks at TLP to decide.
 *
 * The rule (docs/sharing.md has it as a table):
 *
 *   no read grant on the collection       nothing at all
 *   TLP:CLEAR, TLP:GREEN                  every reader of the collection
 *   TLP:AMBER, TLP:AMBER+STRICT           readers granted amber on it
 *   no TLP (TLP_NONE)                     as AMBER: ingest gives every
 *                                         object its source's default, so
 *                                         this should not happen; if it
 *                                         does, we fail closed
 *   TLP:RED                               readers named on the object's
 *                                         own distribution list
 *   anything else                         nobody
 *
 * Everything is borrowed for the call; nothing is kept.
 */
#ifndef SOL_POLICY_H
#define SOL_POLICY_H

#include "core/core.h"
#include "stix/stix.h"
#include "store/store.h"

/*
 * May `partner`, holding grant g on the object's collection (NULL: no
 * grant), receive an object of effective TLP tlp whose RED distribution
 * list is red_to[0..n_red_to)? Pure: no I/O, no allocation.
 */
bool policy_visible(const store_grant *g, stix_tlp tlp, const char *const *red_to, size_t n_red_to,
		    const char *partner);

/*
 * The same as a store_member_visible_fn: ctx is the requesting partner's
 * const store_grant * (its partner field names the partner), so a TAXII
 * read passes it straight to store_collection_objects.
 */
bool policy_member_visible(void *ctx, const store_member *m);

#endif
