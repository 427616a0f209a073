/* Process-control helpers for the host and its sandbox workers: what Swift
 * cannot reach directly (macros, GNU extensions) or should do in one step. */
#ifndef CCONNECTORHOSTSYSTEM_H
#define CCONNECTORHOSTSYSTEM_H

/* The package supports Linux only; say so at the first file a build reaches,
 * rather than with a hundred missing symbols. */
#ifndef __linux__
#error "ConnectorHost runs on Linux only: it relies on inotify, pidfd, eventfd, SOCK_CLOEXEC, prctl, seccomp, Landlock and namespaces"
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The SHA-256 of length bytes at data, into digest (32 bytes). For identifiers
 * derived from public text, such as a declarative connector's slug: the worker
 * links no cryptographic library for them. */
void CConnectorHostSystem_sha256(const uint8_t *data, size_t length, uint8_t digest[32]);

/* Starts executable with arguments argv (NULL-terminated) and the environment
 * envp, with socket_fd as the child's fd 3 (none when it is negative), stdout_fd
 * and stderr_fd as its fds 1 and 2, /dev/null as fd 0, every other descriptor closed, an empty
 * signal mask and default signal dispositions (an embedding process may ignore
 * SIGPIPE; the worker must not inherit that), in a process group of its own (so that the
 * host can kill whatever the worker started, where no PID namespace does it).
 * Uses posix_spawn, never fork. Returns 0 and sets *pid, or an errno value. */
int CConnectorHostSystem_spawn(const char *executable, char *const argv[], char *const envp[], int socket_fd,
                               int stdout_fd, int stderr_fd, pid_t *pid);

/* eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK): a counter another thread writes to
 * wake a thread that polls it. Returns -1 with errno on failure. */
int CConnectorHostSystem_wake_descriptor(void);

/* pidfd_open(pid, 0): a descriptor that becomes readable when the process
 * ends, whoever holds its other descriptors. Returns it, or -1 with errno set
 * (ENOSYS before Linux 5.3). */
int CConnectorHostSystem_pidfd_open(pid_t pid);

/* Blocks until descriptor is readable, hung up or in error (retrying EINTR).
 * Returns 0, or -1 with errno set. */
int CConnectorHostSystem_wait_readable(int descriptor);

/* prctl(PR_SET_DUMPABLE, 0): no core dump, and no ptrace or /proc/PID/mem
 * of this process by another process of the same user. 0 or an errno. */
int CConnectorHostSystem_make_undumpable(void);

/* pipe2(fds, O_CLOEXEC): a pipe whose ends are not inherited across exec.
 * Returns 0, or an errno value. */
int CConnectorHostSystem_pipe(int fds[2]);

/* Makes the calling process receive SIGKILL when its parent dies; then, in
 * case the parent died before this call, exits if the parent is no longer
 * expected_parent. Returns 0, or an errno value. */
int CConnectorHostSystem_die_with_parent(pid_t expected_parent);

/* Decoding a waitpid() status. */
int CConnectorHostSystem_exited(int status);
int CConnectorHostSystem_exit_status(int status);
int CConnectorHostSystem_signaled(int status);
int CConnectorHostSystem_terminating_signal(int status);

/* "SEGV" for SIGSEGV, or NULL for an unknown number. */
const char *CConnectorHostSystem_signal_name(int signal_number);

/* Applies an rlimit (soft and hard) to the calling process; 0 or an errno. */
int CConnectorHostSystem_limit_address_space(unsigned long long bytes);
int CConnectorHostSystem_limit_cpu_seconds(unsigned long long seconds);
int CConnectorHostSystem_limit_open_files(unsigned long long count);
int CConnectorHostSystem_limit_processes(unsigned long long count);

/* Watches a directory with inotify for files written (closed after writing),
 * renamed in or out, created and deleted. Returns the descriptor (close-on-
 * exec), or -1 with errno set. */
int CConnectorHostSystem_watch_directory(const char *path);

/* Ends the watch: a reader blocked in CConnectorHostSystem_read_changes
 * returns 0. The caller closes the descriptor afterwards. */
void CConnectorHostSystem_unwatch(int descriptor);

/* Blocks until changes arrive, then writes them to names as NUL-terminated
 * entries "+NAME" (written, created or renamed in) or "-NAME" (deleted or
 * renamed out). Returns the bytes written, 0 when the watch is gone, or -1
 * with errno set. capacity should be at least 4096. */
long CConnectorHostSystem_read_changes(int descriptor, char *names, unsigned long capacity);

/* Stream sockets of the egress proxy (Sockets.c). Each returns a descriptor
 * (close-on-exec) or -errno. */

/* Listens on a Unix socket at path (mode 0600). */
int CConnectorHostSystem_listen_unix(const char *path);
/* Connects to the Unix socket at path. */
int CConnectorHostSystem_connect_unix(const char *path);
/* Listens on 127.0.0.1:port. */
int CConnectorHostSystem_listen_loopback(unsigned short port);
/* Accepts a connection (retrying EINTR); -errno once the socket is shut down. */
int CConnectorHostSystem_accept(int descriptor);
/* Resolves host and connects to the first address that answers on port. */
int CConnectorHostSystem_connect_tcp(const char *host, const char *port);
/* Copies bytes both ways until both directions have ended; closes nothing. */
void CConnectorHostSystem_relay(int first, int second);
/* Sends length bytes on the Unix socket with descriptor attached (SCM_RIGHTS):
 * the receiver gets its own copy of it. 0, or -errno. */
int CConnectorHostSystem_send_descriptor(int socket, int descriptor, const void *bytes, unsigned long length);

#endif
