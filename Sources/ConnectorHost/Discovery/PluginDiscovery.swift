import Foundation

/// Finds the plugins of a directory: every `*.so` file in it (not in
/// subdirectories; hidden files skipped), each scanned on its own (a few at
/// a time) so that a bad plugin never stops the others.
///
/// Names and entity ID ranges must be unique: of two plugins with the same
/// name or overlapping IDs, the one whose path sorts later is rejected, naming
/// the other, and the earlier one carries a warning naming the later.
public enum PluginDiscovery {
    /// The plugin files of a directory, sorted by path.
    ///
    /// - Throws: `not_found` when the directory cannot be read.
    public static func pluginFiles(in directory: String) throws(ConnectorHostError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ConnectorHostError(
                .notFound, "cannot read the plugin directory \(directory): \(error.localizedDescription)"
            )
        }
        let base = URL(fileURLWithPath: directory)
        return names
            .filter { PluginDiscovery.isPluginFileName($0) }
            .map { base.appendingPathComponent($0).path }
            .filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
            .sorted()
    }

    /// Whether a directory entry is a plugin: a shared object or a connector
    /// document (`ConnectorDocument.fileSuffixes`), not hidden.
    package static func isPluginFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && (name.hasSuffix(".so") || ConnectorDocument.isDocument(name))
    }

    /// The version of every plugin file of `directory` now (none when it cannot be read).
    package static func versions(in directory: String) -> [String: PluginFile.Version] {
        var versions: [String: PluginFile.Version] = [:]
        for path in (try? pluginFiles(in: directory)) ?? [] {
            versions[path] = PluginFile.Version(path: path)
        }
        return versions
    }

    /// Scans every plugin file of `directory`.
    ///
    /// - Parameters:
    ///   - directory: The plugin directory.
    ///   - scanner: How each file is read.
    ///   - admission: Decides whether a valid plugin may be served, before it
    ///     takes its name: a file admission refuses never shadows one it admits,
    ///     whatever its path.
    /// - Returns: The plugins found and the files rejected.
    /// - Throws: `not_found` when the directory cannot be read.
    package static func scan(
        directory: String, with scanner: some PluginScanner,
        admission: HostConfiguration.Admission = { _, _ in [] }
    ) async throws(ConnectorHostError) -> DiscoveryReport {
        let paths = try pluginFiles(in: directory)
        let scanned = await scanAll(paths, with: scanner)
        // Admission and names go in path order, whatever order the scans ended in.
        var report = DiscoveryReport(plugins: [], rejected: [])
        for (path, outcome) in zip(paths, scanned) {
            do throws(ConnectorHostError) {
                let description = try outcome.get()
                let warnings = try await admission(path, description)
                try admit(description, path: path, warnings: warnings, into: &report)
            } catch {
                report.rejected.append(RejectedPlugin(path: path, error: error))
            }
        }
        return report
    }

    /// How many files are scanned at once: each scan waits on the disk (a
    /// file read and hashed) or on a throwaway worker, so a few overlap.
    private static let scansInFlight = max(4, ProcessInfo.processInfo.activeProcessorCount * 2)

    /// Scans every path, a few at a time; the outcomes are in the order of `paths`.
    private static func scanAll(
        _ paths: [String], with scanner: some PluginScanner
    ) async -> [Result<PluginDescription, ConnectorHostError>] {
        await withTaskGroup(of: (Int, Result<PluginDescription, ConnectorHostError>).self) { group in
            var outcomes = [Result<PluginDescription, ConnectorHostError>](
                repeating: .failure(ConnectorHostError(.unavailable, "the scan did not run")), count: paths.count
            )
            for (index, path) in paths.enumerated() {
                // Past the first few, each scan starts as another ends.
                if index >= scansInFlight, let (done, outcome) = await group.next() { outcomes[done] = outcome }
                group.addTask { (index, await scanOne(path, with: scanner)) }
            }
            while let (done, outcome) = await group.next() { outcomes[done] = outcome }
            return outcomes
        }
    }

    private static func scanOne(
        _ path: String, with scanner: some PluginScanner
    ) async -> Result<PluginDescription, ConnectorHostError> {
        do throws(ConnectorHostError) {
            return .success(try await scanner.scan(path))
        } catch {
            return .failure(error)
        }
    }

    private static func admit(
        _ description: PluginDescription, path: String, warnings: [String], into report: inout DiscoveryReport
    ) throws(ConnectorHostError) {
        let manifest = description.manifest
        if let index = report.plugins.firstIndex(where: { $0.description.manifest.name == manifest.name }) {
            report.plugins[index].warnings.append("\(path) was rejected: it has the same name, '\(manifest.name)'")
            throw ConnectorHostError(
                .conflict,
                "\(path): the name '\(manifest.name)' is already taken by \(report.plugins[index].path)"
            )
        }
        if let index = report.plugins.firstIndex(where: { $0.description.manifest.claimsEntityIds(sharedWith: manifest) }) {
            let other = report.plugins[index]
            report.plugins[index].warnings.append(
                "\(path) ('\(manifest.name)') was rejected: its entity IDs (\(manifest.entityIdSummary)) overlap this plugin's"
            )
            throw ConnectorHostError(
                .conflict,
                "\(path): the entity IDs of '\(manifest.name)' (\(manifest.entityIdSummary)) overlap those of '\(other.description.manifest.name)' (\(other.path): \(other.description.manifest.entityIdSummary))"
            )
        }
        report.plugins.append(DiscoveredPlugin(path: path, description: description, warnings: warnings))
    }
}
