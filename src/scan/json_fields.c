/*
 * json_fields.c - a tiny JSON walker for log lines, and the key tables the
 * JSON formats look their fields up in.
 *
 * The walker reads one line holding one JSON object and reports every
 * string and number with its dotted key path: {"dns":{"answers":[{"rdata":
 * "x"}]}} gives ("dns.answers.rdata", "x"). Array elements share their
 * array's path, so arrays of strings and arrays of objects need nothing
 * special. It builds no tree and copies nothing but nested paths (a
 * top-level key is its own path): a string is reported as the raw bytes
 * between its quotes (found sixteen bytes at a time by scan_find) and a flag
 * saying whether they hold escapes, so the caller decodes only the
 * few values it keeps. It checks structure (brackets, commas, colons,
 * literals) but not every JSON rule (number syntax, control characters):
 * the point is to find where values are and whether the record is whole.
 * A path longer than SCAN_JSON_PATH_MAX is not reported, and nesting past
 * SCAN_JSON_DEPTH makes the line malformed.
 *
 * A key table (scan_keys) sorts its rules by key length: a key is compared
 * only with the rules of its own length, and a key of a length no rule has
 * costs one bit test. That keeps the per-field cost of a 60-field EVE
 * record low.
 */
#include <string.h>

#include "scan/scan_int.h"

typedef struct json_walk {
	const char *p;                 /* next byte */
	const char *end;               /* end of the line */
	const scan_keys *filter;       /* key table whose heads are descended into, or NULL */
	scan_json_fn fn;               /* callback */
	void *ctx;                     /* its context */
	int depth;                     /* containers open */
	unsigned lost;                 /* > 0 while inside a key whose path did not fit */
	size_t plen;                   /* bytes of path in use */
	char path[SCAN_JSON_PATH_MAX]; /* dotted key path */
} json_walk;

/* The bytes a number is made of: digits, sign, point, exponent. */
static const bool json_number_byte[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['-'] = 1, ['+'] = 1, ['.'] = 1, ['e'] = 1, ['E'] = 1,
};

static void skip_blanks(json_walk *w)
{
	while (w->p < w->end && (*w->p == ' ' || *w->p == '\t' || *w->p == '\r' || *w->p == '\n'))
		w->p++;
}

/* At the byte after an opening quote: the closing one, or NULL. Sets *esc
 * if the string holds a backslash escape. */
static const char *string_end(const char *p, const char *end, bool *esc)
{
	*esc = false;
	for (;;) {
		p = scan_find(p, end, '"', '\\');
		if (p >= end)
			return NULL;
		if (*p == '"')
			return p;
		*esc = true;
		p += 2;
		if (p > end)
			return NULL;
	}
}

static int walk_value(json_walk *w, const char *path, size_t plen);

/* Can no rule of k take a scalar at path[0..plen)? (The tests of
 * scan_keys_find that need no compare.) Then it is checked, not reported. */
static bool path_unwanted(const scan_keys *k, const char *path, size_t plen)
{
	if (plen < SCAN_KEY_LEN_MAX && (k->lens >> plen & 1))
		return false;
	return !(k->prefix && plen > k->prefix_len &&
		 memcmp(path, k->prefix->key, k->prefix_len) == 0);
}

/* Past the opening '{' or '[': true when the container closes at once. */
static bool container_empty(json_walk *w, char close)
{
	w->p++;
	skip_blanks(w);
	if (w->p < w->end && *w->p == close) {
		w->p++;
		return true;
	}
	return false;
}

/* After a member: 1 past the closing character, 0 past a ',' (another
 * member follows), -1 on anything else. */
static int container_next(json_walk *w, char close)
{
	skip_blanks(w);
	if (w->p >= w->end)
		return -1;
	if (*w->p == close) {
		w->p++;
		return 1;
	}
	if (*w->p != ',')
		return -1;
	w->p++;
	skip_blanks(w);
	return 0;
}

/* An object whose keys extend the path in w->path[0..w->plen). At the
 * top level (plen 0) a key is its own path and is not copied. */
static int walk_object(json_walk *w)
{
	if (container_empty(w, '}'))
		return 0;
	size_t base = w->plen;
	for (;;) {
		if (w->p >= w->end || *w->p != '"')
			return -1;
		bool esc;
		const char *key = w->p + 1, *q = string_end(key, w->end, &esc);
		if (!q)
			return -1;
		size_t klen = (size_t)(q - key);
		const char *path = key;
		size_t plen = klen;
		if (base > 0 && w->lost == 0) {
			if (base + 1 + klen > sizeof w->path) {
				path = NULL;
			} else {
				w->path[base] = '.';
				memcpy(w->path + base + 1, key, klen);
				path = w->path;
				plen = base + 1 + klen;
			}
		}
		w->p = q + 1;
		skip_blanks(w);
		if (w->p >= w->end || *w->p != ':')
			return -1;
		w->p++;
		skip_blanks(w);
		if (path && w->filter && w->p < w->end && *w->p != '{' && *w->p != '[' &&
		    path_unwanted(w->filter, path, plen))
			path = NULL;
		if (!path)
			w->lost++;
		int rc = walk_value(w, path, plen);
		if (!path)
			w->lost--;
		w->plen = base;
		if (rc != 0)
			return -1;
		int next = container_next(w, '}');
		if (next != 0)
			return next < 0 ? -1 : 0;
	}
}

/* An array: its elements share its path. */
static int walk_array(json_walk *w, const char *path, size_t plen)
{
	if (container_empty(w, ']'))
		return 0;
	for (;;) {
		if (walk_value(w, path, plen) != 0)
			return -1;
		int next = container_next(w, ']');
		if (next != 0)
			return next < 0 ? -1 : 0;
	}
}

static int walk_literal(json_walk *w, const char *word, size_t len)
{
	if ((size_t)(w->end - w->p) < len || memcmp(w->p, word, len) != 0)
		return -1;
	w->p += len;
	return 0;
}

/* A value at path[0..plen) (NULL while lost). */
static int walk_value(json_walk *w, const char *path, size_t plen)
{
	if (w->p >= w->end)
		return -1;
	switch (*w->p) {
	case '"': {
		bool esc;
		const char *s = w->p + 1, *q = string_end(s, w->end, &esc);
		if (!q)
			return -1;
		if (w->lost == 0)
			w->fn(w->ctx, path, plen, s, (size_t)(q - s), SCAN_JSON_STRING, esc);
		w->p = q + 1;
		return 0;
	}
	case '{':
	case '[': {
		if (++w->depth > SCAN_JSON_DEPTH)
			return -1;
		int rc;
		if (*w->p == '[') {
			rc = walk_array(w, path, plen);
		} else {
			/* Nested keys extend the path, so it must be in w->path;
			 * under a top-level key no rule starts with, nothing is
			 * reported. */
			bool lose = w->lost == 0 && path != w->path &&
				    (plen >= sizeof w->path ||
				     (w->filter && !scan_keys_head(w->filter, path, plen)));
			if (w->lost == 0 && path != w->path && !lose)
				memcpy(w->path, path, plen);
			w->plen = plen;
			w->lost += lose;
			rc = walk_object(w);
			w->lost -= lose;
		}
		w->depth--;
		return rc;
	}
	case 't': return walk_literal(w, "true", 4);
	case 'f': return walk_literal(w, "false", 5);
	case 'n': return walk_literal(w, "null", 4);
	default: {
		const char *s = w->p;
		while (w->p < w->end && json_number_byte[(unsigned char)*w->p])
			w->p++;
		if (w->p == s)
			return -1;
		if (w->lost == 0)
			w->fn(w->ctx, path, plen, s, (size_t)(w->p - s), SCAN_JSON_NUMBER, false);
		return 0;
	}
	}
}

int scan_json_walk(const char *s, size_t n, const scan_keys *filter, scan_json_fn fn, void *ctx)
{
	json_walk w = {.p = s, .end = s + n, .filter = filter, .fn = fn, .ctx = ctx};
	skip_blanks(&w);
	if (w.p >= w.end || *w.p != '{')
		return -1;
	w.depth = 1;
	if (walk_object(&w) != 0)
		return -1;
	skip_blanks(&w);
	return w.p == w.end ? 0 : -1;
}

/* Append code point cp as UTF-8; returns bytes written or 0 if no room. */
static size_t put_utf8(uint32_t cp, char *out, size_t room)
{
	size_t len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	if (len > room)
		return 0;
	if (len == 1) {
		out[0] = (char)cp;
	} else if (len == 2) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
	} else if (len == 3) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[0] = (char)(0xf0 | cp >> 18);
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
	}
	return len;
}

static int hex4(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

size_t scan_json_unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\') {
			if (++i >= n)
				return (size_t)-1;
			switch (s[i]) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '"':
			case '\\':
			case '/': c = s[i]; break;
			case 'u': {
				uint32_t cp, lo;
				if (n - i < 5 || hex4(s + i + 1, &cp) != 0)
					return (size_t)-1;
				i += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && n - i >= 7 && s[i + 1] == '\\' &&
				    s[i + 2] == 'u' && hex4(s + i + 3, &lo) == 0 && lo >= 0xdc00 &&
				    lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				} else if (cp >= 0xd800 && cp < 0xe000) {
					return (size_t)-1;
				}
				size_t k = put_utf8(cp, out + len, cap - len - 1);
				if (k == 0)
					return (size_t)-1;
				len += k;
				continue;
			}
			default: return (size_t)-1;
			}
		}
		if (len + 1 >= cap)
			return (size_t)-1;
		out[len++] = c;
	}
	out[len] = '\0';
	return len;
}

void scan_keys_init(scan_keys *k, const scan_rule *rules, size_t n)
{
	memset(k, 0, sizeof *k);
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		const char *key = rules[i].key, *dot = strchr(key, '.');
		size_t len = strlen(key);
		if (len >= 2 && memcmp(key + len - 2, ".*", 2) == 0) {
			k->prefix = &rules[i];
			k->prefix_len = len - 1;
		}
		if (dot && !scan_keys_head(k, key, (size_t)(dot - key)) &&
		    k->nheads < SCAN_KEYS_MAX) {
			k->heads[k->nheads] = key;
			k->head_len[k->nheads++] = (uint8_t)(dot - key);
		}
	}
	for (size_t len = 1; len < SCAN_KEY_LEN_MAX; len++) {
		k->start[len] = (uint8_t)used;
		for (size_t i = 0; i < n && used < SCAN_KEYS_MAX; i++) {
			if (strlen(rules[i].key) == len) {
				k->first[used] = rules[i].key[0];
				k->final[used] = rules[i].key[len - 1];
				k->order[used++] = &rules[i];
				k->count[len]++;
				k->lens |= (uint64_t)1 << len;
			}
		}
	}
}

bool scan_keys_head(const scan_keys *k, const char *key, size_t n)
{
	for (uint32_t i = 0; i < k->nheads; i++)
		if (k->head_len[i] == n && memcmp(k->heads[i], key, n) == 0)
			return true;
	return false;
}

const scan_rule *scan_keys_find(const scan_keys *k, const char *key, size_t n)
{
	if (n < SCAN_KEY_LEN_MAX && (k->lens >> n & 1)) {
		for (size_t i = k->start[n], e = i + k->count[n]; i < e; i++)
			if (k->first[i] == key[0] && k->final[i] == key[n - 1] &&
			    memcmp(k->order[i]->key, key, n) == 0)
				return k->order[i];
	}
	if (k->prefix && n > k->prefix_len && memcmp(k->prefix->key, key, k->prefix_len) == 0)
		return k->prefix;
	return NULL;
}

/* Walker callback of scan_json_line: keep what the key table knows. */
static void json_field(void *ctx, const char *path, size_t plen, const char *val, size_t vlen,
		       int type, bool esc)
{
	scan_reader *r = ctx;
	const scan_rule *rule = scan_keys_find(&r->keys, path, plen);
	if (!rule)
		return;
	if (rule->cls == SCAN_C_TIME) {
		if (!esc)
			scan_time_note(r, val, vlen);
	} else if (type == SCAN_JSON_STRING) {
		scan_cand_add(r, rule->field, val, vlen, rule->cls, esc ? SCAN_F_JSON_ESC : 0);
	}
}

int scan_json_line(scan_reader *r, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return 0;
	if (scan_json_walk(s + i, n - i, &r->keys, json_field, r) != 0) {
		r->ncand = 0;
		r->stats.skipped++;
		return 0;
	}
	return scan_cands_emit(r);
}
