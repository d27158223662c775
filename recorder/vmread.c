/* Safe self-reads: process_vm_readv, or pread on /proc/self/mem. */
#include "config.h"
#include "vmread.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { VM_NONE, VM_READV, VM_PROCMEM };

static int vm_kind = VM_NONE;
static pid_t vm_pid;
static int vm_fd = -1;

static int readv_self(void *dst, uintptr_t addr, size_t len)
{
#ifdef HAVE_PROCESS_VM_READV
    struct iovec local = { dst, len };
    struct iovec remote = { (void *)addr, len };
    ssize_t n = process_vm_readv(vm_pid, &local, 1, &remote, 1, 0);
    return n == (ssize_t)len ? 0 : -1;
#else
    (void)dst; (void)addr; (void)len;
    errno = ENOSYS;
    return -1;
#endif
}

static int pread_self(void *dst, uintptr_t addr, size_t len)
{
    /* Addresses above 2^63 do not fit off_t; no user mapping lives there. */
    if (addr > (uintptr_t)INT64_MAX - len)
        return -1;
    ssize_t n = pread(vm_fd, dst, len, (off_t)addr);
    return n == (ssize_t)len ? 0 : -1;
}

int vm_init(void)
{
    static const long probe = 0x6d6f6a6f;
    long copy = 0;

    vm_pid = getpid();
    if (vm_fd >= 0) {
        close(vm_fd);
        vm_fd = -1;
    }
    vm_kind = VM_NONE;
    if (readv_self(&copy, (uintptr_t)&probe, sizeof copy) == 0 && copy == probe) {
        vm_kind = VM_READV;
        return 0;
    }
    vm_fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
    if (vm_fd >= 0 && pread_self(&copy, (uintptr_t)&probe, sizeof copy) == 0 &&
        copy == probe) {
        vm_kind = VM_PROCMEM;
        return 0;
    }
    if (vm_fd >= 0) {
        close(vm_fd);
        vm_fd = -1;
    }
    return -1;
}

int vm_read(void *dst, uintptr_t addr, size_t len)
{
    if (len == 0)
        return 0;
    if (addr == 0)
        return -1;
    switch (vm_kind) {
    case VM_READV: return readv_self(dst, addr, len);
    case VM_PROCMEM: return pread_self(dst, addr, len);
    default: return -1;
    }
}

/* process_vm_readv takes at most IOV_MAX (1024) vectors a call. */
#define VM_BATCH 64

size_t vm_read_many(void *dst, const uintptr_t *addr, size_t n, size_t len, unsigned char *ok)
{
    size_t good = 0;
    char *out = dst;
    for (size_t i = 0; i < n; i++)
        ok[i] = 0;
#ifdef HAVE_PROCESS_VM_READV
    if (vm_kind == VM_READV) {
        struct iovec local[VM_BATCH], remote[VM_BATCH];
        for (size_t base = 0; base < n; base += VM_BATCH) {
            size_t k = n - base < VM_BATCH ? n - base : VM_BATCH;
            for (size_t j = 0; j < k; j++) {
                local[j].iov_base = out + (base + j) * len;
                local[j].iov_len = len;
                remote[j].iov_base = (void *)addr[base + j];
                remote[j].iov_len = len;
            }
            ssize_t got = process_vm_readv(vm_pid, local, k, remote, k, 0);
            /* It stops at the first block it cannot read: mark those before
             * it, then read the rest one by one. */
            size_t full = got > 0 ? (size_t)got / len : 0;
            for (size_t j = 0; j < k; j++) {
                if (j < full || vm_read(out + (base + j) * len, addr[base + j], len) == 0) {
                    ok[base + j] = 1;
                    good++;
                }
            }
        }
        return good;
    }
#endif
    for (size_t i = 0; i < n; i++)
        if (vm_read(out + i * len, addr[i], len) == 0) {
            ok[i] = 1;
            good++;
        }
    return good;
}

const char *vm_method(void)
{
    switch (vm_kind) {
    case VM_READV: return "process_vm_readv";
    case VM_PROCMEM: return "/proc/self/mem";
    default: return "none";
    }
}
