/*
 * test_export.c - every export format against a real SQLite store in a
 * temporary directory, filled by the real importers from
 * tests/unit/export/data/ (a STIX bundle from source "cert-a", a CSV list
 * from "cert-b"; documentation addresses and example names only).
 *
 * The export time is fixed (NOW), so each format's output is compared
 * byte for byte with tests/unit/export/expected/ (directories file by
 * file). The other tests check the behaviour behind those bytes: TLP,
 * source, kind and audience filters, the warninglist, nested CIDRs merged
 * for nft, the RPZ serial that moves only when the zone changes, atomic
 * replacement, bad options, a failing write, and a store larger than the
 * batches in which index_select hands indicators from its walk thread
 * (order, early stop, the STIX export's own walk agreeing). Where the real consumer is installed
 * (named-checkzone from bind9-utils, nft from nftables) the output is
 * also fed to it; otherwise that check is skipped with a message.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/export.h"
#include "testimport.h"

#define NOW "2026-12-01T00:00:00Z"

typedef struct fixture {
	test_store *ts; /* intel.db in a temporary directory */
	char *out;      /* ts->dir/out: the export path */
} fixture;

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	fx->ts = test_store_open();
	fx->out = test_path(fx->ts->dir, "out");
	test_import_file(fx->ts->st, "tests/unit/export/data/intel.json", "cert-a", TLP_AMBER,
			 INGEST_STIX);
	test_import_file(fx->ts->st, "tests/unit/export/data/list.csv", "cert-b", TLP_GREEN,
			 INGEST_CSV);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	free(fx->out);
	test_store_close(fx->ts);
	free(fx);
	return 0;
}

static void opts_for(export_opts *o, const fixture *fx, export_format f)
{
	export_opts_init(o);
	o->format = f;
	assert_int_equal(sol_time_parse(NOW, &o->select.now), 0);
	o->path = fx->out;
}

static export_stats run(fixture *fx, const export_opts *o)
{
	export_stats stats;
	sol_err err = {0};
	int rc = export_write(fx->ts->st, o, &stats, &err);
	if (rc)
		fail_msg("export %s: %s: %s", export_format_name(o->format), err.where, err.msg);
	return stats;
}

static char *read_out(const char *path)
{
	size_t len;
	return test_read_file(path, &len);
}

static void assert_same_file(const char *expected, const char *actual)
{
	char *e = read_out(expected), *a = read_out(actual);
	if (strcmp(e, a) != 0)
		fail_msg("%s differs from %s:\n--- got ---\n%s--- want ---\n%s", actual, expected,
			 a, e);
	free(e);
	free(a);
}

static void assert_expected(const char *name, const char *actual)
{
	char rel[128];
	snprintf(rel, sizeof rel, "tests/unit/export/expected/%s", name);
	char *expected = test_source_path(rel);
	assert_same_file(expected, actual);
	free(expected);
}

/* Every file of expected/<name>/ equals the one in actual, and actual has
 * no other files. */
static void assert_expected_dir(const char *name, const char *actual)
{
	char rel[128];
	snprintf(rel, sizeof rel, "tests/unit/export/expected/%s", name);
	char *expected = test_source_path(rel);
	DIR *d = opendir(expected);
	assert_non_null(d);
	int want = 0, got = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *ep = test_path(expected, e->d_name), *ap = test_path(actual, e->d_name);
		assert_same_file(ep, ap);
		free(ep);
		free(ap);
		want++;
	}
	closedir(d);
	d = opendir(actual);
	assert_non_null(d);
	while ((e = readdir(d)))
		got += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(got, want);
	free(expected);
}

static bool tool_exists(const char *name)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* ---- exact output per format ----------------------------------------- */

static void test_rpz_expected(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_RPZ);
	export_stats st = run(fx, &o);
	assert_expected("intel.rpz", fx->out);
	assert_int_equal(st.rpz_serial, 1796083200u); /* NOW in Unix seconds */
	assert_int_equal(st.skipped, 5);              /* 2 URLs, 2 hashes, 1 email */

	if (!tool_exists("named-checkzone")) {
		print_message("named-checkzone not installed (bind9-utils): zone not checked\n");
		return;
	}
	char cmd[512];
	snprintf(cmd, sizeof cmd, "named-checkzone -q rpz.solidarity %s", fx->out);
	assert_int_equal(system(cmd), 0);
}

static void test_nft_expected(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_NFT);
	export_stats st = run(fx, &o);
	assert_expected("intel.nft", fx->out);
	/* 198.51.100.7 (listed twice) is inside 198.51.100.0/24 and
	 * 2001:db8:0:1::5 inside 2001:db8:0:1::/64: 3 + 2 prefixes are left */
	char *s = read_out(fx->out);
	assert_null(strstr(s, "198.51.100.7"));
	assert_null(strstr(s, "2001:db8:0:1::5"));
	assert_non_null(strstr(s, "\t198.51.100.0/24"));
	free(s);
	assert_int_equal(st.records, 5);

	if (!tool_exists("nft") || !tool_exists("unshare")) {
		print_message("nft or unshare not installed (nftables): script not checked\n");
		return;
	}
	char cmd[512];
	snprintf(cmd, sizeof cmd, "unshare -rn nft -c -f %s 2>/dev/null || nft -c -f %s", fx->out,
		 fx->out);
	if (system("unshare -rn nft list tables >/dev/null 2>&1") != 0 &&
	    system("nft list tables >/dev/null 2>&1") != 0) {
		print_message("nft cannot run here (needs CAP_NET_ADMIN): script not checked\n");
		return;
	}
	assert_int_equal(system(cmd), 0);
}

static void test_suricata_expected(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_SURICATA);
	run(fx, &o);
	assert_expected_dir("suricata", fx->out);
}

static void test_zeek_expected(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_ZEEK);
	run(fx, &o);
	assert_expected("intel.zeek", fx->out);
}

static void test_csv_expected(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_CSV);
	export_stats st = run(fx, &o);
	assert_expected("intel.csv", fx->out);
	assert_int_equal(st.records, st.atoms);
	assert_int_equal(st.select.expired, 1);
}

static void test_stix_expected(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_STIX);
	o.source = "cert-a"; /* cert-b's objects carry the import time */
	run(fx, &o);
	assert_expected("intel.stix.json", fx->out);
	/* it is a bundle a reader accepts, objects as stored */
	json_error_t je;
	json_t *b = json_load_file(fx->out, 0, &je);
	assert_non_null(b);
	assert_int_equal(json_array_size(json_object_get(b, "objects")), 5 + 4); /* + 4 TLPs */
	json_decref(b);
}

static void test_misp_expected(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_MISP);
	run(fx, &o);
	assert_expected_dir("misp", fx->out);
	/* a second export replaces the directory and keeps every uuid */
	run(fx, &o);
	assert_expected_dir("misp", fx->out);
	DIR *d = opendir(fx->ts->dir);
	struct dirent *e;
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, ".tmp."));
	closedir(d);
}

/* ---- filters ------------------------------------------------------------ */

static void test_tlp_max(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_CSV);
	o.tlp_max = TLP_GREEN;
	export_stats st = run(fx, &o);
	char *s = read_out(fx->out);
	assert_null(strstr(s, ",amber,"));
	assert_null(strstr(s, ",red,"));
	assert_null(strstr(s, "203.0.113.9"));
	assert_null(strstr(s, "e3b0c442"));
	assert_non_null(strstr(s, "198.51.100.0/24,cidr4,false,indicator--1111"));
	assert_non_null(strstr(s, ",clear,"));
	assert_int_equal(st.filtered, 5); /* 3 amber atoms, 2 red */
	free(s);
}

static void test_source_and_kind(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_CSV);
	o.source = "cert-b";
	run(fx, &o);
	char *s = read_out(fx->out);
	assert_non_null(strstr(s, "192.0.2.66,ipv4,false,"));
	assert_non_null(strstr(s, "bad.example.net,domain,false,"));
	assert_null(strstr(s, "cert-a"));
	free(s);

	sol_err err = {0};
	opts_for(&o, fx, EXPORT_CSV);
	assert_int_equal(export_kinds_parse("domain", &o.kinds, &err), 0);
	export_stats st = run(fx, &o);
	assert_int_equal(st.records, 5); /* evil.example and bad.example.net twice, login.bad */
	s = read_out(fx->out);
	assert_null(strstr(s, ",ipv4,"));
	free(s);

	assert_int_equal(export_kinds_parse("ip,sha256", &o.kinds, &err), 0);
	st = run(fx, &o);
	assert_int_equal(st.records, 9); /* 4 IPv4, 2 IPv6, 2 CIDRs, 1 SHA-256 */
	s = read_out(fx->out);
	assert_non_null(strstr(s, ",sha256,"));
	assert_null(strstr(s, ",md5,"));
	assert_null(strstr(s, ",domain,"));
	free(s);

	assert_int_equal(export_kinds_parse("hash", &o.kinds, &err), 0);
	assert_int_equal(export_kinds_parse("ipv4,bogus", &o.kinds, &err), SOL_EUSAGE);
	assert_non_null(strstr(err.msg, "bogus"));
	assert_int_equal(export_kinds_parse("", &o.kinds, &err), SOL_EUSAGE);
}

static bool hide_first(void *ctx, const store_indicator *ind)
{
	(*(int *)ctx)++;
	return strcmp(ind->id, "indicator--11111111-1111-4111-8111-111111111111") != 0;
}

static void test_audience(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_ZEEK);
	int calls = 0;
	o.visible = hide_first;
	o.visible_ctx = &calls;
	run(fx, &o);
	char *s = read_out(fx->out);
	assert_null(strstr(s, "indicator--1111"));
	assert_null(strstr(s, "2001:db8::1\t"));
	/* 198.51.100.7 stays: indicator 5 lists it too */
	assert_non_null(strstr(s, "198.51.100.7\tIntel::ADDR\tcert-a\tindicator--5555"));
	assert_int_equal(calls, 7); /* once per indicator with kept atoms */
	free(s);
}

static void test_warninglist(void **state)
{
	fixture *fx = *state;
	warninglist *wl;
	sol_err err = {0};
	assert_int_equal(warninglist_new(NULL, NULL, &wl, &err), 0);
	export_opts o;
	opts_for(&o, fx, EXPORT_CSV);
	o.select.benign = wl;
	export_stats st = run(fx, &o);
	/* documentation ranges and example names: only the two hashes stay */
	assert_int_equal(st.records, 2);
	assert_int_equal(st.select.warninglisted, 16);
	char *s = read_out(fx->out);
	assert_non_null(strstr(s, ",md5,"));
	assert_non_null(strstr(s, ",sha256,"));
	assert_null(strstr(s, "example"));
	free(s);
	warninglist_free(wl);

	assert_int_equal(warninglist_new(NULL, "documentation", &wl, &err), 0);
	o.select.benign = wl;
	st = run(fx, &o);
	assert_int_equal(st.select.warninglisted + st.records, 18);
	s = read_out(fx->out);
	assert_non_null(strstr(s, "login.bad.example,domain"));
	assert_non_null(strstr(s, "bad.example.net,domain"));
	free(s);
	warninglist_free(wl);
}

/* ---- RPZ specifics -------------------------------------------------- */

static void test_rpz_serial(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_RPZ);
	export_stats first = run(fx, &o);
	o.select.now += 3600 * 1000000LL; /* an hour later, same content */
	export_stats again = run(fx, &o);
	assert_int_equal(again.rpz_serial, first.rpz_serial);

	/* the content changes: the serial moves to max(last + 1, now) */
	o.kinds = 1u << OBS_DOMAIN;
	export_stats changed = run(fx, &o);
	assert_int_equal(changed.rpz_serial, first.rpz_serial + 3600);
	o.select.now -= 7200 * 1000000LL; /* a clock that went back */
	o.kinds = 0;
	export_stats back = run(fx, &o);
	assert_int_equal(back.rpz_serial, changed.rpz_serial + 1);

	char *v = NULL;
	sol_err err = {0};
	assert_int_equal(
	    store_setting_get(fx->ts->st, "export.rpz.rpz.solidarity.serial", &v, &err), 0);
	char want[16];
	snprintf(want, sizeof want, "%u", back.rpz_serial);
	assert_string_equal(v, want);
	free(v);

	/* another zone keeps its own serial */
	o.rpz_zone = "block.example";
	export_stats other = run(fx, &o);
	assert_int_equal(other.rpz_serial, (uint32_t)(o.select.now / 1000000));
}

static void test_rpz_policies(void **state)
{
	fixture *fx = *state;
	static const struct {
		const char *spec, *line;
	} cases[] = {
	    {"nxdomain", "\nevil.example CNAME . ;"},
	    {"nodata", "\nevil.example CNAME *. ;"},
	    {"drop", "\n*.evil.example CNAME rpz-drop. ;"},
	    {"passthru", "\n32.7.100.51.198.rpz-ip CNAME rpz-passthru. ;"},
	    {"redirect=Walled.Garden.example.", "\nevil.example CNAME walled.garden.example. ;"},
	    {"redirect=garden.example", "\n128.1.zz.db8.2001.rpz-ip CNAME garden.example. ;"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		export_opts o;
		opts_for(&o, fx, EXPORT_RPZ);
		sol_err err = {0};
		assert_int_equal(export_rpz_policy_parse(cases[i].spec, &o, &err), 0);
		run(fx, &o);
		char *s = read_out(fx->out);
		if (!strstr(s, cases[i].line))
			fail_msg("policy %s: no '%s' in\n%s", cases[i].spec, cases[i].line, s);
		free(s);
	}
	export_opts o;
	opts_for(&o, fx, EXPORT_RPZ);
	sol_err err = {0};
	assert_int_equal(export_rpz_policy_parse("block", &o, &err), SOL_EUSAGE);
	assert_int_equal(export_rpz_policy_parse("redirect=", &o, &err), SOL_EUSAGE);
	assert_int_equal(export_rpz_policy_parse("redirect=a b", &o, &err), SOL_EUSAGE);
	o.rpz_zone = "bad zone";
	assert_int_equal(export_write(fx->ts->st, &o, NULL, &err), SOL_EUSAGE);
	o.rpz_zone = "..";
	assert_int_equal(export_write(fx->ts->st, &o, NULL, &err), SOL_EUSAGE);
}

/* ---- files ----------------------------------------------------------- */

static void test_bad_paths(void **state)
{
	fixture *fx = *state;
	export_opts o;
	opts_for(&o, fx, EXPORT_CSV);
	sol_err err = {0};
	o.path = NULL;
	assert_int_equal(export_write(fx->ts->st, &o, NULL, &err), SOL_EUSAGE);
	char *missing = test_path(fx->ts->dir, "no/such/dir/out.csv");
	for (int f = 0; f < EXPORT_FORMAT_COUNT; f++) {
		opts_for(&o, fx, (export_format)f);
		o.path = missing;
		assert_int_equal(export_write(fx->ts->st, &o, NULL, &err), SOL_EIO);
		assert_non_null(strstr(err.where, "no/such/dir"));
	}
	free(missing);
	o.format = EXPORT_FORMAT_COUNT;
	o.path = fx->out;
	assert_int_equal(export_write(fx->ts->st, &o, NULL, &err), SOL_EUSAGE);

	/* an existing file is replaced whole */
	test_write_file(fx->out, "old", 3);
	opts_for(&o, fx, EXPORT_ZEEK);
	run(fx, &o);
	char *s = read_out(fx->out);
	assert_int_equal(strncmp(s, "#fields\t", 8), 0);
	free(s);
}

/* Entries of dir a failed export must not leave: its output ("out") and
 * temporary files or directories ("out.tmp.<pid>"). */
static int stray_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tmp.") != NULL || strcmp(e->d_name, "out") == 0;
	closedir(d);
	return n;
}

/* A write that fails (the file size limit, EFBIG) fails the export with
 * SOL_EIO, whether the writer thread meets it while the export goes on or
 * at commit, and removes the temporary file or directory: path does not
 * appear. RPZ is left out because it also writes to the store, which the
 * limit would fail first. */
static void test_write_error(void **state)
{
	fixture *fx = *state;
	struct rlimit old, tiny;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	tiny = (struct rlimit){.rlim_cur = 16, .rlim_max = old.rlim_max};
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN); /* the write fails instead of killing us */
	for (int f = 0; f < EXPORT_FORMAT_COUNT; f++) {
		if (f == EXPORT_RPZ)
			continue;
		export_opts o;
		opts_for(&o, fx, (export_format)f);
		sol_err err = {0};
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &tiny), 0);
		int rc = export_write(fx->ts->st, &o, NULL, &err);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		assert_int_equal(rc, SOL_EIO);
		assert_non_null(strstr(err.msg, "write failed"));
		assert_int_equal(stray_entries(fx->ts->dir), 0);
	}
	signal(SIGXFSZ, was);
}

static void test_formats(void **state)
{
	(void)state;
	for (int f = 0; f < EXPORT_FORMAT_COUNT; f++) {
		export_format back;
		assert_int_equal(export_format_parse(export_format_name((export_format)f), &back),
				 0);
		assert_int_equal(back, f);
	}
	export_format x;
	assert_int_equal(export_format_parse("bind", &x), SOL_EUSAGE);
}

/* ---- a store larger than one hand-over batch of index_select ------------ */

struct select_count {
	int64_t atoms;   /* atoms heard */
	int64_t stop_at; /* fail on this atom (1-based); 0: never */
	char last[64];   /* id of the previous atom's indicator */
	int64_t inds;    /* indicators heard, counted at each change of id */
};

static int count_atom(void *ctx, const index_selected *sel)
{
	struct select_count *c = ctx;
	if (strcmp(c->last, sel->ind->id) != 0) {
		snprintf(c->last, sizeof c->last, "%s", sel->ind->id);
		c->inds++;
	}
	if (++c->atoms == c->stop_at)
		return 42;
	return 0;
}

/* 20,000 indicators cross several batches of the walk thread: every atom
 * is heard once, in walk order (each indicator's atoms together); a
 * callback that fails stops the walk at once with its code; the STIX
 * export, which selects in a walk of its own, counts the same. */
static void test_select_batches(void **state)
{
	fixture *fx = *state;
	sol_buf list;
	buf_init(&list, SIZE_MAX);
	for (int i = 0; i < 20000; i++) /* runs of equal first bytes, long shared prefixes */
		buf_printf(&list, "host-%d.bulk.example\nhttp://bulk.example/a/very/long/path/%d\n",
			   i, (i * 7919) % 20000);
	ingest_opts io;
	ingest_opts_init(&io);
	io.source = "bulk";
	io.format = INGEST_TEXT;
	test_import(fx->ts->st, &io, "bulk.txt", list.data, list.len);
	buf_fini(&list);

	export_opts o;
	opts_for(&o, fx, EXPORT_CSV);
	export_stats csv = run(fx, &o);
	/* rows in (kind, value) order: values of one kind in strcmp order */
	char *text = read_out(fx->out), *prev_v = NULL, *prev_k = NULL;
	int rows = 0;
	for (char *line = strtok(strchr(text, '\n') + 1, "\n"); line; line = strtok(NULL, "\n")) {
		char *type = strchr(line, ',') + 1;
		*strchr(type, ',') = '\0';
		type[-1] = '\0';
		if (prev_k && strcmp(prev_k, type) == 0 && strcmp(prev_v, line) > 0)
			fail_msg("csv row %d: '%s' after '%s'", rows, line, prev_v);
		prev_v = line;
		prev_k = type;
		rows++;
	}
	assert_int_equal(rows, csv.records);
	free(text);
	struct select_count c = {0};
	index_compile_stats st;
	sol_err err = {0};
	assert_int_equal(index_select(fx->ts->st, &o.select, count_atom, &c, NULL, NULL, &st, &err),
			 0);
	assert_int_equal(c.atoms, st.atoms);
	assert_int_equal(c.inds, st.indicators);
	assert_int_equal(st.atoms, csv.select.atoms);
	assert_true(st.indicators > 40000);

	struct select_count stop = {.stop_at = 12345};
	assert_int_equal(
	    index_select(fx->ts->st, &o.select, count_atom, &stop, NULL, NULL, &st, &err), 42);
	assert_int_equal(stop.atoms, 12345);

	opts_for(&o, fx, EXPORT_STIX);
	export_stats stix = run(fx, &o);
	assert_int_equal(stix.select.atoms, csv.select.atoms);
	assert_int_equal(stix.select.indicators, csv.select.indicators);
	assert_int_equal(stix.select.expired, csv.select.expired);
	assert_int_equal(stix.atoms, csv.atoms);
	assert_int_equal(stix.records, csv.select.indicators);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rpz_expected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nft_expected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_suricata_expected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zeek_expected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_expected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stix_expected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_misp_expected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tlp_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_source_and_kind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audience, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_warninglist, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rpz_serial, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rpz_policies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test_setup_teardown(test_select_batches, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
