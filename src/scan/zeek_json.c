/*
 * zeek_json.c - Zeek logs written as JSON (LogAscii::use_json): one object
 * per line whose keys are the TSV column names, "id.orig_h" included as a
 * flat key (a nested {"id":{"orig_h":...}} gives the same dotted path).
 *
 * There are no #types here, so the class of a value comes from its name
 * alone (scan_zeek_rules in zeek_tsv.c); sets are JSON arrays, whose
 * elements the walker reports one by one. "ts" is epoch seconds or ISO
 * 8601 depending on LogAscii::json_timestamps.
 */
#include "scan/scan_int.h"

void scan_zeek_json_keys(scan_keys *k)
{
	scan_keys_init(k, scan_zeek_rules, scan_zeek_nrules);
}

int scan_zeek_json_line(scan_reader *r, const char *s, size_t n)
{
	return scan_json_line(r, s, n);
}
