/* The sampling recorder: a native thread that samples every Python thread
 * of this process into a MOJO file without taking the GIL.
 *
 * One recorder per process. Start and stop it from a Python thread; around
 * os.fork call rec_pause in the parent before forking, then rec_resume in
 * the parent or rec_fork_child in the child.
 */
#ifndef RECORDER_SAMPLER_H
#define RECORDER_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

typedef enum rec_mode {
    REC_WALL,      /* every thread, time since the previous sample */
    REC_CPU,       /* running threads only */
    REC_MEMORY,    /* RSS growth, given to the thread holding the GIL */
    REC_FULL       /* time, idle flag and memory */
} rec_mode;

typedef struct rec_config {
    rec_mode mode;
    int64_t interval_us;
    int catch_sigterm;     /* flush and die by SIGTERM when it arrives */
    int summary_on_term;   /* then also print the summary on stderr */
    uintptr_t boundary;    /* code object whose frames and callers are hidden */
} rec_config;

typedef struct rec_summary {
    uint64_t samples;      /* samples written */
    uint64_t rounds;       /* sampling rounds (one per interval) */
    uint64_t late;         /* rounds that took longer than the interval */
    uint64_t errors;       /* samples with a frame that could not be read */
    uint64_t threads;      /* distinct threads seen */
    int64_t duration_us;
    int64_t round_min_us, round_avg_us, round_max_us;
} rec_summary;

const char *rec_mode_name(rec_mode m);
/* "wall", "cpu", "memory", "full"; -1 for anything else. */
int rec_mode_from_name(const char *name);

/* Open path for writing MOJO, write the start metadata (the recorder's own
 * keys, then the NULL-terminated key/value pairs in meta) and start the
 * sampling thread. 0, or -1 with a message in err. */
int rec_start(const char *path, const rec_config *cfg, const char *const *meta,
              char *err, size_t errlen);
/* Stop the thread, write the end metadata and close the file. 0, or -1 with
 * a message (the file then holds every sample written before the error). */
int rec_stop(rec_summary *out, char *err, size_t errlen);
int rec_active(void);
const char *rec_output_path(void);
void rec_get_summary(rec_summary *out);

/* Fork support: stop the thread and flush; then resume in the parent, or in
 * the child start over with a new file (same configuration). */
void rec_pause(void);
void rec_resume(void);
int rec_fork_child(const char *path, const char *const *meta, char *err, size_t errlen);
/* In a child that is not to be recorded: drop the copy of the parent's
 * recorder without writing anything into the parent's file. */
void rec_forget(void);

/* Write a mark (metadata "mark: TIME_US KIND NAME"); kind is point, start or
 * stop. 0, or -1 if not recording. */
int rec_mark(const char *kind, const char *name);

/* The closing paragraph for stderr. */
void rec_format_summary(char *buf, size_t cap, const char *path, const rec_summary *s,
                        rec_mode mode, int64_t interval_us, int children);

#endif
