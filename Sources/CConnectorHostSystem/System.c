#define _GNU_SOURCE
#include "CConnectorHostSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int CConnectorHostSystem_spawn(const char *executable, char *const argv[], char *const envp[], int socket_fd,
                               int stdout_fd, int stderr_fd, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    result = posix_spawnattr_init(&attributes);
    if (result != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    if (!result && socket_fd >= 0) result = posix_spawn_file_actions_adddup2(&actions, socket_fd, 3);
    if (!result) result = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    if (!result) result = posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    if (!result) result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (!result) result = posix_spawn_file_actions_addclosefrom_np(&actions, socket_fd >= 0 ? 4 : 3);
    if (!result) result = posix_spawnattr_setsigmask(&attributes, &empty);
    if (!result) result = posix_spawnattr_setsigdefault(&attributes, &all);
    if (!result) result = posix_spawnattr_setpgroup(&attributes, 0);
    if (!result)
        result = posix_spawnattr_setflags(&attributes,
                                          POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    if (!result) result = posix_spawn(pid, executable, &actions, &attributes, argv, envp);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return result;
}

int CConnectorHostSystem_wake_descriptor(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int CConnectorHostSystem_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int CConnectorHostSystem_wait_readable(int descriptor) {
    struct pollfd fd = {.fd = descriptor, .events = POLLIN};
    int ready;
    do {
        ready = poll(&fd, 1, -1);
    } while (ready < 0 && errno == EINTR);
    return ready < 0 ? -1 : 0;
}

int CConnectorHostSystem_make_undumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : errno; }

int CConnectorHostSystem_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno; }

int CConnectorHostSystem_die_with_parent(pid_t expected_parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return errno;
    if (getppid() != expected_parent) _exit(70);
    return 0;
}

int CConnectorHostSystem_exited(int status) { return WIFEXITED(status); }
int CConnectorHostSystem_exit_status(int status) { return WEXITSTATUS(status); }
int CConnectorHostSystem_signaled(int status) { return WIFSIGNALED(status); }
int CConnectorHostSystem_terminating_signal(int status) { return WTERMSIG(status); }

const char *CConnectorHostSystem_signal_name(int signal_number) { return sigabbrev_np(signal_number); }

static int limit(int resource, unsigned long long value) {
    struct rlimit bounds = {.rlim_cur = (rlim_t)value, .rlim_max = (rlim_t)value};
    return setrlimit(resource, &bounds) == 0 ? 0 : errno;
}

int CConnectorHostSystem_limit_address_space(unsigned long long bytes) { return limit(RLIMIT_AS, bytes); }
int CConnectorHostSystem_limit_cpu_seconds(unsigned long long seconds) { return limit(RLIMIT_CPU, seconds); }
int CConnectorHostSystem_limit_open_files(unsigned long long count) { return limit(RLIMIT_NOFILE, count); }
int CConnectorHostSystem_limit_processes(unsigned long long count) { return limit(RLIMIT_NPROC, count); }

int CConnectorHostSystem_watch_directory(const char *path) {
    int descriptor = inotify_init1(IN_CLOEXEC);
    if (descriptor < 0) return -1;
    if (inotify_add_watch(descriptor, path,
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF) < 0) {
        int saved = errno;
        close(descriptor);
        errno = saved;
        return -1;
    }
    return descriptor;
}

void CConnectorHostSystem_unwatch(int descriptor) {
    /* The only watch of the instance has descriptor 1: removing it queues an
     * IN_IGNORED event, which wakes the reader. */
    inotify_rm_watch(descriptor, 1);
}

long CConnectorHostSystem_read_changes(int descriptor, char *names, unsigned long capacity) {
    char events[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t count;
    do {
        count = read(descriptor, events, sizeof events);
    } while (count < 0 && errno == EINTR);
    if (count <= 0) return count;
    unsigned long used = 0;
    for (char *at = events; at < events + count;) {
        const struct inotify_event *event = (const struct inotify_event *)at;
        at += sizeof(struct inotify_event) + event->len;
        if (event->mask & (IN_DELETE_SELF | IN_IGNORED)) return 0;
        if (event->len == 0) continue;
        size_t length = strlen(event->name);
        if (used + length + 2 > capacity) break;
        names[used++] = (event->mask & (IN_DELETE | IN_MOVED_FROM)) ? '-' : '+';
        memcpy(names + used, event->name, length + 1);
        used += length + 1;
    }
    return (long)used;
}
