/* small_reader.h: the flow-log reader (ingest/flowlog.c) compiled into a
 * harness with small limits: a 1 KiB record buffer, 256-byte strings and
 * numbers, FUZZ_SMALL_GROUPS rule groups per record (default 16). Small
 * inputs then reach what the real limits (4 MiB, 1 MiB, 100000) keep out of
 * libFuzzer's reach: records handed over in chunks and every limit's error
 * path. Include it first, instead of ingest/flowlog.h. */
#include "ingest/flowlog.h"
#ifndef FUZZ_SMALL_GROUPS
#define FUZZ_SMALL_GROUPS 16
#endif
#undef FLOWLOG_RECORD_BUFFER
#define FLOWLOG_RECORD_BUFFER 1024u
#undef FLOWLOG_MAX_TOKEN
#define FLOWLOG_MAX_TOKEN 256u
#undef FLOWLOG_MAX_GROUPS
#define FLOWLOG_MAX_GROUPS FUZZ_SMALL_GROUPS
#include "ingest/flowlog.c"
