/*
 * scan_eve.c - fuzz the scanner on Suricata EVE JSON: never crash, never
 * overread, and find the same hits however the input is chunked
 * (scan_fuzz.h).
 */
#include "scan_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_scan(data, size, SCAN_EVE);
	return 0;
}
