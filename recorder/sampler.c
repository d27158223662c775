/* The sampling thread and its output; see sampler.h. */
#include "config.h"
#include "sampler.h"
#include "pyread.h"
#include "vmread.h"
#include "walker.h"
#include "mojo.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Caps on what one round walks: a torn list must not loop for ever. */
#define MAX_INTERPS 256
#define MAX_THREADS 4096
/* Buffered samples reach the file at least this often, so that a process
 * leaving by os._exit loses little. */
#define FLUSH_EVERY_US 100000
#define SEEN_TIDS 4096
#define IDLE_SLOTS 256

typedef struct idle_slot {
    uint64_t tid;
    int fd;                        /* -1: free */
    dev_t dev;                     /* what fd is (see fd_close_if_ours) */
    ino_t ino;
    uint64_t round;                /* last round the thread was seen */
} idle_slot;

typedef struct recorder {
    rec_config cfg;
    char *path;
    mojo_frames *frames;
    walker *walker;
    mojo_writer *writer;
    int out_fd;                    /* the writer's descriptor, ours */
    dev_t out_dev;
    ino_t out_ino;
    pthread_mutex_t lock;          /* guards writer and stats */
    pthread_t thread;
    int running;                   /* the thread exists */
    atomic_int stop;
    int wake[2];                   /* self-pipe: stop requests and SIGTERM */
    dev_t wake_dev[2];
    ino_t wake_ino[2];
    int statm_fd;
    dev_t statm_dev;
    ino_t statm_ino;
    int64_t pid;                   /* ours: changes in a fork child */
    int64_t start_us, last_us, last_flush_us;
    int64_t last_rss;              /* RSS when growth was last given out */
    int mem_given;                 /* this round gave it to a thread */
    int write_failed;
    char write_error[512];
    rec_summary sum;
    int64_t round_total_us;
    uint64_t seen[SEEN_TIDS];      /* open-addressed set of thread ids */
    idle_slot idle[IDLE_SLOTS];    /* open /proc/self/task/TID/stat files */
    walk_result walk;
} recorder;

static recorder *rec;
static int output_ours(recorder *r);
static volatile sig_atomic_t term_requested;
static int term_handler_installed;
static struct sigaction old_term_action;

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *rec_mode_name(rec_mode m)
{
    static const char *names[] = { "wall", "cpu", "memory", "full" };
    return (unsigned)m < 4 ? names[m] : "wall";
}

int rec_mode_from_name(const char *name)
{
    for (int m = REC_WALL; m <= REC_FULL; m++)
        if (strcmp(name, rec_mode_name((rec_mode)m)) == 0)
            return m;
    return -1;
}

/* ------------------------------------------------------------ output */

static mojo_str str_of(const char *s)
{
    mojo_str r = { s, strlen(s) };
    return r;
}

/* Caller holds the lock. Remembers the first failure and stops writing. */
static void put_event(recorder *r, const mojo_event *ev)
{
    if (r->write_failed || !r->writer)
        return;
    if (mojo_writer_write(r->writer, ev) != MOJO_OK) {
        const mojo_error *e = mojo_writer_error(r->writer);
        snprintf(r->write_error, sizeof r->write_error, "%s",
                 e ? e->message : "write failed");
        r->write_failed = 1;
    }
}

static void put_meta(recorder *r, const char *key, const char *value)
{
    mojo_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = MOJO_EVENT_METADATA;
    ev.u.metadata.key = str_of(key);
    ev.u.metadata.value = str_of(value);
    put_event(r, &ev);
}

static void put_start_meta(recorder *r, const char *const *meta)
{
    char buf[64];
    put_meta(r, "recorder", "mojo-record " PACKAGE_VERSION);
    snprintf(buf, sizeof buf, "%" PRId64, r->cfg.interval_us);
    put_meta(r, "interval", buf);
    put_meta(r, "mode", rec_mode_name(r->cfg.mode));
    if (r->cfg.mode == REC_MEMORY || r->cfg.mode == REC_FULL) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        if (pages > 0 && size > 0) {
            snprintf(buf, sizeof buf, "%lld", (long long)pages * size / 1024);
            put_meta(r, "memory", buf);
        }
    }
    for (size_t i = 0; meta && meta[i] && meta[i + 1]; i += 2)
        put_meta(r, meta[i], meta[i + 1]);
}

static void put_end_meta(recorder *r)
{
    char buf[96];
    rec_summary *s = &r->sum;
    snprintf(buf, sizeof buf, "%" PRId64, s->duration_us);
    put_meta(r, "duration", buf);
    if (s->rounds) {
        snprintf(buf, sizeof buf, "%" PRId64 ",%" PRId64 ",%" PRId64,
                 s->round_min_us, s->round_avg_us, s->round_max_us);
        put_meta(r, "sampling", buf);
        snprintf(buf, sizeof buf, "%" PRIu64 "/%" PRIu64, s->late, s->rounds);
        put_meta(r, "saturation", buf);
    }
    snprintf(buf, sizeof buf, "%" PRIu64 "/%" PRIu64, s->errors, s->samples);
    put_meta(r, "errors", buf);
    snprintf(buf, sizeof buf, "%" PRIu64, s->samples);
    put_meta(r, "samples", buf);
}

/* ------------------------------------------------------------ probes */

/* Our descriptors live among the program's: a program that closes every
 * descriptor and opens new ones could hand our numbers to its own files.
 * Remember what each one is and close it only if it still is that. */
static void fd_note(int fd, dev_t *dev, ino_t *ino)
{
    struct stat st;
    *dev = 0;
    *ino = 0;
    if (fd >= 0 && fstat(fd, &st) == 0) {
        *dev = st.st_dev;
        *ino = st.st_ino;
    }
}

static void fd_close_if_ours(int fd, dev_t dev, ino_t ino)
{
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
        close(fd);
}

/* Resident set size in bytes, -1 if unknown. */
static int64_t read_rss(recorder *r)
{
    char buf[128];
    if (r->statm_fd < 0)
        return -1;
    ssize_t n = pread(r->statm_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    long long size, resident;
    if (sscanf(buf, "%lld %lld", &size, &resident) != 2)
        return -1;
    return resident * (int64_t)sysconf(_SC_PAGESIZE);
}

/* Idle = the kernel does not have the thread running or runnable. Read
 * from its state, not from CPU time deltas (which a loaded machine skews).
 * Each thread's stat file stays open while the thread is seen, so a sample
 * costs one pread. */
static int stat_fd(recorder *r, uint64_t tid)
{
    size_t i = (size_t)(tid * 0x9E3779B97F4A7C15ull >> 56) % IDLE_SLOTS;
    for (size_t k = 0; k < IDLE_SLOTS; k++, i = (i + 1) % IDLE_SLOTS) {
        idle_slot *sl = &r->idle[i];
        if (sl->fd >= 0 && sl->tid == tid) {
            sl->round = r->sum.rounds;
            return sl->fd;
        }
        if (sl->fd < 0) {
            char path[64];
            snprintf(path, sizeof path, "/proc/self/task/%" PRIu64 "/stat", tid);
            sl->fd = open(path, O_RDONLY | O_CLOEXEC);
            fd_note(sl->fd, &sl->dev, &sl->ino);
            sl->tid = tid;
            sl->round = r->sum.rounds;
            return sl->fd;
        }
    }
    return -1;   /* table full: the caller opens and closes */
}

/* Close the files of threads not seen for a while (they ended). */
static void stat_fds_sweep(recorder *r)
{
    for (size_t i = 0; i < IDLE_SLOTS; i++) {
        idle_slot *sl = &r->idle[i];
        if (sl->fd >= 0 && r->sum.rounds - sl->round > 100) {
            fd_close_if_ours(sl->fd, sl->dev, sl->ino);
            sl->fd = -1;
        }
    }
    /* Reinsert survivors so that probing finds them past the holes. */
    idle_slot keep[IDLE_SLOTS];
    memcpy(keep, r->idle, sizeof keep);
    for (size_t i = 0; i < IDLE_SLOTS; i++)
        r->idle[i].fd = -1;
    for (size_t i = 0; i < IDLE_SLOTS; i++) {
        if (keep[i].fd < 0)
            continue;
        size_t j = (size_t)(keep[i].tid * 0x9E3779B97F4A7C15ull >> 56) % IDLE_SLOTS;
        while (r->idle[j].fd >= 0)
            j = (j + 1) % IDLE_SLOTS;
        r->idle[j] = keep[i];
    }
}

static void stat_fds_close(recorder *r)
{
    for (size_t i = 0; i < IDLE_SLOTS; i++) {
        fd_close_if_ours(r->idle[i].fd, r->idle[i].dev, r->idle[i].ino);
        r->idle[i].fd = -1;
    }
}

static int thread_idle(recorder *r, uint64_t tid)
{
    char buf[512];
    int fd = stat_fd(r, tid), own = 0;
    if (fd < 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%" PRIu64 "/stat", tid);
        if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            return 0;
        own = 1;
    }
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (own)
        close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* The command name may hold spaces and ')': the state follows the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    return p[2] != 'R';
}

static void note_thread(recorder *r, uint64_t tid)
{
    size_t i = (size_t)((tid * 0x9E3779B97F4A7C15ull) >> 52) % SEEN_TIDS;
    for (size_t k = 0; k < SEEN_TIDS; k++, i = (i + 1) % SEEN_TIDS) {
        if (r->seen[i] == tid + 1)
            return;
        if (r->seen[i] == 0) {
            r->seen[i] = tid + 1;
            r->sum.threads++;
            return;
        }
    }
}

/* ------------------------------------------------------------ sampling */

static void sample_thread(recorder *r, int64_t pid, int64_t iid, uintptr_t ts_addr,
                          const py_thread_view *tv, uintptr_t holder,
                          int64_t time_delta, int64_t mem_delta, int64_t now)
{
    walk_result *w = &r->walk;
    if (walker_walk(r->walker, tv, w) != 0)
        return;
    /* A walk that raced with the thread (a frame freed under us as a deep
     * stack unwinds, a thread starting or ending) is tried once more: a
     * few microseconds later the thread is usually readable again. */
    py_thread_view again;
    if (w->error && pyr_thread_read(ts_addr, &again) == 0 && again.top_frame &&
        walker_walk(r->walker, &again, w) != 0)
        return;
    if (w->nframes == 0)
        return;
    int idle = 0;
    if (r->cfg.mode == REC_CPU || r->cfg.mode == REC_FULL)
        idle = thread_idle(r, tv->native_tid);
    if (r->cfg.mode == REC_CPU && idle)
        return;
    int64_t mem = ts_addr == holder ? mem_delta : 0;
    if (r->cfg.mode == REC_MEMORY && mem == 0)
        return;
    if (ts_addr == holder)
        r->mem_given = 1;

    mojo_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = MOJO_EVENT_SAMPLE;
    mojo_sample *s = &ev.u.sample;
    s->pid = pid;
    s->iid = iid;
    s->tid = tv->native_tid;
    s->thread_name.ptr = "";
    s->frames = w->frames;
    s->nframes = w->nframes;
    s->timestamp = now - r->start_us;
    switch (r->cfg.mode) {
    case REC_WALL:
    case REC_CPU:
        s->metrics = MOJO_METRIC_TIME;
        s->time = time_delta;
        break;
    case REC_MEMORY:
        s->metrics = MOJO_METRIC_MEMORY;
        s->memory = mem;
        break;
    case REC_FULL:
        s->metrics = MOJO_METRIC_TIME | MOJO_METRIC_MEMORY;
        s->time = time_delta;
        s->memory = mem;
        s->flags = idle ? MOJO_SAMPLE_IDLE : 0;
        break;
    }
    put_event(r, &ev);
    r->sum.samples++;
    if (w->error)
        r->sum.errors++;
    note_thread(r, tv->native_tid);
}

static void sample_round(recorder *r)
{
    int64_t now = mono_us();
    int64_t time_delta = now - r->last_us;
    int64_t mem_delta = 0;
    int64_t pid = r->pid;
    r->last_us = now;

    /* The growth since the last time it was given to a thread goes to the
     * thread holding the GIL now; with no holder it waits (as Austin's). */
    int64_t rss = -1;
    if (r->cfg.mode == REC_MEMORY || r->cfg.mode == REC_FULL) {
        rss = read_rss(r);
        if (rss >= 0 && r->last_rss < 0)
            r->last_rss = rss;
        if (rss >= 0)
            mem_delta = rss - r->last_rss;
    }
    r->mem_given = 0;

    pthread_mutex_lock(&r->lock);
    if (r->writer)
        output_ours(r);
    uintptr_t interp = 0;
    if (pyr_first_interp(&interp) == 0) {
        for (int ni = 0; interp && ni < MAX_INTERPS; ni++) {
            py_interp_view iv;
            if (pyr_interp_read(interp, &iv) != 0)
                break;
            uintptr_t holder = 0;
            if (r->cfg.mode == REC_MEMORY || r->cfg.mode == REC_FULL)
                pyr_gil_holder(interp, &holder);
            uintptr_t ts = iv.threads_head;
            for (int nt = 0; ts && nt < MAX_THREADS; nt++) {
                py_thread_view tv;
                if (pyr_thread_read(ts, &tv) != 0 || tv.next == ts)
                    break;
                if (tv.top_frame)
                    sample_thread(r, pid, iv.id, ts, &tv, holder, time_delta, mem_delta, now);
                ts = tv.next;
            }
            interp = iv.next;
        }
    }
    if (r->mem_given)
        r->last_rss = rss;
    if (r->sum.rounds % 100 == 99)
        stat_fds_sweep(r);
    if (now - r->last_flush_us >= FLUSH_EVERY_US) {
        if (r->writer && !r->write_failed)
            mojo_writer_flush(r->writer);
        r->last_flush_us = now;
    }
    pthread_mutex_unlock(&r->lock);

    int64_t took = mono_us() - now;
    rec_summary *s = &r->sum;
    if (s->rounds == 0 || took < s->round_min_us)
        s->round_min_us = took;
    if (took > s->round_max_us)
        s->round_max_us = took;
    r->round_total_us += took;
    s->rounds++;
    s->round_avg_us = r->round_total_us / (int64_t)s->rounds;
    if (took > r->cfg.interval_us)
        s->late++;
}

static void finish_file(recorder *r, char *err, size_t errlen);

/* SIGTERM: the handler only wakes the sampler, which flushes and then lets
 * the signal kill the process as it would have without us. */
static void on_sigterm(int sig)
{
    (void)sig;
    int saved = errno;
    term_requested = 1;
    struct stat st;   /* fstat is async-signal-safe: write only into our pipe */
    if (rec && rec->wake[1] >= 0 && fstat(rec->wake[1], &st) == 0 &&
        st.st_dev == rec->wake_dev[1] && st.st_ino == rec->wake_ino[1]) {
        ssize_t n = write(rec->wake[1], "t", 1);
        (void)n;
    }
    errno = saved;
}

static void die_by_sigterm(recorder *r)
{
    char msg[1024];
    pthread_mutex_lock(&r->lock);
    r->sum.duration_us = mono_us() - r->start_us;
    finish_file(r, msg, sizeof msg);
    pthread_mutex_unlock(&r->lock);
    if (r->cfg.summary_on_term) {
        rec_format_summary(msg, sizeof msg, r->path, &r->sum, r->cfg.mode,
                           r->cfg.interval_us, 0);
        ssize_t n = write(2, msg, strlen(msg));
        (void)n;
    }
    signal(SIGTERM, SIG_DFL);
    kill(getpid(), SIGTERM);
    for (;;)
        pause();
}

static void *sampler_main(void *arg)
{
    recorder *r = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);   /* signals are the program's */

    int64_t next = mono_us() + r->cfg.interval_us;
    while (!atomic_load(&r->stop)) {
        int64_t now = mono_us();
        if (now < next) {
            struct pollfd pfd = { r->wake[0], POLLIN, 0 };
            int64_t wait = next - now;
            struct timespec ts = { (time_t)(wait / 1000000), (long)(wait % 1000000) * 1000 };
            if (ppoll(&pfd, 1, &ts, NULL) > 0) {
                char drain[16];
                ssize_t n = read(r->wake[0], drain, sizeof drain);
                (void)n;
            }
            if (term_requested)
                die_by_sigterm(r);
            continue;
        }
        sample_round(r);
        next += r->cfg.interval_us;
        now = mono_us();
        if (next < now)        /* fell behind: skip the missed ticks */
            next = now + r->cfg.interval_us;
    }
    return NULL;
}

/* ------------------------------------------------------------ lifecycle */

static void install_sigterm(recorder *r)
{
    struct sigaction cur;
    if (!r->cfg.catch_sigterm || term_handler_installed)
        return;
    /* Only where nobody else handles SIGTERM: a program's handler wins. */
    if (sigaction(SIGTERM, NULL, &cur) != 0 || cur.sa_handler != SIG_DFL ||
        (cur.sa_flags & SA_SIGINFO))
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGTERM, &sa, &old_term_action) == 0)
        term_handler_installed = 1;
}

static void remove_sigterm(void)
{
    struct sigaction cur;
    if (!term_handler_installed)
        return;
    if (sigaction(SIGTERM, NULL, &cur) == 0 && cur.sa_handler == on_sigterm)
        sigaction(SIGTERM, &old_term_action, NULL);
    term_handler_installed = 0;
}

static int start_thread(recorder *r)
{
    atomic_store(&r->stop, 0);
    if (pthread_create(&r->thread, NULL, sampler_main, r) != 0)
        return -1;
    r->running = 1;
    return 0;
}

static void stop_thread(recorder *r)
{
    if (!r->running)
        return;
    atomic_store(&r->stop, 1);
    struct stat st;
    if (fstat(r->wake[1], &st) == 0 && st.st_dev == r->wake_dev[1] && st.st_ino == r->wake_ino[1]) {
        ssize_t n = write(r->wake[1], "s", 1);
        (void)n;
    }
    pthread_join(r->thread, NULL);
    r->running = 0;
}

/* Whether the output descriptor is still the file we opened. Once it is
 * not, the writer is given up for good (and never flushed). */
static int output_ours(recorder *r)
{
    struct stat st;
    if (r->out_fd < 0)
        return 0;
    if (fstat(r->out_fd, &st) == 0 && st.st_dev == r->out_dev && st.st_ino == r->out_ino)
        return 1;
    if (!r->write_failed)
        snprintf(r->write_error, sizeof r->write_error, "%s: the program closed the "
                 "recording's file descriptor; samples after that are lost", r->path);
    r->write_failed = 1;
    r->writer = NULL;              /* left unclosed: its buffer must not land elsewhere */
    r->out_fd = -1;
    return 0;
}

/* Finish the writer and close our descriptor. MOJO_OK or MOJO_ERROR. */
static int close_output(recorder *r, mojo_error *me)
{
    int rc = MOJO_OK;
    if (r->writer && output_ours(r))
        rc = mojo_writer_close(r->writer, me);
    else if (r->writer || r->out_fd >= 0)
        rc = MOJO_ERROR;
    if (r->out_fd >= 0)
        fd_close_if_ours(r->out_fd, r->out_dev, r->out_ino);
    r->out_fd = -1;
    r->writer = NULL;
    if (rc != MOJO_OK && me && !r->writer)
        snprintf(me->message, sizeof me->message, "%s", r->write_error[0] ? r->write_error
                 : "the recording's file was lost");
    return rc;
}

static int open_output(recorder *r, const char *path, const char *const *meta,
                       char *err, size_t errlen)
{
    mojo_writer_options wo;
    mojo_error me;
    memset(&wo, 0, sizeof wo);
    wo.mojo_version = 3;
    /* Our own descriptor, so that we can tell when the program closed it
     * and reused its number (then we must not write into it). */
    r->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (r->out_fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    fd_note(r->out_fd, &r->out_dev, &r->out_ino);
    r->writer = mojo_writer_open_fd(r->out_fd, path, MOJO_FORMAT_MOJO, &wo, &me);
    if (!r->writer) {
        snprintf(err, errlen, "%s", me.message);
        close(r->out_fd);
        r->out_fd = -1;
        return -1;
    }
    free(r->path);
    r->path = strdup(path);
    r->write_failed = 0;
    r->write_error[0] = '\0';
    memset(&r->sum, 0, sizeof r->sum);
    memset(r->seen, 0, sizeof r->seen);
    r->round_total_us = 0;
    r->pid = (int64_t)getpid();
    r->start_us = r->last_us = r->last_flush_us = mono_us();
    r->last_rss = -1;
    put_start_meta(r, meta);
    if (!r->write_failed)
        mojo_writer_flush(r->writer);
    if (r->write_failed) {
        snprintf(err, errlen, "%s", r->write_error);
        close_output(r, NULL);
        return -1;
    }
    return 0;
}

static int open_pipe(recorder *r)
{
    if (pipe(r->wake) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(r->wake[i], F_SETFL, fcntl(r->wake[i], F_GETFL) | O_NONBLOCK);
        fcntl(r->wake[i], F_SETFD, FD_CLOEXEC);
        fd_note(r->wake[i], &r->wake_dev[i], &r->wake_ino[i]);
    }
    return 0;
}

static void close_fds(recorder *r)
{
    for (int i = 0; i < 2; i++)
        fd_close_if_ours(r->wake[i], r->wake_dev[i], r->wake_ino[i]);
    r->wake[0] = r->wake[1] = -1;
    fd_close_if_ours(r->statm_fd, r->statm_dev, r->statm_ino);
    r->statm_fd = -1;
    stat_fds_close(r);
}

static void open_statm(recorder *r)
{
    r->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    fd_note(r->statm_fd, &r->statm_dev, &r->statm_ino);
}

static void recorder_free(recorder *r)
{
    walker_free(r->walker);
    if (r->frames)
        mojo_frames_unref(r->frames);
    close_fds(r);
    pthread_mutex_destroy(&r->lock);
    free(r->path);
    free(r);
}

int rec_start(const char *path, const rec_config *cfg, const char *const *meta,
              char *err, size_t errlen)
{
    if (rec) {
        snprintf(err, errlen, "the recorder is already running (writing %s)", rec->path);
        return -1;
    }
    if (cfg->interval_us <= 0 || cfg->interval_us > 60000000) {
        snprintf(err, errlen, "interval %" PRId64 " us is out of range (1 us to 60 s)",
                 cfg->interval_us);
        return -1;
    }
    if (vm_init() != 0) {
        snprintf(err, errlen, "cannot read this process's memory "
                 "(process_vm_readv and /proc/self/mem both refused)");
        return -1;
    }
    recorder *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->cfg = *cfg;
    r->wake[0] = r->wake[1] = -1;
    r->out_fd = -1;
    for (size_t i = 0; i < IDLE_SLOTS; i++)
        r->idle[i].fd = -1;
    open_statm(r);
    pthread_mutex_init(&r->lock, NULL);
    if (!(r->frames = mojo_frames_new()) || !(r->walker = walker_new(r->frames)) ||
        open_pipe(r) != 0) {
        snprintf(err, errlen, "out of memory or file descriptors");
        recorder_free(r);
        return -1;
    }
    walker_set_boundary(r->walker, cfg->boundary);
    if (open_output(r, path, meta, err, errlen) != 0) {
        recorder_free(r);
        return -1;
    }
    if (start_thread(r) != 0) {
        snprintf(err, errlen, "cannot start the sampling thread: %s", strerror(errno));
        close_output(r, NULL);
        recorder_free(r);
        return -1;
    }
    term_requested = 0;
    rec = r;
    install_sigterm(r);
    return 0;
}

/* Caller holds the lock. End metadata, close; err gets the first error. */
static void finish_file(recorder *r, char *err, size_t errlen)
{
    mojo_error me;
    err[0] = '\0';
    if (!r->writer)
        return;
    if (output_ours(r))
        put_end_meta(r);
    int failed = r->write_failed;
    if (failed)
        snprintf(err, errlen, "%s", r->write_error);
    memset(&me, 0, sizeof me);
    if (close_output(r, &me) != MOJO_OK && !failed) {
        snprintf(err, errlen, "%s", me.message);
        failed = 1;
    }
    r->write_failed = failed;
}

int rec_stop(rec_summary *out, char *err, size_t errlen)
{
    err[0] = '\0';
    if (!rec) {
        snprintf(err, errlen, "the recorder is not running");
        return -1;
    }
    recorder *r = rec;
    remove_sigterm();
    stop_thread(r);
    pthread_mutex_lock(&r->lock);
    r->sum.duration_us = mono_us() - r->start_us;
    finish_file(r, err, errlen);
    int failed = r->write_failed;
    pthread_mutex_unlock(&r->lock);
    if (out)
        *out = r->sum;
    rec = NULL;
    recorder_free(r);
    return failed ? -1 : 0;
}

int rec_active(void)
{
    return rec != NULL;
}

const char *rec_output_path(void)
{
    return rec ? rec->path : NULL;
}

void rec_get_summary(rec_summary *out)
{
    memset(out, 0, sizeof *out);
    if (!rec)
        return;
    pthread_mutex_lock(&rec->lock);
    *out = rec->sum;
    out->duration_us = mono_us() - rec->start_us;
    pthread_mutex_unlock(&rec->lock);
}

void rec_pause(void)
{
    if (!rec)
        return;
    stop_thread(rec);
    pthread_mutex_lock(&rec->lock);
    if (rec->writer && !rec->write_failed && output_ours(rec))
        mojo_writer_flush(rec->writer);
    pthread_mutex_unlock(&rec->lock);
}

void rec_resume(void)
{
    if (rec && !rec->running)
        start_thread(rec);
}

/* In a fork child: the parent's thread does not exist here and the lock
 * may have been copied in any state, so make a fresh one; the parent's file
 * was flushed before the fork, so closing our copy writes nothing into it. */
static void drop_parent_copy(recorder *r)
{
    pthread_mutex_init(&r->lock, NULL);
    r->running = 0;
    close_output(r, NULL);
}

/* Forget the recorder entirely (nothing is written). */
static void discard(recorder *r)
{
    close_output(r, NULL);
    rec = NULL;
    remove_sigterm();
    recorder_free(r);
}

int rec_fork_child(const char *path, const char *const *meta, char *err, size_t errlen)
{
    err[0] = '\0';
    if (!rec)
        return 0;
    recorder *r = rec;
    drop_parent_copy(r);
    close_fds(r);
    open_statm(r);
    if (vm_init() != 0 || open_pipe(r) != 0 ||
        open_output(r, path, meta, err, errlen) != 0 || start_thread(r) != 0) {
        if (!err[0])
            snprintf(err, errlen, "cannot restart the recorder in the child process");
        discard(r);
        return -1;
    }
    return 0;
}

void rec_forget(void)
{
    if (!rec)
        return;
    drop_parent_copy(rec);
    discard(rec);
}

int rec_mark(const char *kind, const char *name)
{
    char value[1024];
    if (!rec)
        return -1;
    pthread_mutex_lock(&rec->lock);
    snprintf(value, sizeof value, "%" PRId64 " %s %s", mono_us() - rec->start_us, kind, name);
    put_meta(rec, "mark", value);
    pthread_mutex_unlock(&rec->lock);
    return 0;
}

void rec_format_summary(char *buf, size_t cap, const char *path, const rec_summary *s,
                        rec_mode mode, int64_t interval_us, int children)
{
    char every[32], stem[1024];
    if (interval_us % 1000 == 0)
        snprintf(every, sizeof every, "%" PRId64 " ms", interval_us / 1000);
    else
        snprintf(every, sizeof every, "%" PRId64 " us", interval_us);
    /* The viewers' files go beside the recording, named after it. */
    snprintf(stem, sizeof stem, "%s", path);
    char *dot = strrchr(stem, '.'), *slash = strrchr(stem, '/');
    if (dot && (!slash || dot > slash + 1))
        *dot = '\0';
    snprintf(buf, cap,
             "mojo-record: %" PRIu64 " samples of %" PRIu64 " thread%s in %.2f s "
             "(%s mode, every %s, %" PRIu64 " late rounds, %" PRIu64 " with errors) "
             "written to %s%s. To view it: a flame graph with "
             "`mojo2austin --no-metadata %s | flamegraph.pl > %s.svg`, "
             "pprof with `austin2pprof %s -o %s.pb.gz && go tool pprof -top %s.pb.gz`, "
             "Speedscope with `austin2speedscope %s -o %s.speedscope.json` "
             "(then open it in speedscope).\n",
             s->samples, s->threads, s->threads == 1 ? "" : "s",
             (double)s->duration_us / 1e6, rec_mode_name(mode), every, s->late,
             s->errors, path,
             children ? " (child processes wrote NAME.PID files beside it; "
                        "merge them with mojofilter)" : "",
             path, stem, path, stem, stem, path, stem);
}
