/*
 * eve.c - Suricata EVE JSON: one event per line, its kind in "event_type".
 *
 * Every event carries the flow's addresses in "src_ip" and "dest_ip"
 * (flow, netflow and alert events included) and its time in "timestamp"
 * ("2026-11-02T08:10:00.123456+0000"). Protocol events add an object named
 * after the protocol, and alerts may carry the same objects; the dotted
 * paths below therefore cover both. DNS comes in two layouts: version 2
 * puts rrname/rdata on the event (dns.rrname, dns.rdata) or in
 * dns.answers[] and the dns.grouped.<TYPE>[] lists; version 3 lists
 * dns.queries[].rrname and dns.answers[].rrname/rdata. All names are
 * reported as "dns.rrname" and all answers as "dns.rdata". The http URL is
 * built from http.hostname and http.url; tls.fingerprint is the SHA-1 of
 * the certificate as colon-separated hex. fileinfo.filename is a file
 * name, not a domain, and is left alone.
 */
#include "scan/scan_int.h"

static const scan_rule eve_rules[] = {
    {"timestamp", "timestamp", SCAN_C_TIME},
    {"src_ip", "src_ip", SCAN_C_IP},
    {"dest_ip", "dest_ip", SCAN_C_IP},
    {"dns.rrname", "dns.rrname", SCAN_C_NAME},
    {"dns.rdata", "dns.rdata", SCAN_C_NAME},
    {"dns.queries.rrname", "dns.rrname", SCAN_C_NAME},
    {"dns.answers.rrname", "dns.rrname", SCAN_C_NAME},
    {"dns.answers.rdata", "dns.rdata", SCAN_C_NAME},
    {"dns.grouped.*", "dns.rdata", SCAN_C_NAME},
    {"http.hostname", "http.hostname", SCAN_C_URL_HOST},
    {"http.url", "http.url", SCAN_C_URL_PATH},
    {"http.http_refer", "http.http_refer", SCAN_C_URL},
    {"tls.sni", "tls.sni", SCAN_C_NAME},
    {"tls.fingerprint", "tls.fingerprint", SCAN_C_HASH},
    {"tls.ja3.hash", "tls.ja3.hash", SCAN_C_HASH},
    {"tls.ja3s.hash", "tls.ja3s.hash", SCAN_C_HASH},
    {"fileinfo.md5", "fileinfo.md5", SCAN_C_HASH},
    {"fileinfo.sha1", "fileinfo.sha1", SCAN_C_HASH},
    {"fileinfo.sha256", "fileinfo.sha256", SCAN_C_HASH},
    {"smtp.helo", "smtp.helo", SCAN_C_NAME},
    {"smtp.mail_from", "smtp.mail_from", SCAN_C_EMAIL},
    {"smtp.rcpt_to", "smtp.rcpt_to", SCAN_C_EMAIL},
    {"email.from", "email.from", SCAN_C_EMAIL},
    {"email.to", "email.to", SCAN_C_EMAIL},
    {"email.cc", "email.cc", SCAN_C_EMAIL},
};

void scan_eve_keys(scan_keys *k)
{
	scan_keys_init(k, eve_rules, sizeof eve_rules / sizeof eve_rules[0]);
}

int scan_eve_line(scan_reader *r, const char *s, size_t n)
{
	return scan_json_line(r, s, n);
}
