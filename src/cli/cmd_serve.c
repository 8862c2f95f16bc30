/*
 * cmd_serve.c - `solidarity serve`: the TAXII 2.1 server, every export
 * over HTTP under /exports/ (built into --export-cache, by default
 * "<db>.exports"), and with --dns the RPZ zone over zone transfer
 * (serve_dns.c), in the foreground until SIGTERM or SIGINT.
 *
 * SIGTERM and SIGINT are blocked before the server's threads start, so
 * the threads inherit the mask and the signals can only be taken by this
 * thread's sigwait(); taxii_server_stop then lets the requests in flight
 * finish before returning. The log (one line per request) goes to stderr.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/serve_dns.h"
#include "taxii/taxii.h"

int cmd_serve(int argc, char **argv)
{
	enum {
		OPT_LISTEN = 256,
		OPT_CERT,
		OPT_KEY,
		OPT_CA,
		OPT_DB,
		OPT_THREADS,
		OPT_EXPORT_CACHE,
		OPT_EXPORT_WL,
		OPT_EXPORT_ALLOW
	};
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"client-ca", required_argument, NULL, OPT_CA},
	    {"db", required_argument, NULL, OPT_DB},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"export-cache", required_argument, NULL, OPT_EXPORT_CACHE},
	    {"export-warninglists", required_argument, NULL, OPT_EXPORT_WL},
	    {"export-allow", required_argument, NULL, OPT_EXPORT_ALLOW},
	    CLI_DNS_LONGOPTS{NULL, 0, NULL, 0},
	};
	taxii_options o;
	taxii_options_init(&o);
	cli_dns dns;
	cli_dns_init(&dns);
	sol_err err = {0};
	const char *db = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN: o.listen = optarg; break;
		case OPT_CERT: o.cert_file = optarg; break;
		case OPT_KEY: o.key_file = optarg; break;
		case OPT_CA: o.client_ca_file = optarg; break;
		case OPT_DB: db = optarg; break;
		case OPT_EXPORT_CACHE: o.export_dir = optarg; break;
		case OPT_EXPORT_WL: o.export_warninglists = optarg; break;
		case OPT_EXPORT_ALLOW: o.export_allow = optarg; break;
		case OPT_THREADS: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 64)
				return cli_usage_error("serve", "--threads: expected 1 to 64");
			o.threads = (unsigned)n;
			break;
		}
		default: {
			int rc = cli_dns_option(&dns, c, optarg, &err);
			if (rc < 0)
				return cli_usage_error("serve", "%s", err.msg);
			if (rc > 0)
				return cli_usage_error("serve", "bad option");
		}
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	o.db_path = cli_db(db);

	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	taxii_server *srv;
	if (taxii_server_start(&o, &srv, &err) != 0)
		return cli_error(&err);
	fprintf(stderr, "solidarity serve: %s://%s (port %u), store %s\n",
		o.cert_file ? "https" : "http", o.listen, taxii_server_port(srv), o.db_path);
	if (cli_dns_start(&dns, o.db_path, &err) != 0) {
		taxii_server_stop(srv);
		cli_dns_fini(&dns);
		return cli_error(&err);
	}
	int sig;
	sigwait(&stop, &sig);
	fprintf(stderr, "solidarity serve: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	cli_dns_fini(&dns);
	taxii_server_stop(srv);
	return SOL_EXIT_OK;
}
