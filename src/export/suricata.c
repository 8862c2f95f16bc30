/*
 * suricata.c - a directory Suricata loads as datasets, file-hash lists and
 * IP reputation, with the rules that use them:
 *
 *   solidarity-dns.lst        dataset (type string): base64 of each domain
 *   solidarity-http-host.lst  the same names, for http.host
 *   solidarity-tls-sni.lst    the same names, for tls.sni
 *   solidarity-md5.lst        hex MD5s, one a line (filemd5)
 *   solidarity-sha1.lst       hex SHA-1s (filesha1)
 *   solidarity-sha256.lst     hex SHA-256s (filesha256)
 *   solidarity-iprep-categories.txt   "1,solidarity,..." (id,shortname,description)
 *   solidarity-iprep.list     "ip-or-cidr,1,score" (score 1..127)
 *   solidarity.rules          one rule per list above, plus one per domain
 *                             that covers its subdomains
 *
 * Datasets of type string hold base64, as Suricata's loader expects; the
 * rules declare them inline (`dataset:isset,solidarity-dns,type string,
 * load solidarity-dns.lst`), so no suricata.yaml change is needed for
 * them. File hashes are matched with filemd5/filesha1/filesha256, whose
 * lists are hex one a line: a dataset of type md5/sha256 would hash a
 * buffer, not the transferred file. IP reputation needs suricata.yaml
 * (docs/formats/exports.md): reputation-categories-file and
 * reputation-files pointing here. The score is the indicator's confidence
 * (100 when it has none, at least 1); a value listed by several indicators
 * keeps the highest.
 *
 * A dataset matches exact names only, so a domain covering its subdomains
 * also gets a rule `dns.query; dotprefix; content:".name"; endswith;`
 * (at most SURICATA_MAX_SUFFIX_RULES of them; the rest are counted as
 * skipped but stay in the exact-name dataset). URLs, emails and SHA-512s
 * have no list here and are skipped.
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_int.h"

#define SURICATA_SID_BASE 1999901        /* sids of the list rules (local range) */
#define SURICATA_SID_SUFFIX 1800000      /* first sid of the subdomain rules */
#define SURICATA_MAX_SUFFIX_RULES 100000 /* subdomain rules at most */

enum { L_DNS, L_HTTP, L_TLS, L_MD5, L_SHA1, L_SHA256, L_IPREP, L_COUNT };

static const struct list {
	const char *file; /* file name in the directory */
	const char *rule; /* rule body before sid */
} lists[L_COUNT] = {
    [L_DNS] = {"solidarity-dns.lst",
	       "alert dns any any -> any any (msg:\"solidarity: DNS query for a listed name\"; "
	       "dns.query; dataset:isset,solidarity-dns,type string,load solidarity-dns.lst;"},
    [L_HTTP] = {"solidarity-http-host.lst",
		"alert http any any -> any any (msg:\"solidarity: HTTP request to a listed host\"; "
		"http.host; dataset:isset,solidarity-http-host,type string,"
		"load solidarity-http-host.lst;"},
    [L_TLS] =
	{"solidarity-tls-sni.lst",
	 "alert tls any any -> any any (msg:\"solidarity: TLS SNI of a listed name\"; "
	 "tls.sni; dataset:isset,solidarity-tls-sni,type string,load solidarity-tls-sni.lst;"},
    [L_MD5] = {"solidarity-md5.lst", "alert http any any -> any any (msg:\"solidarity: file "
				     "with a listed MD5\"; filemd5:solidarity-md5.lst;"},
    [L_SHA1] = {"solidarity-sha1.lst", "alert http any any -> any any (msg:\"solidarity: file "
				       "with a listed SHA-1\"; filesha1:solidarity-sha1.lst;"},
    [L_SHA256] = {"solidarity-sha256.lst",
		  "alert http any any -> any any (msg:\"solidarity: file with a listed SHA-256\"; "
		  "filesha256:solidarity-sha256.lst;"},
    [L_IPREP] = {"solidarity-iprep.list",
		 "alert ip any any -> any any (msg:\"solidarity: traffic with a listed address\"; "
		 "iprep:any,solidarity,>,0;"},
};

static int score_of(const export_ind *ind)
{
	if (ind->confidence < 0)
		return 100;
	return ind->confidence < 1 ? 1 : ind->confidence > 127 ? 127 : ind->confidence;
}

/* The list an atom goes to, or -1. Domains go to the three name lists. */
static int list_of(obs_kind k)
{
	switch (k) {
	case OBS_DOMAIN: return L_DNS;
	case OBS_MD5: return L_MD5;
	case OBS_SHA1: return L_SHA1;
	case OBS_SHA256: return L_SHA256;
	case OBS_IPV4:
	case OBS_IPV6:
	case OBS_CIDR4:
	case OBS_CIDR6: return L_IPREP;
	default: return -1;
	}
}

static int suricata_files(const export_set *s, const export_dir *ed, export_stats *stats,
			  sol_err *err)
{
	export_file ef[L_COUNT + 2];
	char *paths[L_COUNT + 2];
	int rc = 0, opened = 0;
	while (opened < L_COUNT + 2) {
		const char *name = opened < L_COUNT    ? lists[opened].file
				   : opened == L_COUNT ? "solidarity-iprep-categories.txt"
						       : "solidarity.rules";
		paths[opened] = export_dir_file(ed, name);
		rc = export_file_open(&ef[opened], paths[opened], err);
		if (rc) {
			free(paths[opened]);
			break;
		}
		opened++;
	}
	FILE *rules = rc ? NULL : ef[L_COUNT + 1].f;
	unsigned char b64[4 * ((OBS_VALUE_MAX + 2) / 3) + 1];
	int64_t suffix_rules = 0;
	for (size_t i = 0; rc == 0 && i < s->n;) {
		size_t j = i + 1;
		int score = score_of(export_ind_of(s, &s->atoms[i]));
		while (j < s->n && export_atom_dup(s, j)) {
			int sc = score_of(export_ind_of(s, &s->atoms[j]));
			score = sc > score ? sc : score;
			j++;
		}
		const export_atom *a = &s->atoms[i];
		const char *v = export_value(s, a);
		int l = list_of(a->kind);
		if (l < 0) {
			stats->skipped += (int64_t)(j - i);
		} else if (l == L_DNS) {
			EVP_EncodeBlock(b64, (const unsigned char *)v, (int)a->len);
			for (int k = L_DNS; k <= L_TLS; k++) {
				export_puts(ef[k].f, (const char *)b64);
				export_puts(ef[k].f, "\n");
			}
			if (s->atoms[j - 1].subdomains) {
				if (suffix_rules < SURICATA_MAX_SUFFIX_RULES)
					fprintf(
					    rules,
					    "alert dns any any -> any any (msg:\"solidarity: DNS "
					    "query below %s\"; dns.query; dotprefix; "
					    "content:\".%s\"; endswith; sid:%" PRId64 "; rev:1;)\n",
					    v, v, SURICATA_SID_SUFFIX + suffix_rules);
				else
					stats->skipped++;
				suffix_rules++;
			}
		} else if (l == L_IPREP) {
			export_put(ef[l].f, v, a->len);
			export_puts(ef[l].f, ",1,");
			export_putu(ef[l].f, (uint64_t)score);
			export_puts(ef[l].f, "\n");
		} else {
			export_put(ef[l].f, v, a->len);
			export_puts(ef[l].f, "\n");
		}
		stats->records += l >= 0;
		i = j;
	}
	if (rc == 0) {
		fputs("1,solidarity,Listed by solidarity export\n", ef[L_COUNT].f);
		for (int k = 0; k < L_COUNT; k++)
			fprintf(rules, "%s sid:%d; rev:1;)\n", lists[k].rule,
				SURICATA_SID_BASE + k);
	}
	for (int k = 0; k < opened; k++) {
		if (rc == 0)
			rc = export_file_commit(&ef[k], err);
		else
			export_file_abort(&ef[k]);
		free(paths[k]);
	}
	return rc;
}

int export_suricata_write(const export_set *s, const export_opts *o, export_stats *stats,
			  sol_err *err)
{
	export_dir ed;
	int rc = export_dir_open(&ed, o->path, err);
	if (rc)
		return rc;
	rc = suricata_files(s, &ed, stats, err);
	if (rc == 0)
		return export_dir_commit(&ed, err);
	export_dir_abort(&ed);
	return rc;
}
