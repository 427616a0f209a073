import Foundation
import Synchronization

/// The state of one conformance run: the checks so far, what earlier checks
/// learnt (entity types, fields, entities created), and what the check under
/// way last sent.
///
/// Calls go through the connector's credentials path, the one the CLI, the
/// REST server and embedders use, so a plugin is held to the host's own rules
/// (page caps, the HISTORY_BASED recovery rule, reopening a lost session).
final class ConformanceRun: Sendable {
    private struct State {
        var checks: [ConformanceCheck] = []
        var sessionOpens = false
        var entityTypes: [String] = []
        var entityType: String?
        var settings: JSONValue?
        var fields: [JSONValue] = []
        var maxResults = 50
        /// Why the run cannot make an entity, once configuration is checked;
        /// nil when it can.
        var noEntity: String?
        var lastRequest: ConformanceCheck.SentRequest?
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
    var sessionOpens: Bool { state.withLock { $0.sessionOpens } }
    var entityTypes: [String] { state.withLock { $0.entityTypes } }
    var entityType: String? { state.withLock { $0.entityType } }
    /// entity_type.get's answer for ``entityType``.
    var settings: JSONValue? { state.withLock { $0.settings } }
    var fields: [JSONValue] { state.withLock { $0.fields } }
    var maxResults: Int { state.withLock { $0.maxResults } }
    var noEntity: String? { state.withLock { $0.noEntity } }

    func implements(_ operation: StandardOperation) -> Bool {
        connector.router.implements(operation)
    }

    func remember(sessionOpens: Bool) { state.withLock { $0.sessionOpens = sessionOpens } }
    func remember(entityTypes: [String]) {
        state.withLock {
            $0.entityTypes = entityTypes
            $0.entityType = entityTypes.first
        }
    }
    func remember(settings: JSONValue) {
        state.withLock {
            $0.settings = settings
            $0.fields = settings["fields"]?.arrayValue ?? []
        }
    }
    func remember(maxResults: Int) { state.withLock { $0.maxResults = maxResults } }
    func remember(noEntity: String?) { state.withLock { $0.noEntity = noEntity } }

    func record(_ check: ConformanceCheck) {
        state.withLock { $0.checks.append(check) }
    }

    /// Runs one check of `operations`, the first of which is the one checked
    /// (and says whether the check is mandatory).
    ///
    /// A plugin that implements none of the optional ones skips an optional
    /// check; one that implements only some fails it, since what it does
    /// implement would go unchecked. `blocker`, what an earlier step did not give, fails the
    /// check for the same reason. Otherwise `body` returns nil to pass, or what
    /// went wrong.
    func check(
        _ group: APIGroup, _ name: String, of operations: [StandardOperation], unless blocker: String? = nil,
        _ body: () async throws(ConnectorHostError) -> String?
    ) async {
        let checked = operations.first?.rawValue
        let mandatory = operations.first?.isMandatory ?? false
        func finish(_ outcome: ConformanceCheck.Outcome, _ detail: String?) {
            let request = state.withLock { $0.lastRequest }
            record(ConformanceCheck(
                group: group.rawValue, name: name, operation: checked, mandatory: mandatory, outcome: outcome,
                request: request, detail: detail
            ))
        }
        state.withLock { $0.lastRequest = nil }
        let missing = operations.filter { !implements($0) }
        let optionalPresent = operations.filter { !$0.isMandatory && implements($0) }
        if !missing.isEmpty {
            if !mandatory, optionalPresent.isEmpty {
                finish(.skip, "the plugin does not implement \(Self.list(missing))")
            } else {
                finish(.fail, "cannot run: \(Self.list(optionalPresent)) is checked through \(Self.list(missing)); implement \(Self.list(missing))")
            }
            return
        }
        if let blocker {
            finish(.fail, "cannot run: \(blocker)")
            return
        }
        do {
            let problem = try await body()
            finish(problem == nil ? .pass : .fail, problem)
        } catch {
            finish(.fail, "\(error.code): \(error.message)")
        }
    }

    /// Records a check of an optional feature the plugin does not offer.
    func notOffered(_ group: APIGroup, _ name: String, of operation: StandardOperation, _ why: String) {
        record(ConformanceCheck(
            group: group.rawValue, name: name, operation: operation.rawValue, mandatory: false, outcome: .skip,
            request: state.withLock { $0.lastRequest }, detail: why
        ))
    }

    /// "a", "a and b", "a, b and c".
    private static func list(_ operations: [StandardOperation]) -> String {
        let names = operations.map(\.rawValue)
        guard let last = names.last, names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + last
    }

    /// Calls an operation as any caller of the host would, and parses the answer.
    func call(_ operation: StandardOperation, _ request: JSONValue = [:]) async throws(ConnectorHostError) -> JSONValue {
        state.withLock { $0.lastRequest = ConformanceCheck.SentRequest(operation: operation.rawValue, body: request) }
        return try JSONValue(parsing: try await connector.call(operation, request: request.bytes, credentials: credentials))
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

    /// "expected not_found, got …" for a call expected to fail with `expected`; nil when it did.
    func expectFailure(
        _ expected: ConnectorHostError.Code, _ operation: StandardOperation, _ request: JSONValue, _ what: String
    ) async -> String? {
        let code = await failureCode(operation, request)
        return code == expected ? nil : "expected \(expected) for \(what), got \(code.map { "\($0)" } ?? "an answer")"
    }

    /// Shape problems as one line, or nil.
    func shapeProblems(_ shape: ResponseShape, _ value: JSONValue) -> String? {
        let problems = shape.problems(in: value)
        return problems.isEmpty ? nil : "expected the documented shape; " + problems.prefix(3).joined(separator: "; ")
    }
}
