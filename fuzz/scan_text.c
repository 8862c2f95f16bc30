/*
 * scan_text.c - fuzz the scanner on free text: never crash, never
 * overread, and find the same hits however the input is chunked
 * (scan_fuzz.h).
 */
#include "scan_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_scan(data, size, SCAN_TEXT);
	return 0;
}
