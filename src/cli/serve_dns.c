/*
 * serve_dns.c - `solidarity serve --dns ADDR:PORT`: the RPZ zone over
 * zone transfer next to the TAXII server.
 *
 * The DNS server (src/dns/) answers from its own thread; this file adds
 * the watcher, a thread with its own store connection (a store is used by
 * one thread at a time) that every CLI_DNS_POLL_MS calls
 * dns_server_refresh. A refresh reads only the indicators added, revoked
 * or expired since the last one (when nothing happened, two indexed
 * reads), so polling often costs nothing and an indicator reaches the
 * secondaries a fraction of a second after its import commits: the
 * server puts it in the recent-additions zone, journals the change and
 * NOTIFYs them, and they fetch it by IXFR.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/serve_dns.h"

#define CLI_DNS_POLL_MS 100               /* how often the store is asked for news */
#define CLI_DNS_SECONDS_MAX 1000000000ULL /* bound of --dns-fold-age and -grace */

void cli_dns_init(cli_dns *d)
{
	memset(d, 0, sizeof *d);
	dns_server_opts_init(&d->opts);
	export_opts_init(&d->policy);
	d->opts.allow = d->allow;
	d->opts.tsig = d->tsig;
	d->opts.notify = d->notify;
	d->stop_fd = -1;
}

/* Append arg to list (n entries, max cap) or fail naming the option. */
static int list_add(const char **list, size_t *n, size_t cap, const char *arg, const char *opt,
		    sol_err *err)
{
	if (*n == cap)
		return sol_fail(err, SOL_EUSAGE, opt, "at most %zu values", cap);
	list[(*n)++] = arg;
	return 0;
}

/* A whole number 0..max, or fail naming the option. */
static int number(const char *arg, unsigned long long max, const char *opt, unsigned long long *out,
		  sol_err *err)
{
	char *end;
	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (!*arg || *end || *arg == '-' || errno || *out > max)
		return sol_fail(err, SOL_EUSAGE, opt, "'%s' is not a number from 0 to %llu", arg,
				max);
	return 0;
}

/* SECONDS of opt into *t, in microseconds. */
static int seconds(const char *arg, const char *opt, sol_time *t, sol_err *err)
{
	unsigned long long n;
	int rc = number(arg, CLI_DNS_SECONDS_MAX, opt, &n, err);
	if (rc == 0)
		*t = (sol_time)n * 1000000;
	return rc;
}

int cli_dns_option(cli_dns *d, int opt, const char *arg, sol_err *err)
{
	dns_server_opts *o = &d->opts;
	unsigned long long n;
	switch (opt) {
	case CLI_DNS_OPT_LISTEN:
		o->listen = arg;
		d->enabled = true;
		return 0;
	case CLI_DNS_OPT_ZONE: o->zone = arg; return 0;
	case CLI_DNS_OPT_ALLOW:
		return list_add(d->allow, &o->n_allow, DNS_ALLOW_MAX, arg, "--dns-allow", err);
	case CLI_DNS_OPT_TSIG:
		return list_add(d->tsig, &o->n_tsig, DNS_TSIG_MAX, arg, "--dns-tsig", err);
	case CLI_DNS_OPT_NOTIFY:
		return list_add(d->notify, &o->n_notify, DNS_NOTIFY_MAX, arg, "--dns-notify", err);
	case CLI_DNS_OPT_POLICY: {
		int rc = export_rpz_policy_parse(arg, &d->policy, err);
		if (rc)
			return rc;
		o->zone_opts.policy = d->policy.rpz_policy;
		o->zone_opts.redirect = d->policy.rpz_redirect;
		return 0;
	}
	case CLI_DNS_OPT_TLP_MAX: {
		stix_tlp t;
		if (stix_tlp_parse(arg, &t) != 0 || t == TLP_NONE)
			return sol_fail(err, SOL_EUSAGE, "--dns-tlp-max", "'%s' is not a TLP level",
					arg);
		o->zone_opts.tlp_max = t;
		return 0;
	}
	case CLI_DNS_OPT_WL: d->wl_dir = arg; return 0;
	case CLI_DNS_OPT_WL_ALLOW: d->wl_allow = arg; return 0;
	case CLI_DNS_OPT_RECENT:
		o->one_zone = strcmp(arg, "none") == 0;
		o->recent = o->one_zone ? NULL : arg;
		return 0;
	case CLI_DNS_OPT_FOLD_RECORDS: {
		int rc = number(arg, SIZE_MAX, "--dns-fold-records", &n, err);
		if (rc == 0)
			o->fold.records = (size_t)n;
		return rc;
	}
	case CLI_DNS_OPT_FOLD_AGE: return seconds(arg, "--dns-fold-age", &o->fold.age, err);
	case CLI_DNS_OPT_FOLD_GRACE: return seconds(arg, "--dns-fold-grace", &o->fold.grace, err);
	default: return 1;
	}
}

static void *watch(void *arg)
{
	cli_dns *d = arg;
	struct pollfd pf = {.fd = d->stop_fd, .events = POLLIN};
	while (poll(&pf, 1, CLI_DNS_POLL_MS) == 0) {
		sol_err err = {0};
		bool changed = false;
		if (dns_server_refresh(d->srv, d->st, &changed, &err) != 0)
			cli_error(&err);
		else if (changed)
			fprintf(stderr, "solidarity serve: DNS zone serial %u, recent %u\n",
				dns_server_serial(d->srv), dns_server_recent_serial(d->srv));
	}
	return NULL;
}

int cli_dns_start(cli_dns *d, const char *db_path, sol_err *err)
{
	if (!d->enabled)
		return 0;
	int rc = warninglist_new(d->wl_dir, d->wl_allow, &d->benign, err);
	d->opts.zone_opts.select.benign = d->benign;
	if (rc == 0)
		rc = store_open(db_path, &d->st, err);
	if (rc == 0)
		rc = dns_server_start(d->st, &d->opts, &d->srv, err);
	if (rc == 0 && (d->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0)
		rc = sol_fail(err, SOL_EIO, NULL, "eventfd: %s", strerror(errno));
	if (rc == 0 && pthread_create(&d->watcher, NULL, watch, d) != 0) {
		close(d->stop_fd);
		d->stop_fd = -1;
		rc = sol_fail(err, SOL_EINTERNAL, NULL, "cannot start the DNS watcher");
	}
	if (rc == 0)
		fprintf(stderr, "solidarity serve: DNS %s port %u, zone serial %u\n",
			d->opts.listen, dns_server_port(d->srv), dns_server_serial(d->srv));
	if (rc == 0 && dns_server_recent_zone(d->srv))
		fprintf(stderr, "solidarity serve: DNS recent additions in %s, serial %u\n",
			dns_server_recent_zone(d->srv), dns_server_recent_serial(d->srv));
	return rc;
}

void cli_dns_fini(cli_dns *d)
{
	if (d->stop_fd >= 0) {
		uint64_t one = 1;
		if (write(d->stop_fd, &one, sizeof one) == sizeof one)
			pthread_join(d->watcher, NULL);
		close(d->stop_fd);
		d->stop_fd = -1;
	}
	dns_server_stop(d->srv);
	d->srv = NULL;
	if (d->st)
		store_close(d->st);
	d->st = NULL;
	warninglist_free(d->benign);
	d->benign = NULL;
}
