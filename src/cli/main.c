/*
 * main.c - the solidarity command: `solidarity [--db PATH] COMMAND [ARGS]`.
 *
 * Git-style subcommands, each a cli_command in the table below with its
 * own --help text. Global options come before the command; every command
 * also accepts --db itself. Exit statuses (docs/errors.md): 0 ok, 1 nothing
 * found where that applies, 2 usage or input error, 3 internal or I/O
 * error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/serve_dns.h"

#define SOLIDARITY_VERSION "0.1.0"

const char *cli_db_path;

static const cli_command commands[] = {
    {"import", "import STIX 2.1, MISP, CSV or text intel into the store",
     "usage: solidarity import [options] FILE|DIR|- ...\n"
     "\n"
     "Import intel. Each input is one transaction: it is imported whole or not at all.\n"
     "The format is detected from the first bytes unless --format is given; a directory\n"
     "is a MISP feed (manifest.json and one file per event).\n"
     "\n"
     "  -f, --format FMT        stix, misp, csv or text (default: detect)\n"
     "  -s, --source NAME       source recorded with every object (default: local)\n"
     "  -t, --tlp LEVEL         TLP for objects without one: clear, green, amber,\n"
     "                          amber+strict, red (default: amber)\n"
     "      --valid-until TIME  valid_until of the indicators we create (STIX timestamp)\n"
     "  -c, --column N          CSV: take the value from column N (1-based)\n"
     "      --subdomains        domain '=' in STIX/MISP also covers subdomains\n"
     "      --collection ID     also put the objects in this TAXII collection\n"
     "      --skip-invalid      import the valid objects and list the invalid ones\n"
     "      --json              print the summary as JSON\n"
     "      --db PATH           database (default: $SOLIDARITY_DB or ./solidarity.db)\n"
     "\n"
     "Exit status: 0 imported, 2 bad input (nothing of that input kept), 3 I/O error.\n",
     cmd_import},
    {"list", "list current objects, filtered",
     "usage: solidarity list [options]\n"
     "\n"
     "List the current version of stored objects, oldest first.\n"
     "\n"
     "  -T, --type TYPE         only this STIX type (indicator, report, ...)\n"
     "  -t, --tlp LEVEL         only this effective TLP\n"
     "  -s, --source NAME       only objects from this source\n"
     "      --since TIME        only objects added at or after TIME (STIX timestamp)\n"
     "  -v, --value TEXT        only objects whose value or JSON contains TEXT\n"
     "      --revoked           include revoked objects\n"
     "  -n, --limit N           at most N objects\n"
     "      --json              one JSON object per line: metadata and the STIX object\n"
     "      --db PATH           database\n"
     "\n"
     "Exit status: 0 objects listed, 1 none matched, 2 usage error, 3 I/O error.\n",
     cmd_list},
    {"show", "show every version of one object",
     "usage: solidarity show [--json] [--db PATH] ID\n"
     "\n"
     "Print every stored version of the object ID, oldest first, marking the current\n"
     "one. --json prints a JSON array of {metadata, object}.\n"
     "\n"
     "Exit status: 0 shown, 1 no such object, 2 usage error, 3 I/O error.\n",
     cmd_show},
    {"stats", "count objects by type, TLP, source and matchability",
     "usage: solidarity stats [--json] [--db PATH]\n"
     "\n"
     "Counts of current objects by type, effective TLP and source; indicators that a\n"
     "line matcher can use versus not, with the reasons; versions and database size.\n",
     cmd_stats},
    {"compile", "compile the enforceable indicators into the matcher's index",
     "usage: solidarity compile [options]\n"
     "\n"
     "Turn the current, non-revoked, unexpired, non-benign atoms of the store into one\n"
     "immutable index file, replaced atomically (default: the database path + .idx).\n"
     "\n"
     "  -o, --output FILE       write the index here\n"
     "      --warninglists DIR  also leave out values on these MISP warninglists\n"
     "                          (a misp-warninglists checkout or its lists/ folder)\n"
     "      --allow CATS        built-in benign categories not to apply, comma-separated:\n"
     "                          special-purpose, loopback, multicast, documentation,\n"
     "                          public-resolvers, reserved-names\n"
     "      --lifetime SPEC     default lifetimes, e.g. ip=14d,domain=26w,hash=never\n"
     "      --explain           list every atom left out and why\n"
     "      --now TIME          judge expiry at TIME instead of now\n"
     "      --json              print the counts as JSON\n"
     "      --db PATH           database\n",
     cmd_compile},
    {"match", "match logs against the index and report sightings",
     "usage: solidarity match [options] [FILE|DIR|-]...\n"
     "\n"
     "Scan Zeek (TSV or JSON), Suricata EVE JSON or free-text logs, plain, gzip or zstd,\n"
     "for every value in the index. Prints one JSON line per hit (docs/matching.md) and\n"
     "a summary on stderr. Without inputs, reads standard input.\n"
     "\n"
     "  -f, --format FMT        input format: auto (default), zeek, zeek-json, eve, text;\n"
     "                          or output format: jsonl (default), stix (a bundle of\n"
     "                          Sightings); give it twice to set both\n"
     "  -j, --jobs N            scan with N threads (output is the same for any N)\n"
     "      --index FILE        the index (default: the database path + .idx)\n"
     "      --follow            keep reading one growing log, through rotation; picks up\n"
     "                          a newly compiled index; stops on SIGINT/SIGTERM\n"
     "      --record            store the hits as this node's STIX Sightings\n"
     "      --node-name NAME    name of this node's identity (default: the host name)\n"
     "  -q, --quiet             no summary on stderr\n"
     "      --db PATH           database (for --record and --format stix)\n"
     "\n"
     "Exit status, like grep: 0 hits, 1 no hit, 2 bad input or usage, 3 I/O error.\n",
     cmd_match},
    {"export", "export enforceable indicators for resolvers, firewalls and sensors",
     "usage: solidarity export [options] FORMAT\n"
     "\n"
     "Write the indicators the matcher would use (current, non-revoked, unexpired,\n"
     "not known-benign) in FORMAT: rpz (DNS response policy zone), nft (nftables\n"
     "sets), suricata (datasets, rules and IP reputation: a directory), zeek (Intel\n"
     "file), csv, stix (a bundle) or misp (a feed directory). docs/formats/exports.md.\n"
     "\n"
     "  -o, --output PATH       file or directory, replaced atomically (default: stdout)\n"
     "      --tlp-max LEVEL     leave out indicators above LEVEL (clear, green, amber,\n"
     "                          amber+strict, red)\n"
     "  -s, --source NAME       only indicators from this source\n"
     "  -T, --type KINDS        only these kinds: ip, domain, url, hash, email, ...\n"
     "      --zone NAME         rpz: zone name (default rpz.solidarity.)\n"
     "      --policy P          rpz: nxdomain (default), nodata, drop, passthru,\n"
     "                          redirect=NAME\n"
     "      --warninglists DIR  --allow CATS  --lifetime SPEC  --now TIME: as compile\n"
     "      --db PATH           database\n",
     cmd_export},
    {"serve", "serve this node's collections to partners over TAXII 2.1",
     "usage: solidarity serve [--listen ADDR:PORT] [--cert F --key F [--client-ca F]]\n"
     "                        [--db PATH] [--threads N] [--export-cache DIR]\n"
     "                        [--export-warninglists DIR] [--export-allow CATS]\n"
     "                        [--dns ADDR:PORT [--dns-* options]]\n"
     "\n"
     "Serve the TAXII 2.1 API (/taxii2/, /api/) until SIGTERM or SIGINT, then finish\n"
     "the requests in flight. --listen defaults to 127.0.0.1:6900 ([::1]:6900 for\n"
     "IPv6; port 0 picks one). --cert/--key (PEM) serve HTTPS; --client-ca also\n"
     "requires client certificates signed by those CAs. One log line per request\n"
     "on stderr. Partners authenticate with 'Authorization: Bearer KEY' or HTTP\n"
     "Basic (user = partner name, password = its key); see 'solidarity partner'.\n"
     "\n"
     "Also serves every export of a collection to partners who may read it:\n"
     "GET /exports/{rpz,nft,zeek,csv,stix}?collection=ID[&tlp-max=L][&type=T] and\n"
     "/exports/{suricata,misp}/FILE?collection=ID, with ETag/Last-Modified (304 when\n"
     "unchanged); see docs/formats/exports.md. --export-cache DIR keeps the built\n"
     "exports (default DB.exports); --export-warninglists DIR adds MISP warninglists;\n"
     "--export-allow CATS turns off built-in warninglist categories (e.g.\n"
     "documentation,reserved-names for tests and demos).\n"
     "\n"
     "With --dns, the RPZ zone is also served by zone transfer (SOA, AXFR, IXFR),\n"
     "refreshed when the store changes, with NOTIFY to secondaries:\n" CLI_DNS_USAGE,
     cmd_serve},
    {"partner", "add, list, remove partners and rotate their API keys",
     "usage: solidarity partner add NAME | list [--json] | remove NAME | rotate-key NAME\n"
     "\n"
     "Partners are who may connect to 'solidarity serve'. 'add' and 'rotate-key' print\n"
     "the partner's new API key once, on stdout; only a keyed hash is stored. The key\n"
     "is sent as 'Authorization: Bearer KEY' or as the HTTP Basic password with the\n"
     "partner name as user. What a partner sees is set with 'solidarity collection'.\n",
     cmd_partner},
    {"collection", "add TAXII collections and grant partners read, write, AMBER",
     "usage: solidarity collection [--json] add TITLE [--id UUID] [--description D]\n"
     "       solidarity collection list\n"
     "       solidarity collection grant COLLECTION PARTNER [--read] [--write] [--amber]\n"
     "       solidarity collection revoke COLLECTION PARTNER\n"
     "       solidarity collection remove COLLECTION\n"
     "\n"
     "A reader gets TLP:CLEAR and GREEN objects of the collection; --amber adds AMBER\n"
     "and AMBER+STRICT; TLP:RED goes only to partners named with 'solidarity share'\n"
     "(docs/sharing.md). Objects join a collection with 'import --collection' or a\n"
     "partner's TAXII POST. A grant without --read or --write grants --read.\n",
     cmd_collection},
    {"share", "name the partners a TLP:RED object may go to",
     "usage: solidarity share [--db PATH] ID [PARTNER...]\n"
     "\n"
     "Set the distribution list of object ID: the only partners that may receive it\n"
     "when it is TLP:RED (and who can read a collection holding it). No partner\n"
     "clears the list.\n",
     cmd_share},
    {"peer", "remember, list or forget partners' TAXII servers",
     "usage: solidarity peer add NAME URL [--collection ID] [--api-root PATH]\n"
     "                 [--key-file F | --user U (--password-file F | --password P)]\n"
     "                 [--tlp LEVEL] [--ca-file F] [--insecure]\n"
     "       solidarity peer list [--json]\n"
     "       solidarity peer remove NAME\n"
     "\n"
     "URL is an API root or a discovery URL (.../taxii2/; --api-root picks one, else the\n"
     "server's default or only API root). --tlp (default amber) applies to pulled\n"
     "objects without a TLP. Secrets are stored in the database (mode 0600) and never\n"
     "printed. Exit: 0 ok, 1 no such peer, 2 usage or bad input, 3 network error.\n",
     cmd_peer},
    {"pull", "fetch what is new from a peer over TAXII",
     "usage: solidarity pull NAME [--collection ID] [--limit N] [--ca-file F] [--insecure]\n"
     "                       [--json] [--db PATH]\n"
     "\n"
     "Fetch the objects added since the last successful pull, following pagination,\n"
     "from the peer's collection (or every collection it lets us read). Objects keep\n"
     "their TLP and created_by_ref; their source is the peer. Safe to interrupt and\n"
     "run again. Exit: 0 ok, 2 bad input, 3 network or HTTP error.\n",
     cmd_pull},
    {"push", "send local indicators and sightings to a peer",
     "usage: solidarity push NAME [--collection ID] [--since TIME] [--ca-file F]\n"
     "                       [--insecure] [--json] [--db PATH]\n"
     "\n"
     "Send this node's own indicators and recorded sightings (not what was pulled\n"
     "from peers, never TLP:RED) added since the last push to the peer's writable\n"
     "collection, and follow the status until every object is accounted for.\n"
     "Exit: 0 all accepted, 2 some refused, 3 network or HTTP error.\n",
     cmd_push},
    {"pattern", "check a STIX pattern and show what a line matcher can use",
     "usage: solidarity pattern [--json] 'PATTERN'\n"
     "\n"
     "Parse a STIX 2.1 pattern. Prints it in canonical form with its matchable atoms\n"
     "(the values the matcher looks up), or why it is not line-matchable. A pattern\n"
     "that does not parse prints the column and what was expected, and exits 2.\n"
     "--json prints {pattern, tree, atoms, line_matchable, reason}.\n",
     cmd_pattern},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

const cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const char *cli_db(const char *flag)
{
	if (flag)
		return flag;
	if (cli_db_path)
		return cli_db_path;
	const char *env = getenv("SOLIDARITY_DB");
	return env && *env ? env : CLI_DEFAULT_DB;
}

store *cli_store_open(const char *flag)
{
	store *st = NULL;
	sol_err err = {0};
	if (store_open(cli_db(flag), &st, &err) != 0) {
		cli_error(&err);
		return NULL;
	}
	return st;
}

int cli_error(const sol_err *err)
{
	if (err->where[0])
		fprintf(stderr, "solidarity: %s: %s\n", err->where, err->msg);
	else
		fprintf(stderr, "solidarity: %s\n", err->msg);
	return sol_exit_status(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "solidarity%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'solidarity %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return SOL_EXIT_INPUT;
}

bool cli_wants_help(int argc, char **argv, const cli_command *cmd)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(cmd->usage, stdout);
			return true;
		}
	}
	return false;
}

void cli_json_print(const json_t *v, bool pretty)
{
	json_dumpf(v, stdout, pretty ? JSON_INDENT(2) : JSON_COMPACT);
	fputc('\n', stdout);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: solidarity [--db PATH] COMMAND [ARGS]\n"
		     "\n"
		     "solidarity is one node of a partner network sharing threat intel:\n"
		     "it stores STIX 2.1 intel with TLP markings, matches logs against it,\n"
		     "shares it over TAXII 2.1 and exports it for resolvers and firewalls.\n"
		     "\n"
		     "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "  %-10s %s\n", "help", "show this list, or the help of one command");
	fprintf(out, "  %-10s %s\n", "version", "print the version");
	fprintf(out, "\n"
		     "The database is --db PATH, else $SOLIDARITY_DB, else ./solidarity.db.\n"
		     "'solidarity COMMAND --help' describes a command and its exit statuses.\n");
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			cli_db_path = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			cli_db_path = argv[i] + 5;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return SOL_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			puts("solidarity " SOLIDARITY_VERSION);
			return SOL_EXIT_OK;
		} else {
			return cli_usage_error(NULL, "unknown option '%s'", argv[i]);
		}
	}
	if (i == argc) {
		usage(stderr);
		return SOL_EXIT_INPUT;
	}
	const char *name = argv[i];
	if (strcmp(name, "help") == 0) {
		if (i + 1 < argc) {
			const cli_command *c = cli_command_find(argv[i + 1]);
			if (!c)
				return cli_usage_error(NULL, "no command '%s'", argv[i + 1]);
			fputs(c->usage, stdout);
			return SOL_EXIT_OK;
		}
		usage(stdout);
		return SOL_EXIT_OK;
	}
	if (strcmp(name, "version") == 0) {
		puts("solidarity " SOLIDARITY_VERSION);
		return SOL_EXIT_OK;
	}
	const cli_command *c = cli_command_find(name);
	if (!c)
		return cli_usage_error(NULL, "no command '%s'", name);
	if (cli_wants_help(argc - i, argv + i, c))
		return SOL_EXIT_OK;
	return c->run(argc - i, argv + i);
}
