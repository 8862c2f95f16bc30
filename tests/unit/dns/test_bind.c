/*
 * test_bind.c - a real BIND `named` as the consumer of our zone transfers.
 *
 * The test starts our DNS server on 127.0.0.1 (transfers allowed to
 * 127.0.0.1, NOTIFY to named) over a store holding "listed.example" with
 * its subdomains, then a named on a free 127.0.0.1 port with:
 *
 *   - zones "rpz.solidarity" and "rpz-recent.solidarity" as secondaries
 *     of our server, both response-policy zones with min-update-interval
 *     0 (BIND's default applies a new policy version at most every 60 s);
 *   - zone "example" as a local primary holding A records for
 *     listed.example, sub.listed.example, clean.example, new.example and
 *     gone.example, so names resolve without a network.
 *
 * It checks that named answers NXDOMAIN for the listed name and its
 * subdomain and the A record for a clean one; then newly shared domains
 * go into the store, our server is refreshed (NOTIFY, IXFR of the recent
 * zone) and named must answer NXDOMAIN for them within 2 s, without a
 * restart, having fetched them incrementally (named wrote a journal).
 * Then (fold age and grace of 2 s) they are folded into the bulk zone,
 * named fetches that by IXFR too, they leave the recent zone, and named,
 * with the recent zone up to date, must still enforce them; last, one is
 * revoked and named must resolve it again. Skipped with a message when
 * named (Debian package bind9) is not installed.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns.h"
#include "testimport.h"

#define NAMED "/usr/sbin/named"
#define ENFORCE_MS 2000 /* the target: arrival to enforcement */
#define FOLD_S 2        /* fold age and grace of the test's server, seconds */
#define APPLY_MS 10000  /* time named gets to apply a change we need not time */

extern char **environ;

static pid_t named_pid; /* the named started, 0 if none: teardown stops it */

static void named_stop(void)
{
	if (named_pid > 0) {
		kill(named_pid, SIGTERM);
		waitpid(named_pid, NULL, 0);
	}
	named_pid = 0;
}

/* Stop named even when an assertion ended the test early. */
static int teardown(void **state)
{
	(void)state;
	named_stop();
	return 0;
}

static void import_text(store *st, const char *text)
{
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = "cert-a";
	io.format = INGEST_TEXT;
	io.subdomains = true;
	test_import(st, &io, "list.txt", text, strlen(text));
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A port free for both UDP and TCP on 127.0.0.1 right now. */
static uint16_t free_port(void)
{
	for (;;) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t len = sizeof a;
		int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
		assert_int_equal(bind(t, (struct sockaddr *)&a, sizeof a), 0);
		getsockname(t, (struct sockaddr *)&a, &len);
		int ok = bind(u, (struct sockaddr *)&a, sizeof a) == 0;
		close(t);
		close(u);
		if (ok)
			return ntohs(a.sin_port);
	}
}

/* The rcode named gives for `name A` (recursion desired), or -1 if it
 * does not answer; *has_a says whether an A record came back. */
static int ask(uint16_t port, const char *name, bool *has_a)
{
	ldns_pkt *q = NULL;
	assert_int_equal(
	    ldns_pkt_query_new_frm_str(&q, name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD),
	    LDNS_STATUS_OK);
	ldns_pkt_set_random_id(q);
	uint8_t *w;
	size_t wn;
	assert_int_equal(ldns_pkt2wire(&w, q, &wn), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sendto(fd, w, wn, 0, (struct sockaddr *)&a, sizeof a);
	free(w);
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	int rcode = -1;
	uint8_t buf[4096];
	ssize_t n;
	ldns_pkt *r = NULL;
	if (poll(&pf, 1, 1000) == 1 && (n = recv(fd, buf, sizeof buf, 0)) > 0 &&
	    ldns_wire2pkt(&r, buf, (size_t)n) == LDNS_STATUS_OK) {
		rcode = ldns_pkt_get_rcode(r);
		*has_a = false;
		for (size_t i = 0; i < ldns_pkt_ancount(r); i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r), i)) ==
			    LDNS_RR_TYPE_A)
				*has_a = true;
		ldns_pkt_free(r);
	}
	close(fd);
	return rcode;
}

/* The serial of zone that named serves, or 0 if it does not answer. */
static uint32_t named_serial(uint16_t port, const char *zone)
{
	ldns_pkt *q = NULL;
	assert_int_equal(
	    ldns_pkt_query_new_frm_str(&q, zone, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0),
	    LDNS_STATUS_OK);
	ldns_pkt_set_random_id(q);
	uint8_t *w;
	size_t wn;
	assert_int_equal(ldns_pkt2wire(&w, q, &wn), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sendto(fd, w, wn, 0, (struct sockaddr *)&a, sizeof a);
	free(w);
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	uint32_t serial = 0;
	uint8_t buf[4096];
	ssize_t n;
	ldns_pkt *r = NULL;
	if (poll(&pf, 1, 1000) == 1 && (n = recv(fd, buf, sizeof buf, 0)) > 0 &&
	    ldns_wire2pkt(&r, buf, (size_t)n) == LDNS_STATUS_OK) {
		const ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_answer(r), 0);
		if (soa && ldns_rr_get_type(soa) == LDNS_RR_TYPE_SOA)
			serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
		ldns_pkt_free(r);
	}
	close(fd);
	return serial;
}

/* Wait until named serves zone at serial (at most ms); false if it never does. */
static bool wait_serial(uint16_t port, const char *zone, uint32_t serial, int64_t ms)
{
	int64_t t0 = now_ms();
	while (named_serial(port, zone) != serial)
		if (now_ms() - t0 > ms)
			return false;
		else
			usleep(20000);
	return true;
}

/* Version v (1, or 2: revoked) of an indicator for gone.example, made
 * seconds before now so that no default lifetime has ended. */
static void import_gone(store *st, int v)
{
	char at[40];
	sol_time_format(sol_time_now() - (3 - v) * 1000000, at, sizeof at);
	char *json = xasprintf(
	    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
	    "\"id\":\"indicator--0a1b2c3d-0000-4000-8000-0000000000bb\",\"created\":\"%s\","
	    "\"modified\":\"%s\",\"pattern\":\"[domain-name:value = 'gone.example']\","
	    "\"pattern_type\":\"stix\",\"valid_from\":\"%s\"%s}",
	    at, at, at, v == 2 ? ",\"revoked\":true" : "");
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = "cert-a";
	io.format = INGEST_STIX;
	test_import(st, &io, "gone.json", json, strlen(json));
	free(json);
}

/* Ask until the answer is `want` or ms pass; the time it took, or -1. */
static int64_t wait_for(uint16_t port, const char *name, int want, int64_t ms)
{
	int64_t t0 = now_ms();
	bool a;
	while (now_ms() - t0 < ms) {
		if (ask(port, name, &a) == want)
			return now_ms() - t0;
		usleep(20000);
	}
	return -1;
}

static void write_conf(const char *dir, uint16_t named_port, uint16_t our_port)
{
	char *conf = test_path(dir, "named.conf"), *zone = test_path(dir, "example.db");
	char *text = xasprintf("options {\n"
			       "  directory \"%s\";\n"
			       "  pid-file \"%s/named.pid\";\n"
			       "  session-keyfile \"%s/session.key\";\n"
			       "  managed-keys-directory \"%s\";\n"
			       "  listen-on port %u { 127.0.0.1; };\n"
			       "  listen-on-v6 { none; };\n"
			       "  recursion yes;\n"
			       "  allow-query { 127.0.0.1; };\n"
			       "  allow-recursion { 127.0.0.1; };\n"
			       "  dnssec-validation no;\n"
			       "  notify no;\n"
			       "  response-policy {\n"
			       "    zone \"rpz.solidarity\" min-update-interval 0;\n"
			       "    zone \"rpz-recent.solidarity\" min-update-interval 0;\n"
			       "  };\n"
			       "};\n"
			       "controls { };\n"
			       "zone \"rpz.solidarity\" {\n"
			       "  type secondary;\n"
			       "  primaries { 127.0.0.1 port %u; };\n"
			       "  file \"rpz.solidarity.db\";\n"
			       "  allow-notify { 127.0.0.1; };\n"
			       "};\n"
			       "zone \"rpz-recent.solidarity\" {\n"
			       "  type secondary;\n"
			       "  primaries { 127.0.0.1 port %u; };\n"
			       "  file \"rpz-recent.solidarity.db\";\n"
			       "  allow-notify { 127.0.0.1; };\n"
			       "};\n"
			       "zone \"example\" { type primary; file \"example.db\"; };\n",
			       dir, dir, dir, dir, named_port, our_port, our_port);
	test_write_file(conf, text, strlen(text));
	static const char example[] = "$TTL 60\n"
				      "@ SOA localhost. hostmaster.localhost. 1 3600 600 86400 60\n"
				      "@ NS localhost.\n"
				      "listed A 192.0.2.1\n"
				      "sub.listed A 192.0.2.2\n"
				      "clean A 192.0.2.3\n"
				      "new A 192.0.2.4\n"
				      "gone A 192.0.2.5\n";
	test_write_file(zone, example, sizeof example - 1);
	free(text);
	free(conf);
	free(zone);
}

static void test_bind_secondary(void **state)
{
	(void)state;
	if (access(NAMED, X_OK) != 0) {
		print_message("named not installed (Debian package bind9): BIND test skipped\n");
		skip();
	}
	char *dir = test_tmpdir(), *db = test_path(dir, "intel.db");
	store *st;
	sol_err err = {0};
	assert_int_equal(store_open(db, &st, &err), 0);
	import_text(st, "listed.example\n");

	uint16_t named_port = free_port();
	char notify[32];
	snprintf(notify, sizeof notify, "127.0.0.1:%u", named_port);
	const char *allow = "127.0.0.1", *targets = notify;
	dns_server_opts o;
	dns_server_opts_init(&o);
	o.allow = &allow;
	o.n_allow = 1;
	o.notify = &targets;
	o.n_notify = 1;
	o.fold.age = o.fold.grace = FOLD_S * (sol_time)1000000;
	dns_server *srv;
	if (dns_server_start(st, &o, &srv, &err))
		fail_msg("start: %s: %s", err.where, err.msg);

	write_conf(dir, named_port, dns_server_port(srv));
	char *conf = test_path(dir, "named.conf"), *log = test_path(dir, "named.log");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	char *argv[] = {NAMED, "-g", "-4", "-c", conf, NULL};
	assert_int_equal(posix_spawn(&named_pid, NAMED, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);

	/* named loads, transfers the zones (AXFR the first time), enforces */
	int64_t t = wait_for(named_port, "listed.example.", LDNS_RCODE_NXDOMAIN, 15000);
	if (t < 0)
		fail_msg("named never enforced the zone; see %s", log);
	bool a = false;
	assert_int_equal(ask(named_port, "listed.example.", &a), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(named_port, "sub.listed.example.", &a), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(named_port, "clean.example.", &a), LDNS_RCODE_NOERROR);
	assert_true(a);
	assert_int_equal(ask(named_port, "new.example.", &a), LDNS_RCODE_NOERROR);
	assert_true(a);
	assert_int_equal(ask(named_port, "gone.example.", &a), LDNS_RCODE_NOERROR);
	assert_true(a);
	if (!wait_serial(named_port, "rpz-recent.solidarity.", dns_server_recent_serial(srv),
			 APPLY_MS))
		fail_msg("named never loaded the recent zone; see %s", log);

	/* newly shared domains: store, refresh, NOTIFY, IXFR, enforced */
	uint32_t bulk_serial = dns_server_serial(srv);
	int64_t t0 = now_ms();
	import_text(st, "new.example\n");
	import_gone(st, 1);
	bool changed;
	assert_int_equal(dns_server_refresh(srv, st, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(dns_server_serial(srv), bulk_serial); /* the recent zone only */
	t = wait_for(named_port, "new.example.", LDNS_RCODE_NXDOMAIN, ENFORCE_MS);
	int64_t total = now_ms() - t0;
	if (t < 0)
		fail_msg("new.example not enforced within %d ms; see %s", ENFORCE_MS, log);
	assert_int_equal(ask(named_port, "sub.new.example.", &a), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(named_port, "gone.example.", &a), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(named_port, "clean.example.", &a), LDNS_RCODE_NOERROR);
	print_message("import + refresh to NXDOMAIN in named: %lld ms\n", (long long)total);
	/* named keeps a journal of a secondary zone only for incremental
	 * transfers; an AXFR would have rewritten the zone file instead */
	char *jnl = test_path(dir, "rpz-recent.solidarity.db.jnl");
	if (access(jnl, R_OK) != 0)
		fail_msg("named did not use IXFR for the recent zone; see %s", log);
	free(jnl);

	/* the fold: into the bulk zone (by IXFR), then out of the recent one */
	usleep(FOLD_S * 1000000 + 100000);
	assert_int_equal(dns_server_refresh(srv, st, &changed, &err), 0);
	assert_true(dns_server_serial(srv) > bulk_serial);
	if (!wait_serial(named_port, "rpz.solidarity.", dns_server_serial(srv), APPLY_MS))
		fail_msg("named did not fetch the fold; see %s", log);
	jnl = test_path(dir, "rpz.solidarity.db.jnl");
	if (access(jnl, R_OK) != 0)
		fail_msg("named did not use IXFR for the bulk zone; see %s", log);
	free(jnl);
	uint32_t recent_serial = dns_server_recent_serial(srv);
	usleep(FOLD_S * 1000000 + 100000);
	assert_int_equal(dns_server_refresh(srv, st, &changed, &err), 0);
	assert_true(changed);
	assert_true(dns_server_recent_serial(srv) > recent_serial);
	if (!wait_serial(named_port, "rpz-recent.solidarity.", dns_server_recent_serial(srv),
			 APPLY_MS))
		fail_msg("named did not fetch the recent zone after the fold; see %s", log);
	assert_int_equal(ask(named_port, "new.example.", &a), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(named_port, "sub.new.example.", &a), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ask(named_port, "gone.example.", &a), LDNS_RCODE_NXDOMAIN);

	/* revoked: it leaves the bulk zone, and named resolves it again */
	import_gone(st, 2);
	assert_int_equal(dns_server_refresh(srv, st, &changed, &err), 0);
	assert_true(changed);
	if (wait_for(named_port, "gone.example.", LDNS_RCODE_NOERROR, APPLY_MS) < 0)
		fail_msg("the revoked gone.example is still enforced; see %s", log);
	assert_int_equal(ask(named_port, "gone.example.", &a), LDNS_RCODE_NOERROR);
	assert_true(a);
	assert_int_equal(ask(named_port, "new.example.", &a), LDNS_RCODE_NXDOMAIN);
	named_stop();

	dns_server_stop(srv);
	store_close(st);
	free(conf);
	free(log);
	free(db);
	test_tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_bind_secondary, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
