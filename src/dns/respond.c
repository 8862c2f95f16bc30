/*
 * respond.c - one query in, the reply out: SOA, AXFR, IXFR and errors,
 * with access control and TSIG, all wire work done by ldns.
 *
 * A query is parsed with ldns_wire2pkt and checked in this order: a
 * response (only our NOTIFYs' acknowledgements are expected) is handed
 * back to the server; an opcode other than QUERY is NOTIMP; anything but
 * one question for our apex in class IN is FORMERR or REFUSED; a TSIG
 * with an unknown key or a bad MAC is NOTAUTH. SOA and NS are answered to
 * anyone. AXFR and IXFR need an allowed source address or a valid TSIG,
 * else REFUSED, and AXFR needs TCP.
 *
 * A reply is a list of segments (an SOA of some serial, the apex NS, all
 * records of a zone) that dns_reply_next turns into messages of about
 * DNS_MSG_TARGET bytes, converting records to ldns_rr only as each message
 * is made, so a million-record AXFR never exists in memory as RRs.
 *
 *   AXFR              SOA(cur) NS zone SOA(cur)
 *   IXFR, in journal  SOA(cur) then per change SOA(from) removed
 *                     SOA(to) added, then SOA(cur)           (RFC 1995)
 *   IXFR, up to date  SOA(cur)
 *   IXFR, too old     as AXFR
 *   IXFR over UDP     SOA(cur): the client retries over TCP
 *
 * With TSIG, the first message is signed over the request's MAC and each
 * later one over the previous message's MAC (RFC 8945 section 5.3.1).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"

#define DNS_TSIG_FUDGE 300                  /* seconds of clock skew a signature allows */
#define DNS_SOA_TIMERS "3600 600 864000 60" /* refresh retry expire minimum */

/* ---- options --------------------------------------------------------------- */

static int net_parse(const char *s, dns_net *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof addr)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	memset(out, 0, sizeof *out);
	out->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(out->family, addr, out->addr) != 1)
		return -1;
	unsigned max = out->family == AF_INET ? 32 : 128;
	out->prefix = max;
	if (slash) {
		char *end;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || p > max)
			return -1;
		out->prefix = (unsigned)p;
	}
	return 0;
}

/* "hmac-sha256" or "hmac-sha256." as ldns names it, or NULL. */
static const char *alg_name(const char *s, size_t n)
{
	static const char *const algs[] = {"hmac-md5.sig-alg.reg.int.",
					   "hmac-sha1.",
					   "hmac-sha224.",
					   "hmac-sha256.",
					   "hmac-sha384.",
					   "hmac-sha512."};
	if (n == 8 && strncasecmp(s, "hmac-md5", 8) == 0)
		return algs[0];
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
		size_t len = strlen(algs[i]);
		if (strncasecmp(s, algs[i], n) == 0 && (n == len || n == len - 1))
			return algs[i];
	}
	return NULL;
}

static int key_parse(const char *s, dns_key *k)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || c1 == s || !c2[1] ||
	    strspn(c2 + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
		strlen(c2 + 1))
		return -1;
	const char *alg = alg_name(c1 + 1, (size_t)(c2 - c1 - 1));
	if (!alg)
		return -1;
	size_t n = (size_t)(c1 - s);
	k->name = xasprintf("%.*s%s", (int)n, s, s[n - 1] == '.' ? "" : ".");
	k->alg = xstrdup(alg);
	k->secret = xstrdup(c2 + 1);
	k->dname = ldns_dname_new_frm_str(k->name);
	k->adname = ldns_dname_new_frm_str(k->alg);
	return k->dname && k->adname ? 0 : -1;
}

static void key_fini(dns_key *k)
{
	free(k->name);
	free(k->alg);
	free(k->secret);
	ldns_rdf_deep_free(k->dname);
	ldns_rdf_deep_free(k->adname);
}

int dns_responder_init(dns_responder *r, const dns_server_opts *o, sol_err *err)
{
	memset(r, 0, sizeof *r);
	const char *zone = o->zone ? o->zone : EXPORT_RPZ_ZONE;
	size_t zn = strlen(zone);
	r->origin = xasprintf("%s%s", zone, zn && zone[zn - 1] == '.' ? "" : ".");
	r->apex = zn && zn <= EXPORT_NAME_MAX ? ldns_dname_new_frm_str(r->origin) : NULL;
	int rc = 0;
	if (!r->apex || strcmp(r->origin, ".") == 0)
		rc = sol_fail(err, SOL_EUSAGE, "--dns-zone", "'%s' is not a zone name", zone);
	else if (o->n_allow > DNS_ALLOW_MAX || o->n_tsig > DNS_TSIG_MAX)
		rc = sol_fail(err, SOL_ETOOBIG, "--dns-allow", "more than %d addresses or %d keys",
			      DNS_ALLOW_MAX, DNS_TSIG_MAX);
	for (size_t i = 0; rc == 0 && i < o->n_allow; i++, r->n_allow++)
		if (net_parse(o->allow[i], &r->allow[i]))
			rc = sol_fail(err, SOL_EUSAGE, "--dns-allow",
				      "'%s' is not an address or CIDR", o->allow[i]);
	for (size_t i = 0; rc == 0 && i < o->n_tsig; i++) {
		rc = key_parse(o->tsig[i], &r->keys[r->n_keys++]);
		if (rc)
			rc = sol_fail(err, SOL_EUSAGE, "--dns-tsig",
				      "key %zu is not name:algorithm:base64secret (algorithms "
				      "hmac-md5, hmac-sha1, hmac-sha224/256/384/512)",
				      i + 1);
	}
	pthread_mutex_init(&r->lock, NULL);
	if (rc)
		dns_responder_fini(r);
	return rc;
}

static void snapshot_unref(dns_snapshot *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	dns_zone_unref(s->zone);
	for (size_t i = 0; i < s->n; i++)
		dns_change_unref(s->changes[i]);
	free(s->changes);
	free(s);
}

void dns_responder_fini(dns_responder *r)
{
	for (size_t i = 0; i < r->n_keys; i++)
		key_fini(&r->keys[i]);
	snapshot_unref(r->cur);
	ldns_rdf_deep_free(r->apex);
	free(r->origin);
	pthread_mutex_destroy(&r->lock);
	memset(r, 0, sizeof *r);
}

void dns_responder_set(dns_responder *r, const dns_journal *j, dns_zone *z)
{
	dns_snapshot *s = xcalloc(1, sizeof *s);
	atomic_init(&s->refs, 1);
	s->serial = j->serial;
	s->zone = dns_zone_ref(z);
	s->changes = xcalloc(j->n ? j->n : 1, sizeof *s->changes);
	for (size_t i = 0; i < j->n; i++)
		s->changes[i] = dns_change_ref(j->changes[i]);
	s->n = j->n;
	pthread_mutex_lock(&r->lock);
	dns_snapshot *old = r->cur;
	r->cur = s;
	pthread_mutex_unlock(&r->lock);
	snapshot_unref(old);
}

static dns_snapshot *snapshot_get(dns_responder *r)
{
	pthread_mutex_lock(&r->lock);
	dns_snapshot *s = r->cur;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&r->lock);
	return s;
}

uint32_t dns_responder_serial(dns_responder *r)
{
	dns_snapshot *s = snapshot_get(r);
	uint32_t serial = s ? s->serial : 0;
	snapshot_unref(s);
	return serial;
}

/* ---- access ---------------------------------------------------------------- */

static bool net_contains(const dns_net *n, int family, const uint8_t *a)
{
	if (n->family != family)
		return false;
	unsigned full = n->prefix / 8, rest = n->prefix % 8;
	if (memcmp(n->addr, a, full) != 0)
		return false;
	return rest == 0 || ((n->addr[full] ^ a[full]) & (0xff00u >> rest)) == 0;
}

static bool peer_allowed(const dns_responder *r, const struct sockaddr *peer)
{
	if (!peer)
		return false;
	int family = peer->sa_family;
	const uint8_t *a;
	if (family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)peer)->sin_addr;
	} else if (family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a, mapped, 12) == 0) {
			family = AF_INET;
			a += 12;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < r->n_allow; i++)
		if (net_contains(&r->allow[i], family, a))
			return true;
	return false;
}

/* The key that signed q, verified; NULL and *bad = true if the signature
 * is there but unknown or wrong. */
static const dns_key *tsig_check(const dns_responder *r, ldns_pkt *q, const uint8_t *wire, size_t n,
				 bool *bad)
{
	const ldns_rr *t = ldns_pkt_tsig(q);
	*bad = false;
	if (!t)
		return NULL;
	*bad = true;
	if (ldns_rr_rd_count(t) < 4)
		return NULL;
	for (size_t i = 0; i < r->n_keys; i++) {
		const dns_key *k = &r->keys[i];
		if (ldns_dname_compare(ldns_rr_owner(t), k->dname) != 0 ||
		    ldns_dname_compare(ldns_rr_rdf(t, 0), k->adname) != 0)
			continue;
		if (ldns_pkt_tsig_verify(q, wire, n, k->name, k->secret, NULL)) {
			*bad = false;
			return k;
		}
	}
	return NULL;
}

/* ---- replies ---------------------------------------------------------------- */

static void seg_add(dns_reply *x, int kind, uint32_t serial, const dns_zone *z)
{
	x->segs = xrealloc(x->segs, (x->n_segs + 1) * sizeof *x->segs);
	x->segs[x->n_segs++] = (dns_seg){.kind = kind, .serial = serial, .zone = z};
}

static void plan_axfr(dns_reply *x)
{
	seg_add(x, SEG_SOA, x->snap->serial, NULL);
	seg_add(x, SEG_NS, 0, NULL);
	seg_add(x, SEG_ZONE, 0, x->snap->zone);
	seg_add(x, SEG_SOA, x->snap->serial, NULL);
}

/* IXFR from serial `have`: RFC 1995 incremental form when the journal
 * reaches back to it, one SOA when up to date, else AXFR. */
static void plan_ixfr(dns_reply *x, uint32_t have)
{
	const dns_snapshot *s = x->snap;
	if (have == s->serial) {
		seg_add(x, SEG_SOA, s->serial, NULL);
		return;
	}
	size_t i = 0;
	while (i < s->n && s->changes[i]->from != have)
		i++;
	if (i == s->n) {
		plan_axfr(x);
		return;
	}
	seg_add(x, SEG_SOA, s->serial, NULL);
	for (; i < s->n; i++) {
		const dns_change *c = s->changes[i];
		seg_add(x, SEG_SOA, c->from, NULL);
		seg_add(x, SEG_ZONE, 0, c->removed);
		seg_add(x, SEG_SOA, c->to, NULL);
		seg_add(x, SEG_ZONE, 0, c->added);
	}
	seg_add(x, SEG_SOA, s->serial, NULL);
}

static ldns_pkt *reply_head(const ldns_pkt *q, ldns_pkt_rcode rcode)
{
	ldns_pkt *h = ldns_pkt_new();
	ldns_pkt_set_id(h, ldns_pkt_id(q));
	ldns_pkt_set_qr(h, true);
	ldns_pkt_set_opcode(h, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rd(h, ldns_pkt_rd(q));
	ldns_pkt_set_aa(h, rcode == LDNS_RCODE_NOERROR);
	ldns_pkt_set_rcode(h, (uint8_t)rcode);
	if (ldns_pkt_qdcount(q) == 1)
		ldns_pkt_push_rr(h, LDNS_SECTION_QUESTION,
				 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
	if (ldns_pkt_edns(q))
		ldns_pkt_set_edns_udp_size(h, 1232);
	return h;
}

/* The rcode a query q gets, checked in the order of the file head; *key
 * is the TSIG key that signed it (verified) or NULL. */
static ldns_pkt_rcode query_check(const dns_responder *r, ldns_pkt *q, const uint8_t *wire,
				  size_t n, const struct sockaddr *peer, bool tcp,
				  const dns_key **key)
{
	const ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	bool bad_sig;
	*key = NULL;
	if (ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY)
		return LDNS_RCODE_NOTIMPL;
	if (ldns_pkt_qdcount(q) != 1 || !qrr)
		return LDNS_RCODE_FORMERR;
	if (ldns_rr_get_class(qrr) != LDNS_RR_CLASS_IN ||
	    ldns_dname_compare(ldns_rr_owner(qrr), r->apex) != 0)
		return LDNS_RCODE_REFUSED;
	*key = tsig_check(r, q, wire, n, &bad_sig);
	if (bad_sig)
		return LDNS_RCODE_NOTAUTH;
	ldns_rr_type t = ldns_rr_get_type(qrr);
	if ((t == LDNS_RR_TYPE_AXFR || t == LDNS_RR_TYPE_IXFR) && !*key && !peer_allowed(r, peer))
		return LDNS_RCODE_REFUSED;
	if (t == LDNS_RR_TYPE_AXFR && !tcp)
		return LDNS_RCODE_FORMERR;
	return LDNS_RCODE_NOERROR;
}

/* The answer records of a NOERROR reply to q, whose question type is t. */
static void plan(dns_reply *x, const ldns_pkt *q, ldns_rr_type t)
{
	const ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(q), 0);
	if (t == LDNS_RR_TYPE_SOA || (t == LDNS_RR_TYPE_IXFR && !x->tcp))
		seg_add(x, SEG_SOA, x->snap->serial, NULL);
	else if (t == LDNS_RR_TYPE_NS)
		seg_add(x, SEG_NS, 0, NULL);
	else if (t == LDNS_RR_TYPE_AXFR)
		plan_axfr(x);
	else if (t == LDNS_RR_TYPE_IXFR && soa && ldns_rr_get_type(soa) == LDNS_RR_TYPE_SOA &&
		 ldns_rr_rd_count(soa) == 7)
		plan_ixfr(x, ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)));
	else if (t == LDNS_RR_TYPE_IXFR)
		plan_axfr(x); /* no SOA to start from */
			      /* other types at the apex: NOERROR, no data */
}

dns_verdict dns_respond(dns_responder *r, const uint8_t *wire, size_t n,
			const struct sockaddr *peer, bool tcp, dns_reply *x, uint16_t *ack_id)
{
	ldns_pkt *q = NULL;
	if (ldns_wire2pkt(&q, wire, n) != LDNS_STATUS_OK)
		return DNS_DROP;
	if (ldns_pkt_qr(q)) {
		*ack_id = ldns_pkt_id(q);
		dns_verdict v =
		    ldns_pkt_get_opcode(q) == LDNS_PACKET_NOTIFY ? DNS_NOTIFY_ACK : DNS_DROP;
		ldns_pkt_free(q);
		return v;
	}
	const dns_key *key;
	ldns_pkt_rcode rcode = query_check(r, q, wire, n, peer, tcp, &key);
	dns_snapshot *snap = rcode == LDNS_RCODE_NOERROR ? snapshot_get(r) : NULL;
	if (rcode == LDNS_RCODE_NOERROR && !snap)
		rcode = LDNS_RCODE_SERVFAIL; /* nothing published yet */
	memset(x, 0, sizeof *x);
	x->r = r;
	x->head = reply_head(q, rcode);
	if (snap) {
		x->snap = snap;
		x->key = key;
		x->tcp = tcp;
		if (key)
			x->mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
		plan(x, q, ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
	}
	ldns_pkt_free(q);
	return DNS_ANSWER;
}

/* The n-th record of the reply's plan as an RR, advancing the cursor. */
static ldns_rr *next_rr(dns_reply *x)
{
	char text[DNS_RECORD_MAX + EXPORT_NAME_MAX + 64];
	while (x->seg < x->n_segs) {
		const dns_seg *g = &x->segs[x->seg];
		if (g->kind == SEG_ZONE && x->pos >= dns_zone_count(g->zone)) {
			x->seg++;
			x->pos = 0;
			continue;
		}
		if (g->kind == SEG_SOA)
			snprintf(text, sizeof text,
				 "%s %d IN SOA localhost. hostmaster.localhost. %u " DNS_SOA_TIMERS,
				 x->r->origin, DNS_TTL, g->serial);
		else if (g->kind == SEG_NS)
			snprintf(text, sizeof text, "%s %d IN NS localhost.", x->r->origin,
				 DNS_TTL);
		else
			snprintf(text, sizeof text, "%s", dns_zone_record(g->zone, x->pos));
		if (g->kind == SEG_ZONE) {
			x->pos++;
		} else {
			x->seg++;
			x->pos = 0;
		}
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, text, DNS_TTL, x->r->apex, NULL) == LDNS_STATUS_OK)
			return rr;
		/* a record that ldns cannot read was never valid zone data: skip */
	}
	return NULL;
}

bool dns_reply_next(dns_reply *x, sol_buf *msg)
{
	if (x->done)
		return false;
	buf_reset(msg);
	ldns_pkt *p = ldns_pkt_clone(x->head);
	if (x->sent > 0) { /* the question goes in the first message only */
		ldns_rr_list_deep_free(ldns_pkt_question(p));
		ldns_pkt_set_question(p, ldns_rr_list_new());
		ldns_pkt_set_qdcount(p, 0);
	}
	size_t size = 0;
	ldns_rr *rr;
	while ((!x->tcp ? size == 0 : size < DNS_MSG_TARGET) && (rr = next_rr(x))) {
		size += ldns_rr_uncompressed_size(rr);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	if (x->seg >= x->n_segs || !x->tcp)
		x->done = true;
	if (x->key) {
		const dns_key *k = x->key;
		if (ldns_pkt_tsig_sign_next(p, k->name, k->secret, DNS_TSIG_FUDGE, k->alg, x->mac,
					    x->sent > 0) == LDNS_STATUS_OK) {
			ldns_rdf_deep_free(x->mac);
			x->mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
		}
	}
	uint8_t *w = NULL;
	size_t wn = 0;
	if (ldns_pkt2wire(&w, p, &wn) == LDNS_STATUS_OK)
		buf_append(msg, w, wn);
	free(w);
	ldns_pkt_free(p);
	x->sent++;
	return msg->len > 0;
}

void dns_reply_fini(dns_reply *x)
{
	snapshot_unref(x->snap);
	ldns_pkt_free(x->head);
	ldns_rdf_deep_free(x->mac);
	free(x->segs);
	memset(x, 0, sizeof *x);
}

int dns_notify_wire(dns_responder *r, uint16_t id, sol_buf *msg)
{
	dns_snapshot *s = snapshot_get(r);
	if (!s)
		return SOL_ENOTFOUND;
	ldns_pkt *p = ldns_pkt_new();
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_aa(p, true);
	ldns_rr *q = ldns_rr_new();
	ldns_rr_set_owner(q, ldns_rdf_clone(r->apex));
	ldns_rr_set_type(q, LDNS_RR_TYPE_SOA);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	dns_reply x = {.r = r};
	dns_seg g = {.kind = SEG_SOA, .serial = s->serial};
	x.segs = &g;
	x.n_segs = 1;
	ldns_rr *soa = next_rr(&x);
	if (soa)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, soa);
	uint8_t *w = NULL;
	size_t wn = 0;
	buf_reset(msg);
	int rc = ldns_pkt2wire(&w, p, &wn) == LDNS_STATUS_OK ? 0 : SOL_EINTERNAL;
	if (rc == 0)
		buf_append(msg, w, wn);
	free(w);
	ldns_pkt_free(p);
	snapshot_unref(s);
	return rc;
}
