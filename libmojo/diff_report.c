/* Rendering a diff report: the terminal table, JSON, Markdown. */
#include "diff.h"
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define RED "\033[31m"
#define GREEN "\033[32m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RESET "\033[0m"

/* printf into the output; long strings go through mojo_output_write. */
static int out(mojo_output *o, const char *fmt, ...) MOJO_PRINTF(2, 3);
static int out(mojo_output *o, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MOJO_ERROR;
    return mojo_output_write(o, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static double finite_or0(double x)
{
    return isfinite(x) ? x : 0;
}

/* 1234567 µs -> "1.23 s"; bytes -> "1.2 MB"; counts as they are. */
static const char *human(const char *unit, int64_t v, char *buf, size_t n)
{
    double x = (double)v, a = fabs(x);
    if (!strcmp(unit, "us")) {
        if (a >= 1e6)
            snprintf(buf, n, "%.3g s", x / 1e6);
        else if (a >= 1e3)
            snprintf(buf, n, "%.3g ms", x / 1e3);
        else
            snprintf(buf, n, "%lld us", (long long)v);
    } else if (!strcmp(unit, "B")) {
        if (a >= 1e9)
            snprintf(buf, n, "%.3g GB", x / 1e9);
        else if (a >= 1e6)
            snprintf(buf, n, "%.3g MB", x / 1e6);
        else if (a >= 1e3)
            snprintf(buf, n, "%.3g kB", x / 1e3);
        else
            snprintf(buf, n, "%lld B", (long long)v);
    } else {
        snprintf(buf, n, "%lld", (long long)v);
    }
    return buf;
}

static const char *pvalue(double p, char *buf, size_t n)
{
    if (p < 1e-15)
        snprintf(buf, n, "<1e-15");
    else if (p < 0.001)
        snprintf(buf, n, "%.1e", p);
    else
        snprintf(buf, n, "%.3f", p);
    return buf;
}

static const char *metric_title(const mojo_diff_report *r)
{
    switch (r->metric) {
    case MOJO_DIFF_METRIC_TIME: return "wall time";
    case MOJO_DIFF_METRIC_CPU: return "CPU time";
    case MOJO_DIFF_METRIC_ALLOC: return "allocated memory";
    case MOJO_DIFF_METRIC_DEALLOC: return "deallocated memory";
    default: return "samples";
    }
}

static const char *reason_name(mojo_diff_reason w)
{
    switch (w) {
    case MOJO_DIFF_BY_SELF: return "self";
    case MOJO_DIFF_BY_BUDGET: return "budget";
    case MOJO_DIFF_BY_INCLUSIVE: return "inclusive";
    default: return "none";
    }
}

/* "base -> new" of a measure: shares, or values with absolute. */
static const char *span(const mojo_diff_report *r, const mojo_diff_measure *m,
                        char *buf, size_t n)
{
    if (r->absolute) {
        char a[32], b[32];
        snprintf(buf, n, "%s -> %s", human(r->unit, m->value[0], a, sizeof a),
                 human(r->unit, m->value[1], b, sizeof b));
    } else {
        snprintf(buf, n, "%.1f%% -> %.1f%%", m->share[0], m->share[1]);
    }
    return buf;
}

/* A function's name as shown: "scope (file)", with its process and thread
 * when those are told apart. */
static const char *shown(const mojo_diff_function *f, char *buf, size_t n)
{
    const mojo_frame *fr = f->frame;
    int k = fr->file.len ? snprintf(buf, n, "%s (%s)", fr->scope.ptr, fr->file.ptr)
                         : snprintf(buf, n, "%s", fr->scope.ptr);
    if (k >= 0 && (size_t)k < n && (f->process || f->thread))
        snprintf(buf + k, n - (size_t)k, " [P%lld T%lld]",
                 (long long)f->process, (long long)f->thread);
    return buf;
}

/* A frame as collapsed stacks show it: file:function:line, the line left
 * out when lines are not compared (it is then 0). */
static size_t frame_text(const mojo_frame *f, char *buf, size_t n)
{
    int k;
    if (f->kind == MOJO_FRAME_INVALID)
        k = snprintf(buf, n, ":INVALID:");
    else if (f->file.len == 0)
        k = snprintf(buf, n, "%s", f->scope.ptr);
    else if (f->line == 0 && f->kind != MOJO_FRAME_KERNEL)
        k = snprintf(buf, n, "%s:%s", f->file.ptr, f->scope.ptr);
    else
        k = snprintf(buf, n, "%s:%s:%lld", f->file.ptr, f->scope.ptr,
                     (long long)f->line);
    return k < 0 ? 0 : (size_t)k < n ? (size_t)k : n - 1;
}

/* The leaf end of a stack by function names, "… ; a ; b" within width. */
static const char *stack_brief(const mojo_diff_report *r, const mojo_diff_stack *s,
                               char *buf, size_t width)
{
    size_t len = 0;
    buf[0] = 0;
    if (s->nframes == 0) {
        snprintf(buf, width, "(no frames)");
        return buf;
    }
    for (size_t i = s->nframes; i-- > 0;) {
        const mojo_frame *f = mojo_frames_get(r->frames, s->frames[i]);
        const char *name = f->kind == MOJO_FRAME_INVALID ? ":INVALID:" : f->scope.ptr;
        size_t k = strlen(name) + (len ? 1 : 0);
        if (len + k + 4 >= width) {
            memmove(buf + 4, buf, len + 1);
            memcpy(buf, "...;", 4);
            return buf;
        }
        memmove(buf + k, buf, len + 1);
        memcpy(buf, name, strlen(name));
        if (len)
            buf[k - 1] = ';';
        len += k;
    }
    return buf;
}

/* Up to max functions that did not pass the bar, the largest change first
 * (the report keeps every function in that order). */
static size_t below_bar(const mojo_diff_report *r, size_t max,
                        const mojo_diff_function **list)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nfunctions && n < max; i++)
        if (r->functions[i].cls == MOJO_DIFF_SAME &&
            (r->functions[i].self.points != 0 || r->functions[i].inclusive.points != 0))
            list[n++] = &r->functions[i];
    return n;
}

#define MAX_BELOW 100

/* -------------------------------------------------------------- table */

static int table_header(const mojo_diff_report *r, mojo_output *o)
{
    char a[32];
    for (unsigned s = 0; s < 2; s++) {
        const mojo_diff_side *d = &r->side[s];
        if (out(o, "%-5s %s: %llu samples, %s %s%s%s\n", s ? "new" : "base",
                d->name, (unsigned long long)d->samples, metric_title(r),
                human(r->unit, d->total, a, sizeof a),
                d->mode[0] ? ", mode " : "", d->mode) != MOJO_OK)
            return MOJO_ERROR;
    }
    if (out(o, "Compared: %s of %s; threshold %g points%s, alpha %g "
            "(Holm over %zu tests)\n", r->absolute ? "values" : "shares",
            metric_title(r), r->threshold,
            r->absolute ? " of the base total" : "", r->alpha, r->tests) != MOJO_OK)
        return MOJO_ERROR;
    if (r->warning && out(o, "Warning: %s\n", r->warning) != MOJO_OK)
        return MOJO_ERROR;
    return MOJO_OK;
}

static int table_functions(const mojo_diff_report *r, const char *title,
                           const mojo_diff_function *const *fs, size_t n,
                           const char *colour, bool color, mojo_output *o)
{
    if (out(o, "\n%s%s (%zu)%s\n", color ? BOLD : "", title, n,
            color ? RESET : "") != MOJO_OK)
        return MOJO_ERROR;
    if (n == 0)
        return out(o, "  none\n");
    /* Δ is one column but two bytes: the header is spelt out */
    if (out(o, "  \xce\x94SELF     \xce\x94INCL     %-24s %-24s %-8s %-9s %s\n",
            "SELF base -> new", "INCLUSIVE base -> new", "P-VALUE", "WHY",
            "FUNCTION") != MOJO_OK)
        return MOJO_ERROR;
    for (size_t i = 0; i < n; i++) {
        const mojo_diff_function *f = fs[i];
        char s1[64], s2[64], p[16], name[1024];
        const mojo_diff_measure *m = f->reason == MOJO_DIFF_BY_SELF ? &f->self
                                                                    : &f->inclusive;
        double pv = f->reason == MOJO_DIFF_BY_BUDGET ? f->budget_p : m->p_value;
        if (out(o, "  %s%+-9.1f %+-9.1f %-24s %-24s %-8s %-9s %s%s\n",
                colour ? colour : "", f->self.points, f->inclusive.points,
                span(r, &f->self, s1, sizeof s1),
                span(r, &f->inclusive, s2, sizeof s2), pvalue(pv, p, sizeof p),
                reason_name(f->reason), shown(f, name, sizeof name),
                colour ? RESET : "") != MOJO_OK)
            return MOJO_ERROR;
    }
    return MOJO_OK;
}

int mojo_diff_write_table(const mojo_diff_report *r, const mojo_diff_render *how,
                          mojo_output *o)
{
    bool c = how && how->color;
    if (table_header(r, o) != MOJO_OK ||
        table_functions(r, "Regressions", r->regressions, r->nregressions,
                        c ? RED : NULL, c, o) != MOJO_OK ||
        table_functions(r, "Improvements", r->improvements, r->nimprovements,
                        c ? GREEN : NULL, c, o) != MOJO_OK)
        return MOJO_ERROR;
    size_t top = how ? how->top_functions : 0;
    if (top) {
        const mojo_diff_function *list[MAX_BELOW];
        size_t n = below_bar(r, top < MAX_BELOW ? top : MAX_BELOW, list);
        if (n && table_functions(r, "Largest changes below the bar", list, n,
                                 NULL, c, o) != MOJO_OK)
            return MOJO_ERROR;
    }
    size_t ns = how ? how->top_stacks : 0;
    if (ns > r->nranked)
        ns = r->nranked;
    if (ns) {
        if (out(o, "\n%sLargest changes per stack%s\n  \xce\x94         %-24s %-8s %s\n",
                c ? BOLD : "", c ? RESET : "", "base -> new", "P-VALUE",
                "STACK (leaf last)") != MOJO_OK)
            return MOJO_ERROR;
        for (size_t i = 0; i < ns; i++) {
            const mojo_diff_stack *s = r->ranked[i];
            char sp[64], p[16], st[96];
            if (out(o, "  %+-9.1f %-24s %-8s %s\n", s->m.points,
                    span(r, &s->m, sp, sizeof sp), pvalue(s->m.p_value, p, sizeof p),
                    stack_brief(r, s, st, sizeof st)) != MOJO_OK)
                return MOJO_ERROR;
        }
    }
    if (r->regression)
        return out(o, "\n%sVerdict: regression%s (%zu function%s)\n",
                   c ? RED BOLD : "", c ? RESET : "", r->nregressions,
                   r->nregressions == 1 ? "" : "s");
    return out(o, "\n%sVerdict: ok%s (no regression)\n", c ? GREEN BOLD : "",
               c ? RESET : "");
}

/* --------------------------------------------------------------- JSON */

static int jstr(mojo_output *o, const char *s)
{
    return mojo_json_write_string(o, s, strlen(s));
}

static int jmeasure(mojo_output *o, const char *key, const mojo_diff_measure *m)
{
    return out(o, "\"%s\":{\"base_samples\":%llu,\"new_samples\":%llu,"
               "\"base_value\":%lld,\"new_value\":%lld,\"base_share\":%.10g,"
               "\"new_share\":%.10g,\"points\":%.10g,\"p_value\":%.10g}", key,
               (unsigned long long)m->samples[0], (unsigned long long)m->samples[1],
               (long long)m->value[0], (long long)m->value[1],
               finite_or0(m->share[0]), finite_or0(m->share[1]), finite_or0(m->points),
               finite_or0(m->p_value));
}

static int jfunction(const mojo_diff_report *r, const mojo_diff_function *f,
                     mojo_output *o)
{
    const mojo_diff_measure *m = f->reason == MOJO_DIFF_BY_SELF ? &f->self
                                                                : &f->inclusive;
    double p = f->reason == MOJO_DIFF_BY_BUDGET ? f->budget_p : m->p_value;
    double base = r->absolute ? (double)m->value[0] : m->share[0];
    double new = r->absolute ? (double)m->value[1] : m->share[1];
    if (out(o, "{\"function\":") != MOJO_OK || jstr(o, f->frame->scope.ptr) != MOJO_OK ||
        out(o, ",\"file\":") != MOJO_OK || jstr(o, f->frame->file.ptr) != MOJO_OK)
        return MOJO_ERROR;
    if ((f->process || f->thread) &&
        out(o, ",\"process\":%lld,\"thread\":%lld", (long long)f->process,
            (long long)f->thread) != MOJO_OK)
        return MOJO_ERROR;
    if (out(o, ",\"measure\":\"%s\",\"base\":%.10g,\"new\":%.10g,\"delta\":%.10g,"
            "\"points\":%.10g,\"p_value\":%.10g,\"threshold\":%.10g",
            reason_name(f->reason), finite_or0(base), finite_or0(new),
            finite_or0(new - base), finite_or0(m->points), finite_or0(p), f->threshold) != MOJO_OK)
        return MOJO_ERROR;
    if (f->max_share >= 0 &&
        out(o, ",\"max_share\":%.10g,\"budget_p_value\":%.10g", f->max_share,
            finite_or0(f->budget_p)) != MOJO_OK)
        return MOJO_ERROR;
    if (out(o, ",") != MOJO_OK || jmeasure(o, "self", &f->self) != MOJO_OK ||
        out(o, ",") != MOJO_OK || jmeasure(o, "inclusive", &f->inclusive) != MOJO_OK)
        return MOJO_ERROR;
    return out(o, "}");
}

static int jlist(const mojo_diff_report *r, const char *key,
                 const mojo_diff_function *const *fs, size_t n, mojo_output *o)
{
    if (out(o, ",\n\"%s\":[", key) != MOJO_OK)
        return MOJO_ERROR;
    for (size_t i = 0; i < n; i++)
        if ((i && out(o, ",\n ") != MOJO_OK) || jfunction(r, fs[i], o) != MOJO_OK)
            return MOJO_ERROR;
    return out(o, "]");
}

static int jside(const char *key, const mojo_diff_side *s, mojo_output *o)
{
    if (out(o, ",\n\"%s\":{\"name\":", key) != MOJO_OK || jstr(o, s->name) != MOJO_OK ||
        out(o, ",\"samples\":%llu,\"total\":%lld,\"mode\":\"%s\"",
            (unsigned long long)s->samples, (long long)s->total, s->mode) != MOJO_OK)
        return MOJO_ERROR;
    if (s->interval >= 0 && out(o, ",\"interval\":%lld", (long long)s->interval) != MOJO_OK)
        return MOJO_ERROR;
    return out(o, "}");
}

static int jstack(const mojo_diff_report *r, const mojo_diff_stack *s,
                  mojo_output *o)
{
    if (out(o, "{\"frames\":[") != MOJO_OK)
        return MOJO_ERROR;
    for (size_t i = 0; i < s->nframes; i++) {
        char buf[4096];
        size_t n = frame_text(mojo_frames_get(r->frames, s->frames[i]), buf, sizeof buf);
        if ((i && out(o, ",") != MOJO_OK) || mojo_json_write_string(o, buf, n) != MOJO_OK)
            return MOJO_ERROR;
    }
    if (out(o, "]") != MOJO_OK)
        return MOJO_ERROR;
    if ((s->process || s->thread) &&
        out(o, ",\"process\":%lld,\"thread\":%lld", (long long)s->process,
            (long long)s->thread) != MOJO_OK)
        return MOJO_ERROR;
    return out(o, ",") == MOJO_OK && jmeasure(o, "change", &s->m) == MOJO_OK
               ? out(o, "}") : MOJO_ERROR;
}

int mojo_diff_write_json(const mojo_diff_report *r, const mojo_diff_render *how,
                         mojo_output *o)
{
    if (out(o, "{\"verdict\":\"%s\",\"metric\":\"%s\",\"unit\":\"%s\","
            "\"compare\":\"%s\",\"threshold\":%.6g,\"alpha\":%.6g,\"tests\":%zu",
            r->regression ? "regression" : "ok", mojo_diff_metric_name(r->metric),
            r->unit, r->absolute ? "absolute" : "share", r->threshold, r->alpha,
            r->tests) != MOJO_OK ||
        jside("base", &r->side[0], o) != MOJO_OK ||
        jside("new", &r->side[1], o) != MOJO_OK)
        return MOJO_ERROR;
    if (r->warning && (out(o, ",\n\"warning\":") != MOJO_OK || jstr(o, r->warning) != MOJO_OK))
        return MOJO_ERROR;
    if (jlist(r, "regressions", r->regressions, r->nregressions, o) != MOJO_OK ||
        jlist(r, "improvements", r->improvements, r->nimprovements, o) != MOJO_OK)
        return MOJO_ERROR;
    if (how && how->all_functions) {
        if (out(o, ",\n\"functions\":[") != MOJO_OK)
            return MOJO_ERROR;
        for (size_t i = 0; i < r->nfunctions; i++)
            if ((i && out(o, ",\n ") != MOJO_OK) ||
                jfunction(r, &r->functions[i], o) != MOJO_OK)
                return MOJO_ERROR;
        if (out(o, "]") != MOJO_OK)
            return MOJO_ERROR;
    }
    size_t ns = how ? how->top_stacks : 0;
    if (ns > r->nranked)
        ns = r->nranked;
    if (out(o, ",\n\"stacks\":[") != MOJO_OK)
        return MOJO_ERROR;
    for (size_t i = 0; i < ns; i++)
        if ((i && out(o, ",\n ") != MOJO_OK) || jstack(r, r->ranked[i], o) != MOJO_OK)
            return MOJO_ERROR;
    return out(o, "]}\n");
}

/* ----------------------------------------------------------- Markdown */

/* Inline code with the characters that would end it or a table cell
 * replaced. */
static int mcode(mojo_output *o, const char *s)
{
    if (mojo_output_putc(o, '`') != MOJO_OK)
        return MOJO_ERROR;
    for (; *s; s++) {
        int c = *s == '`' ? '\'' : *s == '|' ? '/' : *s == '\n' ? ' ' : *s;
        if (mojo_output_putc(o, c) != MOJO_OK)
            return MOJO_ERROR;
    }
    return mojo_output_putc(o, '`');
}

static int md_functions(const mojo_diff_report *r, const char *title,
                        const mojo_diff_function *const *fs, size_t n,
                        mojo_output *o)
{
    if (n == 0)
        return MOJO_OK;
    if (out(o, "\n**%s (%zu)**\n\n| Function | File | Self | Δ self | Inclusive "
            "| Δ inclusive | p-value | Why |\n|---|---|---|---:|---|---:|---:|---|\n",
            title, n) != MOJO_OK)
        return MOJO_ERROR;
    for (size_t i = 0; i < n; i++) {
        const mojo_diff_function *f = fs[i];
        char s1[64], s2[64], p[16];
        const mojo_diff_measure *m = f->reason == MOJO_DIFF_BY_SELF ? &f->self
                                                                    : &f->inclusive;
        double pv = f->reason == MOJO_DIFF_BY_BUDGET ? f->budget_p : m->p_value;
        if (out(o, "| ") != MOJO_OK || mcode(o, f->frame->scope.ptr) != MOJO_OK ||
            out(o, " | ") != MOJO_OK || mcode(o, f->frame->file.ptr) != MOJO_OK ||
            out(o, " | %s | %+.1f | %s | %+.1f | %s | %s |\n",
                span(r, &f->self, s1, sizeof s1), f->self.points,
                span(r, &f->inclusive, s2, sizeof s2), f->inclusive.points,
                pvalue(pv, p, sizeof p), reason_name(f->reason)) != MOJO_OK)
            return MOJO_ERROR;
    }
    return MOJO_OK;
}

int mojo_diff_write_markdown(const mojo_diff_report *r,
                             const mojo_diff_render *how, mojo_output *o)
{
    char a[32], b[32];
    if (out(o, "### mojodiff: %s\n\n", r->regression ? "regression" : "no regression") != MOJO_OK ||
        out(o, "Compared the %s of %s: base ", r->absolute ? "values" : "shares",
            metric_title(r)) != MOJO_OK ||
        mcode(o, r->side[0].name) != MOJO_OK ||
        out(o, " (%llu samples, %s) and new ", (unsigned long long)r->side[0].samples,
            human(r->unit, r->side[0].total, a, sizeof a)) != MOJO_OK ||
        mcode(o, r->side[1].name) != MOJO_OK ||
        out(o, " (%llu samples, %s). A function regressed when it grew by %g "
            "points or more%s and the growth is significant at %g (Holm over "
            "%zu tests).\n", (unsigned long long)r->side[1].samples,
            human(r->unit, r->side[1].total, b, sizeof b), r->threshold,
            r->absolute ? " of the base total" : "", r->alpha, r->tests) != MOJO_OK)
        return MOJO_ERROR;
    if (r->warning && out(o, "\n> Warning: %s\n", r->warning) != MOJO_OK)
        return MOJO_ERROR;
    if (md_functions(r, "Regressions", r->regressions, r->nregressions, o) != MOJO_OK ||
        md_functions(r, "Improvements", r->improvements, r->nimprovements, o) != MOJO_OK)
        return MOJO_ERROR;
    if (!r->nregressions && !r->nimprovements &&
        out(o, "\nNo function changed beyond the threshold.\n") != MOJO_OK)
        return MOJO_ERROR;
    size_t top = how ? how->top_functions : 0;
    if (top) {
        const mojo_diff_function *list[MAX_BELOW];
        size_t n = below_bar(r, top < MAX_BELOW ? top : MAX_BELOW, list);
        if (n && (out(o, "\n<details><summary>Largest changes below the bar"
                      "</summary>\n") != MOJO_OK ||
                  md_functions(r, "Functions", list, n, o) != MOJO_OK ||
                  out(o, "\n</details>\n") != MOJO_OK))
            return MOJO_ERROR;
    }
    size_t ns = how ? how->top_stacks : 0;
    if (ns > r->nranked)
        ns = r->nranked;
    if (ns == 0)
        return MOJO_OK;
    if (out(o, "\n<details><summary>Largest changes per stack</summary>\n\n"
            "| Δ | base -> new | p-value | Stack (leaf last) |\n|---:|---|---:|---|\n") != MOJO_OK)
        return MOJO_ERROR;
    for (size_t i = 0; i < ns; i++) {
        const mojo_diff_stack *s = r->ranked[i];
        char sp[64], p[16], st[160];
        if (out(o, "| %+.1f | %s | %s | ", s->m.points, span(r, &s->m, sp, sizeof sp),
                pvalue(s->m.p_value, p, sizeof p)) != MOJO_OK ||
            mcode(o, stack_brief(r, s, st, sizeof st)) != MOJO_OK ||
            out(o, " |\n") != MOJO_OK)
            return MOJO_ERROR;
    }
    return out(o, "\n</details>\n");
}

/* ------------------------------------------------- folded and profiles */

int mojo_diff_write_folded(const mojo_diff_report *r, mojo_output *o)
{
    /* with shares, the base is scaled to the new total, as difffolded.pl -n */
    double scale = !r->absolute && r->side[0].total > 0
                       ? (double)r->side[1].total / (double)r->side[0].total : 1;
    for (size_t i = 0; i < r->nstacks; i++) {
        const mojo_diff_stack *s = &r->stacks[i];
        if (s->process || s->thread) {
            if (out(o, "P%lld;T%lld%s", (long long)s->process, (long long)s->thread,
                    s->nframes ? ";" : "") != MOJO_OK)
                return MOJO_ERROR;
        } else if (s->nframes == 0 && out(o, "(no frames)") != MOJO_OK) {
            return MOJO_ERROR;
        }
        for (size_t k = 0; k < s->nframes; k++) {
            char buf[4096];
            size_t n = frame_text(mojo_frames_get(r->frames, s->frames[k]), buf,
                                  sizeof buf);
            if ((k && mojo_output_putc(o, ';') != MOJO_OK) ||
                mojo_output_write(o, buf, n) != MOJO_OK)
                return MOJO_ERROR;
        }
        if (out(o, " %lld %lld\n", (long long)llround((double)s->m.value[0] * scale),
                (long long)s->m.value[1]) != MOJO_OK)
            return MOJO_ERROR;
    }
    return MOJO_OK;
}

static int meta(mojo_writer *w, const char *k, const char *v)
{
    mojo_event ev = {.type = MOJO_EVENT_METADATA};
    ev.u.metadata.key = (mojo_str){k, strlen(k)};
    ev.u.metadata.value = (mojo_str){v, strlen(v)};
    return mojo_writer_write(w, &ev);
}

int mojo_diff_write_profile(const mojo_diff_report *r, unsigned side,
                            mojo_writer *w)
{
    bool memory = r->metric == MOJO_DIFF_METRIC_ALLOC ||
                  r->metric == MOJO_DIFF_METRIC_DEALLOC;
    const char *mode = memory ? "memory"
                     : r->metric == MOJO_DIFF_METRIC_CPU ? "cpu" : "wall";
    char interval[24];
    snprintf(interval, sizeof interval, "%lld", (long long)r->side[side].interval);
    if (meta(w, "mode", mode) != MOJO_OK ||
        (r->side[side].interval >= 0 && meta(w, "interval", interval) != MOJO_OK))
        return MOJO_ERROR;
    size_t most = 1;
    for (size_t i = 0; i < r->nstacks; i++)
        if (r->stacks[i].nframes > most)
            most = r->stacks[i].nframes;
    const mojo_frame **frames = malloc(most * sizeof *frames);
    if (!frames)
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    int rc = MOJO_OK;
    for (size_t i = 0; rc == MOJO_OK && i < r->nstacks; i++) {
        const mojo_diff_stack *s = &r->stacks[i];
        int64_t v = s->m.value[side];
        if (s->m.samples[side] == 0)
            continue;
        for (size_t k = 0; k < s->nframes; k++)
            frames[k] = mojo_frames_get(r->frames, s->frames[k]);
        mojo_event ev = {.type = MOJO_EVENT_SAMPLE};
        mojo_sample *smp = &ev.u.sample;
        *smp = (mojo_sample){.pid = s->process, .iid = -1,
                             .tid = (uint64_t)s->thread, .frames = frames,
                             .nframes = s->nframes, .timestamp = -1};
        smp->thread_name = (mojo_str){"", 0};
        if (memory) {
            smp->metrics = MOJO_METRIC_MEMORY;
            smp->memory = r->metric == MOJO_DIFF_METRIC_ALLOC ? v : -v;
        } else {
            smp->metrics = MOJO_METRIC_TIME; /* samples: the counts */
            smp->time = v;
        }
        rc = mojo_writer_write(w, &ev);
    }
    free(frames);
    return rc;
}
