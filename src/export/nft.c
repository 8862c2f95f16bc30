/*
 * nft.c - an nftables script that fills two named interval sets,
 * loaded atomically with `nft -f solidarity.nft`:
 *
 *   table inet solidarity {            creates the table and sets if absent
 *       set ipv4 { type ipv4_addr; flags interval; }
 *       set ipv6 { type ipv6_addr; flags interval; }
 *   }
 *   flush set inet solidarity ipv4     empties them if they existed
 *   flush set inet solidarity ipv6
 *   add element inet solidarity ipv4 { 192.0.2.0/24, 198.51.100.7 }
 *
 * nft -f applies a file as one transaction, so the kernel switches from
 * the old contents to the new at once. The script holds no rule: blocking
 * is the operator's decision (a sample rule is in the script's comment),
 * and rules added to the table survive reloads because the table is never
 * deleted.
 *
 * Merging. A set with `flags interval` refuses overlapping elements, and
 * CIDRs either nest or are disjoint, so it is enough to sort the prefixes
 * by network address (shorter prefix first on a tie) and drop every prefix
 * inside the last one kept: a /24 swallows the /32s in it. Adjacent
 * prefixes do not overlap and are kept as they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

#define NFT_CHUNK 8192 /* elements per `add element` statement */

static int prefix_cmp(const void *pa, const void *pb, void *ctx)
{
	const export_set *s = ctx;
	const export_atom *a = &s->atoms[*(const size_t *)pa], *b = &s->atoms[*(const size_t *)pb];
	int c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	return (int)a->prefix - (int)b->prefix;
}

/* True if the first bits of x and y are equal. */
static bool prefix_covers(const uint8_t *x, const uint8_t *y, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(x, y, whole) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (x[whole] & mask) == (y[whole] & mask);
}

/* Indices of the atoms of family v6 (false: IPv4) left after merging. */
static size_t nft_family(const export_set *s, bool v6, size_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		obs_kind k = s->atoms[i].kind;
		if (v6 ? (k == OBS_IPV6 || k == OBS_CIDR6) : (k == OBS_IPV4 || k == OBS_CIDR4))
			idx[n++] = i;
	}
	qsort_r(idx, n, sizeof *idx, prefix_cmp, (void *)s);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		const export_atom *a = &s->atoms[idx[i]];
		if (kept) {
			const export_atom *last = &s->atoms[idx[kept - 1]];
			if (prefix_covers(last->addr, a->addr, last->prefix))
				continue;
		}
		idx[kept++] = idx[i];
	}
	return kept;
}

static void nft_elements(FILE *f, const char *set, const export_set *s, const size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i % NFT_CHUNK == 0)
			fprintf(f, "add element inet solidarity %s {\n", set);
		const export_atom *a = &s->atoms[idx[i]];
		export_puts(f, "\t");
		export_put(f, export_value(s, a), a->len);
		export_puts(f, i + 1 == n || (i + 1) % NFT_CHUNK == 0 ? "\n}\n" : ",\n");
	}
}

int export_nft_write(const export_set *s, const export_opts *o, export_stats *stats, sol_err *err)
{
	size_t *v4 = xmalloc((s->n ? s->n : 1) * sizeof *v4);
	size_t *v6 = xmalloc((s->n ? s->n : 1) * sizeof *v6);
	size_t n4 = nft_family(s, false, v4), n6 = nft_family(s, true, v6);
	int64_t addresses = 0;
	for (size_t i = 0; i < s->n; i++)
		addresses += s->atoms[i].kind >= OBS_IPV4 && s->atoms[i].kind <= OBS_CIDR6;
	stats->records = (int64_t)(n4 + n6);
	stats->skipped = (int64_t)s->n - addresses;

	export_file ef;
	int rc = export_file_open(&ef, o->path, err);
	if (rc == 0) {
		fprintf(ef.f,
			"#!/usr/sbin/nft -f\n"
			"# Written by solidarity export: %zu IPv4 and %zu IPv6 prefixes (nested\n"
			"# ones merged). Load with `nft -f`; the sets are replaced atomically.\n"
			"# Nothing is blocked until you add a rule to this table, e.g.:\n"
			"#   add chain inet solidarity filter { type filter hook forward priority "
			"0; }\n"
			"#   add rule inet solidarity filter ip daddr @ipv4 drop\n"
			"#   add rule inet solidarity filter ip6 daddr @ipv6 drop\n"
			"table inet solidarity {\n"
			"\tset ipv4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t}\n"
			"\tset ipv6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t}\n"
			"}\n"
			"flush set inet solidarity ipv4\n"
			"flush set inet solidarity ipv6\n",
			n4, n6);
		nft_elements(ef.f, "ipv4", s, v4, n4);
		nft_elements(ef.f, "ipv6", s, v6, n6);
		rc = export_file_commit(&ef, err);
	}
	free(v4);
	free(v6);
	return rc;
}
