/*
 * dns.h - the RPZ zone served over DNS zone transfer, as commercial RPZ
 * feeds are: SOA queries, AXFR and IXFR (RFC 1995) to allowed secondaries,
 * NOTIFY (RFC 1996) when the zone changes, TSIG (RFC 8945) for access.
 *
 * Zone model. A dns_zone is the policy records of the zone as a sorted set
 * of presentation strings "owner TYPE rdata" with the owner relative to
 * the origin ("evil.example CNAME .", "*.evil.example CNAME .",
 * "32.7.100.51.198.rpz-ip CNAME ."). The apex SOA and NS are not in the
 * set: they are made from the serial when a zone is sent. Sorted sets make
 * the change between two zones one linear merge (dns_change_diff), which
 * is what IXFR sends, so a change costs in proportion to its size, not
 * the zone's.
 *
 * Journal. dns_journal remembers the serial of the last published zone,
 * its content hash and the last DNS_JOURNAL_MAX changes (serial N -> M:
 * records removed, records added), and keeps them in the store's settings
 * ("dns.<zone>.serial", ".hash", ".journal.<slot>"), so a restarted server
 * still answers IXFR for changes made before it stopped.
 *
 * Two zones. BIND applies a new version of a policy zone by walking all
 * of it (about 2 s at 1.6 million triggers), so an arrival published in
 * the bulk zone takes that long to be enforced. The server therefore
 * also serves a recent-additions zone (dns_server_opts.recent, default
 * "<first label>-recent.<rest>", e.g. rpz-recent.solidarity) that
 * secondaries list next to the bulk zone with the same policy: a new
 * record goes there only, which a secondary reloads in milliseconds. Now
 * and then (dns_fold: enough records waiting, the oldest old enough, or
 * the bulk zone changing anyway) the waiting records are folded: added
 * to the bulk zone, and taken out of the recent zone only a grace period
 * later, once every secondary has the bulk zone with them, so a record
 * is never in neither. A removal leaves whichever zones hold the record
 * at once. Each zone has its own serial, journal and NOTIFYs; access
 * rules are the same. With one_zone every change goes to the bulk zone.
 *
 * Server. dns_server_start binds UDP and TCP on one address and answers
 * from its own thread: SOA over UDP or TCP to anyone, AXFR and IXFR over
 * TCP only to an allowed address or a request signed with a known TSIG
 * key (others get REFUSED, a bad signature NOTAUTH). dns_server_refresh
 * applies the store's changes to the zone in the caller's thread,
 * journals the change and NOTIFYs the configured secondaries until they
 * acknowledge.
 *
 * Ownership: dns_zone and dns_change are reference counted (_ref/_unref;
 * _new and _diff return one reference) and immutable once finished, so
 * the server thread can send a zone while the caller builds the next.
 * dns_journal is _init/_fini. dns_server is _start/_stop. Options are
 * borrowed for the call that takes them.
 */
#ifndef SOL_DNS_H
#define SOL_DNS_H

#include "core/core.h"
#include "export/export.h"
#include "index/index.h"
#include "store/store.h"

#define DNS_TTL 300          /* TTL of every record we serve */
#define DNS_JOURNAL_MAX 32   /* changes kept for IXFR; older serials get AXFR */
#define DNS_RECORD_MAX 600   /* bytes of one "owner TYPE rdata" string */
#define DNS_ALLOW_MAX 64     /* entries in the transfer allow list */
#define DNS_TSIG_MAX 16      /* TSIG keys */
#define DNS_NOTIFY_MAX 16    /* NOTIFY targets */
#define DNS_NOTIFY_TRIES 5   /* NOTIFY sends before giving up on a target */
#define DNS_CONN_MAX 64      /* concurrent TCP connections */
#define DNS_MSG_TARGET 16000 /* bytes a transfer message is filled to */

/* The recent zone (see Two zones). The grace is longer than the SOA
 * refresh (3600 s), so even a secondary that is not NOTIFYed has the bulk
 * zone with a folded record before it leaves the recent zone. */
#define DNS_RECENT_LABEL "-recent" /* added to the zone's first label */
#define DNS_FOLD_RECORDS 1000      /* records waiting that make a fold */
#define DNS_FOLD_AGE 3600          /* seconds the oldest waits at most */
#define DNS_FOLD_GRACE 3900        /* seconds a folded record stays */

/* ---- zone model ----------------------------------------------------------- */

typedef struct dns_zone dns_zone;

/* An empty zone to fill with dns_zone_add and seal with dns_zone_finish. */
dns_zone *dns_zone_new(void);
/* Add "owner type rdata" (owner relative to the origin, lowercase).
 * Returns 0, or SOL_ETOOBIG if longer than DNS_RECORD_MAX. Before finish. */
int dns_zone_add(dns_zone *z, const char *owner, const char *type, const char *rdata);
/* Sort and deduplicate; the zone is read-only afterwards. */
void dns_zone_finish(dns_zone *z);
size_t dns_zone_count(const dns_zone *z);
/* Record i (< count) of a finished zone, in sorted order. */
const char *dns_zone_record(const dns_zone *z, size_t i);
/* Content hash of a finished zone (equal sets, equal hashes). */
uint64_t dns_zone_hash(const dns_zone *z);
dns_zone *dns_zone_ref(dns_zone *z);
void dns_zone_unref(dns_zone *z); /* NULL is a no-op */

/* Which atoms become triggers, and what they do. */
typedef struct dns_zone_opts {
	index_compile_opts select; /* warninglist, lifetimes, now */
	stix_tlp tlp_max;          /* leave out indicators above this TLP */
	export_rpz_policy policy;  /* action of every trigger */
	const char *redirect;      /* RPZ_REDIRECT target, absolute ("x."); borrowed */
} dns_zone_opts;

/* Defaults: index_lifetimes_init, now = sol_time_now(), no warninglist,
 * tlp_max TLP_RED, policy RPZ_NXDOMAIN. */
void dns_zone_opts_init(dns_zone_opts *o);

/*
 * The zone of the store now: every atom index_select keeps becomes the
 * triggers `solidarity export rpz` writes (domains, "*." for subdomains,
 * rpz-ip for addresses and CIDRs; other kinds and over-long names are
 * left out). origin is the zone name with its final dot. *out is finished.
 */
int dns_zone_build(store *st, const char *origin, const dns_zone_opts *o, dns_zone **out,
		   sol_err *err);

/* ---- changes and the journal ---------------------------------------------- */

/* The change from serial `from` to serial `to`: finished zones of the
 * records removed and added. */
typedef struct dns_change {
	uint32_t from;     /* serial before */
	uint32_t to;       /* serial after */
	dns_zone *removed; /* records in the old zone only */
	dns_zone *added;   /* records in the new zone only */
	int refs;          /* references, atomically updated (dns_change_ref) */
} dns_change;

/* old -> new as a change labelled from -> to (both zones finished); one
 * reference. Empty removed and added mean the zones are equal. */
dns_change *dns_change_diff(const dns_zone *old, const dns_zone *new, uint32_t from, uint32_t to);
dns_change *dns_change_ref(dns_change *c);
void dns_change_unref(dns_change *c); /* NULL is a no-op */

typedef struct dns_journal {
	char *origin;         /* zone name with its final dot */
	uint32_t serial;      /* serial of the last published zone; 0: never */
	uint64_t hash;        /* its dns_zone_hash */
	dns_change **changes; /* oldest first, a chain ending at serial */
	size_t n;             /* how many (<= DNS_JOURNAL_MAX) */
} dns_journal;

void dns_journal_init(dns_journal *j, const char *origin);
void dns_journal_fini(dns_journal *j);

/* Read the journal of j->origin from the store's settings (nothing there
 * leaves serial 0). Entries that do not chain to the serial are dropped. */
int dns_journal_load(store *st, dns_journal *j, sol_err *err);

/*
 * Publish zone z (finished) after `old`, the zone last published in this
 * process (NULL after a start: then only the hash tells whether z
 * changed, and a change made while stopped cannot be journaled, so
 * secondaries behind it get AXFR). On change the serial becomes
 * max(serial + 1, now in Unix seconds), the change is appended (the
 * oldest dropped past DNS_JOURNAL_MAX or once the journal outweighs the
 * zone) and the store is updated in one transaction. *changed says which.
 */
int dns_journal_publish(store *st, dns_journal *j, const dns_zone *old, const dns_zone *z,
			sol_time now, bool *changed, sol_err *err);

/* ---- the server ------------------------------------------------------------ */

typedef struct dns_server dns_server;

/* When waiting records of the recent zone are folded into the bulk zone. */
typedef struct dns_fold {
	size_t records; /* fold once this many records wait; a change adding as
			   many at once goes to the bulk zone directly */
	sol_time age;   /* ... or once the oldest has waited this long (microseconds) */
	sol_time grace; /* a folded record leaves the recent zone this much later */
} dns_fold;

typedef struct dns_server_opts {
	const char *listen;        /* "127.0.0.1:5353", "[::1]:53"; port 0 picks one */
	const char *zone;          /* zone name; NULL: EXPORT_RPZ_ZONE */
	const char *recent;        /* recent-additions zone; NULL: DNS_RECENT_LABEL added to
				      the first label of zone */
	bool one_zone;             /* no recent zone: every change goes to zone */
	dns_fold fold;             /* when the recent zone is folded */
	const char *const *allow;  /* transfer allowed from: "192.0.2.1", "10.0.0.0/8" */
	size_t n_allow;            /* how many (<= DNS_ALLOW_MAX) */
	const char *const *tsig;   /* keys "name:algorithm:base64secret" */
	size_t n_tsig;             /* how many (<= DNS_TSIG_MAX) */
	const char *const *notify; /* secondaries to NOTIFY: "127.0.0.1:53" */
	size_t n_notify;           /* how many (<= DNS_NOTIFY_MAX) */
	dns_zone_opts zone_opts;   /* what goes into the zone */
} dns_server_opts;

/* No allow list, keys or NOTIFY targets; listen "127.0.0.1:0"; a recent
 * zone folded at DNS_FOLD_RECORDS, DNS_FOLD_AGE and DNS_FOLD_GRACE. */
void dns_server_opts_init(dns_server_opts *o);

/*
 * Load the journal, build and publish the zone, bind UDP and TCP and start
 * answering in a thread of its own. SOL_EUSAGE names a bad option;
 * SOL_EIO a socket that cannot be bound. The store is used only during
 * this call and dns_server_refresh, in the caller's thread.
 */
int dns_server_start(store *st, const dns_server_opts *o, dns_server **out, sol_err *err);

/* Bring the zones up to date with the store and publish those that
 * changed: new records in the recent zone, removals in both, a fold when
 * due (see Two zones above). The first call (made by dns_server_start)
 * builds the zone from the whole store; later ones read only the
 * indicators added, revoked or expired since, so they cost in proportion
 * to the change. *changed (may be NULL) says whether a zone changed. */
int dns_server_refresh(dns_server *s, store *st, bool *changed, sol_err *err);

/* Publish z (finished; the call takes the reference) as the bulk zone:
 * journal it, serve it, and NOTIFY every target if it changed (later
 * refreshes apply the store's changes to it). changed may be NULL. */
int dns_server_publish(dns_server *s, store *st, dns_zone *z, bool *changed, sol_err *err);

uint16_t dns_server_port(const dns_server *s);   /* the bound port */
uint32_t dns_server_serial(const dns_server *s); /* serial being served */
/* Serial of the recent zone being served; 0 with one_zone. */
uint32_t dns_server_recent_serial(const dns_server *s);
/* Name of the recent zone with its final dot; NULL with one_zone. */
const char *dns_server_recent_zone(const dns_server *s);
/* NOTIFYs acknowledged since start (for tests and monitoring). */
unsigned dns_server_notify_acks(const dns_server *s);
/* Stop the thread, close every socket, free everything. NULL is a no-op. */
void dns_server_stop(dns_server *s);

#endif
