/*
 * dns_int.h - inside src/dns/: the responder (respond.c), which turns one
 * query packet into a reply of one or many messages without touching a
 * socket, so the server thread (server.c), the tests and the fuzz target
 * drive the same code.
 *
 * A snapshot is what is being served: a serial, its zone and the journal
 * reaching it, all immutable and reference counted. A reply holds its
 * snapshot until sent, so a refresh never frees a zone mid-transfer.
 *
 * Also the pieces the server is made of: the live zone (live.c), the
 * recent-additions zone (recent.c) and the settings the journal uses.
 *
 * Ownership: dns_responder is _init/_fini; dns_reply is filled by
 * dns_respond and released with dns_reply_fini; dns_live and dns_recent
 * are _new/_free.
 */
#ifndef SOL_DNS_INT_H
#define SOL_DNS_INT_H

#include <ldns/ldns.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "dns/dns.h"

/* ---- zone pieces (zone.c) ---------------------------------------------- */

#define DNS_TRIGGERS_MAX 2 /* records one atom makes: the name and "*.name" */

/* Append a whole "owner TYPE rdata" record of len bytes (< DNS_RECORD_MAX)
 * to an unfinished zone. */
void dns_zone_add_record(dns_zone *z, const char *rec, size_t len);

/* The RPZ triggers of one selected atom, as whole records, into out:
 * how many (0 when its TLP is above o->tlp_max, DNS cannot see its kind,
 * or the name would not fit under an origin of origin_len bytes). The
 * one rule for the zone built from the store and the zone kept live. */
size_t dns_triggers(const dns_zone_opts *o, size_t origin_len, const index_selected *sel,
		    char out[DNS_TRIGGERS_MAX][DNS_RECORD_MAX]);

/* old without the records of removed, plus those of added (all three
 * finished): a finished zone, in one merge walk. */
dns_zone *dns_zone_patch(const dns_zone *old, const dns_zone *removed, const dns_zone *added);
/* Whether finished zone z holds the whole record rec (binary search). */
bool dns_zone_has(const dns_zone *z, const char *rec);
/* A change from -> to with empty, unfinished removed and added zones. */
dns_change *dns_change_new(uint32_t from, uint32_t to);

/* ---- settings (journal.c) ------------------------------------------------- */

/* "dns.<zone without its final dot>.<what>" into key. */
void dns_setting_key(const char *origin, const char *what, char *key, size_t size);
/* The setting key into *v (free it), or *v = NULL when it was never set. */
int dns_setting_get(store *st, const char *key, char **v, sol_err *err);

/* ---- the live zone (live.c) --------------------------------------------- */

/*
 * A zone kept equal to dns_zone_build's without walking the store again:
 * it remembers which records each indicator makes and how many
 * indicators make each record, and on update reads only the indicators
 * whose current version was added since the last pass (the store's
 * date_added order) and those whose next atom has expired, and says
 * which records came and went. The caller keeps the zone itself.
 */
typedef struct dns_live dns_live;

/* Build the zone of the store now (one index_select walk). *zone is a
 * new reference to it. */
int dns_live_new(store *st, const char *origin, const dns_zone_opts *o, dns_live **out,
		 dns_zone **zone, sol_err *err);
/* Apply what changed in the store and what expired by `now`: *change is
 * a new reference to the records removed and added (from and to 0), or
 * NULL when nothing changed. After an error that struck midway the next
 * call builds the zone again from the whole store and sets *zone (a new
 * reference to all of it) instead. */
int dns_live_update(dns_live *l, store *st, sol_time now, dns_zone **zone, dns_change **change,
		    sol_err *err);
void dns_live_free(dns_live *l); /* NULL is a no-op */

/* ---- the recent-additions zone (recent.c) ------------------------------- */

/*
 * Which records of the zone are served in the recent-additions zone
 * rather than (or, for a while after a fold, as well as) the bulk zone.
 * Each record held is waiting (arrived, not yet in the bulk zone) or
 * folded (in the bulk zone too since a time, leaving after the grace).
 */
typedef struct dns_recent dns_recent;

/* Empty; origin (the recent zone's name with its final dot) names the
 * setting it is kept in. Times of f are microseconds. */
dns_recent *dns_recent_new(const char *origin, const dns_fold *f);
void dns_recent_free(dns_recent *r); /* NULL is a no-op */
/* Read the records held when the server last saved them. */
int dns_recent_load(dns_recent *r, store *st, sol_err *err);
/* Write the records held, if they changed since the last load or save. */
int dns_recent_save(dns_recent *r, store *st, sol_err *err);
/* After a build of the whole zone z: forget records z does not hold. A
 * new finished zone of the waiting records (the bulk zone is z without
 * them). */
dns_zone *dns_recent_keep(dns_recent *r, const dns_zone *z);
/*
 * One refresh at now, with the change c of the whole zone (NULL: none):
 * its removed records leave, its added ones wait (or, f->records or more
 * at once, go to the bulk zone directly); then every waiting record is
 * folded if f->records wait, the oldest has waited f->age, or the bulk
 * zone changes anyway; folded records older than f->grace leave. *to_bulk
 * is a new finished zone of the records the bulk zone gains. Returns
 * whether the recent zone changed (since the last keep or step).
 */
bool dns_recent_step(dns_recent *r, const dns_change *c, sol_time now, dns_zone **to_bulk);
/* The recent zone: every record held (a new finished zone). */
dns_zone *dns_recent_zone(const dns_recent *r);

/* ---- the responder ------------------------------------------------------ */

/* An allowed network: family AF_INET or AF_INET6, address, prefix. */
typedef struct dns_net {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network bytes */
	unsigned prefix;  /* prefix length */
} dns_net;

/* A TSIG key. */
typedef struct dns_key {
	char *name;       /* key name, absolute ("xfr."), as ldns wants it */
	char *alg;        /* algorithm name, absolute ("hmac-sha256.") */
	char *secret;     /* base64 secret */
	ldns_rdf *dname;  /* name as a dname, for comparison */
	ldns_rdf *adname; /* alg as a dname, for comparison */
} dns_key;

typedef struct dns_snapshot {
	atomic_int refs;      /* references */
	uint32_t serial;      /* serial of zone */
	dns_zone *zone;       /* records (a reference) */
	dns_change **changes; /* the journal reaching serial (references) */
	size_t n;             /* how many changes */
} dns_snapshot;

typedef struct dns_responder {
	char *origin;                 /* zone name with its final dot */
	ldns_rdf *apex;               /* origin as a dname */
	dns_net allow[DNS_ALLOW_MAX]; /* transfer allow list */
	size_t n_allow;               /* used */
	dns_key keys[DNS_TSIG_MAX];   /* TSIG keys */
	size_t n_keys;                /* used */
	pthread_mutex_t lock;         /* guards cur */
	dns_snapshot *cur;            /* being served; NULL before the first set */
} dns_responder;

/* Parse the zone name, allow list and keys of o. SOL_EUSAGE names the bad
 * option; nothing to fini then. */
int dns_responder_init(dns_responder *r, const dns_server_opts *o, sol_err *err);
void dns_responder_fini(dns_responder *r);
/* Serve z (a new reference is taken) at j's serial with j's changes. */
void dns_responder_set(dns_responder *r, const dns_journal *j, dns_zone *z);
uint32_t dns_responder_serial(dns_responder *r);

/* One piece of a transfer: an SOA of a serial, the apex NS, or a zone. */
typedef struct dns_seg {
	enum { SEG_SOA, SEG_NS, SEG_ZONE } kind; /* what */
	uint32_t serial;                         /* SEG_SOA: its serial */
	const dns_zone *zone;                    /* SEG_ZONE: every record of it */
} dns_seg;

typedef struct dns_reply {
	dns_responder *r;   /* its responder */
	dns_snapshot *snap; /* held while the reply is sent */
	ldns_pkt *head;     /* id, flags, rcode and question of every message */
	dns_seg *segs;      /* answer records, in order */
	size_t n_segs;      /* how many segments */
	size_t seg, pos;    /* next record: segment, index in it */
	const dns_key *key; /* sign every message with this, or NULL */
	ldns_rdf *mac;      /* MAC of the request, then of the last message */
	bool tcp;           /* no size limit per message but DNS_MSG_TARGET */
	int sent;           /* messages made so far */
	bool done;          /* nothing more to send */
} dns_reply;

/* What a packet is, for the server loop. */
typedef enum dns_verdict {
	DNS_DROP,       /* unparseable or unsupported response: no answer */
	DNS_ANSWER,     /* reply filled: send its messages */
	DNS_NOTIFY_ACK, /* a response to our NOTIFY: *ack_id is its id */
} dns_verdict;

/*
 * Answer the query wire[0..n) from peer (NULL: no address, so only TSIG
 * grants transfers) over TCP or UDP. On DNS_ANSWER, out is filled and
 * must be released with dns_reply_fini.
 */
dns_verdict dns_respond(dns_responder *r, const uint8_t *wire, size_t n,
			const struct sockaddr *peer, bool tcp, dns_reply *out, uint16_t *ack_id);

/* The next message of the reply, as wire bytes, into msg (reset first);
 * false when every message has been made. */
bool dns_reply_next(dns_reply *x, sol_buf *msg);
void dns_reply_fini(dns_reply *x);

/* A NOTIFY for the responder's zone at its current serial, with id. */
int dns_notify_wire(dns_responder *r, uint16_t id, sol_buf *msg);

#endif
