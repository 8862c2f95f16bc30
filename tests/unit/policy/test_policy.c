/*
 * test_policy.c - the sharing rule, exhaustively: every combination of
 * grant (none, and each of the 8 read/write/amber flag sets), TLP level
 * (the 6 levels and an unknown one) and distribution list (absent, naming
 * someone else, naming the partner) is checked against the rule written
 * independently below; audience.txt then pins the cases of
 * docs/sharing.md as a readable table, and the store adapter
 * policy_member_visible is checked to agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "testlib.h"

#define PARTNER "bravo"

/* The rule as the table says it, row by row. */
static bool expected(const store_grant *g, int tlp, bool listed)
{
	if (!g || !g->read)
		return false;
	if (tlp == TLP_CLEAR || tlp == TLP_GREEN)
		return true;
	if (tlp == TLP_AMBER || tlp == TLP_AMBER_STRICT || tlp == TLP_NONE)
		return g->amber;
	if (tlp == TLP_RED)
		return listed;
	return false;
}

static void test_exhaustive(void **state)
{
	(void)state;
	const char *other[] = {"alpha", "charlie"};
	const char *with[] = {"alpha", PARTNER, "charlie"};
	const char *prefix[] = {"bravo2"}; /* a longer name is someone else */
	int checked = 0;
	for (int gi = -1; gi < 8; gi++) {
		store_grant g = {.collection = "c",
				 .partner = PARTNER,
				 .read = gi & 1,
				 .write = (gi >> 1) & 1,
				 .amber = (gi >> 2) & 1};
		const store_grant *gp = gi < 0 ? NULL : &g;
		for (int tlp = TLP_NONE; tlp <= TLP_RED + 1; tlp++) {
			for (int list = 0; list < 4; list++) {
				const char *const *names = list == 1   ? other
							   : list == 2 ? with
							   : list == 3 ? prefix
								       : NULL;
				size_t n = list == 1 ? 2 : list == 2 ? 3 : list == 3 ? 1 : 0;
				bool want = expected(gp, tlp, list == 2);
				bool got = policy_visible(gp, (stix_tlp)tlp, names, n, PARTNER);
				if (got != want)
					fail_msg("grant %d tlp %d list %d: got %d want %d", gi, tlp,
						 list, got, want);
				store_row row = {.tlp = (stix_tlp)tlp};
				store_member m = {.row = &row, .red_to = names, .n_red_to = n};
				assert_int_equal(policy_member_visible((void *)gp, &m), want);
				checked++;
			}
		}
	}
	assert_int_equal(checked, 9 * 7 * 4);
	/* Without a partner name nothing is visible, even CLEAR. */
	store_grant g = {.read = true, .amber = true};
	assert_false(policy_visible(&g, TLP_CLEAR, NULL, 0, NULL));
}

static void test_table(void **state)
{
	(void)state;
	size_t len;
	char *text = test_read_file("audience.txt", &len);
	int cases = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char grant[8], tlp_name[16], listed[8], want[8];
		if (sscanf(line, "%7s %15s %7s %7s", grant, tlp_name, listed, want) != 4)
			fail_msg("audience.txt: bad line \"%s\"", line);
		stix_tlp tlp = TLP_NONE;
		if (strcmp(tlp_name, "none") != 0)
			assert_int_equal(stix_tlp_parse(tlp_name, &tlp), 0);
		store_grant g = {.partner = PARTNER};
		bool has = strcmp(grant, "none") != 0;
		if (has) {
			assert_int_equal(strlen(grant), 3);
			g.read = grant[0] == 'r', g.write = grant[1] == 'w',
			g.amber = grant[2] == 'a';
		}
		const char *names[] = {"alpha", PARTNER};
		bool on = strcmp(listed, "yes") == 0;
		bool got = policy_visible(has ? &g : NULL, tlp, names, on ? 2 : 1, PARTNER);
		if (got != (strcmp(want, "show") == 0))
			fail_msg("audience.txt: \"%s\": got %s", line, got ? "show" : "hide");
		cases++;
	}
	assert_true(cases >= 20);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exhaustive),
	    cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
