import Foundation

import Synchronization

/// Finds out once per worker binary whether workers can run inside bubblewrap
/// here: bubblewrap must be installed and the kernel must let it create user
/// namespaces (some containers do not). The probe runs the worker itself,
/// confined exactly as a serving worker, in its probe mode.
enum NamespaceProbe {
    private struct Key: Hashable {
        let bubblewrap: String?
        let worker: String
    }

    /// Outcomes so far: nil for available, else why not.
    private static let outcomes = Mutex<[Key: String?]>([:])

    /// - Returns: nil when workers get namespaces, else why they cannot.
    static func unavailability(_ settings: SandboxSettings) async -> String? {
        let key = Key(bubblewrap: settings.bubblewrapExecutable, worker: settings.workerExecutable)
        if let known = outcomes.withLock({ $0[key] }) { return known }
        let outcome = await probe(settings)
        outcomes.withLock { $0[key] = outcome }
        return outcome
    }

    private static func probe(_ settings: SandboxSettings) async -> String? {
        guard settings.bubblewrapExecutable != nil else {
            return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
        }
        var probing = settings
        probing.dataDirectory = nil
        let command = WorkerCommand.make(settings: probing, pluginPath: nil, namespaces: true, probe: true)
        do throws(ConnectorHostError) {
            let (mine, theirs) = try Descriptors.socketPair()
            defer { [mine, theirs].forEach(Descriptors.close) }
            let output = try Descriptors.pipe()
            defer { Descriptors.close(output.read) }
            let exit: ProcessExit
            do {
                exit = try await ProcessSpawner.shared.run(
                    command, socket: theirs, standardOutput: output.write, standardError: output.write
                )
            } catch {
                Descriptors.close(output.write)
                throw error
            }
            Descriptors.close(output.write)
            if exit == .exited(0) { return nil }
            // The process has ended: its output is all in the pipe.
            var bytes = [UInt8](repeating: 0, count: 4096)
            let count = bytes.withUnsafeMutableBytes { Descriptors.readSome(output.read, into: $0) }
            let said = String(decoding: bytes[0..<count], as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return "bubblewrap cannot start the worker: it \(exit)\(said.isEmpty ? "" : ": \(said)")"
        } catch {
            return "bubblewrap cannot start the worker: \(error.message)"
        }
    }
}
