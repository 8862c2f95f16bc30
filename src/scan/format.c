/*
 * format.c - names of the log formats, as `--format` takes them and as
 * sightings report them.
 */
#include <string.h>

#include "scan/scan.h"

static const char *const format_names[] = {
    [SCAN_AUTO] = "auto", [SCAN_ZEEK_TSV] = "zeek", [SCAN_ZEEK_JSON] = "zeek-json",
    [SCAN_EVE] = "eve",   [SCAN_TEXT] = "text",
};

const char *scan_format_name(scan_format f)
{
	return (unsigned)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : "?";
}

int scan_format_parse(const char *name, scan_format *out)
{
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*out = (scan_format)i;
			return 0;
		}
	}
	return SOL_EUSAGE;
}
