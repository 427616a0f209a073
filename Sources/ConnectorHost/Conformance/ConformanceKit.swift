import Foundation
import Logging

/// Checks a plugin against the standard connector surface, live, in a sandbox
/// worker: the mandatory groups in their order of implementation (session,
/// metadata, configuration, entities), then every optional group the plugin
/// declares. Each check passes, fails (saying what was expected and what came
/// back) or is skipped, only when the plugin does not implement what it checks:
/// a check of the mandatory surface, or of an optional operation the plugin
/// implements, that cannot run fails, naming what the plugin must add.
public enum ConformanceKit {
    /// Checks a plugin file: it is scanned and served by a host of its own, in
    /// a sandbox worker.
    ///
    /// - Parameters:
    ///   - path: The `.so` file, or a connector document (`*.connector.yaml`).
    ///   - credentials: The session configuration to test with.
    ///   - sandbox: How the worker runs.
    ///   - logger: Where the plugin's log lines go.
    /// - Returns: The report; a file that does not load fails the `load` check.
    public static func run(
        pluginAt path: String, credentials: [SessionSetting], sandbox: SandboxSettings = SandboxSettings(), logger: Logger
    ) async -> ConformanceReport {
        let file = URL(fileURLWithPath: path).lastPathComponent
        // A connector document keeps its name: its suffix is what makes it one.
        let isDocument = ConnectorDocument.isDocument(file)
        let name = isDocument ? String(file.prefix { $0 != "." }) : URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: path, toPath: directory.appendingPathComponent(isDocument ? file : "\(name).so").path)
        } catch {
            return failedLoad(name, "cannot stage \(path): \(error.localizedDescription)")
        }
        var configuration = HostConfiguration(pluginDirectory: directory.path)
        configuration.sandbox = sandbox
        var generous = ResilienceOverrides()
        generous.rateLimitPerMinute = 1_000_000
        generous.maxRetries = 0
        configuration.resilience = generous
        let host: ConnectorHost
        do {
            host = try await ConnectorHost.start(configuration: configuration, logger: logger)
        } catch {
            return failedLoad(name, error.message)
        }
        // Workers start while the host runs; it shuts down once checked.
        return await host.whileRunning { () async -> ConformanceReport in
            if let rejected = host.discovery.rejected.first {
                // The user knows the file by the path they gave, not the staged copy's.
                let message = rejected.error.message.replacingOccurrences(of: rejected.path, with: path)
                return failedLoad(name, "\(rejected.error.code): \(message)")
            }
            guard let connectorName = host.connectorNames.first, let connector = try? host.connector(named: connectorName) else {
                return failedLoad(name, "the file holds no plugin")
            }
            // The checks judge the plugin, not how fast its worker starts: none
            // spends its time limit on the start. One that fails shows in the checks.
            try? await connector.warmUp()
            return await run(connector, credentials: credentials)
        }
    }

    /// Checks a connector that is already served.
    public static func run(_ connector: Connector, credentials: [SessionSetting]) async -> ConformanceReport {
        let run = ConformanceRun(connector: connector, credentials: credentials)
        run.record(loadCheck(.pass))
        await run.checkSession()
        await run.checkMetadata()
        await run.checkConfiguration()
        await run.checkEntities()
        await run.checkSubsteps()
        await run.checkUsers()
        await run.checkComments()
        await run.checkAttachments()
        await run.checkLinks()
        await run.checkHistory()
        let manifest = connector.description.manifest
        return ConformanceReport(plugin: manifest.name, version: manifest.version, checks: run.checks)
    }

    private static func failedLoad(_ name: String, _ why: String) -> ConformanceReport {
        ConformanceReport(plugin: name, version: "", checks: [loadCheck(.fail, why)])
    }

    private static func loadCheck(_ outcome: ConformanceCheck.Outcome, _ why: String? = nil) -> ConformanceCheck {
        ConformanceCheck(
            group: "load", name: "descriptor passes every ABI check", operation: nil, mandatory: true, outcome: outcome,
            detail: why
        )
    }
}
