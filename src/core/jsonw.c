/*
 * jsonw.c - streaming JSON writer (see core.h).
 *
 * The writer keeps one flag per nesting level saying whether a member was
 * already written there, which is all it needs to place commas. Strings
 * are copied in runs between characters that need escaping, so plain ASCII
 * costs one memcpy. UTF-8 is validated as it is copied: an invalid
 * sequence is written as \ufffd, keeping the output valid JSON whatever
 * bytes a log line carried.
 */
#include <stdio.h>
#include <string.h>

#include "core/core.h"

void jsonw_init(jsonw *w, sol_buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->first[0] = true;
}

static void put(jsonw *w, const char *p, size_t n)
{
	if (w->rc == 0)
		w->rc = buf_append(w->out, p, n);
}

/* Before any value or key: the comma, unless first at this level. */
static void sep(jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
}

static void open_level(jsonw *w, char c)
{
	sep(w);
	put(w, &c, 1);
	if (w->depth + 1 < JSONW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_level(jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	put(w, &c, 1);
}

void jsonw_object_begin(jsonw *w)
{
	open_level(w, '{');
}
void jsonw_object_end(jsonw *w)
{
	close_level(w, '}');
}
void jsonw_array_begin(jsonw *w)
{
	open_level(w, '[');
}
void jsonw_array_end(jsonw *w)
{
	close_level(w, ']');
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void put_escaped(jsonw *w, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;
	put(w, "\"", 1);
	while (i < len) {
		unsigned char c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		size_t u = c >= 0x80 ? utf8_len(p + i, len - i) : 0;
		if (u) {
			i += u;
			run += u;
			continue;
		}
		put(w, (const char *)p + i - run, run);
		run = 0;
		char esc[8];
		switch (c) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				put(w, esc, 6);
			} else {
				put(w, "\\ufffd", 6);
			}
		}
		i++;
	}
	put(w, (const char *)p + i - run, run);
	put(w, "\"", 1);
}

void jsonw_key(jsonw *w, const char *key)
{
	sep(w);
	put_escaped(w, key, strlen(key));
	put(w, ":", 1);
	w->after_key = true;
}

void jsonw_string(jsonw *w, const char *s, size_t len)
{
	sep(w);
	put_escaped(w, s, len);
}

void jsonw_cstr(jsonw *w, const char *s)
{
	if (s)
		jsonw_string(w, s, strlen(s));
	else
		jsonw_null(w);
}

void jsonw_int(jsonw *w, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", (long long)v);
	sep(w);
	put(w, num, (size_t)n);
}

void jsonw_bool(jsonw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(jsonw *w)
{
	sep(w);
	put(w, "null", 4);
}

void jsonw_time(jsonw *w, sol_time t)
{
	if (t == SOL_TIME_NONE) {
		jsonw_null(w);
		return;
	}
	char buf[40];
	jsonw_cstr(w, sol_time_format(t, buf, sizeof buf));
}
