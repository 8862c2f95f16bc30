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
		     "it stores STIX 2.1 objects with TLP markings and imports intel.\n"
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
