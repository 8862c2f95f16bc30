/*
 * zeek_tsv.c - Zeek's tab-separated logs, and the Zeek field vocabulary
 * that the JSON flavour shares.
 *
 * A Zeek log opens with header lines: "#separator \x09" (the separator,
 * written with \xHH escapes), then "#set_separator", "#empty_field",
 * "#unset_field", "#path", "#open", "#fields" and "#types", each followed
 * by the separator and its values. Concatenated logs repeat the header
 * mid-file: a #separator line starts a fresh header and #fields/#types
 * replace the old columns. From the names and types each column gets a
 * class (scan_int.h): addr and subnet columns are addresses whatever their
 * name, and scan_zeek_rules names the others (query, host, uri, mailfrom,
 * sha256, ...). The index of the last interesting column bounds the split.
 *
 * A row is walked 64 bytes at a time with a bit mask of its separators
 * (scan_eq_mask), so each column costs one count-trailing-zeros. The
 * interesting values up to that last column that are not "-" (unset) or
 * "(empty)" become candidates, sets and vectors flagged for splitting on
 * the set separator; past it the separators are only counted (popcount):
 * a row with more or fewer fields than #fields is skipped and counted, and
 * its candidates are never emitted. The row's time is kept as text and
 * parsed only if the row hits.
 */
#include <stdlib.h>
#include <string.h>

#include "scan/scan_int.h"

const scan_rule scan_zeek_rules[] = {
    {"ts", "ts", SCAN_C_TIME},
    {"id.orig_h", "id.orig_h", SCAN_C_IP},
    {"id.resp_h", "id.resp_h", SCAN_C_IP},
    {"x_originating_ip", "x_originating_ip", SCAN_C_IP},
    {"path", "path", SCAN_C_IP},
    {"tx_hosts", "tx_hosts", SCAN_C_IP},
    {"rx_hosts", "rx_hosts", SCAN_C_IP},
    {"src", "src", SCAN_C_IP},
    {"dst", "dst", SCAN_C_IP},
    {"client_addr", "client_addr", SCAN_C_IP},
    {"server_addr", "server_addr", SCAN_C_IP},
    {"requested_addr", "requested_addr", SCAN_C_IP},
    {"assigned_addr", "assigned_addr", SCAN_C_IP},
    {"query", "query", SCAN_C_NAME},
    {"answers", "answers", SCAN_C_NAME},
    {"server_name", "server_name", SCAN_C_NAME},
    {"sni", "sni", SCAN_C_NAME},
    {"helo", "helo", SCAN_C_NAME},
    {"san.dns", "san.dns", SCAN_C_NAME},
    {"host", "host", SCAN_C_URL_HOST},
    {"uri", "url", SCAN_C_URL_PATH},
    {"referrer", "referrer", SCAN_C_URL},
    {"mailfrom", "mailfrom", SCAN_C_EMAIL},
    {"rcptto", "rcptto", SCAN_C_EMAIL},
    {"from", "from", SCAN_C_EMAIL},
    {"to", "to", SCAN_C_EMAIL},
    {"cc", "cc", SCAN_C_EMAIL},
    {"reply_to", "reply_to", SCAN_C_EMAIL},
    {"md5", "md5", SCAN_C_HASH},
    {"sha1", "sha1", SCAN_C_HASH},
    {"sha256", "sha256", SCAN_C_HASH},
    {"fingerprint", "fingerprint", SCAN_C_HASH},
    {"cert_chain_fps", "cert_chain_fps", SCAN_C_HASH},
    {"client_cert_chain_fps", "client_cert_chain_fps", SCAN_C_HASH},
    {"ja3", "ja3", SCAN_C_HASH},
    {"ja3s", "ja3s", SCAN_C_HASH},
};
const size_t scan_zeek_nrules = sizeof scan_zeek_rules / sizeof scan_zeek_rules[0];

void scan_zeek_tsv_init(scan_zeek_header *h)
{
	memset(h, 0, sizeof *h);
	h->sep = '\t';
	h->set_sep = ',';
	strcpy(h->empty, "(empty)");
	strcpy(h->unset, "-");
	h->empty_len = strlen(h->empty);
	h->unset_len = strlen(h->unset);
}

bool scan_reader_same_header(const scan_reader *a, const scan_reader *b)
{
	const scan_zeek_header *x = &a->zh, *y = &b->zh;
	if (x->sep != y->sep || x->set_sep != y->set_sep || x->nfields != y->nfields ||
	    x->last != y->last || strcmp(x->empty, y->empty) != 0 ||
	    strcmp(x->unset, y->unset) != 0)
		return false;
	for (uint32_t i = 0; i < x->nfields; i++) {
		const scan_zeek_col *cx = &x->cols[i], *cy = &y->cols[i];
		if (cx->cls != cy->cls || cx->set != cy->set ||
		    strcmp(x->names + cx->name_off, y->names + cy->name_off) != 0)
			return false;
	}
	return true;
}

static const scan_rule *rule_find(const char *name)
{
	for (size_t i = 0; i < scan_zeek_nrules; i++)
		if (strcmp(scan_zeek_rules[i].key, name) == 0)
			return &scan_zeek_rules[i];
	return NULL;
}

/* Decode a header value's \xHH escapes ("\x09" is a TAB) into out. */
static void header_text(const char *s, size_t n, char *out, size_t cap)
{
	size_t len = 0;
	for (size_t i = 0; i < n && len + 1 < cap; i++) {
		char c = s[i];
		if (c == '\\' && n - i >= 4 && s[i + 1] == 'x') {
			char hex[3] = {s[i + 2], s[i + 3], '\0'};
			char *end;
			long v = strtol(hex, &end, 16);
			if (end == hex + 2) {
				c = (char)v;
				i += 3;
			}
		}
		out[len++] = c;
	}
	out[len] = '\0';
}

/* Split s[0..n) on sep into NUL-separated words in words; offsets into off.
 * Returns the word count (0 if they do not fit). */
static uint32_t header_words(const char *s, size_t n, char sep, char *words, uint16_t *off)
{
	uint32_t count = 0;
	size_t used = 0;
	for (const char *e = s + n, *q; s <= e; s = q + 1) {
		q = memchr(s, sep, (size_t)(e - s));
		if (!q)
			q = e;
		size_t len = (size_t)(q - s);
		if (count == SCAN_ZEEK_MAX_FIELDS || used + len + 1 > SCAN_ZEEK_NAMES_MAX)
			return 0;
		memcpy(words + used, s, len);
		words[used + len] = '\0';
		off[count++] = (uint16_t)used;
		used += len + 1;
	}
	return count;
}

static bool type_is(const char *type, const char *base)
{
	size_t n = strlen(base);
	if (strcmp(type, base) == 0)
		return true;
	const char *open = strchr(type, '[');
	return open && strncmp(open + 1, base, n) == 0 && open[1 + n] == ']';
}

/* Give every column its class from its name and (if known) its type. */
static void header_classify(scan_zeek_header *h)
{
	h->last = 0;
	for (uint32_t i = 0; i < h->nfields; i++) {
		scan_zeek_col *c = &h->cols[i];
		const char *name = h->names + c->name_off;
		const char *type = h->typed && i < h->ntypes ? h->types + h->type_off[i] : "";
		const scan_rule *rule = rule_find(name);
		c->cls = rule ? (uint8_t)rule->cls : SCAN_C_NONE;
		if (!rule && (type_is(type, "addr") || type_is(type, "subnet")))
			c->cls = SCAN_C_IP;
		if (h->typed)
			c->set = strncmp(type, "set[", 4) == 0 || strncmp(type, "vector[", 7) == 0;
		else
			c->set = c->cls != SCAN_C_URL && c->cls != SCAN_C_URL_PATH &&
				 c->cls != SCAN_C_TIME;
		if (c->cls != SCAN_C_NONE)
			h->last = i + 1;
	}
}

static void header_line(scan_zeek_header *h, const char *s, size_t n)
{
	if (n >= 11 && memcmp(s, "#separator ", 11) == 0) {
		char sep[8];
		header_text(s + 11, n - 11, sep, sizeof sep);
		scan_zeek_tsv_init(h);
		h->sep = sep[0] ? sep[0] : '\t';
		return;
	}
	const char *q = memchr(s, h->sep, n);
	if (!q)
		return;
	size_t kn = (size_t)(q - s), vn = n - kn - 1;
	const char *v = q + 1;
	if (kn == 14 && memcmp(s, "#set_separator", 14) == 0) {
		char sep[8];
		header_text(v, vn, sep, sizeof sep);
		h->set_sep = sep[0] ? sep[0] : ',';
	} else if (kn == 12 && memcmp(s, "#empty_field", 12) == 0) {
		header_text(v, vn, h->empty, sizeof h->empty);
		h->empty_len = strlen(h->empty);
	} else if (kn == 12 && memcmp(s, "#unset_field", 12) == 0) {
		header_text(v, vn, h->unset, sizeof h->unset);
		h->unset_len = strlen(h->unset);
	} else if (kn == 7 && memcmp(s, "#fields", 7) == 0) {
		uint16_t off[SCAN_ZEEK_MAX_FIELDS];
		h->nfields = header_words(v, vn, h->sep, h->names, off);
		for (uint32_t i = 0; i < h->nfields; i++)
			h->cols[i] = (scan_zeek_col){.name_off = off[i]};
		h->typed = false;
		header_classify(h);
	} else if (kn == 6 && memcmp(s, "#types", 6) == 0) {
		h->ntypes = header_words(v, vn, h->sep, h->types, h->type_off);
		h->typed = h->ntypes > 0;
		header_classify(h);
	}
}

static bool field_is(const char *s, size_t n, const char *word, size_t len)
{
	return len == n && memcmp(s, word, n) == 0;
}

/* Column i of the row holds s[0..n): note it if it carries a value. */
static void row_field(scan_reader *r, uint32_t i, const char *s, size_t n)
{
	const scan_zeek_header *h = &r->zh;
	const scan_zeek_col *c = &h->cols[i];
	if (n == 0 || field_is(s, n, h->unset, h->unset_len) ||
	    field_is(s, n, h->empty, h->empty_len))
		return;
	if (c->cls == SCAN_C_TIME) {
		scan_time_note(r, s, n);
		return;
	}
	const char *field = c->cls == SCAN_C_URL_PATH ? "url" : h->names + c->name_off;
	unsigned flags = (c->set ? SCAN_F_SET : 0) | (memchr(s, '\\', n) ? SCAN_F_ZEEK_ESC : 0);
	scan_cand_add(r, field, s, n, (scan_class)c->cls, flags);
}

static int row_skip(scan_reader *r)
{
	r->ncand = 0;
	r->stats.skipped++;
	return 0;
}

int scan_zeek_tsv_line(scan_reader *r, const char *s, size_t n)
{
	scan_zeek_header *h = &r->zh;
	if (n > 0 && s[0] == '#') {
		if (n >= 11 && memcmp(s, "#separator ", 11) == 0 && r->reset_line == 0) {
			r->reset_line = r->line;
			r->at_reset = r->stats;
			if (r->stop_at_reset)
				return SCAN_STOP_RESET;
		}
		header_line(h, s, n);
		return 0;
	}
	if (n == 0)
		return 0;
	if (h->nfields == 0)
		return row_skip(r);
	/* Visit the separators 64 bytes at a time: the first `last` of them
	 * end the columns looked at, the others are only counted. */
	const char *field = s, *e = s + n;
	uint32_t i = 0, seps = 0;
	for (size_t off = 0; off < n; off += 64) {
		const char *b = s + off;
		uint64_t m = scan_eq_mask(b, n - off < 64 ? n - off : 64, h->sep);
		for (; m && i < h->last; m &= m - 1, i++) {
			const char *q = b + __builtin_ctzll(m);
			if (h->cols[i].cls != SCAN_C_NONE)
				row_field(r, i, field, (size_t)(q - field));
			field = q + 1;
		}
		seps += (uint32_t)__builtin_popcountll(m);
	}
	if (i < h->last && h->cols[i].cls != SCAN_C_NONE)
		row_field(r, i, field, (size_t)(e - field));
	return i + seps + 1 == h->nfields ? scan_cands_emit(r) : row_skip(r);
}
