/* The physical floor of a sandbox call: two processes echoing a
 * length-prefixed message of the same size over a socketpair, one message in
 * flight. Prints one JSON line: median and p99 round trip (ns) and calls/s. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int read_all(int fd, void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t count = read(fd, (char *)buffer + done, length - done);
        if (count <= 0) return -1;
        done += (size_t)count;
    }
    return 0;
}

static int write_all(int fd, const void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t count = write(fd, (const char *)buffer + done, length - done);
        if (count <= 0) return -1;
        done += (size_t)count;
    }
    return 0;
}

static uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int iterations = argc > 1 ? atoi(argv[1]) : 20000;
    size_t size = argc > 2 ? (size_t)atol(argv[2]) : 256;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 1;
    char *message = malloc(size + 4);
    if (!message) return 1;
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        uint32_t length;
        while (read_all(fds[1], &length, 4) == 0 && read_all(fds[1], message + 4, length) == 0) {
            memcpy(message, &length, 4);
            if (write_all(fds[1], message, length + 4) != 0) break;
        }
        _exit(0);
    }
    close(fds[1]);
    uint64_t *samples = malloc(sizeof *samples * (size_t)iterations);
    if (!samples) return 1;
    uint32_t length = (uint32_t)size;
    memset(message + 4, 'x', size);
    for (int warmup = 0; warmup < 1000; warmup++) {
        memcpy(message, &length, 4);
        write_all(fds[0], message, size + 4);
        read_all(fds[0], message, size + 4);
    }
    uint64_t started = now_ns();
    for (int index = 0; index < iterations; index++) {
        uint64_t before = now_ns();
        memcpy(message, &length, 4);
        if (write_all(fds[0], message, size + 4) != 0 || read_all(fds[0], message, size + 4) != 0) return 1;
        samples[index] = now_ns() - before;
    }
    uint64_t elapsed = now_ns() - started;
    close(fds[0]);
    waitpid(child, NULL, 0);
    qsort(samples, (size_t)iterations, sizeof *samples, compare);
    printf("{\"median_ns\":%llu,\"p99_ns\":%llu,\"calls_per_second\":%.0f}\n",
           (unsigned long long)samples[iterations / 2], (unsigned long long)samples[iterations * 99 / 100],
           iterations / (elapsed / 1e9));
    return 0;
}
