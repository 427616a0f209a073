/* Landlock, the kernel's unprivileged file-system sandbox, through its raw
 * system calls (glibc has no wrappers): the worker's second file-system
 * layer under bubblewrap's mount view, and the only one without namespaces. */
#define _GNU_SOURCE
#include "CConnectorHostSeccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define READ_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define WRITE_RIGHTS                                                                                               \
    (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |             \
     LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                  \
     LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                \
     LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)
/* The rights a rule on a file (not a directory) may carry. */
#define FILE_RIGHTS                                                                                                \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |                 \
     LANDLOCK_ACCESS_FS_TRUNCATE)

/* Grants rights beneath path; a path that does not exist needs no rule. */
static int allow(int ruleset, const char *path, uint64_t rights, uint64_t handled) {
    int descriptor = open(path, O_PATH | O_CLOEXEC);
    if (descriptor < 0) return errno == ENOENT ? 0 : -errno;
    struct stat status;
    if (fstat(descriptor, &status) != 0) {
        int error = errno;
        close(descriptor);
        return -error;
    }
    if (!S_ISDIR(status.st_mode)) rights &= FILE_RIGHTS;
    struct landlock_path_beneath_attr rule = {.allowed_access = rights & handled, .parent_fd = descriptor};
    long result = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int error = errno;
    close(descriptor);
    return result == 0 ? 0 : -error;
}

int CConnectorHostSeccomp_landlock(const char *const *readable, int readable_count, const char *const *writable,
                                   int writable_count) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) return 0;
    uint64_t handled = READ_RIGHTS | WRITE_RIGHTS;
    /* Rights newer than the kernel's ABI cannot be handled (EINVAL). */
    if (abi < 2) handled &= ~LANDLOCK_ACCESS_FS_REFER;
    if (abi < 3) handled &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
    struct landlock_ruleset_attr attributes = {.handled_access_fs = handled};
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attributes, sizeof attributes, 0);
    if (ruleset < 0) return -errno;
    int result = 0;
    for (int index = 0; result == 0 && index < readable_count; index++)
        result = allow(ruleset, readable[index], READ_RIGHTS, handled);
    for (int index = 0; result == 0 && index < writable_count; index++)
        result = allow(ruleset, writable[index], READ_RIGHTS | WRITE_RIGHTS, handled);
    /* Required to restrict oneself without CAP_SYS_ADMIN; seccomp sets it too. */
    if (result == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) result = -errno;
    if (result == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) result = -errno;
    close(ruleset);
    return result == 0 ? (int)abi : result;
}
