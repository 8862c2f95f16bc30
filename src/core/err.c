/*
 * err.c - the one error convention: 0 or a negative SOL_E*, detail in a
 * caller-owned sol_err (see core.h). Functions fill err once, at the place
 * that knows what went wrong; callers higher up only add a prefix to where
 * ("feed.json" before ":4:16").
 */
#include <stdio.h>
#include <string.h>

#include "core/core.h"

int sol_fail(sol_err *err, int code, const char *where, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	snprintf(err->where, sizeof err->where, "%s", where ? where : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

void sol_err_prefix(sol_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	char prefix[sizeof err->where];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	char old[sizeof err->where];
	memcpy(old, err->where, sizeof old);
	if (old[0] == '\0')
		snprintf(err->where, sizeof err->where, "%s", prefix);
	else if (old[0] == ':' || old[0] == '$' || old[0] == '[')
		snprintf(err->where, sizeof err->where, "%s%s%s", prefix, old[0] == '$' ? ":" : "",
			 old);
	else
		snprintf(err->where, sizeof err->where, "%s:%s", prefix, old);
}

void sol_err_clear(sol_err *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

int sol_exit_status(int code)
{
	switch (code) {
	case SOL_OK: return SOL_EXIT_OK;
	case SOL_ENOTFOUND: return SOL_EXIT_NONE;
	case SOL_EUSAGE:
	case SOL_EPARSE:
	case SOL_EINVALID:
	case SOL_ETOOBIG:
	case SOL_ECONFLICT: return SOL_EXIT_INPUT;
	default: return SOL_EXIT_FAIL;
	}
}
