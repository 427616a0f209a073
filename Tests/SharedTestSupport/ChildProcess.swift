import CConnectorHostSystem
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program a test runs to its end (cc, tar, python3, the CLI). Waiting for
/// it, and reading its pipes, happens on threads of its own: a cooperative
/// thread (one of two on two cores) held for a compile stalls every host and
/// server in the test process, and so fails tests that have nothing to do with it.
public enum ChildProcess {
    public struct Outcome: Sendable {
        public let status: Int32
        public let standardOutput: Data
        public let standardError: Data

        public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
        public var errorText: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Runs `arguments` (the first looked up on `PATH` unless it is a path)
    /// with `environment` (this process's when nil) in `directory`.
    ///
    /// Started with `posix_spawn` rather than Foundation's `Process`, whose
    /// `run()` crashed the test process (a bad pointer in its memmove) when
    /// several threads started programs at once.
    public static func run(
        _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil
    ) async throws -> Outcome {
        let environment = environment ?? ProcessInfo.processInfo.environment
        return try await offThePool {
            let output = try pipe()
            let errors = try pipe()
            let pid: pid_t
            do {
                pid = try spawn(arguments, environment: environment, directory: directory, output: output.write, error: errors.write)
            } catch {
                [output.read, output.write, errors.read, errors.write].forEach { _ = close($0) }
                throw error
            }
            _ = close(output.write)
            _ = close(errors.write)
            // Each pipe has a reader, so that a child filling one never waits
            // on a reader busy with the other.
            let errorBytes = PipeDrain(FileHandle(fileDescriptor: errors.read, closeOnDealloc: true))
            let outputBytes = FileHandle(fileDescriptor: output.read, closeOnDealloc: true).readDataToEndOfFile()
            let standardError = errorBytes.wait()
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else { throw LoopbackServerFailure("waitpid: \(String(cString: strerror(errno)))") }
            }
            // The shell's convention: a program killed by signal n ends with 128 + n.
            let ended = CConnectorHostSystem_exited(status) != 0
                ? CConnectorHostSystem_exit_status(status) : 128 + CConnectorHostSystem_terminating_signal(status)
            return Outcome(status: ended, standardOutput: outputBytes, standardError: standardError)
        }
    }

    /// A pipe whose ends no other child inherits (close-on-exec from the start:
    /// the child's copies, made by dup2, lose the flag).
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [-1, -1]
        let failure = CConnectorHostSystem_pipe(&descriptors)
        guard failure == 0 else { throw LoopbackServerFailure("pipe: \(String(cString: strerror(failure)))") }
        return (descriptors[0], descriptors[1])
    }

    /// Starts `arguments` through `/usr/bin/env` (which searches `PATH`) as
    /// the host starts its workers, without the socket: standard input from
    /// `/dev/null`, no other descriptor of this process inherited.
    private static func spawn(
        _ arguments: [String], environment: [String: String], directory: URL?, output: Int32, error: Int32
    ) throws -> pid_t {
        var command = ["/usr/bin/env"]
        if let directory { command += ["-C", directory.path] }
        command += arguments
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = CConnectorHostSystem_spawn("/usr/bin/env", argv, envp, -1, output, error, &pid)
        guard result == 0 else {
            throw LoopbackServerFailure("cannot start \(arguments.first ?? ""): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Runs `arguments` and fails unless the program exits with status 0.
    @discardableResult
    public static func succeed(_ arguments: [String], directory: URL? = nil) async throws -> Outcome {
        let outcome = try await run(arguments, directory: directory)
        guard outcome.status == 0 else {
            throw LoopbackServerFailure("\(arguments.joined(separator: " ")) exited with \(outcome.status): \(outcome.errorText)")
        }
        return outcome
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
