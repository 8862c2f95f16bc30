/*
 * dns_bench.c - IXFR size and time after adding 1,000 triggers to a
 * 1,000,000-entry RPZ zone, against AXFR of the same zone (a program,
 * not a test).
 *
 *   dns_bench [N [ADD [STORE_N [DB]]]]     defaults 1000000 1000 0
 *
 * Zone part: builds a synthetic zone of N triggers (domains, half with
 * their "*." wildcard, and IPv4 rpz-ip triggers), publishes it on a real
 * server on 127.0.0.1, then the same zone plus ADD new domains (rebuilt
 * from scratch and sorted, as a refresh does), and times the publish (the
 * diff of the two sorted arrays, the journal write) and the IXFR from the
 * old serial read by a TCP client, then an AXFR of the whole zone.
 *
 * Store part (STORE_N > 0, or a store DB given): imports STORE_N domains
 * into a fresh store (or DB, which is modified: give it a copy), times
 * the server's start (the zone built from the whole store), imports ADD
 * more and times dns_server_refresh (only the added indicators read,
 * patched into the zone, diff, journal), then the IXFR.
 *
 * Verification: the zone IXFR must carry exactly ADD records and four
 * SOAs, the AXFR N + ADD + 3 records, the store IXFR 2 * ADD + 4 (a
 * listed domain is a trigger and its "*." wildcard). Exits 1 otherwise.
 */
#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns.h"
#include "ingest/ingest.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The zone of n synthetic triggers plus `add` fresh domains. */
static dns_zone *zone_make(size_t n, size_t add)
{
	dns_zone *z = dns_zone_new();
	char owner[64];
	for (size_t i = 0; i < n; i++) {
		if (i % 4 == 3) {
			snprintf(owner, sizeof owner, "32.%zu.%zu.%zu.10.rpz-ip", i & 255,
				 (i >> 8) & 255, (i >> 16) & 255);
		} else {
			snprintf(owner, sizeof owner, "%sbad-%zu.example.net", i % 4 ? "" : "*.",
				 i);
		}
		dns_zone_add(z, owner, "CNAME", ".");
	}
	for (size_t i = 0; i < add; i++) {
		snprintf(owner, sizeof owner, "fresh-%zu.example.org", i);
		dns_zone_add(z, owner, "CNAME", ".");
	}
	dns_zone_finish(z);
	return z;
}

static bool read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* One transfer: bytes, messages and records received. */
typedef struct xfr_stat {
	size_t bytes, messages, records, soas;
	double secs;
} xfr_stat;

static xfr_stat transfer(uint16_t port, ldns_rr_type t, uint32_t have)
{
	xfr_stat s = {0};
	ldns_pkt *q = NULL;
	ldns_pkt_query_new_frm_str(&q, EXPORT_RPZ_ZONE, t, LDNS_RR_CLASS_IN, 0);
	if (t == LDNS_RR_TYPE_IXFR) {
		char soa[128];
		ldns_rr *rr = NULL;
		snprintf(soa, sizeof soa, "%s 300 IN SOA a. b. %u 1 1 1 1", EXPORT_RPZ_ZONE, have);
		ldns_rr_new_frm_str(&rr, soa, 0, NULL, NULL);
		ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, rr);
	}
	uint8_t *w;
	size_t wn;
	ldns_pkt2wire(&w, q, &wn);
	ldns_pkt_free(q);
	double t0 = now();
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		exit(1);
	uint8_t len[2] = {(uint8_t)(wn >> 8), (uint8_t)wn};
	if (write(fd, len, 2) != 2 || write(fd, w, wn) != (ssize_t)wn)
		exit(1);
	free(w);
	size_t need = t == LDNS_RR_TYPE_IXFR ? 3 : 2, final_soas = 0;
	uint32_t final = 0;
	static uint8_t buf[65535];
	while (final_soas < need && read_full(fd, len, 2)) {
		size_t n = (size_t)len[0] << 8 | len[1];
		if (!read_full(fd, buf, n))
			break;
		s.bytes += n + 2;
		s.messages++;
		ldns_pkt *r = NULL;
		if (ldns_wire2pkt(&r, buf, n) != LDNS_STATUS_OK)
			exit(1);
		for (size_t i = 0; i < ldns_pkt_ancount(r); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r), i);
			s.records++;
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA)
				continue;
			s.soas++;
			uint32_t serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
			if (s.records == 1)
				final = serial;
			if (serial == final)
				final_soas++;
		}
		ldns_pkt_free(r);
	}
	close(fd);
	s.secs = now() - t0;
	return s;
}

static void import_domains(store *st, size_t from, size_t n, const char *suffix)
{
	sol_buf text;
	buf_init(&text, SIZE_MAX);
	for (size_t i = from; i < from + n; i++)
		buf_printf(&text, "host-%zu.%s\n", i, suffix);
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = "bench";
	io.format = INGEST_TEXT;
	ingest_report rep;
	ingest_report_init(&rep);
	ingest_ctx *cx = ingest_ctx_new(st, &io);
	sol_err err = {0};
	if (ingest_buffer(cx, "bench.txt", text.data, text.len, &rep, &err)) {
		fprintf(stderr, "import: %s: %s\n", err.where, err.msg);
		exit(1);
	}
	ingest_ctx_free(cx);
	ingest_report_fini(&rep);
	buf_fini(&text);
}

static dns_server *server_on(const char *db, store **st)
{
	sol_err err = {0};
	if (store_open(db, st, &err))
		exit(1);
	const char *allow = "127.0.0.1";
	dns_server_opts o;
	dns_server_opts_init(&o);
	o.allow = &allow;
	o.n_allow = 1;
	dns_server *s;
	if (dns_server_start(*st, &o, &s, &err)) {
		fprintf(stderr, "start: %s: %s\n", err.where, err.msg);
		exit(1);
	}
	return s;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	size_t add = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	size_t store_n = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
	const char *store_db = argc > 4 ? argv[4] : NULL;
	char dir[] = "/tmp/dns-bench-XXXXXX", db[512];
	if (!mkdtemp(dir))
		return 1;
	store *st;
	snprintf(db, sizeof db, "%s/zone.db", dir);
	dns_server *srv = server_on(db, &st);
	sol_err err = {0};

	double t0 = now();
	dns_zone *z0 = zone_make(n, 0);
	double t_build0 = now() - t0;
	dns_server_publish(srv, st, z0, NULL, &err);
	uint32_t s0 = dns_server_serial(srv);
	t0 = now();
	dns_zone *z1 = zone_make(n, add);
	double t_build1 = now() - t0;
	t0 = now();
	bool changed = false;
	if (dns_server_publish(srv, st, z1, &changed, &err) || !changed)
		return 1;
	double t_publish = now() - t0;
	xfr_stat ix = transfer(dns_server_port(srv), LDNS_RR_TYPE_IXFR, s0);
	xfr_stat ax = transfer(dns_server_port(srv), LDNS_RR_TYPE_AXFR, 0);
	printf("zone of %zu records, %zu added\n", n, add);
	printf("| step | time | size |\n|---|---|---|\n");
	printf("| build + sort %zu records | %.3f s | |\n", n + add, t_build1);
	printf("| publish: diff + journal in the store | %.3f s | %zu records changed |\n",
	       t_publish, add);
	printf(
	    "| IXFR from the previous serial | %.4f s | %zu bytes, %zu messages, %zu records |\n",
	    ix.secs, ix.bytes, ix.messages, ix.records);
	printf("| AXFR of the zone | %.3f s | %zu bytes, %zu messages, %zu records |\n", ax.secs,
	       ax.bytes, ax.messages, ax.records);
	(void)t_build0;
	bool ok = ix.records == add + 4 && ix.soas == 4 && ax.records == n + add + 3;
	dns_server_stop(srv);
	store_close(st);

	if (store_n || store_db) {
		if (!store_db)
			snprintf(db, sizeof db, "%s/store.db", dir);
		double t_import = 0;
		if (store_n) {
			sol_err e = {0};
			if (store_open(store_db ? store_db : db, &st, &e))
				return 1;
			t0 = now();
			import_domains(st, 0, store_n, "example.net");
			t_import = now() - t0;
			store_close(st);
		}
		t0 = now();
		srv = server_on(store_db ? store_db : db, &st);
		double t_start = now() - t0;
		uint32_t before = dns_server_serial(srv);
		t0 = now();
		import_domains(st, 0, add, "example.org");
		double t_import_add = now() - t0;
		t0 = now();
		dns_server_refresh(srv, st, &changed, &err);
		double t_refresh = now() - t0;
		xfr_stat sx = transfer(dns_server_port(srv), LDNS_RR_TYPE_IXFR, before);
		printf("\nstore %s (%zu domains imported in %.1f s), %zu added (import %.3f s)\n",
		       store_db ? store_db : "fresh", store_n, t_import, add, t_import_add);
		printf("| start: zone built from the whole store | %.3f s |\n", t_start);
		printf("| refresh after the additions | %.3f s |\n", t_refresh);
		printf("| IXFR | %.4f s, %zu bytes, %zu records |\n", sx.secs, sx.bytes,
		       sx.records);
		ok = ok && changed &&
		     sx.records == 2 * add + 4; /* listed domains cover subdomains */
		dns_server_stop(srv);
		store_close(st);
	}
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok = false;
	printf("verification: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
