/* A peer of the sandboxed call: a gRPC unary echo over a Unix socket between
 * two processes, the model of hashicorp/go-plugin, built on Debian's C++ gRPC.
 * The method is generic (the payload travels as raw bytes, not a protobuf
 * message), which spares the peer the message encoding a real plugin
 * protocol would pay: the comparison favours gRPC.
 *
 *   grpc_echo ITERATIONS PAYLOAD_BYTES CALLERS
 *
 * Forks a server, then calls it from CALLERS threads, each on its own
 * completion queue and one call in flight. Prints one JSON line: median and
 * p99 round trip (ns) and calls/s over all callers. */
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

uint64_t now_ns() {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return uint64_t(now.tv_sec) * 1000000000u + uint64_t(now.tv_nsec);
}

/// Answers the one request of a unary call with its own bytes.
class EchoReactor final : public grpc::ServerGenericBidiReactor {
  public:
    EchoReactor() { StartRead(&message_); }
    void OnReadDone(bool ok) override {
        if (ok) StartWriteAndFinish(&message_, grpc::WriteOptions(), grpc::Status::OK);
        else Finish(grpc::Status::OK);
    }
    void OnDone() override { delete this; }

  private:
    grpc::ByteBuffer message_;
};

class EchoService final : public grpc::CallbackGenericService {
    grpc::ServerGenericBidiReactor *CreateReactor(grpc::GenericCallbackServerContext *) override {
        return new EchoReactor();
    }
};

[[noreturn]] void serve(const std::string &address) {
    EchoService service;
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    builder.RegisterCallbackGenericService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) _exit(1);
    server->Wait();
    _exit(0);
}

/// One unary call, waited for on the caller's own completion queue.
bool call(grpc::GenericStub &stub, grpc::CompletionQueue &queue, const grpc::ByteBuffer &request, size_t size) {
    grpc::ClientContext context;
    grpc::ByteBuffer response;
    grpc::Status status;
    auto reader = stub.PrepareUnaryCall(&context, "/echo.Echo/Call", request, &queue);
    reader->StartCall();
    reader->Finish(&response, &status, reinterpret_cast<void *>(1));
    void *tag = nullptr;
    bool ok = false;
    if (!queue.Next(&tag, &ok) || !ok || !status.ok()) return false;
    return response.Length() == size;
}

}  // namespace

int main(int argc, char **argv) {
    int iterations = argc > 1 ? atoi(argv[1]) : 20000;
    size_t size = argc > 2 ? size_t(atol(argv[2])) : 256;
    int callers = argc > 3 ? std::max(1, atoi(argv[3])) : 1;
    std::string address = "unix:/tmp/connector-host-bench-grpc-" + std::to_string(getpid()) + ".sock";

    pid_t server = fork();
    if (server < 0) return 1;
    if (server == 0) serve(address);

    auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
        fprintf(stderr, "grpc_echo: the server did not come up\n");
        kill(server, SIGKILL);
        return 1;
    }
    std::string payload(size, 'x');
    grpc::Slice slice(payload);
    grpc::ByteBuffer request(&slice, 1);

    int each = std::max(10, iterations / callers);
    std::vector<std::vector<uint64_t>> samples(callers);
    std::vector<int> failures(callers, 0);
    auto run = [&](int index) {
        grpc::GenericStub stub(channel);
        grpc::CompletionQueue queue;
        for (int i = 0; i < each / 10; i++) call(stub, queue, request, size);
        samples[index].reserve(each);
        for (int i = 0; i < each; i++) {
            uint64_t before = now_ns();
            if (!call(stub, queue, request, size)) failures[index]++;
            samples[index].push_back(now_ns() - before);
        }
        queue.Shutdown();
        void *tag;
        bool ok;
        while (queue.Next(&tag, &ok)) {}
    };
    uint64_t started = now_ns();
    std::vector<std::thread> threads;
    for (int index = 0; index < callers; index++) threads.emplace_back(run, index);
    for (auto &thread : threads) thread.join();
    double elapsed = double(now_ns() - started) / 1e9;

    // SIGKILL: a parent that blocks SIGTERM (Foundation's Process may) passes the block on.
    kill(server, SIGKILL);
    waitpid(server, nullptr, 0);
    unlink(address.substr(5).c_str());

    std::vector<uint64_t> all;
    int failed = 0;
    for (int index = 0; index < callers; index++) {
        all.insert(all.end(), samples[index].begin(), samples[index].end());
        failed += failures[index];
    }
    if (failed > 0) {
        fprintf(stderr, "grpc_echo: %d calls failed\n", failed);
        return 1;
    }
    std::sort(all.begin(), all.end());
    printf("{\"median_ns\": %.0f, \"p99_ns\": %.0f, \"calls_per_second\": %.0f}\n", double(all[all.size() / 2]),
           double(all[all.size() * 99 / 100]), double(all.size()) / elapsed);
    return 0;
}
