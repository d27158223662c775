/* The ETL reader: the whole input is read into memory at open (producers
 * never stream ETL; the size is capped; compressed buffers are inflated
 * only as the records reach them), the buffers indexed,
 * and at the first event the records are scanned (etl_profile.h). Then:
 * metadata (mode, interval, duration), then one sample per event. */
#include "mojo.h"
#include "etl_profile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct etl_reader {
    etl_file file;
    etl_profile prof;
    etl_profile_options opts;
    bool started;
    int meta;          /* metadata events given so far */
    char value[32];
} etl_reader;

/* ETL starts with the 72-byte header of a buffer of type HEADER whose
 * payload ends inside it; when the bytes are there, the first record is a
 * system header (flags 0xC0) with hook 0, the logfile header. */
bool mojo_etl_sniff(const uint8_t *p, size_t n)
{
    if (n < 64)
        return false;
    uint32_t size = etl_u32(p + ETL_BUF_SIZE);
    uint32_t end = etl_u32(p + ETL_BUF_OFFSET);
    if (etl_u16(p + ETL_BUF_TYPE) != ETL_BUFFER_TYPE_HEADER ||
        size < ETL_BUF_HEADER_SIZE + ETL_SYSTEM_SIZE || size > ETL_MAX_BUFFER ||
        end < ETL_BUF_HEADER_SIZE + ETL_SYSTEM_SIZE || end > size)
        return false;
    if (n >= 80) {
        const uint8_t *rec = p + ETL_BUF_HEADER_SIZE;
        if (rec[3] != ETL_MARKER_FLAGS ||
            (rec[2] != ETL_HDR_SYSTEM32 && rec[2] != ETL_HDR_SYSTEM64) ||
            etl_u16(rec + 6) != 0)
            return false;
    }
    return true;
}

static int slurp(mojo_reader *r, uint8_t **data, size_t *size)
{
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        ptrdiff_t k = mojo_input_need(r->in, 1u << 20);
        if (k < 0) {
            free(buf);
            return mojo_reader_fail_input(r);
        }
        if (k == 0)
            break;
        if ((uint64_t)n + (uint64_t)k > ETL_MAX_INPUT) {
            free(buf);
            return mojo_reader_fail(r, MOJO_E_LIMIT, n,
                                    "ETL input larger than %llu bytes",
                                    (unsigned long long)ETL_MAX_INPUT);
        }
        if (n + (size_t)k > cap) {
            size_t ncap = cap ? cap : (size_t)1 << 20;
            while (ncap < n + (size_t)k)
                ncap *= 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return mojo_reader_fail(r, MOJO_E_NOMEM, n, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        memcpy(buf + n, r->in->cur, (size_t)k);
        n += (size_t)k;
        r->in->cur += k;
    }
    *data = buf;
    *size = n;
    return MOJO_OK;
}

static int etl_init(mojo_reader *r)
{
    etl_reader *st = calloc(1, sizeof *st);
    if (!st)
        return mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
    r->state = st;
    r->version = 0;
    uint8_t *data = NULL;
    size_t size = 0;
    if (slurp(r, &data, &size) != MOJO_OK)
        return MOJO_ERROR;
    if (etl_file_load(&st->file, mojo_input_name(r->in), data, size,
                      &r->err) != MOJO_OK) {
        etl_file_free(&st->file);  /* it owns data now */
        r->failed = true;
        return MOJO_ERROR;
    }
    return MOJO_OK;
}

static int fail_with(mojo_reader *r, const mojo_error *e)
{
    r->err = *e;
    r->failed = true;
    return MOJO_ERROR;
}

static bool metadata(etl_reader *st, mojo_event *ev)
{
    const etl_profile *p = &st->prof;
    const char *key = NULL;
    for (;;) {
        switch (st->meta++) {
        case 0:
            key = "mode";
            snprintf(st->value, sizeof st->value, "%s",
                     p->npushpop == 0 && p->nsamples ? "cpu" : "wall");
            break;
        case 1:
            if (!p->nsamples)
                continue;
            key = "interval";
            snprintf(st->value, sizeof st->value, "%" PRIu32, p->interval_us);
            break;
        case 2:
            if (!p->any_ts)
                continue;
            key = "duration";
            snprintf(st->value, sizeof st->value, "%" PRId64,
                     etl_ts_to_us(&st->file.log, p->last_ts) -
                         etl_ts_to_us(&st->file.log, p->first_ts));
            break;
        default:
            return false;
        }
        ev->type = MOJO_EVENT_METADATA;
        ev->u.metadata.key = (mojo_str){key, strlen(key)};
        ev->u.metadata.value = (mojo_str){st->value, strlen(st->value)};
        return true;
    }
}

static int etl_next(mojo_reader *r, mojo_event *ev)
{
    etl_reader *st = r->state;
    if (!st->started) {
        st->started = true;
        if (etl_profile_init(&st->prof, &st->file, r->frames, &st->opts) != MOJO_OK ||
            (etl_profile_scan(&st->prof) != MOJO_OK && st->prof.fatal))
            return fail_with(r, &st->prof.err);
    }
    if (metadata(st, ev))
        return MOJO_OK;
    int rc = etl_profile_next(&st->prof, &ev->u.sample);
    if (rc == MOJO_OK)
        ev->type = MOJO_EVENT_SAMPLE;
    else if (rc == MOJO_ERROR)
        return fail_with(r, &st->prof.err);
    return rc;
}

static void etl_destroy(mojo_reader *r)
{
    etl_reader *st = r->state;
    if (!st)
        return;
    if (st->started)
        etl_profile_free(&st->prof);
    etl_file_free(&st->file);
    free(st);
    r->state = NULL;
}

const mojo_reader_ops mojo_etl_reader_ops = {etl_init, etl_next, etl_destroy};

int mojo_reader_set_etl_options(mojo_reader *r, const mojo_etl_options *o,
                                mojo_error *err)
{
    if (!r || r->ops != &mojo_etl_reader_ops) {
        mojo_error_set_nooff(err, MOJO_E_USAGE, r ? mojo_reader_name(r) : NULL,
                             "ETL options given for an input that is not ETL");
        return MOJO_ERROR;
    }
    etl_reader *st = r->state;
    if (st->started) {
        mojo_error_set_nooff(err, MOJO_E_USAGE, mojo_reader_name(r),
                             "ETL options must be set before reading");
        return MOJO_ERROR;
    }
    st->opts.marks = o && o->marks;
    st->opts.python_only = o && o->python_only;
    return MOJO_OK;
}
