/*
 * cli.h - what the subcommands of the solidarity command share: the
 * command table, opening the store named by --db / $SOLIDARITY_DB, and
 * printing errors. Only src/cli/ prints to the terminal.
 */
#ifndef SOL_CLI_H
#define SOL_CLI_H

#include <getopt.h>
#include <jansson.h>

#include "core/core.h"
#include "store/store.h"

#define CLI_DEFAULT_DB "solidarity.db"

/* A subcommand: run(argc, argv) with argv[0] = its name; returns an exit status. */
typedef struct cli_command {
	const char *name;    /* "import" */
	const char *summary; /* one line for `solidarity help` */
	const char *usage;   /* full --help text */
	int (*run)(int argc, char **argv);
} cli_command;

extern const char *cli_db_path; /* --db given before the command, or NULL */

/* The database path: --db, else $SOLIDARITY_DB, else ./solidarity.db. */
const char *cli_db(const char *flag);
/* Open the store at cli_db(flag); prints the error and returns NULL. */
store *cli_store_open(const char *flag);
/* Print "solidarity: where: msg" to stderr; returns the exit status. */
int cli_error(const sol_err *err);
/* Print a usage error with a hint to --help; returns SOL_EXIT_INPUT. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* If argv has -h/--help, print usage to stdout and return true. */
bool cli_wants_help(int argc, char **argv, const cli_command *cmd);
/* Print a JSON value on one line (compact) or indented, plus newline. */
void cli_json_print(const json_t *v, bool pretty);

int cmd_import(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_pattern(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_partner(int argc, char **argv);
int cmd_collection(int argc, char **argv);
int cmd_share(int argc, char **argv);
int cmd_peer(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_push(int argc, char **argv);

const cli_command *cli_command_find(const char *name);

#endif
