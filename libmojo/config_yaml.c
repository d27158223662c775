/* YAML settings for mojodiff and mojofilter (see config.h). */
#include "config_yaml.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_SETTINGS (1 << 20)

struct mojo_config {
    void **owned;
    size_t n, cap;
};

void mojo_config_free(mojo_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c);
}

typedef struct loader {
    const char *path;
    yaml_document_t doc;
    mojo_config *c;
    mojo_error *err;
} loader;

static bool fail_at(loader *L, const yaml_node_t *n, const char *fmt, ...)
    MOJO_PRINTF(3, 4);
static bool fail_at(loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char what[400], where[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(where, sizeof where, "%s:%zu:%zu", L->path,
             n->start_mark.line + 1, n->start_mark.column + 1);
    mojo_error_set_nooff(L->err, MOJO_E_FORMAT, where, "%s", what);
    L->err->offset = n->start_mark.index;
    return false;
}

static bool nomem(loader *L)
{
    mojo_error_set_nooff(L->err, MOJO_E_NOMEM, L->path, "out of memory");
    return false;
}

/* Own p from now on (freed with the config); NULL when out of memory. */
static void *keep(loader *L, void *p)
{
    mojo_config *c = L->c;
    if (p && mojo_grow((void **)&c->owned, &c->cap, c->n + 1, sizeof *c->owned)) {
        c->owned[c->n++] = p;
        return p;
    }
    free(p);
    return NULL;
}

static yaml_node_t *node(loader *L, int id)
{
    return yaml_document_get_node(&L->doc, id);
}

static const char *text(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* ------------------------------------------------------------- scalars */

static bool scalar(loader *L, const yaml_node_t *n, const char *key,
                   const char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(L, n, "%s: expected a single value", key);
    if (!(*out = keep(L, strdup(text(n)))))
        return nomem(L);
    return true;
}

static bool number(loader *L, const yaml_node_t *n, const char *key,
                   double *out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(L, n, "%s: expected a number", key);
    char *end;
    errno = 0;
    double v = strtod(text(n), &end);
    if (end == text(n) || *end || errno || !isfinite(v) || v < 0)
        return fail_at(L, n, "%s: expected a number of 0 or more, not '%s'",
                       key, text(n));
    *out = v;
    return true;
}

static bool integer(loader *L, const yaml_node_t *n, const char *key,
                    int64_t *out)
{
    char *end;
    errno = 0;
    long long v = n->type == YAML_SCALAR_NODE ? strtoll(text(n), &end, 10) : 0;
    if (n->type != YAML_SCALAR_NODE || end == text(n) || *end || errno)
        return fail_at(L, n, "%s: expected an integer", key);
    *out = v;
    return true;
}

static bool boolean(loader *L, const yaml_node_t *n, const char *key, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    if (n->type == YAML_SCALAR_NODE)
        for (size_t i = 0; i < 3; i++) {
            if (!strcasecmp(text(n), yes[i]))
                return *out = true;
            if (!strcasecmp(text(n), no[i]))
                return !(*out = false);
        }
    return fail_at(L, n, "%s: expected true or false", key);
}

static bool duration(loader *L, const yaml_node_t *n, const char *key,
                     int64_t *out)
{
    if (n->type != YAML_SCALAR_NODE || !mojo_parse_duration(text(n), out))
        return fail_at(L, n, "%s: expected a duration such as 1.5s, 200ms or "
                       "300us", key);
    return true;
}

bool mojo_parse_duration(const char *s, int64_t *us)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return false;
    while (*end == ' ')
        end++;
    double scale = !*end || !strcmp(end, "s") ? 1e6
                 : !strcmp(end, "ms") ? 1e3
                 : !strcmp(end, "us") || !strcmp(end, "\xc2\xb5s") ? 1 : 0;
    if (scale == 0 || v * scale > 9e18)
        return false;
    *us = (int64_t)llround(v * scale);
    return true;
}

/* --------------------------------------------------------------- lists */

/* A scalar or a sequence of scalars, each passed to item(). */
typedef bool (*item_fn)(loader *L, const yaml_node_t *n, const char *key,
                        void *out);

static bool each(loader *L, const yaml_node_t *n, const char *key,
                 item_fn item, void *out)
{
    if (n->type == YAML_SCALAR_NODE)
        return item(L, n, key, out);
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(L, n, "%s: expected a value or a list", key);
    for (yaml_node_item_t *i = n->data.sequence.items.start;
         i < n->data.sequence.items.top; i++)
        if (!item(L, node(L, *i), key, out))
            return false;
    return true;
}

/* A growing copy of an option's array, owned by the config. */
typedef struct growing {
    void **array;  /* the option's array pointer */
    size_t *count;
    size_t size;   /* of an element */
} growing;

static void *append(loader *L, growing *g)
{
    char *copy = malloc((*g->count + 1) * g->size);
    if (!copy || !keep(L, copy))
        return NULL;
    if (*g->count)
        memcpy(copy, *g->array, *g->count * g->size);
    *g->array = copy;
    return copy + (*g->count)++ * g->size;
}

static bool string_item(loader *L, const yaml_node_t *n, const char *key, void *out)
{
    const char *s = NULL, **slot;
    if (!scalar(L, n, key, &s))
        return false;
    if (!(slot = append(L, out)))
        return nomem(L);
    *slot = s;
    return true;
}

/* A pattern is compiled here too, so that a bad one is shown where it is. */
static bool check_regex(loader *L, const yaml_node_t *n, const char *key)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(L, n, "%s: expected a regex", key);
    regex_t re;
    int rc = regcomp(&re, text(n), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[200];
        regerror(rc, &re, msg, sizeof msg);
        return fail_at(L, n, "%s: bad regex '%s': %s", key, text(n), msg);
    }
    regfree(&re);
    return true;
}

static bool regex_item(loader *L, const yaml_node_t *n, const char *key, void *out)
{
    return check_regex(L, n, key) && string_item(L, n, key, out);
}

static bool int_item(loader *L, const yaml_node_t *n, const char *key, void *out)
{
    int64_t v = 0, *slot;
    if (!integer(L, n, key, &v))
        return false;
    if (!(slot = append(L, out)))
        return nomem(L);
    *slot = v;
    return true;
}

#define GROWING(arr, cnt) (&(growing){(void **)&(arr), &(cnt), sizeof *(arr)})

/* ------------------------------------------------------------- loading */

static bool load(loader *L)
{
    FILE *f = fopen(L->path, "rb");
    if (!f) {
        int e = errno;
        mojo_error_set_nooff(L->err, MOJO_E_IO, L->path, "%s", strerror(e));
        L->err->sys_errno = e;
        return false;
    }
    /* settings are small: a large file is a mistake, not a config */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > MAX_SETTINGS) {
        fclose(f);
        mojo_error_set_nooff(L->err, MOJO_E_LIMIT, L->path,
                             "larger than %d KiB: not a settings file",
                             MAX_SETTINGS / 1024);
        return false;
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        fclose(f);
        return nomem(L);
    }
    yaml_parser_set_input_file(&p, f);
    bool ok = yaml_parser_load(&p, &L->doc);
    if (!ok) {
        char where[300];
        snprintf(where, sizeof where, "%s:%zu:%zu", L->path,
                 p.problem_mark.line + 1, p.problem_mark.column + 1);
        mojo_error_set_nooff(L->err, MOJO_E_FORMAT, where, "%s%s%s",
                             p.problem ? p.problem : "not YAML",
                             p.context ? " " : "", p.context ? p.context : "");
        L->err->offset = p.problem_mark.index;
    }
    yaml_parser_delete(&p);
    fclose(f);
    return ok;
}

/* Call setting() for each key of the top mapping, with the key's name
 * normalized ("ignore_lines" is "ignore-lines"). */
typedef bool (*setting_fn)(loader *L, const char *key, const yaml_node_t *k,
                           const yaml_node_t *v, void *o);

static mojo_config *load_settings(const char *path, setting_fn setting, void *o,
                                  mojo_error *err)
{
    loader L = {.path = path, .err = err};
    if (!(L.c = calloc(1, sizeof *L.c))) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, path, "out of memory");
        return NULL;
    }
    if (!load(&L)) {
        mojo_config_free(L.c);
        return NULL;
    }
    bool ok = true;
    yaml_node_t *root = yaml_document_get_root_node(&L.doc);
    if (root && root->type == YAML_SCALAR_NODE && !*text(root))
        root = NULL; /* an empty document */
    if (root && root->type != YAML_MAPPING_NODE)
        ok = fail_at(&L, root, "expected a mapping of settings (key: value)");
    for (yaml_node_pair_t *p = root && ok ? root->data.mapping.pairs.start : NULL;
         ok && p && p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(&L, p->key), *v = node(&L, p->value);
        if (k->type != YAML_SCALAR_NODE) {
            ok = fail_at(&L, k, "expected a setting's name");
            break;
        }
        char key[64];
        snprintf(key, sizeof key, "%s", text(k));
        for (char *c = key; *c; c++)
            if (*c == '_')
                *c = '-';
        ok = setting(&L, key, k, v, o);
    }
    yaml_document_delete(&L.doc);
    if (!ok) {
        mojo_config_free(L.c);
        return NULL;
    }
    return L.c;
}

/* ------------------------------------------------------------ mojodiff */

static bool budget(loader *L, const yaml_node_t *n, const char *key, void *out)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(L, n, "%s: expected a mapping with 'function'", key);
    mojo_diff_budget b = {.threshold = -1, .max_share = -1};
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(L, p->key), *v = node(L, p->value);
        const char *name = k->type == YAML_SCALAR_NODE ? text(k) : "";
        if (!strcmp(name, "function")) {
            if (!check_regex(L, v, "function") || !scalar(L, v, "function", &b.pattern))
                return false;
        } else if (!strcmp(name, "threshold")) {
            if (!number(L, v, "threshold", &b.threshold))
                return false;
        } else if (!strcmp(name, "max-share") || !strcmp(name, "max_share")) {
            if (!number(L, v, "max-share", &b.max_share))
                return false;
            if (b.max_share > 100)
                return fail_at(L, v, "max-share: a percentage, 0 to 100");
        } else {
            return fail_at(L, k, "unknown budget setting '%s' (function, "
                           "threshold, max-share)", name);
        }
    }
    if (!b.pattern)
        return fail_at(L, n, "%s: a budget needs 'function'", key);
    mojo_diff_budget *slot = append(L, out);
    if (!slot)
        return nomem(L);
    *slot = b;
    return true;
}

static bool diff_setting(loader *L, const char *key, const yaml_node_t *k,
                         const yaml_node_t *v, void *opts)
{
    mojo_diff_options *o = opts;
    const char *s;
    if (!strcmp(key, "threshold"))
        return number(L, v, key, &o->threshold);
    if (!strcmp(key, "alpha")) {
        if (!number(L, v, key, &o->alpha))
            return false;
        if (o->alpha <= 0 || o->alpha >= 1)
            return fail_at(L, v, "alpha: expected a level between 0 and 1");
        return true;
    }
    if (!strcmp(key, "metric")) {
        if (!scalar(L, v, key, &s))
            return false;
        if (!mojo_diff_metric_parse(s, &o->metric))
            return fail_at(L, v, "metric: expected auto, samples, time, cpu, "
                           "alloc or dealloc, not '%s'", s);
        return true;
    }
    if (!strcmp(key, "compare")) {
        if (!scalar(L, v, key, &s))
            return false;
        if (strcmp(s, "share") && strcmp(s, "absolute"))
            return fail_at(L, v, "compare: expected share or absolute");
        o->absolute = !strcmp(s, "absolute");
        return true;
    }
    if (!strcmp(key, "ignore-lines"))
        return boolean(L, v, key, &o->ignore_lines);
    if (!strcmp(key, "by-pid"))
        return boolean(L, v, key, &o->by_pid);
    if (!strcmp(key, "by-thread"))
        return boolean(L, v, key, &o->by_thread);
    if (!strcmp(key, "ignore"))
        return each(L, v, key, regex_item, GROWING(o->ignore, o->nignore));
    if (!strcmp(key, "budgets")) {
        if (v->type != YAML_SEQUENCE_NODE)
            return fail_at(L, v, "budgets: expected a list");
        return each(L, v, key, budget, GROWING(o->budgets, o->nbudgets));
    }
    return fail_at(L, k, "unknown setting '%s' (threshold, alpha, metric, "
                   "compare, ignore-lines, by-pid, by-thread, ignore, budgets)",
                   text(k));
}

mojo_config *mojo_diff_config_load(const char *path, mojo_diff_options *o,
                                   mojo_error *err)
{
    return load_settings(path, diff_setting, o, err);
}

/* ---------------------------------------------------------- mojofilter */

static bool filter_setting(loader *L, const char *key, const yaml_node_t *k,
                           const yaml_node_t *v, void *opts)
{
    mojo_filter_options *o = opts;
    if (!strcmp(key, "pid"))
        return each(L, v, key, int_item, GROWING(o->pids, o->npids));
    if (!strcmp(key, "iid"))
        return each(L, v, key, int_item, GROWING(o->iids, o->niids));
    if (!strcmp(key, "thread"))
        return each(L, v, key, string_item, GROWING(o->threads, o->nthreads));
    if (!strcmp(key, "focus"))
        return each(L, v, key, regex_item, GROWING(o->focus, o->nfocus));
    if (!strcmp(key, "ignore"))
        return each(L, v, key, regex_item, GROWING(o->ignore, o->nignore));
    if (!strcmp(key, "hide"))
        return each(L, v, key, regex_item, GROWING(o->hide, o->nhide));
    if (!strcmp(key, "root"))
        return each(L, v, key, regex_item, GROWING(o->root, o->nroot));
    if (!strcmp(key, "no-idle"))
        return boolean(L, v, key, &o->no_idle);
    if (!strcmp(key, "gc"))
        return boolean(L, v, key, &o->gc_only);
    if (!strcmp(key, "from"))
        return duration(L, v, key, &o->from);
    if (!strcmp(key, "to"))
        return duration(L, v, key, &o->to);
    return fail_at(L, k, "unknown rule '%s' (pid, iid, thread, focus, ignore, "
                   "hide, root, no-idle, gc, from, to)", text(k));
}

mojo_config *mojo_filter_rules_load(const char *path, mojo_filter_options *o,
                                    mojo_error *err)
{
    return load_settings(path, filter_setting, o, err);
}
