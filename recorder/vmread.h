/* Reading this process's own memory without trusting it.
 *
 * The sampler copies interpreter structures that other threads are changing
 * under it. A plain dereference of a pointer freed a moment ago can crash;
 * process_vm_readv on our own pid returns EFAULT instead. Where that system
 * call is not allowed, /proc/self/mem gives the same guarantee.
 */
#ifndef RECORDER_VMREAD_H
#define RECORDER_VMREAD_H

#include <stddef.h>
#include <stdint.h>

/* Pick the method for the current process; call again after fork (the pid
 * changes). 0 on success, -1 when neither method works. */
int vm_init(void);

/* Copy len bytes at addr into dst. 0 when every byte was read, else -1. */
int vm_read(void *dst, uintptr_t addr, size_t len);

/* Copy n blocks (addr[i], len bytes each) into dst + i * len, in as few
 * system calls as possible. ok[i] is set to 1 for every block read in full.
 * Returns how many were read. */
size_t vm_read_many(void *dst, const uintptr_t *addr, size_t n, size_t len, unsigned char *ok);

/* Which method vm_init chose: "process_vm_readv", "/proc/self/mem", "none". */
const char *vm_method(void);

#endif
