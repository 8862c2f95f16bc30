/*
 * cmd_serve.c - `solidarity serve`: the TAXII 2.1 server in the
 * foreground until SIGTERM or SIGINT.
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
#include "taxii/taxii.h"

int cmd_serve(int argc, char **argv)
{
	enum { OPT_LISTEN = 256, OPT_CERT, OPT_KEY, OPT_CA, OPT_DB, OPT_THREADS };
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"key", required_argument, NULL, OPT_KEY},
	    {"client-ca", required_argument, NULL, OPT_CA},
	    {"db", required_argument, NULL, OPT_DB},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {NULL, 0, NULL, 0},
	};
	taxii_options o;
	taxii_options_init(&o);
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
		case OPT_THREADS: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 64)
				return cli_usage_error("serve", "--threads: expected 1 to 64");
			o.threads = (unsigned)n;
			break;
		}
		default: return cli_usage_error("serve", "bad option");
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
	sol_err err = {0};
	if (taxii_server_start(&o, &srv, &err) != 0)
		return cli_error(&err);
	fprintf(stderr, "solidarity serve: %s://%s (port %u), store %s\n",
		o.cert_file ? "https" : "http", o.listen, taxii_server_port(srv), o.db_path);
	int sig;
	sigwait(&stop, &sig);
	fprintf(stderr, "solidarity serve: %s, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	taxii_server_stop(srv);
	return SOL_EXIT_OK;
}
