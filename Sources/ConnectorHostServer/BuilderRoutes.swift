import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Hummingbird

/// The Connector Builder's API: drafts of declarative connectors per org,
/// saved valid or not with their problems by field path; one operation of a
/// draft tested with credentials that are never stored; the document as YAML
/// and back, for the side-by-side editor; a draft from an OpenAPI description.
enum BuilderRoutes {
    /// A draft's document, in either form the editor holds: the JSON value of
    /// the form, or the YAML text.
    struct DocumentBody: Decodable {
        let document: JSONValue?
        let yaml: String?

        func value() throws(ConnectorHostError) -> JSONValue {
            switch (document, yaml) {
            case (let document?, nil):
                guard document.bytes.count <= ConnectorDocumentText.sizeLimit else {
                    throw ConnectorHostError(.invalidRequest, "the document is larger than \(ConnectorDocumentText.sizeLimit) bytes")
                }
                return document
            case (nil, let yaml?): return try ConnectorDocumentText.parse(yaml)
            default: throw ConnectorHostError(.invalidRequest, "send exactly one of \"document\" (JSON) and \"yaml\" (text)")
            }
        }
    }

    /// A draft as the builder shows it.
    struct DraftView: Encodable {
        let draft: BuilderDraft

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(draft.id, forKey: .id)
            try container.encode(draft.org, forKey: .org)
            try container.encode(draft.document, forKey: .document)
            try container.encode(ConnectorDocumentText.yaml(draft.document), forKey: .yaml)
            try container.encode(ConnectorDocumentText.problems(of: draft.document), forKey: .problems)
            try container.encode(draft.createdAt, forKey: .createdAt)
            try container.encode(draft.updatedAt, forKey: .updatedAt)
            try container.encode(draft.passedTests, forKey: .passedTests)
            try container.encode(draft.untestedOperations, forKey: .untestedOperations)
        }

        enum Key: String, CodingKey {
            case id, org, document, yaml, problems, createdAt, updatedAt, passedTests, untestedOperations
        }
    }

    struct TestBody: Decodable {
        let operation: String
        let parameters: [String: JSONValue]?
        let credentials: [String: String]?
    }

    /// The test panel, and whether the passing exchange was kept as an example.
    struct TestView: Encodable {
        let result: JSONValue
        let passed: Bool
        let kept: Bool
    }

    struct RetestList: Encodable {
        let results: [RetestView]
        let untestedOperations: [String]
    }

    struct TextBody: Decodable {
        let text: String
    }

    struct ImportView: Encodable {
        let document: JSONValue
        let yaml: String
        let notes: [String]
        let problems: [String]
    }

    struct RenderView: Encodable {
        let document: JSONValue
        let yaml: String
        let problems: [String]
    }

    /// A test exchange may not take longer, whatever the draft says.
    static let longestTest: Duration = .seconds(30)

    static func add(to router: Router<AppRequestContext>, state: ServerState) {
        let limit = ConnectorDocumentText.sizeLimit + (64 << 10)
        let builder = router.group("builder")
        builder.get("drafts") { _, context in
            let principal = try context.requirePrincipal()
            return JSONBody.response(["drafts": try await state.registry.drafts(visibleTo: principal).map(DraftView.init)])
        }
        builder.post("drafts") { request, context in
            let principal = try context.requirePrincipal()
            let document = try await request.decodeJSON(DocumentBody.self, limit: limit).value()
            return JSONBody.response(DraftView(draft: try await state.registry.createDraft(document, by: principal)), status: .created)
        }
        builder.get("drafts/:id") { _, context in
            let principal = try context.requirePrincipal()
            return JSONBody.response(DraftView(draft: try await state.registry.draft(id: try parameter("id", context), visibleTo: principal)))
        }
        builder.put("drafts/:id") { request, context in
            let principal = try context.requirePrincipal()
            let id = try parameter("id", context)
            let document = try await request.decodeJSON(DocumentBody.self, limit: limit).value()
            return JSONBody.response(DraftView(draft: try await state.registry.updateDraft(id: id, document: document, by: principal)))
        }
        builder.delete("drafts/:id") { _, context in
            let principal = try context.requirePrincipal()
            try await state.registry.deleteDraft(id: try parameter("id", context), by: principal)
            return JSONBody.response(["deleted": true])
        }
        builder.post("drafts/:id/test") { request, context in
            let principal = try context.requirePrincipal()
            let draft = try await state.registry.draft(id: try parameter("id", context), visibleTo: principal)
            let body = try await request.decodeJSON(TestBody.self, limit: 256 << 10)
            return JSONBody.response(try await test(draft, body, state: state, principal: principal))
        }
        builder.post("drafts/:id/retest") { request, context in
            let principal = try context.requirePrincipal()
            let draft = try await state.registry.draft(id: try parameter("id", context), visibleTo: principal)
            let body = try await request.decodeJSON(RetestBody.self, limit: 64 << 10)
            let results = try await retest(draft, credentials: body.credentials ?? [:], state: state, principal: principal)
            let after = try await state.registry.draft(id: draft.id, visibleTo: principal)
            return JSONBody.response(RetestList(results: results, untestedOperations: after.untestedOperations))
        }
        builder.post("drafts/:id/publish") { request, context in
            let principal = try context.requirePrincipal()
            let draft = try await state.registry.draft(id: try parameter("id", context), visibleTo: principal)
            let body = try await request.decodeJSON(BuilderPublishing.Request.self, limit: 64 << 10)
            return JSONBody.response(try await BuilderPublishing.publish(draft, body, by: principal, state: state), status: .created)
        }
        builder.get("drafts/:id/publications") { _, context in
            let principal = try context.requirePrincipal()
            let draft = try await state.registry.draft(id: try parameter("id", context), visibleTo: principal)
            return JSONBody.response(["publications": try await state.registry.publications(ofDraft: draft.id)])
        }
        builder.post("documents/yaml") { request, context in
            _ = try context.requirePrincipal()
            let document = try await request.decodeJSON(DocumentBody.self, limit: limit).value()
            return JSONBody.response(RenderView(
                document: document, yaml: ConnectorDocumentText.yaml(document), problems: ConnectorDocumentText.problems(of: document)
            ))
        }
        builder.post("imports/openapi") { request, context in
            _ = try context.requirePrincipal()
            let text = try await request.decodeJSON(TextBody.self, limit: 4 << 20).text
            let draft = try OpenAPIImport.draft(from: text, source: "the OpenAPI description")
            let document = try ConnectorDocumentText.parse(draft.yaml)
            return JSONBody.response(ImportView(
                document: document, yaml: draft.yaml, notes: draft.notes, problems: ConnectorDocumentText.problems(of: document)
            ))
        }
    }

    /// Runs one operation of the draft with the caller's test credentials
    /// (used for this request only), and keeps a passing exchange, secrets
    /// removed, as the example of the definition it tested.
    private static func test(
        _ draft: BuilderDraft, _ body: TestBody, state: ServerState, principal: Principal
    ) async throws(ConnectorHostError) -> TestView {
        let document = try ConnectorDocumentText.connector(draft.document, source: draft.id)
        guard let digest = ConnectorDocumentText.definitionDigest(ofOperation: body.operation, in: draft.document) else {
            throw ConnectorHostError(
                .notFound,
                "\(draft.id) has no operation '\(body.operation)' (operations: \(document.operations.map(\.name).joined(separator: ", ")))"
            )
        }
        let credentials = body.credentials ?? [:]
        let settings = credentials.sorted { $0.key < $1.key }.map { SessionSetting(key: $0.key, value: $0.value) }
        let timeout = min(document.resilience.timeout ?? longestTest, longestTest)
        let parameters = body.parameters ?? [:]
        // A tenant's test may not reach the host's own network; the admin's,
        // or any in development, may.
        let publicOnly = principal != .admin && !state.development
        let result = try await BlockingWork.run { () throws(ConnectorHostError) in
            try document.test(
                operation: body.operation, parameters: parameters, settings: settings, timeout: timeout,
                publicAddressesOnly: publicOnly
            )
        }
        let secrets = document.credentials.filter(\.sensitive).compactMap { credentials[$0.name] }.filter { !$0.isEmpty }
        let shown = try masked(JSONValue(parsing: JSONBody.encode(result)), secrets: secrets)
        guard result.passed else { return TestView(result: shown, passed: false, kept: false) }
        // Kept with the parameters it was sent with, so that a later edit can be re-tested against it.
        var example = shown.objectValue ?? [:]
        example["parameters"] = masked(.object(parameters), secrets: secrets)
        try await state.registry.recordTestPass(
            draft: draft.id, operation: body.operation, definitionSHA256: digest, example: .object(example), by: principal
        )
        return TestView(result: shown, passed: true, kept: true)
    }

    /// One operation re-tested against its kept example.
    struct RetestView: Encodable {
        let operation: String
        /// The parameters of the kept example it was sent with; nil when the
        /// operation has no kept example yet.
        let parameters: JSONValue?
        let outcome: TestView?
        /// The status the kept example was answered with.
        let exampleStatus: Int?
    }

    struct RetestBody: Decodable {
        let credentials: [String: String]?
    }

    /// Runs every operation of the draft again with the parameters of its
    /// newest kept example (whatever definition that tested), with the
    /// caller's test credentials: after an edit, one request re-tests all.
    private static func retest(
        _ draft: BuilderDraft, credentials: [String: String], state: ServerState, principal: Principal
    ) async throws(ConnectorHostError) -> [RetestView] {
        let names = draft.document["operations"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        var results: [RetestView] = []
        for name in names {
            guard let example = draft.passedTests.last(where: { $0.operation == name })?.example,
                  let parameters = example["parameters"]?.objectValue
            else {
                results.append(RetestView(operation: name, parameters: nil, outcome: nil, exampleStatus: nil))
                continue
            }
            let outcome = try await test(
                draft, TestBody(operation: name, parameters: parameters, credentials: credentials), state: state, principal: principal
            )
            results.append(RetestView(
                operation: name, parameters: .object(parameters), outcome: outcome,
                exampleStatus: example["status"]?.integerValue.map(Int.init)
            ))
        }
        return results
    }

    /// The value with every secret replaced by `********` wherever it appears:
    /// an end system may echo a key back in its answer.
    static func masked(_ value: JSONValue, secrets: [String]) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "********") })
        case .array(let elements):
            return .array(elements.map { masked($0, secrets: secrets) })
        case .object(let members):
            return .object(members.mapValues { masked($0, secrets: secrets) })
        default:
            return value
        }
    }
}
