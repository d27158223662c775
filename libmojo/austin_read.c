/* Austin text reader: collapsed stacks with metrics, one sample per line.
 * Names are bytes: file names may hold spaces and colons, so the metrics
 * are split off at the last space and each frame at its last two colons. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LINE (16u << 20)

/* Frame tokens seen before, so a repeated token costs one hash. */
typedef struct token_slot {
    uint64_t hash;
    const char *text;   /* interned in the frames table */
    size_t len;
    const mojo_frame *frame;
} token_slot;

typedef struct austin_state {
    token_slot *tokens;
    size_t ntokens, tcap;
    const mojo_frame **frames;
    size_t fcap;
    char *meta;
    size_t metacap;
    char *name;
    size_t namecap;
    bool memory_mode;      /* a single number is memory, not time */
    const mojo_frame *invalid;
} austin_state;

static bool all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 19)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int64_t to_i64(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* A signed decimal integer filling [s, s+n). */
static bool parse_int(const char *s, size_t n, int64_t *v)
{
    bool neg = n > 0 && s[0] == '-';
    if (!all_digits(s + neg, n - neg))
        return false;
    *v = neg ? -to_i64(s + 1, n - 1) : to_i64(s, n);
    return true;
}

static const char *last_colon(const char *s, const char *e)
{
    while (e > s)
        if (*--e == ':')
            return e;
    return NULL;
}

/* Turn one token into a frame (not cached). */
static const mojo_frame *make_frame(mojo_reader *r, const char *t, size_t n)
{
    mojo_frame f = {.kind = MOJO_FRAME_PYTHON};
    const char *c2 = last_colon(t, t + n);
    const char *c1 = c2 ? last_colon(t, c2) : NULL;
    if (c1 && parse_int(c2 + 1, (size_t)(t + n - c2 - 1), &f.line) && f.line >= 0) {
        f.file = (mojo_str){t, (size_t)(c1 - t)};
        f.scope = (mojo_str){c1 + 1, (size_t)(c2 - c1 - 1)};
        if (f.file.len >= 7 && memcmp(t, "native@", 7) == 0)
            f.kind = MOJO_FRAME_NATIVE;
        else if (f.file.len == 6 && memcmp(t, "kernel", 6) == 0 && f.line == 0)
            f.kind = MOJO_FRAME_KERNEL;
    } else {
        /* Not file:scope:line: keep the token whole. */
        f.file = (mojo_str){"", 0};
        f.scope = (mojo_str){t, n};
        f.line = -1;
    }
    return mojo_frames_intern(r->frames, &f);
}

static bool tokens_rehash(austin_state *st)
{
    size_t ncap = st->tcap ? st->tcap * 2 : 4096;
    token_slot *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return false;
    for (size_t i = 0; i < st->tcap; i++) {
        if (!st->tokens[i].text)
            continue;
        size_t j = st->tokens[i].hash & (ncap - 1);
        while (nt[j].text)
            j = (j + 1) & (ncap - 1);
        nt[j] = st->tokens[i];
    }
    free(st->tokens);
    st->tokens = nt;
    st->tcap = ncap;
    return true;
}

static const mojo_frame *frame_of(mojo_reader *r, austin_state *st,
                                  const char *t, size_t n)
{
    if (st->ntokens * 2 >= st->tcap && !tokens_rehash(st))
        return NULL;
    uint64_t h = mojo_hash_bytes(t, n, 0xa5);
    size_t j = h & (st->tcap - 1);
    for (; st->tokens[j].text; j = (j + 1) & (st->tcap - 1)) {
        token_slot *s = &st->tokens[j];
        if (s->hash == h && s->len == n && memcmp(s->text, t, n) == 0)
            return s->frame;
    }
    const mojo_frame *f = make_frame(r, t, n);
    mojo_str kept = f ? mojo_frames_intern_str(r->frames, t, n) : (mojo_str){0};
    if (!kept.ptr)
        return NULL;
    st->tokens[j] = (token_slot){h, kept.ptr, n, f};
    st->ntokens++;
    return f;
}

static int austin_init(mojo_reader *r)
{
    austin_state *st = calloc(1, sizeof *st);
    if (!st)
        return mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
    r->state = st;
    mojo_frame inv = {.kind = MOJO_FRAME_INVALID, .file = {"", 0},
                      .scope = {"INVALID", 7}};
    if (!(st->invalid = mojo_frames_intern(r->frames, &inv)))
        return mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
    return MOJO_OK;
}

/* "# key: value" */
static int parse_metadata(mojo_reader *r, austin_state *st, const char *s,
                          size_t n, mojo_event *ev)
{
    const char *sep = NULL;
    if (n < 3 || s[1] != ' ')
        return MOJO_END; /* "#..." without the space: a comment */
    for (size_t i = 2; i + 1 < n; i++)
        if (s[i] == ':' && s[i + 1] == ' ') {
            sep = s + i;
            break;
        }
    if (!sep && n > 2 && s[n - 1] == ':')
        sep = s + n - 1; /* "# key:" with an empty value */
    if (!sep)
        return MOJO_END; /* a comment, not metadata */
    if (!mojo_grow((void **)&st->meta, &st->metacap, n + 1, 1))
        return mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
    memcpy(st->meta, s, n);
    st->meta[n] = '\0';
    size_t klen = (size_t)(sep - s) - 2;
    size_t voff = (size_t)(sep - s) + 2 > n ? n : (size_t)(sep - s) + 2;
    st->meta[klen + 2] = '\0';
    ev->type = MOJO_EVENT_METADATA;
    ev->u.metadata.key = (mojo_str){st->meta + 2, klen};
    ev->u.metadata.value = (mojo_str){st->meta + voff, n - voff};
    if (klen == 4 && memcmp(s + 2, "mode", 4) == 0)
        st->memory_mode = n - voff == 6 && memcmp(st->meta + voff, "memory", 6) == 0;
    return MOJO_OK;
}

/* "time" or "time,idle,memory" at the end of a sample line. */
static bool parse_metrics(austin_state *st, const char *s, size_t n, mojo_sample *smp)
{
    const char *c1 = memchr(s, ',', n);
    if (!c1) {
        int64_t v;
        if (!parse_int(s, n, &v))
            return false;
        if (st->memory_mode) {
            smp->memory = v;
            smp->metrics = MOJO_METRIC_MEMORY;
        } else {
            smp->time = v;
            smp->metrics = MOJO_METRIC_TIME;
        }
        return true;
    }
    const char *c2 = memchr(c1 + 1, ',', (size_t)(s + n - c1 - 1));
    int64_t idle;
    if (!c2 || !parse_int(s, (size_t)(c1 - s), &smp->time) ||
        !parse_int(c1 + 1, (size_t)(c2 - c1 - 1), &idle) || idle < 0 || idle > 1 ||
        !parse_int(c2 + 1, (size_t)(s + n - c2 - 1), &smp->memory))
        return false;
    if (idle)
        smp->flags |= MOJO_SAMPLE_IDLE;
    smp->metrics = MOJO_METRIC_TIME | MOJO_METRIC_MEMORY;
    return true;
}

/* "T<iid>:<tid>" or "T<tid>"; a tid that is not a plain decimal is a name. */
static bool parse_thread(mojo_reader *r, austin_state *st, const char *s,
                         size_t n, mojo_sample *smp)
{
    const char *colon = memchr(s, ':', n);
    smp->iid = -1;
    if (colon && all_digits(s, (size_t)(colon - s))) {
        smp->iid = to_i64(s, (size_t)(colon - s));
        n -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    smp->tid = 0;
    smp->thread_name = (mojo_str){"", 0};
    if (all_digits(s, n) && !(n > 1 && s[0] == '0')) {
        smp->tid = (uint64_t)to_i64(s, n);
        return true;
    }
    if (!mojo_grow((void **)&st->name, &st->namecap, n + 1, 1)) {
        mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
        return false;
    }
    memcpy(st->name, s, n);
    st->name[n] = '\0';
    smp->thread_name = (mojo_str){st->name, n};
    return true;
}

static int parse_sample(mojo_reader *r, austin_state *st, const char *s,
                        size_t n, uint64_t off, mojo_event *ev)
{
    mojo_sample *smp = &ev->u.sample;
    memset(smp, 0, sizeof *smp);
    smp->pid = -1;
    smp->iid = -1;
    smp->timestamp = -1;
    ev->type = MOJO_EVENT_SAMPLE;

    const char *sp = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == ' ') {
            sp = s + i - 1;
            break;
        }
    if (!sp || !parse_metrics(st, sp + 1, (size_t)(s + n - sp - 1), smp))
        return mojo_reader_fail(r, MOJO_E_FORMAT, off + (sp ? (uint64_t)(sp + 1 - s) : (uint64_t)n),
                                "expected a sample line ending in a space and its "
                                "metrics (\"123\" or \"time,idle,memory\")");
    const char *p = s, *e = sp;

    /* "P<pid>;T<thread>" when present */
    if (p < e && *p == 'P') {
        const char *semi = memchr(p, ';', (size_t)(e - p));
        if (semi && semi + 1 < e && semi[1] == 'T' && all_digits(p + 1, (size_t)(semi - p - 1))) {
            smp->pid = to_i64(p + 1, (size_t)(semi - p - 1));
            const char *t = semi + 2;
            const char *te = memchr(t, ';', (size_t)(e - t));
            if (!te)
                te = e;
            if (!parse_thread(r, st, t, (size_t)(te - t), smp))
                return MOJO_ERROR;
            p = te < e ? te + 1 : e;
            if (te == e)
                p = e;
        }
    }
    size_t nf = 0;
    bool any = p < e;
    while (any) {
        const char *te = memchr(p, ';', (size_t)(e - p));
        if (!te)
            te = e;
        size_t tl = (size_t)(te - p);
        if (tl == 4 && memcmp(p, ":GC:", 4) == 0) {
            smp->flags |= MOJO_SAMPLE_GC;
        } else {
            const mojo_frame *f = tl == 9 && memcmp(p, ":INVALID:", 9) == 0
                                      ? st->invalid : frame_of(r, st, p, tl);
            if (!f)
                return mojo_reader_fail(r, MOJO_E_NOMEM, off, "out of memory");
            if (nf >= MOJO_MAX_FRAMES)
                return mojo_reader_fail(r, MOJO_E_LIMIT, off + (uint64_t)(p - s),
                                        "more than %u frames in one sample",
                                        MOJO_MAX_FRAMES);
            if (!mojo_grow((void **)&st->frames, &st->fcap, nf + 1, sizeof *st->frames))
                return mojo_reader_fail(r, MOJO_E_NOMEM, off, "out of memory");
            st->frames[nf++] = f;
        }
        if (te == e)
            break;
        p = te + 1;
    }
    smp->frames = (const mojo_frame *const *)st->frames;
    smp->nframes = nf;
    return MOJO_OK;
}

static int austin_next(mojo_reader *r, mojo_event *ev)
{
    austin_state *st = r->state;
    mojo_input *in = r->in;
    for (;;) {
        const uint8_t *nl = memchr(in->cur, '\n', (size_t)(in->end - in->cur));
        if (!nl) {
            size_t have = (size_t)(in->end - in->cur);
            if (have > MAX_LINE)
                return mojo_reader_fail(r, MOJO_E_LIMIT, mojo_input_offset(in, in->cur),
                                        "a line longer than %u bytes", MAX_LINE);
            ptrdiff_t n = mojo_input_need(in, have + 1);
            if (n < 0)
                return mojo_reader_fail_input(r);
            if ((size_t)n > have)
                continue;
            if (n == 0)
                return MOJO_END;
            nl = in->end; /* the last line has no newline */
        }
        const char *s = (const char *)in->cur;
        size_t len = (size_t)((const char *)nl - s);
        uint64_t off = mojo_input_offset(in, in->cur);
        in->cur = nl < in->end ? nl + 1 : nl;
        if (len > 0 && s[len - 1] == '\r')
            len--;
        if (len == 0) {
            ev->type = MOJO_EVENT_BLANK;
            return MOJO_OK;
        }
        if (s[0] == '#') {
            int rc = parse_metadata(r, st, s, len, ev);
            if (rc == MOJO_END)
                continue;
            return rc;
        }
        return parse_sample(r, st, s, len, off, ev);
    }
}

static void austin_destroy(mojo_reader *r)
{
    austin_state *st = r->state;
    if (!st)
        return;
    free(st->tokens);
    free(st->frames);
    free(st->meta);
    free(st->name);
    free(st);
}

const mojo_reader_ops mojo_austin_reader_ops = {
    .init = austin_init,
    .next = austin_next,
    .destroy = austin_destroy,
};
