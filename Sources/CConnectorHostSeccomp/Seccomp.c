#include "CConnectorHostSeccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>

int CConnectorHostSeccomp_install(int allow_exec) {
    /* EPERM, not a kill: a plugin that tries gets an error it can report,
     * and the host a clear message rather than a crash to decode. */
    static const char *const denied[] = {
        "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root",
        "init_module", "finit_module", "delete_module", "bpf", "perf_event_open", "keyctl",
        "add_key", "request_key", "kexec_load", "kexec_file_load", "reboot", "unshare", "setns",
        "open_tree", "move_mount", "fsopen", "fsmount", "fsconfig", "fspick", "userfaultfd",
    };
    static const char *const exec_calls[] = {"execve", "execveat"};
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL) return -ENOMEM;
    int result = seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, 1);
    if (result == 0) result = seccomp_attr_set(filter, SCMP_FLTATR_CTL_TSYNC, 1);
    for (size_t index = 0; result == 0 && index < sizeof denied / sizeof *denied; index++) {
        int number = seccomp_syscall_resolve_name(denied[index]);
        /* A call this architecture does not have needs no rule. */
        if (number == __NR_SCMP_ERROR) continue;
        result = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), number, 0);
    }
    for (size_t index = 0; result == 0 && !allow_exec && index < sizeof exec_calls / sizeof *exec_calls; index++) {
        result = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), seccomp_syscall_resolve_name(exec_calls[index]), 0);
    }
    if (result == 0) result = seccomp_load(filter);
    seccomp_release(filter);
    return result;
}
