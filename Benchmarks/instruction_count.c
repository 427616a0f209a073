/*
 * A QEMU TCG plugin that counts the guest instructions a program executes, in
 * every thread, and prints the total to standard error when it exits:
 * `make bench-instructions` runs the bench under `qemu-x86_64 -plugin` with it.
 *
 * It stands in for `valgrind --tool=callgrind`, which (valgrind 3.19) dies on
 * any program that uses Swift concurrency. An instruction count is stable on a
 * noisy machine where nanoseconds are not.
 *
 * Only the few entry points of QEMU's plugin API (version 1, QEMU 7.2) it uses
 * are declared here; QEMU resolves them when it loads the plugin.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;

#define EXPORTED __attribute__((visibility("default")))

EXPORTED int qemu_plugin_version = 1;

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                           void (*translated)(qemu_plugin_id_t, struct qemu_plugin_tb *));
/* flags 0: QEMU_PLUGIN_CB_NO_REGS, the callback reads no register. */
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *block, void (*executed)(unsigned int, void *),
                                          int flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *block);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*exiting)(qemu_plugin_id_t, void *), void *userdata);

/* Guest threads run in parallel: the total is added to atomically (QEMU's
 * inline counter is not atomic, and would lose counts between threads). */
static uint64_t executed_instructions;

static void block_executed(unsigned int vcpu, void *instructions) {
    (void)vcpu;
    __atomic_fetch_add(&executed_instructions, (uint64_t)(uintptr_t)instructions, __ATOMIC_RELAXED);
}

static void block_translated(qemu_plugin_id_t id, struct qemu_plugin_tb *block) {
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_cb(block, block_executed, 0, (void *)(uintptr_t)qemu_plugin_tb_n_insns(block));
}

static void program_exiting(qemu_plugin_id_t id, void *userdata) {
    (void)id;
    (void)userdata;
    fprintf(stderr, "instructions %llu\n", (unsigned long long)__atomic_load_n(&executed_instructions, __ATOMIC_RELAXED));
}

EXPORTED int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv) {
    (void)info;
    (void)argc;
    (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, block_translated);
    qemu_plugin_register_atexit_cb(id, program_exiting, NULL);
    return 0;
}
