/* cli.c: the command line every command shares (see cli.h). */
#include "cli.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "escape.h"
#include "exitcode.h"

#define NAME_MAX_LEN 64 /* longer words are no typo of a name */

int cli_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > NAME_MAX_LEN || m > NAME_MAX_LEN)
        return NAME_MAX_LEN;
    /* three rows of the table: i - 2, i - 1 and i */
    int rows[3][NAME_MAX_LEN + 1];
    int *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int d = prev[j] + 1;                       /* dropped */
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;                    /* added */
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;                /* changed */
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                before[j - 2] + 1 < d)
                d = before[j - 2] + 1;                 /* neighbours swapped */
            cur[j] = d;
        }
        int *t = before;
        before = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

int cli_suggest(const char *word, const char *const *names, size_t n, const char *prefix,
                char *out, size_t size)
{
    size_t len = strlen(word);
    int chosen[n ? n : 1];
    int found = 0;
    out[0] = '\0';
    if (!len)
        return 0;
    for (size_t i = 0; i < n; i++) {
        chosen[i] = strncmp(names[i], word, len) == 0;
        found += chosen[i];
    }
    if (!found) {
        int best = 3;
        for (size_t i = 0; i < n; i++) {
            int d = cli_distance(word, names[i]);
            chosen[i] = d < 3 && (size_t)d < len ? d : 99;
            if (chosen[i] < best)
                best = chosen[i];
        }
        for (size_t i = 0; i < n; i++) {
            chosen[i] = chosen[i] == best;
            found += chosen[i];
        }
    }
    size_t used = 0;
    int shown = 0;
    for (size_t i = 0; i < n && shown < found; i++) {
        if (!chosen[i])
            continue;
        if (shown == 4) {
            snprintf(out + used, size - used, ", ...");
            break;
        }
        const char *sep = !shown ? "" : shown == found - 1 ? " or " : ", ";
        int w = snprintf(out + used, size - used, "%s'%s%s'", sep, prefix, names[i]);
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
        shown++;
    }
    return found;
}

int cli_getopt(int argc, char *const *argv, const char *shortopts,
               const struct option *longopts)
{
    opterr = 0;
    return getopt_long(argc, argv, shortopts, longopts, NULL);
}

/* The long option that name (up to '=' or its end) stands for: itself or
 * the one it is the beginning of. NULL when none or several. */
static const struct option *long_option(const char *name, size_t len,
                                        const struct option *longopts)
{
    const struct option *match = NULL;
    int n = 0;
    for (const struct option *o = longopts; o->name; o++) {
        if (strncmp(o->name, name, len) != 0)
            continue;
        if (strlen(o->name) == len)
            return o;
        match = o;
        n++;
    }
    return n == 1 ? match : NULL;
}

int cli_bad_option(const char *command, char *const *argv, const char *shortopts,
                   const struct option *longopts)
{
    const char *names[64];
    size_t nnames = 0;
    for (const struct option *o = longopts; o->name && nnames < 64; o++)
        names[nnames++] = o->name;
    /* 'nsgflow help config' for "config import" */
    char topic[32];
    snprintf(topic, sizeof topic, "%.*s", (int)strcspn(command, " "), command);
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    char hint[400];
    if (strncmp(arg, "--", 2) == 0 && arg[2]) {
        const char *name = arg + 2;
        size_t len = strcspn(name, "=");
        char word[NAME_MAX_LEN + 1];
        snprintf(word, sizeof word, "%.*s", (int)(len < NAME_MAX_LEN ? len : NAME_MAX_LEN), name);
        const struct option *o = long_option(name, len, longopts);
        if (optopt == 0) { /* no such option, or the beginning of several */
            int begun = 0;
            for (size_t i = 0; i < nnames; i++)
                begun += strncmp(names[i], name, len) == 0;
            int n = cli_suggest(word, names, nnames, "--", hint, sizeof hint);
            if (begun > 1)
                msg(stderr, "nsgflow %s: option '--%s' is ambiguous. Did you mean %s?\n",
                    command, word, hint);
            else if (n)
                msg(stderr, "nsgflow %s: unknown option '--%s'. Did you mean %s?\n", command,
                    word, hint);
            else
                msg(stderr, "nsgflow %s: unknown option '--%s'. Try 'nsgflow help %s'.\n",
                    command, word, topic);
            return EXIT_USAGE;
        }
        if (o && o->val == optopt) {
            if (name[len] == '=' && o->has_arg == no_argument)
                msg(stderr, "nsgflow %s: --%s takes no value ('%s'). Try 'nsgflow help %s'.\n",
                    command, o->name, arg, topic);
            else
                msg(stderr, "nsgflow %s: --%s needs a value. Try 'nsgflow help %s'.\n", command,
                    o->name, topic);
            return EXIT_USAGE;
        }
    }
    const char *known = optopt && optopt != ':' ? strchr(shortopts, optopt) : NULL;
    if (known && known[1] == ':') {
        msg(stderr, "nsgflow %s: -%c needs a value. Try 'nsgflow help %s'.\n", command, optopt,
            topic);
        return EXIT_USAGE;
    }
    /* -since for --since: the word this short option began */
    const char *word = NULL;
    const char *candidates[2] = {argv[optind] ? argv[optind] : "", arg};
    for (int i = 0; i < 2 && !word; i++)
        if (candidates[i][0] == '-' && candidates[i][1] == optopt && candidates[i][2] &&
            candidates[i][1] != '-')
            word = candidates[i] + 1;
    if (word) {
        char w[NAME_MAX_LEN + 1];
        size_t len = strcspn(word, "=");
        snprintf(w, sizeof w, "%.*s", (int)(len < NAME_MAX_LEN ? len : NAME_MAX_LEN), word);
        if (cli_suggest(w, names, nnames, "--", hint, sizeof hint) > 0) {
            msg(stderr, "nsgflow %s: unknown option '-%s'. Did you mean %s?\n", command, w, hint);
            return EXIT_USAGE;
        }
    }
    msg(stderr, "nsgflow %s: unknown option '-%c'. Try 'nsgflow help %s'.\n", command,
        optopt > ' ' && optopt < 127 ? optopt : '?', topic);
    return EXIT_USAGE;
}

int cli_width(FILE *f)
{
    int fd = fileno(f);
    if (fd < 0 || !isatty(fd))
        return 0;
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *columns = getenv("COLUMNS");
    char *end;
    long c = columns ? strtol(columns, &end, 10) : 0;
    if (columns && *columns && !*end && c > 0 && c <= 10000)
        return (int)c;
    return 80;
}

int cli_color(FILE *f)
{
    const char *no_color = getenv("NO_COLOR");
    int fd = fileno(f);
    return fd >= 0 && isatty(fd) && !(no_color && *no_color);
}

const char *cli_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/* ------------------------------------------------------------------ */
/* stop signals                                                       */

static const char *stop_command;
static _Atomic(const char *) stop_note_text;
static _Atomic(const char *) stop_path;

static void put_err(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Only async-signal-safe calls: unlink, write, _exit. */
static void on_stop(int sig)
{
    const char *path = atomic_load(&stop_path);
    if (path)
        unlink(path);
    put_err("nsgflow ");
    put_err(stop_command);
    put_err(": stopped by ");
    put_err(cli_signal_name(sig));
    put_err(": ");
    put_err(atomic_load(&stop_note_text));
    put_err("\n");
    _exit(EXIT_STOPPED + sig);
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void cli_on_stop(const char *command, const char *note)
{
    stop_command = command;
    atomic_store(&stop_note_text, note);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    stop_signals(&sa.sa_mask); /* one message, whatever comes next */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cli_stop_note(const char *note)
{
    atomic_store(&stop_note_text, note);
}

void cli_stop_hold(void)
{
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void cli_stop_release(const char *note)
{
    if (note)
        atomic_store(&stop_note_text, note);
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void cli_stop_remove(const char *path)
{
    atomic_store(&stop_path, path);
}
