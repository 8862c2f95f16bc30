/*
 * serve_dns.h - the `--dns*` options of `solidarity serve`: the RPZ zone
 * served over zone transfer (src/dns/) with its recent-additions zone,
 * kept current by a thread that watches the store.
 *
 * Ownership: cli_dns is _init/_fini; strings in it are borrowed from argv.
 */
#ifndef SOL_CLI_SERVE_DNS_H
#define SOL_CLI_SERVE_DNS_H

#include <getopt.h>
#include <pthread.h>

#include "dns/dns.h"

/* getopt_long codes of the options (above cmd_serve's own). */
enum {
	CLI_DNS_OPT_LISTEN = 512, /* --dns ADDR:PORT */
	CLI_DNS_OPT_ZONE,         /* --dns-zone NAME */
	CLI_DNS_OPT_ALLOW,        /* --dns-allow ADDR[/PREFIX] (repeatable) */
	CLI_DNS_OPT_TSIG,         /* --dns-tsig NAME:ALG:SECRET (repeatable) */
	CLI_DNS_OPT_NOTIFY,       /* --dns-notify ADDR:PORT (repeatable) */
	CLI_DNS_OPT_POLICY,       /* --dns-policy nxdomain|nodata|drop|passthru|redirect=NAME */
	CLI_DNS_OPT_TLP_MAX,      /* --dns-tlp-max LEVEL */
	CLI_DNS_OPT_WL,           /* --dns-warninglists DIR */
	CLI_DNS_OPT_WL_ALLOW,     /* --dns-allow-benign CATEGORIES */
	CLI_DNS_OPT_RECENT,       /* --dns-recent-zone NAME|none */
	CLI_DNS_OPT_FOLD_RECORDS, /* --dns-fold-records N */
	CLI_DNS_OPT_FOLD_AGE,     /* --dns-fold-age SECONDS */
	CLI_DNS_OPT_FOLD_GRACE,   /* --dns-fold-grace SECONDS */
};

/* The entries to put in cmd_serve's longopts, each with its comma. */
/* clang-format off */
#define CLI_DNS_LONGOPTS                                                                   \
	{"dns", required_argument, NULL, CLI_DNS_OPT_LISTEN},                              \
	{"dns-zone", required_argument, NULL, CLI_DNS_OPT_ZONE},                           \
	{"dns-allow", required_argument, NULL, CLI_DNS_OPT_ALLOW},                         \
	{"dns-tsig", required_argument, NULL, CLI_DNS_OPT_TSIG},                           \
	{"dns-notify", required_argument, NULL, CLI_DNS_OPT_NOTIFY},                       \
	{"dns-policy", required_argument, NULL, CLI_DNS_OPT_POLICY},                       \
	{"dns-tlp-max", required_argument, NULL, CLI_DNS_OPT_TLP_MAX},                     \
	{"dns-warninglists", required_argument, NULL, CLI_DNS_OPT_WL},                     \
	{"dns-allow-benign", required_argument, NULL, CLI_DNS_OPT_WL_ALLOW},                \
	{"dns-recent-zone", required_argument, NULL, CLI_DNS_OPT_RECENT},                  \
	{"dns-fold-records", required_argument, NULL, CLI_DNS_OPT_FOLD_RECORDS},           \
	{"dns-fold-age", required_argument, NULL, CLI_DNS_OPT_FOLD_AGE},                   \
	{"dns-fold-grace", required_argument, NULL, CLI_DNS_OPT_FOLD_GRACE},
/* clang-format on */

#define CLI_DNS_USAGE                                                                              \
	"  --dns ADDR:PORT        also serve the RPZ zone by AXFR/IXFR (UDP and TCP)\n"            \
	"  --dns-zone NAME        zone name (default rpz.solidarity)\n"                            \
	"  --dns-allow ADDR[/N]   allow zone transfers from this address or network\n"             \
	"  --dns-tsig NAME:ALG:SECRET  allow transfers signed with this TSIG key\n"                \
	"  --dns-notify ADDR:PORT NOTIFY this secondary when the zone changes\n"                   \
	"  --dns-policy P         nxdomain (default), nodata, drop, passthru, redirect=NAME\n"     \
	"  --dns-tlp-max LEVEL    leave out indicators above this TLP\n"                           \
	"  --dns-warninglists DIR MISP warninglists to leave out (built-in facts always)\n"        \
	"  --dns-allow-benign CATS built-in warninglist categories not to apply (e.g. "            \
	"documentation)\n"                                                                         \
	"  --dns-recent-zone NAME zone of recent additions, served next to the zone\n"             \
	"                         (default: the zone's first label + -recent); none: off\n"        \
	"  --dns-fold-records N   fold recent additions into the zone at N records (1000)\n"       \
	"  --dns-fold-age SECONDS ... or when the oldest is this old (3600)\n"                     \
	"  --dns-fold-grace SECONDS  keep folded records in the recent zone this long (3900)\n"

typedef struct cli_dns {
	dns_server_opts opts;               /* what dns_server_start gets */
	const char *allow[DNS_ALLOW_MAX];   /* --dns-allow values */
	const char *tsig[DNS_TSIG_MAX];     /* --dns-tsig values */
	const char *notify[DNS_NOTIFY_MAX]; /* --dns-notify values */
	export_opts policy;                 /* --dns-policy parsed (rpz_policy, rpz_redirect) */
	const char *wl_dir;                 /* --dns-warninglists, or NULL */
	const char *wl_allow;               /* --dns-allow-benign, or NULL */
	warninglist *benign;                /* what the zone leaves out */
	bool enabled;                       /* --dns given */
	store *st;                          /* the watcher's own store connection */
	dns_server *srv;                    /* the server, once started */
	pthread_t watcher;                  /* the thread refreshing the zone */
	int stop_fd;                        /* eventfd that stops the watcher */
} cli_dns;

void cli_dns_init(cli_dns *d);
/* Take one --dns* option (opt is its CLI_DNS_OPT_* code). Returns 0,
 * SOL_EUSAGE (err says why) or 1 if opt is not a --dns* option. */
int cli_dns_option(cli_dns *d, int opt, const char *arg, sol_err *err);
/* With --dns: load the warninglist (as `export` does), open the store at
 * db_path, start the server and the thread that applies the store's
 * changes and expiries to the zone. Without --dns: nothing. */
int cli_dns_start(cli_dns *d, const char *db_path, sol_err *err);
/* Stop the watcher and the server, close the store. */
void cli_dns_fini(cli_dns *d);

#endif
