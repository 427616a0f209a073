import Foundation
import Synchronization

/// The state of one conformance run: the checks so far, the session in use and
/// what earlier checks learnt (entity types, fields, entities created).
final class ConformanceRun: Sendable {
    private struct State {
        var checks: [ConformanceCheck] = []
        var session: SessionID?
        var entityType: String?
        var fields: [JSONValue] = []
        var maxResults = 50
        /// Entities this run created, for later checks.
        var created: [String] = []
    }

    let connector: Connector
    let credentials: [SessionSetting]
    /// Tags what this run creates, apart from what the end system held before.
    let tag = "conformance-\(UUID().uuidString.prefix(8).lowercased())"
    private let state = Mutex(State())

    init(connector: Connector, credentials: [SessionSetting]) {
        self.connector = connector
        self.credentials = credentials
    }

    var checks: [ConformanceCheck] { state.withLock { $0.checks } }
    var session: SessionID? { state.withLock { $0.session } }
    var entityType: String? { state.withLock { $0.entityType } }
    var fields: [JSONValue] { state.withLock { $0.fields } }
    var maxResults: Int { state.withLock { $0.maxResults } }

    func implements(_ operation: StandardOperation) -> Bool {
        connector.description.implements(operation)
    }

    func record(_ group: String, _ name: String, _ outcome: ConformanceCheck.Outcome, _ detail: String? = nil) {
        state.withLock { $0.checks.append(ConformanceCheck(group: group, name: name, outcome: outcome, detail: detail)) }
    }

    func remember(session: SessionID?) { state.withLock { $0.session = session } }
    func remember(entityType: String, fields: [JSONValue]) {
        state.withLock {
            $0.entityType = entityType
            $0.fields = fields
        }
    }
    func remember(maxResults: Int) { state.withLock { $0.maxResults = maxResults } }
    func remember(created id: String) { state.withLock { $0.created.append(id) } }

    /// Runs one check: `body` returns nil to pass, or what went wrong.
    func check(_ group: APIGroup, _ name: String, _ body: () async throws(ConnectorHostError) -> String?) async {
        do {
            if let problem = try await body() {
                record(group.rawValue, name, .fail, problem)
            } else {
                record(group.rawValue, name, .pass)
            }
        } catch {
            record(group.rawValue, name, .fail, "\(error.code): \(error.message)")
        }
    }

    func skip(_ group: APIGroup, _ name: String, _ why: String) {
        record(group.rawValue, name, .skip, why)
    }

    /// Calls an operation in the run's session and parses the answer.
    func call(_ operation: StandardOperation, _ request: JSONValue = [:]) async throws(ConnectorHostError) -> JSONValue {
        let session = operation.needsSession ? self.session : nil
        return try JSONValue(parsing: try await connector.call(operation, request: request.bytes, session: session))
    }

    /// The error code a call fails with, or nil when it succeeds.
    func failureCode(_ operation: StandardOperation, _ request: JSONValue) async -> ConnectorHostError.Code? {
        do {
            _ = try await call(operation, request)
            return nil
        } catch {
            return error.code
        }
    }

    /// Shape problems as one line, or nil.
    func shapeProblems(_ shape: ResponseShape, _ value: JSONValue) -> String? {
        let problems = shape.problems(in: value)
        return problems.isEmpty ? nil : "expected the documented shape; " + problems.prefix(3).joined(separator: "; ")
    }

    /// Closes the run's session.
    func finish() async {
        guard let session else { return }
        _ = try? await connector.call(.sessionClose, request: [], session: session)
        remember(session: nil)
    }
}

extension ConformanceRun {
    /// session: a session opens with the credentials, and closes.
    func checkSession() async {
        var opened: SessionID?
        await check(.session, "session.open accepts the credentials") { () async throws(ConnectorHostError) -> String? in
            opened = try await connector.openSession(credentials)
            return nil
        }
        await check(.session, "session.close ends a session") { () async throws(ConnectorHostError) -> String? in
            let extra = try await connector.openSession(credentials)
            try await connector.closeSession(extra)
            return nil
        }
        remember(session: opened)
    }

    /// metadata: the connector metadata has the documented shape.
    func checkMetadata() async {
        await check(.metadata, "metadata.get answers the documented shape") { () async throws(ConnectorHostError) -> String? in
            shapeProblems(DocumentedShapes.connectorMetadata, try await call(.metadataGet))
        }
    }

    /// configuration: server info, entity types, type settings and lookup values.
    func checkConfiguration() async {
        guard session != nil else {
            for name in ["server.info", "entity_type.list", "lookup.values"] {
                skip(.configuration, name, "needs a session, and session.open failed")
            }
            return
        }
        await check(.configuration, "server.info answers the documented shape") { () async throws(ConnectorHostError) -> String? in
            let info = try await call(.serverInfo)
            if let problems = shapeProblems(DocumentedShapes.serverInfo, info) { return problems }
            guard let limit = info["maxResults"]?.integerValue, limit > 0 else {
                return "expected maxResults to be a positive integer, got \(info["maxResults"].map { "\($0)" } ?? "nothing")"
            }
            remember(maxResults: Int(limit))
            return nil
        }
        await check(.configuration, "entity_type.list answers the documented shape") { () async throws(ConnectorHostError) -> String? in
            let types = try await call(.entityTypeList)
            if let problems = shapeProblems(DocumentedShapes.entityTypes, types) { return problems }
            guard let first = types.arrayValue?.first?["id"]?.stringValue else {
                return "expected at least one entity type, got none"
            }
            remember(entityType: first, fields: [])
            return nil
        }
        guard let type = entityType else {
            skip(.configuration, "entity_type.get", "no entity type is known")
            skip(.configuration, "lookup.values", "no entity type is known")
            return
        }
        if implements(.entityTypeGet) {
            await check(.configuration, "entity_type.get answers the documented shape") { () async throws(ConnectorHostError) -> String? in
                let settings = try await call(.entityTypeGet, ["entityTypeId": .string(type)])
                remember(entityType: type, fields: settings["fields"]?.arrayValue ?? [])
                return shapeProblems(DocumentedShapes.entityTypeSettings, settings)
            }
        } else {
            skip(.configuration, "entity_type.get", "the plugin does not implement it")
        }
        let lookupField = fields.first { $0["isLookup"]?.boolValue == true && $0["fieldType"]?.stringValue == "LOOKUP" }
            ?? fields.first { $0["isLookup"]?.boolValue == true }
        guard let fieldId = lookupField?["internalName"]?.stringValue else {
            skip(.configuration, "lookup.values", "entity_type.get lists no lookup field to ask for")
            return
        }
        await check(.configuration, "lookup.values answers the documented shape") { () async throws(ConnectorHostError) -> String? in
            let values = try await call(.lookupValues, ["fieldId": .string(fieldId), "entityTypeId": .string(type)])
            if let problems = shapeProblems(DocumentedShapes.lookupValues, values) { return problems }
            return values.arrayValue?.isEmpty == false ? nil : "expected values for lookup field \(fieldId), got none"
        }
        await check(.configuration, "lookup.values of an unknown field is not found") { () async throws(ConnectorHostError) -> String? in
            let code = await failureCode(.lookupValues, ["fieldId": .string("\(tag)-no-such-field"), "entityTypeId": .string(type)])
            return code == .notFound || code == .invalidRequest ? nil : "expected not_found, got \(code.map { "\($0)" } ?? "an answer")"
        }
    }
}
