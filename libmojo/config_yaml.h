/* YAML settings: mojodiff's configuration (--config) and mojofilter's
 * rules (--rules), read with libyaml. A bad file gives one error naming
 * the file, line and column: "ci.yaml:3:12: threshold: expected a number".
 *
 * mojodiff:                          mojofilter:
 *   threshold: 5                       pid: [1234, 1240]
 *   alpha: 0.01                        thread: [main, 0x1a2b]
 *   metric: cpu                        iid: 0
 *   compare: share | absolute          focus: 'app\.py:handle'
 *   ignore-lines: true                 ignore: ['^<frozen ']
 *   by-pid: false                      hide: 'threading\.py'
 *   by-thread: false                   root: ':main:'
 *   ignore: ['^<frozen ']              no-idle: true
 *   budgets:                           gc: false
 *     - function: 'app\.py:parse$'     from: 1.5s
 *       threshold: 2                   to: 3000ms
 *       max-share: 30
 */
#ifndef MOJO_CONFIG_YAML_H
#define MOJO_CONFIG_YAML_H

#include "diff.h"
#include "filter.h"

/* What a loaded file owns: the strings and arrays the options point to. */
typedef struct mojo_config mojo_config;

/* Apply the settings of path to *o: keys present replace scalars, lists
 * (ignore, budgets) are appended to those already in *o. The arrays of *o
 * then point into the returned config; free it when *o is no longer used.
 * NULL with *err filled when the file is unreadable or wrong. */
MOJO_HIDDEN mojo_config *mojo_diff_config_load(const char *path,
                                               mojo_diff_options *o,
                                               mojo_error *err);
/* The same for mojofilter's rules: every list is appended to. */
MOJO_HIDDEN mojo_config *mojo_filter_rules_load(const char *path,
                                                mojo_filter_options *o,
                                                mojo_error *err);
MOJO_HIDDEN void mojo_config_free(mojo_config *c);

/* A duration: a number of seconds, or a number with a unit (s, ms, us).
 * False when s is not one, or is negative. */
MOJO_HIDDEN bool mojo_parse_duration(const char *s, int64_t *us);

#endif
