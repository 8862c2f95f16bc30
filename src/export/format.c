/*
 * format.c - the names of the export formats, as `solidarity export` and
 * the HTTP paths take them.
 */
#include <string.h>

#include "export/export.h"

static const char *const format_names[EXPORT_FORMAT_COUNT] = {
    [EXPORT_RPZ] = "rpz",   [EXPORT_NFT] = "nft", [EXPORT_SURICATA] = "suricata",
    [EXPORT_ZEEK] = "zeek", [EXPORT_CSV] = "csv", [EXPORT_STIX] = "stix",
    [EXPORT_MISP] = "misp",
};

const char *export_format_name(export_format f)
{
	return (unsigned)f < EXPORT_FORMAT_COUNT ? format_names[f] : "?";
}

int export_format_parse(const char *name, export_format *out)
{
	for (int i = 0; i < EXPORT_FORMAT_COUNT; i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*out = (export_format)i;
			return 0;
		}
	}
	return SOL_EUSAGE;
}
