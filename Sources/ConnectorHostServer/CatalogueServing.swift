import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Logging

/// Keeps what the host serves in line with the catalogue: at start, and
/// whenever an entry changes, every entry whose status says it should be
/// served is loaded from the plugin store — after its file is checked against
/// the SHA-256 the registry recorded — and nothing replaces a build of another
/// org under the same name.
///
/// Which entry of a name is served: the one that went Live last; in
/// development, a name with no Live entry serves its newest Draft or
/// InValidation upload, so that a developer can call what they just uploaded.
enum CatalogueServing {
    /// The entries to serve, one per name.
    static func entriesToServe(_ entries: [CatalogueEntry], development: Bool) -> [CatalogueEntry] {
        var chosen: [String: CatalogueEntry] = [:]
        for entry in entries {
            guard let rank = rank(entry, development: development) else { continue }
            if let current = chosen[entry.name], let currentRank = Self.rank(current, development: development),
                currentRank >= rank
            {
                continue
            }
            chosen[entry.name] = entry
        }
        return chosen.values.sorted { $0.id < $1.id }
    }

    /// Orders the candidates of one name: any Live entry before any
    /// unpublished one, the later before the earlier.
    private static func rank(_ entry: CatalogueEntry, development: Bool) -> (Int, String)? {
        switch entry.status {
        case .live: (1, entry.liveDate ?? entry.updatedDate)
        case .draft, .inValidation: development ? (0, entry.createdDate) : nil
        case .retired: nil
        }
    }

    /// Serves every entry that should be served and is not yet; logs each one
    /// that cannot be, and why.
    static func restore(state: ServerState) async {
        let entries: [CatalogueEntry]
        do {
            entries = try await state.registry.catalogue()
        } catch {
            state.logger.error("cannot read the catalogue to serve it", metadata: ["error": "\(error)"])
            return
        }
        for entry in entriesToServe(entries, development: state.development) {
            do throws(ConnectorHostError) {
                try await serve(entry, state: state)
            } catch {
                state.logger.error(
                    "catalogue entry not served", metadata: ["entry": "\(entry.id)", "error": "\(error)"]
                )
            }
        }
    }

    /// Serves `entry` unless its build already serves its name.
    ///
    /// - Throws: `conflict` when another org's build (or a plugin-directory
    ///   build nobody registered) serves the name; `unavailable` when the
    ///   stored file is missing or no longer the one the registry recorded.
    static func serve(_ entry: CatalogueEntry, state: ServerState) async throws(ConnectorHostError) {
        if let served = state.host.plugin(named: entry.name) {
            if served.fileSHA256 == entry.fileSHA256 { return }
            try await requireSameOwner(servedSHA256: served.fileSHA256, as: entry, state: state)
        }
        let path = try await storedBuild(of: entry, state: state)
        let actual: String
        do {
            actual = try ScanKey(path: path).sha256
        } catch {
            throw ConnectorHostError(.unavailable, "the stored build of \(entry.id) is missing")
        }
        guard actual == entry.fileSHA256 else {
            throw ConnectorHostError(
                .unavailable,
                "the stored build of \(entry.id) changed since it was recorded (SHA-256 \(actual.prefix(12)), recorded \(entry.fileSHA256.prefix(12))); upload it again"
            )
        }
        try await state.host.load(pluginAt: path)
    }

    /// Where this host keeps the build of `entry`: the file the entry names
    /// when this host stored it; in a fleet, the same build in this host's
    /// plugin store, fetched from the registry when another host took the upload.
    static func storedBuild(of entry: CatalogueEntry, state: ServerState) async throws(ConnectorHostError) -> String {
        guard state.registry.isShared, !FileManager.default.fileExists(atPath: entry.filePath) else { return entry.filePath }
        let name = URL(fileURLWithPath: entry.filePath).lastPathComponent
        let suffix = name.hasPrefix(entry.fileSHA256) ? String(name.dropFirst(entry.fileSHA256.count)) : ".so"
        let store = state.configuration.resolvedPluginStore.path
        let local = ContentAddressedStore.path(of: entry.fileSHA256, in: store, suffix: suffix)
        if FileManager.default.fileExists(atPath: local) { return local }
        guard let bytes = try await state.registry.build(sha256: entry.fileSHA256) else {
            throw ConnectorHostError(.unavailable, "the build of \(entry.id) is in no host's plugin store the registry knows of")
        }
        do {
            return try ContentAddressedStore.store(Data(bytes), in: store, suffix: suffix).path
        } catch {
            throw ConnectorHostError(.unavailable, "cannot keep the build of \(entry.id) in the plugin store: \(error)")
        }
    }

    /// The build serving a name may be replaced only by a build of the same org.
    private static func requireSameOwner(
        servedSHA256: String?, as entry: CatalogueEntry, state: ServerState
    ) async throws(ConnectorHostError) {
        let entries = try await state.registry.catalogueEntries(named: entry.name)
        let servedOwner = entries.first { $0.fileSHA256 == servedSHA256 }?.org
        guard servedOwner == entry.org else {
            throw ConnectorHostError(
                .conflict,
                "the connector name '\(entry.name)' is served by a build that is not your org's; choose another name"
            )
        }
    }
}
