/* Shared helpers for the command-line tools: opening inputs and outputs
 * with errors reported once, and running a conversion. */
#ifndef MOJO_CLI_H
#define MOJO_CLI_H

#ifdef HAVE_CONFIG_H
#include "config.h" /* _GNU_SOURCE and friends first */
#endif

#include <stdbool.h>
#include <stdio.h>

#include "mojo.h"

/* The program name used in messages (set by cli_init). */
extern const char *cli_prog;

void cli_init(const char *argv0);
/* "prog: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog (mojo-tools) VERSION" and exit 0. */
void cli_version(void) __attribute__((noreturn));
/* For a bad option: "prog: ...; try 'prog --help'" and exit 2. */
void cli_usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Open an input ("-" or NULL: standard input); prints the error and
 * returns NULL on failure. frames may be NULL. */
mojo_reader *cli_open_input(const char *path, mojo_frames *frames);
/* Open an output ("-" or NULL: standard output). */
mojo_writer *cli_open_output(const char *path, mojo_format format,
                             const mojo_writer_options *opts);
/* Pick an output format from a file name's extension (.mojo, .austin,
 * .txt, .pb, .pb.gz, .pprof, .json, .speedscope.json, .etl); UNKNOWN if none. */
mojo_format cli_format_from_path(const char *path);

/* Parse a text metric name (auto, time, cpu, memory, alloc, dealloc). */
bool cli_parse_text_metric(const char *s, mojo_text_metric *m);

/* The positional INPUT [OUTPUT] after the options (argv[first] on): *input
 * gets INPUT ("-" when it may be left out and is), *output OUTPUT unless
 * -o already set it. A usage error exits 2. */
void cli_positional_io(int argc, char **argv, int first, bool input_required,
                       const char **input, const char **output);
/* Open input and output and convert one to the other: the exit status. */
int cli_run_conversion(const char *input, const char *output,
                       mojo_format format, const mojo_writer_options *opts);

/* Copy every event from r to w, then close both. On a read error the
 * samples before it are still written. Returns the exit status: 0, or 1
 * after printing the error. */
int cli_convert(mojo_reader *r, mojo_writer *w);
/* Report a reader error (if any) and close it; returns 0 or 1. */
int cli_close_reader(mojo_reader *r);
/* Close a writer, reporting its error; returns 0 or 1. */
int cli_close_writer(mojo_writer *w);

#endif
