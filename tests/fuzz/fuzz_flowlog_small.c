/* fuzz_flowlog_small.c: fuzz_flowlog (the JSON-to-rows path, fed in chunks
 * and whole) with the flow-log reader compiled in with small limits: a
 * 1 KiB record buffer, 256-byte strings and numbers, 8 rule groups per
 * record. Small inputs then reach what the real limits (4 MiB, 1 MiB,
 * 100000) keep out of libFuzzer's reach: records handed over in chunks and
 * every limit's error path. */
#define FUZZ_SMALL_GROUPS 8
#include "small_reader.h"

#include "fuzz_flowlog.c"
