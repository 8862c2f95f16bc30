/*
 * test_dns.c - the RPZ zone-transfer server against ldns as the client,
 * over real sockets on 127.0.0.1 with a real SQLite store in a temporary
 * directory, filled by the real text importer.
 *
 * The zone model (sorting, dedup, diff, the journal kept in the store,
 * the same triggers as the RPZ file `solidarity export rpz` writes),
 * then the server: SOA over UDP, AXFR whose records are exactly the
 * zone's (also over several messages), IXFR in RFC 1995 form after a new
 * indicator, IXFR from an unknown or current serial, the journal
 * surviving a restart, REFUSED for an address not allowed, TSIG signed
 * requests accepted (and the reply's signature verified) and a wrong key
 * answered NOTAUTH, NOTIFY sent, retried and acknowledged (all with the
 * one zone), the recent-additions zone next to the bulk zone (arrivals,
 * restart, fold, revocation), bad options.
 */
#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/dns.h"
#include "testimport.h"

#define ZONE "rpz.solidarity."
#define KEY_SECRET "c29saWRhcml0eS10ZXN0LWtleS0zMi1ieXRlcy1sb25nIQ=="
#define KEY_OTHER "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmc="

typedef struct fixture {
	test_store *ts;  /* intel.db in a temporary directory */
	dns_server *srv; /* the server under test, if started */
} fixture;

static void import_text(store *st, const char *text)
{
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = "cert-a";
	io.default_tlp = TLP_GREEN;
	io.format = INGEST_TEXT;
	io.subdomains = true;
	test_import(st, &io, "list.txt", text, strlen(text));
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	fx->ts = test_store_open();
	import_text(fx->ts->st, "listed.example\n198.51.100.7\n2001:db8::1\n203.0.113.0/24\n");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	dns_server_stop(fx->srv);
	test_store_close(fx->ts);
	free(fx);
	return 0;
}

/* Start the server: one zone, whose mechanics most tests check. */
static void start(fixture *fx, const char *allow, const char *tsig, const char *notify)
{
	dns_server_opts o;
	dns_server_opts_init(&o);
	o.one_zone = true;
	o.allow = &allow;
	o.n_allow = allow ? 1 : 0;
	o.tsig = &tsig;
	o.n_tsig = tsig ? 1 : 0;
	o.notify = &notify;
	o.n_notify = notify ? 1 : 0;
	sol_err err = {0};
	if (dns_server_start(fx->ts->st, &o, &fx->srv, &err))
		fail_msg("start: %s: %s", err.where, err.msg);
}

/* ---- a small ldns client ----------------------------------------------------- */

static ldns_pkt *query_in(const char *zone, ldns_rr_type t, uint32_t have_serial)
{
	ldns_pkt *q = NULL;
	assert_int_equal(ldns_pkt_query_new_frm_str(&q, zone, t, LDNS_RR_CLASS_IN, 0),
			 LDNS_STATUS_OK);
	ldns_pkt_set_random_id(q);
	if (t == LDNS_RR_TYPE_IXFR) {
		char soa[160];
		ldns_rr *rr = NULL;
		snprintf(soa, sizeof soa, "%s 300 IN SOA a. b. %u 1 1 1 1", zone, have_serial);
		assert_int_equal(ldns_rr_new_frm_str(&rr, soa, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, rr);
	}
	return q;
}

static ldns_pkt *query_new(ldns_rr_type t, uint32_t have_serial)
{
	return query_in(ZONE, t, have_serial);
}

static void sign(ldns_pkt *q, const char *secret)
{
	assert_int_equal(ldns_pkt_tsig_sign(q, "xfr.", secret, 300, "hmac-sha256.", NULL),
			 LDNS_STATUS_OK);
}

static struct sockaddr_in local(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static ldns_pkt *udp_ask(uint16_t port, ldns_pkt *q)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = local(port);
	uint8_t *w;
	size_t wn;
	assert_int_equal(ldns_pkt2wire(&w, q, &wn), LDNS_STATUS_OK);
	assert_true(sendto(fd, w, wn, 0, (struct sockaddr *)&a, sizeof a) == (ssize_t)wn);
	free(w);
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 3000), 1);
	uint8_t buf[65535];
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	close(fd);
	ldns_pkt *r = NULL;
	assert_int_equal(ldns_wire2pkt(&r, buf, (size_t)n), LDNS_STATUS_OK);
	return r;
}

static bool read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (poll(&pf, 1, 5000) != 1)
			return false;
		ssize_t k = read(fd, p, n);
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

typedef struct xfr {
	ldns_pkt_rcode rcode; /* of the first message */
	ldns_rr_list *rrs;    /* every answer record, in order */
	int messages;         /* messages read */
	bool signed_ok;       /* every message carried a TSIG that verified */
} xfr;

static uint32_t soa_serial(const ldns_rr *rr)
{
	return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
}

/* Send q over TCP and read messages until the transfer is complete. */
static xfr tcp_xfr(uint16_t port, ldns_pkt *q, const char *secret)
{
	xfr x = {.rrs = ldns_rr_list_new(), .signed_ok = secret != NULL};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = local(port);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	uint8_t *w;
	size_t wn;
	assert_int_equal(ldns_pkt2wire(&w, q, &wn), LDNS_STATUS_OK);
	uint8_t len[2] = {(uint8_t)(wn >> 8), (uint8_t)wn};
	assert_int_equal(write(fd, len, 2), 2);
	assert_int_equal(write(fd, w, wn), (ssize_t)wn);
	free(w);
	ldns_rdf *mac = secret ? ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3)) : NULL;
	int soas = 0, need = 2;
	uint32_t final = 0;
	for (;;) {
		uint8_t buf[65535];
		if (!read_full(fd, len, 2))
			break;
		size_t n = (size_t)len[0] << 8 | len[1];
		assert_true(read_full(fd, buf, n));
		ldns_pkt *r = NULL;
		assert_int_equal(ldns_wire2pkt(&r, buf, n), LDNS_STATUS_OK);
		if (x.messages++ == 0)
			x.rcode = ldns_pkt_get_rcode(r);
		if (secret) {
			bool ok =
			    ldns_pkt_tsig(r) && ldns_pkt_tsig_verify_next(r, buf, n, "xfr.", secret,
									  mac, x.messages > 1);
			x.signed_ok = x.signed_ok && ok;
			if (ldns_pkt_tsig(r)) {
				ldns_rdf_deep_free(mac);
				mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(r), 3));
			}
		}
		ldns_rr_list *ans = ldns_pkt_answer(r);
		for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ans, i);
			size_t k = ldns_rr_list_rr_count(x.rrs);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
				if (k == 0)
					final = soa_serial(rr);
				else if (k == 1)
					need = 3; /* incremental: a second SOA at once */
				if (soa_serial(rr) == final)
					soas++;
			}
			ldns_rr_list_push_rr(x.rrs, ldns_rr_clone(rr));
		}
		size_t k = ldns_rr_list_rr_count(x.rrs);
		bool single = k == 1 && x.messages == 1 && ldns_pkt_ancount(r) == 1;
		ldns_pkt_free(r);
		if (x.rcode != LDNS_RCODE_NOERROR || soas >= need ||
		    (single && need == 2 && k == 1))
			break;
	}
	ldns_rdf_deep_free(mac);
	close(fd);
	return x;
}

static ldns_rr *rr_of(const char *origin, const char *text)
{
	ldns_rr *rr = NULL;
	ldns_rdf *o = ldns_dname_new_frm_str(origin);
	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 300, o, NULL), LDNS_STATUS_OK);
	ldns_rdf_deep_free(o);
	return rr;
}

/* Record i of l is text, relative to origin. */
static void assert_rr_in(const ldns_rr_list *l, size_t i, const char *origin, const char *text)
{
	ldns_rr *want = rr_of(origin, text);
	assert_true(i < ldns_rr_list_rr_count(l));
	if (ldns_rr_compare(ldns_rr_list_rr(l, i), want) != 0) {
		char *got = ldns_rr2str(ldns_rr_list_rr(l, i));
		fail_msg("record %zu: got %s want %s", i, got, text);
	}
	ldns_rr_free(want);
}

static void assert_rr(const ldns_rr_list *l, size_t i, const char *text)
{
	assert_rr_in(l, i, ZONE, text);
}

static void assert_soa(const ldns_rr_list *l, size_t i, uint32_t serial)
{
	assert_true(i < ldns_rr_list_rr_count(l));
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(l, i)), LDNS_RR_TYPE_SOA);
	assert_int_equal(soa_serial(ldns_rr_list_rr(l, i)), serial);
}

/* An AXFR's records are SOA, NS, exactly the zone in order, SOA. */
static void assert_axfr_in(const xfr *x, const char *origin, const dns_zone *z, uint32_t serial)
{
	assert_int_equal(x->rcode, LDNS_RCODE_NOERROR);
	size_t n = dns_zone_count(z);
	assert_int_equal(ldns_rr_list_rr_count(x->rrs), n + 3);
	assert_soa(x->rrs, 0, serial);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(x->rrs, 1)), LDNS_RR_TYPE_NS);
	for (size_t i = 0; i < n; i++)
		assert_rr_in(x->rrs, i + 2, origin, dns_zone_record(z, i));
	assert_soa(x->rrs, n + 2, serial);
}

static void assert_axfr(const xfr *x, const dns_zone *z, uint32_t serial)
{
	assert_axfr_in(x, ZONE, z, serial);
}

static dns_zone *build(fixture *fx)
{
	dns_zone_opts o;
	dns_zone_opts_init(&o);
	dns_zone *z;
	sol_err err = {0};
	assert_int_equal(dns_zone_build(fx->ts->st, ZONE, &o, &z, &err), 0);
	return z;
}

/* ---- zone model ----------------------------------------------------------------- */

static void test_zone_build(void **state)
{
	fixture *fx = *state;
	dns_zone *z = build(fx);
	static const char *const want[] = {
	    "*.listed.example CNAME .",      "128.1.zz.db8.2001.rpz-ip CNAME .",
	    "24.0.113.0.203.rpz-ip CNAME .", "32.7.100.51.198.rpz-ip CNAME .",
	    "listed.example CNAME .",
	};
	assert_int_equal(dns_zone_count(z), 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(dns_zone_record(z, i), want[i]);
	dns_zone_unref(z);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The zone served and `solidarity export rpz` (src/export/rpz.c) list the
 * same triggers for the export tests' data: the rules are written twice. */
static void test_zone_matches_export(void **state)
{
	fixture *fx = *state;
	test_import_file(fx->ts->st, "tests/unit/export/data/intel.json", "cert-a", TLP_AMBER,
			 INGEST_STIX);
	test_import_file(fx->ts->st, "tests/unit/export/data/list.csv", "cert-b", TLP_GREEN,
			 INGEST_CSV);
	export_opts eo;
	export_opts_init(&eo);
	assert_int_equal(sol_time_parse("2026-12-01T00:00:00Z", &eo.select.now), 0);
	char *out = test_path(fx->ts->dir, "zone.rpz");
	eo.path = out;
	export_stats stats;
	sol_err err = {0};
	if (export_write(fx->ts->st, &eo, &stats, &err))
		fail_msg("export: %s: %s", err.where, err.msg);
	char *text = test_read_file(out, NULL);
	char *lines[256];
	size_t n = 0;
	bool body = false;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (!body) {
			body = strncmp(line, "@ NS ", 5) == 0;
			continue;
		}
		char *comment = strstr(line, " ;");
		if (comment)
			*comment = '\0';
		assert_true(n < 256);
		lines[n++] = line;
	}
	qsort(lines, n, sizeof *lines, str_cmp);

	dns_zone_opts o;
	dns_zone_opts_init(&o);
	o.select.now = eo.select.now;
	dns_zone *z;
	assert_int_equal(dns_zone_build(fx->ts->st, ZONE, &o, &z, &err), 0);
	assert_true(n > 10);
	assert_int_equal(dns_zone_count(z), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(dns_zone_record(z, i), lines[i]);
	dns_zone_unref(z);
	free(text);
	free(out);
}

static void test_zone_diff(void **state)
{
	(void)state;
	dns_zone *a = dns_zone_new(), *b = dns_zone_new();
	const char *old[] = {"c", "a", "b", "a"}, *new[] = {"d", "b", "c", "e"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(dns_zone_add(a, old[i], "CNAME", "."), 0);
		assert_int_equal(dns_zone_add(b, new[i], "CNAME", "."), 0);
	}
	dns_zone_finish(a);
	dns_zone_finish(b);
	assert_int_equal(dns_zone_count(a), 3); /* duplicate "a" merged */
	assert_true(dns_zone_hash(a) != dns_zone_hash(b));
	dns_change *c = dns_change_diff(a, b, 7, 8);
	assert_int_equal(dns_zone_count(c->removed), 1);
	assert_string_equal(dns_zone_record(c->removed, 0), "a CNAME .");
	assert_int_equal(dns_zone_count(c->added), 2);
	assert_string_equal(dns_zone_record(c->added, 0), "d CNAME .");
	assert_string_equal(dns_zone_record(c->added, 1), "e CNAME .");
	dns_change *same = dns_change_diff(b, b, 8, 9);
	assert_int_equal(dns_zone_count(same->removed) + dns_zone_count(same->added), 0);
	char big[DNS_RECORD_MAX];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(dns_zone_add(a, big, "CNAME", "."), SOL_ETOOBIG);
	dns_change_unref(c);
	dns_change_unref(same);
	dns_zone_unref(a);
	dns_zone_unref(b);
}

static void test_journal_store(void **state)
{
	fixture *fx = *state;
	dns_journal j;
	dns_journal_init(&j, ZONE);
	sol_err err = {0};
	bool changed;
	assert_int_equal(dns_journal_load(fx->ts->st, &j, &err), 0);
	assert_int_equal(j.serial, 0);
	dns_zone *z1 = build(fx);
	assert_int_equal(dns_journal_publish(fx->ts->st, &j, NULL, z1, 0, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(j.serial, 1);
	import_text(fx->ts->st, "new.example\n");
	dns_zone *z2 = build(fx);
	assert_int_equal(dns_journal_publish(fx->ts->st, &j, z1, z2, 0, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(j.serial, 2);
	assert_int_equal(dns_journal_publish(fx->ts->st, &j, z2, z2, 0, &changed, &err), 0);
	assert_false(changed);
	dns_journal_fini(&j);

	dns_journal k; /* as a restarted server sees it */
	dns_journal_init(&k, ZONE);
	assert_int_equal(dns_journal_load(fx->ts->st, &k, &err), 0);
	assert_int_equal(k.serial, 2);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.changes[0]->from, 1);
	assert_int_equal(k.changes[0]->to, 2);
	assert_int_equal(dns_zone_count(k.changes[0]->removed), 0);
	assert_int_equal(dns_zone_count(k.changes[0]->added), 2);
	assert_string_equal(dns_zone_record(k.changes[0]->added, 1), "new.example CNAME .");
	/* the same zone after the restart: no change, journal kept */
	assert_int_equal(dns_journal_publish(fx->ts->st, &k, NULL, z2, 0, &changed, &err), 0);
	assert_false(changed);
	assert_int_equal(k.n, 1);
	/* a change made while stopped: new serial, history dropped */
	assert_int_equal(dns_journal_publish(fx->ts->st, &k, NULL, z1, 0, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(k.serial, 3);
	assert_int_equal(k.n, 0);
	dns_journal_fini(&k);
	dns_zone_unref(z1);
	dns_zone_unref(z2);
}

/* Slots that are malformed or off the chain are ignored, never fatal. */
static void test_journal_bad_slots(void **state)
{
	fixture *fx = *state;
	static const char *const settings[][2] = {
	    {"dns.rpz.solidarity.serial", "5"},
	    {"dns.rpz.solidarity.hash", "00000000000000ff"},
	    {"dns.rpz.solidarity.journal.5", "4 5\n+a.example CNAME .\n"},
	    {"dns.rpz.solidarity.journal.4", "3 4\n*a.example CNAME .\n"}, /* bad sign */
	    {"dns.rpz.solidarity.journal.3", "2 3\n+b.example CNAME .\n"},
	    {"dns.rpz.solidarity.journal.9", "garbage"},
	    {"dns.rpz.solidarity.journal.10", "7 10\n-c.example\n"}, /* no type */
	};
	sol_err err = {0};
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		assert_int_equal(
		    store_setting_set(fx->ts->st, settings[i][0], settings[i][1], &err), 0);
	dns_journal j;
	dns_journal_init(&j, ZONE);
	assert_int_equal(dns_journal_load(fx->ts->st, &j, &err), 0);
	assert_int_equal(j.serial, 5);
	assert_int_equal(j.hash, 0xff);
	assert_int_equal(j.n, 1); /* 4 -> 5 only: the change into 4 is unreadable */
	assert_string_equal(dns_zone_record(j.changes[0]->added, 0), "a.example CNAME .");
	dns_journal_fini(&j);
}

/* ---- the server ------------------------------------------------------------------- */

static void test_soa_udp(void **state)
{
	fixture *fx = *state;
	start(fx, NULL, NULL, NULL); /* SOA is answered to anyone */
	ldns_pkt *q = query_new(LDNS_RR_TYPE_SOA, 0);
	ldns_pkt *r = udp_ask(dns_server_port(fx->srv), q);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(r));
	assert_int_equal(ldns_pkt_id(r), ldns_pkt_id(q));
	assert_soa(ldns_pkt_answer(r), 0, dns_server_serial(fx->srv));
	ldns_pkt_free(r);
	ldns_pkt_free(q);
	/* a name outside the zone is refused */
	assert_int_equal(
	    ldns_pkt_query_new_frm_str(&q, "example.", LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0),
	    LDNS_STATUS_OK);
	r = udp_ask(dns_server_port(fx->srv), q);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_REFUSED);
	ldns_pkt_free(r);
	ldns_pkt_free(q);
}

static void test_axfr(void **state)
{
	fixture *fx = *state;
	start(fx, "127.0.0.0/8", NULL, NULL);
	ldns_pkt *q = query_new(LDNS_RR_TYPE_AXFR, 0);
	xfr x = tcp_xfr(dns_server_port(fx->srv), q, NULL);
	dns_zone *z = build(fx);
	assert_axfr(&x, z, dns_server_serial(fx->srv));
	assert_int_equal(x.messages, 1);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);
	dns_zone_unref(z);
}

static void test_axfr_many_messages(void **state)
{
	fixture *fx = *state;
	start(fx, "127.0.0.1", NULL, NULL);
	dns_zone *z = dns_zone_new();
	char owner[64];
	for (int i = 0; i < 5000; i++) {
		snprintf(owner, sizeof owner, "host-%05d.big.example", i);
		dns_zone_add(z, owner, "CNAME", ".");
	}
	dns_zone_finish(z);
	sol_err err = {0};
	bool changed;
	assert_int_equal(dns_server_publish(fx->srv, fx->ts->st, dns_zone_ref(z), &changed, &err),
			 0);
	assert_true(changed);
	ldns_pkt *q = query_new(LDNS_RR_TYPE_AXFR, 0);
	xfr x = tcp_xfr(dns_server_port(fx->srv), q, NULL);
	assert_axfr(&x, z, dns_server_serial(fx->srv));
	assert_true(x.messages > 5);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);
	dns_zone_unref(z);
}

static void test_ixfr(void **state)
{
	fixture *fx = *state;
	start(fx, "127.0.0.1", NULL, NULL);
	uint16_t port = dns_server_port(fx->srv);
	uint32_t s1 = dns_server_serial(fx->srv);
	import_text(fx->ts->st, "new.example\n");
	sol_err err = {0};
	bool changed;
	assert_int_equal(dns_server_refresh(fx->srv, fx->ts->st, &changed, &err), 0);
	assert_true(changed);
	uint32_t s2 = dns_server_serial(fx->srv);
	assert_true(s2 > s1);
	assert_int_equal(dns_server_refresh(fx->srv, fx->ts->st, &changed, &err), 0);
	assert_false(changed);
	assert_int_equal(dns_server_serial(fx->srv), s2);

	ldns_pkt *q = query_new(LDNS_RR_TYPE_IXFR, s1);
	xfr x = tcp_xfr(port, q, NULL);
	assert_int_equal(x.rcode, LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_rr_list_rr_count(x.rrs), 6);
	assert_soa(x.rrs, 0, s2);
	assert_soa(x.rrs, 1, s1); /* no deletions */
	assert_soa(x.rrs, 2, s2);
	assert_rr(x.rrs, 3, "*.new.example CNAME .");
	assert_rr(x.rrs, 4, "new.example CNAME .");
	assert_soa(x.rrs, 5, s2);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);

	/* up to date: one SOA */
	q = query_new(LDNS_RR_TYPE_IXFR, s2);
	x = tcp_xfr(port, q, NULL);
	assert_int_equal(ldns_rr_list_rr_count(x.rrs), 1);
	assert_soa(x.rrs, 0, s2);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);

	/* unknown serial: the whole zone, AXFR style */
	q = query_new(LDNS_RR_TYPE_IXFR, 12345);
	x = tcp_xfr(port, q, NULL);
	dns_zone *z = build(fx);
	assert_axfr(&x, z, s2);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);

	/* over UDP: just the SOA, the client comes back over TCP */
	q = query_new(LDNS_RR_TYPE_IXFR, s1);
	ldns_pkt *r = udp_ask(port, q);
	assert_int_equal(ldns_pkt_ancount(r), 1);
	assert_soa(ldns_pkt_answer(r), 0, s2);
	ldns_pkt_free(r);
	ldns_pkt_free(q);

	/* a restarted server still has the history */
	dns_server_stop(fx->srv);
	start(fx, "127.0.0.1", NULL, NULL);
	assert_int_equal(dns_server_serial(fx->srv), s2);
	q = query_new(LDNS_RR_TYPE_IXFR, s1);
	x = tcp_xfr(dns_server_port(fx->srv), q, NULL);
	assert_int_equal(ldns_rr_list_rr_count(x.rrs), 6);
	assert_rr(x.rrs, 4, "new.example CNAME .");
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);
	dns_zone_unref(z);
}

static void test_ixfr_deletions(void **state)
{
	fixture *fx = *state;
	start(fx, "127.0.0.1", NULL, NULL);
	dns_zone *z = dns_zone_new();
	dns_zone_add(z, "a.example", "CNAME", ".");
	dns_zone_add(z, "b.example", "CNAME", ".");
	dns_zone_finish(z);
	sol_err err = {0};
	assert_int_equal(dns_server_publish(fx->srv, fx->ts->st, z, NULL, &err), 0);
	uint32_t s1 = dns_server_serial(fx->srv);
	z = dns_zone_new();
	dns_zone_add(z, "b.example", "CNAME", ".");
	dns_zone_add(z, "c.example", "CNAME", ".");
	dns_zone_finish(z);
	assert_int_equal(dns_server_publish(fx->srv, fx->ts->st, z, NULL, &err), 0);
	uint32_t s2 = dns_server_serial(fx->srv);
	ldns_pkt *q = query_new(LDNS_RR_TYPE_IXFR, s1);
	xfr x = tcp_xfr(dns_server_port(fx->srv), q, NULL);
	assert_int_equal(ldns_rr_list_rr_count(x.rrs), 6);
	assert_soa(x.rrs, 0, s2);
	assert_soa(x.rrs, 1, s1);
	assert_rr(x.rrs, 2, "a.example CNAME .");
	assert_soa(x.rrs, 3, s2);
	assert_rr(x.rrs, 4, "c.example CNAME .");
	assert_soa(x.rrs, 5, s2);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);
}

static void test_refused(void **state)
{
	fixture *fx = *state;
	start(fx, "10.0.0.0/8", NULL, NULL);
	ldns_rr_type types[] = {LDNS_RR_TYPE_AXFR, LDNS_RR_TYPE_IXFR};
	for (size_t i = 0; i < 2; i++) {
		ldns_pkt *q = query_new(types[i], 1);
		xfr x = tcp_xfr(dns_server_port(fx->srv), q, NULL);
		assert_int_equal(x.rcode, LDNS_RCODE_REFUSED);
		assert_int_equal(ldns_rr_list_rr_count(x.rrs), 0);
		ldns_rr_list_deep_free(x.rrs);
		ldns_pkt_free(q);
	}
}

static void test_tsig(void **state)
{
	fixture *fx = *state;
	start(fx, NULL, "xfr:hmac-sha256:" KEY_SECRET, NULL);
	uint16_t port = dns_server_port(fx->srv);
	ldns_pkt *q = query_new(LDNS_RR_TYPE_AXFR, 0);
	sign(q, KEY_SECRET);
	xfr x = tcp_xfr(port, q, KEY_SECRET);
	dns_zone *z = build(fx);
	assert_axfr(&x, z, dns_server_serial(fx->srv));
	assert_true(x.signed_ok);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);

	q = query_new(LDNS_RR_TYPE_AXFR, 0); /* right name, wrong secret */
	sign(q, KEY_OTHER);
	x = tcp_xfr(port, q, NULL);
	assert_int_equal(x.rcode, LDNS_RCODE_NOTAUTH);
	assert_int_equal(ldns_rr_list_rr_count(x.rrs), 0);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);

	q = query_new(LDNS_RR_TYPE_AXFR, 0); /* unsigned, address not allowed */
	x = tcp_xfr(port, q, NULL);
	assert_int_equal(x.rcode, LDNS_RCODE_REFUSED);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);
	dns_zone_unref(z);
}

static void test_tsig_many_messages(void **state)
{
	fixture *fx = *state;
	start(fx, NULL, "xfr:hmac-sha256:" KEY_SECRET, NULL);
	dns_zone *z = dns_zone_new();
	char owner[64];
	for (int i = 0; i < 3000; i++) {
		snprintf(owner, sizeof owner, "h%d.signed.example", i);
		dns_zone_add(z, owner, "CNAME", ".");
	}
	dns_zone_finish(z);
	sol_err err = {0};
	assert_int_equal(dns_server_publish(fx->srv, fx->ts->st, dns_zone_ref(z), NULL, &err), 0);
	ldns_pkt *q = query_new(LDNS_RR_TYPE_AXFR, 0);
	sign(q, KEY_SECRET);
	xfr x = tcp_xfr(dns_server_port(fx->srv), q, KEY_SECRET);
	assert_axfr(&x, z, dns_server_serial(fx->srv));
	assert_true(x.messages > 1);
	assert_true(x.signed_ok);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);
	dns_zone_unref(z);
}

static void test_notify(void **state)
{
	fixture *fx = *state;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = local(0);
	socklen_t alen = sizeof a;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	getsockname(fd, (struct sockaddr *)&a, &alen);
	char target[32];
	snprintf(target, sizeof target, "127.0.0.1:%u", ntohs(a.sin_port));
	start(fx, "127.0.0.1", NULL, target);
	/* the first publish at start NOTIFYs too: acknowledge nothing yet */
	import_text(fx->ts->st, "fresh.example\n");
	sol_err err = {0};
	bool changed;
	assert_int_equal(dns_server_refresh(fx->srv, fx->ts->st, &changed, &err), 0);
	assert_true(changed);
	uint32_t serial = dns_server_serial(fx->srv);
	int seen = 0;
	for (int tries = 0; tries < 20 && seen < 2; tries++) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&pf, 1, 3000), 1);
		uint8_t buf[4096];
		struct sockaddr_in from;
		socklen_t flen = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
		ldns_pkt *p = NULL;
		assert_int_equal(ldns_wire2pkt(&p, buf, (size_t)n), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
		assert_int_equal(ntohs(from.sin_port), dns_server_port(fx->srv));
		if (soa_serial(ldns_rr_list_rr(ldns_pkt_answer(p), 0)) == serial &&
		    ++seen == 2) { /* the retry of an unacknowledged NOTIFY: ack it */
			ldns_pkt_set_qr(p, true);
			uint8_t *w;
			size_t wn;
			assert_int_equal(ldns_pkt2wire(&w, p, &wn), LDNS_STATUS_OK);
			sendto(fd, w, wn, 0, (struct sockaddr *)&from, flen);
			free(w);
		}
		ldns_pkt_free(p);
	}
	assert_int_equal(seen, 2);
	for (int i = 0; i < 100 && dns_server_notify_acks(fx->srv) == 0; i++)
		usleep(20000);
	assert_int_equal(dns_server_notify_acks(fx->srv), 1);
	close(fd);
}

/* ---- the recent-additions zone ---------------------------------------------------- */

#define RECENT "rpz-recent.solidarity."

/* Start the server with both zones, transfers allowed to 127.0.0.1,
 * waiting records folded after age microseconds. */
static void start_split(fixture *fx, sol_time age)
{
	const char *allow = "127.0.0.1";
	dns_server_opts o;
	dns_server_opts_init(&o);
	o.allow = &allow;
	o.n_allow = 1;
	o.fold.age = age;
	sol_err err = {0};
	if (dns_server_start(fx->ts->st, &o, &fx->srv, &err))
		fail_msg("start: %s: %s", err.where, err.msg);
}

/* Version v (1 or 2: revoked) of an indicator for gone.example, made
 * seconds before now so that no default lifetime has ended. */
static void import_gone(store *st, int v)
{
	char at[40];
	sol_time_format(sol_time_now() - (3 - v) * 1000000, at, sizeof at);
	char *json = xasprintf(
	    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
	    "\"id\":\"indicator--0a1b2c3d-0000-4000-8000-0000000000aa\",\"created\":\"%s\","
	    "\"modified\":\"%s\",\"pattern\":\"[domain-name:value = 'gone.example']\","
	    "\"pattern_type\":\"stix\",\"valid_from\":\"%s\"%s}",
	    at, at, at, v == 2 ? ",\"revoked\":true" : "");
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = "cert-a";
	io.default_tlp = TLP_GREEN;
	io.format = INGEST_STIX;
	test_import(st, &io, "gone.json", json, strlen(json));
	free(json);
}

/* The AXFR of zone (ZONE or RECENT) must be exactly z at serial. */
static void assert_zone_is(uint16_t port, const char *zone, const dns_zone *z, uint32_t serial)
{
	ldns_pkt *q = query_in(zone, LDNS_RR_TYPE_AXFR, 0);
	xfr x = tcp_xfr(port, q, NULL);
	assert_axfr_in(&x, zone, z, serial);
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);
}

static void refresh(fixture *fx)
{
	sol_err err = {0};
	bool changed;
	assert_int_equal(dns_server_refresh(fx->srv, fx->ts->st, &changed, &err), 0);
	assert_true(changed);
}

/* A new record goes to the recent zone only; the split survives a
 * restart; a revoked record leaves the recent zone, the bulk untouched. */
static void test_recent_zone(void **state)
{
	fixture *fx = *state;
	start_split(fx, (sol_time)DNS_FOLD_AGE * 1000000);
	assert_string_equal(dns_server_recent_zone(fx->srv), RECENT);
	uint16_t port = dns_server_port(fx->srv);
	uint32_t b1 = dns_server_serial(fx->srv), r1 = dns_server_recent_serial(fx->srv);
	assert_true(r1 > 0);
	dns_zone *z1 = build(fx), *none = dns_zone_new();
	dns_zone_finish(none);
	assert_zone_is(port, ZONE, z1, b1); /* at start the bulk zone has everything */
	assert_zone_is(port, RECENT, none, r1);
	ldns_pkt *q = query_in(RECENT, LDNS_RR_TYPE_SOA, 0);
	ldns_pkt *r = udp_ask(port, q);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_soa(ldns_pkt_answer(r), 0, r1);
	ldns_pkt_free(r);
	ldns_pkt_free(q);

	import_text(fx->ts->st, "new.example\n");
	refresh(fx);
	assert_int_equal(dns_server_serial(fx->srv), b1);
	uint32_t r2 = dns_server_recent_serial(fx->srv);
	assert_true(r2 > r1);
	q = query_in(RECENT, LDNS_RR_TYPE_IXFR, r1);
	xfr x = tcp_xfr(port, q, NULL);
	assert_int_equal(ldns_rr_list_rr_count(x.rrs), 6);
	assert_soa(x.rrs, 1, r1);
	assert_rr_in(x.rrs, 3, RECENT, "*.new.example CNAME .");
	assert_rr_in(x.rrs, 4, RECENT, "new.example CNAME .");
	ldns_rr_list_deep_free(x.rrs);
	ldns_pkt_free(q);
	assert_zone_is(port, ZONE, z1, b1);
	dns_zone *z2 = build(fx);
	dns_change *d = dns_change_diff(z1, z2, 0, 0);

	dns_server_stop(fx->srv);
	start_split(fx, (sol_time)DNS_FOLD_AGE * 1000000);
	assert_int_equal(dns_server_serial(fx->srv), b1);
	assert_int_equal(dns_server_recent_serial(fx->srv), r2);
	port = dns_server_port(fx->srv);
	assert_zone_is(port, RECENT, d->added, r2);

	import_gone(fx->ts->st, 1);
	refresh(fx);
	dns_zone *z3 = build(fx);
	assert_int_equal(dns_zone_count(z3), dns_zone_count(z2) + 1);
	import_gone(fx->ts->st, 2);
	refresh(fx);
	assert_zone_is(port, RECENT, d->added, dns_server_recent_serial(fx->srv));
	assert_zone_is(port, ZONE, z1, b1);
	dns_change_unref(d);
	dns_zone_unref(z1);
	dns_zone_unref(z2);
	dns_zone_unref(z3);
	dns_zone_unref(none);
}

/* Folded at once (age 0): an arrival is in both zones; its revocation
 * takes it out of both. */
static void test_recent_fold(void **state)
{
	fixture *fx = *state;
	start_split(fx, 0);
	uint16_t port = dns_server_port(fx->srv);
	uint32_t b1 = dns_server_serial(fx->srv), r1 = dns_server_recent_serial(fx->srv);
	dns_zone *z1 = build(fx);
	import_gone(fx->ts->st, 1);
	refresh(fx);
	dns_zone *z2 = build(fx);
	dns_change *d = dns_change_diff(z1, z2, 0, 0);
	assert_int_equal(dns_zone_count(d->added), 1);
	assert_string_equal(dns_zone_record(d->added, 0), "gone.example CNAME .");
	uint32_t b2 = dns_server_serial(fx->srv), r2 = dns_server_recent_serial(fx->srv);
	assert_true(b2 > b1 && r2 > r1);
	assert_zone_is(port, ZONE, z2, b2);
	assert_zone_is(port, RECENT, d->added, r2);

	import_gone(fx->ts->st, 2);
	refresh(fx);
	assert_true(dns_server_serial(fx->srv) > b2 && dns_server_recent_serial(fx->srv) > r2);
	assert_zone_is(port, ZONE, z1, dns_server_serial(fx->srv));
	assert_zone_is(port, RECENT, d->removed, dns_server_recent_serial(fx->srv));
	dns_change_unref(d);
	dns_zone_unref(z1);
	dns_zone_unref(z2);
}

static void test_bad_options(void **state)
{
	fixture *fx = *state;
	static const struct {
		const char *listen, *allow, *tsig, *notify, *zone, *where;
	} bad[] = {
	    {"nope", NULL, NULL, NULL, NULL, "--dns"},
	    {"127.0.0.1:99999", NULL, NULL, NULL, NULL, "--dns"},
	    {"127.0.0.1:0", "300.1.1.1", NULL, NULL, NULL, "--dns-allow"},
	    {"127.0.0.1:0", "10.0.0.0/33", NULL, NULL, NULL, "--dns-allow"},
	    {"127.0.0.1:0", NULL, "xfr:hmac-sha256", NULL, NULL, "--dns-tsig"},
	    {"127.0.0.1:0", NULL, "xfr:hmac-foo:" KEY_SECRET, NULL, NULL, "--dns-tsig"},
	    {"127.0.0.1:0", NULL, "xfr:hmac-sha256:not base64!", NULL, NULL, "--dns-tsig"},
	    {"127.0.0.1:0", NULL, NULL, "127.0.0.1", NULL, "--dns-notify"},
	    {"127.0.0.1:0", NULL, NULL, NULL, "bad..zone", "--dns-zone"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dns_server_opts o;
		dns_server_opts_init(&o);
		o.listen = bad[i].listen;
		o.allow = &bad[i].allow;
		o.n_allow = bad[i].allow != NULL;
		o.tsig = &bad[i].tsig;
		o.n_tsig = bad[i].tsig != NULL;
		o.notify = &bad[i].notify;
		o.n_notify = bad[i].notify != NULL;
		o.zone = bad[i].zone;
		sol_err err = {0};
		dns_server *s = NULL;
		int rc = dns_server_start(fx->ts->st, &o, &s, &err);
		if (rc != SOL_EUSAGE)
			fail_msg("case %zu: rc %d", i, rc);
		assert_string_equal(err.where, bad[i].where);
		assert_null(s);
	}
	static const char *const bad_recent[] = {"rpz.solidarity", "RPZ.Solidarity.", "bad..zone",
						 "."};
	for (size_t i = 0; i < sizeof bad_recent / sizeof bad_recent[0]; i++) {
		dns_server_opts o;
		dns_server_opts_init(&o);
		o.recent = bad_recent[i];
		sol_err err = {0};
		dns_server *s = NULL;
		assert_int_equal(dns_server_start(fx->ts->st, &o, &s, &err), SOL_EUSAGE);
		assert_string_equal(err.where, "--dns-recent-zone");
		assert_null(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_zone_build, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zone_matches_export, setup, teardown),
	    cmocka_unit_test(test_zone_diff),
	    cmocka_unit_test_setup_teardown(test_journal_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_bad_slots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_soa_udp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_axfr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_axfr_many_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ixfr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ixfr_deletions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tsig, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tsig_many_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recent_zone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recent_fold, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
