/* The end system of the declarative-connector bench row: an HTTP/1.1 server
 * on a free loopback port that answers every request with the same small JSON
 * body and keeps each connection alive, one thread per connection. Prints its
 * port on the first line of standard output and serves until standard input
 * closes (when the bench that started it ends, however it ends). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char answer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n"
    "{\"ok\":true,\"answer\":\"pong\"}";

static int write_all(int fd, const char *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t count = write(fd, buffer + done, length - done);
        if (count <= 0) return -1;
        done += (size_t)count;
    }
    return 0;
}

/* Answers each request on the connection: one whose head ends in a blank
 * line; the bench sends no bodies. */
static void *serve(void *argument) {
    int fd = (int)(intptr_t)argument;
    char buffer[16384];
    size_t held = 0;
    for (;;) {
        ssize_t count = read(fd, buffer + held, sizeof buffer - held - 1);
        if (count <= 0) break;
        held += (size_t)count;
        buffer[held] = '\0';
        char *end;
        while ((end = strstr(buffer, "\r\n\r\n")) != NULL) {
            if (write_all(fd, answer, sizeof answer - 1) != 0) goto done;
            size_t used = (size_t)(end + 4 - buffer);
            memmove(buffer, buffer + used, held - used);
            held -= used;
            buffer[held] = '\0';
        }
        if (held >= sizeof buffer - 1) break;
    }
done:
    close(fd);
    return NULL;
}

static void *stop_when_parent_ends(void *unused) {
    (void)unused;
    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {}
    exit(0);
}

int main(void) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) return 1;
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 64) != 0
        || getsockname(listener, (struct sockaddr *)&address, &length) != 0)
        return 1;
    printf("%d\n", ntohs(address.sin_port));
    fflush(stdout);
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, stop_when_parent_ends, NULL) != 0) return 1;
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve, (void *)(intptr_t)fd) != 0) {
            close(fd);
            continue;
        }
        pthread_detach(thread);
    }
}
