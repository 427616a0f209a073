import ConnectorHost
import ConnectorHostRegistry

/// Which catalogue entry `GET /v2/connectors/read/{id}` answers. Obsrv reads a
/// connector by its `connector_id` (the connector's name, e.g. `tracker`): the
/// Live version, or with `?mode=edit` the one being edited (Draft or
/// InValidation). A catalogue ID (`tracker-1.0.0`) names one version, which is
/// answered whatever its status, unless edit mode asks for one being edited.
enum CatalogueReading {
    /// - Throws: `not_found` when nothing matches or the caller may not see it,
    ///   saying what there is instead when the caller may see the connector.
    static func entry(
        _ id: String, edit: Bool, visibleTo principal: Principal, registry: Registry
    ) async throws(ConnectorHostError) -> CatalogueEntry {
        if let exact = try await registry.catalogueEntry(id: id), exact.isVisible(to: principal) {
            guard !edit || exact.status.isBeingEdited else {
                throw ConnectorHostError(
                    .notFound, "\(id) is \(exact.status.rawValue), not being edited; leave out mode=edit to read it"
                )
            }
            return exact
        }
        // Newest first.
        let versions = try await registry.catalogueEntries(named: id).filter { $0.isVisible(to: principal) }
        guard !versions.isEmpty else { throw ConnectorHostError(.notFound, "no connector '\(id)'") }
        if edit {
            guard let draft = versions.first(where: { $0.status.isBeingEdited }) else {
                throw ConnectorHostError(.notFound, "no version of '\(id)' is being edited (Draft or InValidation)")
            }
            return draft
        }
        guard let live = versions.first(where: { $0.status == .live }) else {
            throw ConnectorHostError(.notFound, "'\(id)' has no Live version; read ?mode=edit for the one being edited")
        }
        return live
    }
}

extension CatalogueStatus {
    /// Not yet published: what Obsrv's edit mode reads.
    var isBeingEdited: Bool { self == .draft || self == .inValidation }
}
