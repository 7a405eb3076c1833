/* replay.c: runs a fuzz harness's entry point over files, without
 * libFuzzer, so that `make check` replays the corpus with any C compiler
 * (gcc with ASan and UBSan here; clang and libFuzzer are needed only for
 * `make fuzz`). Linked with one harness: each file given is read into a
 * buffer of exactly its size (so that AddressSanitizer sees a read past its
 * end) and handed to LLVMFuzzerTestOneInput once, as libFuzzer would replay
 * it. Like libFuzzer's replay it fails on a crash or sanitizer report (the
 * sanitizers abort), on an input that runs longer than --timeout seconds,
 * and when the process's peak memory passes --rss-limit-mb. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *current = "";

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "replay: timeout on ";
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, current, strlen(current)) < 0 ||
        write(2, "\n", 1) < 0)
        _exit(2);
    _exit(1);
}

/* Reads path whole into a buffer of exactly its size (one byte for an
 * empty file: libFuzzer hands such inputs over as a valid pointer and 0). */
static int read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 0, n = 0;
    uint8_t *buf = NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    *size = n;
    *data = malloc(n ? n : 1); /* exactly n bytes: a read past them is caught */
    if (!*data) {
        free(buf);
        return -1;
    }
    if (n)
        memcpy(*data, buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned timeout = 10;
    long rss_limit_mb = 256;
    int first = 1;
    while (first < argc && strncmp(argv[first], "--", 2) == 0) {
        if (strncmp(argv[first], "--timeout=", 10) == 0)
            timeout = (unsigned)atoi(argv[first] + 10);
        else if (strncmp(argv[first], "--rss-limit-mb=", 15) == 0)
            rss_limit_mb = atol(argv[first] + 15);
        else {
            fprintf(stderr, "usage: %s [--timeout=S] [--rss-limit-mb=M] FILE...\n", argv[0]);
            return 2;
        }
        first++;
    }
    signal(SIGALRM, on_alarm);
    int inputs = 0;
    for (int i = first; i < argc; i++) {
        uint8_t *data;
        size_t size;
        current = argv[i];
        if (read_file(argv[i], &data, &size) != 0) {
            fprintf(stderr, "replay: %s: cannot read: %s\n", argv[i], strerror(errno));
            return 1;
        }
        alarm(timeout);
        LLVMFuzzerTestOneInput(data, size);
        alarm(0);
        free(data);
        inputs++;
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss / 1024 > rss_limit_mb) {
            fprintf(stderr, "replay: out of memory: %ld MB after %s (limit %ld MB)\n",
                    ru.ru_maxrss / 1024, argv[i], rss_limit_mb);
            return 1;
        }
    }
    printf("replay: %d input%s ok\n", inputs, inputs == 1 ? "" : "s");
    return 0;
}
