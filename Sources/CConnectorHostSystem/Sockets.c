/* Plain stream sockets for the egress proxy (host side) and its loopback
 * forwarder (worker side): listen, accept, connect, relay bytes both ways, and
 * hand a connected socket over to the worker.
 * Errors come back as -errno; descriptors are close-on-exec, so a plugin
 * allowed to exec programs does not hand them on. */
#define _GNU_SOURCE
#include "CConnectorHostSystem.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address->sun_path) return -ENAMETOOLONG;
    strcpy(address->sun_path, path);
    return 0;
}

int CConnectorHostSystem_listen_unix(const char *path) {
    struct sockaddr_un address;
    int invalid = unix_address(path, &address);
    if (invalid) return invalid;
    int descriptor = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (descriptor < 0) return -errno;
    /* Its directory keeps others out; inside the sandbox the worker's user is
     * mapped to the host's, so owner access is enough. */
    if (bind(descriptor, (struct sockaddr *)&address, sizeof address) != 0 || chmod(path, 0600) != 0 ||
        listen(descriptor, 64) != 0) {
        int error = errno;
        close(descriptor);
        return -error;
    }
    return descriptor;
}

int CConnectorHostSystem_connect_unix(const char *path) {
    struct sockaddr_un address;
    int invalid = unix_address(path, &address);
    if (invalid) return invalid;
    int descriptor = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (descriptor < 0) return -errno;
    if (connect(descriptor, (struct sockaddr *)&address, sizeof address) != 0) {
        int error = errno;
        close(descriptor);
        return -error;
    }
    return descriptor;
}

int CConnectorHostSystem_listen_loopback(unsigned short port) {
    int descriptor = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (descriptor < 0) return -errno;
    int on = 1;
    setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(descriptor, (struct sockaddr *)&address, sizeof address) != 0 || listen(descriptor, 64) != 0) {
        int error = errno;
        close(descriptor);
        return -error;
    }
    return descriptor;
}

int CConnectorHostSystem_accept(int descriptor) {
    for (;;) {
        int accepted = accept4(descriptor, NULL, NULL, SOCK_CLOEXEC);
        if (accepted >= 0) return accepted;
        if (errno != EINTR && errno != ECONNABORTED) return -errno;
    }
}

int CConnectorHostSystem_connect_tcp(const char *host, const char *port) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *found = NULL;
    if (getaddrinfo(host, port, &hints, &found) != 0) return -EHOSTUNREACH;
    int result = -ECONNREFUSED;
    for (struct addrinfo *each = found; each; each = each->ai_next) {
        int descriptor = socket(each->ai_family, each->ai_socktype | SOCK_CLOEXEC, each->ai_protocol);
        if (descriptor < 0) {
            result = -errno;
            continue;
        }
        if (connect(descriptor, each->ai_addr, each->ai_addrlen) == 0) {
            result = descriptor;
            break;
        }
        result = -errno;
        close(descriptor);
    }
    freeaddrinfo(found);
    return result;
}

int CConnectorHostSystem_send_descriptor(int socket, int descriptor, const void *bytes, unsigned long length) {
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct iovec part = {.iov_base = (void *)bytes, .iov_len = length};
    struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &descriptor, sizeof descriptor);
    ssize_t sent;
    do sent = sendmsg(socket, &message, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) return -errno;
    /* The rest, if the first send was short, without the descriptor again. */
    for (size_t written = (size_t)sent; written < length;) {
        ssize_t more = send(socket, (const char *)bytes + written, length - written, MSG_NOSIGNAL);
        if (more < 0 && errno == EINTR) continue;
        if (more <= 0) return more < 0 ? -errno : -EPIPE;
        written += (size_t)more;
    }
    return 0;
}

/* Copies what is readable from one side to the other; 0 at end of stream or error. */
static int pump(int from, int to) {
    char buffer[16384];
    ssize_t count;
    do count = read(from, buffer, sizeof buffer);
    while (count < 0 && errno == EINTR);
    if (count <= 0) return 0;
    for (ssize_t written = 0; written < count;) {
        ssize_t sent = send(to, buffer + written, (size_t)(count - written), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return 0;
        written += sent;
    }
    return 1;
}

void CConnectorHostSystem_relay(int first, int second) {
    /* Each direction ends on its own (half-close), the relay when both have. */
    int open[2] = {1, 1};
    while (open[0] || open[1]) {
        struct pollfd watched[2] = {{.fd = open[0] ? first : -1, .events = POLLIN},
                                    {.fd = open[1] ? second : -1, .events = POLLIN}};
        if (poll(watched, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        for (int side = 0; side < 2; side++) {
            if (!open[side] || !(watched[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int from = side == 0 ? first : second, to = side == 0 ? second : first;
            if (!pump(from, to)) {
                open[side] = 0;
                shutdown(to, SHUT_WR);
                if (watched[side].revents & POLLERR) return;
            }
        }
    }
}
