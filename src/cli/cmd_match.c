/*
 * cmd_match.c - `solidarity compile` and `solidarity match`: the store's
 * enforceable atoms into a snapshot, and logs matched against it.
 *
 * The snapshot lives beside the database (PATH.idx) unless -o / --index
 * say otherwise. match prints one JSON line per hit on stdout (or, with
 * --format stix, a bundle of Sightings at the end), a summary on stderr,
 * and exits like grep: 0 hits, 1 none, 2 error. --record folds the hits
 * into this node's Sighting objects in the store.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sighting/sighting.h"

#define OUT_FLUSH (64u << 10) /* flush hit lines to stdout past this */

static char *index_default(const char *db)
{
	return xasprintf("%s.idx", cli_db(db));
}

static int explain_one(void *ctx, const char *id, obs_kind kind, const char *value, const char *why)
{
	(void)ctx;
	printf("left out\t%s\t%s\t%s\t%s\n", id, obs_kind_name(kind), value, why);
	return 0;
}

int cmd_compile(int argc, char **argv)
{
	enum { OPT_WL = 256, OPT_ALLOW, OPT_LIFETIME, OPT_EXPLAIN, OPT_NOW, OPT_JSON, OPT_DB };
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"warninglists", required_argument, NULL, OPT_WL},
	    {"allow", required_argument, NULL, OPT_ALLOW},
	    {"lifetime", required_argument, NULL, OPT_LIFETIME},
	    {"explain", no_argument, NULL, OPT_EXPLAIN},
	    {"now", required_argument, NULL, OPT_NOW},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"db", required_argument, NULL, OPT_DB},
	    {NULL, 0, NULL, 0},
	};
	index_compile_opts o = {.now = sol_time_now()};
	index_lifetimes_init(&o.lifetimes);
	const char *out = NULL, *wl_dir = NULL, *allow = NULL, *db = NULL;
	bool explain = false, json = false;
	sol_err err = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case OPT_WL: wl_dir = optarg; break;
		case OPT_ALLOW: allow = optarg; break;
		case OPT_LIFETIME:
			if (index_lifetimes_set(&o.lifetimes, optarg, &err) != 0)
				return cli_usage_error("compile", "%s", err.msg);
			break;
		case OPT_EXPLAIN: explain = true; break;
		case OPT_NOW:
			if (sol_time_parse(optarg, &o.now) != 0)
				return cli_usage_error("compile", "bad --now '%s'", optarg);
			break;
		case OPT_JSON: json = true; break;
		case OPT_DB: db = optarg; break;
		default: return cli_usage_error("compile", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("compile", "unexpected argument '%s'", argv[optind]);
	warninglist *wl = NULL;
	if (warninglist_new(wl_dir, allow, &wl, &err) != 0)
		return cli_error(&err);
	o.benign = wl;
	store *st = cli_store_open(db);
	if (!st) {
		warninglist_free(wl);
		return SOL_EXIT_FAIL;
	}
	char *path = out ? xstrdup(out) : index_default(db);
	index_compile_stats s;
	int rc = index_compile(st, path, &o, explain ? explain_one : NULL, NULL, &s, &err);
	store_close(st);
	warninglist_free(wl);
	if (rc == 0) {
		if (json) {
			json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "index", path,
					      "indicators", (json_int_t)s.indicators, "atoms",
					      (json_int_t)s.atoms, "expired", (json_int_t)s.expired,
					      "warninglisted", (json_int_t)s.warninglisted,
					      "invalid", (json_int_t)s.invalid);
			cli_json_print(j, true);
			json_decref(j);
		} else {
			printf("compiled %s: %lld indicators, %lld atoms; left out %lld expired, "
			       "%lld warninglisted, %lld invalid\n",
			       path, (long long)s.indicators, (long long)s.atoms,
			       (long long)s.expired, (long long)s.warninglisted,
			       (long long)s.invalid);
		}
	}
	free(path);
	return rc ? cli_error(&err) : SOL_EXIT_OK;
}

/* A new identity object for this node, named name (else the host name). */
static json_t *identity_new(const char *name)
{
	char host[256] = "solidarity node";
	if (!name && gethostname(host, sizeof host - 1) == 0)
		host[sizeof host - 1] = '\0';
	char uuid[37], t[40], id[64];
	sol_uuid4(uuid);
	snprintf(id, sizeof id, "identity--%s", uuid);
	sol_time_format(sol_time_now(), t, sizeof t);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "identity", "spec_version",
			 "2.1", "id", id, "created", t, "modified", t, "name", name ? name : host,
			 "identity_class", "organization");
}

/*
 * The node's own identity, kept in the store's settings: created on first
 * use, renamed (as a new version) when --node-name differs.
 */
static json_t *node_identity(store *st, const char *name, sol_err *err)
{
	char *text = NULL;
	int rc = store_setting_get(st, "node.identity", &text, err);
	if (rc != 0 && rc != SOL_ENOTFOUND)
		return NULL;
	json_t *o = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(text);
	const char *have = json_string_value(json_object_get(o, "name"));
	if (o && have && (!name || strcmp(have, name) == 0))
		return o;
	if (o) {
		char t[40];
		json_object_set_new(o, "name", json_string(name));
		json_object_set_new(o, "modified",
				    json_string(sol_time_format(sol_time_now(), t, sizeof t)));
	} else {
		o = identity_new(name);
	}
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	rc = store_setting_set(st, "node.identity", text, err);
	free(text);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

typedef struct match_ctx {
	index_snapshot **ix;       /* current snapshot (follow may swap it) */
	sol_buf out;               /* hit lines waiting for stdout */
	bool lines;                /* print JSON lines */
	bool aggregate;            /* --record or --format stix */
	sighting_agg *agg;         /* the aggregate for the current snapshot, or NULL */
	uint64_t hits;             /* hits seen */
	store *st;                 /* --record: where to record */
	json_t *identity;          /* this node */
	sighting_record_stats rec; /* recorded so far */
} match_ctx;

static int flush_out(match_ctx *m)
{
	if (m->out.len && fwrite(m->out.data, 1, m->out.len, stdout) != m->out.len)
		return SOL_EIO;
	buf_reset(&m->out);
	return fflush(stdout) == 0 ? 0 : SOL_EIO;
}

static int on_hit(void *ctx, const scan_hit *h)
{
	match_ctx *m = ctx;
	m->hits++;
	if (m->aggregate) {
		if (!m->agg)
			m->agg = sighting_agg_new(*m->ix);
		sighting_agg_add(m->agg, h->hit->ind, h->ts);
	}
	if (!m->lines)
		return 0;
	int rc = sighting_hit_json(*m->ix, h, &m->out);
	if (rc == 0 && m->out.len > OUT_FLUSH)
		rc = flush_out(m);
	return rc;
}

/* Follow mode swaps snapshots: record what the old one counted first. */
static int on_swap(void *ctx, const index_snapshot *old)
{
	match_ctx *m = ctx;
	(void)old;
	int rc = flush_out(m);
	if (rc || !m->agg || !m->st)
		return rc;
	sol_err err = {0};
	sighting_record_stats s;
	rc = sighting_agg_record(m->agg, m->st, m->identity, sol_time_now(), &s, &err);
	if (rc) {
		cli_error(&err);
		return rc;
	}
	m->rec.created += s.created;
	m->rec.updated += s.updated;
	sighting_agg_free(m->agg);
	m->agg = NULL;
	return 0;
}

static volatile int stop_follow;

static void on_signal(int sig)
{
	(void)sig;
	stop_follow = 1;
}

int cmd_match(int argc, char **argv)
{
	enum { OPT_INDEX = 256, OPT_FOLLOW, OPT_RECORD, OPT_QUIET, OPT_NODE, OPT_DB };
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"index", required_argument, NULL, OPT_INDEX},
	    {"jobs", required_argument, NULL, 'j'},
	    {"follow", no_argument, NULL, OPT_FOLLOW},
	    {"record", no_argument, NULL, OPT_RECORD},
	    {"quiet", no_argument, NULL, OPT_QUIET},
	    {"node-name", required_argument, NULL, OPT_NODE},
	    {"db", required_argument, NULL, OPT_DB},
	    {NULL, 0, NULL, 0},
	};
	scan_opts so;
	scan_opts_init(&so);
	const char *index_path = NULL, *db = NULL, *node = NULL;
	bool stix = false, record = false, quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:j:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "stix") == 0)
				stix = true;
			else if (strcmp(optarg, "jsonl") == 0)
				stix = false;
			else if (scan_format_parse(optarg, &so.format) != 0)
				return cli_usage_error("match", "unknown format '%s'", optarg);
			break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 256)
				return cli_usage_error("match", "bad --jobs '%s'", optarg);
			so.threads = (int)n;
			break;
		}
		case OPT_INDEX: index_path = optarg; break;
		case OPT_FOLLOW: so.follow = true; break;
		case OPT_RECORD: record = true; break;
		case 'q':
		case OPT_QUIET: quiet = true; break;
		case OPT_NODE: node = optarg; break;
		case OPT_DB: db = optarg; break;
		default: return cli_usage_error("match", "bad option");
		}
	}
	char *stdin_only[] = {"-"};
	char **inputs = optind < argc ? argv + optind : stdin_only;
	size_t n_inputs = optind < argc ? (size_t)(argc - optind) : 1;

	char *ipath = index_path ? xstrdup(index_path) : index_default(db);
	index_snapshot *ix = NULL;
	sol_err err = {0};
	if (index_open(ipath, &ix, &err) != 0) {
		free(ipath);
		if (err.code == SOL_ENOTFOUND) {
			cli_error(&err);
			fprintf(stderr, "solidarity: no index: run 'solidarity compile' first\n");
			return SOL_EXIT_INPUT;
		}
		return cli_error(&err);
	}
	match_ctx m = {.ix = &ix, .lines = !stix};
	buf_init(&m.out, (size_t)1 << 30);
	int rc = 0;
	if (record || stix) {
		m.st = cli_store_open(db);
		if (!m.st)
			rc = SOL_EDB;
		else if (!(m.identity = node_identity(m.st, node, &err)))
			rc = err.code ? err.code : SOL_EDB;
		if (!record && m.st) {
			store_close(m.st);
			m.st = NULL;
		}
	}
	m.aggregate = record || stix;
	if (rc == 0 && m.aggregate)
		m.agg = sighting_agg_new(ix);
	so.index_path = ipath;
	so.stop = &stop_follow;
	so.on_swap = on_swap;
	if (so.follow) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	scan_stats total = {0};
	sol_time t0 = sol_time_now();
	if (rc == 0)
		rc = scan_run(&ix, inputs, n_inputs, &so, on_hit, &m, &total, &err);
	if (rc == 0)
		rc = index_error(ix, &err); /* a damaged block hid hits: fail the run */
	if (rc == 0)
		rc = flush_out(&m);
	if (rc == 0 && stix)
		rc = sighting_agg_write_bundle(m.agg, m.identity, sol_time_now(), stdout, &err);
	if (rc == 0 && record && m.agg) {
		sighting_record_stats s;
		rc = sighting_agg_record(m.agg, m.st, m.identity, sol_time_now(), &s, &err);
		m.rec.created += s.created;
		m.rec.updated += s.updated;
	}
	double secs = (double)(sol_time_now() - t0) / 1e6;
	if (!quiet)
		fprintf(stderr,
			"match: %llu lines, %.1f MB in %.2f s (%.0f MB/s), %llu values looked up, "
			"%llu hits, %llu lines skipped%s",
			(unsigned long long)total.lines, (double)total.bytes / 1e6, secs,
			secs > 0 ? (double)total.bytes / 1e6 / secs : 0.0,
			(unsigned long long)total.values, (unsigned long long)m.hits,
			(unsigned long long)total.skipped, record ? "" : "\n");
	if (!quiet && record)
		fprintf(stderr, "; sightings recorded: %lld new, %lld updated\n",
			(long long)m.rec.created, (long long)m.rec.updated);
	sighting_agg_free(m.agg);
	json_decref(m.identity);
	store_close(m.st);
	buf_fini(&m.out);
	index_close(ix);
	free(ipath);
	if (rc != 0)
		return err.code ? cli_error(&err) : SOL_EXIT_FAIL;
	return m.hits ? SOL_EXIT_OK : SOL_EXIT_NONE;
}
