/* fuzz_tuple.c: fuzzes the flow-tuple parser (ingest/tuple.c) and the IP
 * address parser under it. The input bytes are one tuple's text, parsed as
 * each format (NSG v1, NSG v2, VNet v4, and unknown = guessed from the
 * shape) and given to tuple_guess_format; every outcome is checked against
 * the parser's contract (fuzz_check.h): ranges of every field, the encryption
 * pointer inside the input, a printable NUL-terminated reason on failure. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    static const enum flow_format formats[] = {
        FORMAT_NSG_V1, FORMAT_NSG_V2, FORMAT_VNET_V4, FORMAT_UNKNOWN,
    };
    struct flow_tuple t[4];
    int rc[4];
    for (int i = 0; i < 4; i++)
        rc[i] = fuzz_parse_tuple(s, size, formats[i], &t[i]);

    enum flow_format g = tuple_guess_format(s, size);
    FUZZ_CHECK(g == FORMAT_UNKNOWN || g == FORMAT_NSG_V1 ||
                   g == FORMAT_NSG_V2 || g == FORMAT_VNET_V4,
               "tuple_guess_format gave %d", (int)g);
    FUZZ_CHECK(strcmp(flow_format_name(g), "") != 0, "empty format name");

    /* FORMAT_UNKNOWN is the guessed format: same outcome, same fields. */
    int gi = g == FORMAT_NSG_V1 ? 0 : g == FORMAT_NSG_V2 ? 1
           : g == FORMAT_VNET_V4 ? 2 : -1;
    if (gi < 0) {
        FUZZ_CHECK(rc[3] != 0, "a tuple of unknown shape parsed");
    } else {
        FUZZ_CHECK(rc[3] == rc[gi], "unknown format gave %d, %s gave %d",
                   rc[3], flow_format_name(g), rc[gi]);
        if (rc[3] == 0)
            FUZZ_CHECK(memcmp(&t[3], &t[gi], sizeof t[3]) == 0,
                       "unknown format parsed other fields than %s",
                       flow_format_name(g));
    }
    /* A tuple that parses as a format has that format's shape. */
    if (rc[0] == 0)
        FUZZ_CHECK(g == FORMAT_NSG_V1, "parsed as v1 but guessed %d", (int)g);
    if (rc[1] == 0 || rc[2] == 0)
        FUZZ_CHECK(g == FORMAT_NSG_V2 || g == FORMAT_VNET_V4,
                   "parsed with 13 fields but guessed %d", (int)g);
    return 0;
}
