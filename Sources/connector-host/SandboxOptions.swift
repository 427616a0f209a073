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

    func validate() throws {
        guard workerMemory >= 0, workerOpenFiles >= 0 else {
            throw ValidationError("--worker-memory and --worker-open-files must be 0 (no limit) or more")
        }
    }

    /// The settings with these options applied.
    func applied(to settings: SandboxSettings) -> SandboxSettings {
        var settings = settings
        settings.dataDirectory = dataDirectory
        settings.requireIsolation = requireIsolation
        settings.resources.memoryLimitMiB = workerMemory == 0 ? nil : workerMemory
        settings.resources.openFilesLimit = workerOpenFiles == 0 ? nil : workerOpenFiles
        return settings
    }
}
