/* The sandbox worker's system-call filter (libseccomp; Debian: libseccomp-dev).
 * Linked into connector-host-worker only: the host never filters itself. */
#ifndef CCONNECTORHOSTSECCOMP_H
#define CCONNECTORHOSTSECCOMP_H

/* Sets no_new_privs and installs a filter on the calling process (all its
 * threads, and everything it starts) that answers EPERM to the system calls
 * no connector needs: ptrace, process_vm_readv/writev, mount, umount2,
 * pivot_root, module loading, bpf, perf_event_open, keyctl, add_key,
 * request_key, kexec, reboot, unshare, setns, and execve/execveat unless
 * allow_exec is not 0. Every other call is allowed. Returns 0, or a negative
 * errno value from libseccomp. */
int CConnectorHostSeccomp_install(int allow_exec);

/* Restricts the calling thread, and every thread and process it starts
 * afterwards, to reading (and executing) files beneath the readable paths and
 * reading and writing beneath the writable ones (Landlock; sets
 * no_new_privs). Paths that do not exist are skipped. Call it before any
 * other thread starts: threads that already run keep their access. Returns
 * the kernel's Landlock ABI version once applied, 0 when the kernel has no
 * Landlock, or a negative errno value. */
int CConnectorHostSeccomp_landlock(const char *const *readable, int readable_count, const char *const *writable,
                                   int writable_count);

#endif
