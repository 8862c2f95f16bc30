/*
 * export.h - turn what may be enforced into the files resolvers, firewalls
 * and sensors already read: DNS RPZ zones, nftables sets, Suricata datasets
 * and IP reputation, Zeek Intel files, CSV, STIX 2.1 bundles, MISP feeds.
 *
 * (The export engineer completes this header.)
 */
#ifndef SOL_EXPORT_H
#define SOL_EXPORT_H

#include "core/core.h"
#include "index/index.h"
#include "store/store.h"

typedef enum export_format {
	EXPORT_RPZ,
	EXPORT_NFT,
	EXPORT_SURICATA,
	EXPORT_ZEEK,
	EXPORT_CSV,
	EXPORT_STIX,
	EXPORT_MISP,
	EXPORT_FORMAT_COUNT
} export_format;

const char *export_format_name(export_format f); /* "rpz", "nft", ... */
int export_format_parse(const char *name, export_format *out);

#endif
