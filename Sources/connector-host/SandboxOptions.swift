import Foundation
import ArgumentParser
import ConnectorHost

/// How the commands that run plugins confine their sandbox workers.
struct SandboxOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A directory the plugins may write, seen at the same path inside their sandbox; their working directory. Without it a plugin can write only its private, empty /tmp.",
        valueName: "dir"
    ))
    var dataDirectory: String?

    @Flag(help: "Refuse to run or scan a plugin without full sandbox isolation (namespaces and seccomp).")
    var requireIsolation = false

    @Option(help: ArgumentHelp("The address-space limit of each sandbox worker, MiB (0: none).", valueName: "MiB"))
    var workerMemory = WorkerResources().memoryLimitMiB ?? 0

    @Option(help: ArgumentHelp("The open-file limit of each sandbox worker (0: none).", valueName: "count"))
    var workerOpenFiles = WorkerResources().openFilesLimit ?? 0

    @Option(name: .customLong("allow-host"), help: ArgumentHelp(
        "Let plugin NAME reach HOST:PORT, and only the hosts so declared, through the host's egress proxy (repeatable). conformance gives the plugin under test every host named.",
        valueName: "name=host:port"
    ))
    var allowHost: [String] = []

    func validate() throws {
        guard workerMemory >= 0, workerOpenFiles >= 0 else {
            throw ValidationError("--worker-memory and --worker-open-files must be 0 (no limit) or more")
        }
        for entry in allowHost {
            guard let (name, host) = Self.split(entry), !name.isEmpty, let colon = host.lastIndex(of: ":"),
                colon != host.startIndex, let port = UInt16(host[host.index(after: colon)...]), port > 0
            else { throw ValidationError("--allow-host takes name=host:port, not \(entry)") }
        }
    }

    /// Each named plugin's declared hosts.
    var allowedHosts: [String: [String]] {
        allowHost.compactMap(Self.split).reduce(into: [:]) { hosts, entry in hosts[entry.name, default: []].append(entry.host) }
    }

    /// The settings of each plugin named by `--allow-host`: `base` and its hosts.
    func pluginSandboxes(base: SandboxSettings) -> [String: SandboxSettings] {
        allowedHosts.mapValues { hosts in
            var settings = base
            settings.allowedHosts = hosts
            return settings
        }
    }

    private static func split(_ entry: String) -> (name: String, host: String)? {
        guard let equals = entry.firstIndex(of: "=") else { return nil }
        return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
    }

    /// The settings with these options applied.
    func applied(to settings: SandboxSettings) -> SandboxSettings {
        var settings = settings
        // Bound at the same path inside the sandbox: it must not depend on a working directory.
        settings.dataDirectory = dataDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        settings.requireIsolation = requireIsolation
        settings.resources.memoryLimitMiB = workerMemory == 0 ? nil : workerMemory
        settings.resources.openFilesLimit = workerOpenFiles == 0 ? nil : workerOpenFiles
        return settings
    }
}
