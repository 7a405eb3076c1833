/* test_common.c: the ground floor in common/: the hash table against a
 * reference (removal inside long probe runs and across the end of the
 * table, clear), the bounded queue between two threads, the escapes of
 * outside text for every place it is shown (terminal, HTML, Markdown, CSV,
 * messages, JSON, a real /bin/sh), UTF-8 repair and validation, the string
 * buffer, what test_analyze.c leaves out of command-line times (with
 * offsets and @EPOCH), and the command line's shared parts (cli.h): typos
 * and their suggestions, the message of every kind of bad option, counts
 * in plain grammar, wrapped messages and the JSON writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "common/cli.h"
#include "common/escape.h"
#include "common/hashmap.h"
#include "common/jsonw.h"
#include "common/plural.h"
#include "common/queue.h"
#include "common/strbuf.h"
#include "common/timearg.h"

/* ------------------------------------------------------------------ */
/* hashmap                                                            */

/* A small deterministic generator (xorshift64*). */
static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* The reference: key i of keys[] is present with value vals[i] or not. */
struct ref {
    size_t n;
    int64_t *keys, *vals;
    unsigned char *present;
};

/* Every present key is found with its value, every absent one is not, and
 * the count and an iteration agree. */
static void check_against(struct hashmap *m, const struct ref *r)
{
    size_t present = 0;
    for (size_t i = 0; i < r->n; i++) {
        int64_t *v = hashmap_get(m, &r->keys[i], 0);
        if (r->present[i]) {
            present++;
            if (!v)
                fail_msg("key %lld lost", (long long)r->keys[i]);
            if (*v != r->vals[i])
                fail_msg("key %lld: %lld, want %lld", (long long)r->keys[i], (long long)*v,
                         (long long)r->vals[i]);
        } else if (v) {
            fail_msg("key %lld found after its removal", (long long)r->keys[i]);
        }
    }
    assert_int_equal(m->count, present);
    size_t pos = 0, seen = 0;
    const void *k;
    void *v;
    while (hashmap_next(m, &pos, &k, &v))
        seen++;
    assert_int_equal(seen, present);
}

static void test_hashmap_random_against_reference(void **state)
{
    (void)state;
    enum { KEYS = 2500, STEPS = 6000 };
    struct ref r = {KEYS, calloc(KEYS, 8), calloc(KEYS, 8), calloc(KEYS, 1)};
    assert_non_null(r.keys);
    assert_non_null(r.vals);
    assert_non_null(r.present);
    for (size_t i = 0; i < KEYS; i++) /* spread out, and some negative */
        r.keys[i] = (int64_t)(rnd() >> 1) * (i % 3 ? 1 : -1);
    struct hashmap m;
    hashmap_init(&m, sizeof(int64_t), sizeof(int64_t));
    assert_int_equal(hashmap_remove(&m, &r.keys[0]), 0); /* an empty map */
    assert_null(hashmap_get(&m, &r.keys[0], 0));
    int removed = 0, inserted = 0;
    for (int step = 0; step < STEPS; step++) {
        size_t i = rnd() % KEYS;
        /* inserts win at first, removals later: the map grows then shrinks */
        int insert = (int)(rnd() % 100) < (step < STEPS / 2 ? 70 : 30);
        if (insert) {
            int64_t *v = hashmap_get(&m, &r.keys[i], 1);
            assert_non_null(v);
            if (!r.present[i])
                assert_int_equal(*v, 0); /* values start zeroed */
            assert_int_equal(*v, r.present[i] ? r.vals[i] : 0);
            r.vals[i] = *v = (int64_t)rnd();
            r.present[i] = 1;
            inserted++;
        } else {
            assert_int_equal(hashmap_remove(&m, &r.keys[i]), r.present[i]);
            removed += r.present[i];
            r.present[i] = 0;
        }
        check_against(&m, &r);
    }
    assert_true(inserted > 1000);
    assert_true(removed > 1000);
    /* remove the rest one by one */
    for (size_t i = 0; i < KEYS; i++)
        if (r.present[i]) {
            assert_int_equal(hashmap_remove(&m, &r.keys[i]), 1);
            assert_int_equal(hashmap_remove(&m, &r.keys[i]), 0);
            r.present[i] = 0;
        }
    check_against(&m, &r);
    assert_int_equal(m.count, 0);
    hashmap_free(&m);
    free(r.keys);
    free(r.vals);
    free(r.present);
}

/* The home slot of key in a table of 64 slots, found through the public
 * interface: alone in a fresh map, a key sits in its home slot. */
static size_t home64(int64_t key)
{
    struct hashmap m;
    hashmap_init(&m, sizeof(int64_t), sizeof(int64_t));
    assert_non_null(hashmap_get(&m, &key, 1));
    assert_int_equal(m.cap, 64);
    size_t pos = 0;
    const void *k;
    void *v;
    assert_true(hashmap_next(&m, &pos, &k, &v));
    hashmap_free(&m);
    return pos - 1;
}

/* The slot each key of keys[] sits in (SIZE_MAX when absent). */
static size_t slot_of(const struct hashmap *m, int64_t key)
{
    size_t pos = 0;
    const void *k;
    void *v;
    while (hashmap_next(m, &pos, &k, &v))
        if (*(const int64_t *)k == key)
            return pos - 1;
    return SIZE_MAX;
}

/* Removal inside long probe runs and across the end of the table: keys
 * whose home is one of the last slots fill them and run on into slots 0,
 * 1, ..., where keys whose home is there are pushed further. Every order
 * of removal must leave every other key findable. */
static void test_hashmap_probe_runs_and_wrap(void **state)
{
    (void)state;
    enum { HIGH = 16, LOW = 10, N = HIGH + LOW, SPARE = 6 };
    int64_t keys[N + SPARE];
    int nh = 0, nl = 0, ns = 0;
    for (int64_t x = 1; nh < HIGH || nl < LOW || ns < SPARE; x++) {
        size_t h = home64(x * 7919);
        if (h >= 61 && nh < HIGH)
            keys[nh++] = x * 7919;
        else if (h <= 2 && nl < LOW)
            keys[HIGH + nl++] = x * 7919;
        else if (h >= 30 && h <= 40 && ns < SPARE)
            keys[N + ns++] = x * 7919; /* elsewhere, untouched by the run */
        assert_true(x < 1000000);
    }
    for (int round = 0; round < 300; round++) {
        struct hashmap m;
        hashmap_init(&m, sizeof(int64_t), sizeof(int64_t));
        struct ref r = {N + SPARE, keys, (int64_t[N + SPARE]){0}, (unsigned char[N + SPARE]){0}};
        for (int i = 0; i < N + SPARE; i++) {
            int64_t *v = hashmap_get(&m, &keys[i], 1);
            assert_non_null(v);
            *v = r.vals[i] = 1000 + i;
            r.present[i] = 1;
        }
        assert_int_equal(m.cap, 64); /* 32 keys: no growth, one long run */
        if (round == 0) {
            /* the run really wraps: keys homed at 61..63 sit in 0.. */
            int wrapped = 0;
            for (int i = 0; i < HIGH; i++)
                wrapped += slot_of(&m, keys[i]) < 61;
            assert_true(wrapped >= HIGH - 3);
            for (int i = HIGH; i < N; i++)
                assert_true(slot_of(&m, keys[i]) > 2); /* pushed past their home */
        }
        check_against(&m, &r);
        /* an order of removal: in turn, backwards, then shuffled */
        int order[N + SPARE];
        for (int i = 0; i < N + SPARE; i++)
            order[i] = round == 1 ? N + SPARE - 1 - i : i;
        if (round > 1)
            for (int i = N + SPARE - 1; i > 0; i--) {
                int j = (int)(rnd() % (uint64_t)(i + 1)), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        /* remove most of them, reinserting now and then */
        for (int s = 0; s < N + SPARE; s++) {
            int i = order[s];
            assert_int_equal(hashmap_remove(&m, &keys[i]), 1);
            r.present[i] = 0;
            check_against(&m, &r);
            if (s % 5 == 4) {
                int back = order[s - 2];
                int64_t *v = hashmap_get(&m, &keys[back], 1);
                assert_non_null(v);
                assert_int_equal(*v, 0);
                *v = r.vals[back] = 5000 + s;
                r.present[back] = 1;
                check_against(&m, &r);
            }
        }
        hashmap_free(&m);
    }
}

/* Values are 8-byte aligned after keys of any size, and start zeroed; keys
 * are compared as bytes. */
static void test_hashmap_layout(void **state)
{
    (void)state;
    struct key12 {
        int32_t a, b, c;
    };
    struct hashmap m;
    hashmap_init(&m, sizeof(struct key12), 24);
    for (int i = 0; i < 500; i++) {
        struct key12 k = {i, -i, i * 3};
        unsigned char *v = hashmap_get(&m, &k, 1);
        assert_non_null(v);
        assert_int_equal((uintptr_t)v % 8, 0);
        for (int j = 0; j < 24; j++)
            assert_int_equal(v[j], 0);
        memset(v, 0xab, 24);
        memcpy(v, &i, sizeof i);
    }
    assert_int_equal(m.count, 500);
    for (int i = 0; i < 500; i++) {
        struct key12 k = {i, -i, i * 3};
        int *v = hashmap_get(&m, &k, 0);
        assert_non_null(v);
        assert_int_equal(*v, i);
        assert_int_equal(((unsigned char *)v)[23], 0xab);
        k.c++; /* {i, -i, 3i + 1}: no key */
        assert_null(hashmap_get(&m, &k, 0));
    }
    hashmap_free(&m);
    assert_null(hashmap_get(&m, &(struct key12){1, -1, 3}, 0));
}

/* clear: a big map gives its memory back and works on; a small one keeps
 * its table. Nothing of before is found again, new values are zeroed. */
static void test_hashmap_clear(void **state)
{
    (void)state;
    struct hashmap m;
    hashmap_init(&m, sizeof(int64_t), sizeof(int64_t));
    enum { BIG = 20000 };
    for (int64_t i = 0; i < BIG; i++) {
        int64_t *v = hashmap_get(&m, &i, 1);
        assert_non_null(v);
        *v = i + 1;
    }
    assert_int_equal(m.count, BIG);
    assert_true(m.cap > 4096);
    hashmap_clear(&m);
    assert_int_equal(m.count, 0);
    assert_int_equal(m.cap, 0); /* given back */
    assert_null(m.slots);
    size_t pos = 0;
    const void *k;
    void *v;
    assert_false(hashmap_next(&m, &pos, &k, &v));
    for (int64_t i = 0; i < BIG; i += 97)
        assert_null(hashmap_get(&m, &i, 0));
    assert_int_equal(hashmap_remove(&m, &(int64_t){5}), 0);
    for (int64_t i = 0; i < BIG; i += 2) {
        int64_t *p = hashmap_get(&m, &i, 1);
        assert_non_null(p);
        assert_int_equal(*p, 0);
        *p = -i;
    }
    assert_int_equal(m.count, BIG / 2);
    for (int64_t i = 0; i < BIG; i++) {
        int64_t *p = hashmap_get(&m, &i, 0);
        if (i % 2) {
            assert_null(p);
        } else {
            assert_non_null(p);
            assert_int_equal(*p, -i);
        }
    }
    hashmap_free(&m);

    /* a small map keeps its table */
    hashmap_init(&m, sizeof(int64_t), sizeof(int64_t));
    for (int64_t i = 0; i < 30; i++)
        *(int64_t *)hashmap_get(&m, &i, 1) = 7;
    size_t cap = m.cap;
    hashmap_clear(&m);
    assert_int_equal(m.count, 0);
    assert_int_equal(m.cap, cap);
    for (int64_t i = 0; i < 30; i++)
        assert_null(hashmap_get(&m, &i, 0));
    pos = 0;
    assert_false(hashmap_next(&m, &pos, &k, &v));
    assert_int_equal(*(int64_t *)hashmap_get(&m, &(int64_t){3}, 1), 0);
    hashmap_free(&m);
}

/* ------------------------------------------------------------------ */
/* queue                                                              */

enum { ITEMS = 100000 };

struct producer {
    struct queue *q;
    int pushed, failed_after_close;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (uintptr_t i = 1; i <= ITEMS; i++) {
        if (queue_push(p->q, (void *)i) != 0)
            return NULL;
        p->pushed++;
    }
    queue_close(p->q);
    p->failed_after_close = queue_push(p->q, (void *)1) == -1;
    return NULL;
}

static void test_queue_threads(void **state)
{
    (void)state;
    struct queue q;
    assert_int_equal(queue_init(&q, 2), 0);
    struct producer p = {&q, 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
    uintptr_t want = 1;
    void *item;
    while ((item = queue_pop(&q)) != NULL) {
        if ((uintptr_t)item != want)
            fail_msg("item %lu, want %lu", (unsigned long)(uintptr_t)item, (unsigned long)want);
        want++;
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(want - 1, ITEMS);
    assert_int_equal(p.pushed, ITEMS);
    assert_true(p.failed_after_close);
    assert_null(queue_pop(&q)); /* closed and empty: at once */
    assert_int_equal(queue_push(&q, &q), -1);
    queue_destroy(&q);
}

static void *pop_one(void *arg)
{
    return queue_pop(arg);
}

static void *push_two(void *arg)
{
    struct queue *q = arg;
    queue_push(q, (void *)1); /* fills the queue of 1 */
    return (void *)(intptr_t)queue_push(q, (void *)2); /* waits: then -1 */
}

/* close wakes a consumer waiting on an empty queue and a producer waiting
 * on a full one; what was queued is still handed out after close. */
static void test_queue_close(void **state)
{
    (void)state;
    struct queue q;
    assert_int_equal(queue_init(&q, 0), -1);
    assert_int_equal(queue_init(&q, QUEUE_MAX + 1), -1);
    assert_int_equal(queue_init(&q, QUEUE_MAX), 0);
    for (uintptr_t i = 1; i <= QUEUE_MAX; i++)
        assert_int_equal(queue_push(&q, (void *)i), 0);
    queue_close(&q);
    assert_int_equal(queue_push(&q, (void *)99), -1);
    for (uintptr_t i = 1; i <= QUEUE_MAX; i++)
        assert_ptr_equal(queue_pop(&q), (void *)i);
    assert_null(queue_pop(&q));
    queue_destroy(&q);

    assert_int_equal(queue_init(&q, 1), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, pop_one, &q), 0);
    usleep(20000); /* let it wait */
    queue_close(&q);
    void *got = &q;
    assert_int_equal(pthread_join(t, &got), 0);
    assert_null(got);
    queue_destroy(&q);

    assert_int_equal(queue_init(&q, 1), 0);
    assert_int_equal(pthread_create(&t, NULL, push_two, &q), 0);
    usleep(20000);
    queue_close(&q);
    assert_int_equal(pthread_join(t, &got), 0);
    assert_int_equal((intptr_t)got, -1);
    assert_ptr_equal(queue_pop(&q), (void *)1);
    assert_null(queue_pop(&q));
    queue_destroy(&q);
}

/* ------------------------------------------------------------------ */
/* escapes                                                            */

/* The unsafe characters (as UTF-8) and neighbours of them that are plain. */
#define ESC "\x1b"
#define NEL "\xc2\x85"  /* U+0085, C1 */
#define CSI "\xc2\x9b"  /* U+009B, C1 */
#define APC "\xc2\x9f"  /* U+009F, the last C1 */
#define LRE "\xe2\x80\xaa"
#define RLE "\xe2\x80\xab"
#define PDF "\xe2\x80\xac"
#define LRO "\xe2\x80\xad"
#define RLO "\xe2\x80\xae"
#define LRI "\xe2\x81\xa6"
#define RLI "\xe2\x81\xa7"
#define FSI "\xe2\x81\xa8"
#define PDI "\xe2\x81\xa9"
#define LRM "\xe2\x80\x8e"
#define RLM "\xe2\x80\x8f"
#define ALM "\xd8\x9c"
#define FFFD "\xef\xbf\xbd"

/* Each unsafe character on its own, and the plain ones next to them. */
static const char *const controls[] = {"\x01", "\x07", ESC, "\x0b", "\x0c", "\x1f", "\x7f",
                                       "\xc2\x80", NEL, CSI, APC};
static const char *const bidi[] = {LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM};
static const char *const plain[] = {
    "\xc2\xa0",       /* U+00A0, after the C1 block */
    "\xd8\x9b",       /* U+061B, before ALM */
    "\xd8\x9d",       /* U+061D */
    "\xe2\x80\x8d",   /* U+200D, before LRM */
    "\xe2\x80\x90",   /* U+2010, after RLM */
    "\xe2\x80\xa9",   /* U+2029, before LRE */
    "\xe2\x80\xaf",   /* U+202F, after RLO */
    "\xe2\x81\xa5",   /* U+2065, before LRI */
    "\xe2\x81\xaa",   /* U+206A, after PDI */
    "\xc3\xa9",       /* é */
    "\xe2\x82\xac",   /* € */
    "\xf0\x9f\x98\x80", /* U+1F600 */
    "\xf4\x8f\xbf\xbf", /* U+10FFFF */
};

/* Invalid UTF-8, and what each target writes for it: one U+FFFD per byte
 * that cannot begin or continue a character here. */
static const struct {
    const char *in, *repaired, *msg, *json;
} invalid[] = {
    {"\xff", FFFD, "\\xff", "\\ufffd"},
    {"\xed\xb0\x80", FFFD FFFD FFFD, "\\xed\\xb0\\x80", "\\ufffd\\ufffd\\ufffd"}, /* U+DC00 */
    {"\xc0\xaf", FFFD FFFD, "\\xc0\\xaf", "\\ufffd\\ufffd"},                         /* overlong / */
    {"\xe2\x82", FFFD FFFD, "\\xe2\\x82", "\\ufffd\\ufffd"},                         /* € cut short */
    {"\xe2\x82" "z", FFFD FFFD "z", "\\xe2\\x82z", "\\ufffd\\ufffdz"},
    {"\xe0\x80\x80", FFFD FFFD FFFD, "\\xe0\\x80\\x80", "\\ufffd\\ufffd\\ufffd"},    /* overlong NUL */
    {"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD, "\\xf4\\x90\\x80\\x80",
     "\\ufffd\\ufffd\\ufffd\\ufffd"},                                                /* > U+10FFFF */
    {"\x80", FFFD, "\\x80", "\\ufffd"},                                              /* lone continuation */
};

typedef void (*putter)(FILE *, const char *);

/* What fn writes for s. */
static char *render(putter fn, const char *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    fn(f, s);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void expect(putter fn, const char *name, const char *in, const char *want)
{
    char *got = render(fn, in);
    if (strcmp(got, want) != 0) {
        char g[512], w[512];
        snprintf(g, sizeof g, "%s", got);
        snprintf(w, sizeof w, "%s", want);
        free(got);
        /* shown through json_quote, so the failure message is readable */
        struct strbuf a = {0};
        char line[2048];
        strbuf_printf(&a, "%s(", name);
        json_quote(&a, in);
        strbuf_puts(&a, "): ");
        json_quote(&a, g);
        strbuf_puts(&a, ", want ");
        json_quote(&a, w);
        snprintf(line, sizeof line, "%s", strbuf_text(&a));
        strbuf_free(&a);
        fail_msg("%s", line);
    }
    free(got);
}

static void term_clean_to(FILE *out, const char *s)
{
    char buf[512];
    term_clean(s, buf, sizeof buf);
    fputs(buf, out);
}

static void msg_s(FILE *out, const char *s)
{
    msg(out, "%s", s);
}

static void json_to(FILE *out, const char *s)
{
    struct strbuf b = {0};
    json_quote(&b, s);
    assert_false(strbuf_failed(&b));
    fputs(strbuf_text(&b), out);
    strbuf_free(&b);
}

static const struct {
    const char *name;
    putter fn;
} putters[] = {
    {"put_term", put_term}, {"term_clean", term_clean_to}, {"put_html", put_html},
    {"put_md", put_md},     {"put_csv", put_csv},
};

/* Wraps want as fn writes a plain cell: CSV cells come quoted. */
static void expect_text(int t, const char *in, const char *want)
{
    char w[512];
    if (putters[t].fn == put_csv)
        snprintf(w, sizeof w, "\"%s\"", want);
    else
        snprintf(w, sizeof w, "%s", want);
    expect(putters[t].fn, putters[t].name, in, w);
}

/* Every target drops the C0/C1 controls (put_md shows them as a space) and
 * the bidirectional controls, keeps their plain neighbours, and writes
 * invalid UTF-8 as U+FFFD. */
static void test_escape_unsafe_characters(void **state)
{
    (void)state;
    char in[64], want[64];
    for (size_t t = 0; t < sizeof putters / sizeof putters[0]; t++) {
        int md = putters[t].fn == put_md;
        for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
            snprintf(in, sizeof in, "ab%sc", controls[i]);
            expect_text((int)t, in, md ? "ab c" : "abc");
            snprintf(in, sizeof in, "%s%s", controls[i], controls[i]);
            expect_text((int)t, in, md ? "  " : "");
        }
        for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
            snprintf(in, sizeof in, "ab%sc%s", bidi[i], bidi[i]);
            expect_text((int)t, in, "abc");
        }
        for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
            snprintf(in, sizeof in, "a%sb", plain[i]);
            expect_text((int)t, in, in);
        }
        for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
            snprintf(in, sizeof in, "a%sb", invalid[i].in);
            snprintf(want, sizeof want, "a%sb", invalid[i].repaired);
            expect_text((int)t, in, want);
            expect_text((int)t, invalid[i].in, invalid[i].repaired);
        }
        expect_text((int)t, "", "");
    }
    /* an escape sequence loses its ESC, and with it its meaning */
    expect(put_term, "put_term", "red" ESC "[31m!" ESC "]0;title\x07", "red[31m!]0;title");
}

/* Tab, newline and carriage return, and each target's own escapes. */
static void test_escape_targets(void **state)
{
    (void)state;
    const char *ws = "a\tb\nc\rd";
    expect(put_term, "put_term", ws, "abcd");
    expect(term_clean_to, "term_clean", ws, "a b cd");
    expect(put_html, "put_html", ws, "a b cd");
    expect(put_md, "put_md", ws, "a b c d");
    expect(put_csv, "put_csv", ws, "\"a\tb\ncd\"");

    expect(put_html, "put_html", "<a href=\"x\" title='y'>&amp;</a>",
           "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    expect(put_md, "put_md", "*a* _b_ `c` [d](e) #f |g| ~h~ {i} \\j <k> &l",
           "\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\#f \\|g\\| \\~h\\~ \\{i\\} \\\\j &lt;k&gt; &amp;l");
    expect(put_csv, "put_csv", "say \"hi\", bye", "\"say \"\"hi\"\", bye\"");
    expect(put_csv, "put_csv", "=1+1", "\"'=1+1\"");
    expect(put_csv, "put_csv", "+1", "\"'+1\"");
    expect(put_csv, "put_csv", "-1", "\"'-1\"");
    expect(put_csv, "put_csv", "@SUM(A1)", "\"'@SUM(A1)\"");
    expect(put_csv, "put_csv", "\t=1", "\"'\t=1\"");
    expect(put_csv, "put_csv", "\r=1", "\"'=1\"");
    expect(put_csv, "put_csv", "a=1", "\"a=1\"");
    expect(put_csv, "put_csv", "", "\"\"");

    /* term_clean: a buffer too small cuts between characters */
    char buf[8];
    term_clean("ab\xe2\x82\xac\xe2\x82\xac", buf, sizeof buf); /* ab€€: 8 bytes */
    assert_string_equal(buf, "ab\xe2\x82\xac");
    term_clean("abcdefghij", buf, sizeof buf);
    assert_string_equal(buf, "abcdefg");
    term_clean("\xff\xff\xff", buf, sizeof buf);
    assert_string_equal(buf, FFFD FFFD);
    term_clean("abc", buf, 1);
    assert_string_equal(buf, "");
    buf[0] = 'x';
    term_clean("abc", buf, 0); /* nothing written */
    assert_int_equal(buf[0], 'x');
}

/* Regression (failed against commit 9239915, where put_csv decided on the
 * formula guard by the first byte of its input and then dropped unsafe
 * characters): a cell that starts with a control or bidirectional
 * character followed by = + - @ must still get its leading '. */
static void test_csv_formula_after_dropped_character(void **state)
{
    (void)state;
    expect(put_csv, "put_csv", "\x01=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
    expect(put_csv, "put_csv", RLO "=1+1", "\"'=1+1\"");
    expect(put_csv, "put_csv", ESC ESC "@x", "\"'@x\"");
}

/* msg: every unsafe character as an escape; the final newline stays. */
static void test_msg(void **state)
{
    (void)state;
    expect(msg_s, "msg", "file " ESC "[2J\r" RLO "gpj.exe\n",
           "file \\x1b[2J\\r\\u202egpj.exe\n");
    expect(msg_s, "msg", "one\ntwo\n", "one\\ntwo\n");
    expect(msg_s, "msg", "one\ntwo", "one\\ntwo");
    expect(msg_s, "msg", "tab\there\x7f" NEL LRI ALM, "tab\\there\\x7f\\x85\\u2066\\u061c");
    expect(msg_s, "msg", "\n", "\n");
    expect(msg_s, "msg", "\n\n", "\\n\n");
    expect(msg_s, "msg", "", "");
    expect(msg_s, "msg", "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        expect(msg_s, "msg", invalid[i].in, invalid[i].msg);
    for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
        char *got = render(msg_s, bidi[i]);
        assert_int_equal(strlen(got), 6); /* \uXXXX */
        assert_memory_equal(got, "\\u", 2);
        free(got);
    }

    /* through the format: arguments and the format's text alike */
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    msg(f, "nsgflow: %s: %d\n", "a\rb", 42);
    msg(f, "x" ESC "y %s\n", "");
    assert_int_equal(fclose(f), 0);
    assert_string_equal(buf, "nsgflow: a\\rb: 42\nx\\x1by \n");
    free(buf);

    /* a message longer than the stack buffer */
    struct strbuf big = {0}, want = {0};
    for (int i = 0; i < 600; i++) {
        strbuf_puts(&big, "ab" ESC);
        strbuf_puts(&want, "ab\\x1b");
    }
    strbuf_puts(&big, "\n");
    strbuf_puts(&want, "\n");
    expect(msg_s, "msg", strbuf_text(&big), strbuf_text(&want));
    strbuf_free(&big);
    strbuf_free(&want);
}

/* The output of sh_quote as one word of a real /bin/sh gives the word back,
 * byte for byte, and runs nothing. */
static void test_sh_quote_round_trip(void **state)
{
    (void)state;
    static const char *const words[] = {
        "plain", "with spaces", "  lead and trail  ", "$(id)", "`id`", "a;b", "a|b", "a&b",
        "a&&b||c", "line1\nline2", "\n", "end\n", "it's", "'", "''", "'\\''", "\"double\"",
        "back\\slash", "\\", "\\\\n", "*", "~", "~root", "!", "!!", "$HOME", "${IFS}", "$((1+1))",
        "#comment", "-n", "--", "%s%d%n", "a\tb", "> /tmp/x", "<(id)", "{a,b}", "[a]",
        "caf\xc3\xa9 " RLO "txt", "x\x01y", "",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        struct strbuf q = {0}, cmd = {0};
        sh_quote(&q, words[i]);
        assert_false(strbuf_failed(&q));
        const char *qt = strbuf_text(&q);
        /* in single quotes, each ' as '\'' */
        assert_int_equal(qt[0], '\'');
        assert_int_equal(qt[q.len - 1], '\'');
        strbuf_printf(&cmd, "sh -c 'printf %%s \"$1\"' sh %s", qt);
        FILE *p = popen(strbuf_text(&cmd), "r");
        assert_non_null(p);
        char out[256];
        size_t n = fread(out, 1, sizeof out, p);
        int status = pclose(p);
        assert_int_equal(status, 0);
        if (n != strlen(words[i]) || memcmp(out, words[i], n) != 0)
            fail_msg("sh_quote: %s came back as %.*s", qt, (int)n, out);
        strbuf_free(&q);
        strbuf_free(&cmd);
    }
    struct strbuf q = {0};
    sh_quote(&q, "it's");
    assert_string_equal(strbuf_text(&q), "'it'\\''s'");
    strbuf_free(&q);
    sh_quote(&q, "");
    assert_string_equal(strbuf_text(&q), "''");
    strbuf_free(&q);
}

/* utf8_repair and utf8_valid: NUL bytes and invalid sequences. */
static void test_utf8(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(utf8_repair("a\0b", 3, out, sizeof out), 5);
    assert_memory_equal(out, "a" FFFD "b", 6); /* NUL-terminated */
    assert_int_equal(utf8_repair("\0", 1, out, sizeof out), 3);
    assert_string_equal(out, FFFD);
    assert_int_equal(utf8_repair("", 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        size_t n = strlen(invalid[i].in);
        size_t len = utf8_repair(invalid[i].in, n, out, sizeof out);
        assert_string_equal(out, invalid[i].repaired);
        assert_int_equal(len, strlen(invalid[i].repaired));
        assert_false(utf8_valid(invalid[i].in, n));
        assert_true(utf8_valid(out, len));
    }
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        size_t n = strlen(plain[i]);
        assert_true(utf8_valid(plain[i], n));
        assert_int_equal(utf8_repair(plain[i], n, out, sizeof out), n);
        assert_string_equal(out, plain[i]);
        /* cut short anywhere inside the character: invalid */
        for (size_t k = 1; k < n; k++)
            assert_false(utf8_valid(plain[i], k));
    }
    /* controls and bidi characters are valid UTF-8: repair keeps them */
    assert_true(utf8_valid(ESC RLO NEL "\x7f", 7));
    assert_int_equal(utf8_repair(RLO, 3, out, sizeof out), 3);
    assert_string_equal(out, RLO);
    assert_false(utf8_valid("ab\0", 3));
    assert_true(utf8_valid("ab\0", 2));
    assert_true(utf8_valid("", 0));
    assert_false(utf8_valid("\xed\xa0\x80", 3)); /* U+D800 */
    assert_true(utf8_valid("\xed\x9f\xbf", 3));  /* U+D7FF */
    assert_false(utf8_valid("\xf8\x88\x80\x80\x80", 5));

    /* 3 * n + 1 always suffices: n bad bytes */
    char bad[40], big[3 * 40 + 1];
    memset(bad, 0xff, sizeof bad);
    assert_int_equal(utf8_repair(bad, sizeof bad, big, sizeof big), 3 * sizeof bad);
    assert_true(utf8_valid(big, 3 * sizeof bad));
    /* a full buffer stops between characters */
    assert_int_equal(utf8_repair("ab\xe2\x82\xac" "cd", 7, out, 6), 5);
    assert_string_equal(out, "ab\xe2\x82\xac");
    assert_int_equal(utf8_repair("ab\xe2\x82\xac", 5, out, 5), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(utf8_repair("\xff", 1, out, 3), 0);
    assert_string_equal(out, "");
    out[0] = 'x';
    assert_int_equal(utf8_repair("abc", 3, out, 0), 0);
    assert_int_equal(out[0], 'x');
}

/* json_quote: the escapes literally, and the output read back by a JSON
 * parser gives the input (invalid UTF-8 as U+FFFD). */
static void test_json_quote(void **state)
{
    (void)state;
    /* every C0 control (NUL cannot be inside a C string: it ends it) */
    for (int c = 1; c < 0x20; c++) {
        char in[4] = {'a', (char)c, 'b', 0}, want[16];
        const char *shortform = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
        if (shortform)
            snprintf(want, sizeof want, "\"a%sb\"", shortform);
        else
            snprintf(want, sizeof want, "\"a\\u%04xb\"", c);
        expect(json_to, "json_quote", in, want);
    }
    expect(json_to, "json_quote", "\x1f", "\"\\u001f\"");
    expect(json_to, "json_quote", "\x01", "\"\\u0001\"");
    expect(json_to, "json_quote", "back\\slash \"quoted\"", "\"back\\\\slash \\\"quoted\\\"\"");
    expect(json_to, "json_quote", "</script><!--", "\"\\u003c/script>\\u003c!--\"");
    expect(json_to, "json_quote", "x" RLO "y", "\"x\\u202ey\"");
    expect(json_to, "json_quote", LRI PDI LRM RLM ALM, "\"\\u2066\\u2069\\u200e\\u200f\\u061c\"");
    expect(json_to, "json_quote", "\x7f" NEL, "\"\\u007f\\u0085\"");
    expect(json_to, "json_quote", "caf\xc3\xa9 \xf0\x9f\x98\x80 /", "\"caf\xc3\xa9 \xf0\x9f\x98\x80 /\"");
    expect(json_to, "json_quote", "", "\"\"");
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"%s\"", invalid[i].json);
        expect(json_to, "json_quote", invalid[i].in, want);
    }
    expect(put_json, "put_json", "a\"<" RLO "\xff", "\"a\\\"\\u003c\\u202e\\ufffd\"");

    /* read back */
    struct strbuf in = {0}, want = {0};
    for (int c = 1; c < 0x80; c++) {
        char ch = (char)c;
        strbuf_add(&in, &ch, 1);
        strbuf_add(&want, &ch, 1);
    }
    const char *more[] = {NEL, RLO, LRI, ALM, "\xc3\xa9", "\xf0\x9f\x98\x80", "\"\\<>&'"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        strbuf_puts(&in, more[i]);
        strbuf_puts(&want, more[i]);
    }
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        strbuf_puts(&in, invalid[i].in);
        strbuf_puts(&want, invalid[i].repaired);
    }
    struct strbuf doc = {0};
    strbuf_puts(&doc, "{\"k\":");
    json_quote(&doc, strbuf_text(&in));
    strbuf_puts(&doc, "}");
    assert_true(utf8_valid(doc.p, doc.len));
    assert_null(memchr(doc.p, '<', doc.len));
    for (size_t i = 0; i < doc.len; i++)
        assert_true((unsigned char)doc.p[i] >= 0x20); /* no raw control */
    char err[256];
    yajl_val root = yajl_tree_parse(strbuf_text(&doc), err, sizeof err);
    if (!root)
        fail_msg("json_quote output is not JSON: %s", err);
    const char *path[] = {"k", NULL};
    yajl_val v = yajl_tree_get(root, path, yajl_t_string);
    assert_non_null(v);
    assert_string_equal(YAJL_GET_STRING(v), strbuf_text(&want));
    yajl_tree_free(root);
    strbuf_free(&in);
    strbuf_free(&want);
    strbuf_free(&doc);
}

/* ------------------------------------------------------------------ */
/* strbuf                                                             */

static void test_strbuf(void **state)
{
    (void)state;
    struct strbuf s = {0};
    assert_string_equal(strbuf_text(&s), "");
    assert_false(strbuf_failed(&s));
    strbuf_add(&s, "", 0);
    assert_string_equal(strbuf_text(&s), "");
    assert_int_equal(s.len, 0);
    strbuf_puts(&s, "abc");
    strbuf_add(&s, "defXYZ", 3);
    strbuf_printf(&s, "-%d-%s-%05.1f", 42, "x", 3.14159);
    assert_string_equal(strbuf_text(&s), "abcdef-42-x-003.1");
    assert_int_equal(s.len, 17);
    assert_true(s.cap > s.len);
    /* growth, past the first allocation many times */
    for (int i = 0; i < 1000; i++)
        strbuf_printf(&s, "%04d", i);
    assert_int_equal(s.len, 17 + 4000);
    assert_int_equal(strlen(strbuf_text(&s)), 17 + 4000);
    assert_memory_equal(s.p + 17, "000000010002", 12);
    assert_string_equal(s.p + s.len - 4, "0999");
    /* one printf bigger than everything so far */
    char big[10000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    strbuf_printf(&s, "<%s>", big);
    assert_int_equal(s.len, 17 + 4000 + 10001);
    assert_int_equal(s.p[s.len - 1], '>');
    assert_int_equal(s.p[s.len], '\0');
    assert_false(strbuf_failed(&s));
    strbuf_free(&s);
    assert_null(s.p);
    assert_int_equal(s.len, 0);
    assert_int_equal(s.cap, 0);
    assert_string_equal(strbuf_text(&s), "");
    /* bytes with NULs inside */
    strbuf_add(&s, "a\0b", 3);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.p, "a\0b\0", 4);
    strbuf_printf(&s, "%s", "");
    assert_int_equal(s.len, 3);
    strbuf_free(&s);
    /* a failed buffer stays as it was */
    s.failed = 1;
    strbuf_puts(&s, "x");
    strbuf_printf(&s, "%d", 1);
    assert_true(strbuf_failed(&s));
    assert_string_equal(strbuf_text(&s), "");
    strbuf_free(&s);
}

/* ------------------------------------------------------------------ */
/* timearg: what test_analyze.c's test_times leaves out                */

/* Runs fn with stderr going to a temp file; returns what was written. */
static char *capture_stderr(int (*fn)(void *), void *arg, int *rc)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    *rc = fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fseek(tmp, 0, SEEK_END);
    long n = ftell(tmp);
    rewind(tmp);
    char *text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, tmp), (size_t)n);
    fclose(tmp);
    return text;
}

struct option_call {
    const char *arg;
    int64_t t;
};

static int call_option(void *p)
{
    struct option_call *c = p;
    return time_arg_option("analyze", "since", c->arg, &c->t);
}

static void test_timearg_more(void **state)
{
    (void)state;
    int64_t t;
    time_t now = 1800000000;
    assert_int_equal(time_arg_parse("90s", now, &t), 0);
    assert_int_equal(t, now - 90);
    assert_int_equal(time_arg_parse("0s", now, &t), 0);
    assert_int_equal(t, now);
    assert_int_equal(time_arg_parse("1d", now, &t), 0);
    assert_int_equal(t, now - 86400);
    assert_int_equal(time_arg_parse("2026-11-01 10:00", now, &t), 0);
    assert_int_equal(t, 1793491200 + 36000);
    assert_int_equal(time_arg_parse("2024-02-29T23:59:59Z", now, &t), 0); /* a leap day */
    assert_int_equal(t, 1709251199);
    assert_int_equal(time_arg_parse("1970-01-01", now, &t), 0);
    assert_int_equal(t, 0);
    const char *bad[] = {"+5h", " 5h", "5 h", "1e3s", "5hh", "s", "2026-11-01T10", "2026-11-01T10:00:5",
                         "2026-11-01T10:60", "2026-11-01Z0", "2026-00-01", "2026-11-00",
                         "2026-11-32", "2026-11-01T10:00:00.5+01", "2026/11/01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (time_arg_parse(bad[i], now, &t) == 0)
            fail_msg("'%s' parsed as a time", bad[i]);
    char buf[24];
    time_format(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    time_format(1709251199, buf);
    assert_string_equal(buf, "2024-02-29T23:59:59Z");

    /* the option: the value, or a message with the argument escaped */
    struct option_call c = {"2026-11-01", 0};
    int rc;
    char *said = capture_stderr(call_option, &c, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(c.t, 1793491200);
    assert_string_equal(said, "");
    free(said);
    c.arg = "tomorrow" ESC "[2J";
    said = capture_stderr(call_option, &c, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(said, "nsgflow analyze: --since: not a time (2026-11-01T10:00Z,"
                              " 2026-11-01T12:00+02:00, @1793527200, 24h, 7d):"
                              " 'tomorrow\\x1b[2J'\n");
    free(said);
}

/* Regression (failed against commit 9239915, where a day its month does
 * not have passed as a time and timegm moved it on: --since 2026-02-30
 * read as 2026-03-02): such days are not times. */
static void test_timearg_day_past_month_end(void **state)
{
    (void)state;
    int64_t t;
    const char *bad[] = {"2026-02-30", "2026-02-29", "2026-04-31", "2026-11-31T10:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (time_arg_parse(bad[i], 1800000000, &t) == 0) {
            char buf[24];
            time_format(t, buf);
            fail_msg("'%s' parsed as a time (%s)", bad[i], buf);
        }
}

/* An expiry (nsgflow accept --until): a relative time counts forward, a
 * date or time stays as given (in the past too: the caller refuses it). */
static void test_timearg_ahead(void **state)
{
    (void)state;
    int64_t t;
    time_t now = 1800000000;
    assert_int_equal(time_arg_parse_ahead("3s", now, &t), 0);
    assert_int_equal(t, now + 3);
    assert_int_equal(time_arg_parse_ahead("30d", now, &t), 0);
    assert_int_equal(t, now + 30 * 86400);
    assert_int_equal(time_arg_parse_ahead("2026-11-01", now, &t), 0);
    assert_int_equal(t, 1793491200);
    assert_int_equal(time_arg_parse_ahead("2026-11-01T10:00Z", now, &t), 0);
    assert_int_equal(t, 1793491200 + 36000);
    assert_int_equal(time_arg_parse_ahead("soon", now, &t), -1);
    assert_int_equal(time_arg_parse_ahead("-3d", now, &t), -1);
}

/* Offsets and Unix seconds: +HH:MM east of UTC, -HH:MM west, converted to
 * UTC; @EPOCH as it is, forward or back alike. */
static void test_timearg_offsets(void **state)
{
    (void)state;
    int64_t t;
    time_t now = 1800000000;
    const int64_t ten = 1793491200 + 36000; /* 2026-11-01T10:00:00Z */
    assert_int_equal(time_arg_parse("2026-11-01T12:00+02:00", now, &t), 0);
    assert_int_equal(t, ten);
    assert_int_equal(time_arg_parse("2026-11-01T05:00-05:00", now, &t), 0);
    assert_int_equal(t, ten);
    assert_int_equal(time_arg_parse("2026-11-01T15:30:00.25+0530", now, &t), 0);
    assert_int_equal(t, ten);
    assert_int_equal(time_arg_parse("2026-11-01 10:00:00-00:00", now, &t), 0);
    assert_int_equal(t, ten);
    assert_int_equal(time_arg_parse("2026-11-02T01:00+15:00", now, &t), 0);
    assert_int_equal(t, ten);
    assert_int_equal(time_arg_parse("@1793527200", now, &t), 0);
    assert_int_equal(t, ten);
    assert_int_equal(time_arg_parse("@0", now, &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(time_arg_parse_ahead("@1793527200", now, &t), 0);
    assert_int_equal(t, ten);
    const char *bad[] = {"@", "@-5", "@12a", "@ 5", "@1234567890123", "2026-11-01T10:00+2:00",
                         "2026-11-01T10:00+24:00", "2026-11-01T10:00+02:60",
                         "2026-11-01T10:00+", "2026-11-01T10:00+0", "2026-11-01T10:00+02:0",
                         "2026-11-01T10:00+02:00Z", "2026-11-01T10:00Z+02:00",
                         "2026-11-01T10:00+02:00:00", "+02:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (time_arg_parse(bad[i], now, &t) == 0)
            fail_msg("'%s' parsed as a time", bad[i]);
}

/* ------------------------------------------------------------------ */
/* cli: typos, suggestions, bad options                               */

static void test_cli_distance(void **state)
{
    (void)state;
    assert_int_equal(cli_distance("report", "report"), 0);
    assert_int_equal(cli_distance("reprot", "report"), 1);  /* two swapped */
    assert_int_equal(cli_distance("sinse", "since"), 1);    /* one changed */
    assert_int_equal(cli_distance("anlyze", "analyze"), 1); /* one dropped */
    assert_int_equal(cli_distance("statss", "stats"), 1);   /* one added */
    assert_int_equal(cli_distance("", "ab"), 2);
    assert_int_equal(cli_distance("ca", "abc"), 3);         /* no edit twice */
    assert_int_equal(cli_distance("ingest", "tags"), 4);
}

static void test_cli_suggest(void **state)
{
    (void)state;
    static const char *const commands[] = {"ingest", "analyze", "report", "run", "accept",
                                           "stats", "prune", "tags", "config", "help"};
    const size_t n = sizeof commands / sizeof commands[0];
    char out[200];
    assert_int_equal(cli_suggest("reprot", commands, n, "", out, sizeof out), 1);
    assert_string_equal(out, "'report'");
    assert_int_equal(cli_suggest("rep", commands, n, "", out, sizeof out), 1);
    assert_string_equal(out, "'report'");
    assert_int_equal(cli_suggest("a", commands, n, "", out, sizeof out), 2);
    assert_string_equal(out, "'analyze' or 'accept'");
    assert_int_equal(cli_suggest("tag", commands, n, "", out, sizeof out), 1);
    assert_string_equal(out, "'tags'");
    assert_int_equal(cli_suggest("stat", commands, n, "", out, sizeof out), 1);
    assert_int_equal(cli_suggest("rn", commands, n, "", out, sizeof out), 1);
    assert_string_equal(out, "'run'");
    /* as many edits as letters: anything at all, so nothing */
    assert_int_equal(cli_suggest("xy", commands, n, "", out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(cli_suggest("frobnicate", commands, n, "", out, sizeof out), 0);
    assert_int_equal(cli_suggest("", commands, n, "", out, sizeof out), 0);
    static const char *const options[] = {"db", "since", "shard", "strict", "sum", "sql"};
    assert_int_equal(cli_suggest("sinse", options, 6, "--", out, sizeof out), 1);
    assert_string_equal(out, "'--since'");
    assert_int_equal(cli_suggest("s", options, 6, "--", out, sizeof out), 5);
    assert_string_equal(out, "'--since', '--shard', '--strict', '--sum', ...");
    assert_int_equal(cli_suggest("sh", options, 6, "--", out, sizeof out), 1);
    assert_string_equal(out, "'--shard'");
}

struct bad_option_call {
    const char *command, *shortopts;
    char **argv;
    int argc;
};

static const struct option test_longopts[] = {
    {"db", required_argument, NULL, 'd'},
    {"since", required_argument, NULL, 'S'},
    {"shard", required_argument, NULL, 'k'},
    {"strict", no_argument, NULL, 's'},
    {"quiet", no_argument, NULL, 'q'},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parses argv until the first bad option and says what cli_bad_option
 * says of it. */
static int call_bad_option(void *p)
{
    struct bad_option_call *c = p;
    optind = 0; /* glibc: start again from scratch */
    int ch;
    while ((ch = cli_getopt(c->argc, c->argv, c->shortopts, test_longopts)) != -1)
        if (ch == '?')
            return cli_bad_option(c->command, c->argv, c->shortopts, test_longopts);
    return -1;
}

static void expect_bad_option(const char *command, const char *arg, const char *want)
{
    char *argv[] = {(char *)"analyze", (char *)"--db", (char *)"x.db", (char *)arg, NULL};
    struct bad_option_call c = {command, "qho:", argv, 4};
    int rc;
    char *said = capture_stderr(call_bad_option, &c, &rc);
    if (strcmp(said, want) != 0)
        fail_msg("%s: said '%s', want '%s'", arg, said, want);
    assert_int_equal(rc, 2);
    free(said);
}

static void test_cli_bad_option(void **state)
{
    (void)state;
    expect_bad_option("analyze", "--sinse",
                      "nsgflow analyze: unknown option '--sinse'. Did you mean '--since'?\n");
    expect_bad_option("analyze", "--sinse=2026-11-01",
                      "nsgflow analyze: unknown option '--sinse'. Did you mean '--since'?\n");
    expect_bad_option("analyze", "--s",
                      "nsgflow analyze: option '--s' is ambiguous. Did you mean '--since',"
                      " '--shard' or '--strict'?\n");
    expect_bad_option("analyze", "--since",
                      "nsgflow analyze: --since needs a value. Try 'nsgflow help analyze'.\n");
    expect_bad_option("analyze", "--quiet=yes",
                      "nsgflow analyze: --quiet takes no value ('--quiet=yes'). Try 'nsgflow"
                      " help analyze'.\n");
    expect_bad_option("analyze", "--bogus",
                      "nsgflow analyze: unknown option '--bogus'. Try 'nsgflow help analyze'.\n");
    expect_bad_option("analyze", "-x",
                      "nsgflow analyze: unknown option '-x'. Try 'nsgflow help analyze'.\n");
    expect_bad_option("analyze", "-qx",
                      "nsgflow analyze: unknown option '-x'. Try 'nsgflow help analyze'.\n");
    expect_bad_option("analyze", "-since",
                      "nsgflow analyze: unknown option '-since'. Did you mean '--since'?\n");
    expect_bad_option("analyze", "-o",
                      "nsgflow analyze: -o needs a value. Try 'nsgflow help analyze'.\n");
    expect_bad_option("config import", "--wiat",
                      "nsgflow config import: unknown option '--wiat'. Try 'nsgflow help"
                      " config'.\n");
    expect_bad_option("analyze", "--db" ESC "[2J",
                      "nsgflow analyze: unknown option '--db\\x1b[2J'. Try 'nsgflow help"
                      " analyze'.\n");
}

static void test_plural(void **state)
{
    (void)state;
    assert_string_equal(plural(1, "route", "routes"), "route");
    assert_string_equal(plural(0, "route", "routes"), "routes");
    assert_string_equal(plural(2, "route", "routes"), "routes");
    assert_string_equal(plural(21, "route", "routes"), "routes");
    assert_string_equal(plural(-1, "hour", "hours"), "hour");
}

/* ------------------------------------------------------------------ */
/* wrapping and the JSON writer                                       */

static char *written(void (*fn)(FILE *))
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    fn(f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void hanging(FILE *f)
{
    /* 30 columns: a first line of 30, then 26 after the indent of 4 */
    put_hanging(f, "error   denied-required-port 10.20.1.4 Outbound TCP 1433 to Sql",
                0, 4, 30);
    put_hanging(f, "a b c", 2, 4, 0); /* width 0: one line */
    msg_wrapped(f, 30, 10, "  NIC %s: no flow logs from 02:00Z to 05:00Z\n",
                "00-0D-3A" ESC "[2J");
    msg_wrapped(f, 0, 10, "  NIC %s: not wrapped at all, however long the line is\n", "x");
}

static void test_wrapping(void **state)
{
    (void)state;
    char *got = written(hanging);
    assert_string_equal(got,
                        "error   denied-required-port\n"
                        "    10.20.1.4 Outbound TCP\n"
                        "    1433 to Sql\n"
                        "  a b c\n"
                        "  NIC 00-0D-3A\\x1b[2J: no flow\n"
                        "          logs from 02:00Z to\n"
                        "          05:00Z\n"
                        "  NIC x: not wrapped at all, however long the line is\n");
    free(got);
}

static void document(FILE *f)
{
    struct jsonw w;
    jsonw_begin(&w, f);
    jsonw_str(&w, "format", "nsgflow-test");
    jsonw_int(&w, "version", 1);
    jsonw_object(&w, "window");
    jsonw_time(&w, "start", 1793491200);
    jsonw_null(&w, "end");
    jsonw_end(&w);
    jsonw_array(&w, "names");
    jsonw_str(&w, NULL, "a\"b" ESC "</script>");
    jsonw_str(&w, NULL, NULL);
    jsonw_end(&w);
    jsonw_array(&w, "none");
    jsonw_end(&w);
    jsonw_array(&w, "rows");
    jsonw_object(&w, NULL);
    jsonw_bool(&w, "ok", 1);
    jsonw_num(&w, "seconds", 0.25);
    jsonw_end(&w);
    jsonw_object(&w, NULL);
    jsonw_end(&w);
    assert_int_equal(jsonw_finish(&w), 0); /* closes "rows" and the document */
}

static void test_jsonw(void **state)
{
    (void)state;
    char *got = written(document);
    assert_string_equal(got,
                        "{\n"
                        "  \"format\": \"nsgflow-test\",\n"
                        "  \"version\": 1,\n"
                        "  \"window\": {\n"
                        "    \"start\": \"2026-11-01T00:00:00Z\",\n"
                        "    \"end\": null\n"
                        "  },\n"
                        "  \"names\": [\n"
                        "    \"a\\\"b\\u001b\\u003c/script>\",\n"
                        "    null\n"
                        "  ],\n"
                        "  \"none\": [],\n"
                        "  \"rows\": [\n"
                        "    {\n"
                        "      \"ok\": true,\n"
                        "      \"seconds\": 0.250\n"
                        "    },\n"
                        "    {}\n"
                        "  ]\n"
                        "}\n");
    char errbuf[200];
    yajl_val v = yajl_tree_parse(got, errbuf, sizeof errbuf);
    assert_non_null(v);
    yajl_tree_free(v);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashmap_random_against_reference),
        cmocka_unit_test(test_hashmap_probe_runs_and_wrap),
        cmocka_unit_test(test_hashmap_layout),
        cmocka_unit_test(test_hashmap_clear),
        cmocka_unit_test(test_queue_threads),
        cmocka_unit_test(test_queue_close),
        cmocka_unit_test(test_escape_unsafe_characters),
        cmocka_unit_test(test_escape_targets),
        cmocka_unit_test(test_csv_formula_after_dropped_character),
        cmocka_unit_test(test_msg),
        cmocka_unit_test(test_sh_quote_round_trip),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_json_quote),
        cmocka_unit_test(test_strbuf),
        cmocka_unit_test(test_timearg_more),
        cmocka_unit_test(test_timearg_day_past_month_end),
        cmocka_unit_test(test_timearg_ahead),
        cmocka_unit_test(test_timearg_offsets),
        cmocka_unit_test(test_cli_distance),
        cmocka_unit_test(test_cli_suggest),
        cmocka_unit_test(test_cli_bad_option),
        cmocka_unit_test(test_plural),
        cmocka_unit_test(test_wrapping),
        cmocka_unit_test(test_jsonw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
