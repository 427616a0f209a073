import CConnectorHostSystem
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Starts sandbox workers with `posix_spawn`, always from one dedicated thread
/// that lives as long as the process.
///
/// Why one thread: a worker asks for SIGKILL when its parent dies
/// (`PR_SET_PDEATHSIG`), and Linux delivers that signal when the *thread* that
/// spawned it exits, not the process. Threads of the concurrency pool may come
/// and go; this one never does.
package final class ProcessSpawner: Sendable {
    package static let shared = ProcessSpawner()

    private struct Request {
        let executable: String
        let arguments: [String]
        let descriptors: (socket: Int32, standardOutput: Int32, standardError: Int32)
        let completion: CheckedContinuation<pid_t, any Error>
    }

    private let queue = Mutex<[Request]>([])
    private let wakeUp = DispatchSemaphore(value: 0)

    private init() {
        // A write to a worker that died must fail with EPIPE, not kill the host.
        signal(SIGPIPE, SIG_IGN)
        let thread = Thread { [self] in serveRequests() }
        thread.name = "connector-host-spawner"
        thread.start()
    }

    private func serveRequests() {
        while true {
            wakeUp.wait()
            let batch = queue.withLock { requests in
                defer { requests.removeAll() }
                return requests
            }
            for request in batch { Self.spawn(request) }
        }
    }

    /// Starts `executable` with the given descriptors as its fds 3, 1 and 2.
    ///
    /// - Returns: The child's process ID.
    /// - Throws: `unavailable` when `posix_spawn` fails.
    package func spawn(
        executable: String, arguments: [String], socket: Int32, standardOutput: Int32, standardError: Int32
    ) async throws(ConnectorHostError) -> pid_t {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                queue.withLock {
                    $0.append(Request(
                        executable: executable, arguments: arguments,
                        descriptors: (socket, standardOutput, standardError), completion: continuation
                    ))
                }
                wakeUp.signal()
            }
        } catch let error as ConnectorHostError {
            throw error
        } catch {
            throw ConnectorHostError(.unavailable, "cannot start \(executable): \(error)")
        }
    }

    private static func spawn(_ request: Request) {
        let argv = ([request.executable] + request.arguments).map { strdup($0) } + [nil]
        // A plugin's crash is not the worker's: Swift's backtracer would only
        // delay the worker's death and bury its stderr in a report.
        var variables = ProcessInfo.processInfo.environment
        variables["SWIFT_BACKTRACE"] = "enable=no"
        let environment = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = CConnectorHostSystem_spawn(
            request.executable, argv, environment, request.descriptors.socket, request.descriptors.standardOutput,
            request.descriptors.standardError, &pid
        )
        if result == 0 {
            request.completion.resume(returning: pid)
        } else {
            request.completion.resume(throwing: ConnectorHostError(
                .unavailable,
                "cannot start the sandbox worker \(request.executable): posix_spawn: \(String(cString: strerror(result)))"
            ))
        }
    }
}
