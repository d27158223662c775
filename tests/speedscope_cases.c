/* speedscope_cases: write hand-made samples with timestamps (which no text
 * format carries) through libmojo's Speedscope writer, for
 * tests/speedscope-evented.sh.
 *
 *   speedscope_cases [--sampled] CASES OUTPUT.json
 *
 * CASES holds one sample a line:
 *   TIMESTAMP TIME TID FLAGS STACK
 * TIMESTAMP and TIME in microseconds (TIMESTAMP -1: none); TID a number,
 * or else a thread name; FLAGS "-" or letters: i (idle), g (GC); STACK
 * "-" (no frames) or file:function:line frames, root first, joined by ';'.
 * Every sample is of process 1, interpreter unknown, with a time metric.
 * "# key: value" lines are metadata; "##" lines and empty lines are
 * skipped. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mojo.h"

#define MAX_STACK 64

static _Noreturn void die(const char *what, const char *detail, int line)
{
    fprintf(stderr, "speedscope_cases: line %d: %s%s%s\n", line, what,
            detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static int64_t number(const char *s, int line)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        die("not a number", s, line);
    return v;
}

/* "file:function:line" (the file may hold colons). */
static const mojo_frame *frame(mojo_frames *t, char *text, int line)
{
    char *l = strrchr(text, ':');
    if (!l || l == text)
        die("frame is not file:function:line", text, line);
    *l = 0;
    char *fn = strrchr(text, ':');
    if (!fn)
        die("frame is not file:function:line", text, line);
    *fn++ = 0;
    mojo_frame proto = {
        .kind = MOJO_FRAME_PYTHON,
        .file = {text, strlen(text)},
        .scope = {fn, strlen(fn)},
        .line = number(l + 1, line),
    };
    const mojo_frame *f = mojo_frames_intern(t, &proto);
    if (!f)
        die("out of memory", NULL, line);
    return f;
}

static int write_or_die(mojo_writer *w, const mojo_event *ev, int line)
{
    if (mojo_writer_write(w, ev) != MOJO_OK)
        die("writer", mojo_writer_error(w)->message, line);
    return 0;
}

int main(int argc, char **argv)
{
    mojo_writer_options wo = {.profile_name = "cases"};
    int a = 1;
    if (a < argc && !strcmp(argv[a], "--sampled")) {
        wo.speedscope_sampled = 1;
        a++;
    }
    if (argc - a != 2) {
        fprintf(stderr, "usage: speedscope_cases [--sampled] CASES OUTPUT\n");
        return 2;
    }
    FILE *in = fopen(argv[a], "r");
    if (!in) {
        perror(argv[a]);
        return 1;
    }
    mojo_error err;
    mojo_writer *w = mojo_writer_open_path(argv[a + 1],
                                           MOJO_FORMAT_SPEEDSCOPE, &wo, &err);
    mojo_frames *frames = mojo_frames_new();
    if (!w || !frames) {
        fprintf(stderr, "speedscope_cases: %s\n", w ? "out of memory" : err.message);
        return 1;
    }
    char buf[4096];
    for (int line = 1; fgets(buf, sizeof buf, in); line++) {
        buf[strcspn(buf, "\n")] = 0;
        if (!buf[0] || !strncmp(buf, "##", 2))
            continue;
        mojo_event ev = {0};
        if (buf[0] == '#') {
            char *colon = strchr(buf, ':');
            if (!colon || buf[1] != ' ')
                die("metadata is '# key: value'", buf, line);
            *colon = 0;
            char *value = colon + 1 + (colon[1] == ' ');
            ev.type = MOJO_EVENT_METADATA;
            ev.u.metadata.key = (mojo_str){buf + 2, strlen(buf + 2)};
            ev.u.metadata.value = (mojo_str){value, strlen(value)};
            write_or_die(w, &ev, line);
            continue;
        }
        char *field[5];
        char *save = NULL, *p = buf;
        for (int i = 0; i < 5; i++, p = NULL)
            if (!(field[i] = strtok_r(p, " ", &save)))
                die("expected TIMESTAMP TIME TID FLAGS STACK", NULL, line);
        const mojo_frame *stack[MAX_STACK];
        size_t n = 0;
        if (strcmp(field[4], "-") != 0)
            for (char *s2 = NULL, *f = strtok_r(field[4], ";", &s2); f;
                 f = strtok_r(NULL, ";", &s2)) {
                if (n == MAX_STACK)
                    die("stack too deep", NULL, line);
                stack[n++] = frame(frames, f, line);
            }
        mojo_sample *s = &ev.u.sample;
        ev.type = MOJO_EVENT_SAMPLE;
        s->pid = 1;
        s->iid = -1;
        s->timestamp = number(field[0], line);
        s->time = number(field[1], line);
        s->metrics = MOJO_METRIC_TIME;
        char *end;
        s->tid = strtoull(field[2], &end, 10);
        if (*end) {
            s->tid = 0;
            s->thread_name = (mojo_str){field[2], strlen(field[2])};
        }
        for (const char *c = field[3]; *c && strcmp(field[3], "-"); c++)
            s->flags |= *c == 'i' ? MOJO_SAMPLE_IDLE
                      : *c == 'g' ? MOJO_SAMPLE_GC
                      : (die("flags are i, g or -", field[3], line), 0u);
        s->frames = stack;
        s->nframes = n;
        write_or_die(w, &ev, line);
    }
    fclose(in);
    int rc = mojo_writer_close(w, &err);
    mojo_frames_unref(frames);
    if (rc != MOJO_OK) {
        fprintf(stderr, "speedscope_cases: %s\n", err.message);
        return 1;
    }
    return 0;
}
