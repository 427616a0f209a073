import ConnectorHost
import ConnectorHostRegistry
import Foundation

/// Publishing a builder draft: a new version of a declarative connector,
/// registered, stored, recorded in the catalogue and taken Live in its scope,
/// once every operation has passed a test with its current definition. The
/// tests are its validation: the catalogue entry's report lists them.
enum BuilderPublishing {
    struct Request: Decodable {
        let version: String
        /// `org` (the publisher's org only) or `catalogue` (every org; the admin's to choose).
        let scope: String
        let changelog: String
        /// The owning org of an admin's draft, which belongs to none.
        let org: String?
    }

    static func publish(
        _ draft: BuilderDraft, _ request: Request, by principal: Principal, state: ServerState
    ) async throws(ConnectorHostError) -> BuilderPublication {
        guard let scope = PublishScope(rawValue: request.scope) else {
            throw ConnectorHostError(.invalidRequest, "scope '\(request.scope)' is not 'org' or 'catalogue'")
        }
        if scope == .catalogue, principal != .admin {
            throw ConnectorHostError(.unauthorized, "publishing to the catalogue (every org) takes the admin token; publish with scope 'org'")
        }
        let changelog = request.changelog.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !changelog.isEmpty, changelog.count <= 500, !changelog.contains("\n") else {
            throw ConnectorHostError(.invalidRequest, "changelog is one line of 1 to 500 characters saying what changed")
        }
        guard let org = draft.org ?? request.org else {
            throw ConnectorHostError(.invalidRequest, "this draft belongs to no org: name the org that will own the connector (\"org\")")
        }
        guard draft.org == nil || request.org == nil || request.org == draft.org else {
            throw ConnectorHostError(.invalidRequest, "\(draft.id) belongs to org '\(draft.org ?? "")', not '\(request.org ?? "")'")
        }
        guard try await state.registry.orgExists(org) else { throw ConnectorHostError(.notFound, "no org '\(org)'") }
        guard let version = SemanticVersion(request.version) else {
            throw ConnectorHostError(.invalidRequest, "version '\(request.version)' is not a semantic version such as 1.2.0")
        }
        var document = draft.document
        guard case .object(var fields) = document else {
            throw ConnectorHostError(.manifestInvalid, "\(draft.id) is not a connector document")
        }
        fields["version"] = .string(request.version)
        fields["registration"] = nil
        document = .object(fields)
        let connector = try ConnectorDocumentText.connector(document, source: draft.id)
        let untested = draft.untestedOperations
        guard untested.isEmpty else {
            throw ConnectorHostError(
                .conflict,
                "every operation must pass a test with its current definition before publishing; not yet: \(untested.joined(separator: ", "))"
            )
        }
        let published = try await state.registry.publications(ofDraft: draft.id)
        if let first = published.first, first.slug != connector.slug {
            throw ConnectorHostError(
                .conflict, "the slug is fixed by the first publication: '\(first.slug)', not '\(connector.slug)'; set slug: \(first.slug)"
            )
        }
        if let newest = published.compactMap({ SemanticVersion($0.version) }).max(), version <= newest {
            throw ConnectorHostError(
                .conflict, "version \(version) is not greater than \(newest), published before; a published version never changes"
            )
        }

        let registered = try await state.registry.register(org: org, name: connector.slug, version: request.version, by: principal)
        let registration = registered.registration
        fields["registration"] = .object([
            "key": .string(registration.key), "secret": .string(registered.secret),
            "endpoint_entity_id": .integer(registration.endpointEntityId),
            "function_entity_start_id": .integer(registration.functionEntityIds.lowerBound),
            "function_entity_end_id": .integer(registration.functionEntityIds.upperBound),
        ])
        var distribution = Distribution(plugin: Array(ConnectorDocumentText.yaml(.object(fields)).utf8), suffix: ".connector.yaml")
        distribution.metadata.displayName = connector.name
        distribution.metadata.type = connector.type
        distribution.metadata.description = connector.description
        let entry: CatalogueEntry
        do throws(ConnectorHostError) {
            entry = try await CatalogueRoutes.store(
                distribution, fileName: "\(connector.slug).connector.yaml", by: principal, state: state
            )
        } catch {
            // Nothing was published: the version may be published again.
            try? await state.registry.deleteRegistration(org: org, id: registration.id, by: principal)
            throw error
        }
        let examples = currentExamples(of: draft)
        let report = ConformanceReport(plugin: connector.slug, version: request.version, checks: examples.map { example in
            ConformanceCheck(
                group: "builder tests", name: "\(example.operation) passed a test with its published definition",
                operation: example.operation, mandatory: true, outcome: .pass, detail: "tested \(example.passedAt)"
            )
        })
        _ = try await state.registry.transition(
            id: entry.id, to: .inValidation, report: String(decoding: JSONBody.encode(report), as: UTF8.self), by: principal
        )
        let live = try await Publishing.move(entry.id, to: .live, scope: scope, credentials: [], by: principal, state: state)
        return try await state.registry.recordPublication(BuilderPublication(
            draftId: draft.id, version: request.version, slug: connector.slug, org: org, scope: scope,
            changelog: changelog, catalogueId: live.id, document: document, examples: examples.map(\.example)
        ), by: principal)
    }

    /// The passing test of each operation's current definition, the newest.
    static func currentExamples(of draft: BuilderDraft) -> [BuilderTestPass] {
        let names = draft.document["operations"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        return names.compactMap { name in
            let digest = ConnectorDocumentText.definitionDigest(ofOperation: name, in: draft.document)
            return draft.passedTests.last { $0.operation == name && $0.definitionSHA256 == digest }
        }
    }
}
