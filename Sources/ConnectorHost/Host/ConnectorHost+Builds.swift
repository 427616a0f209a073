import Foundation

/// The host's copies of builds: a sandboxed plugin's worker runs a copy of its
/// own (`<builds>/<sha256>.so`), which no later change in the plugin directory
/// reaches; a start links each scanned build and copies it at the first
/// worker's start (``LinkedBuild``).
extension ConnectorHost {
    /// Links the file at `source` into the builds directory, under a name no
    /// other build has; nil when the filesystem will not link it there (another
    /// filesystem, or a file the host may not link), for the caller to copy it.
    func linkBuild(_ source: String, sha256: String) -> LinkedBuild? {
        let name = "linked-\(UUID().uuidString)\(Self.suffix(of: source))"
        let path = (buildsDirectory as NSString).appendingPathComponent(name)
        try? FileManager.default.createDirectory(atPath: buildsDirectory, withIntermediateDirectories: true)
        guard link(source, path) == 0 else { return nil }
        state.withLock { _ = $0.stagedBuilds.insert(path) }
        return LinkedBuild(path: path, sha256: sha256)
    }

    /// Copies a build to `<builds>/<sha256>.so` (a document keeps its suffix), a path no other build has.
    func stageBuild(_ source: String) throws(ConnectorHostError) -> KeptBuild {
        _ = try PluginFile.status(source)
        guard let contents = FileManager.default.contents(atPath: source) else {
            throw ConnectorHostError(.notFound, "\(source): cannot read the file")
        }
        do {
            let copy = try ContentAddressedStore.store(
                contents, in: buildsDirectory, suffix: Self.suffix(of: source), durable: false
            )
            state.withLock { _ = $0.stagedBuilds.insert(copy.path) }
            return KeptBuild(path: copy.path, sha256: copy.sha256)
        } catch {
            throw ConnectorHostError(
                .unavailable, "cannot copy \(source) into \(buildsDirectory): \(error.localizedDescription)"
            )
        }
    }

    /// What a build's copy or link is named with: a document keeps its suffix, for the loader to know it.
    private static func suffix(of source: String) -> String {
        ConnectorDocument.fileSuffixes.first { source.hasSuffix($0) } ?? ".so"
    }
}
