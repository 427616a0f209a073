import Logging

extension ConnectorHost {
    /// Reads one plugin file's description without starting it.
    ///
    /// The file is read in a throwaway sandbox worker: a plugin that crashes
    /// while loading is reported, not fatal.
    ///
    /// - Parameters:
    ///   - path: A `.so` file.
    ///   - sandbox: How the worker is run.
    ///   - cache: Scan outcomes of unchanged files (``FileScanCache`` keeps them across runs).
    ///   - logger: Where the plugin's log lines go while it is read.
    /// - Returns: The validated description.
    /// - Throws: Why the file is not a usable plugin.
    public static func inspect(
        pluginAt path: String, sandbox: SandboxSettings = SandboxSettings(), cache: any ScanCache = InMemoryScanCache(),
        logger: Logger
    ) async throws(ConnectorHostError) -> PluginDescription {
        try await scanner(sandbox, cache, logger).scan(path)
    }

    /// Scans a plugin directory without starting any plugin; each file not
    /// in `cache` is read in a throwaway sandbox worker.
    ///
    /// - Parameters:
    ///   - directory: The plugin directory.
    ///   - sandbox: How the workers are run.
    ///   - cache: Scan outcomes of unchanged files (``FileScanCache`` keeps them across runs).
    ///   - logger: Where the plugins' log lines go while they are read.
    /// - Returns: Accepted plugins and rejected files with their reasons.
    /// - Throws: `not_found` when the directory cannot be read.
    public static func discover(
        directory: String, sandbox: SandboxSettings = SandboxSettings(), cache: any ScanCache = InMemoryScanCache(),
        logger: Logger
    ) async throws(ConnectorHostError) -> DiscoveryReport {
        try await PluginDiscovery.scan(directory: directory, with: scanner(sandbox, cache, logger))
    }

    private static func scanner(_ sandbox: SandboxSettings, _ cache: any ScanCache, _ logger: Logger) -> IsolatedScanner {
        IsolatedScanner(settings: sandbox, clock: SystemClock(), cache: cache, logger: logger)
    }
}
