import ConnectorHost
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
            entries = try state.registry.catalogue()
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
            try requireSameOwner(servedSHA256: served.fileSHA256, as: entry, state: state)
        }
        let actual: String
        do {
            actual = try ScanKey(path: entry.filePath).sha256
        } catch {
            throw ConnectorHostError(.unavailable, "the stored build of \(entry.id) is missing")
        }
        guard actual == entry.fileSHA256 else {
            throw ConnectorHostError(
                .unavailable,
                "the stored build of \(entry.id) changed since it was recorded (SHA-256 \(actual.prefix(12)), recorded \(entry.fileSHA256.prefix(12))); upload it again"
            )
        }
        try await state.host.load(pluginAt: entry.filePath)
    }

    /// The build serving a name may be replaced only by a build of the same org.
    private static func requireSameOwner(
        servedSHA256: String?, as entry: CatalogueEntry, state: ServerState
    ) throws(ConnectorHostError) {
        let entries = try state.registry.catalogueEntries(named: entry.name)
        let servedOwner = entries.first { $0.fileSHA256 == servedSHA256 }?.org
        guard servedOwner == entry.org else {
            throw ConnectorHostError(
                .conflict,
                "the connector name '\(entry.name)' is served by a build that is not your org's; choose another name"
            )
        }
    }
}
