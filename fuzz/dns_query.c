/*
 * dns_query.c - fuzz the DNS responder (src/dns/respond.c) with arbitrary
 * packets, no sockets: parse, access control, TSIG check, and every
 * message of the reply must be made without a crash or a leak, and must
 * itself be a packet ldns can read back.
 *
 * The responder serves a small zone with one journaled change, allows
 * 127.0.0.1 and knows one TSIG key, so SOA, AXFR, IXFR (incremental,
 * current, unknown serial), REFUSED and NOTAUTH paths are all reachable.
 * The first input byte chooses TCP or UDP and the peer; the rest is the
 * packet.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"

#define FUZZ_MESSAGES_MAX 64 /* messages drained per reply */

static dns_responder *responder(void)
{
	static dns_responder r;
	static bool ready;
	if (ready)
		return &r;
	const char *allow = "127.0.0.1";
	const char *key = "xfr:hmac-sha256:c29saWRhcml0eS10ZXN0LWtleS0zMi1ieXRlcy1sb25nIQ==";
	dns_server_opts o;
	dns_server_opts_init(&o);
	o.allow = &allow;
	o.n_allow = 1;
	o.tsig = &key;
	o.n_tsig = 1;
	if (dns_responder_init(&r, &o, NULL))
		abort();
	dns_zone *old = dns_zone_new(), *now = dns_zone_new();
	dns_zone_add(old, "gone.example", "CNAME", ".");
	dns_zone_add(old, "32.1.2.0.192.rpz-ip", "CNAME", ".");
	dns_zone_add(now, "32.1.2.0.192.rpz-ip", "CNAME", ".");
	dns_zone_add(now, "*.evil.example", "CNAME", ".");
	dns_zone_add(now, "evil.example", "CNAME", ".");
	dns_zone_finish(old);
	dns_zone_finish(now);
	dns_journal j;
	dns_journal_init(&j, r.origin);
	j.changes[j.n++] = dns_change_diff(old, now, 2026112301, 2026112302);
	j.serial = 2026112302;
	dns_responder_set(&r, &j, now);
	dns_journal_fini(&j);
	dns_zone_unref(old);
	dns_zone_unref(now);
	ready = true;
	return &r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct sockaddr_in peer = {.sin_family = AF_INET};
	peer.sin_addr.s_addr = htonl(data[0] & 2 ? INADDR_LOOPBACK : 0x0a000001);
	bool tcp = data[0] & 1;
	dns_reply x;
	uint16_t ack;
	dns_verdict v =
	    dns_respond(responder(), data + 1, size - 1, (struct sockaddr *)&peer, tcp, &x, &ack);
	if (v != DNS_ANSWER)
		return 0;
	sol_buf msg;
	buf_init(&msg, SIZE_MAX);
	for (int i = 0; i < FUZZ_MESSAGES_MAX && dns_reply_next(&x, &msg); i++) {
		ldns_pkt *p = NULL;
		if (ldns_wire2pkt(&p, (const uint8_t *)msg.data, msg.len) != LDNS_STATUS_OK)
			abort(); /* we made a packet we cannot read */
		ldns_pkt_free(p);
	}
	buf_fini(&msg);
	dns_reply_fini(&x);
	return 0;
}
