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

const char *vm_method(void)
{
    switch (vm_kind) {
    case VM_READV: return "process_vm_readv";
    case VM_PROCMEM: return "/proc/self/mem";
    default: return "none";
    }
}
