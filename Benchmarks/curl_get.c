/* The floor of the declarative-connector bench row: the same GET a
 * declarative connector sends, from a plain libcurl client on one easy handle,
 * so on one kept-alive connection. Usage: curl_get URL [CALLS]. Prints one
 * JSON line: median and p99 time per request (ns) and requests/s. */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The body is read and dropped, as a client that only times the exchange does. */
static size_t discard(char *data, size_t size, size_t count, void *sink) {
    (void)data;
    *(size_t *)sink += size * count;
    return size * count;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: curl_get URL [CALLS]\n");
        return 64;
    }
    int calls = argc > 2 ? atoi(argv[2]) : 20000;
    if (calls < 10) calls = 10;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *curl = curl_easy_init();
    if (!curl) return 1;
    size_t received = 0;
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    uint64_t *samples = malloc(sizeof(uint64_t) * (size_t)calls);
    if (!samples) return 1;
    for (int warm = 0; warm < calls / 10; warm++) {
        if (curl_easy_perform(curl) != CURLE_OK) return 1;
    }
    uint64_t started = now_ns();
    for (int index = 0; index < calls; index++) {
        uint64_t before = now_ns();
        CURLcode result = curl_easy_perform(curl);
        samples[index] = now_ns() - before;
        if (result != CURLE_OK) {
            fprintf(stderr, "curl_get: %s\n", curl_easy_strerror(result));
            return 1;
        }
    }
    double elapsed = (double)(now_ns() - started) / 1e9;
    qsort(samples, (size_t)calls, sizeof *samples, compare);
    printf("{\"median_ns\": %llu, \"p99_ns\": %llu, \"calls_per_second\": %.0f}\n",
           (unsigned long long)samples[calls / 2], (unsigned long long)samples[(size_t)calls * 99 / 100],
           (double)calls / elapsed);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    free(samples);
    return received > 0 ? 0 : 1;
}
