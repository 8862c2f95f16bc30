/*
 * reader.c - the scan_reader: format detection, line splitting across
 * chunks, and the one place where values become hits.
 *
 * Lines. scan_reader_feed finds newlines with memchr and hands each
 * complete line to the scanner of the format, straight from the caller's
 * chunk. Only a line that spans chunks is copied, into the carry buffer,
 * whose cap is SCAN_MAX_LINE: a longer line is dropped as it streams past
 * and counted as skipped, so memory stays bounded whatever the input. A
 * trailing '\r' is removed. With SCAN_AUTO the first non-blank line
 * decides the format (scan_detect), so feeding byte by byte and feeding
 * the whole input at once see the same thing.
 *
 * Values. The format scanners call scan_cand_add for every interesting
 * value of a record, then scan_cands_emit once the record proved whole.
 * Emitting decodes JSON or Zeek escapes into r->tmp, splits Zeek sets,
 * reads the value by its class (an address, a name, an email address
 * inside "Name <addr>", a hash with or without colons, a URL), normalises
 * it with obs_parse, looks it up and calls back once per indicator hit.
 * The http URL is built last from the record's host and path. Values
 * that miss are remembered in the reader's negative cache (scan_int.h),
 * so the resolver address on every line of a dns.log costs one hash.
 */
#include <string.h>

#include "scan/scan_int.h"

/* ---- detection ------------------------------------------------------- */

static bool line_has(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

scan_format scan_detect(const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) : len;
	if (n >= 10 && memcmp(data, "#separator", 10) == 0)
		return SCAN_ZEEK_TSV;
	size_t i = 0;
	while (i < n && (data[i] == ' ' || data[i] == '\t'))
		i++;
	if (i < n && data[i] == '{') {
		if (line_has(data, n, "\"event_type\""))
			return SCAN_EVE;
		if (line_has(data, n, "\"ts\"") || line_has(data, n, "\"_path\"") ||
		    line_has(data, n, "\"id.orig_h\""))
			return SCAN_ZEEK_JSON;
	}
	return SCAN_TEXT;
}

static void reader_set_format(scan_reader *r, scan_format fmt)
{
	r->fmt = fmt;
	if (fmt == SCAN_ZEEK_JSON)
		scan_zeek_json_keys(&r->keys);
	else if (fmt == SCAN_EVE)
		scan_eve_keys(&r->keys);
}

/* ---- reader life ----------------------------------------------------- */

scan_reader *scan_reader_new(const index_snapshot *ix, scan_format fmt, const char *input)
{
	scan_reader *r = xcalloc(1, sizeof *r);
	r->ix = ix;
	r->input = xstrdup(input ? input : "-");
	buf_init(&r->carry, SCAN_MAX_LINE);
	scan_zeek_tsv_init(&r->zh);
	r->ts = SOL_TIME_NONE;
	reader_set_format(r, fmt);
	return r;
}

void scan_reader_free(scan_reader *r)
{
	if (!r)
		return;
	buf_fini(&r->carry);
	free(r->input);
	if (!r->cache_lent)
		scan_cache_free(r->cache);
	free(r);
}

scan_cache *scan_cache_new(void)
{
	return xcalloc(1, sizeof(scan_cache));
}

void scan_cache_free(scan_cache *c)
{
	free(c);
}

void scan_reader_lend_cache(scan_reader *r, scan_cache *c)
{
	if (!r->cache_lent)
		scan_cache_free(r->cache);
	r->cache = c;
	r->cache_lent = true;
}

scan_format scan_reader_format(const scan_reader *r)
{
	return r->fmt;
}

const scan_stats *scan_reader_stats(const scan_reader *r)
{
	return &r->stats;
}

void scan_reader_set_index(scan_reader *r, const index_snapshot *ix)
{
	r->ix = ix;
	if (r->cache) /* what missed before may hit now */
		memset(r->cache, 0, sizeof *r->cache);
}

void scan_reader_inherit(scan_reader *r, const scan_reader *from, uint64_t first_line)
{
	if (r->fmt == SCAN_AUTO)
		reader_set_format(r, from->fmt);
	r->zh = from->zh;
	r->line = first_line > 0 ? first_line - 1 : 0;
}

/* ---- lines ----------------------------------------------------------- */

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static int scan_line(scan_reader *r, const char *s, size_t n)
{
	r->line++;
	r->stats.lines++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (r->fmt == SCAN_AUTO) {
		if (is_blank(s, n))
			return 0;
		reader_set_format(r, scan_detect(s, n));
	}
	r->ts = SOL_TIME_NONE;
	r->ts_raw = NULL;
	r->ncand = 0;
	switch (r->fmt) {
	case SCAN_ZEEK_TSV: return scan_zeek_tsv_line(r, s, n);
	case SCAN_ZEEK_JSON: return scan_zeek_json_line(r, s, n);
	case SCAN_EVE: return scan_eve_line(r, s, n);
	default: return scan_text_line(r, s, n);
	}
}

static void skip_overlong(scan_reader *r)
{
	r->line++;
	r->stats.lines++;
	r->stats.skipped++;
}

/* Add p[0..n) to the carried line, or drop it all once it is too long. */
static void carry_append(scan_reader *r, const char *p, size_t n)
{
	if (r->overlong)
		return;
	if (buf_append(&r->carry, p, n) != 0) {
		r->overlong = true;
		buf_reset(&r->carry);
	}
}

/* The carried line is complete: scan it (or count it) and forget it. */
static int carry_flush(scan_reader *r)
{
	int rc = 0;
	if (r->overlong)
		skip_overlong(r);
	else
		rc = scan_line(r, r->carry.len ? r->carry.data : "", r->carry.len);
	r->overlong = false;
	buf_reset(&r->carry);
	return rc;
}

int scan_reader_feed(scan_reader *r, const char *data, size_t len, bool final, scan_hit_fn fn,
		     void *ctx)
{
	const char *p = data, *end = data + len;
	int rc = 0;
	r->fn = fn;
	r->ctx = ctx;
	r->stats.bytes += len;
	if (r->carry.len > 0 || r->overlong) {
		const char *nl = len ? memchr(p, '\n', len) : NULL;
		if (!nl) {
			carry_append(r, p, len);
			return final ? carry_flush(r) : 0;
		}
		carry_append(r, p, (size_t)(nl - p));
		p = nl + 1;
		if ((rc = carry_flush(r)) != 0)
			return rc;
	}
	for (const char *nl; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		size_t n = (size_t)(nl - p);
		if (n > SCAN_MAX_LINE)
			skip_overlong(r);
		else if ((rc = scan_line(r, p, n)) != 0)
			return rc;
	}
	if (p < end) {
		carry_append(r, p, (size_t)(end - p));
		if (final)
			return carry_flush(r);
	}
	return 0;
}

/* ---- values ---------------------------------------------------------- */

sol_time scan_time_parse(const char *s, size_t n)
{
	size_t i = 0;
	int64_t sec = 0, frac = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9' && i < 12) /* 12 digits: no overflow */
		sec = sec * 10 + (s[i++] - '0');
	if (i > 0 && (i == n || s[i] == '.')) {
		if (i < n)
			i++;
		for (int d = 0; d < 6; d++)
			frac = frac * 10 + (i < n && s[i] >= '0' && s[i] <= '9' ? s[i++] - '0' : 0);
		return sec * 1000000 + frac;
	}
	/* ISO 8601: rewrite as STIX "YYYY-MM-DDTHH:MM:SS.ffffffZ" for core. */
	if (n < 19 || (s[10] != 'T' && s[10] != ' '))
		return SOL_TIME_NONE;
	char text[32];
	memcpy(text, s, 19);
	text[10] = 'T';
	size_t t = 19;
	i = 19;
	if (i < n && s[i] == '.') {
		text[t++] = s[i++];
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (t < 26)
				text[t++] = s[i];
			i++;
		}
	}
	text[t++] = 'Z';
	text[t] = '\0';
	int64_t off = 0;
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		const char *z = s + i + 1;
		size_t zn = n - i - 1;
		bool colon = zn == 5 && z[2] == ':';
		if (zn != 4 && !colon)
			return SOL_TIME_NONE;
		int hh = (z[0] - '0') * 10 + (z[1] - '0');
		int mm = (z[colon ? 3 : 2] - '0') * 10 + (z[colon ? 4 : 3] - '0');
		off = (int64_t)(hh * 60 + mm) * 60 * 1000000 * (s[i] == '-' ? -1 : 1);
	} else if (!(i + 1 == n && s[i] == 'Z') && i != n) {
		return SOL_TIME_NONE;
	}
	sol_time out;
	if (sol_time_parse(text, &out) != 0)
		return SOL_TIME_NONE;
	return out - off;
}

void scan_cand_add(scan_reader *r, const char *field, const char *s, size_t n, scan_class cls,
		   unsigned flags)
{
	if (r->ncand >= SCAN_MAX_CANDS || n > SCAN_VALUE_MAX)
		return;
	r->cand[r->ncand++] = (scan_cand){
	    .field = field, .s = s, .n = (uint32_t)n, .cls = (uint8_t)cls, .flags = (uint8_t)flags};
}

/*
 * Whether this (field, value, indicator) hit was already reported for the
 * current line (a record may carry one value twice, as EVE's dns.rrname
 * in the query and in each answer); remembers it if not.
 */
static bool hit_seen(scan_reader *r, const char *field, uint32_t ind)
{
	if (r->seen_line != r->line) {
		r->seen_line = r->line;
		r->nseen = 0;
	}
	uint64_t key = sol_hash64(r->val.norm, r->val.len) ^
		       sol_hash64(field, strlen(field)) * 0x9e3779b97f4a7c15u ^ ind;
	for (size_t i = 0; i < r->nseen; i++)
		if (r->seen[i] == key)
			return true;
	if (r->nseen < SCAN_SEEN_MAX)
		r->seen[r->nseen++] = key;
	return false;
}

int scan_lookup(scan_reader *r, const char *field)
{
	r->stats.values++;
	size_t n = index_lookup(r->ix, &r->val, r->hits, INDEX_MAX_HITS);
	if (n > INDEX_MAX_HITS)
		n = INDEX_MAX_HITS;
	r->matches += n > 0;
	if (n > 0 && r->ts_raw) {
		r->ts = scan_time_parse(r->ts_raw, r->ts_len);
		r->ts_raw = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (hit_seen(r, field, r->hits[i].ind))
			continue;
		r->stats.hits++;
		scan_hit h = {.input = r->input,
			      .line = r->line,
			      .ts = r->ts,
			      .field = field,
			      .observed = &r->val,
			      .hit = &r->hits[i]};
		int rc = r->fn(r->ctx, &h);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static bool all_ipv4_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '.' || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Parse s as a value of class cls into r->val; -1 if it is not one. */
static int value_parse(scan_reader *r, const char *s, size_t n, scan_class cls)
{
	switch (cls) {
	case SCAN_C_IP:
		if (obs_parse(s, n, memchr(s, ':', n) ? OBS_IPV6 : OBS_IPV4, &r->val) != 0)
			return -1;
		return r->val.kind == OBS_IPV4 || r->val.kind == OBS_IPV6 ? 0 : -1;
	case SCAN_C_NAME:
	case SCAN_C_URL_HOST: {
		/* "host:port" (an http Host header) is the host. */
		const char *colon = memchr(s, ':', n);
		if (colon && !memchr(colon + 1, ':', n - (size_t)(colon + 1 - s)) &&
		    colon + 1 < s + n && all_ipv4_chars(colon + 1, n - (size_t)(colon + 1 - s)) &&
		    !memchr(colon + 1, '.', n - (size_t)(colon + 1 - s)))
			n = (size_t)(colon - s);
		if (memchr(s, ':', n) || all_ipv4_chars(s, n))
			return value_parse(r, s, n, SCAN_C_IP);
		return obs_parse(s, n, OBS_DOMAIN, &r->val);
	}
	case SCAN_C_EMAIL: {
		const char *lt = memchr(s, '<', n);
		if (lt) {
			const char *gt = memchr(lt, '>', n - (size_t)(lt - s));
			if (!gt)
				return -1;
			s = lt + 1;
			n = (size_t)(gt - s);
		}
		return obs_parse(s, n, OBS_EMAIL, &r->val);
	}
	case SCAN_C_HASH: {
		char hex[129];
		size_t h = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i] == ':')
				continue;
			if (h == sizeof hex - 1)
				return -1;
			hex[h++] = s[i];
		}
		obs_kind want = h == 32    ? OBS_MD5
				: h == 40  ? OBS_SHA1
				: h == 64  ? OBS_SHA256
				: h == 128 ? OBS_SHA512
					   : OBS_NONE;
		return want == OBS_NONE ? -1 : obs_parse(hex, h, want, &r->val);
	}
	case SCAN_C_URL: return obs_parse(s, n, OBS_URL, &r->val);
	case SCAN_C_ANY: return obs_parse(s, n, OBS_NONE, &r->val);
	default: return -1;
	}
}

/*
 * The negative cache's hash of s[0..n) (n <= SCAN_CACHE_KEY_MAX) read as
 * cls: eight bytes at a time, multiplied and folded, the last (partial)
 * word read as overlapping loads rather than byte by byte. Inline and
 * cheaper than a general hash, which matters as every value of every line
 * is hashed; the slot's key is compared anyway, so it need only spread.
 */
static uint64_t cache_hash(const char *s, size_t n, scan_class cls)
{
	const uint64_t k = 0x9e3779b97f4a7c15u;
	uint64_t h = ((uint64_t)n << 8 | (uint64_t)cls) * k, w = 0;
	uint32_t lo, hi;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (n >= 8 && i < n) {
		memcpy(&w, s + n - 8, 8);
	} else if (n >= 4 && i < n) {
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		w = (uint64_t)hi << 32 | lo;
	} else if (i < n) {
		w = (uint64_t)(unsigned char)s[0] << 16 | (uint64_t)(unsigned char)s[n / 2] << 8 |
		    (unsigned char)s[n - 1];
	}
	h = (h ^ w) * k;
	return (h ^ h >> 32) | 1;
}

/* Does the slot's key equal s[0..n) (n == slot->len)? Like cache_hash,
 * by words with an overlapping last one, not a libc call per value. */
static bool cache_key_equal(const scan_cache_slot *slot, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;
	if (n < 4)
		return memcmp(slot->key, s, n) == 0;
	if (n < 8) {
		memcpy(&c, slot->key, 4);
		memcpy(&d, s, 4);
		if (c != d)
			return false;
		memcpy(&c, slot->key + n - 4, 4);
		memcpy(&d, s + n - 4, 4);
		return c == d;
	}
	for (size_t i = 0; i + 8 < n; i += 8) {
		memcpy(&a, slot->key + i, 8);
		memcpy(&b, s + i, 8);
		if (a != b)
			return false;
	}
	memcpy(&a, slot->key + n - 8, 8);
	memcpy(&b, s + n - 8, 8);
	return a == b;
}

bool scan_memo_begin(scan_reader *r, const char *s, size_t n, scan_class cls, scan_memo *m)
{
	m->slot = NULL;
	m->values = r->stats.values;
	m->matches = r->matches;
	if (n > SCAN_CACHE_KEY_MAX)
		return false;
	if (!r->cache)
		r->cache = scan_cache_new();
	m->hash = cache_hash(s, n, cls);
	scan_cache_slot *slot = &r->cache->slot[m->hash & (SCAN_CACHE_SLOTS - 1)];
	if (slot->hash == m->hash && slot->len == n && slot->cls == cls &&
	    cache_key_equal(slot, s, n)) {
		r->stats.values += slot->values;
		return true;
	}
	m->slot = slot;
	return false;
}

void scan_memo_end(scan_reader *r, const char *s, size_t n, scan_class cls, const scan_memo *m)
{
	uint64_t values = r->stats.values - m->values;
	if (!m->slot || r->matches != m->matches || values > UINT8_MAX)
		return;
	*m->slot = (scan_cache_slot){
	    .hash = m->hash, .len = (uint8_t)n, .cls = (uint8_t)cls, .values = (uint8_t)values};
	memcpy(m->slot->key, s, n);
}

int scan_value_emit(scan_reader *r, const char *field, const char *s, size_t n, scan_class cls)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	scan_memo m;
	if (scan_memo_begin(r, s, n, cls, &m))
		return 0;
	int rc = value_parse(r, s, n, cls) == 0 ? scan_lookup(r, field) : 0;
	scan_memo_end(r, s, n, cls, &m);
	return rc;
}

/* Zeek's \xHH escapes of s[0..n) into out; length or -1. */
static size_t zeek_unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && n - i >= 4 && s[i + 1] == 'x') {
			static const char hexd[] = "0123456789abcdef";
			const char *hi = memchr(hexd, s[i + 2] | 0x20, 16);
			const char *lo = memchr(hexd, s[i + 3] | 0x20, 16);
			if (hi && lo && s[i + 2] && s[i + 3]) {
				c = (char)((hi - hexd) << 4 | (lo - hexd));
				i += 3;
			}
		}
		if (len + 1 >= cap)
			return (size_t)-1;
		out[len++] = c;
	}
	out[len] = '\0';
	return len;
}

/* The candidate's bytes with escapes decoded into out (if it has any);
 * sets *s and returns the length, or (size_t)-1. */
static size_t cand_bytes(const scan_cand *c, char *out, size_t cap, const char **s)
{
	*s = c->s;
	if (c->flags & SCAN_F_JSON_ESC) {
		*s = out;
		return scan_json_unescape(c->s, c->n, out, cap);
	}
	if (c->flags & SCAN_F_ZEEK_ESC) {
		*s = out;
		return zeek_unescape(c->s, c->n, out, cap);
	}
	return c->n;
}

static int cand_emit(scan_reader *r, const scan_cand *c)
{
	const char *s;
	size_t n = cand_bytes(c, r->tmp, sizeof r->tmp, &s);
	if (n == (size_t)-1)
		return 0;
	if (!(c->flags & SCAN_F_SET))
		return scan_value_emit(r, c->field, s, n, (scan_class)c->cls);
	for (const char *e = s + n, *sep; s <= e; s = sep + 1) {
		sep = memchr(s, r->zh.set_sep, (size_t)(e - s));
		if (!sep)
			sep = e;
		int rc = scan_value_emit(r, c->field, s, (size_t)(sep - s), (scan_class)c->cls);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* "http://" host path, or the path itself when it is an absolute URL. */
static int url_emit(scan_reader *r, const scan_cand *host, const scan_cand *path)
{
	const char *s;
	size_t n = cand_bytes(path, r->tmp, sizeof r->tmp, &s);
	if (n == (size_t)-1 || n == 0)
		return 0;
	if (memmem(s, n < 16 ? n : 16, "://", 3))
		return scan_value_emit(r, path->field, s, n, SCAN_C_URL);
	if (!host || s[0] != '/')
		return 0;
	const char *h;
	size_t len = 7, hn = cand_bytes(host, r->url + len, sizeof r->url - len, &h);
	if (hn == (size_t)-1 || len + hn + n >= sizeof r->url)
		return 0;
	memcpy(r->url, "http://", 7);
	memmove(r->url + len, h, hn);
	memcpy(r->url + len + hn, s, n);
	return scan_value_emit(r, path->field, r->url, len + hn + n, SCAN_C_URL);
}

int scan_cands_emit(scan_reader *r)
{
	const scan_cand *host = NULL, *path = NULL;
	int rc = 0;
	for (size_t i = 0; i < r->ncand && rc == 0; i++) {
		const scan_cand *c = &r->cand[i];
		if (c->cls == SCAN_C_URL_PATH) {
			path = c;
			continue;
		}
		if (c->cls == SCAN_C_URL_HOST)
			host = c;
		rc = cand_emit(r, c);
	}
	if (rc == 0 && path)
		rc = url_emit(r, host, path);
	r->ncand = 0;
	return rc;
}
