/* fuzz_flowlog_small.c: fuzz_flowlog (the JSON-to-rows path, fed in chunks
 * and whole) with the flow-log reader compiled in with small limits: a
 * 1 KiB record buffer, 256-byte strings and numbers, 8 rule groups per
 * record. Small inputs then reach what the real limits (4 MiB, 1 MiB,
 * 100000) keep out of libFuzzer's reach: records handed over in chunks and
 * every limit's error path. */
#include "ingest/flowlog.h"
#undef FLOWLOG_RECORD_BUFFER
#define FLOWLOG_RECORD_BUFFER 1024u
#undef FLOWLOG_MAX_TOKEN
#define FLOWLOG_MAX_TOKEN 256u
#undef FLOWLOG_MAX_GROUPS
#define FLOWLOG_MAX_GROUPS 8
#include "ingest/flowlog.c"

#include "fuzz_flowlog.c"
